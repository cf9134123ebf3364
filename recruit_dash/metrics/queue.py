"""The call-on-the-right-day queue (DESIGN.md; seed 003: "call them on the right day").

Rules, also shown on the Stalled & today page:
- Next actions of open and on-hold leads dated on the day or before it (overdue).
- Candidates starting on the day: call on the day to check they started.
- Start dates in the 14 days before the day with no contact with the candidate since the start.
- Probation ends from the day to 7 days after it.
- Post-placement check-ins due now, or overdue by at most 14 days (older misses stay on the
  Aftercare page); day-1 check-ins are the start-day calls above, and a placement with a
  start-day call has no other check-in call that day.
- Lost leads whose re-contact date (their next action date) is on the day or before it.
- Grouped by consultant; within each, calls that cannot move (start day) first, then overdue,
  then due on the day, then coming up; then the furthest stage first, then the biggest fee.
- Calls overdue for more than 90 days are grouped apart, after everything else: a next action
  dated last year is a lead to review, not today's first call, and must not push today's calls
  off the top of the list.
- The calendar file (.ics) holds the calls due on the day and those coming up, each on its own
  day, and the calls overdue by 7 days or less, on the day. Older overdue calls stay in the list
  and its CSV and Excel downloads, never as a pile of events on one date.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from recruit_dash.metrics.aftercare import Aftercare, aftercare, contacts, placements_of
from recruit_dash.metrics.funnel import Progress, progress
from recruit_dash.model import (
    LOST,
    ON_HOLD,
    OPEN,
    STAGE_IDS,
    STAGE_LABELS,
    Model,
    positions,
    stage_orders,
)
from recruit_dash.periods import to_date

LOOKBACK_DAYS = 14
LONG_OVERDUE_DAYS = 90
CALENDAR_OVERDUE_DAYS = 7
START_DAY, OVERDUE, DUE, COMING_UP, LONG_OVERDUE = 0, 1, 2, 3, 4
PROBATION_AHEAD_DAYS = 7
KINDS = ("next_action", "start_day", "start_unconfirmed", "probation_end", "checkin", "recontact")
KIND_LABELS = {
    "next_action": "Next action", "start_day": "Starts today", "start_unconfirmed":
    "Start not confirmed", "probation_end": "Probation ends", "checkin": "Check-in",
    "recontact": "Re-contact",
}
URGENCY_LABELS = {START_DAY: "Today, cannot move", OVERDUE: "Overdue", DUE: "Due today",
                  COMING_UP: "Coming up",
                  LONG_OVERDUE: f"Overdue for more than {LONG_OVERDUE_DAYS} days"}
COLUMNS = ["consultant", "urgency", "kind", "what", "who", "client", "lead_id", "placement_id",
           "stage", "fee", "due_on", "overdue", "days_overdue"]


def call_queue(model: Model, as_of: date, standing: Progress | None = None,
               care: Aftercare | None = None) -> pd.DataFrame:
    """Return the calls to make on the day, grouped by consultant and ordered by urgency."""
    day = to_date(as_of)
    standing = standing or progress(model, as_of)
    care = care or aftercare(model, as_of)
    starts = _starts(model, day)
    checkins = _checkins(care, day)
    # A start-day or unconfirmed-start call covers that placement's check-ins.
    checkins = checkins[~checkins["placement_id"].isin(starts["placement_id"])]
    parts = [_lead_actions(model, standing, day), starts, _probation_ends(care, day), checkins]
    items = pd.concat([part for part in parts if len(part)], ignore_index=True) \
        if any(len(part) for part in parts) else pd.DataFrame(columns=COLUMNS)
    if not len(items):
        return items
    items["days_overdue"] = (day - items["due_on"]).dt.days.clip(lower=0).astype("Int64")
    items["overdue"] = items["due_on"] < day
    items["urgency"] = np.select(
        [items["kind"] == "start_day",
         (items["days_overdue"].fillna(0) > LONG_OVERDUE_DAYS).to_numpy(dtype=bool),
         items["overdue"], items["due_on"] == day], [START_DAY, LONG_OVERDUE, OVERDUE, DUE],
        COMING_UP)
    # By consultant (no consultant last), urgency, furthest stage first, biggest fee first, due
    # date: one stable sort of integer keys (every call has a due date).
    who = pd.factorize(items["consultant"].fillna("~"), sort=True)[0]
    fee = items["fee"].astype("Float64").fillna(0).to_numpy("float64")
    order = np.lexsort((items["due_on"].to_numpy().view("int64"), -fee,
                        -stage_orders(items["stage"]), items["urgency"].to_numpy(), who))
    return items[COLUMNS].iloc[order].reset_index(drop=True)


def _lead_actions(model: Model, standing: Progress, day: pd.Timestamp) -> pd.DataFrame:
    """Return next actions due or overdue (open and on-hold leads) and lost leads' re-contacts."""
    leads = model.leads
    # Each lead's row in the standing, found once: its outcome and furthest stage are taken by it.
    rows = positions(leads["lead_id"], standing.leads["lead_id"], missing_matches=True)
    outcome = _taken(standing.leads["outcome"], rows)
    due = (leads["next_action_on"] <= day).to_numpy(bool)
    chosen_rows = due & ((outcome == OPEN) | (outcome == ON_HOLD) | (outcome == LOST))
    chosen = leads.loc[chosen_rows, ["consultant", "contact", "candidate", "client", "lead_id",
                                     "status", "fee", "next_action_on"]]
    lost = outcome[chosen_rows] == LOST
    kind = np.where(lost, "recontact", "next_action")
    # Each distinct status worded once, both ways; each call takes its words by the status.
    status, statuses = pd.factorize(chosen["status"].fillna("no status").astype(str))
    words = np.array([[f"Next action (status: {text})", f"Re-contact a lost lead ({text})"]
                      for text in statuses] or [["", ""]], dtype=object)
    what = words[status, lost.astype("int64")]
    # The columns' own arrays, under the leads' index: nothing to align.
    return pd.DataFrame({
        "consultant": chosen["consultant"].array, "kind": kind, "what": what,
        "who": chosen["contact"].fillna(chosen["candidate"]).array, "client": chosen["client"].array,
        "lead_id": chosen["lead_id"].array, "placement_id": pd.NA,
        "stage": _furthest(standing, rows[chosen_rows], chosen.index).array,
        "fee": chosen["fee"].array, "due_on": chosen["next_action_on"].array}, index=chosen.index)


def _taken(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Return the values at these rows, missing (NaN) at a row of -1 (a lead the standing lacks)."""
    return pd.api.extensions.take(values.to_numpy(object), rows, allow_fill=True)


def _furthest(standing: Progress, rows: np.ndarray, index: pd.Index) -> pd.Series:
    """Return the furthest stage of the standing's leads at these rows (missing for a lead not
    generated by the day, or one the standing lacks)."""
    furthest = pd.api.extensions.take(standing.leads["furthest"].to_numpy(), rows,
                                      allow_fill=True, fill_value=-1)
    return pd.Series(pd.array(STAGE_IDS, dtype="str").take(furthest, allow_fill=True), index=index)


def _starts(model: Model, day: pd.Timestamp) -> pd.DataFrame:
    """Return candidates starting on the day, and recent starts with no contact since."""
    placements = placements_of(model)
    today = placements[placements["start_on"] == day]
    recent = placements[(placements["start_on"] < day)
                        & (placements["start_on"] >= day - pd.Timedelta(days=LOOKBACK_DAYS))]
    found = contacts(model, recent, day.date())
    found = found.merge(recent[["placement_id", "start_on"]], on="placement_id")
    confirmed = found.loc[found["on"] >= found["start_on"], "placement_id"].unique()
    unconfirmed = recent[~recent["placement_id"].isin(confirmed)]
    return pd.concat([
        _placement_items(today, "start_day", "Starts today: call to check they started",
                         today["start_on"]),
        _placement_items(unconfirmed, "start_unconfirmed",
                         "Start date passed: no contact since to confirm they started",
                         unconfirmed["start_on"])], ignore_index=True)


def _probation_ends(care: Aftercare, day: pd.Timestamp) -> pd.DataFrame:
    ends = care.placements["probation_end_on"]
    soon = care.placements[(ends >= day)
                           & (ends <= day + pd.Timedelta(days=PROBATION_AHEAD_DAYS))]
    return _placement_items(soon, "probation_end", "Probation ends: call before it does",
                            soon["probation_end_on"])


def _checkins(care: Aftercare, day: pd.Timestamp) -> pd.DataFrame:
    checkins = care.checkins
    late = (checkins["status"] == "overdue") & (
        checkins["window_end"] >= day - pd.Timedelta(days=LOOKBACK_DAYS))
    chosen = checkins[((checkins["status"] == "due") | late)
                      & ~checkins["from_start"].astype(bool)]
    # Two check-ins due the same day (day 90 and a 90-day probation end) are one call; the
    # names are joined only for such pairs, not looked up once per call.
    pair = ["placement_id", "due_on"]
    shared = chosen.duplicated(pair, keep=False).to_numpy(bool)
    names: dict[tuple, list[str]] = {}
    together = chosen[shared]
    for key in zip(together["placement_id"], together["due_on"], together["checkpoint"], strict=True):
        names.setdefault(key[:2], []).append(key[2])
    first = ~chosen.duplicated(pair).to_numpy(bool)
    shared, chosen = shared[first], chosen[first]
    what = [(" / ".join(names[(placement, due)]) if joined else checkpoint) + " check-in"
            for placement, due, checkpoint, joined in zip(
                chosen["placement_id"], chosen["due_on"], chosen["checkpoint"], shared, strict=True)]
    fees = pd.Series(care.placements["fee"].array, index=care.placements["placement_id"].array)
    fees = fees[~fees.index.duplicated()]
    return pd.DataFrame({
        "consultant": chosen["consultant"], "kind": "checkin", "what": what,
        "who": chosen["candidate"],
        "client": chosen["client"], "lead_id": chosen["lead_id"],
        "placement_id": chosen["placement_id"], "stage": "started",
        "fee": chosen["placement_id"].map(fees), "due_on": chosen["due_on"]})


def _placement_items(placements: pd.DataFrame, kind: str, what: str,
                     due: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({
        "consultant": placements["consultant"], "kind": kind, "what": what,
        "who": placements["candidate"], "client": placements["client"],
        "lead_id": placements["lead_id"], "placement_id": placements["placement_id"],
        "stage": "started", "fee": placements["fee"], "due_on": due})


def long_overdue(items: pd.DataFrame) -> pd.Series:
    """Return which calls are overdue for more than 90 days (grouped apart)."""
    return items["urgency"] == LONG_OVERDUE


def for_calendar(items: pd.DataFrame) -> pd.DataFrame:
    """Return the calls a calendar file holds: due on the day or coming up, and overdue by
    7 days or less."""
    recent = items["days_overdue"].fillna(0) <= CALENDAR_OVERDUE_DAYS
    return items[recent.astype(bool)]


def for_people(items: pd.DataFrame) -> pd.DataFrame:
    """Return the queue as a call list people read: words for urgency and stage."""
    return items.assign(urgency=items["urgency"].map(URGENCY_LABELS),
                        stage=items["stage"].map(STAGE_LABELS)).drop(columns=["kind"])
