"""The real-time endpoint applied to the emulator: idempotent, and a new instance type replaces
the immutable endpoint configuration (created before the old one goes) instead of failing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from tests.conftest import REPO

MODULE = REPO / "modules" / "realtime-endpoint"
TFVARS = [REPO / "tests" / "inventories" / "modules" / "realtime-endpoint" / "prebuilt-xgboost.tfvars"]


@pytest.fixture(scope="module")
def endpoint(local_emulator: emulator.Emulator, tf_work: Path, inventory_model: str) -> Iterator[tf.TerraformRoot]:
    root = tf.TerraformRoot(tf.stage(MODULE, tf_work / "e2e-endpoint", local_emulator), tf.base_env(local_emulator))
    root.apply(TFVARS)
    try:
        yield root
    finally:
        root.destroy(TFVARS)


def test_second_plan_has_no_changes(endpoint: tf.TerraformRoot) -> None:
    assert endpoint.plan_changes(TFVARS) == 0


def test_new_instance_type_replaces_config_before_destroying_it(endpoint: tf.TerraformRoot) -> None:
    plan = endpoint.plan_json(TFVARS, {"instance": {"type": "ml.c5.xlarge"}})
    actions = {
        c["address"]: c["change"]["actions"] for c in plan["resource_changes"] if c["change"]["actions"] != ["no-op"]
    }
    assert actions == {
        "aws_sagemaker_endpoint_configuration.this": ["create", "delete"],
        "aws_sagemaker_endpoint.this": ["update"],
    }


def test_destroy_leaves_nothing(endpoint: tf.TerraformRoot) -> None:
    endpoint.destroy(TFVARS)
    assert endpoint.state_addresses() == []


def test_an_update_sagemaker_rolled_back_fails_the_apply(
    local_emulator: emulator.Emulator, tf_work: Path, inventory_model: str
) -> None:
    """The known provider pain: SageMaker rolls a failed update back, the apply would succeed and
    the old configuration serve. The module's postcondition reads it back and fails the apply."""
    root = tf.TerraformRoot(tf.stage(MODULE, tf_work / "e2e-rollback", local_emulator), tf.base_env(local_emulator))
    steady = {"name": "rolled-back"}
    root.apply(TFVARS, steady)
    missing = {
        "model_data_url": "s3://inventory-artifacts/quality/missing.tar.gz",
        "prebuilt_image": {"repository_name": "sagemaker-xgboost", "image_tag": "1.7-1"},
    }
    try:
        with pytest.raises(tf.TerraformError, match=r"SageMaker\s+rolled\s+the\s+update\s+back"):
            root.apply(TFVARS, steady | {"model": missing})
        served = local_emulator.client("sagemaker").describe_endpoint(EndpointName="rolled-back")
        assert served["EndpointStatus"] == "InService" and "update rolled back" in served["FailureReason"]
    finally:
        root.destroy(TFVARS, steady)
    assert root.state_addresses() == []
