"""CodePipeline executions on the emulator (pipelines_src/local/codepipeline.py): the source is
the local working tree, CodeBuild actions run their buildspec there with logs in CloudWatch,
manual approvals wait for `mlops cicd approve`, and a failure ends the execution naming why."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pipelines_src import cli, codepipelines
from pipelines_src.local import codepipeline, emulator

ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": f"{service}.amazonaws.com"}, "Action": "sts:AssumeRole"}
        for service in ("codepipeline", "codebuild")
    ],
}


@pytest.fixture(scope="module")
def local_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An emulator started in a use case's repository (a git work tree) under <local>/emulator."""
    local = tmp_path_factory.mktemp("local")
    source = tmp_path_factory.mktemp("repo")
    (source / "Makefile").write_text("check:\n\t@echo checked $(EXAMPLE) > checked.txt\n")
    subprocess.run(["git", "init", "-q", str(source)], check=True)
    subprocess.run(["git", "-C", str(source), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(source), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "one"], check=True
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(codepipeline.SOURCE_ENV, str(source))
        with emulator.started(local / "emulator"):
            yield local


@pytest.fixture(scope="module")
def aws(local_dir: Path) -> dict[str, Any]:
    info = emulator.running(local_dir / "emulator")
    assert info is not None
    iam = info.client("iam")
    role = iam.create_role(RoleName="ci", AssumeRolePolicyDocument=json.dumps(ROLE_POLICY))["Role"]["Arn"]
    return {
        "role": role,
        "codebuild": info.client("codebuild"),
        "pipelines": info.client("codepipeline"),
        "logs": info.client("logs"),
    }


def _project(aws: dict[str, Any], name: str, commands: list[str]) -> None:
    buildspec = json.dumps(
        {"version": "0.2", "env": {"variables": {"STAGE": "dev"}}, "phases": {"build": {"commands": commands}}}
    )
    aws["codebuild"].create_project(
        name=name,
        source={"type": "CODEPIPELINE", "buildspec": buildspec},
        artifacts={"type": "CODEPIPELINE"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": [{"name": "EXAMPLE", "value": "infra", "type": "PLAINTEXT"}],
        },
        serviceRole=aws["role"],
        logsConfig={"cloudWatchLogs": {"status": "ENABLED", "groupName": f"/aws/codebuild/{name}"}},
    )


def _action(name: str, category: str, provider: str, configuration: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "actionTypeId": {"category": category, "owner": "AWS", "provider": provider, "version": "1"},
        "configuration": configuration,
    }


def _pipeline(aws: dict[str, Any], name: str, *stages: tuple[str, dict[str, Any]]) -> None:
    source = _action("Source", "Source", "CodeCommit", {"RepositoryName": "repo", "BranchName": "main"})
    aws["pipelines"].create_pipeline(
        pipeline={
            "name": name,
            "roleArn": aws["role"],
            "artifactStore": {"type": "S3", "location": "artifacts"},
            "stages": [{"name": "Source", "actions": [source]}]
            + [{"name": stage, "actions": [action]} for stage, action in stages],
        }
    )


def _build(stage: str, project: str) -> tuple[str, dict[str, Any]]:
    return stage, _action(stage.lower(), "Build", "CodeBuild", {"ProjectName": project})


def _approval(stage: str) -> tuple[str, dict[str, Any]]:
    return stage, _action(stage, "Approval", "Manual", {"CustomData": "review the plan"})


def _cli(local_dir: Path, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(local_dir))
    return cli.main(list(argv))


def _status(client: Any, pipeline: str, timeout: float = 30.0) -> str:
    """The latest execution's status, once it ended (an action's state is written before the
    execution's, as CodePipeline's own APIs are eventually consistent)."""
    deadline = time.monotonic() + timeout
    while True:
        execution = codepipelines.latest_execution(client, pipeline)
        assert execution is not None, f"{pipeline} never started"
        if execution["status"] in codepipelines.TERMINAL or time.monotonic() > deadline:
            return str(execution["status"])
        time.sleep(0.2)


def test_source_build_approval_build(aws: dict[str, Any], local_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(
        aws, "check", ['echo "building $STAGE from $CODEBUILD_SRC_DIR"', "make check", 'test -n "$AWS_ENDPOINT_URL"']
    )
    _project(aws, "deploy", ["cat checked.txt"])
    _pipeline(aws, "delivery", _build("Check", "check"), _approval("Approve"), _build("Deploy", "deploy"))
    client = aws["pipelines"]
    client.start_pipeline_execution(name="delivery")
    found = codepipelines.wait_for(client, "delivery", stage="Approve", status="InProgress")
    by_stage = {a.stage: a for a in found}
    assert [by_stage[s].status for s in ("Source", "Check", "Approve", "Deploy")] == [
        "Succeeded",
        "Succeeded",
        "InProgress",
        "",
    ]
    assert "at " in by_stage["Source"].summary and "uncommitted" not in by_stage["Source"].summary
    assert by_stage["Approve"].summary == "review the plan" and by_stage["Approve"].token
    assert codepipelines.latest_execution(client, "delivery")["status"] == "InProgress"  # type: ignore[index]

    assert _cli(local_dir, monkeypatch, "cicd", "approve", "delivery", "--local", "--summary", "plan reviewed") == 0
    found = codepipelines.wait_for(client, "delivery", stage="Deploy", status="Succeeded")
    approved = next(a for a in found if a.stage == "Approve")
    assert (
        approved.status == "Succeeded"
        and "plan reviewed" in approved.summary
        and approved.updated_by.startswith("arn:aws:")
    )
    assert _status(client, "delivery") == "Succeeded"
    stream = aws["logs"].describe_log_streams(logGroupName="/aws/codebuild/deploy")["logStreams"][0]["logStreamName"]
    events = aws["logs"].get_log_events(logGroupName="/aws/codebuild/deploy", logStreamName=stream)["events"]
    assert [e["message"] for e in events] == ["checked infra"]  # the check stage's file, in the same copy
    assert not (Path(os.environ[codepipeline.SOURCE_ENV]) / "checked.txt").exists(), "a build changed the work tree"


def test_a_failed_build_ends_the_execution_naming_its_output(aws: dict[str, Any]) -> None:
    _project(aws, "broken", ["echo 'policy finding: bucket without encryption'", "exit 3", "echo never"])
    _pipeline(aws, "gate", _build("Policy", "broken"), _approval("Approve"))
    aws["pipelines"].start_pipeline_execution(name="gate")
    found = codepipelines.wait_for(aws["pipelines"], "gate", stage="Policy", status="Failed")
    failed = next(a for a in found if a.stage == "Policy")
    assert failed.status == "Failed" and "exit 3" in failed.error and "bucket without encryption" in failed.error
    assert next(a for a in found if a.stage == "Approve").status == ""  # never reached
    assert _status(aws["pipelines"], "gate") == "Failed"


def test_a_rejection_fails_the_stage(aws: dict[str, Any], local_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pipeline(aws, "reviewed", _approval("Approve"), _build("Deploy", "deploy"))
    aws["pipelines"].start_pipeline_execution(name="reviewed")
    codepipelines.wait_for(aws["pipelines"], "reviewed", stage="Approve", status="InProgress")
    assert (
        _cli(local_dir, monkeypatch, "cicd", "approve", "reviewed", "--local", "--reject", "--summary", "risk too high")
        == 0
    )
    found = codepipelines.wait_for(aws["pipelines"], "reviewed", stage="Approve", status="Failed")
    rejected = next(a for a in found if a.stage == "Approve")
    assert rejected.status == "Failed" and "risk too high" in rejected.error
    assert next(a for a in found if a.stage == "Deploy").status == ""


def test_bad_approvals_are_refused(
    aws: dict[str, Any], local_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _pipeline(aws, "idle", _build("Check", "check"))
    assert _cli(local_dir, monkeypatch, "cicd", "approve", "idle", "--local", "--summary", "ok") == 2
    assert "no approval waits in idle" in capsys.readouterr().err
    assert _cli(local_dir, monkeypatch, "cicd", "approve", "nothing", "--local", "--summary", "ok") == 2
    assert "pipeline nothing does not exist" in capsys.readouterr().err
    with pytest.raises(ClientError, match="InvalidApprovalTokenException"):
        aws["pipelines"].put_approval_result(
            pipelineName="idle",
            stageName="Check",
            actionName="check",
            result={"summary": "ok", "status": "Approved"},
            token="00000000-0000-0000-0000-000000000000",
        )
