"""`mlops new-use-case`: the scaffolded repository consumes the registry's released modules by
version through the real `terraform init` (its registry host mapped to the local registry),
plans against the emulator, passes the policy gate, and its own tests pass out of the box."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines_src import cli, scaffold
from pipelines_src.gate import runner as policy_gate
from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from pipelines_src.registry import package
from pipelines_src.registry import server as registry
from tests.conftest import REPO


@pytest.fixture(scope="module")
def modules_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[registry.Registry]:
    """Every recorded module release, served as a module registry (what the tooling bundles)."""
    work = tmp_path_factory.mktemp("scaffold-registry")
    assert package.package_releases(REPO, work / "dist")
    with registry.serving(work / "dist", work / "state") as running:
        yield running


@pytest.mark.parametrize(
    ("name", "prepare", "message"),
    [
        ("Bad_Name", None, "use 3-20 lowercase letters"),
        ("quality", "taken", "is not empty: pick a new folder"),
    ],
)
def test_bad_names_and_existing_folders_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, prepare: str | None, message: str
) -> None:
    target = tmp_path / "target"
    if prepare == "taken":
        target.mkdir()
        (target / "main.tf").write_text("# mine\n")
    assert cli.main(["new-use-case", name, "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    if prepare:
        assert [p.name for p in target.iterdir()] == ["main.tf"] and (target / "main.tf").read_text() == "# mine\n"
    else:
        assert not target.exists(), "nothing written"


def test_scaffold_writes_a_repository_that_needs_no_registry_checkout(tmp_path: Path) -> None:
    repo = tmp_path / "quality"
    made = scaffold.new_use_case("quality", repo, tf.LOCAL_REGISTRY_HOST)
    names = {p.relative_to(repo).as_posix() for p in made}
    assert {".github/workflows/pull-request.yml", ".gitignore", "infra/pipelines/training.manifest.json"} <= names
    for relative in ("Makefile", ".github/workflows/pull-request.yml", "buildspec.yml"):
        text = (repo / relative).read_text()
        assert "git clone" not in text and "pip install -e" not in text and "__" not in text.replace("__pycache__", "")
    assert f"mlops-tooling=={scaffold.tooling_version()}" in (repo / "Makefile").read_text()
    main_tf = (repo / "infra" / "main.tf").read_text()
    assert f'source  = "{tf.LOCAL_REGISTRY_HOST}/mlops/kms/aws"' in main_tf and 'version = "~> 1.0"' in main_tf
    assert "../../modules" not in main_tf, "modules come from the registry, not copies"


def test_scaffold_plans_from_the_registry_and_passes_the_policy_gate(
    modules_registry: registry.Registry, local_emulator: emulator.Emulator, tmp_path: Path
) -> None:
    repo = tmp_path / "quality"
    assert cli.main(["new-use-case", "quality", "--out", str(repo)]) == 0
    staged = tf.stage(repo / "infra", tmp_path / "work", local_emulator)
    env = tf.local_env(local_emulator, tmp_path / "settings", modules_registry.url, modules_registry.ca_file)
    plan = tf.TerraformRoot(staged, env).plan_json(
        variables={"image_uri": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/q:1"}
    )
    installed = (staged / ".terraform" / "modules" / "modules.json").read_text()
    assert f"{tf.LOCAL_REGISTRY_HOST}/mlops/ml-pipeline/aws" in installed and '"Version":"1.' in installed.replace(
        " ", ""
    )
    findings = policy_gate.scan_hcl(repo / "infra") + policy_gate.scan_plan(plan, tmp_path / "scan", staged)
    failed = policy_gate.failures(policy_gate.apply_waivers(findings, repo / "infra"))
    assert not failed, "\n".join(str(f) for f in failed)
    assert any(f.check_id == "CKV_MLOPS_4" and f.passed for f in findings), "mandatory tags are checked on the plan"


def test_scaffold_tests_pass_out_of_the_box(tmp_path: Path) -> None:
    repo = tmp_path / "quality"
    scaffold.new_use_case("quality", repo, tf.LOCAL_REGISTRY_HOST)
    env = {**os.environ, "PYTHONPATH": str(repo)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "2 passed" in result.stdout, "the transformer test and the inserted pipeline step both ran"
