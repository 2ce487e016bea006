"""The emulator process: start, health, isolation, clear errors, stop by PID."""

from __future__ import annotations

import os
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from pipelines_src.local import emulator


def test_start_is_healthy_idempotent_and_stops_by_pid(tmp_path: Path) -> None:
    info = emulator.start(tmp_path)
    try:
        assert info.endpoint.startswith("https://127.0.0.1:")
        assert emulator.healthy(info)
        assert emulator.start(tmp_path) == info, "a second start reuses the running emulator"
    finally:
        assert emulator.stop(tmp_path)
    assert emulator.running(tmp_path) is None
    with pytest.raises(ProcessLookupError):
        os.kill(info.pid, 0)
    assert emulator.stop(tmp_path) is False


def test_busy_port_is_one_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind((emulator.HOST, 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(emulator.EmulatorError, match=rf"port {port} .* in use.*EMULATOR_PORT"):
            emulator.start(tmp_path, port)
    assert emulator.running(tmp_path) is None
    assert not (tmp_path / emulator.STATE_FILE).exists()


def test_failed_start_names_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emulator, "SERVICE", replace(emulator.SERVICE, module="pipelines_src.local.no_such_module"))
    with pytest.raises(emulator.EmulatorError, match=r"exited with 1 during start; see .*emulator.log"):
        emulator.start(tmp_path)


def test_reset_forgets_resources(tmp_path: Path) -> None:
    with emulator.started(tmp_path) as info:  # its own: a reset must not touch the session's emulator
        s3 = info.client("s3")
        s3.create_bucket(Bucket="reset-probe", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        emulator.reset(info)
        assert "reset-probe" not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_a_repeated_rule_call_gets_the_first_answer_not_a_duplicate(tmp_path: Path) -> None:
    """The retry of a call whose answer the client lost (emulator._Replays: every changing call of
    a query-protocol service): the same rule id back and no second rule, as an idempotent retry on
    AWS; another rule is still made; the same for a subnet, a role, a flow log."""
    with emulator.started(tmp_path) as info:
        ec2 = info.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
        group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
        rule = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.4.0.0/16"}]}
        first = ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[rule])["SecurityGroupRules"]
        again = ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[rule])["SecurityGroupRules"]
        assert first and again == first
        other = {**rule, "FromPort": 8443, "ToPort": 8443}
        ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[other])
        found = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
        ports = sorted(r["FromPort"] for r in found["SecurityGroupRules"] if r["IsEgress"] and r["FromPort"] > 0)
        assert ports == [443, 8443]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.4.1.0/24")["Subnet"]["SubnetId"]
        assert ec2.create_subnet(VpcId=vpc, CidrBlock="10.4.1.0/24")["Subnet"]["SubnetId"] == subnet
        iam = info.client("iam")
        trust = '{"Version":"2012-10-17","Statement":[]}'
        role = iam.create_role(RoleName="replayed", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        assert iam.create_role(RoleName="replayed", AssumeRolePolicyDocument=trust)["Role"]["Arn"] == role
        logs = {"ResourceIds": [vpc], "ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "s3"}
        logs["LogDestination"] = "arn:aws:s3:::flow-log-bucket"
        info.client("s3").create_bucket(
            Bucket="flow-log-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
        first_log = ec2.create_flow_logs(**logs)
        again_log = ec2.create_flow_logs(**logs)
        # the answer, not its transport metadata (the Date header moves when a second turns)
        for answer in (first_log, again_log):
            answer.pop("ResponseMetadata")
        assert first_log["FlowLogIds"] and not first_log.get("Unsuccessful") and again_log == first_log
        assert len(ec2.describe_flow_logs()["FlowLogs"]) == 1, "a read is answered afresh, and there is one log"
        codebuild = info.client("codebuild")
        project = {
            "name": "replayed",
            "source": {"type": "NO_SOURCE", "buildspec": "version: 0.2"},
            "artifacts": {"type": "NO_ARTIFACTS"},
            "environment": {"type": "LINUX_CONTAINER", "image": "img", "computeType": "BUILD_GENERAL1_SMALL"},
            "serviceRole": role,
        }
        made = codebuild.create_project(**project)["project"]["arn"]
        assert codebuild.create_project(**project)["project"]["arn"] == made, "a JSON-protocol creation too"


def test_an_idle_and_a_slow_client_do_not_delay_another(local_emulator: emulator.Emulator) -> None:
    """The TLS handshake of each connection runs in its own worker: a client that connects and
    says nothing, and one sending a byte a second, leave every other request answered at once."""
    from tests.hostile_clients import delay_beside_hostile_clients

    beside, alone = delay_beside_hostile_clients(local_emulator.endpoint + emulator.HEALTH_PATH, local_emulator.ca_file)
    assert beside - alone < 1.0, f"a GET took {beside:.2f} s beside an idle and a slow client, {alone:.2f} s alone"


def test_a_suspended_buckets_replaced_and_deleted_objects_are_emptied(local_emulator: emulator.Emulator) -> None:
    """Teardown as Terraform does it: versioning suspended first, then a force_destroy empties
    the bucket of every version, delete markers included (moto answered 500 on a marker)."""
    s3 = local_emulator.client("s3")
    bucket = "suspended-teardown"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"first", b"replaced"):
        s3.put_object(Bucket=bucket, Key="data.csv", Body=body)
    s3.delete_object(Bucket=bucket, Key="data.csv")  # a delete marker on top
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    listed = s3.list_object_versions(Bucket=bucket)
    everything = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in listed["Versions"] + listed["DeleteMarkers"]]
    assert len(everything) == 3
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "data.csv"}, *everything]})
    assert not answer.get("Errors"), answer.get("Errors")
    s3.delete_bucket(Bucket=bucket)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_a_repeated_creation_or_deletion_gets_the_first_answer_in_its_own_account(
    local_emulator: emulator.Emulator,
) -> None:
    """CreateBudget retried after a lost answer (seen with four test workers): the first answer
    again, not DuplicateRecordException; the same call in another account is its own; a repeated
    deletion is the first answer, not NotFound."""
    limit = {"Amount": "5", "Unit": "USD"}
    budget = {"BudgetName": "replayed", "BudgetType": "COST", "TimeUnit": "MONTHLY", "BudgetLimit": limit}
    for account in ("123456789012", "444455556666"):
        budgets = local_emulator.client("budgets", None if account == "123456789012" else account)
        for _ in range(2):
            budgets.create_budget(AccountId=account, Budget=budget)
        assert [b["BudgetName"] for b in budgets.describe_budgets(AccountId=account)["Budgets"]] == ["replayed"]
    dynamodb = local_emulator.client("dynamodb")
    table = {"AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}
    dynamodb.create_table(TableName="replayed", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}], **table)
    for _ in range(2):
        dynamodb.delete_table(TableName="replayed")
    assert "replayed" not in dynamodb.list_tables()["TableNames"]
