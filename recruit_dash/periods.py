"""Reporting periods: a week, month or quarter holding a date, and the one before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

PERIOD_KINDS = ("week", "month", "quarter")


@dataclass(frozen=True)
class Period:
    """A closed range of days [start, end] with a label."""

    start: date
    end: date
    label: str

    def contains(self, days: pd.Series) -> pd.Series:
        """Return which of the dates fall in the period."""
        return (days >= pd.Timestamp(self.start)) & (days <= pd.Timestamp(self.end))


def period_holding(day: date, kind: str) -> Period:
    """Return the week (from Monday), month or quarter that holds a day."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6), f"Week of {start:%d %b %Y}")
    if kind == "month":
        start = day.replace(day=1)
        end = (pd.Timestamp(start) + pd.offsets.MonthEnd(1)).date()
        return Period(start, end, f"{start:%B %Y}")
    if kind == "quarter":
        quarter = (day.month - 1) // 3
        start = date(day.year, quarter * 3 + 1, 1)
        end = (pd.Timestamp(start) + pd.offsets.QuarterEnd(1)).date()
        return Period(start, end, f"Q{quarter + 1} {day.year}")
    raise ValueError(f"Unknown period kind {kind!r}; choose one of {', '.join(PERIOD_KINDS)}")


def previous_period(period: Period, kind: str) -> Period:
    """Return the period of the same kind just before this one."""
    return period_holding(period.start - timedelta(days=1), kind)


def to_date(when: date) -> pd.Timestamp:
    """Return a date as a midnight Timestamp for comparing with model dates."""
    return pd.Timestamp(when)


def period_to_date(day: date, kind: str) -> Period:
    """Return the week, month or quarter holding a day, cut at that day ("month to date")."""
    whole = period_holding(day, kind)
    end = min(whole.end, day)
    label = whole.label if end == whole.end else f"{whole.label} to {end:%d %b}"
    return Period(whole.start, end, label)


def same_point_before(period: Period, kind: str) -> Period:
    """Return the previous period cut at the same number of days in, for a like-for-like change."""
    before = previous_period(period, kind)
    end = min(before.end, before.start + (period.end - period.start))
    label = before.label if end == before.end else f"{before.label} to {end:%d %b}"
    return Period(before.start, end, label)


def last_complete(day: date, kind: str) -> Period:
    """Return the last whole week, month or quarter up to a day (the one holding it, if it ends
    on that day)."""
    whole = period_holding(day, kind)
    return whole if whole.end == day else previous_period(whole, kind)


def to_date_is_short(day: date, kind: str) -> bool:
    """Return whether the period to date holds under a third of its days (a Monday's week, the
    1st of a month), too few to read as "this week": a first screen then shows the last whole one."""
    whole = period_holding(day, kind)
    return (day - whole.start).days + 1 < ((whole.end - whole.start).days + 1) / 3


def compared_periods(day: date, kind: str, complete: bool) -> tuple[Period, Period]:
    """Return the period shown and the one it is compared with: the last whole period against the
    one before it, or the period to date against the same days of the one before."""
    if complete:
        shown = last_complete(day, kind)
        return shown, previous_period(shown, kind)
    shown = period_to_date(day, kind)
    return shown, same_point_before(shown, kind)
