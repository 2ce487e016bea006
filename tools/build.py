"""`make build`: the two distributions of this repository as wheels, from one source tree.

- **mlops-steps**: the code the SageMaker containers run (`pipelines_src.steps`, `serving`, the
  contracts and the sample data) with its numeric dependencies only — no emulator, no checkov, no
  Terraform tooling. The step image installs this wheel.
- **mlops-tooling**: the `mlops` command (policy gate, scaffold, local runtime, module registry,
  releases, pipeline compiler, notebooks' helpers) with the policy pack, the compiled pipelines,
  the Terraform CLI configs and the archive of every released module version as package data.
  It depends on mlops-steps at the same version (its local jobs run the step code).

Each distribution is staged (its files copied into `build/<name>/` with a generated
pyproject.toml) and built with `pip wheel`; dependencies come from this repository's
pyproject.toml (`[project].dependencies` for the steps, `[project.optional-dependencies].tooling`
for the tooling), so there is one list of each.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Distribution:
    name: str
    summary: str
    sources: tuple[tuple[str, str], ...]  # (path in the repository, path in the distribution)
    package_data: dict[str, list[str]]
    scripts: dict[str, str]


STEPS = Distribution(
    "mlops-steps",
    "Step code of the secure MLOps module registry: what its SageMaker jobs and endpoints run",
    (
        ("pipelines_src/__init__.py", "pipelines_src/__init__.py"),
        ("pipelines_src/py.typed", "pipelines_src/py.typed"),
        ("pipelines_src/contracts.py", "pipelines_src/contracts.py"),
        ("pipelines_src/datasets.py", "pipelines_src/datasets.py"),
        ("pipelines_src/steps", "pipelines_src/steps"),
        ("pipelines_src/serving", "pipelines_src/serving"),
    ),
    {"pipelines_src": ["py.typed"], "pipelines_src.serving": ["Dockerfile"]},
    {},
)
TOOLING = Distribution(
    "mlops-tooling",
    "The mlops command of the secure MLOps module registry: policy gate, scaffold, local runtime, registry",
    (
        ("pipelines_src/cli.py", "pipelines_src/cli.py"),
        ("pipelines_src/executions.py", "pipelines_src/executions.py"),
        ("pipelines_src/approvals.py", "pipelines_src/approvals.py"),
        ("pipelines_src/promotion.py", "pipelines_src/promotion.py"),
        ("pipelines_src/monitors.py", "pipelines_src/monitors.py"),
        ("pipelines_src/lineage.py", "pipelines_src/lineage.py"),
        ("pipelines_src/codepipelines.py", "pipelines_src/codepipelines.py"),
        ("pipelines_src/notebook.py", "pipelines_src/notebook.py"),
        ("pipelines_src/scaffold", "pipelines_src/scaffold"),
        ("pipelines_src/commands", "pipelines_src/commands"),
        ("pipelines_src/gate", "pipelines_src/gate"),
        ("pipelines_src/local", "pipelines_src/local"),
        ("pipelines_src/pipelines", "pipelines_src/pipelines"),
        ("pipelines_src/registry", "pipelines_src/registry"),
        ("policies/__init__.py", "mlops_policies/__init__.py"),
        ("policies/plan_checks.py", "mlops_policies/plan_checks.py"),
        ("policies/checks", "mlops_policies/checks"),
    ),
    {
        "pipelines_src.local": ["tfrc/*.tfrc"],
        "pipelines_src.pipelines": ["templates/*"],
        "pipelines_src.registry": ["modules/*/*/*"],
        "pipelines_src.scaffold": ["template/**/*"],
        "mlops_policies.checks": ["*.yaml"],
    },
    {"mlops": "pipelines_src.cli:main"},
)


def project() -> dict[str, object]:
    data: dict[str, object] = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return data


def _copy(stage: Path, sources: tuple[tuple[str, str], ...]) -> None:
    for origin, target in sources:
        source, destination = REPO / origin, stage / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "modules"))
        else:
            shutil.copy2(source, destination)


def _packages(stage: Path) -> list[str]:
    """Every folder holding Python modules, as a dotted package name (the tooling's
    `pipelines_src` has no __init__.py: the steps distribution owns it)."""
    folders = {p.parent for p in stage.rglob("*.py") if "template" not in p.relative_to(stage).parts}
    return sorted(".".join(f.relative_to(stage).parts) for f in folders if f != stage)


def _pyproject(dist: Distribution, version: str, dependencies: list[str], packages: list[str]) -> str:
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    data = "\n".join(f'"{package}" = {toml_list(globs)}' for package, globs in sorted(dist.package_data.items()))
    scripts = "\n".join(f'{name} = "{target}"' for name, target in dist.scripts.items())
    return f"""[build-system]
requires = ["setuptools>=65", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist.name}"
version = "{version}"
description = "{dist.summary}"
requires-python = ">=3.11"
license = {{ text = "Apache-2.0" }}
dependencies = {toml_list(dependencies)}

[project.scripts]
{scripts}

[tool.setuptools]
packages = {toml_list(packages)}
include-package-data = false

[tool.setuptools.package-data]
{data}
"""


def _bundle_module_archives(stage: Path) -> int:
    """Every released module version, archived into the tooling (mlops registry serves them)."""
    from pipelines_src.registry import package

    target = stage / "pipelines_src" / "registry" / "modules"
    return len(package.package_releases(REPO, target))


def build(dist: Distribution, out: Path, work: Path) -> Path:
    meta = project()
    version = str(meta["version"])
    extras: dict[str, list[str]] = meta["optional-dependencies"]  # type: ignore[assignment]
    steps_dependencies: list[str] = meta["dependencies"]  # type: ignore[assignment]
    dependencies = list(steps_dependencies) if dist is STEPS else [f"mlops-steps=={version}", *extras["tooling"]]
    stage = work / dist.name
    _copy(stage, dist.sources)
    if dist is TOOLING:
        _bundle_module_archives(stage)
    (stage / "pyproject.toml").write_text(_pyproject(dist, version, dependencies, _packages(stage)))
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(stage),
        ],
        check=True,
    )
    return next(out.glob(f"{dist.name.replace('-', '_')}-{version}-*.whl"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "dist")
    args = parser.parse_args(argv)
    for old in args.out.glob("mlops_*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory() as work:
        for dist in (STEPS, TOOLING):
            print(f"build: {build(dist, args.out, Path(work))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
