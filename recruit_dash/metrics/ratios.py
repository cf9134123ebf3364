"""Nail-to-milestone ratios and targets from a consultant's own ratios (DESIGN.md, seed 001).

Rules where DESIGN.md is silent, also shown on screen:
- **Credit.** Credited to the lead's consultant (the default), an activity linked to a lead (it
  has a lead id we know) counts for that lead's consultant, any other activity for the consultant
  who logged it; credited to whoever logged it, every activity counts for the consultant who
  logged it. Milestones always count for their lead's consultant. Rows with no consultant count
  for "(no consultant)": a row of its own, in every team total, but not in the team median (it is
  not a person).
- **Counting.** Activity lens: activities dated in the period (a weekly KPI row on its week's first
  day) and milestones dated in the period, neither after the as-of date; a lead counts once per
  stage. A tick without a date is not an event.
- **Ratio** = activities ÷ milestones: null when there are no milestones (never infinite), 0 when
  there are milestones but no activities. Fewer than 5 milestones is a *small sample*.
- **Not in your data.** A kind of activity the data never logs (not one activity of that kind,
  for anyone, on any day) gives no ratio at all, never 0: it is shown as "not in your data" and
  leaves the consultant's targets for it blank. The same holds for nails that are a stage (offers
  per start) when the data dates no milestone of that stage. All activities are logged when the
  data has any activity.
- **Offers → starts** is stage to stage (there is no "offer" activity): offers made ÷ starts.
  **All activities → placements** sums every kind ÷ starts.
- **Team median** = the median of the consultants' non-null ratios for that pair. Fewer nails per
  milestone is better for every default pair; *around* means within ±10% of the team median.
- **Trend.** A consultant's ratio per 4-week block ending on the as-of date.
- **Targets.** For G placements, the activity of kind K needed = G × (K per milestone S) × (S per
  next stage) × … × (offers per start), along meeting → job → CVs sent → 1st interview → offer →
  start, each link from the consultant's own trailing-90-day milestones. A link with no data
  (null, or 0 from no activity logged) uses the team median and is marked. The *blanket team
  minimum* is the same chain on team medians. Figures are rounded up.
- **Fee goal.** Placements = fee ÷ the consultant's average fee per start (the team's when they
  have none), rounded up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from recruit_dash.metrics.ratio_ledger import (
    ALL_ACTIVITIES,
    DEFAULT_PAIRS,
    MILESTONE,
    Ledger,
    RatioPair,
    activity_matrix,
    ledger,
    milestone_matrix,
    trailing,
)
from recruit_dash.model import NO_CONSULTANT, STAGE_IDS, Model
from recruit_dash.periods import Period

SMALL_SAMPLE = 5
AROUND = 0.10
NOT_IN_DATA = "not in your data"
NOT_LOGGED = "not_logged"  # the standing of a grid cell whose nails the data never logs
BETTER, AROUND_TEAM, WORSE = "better", "around", "worse"
STANDING_WORDS = {BETTER: "fewer nails than the team", AROUND_TEAM: "around the team",
                  WORSE: "more nails than the team"}


GRID_COLUMNS = ["consultant", "pair", "label", "activity", "milestone", "source", "activities",
                "milestones", "ratio", "team_median", "lower_is_better", "activity_logged"]


def ratio_grid(book: Ledger, period: Period, as_of: date,
               pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS,
               consultants: Sequence[str] | None = None) -> pd.DataFrame:
    """Return one row per consultant and pair: the counts, the ratio, the team median, the
    standing. With `consultants`, only their rows, each against the whole team's median; a
    ledger holding part of a team (`Ledger.team`) is compared with its whole team's median."""
    if not pairs:
        grid = pd.DataFrame(columns=GRID_COLUMNS)
        return grid.assign(small_sample=pd.Series(dtype=bool), against_team=pd.Series(dtype=object))
    team = book.whole_team
    logged = [team.logs(pair) for pair in pairs]
    own = _pair_ratios(book, period, as_of, pairs, logged)
    theirs = own if team is book else _pair_ratios(team, period, as_of, pairs, logged)
    person = np.array(team.consultants, dtype=object) != NO_CONSULTANT
    medians = []
    for _, _, ratio in theirs:
        known = ratio[person & ~np.isnan(ratio)]
        medians.append(float(np.median(known)) if len(known) else np.nan)
    rows = slice(None) if consultants is None else book.people.get_indexer(list(consultants))
    nails = [counts[rows] for counts, _, _ in own]
    built = [reached[rows] for _, reached, _ in own]
    ratios = [ratio[rows] for _, _, ratio in own]
    names = np.array(book.consultants, dtype=object)[rows]
    each = len(names)

    def per_pair(values: list) -> np.ndarray:
        return np.repeat(np.array(values, dtype=object), each)

    lower = np.repeat([pair.lower_is_better for pair in pairs], each)
    ratio, median = np.concatenate(ratios), np.repeat(medians, each)
    milestone_count = np.concatenate(built).astype(int)
    return pd.DataFrame({
        "consultant": np.tile(names, len(pairs)), "pair": per_pair([p.key for p in pairs]),
        "label": per_pair([p.label for p in pairs]),
        "activity": per_pair([p.activity for p in pairs]),
        "milestone": per_pair([p.milestone for p in pairs]),
        "source": per_pair([p.source for p in pairs]),
        "activities": np.concatenate(nails), "milestones": milestone_count, "ratio": ratio,
        "team_median": median, "lower_is_better": lower,
        "activity_logged": np.repeat(logged, each),
        "small_sample": milestone_count < SMALL_SAMPLE,
        "against_team": pd.Series(_standings(ratio, median, lower), dtype=object)})


_RUNG = {stage: index for index, stage in enumerate(STAGE_IDS)}


def _pair_ratios(book: Ledger, period: Period, as_of: date, pairs: tuple[RatioPair, ...],
                 logged: list[bool]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return for each pair every consultant's nails, milestones and ratio in the period (the
    nails unknown where the data does not log them)."""
    activities, _ = activity_matrix(book, period, as_of)
    milestones = milestone_matrix(book, period, as_of).astype(float)
    every = activities.sum(axis=1)
    found = []
    for pair, logs in zip(pairs, logged, strict=True):
        if not logs:
            counts = np.full(len(book.consultants), np.nan)
        elif pair.source == MILESTONE:
            counts = milestones[:, _RUNG[pair.activity]]
        elif pair.activity == ALL_ACTIVITIES:
            counts = every
        else:
            counts = activities[:, book.kinds.index(pair.activity)]
        reached = milestones[:, _RUNG[pair.milestone]]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.round(counts / np.where(reached > 0, reached, np.nan), 4)
        found.append((counts, reached, ratio))
    return found


def against_team(grid: pd.DataFrame) -> pd.Series:
    """Return better / around / worse for each ratio against its team median (None if unknown)."""
    return pd.Series(_standings(grid["ratio"].to_numpy(float), grid["team_median"].to_numpy(float),
                                grid["lower_is_better"].to_numpy(bool)),
                     index=grid.index, dtype=object)


def _standings(ratio: np.ndarray, median: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Return each ratio's standing against its team median, as objects (None if unknown)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(median > 0, (ratio - median) / np.where(median > 0, median, 1.0),
                            np.sign(ratio - median))
    better = np.where(lower, relative < -AROUND, relative > AROUND)
    worse = np.where(lower, relative > AROUND, relative < -AROUND)
    standing = np.select([better, worse], [BETTER, WORSE], AROUND_TEAM).astype(object)
    standing[np.isnan(ratio) | np.isnan(median)] = None
    return standing


def ratios_report(model: Model, as_of: date, start: date | None = None, end: date | None = None,
                  credit: str = "owner", pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS,
                  team_medians: dict[str, Ledger] | None = None) -> dict:
    """Return the `report ratios` JSON: every consultant × pair with its counts and team median;
    with `team_medians` (a consultant's own view: the team's ledgers by credit rule), the median
    is their whole team's, not the one consultant's own ratio."""
    end = end or as_of
    period = Period(start or trailing(end).start, end, "")
    book = ledger(model, credit, (team_medians or {}).get(credit))
    grid = ratio_grid(book, period, as_of, pairs)
    return {
        "as_of": as_of.isoformat(), "from": period.start.isoformat(), "to": period.end.isoformat(),
        "credit": credit, "small_sample_below": SMALL_SAMPLE,
        "pairs": [{**pair.to_dict(), "key": pair.key, "label": pair.label,
                   "definition": pair.definition, "activity_logged": book.whole_team.logs(pair)}
                  for pair in pairs],
        "rows": [{"consultant": row["consultant"], "activity": row["activity"],
                  "milestone": row["milestone"], "source": row["source"],
                  "activities": _json_number(row["activities"]),
                  "milestones": int(row["milestones"]), "ratio": _json_number(row["ratio"]),
                  "team_median": _json_number(row["team_median"]),
                  "small_sample": bool(row["small_sample"]), "against_team": row["against_team"],
                  "activity_logged": bool(row["activity_logged"]),
                  "note": None if row["activity_logged"] else NOT_IN_DATA}
                 for row in grid.to_dict("records")],
    }


def _json_number(value: object) -> float | int | None:
    """Return a JSON-safe number: None for missing, NaN or infinite; whole floats as ints."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else round(number, 4)


def ratio_table(grid: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the grid as one row per consultant and one column per pair: the text of each cell
    (ratio and the counts behind it) and, of the same shape, its standing or "small"."""
    text = pd.Series(_cell_texts(grid), index=grid.index, dtype=object)
    status = grid["against_team"].where(~grid["small_sample"] | grid["ratio"].isna(), "small")
    status = status.where(grid["activity_logged"].astype(bool), NOT_LOGGED)
    cells = grid.assign(text=text, status=status).drop_duplicates(["consultant", "pair"])
    # One column per pair, under its label; two pairs that read alike get "(2)", "(3)" added.
    labels: dict[str, str] = {}
    for pair, label in dict.fromkeys(zip(grid["pair"], grid["label"], strict=True)):
        if pair not in labels:
            taken = sum(1 for other in labels.values() if other.split(" (")[0] == label)
            labels[pair] = f"{label} ({taken + 1})" if taken else label
    keys = list(labels)
    shown = cells.pivot(index="consultant", columns="pair", values="text")[keys].rename(columns=labels)
    flags = cells.pivot(index="consultant", columns="pair", values="status")[keys].rename(columns=labels)
    first = grid.drop_duplicates("pair").set_index("pair")
    team = pd.DataFrame([{labels[key]: _ratio_text(first.at[key, "team_median"])
                          if first.at[key, "activity_logged"] else NOT_IN_DATA for key in keys}],
                        index=pd.Index(["Team median"], name="consultant"))
    shown = pd.concat([shown, team]).reset_index().rename(columns={"consultant": "Consultant"})
    flags = pd.concat([flags, team.map(lambda _: "team")]).reset_index(drop=True)
    flags.insert(0, "Consultant", None)
    return shown, flags


def _ratio_text(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:,.1f}"


def _cell_texts(grid: pd.DataFrame) -> list[str]:
    """Return each grid cell's text: the ratio, then the counts behind it."""
    return [_cell_text(*row) for row in zip(
        grid["activity_logged"], grid["activities"], grid["milestones"], grid["ratio"],
        grid["small_sample"], strict=True)]


def _cell_text(logged: bool, nails: float, milestones: int, ratio: float, small: bool) -> str:
    if not logged:
        return NOT_IN_DATA
    flag = " · small sample" if small and pd.notna(ratio) else ""
    return f"{_ratio_text(ratio)} ({nails:,.0f} ÷ {milestones:,}){flag}"
