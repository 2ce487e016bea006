"""Layer 6: every example applied to the emulator with the real Terraform CLI and AWS provider.
A second plan has no changes, the applied plan passes the policy gate with every bucket policy
read, the guard rails hold on real API calls, and destroy leaves nothing behind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pipelines_src import promotion
from pipelines_src.gate import runner as policy_gate
from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from tests.conftest import EXAMPLES, REPO
from tests.modules import iam_audit
from tools import inventory

Applied = tuple[tf.TerraformRoot, dict[str, Any]]


def _profile(example: str, name: str) -> list[Path]:
    """An example's optional tfvars: local.tfvars (what the emulator can run), teardown.tfvars
    (applied before destroy, e.g. lifting deletion protection, as a team would)."""
    path = REPO / "examples" / example / "profiles" / f"{name}.tfvars"
    return [path] if path.exists() else []


def _teardown(root: tf.TerraformRoot, example: str) -> None:
    local, teardown = _profile(example, "local"), _profile(example, "teardown")
    if teardown:
        root.apply(local + teardown)
    root.destroy(local + teardown)


# Applied here: the complete template (the demo's root, a superset of secure-storage and
# ml-foundation, shared with the demo and the notebooks). Every example is still planned and
# policy-checked through its inventory (tests/modules).
APPLIED = [e for e in EXAMPLES if e.name == "use-case-complete"]


def test_applied_examples_exist() -> None:
    assert [e.name for e in APPLIED] == ["use-case-complete"]


@pytest.fixture(scope="module", params=APPLIED, ids=[e.name for e in APPLIED])
def applied(request: pytest.FixtureRequest, local_emulator: emulator.Emulator, tf_work: Path) -> Iterator[Applied]:
    example: Path = request.param
    if example.name == "use-case-complete":  # applied once per session, shared with the demo
        shared: tf.TerraformRoot = request.getfixturevalue("complete_use_case")
        yield shared, shared.outputs()
        return
    root = tf.TerraformRoot(
        tf.stage(example, tf_work / "e2e" / example.name, local_emulator), tf.base_env(local_emulator)
    )
    root.apply(_profile(example.name, "local"))
    try:
        yield root, root.outputs()
    finally:
        if root.state_addresses():
            _teardown(root, example.name)


def test_second_plan_has_no_changes(applied: Applied) -> None:
    root, _ = applied
    assert root.plan_changes(_profile(root.path.name, "local")) == 0, (
        "apply is not idempotent: a second plan shows changes"
    )


def test_the_applied_root_is_a_promotion_stage(applied: Applied) -> None:
    """Its promotion_stage output is a stage of promotion.yaml as written (mlops promote reads it),
    and the prefix promoted copies land in is one its execution role reads."""
    _, outputs = applied
    stage = outputs["promotion_stage"]
    prod = {
        **stage,
        "name": "prod",
        "account_id": "210987654321",
        "kms_key_arn": "arn:aws:kms:eu-central-1:210987654321:key/1",
    }
    stages = promotion.stages_from({"model_package_group": outputs["model_package_group"], "stages": [stage, prod]})
    dev = stages.order[0]
    platform = outputs["platform"]
    assert (dev.account_id, dev.artifacts_bucket, dev.kms_key_arn) == (
        platform["execution_role_arn"].split(":")[4],
        platform["artifacts_bucket"],
        platform["kms_key_arn"],
    )
    assert dev.artifacts_prefix == f"{outputs['use_case']}/promoted/", "inside the execution role's artifacts prefix"


def test_applied_plan_passes_policy_gate_with_every_bucket_policy_read(applied: Applied, tf_work: Path) -> None:
    """After apply every value is known: bucket policies that embed a new key's ARN, unknown at
    the first plan, are read by CKV_MLOPS_1 here."""
    root, _ = applied
    plan = root.plan_json(_profile(root.path.name, "local"))
    findings = policy_gate.scan_plan(plan, tf_work / "e2e-scan" / root.path.name, root.path)
    assert not policy_gate.failures(findings), "\n".join(str(f) for f in policy_gate.failures(findings))
    policies = {a for a in inventory.summarize(plan)["values"] if ".aws_s3_bucket_policy." in f".{a}"}
    assert {f.resource for f in findings if f.check_id == "CKV_MLOPS_1" and f.passed} == policies


def test_key_is_customer_managed_with_rotation(applied: Applied, local_emulator: emulator.Emulator) -> None:
    root, _ = applied
    kms = local_emulator.client("kms")
    key_arns = [r["values"]["arn"] for r in _state_resources(root) if r["type"] == "aws_kms_key"]
    assert key_arns
    for arn in key_arns:
        assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyManager"] == "CUSTOMER"
        rotation = kms.get_key_rotation_status(KeyId=arn)
        assert rotation["KeyRotationEnabled"] and rotation["RotationPeriodInDays"] == 365


def _data_bucket(root: tf.TerraformRoot) -> str:
    return next(
        str(r["values"]["bucket"])
        for r in _state_resources(root)
        if r["type"] == "aws_s3_bucket" and r["values"]["bucket"].endswith("-data")
    )


def test_objects_are_encrypted_with_the_cmk(applied: Applied, local_emulator: emulator.Emulator) -> None:
    root, _ = applied
    s3 = local_emulator.client("s3")
    bucket = _data_bucket(root)
    s3.put_object(Bucket=bucket, Key="raw/sample.csv", Body=b"a,b\n1,2\n")
    head = s3.head_object(Bucket=bucket, Key="raw/sample.csv")
    key_arn = next(r["values"]["arn"] for r in _state_resources(root) if r["type"] == "aws_kms_key")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_arn


@pytest.mark.parametrize(
    "extra",
    [
        {"ServerSideEncryption": "AES256"},
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "arn:aws:kms:eu-central-1:123456789012:key/other"},
    ],
    ids=["sse-s3", "other-kms-key"],
)
def test_bucket_policy_denies_weaker_encryption(
    applied: Applied, local_emulator: emulator.Emulator, extra: dict[str, str]
) -> None:
    root, _ = applied
    with pytest.raises(ClientError) as denied:
        local_emulator.client("s3").put_object(Bucket=_data_bucket(root), Key="x", Body=b"x", **extra)
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_network_is_private_and_roles_are_bounded(applied: Applied, local_emulator: emulator.Emulator) -> None:
    root, outputs = applied
    if "private_subnet_ids" not in outputs:
        pytest.skip(f"{root.path.name} creates no network")
    ec2 = local_emulator.client("ec2")
    vpc_id = ec2.describe_subnets(SubnetIds=outputs["private_subnet_ids"])["Subnets"][0]["VpcId"]
    assert not ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
        "InternetGateways"
    ]
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )
    group = default_sg["SecurityGroups"][0]
    assert group["IpPermissions"] == [] and group["IpPermissionsEgress"] == [], (
        "default security group must have no rules"
    )
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    services = {e["ServiceName"].split(".", 3)[-1] for e in endpoints}
    assert {"sagemaker.api", "sagemaker.runtime", "sts", "logs", "s3", "dynamodb"} <= services
    assert ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    iam = local_emulator.client("iam")
    for arn in outputs["role_arns"].values():
        role = iam.get_role(RoleName=arn.rsplit("/", 1)[-1])["Role"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == outputs["boundary_arn"]


def test_applied_identity_policies_pass_parliament(applied: Applied) -> None:
    """After apply every document is known, also those embedding ARNs made at apply."""
    root, _ = applied
    state = json.loads(root.run("show", "-json", capture=True).stdout)
    audit = iam_audit.Audit()
    audit.run(root.path.name, iam_audit.identity_policies(state.get("values", {}).get("root_module", {})))
    assert audit.audited >= 5, f"only {audit.audited} identity policies in the state: the audit lost its input"
    assert not audit.findings, "parliament findings (fix the policy, or waive with a reason):\n" + "\n".join(
        audit.findings
    )


# Last: it destroys what the tests above read.
def test_destroy_leaves_nothing(applied: Applied, local_emulator: emulator.Emulator) -> None:
    root, outputs = applied
    resources = _state_resources(root)
    key_arns = [r["values"]["arn"] for r in resources if r["type"] == "aws_kms_key"]
    buckets = {r["values"]["bucket"] for r in resources if r["type"] == "aws_s3_bucket"}
    _teardown(root, root.path.name)
    assert root.state_addresses() == []
    remaining = {b["Name"] for b in local_emulator.client("s3").list_buckets()["Buckets"]}
    assert buckets and not remaining & buckets
    for arn in key_arns:
        state = local_emulator.client("kms").describe_key(KeyId=arn)["KeyMetadata"]["KeyState"]
        assert state == "PendingDeletion", "a destroyed key is scheduled for deletion (30 days)"
    if "private_subnet_ids" in outputs:
        assert not local_emulator.client("ec2").describe_subnets(
            Filters=[{"Name": "subnet-id", "Values": outputs["private_subnet_ids"]}]
        )["Subnets"]


def _state_resources(root: tf.TerraformRoot) -> list[dict[str, Any]]:
    state = json.loads(root.run("show", "-json", capture=True).stdout)
    return list(inventory.module_resources(state.get("values", {}).get("root_module", {})))
