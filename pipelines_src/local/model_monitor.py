"""In the emulator process: SageMaker Model Monitor's job definitions of the four kinds (data
quality, model quality, model bias, model explainability) and monitoring schedules (which moto
lacks), and their executions. This docstring describes data quality; model_quality_job and
clarify_job the other three.

A schedule runs on its cron (UTC, checked every MLOPS_MONITOR_TICK_S seconds, default 30), or
once at creation when its expression is `NOW` (AWS's on-demand monitoring, with
DataAnalysisStartTime/EndTime such as -PT1H/-PT0H). An execution reads what the endpoint captured
in the analysis window (by default the hour before the scheduled time) from the endpoint
configuration's DataCaptureConfig destination, `<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/`,
compares the request records with the job definition's baseline using the registry's own
monitoring step code, and writes Model Monitor's `statistics.json` and
`constraint_violations.json` under `<output>/<endpoint>/<schedule>/yyyy/mm/dd/hh/` (with the
output KMS key), and publishes `feature_baseline_drift_<feature>` to CloudWatch, which the
model-monitoring module's alarms watch; the alarms on a run's metrics are then evaluated and
their changes of state notified (alarms.alert_watching). Status: Completed, CompletedWithViolations, or Failed
with the reason (no captured data; captured CSV, which carries transformed features while the
baseline describes raw records).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pipelines_src.local import alarms, runtime_ext
from pipelines_src.local.cron import Cron, CronError
from pipelines_src.local.extensions import add_handlers
from pipelines_src.local.model_monitor_job import endpoint_of
from pipelines_src.steps.container import StepError

TICK_ENV = "MLOPS_MONITOR_TICK_S"


@dataclass
class _Monitored:
    """A job definition or a schedule: its Describe answer, tags, and (schedules) executions."""

    fields: dict[str, Any]
    tags: list[dict[str, str]]
    account: str
    region: str
    executions: list[dict[str, Any]] = field(default_factory=list)
    checked: datetime = field(default_factory=lambda: datetime.now(UTC))


_STORE: dict[str, _Monitored] = {}  # by ARN
_LOCK = threading.Lock()


def _epoch(moment: datetime | None = None) -> float:
    return (moment or datetime.now(UTC)).timestamp()


def _arn(response: Any, kind: str, name: str) -> str:
    return f"arn:{response.partition}:sagemaker:{response.region}:{response.current_account}:{kind}/{name.lower()}"


def _find(response: Any, kind: str, name: str | None) -> _Monitored:
    from moto.sagemaker.exceptions import ResourceNotFound

    found = _STORE.get(_arn(response, kind, name or ""))
    if found is None:
        raise ResourceNotFound(message=f"Could not find {kind.replace('-', ' ')} '{name}'")
    return found


def _parse_schedule(expression: str) -> None:
    from moto.sagemaker.exceptions import ValidationError

    if expression != "NOW":
        try:
            Cron.parse(expression)
        except CronError as exc:
            raise ValidationError(message=f"ScheduleExpression: {exc}") from exc


# ----------------------------------------------------------------------------- job definitions
# The job definition kinds the local runtime runs, by MonitoringType (their ARN's resource type).
DEFINITION_KINDS = {
    "DataQuality": "data-quality-job-definition",
    "ModelQuality": "model-quality-job-definition",
    "ModelBias": "model-bias-job-definition",
    "ModelExplainability": "model-explainability-job-definition",
}


def _definition_handlers(kind: str) -> list[Callable[[Any], str]]:
    """Create/Describe/Delete/List<Kind>JobDefinition(s) for one kind, e.g. data-quality."""

    def create(self: Any) -> str:
        name = self._get_param("JobDefinitionName")
        arn = _arn(self, kind, name)
        request = {k: v for k, v in json.loads(self.body).items() if k != "Tags"}
        fields = request | {"JobDefinitionArn": arn, "CreationTime": _epoch()}
        with _LOCK:
            _STORE[arn] = _Monitored(fields, self._get_param("Tags") or [], self.current_account, self.region)
        return json.dumps({"JobDefinitionArn": arn})

    def describe(self: Any) -> str:
        return json.dumps(_find(self, kind, self._get_param("JobDefinitionName")).fields)

    def delete(self: Any) -> str:
        found = _find(self, kind, self._get_param("JobDefinitionName"))
        with _LOCK:
            _STORE.pop(found.fields["JobDefinitionArn"])
        return "{}"

    def list_all(self: Any) -> str:
        summaries = [
            {
                "MonitoringJobDefinitionName": m.fields["JobDefinitionName"],
                "MonitoringJobDefinitionArn": arn,
                "CreationTime": m.fields["CreationTime"],
            }
            | ({"EndpointName": endpoint_of(m.fields)} if endpoint_of(m.fields) else {})
            for arn, m in list(_STORE.items())
            if f":{kind}/" in arn
        ]
        return json.dumps({"JobDefinitionSummaries": summaries})

    snake = kind.replace("-", "_")  # data_quality_job_definition
    for handler, action in ((create, "create"), (describe, "describe"), (delete, "delete"), (list_all, "list")):
        handler.__name__ = f"{action}_{snake}" + ("s" if action == "list" else "")
    return [create, describe, delete, list_all]


# ----------------------------------------------------------------------------- schedules
def _schedule_fields(response: Any, arn: str, config: dict[str, Any]) -> dict[str, Any]:
    from moto.sagemaker.exceptions import ValidationError

    definition_name = config.get("MonitoringJobDefinitionName")
    if not definition_name:
        raise ValidationError(message="MonitoringScheduleConfig.MonitoringJobDefinitionName: name a job definition")
    monitoring_type = config.get("MonitoringType", "DataQuality")
    if monitoring_type not in DEFINITION_KINDS:
        raise ValidationError(
            message=f"MonitoringScheduleConfig.MonitoringType {monitoring_type}: give one of {sorted(DEFINITION_KINDS)}"
        )
    definition = _find(response, DEFINITION_KINDS[monitoring_type], definition_name)
    _parse_schedule(config.get("ScheduleConfig", {}).get("ScheduleExpression", "NOW"))
    endpoint = endpoint_of(definition.fields)
    return {
        "MonitoringScheduleArn": arn,
        "MonitoringScheduleName": response._get_param("MonitoringScheduleName"),
        "MonitoringScheduleStatus": "Scheduled",
        "MonitoringType": monitoring_type,
        "MonitoringScheduleConfig": config,
        "LastModifiedTime": _epoch(),
    } | ({"EndpointName": endpoint} if endpoint else {})


def create_monitoring_schedule(self: Any) -> str:
    arn = _arn(self, "monitoring-schedule", self._get_param("MonitoringScheduleName"))
    fields = _schedule_fields(self, arn, self._get_param("MonitoringScheduleConfig") or {})
    schedule = _Monitored(
        fields | {"CreationTime": _epoch()}, self._get_param("Tags") or [], self.current_account, self.region
    )
    with _LOCK:
        _STORE[arn] = schedule
    if _expression(schedule) == "NOW":
        runtime_ext.submit(run_execution, schedule, datetime.now(UTC))
    return json.dumps({"MonitoringScheduleArn": arn})


def describe_monitoring_schedule(self: Any) -> str:
    schedule = _find(self, "monitoring-schedule", self._get_param("MonitoringScheduleName"))
    with _LOCK:
        latest = schedule.executions[-1:] if schedule.executions else []
    return json.dumps(schedule.fields | ({"LastMonitoringExecutionSummary": latest[0]} if latest else {}))


def update_monitoring_schedule(self: Any) -> str:
    schedule = _find(self, "monitoring-schedule", self._get_param("MonitoringScheduleName"))
    arn = schedule.fields["MonitoringScheduleArn"]
    with _LOCK:
        schedule.fields.update(_schedule_fields(self, arn, self._get_param("MonitoringScheduleConfig") or {}))
    return json.dumps({"MonitoringScheduleArn": arn})


def delete_monitoring_schedule(self: Any) -> str:
    schedule = _find(self, "monitoring-schedule", self._get_param("MonitoringScheduleName"))
    with _LOCK:
        _STORE.pop(schedule.fields["MonitoringScheduleArn"])
    return "{}"


def _set_status(response: Any, status: str) -> str:
    schedule = _find(response, "monitoring-schedule", response._get_param("MonitoringScheduleName"))
    with _LOCK:
        schedule.fields["MonitoringScheduleStatus"] = status
        schedule.checked = datetime.now(UTC)  # a restarted schedule does not catch up
    return "{}"


def start_monitoring_schedule(self: Any) -> str:
    return _set_status(self, "Scheduled")


def stop_monitoring_schedule(self: Any) -> str:
    return _set_status(self, "Stopped")


def _schedules() -> list[_Monitored]:
    with _LOCK:
        return [m for arn, m in _STORE.items() if ":monitoring-schedule/" in arn]


def list_monitoring_schedules(self: Any) -> str:
    keys = ["MonitoringScheduleName", "MonitoringScheduleArn", "CreationTime", "LastModifiedTime", "MonitoringType"]
    keys += ["MonitoringScheduleStatus", "EndpointName"]
    endpoint = self._get_param("EndpointName")
    summaries = [
        {k: s.fields[k] for k in keys if k in s.fields}
        for s in _schedules()
        if endpoint in (None, s.fields.get("EndpointName"))
    ]
    return json.dumps({"MonitoringScheduleSummaries": summaries})


def list_monitoring_executions(self: Any) -> str:
    name, endpoint = self._get_param("MonitoringScheduleName"), self._get_param("EndpointName")
    with _LOCK:
        found = [
            e
            for s in _STORE.values()
            for e in s.executions
            if name in (None, e["MonitoringScheduleName"]) and endpoint in (None, e.get("EndpointName"))
        ]
    found.sort(key=lambda e: e["ScheduledTime"], reverse=self._get_param("SortOrder", "Descending") == "Descending")
    return json.dumps({"MonitoringExecutionSummaries": found})


def _expression(schedule: _Monitored) -> str:
    expression: str = (
        schedule.fields["MonitoringScheduleConfig"].get("ScheduleConfig", {}).get("ScheduleExpression", "NOW")
    )
    return expression


# ----------------------------------------------------------------------------- executions
def _offset(text: str | None, default: timedelta) -> timedelta:
    """An ISO 8601 duration relative to the scheduled time, e.g. -PT1H, -PT30M, -PT0H."""
    if not text:
        return default
    match = re.fullmatch(r"-PT(?:(\d+)H)?(?:(\d+)M)?", text)
    if match is None:
        raise ValueError(f"{text!r} is not a negative duration such as -PT1H")
    return -timedelta(hours=int(match.group(1) or 0), minutes=int(match.group(2) or 0))


def analysis_window(schedule: _Monitored, scheduled: datetime) -> tuple[datetime, datetime]:
    config = schedule.fields["MonitoringScheduleConfig"].get("ScheduleConfig", {})
    start = scheduled + _offset(config.get("DataAnalysisStartTime"), timedelta(hours=-1))
    end = scheduled + _offset(config.get("DataAnalysisEndTime"), timedelta(0))
    return start, end


class MonitoringFailed(RuntimeError):
    """Why an execution failed, as its FailureReason."""


def run_execution(schedule: _Monitored, scheduled: datetime) -> dict[str, Any]:
    """One execution of the schedule at `scheduled`; its summary, also recorded on the schedule."""
    from pipelines_src.local import clarify_job, jobs, model_monitor_job, model_quality_job

    analyses = {
        "DataQuality": model_monitor_job.run,
        "ModelQuality": model_quality_job.run,
        "ModelBias": clarify_job.run_bias,
        "ModelExplainability": clarify_job.run_explainability,
    }

    name = schedule.fields["MonitoringScheduleName"]
    prefix = schedule.fields["MonitoringScheduleArn"].split(":monitoring-schedule/")[0]  # arn:<partition>:...:<account>
    job = f"model-monitoring-{scheduled:%Y%m%d%H%M}-{uuid.uuid4().hex[:8]}"
    summary: dict[str, Any] = {
        "MonitoringScheduleName": name,
        "ScheduledTime": _epoch(scheduled),
        "CreationTime": _epoch(),
        "MonitoringExecutionStatus": "InProgress",
        "ProcessingJobArn": f"{prefix}:processing-job/{job}",
        "MonitoringJobDefinitionName": schedule.fields["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"],
        "MonitoringType": schedule.fields["MonitoringType"],
    } | ({"EndpointName": schedule.fields["EndpointName"]} if "EndpointName" in schedule.fields else {})
    with _LOCK:
        schedule.executions.append(summary)
        kind = DEFINITION_KINDS[summary["MonitoringType"]]
        definition = _STORE.get(f"{prefix}:{kind}/{summary['MonitoringJobDefinitionName'].lower()}")
    analyse = analyses[summary["MonitoringType"]]
    try:
        if definition is None:
            raise MonitoringFailed(f"job definition {summary['MonitoringJobDefinitionName']} no longer exists")
        violations = analyse(definition.fields, schedule, analysis_window(schedule, scheduled), scheduled)
        alarms.alert_watching(schedule.account, schedule.region, name)  # CloudWatch's next evaluation
        status = "CompletedWithViolations" if violations else "Completed"
        summary.update(MonitoringExecutionStatus=status)
    except (MonitoringFailed, model_monitor_job.JobInputError, jobs.JobFailed, StepError, ValueError) as exc:
        summary.update(MonitoringExecutionStatus="Failed", FailureReason=str(exc)[:1024])
    summary["LastModifiedTime"] = _epoch()
    return summary


def _tick() -> None:
    now = datetime.now(UTC)
    for schedule in _schedules():
        if schedule.fields["MonitoringScheduleStatus"] != "Scheduled" or _expression(schedule) == "NOW":
            continue
        due = Cron.parse(_expression(schedule)).times_between(schedule.checked, now)
        schedule.checked = now
        if due:  # one execution for the latest time: a paused emulator does not replay a backlog
            runtime_ext.submit(run_execution, schedule, due[-1])


def install() -> None:
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    add_handlers(SageMakerResponse, *(h for kind in DEFINITION_KINDS.values() for h in _definition_handlers(kind)))
    add_handlers(
        SageMakerResponse,
        create_monitoring_schedule,
        describe_monitoring_schedule,
        update_monitoring_schedule,
        delete_monitoring_schedule,
        start_monitoring_schedule,
        stop_monitoring_schedule,
        list_monitoring_schedules,
        list_monitoring_executions,
    )
    original = SageMakerModelBackend._get_resource_from_arn

    def _get_resource_from_arn(self: Any, arn: str) -> Any:
        return _STORE[arn] if arn in _STORE else original(self, arn)  # tags live on _Monitored

    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn  # type: ignore[method-assign]
    runtime_ext.every(TICK_ENV, 30, _tick, "model-monitor-scheduler")
