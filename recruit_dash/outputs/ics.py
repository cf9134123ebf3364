"""Calendar files: a call list as an .ics a consultant imports, one all-day event per call."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pandas as pd
from icalendar import Calendar, Event


def calls_ics(calls: pd.DataFrame, as_of: date, title: str = "recruit-dash calls") -> bytes:
    """Return an iCalendar file with one event per call: on its due day, or on the as-of day
    when it is already overdue (an overdue call is made today, not in the past)."""
    calendar = Calendar()
    calendar.add("prodid", "-//recruit-dash//call list//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", title)
    stamp = datetime.now(UTC)
    for row in calls.to_dict("records"):
        due = row.get("due_on")
        day = as_of if pd.isna(due) or due.date() < as_of else due.date()
        event = Event()
        summary = " – ".join(str(part) for part in (row.get("what"), row.get("who"), row.get("client"))
                             if _present(part))
        event.add("summary", summary or "Call")
        event.add("dtstart", day)
        event.add("dtstamp", stamp)
        details = [f"{label}: {row[key]}" for key, label in (
            ("consultant", "Consultant"), ("lead_id", "Lead"), ("placement_id", "Placement"),
            ("reason", "Why"), ("days_overdue", "Days overdue")) if _present(row.get(key))]
        if not pd.isna(due):
            details.append(f"Due: {due:%d/%m/%Y}")
        event.add("description", "\n".join(details))
        key = "|".join(str(row.get(name)) for name in ("kind", "lead_id", "placement_id", "what", "due_on"))
        event.add("uid", hashlib.sha256(key.encode()).hexdigest()[:32] + "@recruit-dash")
        calendar.add_component(event)
    return calendar.to_ical()


def _present(value: object) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value)) and value != ""
