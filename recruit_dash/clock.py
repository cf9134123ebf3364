"""Today's date, from one place: the real day, or the day set in RECRUIT_DASH_TODAY.

The app uses the real today where a person expects it (the day's call list, a year-less date);
every figure is computed for an as-of date passed in. RECRUIT_DASH_TODAY (YYYY-MM-DD) pins the
day for a demonstration or a test of a running server, so that nothing depends on the wall clock.
"""

from __future__ import annotations

import os
from datetime import date

TODAY_VARIABLE = "RECRUIT_DASH_TODAY"


def today() -> date:
    """Return today's date, or the day RECRUIT_DASH_TODAY pins (ignored when not a date)."""
    pinned = os.environ.get(TODAY_VARIABLE, "").strip()
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            pass
    return date.today()
