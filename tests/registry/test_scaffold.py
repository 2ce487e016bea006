"""`mlops new-use-case`: the scaffolded repository consumes the registry's modules by version
through the real `terraform init`, plans against the emulator, passes the policy gate, and its
own tests pass out of the box."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines_src import cli, scaffold
from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from tools import package, policy_gate, registry


@pytest.fixture(scope="module")
def modules_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[registry.Registry]:
    work = tmp_path_factory.mktemp("scaffold-registry")
    package.package_working_tree(tf.REPO_ROOT, work / "dist")
    with registry.serving(work / "dist", work / "state") as running:
        yield running


def test_bad_names_and_existing_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="use 3-20 lowercase letters"):
        cli.main(["new-use-case", "Bad_Name", "--out", str(tmp_path / "x")])
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "main.tf").write_text("# mine\n")
    with pytest.raises(SystemExit, match="is not empty: pick a new folder"):
        cli.main(["new-use-case", "quality", "--out", str(tmp_path / "taken")])
    assert (tmp_path / "taken" / "main.tf").read_text() == "# mine\n"


def test_scaffold_plans_from_the_registry_and_passes_the_policy_gate(
    modules_registry: registry.Registry, local_emulator: emulator.Emulator, tmp_path: Path
) -> None:
    repo = tmp_path / "quality"
    assert cli.main(["new-use-case", "quality", "--out", str(repo), "--registry", modules_registry.host]) == 0
    main_tf = (repo / "infra" / "main.tf").read_text()
    assert f'source  = "{modules_registry.host}/mlops/kms/aws"' in main_tf and 'version = "~> 0.1"' in main_tf
    assert "../../modules" not in main_tf, "modules come from the registry, not copies"
    bundle = tmp_path / "ca-bundle.pem"  # Terraform must trust the emulator and the registry
    bundle.write_text(Path(local_emulator.ca_file).read_text() + Path(modules_registry.ca_file).read_text())
    staged = tf.stage(repo / "infra", tmp_path / "work", local_emulator)
    env = {**tf.base_env(local_emulator), "SSL_CERT_FILE": str(bundle)}
    plan = tf.TerraformRoot(staged, env).plan_json()
    installed = (staged / ".terraform" / "modules" / "modules.json").read_text()
    assert f"{modules_registry.host}/mlops/ml-pipeline/aws" in installed
    findings = policy_gate.scan_hcl(repo / "infra") + policy_gate.scan_plan(plan, tmp_path / "scan", staged)
    failed = policy_gate.failures(findings)
    assert not failed, "\n".join(str(f) for f in failed)
    assert any(f.check_id == "CKV_MLOPS_4" and f.passed for f in findings), "mandatory tags are checked on the plan"


def test_scaffold_tests_pass_out_of_the_box(tmp_path: Path) -> None:
    repo = tmp_path / "quality"
    scaffold.new_use_case("quality", repo, "127.0.0.1:8443", mlops_repo=str(tf.REPO_ROOT))
    env = {**os.environ, "PYTHONPATH": f"{repo}{os.pathsep}{tf.REPO_ROOT}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]
