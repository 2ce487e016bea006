"""Read and answer CodePipeline executions: the same calls against the local emulator and
against AWS (a boto3 CodePipeline client decides which)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

TERMINAL = {"Succeeded", "Failed", "Stopped", "Superseded"}


class NoApproval(LookupError):
    """No manual approval waits where one was asked for."""


@dataclass(frozen=True)
class ActionState:
    stage: str
    action: str
    status: str  # "" while the action was not reached
    summary: str = ""
    error: str = ""
    token: str = ""
    updated_by: str = ""


def actions(client: Any, pipeline: str) -> list[ActionState]:
    """Every action of the pipeline, in stage order, with its latest execution."""
    found = []
    for stage in client.get_pipeline_state(name=pipeline)["stageStates"]:
        for action in stage.get("actionStates", []):
            latest = action.get("latestExecution", {})
            found.append(
                ActionState(
                    stage["stageName"],
                    action["actionName"],
                    latest.get("status", ""),
                    latest.get("summary", ""),
                    latest.get("errorDetails", {}).get("message", ""),
                    latest.get("token", ""),
                    latest.get("lastUpdatedBy", ""),
                )
            )
    return found


def waiting_approval(client: Any, pipeline: str, stage: str | None = None) -> ActionState:
    """The one approval waiting in `pipeline` (in `stage`, when given)."""
    waiting = [a for a in actions(client, pipeline) if a.token and a.status == "InProgress"]
    waiting = [a for a in waiting if stage in (None, a.stage)]
    if len(waiting) != 1:
        where = f"stage {stage} of {pipeline}" if stage else pipeline
        names = ", ".join(a.stage for a in waiting)
        raise NoApproval(
            f"no approval waits in {where}" if not waiting else f"approvals wait in {names}: pick a --stage"
        )
    return waiting[0]


def decide(client: Any, pipeline: str, approval: ActionState, *, approve: bool, summary: str) -> None:
    client.put_approval_result(
        pipelineName=pipeline,
        stageName=approval.stage,
        actionName=approval.action,
        result={"summary": summary, "status": "Approved" if approve else "Rejected"},
        token=approval.token,
    )


def latest_execution(client: Any, pipeline: str) -> dict[str, Any] | None:
    found = client.list_pipeline_executions(pipelineName=pipeline, maxResults=1)["pipelineExecutionSummaries"]
    return found[0] if found else None


def wait_for(client: Any, pipeline: str, *, stage: str, status: str, timeout: float = 120.0) -> list[ActionState]:
    """Poll until an action of `stage` has `status` or the execution ended; the actions then."""
    deadline = time.monotonic() + timeout
    while True:
        found = actions(client, pipeline)
        reached = any(a.stage == stage and a.status == status for a in found)
        execution = latest_execution(client, pipeline)
        if reached or (execution and execution["status"] in TERMINAL) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)
