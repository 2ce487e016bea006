"""Start, follow and list state machine executions: the same calls against the local emulator
and against AWS (a boto3 Step Functions client decides which)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
_ENTERED = "StateEntered"
_EXITED = "StateExited"


@dataclass
class StateRun:
    """One state of an execution: entered, then succeeded or failed (Map iterations merged)."""

    name: str
    status: str = "RUNNING"
    entered: datetime | None = None
    exited: datetime | None = None
    detail: str = ""

    @property
    def seconds(self) -> float | None:
        return (self.exited - self.entered).total_seconds() if self.entered and self.exited else None


@dataclass
class Execution:
    arn: str
    status: str
    started: datetime
    stopped: datetime | None = None
    states: dict[str, StateRun] = field(default_factory=dict)
    error: str = ""
    cause: str = ""
    output: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.arn.rsplit(":", 1)[-1]

    @property
    def seconds(self) -> float | None:
        return (self.stopped - self.started).total_seconds() if self.stopped else None


def start(sfn: Any, state_machine_arn: str, payload: dict[str, Any], name: str | None = None) -> str:
    extra = {"name": name} if name else {}
    return str(
        sfn.start_execution(stateMachineArn=state_machine_arn, input=json.dumps(payload), **extra)["executionArn"]
    )


def _events(sfn: Any, arn: str) -> Iterator[dict[str, Any]]:
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
    for page in pages:
        yield from page["events"]


def _apply_event(states: dict[str, StateRun], failures: dict[str, str], event: dict[str, Any]) -> None:
    kind = event["type"]
    if kind.endswith(_ENTERED):
        name = event["stateEnteredEventDetails"]["name"]
        run = states.setdefault(name, StateRun(name, entered=event["timestamp"]))
        run.status = "RUNNING"
    elif kind.endswith(_EXITED):
        name = event["stateExitedEventDetails"]["name"]
        run = states.setdefault(name, StateRun(name))
        run.exited = event["timestamp"]
        failed = failures.pop("current", "")
        run.status = "FAILED" if failed else "SUCCEEDED"
        run.detail = failed or run.detail
    elif kind in ("TaskSucceeded", "MapStateSucceeded"):
        failures.pop("current", None)  # a retried task that succeeded in the end
    elif kind.endswith("Failed"):
        details = next((v for k, v in event.items() if k.endswith("FailedEventDetails") and isinstance(v, dict)), {})
        failures["current"] = f"{details.get('error', kind)}: {readable_cause(details.get('cause', ''))}".strip(": ")


def readable_cause(cause: str) -> str:
    """The job's own reason when the cause is a Describe*Job response (a failed `.sync` task)."""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(parsed, dict):
        name = next((str(v) for k, v in parsed.items() if k.endswith("JobName")), "")
        reason = parsed.get("ExitMessage") or parsed.get("FailureReason")
        if reason:
            return f"{name}: {reason}" if name else str(reason)
    return cause


def describe(sfn: Any, arn: str) -> Execution:
    raw = sfn.describe_execution(executionArn=arn)
    states: dict[str, StateRun] = {}
    failures: dict[str, str] = {}
    for event in _events(sfn, arn):
        if event["type"] in ("ExecutionFailed", "ExecutionSucceeded"):
            continue
        _apply_event(states, failures, event)
    for run in states.values():
        if run.status == "RUNNING" and raw["status"] in TERMINAL:
            run.status = "FAILED" if raw["status"] != "SUCCEEDED" else "SUCCEEDED"
    output = json.loads(raw["output"]) if raw.get("output") else {}
    return Execution(
        arn,
        raw["status"],
        raw["startDate"],
        raw.get("stopDate"),
        states,
        raw.get("error", ""),
        raw.get("cause", ""),
        output if isinstance(output, dict) else {},
    )


def follow(
    sfn: Any,
    arn: str,
    on_state: Callable[[StateRun], None] = lambda _: None,
    *,
    timeout: float = 1800,
    poll: float = 1.0,
) -> Execution:
    """Wait for the execution to end, calling `on_state` each time a state finishes."""
    reported: set[tuple[str, str]] = set()
    deadline = time.monotonic() + timeout
    while True:
        current = describe(sfn, arn)
        for run in current.states.values():
            if run.status != "RUNNING" and (run.name, run.status) not in reported:
                reported.add((run.name, run.status))
                on_state(run)
        if current.status in TERMINAL:
            return current
        if time.monotonic() > deadline:
            raise TimeoutError(f"execution {arn} still {current.status} after {timeout:.0f} s")
        time.sleep(poll)


def recent(sfn: Any, state_machine_arn: str, limit: int = 10) -> list[dict[str, Any]]:
    """The newest executions of a state machine (name, status, start, stop)."""
    found = sfn.list_executions(stateMachineArn=state_machine_arn, maxResults=limit)["executions"]
    return sorted(found, key=lambda e: e["startDate"], reverse=True)[:limit]


def wait_for_new(sfn: Any, state_machine_arn: str, known: set[str], timeout: float = 60) -> str:
    """The ARN of an execution not in `known` (one started by an event), once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for execution in recent(sfn, state_machine_arn, 50):
            if execution["executionArn"] not in known:
                return str(execution["executionArn"])
        time.sleep(0.5)
    raise TimeoutError(f"no new execution of {state_machine_arn} within {timeout:.0f} s")
