"""`mlops approved-package`, the deploy step of a deploy on approval, against the emulator's
registry: the newest Approved version (not a newer pending or rejected one), written where the
serving root's next apply reads it; nothing approved or a bad file name changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines_src import cli
from pipelines_src.local import emulator

GROUP = "deploy-on-approval"


def _package(sagemaker: object, status: str) -> str:
    container = {"Image": "492215442770.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-xgboost:1.7-1"}
    answer = sagemaker.create_model_package(  # type: ignore[attr-defined]
        ModelPackageGroupName=GROUP,
        InferenceSpecification={
            "Containers": [{**container, "ModelDataUrl": "s3://deploy-bucket/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelApprovalStatus=status,
    )
    return str(answer["ModelPackageArn"])


@pytest.fixture
def local_cli(local_emulator: emulator.Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A serving root folder; the CLI's --local finds the session's emulator."""
    (tmp_path / "emulator").symlink_to(local_emulator.state_dir)
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    root = tmp_path / "serving-root"
    root.mkdir()
    return root


def test_the_newest_approved_version_is_written_for_the_root(
    local_emulator: emulator.Emulator, local_cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sagemaker = local_emulator.client("sagemaker")
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    target = local_cli / "approved-package.auto.tfvars.json"
    assert cli.main(["approved-package", GROUP, "--local", "--tfvars", str(target)]) == 1
    assert "has no Approved version to deploy: approve one" in capsys.readouterr().out
    assert not target.exists(), "nothing approved: nothing written"
    _package(sagemaker, "Approved")
    newest_approved = _package(sagemaker, "Approved")
    _package(sagemaker, "PendingManualApproval")
    _package(sagemaker, "Rejected")
    assert cli.main(["approved-package", GROUP, "--local", "--tfvars", str(target)]) == 0
    assert capsys.readouterr().out.strip() == newest_approved
    assert json.loads(target.read_text()) == {"model_package_arn": newest_approved}
    assert newest_approved.endswith(f"/{GROUP}/2")


def test_a_file_terraform_would_not_read_is_refused(local_cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = local_cli / "approved.json"
    assert cli.main(["approved-package", GROUP, "--local", "--tfvars", str(target)]) == 2
    assert "name it <anything>.auto.tfvars.json" in capsys.readouterr().err
    assert not target.exists()
