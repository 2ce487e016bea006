"""AWS cron expressions (`cron(minutes hours day-of-month month day-of-week year)`), as
EventBridge and SageMaker monitoring schedules read them, evaluated in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_FIELDS = (("minutes", 0, 59), ("hours", 0, 23), ("day-of-month", 1, 31), ("month", 1, 12), ("day-of-week", 1, 7))
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_DAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}  # AWS: 1 = Sunday
_MAX_MINUTES = 60 * 24 * 366 * 2  # never look further than two years for the next time


class CronError(ValueError):
    """An expression this evaluator cannot read, worded as the fix."""


def _values(text: str, low: int, high: int, names: dict[str, int]) -> frozenset[int] | None:
    """The values one field allows; None for every value (`*`, `?`)."""
    if text in ("*", "?"):
        return None
    found: set[int] = set()
    for part in text.split(","):
        match = re.fullmatch(r"(\*|[0-9A-Z]+)(?:-([0-9A-Z]+))?(?:/([0-9]+))?", part.upper())
        if match is None:
            raise CronError(f"cron field {text!r}: use numbers, names, '*', '?', ranges a-b, lists a,b and steps /n")
        start_text, end_text, step_text = match.groups()
        start = low if start_text == "*" else names.get(start_text) or int(start_text)
        end = names.get(end_text) or int(end_text) if end_text else (high if start_text == "*" or step_text else start)
        if not low <= start <= high or not low <= end <= high:
            raise CronError(f"cron field {text!r}: values must be within {low}-{high}")
        found.update(range(start, end + 1, int(step_text or 1)))
    return frozenset(found)


@dataclass(frozen=True)
class Cron:
    fields: tuple[frozenset[int] | None, ...]
    years: frozenset[int] | None

    @classmethod
    def parse(cls, expression: str) -> Cron:
        match = re.fullmatch(r"cron\((.+)\)", expression.strip())
        parts = match.group(1).split() if match else []
        if len(parts) != 6:
            raise CronError(f"{expression!r}: give cron(minutes hours day-of-month month day-of-week year)")
        names: tuple[dict[str, int], ...] = ({}, {}, {}, _MONTHS, _DAYS)
        fields = tuple(_values(p, low, high, n) for p, (_, low, high), n in zip(parts, _FIELDS, names, strict=False))
        return cls(fields, _values(parts[5], 1970, 2199, {}))

    def matches(self, moment: datetime) -> bool:
        weekday = moment.isoweekday() % 7 + 1  # Sunday = 1
        values = (moment.minute, moment.hour, moment.day, moment.month, weekday)
        allowed = all(f is None or v in f for f, v in zip(self.fields, values, strict=True))
        return allowed and (self.years is None or moment.year in self.years)

    def times_between(self, after: datetime, until: datetime) -> list[datetime]:
        """The minutes in (after, until] the expression names."""
        moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        found: list[datetime] = []
        while moment <= until and len(found) < 1000:
            if self.matches(moment):
                found.append(moment)
            moment += timedelta(minutes=1)
        return found

    def next_after(self, after: datetime) -> datetime | None:
        moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(_MAX_MINUTES):
            if self.matches(moment):
                return moment
            moment += timedelta(minutes=1)
        return None
