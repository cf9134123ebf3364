"""The conversion funnel and lead-completion cohorts (DESIGN.md, "Definitions").

Rules where DESIGN.md is silent, also shown on screen:
- A lead's *lead date* is its "lead generated" milestone date, else its created date.
- Reach-or-later is judged on every stage the data tracks, hidden stages included: hiding a
  stage only removes its row from the funnel.
- **A stage the data does not track** (no lead recorded it, dated or a tick: an in-house tracker
  has no client meeting or job column) is not filled in from the stages after it. It is left out
  of every lens, so a step runs from the tracked stage above, and listed as "not tracked in your
  data". Lead generated is always tracked.
- Activity lens counts leads with the milestone itself recorded and dated in the period; a skip
  has no date, so it is not an event.
- Snapshot lens counts open leads that reached each stage (reach-or-later), and says how many
  stand exactly there.
- Time to next stage runs from a dated stage to the lead's next dated stage further up the ladder;
  negative gaps (a log out of order) are left out and counted as a data-quality note.
- A lost or on-hold status wins over a start (a credit note after a start is lost).
- **The as-of date governs every lens.** A lead whose lead date is after the as-of date is not
  generated yet: it is in no lens, and none of its stages counts, not even a tick. A stage dated
  after the as-of date is planned, not reached. A lead with no lead date at all counts as
  generated (nothing places it later), and its ticks count.
- Every generated lead has reached *Lead generated*, recorded or not: a lead with no stage
  recorded stands there, so the snapshot's Lead generated row counts every open lead.
- In the activity lens, time to next stage is measured from the period's own events (to the
  lead's next dated stage, by the as-of date).
- A lead with no consultant, client, source, role or lead date is split as "(no consultant)",
  "(no client)", "(no source)", "(no role)" or "(no date)", and counted in every total.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

import numpy as np
import pandas as pd

from recruit_dash.model import (
    FILLED,
    LOST,
    ON_HOLD,
    OPEN,
    STAGE_IDS,
    STAGE_LABELS,
    STAGE_ORDER,
    Model,
    group_names,
    lookup,
    tracked_stages,
)
from recruit_dash.periods import Period, period_holding, period_to_date, previous_period, to_date

LENSES = ("cohort", "activity", "snapshot")
LENS_HELP = {
    "cohort": "Leads generated in the period, and how many of them reached each stage by the "
              "as-of date (reached = recorded that stage or any later one).",
    "activity": "Milestones dated in the period, whenever their lead began.",
    "snapshot": "Open leads on the as-of date, by how far each has got.",
}
SPLITS = ("consultant", "client", "source", "role", "month")
SMALL_SAMPLE = 10


@dataclass(frozen=True)
class Progress:
    """Each lead's standing on a day, held as integer codes so that every funnel is a few numpy
    passes: lead row i has code i; stage columns follow the ladder."""

    # lead_id, consultant, client, source, role, lead_on, furthest, outcome, generated; a lead
    # generated after the day has furthest -1 and no outcome.
    leads: pd.DataFrame
    dated: pd.DataFrame  # code, stage, order, reached_on, days_to_next: dated milestones by the day
    recorded: np.ndarray  # bool [lead, stage]: recorded by the day (ticks included)
    as_of: date
    tracked: tuple[str, ...]  # the stages the data tracks (tracked_stages), in ladder order


def progress(model: Model, as_of: date) -> Progress:
    """Return every lead's furthest stage and outcome as of a day, and its dated milestones."""
    day = to_date(as_of)
    milestones = model.milestones
    leads = model.leads[["lead_id", "consultant", "client", "source", "role", "outcome",
                         "created_on"]].reset_index(drop=True)
    code_of = pd.Series(np.arange(len(leads)), index=leads["lead_id"].to_numpy())
    code_of = code_of[~code_of.index.duplicated()]
    # The lead date comes from every lead milestone, planned or not: a lead dated after the day
    # must be known as such even though its lead milestone is not reached yet.
    lead_rows = milestones[(milestones["stage"] == "lead") & milestones["reached_on"].notna()]
    first_dates = lead_rows.assign(code=lead_rows["lead_id"].map(code_of)).dropna(
        subset=["code"]).groupby("code")["reached_on"].min()
    lead_on = pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns]")
    lead_on.iloc[first_dates.index.to_numpy(dtype="int64")] = first_dates.to_numpy()
    lead_on = lead_on.fillna(leads["created_on"])
    # A lead with no lead date at all cannot be placed in time, so it counts as generated.
    generated = ~(lead_on > day).to_numpy(bool)
    codes = milestones["lead_id"].map(code_of)
    reached = milestones.assign(code=codes).dropna(subset=["code"])
    reached = reached[(reached["reached_on"].isna() | (reached["reached_on"] <= day))
                      & generated[reached["code"].to_numpy(dtype="int64")]]
    code = reached["code"].to_numpy(dtype="int64")
    order = reached["stage"].map(STAGE_ORDER).to_numpy(dtype="int64")
    recorded = np.zeros((len(leads), len(STAGE_IDS)), dtype=bool)
    recorded[code, order] = True
    # Being in the tracker by the day is being a lead: a lead with no stage recorded stands at
    # the first rung, so the snapshot counts every open lead.
    recorded[generated, STAGE_ORDER["lead"]] = True
    furthest = np.where(generated, 0, -1).astype("int64")
    np.maximum.at(furthest, code, order)
    leads = leads.assign(lead_on=lead_on, furthest=furthest, generated=generated)
    dated_start = np.zeros(len(leads), dtype=bool)
    starts = milestones[(milestones["stage"] == "started") & milestones["reached_on"].notna()]
    dated_start[starts["lead_id"].map(code_of).dropna().to_numpy(dtype="int64")] = True
    started = STAGE_ORDER["started"]
    # Filled once started by the day; a "Placed" status with no start date counts as filled too,
    # but one whose start date is still to come is open until that day.
    placed = (leads["outcome"] == FILLED).fillna(False).to_numpy(bool)
    filled = (furthest >= started) | (placed & ~dated_start)
    closed = leads["outcome"].isin([LOST, ON_HOLD]).fillna(False).to_numpy(bool)
    outcome = np.where(closed, leads["outcome"].astype(object), np.where(filled, FILLED, OPEN))
    # A lead not generated yet has no outcome on the day: it is in no lens and on no list.
    leads["outcome"] = np.where(generated, outcome, None)
    dated = reached.dropna(subset=["reached_on"])
    dated = pd.DataFrame({"code": dated["code"].to_numpy(dtype="int64"),
                          "order": dated["stage"].map(STAGE_ORDER).to_numpy(dtype="int64"),
                          "reached_on": dated["reached_on"].to_numpy()})
    dated = dated.iloc[np.lexsort((dated["order"].to_numpy(), dated["code"].to_numpy()))]
    same_lead = dated["code"].shift(-1) == dated["code"]
    gaps = (dated["reached_on"].shift(-1) - dated["reached_on"]).dt.days
    dated = dated.assign(days_to_next=gaps.where(same_lead)).reset_index(drop=True)
    return Progress(leads.drop(columns=["created_on"]), dated, recorded, as_of,
                    tracked_stages(milestones))


@dataclass(frozen=True)
class StageRow:
    """One stage of a funnel."""

    stage: str
    count: int
    step: float | None
    cumulative: float | None
    median_days_to_next: float | None = None
    p90_days_to_next: float | None = None
    at_stage: int | None = None
    skipped: int = 0

    @property
    def small_sample(self) -> bool:
        return self.count < SMALL_SAMPLE


@dataclass(frozen=True)
class Funnel:
    """A funnel for one lens and period, stages in ladder order, with the leads behind each."""

    lens: str
    period: Period
    as_of: date
    stages: list[StageRow]
    lead_codes: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)
    not_tracked: list[str] = field(default_factory=list)  # stages chosen but not in the data

    def frame(self) -> pd.DataFrame:
        """Return the stages as a tidy frame (its columns even when no stage is shown)."""
        columns = [*(column.name for column in fields(StageRow)), "label", "small_sample"]
        return pd.DataFrame([{**row.__dict__, "label": STAGE_LABELS[row.stage],
                              "small_sample": row.small_sample} for row in self.stages],
                            columns=columns)


def ordered_stages(stages: list[str] | tuple[str, ...] | None) -> list[str]:
    """Return the chosen stages in ladder order (never by size); all of them when none chosen."""
    chosen = set(stages or STAGE_IDS)
    return [stage for stage in STAGE_IDS if stage in chosen]


def funnel(model: Model, lens: str, period: Period, as_of: date,
           stages: list[str] | None = None, standing: Progress | None = None,
           population: pd.Series | None = None) -> Funnel:
    """Return the funnel of one lens for a period (cohort, activity) or the as-of day (snapshot).

    `population` optionally narrows the leads (a split, or a consultant to compare).
    """
    if lens not in LENSES:
        raise ValueError(f"Unknown lens {lens!r}; choose one of {', '.join(LENSES)}")
    standing = standing or progress(model, as_of)
    chosen = ordered_stages(stages)
    # Every lead's furthest stage is one it recorded, so a tracked stage's reach-or-later count
    # (furthest at or past it) already stands on tracked stages only; an untracked one is no row.
    shown = [stage for stage in chosen if stage in standing.tracked]
    not_tracked = [stage for stage in chosen if stage not in standing.tracked]
    leads = standing.leads
    # A population built from a column with blanks holds NA: such a lead is outside it.
    allowed = (np.ones(len(leads), dtype=bool) if population is None
               else pd.Series(population).fillna(False).to_numpy(bool))
    if lens == "cohort":
        members = (allowed & leads["generated"].to_numpy(bool)
                   & period.contains(leads["lead_on"]).fillna(False).to_numpy(bool))
    elif lens == "snapshot":
        members = allowed & (leads["outcome"] == OPEN).to_numpy()
    else:
        members = allowed
    furthest = leads["furthest"].to_numpy()
    dated = standing.dated[members[standing.dated["code"].to_numpy()]]
    notes: list[str] = []
    codes, at_stage, skipped = {}, {}, {}
    if lens == "activity":
        events = dated[period.contains(dated["reached_on"]).fillna(False).to_numpy(bool)]
        for stage in shown:
            codes[stage] = events.loc[events["order"] == STAGE_ORDER[stage], "code"].to_numpy()
        undated = standing.recorded[members].any(axis=0) & ~np.isin(
            np.arange(len(STAGE_IDS)), dated["order"].unique())
        notes += [f"{STAGE_LABELS[stage]} is recorded without dates (ticks), so the activity lens "
                  "cannot count it" for stage in shown if undated[STAGE_ORDER[stage]]]
    else:
        for stage in shown:
            order = STAGE_ORDER[stage]
            reached = members & (furthest >= order)
            codes[stage] = np.flatnonzero(reached)
            at_stage[stage] = int((members & (furthest == order)).sum())
            skipped[stage] = int((reached & ~standing.recorded[:, order]).sum())
            if skipped[stage]:
                notes.append(f"{skipped[stage]:,} leads counted at {STAGE_LABELS[stage]} skipped "
                             "it: they recorded a later stage but not this one")
    # The activity lens times the period's own events; the other lenses every dated stage of
    # their leads.
    timing, timing_notes = _days_to_next(events if lens == "activity" else dated, shown)
    rows, first, previous = [], None, None
    for stage in shown:
        count = len(codes[stage])
        first = count if first is None else first
        median, p90 = timing.get(stage, (None, None))
        rows.append(StageRow(stage, count, _share(count, previous), _share(count, first),
                             median, p90, at_stage.get(stage) if lens == "snapshot" else None,
                             skipped.get(stage, 0)))
        previous = count
    return Funnel(lens, period, as_of, rows, codes, notes + timing_notes, not_tracked)


def _share(count: int, base: int | None) -> float | None:
    """Return count / base, or None when there is no base."""
    return None if not base else round(count / base, 4)


def _days_to_next(dated: pd.DataFrame, shown: list[str]) -> tuple[dict[str, tuple], list[str]]:
    """Return per stage the median and 90th percentile days to the lead's next dated stage."""
    gaps = dated.dropna(subset=["days_to_next"])
    if gaps.empty:
        return {}, []
    negative = int((gaps["days_to_next"] < 0).sum())
    gaps = gaps[gaps["days_to_next"] >= 0]
    stats = gaps.groupby("order")["days_to_next"].quantile([0.5, 0.9]).unstack()
    out = {stage: (float(stats.at[STAGE_ORDER[stage], 0.5]), float(stats.at[STAGE_ORDER[stage], 0.9]))
           for stage in shown if STAGE_ORDER[stage] in stats.index}
    notes = [f"{negative:,} stage dates come before the stage below them (a log out of order); "
             "left out of the time in stage"] if negative else []
    return out, notes


def split_funnels(model: Model, lens: str, period: Period, as_of: date, by: str,
                  stages: list[str] | None = None, limit: int = 12,
                  standing: Progress | None = None) -> pd.DataFrame:
    """Return one funnel per group (consultant, client, source, role or lead month), tidy."""
    if by not in SPLITS:
        raise ValueError(f"Unknown split {by!r}; choose one of {', '.join(SPLITS)}")
    standing = standing or progress(model, as_of)
    codes, names = pd.factorize(lead_groups(standing, by))
    if by == "month":
        chosen = np.argsort(names)[-limit:]
    else:
        chosen = np.argsort(-np.bincount(codes, minlength=len(names)), kind="stable")[:limit]
    frames = []
    for index in chosen:
        result = funnel(model, lens, period, as_of, stages, standing, pd.Series(codes == index))
        frames.append(result.frame().assign(group=names[index]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def lead_groups(standing: Progress, by: str) -> pd.Series:
    """Return each lead's group for a split (consultant, client, source, role or lead month), a
    blank one named as its field's blank group ("(no consultant)")."""
    if by not in SPLITS:
        raise ValueError(f"Unknown split {by!r}; choose one of {', '.join(SPLITS)}")
    keys = (standing.leads["lead_on"].dt.strftime("%Y-%m") if by == "month"
            else standing.leads[by])
    return group_names(keys, by)


def group_choices(standing: Progress, by: str) -> list[str]:
    """Return the groups of a split, most leads first (a blank group included), for a picker."""
    return lead_groups(standing, by).value_counts(sort=True).index.tolist()


def split_table(groups: pd.DataFrame) -> pd.DataFrame:
    """Return the counts of a split funnel as one row per group, stages in ladder order."""
    table = groups.pivot(index="group", columns="stage", values="count")
    table = table[[stage for stage in STAGE_IDS if stage in table.columns]]
    return table.rename(columns=STAGE_LABELS).reset_index().rename(columns={"group": "Group"})


def quarter_on_quarter(model: Model, as_of: date, stages: list[str] | None = None,
                       standing: Progress | None = None) -> pd.DataFrame:
    """Return every funnel figure (cohort and activity lenses) for this quarter and the last,
    with the change in the count; this quarter runs to the as-of date."""
    standing = standing or progress(model, as_of)
    this = period_to_date(as_of, "quarter")
    last = previous_period(period_holding(as_of, "quarter"), "quarter")
    rows = []
    for lens in ("cohort", "activity"):
        now = funnel(model, lens, this, as_of, stages, standing)
        before = funnel(model, lens, last, as_of, stages, standing)
        for current, previous in zip(now.stages, before.stages, strict=True):
            rows.append({
                "lens": lens, "stage": STAGE_LABELS[current.stage],
                "count_this": current.count, "count_last": previous.count,
                "count_change": current.count - previous.count,
                "step_this": current.step, "step_last": previous.step,
                "cumulative_this": current.cumulative, "cumulative_last": previous.cumulative,
                "days_to_next_this": current.median_days_to_next,
                "days_to_next_last": previous.median_days_to_next,
            })
    return pd.DataFrame(rows)


def stage_leads(model: Model, result: Funnel, stage: str) -> pd.DataFrame:
    """Return the leads counted at one stage of a funnel, for a drill-down."""
    columns = ["lead_id", "consultant", "client", "role", "source", "status", "next_action_on", "fee"]
    codes = np.sort(result.lead_codes.get(stage, np.array([], dtype="int64")))
    return model.leads[columns].iloc[codes].reset_index(drop=True)


def cohorts(model: Model, as_of: date, months: int | None = None, freq: str = "month",
            stages: list[str] | None = None) -> pd.DataFrame:
    """Return leads generated per month (or quarter) and where each stands on the as-of date."""
    standing = progress(model, as_of)
    leads = standing.leads.dropna(subset=["lead_on"])
    leads = leads[leads["lead_on"] <= to_date(as_of)]
    key = leads["lead_on"].dt.to_period("M" if freq == "month" else "Q").astype(str)
    leads = leads.assign(cohort=key)
    shown = ordered_stages(stages)
    rows = []
    for cohort, members in leads.groupby("cohort", sort=True):
        open_members = members[members["outcome"] == OPEN]
        furthest = open_members["furthest"].map(dict(enumerate(STAGE_IDS)))
        by_stage = furthest.value_counts()
        in_cohort = np.zeros(len(standing.leads), dtype=bool)
        in_cohort[members.index.to_numpy()] = True
        lead_days = _days_from_lead(standing.dated[in_cohort[standing.dated["code"].to_numpy()]])
        rows.append({
            "month": cohort, "leads": len(members),
            "filled": int((members["outcome"] == FILLED).sum()),
            "lost": int((members["outcome"] == LOST).sum()),
            "on_hold": int((members["outcome"] == ON_HOLD).sum()),
            "open": len(open_members),
            "open_by_stage": {stage: int(by_stage.get(stage, 0)) for stage in shown
                              if by_stage.get(stage, 0)},
            "median_days_to": lead_days,
        })
    frame = pd.DataFrame(rows)
    if months and len(frame):
        frame = frame.tail(months).reset_index(drop=True)
    return frame


def days_from_lead_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return one row per cohort with the median days from the lead to each milestone."""
    rows = [{"cohort": cohort, **{STAGE_LABELS[stage]: days.get(stage) for stage in STAGE_IDS
                                  if stage != "lead"}}
            for cohort, days in zip(table["month"], table["median_days_to"], strict=True)]
    frame = pd.DataFrame(rows)
    return frame.dropna(axis=1, how="all")


def _days_from_lead(dated: pd.DataFrame) -> dict[str, float]:
    """Return the median days from the lead date to each later dated milestone."""
    first = STAGE_ORDER["lead"]
    lead = dated[dated["order"] == first].set_index("code")["reached_on"]
    later = dated[dated["order"] != first]
    days = (later["reached_on"] - later["code"].map(lead)).dt.days
    medians = later.assign(days=days).dropna(subset=["days"]).groupby("order")["days"].median()
    return {STAGE_IDS[order]: float(days) for order, days in medians.items()}


def filled_curve(model: Model, as_of: date, months: int = 12) -> pd.DataFrame:
    """Return, per monthly cohort, the share filled against weeks since the lead date."""
    standing = progress(model, as_of)
    leads = standing.leads.dropna(subset=["lead_on"])
    leads = leads[leads["lead_on"] <= to_date(as_of)]
    starts = standing.dated[standing.dated["order"] == STAGE_ORDER["started"]]
    start_on = lookup(pd.Series(leads.index, index=leads.index),
                      starts.drop_duplicates("code").set_index("code")["reached_on"])
    weeks = ((start_on - leads["lead_on"]).dt.days // 7)
    leads = leads.assign(cohort=leads["lead_on"].dt.to_period("M").astype(str), weeks=weeks)
    recent = sorted(leads["cohort"].unique())[-months:]
    rows = []
    for cohort in recent:
        members = leads[leads["cohort"] == cohort]
        horizon = int((to_date(as_of) - members["lead_on"].min()).days // 7)
        for week in range(0, horizon + 1):
            share = float((members["weeks"] <= week).sum()) / len(members)
            rows.append({"cohort": cohort, "weeks": week, "share_filled": share})
    return pd.DataFrame(rows)
