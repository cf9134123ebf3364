"""Nail-to-milestone pairs and the ledger: every nail and dated milestone credited to a consultant."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

import pandas as pd

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
from recruit_dash.periods import Period, to_date

CREDITS = ("owner", "author")
CREDIT_LABELS = {"owner": "The lead's consultant", "author": "Whoever logged it"}
CREDIT_HELP = ("Lead's consultant: an activity linked to a lead counts for the consultant who owns "
               "the lead, any other for whoever logged it. Whoever logged it: every activity "
               "counts for the consultant on the activity row. Milestones always count for the "
               "lead's consultant.")
TRAILING_DAYS = 90
ALL_ACTIVITIES = "all"
ACTIVITY, MILESTONE = "activity", "milestone"
# The stage chain targets walk up, from a client meeting to a start.
CHAIN: tuple[str, ...] = ("meeting", "job", "shortlist", "interview", "offer", "started")
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
