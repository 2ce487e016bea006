"""Staging a root for a local run never touches the sources, and finds every module it calls."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from tests.conftest import REPO


def _digest(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and ".terraform" not in p.parts)
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def test_staging_examples_then_modules_leaves_sources_untouched(tmp_path: Path) -> None:
    before = {name: _digest(REPO / "modules" / name) for name in ("kms", "storage")}
    example = tf.stage(REPO / "examples" / "secure-storage", tmp_path, None)
    module = tf.stage(REPO / "modules" / "kms", tmp_path, None)  # same work dir: the case that once hurt
    (module / "scratch.tf").write_text("# written into the staged copy only\n")
    assert (example / "../../modules/storage/main.tf").resolve() == (REPO / "modules/storage/main.tf").resolve()
    assert not (module.resolve()).is_relative_to(REPO)
    assert {name: _digest(REPO / "modules" / name) for name in ("kms", "storage")} == before
    assert not (REPO / "modules" / "kms" / "scratch.tf").exists()


def test_staging_into_the_source_tree_is_refused() -> None:
    with pytest.raises(tf.TerraformError, match="refusing to stage into the source tree"):
        tf.stage(REPO / "examples" / "secure-storage", REPO / "tests", None)


def test_emulator_override_points_every_service_at_the_emulator(tmp_path: Path) -> None:
    from pipelines_src.local.emulator import Emulator

    info = Emulator(pid=1, port=4599, endpoint="https://127.0.0.1:4599", ca_file="/x/ca.pem", state_dir="/x")
    staged = tf.stage(REPO / "modules" / "kms", tmp_path, info)
    override = (staged / tf.OVERRIDE_FILE).read_text()
    for service in tf.EMULATED_SERVICES:
        assert f"{service} " in override and "https://127.0.0.1:4599" in override
    assert (staged / tf.PROVIDER_STUB_FILE).exists(), "a module root gets a provider block to override"
    assert "skip_credentials_validation = true" in override and "max_retries                 = 4" in override


def test_every_provider_alias_is_pointed_at_the_emulator(tmp_path: Path) -> None:
    """A root with an aliased provider (another account) gets an override block for the alias
    too; its own assume_role block stays, so the emulated STS decides the account."""
    from pipelines_src.local.emulator import Emulator

    info = Emulator(pid=1, port=4599, endpoint="https://127.0.0.1:4599", ca_file="/x/ca.pem", state_dir="/x")
    assert tf.provider_aliases(REPO / "examples" / "data-lake-share") == ["data_lake"]
    assert tf.provider_aliases(REPO / "examples" / "ml-foundation") == []
    staged = tf.stage(REPO / "examples" / "data-lake-share", tmp_path, info)
    override = (staged / tf.OVERRIDE_FILE).read_text()
    assert override.count('provider "aws" {') == 2 and 'alias                       = "data_lake"' in override
    assert override.count("https://127.0.0.1:4599") == 2 * len(tf.EMULATED_SERVICES)
    assert "assume_role" not in override and "assume_role" in (staged / "versions.tf").read_text()


def test_a_root_staged_for_another_account_assumes_the_local_deployer_there(tmp_path: Path) -> None:
    from pipelines_src.local.emulator import Emulator

    info = Emulator(pid=1, port=4599, endpoint="https://127.0.0.1:4599", ca_file="/x/ca.pem", state_dir="/x")
    staged = tf.stage(REPO / "examples" / "data-lake-share", tmp_path, info, account="222200000003")
    override = (staged / tf.OVERRIDE_FILE).read_text()
    default_block, alias_block = override.split('provider "aws" {')[1:]
    assert f'role_arn     = "arn:aws:iam::222200000003:role/{tf.LOCAL_DEPLOYER_ROLE}"' in default_block
    assert "assume_role" not in alias_block, "an alias keeps its own account"
    with pytest.raises(tf.TerraformError, match="12-digit account id"):
        tf.stage(REPO / "examples" / "ml-foundation", tmp_path / "bad", info, account="prod")


def test_mlops_tf_plans_a_root_in_another_emulator_account(
    local_emulator: emulator.Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`mlops tf plan <root> --account <id>` as docs/emulator.md writes it: staged per account, the
    provider assumes the local deployer there; a bad id is refused naming the fix."""
    from pipelines_src import cli

    (tmp_path / "emulator").symlink_to(local_emulator.state_dir)  # the CLI finds this emulator
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    monkeypatch.chdir(REPO)
    assert cli.main(["tf", "plan", "examples/secure-storage", "--account", "222200000009"]) == 0
    (override,) = (tmp_path / "work" / "account-222200000009").rglob(tf.OVERRIDE_FILE)
    assert "arn:aws:iam::222200000009:role/mlops-local-deployer" in override.read_text()
    assert cli.main(["tf", "plan", "examples/secure-storage", "--account", "prod"]) == 2
    assert "12-digit account id" in capsys.readouterr().err
