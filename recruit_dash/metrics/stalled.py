"""Stalled leads (DESIGN.md, "Stalled lead"): the open leads nobody has moved for too long.

Rules, also shown on the Stalled & today page:
- Only open leads can stall (not filled, lost or on hold), judged at their furthest stage.
- Last progress is the latest of: the lead's milestone dates up to the as-of date, its dated
  activities, and its lead date. Planned milestones (dated after the as-of date) are not progress.
- A lead stalls when its last progress is more days ago than its stage's threshold (defaults:
  7 days up to CVs sent, 5 days from 1st interview to offer accepted).
- A lead at "Candidate resigned" stalls when no start date is set; a start date after the as-of
  date keeps it moving.
- A next action dated on or after the as-of date means someone has it in hand: never stalled.
- An open lead with no date at all cannot be judged and is counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from recruit_dash.metrics.funnel import Progress, progress
from recruit_dash.model import OPEN, STAGE_IDS, STAGE_LABELS, STAGE_ORDER, Model, lookup
from recruit_dash.periods import to_date

START_DATE_RULE = None  # a threshold of None: stalled while no start date is set

DEFAULT_THRESHOLDS: dict[str, int | None] = {
    "lead": 7, "meeting": 7, "job": 7, "shortlist": 7,
    "interview": 5, "interview_done": 5, "second_interview": 5, "second_interview_done": 5,
    "offer": 5, "accepted": 5, "resigned": START_DATE_RULE,
}

# How a stage reads in a sentence ("CVs sent 12 days ago, no 1st interview arranged yet").
STAGE_PHRASES = {
    "lead": "Lead generated", "meeting": "Client meeting agreed", "job": "Job registered",
    "shortlist": "CVs sent", "interview": "1st interview arranged",
    "interview_done": "1st interview done", "second_interview": "2nd interview arranged",
    "second_interview_done": "2nd interview done", "offer": "Offer made",
    "accepted": "Offer accepted", "resigned": "Candidate resigned", "started": "Started",
    "probation": "Probation completed",
}
MISSING_NEXT = {"accepted": "candidate has not resigned yet"}


@dataclass(frozen=True)
class StallRules:
    """Days without progress after which an open lead at each stage is stalled."""

    thresholds: dict[str, int | None] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))

    def threshold(self, stage: str) -> int | None:
        return self.thresholds.get(stage, DEFAULT_THRESHOLDS.get(stage))

    def to_dict(self) -> dict:
        return {"thresholds": {stage: self.threshold(stage) for stage in DEFAULT_THRESHOLDS}}

    @classmethod
    def from_dict(cls, data: dict) -> StallRules:
        """Return rules from a saved dict; unknown stages and bad values are ignored."""
        thresholds = dict(DEFAULT_THRESHOLDS)
        for stage, days in (data.get("thresholds") or {}).items():
            if stage not in thresholds:
                continue
            if days is None:
                thresholds[stage] = None
            elif isinstance(days, (int, float)) and not isinstance(days, bool) and days >= 0:
                thresholds[stage] = int(days)
        return cls(thresholds)


@dataclass(frozen=True)
class Stalled:
    """The stalled leads with their reasons, and how many open leads could not be judged."""

    leads: pd.DataFrame
    undated: int
    open_leads: int


def last_progress(model: Model, standing: Progress) -> pd.Series:
    """Return each lead's last progress day by the as-of date (NaT when it has no date at all)."""
    day = to_date(standing.as_of)
    leads = standing.leads
    latest = pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns]")
    dated = standing.dated.groupby("code")["reached_on"].max()
    latest.iloc[dated.index.to_numpy()] = dated.to_numpy()
    activities = model.activities
    activities = activities[activities["lead_id"].notna() & (activities["on"] <= day)]
    touched = lookup(leads["lead_id"], activities.groupby("lead_id")["on"].max())
    lead_on = leads["lead_on"].where(leads["lead_on"] <= day)
    return pd.concat([latest, touched, lead_on], axis=1).max(axis=1)


def stalled_leads(model: Model, as_of: date, rules: StallRules | None = None,
                  standing: Progress | None = None) -> Stalled:
    """Return the open leads stalled on the as-of date, each with its reason in words."""
    rules = rules or StallRules()
    standing = standing or progress(model, as_of)
    day = to_date(as_of)
    leads = standing.leads
    is_open = (leads["outcome"] == OPEN).to_numpy()
    last = last_progress(model, standing)
    furthest = np.maximum(leads["furthest"].to_numpy(), 0)
    stage = pd.Series(np.array(STAGE_IDS, dtype=object)[furthest], index=leads.index)
    # Each rung's threshold looked up once, then taken per lead by its furthest rung.
    thresholds = pd.array([rules.threshold(rung) for rung in STAGE_IDS], dtype="Float64")
    threshold = pd.Series(thresholds.take(furthest), index=leads.index)
    days = (day - last).dt.days.astype("Float64")
    source = model.leads.set_index("lead_id")
    source = source[~source.index.duplicated()]
    next_on = lookup(leads["lead_id"], source["next_action_on"])
    in_hand = (next_on >= day).fillna(False).to_numpy()
    planned = _planned_starts(model, day)
    starts_set = leads["lead_id"].isin(planned).to_numpy()
    by_start_rule = (stage == "resigned").to_numpy() & threshold.isna().to_numpy()
    late = (days > threshold).fillna(False).to_numpy()
    stalled = is_open & ~in_hand & last.notna().to_numpy() & (
        (late & ~by_start_rule) | (by_start_rule & ~starts_set))
    undated = int((is_open & last.isna().to_numpy()).sum())
    found = leads[stalled].assign(stage=stage[stalled], last_progress_on=last[stalled],
                                  days_since_progress=days[stalled].astype("Int64"),
                                  threshold=threshold[stalled].astype("Int64"),
                                  next_action_on=next_on[stalled])
    found = found.assign(reason=_reasons(found, standing.tracked))
    columns = ["lead_id", "consultant", "client", "role", "stage", "last_progress_on",
               "days_since_progress", "threshold", "next_action_on", "reason"]
    found = found[columns].join(source[["status", "fee"]], on="lead_id")
    found = found.sort_values(["days_since_progress", "lead_id"], ascending=[False, True],
                              kind="stable").reset_index(drop=True)
    return Stalled(found, undated, int(is_open.sum()))


def _planned_starts(model: Model, day: pd.Timestamp) -> pd.Index:
    """Return the leads with a start date after the day (milestone or placement)."""
    milestones = model.milestones
    planned = milestones.loc[(milestones["stage"] == "started") & (milestones["reached_on"] > day),
                             "lead_id"]
    placed = model.placements.loc[model.placements["start_on"] > day, "lead_id"].dropna()
    return pd.Index(pd.concat([planned, placed]).unique())


def _reasons(found: pd.DataFrame, tracked: tuple[str, ...] = STAGE_IDS) -> list[str]:
    """Return why each lead is stalled, in the words a team lead uses ("CVs sent 12 days ago, no
    1st interview arranged yet, no next call set"). Each distinct stage, count of days and next
    call date is worded once, not once per lead."""
    stages = found["stage"].to_numpy(object)
    waits = {stage: _waiting_for(stage, tracked) for stage in set(stages)}
    day_codes, counts = pd.factorize(found["days_since_progress"])
    day_words = [_days(count) for count in counts]
    call_codes, calls = pd.factorize(found["next_action_on"])
    # A lead with no next action has the code -1: the last words.
    call_words = [f"next call was due {day:%-d %b %Y}" for day in calls] + ["no next call set"]
    return [f"{STAGE_PHRASES[stage]}{', last progress' if stage == 'resigned' else ''} "
            f"{day_words[day]}, {waits[stage]}, {call_words[call]}"
            for stage, day, call in zip(stages, day_codes, call_codes, strict=True)]


def _waiting_for(stage: str, tracked: tuple[str, ...]) -> str:
    """Return what a lead at a stage waits for: the next stage the data tracks (a tracker
    without meetings never waits for a meeting), or a start date after a resignation."""
    if stage == "resigned":
        return "no start date set"
    later = [rung for rung in tracked if STAGE_ORDER[rung] > STAGE_ORDER[stage]]
    following = later[0] if later else STAGE_IDS[STAGE_ORDER[stage] + 1]
    natural = following == STAGE_IDS[STAGE_ORDER[stage] + 1]
    return (MISSING_NEXT[stage] if natural and stage in MISSING_NEXT
            else "no start yet" if following == "started"
            else f"no {_lower_first(STAGE_PHRASES[following])} yet")


def _lower_first(text: str) -> str:
    """Return a phrase for the middle of a sentence ("Job registered" -> "job registered", "CVs")."""
    return text if len(text) > 1 and text[1].isupper() else text[0].lower() + text[1:]


def _days(count: int) -> str:
    return "today" if count == 0 else "1 day ago" if count == 1 else f"{count} days ago"


def for_people(leads: pd.DataFrame) -> pd.DataFrame:
    """Return stalled leads as people read them: the stage in words."""
    return leads.assign(stage=leads["stage"].map(STAGE_LABELS))


def as_calls(leads: pd.DataFrame) -> pd.DataFrame:
    """Return stalled leads as calls for a calendar: one call each, due now."""
    return leads.assign(what="Unstick: " + leads["stage"].map(STAGE_PHRASES),
                        who=leads["client"], due_on=pd.NaT, client=pd.NA)
