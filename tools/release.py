"""`make release MODULE=<module> BUMP=<major|minor|patch|none>`: release one module.

The version comes from the module's last tag (`<module>/v<version>`) bumped by BUMP; `none`
releases the version written in versions.tf as it is (a module's first release). The CHANGELOG's
[Unreleased] entries become the new version's section, `module_version` in versions.tf is
updated, both are committed and the tag is created. Refused, with the fix: an unknown module, a
BUMP that is not one of the four, uncommitted changes, a CHANGELOG without an entry for the
release, a version that is not semver, a tag that exists, and a breaking interface change
(tools/interface.py) without a major bump.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tools import interface

REPO = Path(__file__).resolve().parents[1]
SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
VERSION_LINE = re.compile(r'^# module_version = "(?P<version>[^"]*)"$', re.M)
BUMPS = ("major", "minor", "patch", "none")
MODULE_NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")


class ReleaseError(RuntimeError):
    """Why a release is refused, worded as the fix."""


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        match = SEMVER.match(text)
        if not match:
            raise ReleaseError(f"version {text!r} is not semver (MAJOR.MINOR.PATCH, e.g. 0.2.0): fix versions.tf")
        return cls(*(int(p) for p in match.groups()))

    def bump(self, part: str) -> Version:
        if part == "major":
            return Version(self.major + 1, 0, 0)
        if part == "minor":
            return Version(self.major, self.minor + 1, 0)
        if part == "patch":
            return Version(self.major, self.minor, self.patch + 1)
        return self

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def module_dir(repo: Path, module: str) -> Path:
    path = repo / "modules" / module
    if not MODULE_NAME.match(module) or not (path / "versions.tf").is_file():
        known = sorted(p.name for p in (repo / "modules").iterdir() if (p / "versions.tf").is_file())
        raise ReleaseError(f"no module {module!r}: use one of {', '.join(known)}")
    return path


def written_version(path: Path) -> Version:
    match = VERSION_LINE.search((path / "versions.tf").read_text())
    if not match:
        raise ReleaseError(f"{path / 'versions.tf'} has no '# module_version = \"x.y.z\"' line: add it")
    return Version.parse(match["version"])


def released_versions(repo: Path, module: str) -> list[Version]:
    tags = git(repo, "tag", "--list", f"{module}/v*").split()
    found = [Version.parse(t.removeprefix(f"{module}/v")) for t in tags if SEMVER.match(t.removeprefix(f"{module}/v"))]
    return sorted(found, key=lambda v: (v.major, v.minor, v.patch))


@contextmanager
def module_at(repo: Path, module: str, tag: str) -> Iterator[Path]:
    """The module's folder as released under `tag`, extracted for the block's duration."""
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "module.tar"
        subprocess.run(
            ["git", "-C", str(repo), "archive", "--format=tar", f"--output={archive}", tag, f"modules/{module}"],
            check=True,
        )
        with tarfile.open(archive) as tar:
            tar.extractall(scratch, filter="data")
        yield Path(scratch) / "modules" / module


def interface_at(repo: Path, module: str, tag: str) -> interface.Interface:
    """The module's interface as released under `tag`."""
    with module_at(repo, module, tag) as released:
        return interface.read(released)


def check_compatible(repo: Path, module: str, previous: Version | None, new: Version) -> None:
    if previous is None:
        return
    changes = interface.breaking_changes(
        interface_at(repo, module, f"{module}/v{previous}"), interface.read(module_dir(repo, module))
    )
    if changes and new.major == previous.major:
        raise ReleaseError(f"{module}: breaking changes since {previous} need BUMP=major: " + "; ".join(changes))


def changelog_with_release(text: str, version: Version, today: str) -> str:
    """The CHANGELOG with [Unreleased]'s entries moved under the new version's heading."""
    match = re.search(r"^## \[Unreleased\]\n(?P<body>.*?)(?=^## \[|\Z)", text, re.S | re.M)
    if match is None:
        raise ReleaseError("CHANGELOG.md has no '## [Unreleased]' section: add it (Keep a Changelog)")
    if not match["body"].strip():
        raise ReleaseError(f"CHANGELOG.md has no entry under [Unreleased] for {version}: describe the change first")
    section = f"## [Unreleased]\n\n## [{version}] - {today}\n\n{match['body'].strip()}\n\n"
    return text[: match.start()] + section + text[match.end() :]


def release(repo: Path, module: str, bump: str, today: str | None = None) -> str:
    """Release `module`; returns the tag made."""
    if bump not in BUMPS:
        raise ReleaseError(f"BUMP={bump!r}: use one of {', '.join(BUMPS)}")
    path = module_dir(repo, module)
    if git(repo, "status", "--porcelain").strip():
        raise ReleaseError("the working tree has uncommitted changes: commit or stash them first")
    written = written_version(path)
    released = released_versions(repo, module)
    previous = released[-1] if released else None
    new = (previous or written).bump(bump) if bump != "none" else written
    tag = f"{module}/v{new}"
    if new in released:
        raise ReleaseError(f"{tag} exists: pick BUMP=patch, minor or major")
    check_compatible(repo, module, previous, new)
    changelog = path / "CHANGELOG.md"
    if bump == "none":
        if f"## [{new}]" not in changelog.read_text():
            raise ReleaseError(f"CHANGELOG.md has no '## [{new}]' section: describe the release first")
    else:
        changelog.write_text(changelog_with_release(changelog.read_text(), new, today or date.today().isoformat()))
        versions = path / "versions.tf"
        versions.write_text(VERSION_LINE.sub(f'# module_version = "{new}"', versions.read_text()))
        git(repo, "add", str(changelog), str(versions))
        git(repo, "commit", "-q", "-m", f"Release {module} {new}")
    git(repo, "tag", "-a", tag, "-m", f"{module} {new}")
    return tag


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("module")
    parser.add_argument("bump")
    args = parser.parse_args(argv)
    try:
        print(f"release: tagged {release(REPO, args.module, args.bump)}")
    except ReleaseError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
