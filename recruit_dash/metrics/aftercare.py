"""Post-placement aftercare (seed 004; DESIGN.md, "Post-placement check-ins").

Rules, also shown on the Aftercare page:
- Each placement with a start date gets the check-in schedule: before the start, day 1, week 1,
  day 30, day 90 and the probation end (when the probation end date is known). The schedule is
  data and can be edited.
- A check-in due on day D is *done* when a dated contact with the placed candidate falls within
  D ± 3 days (for day 1, from the start date itself); *overdue* once D + 3 has passed without one;
  *due* while the as-of date is within D ± 3; *upcoming* before that.
- A contact is any date recorded in a check-in column of the placement, or a call, email,
  message or meeting logged against the placement's lead. BD calls, CVs sent, interviews and
  other activity are pipeline work, not a word with the placed candidate, so they never count as
  a check-in. Contacts dated after the as-of date are not counted yet.
- When the data has no check-in records at all (no check-in column, no such contact logged
  against any placed lead), nobody can tell which check-ins were made: a check-in whose window
  has closed is *not recorded* (never *overdue*), no starter is *at risk*, and the page says so.
- A starter (started by the as-of date, still inside the schedule's last window) with no contact
  for 31 days or more is *at risk*; before the first contact, days run from the start date.
- When the data has no placements sheet, leads with a dated start are the placements.
- A placement with no start date cannot be scheduled; it is listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from recruit_dash.model import PLACEMENTS, Model, conform, lookup, positions
from recruit_dash.periods import to_date

WINDOW_DAYS = 3
CALENDAR_OVERDUE_DAYS = 7  # a calendar file holds misses of the last week only
AT_RISK_DAYS = 31
PROBATION = "probation"
NOT_RECORDED = "not_recorded"
STATUSES = ("done", "due", "overdue", "upcoming", NOT_RECORDED)
STATUS_LABELS = {"done": "Done", "due": "Due now", "overdue": "Overdue", "upcoming": "Upcoming",
                 NOT_RECORDED: "Not recorded"}
# The activity kinds that are a word with the placed candidate, when logged against their lead.
CONTACT_KINDS = ("call", "email", "message", "meeting")
NO_RECORDS = ("Your data has no check-in records: no check-in column on a placements sheet and no "
              "call, email, message or meeting logged against a placed lead. So we cannot tell "
              "which check-ins were made: past ones show as “not recorded” rather than overdue, "
              "and no starter is flagged at risk. Map a check-in date column (such as “Day 30 "
              "call”) on the Data page, or log calls against the lead, to follow them here.")


@dataclass(frozen=True)
class CheckinPoint:
    """One check-in of the schedule: days after the start, or the probation end."""

    name: str
    offset_days: int | None  # None: on the probation end date
    from_start: bool = False  # the contact must fall on or after the start date (day 1)

    def to_dict(self) -> dict:
        return {"name": self.name, "offset_days": self.offset_days, "from_start": self.from_start}


DEFAULT_SCHEDULE: tuple[CheckinPoint, ...] = (
    CheckinPoint("Before the start", -3),
    CheckinPoint("Day 1", 0, from_start=True),
    CheckinPoint("Week 1", 7),
    CheckinPoint("Day 30", 30),
    CheckinPoint("Day 90", 90),
    CheckinPoint("Probation end", None),
)


def schedule_from_dicts(rows: list[dict]) -> tuple[CheckinPoint, ...]:
    """Return a schedule from plain rows (an edited table or a saved file); bad rows are skipped."""
    points = []
    for row in rows:
        name = str(row.get("name") or "").strip()
        offset = row.get("offset_days")
        if not name:
            continue
        if offset is None or (isinstance(offset, float) and np.isnan(offset)):
            points.append(CheckinPoint(name, None))
            continue
        try:
            days = int(offset)
        except (TypeError, ValueError):
            continue
        points.append(CheckinPoint(name, days, from_start=bool(row.get("from_start", days == 0))))
    return tuple(points)


@dataclass(frozen=True)
class Aftercare:
    """Every scheduled check-in with its status, and the placements that need a look."""

    placements: pd.DataFrame  # placements with last_contact_on, days_without_contact, at_risk
    checkins: pd.DataFrame  # placement_id, candidate, client, consultant, checkpoint, due_on,
    #                          window_start, window_end, from_start, done_on, status
    unscheduled: pd.DataFrame  # placements with no start date
    as_of: date
    records: bool = True  # whether the data records check-ins at all (see NO_RECORDS)

    def at_risk(self) -> pd.DataFrame:
        return self.placements[self.placements["at_risk"]]

    def completion(self) -> pd.DataFrame:
        """Return, per consultant, check-ins done of those whose window has closed or are done."""
        closed = self.checkins[self.checkins["status"].isin(["done", "overdue"])]
        counts = pd.crosstab(closed["consultant"].fillna("(no consultant)"), closed["status"])
        counts = counts.reindex(columns=["done", "overdue"], fill_value=0)
        rate = counts["done"] / (counts["done"] + counts["overdue"])
        frame = counts.assign(completion=rate).reset_index()
        return frame.rename(columns={"done": "checkins_done", "overdue": "checkins_missed"}) \
            .sort_values("completion", ascending=False, kind="stable").reset_index(drop=True)

    def probation_ends(self, within_days: int = 30) -> pd.DataFrame:
        """Return placements whose probation ends from the as-of date to `within_days` after it."""
        day = to_date(self.as_of)
        ends = self.placements["probation_end_on"]
        soon = (ends >= day) & (ends <= day + pd.Timedelta(days=within_days))
        return self.placements[soon].sort_values("probation_end_on").reset_index(drop=True)


def placements_of(model: Model) -> pd.DataFrame:
    """Return the placements table, or, when the data has none, leads with a dated start."""
    if len(model.placements):
        return model.placements
    starts = model.milestones[(model.milestones["stage"] == "started")
                              & model.milestones["reached_on"].notna()]
    starts = starts.drop_duplicates("lead_id", keep="last").set_index("lead_id")["reached_on"]
    leads = model.leads[model.leads["lead_id"].isin(starts.index)]
    derived = pd.DataFrame({
        "placement_id": leads["lead_id"], "lead_id": leads["lead_id"],
        "candidate": leads["candidate"].fillna(leads["contact"]), "client": leads["client"],
        "consultant": leads["consultant"], "start_on": lookup(leads["lead_id"], starts),
        "fee": leads["fee"], "source_file": leads["source_file"],
        "source_sheet": leads["source_sheet"], "source_row": leads["source_row"]})
    return conform(derived, PLACEMENTS)


def _contact_activities(model: Model, placements: pd.DataFrame) -> pd.DataFrame:
    """Return the dated calls, emails, messages and meetings logged against placed leads:
    placement_id, on (any day)."""
    linked = placements.loc[placements["lead_id"].notna(), ["placement_id", "lead_id"]]
    activities = model.activities
    # Most activity rows (a weekly KPI count) name no lead: those are set aside first, so the
    # kinds are compared only on the rows logged against a lead.
    activity = activities.loc[activities["lead_id"].notna().to_numpy(bool), ["lead_id", "on", "kind"]]
    activity = activity.loc[activity["on"].notna() & activity["kind"].isin(CONTACT_KINDS),
                            ["lead_id", "on"]]
    if activity.empty:  # no contact logged against a lead: nothing to join
        return pd.DataFrame({"placement_id": linked["placement_id"].array[:0],
                             "on": activity["on"].array})
    return linked.merge(activity, on="lead_id")[["placement_id", "on"]]


def has_checkin_records(model: Model, placements: pd.DataFrame) -> bool:
    """Return whether the data records check-ins at all: a check-in column, or a contact
    activity logged against a placed lead."""
    return bool(len(model.checkins)) or not _contact_activities(model, placements).empty


def contacts(model: Model, placements: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Return every dated contact with the candidates of these placements by the as-of day:
    placement_id, on."""
    checkins = model.checkins
    ours = positions(checkins["placement_id"], placements["placement_id"],
                     missing_matches=True) >= 0
    recorded = checkins.loc[checkins["done_on"].notna().to_numpy(bool) & ours,
                            ["placement_id", "done_on"]]
    recorded = recorded.rename(columns={"done_on": "on"})
    found = pd.concat([recorded, _contact_activities(model, placements)], ignore_index=True)
    found = found[found["on"] <= to_date(as_of)]
    return found.drop_duplicates().reset_index(drop=True)


def aftercare(model: Model, as_of: date,
              schedule: tuple[CheckinPoint, ...] = DEFAULT_SCHEDULE) -> Aftercare:
    """Return every placement's check-ins as of a day, with statuses and at-risk starters."""
    day = to_date(as_of)
    placements = placements_of(model)
    scheduled = placements[placements["start_on"].notna()].reset_index(drop=True)
    unscheduled = placements[placements["start_on"].isna()].reset_index(drop=True)
    found = contacts(model, scheduled, as_of)
    records = has_checkin_records(model, scheduled)
    checkins = _schedule(scheduled, schedule)
    checkins = _mark_done(checkins, found)
    # Each check-in's status as a number, then its word taken from the four (not a string each).
    statuses = pd.array(["done", "overdue" if records else NOT_RECORDED, "due", "upcoming"],
                        dtype="str")
    checkins["status"] = statuses.take(np.select(
        [checkins["done_on"].notna(), checkins["window_end"] < day, checkins["window_start"] <= day],
        [0, 1, 2], 3))
    latest = lookup(scheduled["placement_id"], found.groupby("placement_id")["on"].max())
    since = latest.fillna(scheduled["start_on"])
    ends = lookup(scheduled["placement_id"], checkins.groupby("placement_id")["window_end"].max())
    in_care = (scheduled["start_on"] <= day) & (day <= ends)
    # With no check-in records, days without contact would only count days since the start.
    without = (day - since).dt.days.astype("Int64")
    if not records:
        without = pd.Series(pd.NA, index=without.index, dtype="Int64")
    at_risk = (in_care & (without >= AT_RISK_DAYS)).fillna(False).astype(bool)
    scheduled = scheduled.assign(last_contact_on=latest, days_without_contact=without,
                                 at_risk=at_risk.to_numpy())
    return Aftercare(scheduled, checkins, unscheduled, as_of, records)


SCHEDULE_COLUMNS = ["placement_id", "candidate", "client", "consultant", "lead_id", "start_on",
                    "checkpoint", "due_on", "window_start", "window_end", "from_start"]


def _schedule(placements: pd.DataFrame, schedule: tuple[CheckinPoint, ...]) -> pd.DataFrame:
    """Return one row per placement per check-in point, with its due date and window."""
    if not schedule:
        return pd.DataFrame(columns=SCHEDULE_COLUMNS)
    window = np.timedelta64(WINDOW_DAYS, "D")
    start_on = placements["start_on"].to_numpy()
    # Every point's due dates at once, point after point (each point's rows in placement order).
    due = np.concatenate([
        placements["probation_end_on"].to_numpy().astype(start_on.dtype) if point.offset_days is None
        else start_on + np.timedelta64(point.offset_days, "D") for point in schedule])
    starts = np.tile(start_on, len(schedule))
    from_start = np.repeat([point.from_start for point in schedule], len(placements))
    opens = due - window
    # Day 1's window opens on the start date itself, never before it.
    opens = np.where(from_start & (opens < starts), starts, opens)
    kept = ~np.isnat(due)
    rows = np.tile(np.arange(len(placements)), len(schedule))[kept]
    points = np.repeat(np.arange(len(schedule)), len(placements))[kept]
    # By due date, then placement id (each id ranked once, a missing one last); ties keep the
    # schedule's order.
    ids, names = pd.factorize(placements["placement_id"], sort=True)
    ids = np.where(ids < 0, len(names), ids)[rows]
    order = np.lexsort((ids, due[kept].view("int64")))
    people = placements[["placement_id", "candidate", "client", "consultant", "lead_id",
                         "start_on"]].iloc[rows[order]].reset_index(drop=True)
    return people.assign(
        checkpoint=pd.Series(pd.array([point.name for point in schedule], dtype="str")
                             .take(points[order])),
        due_on=due[kept][order], window_start=opens[kept][order],
        window_end=due[kept][order] + window, from_start=from_start[kept][order])


def _mark_done(checkins: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """Return the check-ins with done_on: the first contact inside each one's window."""
    on = found["on"].to_numpy()
    opens = checkins["window_start"].to_numpy().astype(on.dtype)
    closes = checkins["window_end"].to_numpy().astype(on.dtype)
    # Placements and days as integers (each placement id hashed once, each day ranked among the
    # contacts' days and the windows' openings); then the contacts sorted by placement and day,
    # and each window's first contact found by one binary search: the first at or after its
    # opening, if it is the same placement's and falls by its close.
    places = pd.factorize(pd.concat([pd.Series(checkins["placement_id"].array),
                                     pd.Series(found["placement_id"].array)], ignore_index=True),
                          use_na_sentinel=False)[0]
    ours, theirs = places[:len(checkins)], places[len(checkins):]
    days = np.unique(np.concatenate([on.view("int64"), opens.view("int64")]), return_inverse=True)[1]
    span = int(days.max()) + 1 if len(days) else 1
    keys = theirs * span + days[:len(on)]
    order = np.argsort(keys, kind="stable")
    at = np.minimum(np.searchsorted(keys[order], ours * span + days[len(on):]), max(len(on) - 1, 0))
    done = np.full(len(checkins), np.datetime64("NaT"), dtype=on.dtype)
    if len(on):
        first = order[at]
        inside = ((theirs[first] == ours) & (on[first] >= opens) & (on[first] <= closes)
                  & ~np.isnat(opens) & ~np.isnat(on[first]))
        done[inside] = on[first][inside]
    return checkins.assign(done_on=pd.Series(done, index=checkins.index))


def for_people(checkins: pd.DataFrame) -> pd.DataFrame:
    """Return check-ins as people read them: status in words, the columns a call list needs."""
    columns = ["consultant", "status", "checkpoint", "candidate", "client", "placement_id",
               "due_on", "window_start", "window_end", "done_on"]
    return checkins[columns].assign(status=checkins["status"].map(STATUS_LABELS))


def as_calls(checkins: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Return check-ins still to make as calls for a calendar, one event each: those due now or
    coming up, and missed ones due in the last 7 days (as the call queue's calendar). Older misses
    stay on the page, never a pile of events on one date."""
    recent = checkins["due_on"] >= to_date(as_of) - pd.Timedelta(days=CALENDAR_OVERDUE_DAYS)
    calls = checkins[checkins["status"].isin(["due", "upcoming"])
                     | (checkins["status"].isin(["overdue", NOT_RECORDED]) & recent)]
    return calls.assign(what=calls["checkpoint"].astype(str) + " check-in", who=calls["candidate"],
                        kind="checkin")
