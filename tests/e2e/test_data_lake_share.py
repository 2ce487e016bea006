"""examples/data-lake-share applied to the emulator as two accounts (issue 16): the data lake's
bucket, key and grant live in the data-lake account (the provider alias assumes its role, the
emulated STS files the credentials under that account), the read policy on the use case's role
in the dev account. moto does not enforce IAM, so "reads but cannot write" is proven on the
applied statements, evaluated with AWS's condition semantics (pipelines_src.local.policy_eval)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from pipelines_src.local.policy_eval import Decision, evaluate
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "data-lake-share"
LAKE_ACCOUNT, DEV_ACCOUNT = "111111111111", "123456789012"


@pytest.fixture(scope="module")
def shared(local_emulator: emulator.Emulator, tf_work: Path) -> Iterator[dict[str, Any]]:
    root = tf.TerraformRoot(tf.stage(EXAMPLE, tf_work / "e2e-data-lake", local_emulator), tf.base_env(local_emulator))
    root.apply()
    try:
        yield {"root": root, **root.outputs()}
    finally:
        root.destroy()


def _as(policy: str, principal: str | None) -> str:
    """The statements that apply to `principal` (all of them for an identity policy: None),
    with the principal written as `*` so the evaluator, which cannot know the caller, applies them."""
    statements = json.loads(policy)["Statement"]
    named = [
        {**s, "Principal": "*"}
        for s in statements
        if principal is None or principal in json.dumps(s.get("Principal")) or s.get("Principal") == "*"
    ]
    return json.dumps({"Statement": named})


def _decision(policy: str, action: str, resource: str, context: Mapping[str, str]) -> Decision:
    return evaluate(policy, action, resource, {"aws:SecureTransport": "true", **context})


def test_each_side_lives_in_its_own_account(local_emulator: emulator.Emulator, shared: dict[str, Any]) -> None:
    assert shared["data_lake_account_id"] == LAKE_ACCOUNT
    assert local_emulator.client("sts", LAKE_ACCOUNT).get_caller_identity()["Account"] == LAKE_ACCOUNT
    lake_buckets = {b["Name"] for b in local_emulator.client("s3", LAKE_ACCOUNT).list_buckets()["Buckets"]}
    dev_buckets = {b["Name"] for b in local_emulator.client("s3").list_buckets()["Buckets"]}
    assert shared["data_lake_bucket"] in lake_buckets and shared["data_lake_bucket"] not in dev_buckets
    assert shared["execution_role_arn"].startswith(f"arn:aws:iam::{DEV_ACCOUNT}:role/")


def test_the_lake_grants_the_named_role_decrypt_only(local_emulator: emulator.Emulator, shared: dict[str, Any]) -> None:
    kms = local_emulator.client("kms", LAKE_ACCOUNT)
    grants = [g for key in kms.list_keys()["Keys"] for g in kms.list_grants(KeyId=key["KeyId"])["Grants"]]
    assert [(g["GranteePrincipal"], sorted(g["Operations"])) for g in grants] == [
        (shared["execution_role_arn"], ["Decrypt", "DescribeKey"])
    ]
    assert shared["grant_ids"]["quality"] == grants[0]["GrantId"]


def test_the_role_reads_its_prefix_and_cannot_write_the_lake(
    local_emulator: emulator.Emulator, shared: dict[str, Any]
) -> None:
    role, bucket = shared["execution_role_arn"], shared["data_lake_bucket"]
    bucket_policy = _as(local_emulator.client("s3", LAKE_ACCOUNT).get_bucket_policy(Bucket=bucket)["Policy"], role)
    iam = local_emulator.client("iam")
    role_name = role.rsplit("/", 1)[1]
    identity = iam.get_role_policy(RoleName=role_name, PolicyName=shared["read_policy_name"])["PolicyDocument"]
    identity = _as(json.dumps(identity), None)
    boundary_arn = iam.get_role(RoleName=role_name)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
    version = iam.get_policy(PolicyArn=boundary_arn)["Policy"]["DefaultVersionId"]
    boundary = iam.get_policy_version(PolicyArn=boundary_arn, VersionId=version)["PolicyVersion"]["Document"]
    boundary = _as(json.dumps(boundary) if isinstance(boundary, dict) else boundary, None)
    lake = {"s3:ResourceAccount": LAKE_ACCOUNT}
    dataset, elsewhere = f"arn:aws:s3:::{bucket}/quality/raw/part-0.csv", f"arn:aws:s3:::{bucket}/finance/ledger.csv"

    assert _decision(bucket_policy, "s3:GetObject", dataset, lake) is Decision.ALLOW
    assert _decision(identity, "s3:GetObject", dataset, lake) is Decision.ALLOW
    assert _decision(identity, "s3:GetObject", dataset, {"s3:ResourceAccount": "999999999999"}) is Decision.NEUTRAL, (
        "a bucket of the same name in another account is not read"
    )
    assert _decision(bucket_policy, "s3:GetObject", elsewhere, lake) is Decision.NEUTRAL, "other datasets stay closed"
    for write in ("s3:PutObject", "s3:DeleteObject"):
        assert _decision(bucket_policy, write, dataset, lake) is Decision.DENY, f"the share denies {write}"
        assert _decision(identity, write, dataset, lake) is Decision.NEUTRAL, f"the role is not given {write}"
    assert _decision(boundary, "s3:PutObject", dataset, lake) is Decision.DENY, "the boundary denies it too"


def test_the_dev_account_reads_a_dataset_the_lake_wrote(
    local_emulator: emulator.Emulator, shared: dict[str, Any]
) -> None:
    bucket = shared["data_lake_bucket"]
    local_emulator.client("s3", LAKE_ACCOUNT).put_object(
        Bucket=bucket, Key="quality/raw/part-0.csv", Body=b"machine,temp\n1,71\n"
    )
    (uri,) = shared["data_uris"]
    assert uri == f"s3://{bucket}/quality/raw/"
    body = local_emulator.client("s3").get_object(Bucket=bucket, Key="quality/raw/part-0.csv")["Body"].read()
    assert body == b"machine,temp\n1,71\n", "the dev account reads the lake's object where it lies, not a copy"


def test_second_plan_has_no_changes(shared: dict[str, Any]) -> None:
    assert shared["root"].plan_changes() == 0
