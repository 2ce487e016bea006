"""In the emulator process: EventBridge Scheduler runs its schedules (moto stores them and never
runs one), so what a module schedules happens here too: realtime-endpoint's office hours delete
a non-prod endpoint in the evening and create it again in the morning.

Every MLOPS_SCHEDULER_TICK_S seconds (default 5) each ENABLED schedule whose time came since the
last look invokes its target once (a paused emulator does not replay a backlog), within the
schedule's StartDate/EndDate: `cron(...)` read in its ScheduleExpressionTimezone, `rate(n unit)`
counted from its creation, `at(yyyy-mm-ddThh:mm:ss)` once (then deleted when its
ActionAfterCompletion is DELETE). Targets, called in the schedule's account and region:
- universal targets `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`: that API with the
  target's Input (JSON) as its parameters, as Scheduler calls it;
- a state machine: StartExecution with the Input; an SNS topic: Publish; an SQS queue: SendMessage.
On AWS Scheduler calls the target as the target's RoleArn; here the call is made in the account
(the role is not evaluated). A failed call is printed and, with a DeadLetterConfig queue, sent
there as Scheduler does after its retries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pipelines_src.local import runtime_ext
from pipelines_src.local.cron import Cron

TICK_ENV = "MLOPS_SCHEDULER_TICK_S"
UNIVERSAL_TARGET = re.compile(r"arn:aws[a-z-]*:scheduler:::aws-sdk:([a-z0-9-]+):([a-zA-Z0-9]+)")
_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


@dataclass
class _Seen:
    checked: datetime  # the last look: a time at or before it is not due again


_SEEN: dict[str, _Seen] = {}
_STARTED = datetime.now(UTC)  # a schedule's times before this process started are not replayed


def _as_datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def due(schedule: Any, after: datetime, until: datetime) -> bool:
    """Whether the schedule's expression names a time in (after, until]."""
    expression, zone = schedule.schedule_expression.strip(), ZoneInfo(schedule.schedule_expression_timezone or "UTC")
    if expression.startswith("cron("):
        local = Cron.parse(expression).times_between(after.astimezone(zone), until.astimezone(zone))
        return bool(local)
    if match := re.fullmatch(r"rate\((\d+) (minutes?|hours?|days?)\)", expression):
        period = int(match.group(1)) * _RATE_UNITS[match.group(2)]
        created = _as_datetime(schedule.creation_date) or after
        return int((until - created).total_seconds() // period) > int((after - created).total_seconds() // period)
    if match := re.fullmatch(r"at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)", expression):
        moment = datetime.fromisoformat(match.group(1)).replace(tzinfo=zone)
        return after < moment <= until
    raise ValueError(f"ScheduleExpression {expression!r}: give cron(...), rate(n unit) or at(yyyy-mm-ddThh:mm:ss)")


def _snake(action: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", action).lower()


def invoke(schedule: Any, account: str, region: str) -> None:
    """The schedule's target, called once with its Input."""
    target = schedule.target
    arn, payload = target["Arn"], target.get("Input") or "{}"
    if match := UNIVERSAL_TARGET.fullmatch(arn):
        service, action = match.groups()
        client = runtime_ext.client(service, region, account=account)
        getattr(client, _snake(action))(**json.loads(payload))
    elif ":states:" in arn:
        runtime_ext.client("stepfunctions", region, account=account).start_execution(stateMachineArn=arn, input=payload)
    elif ":sns:" in arn:
        runtime_ext.client("sns", region, account=account).publish(TopicArn=arn, Message=payload)
    elif ":sqs:" in arn:
        _send(arn, payload, account, region)
    else:
        raise ValueError(f"Target.Arn {arn}: the local runtime invokes aws-sdk, states, sns and sqs targets")


def _dead_letter(schedule: Any, account: str, region: str, error: Exception) -> None:
    queue_arn = (schedule.target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue_arn:
        return
    _send(queue_arn, json.dumps({"schedule": schedule.arn, "error": str(error)}), account, region)


def _send(queue_arn: str, body: str, account: str, region: str) -> None:
    """A message to the SQS queue the ARN names (its owner is the ARN's account)."""
    sqs = runtime_ext.client("sqs", region, account=account)
    url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[1], QueueOwnerAWSAccountId=queue_arn.split(":")[4])
    sqs.send_message(QueueUrl=url["QueueUrl"], MessageBody=body)


def _run(schedule: Any, account: str, region: str) -> None:
    try:
        invoke(schedule, account, region)
    except Exception as exc:  # Scheduler retries, then drops or dead-letters; the clock goes on
        print(f"scheduler: {schedule.arn}: {exc!r}", flush=True)
        _dead_letter(schedule, account, region, exc)


def _in_window(schedule: Any, now: datetime) -> bool:
    start, end = _as_datetime(schedule.start_date), _as_datetime(schedule.end_date)
    return (start is None or start <= now) and (end is None or now <= end)


def _look(schedule: Any, account: str, region: str, now: datetime) -> bool:
    """Invokes the schedule if its time came since the last look; whether it did."""
    created = _as_datetime(schedule.creation_date) or now
    seen = _SEEN.setdefault(schedule.arn, _Seen(max(created, _STARTED)))
    after, seen.checked = seen.checked, now
    if schedule.state != "ENABLED" or not _in_window(schedule, now) or not due(schedule, after, now):
        return False
    _run(schedule, account, region)
    return True


def tick(now: datetime | None = None) -> list[str]:
    """One look at every schedule of every account; the ARNs of those invoked."""
    from moto.scheduler.models import scheduler_backends

    now = now or datetime.now(UTC)
    invoked = []
    for account, regions in list(scheduler_backends.items()):
        for region, backend in list(regions.items()):
            for group in list(backend.schedule_groups.values()):
                for schedule in list(group.schedules.values()):
                    try:
                        if not _look(schedule, account, region, now):
                            continue
                    except ValueError as exc:  # an expression this runtime cannot read: that schedule only
                        print(f"scheduler: {schedule.arn}: {exc}", flush=True)
                        continue
                    invoked.append(schedule.arn)
                    if schedule.schedule_expression.startswith("at(") and schedule.action_after_completion == "DELETE":
                        group.delete_schedule(schedule.name)
    return invoked


def install() -> None:
    runtime_ext.every(TICK_ENV, 5, tick, "eventbridge-scheduler")
