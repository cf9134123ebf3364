"""Reports as plain JSON-ready data, shared by the command line and the tests."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from recruit_dash import clock
from recruit_dash.metrics.aftercare import NO_RECORDS, aftercare
from recruit_dash.metrics.clients import clients_report
from recruit_dash.metrics.forecast import fee_forecast
from recruit_dash.metrics.funnel import cohorts, funnel, progress
from recruit_dash.metrics.queue import LONG_OVERDUE_DAYS, call_queue, long_overdue
from recruit_dash.metrics.ratio_ledger import Ledger
from recruit_dash.metrics.ratios import ratios_report
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.metrics.stalled import StallRules, stalled_leads
from recruit_dash.metrics.targets import targets_report
from recruit_dash.model import STAGE_LABELS, Model, json_value
from recruit_dash.periods import Period, period_holding

KINDS = ("funnel", "cohorts", "stalled", "queue", "aftercare", "clients", "ratios", "targets",
         "forecast")


def _number(value: float | None) -> float | None:
    """Return a JSON-safe number: None for missing or NaN, never NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Return a frame's rows as JSON-ready dicts: ISO dates, None for missing, plain numbers."""
    rows = []
    for row in frame[columns].to_dict("records"):
        rows.append({key: json_value(value) for key, value in row.items()})
    return rows


def report(kind: str, model: Model, *, as_of: date | None = None, lens: str = "cohort",
           start: date | None = None, end: date | None = None,
           stages: list[str] | None = None, rules: StallRules | None = None,
           credit: str = "owner", consultant: str | None = None,
           placements: int | None = None,
           team_medians: dict[str, Ledger] | None = None) -> dict:
    """Return one report of DESIGN.md's command line as a JSON-ready dict; a consultant's ratios
    and targets against their team's medians when given (`Scoped.team_medians`: their own view
    of the data holds no colleague to take a median over)."""
    as_of = as_of or data_as_of(model, clock.today())
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
            # Chosen stages the data never records: left out of `stages`, never filled in.
            "not_tracked": [{"stage": stage, "label": STAGE_LABELS[stage]}
                            for stage in result.not_tracked],
        }
    if kind == "cohorts":
        frame = cohorts(model, as_of, stages=stages)
        return {"as_of": as_of.isoformat(),
                "rows": [{key: (_number(value) if not isinstance(value, (dict, str)) else value)
                          for key, value in row.items()} for row in frame.to_dict("records")]}
    if kind == "stalled":
        stalled = stalled_leads(model, as_of, rules)
        return {"as_of": as_of.isoformat(), "open_leads": stalled.open_leads,
                "undated_open_leads": stalled.undated, "rules": (rules or StallRules()).to_dict(),
                "leads": records(stalled.leads, [
                    "lead_id", "consultant", "client", "stage", "days_since_progress", "reason",
                    "last_progress_on", "threshold", "next_action_on"])}
    if kind == "queue":
        items = call_queue(model, as_of, standing=progress(model, as_of))
        items = items.assign(long_overdue=long_overdue(items).astype(bool))
        return {"as_of": as_of.isoformat(), "long_overdue_after_days": LONG_OVERDUE_DAYS,
                "long_overdue": int(items["long_overdue"].sum()), "items": records(items, [
                    "kind", "lead_id", "placement_id", "consultant", "due_on", "overdue",
                    "days_overdue", "long_overdue", "what", "client", "stage"])}
    if kind == "aftercare":
        care = aftercare(model, as_of)
        return {"as_of": as_of.isoformat(), "checkin_records": care.records,
                "note": None if care.records else NO_RECORDS,
                "checkins": records(care.checkins, [
                    "placement_id", "candidate", "consultant", "checkpoint", "due_on", "done_on",
                    "status"]),
                "at_risk": care.at_risk()["placement_id"].astype(str).tolist(),
                "unscheduled": care.unscheduled["placement_id"].astype(str).tolist(),
                "completion": records(care.completion(), [
                    "consultant", "checkins_done", "checkins_missed", "completion"])}
    if kind == "clients":
        return clients_report(model, as_of)
    if kind == "ratios":
        return ratios_report(model, as_of, start, end, credit=credit, team_medians=team_medians)
    if kind == "targets":
        if not consultant:
            raise ValueError("report targets needs --consultant NAME")
        return targets_report(model, as_of, consultant, placements or 1, credit=credit,
                              team_medians=team_medians)
    if kind == "forecast":
        return fee_forecast(model, as_of)
    raise ValueError(f"Unknown report {kind!r}")

