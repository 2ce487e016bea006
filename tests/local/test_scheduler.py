"""When EventBridge Scheduler's expressions come due (pipelines_src/local/scheduler.py): cron in
the schedule's own time zone, rate from its creation, at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from pipelines_src.local import scheduler

# Friday 4 December 2026, 18:00 UTC: 19:00 in Berlin (CET, UTC+1)
EVENING = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


def _schedule(expression: str, zone: str = "UTC", created: datetime = EVENING - timedelta(days=1)) -> SimpleNamespace:
    return SimpleNamespace(
        schedule_expression=expression, schedule_expression_timezone=zone, creation_date=created.timestamp()
    )


def test_a_cron_is_read_in_the_schedules_time_zone() -> None:
    stop = "cron(0 19 ? * MON-FRI *)"  # realtime-endpoint's office_hours.stop
    before, after = EVENING - timedelta(seconds=30), EVENING + timedelta(seconds=30)
    assert scheduler.due(_schedule(stop, "Europe/Berlin"), before, after)
    assert not scheduler.due(_schedule(stop, "UTC"), before, after), "19:00 UTC is an hour later"
    saturday = (before + timedelta(days=1), after + timedelta(days=1))
    assert not scheduler.due(_schedule(stop, "Europe/Berlin"), *saturday), "MON-FRI only"


def test_a_rate_counts_from_the_creation_and_at_comes_once() -> None:
    every_five = _schedule("rate(5 minutes)", created=EVENING - timedelta(minutes=3))
    assert scheduler.due(every_five, EVENING, EVENING + timedelta(minutes=2, seconds=1))
    assert not scheduler.due(every_five, EVENING + timedelta(minutes=2, seconds=1), EVENING + timedelta(minutes=6))
    once = _schedule("at(2026-12-04T19:00:00)", "Europe/Berlin")
    assert scheduler.due(once, EVENING - timedelta(seconds=5), EVENING)
    assert not scheduler.due(once, EVENING, EVENING + timedelta(hours=1)), "an at() time passes once"


def test_an_expression_scheduler_does_not_know_is_refused_naming_the_forms() -> None:
    with pytest.raises(ValueError, match=r"ScheduleExpression 'every day': give cron\(...\), rate"):
        scheduler.due(_schedule("every day"), EVENING, EVENING + timedelta(minutes=1))
