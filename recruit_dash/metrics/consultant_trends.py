"""Each consultant over time and against the team: trends, weekly counts, funnel, leak, leaderboard."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from recruit_dash.metrics.funnel import Progress, funnel, lead_groups, progress
from recruit_dash.metrics.ratio_ledger import (
    ALL_ACTIVITIES,
    CHAIN,
    DEFAULT_PAIRS,
    Ledger,
    RatioPair,
    _in_period,
    _noun,
    _within,
    activity_counts,
    activity_matrix,
    before,
    milestone_counts,
    milestone_matrix,
)
from recruit_dash.metrics.ratios import SMALL_SAMPLE, ratio_grid
from recruit_dash.model import (
    ACTIVITY_KIND_IDS,
    ACTIVITY_KIND_LABELS,
    STAGE_IDS,
    STAGE_LABELS,
    Model,
)
from recruit_dash.periods import Period, period_holding

BLOCK_DAYS = 28
FUNNEL_STAGES: tuple[str, ...] = ("lead", *CHAIN)


def ratio_trend(book: Ledger, as_of: date, consultant: str, blocks: int = 6,
                pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS) -> pd.DataFrame:
    """Return the consultant's ratio per 4-week block ending on the as-of date, with the team's."""
    frames = []
    for index in range(blocks):
        end = as_of - timedelta(days=BLOCK_DAYS * index)
        block = Period(end - timedelta(days=BLOCK_DAYS - 1), end, "")
        frames.append(ratio_grid(book, block, as_of, pairs, [consultant]).assign(
            block_start=pd.Timestamp(block.start), block_end=pd.Timestamp(block.end)))
    trend = pd.concat(frames, ignore_index=True)
    return trend.sort_values(["pair", "block_start"], kind="stable").reset_index(drop=True)


def consultant_figures(book: Ledger, consultant: str, period: Period, as_of: date) -> dict:
    """Return a consultant's headline figures in a period: activities by kind, milestones by stage,
    placements (starts) and the fees of those starts."""
    row = book.consultants.index(consultant)
    activities = dict(zip(book.kinds, activity_matrix(book, period, as_of)[0][row], strict=True))
    activities[ALL_ACTIVITIES] = sum(activities.values())
    milestones = dict(zip(STAGE_IDS, milestone_matrix(book, period, as_of)[row], strict=True))
    fees = book.fees[(book.fees["consultant"] == consultant)
                     & _within(book.fees["started_on"], period, as_of)]
    return {"activities": {kind: float(activities[kind]) for kind in (*ACTIVITY_KIND_IDS,
                                                                      ALL_ACTIVITIES)},
            "milestones": {stage: int(milestones[stage]) for stage in STAGE_IDS},
            "placements": int(milestones["started"]),
            "fees": float(fees["fee"].fillna(0).sum())}


def figure_changes(book: Ledger, consultant: str, period: Period, as_of: date,
                   pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS) -> pd.DataFrame:
    """Return each headline figure and ratio in the period against the previous period of the same
    length: figure, label, now, before, change."""
    earlier = before(period)
    now, then = (consultant_figures(book, consultant, span, as_of) for span in (period, earlier))
    rows = [("activities", kind, f"{ACTIVITY_KIND_LABELS.get(kind, 'All activities')}",
             now["activities"][kind], then["activities"][kind])
            for kind in (*ACTIVITY_KIND_IDS, ALL_ACTIVITIES)
            if now["activities"][kind] or then["activities"][kind]]
    rows += [("milestones", stage, STAGE_LABELS[stage], now["milestones"][stage],
              then["milestones"][stage]) for stage in CHAIN[:-1]]
    rows += [("placements", "started", "Placements (starts)", now["placements"], then["placements"]),
             ("fees", "fees", "Fees from starts", now["fees"], then["fees"])]
    ratios_now, ratios_then = (ratio_grid(book, span, as_of, pairs, [consultant])
                               for span in (period, earlier))
    for (_, current), (_, previous) in zip(ratios_now.iterrows(), ratios_then.iterrows(),
                                           strict=True):
        rows.append(("ratio", current["pair"], current["label"], current["ratio"],
                     previous["ratio"]))
    frame = pd.DataFrame(rows, columns=["figure", "key", "label", "now", "before"])
    frame[["now", "before"]] = frame[["now", "before"]].astype(float)
    return frame.assign(change=frame["now"] - frame["before"])


def weekly_activity(book: Ledger, consultant: str, period: Period, as_of: date) -> pd.DataFrame:
    """Return the consultant's activities per whole week (from the Monday of the period's first
    day) and kind, zeros included."""
    period = _whole_weeks(period)
    rows = _theirs(book.activities, book.activity_columns, book, consultant, period, as_of)
    kinds = [kind for kind in ACTIVITY_KIND_IDS if kind in set(rows["kind"])]
    counts = rows.assign(week=_week(rows["on"])).groupby(["week", "kind"], observed=True)[
        "count"].sum()
    return _every_week(counts, period, as_of, kinds, "kind").assign(
        label=lambda frame: frame["kind"].map(ACTIVITY_KIND_LABELS))


def weekly_milestones(book: Ledger, consultant: str, period: Period, as_of: date,
                      stages: tuple[str, ...] = CHAIN) -> pd.DataFrame:
    """Return how many of the consultant's leads reached each stage per whole week, zeros
    included."""
    period = _whole_weeks(period)
    rows = _theirs(book.milestones, book.milestone_columns, book, consultant, period, as_of)
    rows = rows[rows["stage"].isin(stages)].drop_duplicates(["lead_id", "stage"])
    counts = rows.assign(week=_week(rows["reached_on"])).groupby(["week", "stage"]).size()
    return _every_week(counts.astype(float), period, as_of, list(stages), "stage").assign(
        label=lambda frame: frame["stage"].map(STAGE_LABELS))


def _theirs(table: pd.DataFrame, columns: tuple[np.ndarray, ...], book: Ledger, consultant: str,
            period: Period, as_of: date) -> pd.DataFrame:
    """Return a ledger table's rows (in date order) of one consultant in the period."""
    days, who = columns[0], columns[1]
    rows = _in_period(days, period, as_of)
    mine = np.flatnonzero(who[rows] == book.consultants.index(consultant)) + (rows.start or 0)
    return table.iloc[mine]


def _whole_weeks(period: Period) -> Period:
    """Return the period started on the Monday of its first week: a weekly KPI row dated that
    Monday belongs to the first week shown."""
    return Period(period_holding(period.start, "week").start, period.end, period.label)


def _week(days: pd.Series) -> pd.Series:
    """Return the Monday of each day's week."""
    return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.normalize()


def _every_week(counts: pd.Series, period: Period, as_of: date, keys: list[str],
                name: str) -> pd.DataFrame:
    """Return counts on every week of the period × every key, zeros where nothing happened."""
    first = period_holding(period.start, "week").start
    weeks = pd.date_range(first, min(period.end, as_of), freq="7D")
    index = pd.MultiIndex.from_product([weeks, keys], names=["week", name])
    full = counts.reindex(index, fill_value=0) if len(keys) else pd.Series(dtype=float, index=index)
    return full.rename("count").reset_index()


def funnel_against_team(model: Model, consultant: str, period: Period, as_of: date,
                        standing: Progress | None = None,
                        stages: tuple[str, ...] = FUNNEL_STAGES,
                        team: Model | None = None) -> pd.DataFrame:
    """Return the consultant's activity-lens funnel beside the team's: per stage (ladder order) the
    counts, step and of-first conversions of each. The team is everyone in the model, or, given
    `team`, those leads (a consultant's view holds only their own: `Scoped.team_funnel`)."""
    standing = standing or progress(model, as_of)
    team_model, team_standing = (model, standing) if team is None else (team, progress(team, as_of))
    every_stage = funnel(team_model, "activity", period, as_of, list(stages), team_standing)
    # A stage with no dated milestones at all (ticks only) would zero every step after it.
    dated = [row.stage for row in every_stage.frame().itertuples() if row.count > 0]
    theirs = funnel(team_model, "activity", period, as_of, dated, team_standing).frame()
    # Their funnel has the team's stages, a stage they never reached included (as zero).
    own = replace(standing, tracked=team_standing.tracked)
    mine = funnel(model, "activity", period, as_of, dated, own,
                  lead_groups(own, "consultant") == consultant).frame()
    if theirs.empty:
        return pd.DataFrame(columns=["stage", "label", "count", "step", "cumulative",
                                     "count_team", "step_team", "cumulative_team"])
    columns = ["stage", "label", "count", "step", "cumulative"]
    return mine[columns].merge(theirs[["stage", "count", "step", "cumulative"]], on="stage",
                               suffixes=("", "_team"))


def biggest_leak(comparison: pd.DataFrame) -> str:
    """Return, in words, the step where the consultant converts furthest below the team. Steps
    count events (activity lens), which can outnumber the stage before, so a step reads as events
    per event ("0.6 offers per 1st interview"), never as a share."""
    rows = comparison.assign(previous=comparison["count"].shift(1),
                             previous_stage=comparison["stage"].shift(1),
                             previous_label=comparison["label"].shift(1)).iloc[1:]
    rows = rows[(rows["previous"] >= SMALL_SAMPLE) & rows["step_team"].notna()]
    gaps = (rows["step_team"] - rows["step"].fillna(0)).astype(float)
    if rows.empty:
        return ("Too few milestones in this period to compare the chain with the team's "
                f"(each step needs {SMALL_SAMPLE} or more at the stage before).")
    if gaps.max() <= 0:
        return "Every step converts at or above the team's rate in this period: the chain holds."
    worst = rows.loc[gaps.idxmax()]
    mine = 0.0 if pd.isna(worst["step"]) else float(worst["step"])
    return (f"The biggest gap to the team is {worst['previous_label']} → {worst['label']}: "
            f"{mine:,.2f} {_noun(worst['stage'], many=True)} per "
            f"{_noun(worst['previous_stage'])} for them, against {worst['step_team']:,.2f} for "
            "the team. That step is where extra nails would pay off most.")


def leaderboard(book: Ledger, period: Period, as_of: date) -> pd.DataFrame:
    """Return per consultant the activities and the milestones they built in the period, with
    fees, most starts first."""
    activities = activity_counts(book, period, as_of)
    milestones = milestone_counts(book, period, as_of)
    fees = book.fees[_within(book.fees["started_on"], period, as_of)]
    fees = fees.groupby("consultant")["fee"].sum().reindex(list(book.consultants)).fillna(0.0)
    board = pd.DataFrame({"consultant": list(book.consultants),
                          "activities": activities[ALL_ACTIVITIES].to_numpy(),
                          **{stage: milestones[stage].to_numpy() for stage in CHAIN},
                          "fees": fees.astype(float).to_numpy()})
    silent = [stage for stage in CHAIN[:-1] if not board[stage].any()]
    return board.drop(columns=silent).sort_values(
        ["started", "fees", "consultant"], ascending=[False, False, True],
        kind="stable").reset_index(drop=True)
