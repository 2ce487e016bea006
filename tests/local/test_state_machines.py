"""The emulator's Step Functions engine behaves as AWS where the pipelines depend on it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipelines_src import executions
from pipelines_src.local import emulator

# A job fails the way a `.sync` training job does on AWS (States.TaskFailed, the job's reason as
# cause) inside a Map iteration or a Parallel branch; the enclosing state's Catch must see that
# error, as the training Map's Catch does.
FAILING_JOB = {
    "StartAt": "Training job",
    "States": {
        "Training job": {
            "Type": "Fail",
            "Error": "States.TaskFailed",
            "Cause": "q-train-1: training: num_round must be >= 1",
        }
    },
}
ENCLOSING: dict[str, dict[str, Any]] = {
    "Map": {"Type": "Map", "ItemsPath": "$.candidates", "Iterator": FAILING_JOB},
    "Parallel": {"Type": "Parallel", "Branches": [FAILING_JOB]},
}


def enclosed(kind: str) -> dict[str, Any]:
    return {
        "StartAt": "Train candidates",
        "States": {
            "Train candidates": {
                **ENCLOSING[kind],
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Caught"}],
                "Next": "Done",
            },
            "Caught": {"Type": "Pass", "End": True},
            "Done": {"Type": "Succeed"},
        },
    }


@pytest.mark.parametrize("kind", sorted(ENCLOSING))
def test_a_failed_job_inside_reaches_the_enclosing_catch_with_its_reason(
    local_emulator: emulator.Emulator, kind: str
) -> None:
    sfn = local_emulator.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"{kind.lower()}-failure-probe",
        definition=json.dumps(enclosed(kind)),
        roleArn="arn:aws:iam::123456789012:role/probe",
    )["stateMachineArn"]
    started = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"candidates": [{"eta": 0.1}]}))
    done = executions.follow(sfn, started["executionArn"], timeout=60, poll=0.2)
    assert done.status == "SUCCEEDED", (done.error, done.cause)
    assert done.output["error"]["Error"] == "States.TaskFailed"
    assert "num_round must be >= 1" in done.output["error"]["Cause"]


WRITE_IN_A_MAP = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.ids",
            "Iterator": {
                "StartAt": "Put",
                "States": {
                    "Put": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::dynamodb:putItem",
                        "Parameters": {"TableName": "prod-executions", "Item": {"id": {"S.$": "$"}}},
                        "End": True,
                    }
                },
            },
            "End": True,
        }
    },
}


def test_a_state_machine_of_another_account_acts_in_its_own_account(local_emulator: emulator.Emulator) -> None:
    """A prod account's pipeline writes prod's table, in a Map iteration's thread too, and the
    default account (the runtime's own credentials) is not touched (issue 16, several accounts)."""
    prod = "333300000001"
    dynamodb = local_emulator.client("dynamodb", prod)
    dynamodb.create_table(
        TableName="prod-executions",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    sfn = local_emulator.client("stepfunctions", prod)
    machine = sfn.create_state_machine(
        name="prod-writer", definition=json.dumps(WRITE_IN_A_MAP), roleArn=f"arn:aws:iam::{prod}:role/pipeline"
    )["stateMachineArn"]
    assert machine.split(":")[4] == prod
    started = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"ids": ["a", "b"]}))
    done = executions.follow(sfn, started["executionArn"], timeout=60, poll=0.2)
    assert done.status == "SUCCEEDED", (done.error, done.cause)
    items = dynamodb.scan(TableName="prod-executions")["Items"]
    assert sorted(i["id"]["S"] for i in items) == ["a", "b"]
    default_tables = local_emulator.client("dynamodb").list_tables()["TableNames"]
    assert "prod-executions" not in default_tables, "the default account has no such table"
