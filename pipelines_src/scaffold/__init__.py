"""`mlops new-use-case <name>`: a use-case repository consuming the registry's modules by version
(never copies of them) and the tooling by version (`mlops-tooling`), with its own step code, its
own pipelines (the registry's plus a data-validation step), tests, CI and `make demo`.

The files are package data (`template/`): names starting `dot-` become dotfiles, and the tokens
__NAME__, __REGISTRY__, __NAMESPACE__, __CONSTRAINT__ and __TOOLING_VERSION__ are filled in. The
pipelines are compiled into `infra/pipelines/` as `make asl` does. Nothing existing is overwritten.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from pipelines_src.pipelines import compiler

NAME = re.compile(r"^[a-z][a-z0-9-]{2,19}$")
TEMPLATE = Path(__file__).resolve().parent / "template"
_SKIP = {"__pycache__"}


class ScaffoldError(ValueError):
    """Why a use case cannot be written, worded as the fix."""


def tooling_version() -> str:
    """The version of the installed tooling (the scaffold pins the tooling it was made with)."""
    for distribution in ("mlops-tooling", "mlops-registry"):
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    import pipelines_src

    return str(pipelines_src.__version__)


def _target_name(relative: Path) -> Path:
    return Path(*[f".{p.removeprefix('dot-')}" if p.startswith("dot-") else p for p in relative.parts])


def files(name: str, registry: str, namespace: str, constraint: str) -> dict[str, str]:
    tokens = {
        "__NAME__": name,
        "__REGISTRY__": registry,
        "__NAMESPACE__": namespace,
        "__CONSTRAINT__": constraint,
        "__TOOLING_VERSION__": tooling_version(),
    }
    written = {}
    for path in sorted(p for p in TEMPLATE.rglob("*") if p.is_file() and not _SKIP & set(p.parts)):
        text = path.read_text()
        for token, value in tokens.items():
            text = text.replace(token, value)
        written[_target_name(path.relative_to(TEMPLATE)).as_posix()] = text
    return written


def _check(name: str, registry: str, target: Path) -> None:
    if not NAME.match(name):
        raise ScaffoldError(f"use case name {name!r}: use 3-20 lowercase letters, digits and hyphens, e.g. quality")
    if "." not in registry and ":" not in registry:
        raise ScaffoldError(f"registry {registry!r}: give a host with a dot or a port, e.g. registry.example.com")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} is not empty: pick a new folder (nothing is overwritten)")


def new_use_case(
    name: str, target: Path, registry: str, *, namespace: str = "mlops", constraint: str = "~> 1.0"
) -> list[Path]:
    """Write the repository; refuses a bad name or a target that already has files."""
    _check(name, registry, target)
    made = []
    for relative, text in files(name, registry, namespace, constraint).items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        made.append(path)
    for pipeline in compiler.load(str(target / "pipelines.py")).values():  # what `make asl` writes
        made += compiler.write(pipeline, target / "infra" / "pipelines")
    return made
