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
    positions,
    stage_orders,
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
    # Each milestone's lead as its row number (-1: no such lead) and its stage as its rung, found
    # once: everything after works on these integers, not on the ids' text.
    codes = positions(milestones["lead_id"], leads["lead_id"], missing_matches=True)
    orders = stage_orders(milestones["stage"])
    reached_on = milestones["reached_on"]
    has_date = reached_on.notna().to_numpy(bool)
    known = codes >= 0
    # The lead date comes from every lead milestone, planned or not: a lead dated after the day
    # must be known as such even though its lead milestone is not reached yet.
    lead_rows = known & has_date & (orders == STAGE_ORDER["lead"])
    first_dates = reached_on[lead_rows].groupby(codes[lead_rows]).min()
    lead_on = pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns]")
    lead_on.iloc[first_dates.index.to_numpy(dtype="int64")] = first_dates.to_numpy()
    lead_on = lead_on.fillna(leads["created_on"])
    # A lead with no lead date at all cannot be placed in time, so it counts as generated.
    generated = ~(lead_on > day).to_numpy(bool)
    kept = known & (orders >= 0) & (~has_date | (reached_on <= day).to_numpy(bool))
    kept[kept] = generated[codes[kept]]
    code, order = codes[kept], orders[kept]
    recorded = np.zeros((len(leads), len(STAGE_IDS)), dtype=bool)
    recorded[code, order] = True
    # Being in the tracker by the day is being a lead: a lead with no stage recorded stands at
    # the first rung, so the snapshot counts every open lead.
    recorded[generated, STAGE_ORDER["lead"]] = True
    furthest = np.where(generated, 0, -1).astype("int64")
    np.maximum.at(furthest, code, order)
    leads = leads.assign(lead_on=lead_on, furthest=furthest, generated=generated)
    dated_start = np.zeros(len(leads), dtype=bool)
    dated_start[codes[known & has_date & (orders == STAGE_ORDER["started"])]] = True
    started = STAGE_ORDER["started"]
    # Filled once started by the day; a "Placed" status with no start date counts as filled too,
    # but one whose start date is still to come is open until that day.
    placed = (leads["outcome"] == FILLED).fillna(False).to_numpy(bool)
    filled = (furthest >= started) | (placed & ~dated_start)
    lost = (leads["outcome"] == LOST).fillna(False).to_numpy(bool)
    on_hold = (leads["outcome"] == ON_HOLD).fillna(False).to_numpy(bool)
    # A lead not generated yet has no outcome on the day: it is in no lens and on no list.
    outcome = np.select([~generated, lost, on_hold, filled], [4, 2, 3, 1], 0)
    leads["outcome"] = np.array([OPEN, FILLED, LOST, ON_HOLD, None], dtype=object)[outcome]
    return Progress(leads.drop(columns=["created_on"]),
                    _dated(codes[kept & has_date], orders[kept & has_date],
                           reached_on.to_numpy()[kept & has_date]),
                    recorded, as_of, tracked_stages(milestones))


def _dated(codes: np.ndarray, orders: np.ndarray, reached_on: np.ndarray) -> pd.DataFrame:
    """Return the dated milestones by lead, then up the ladder (ties keep the table's order),
    each with the days to the lead's next dated stage."""
    by_lead = np.argsort(codes * len(STAGE_IDS) + orders, kind="stable")
    codes, orders, reached_on = codes[by_lead], orders[by_lead], reached_on[by_lead]
    if not len(codes):  # no dated milestone: the column keeps its whole-day (integer) type
        return pd.DataFrame({"code": codes, "order": orders, "reached_on": reached_on,
                             "days_to_next": np.array([], dtype="int64")})
    gaps = np.full(len(codes), np.nan)
    # Whole days, rounded down as Timedelta.days does; none after a lead's last dated stage.
    gaps[:-1] = np.where(codes[1:] == codes[:-1],
                         (reached_on[1:] - reached_on[:-1]) // np.timedelta64(1, "D"), np.nan)
    return pd.DataFrame({"code": codes, "order": orders, "reached_on": reached_on,
                         "days_to_next": gaps})


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
        event_orders, event_codes = events["order"].to_numpy(), events["code"].to_numpy()
        for stage in shown:
            codes[stage] = event_codes[event_orders == STAGE_ORDER[stage]]
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
    days = dated["days_to_next"].to_numpy(dtype="float64")
    timed = ~np.isnan(days)
    if not timed.any():
        return {}, []
    negative = int((days[timed] < 0).sum())
    kept = timed & (days >= 0)
    out = {}
    if kept.any():
        stats = pd.Series(days[kept]).groupby(dated["order"].to_numpy()[kept]).quantile(
            [0.5, 0.9]).unstack()
        medians, p90s = stats[0.5].to_dict(), stats[0.9].to_dict()
        out = {stage: (float(medians[STAGE_ORDER[stage]]), float(p90s[STAGE_ORDER[stage]]))
               for stage in shown if STAGE_ORDER[stage] in medians}
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
            stages: list[str] | None = None, standing: Progress | None = None) -> pd.DataFrame:
    """Return leads generated per month (or quarter) and where each stands on the as-of date."""
    standing = standing or progress(model, as_of)
    cohort, names = _cohort_numbers(standing, as_of, freq)
    if not names:
        return pd.DataFrame()
    leads, count = standing.leads, len(names)
    outcome = leads["outcome"].to_numpy(object)

    def per_cohort(chosen: np.ndarray) -> np.ndarray:
        return np.bincount(cohort[(cohort >= 0) & chosen], minlength=count)

    is_open = (cohort >= 0) & (outcome == OPEN)
    # Open leads per cohort and furthest stage, counted in one pass.
    at_stage = np.bincount(cohort[is_open] * len(STAGE_IDS) + leads["furthest"].to_numpy()[is_open],
                           minlength=count * len(STAGE_IDS)).reshape(count, len(STAGE_IDS))
    shown = [STAGE_ORDER[stage] for stage in ordered_stages(stages)]
    frame = pd.DataFrame({
        "month": names, "leads": per_cohort(cohort >= 0), "filled": per_cohort(outcome == FILLED),
        "lost": per_cohort(outcome == LOST), "on_hold": per_cohort(outcome == ON_HOLD),
        "open": per_cohort(is_open),
        "open_by_stage": [{STAGE_IDS[order]: int(row[order]) for order in shown if row[order]}
                          for row in at_stage],
        "median_days_to": _days_from_lead(standing.dated, cohort, count),
    })
    if months:
        frame = frame.tail(months).reset_index(drop=True)
    return frame


def _cohort_numbers(standing: Progress, as_of: date, freq: str) -> tuple[np.ndarray, list[str]]:
    """Return each lead's cohort as its place among the cohorts' names ("2025-03", "2025Q1"),
    -1 for a lead with no lead date or one after the as-of date, and the names in order. Each
    distinct month is named once, not once per lead."""
    lead_on = standing.leads["lead_on"]
    dated = (lead_on.notna() & (lead_on <= to_date(as_of))).to_numpy(bool)
    keys, periods = pd.factorize(lead_on[dated].dt.to_period("M" if freq == "month" else "Q"))
    names = [str(name) for name in periods.astype(str)]
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    place = np.empty(len(names), dtype="int64")
    place[order] = np.arange(len(names))
    cohort = np.full(len(lead_on), -1, dtype="int64")
    cohort[dated] = place[keys]
    return cohort, [names[index] for index in order]


def days_from_lead_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return one row per cohort with the median days from the lead to each milestone."""
    rows = [{"cohort": cohort, **{STAGE_LABELS[stage]: days.get(stage) for stage in STAGE_IDS
                                  if stage != "lead"}}
            for cohort, days in zip(table["month"], table["median_days_to"], strict=True)]
    frame = pd.DataFrame(rows)
    return frame.dropna(axis=1, how="all")


def _days_from_lead(dated: pd.DataFrame, cohort: np.ndarray, count: int) -> list[dict[str, float]]:
    """Return per cohort the median days from the lead date to each later dated milestone."""
    codes, orders = dated["code"].to_numpy(), dated["order"].to_numpy()
    reached_on = dated["reached_on"].to_numpy()
    is_lead = orders == STAGE_ORDER["lead"]
    # Each lead's lead date (its earliest, as progress takes it, should one be recorded twice).
    lead_on = np.full(len(cohort), np.datetime64("NaT"), dtype=reached_on.dtype)
    first = pd.Series(reached_on[is_lead]).groupby(codes[is_lead]).min()
    lead_on[first.index.to_numpy()] = first.to_numpy()
    later = ~is_lead & (cohort[codes] >= 0)
    days = pd.DataFrame({"cohort": cohort[codes[later]], "order": orders[later],
                         "days": pd.Series(reached_on[later] - lead_on[codes[later]]).dt.days})
    medians = days.dropna(subset=["days"]).groupby(["cohort", "order"])["days"].median()
    out: list[dict[str, float]] = [{} for _ in range(count)]
    for (number, order), value in medians.items():
        out[number][STAGE_IDS[order]] = float(value)
    return out


def filled_curve(model: Model, as_of: date, months: int = 12,
                 standing: Progress | None = None) -> pd.DataFrame:
    """Return, per monthly cohort, the share filled against weeks since the lead date."""
    standing = standing or progress(model, as_of)
    cohort, names = _cohort_numbers(standing, as_of, "month")
    lead_on = standing.leads["lead_on"]
    starts = standing.dated[standing.dated["order"] == STAGE_ORDER["started"]]
    start_on = lookup(pd.Series(lead_on.index), starts.drop_duplicates("code").set_index("code")
                      ["reached_on"])
    weeks = ((start_on - lead_on).dt.days // 7).to_numpy(dtype="float64")
    columns: dict[str, list] = {"cohort": [], "weeks": [], "share_filled": []}
    for number in range(len(names))[-months:]:
        members = cohort == number
        horizon = int((to_date(as_of) - lead_on[members].min()).days // 7)
        span = np.arange(horizon + 1)
        # A cohort's share filled by each week: its leads started within that many weeks.
        filled = np.searchsorted(np.sort(weeks[members]), span, side="right")
        columns["cohort"] += [names[number]] * len(span)
        columns["weeks"] += span.tolist()
        columns["share_filled"] += (filled / members.sum()).tolist()
    return pd.DataFrame(columns) if columns["cohort"] else pd.DataFrame()
