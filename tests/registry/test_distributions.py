"""The two distributions, as a use-case team installs them: the wheels `make build` writes
install in a clean virtual environment outside the repository, the step code's has no tooling
dependency, and the installed `mlops` gates a root in a temporary folder (SARIF and JUnit)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, clean_env
from tests.gate.test_policy_command import INSECURE, validate_sarif

TOOLING_ONLY = {"boto3", "checkov", "cryptography", "moto", "pyyaml", "tftest"}


@pytest.fixture(scope="session")
def tooling_venv(use_case_folder: Path) -> Path:
    """A clean virtual environment outside the repository with mlops-tooling from the wheels
    (the README's install line)."""
    return use_case_folder / "tooling"


def _requires(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(metadata).decode().splitlines()
    return {
        line.split(":", 1)[1].strip().split()[0].split("[")[0].split(">")[0].split("=")[0].lower()
        for line in lines
        if line.startswith("Requires-Dist:")
    }


def test_the_step_code_installs_without_any_tooling(wheels: Path) -> None:
    steps, tooling = sorted(wheels.glob("mlops_steps-*.whl")), sorted(wheels.glob("mlops_tooling-*.whl"))
    assert len(steps) == len(tooling) == 1
    assert _requires(steps[0]) and not _requires(steps[0]) & TOOLING_ONLY
    assert {"mlops-steps", "checkov", "moto"} <= _requires(tooling[0])
    with zipfile.ZipFile(steps[0]) as archive:
        names = archive.namelist()
    assert "pipelines_src/steps/training.py" in names and not any("/local/" in n or "/gate/" in n for n in names)


STEP_MODULES = (
    "data_load",
    "feature_engineering",
    "training",
    "evaluation",
    "monitoring",
    "batch_inference",
    "post_processing",
)
PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
tooling = ("pipelines_src.local", "pipelines_src.gate", "pipelines_src.registry", "pipelines_src.commands")
found = {n.split(".")[0] for n in sys.modules} & {"moto", "checkov", "boto3", "yaml"}
found |= {n for n in sys.modules if n.startswith(tooling)}
print(sorted(found))
"""


def test_step_modules_import_nothing_of_the_tooling() -> None:
    modules = [f"pipelines_src.steps.{m}" for m in STEP_MODULES] + ["pipelines_src.serving.app"]
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *modules], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == "[]"


def test_installed_mlops_gates_a_root_in_a_temporary_folder(wheels: Path, tooling_venv: Path, tmp_path: Path) -> None:
    root = tmp_path / "use-case" / "infra"
    shutil.copytree(INSECURE, root)
    env = clean_env(wheels) | {"PATH": f"{tooling_venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    mlops = str(tooling_venv / "bin" / "mlops")
    sarif, junit = tmp_path / "policy.sarif", tmp_path / "policy.xml"
    for fmt, target in (("sarif", sarif), ("junit", junit)):
        done = subprocess.run(
            [mlops, "policy", str(root), "--format", fmt, "--output", str(target)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1, done.stderr[-2000:]
    log = json.loads(sarif.read_text())
    validate_sarif(log)
    rules = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {"CKV_MLOPS_2", "CKV_MLOPS_4"} <= {r["ruleId"] for r in log["runs"][0]["results"]} and "CKV_MLOPS_4" in rules
    suites = ET.parse(junit).getroot()
    assert {s.get("name") for s in suites} == {"policy gate (hcl)", "policy gate (plan)"}
    assert sum(int(s.get("failures", "0")) for s in suites) == len(log["runs"][0]["results"])
    shown = subprocess.run([mlops, "--help"], env=env, capture_output=True, text=True, check=True).stdout
    assert "policy" in shown and "new-use-case" in shown
