"""The metric registry: each headline figure is a name, a label, a definition, a formula and a
format. Pages and the command line read the same registry; nothing is re-derived on a page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from recruit_dash import clock
from recruit_dash.metrics.funnel import Progress, progress
from recruit_dash.metrics.queue import LONG_OVERDUE_DAYS
from recruit_dash.metrics.stalled import Stalled, StallRules, stalled_leads
from recruit_dash.model import ON_HOLD, OPEN, STAGE_IDS, STAGE_LABELS, Model, positions
from recruit_dash.periods import Period, to_date


@dataclass(frozen=True)
class Metric:
    """A declared figure: what it is called, what it means and how it is computed."""

    name: str
    label: str
    definition: str
    compute: Callable[[Model, Period, date], float]
    format: str = "count"  # "count" or "money"
    # Whether the data can say anything about the figure: a tracker with no CV-sent dates or no
    # fees shows "not in your data", never a misleading 0.
    supported: Callable[[Model], bool] = lambda model: True


def milestones_in(model: Model, stage: str, period: Period, as_of: date) -> pd.DataFrame:
    """Return the milestones of one stage dated in the period and not after the as-of date."""
    events = model.milestones
    days = events["reached_on"].to_numpy()  # the dates' own values: no Series built per test
    # One mask, then one copy of the few rows it keeps (not of every milestone of the stage).
    chosen = ((events["stage"] == stage).fillna(False).to_numpy(bool)
              & np.asarray(period.contains(days), dtype=bool) & (days <= to_date(as_of)))
    return events[chosen]


def _has_dated(stage: str) -> Callable[[Model], bool]:
    """Return a test of whether the data dates any milestone of a stage."""
    def dated(model: Model) -> bool:
        events = model.milestones
        return bool(((events["stage"] == stage) & events["reached_on"].notna()).any())
    return dated


def _has_fees(model: Model) -> bool:
    return bool(model.leads["fee"].notna().any() or model.placements["fee"].notna().any())


def _stage_count(stage: str) -> Callable[[Model, Period, date], float]:
    """Return a formula counting the leads that reached a stage in the period."""
    def count(model: Model, period: Period, as_of: date) -> float:
        return float(milestones_in(model, stage, period, as_of)["lead_id"].nunique())
    return count


def fees_started(model: Model, period: Period, as_of: date) -> float:
    """Return the fees of leads that started in the period (placement fee where the lead has none)."""
    started = milestones_in(model, "started", period, as_of)["lead_id"]
    # Only the rows of the leads that started are read (the first row of a lead held twice).
    leads = model.leads[model.leads["lead_id"].isin(started).to_numpy(bool)]
    fees = leads.set_index("lead_id")["fee"]
    fees = fees[~fees.index.duplicated()]
    lead_fees = fees.reindex(started.to_numpy())
    if len(model.placements):
        placements = model.placements[model.placements["lead_id"].isin(started).to_numpy(bool)]
        placement_fees = placements.dropna(subset=["lead_id"]).drop_duplicates("lead_id")
        placement_fees = placement_fees.set_index("lead_id")["fee"].reindex(started.to_numpy())
        lead_fees = lead_fees.fillna(placement_fees)
    return float(lead_fees.fillna(0).sum())


_ACTIVITY_LENS = ("Activity lens: counts milestone events dated in the period, whenever the "
                  "lead began; a date after the as-of date is planned, not reached.")

METRICS: tuple[Metric, ...] = (
    Metric("leads_generated", "Leads generated",
           "Leads whose lead date falls in the period. " + _ACTIVITY_LENS, _stage_count("lead"),
           supported=_has_dated("lead")),
    Metric("cvs_sent", "CVs sent",
           "Leads that reached the CVs sent / shortlist stage in the period. " + _ACTIVITY_LENS,
           _stage_count("shortlist"), supported=_has_dated("shortlist")),
    Metric("interviews", "Interviews",
           "Leads with a 1st interview arranged in the period. " + _ACTIVITY_LENS,
           _stage_count("interview"), supported=_has_dated("interview")),
    Metric("offers", "Offers",
           "Leads with an offer made in the period. " + _ACTIVITY_LENS, _stage_count("offer"),
           supported=_has_dated("offer")),
    Metric("starts", "Starts",
           "Candidates who started in the period, up to the as-of date. " + _ACTIVITY_LENS,
           _stage_count("started"), supported=_has_dated("started")),
    Metric("fees", "Fees from starts",
           "Sum of the fee of each lead that started in the period (the placement's fee where "
           "the lead has none).", fees_started, "money", _has_fees),
)
METRICS_BY_NAME = {metric.name: metric for metric in METRICS}


@dataclass(frozen=True)
class Figure:
    """A metric's value in a period and in the period before, with the change."""

    metric: Metric
    value: float
    previous: float
    supported: bool = True

    @property
    def change(self) -> float:
        return self.value - self.previous

    @property
    def change_ratio(self) -> float | None:
        return None if not self.previous else self.change / self.previous


def headline_figures(model: Model, period: Period, previous: Period, as_of: date) -> list[Figure]:
    """Return every registered headline figure for a period against the previous one."""
    return [Figure(metric, metric.compute(model, period, as_of),
                   metric.compute(model, previous, as_of), metric.supported(model))
            for metric in METRICS]


def data_as_of(model: Model, today: date | None = None) -> date:
    """Return the last day the data records something happening: the default as-of date.

    Planned dates (a start next month, an interview booked for next week, a next action) say
    nothing about how far the data goes, so the day comes from what is written down once it has
    happened: lead dates, activities, feedback and check-ins done; milestone dates only when the
    data has none of those. With `today`, days after it (typos, plans) are left out, unless
    nothing is left, as when a file is dated ahead of this machine's clock.
    """
    recorded = [model.leads["created_on"], model.activities["on"], model.feedback["on"],
                model.checkins["done_on"],
                model.milestones.loc[model.milestones["stage"] == "lead", "reached_on"]]
    return (_last_day_of(recorded, today) or _last_day_of([model.milestones["reached_on"]], today)
            or today or clock.today())


def _last_day_of(columns: list[pd.Series], today: date | None) -> date | None:
    """Return the latest day in any of the date columns (not after today, when some are not),
    without copying them into one: the activity log may hold a million rows."""
    latest = [column.max() for column in columns if column.notna().any()]
    if today is not None:
        upto = [column[column <= to_date(today)].max() for column in columns]
        upto = [stamp for stamp in upto if pd.notna(stamp)]
        latest = upto or latest
    return max(latest).date() if latest else None


def furthest_stages(model: Model, as_of: date, standing: Progress | None = None) -> pd.Series:
    """Return each lead's furthest stage reached by the as-of date, by lead id, under the funnel's
    rules (ticks count; a planned stage or a lead generated after the day does not)."""
    standing = standing or progress(model, as_of)
    leads = standing.leads.drop_duplicates("lead_id")
    leads = leads[leads["furthest"] >= 0]
    return pd.Series(pd.Series(STAGE_IDS).to_numpy(dtype=object)[leads["furthest"].to_numpy()],
                     index=leads["lead_id"].to_numpy(), name="stage", dtype=object)


@dataclass(frozen=True)
class Attention:
    """One line of the "needs attention" list, with the rows behind it."""

    label: str
    definition: str
    rows: pd.DataFrame


def needs_attention(model: Model, as_of: date, standing: Progress | None = None,
                    rules: StallRules | None = None, stalled: Stalled | None = None,
                    ) -> list[Attention]:
    """Return what a team lead should look at first, each with the leads behind it. Whether a
    lead is open is judged on the as-of day (a lead that starts later is still open). Next actions
    overdue, and stalled leads without progress, for more than 90 days are grouped apart at the
    end: last year's leads must not top this week's list."""
    standing = standing or progress(model, as_of)
    leads = model.leads
    as_of_stamp = to_date(as_of)
    # Each lead's row in the standing (its first, for an id held twice), found once: the lists
    # are masks over the leads, and only the rows shown are copied.
    rows = positions(leads["lead_id"], standing.leads["lead_id"], missing_matches=True)
    outcome = pd.api.extensions.take(standing.leads["outcome"].to_numpy(object), rows,
                                     allow_fill=True)
    furthest = pd.api.extensions.take(standing.leads["furthest"].to_numpy(), rows,
                                      allow_fill=True, fill_value=-1)
    # A lead not generated by the day (furthest -1) has no furthest stage.
    labels = np.array([STAGE_LABELS[stage] for stage in STAGE_IDS] + [np.nan], dtype=object)
    columns = ["lead_id", "consultant", "client", "role", "status", "next_action_on", "fee"]

    def with_stage(chosen: np.ndarray) -> pd.DataFrame:
        return leads.loc[chosen, columns].assign(furthest_stage=labels[furthest[chosen]])

    next_on = leads["next_action_on"]
    in_hand = (outcome == OPEN) | (outcome == ON_HOLD)
    due = in_hand & (next_on <= as_of_stamp).to_numpy(bool)
    long_ago = as_of_stamp - timedelta(days=LONG_OVERDUE_DAYS)
    overdue_long = due & (next_on < long_ago).to_numpy(bool)
    due = due & (next_on >= long_ago).to_numpy(bool)
    no_next = (outcome == OPEN) & next_on.isna().to_numpy(bool)
    starts = model.milestones[(model.milestones["stage"] == "started")
                              & (model.milestones["reached_on"] >= as_of_stamp)
                              & (model.milestones["reached_on"] <= as_of_stamp + timedelta(days=7))]
    starting = leads[leads["lead_id"].isin(starts["lead_id"])].merge(
        starts[["lead_id", "reached_on"]].rename(columns={"reached_on": "start_on"}), on="lead_id")
    stalled = (stalled or stalled_leads(model, as_of, rules, standing)).leads
    stalled = stalled[["lead_id", "consultant", "client", "role", "days_since_progress", "reason"]]
    stalled_long = stalled["days_since_progress"] > LONG_OVERDUE_DAYS
    return [
        Attention("Next actions due or overdue",
                  "Open and on-hold leads whose next action is dated on or before the as-of date, "
                  f"by {LONG_OVERDUE_DAYS} days or less; the most overdue first.",
                  with_stage(due).sort_values("next_action_on")),
        Attention("Stalled leads",
                  "Open leads with no progress for longer than their stage allows and no next "
                  "action set from the as-of date, with progress in the last "
                  f"{LONG_OVERDUE_DAYS} days; the Stalled & today page says why for each.",
                  stalled[~stalled_long]),
        Attention("Starting in the next 7 days",
                  "Candidates whose start date falls in the week from the as-of date: call on the "
                  "day to check they started.",
                  starting[columns + ["start_on"]].sort_values("start_on")),
        Attention("Open leads with no next action",
                  "Leads open on the as-of date (not filled, lost or on hold) with no next action "
                  "date set.",
                  with_stage(no_next)),
        Attention(f"Next actions overdue for more than {LONG_OVERDUE_DAYS} days",
                  f"Open and on-hold leads whose next action was due more than {LONG_OVERDUE_DAYS} "
                  "days before the as-of date: leads to review or close rather than calls for "
                  "this week.", with_stage(overdue_long).sort_values("next_action_on")),
        Attention(f"Stalled for more than {LONG_OVERDUE_DAYS} days",
                  f"Stalled leads whose last progress is more than {LONG_OVERDUE_DAYS} days old: "
                  "most are leads to close or to restart.", stalled[stalled_long]),
    ]


def weekly_milestones(model: Model, stages: tuple[str, ...], period_start: date, as_of: date) -> pd.DataFrame:
    """Return a tidy frame of milestone counts per week and stage, for a trend chart."""
    milestones = model.milestones
    days = milestones["reached_on"].to_numpy()
    # One mask, then a copy of the two columns counted for the few rows it keeps.
    chosen = (milestones["stage"].isin(stages).to_numpy(bool) & (days >= to_date(period_start))
              & (days <= to_date(as_of)))
    events = milestones.loc[chosen, ["stage", "reached_on"]]
    weeks = events["reached_on"] - pd.to_timedelta(events["reached_on"].dt.day_of_week, unit="D")
    counts = events.assign(week=weeks).groupby(["week", "stage"], observed=True).size()
    # Every week of the span, a week with nothing in it as 0 (a line must not skip a quiet week).
    first = to_date(period_start) - pd.Timedelta(days=period_start.weekday())
    every = pd.MultiIndex.from_product([pd.date_range(first, to_date(as_of), freq="7D"), stages],
                                       names=["week", "stage"])
    frame = counts.reindex(every, fill_value=0).rename("count").reset_index()
    frame["stage_label"] = frame["stage"].map(STAGE_LABELS)
    # The last week may be cut at the as-of date: say so rather than show a false dip.
    frame["part_week"] = frame["week"] + pd.Timedelta(days=6) > to_date(as_of)
    return frame
