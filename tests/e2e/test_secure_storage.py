"""Layer 6: the storage example applied to the emulator with the real Terraform CLI and AWS
provider: outputs, a second plan without changes, the bucket policy enforced on real object
calls, and a destroy that leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from tools import inventory, policy_gate

EXAMPLE = tf.REPO_ROOT / "examples" / "secure-storage"


def _client(service: str, info: emulator.Emulator) -> Any:
    return boto3.client(
        service,
        endpoint_url=info.endpoint,
        verify=info.ca_file,
        region_name="eu-central-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(scope="module")
def applied(local_emulator: emulator.Emulator, tf_work: Path) -> Iterator[tuple[tf.TerraformRoot, dict[str, Any]]]:
    root = tf.TerraformRoot(tf.stage(EXAMPLE, tf_work / "e2e-storage", local_emulator), tf.base_env(local_emulator))
    root.apply()
    try:
        yield root, root.outputs()
    finally:
        if root.state_addresses():
            root.destroy()


def test_apply_creates_buckets_and_key(
    applied: tuple[tf.TerraformRoot, dict[str, Any]], local_emulator: emulator.Emulator
) -> None:
    _, outputs = applied
    assert outputs["bucket_names"] == {"artifacts": "acme-quality-dev-artifacts", "data": "acme-quality-dev-data"}
    key = _client("kms", local_emulator).describe_key(KeyId=outputs["kms_key_arn"])["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER" and key["KeyState"] == "Enabled"
    rotation = _client("kms", local_emulator).get_key_rotation_status(KeyId=outputs["kms_key_arn"])
    assert rotation["KeyRotationEnabled"] and rotation["RotationPeriodInDays"] == 365


def test_second_plan_has_no_changes(applied: tuple[tf.TerraformRoot, dict[str, Any]]) -> None:
    root, _ = applied
    assert root.plan_changes() == 0, "apply is not idempotent: a second plan shows changes"


def test_applied_plan_passes_policy_gate_with_every_bucket_policy_read(
    applied: tuple[tf.TerraformRoot, dict[str, Any]], tf_work: Path
) -> None:
    """After apply every value is known: the bucket policies that embed the new key's ARN, unknown
    at the first plan, are read by CKV_MLOPS_1 here."""
    root, _ = applied
    plan = root.plan_json()
    findings = policy_gate.scan_plan(plan, tf_work / "e2e-storage-scan", root.path)
    assert not policy_gate.failures(findings), "\n".join(str(f) for f in policy_gate.failures(findings))
    policies = {a for a in inventory.summarize(plan)["values"] if ".aws_s3_bucket_policy." in f".{a}"}
    assert len(policies) == 2
    assert {f.resource for f in findings if f.check_id == "CKV_MLOPS_1" and f.passed} == policies


def test_objects_are_encrypted_with_the_cmk(
    applied: tuple[tf.TerraformRoot, dict[str, Any]], local_emulator: emulator.Emulator
) -> None:
    _, outputs = applied
    s3 = _client("s3", local_emulator)
    bucket = outputs["bucket_names"]["data"]
    s3.put_object(Bucket=bucket, Key="raw/sample.csv", Body=b"a,b\n1,2\n")
    head = s3.head_object(Bucket=bucket, Key="raw/sample.csv")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == outputs["kms_key_arn"]


@pytest.mark.parametrize(
    "extra",
    [
        {"ServerSideEncryption": "AES256"},
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "arn:aws:kms:eu-central-1:123456789012:key/other"},
    ],
    ids=["sse-s3", "other-kms-key"],
)
def test_bucket_policy_denies_weaker_encryption(
    applied: tuple[tf.TerraformRoot, dict[str, Any]], local_emulator: emulator.Emulator, extra: dict[str, str]
) -> None:
    _, outputs = applied
    with pytest.raises(ClientError) as denied:
        _client("s3", local_emulator).put_object(Bucket=outputs["bucket_names"]["data"], Key="x", Body=b"x", **extra)
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_destroy_leaves_nothing(
    applied: tuple[tf.TerraformRoot, dict[str, Any]], local_emulator: emulator.Emulator
) -> None:
    root, outputs = applied
    root.destroy()
    assert root.state_addresses() == []
    remaining = {b["Name"] for b in _client("s3", local_emulator).list_buckets()["Buckets"]}
    assert not remaining & set(outputs["bucket_names"].values())
    key = _client("kms", local_emulator).describe_key(KeyId=outputs["kms_key_arn"])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion", "a destroyed key is scheduled for deletion (30 days)"
