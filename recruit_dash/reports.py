"""Reports as plain JSON-ready data, shared by the command line and the tests."""

from __future__ import annotations

import math
from datetime import date

from recruit_dash.funnel import cohorts, funnel
from recruit_dash.metrics import data_as_of
from recruit_dash.model import Model
from recruit_dash.periods import Period, period_holding


def _number(value: float | None) -> float | None:
    """Return a JSON-safe number: None for missing or NaN, never NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def report(kind: str, model: Model, *, as_of: date | None = None, lens: str = "cohort",
           start: date | None = None, end: date | None = None,
           stages: list[str] | None = None) -> dict:
    """Return one report of DESIGN.md's command line as a JSON-ready dict."""
    as_of = as_of or data_as_of(model)
    if kind == "funnel":
        quarter = period_holding(as_of, "quarter")
        period = Period(start or quarter.start, end or quarter.end,
                        f"{start or quarter.start} to {end or quarter.end}")
        result = funnel(model, lens, period, as_of, stages)
        return {
            "as_of": as_of.isoformat(), "lens": lens, "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "stages": [{"stage": row.stage, "count": row.count, "step": _number(row.step),
                        "cumulative": _number(row.cumulative),
                        "median_days_to_next": _number(row.median_days_to_next),
                        "p90_days_to_next": _number(row.p90_days_to_next),
                        "at_stage": row.at_stage, "skipped": row.skipped,
                        "small_sample": row.small_sample} for row in result.stages],
            "notes": result.notes,
        }
    if kind == "cohorts":
        frame = cohorts(model, as_of, stages=stages)
        return {"as_of": as_of.isoformat(),
                "rows": [{key: (_number(value) if not isinstance(value, (dict, str)) else value)
                          for key, value in row.items()} for row in frame.to_dict("records")]}
    raise ValueError(f"Unknown report {kind!r}")

