"""`mlops package`: a source archive per released module version with its SHA-256, in the layout
the registry serves (`<out>/<module>/<version>/<module>-<version>.tar.gz` + `.sha256`).

Every release recorded in `modules/releases.json` is archived from its git tree, so a plain clone
packages all of them. Archives are reproducible (sorted entries, fixed owner and mtime): the same
sources always give the same checksum. `--working-tree` packages the modules as they are now
(for trying unreleased changes).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

from pipelines_src.registry import release

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


def package(module: Path, version: str, out: Path, name: str | None = None) -> Path:
    """Write the archive and its checksum file; returns the archive."""
    data = archive_bytes(module)
    name = name or module.name
    target = out / name / version
    target.mkdir(parents=True, exist_ok=True)
    archive = target / f"{name}-{version}.tar.gz"
    archive.write_bytes(data)
    (target / f"{archive.name}.sha256").write_text(f"{hashlib.sha256(data).hexdigest()}  {archive.name}\n")
    return archive


def package_working_tree(repo: Path, out: Path) -> list[Path]:
    return [package(m, str(release.written_version(m)), out) for m in release.modules(repo)]


def package_releases(repo: Path, out: Path) -> list[Path]:
    """Every recorded release, from its git tree."""
    made = []
    for module, entries in sorted(release.releases(repo).items()):
        for entry in entries:
            with release.module_at(repo, entry) as released:
                made.append(package(released, entry.version, out, module))
    return made


def checksum(archive: Path) -> str:
    return archive.with_name(archive.name + ".sha256").read_text().split()[0]
