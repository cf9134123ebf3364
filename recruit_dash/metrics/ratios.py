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
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from recruit_dash.metrics.funnel import Progress, funnel, lead_groups, progress
from recruit_dash.model import (
    ACTIVITY_KIND_IDS,
    ACTIVITY_KIND_LABELS,
    NO_CONSULTANT,
    STAGE_IDS,
    STAGE_LABELS,
    Model,
    group_names,
    lookup,
)
from recruit_dash.periods import Period, period_holding, to_date

CREDITS = ("owner", "author")
CREDIT_LABELS = {"owner": "The lead's consultant", "author": "Whoever logged it"}
CREDIT_HELP = ("Lead's consultant: an activity linked to a lead counts for the consultant who owns "
               "the lead, any other for whoever logged it. Whoever logged it: every activity "
               "counts for the consultant on the activity row. Milestones always count for the "
               "lead's consultant.")
SMALL_SAMPLE = 5
AROUND = 0.10
TRAILING_DAYS = 90
BLOCK_DAYS = 28
ALL_ACTIVITIES = "all"
NOT_IN_DATA = "not in your data"
NOT_LOGGED = "not_logged"  # the standing of a grid cell whose nails the data never logs
ACTIVITY, MILESTONE = "activity", "milestone"
BETTER, AROUND_TEAM, WORSE = "better", "around", "worse"
STANDING_WORDS = {BETTER: "fewer nails than the team", AROUND_TEAM: "around the team",
                  WORSE: "more nails than the team"}
# The stage chain targets walk up, from a client meeting to a start.
CHAIN: tuple[str, ...] = ("meeting", "job", "shortlist", "interview", "offer", "started")
FUNNEL_STAGES: tuple[str, ...] = ("lead", *CHAIN)
PERIOD_DAYS = {"week": 7, "month": 30, "quarter": 91}
# How a ratio names each stage: (one, many), e.g. "calls per shortlist".
STAGE_NOUNS: dict[str, tuple[str, str]] = {
    "lead": ("lead", "leads"), "meeting": ("client meeting", "client meetings"),
    "job": ("job registered", "jobs registered"), "shortlist": ("shortlist", "shortlists"),
    "interview": ("1st interview", "1st interviews"),
    "interview_done": ("1st interview done", "1st interviews done"),
    "second_interview": ("2nd interview", "2nd interviews"),
    "second_interview_done": ("2nd interview done", "2nd interviews done"),
    "offer": ("offer", "offers"), "accepted": ("accepted offer", "accepted offers"),
    "resigned": ("resignation", "resignations"), "started": ("start", "starts"),
    "probation": ("probation passed", "probations passed"),
}


@dataclass(frozen=True)
class RatioPair:
    """A nail-to-milestone pair: nails of one activity kind (or an earlier stage) per milestone."""

    activity: str  # an activity kind id, "all", or a stage id when source is "milestone"
    milestone: str  # the stage id the nails build
    source: str = ACTIVITY  # "activity": logged activities; "milestone": an earlier stage
    lower_is_better: bool = True

    @property
    def key(self) -> str:
        prefix = "stage:" if self.source == MILESTONE else ""
        return f"{prefix}{self.activity}->{self.milestone}"

    @property
    def nail_label(self) -> str:
        if self.source == MILESTONE:
            return _noun(self.activity, many=True).capitalize()
        return "All activities" if self.activity == ALL_ACTIVITIES else ACTIVITY_KIND_LABELS[
            self.activity]

    @property
    def label(self) -> str:
        return f"{self.nail_label} per {_noun(self.milestone)}"

    @property
    def definition(self) -> str:
        nails = ("milestones" if self.source == MILESTONE else "activities")
        return (f"{self.nail_label} ({nails}) dated in the period ÷ leads reaching "
                f"'{STAGE_LABELS[self.milestone]}' in the period. "
                + ("Fewer is better." if self.lower_is_better else "More is better."))

    def to_dict(self) -> dict:
        """Return the pair as plain data, for a saved profile."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RatioPair:
        """Return a pair from plain data, checking its ids against the ladder and the kinds."""
        pair = cls(str(data["activity"]), str(data["milestone"]), str(data.get("source", ACTIVITY)),
                   bool(data.get("lower_is_better", True)))
        nails = STAGE_IDS if pair.source == MILESTONE else (*ACTIVITY_KIND_IDS, ALL_ACTIVITIES)
        if pair.source not in (ACTIVITY, MILESTONE) or pair.activity not in nails:
            raise ValueError(f"Unknown nail {pair.activity!r} ({pair.source}) in a ratio pair")
        if pair.milestone not in STAGE_IDS:
            raise ValueError(f"Unknown milestone {pair.milestone!r} in a ratio pair")
        return pair


DEFAULT_PAIRS: tuple[RatioPair, ...] = (
    RatioPair("bd_call", "meeting"),
    RatioPair("meeting", "job"),
    RatioPair("call", "shortlist"),
    RatioPair("cv_sent", "interview"),
    RatioPair("interview", "offer"),
    RatioPair("offer", "started", MILESTONE),
    RatioPair(ALL_ACTIVITIES, "started"),
)


def _noun(stage: str, many: bool = False) -> str:
    """Return how a ratio names a stage."""
    fallback = STAGE_LABELS.get(stage, stage)
    return STAGE_NOUNS.get(stage, (fallback, fallback))[1 if many else 0]


def pairs_to_dicts(pairs: tuple[RatioPair, ...]) -> list[dict]:
    """Return the pairs as plain data, for a saved profile."""
    return [pair.to_dict() for pair in pairs]


def pairs_from_dicts(rows: list[dict]) -> tuple[RatioPair, ...]:
    """Return pairs read from plain data."""
    return tuple(RatioPair.from_dict(row) for row in rows)


@dataclass(frozen=True)
class Ledger:
    """Every nail and every dated milestone, each credited to one consultant."""

    activities: pd.DataFrame  # consultant, on, kind, count
    milestones: pd.DataFrame  # consultant, lead_id, stage, reached_on (dated, one per lead/stage/day)
    fees: pd.DataFrame  # consultant, lead_id, started_on, fee: one row per dated start
    consultants: tuple[str, ...]
    credit: str
    logged_kinds: frozenset[str] = frozenset()  # activity kinds with at least one activity
    dated_stages: frozenset[str] = frozenset()  # stages with at least one dated milestone

    def logs(self, pair: RatioPair) -> bool:
        """Return whether the data logs the pair's nails at all (else its ratio is unknown)."""
        if pair.source == MILESTONE:
            return pair.activity in self.dated_stages
        if pair.activity == ALL_ACTIVITIES:
            return bool(self.logged_kinds)
        return pair.activity in self.logged_kinds


def ledger(model: Model, credit: str = "owner") -> Ledger:
    """Return the model's activities and milestones credited to consultants under a credit rule."""
    if credit not in CREDITS:
        raise ValueError(f"Unknown credit {credit!r}; choose one of {', '.join(CREDITS)}")
    owners = _lead_owners(model)
    activities = model.activities
    consultant = activities["consultant"]
    if credit == "owner":
        consultant = lookup(activities["lead_id"], owners).fillna(consultant)
    activities = pd.DataFrame({"consultant": group_names(consultant, "consultant"),
                               "on": activities["on"], "kind": activities["kind"],
                               "count": activities["count"].fillna(1.0)}).dropna(subset=["on"])
    milestones = model.milestones.dropna(subset=["reached_on"])
    milestones = pd.DataFrame({
        "consultant": group_names(lookup(milestones["lead_id"], owners), "consultant"),
        "lead_id": milestones["lead_id"], "stage": milestones["stage"],
        "reached_on": milestones["reached_on"]})
    milestones = milestones.drop_duplicates(["lead_id", "stage", "reached_on"])
    starts = milestones[milestones["stage"] == "started"]
    fees = pd.DataFrame({"consultant": starts["consultant"], "lead_id": starts["lead_id"],
                         "started_on": starts["reached_on"],
                         "fee": lookup(starts["lead_id"], _lead_fees(model))})
    names = pd.concat([model.leads["consultant"], model.activities["consultant"],
                       model.placements["consultant"]]).dropna().unique()
    people = sorted({str(name) for name in names if str(name).strip()} - {NO_CONSULTANT})
    # The blank group comes last, so that a picker opens on a person.
    unnamed = NO_CONSULTANT in set(activities["consultant"]) | set(milestones["consultant"])
    return Ledger(activities.reset_index(drop=True), milestones.reset_index(drop=True),
                  fees.drop_duplicates("lead_id").reset_index(drop=True),
                  tuple(people) + ((NO_CONSULTANT,) if unnamed else ()), credit,
                  frozenset(model.activities["kind"].dropna().astype(str)),
                  frozenset(model.milestones.loc[model.milestones["reached_on"].notna(), "stage"]
                            .dropna().astype(str)))


def _lead_owners(model: Model) -> pd.Series:
    """Return each lead's consultant, indexed by unique lead id."""
    leads = model.leads.dropna(subset=["lead_id"]).drop_duplicates("lead_id")
    return leads.set_index("lead_id")["consultant"]


def _lead_fees(model: Model) -> pd.Series:
    """Return each lead's fee (the placement's fee where the lead has none), by unique lead id."""
    leads = model.leads.dropna(subset=["lead_id"]).drop_duplicates("lead_id").set_index("lead_id")
    placed = model.placements.dropna(subset=["lead_id"]).drop_duplicates("lead_id")
    placed = placed.set_index("lead_id")["fee"]
    return leads["fee"].fillna(lookup(leads.index.to_series(), placed))


def trailing(as_of: date, days: int = TRAILING_DAYS) -> Period:
    """Return the `days` days up to and including the as-of date."""
    start = as_of - timedelta(days=days - 1)
    return Period(start, as_of, f"{days} days to {as_of:%d %b %Y}")


def before(period: Period) -> Period:
    """Return the period of the same length just before this one."""
    length = period.end - period.start
    end = period.start - timedelta(days=1)
    start = end - length
    return Period(start, end, f"{start:%d %b %Y} – {end:%d %b %Y}")


def _within(dates: pd.Series, period: Period, as_of: date) -> pd.Series:
    """Return which dates fall in the period and not after the as-of date."""
    return (dates >= to_date(period.start)) & (dates <= to_date(min(period.end, as_of)))


def activity_counts(book: Ledger, period: Period, as_of: date) -> pd.DataFrame:
    """Return activity counts per consultant (rows) and kind (columns, plus "all")."""
    rows = book.activities[_within(book.activities["on"], period, as_of)]
    table = rows.pivot_table(index="consultant", columns="kind", values="count", aggfunc="sum")
    kinds = list(dict.fromkeys([*ACTIVITY_KIND_IDS, *table.columns]))
    table = table.reindex(index=list(book.consultants), columns=kinds).astype(float).fillna(0.0)
    table[ALL_ACTIVITIES] = table.sum(axis=1)
    return table


def milestone_counts(book: Ledger, period: Period, as_of: date) -> pd.DataFrame:
    """Return how many leads reached each stage in the period, per consultant (rows) and stage."""
    rows = book.milestones[_within(book.milestones["reached_on"], period, as_of)]
    rows = rows.drop_duplicates(["consultant", "lead_id", "stage"])
    table = rows.groupby(["consultant", "stage"]).size().unstack("stage")
    return table.reindex(index=list(book.consultants), columns=list(STAGE_IDS)).fillna(0).astype(int)


def ratio_grid(book: Ledger, period: Period, as_of: date,
               pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS) -> pd.DataFrame:
    """Return one row per consultant and pair: the counts, the ratio, the team median, the standing."""
    activities = activity_counts(book, period, as_of)
    milestones = milestone_counts(book, period, as_of)
    frames = []
    for pair in pairs:
        nails = (milestones[pair.activity] if pair.source == MILESTONE
                 else activities[pair.activity]).astype(float)
        logged = book.logs(pair)
        if not logged:
            nails = nails * np.nan
        built = milestones[pair.milestone].astype(float)
        ratio = (nails / built.where(built > 0)).round(4)
        people = ratio[ratio.index != NO_CONSULTANT]
        frames.append(pd.DataFrame({
            "consultant": list(book.consultants), "pair": pair.key, "label": pair.label,
            "activity": pair.activity, "milestone": pair.milestone, "source": pair.source,
            "activities": nails.to_numpy(), "milestones": built.to_numpy().astype(int),
            "ratio": ratio.to_numpy(),
            "team_median": float(people.median()) if people.notna().any() else np.nan,
            "lower_is_better": pair.lower_is_better, "activity_logged": logged}))
    columns = ["consultant", "pair", "label", "activity", "milestone", "source", "activities",
               "milestones", "ratio", "team_median", "lower_is_better", "activity_logged"]
    grid = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return grid.assign(small_sample=grid["milestones"] < SMALL_SAMPLE,
                       against_team=against_team(grid))


def against_team(grid: pd.DataFrame) -> pd.Series:
    """Return better / around / worse for each ratio against its team median (None if unknown)."""
    ratio, median = grid["ratio"].astype(float), grid["team_median"].astype(float)
    relative = (ratio - median) / median.where(median > 0)
    relative = relative.where(median > 0, np.sign(ratio - median))
    lower = grid["lower_is_better"].astype(bool)
    better = np.where(lower, relative < -AROUND, relative > AROUND)
    worse = np.where(lower, relative > AROUND, relative < -AROUND)
    standing = np.select([better, worse], [BETTER, WORSE], AROUND_TEAM).astype(object)
    standing[(ratio.isna() | median.isna()).to_numpy()] = None
    return pd.Series(standing, index=grid.index, dtype=object)


def ratios_report(model: Model, as_of: date, start: date | None = None, end: date | None = None,
                  credit: str = "owner", pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS) -> dict:
    """Return the `report ratios` JSON: every consultant × pair with its counts and team median."""
    end = end or as_of
    period = Period(start or trailing(end).start, end, "")
    book = ledger(model, credit)
    grid = ratio_grid(book, period, as_of, pairs)
    return {
        "as_of": as_of.isoformat(), "from": period.start.isoformat(), "to": period.end.isoformat(),
        "credit": credit, "small_sample_below": SMALL_SAMPLE,
        "pairs": [{**pair.to_dict(), "key": pair.key, "label": pair.label,
                   "definition": pair.definition, "activity_logged": book.logs(pair)}
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
    text = grid.apply(_cell_text, axis=1) if len(grid) else pd.Series(dtype=object)
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


def _cell_text(row: pd.Series) -> str:
    """Return a grid cell: the ratio, then the counts behind it."""
    if not row["activity_logged"]:
        return NOT_IN_DATA
    counts = f"{row['activities']:,.0f} ÷ {row['milestones']:,}"
    flag = " · small sample" if row["small_sample"] and pd.notna(row["ratio"]) else ""
    return f"{_ratio_text(row['ratio'])} ({counts}){flag}"


def ratio_trend(book: Ledger, as_of: date, consultant: str, blocks: int = 6,
                pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS) -> pd.DataFrame:
    """Return the consultant's ratio per 4-week block ending on the as-of date, with the team's."""
    frames = []
    for index in range(blocks):
        end = as_of - timedelta(days=BLOCK_DAYS * index)
        block = Period(end - timedelta(days=BLOCK_DAYS - 1), end, "")
        grid = ratio_grid(book, block, as_of, pairs)
        frames.append(grid[grid["consultant"] == consultant].assign(
            block_start=pd.Timestamp(block.start), block_end=pd.Timestamp(block.end)))
    trend = pd.concat(frames, ignore_index=True)
    return trend.sort_values(["pair", "block_start"], kind="stable").reset_index(drop=True)


def consultant_figures(book: Ledger, consultant: str, period: Period, as_of: date) -> dict:
    """Return a consultant's headline figures in a period: activities by kind, milestones by stage,
    placements (starts) and the fees of those starts."""
    activities = activity_counts(book, period, as_of).loc[consultant]
    milestones = milestone_counts(book, period, as_of).loc[consultant]
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
    ratios_now, ratios_then = (ratio_grid(book, span, as_of, pairs) for span in (period, earlier))
    mine = ratios_now["consultant"] == consultant
    for (_, current), (_, previous) in zip(ratios_now[mine].iterrows(),
                                           ratios_then[ratios_then["consultant"] == consultant]
                                           .iterrows(), strict=True):
        rows.append(("ratio", current["pair"], current["label"], current["ratio"],
                     previous["ratio"]))
    frame = pd.DataFrame(rows, columns=["figure", "key", "label", "now", "before"])
    frame[["now", "before"]] = frame[["now", "before"]].astype(float)
    return frame.assign(change=frame["now"] - frame["before"])


def weekly_activity(book: Ledger, consultant: str, period: Period, as_of: date) -> pd.DataFrame:
    """Return the consultant's activities per whole week (from the Monday of the period's first
    day) and kind, zeros included."""
    period = _whole_weeks(period)
    rows = book.activities[(book.activities["consultant"] == consultant)
                           & _within(book.activities["on"], period, as_of)]
    kinds = [kind for kind in ACTIVITY_KIND_IDS if kind in set(rows["kind"])]
    counts = rows.assign(week=_week(rows["on"])).groupby(["week", "kind"])["count"].sum()
    return _every_week(counts, period, as_of, kinds, "kind").assign(
        label=lambda frame: frame["kind"].map(ACTIVITY_KIND_LABELS))


def weekly_milestones(book: Ledger, consultant: str, period: Period, as_of: date,
                      stages: tuple[str, ...] = CHAIN) -> pd.DataFrame:
    """Return how many of the consultant's leads reached each stage per whole week, zeros
    included."""
    period = _whole_weeks(period)
    rows = book.milestones[(book.milestones["consultant"] == consultant)
                           & book.milestones["stage"].isin(stages)
                           & _within(book.milestones["reached_on"], period, as_of)]
    rows = rows.drop_duplicates(["lead_id", "stage"])
    counts = rows.assign(week=_week(rows["reached_on"])).groupby(["week", "stage"]).size()
    return _every_week(counts.astype(float), period, as_of, list(stages), "stage").assign(
        label=lambda frame: frame["stage"].map(STAGE_LABELS))


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
                        stages: tuple[str, ...] = FUNNEL_STAGES) -> pd.DataFrame:
    """Return the consultant's activity-lens funnel beside the team's: per stage (ladder order) the
    counts, step and of-first conversions of each."""
    standing = standing or progress(model, as_of)
    team = funnel(model, "activity", period, as_of, list(stages), standing).frame()
    # A stage with no dated milestones at all (ticks only) would zero every step after it.
    dated = [row.stage for row in team.itertuples() if row.count > 0]
    team = funnel(model, "activity", period, as_of, dated, standing).frame()
    mine = funnel(model, "activity", period, as_of, dated, standing,
                  lead_groups(standing, "consultant") == consultant).frame()
    if team.empty:
        return pd.DataFrame(columns=["stage", "label", "count", "step", "cumulative",
                                     "count_team", "step_team", "cumulative_team"])
    columns = ["stage", "label", "count", "step", "cumulative"]
    return mine[columns].merge(team[["stage", "count", "step", "cumulative"]], on="stage",
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
    trailing-90-day ratios (team median where they have none), and the blanket team minimum."""
    if consultant not in book.consultants:
        raise ValueError(f"No consultant called {consultant!r} in the data; choose one of "
                         f"{', '.join(book.consultants)}")
    window = trailing(as_of)
    team_counts = milestone_counts(book, window, as_of).sum()
    chain = [stage for stage in CHAIN if team_counts[stage] > 0]
    links = tuple(RatioPair(lower, upper, MILESTONE) for lower, upper in zip(chain, chain[1:],
                                                                             strict=False))
    entries = tuple(pair for pair in pairs if pair.source == ACTIVITY and pair.milestone in CHAIN)
    grid = ratio_grid(book, window, as_of, entries + links)
    table = grid[grid["consultant"] == consultant].drop_duplicates("pair").set_index("pair")
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
    not_logged = [pair.activity for pair in entries if not book.logs(pair)]
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
    fees = book.fees[book.fees["started_on"] <= to_date(as_of)].dropna(subset=["fee"])
    mine = fees.loc[fees["consultant"] == consultant, "fee"]
    from_team = mine.empty
    average = (fees["fee"] if from_team else mine).mean()
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
                   credit: str = "owner", pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS) -> dict:
    """Return the `report targets` JSON: the activity needed of each kind for a goal."""
    result = targets(ledger(model, credit), as_of, consultant, placements, pairs)
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
