"""Nail-to-milestone pairs and the ledger: every nail and dated milestone credited to a consultant."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property

import numpy as np
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
    positions,
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


_LADDER = pd.Index(STAGE_IDS, dtype=object)


@dataclass(frozen=True)
class Ledger:
    """Every nail and every dated milestone, each credited to one consultant.

    The activities and milestones are in date order, with the consultant and the kind as
    categories (the consultant's codes are places in `consultants`, the kind's in `kinds`) and a
    code per lead, so that a period's counts are one slice and one bincount, however many rows."""

    activities: pd.DataFrame  # consultant, on, kind, count; by date
    milestones: pd.DataFrame  # consultant, lead_id, stage, reached_on, lead and rung (codes)
    fees: pd.DataFrame  # consultant, lead_id, started_on, fee: one row per dated start
    consultants: tuple[str, ...]
    credit: str
    logged_kinds: frozenset[str] = frozenset()  # activity kinds with at least one activity
    dated_stages: frozenset[str] = frozenset()  # stages with at least one dated milestone
    kinds: tuple[str, ...] = ACTIVITY_KIND_IDS  # the activity kinds: ours, then the data's others
    # The whole team's ledger, when this one holds part of it (a consultant's own view): the
    # team median, and whether the data logs a kind at all, are then the team's.
    team: Ledger | None = field(default=None, compare=False, repr=False)
    # Each period's counts, kept while the ledger is: a page asks for the same periods on every
    # rerun (the grid, the trend's blocks, the previous period).
    _counted: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def people(self) -> pd.Index:
        """The consultants, as the index of every table of counts."""
        return pd.Index(self.consultants, name="consultant", dtype=object)

    @cached_property
    def activity_columns(self) -> tuple[np.ndarray, ...]:
        """The activities' days, consultant codes, kind codes and counts, as arrays."""
        frame = self.activities
        return (frame["on"].to_numpy(dtype="datetime64[ns]"),
                frame["consultant"].cat.codes.to_numpy(np.int64),
                frame["kind"].cat.codes.to_numpy(np.int64), frame["count"].to_numpy(float))

    @cached_property
    def milestone_columns(self) -> tuple[np.ndarray, ...]:
        """The milestones' days, consultant codes, stage places on the ladder and lead codes."""
        frame = self.milestones
        return (frame["reached_on"].to_numpy(dtype="datetime64[ns]"),
                frame["consultant"].cat.codes.to_numpy(np.int64), frame["rung"].to_numpy(),
                frame["lead"].to_numpy())

    @property
    def whole_team(self) -> Ledger:
        """The ledger the team's figures come from: the team's, else this one."""
        return self.team or self

    def logs(self, pair: RatioPair) -> bool:
        """Return whether the data logs the pair's nails at all (else its ratio is unknown)."""
        if pair.source == MILESTONE:
            return pair.activity in self.dated_stages
        if pair.activity == ALL_ACTIVITIES:
            return bool(self.logged_kinds)
        return pair.activity in self.logged_kinds


def ledger(model: Model, credit: str = "owner", team: Ledger | None = None) -> Ledger:
    """Return the model's activities and milestones credited to consultants under a credit rule;
    with `team`, the whole team's ledger its team median is taken over (see `Ledger.team`)."""
    if credit not in CREDITS:
        raise ValueError(f"Unknown credit {credit!r}; choose one of {', '.join(CREDITS)}")
    names = pd.concat([model.leads["consultant"], model.activities["consultant"],
                       model.placements["consultant"]]).dropna().unique()
    people = tuple(sorted({str(name) for name in names if str(name).strip()} - {NO_CONSULTANT}))
    owners = _lead_owners(model)
    # A lead's consultant as a code, -1 where the lead has none (a blank one is the blank group).
    owner = np.where(owners.isna().to_numpy(bool), -1, _person_codes(owners, people))
    activities = model.activities.dropna(subset=["on"])
    who = _person_codes(activities["consultant"], people)
    if credit == "owner":
        lead = positions(activities["lead_id"], owners.index)
        theirs = np.append(owner, -1)[lead]  # -1: no lead we know, or a lead with no consultant
        who = np.where(theirs >= 0, theirs, who)
    milestones = model.milestones.dropna(subset=["reached_on"]).drop_duplicates(
        ["lead_id", "stage", "reached_on"])
    blank = len(people)
    earner = np.append(owner, -1)[positions(milestones["lead_id"], owners.index)]
    earner = np.where(earner >= 0, earner, blank)
    # The blank group comes last, so that a picker opens on a person.
    consultants = people + ((NO_CONSULTANT,) if (who == blank).any() or (earner == blank).any()
                            else ())
    kinds = tuple(dict.fromkeys([*ACTIVITY_KIND_IDS, *sorted(
        set(activities["kind"].dropna().unique().astype(str)) - set(ACTIVITY_KIND_IDS))]))
    order = np.argsort(activities["on"].to_numpy(), kind="stable")
    activities = pd.DataFrame({
        "consultant": pd.Categorical.from_codes(who[order], consultants),
        "on": activities["on"].to_numpy()[order],
        "kind": pd.Categorical.from_codes(positions(activities["kind"], pd.Index(kinds))[order],
                                          kinds),
        "count": activities["count"].fillna(1.0).to_numpy(float)[order]})
    order = np.argsort(milestones["reached_on"].to_numpy(), kind="stable")
    milestones = pd.DataFrame({
        "consultant": pd.Categorical.from_codes(earner[order], consultants),
        "lead_id": milestones["lead_id"].take(order).reset_index(drop=True),
        "stage": milestones["stage"].take(order).reset_index(drop=True),
        "reached_on": milestones["reached_on"].to_numpy()[order],
        "lead": pd.factorize(milestones["lead_id"], use_na_sentinel=False)[0][order],
        "rung": positions(milestones["stage"], _LADDER)[order]})  # -1: a stage off the ladder
    starts = milestones[milestones["stage"] == "started"]
    fees = pd.DataFrame({"consultant": starts["consultant"].astype(object),
                         "lead_id": starts["lead_id"], "started_on": starts["reached_on"],
                         "fee": lookup(starts["lead_id"], _lead_fees(model))})
    return Ledger(activities, milestones, fees.drop_duplicates("lead_id").reset_index(drop=True),
                  consultants, credit,
                  frozenset(model.activities["kind"].dropna().unique().astype(str)),
                  frozenset(model.milestones.loc[model.milestones["reached_on"].notna(), "stage"]
                            .dropna().unique().astype(str)), kinds, team)


def unnamed(book: Ledger) -> Ledger:
    """Return the ledger with every consultant and lead unnamed ("colleague 1", "lead 1" …) and
    the same counts: a team median can be taken over it, and nobody's name or lead read from it."""
    colleagues = {name: name if name == NO_CONSULTANT else f"colleague {place}"
                  for place, name in enumerate(book.consultants, start=1)}

    def leads(ids: pd.Series) -> pd.Series:
        codes = pd.Series(pd.factorize(ids, use_na_sentinel=False)[0] + 1, index=ids.index)
        return ("lead " + codes.astype(str)).astype("string")

    return replace(
        book, consultants=tuple(colleagues.values()), team=None, _counted={},
        activities=book.activities.assign(
            consultant=book.activities["consultant"].cat.rename_categories(colleagues)),
        milestones=book.milestones.assign(
            consultant=book.milestones["consultant"].cat.rename_categories(colleagues),
            lead_id=leads(book.milestones["lead_id"])),
        fees=book.fees.assign(consultant=book.fees["consultant"].map(colleagues),
                              lead_id=leads(book.fees["lead_id"])))


def _person_codes(values: pd.Series, people: tuple[str, ...]) -> np.ndarray:
    """Return each name's place among the people, or len(people) for the blank group (a name
    missing or only spaces). Each distinct name is read once."""
    codes, uniques = pd.factorize(values)
    groups = group_names(pd.Series(uniques, dtype=object), "consultant")
    places = positions(groups, pd.Index(people, dtype=object))
    return np.append(np.where(places >= 0, places, len(people)), len(people))[codes]


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


def _in_period(days: np.ndarray, period: Period, as_of: date) -> slice:
    """Return the rows of a table in date order whose day falls in the period, up to the as-of."""
    return _between(days, *_bounds(period, as_of))


def _between(days: np.ndarray, first: np.datetime64, last: np.datetime64) -> slice:
    return slice(int(np.searchsorted(days, first, side="left")),
                 int(np.searchsorted(days, last, side="right")))


def activity_counts(book: Ledger, period: Period, as_of: date) -> pd.DataFrame:
    """Return activity counts per consultant (rows) and kind (columns, plus "all")."""
    sums, logged = activity_matrix(book, period, as_of)
    table = pd.DataFrame(sums, index=book.people,
                         columns=pd.Index(book.kinds, name="kind", dtype=object))
    # Kinds of our own always have a column; another kind only when it was logged in the period.
    table = table.loc[:, [kind in ACTIVITY_KIND_IDS or seen for kind, seen
                          in zip(book.kinds, logged, strict=True)]]
    table[ALL_ACTIVITIES] = table.sum(axis=1)
    return table


def activity_matrix(book: Ledger, period: Period, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Return the activities in the period summed per consultant (rows, as `consultants`) and
    kind (columns, as `kinds`), and which kinds were logged in it at all (read-only arrays)."""
    return _counted(book, ("activities", *_bounds(period, as_of)), _activity_matrix)


def _activity_matrix(book: Ledger, rows: slice) -> tuple[np.ndarray, np.ndarray]:
    _, who, kind, count = book.activity_columns
    who, kind, count = who[rows], kind[rows], count[rows]
    known = kind >= 0
    people, kinds = len(book.consultants), len(book.kinds)
    sums = np.bincount(who[known] * kinds + kind[known], weights=count[known],
                       minlength=people * kinds)
    return sums.reshape(people, kinds), np.bincount(kind[known], minlength=kinds) > 0


def milestone_counts(book: Ledger, period: Period, as_of: date) -> pd.DataFrame:
    """Return how many leads reached each stage in the period, per consultant (rows) and stage."""
    return pd.DataFrame(milestone_matrix(book, period, as_of), index=book.people,
                        columns=pd.Index(STAGE_IDS, name="stage", dtype=object))


def milestone_matrix(book: Ledger, period: Period, as_of: date) -> np.ndarray:
    """Return how many leads reached each stage in the period, per consultant (rows, as
    `consultants`) and stage (columns, in ladder order), read-only."""
    return _counted(book, ("milestones", *_bounds(period, as_of)), _milestone_matrix)


def _milestone_matrix(book: Ledger, rows: slice) -> np.ndarray:
    _, who, stage, lead = book.milestone_columns
    who, stage, lead = who[rows], stage[rows], lead[rows]
    known = stage >= 0
    who, stage, lead = who[known], stage[known], lead[known]
    stages, people = len(STAGE_IDS), len(book.consultants)
    # A lead counts once per stage (its consultant is the lead's, so one per lead).
    first = np.unique(lead * stages + stage, return_index=True)[1]
    counts = np.bincount(who[first] * stages + stage[first], minlength=people * stages)
    return counts.reshape(people, stages)


_KEPT_PERIODS = 64


def _bounds(period: Period, as_of: date) -> tuple[np.datetime64, np.datetime64]:
    """Return the first and last day counted: the period's, not after the as-of date."""
    return (np.datetime64(to_date(period.start), "ns"),
            np.datetime64(to_date(min(period.end, as_of)), "ns"))


def _counted(book: Ledger, key: tuple, count):
    """Return the counts of a table over the days in the key, counted once per ledger (a ledger
    is shared by every session on the same data: what is kept is never changed, only replaced)."""
    found = book._counted.get(key)
    if found is None:
        days = book.activity_columns[0] if key[0] == "activities" else book.milestone_columns[0]
        found = count(book, _between(days, key[1], key[2]))
        for array in found if isinstance(found, tuple) else (found,):
            array.flags.writeable = False
        if len(book._counted) >= _KEPT_PERIODS:
            book._counted.clear()
        book._counted[key] = found
    return found
