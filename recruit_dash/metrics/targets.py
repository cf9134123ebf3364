"""Targets from a consultant's own ratios: the activity a goal needs, fee goals, the targets report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from recruit_dash.metrics.ratio_ledger import (
    ACTIVITY,
    CHAIN,
    DEFAULT_PAIRS,
    MILESTONE,
    TRAILING_DAYS,
    Ledger,
    RatioPair,
    ledger,
    milestone_counts,
    trailing,
)
from recruit_dash.metrics.ratios import NOT_IN_DATA, _json_number, ratio_grid
from recruit_dash.model import ACTIVITY_KIND_LABELS, STAGE_LABELS, Model
from recruit_dash.periods import Period, period_holding, to_date

PERIOD_DAYS = {"week": 7, "month": 30, "quarter": 91}


@dataclass(frozen=True)
class Targets:
    """The activity a consultant needs for a goal, at their own ratios and at the team's."""

    consultant: str
    placements: float
    window: Period
    needed: dict[str, int | None]
    team_needed: dict[str, int | None]
    milestones_needed: dict[str, int | None]
    from_team_median: list[str]
    links: pd.DataFrame  # pair, label, activities, milestones, own, team_median, used, from_team_median
    notes: list[str]
    not_logged: list[str] = field(default_factory=list)  # kinds the data never logs: no target


def targets(book: Ledger, as_of: date, consultant: str, placements: float,
            pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS) -> Targets:
    """Return the activity of each kind needed for a goal of placements at the consultant's own
    trailing-90-day ratios (team median where they have none), and the blanket team minimum (the
    whole team's, for a ledger holding part of it)."""
    if consultant not in book.consultants:
        raise ValueError(f"No consultant called {consultant!r} in the data; choose one of "
                         f"{', '.join(book.consultants)}")
    window = trailing(as_of)
    team_counts = milestone_counts(book.whole_team, window, as_of).sum()
    chain = [stage for stage in CHAIN if team_counts[stage] > 0]
    links = tuple(RatioPair(lower, upper, MILESTONE) for lower, upper in zip(chain, chain[1:],
                                                                             strict=False))
    entries = tuple(pair for pair in pairs if pair.source == ACTIVITY and pair.milestone in CHAIN)
    grid = ratio_grid(book, window, as_of, entries + links, [consultant])
    table = grid.drop_duplicates("pair").set_index("pair")
    own = table["ratio"].where(table["ratio"] > 0)
    team = table["team_median"].where(table["team_median"] > 0)
    used = own.fillna(team)
    filled = own.isna() & used.notna()
    needed, team_needed, marked = {}, {}, []
    for pair in entries:
        path = [pair.key, *_links_from(pair.milestone, links)] if pair.milestone in chain else None
        needed[pair.activity] = _product(placements, used, path)
        team_needed[pair.activity] = _product(placements, team, path)
        if path and filled.reindex(path).fillna(False).any():
            marked.append(pair.activity)
    milestones_needed = {stage: _product(placements, used, _links_from(stage, links))
                         for stage in chain}
    frame = table.reset_index()[["pair", "label", "activities", "milestones", "ratio",
                                 "team_median"]].rename(columns={"ratio": "own"})
    frame = frame.assign(used=used.to_numpy(), from_team_median=filled.to_numpy())
    notes = [f"No dated '{STAGE_LABELS[stage]}' milestones in the {TRAILING_DAYS} days, so the "
             "chain steps over it" for stage in CHAIN if stage not in chain]
    not_logged = [pair.activity for pair in entries if not book.whole_team.logs(pair)]
    if not_logged:
        notes.append("Not in your data: " + ", ".join(
            ACTIVITY_KIND_LABELS.get(kind, "All activities") for kind in not_logged)
            + " (no activity of that kind logged), so there is no target for "
            + ("it." if len(not_logged) == 1 else "them."))
    return Targets(consultant, placements, window, needed, team_needed, milestones_needed, marked,
                   frame, notes, not_logged)


def _links_from(stage: str, links: tuple[RatioPair, ...]) -> list[str]:
    """Return the keys of the chain links from a stage up to a start."""
    lowers = [link.activity for link in links]
    return [link.key for link in links[lowers.index(stage):]] if stage in lowers else []


def _product(placements: float, ratios: pd.Series, path: list[str] | None) -> int | None:
    """Return placements × the product of the ratios along a path, rounded up; None if unknown."""
    if path is None:
        return None
    values = ratios.reindex(path)
    if values.isna().any():
        return None
    return math.ceil(round(placements * float(np.prod(values.to_numpy(dtype=float))), 6))


@dataclass(frozen=True)
class FeeGoal:
    """A fee target turned into placements."""

    fee: float
    average_fee: float | None
    placements: int | None
    from_team: bool


def placements_for_fee(book: Ledger, as_of: date, consultant: str, fee: float) -> FeeGoal:
    """Return how many placements a fee target needs at the consultant's average fee per start
    (the team's average where they have no fee on record)."""
    def fees_by(source: Ledger) -> pd.DataFrame:
        return source.fees[source.fees["started_on"] <= to_date(as_of)].dropna(subset=["fee"])

    fees = fees_by(book)
    mine = fees.loc[fees["consultant"] == consultant, "fee"]
    from_team = mine.empty
    average = (fees_by(book.whole_team)["fee"] if from_team else mine).mean()
    if pd.isna(average) or average <= 0:
        return FeeGoal(fee, None, None, from_team)
    return FeeGoal(fee, float(average), max(1, math.ceil(round(fee / float(average), 6))), from_team)


def default_goal(book: Ledger, as_of: date, consultant: str, kind: str = "month") -> int:
    """Return the coming period's placements at the consultant's trailing-90-day rate (at least 1)."""
    window = trailing(as_of)
    starts = milestone_counts(book, window, as_of).at[consultant, "started"]
    return max(1, round(starts * PERIOD_DAYS[kind] / TRAILING_DAYS))


def coming_period(as_of: date, kind: str) -> Period:
    """Return the week, month or quarter after the one holding the as-of date."""
    return period_holding(period_holding(as_of, kind).end + timedelta(days=1), kind)


def per_week(needed: dict[str, int | None], period: Period) -> dict[str, int | None]:
    """Return the needed activity spread over the weeks of a period, rounded up."""
    weeks = ((period.end - period.start).days + 1) / 7
    return {kind: None if value is None else math.ceil(round(value / weeks, 6))
            for kind, value in needed.items()}


def targets_report(model: Model, as_of: date, consultant: str, placements: float,
                   credit: str = "owner", pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS,
                   team_medians: dict[str, Ledger] | None = None) -> dict:
    """Return the `report targets` JSON: the activity needed of each kind for a goal; with
    `team_medians` (a consultant's own view: the team's ledgers by credit rule), the team's
    medians stand in where they have no ratio of their own."""
    book = ledger(model, credit, (team_medians or {}).get(credit))
    result = targets(book, as_of, consultant, placements, pairs)
    return {
        "consultant": consultant, "placements": _json_number(placements), "as_of": as_of.isoformat(),
        "credit": credit, "ratios_from": result.window.start.isoformat(),
        "ratios_to": result.window.end.isoformat(),
        "needed": result.needed, "team_needed": result.team_needed,
        "milestones_needed": result.milestones_needed,
        "from_team_median": result.from_team_median, "notes": result.notes,
        "activity_logged": {kind: kind not in result.not_logged for kind in result.needed},
        "links": [{"pair": row["pair"], "label": row["label"],
                   "own": _json_number(row["own"]), "team_median": _json_number(row["team_median"]),
                   "used": _json_number(row["used"]),
                   "from_team_median": bool(row["from_team_median"])}
                  for row in result.links.to_dict("records")],
    }


TARGET_COLUMNS_HELP = {
    "activity": "The kind of activity (nail).",
    "needed": "Goal × their activities per milestone × each stage per next stage up to a start, "
              f"at their own ratios over the {TRAILING_DAYS} days to the as-of date; rounded up.",
    "per_week": "Needed, spread evenly over the weeks of the coming period; rounded up.",
    "team_minimum": "What a blanket minimum would ask: the same chain on the team's median ratios.",
    "from_team_median": "A link of their chain had no data of their own, so the team's median "
                        "ratio stands in for it.",
    "note": "Not in your data: the data logs no activity of this kind, so there is no ratio to "
            "build a target from.",
}


def targets_frame(result: Targets, period: Period) -> pd.DataFrame:
    """Return the targets as a table: per activity kind, needed, per week, the team minimum,
    whether a team median stood in for one of their links, and "not in your data" for a kind the
    data never logs."""
    weekly = per_week(result.needed, period)
    return pd.DataFrame({
        "activity": [ACTIVITY_KIND_LABELS.get(kind, "All activities") for kind in result.needed],
        "needed": pd.array(list(result.needed.values()), dtype="Int64"),
        "per_week": pd.array(list(weekly.values()), dtype="Int64"),
        "team_minimum": pd.array(list(result.team_needed.values()), dtype="Int64"),
        "from_team_median": [kind in result.from_team_median for kind in result.needed],
        "note": [NOT_IN_DATA if kind in result.not_logged else "" for kind in result.needed],
    })
