"""`make package`: a source archive per module version with its SHA-256, in the layout the
registry serves (`<out>/<module>/<version>/<module>-<version>.tar.gz` + `.sha256`).

Archives are reproducible (sorted entries, fixed owner and mtime), so the same sources always
give the same checksum. Without arguments the working tree's version of every module is packaged;
`--tags` packages every released version (`<module>/v<version>` tags) from git instead.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import tarfile
from pathlib import Path

from tools import release

EXCLUDED = {".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup"}


def archive_bytes(module: Path) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped, tarfile.open(fileobj=zipped, mode="w") as tar:
        for path in sorted(p for p in module.rglob("*") if p.is_file()):
            relative = path.relative_to(module)
            if EXCLUDED & set(relative.parts):
                continue
            info = tarfile.TarInfo(relative.as_posix())
            info.size, info.mode, info.mtime = path.stat().st_size, 0o644, 0
            tar.addfile(info, io.BytesIO(path.read_bytes()))
    return buffer.getvalue()


def package(module: Path, version: str, out: Path) -> Path:
    """Write the archive and its checksum file; returns the archive."""
    data = archive_bytes(module)
    target = out / module.name / version
    target.mkdir(parents=True, exist_ok=True)
    archive = target / f"{module.name}-{version}.tar.gz"
    archive.write_bytes(data)
    (target / f"{archive.name}.sha256").write_text(f"{hashlib.sha256(data).hexdigest()}  {archive.name}\n")
    return archive


def modules(repo: Path) -> list[Path]:
    return sorted(p for p in (repo / "modules").iterdir() if (p / "versions.tf").is_file())


def package_working_tree(repo: Path, out: Path) -> list[Path]:
    return [package(m, str(release.written_version(m)), out) for m in modules(repo)]


def package_tags(repo: Path, out: Path) -> list[Path]:
    made = []
    for module in modules(repo):
        for version in release.released_versions(repo, module.name):
            with release.module_at(repo, module.name, f"{module.name}/v{version}") as released:
                made.append(package(released, str(version), out))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=release.REPO / "dist" / "modules")
    parser.add_argument("--tags", action="store_true", help="package every released version from its git tag")
    args = parser.parse_args(argv)
    made = (package_tags if args.tags else package_working_tree)(release.REPO, args.out)
    for archive in made:
        print(
            f"package: {archive.relative_to(args.out)} sha256 "
            + archive.with_name(archive.name + ".sha256").read_text().split()[0]
        )
    if not made:
        print("package: nothing to package (no released versions: make release MODULE=... first)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
