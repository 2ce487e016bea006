"""Module releases recorded in the tree: `mlops release <module> <major|minor|patch|none>`.

A release is the commit that sets a module's version line (`# module_version` in versions.tf)
and its CHANGELOG heading, and records the release in `modules/releases.json`: the version, the
date and the module folder's git **tree id** (its content, whichever commit carries it). A plain
clone of main therefore knows every released version and can archive, serve and compare each one
(`git archive <tree>`), with no tag. Tags may still be written for humans (`--tag`).

Work towards a breaking release may set the version line to the next major ahead of time (the
CHANGELOG's [Unreleased] section describing it); `BUMP=none` then releases the written version.

Refused, with the fix: an unknown module, a BUMP that is not one of the four, uncommitted changes,
a CHANGELOG without an entry for the release, a version that is not semver, a version released
before, and a breaking interface change (interface.py) without a major bump — also below 1.0.
"""

from __future__ import annotations

import json
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from pipelines_src.registry import hcl, interface

SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
BUMPS = ("major", "minor", "patch", "none")
MODULE_NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
MANIFEST = Path("modules") / "releases.json"
FORMAT = "mlops-module-releases/1"


class ReleaseError(RuntimeError):
    """Why a release (or reading one) is refused, worded as the fix."""


@dataclass(frozen=True, order=True)
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


@dataclass(frozen=True)
class Release:
    module: str
    version: str
    tree: str  # git tree id of modules/<module> as released
    date: str

    @property
    def parsed(self) -> Version:
        return Version.parse(self.version)


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def repository(start: Path) -> Path:
    """The git work tree of the module registry that holds `start` (it must have modules/)."""
    found = subprocess.run(
        ["git", "-C", str(start), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
    )
    top = Path(found.stdout.strip()) if found.returncode == 0 else None
    if top is None or not (top / "modules").is_dir():
        raise ReleaseError(
            f"{start} is not in a module registry repository (a git work tree with modules/): cd into one"
        )
    return top


def modules(repo: Path) -> list[Path]:
    return sorted(p for p in (repo / "modules").iterdir() if (p / "versions.tf").is_file())


def module_dir(repo: Path, module: str) -> Path:
    path = repo / "modules" / module
    if not MODULE_NAME.match(module) or not (path / "versions.tf").is_file():
        raise ReleaseError(f"no module {module!r}: use one of {', '.join(p.name for p in modules(repo))}")
    return path


def written_version(path: Path) -> Version:
    version = hcl.module_version(path)
    if version is None:
        raise ReleaseError(f"{path / 'versions.tf'} has no '# module_version = \"x.y.z\"' line: add it")
    return Version.parse(version)


def releases(repo: Path) -> dict[str, list[Release]]:
    """Every recorded release by module, oldest first."""
    path = repo / MANIFEST
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text())
    if raw.get("format") != FORMAT:
        raise ReleaseError(f"{path}: not a release manifest ({FORMAT}); restore it from git")
    found = {name: [Release(name, **entry) for entry in entries] for name, entries in raw["modules"].items()}
    return {name: sorted(entries, key=lambda r: r.parsed) for name, entries in found.items()}


def released_versions(repo: Path, module: str) -> list[Version]:
    return [r.parsed for r in releases(repo).get(module, [])]


def _write_manifest(repo: Path, recorded: dict[str, list[Release]]) -> None:
    body = {
        "format": FORMAT,
        "modules": {
            name: [{k: v for k, v in asdict(r).items() if k != "module"} for r in entries]
            for name, entries in sorted(recorded.items())
        },
    }
    (repo / MANIFEST).write_text(json.dumps(body, indent=2) + "\n")


@contextmanager
def module_at(repo: Path, entry: Release) -> Iterator[Path]:
    """The module's folder as released, extracted for the block's duration."""
    if subprocess.run(
        ["git", "-C", str(repo), "cat-file", "-e", entry.tree], capture_output=True, check=False
    ).returncode:
        raise ReleaseError(
            f"{entry.module} {entry.version}: this clone lacks its content (tree {entry.tree[:12]}): "
            "fetch the history with `git fetch --unshallow`"
        )
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "module.tar"
        git(repo, "archive", "--format=tar", f"--output={archive}", entry.tree)
        target = Path(scratch) / entry.module
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
        yield target


def interface_at(repo: Path, entry: Release) -> interface.Interface:
    with module_at(repo, entry) as released:
        return interface.read(released)


def check_compatible(repo: Path, module: str, previous: Release | None, new: Version) -> None:
    if previous is None:
        return
    changes = interface.breaking_changes(interface_at(repo, previous), interface.read(module_dir(repo, module)))
    if changes and new.major == previous.parsed.major:
        raise ReleaseError(
            f"{module}: breaking changes since {previous.version} need BUMP=major: " + "; ".join(changes)
        )


def compatibility_problems(repo: Path, module: str) -> list[str]:
    """Breaking changes of the module since its last release that its version line does not
    announce with the next major (empty: compatible, or a major is being prepared)."""
    recorded = releases(repo).get(module, [])
    if not recorded:
        return [f"{module} has no release: release it (mlops release {module} none)"]
    last = recorded[-1]
    changes = interface.breaking_changes(interface_at(repo, last), interface.read(module_dir(repo, module)))
    if written_version(module_dir(repo, module)).major > last.parsed.major:
        return []
    return [f"{module}: breaking changes since {last.version} need the next major version: {c}" for c in changes]


def changelog_with_release(text: str, version: Version, today: str) -> str:
    """The CHANGELOG with [Unreleased]'s entries moved under the new version's heading."""
    match = re.search(r"^## \[Unreleased\]\n(?P<body>.*?)(?=^## \[|\Z)", text, re.S | re.M)
    if match is None:
        raise ReleaseError("CHANGELOG.md has no '## [Unreleased]' section: add it (Keep a Changelog)")
    if not match["body"].strip():
        raise ReleaseError(f"CHANGELOG.md has no entry under [Unreleased] for {version}: describe the change first")
    section = f"## [Unreleased]\n\n## [{version}] - {today}\n\n{match['body'].strip()}\n\n"
    return text[: match.start()] + section + text[match.end() :]


README_VERSION = re.compile(r"Module version: `[0-9]+\.[0-9]+\.[0-9]+[^`]*`")


def _next_version(repo: Path, module: str, bump: str) -> tuple[Release | None, Version]:
    path = module_dir(repo, module)
    recorded = releases(repo).get(module, [])
    previous = recorded[-1] if recorded else None
    written = written_version(path)
    new = (previous.parsed if previous else written).bump(bump) if bump != "none" else written
    if any(r.parsed == new for r in recorded):
        raise ReleaseError(f"{module} {new} is released already: pick BUMP=patch, minor or major")
    return previous, new


def _record(repo: Path, module: str, new: Version, today: str) -> None:
    path = module_dir(repo, module)
    changelog, versions = path / "CHANGELOG.md", path / "versions.tf"
    if f"## [{new}]" not in changelog.read_text():
        changelog.write_text(changelog_with_release(changelog.read_text(), new, today))
    versions.write_text(hcl.VERSION_LINE.sub(f'# module_version = "{new}"', versions.read_text()))
    git(repo, "add", str(changelog), str(versions))
    readme = path / "README.md"
    if readme.is_file() and README_VERSION.search(readme.read_text()):
        # the README's generated block (tools/tfdoc.py) names the version: released as it is,
        # not regenerated in a later commit that would leave the released archive stale
        readme.write_text(README_VERSION.sub(f"Module version: `{new}`", readme.read_text(), count=1))
        git(repo, "add", str(readme))
    tree = git(repo, "write-tree", f"--prefix=modules/{module}/").strip()  # the content being released
    recorded = releases(repo)
    recorded.setdefault(module, []).append(Release(module, str(new), tree, today))
    _write_manifest(repo, recorded)
    git(repo, "add", str(repo / MANIFEST))


def release(repo: Path, module: str, bump: str, today: str | None = None, tag: bool = False) -> str:
    """Release `module` in one commit; returns `<module> <version>`."""
    if bump not in BUMPS:
        raise ReleaseError(f"BUMP={bump!r}: use one of {', '.join(BUMPS)}")
    module_dir(repo, module)
    if git(repo, "status", "--porcelain").strip():
        raise ReleaseError("the working tree has uncommitted changes: commit or stash them first")
    previous, new = _next_version(repo, module, bump)
    check_compatible(repo, module, previous, new)
    _record(repo, module, new, today or date.today().isoformat())
    git(repo, "commit", "-q", "-m", f"Release {module} {new}")
    if tag:
        git(repo, "tag", "-a", f"{module}/v{new}", "-m", f"{module} {new}")
    return f"{module} {new}"


def committed_trees(repo: Path, module: str) -> set[str]:
    """Every tree id modules/<module> has had in a commit reachable from HEAD.

    `git cat-file -e` is not enough: a tree written by `mlops release` and then amended away (say
    by a regenerated README in the same commit) stays as a loose object in the releaser's clone
    but never reaches anyone else's.
    """
    commits = git(repo, "log", "--format=%H", "--", f"modules/{module}").split()
    # --batch-check answers "<name> missing" for a commit that deleted the folder, instead of failing
    listed = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch-check=%(objectname) %(objecttype)"],
        input="".join(f"{commit}:modules/{module}\n" for commit in commits),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[0] for line in listed.splitlines() if line.endswith(" tree")}


def problems(repo: Path) -> list[str]:
    """Where the tree and the release manifest disagree: a CHANGELOG release the manifest lacks,
    a recorded release whose content this clone cannot find, a version line behind its release."""
    recorded = releases(repo)
    found = []
    for path in modules(repo):
        entries = {r.version: r for r in recorded.get(path.name, [])}
        for version in hcl.changelog_versions(path):
            if version not in entries:
                found.append(f"{path.name}: CHANGELOG lists {version}, which modules/releases.json does not record")
        committed = committed_trees(repo, path.name)
        for entry in entries.values():
            if entry.tree not in committed:
                found.append(
                    f"{path.name} {entry.version}: content (tree {entry.tree[:12]}) is in no commit of this "
                    "clone's history (amended after `mlops release`? record the committed tree)"
                )
        if entries and written_version(path) < max(r.parsed for r in entries.values()):
            found.append(f"{path.name}: versions.tf is behind its last release")
    return found
