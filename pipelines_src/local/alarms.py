"""In the emulator process: the endpoint metrics SageMaker publishes, and CloudWatch's evaluation
of the alarms an endpoint update is guarded by and of the alarms on a monitoring run's metrics.

moto stores metrics and alarms but never evaluates an alarm. A local endpoint's invocations are
published as SageMaker publishes them (namespace AWS/SageMaker, dimensions EndpointName and
VariantName, one aggregated datum per metric and second: Invocations, Invocation4XXErrors,
Invocation5XXErrors, ModelLatency in microseconds), and the alarms a rollout names are evaluated
as CloudWatch does: the last `EvaluationPeriods` periods, `DatapointsToAlarm` of them breaching,
missing data treated as the alarm says, metric math over the queries' values. Percentiles
(`p99`) are taken from each second's maximum, an upper bound: locally a latency alarm fires early
rather than late. An alarm set to ALARM by `SetAlarmState` during an update counts as tripped.
CloudWatch evaluates every alarm each minute; locally the alarms on a monitoring schedule's
metrics are evaluated when one of its runs has published them, and a change of state is
notified to the alarm's SNS actions as CloudWatch notifies it.
"""

from __future__ import annotations

import ast
import json
import operator
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

NAMESPACE = "AWS/SageMaker"
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda a, b: a / b if b else 0.0,
}
FUNCTIONS: dict[str, Callable[[list[float]], float]] = {
    "MAX": max,
    "MIN": min,
    "SUM": sum,
    "ABS": lambda values: abs(values[0]),
}


# ----------------------------------------------------------------------------- metrics
@dataclass
class _Tally:
    invocations: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    latencies_us: list[float] = field(default_factory=list)


@dataclass
class EndpointMetrics:
    """One endpoint's invocations, counted by variant until the next flush."""

    account: str
    region: str
    endpoint: str
    tallies: dict[str, _Tally] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, variant: str, status: int, latency_us: float) -> None:
        with self.lock:
            tally = self.tallies.setdefault(variant, _Tally())
            tally.invocations += 1
            tally.errors_4xx += 400 <= status < 500
            tally.errors_5xx += status >= 500
            if status == 200:
                tally.latencies_us.append(latency_us)

    def flush(self) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        with self.lock:
            pending, self.tallies = self.tallies, {}
        data = [datum for variant, tally in pending.items() for datum in self._data(variant, tally)]
        if data:
            cloudwatch_backends[self.account][self.region].put_metric_data(NAMESPACE, data)

    def _data(self, variant: str, tally: _Tally) -> Iterable[dict[str, Any]]:
        dimensions = [{"Name": "EndpointName", "Value": self.endpoint}, {"Name": "VariantName", "Value": variant}]
        n = tally.invocations
        counts = {"Invocations": n, "Invocation4XXErrors": tally.errors_4xx, "Invocation5XXErrors": tally.errors_5xx}
        for name, value in counts.items():
            low, high = (1, 1) if name == "Invocations" else (0, min(value, 1))
            stats: dict[str, float] = {"Sum": value, "SampleCount": n, "Minimum": low, "Maximum": high}
            yield {"MetricName": name, "Dimensions": dimensions, "StatisticValues": stats, "Unit": "Count"}
        if tally.latencies_us:
            values = tally.latencies_us
            stats = {
                "Sum": float(sum(values)),
                "SampleCount": len(values),
                "Minimum": min(values),
                "Maximum": max(values),
            }
            yield {
                "MetricName": "ModelLatency",
                "Dimensions": dimensions,
                "StatisticValues": stats,
                "Unit": "Microseconds",
            }


# ----------------------------------------------------------------------------- alarms
def brought_up_to_date(account: str, region: str, names: Iterable[str]) -> datetime:
    """Evaluates the named alarms as an update starts; the moment after which a trip counts."""
    from moto.core.utils import utcnow

    firing(account, region, names, since=datetime.max)
    return utcnow()


def firing(account: str, region: str, names: Iterable[str], since: datetime) -> str | None:
    """Evaluates the named alarms now; the first that went to ALARM at or after `since`, with
    CloudWatch's reason. SageMaker rolls back on an alarm that trips during the update, not on
    one already in ALARM when it began (a drift alarm must not block the retrained model)."""
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.utils import utcnow

    backend, now = cloudwatch_backends[account][region], utcnow()
    metrics = backend.get_all_metrics()
    for name in names:
        alarm = backend.alarms.get(name)
        if alarm is None:
            continue  # SageMaker checks the names when the update starts; a deleted one watches nothing
        tripped = alarm.state_value == "ALARM" and alarm.state_updated_timestamp >= since
        if not tripped:  # an alarm set by SetAlarmState keeps its state until it has fired
            _reevaluate(alarm, metrics, now)
            tripped = alarm.state_value == "ALARM" and alarm.state_updated_timestamp >= since
        if tripped:
            return f"alarm {name} went to ALARM: {alarm.state_reason}"
    return None


def _watches(alarm: Any, schedule: str) -> bool:
    """Whether the alarm's metric (or one of its queries') is a metric of the monitoring schedule."""
    dimension_lists = [alarm.dimensions or []] + [
        q.metric_stat.metric.dimensions for q in alarm.metric_data_queries or [] if q.metric_stat is not None
    ]
    return any(d.name == "MonitoringSchedule" and d.value == schedule for ds in dimension_lists for d in ds)


def _notify(alarm: Any, old_state: str, region: str) -> None:
    """CloudWatch's notification of a state change, to the actions of the new state."""
    from moto.sns.models import sns_backends

    actions = alarm.alarm_actions if alarm.state_value == "ALARM" else alarm.ok_actions
    message = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AlarmArn": alarm.alarm_arn,
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "OldStateValue": old_state,
        "StateChangeTime": alarm.state_updated_timestamp.isoformat(),
        "Region": region,
    }
    for topic in actions if alarm.actions_enabled else []:
        parts = topic.split(":")
        subject = f'{alarm.state_value}: "{alarm.name}" in {region}'[:99]
        try:
            sns_backends[parts[4]][parts[3]].publish(json.dumps(message), arn=topic, subject=subject)
        except Exception as exc:  # CloudWatch records a failed action and keeps evaluating
            print(f"alarm {alarm.name}: action {topic} failed: {exc!r}", flush=True)


def alert_watching(account: str, region: str, schedule: str) -> list[str]:
    """After a monitoring run published its metrics: the alarms on them evaluated as CloudWatch
    evaluates them, each change of state notified to its actions (SNS); the alarms now in ALARM."""
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.utils import utcnow

    backend, now = cloudwatch_backends[account][region], utcnow()
    metrics, firing_now = backend.get_all_metrics(), []
    for alarm in [a for a in backend.alarms.values() if _watches(a, schedule)]:
        try:
            old_state = _reevaluate(alarm, metrics, now)
        except ValueError as exc:  # metric math the runtime lacks: that alarm stays as it was
            print(f"alarm {alarm.name}: {exc}", flush=True)
            continue
        # INSUFFICIENT_DATA has actions of its own, which none of the registry's alarms sets
        if alarm.state_value != old_state and alarm.state_value in ("ALARM", "OK"):
            _notify(alarm, old_state, region)
        if alarm.state_value == "ALARM":
            firing_now.append(alarm.name)
    return firing_now


def _reevaluate(alarm: Any, metrics: list[Any], now: datetime) -> str:
    """The alarm's state brought up to date from the metrics, as CloudWatch does; its state before."""
    old_state: str = alarm.state_value
    state, reason = evaluate(alarm, metrics, now)
    if state != old_state:
        alarm.update_state(reason, "{}", state)
    return old_state


def evaluate(alarm: Any, metrics: list[Any], now: datetime) -> tuple[str, str]:
    """An alarm's state over the periods that ended by `now`, and why."""
    period = timedelta(seconds=int(alarm.period or 60))
    windows = [(now - (i + 1) * period, now - i * period) for i in range(int(alarm.evaluation_periods))]
    values = [_value(alarm, metrics, window) for window in reversed(windows)]
    compare = COMPARISONS[alarm.comparison_operator]
    present = [v for v in values if v is not None]
    missing_breaches = alarm.treat_missing_data == "breaching"
    breaching = sum(1 for v in values if (compare(v, alarm.threshold) if v is not None else missing_breaches))
    needed = int(alarm.datapoints_to_alarm or alarm.evaluation_periods)
    shown = [round(v, 3) for v in present]
    if breaching >= needed:
        return "ALARM", f"Threshold Crossed: {breaching} datapoint(s) {shown} breached {alarm.threshold}"
    if not present and alarm.treat_missing_data in (None, "missing"):
        return "INSUFFICIENT_DATA", "Insufficient Data: no datapoints in the evaluation periods"
    return "OK", f"Threshold Crossed: datapoints {shown} within {alarm.threshold}"


def _value(alarm: Any, metrics: list[Any], window: tuple[datetime, datetime]) -> float | None:
    if not alarm.metric_data_queries:
        stat = alarm.extended_statistic or alarm.statistic
        return _statistic(_datums(metrics, alarm.namespace, alarm.metric_name, alarm.dimensions, window), stat)
    known: dict[str, float | None] = {}
    for query in alarm.metric_data_queries:
        if query.metric_stat is not None:
            metric = query.metric_stat.metric
            found = _datums(metrics, metric.namespace, metric.metric_name, metric.dimensions, window)
            known[query.id] = _statistic(found, query.metric_stat.stat)
    for query in alarm.metric_data_queries:
        if query.expression:
            known[query.id] = _expression(query.expression, known)
    returned = next((q.id for q in alarm.metric_data_queries if str(q.return_data).lower() != "false"), None)
    return known.get(returned) if returned else None


def _datums(
    metrics: list[Any], namespace: str, name: str, dimensions: list[Any], window: tuple[datetime, datetime]
) -> list[Any]:
    wanted = {(d.name, d.value) for d in dimensions}
    start, end = window
    return [
        m
        for m in metrics
        if m.namespace == namespace
        and m.name == name
        and start <= m.timestamp < end
        and {(d.name, d.value) for d in m.dimensions} == wanted
    ]


def _statistic(datums: list[Any], stat: str) -> float | None:
    if not datums:
        return None
    sums = [getattr(d, "sum", getattr(d, "value", 0.0)) for d in datums]
    counts = [getattr(d, "sample_count", 1.0) for d in datums]
    if stat == "Sum":
        return float(sum(sums))
    if stat == "SampleCount":
        return float(sum(counts))
    if stat == "Average":
        return float(sum(sums) / max(sum(counts), 1.0))
    if stat == "Minimum":
        return float(min(getattr(d, "min", getattr(d, "value", 0.0)) for d in datums))
    return float(max(getattr(d, "max", getattr(d, "value", 0.0)) for d in datums))  # Maximum and pNN


def _expression(text: str, known: dict[str, float | None]) -> float | None:
    """CloudWatch metric math of + - * /, MAX/MIN/SUM([...]) over the queries' ids."""

    def value(node: ast.AST) -> float | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            return known.get(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            left, right = value(node.left), value(node.right)
            return None if left is None or right is None else OPERATORS[type(node.op)](left, right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
            items = node.args[0].elts if node.args and isinstance(node.args[0], ast.List) else node.args
            present = [v for v in (value(item) for item in items) if v is not None]
            return FUNCTIONS[node.func.id](present) if present else None
        raise ValueError(f"metric math the local runtime does not evaluate: {ast.unparse(node)}")

    return value(ast.parse(text, mode="eval").body)
