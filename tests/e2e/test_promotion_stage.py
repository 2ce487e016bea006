"""A package promoted into a prod stage is scored there at once, with exactly that version
(issue 16): examples/batch-inference-only applied into its own emulator account (the root's
provider assumes the local deployer role there), its promotion_stage output used as the stage of
promotion.yaml as written, `mlops promote` from a dev account, and prod's registry rule starting
prod's batch pipeline with the promoted package, in prod's account."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines_src import promotion
from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from tests.conftest import REPO

ROOT = REPO / "examples" / "batch-inference-only"
PROD_TFVARS = REPO / "tests" / "inventories" / "examples" / "batch-inference-only" / "prod.tfvars"
DEV, PROD = "444400000001", "444400000002"


@pytest.fixture(scope="module")
def prod_stage(local_emulator: emulator.Emulator, tf_work: Path) -> Iterator[dict[str, Any]]:
    staged = tf.stage(ROOT, tf_work / "e2e-prod-stage", local_emulator, account=PROD)
    root = tf.TerraformRoot(staged, tf.base_env(local_emulator))
    root.apply([PROD_TFVARS])
    # Not destroyed: the metadata table's deletion protection needs a teardown profile this
    # example has no need for; the account is this session's emulator's, gone with it.
    yield root.outputs()


def _dev_stage(info: emulator.Emulator) -> dict[str, str]:
    kms, s3 = info.client("kms", DEV), info.client("s3", DEV)
    key = kms.create_key(Description="dev artifacts")["KeyMetadata"]["Arn"]
    s3.create_bucket(Bucket="stage-dev-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_object(Bucket="stage-dev-artifacts", Key="quality/models/v1/model.tar.gz", Body=b"a model")
    info.client("sagemaker", DEV).create_model_package_group(ModelPackageGroupName="quality-dev")
    return {
        "name": "dev",
        "account_id": DEV,
        "artifacts_bucket": "stage-dev-artifacts",
        "kms_key_arn": key,
        "model_package_group": "quality-dev",
        "role_arn": f"arn:aws:iam::{DEV}:role/mlops-promoter",
    }


def _approved_dev_package(info: emulator.Emulator) -> str:
    created = info.client("sagemaker", DEV).create_model_package(
        ModelPackageGroupName="quality-dev",
        InferenceSpecification={
            "Containers": [
                {
                    "Image": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/quality/mlops:0.1.0",
                    "ModelDataUrl": "s3://stage-dev-artifacts/quality/models/v1/model.tar.gz",
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelApprovalStatus="Approved",
    )
    return str(created["ModelPackageArn"])


def _executions_with(info: emulator.Emulator, machine: str, package_arn: str) -> list[dict[str, Any]]:
    sfn = info.client("stepfunctions", PROD)
    found = []
    for summary in sfn.list_executions(stateMachineArn=machine)["executions"]:
        described = sfn.describe_execution(executionArn=summary["executionArn"])
        if json.loads(described["input"]).get("model_package_arn") == package_arn:
            found.append(described)
    return found


def test_a_promoted_package_is_scored_in_prod_with_exactly_that_version(
    local_emulator: emulator.Emulator, prod_stage: dict[str, Any]
) -> None:
    stage = prod_stage["promotion_stage"]
    assert stage["account_id"] == PROD and prod_stage["batch_state_machine_arn"].split(":")[4] == PROD
    document = {
        "stages": [_dev_stage(local_emulator), {**stage, "role_arn": f"arn:aws:iam::{PROD}:role/mlops-promoter"}]
    }
    connect = promotion.connector(**local_emulator.settings())
    source = _approved_dev_package(local_emulator)
    done = promotion.promote(connect, promotion.stages_from(document), source, "prod", "first prod model")
    assert done.target_arn.startswith(f"arn:aws:sagemaker:eu-central-1:{PROD}:model-package/quality-prod/")
    assert all(uri.startswith(f"s3://{stage['artifacts_bucket']}/quality/promoted/") for uri in done.copied.values())
    deadline = time.monotonic() + 60
    while not (started := _executions_with(local_emulator, prod_stage["batch_state_machine_arn"], done.target_arn)):
        assert time.monotonic() < deadline, "prod's registry rule did not start prod's batch pipeline"
        time.sleep(1)
    assert len(started) == 1 and json.loads(started[0]["input"])["experiment"] == "on-promotion"
    assert not _executions_with(local_emulator, prod_stage["batch_state_machine_arn"], source), "never dev's ARN"
