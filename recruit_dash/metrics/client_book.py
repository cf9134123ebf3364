"""The client book as of a day, and the counts every client figure, table and trend takes from it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from recruit_dash.metrics.funnel import Progress, progress
from recruit_dash.model import STAGE_ORDER, Model, group_names, lookup, per_unique, positions
from recruit_dash.periods import Period

REFERRAL_WORDS: tuple[str, ...] = ("referr", "recommend", "word of mouth")
LEGAL_SUFFIXES: tuple[str, ...] = (
    "ltd",
    "limited",
    "plc",
    "llp",
    "llc",
    "inc",
    "incorporated",
    "corp",
    "corporation",
)
PROMOTER_MIN, DETRACTOR_MAX = 9, 6
SMALL_SAMPLE = 5
CALL_AFTER_DAYS = 90
REPEAT_MIN = 2
_STARTED = STAGE_ORDER["started"]
_SUFFIX = re.compile(r"(?:\s+(?:" + "|".join(LEGAL_SUFFIXES) + r"))+$")
_NO_DAY = np.datetime64("NaT", "ns")


def client_keys(names: pd.Series) -> pd.Series:
    """Return the grouping key of each client name (case, spacing, punctuation and suffix folded)."""
    return _Coded.of(names, _client_keys).per_row()


def _client_keys(names: pd.Series) -> pd.Series:
    text = _folded(names).str.replace("&", " and ", regex=False)
    text = text.str.replace(r"[^\w\s]", " ", regex=True).str.replace(r"\s+", " ", regex=True)
    text = text.str.strip()
    bare = text.str.replace(_SUFFIX, "", regex=True).str.strip()
    return bare.where(bare.str.len() > 0, text).replace("", pd.NA)


def person_keys(names: pd.Series) -> pd.Series:
    """Return the grouping key of each consultant name (case and spacing folded)."""
    return _Coded.of(names, _person_keys).per_row()


def _person_keys(names: pd.Series) -> pd.Series:
    return _folded(names).replace("", pd.NA)


def _folded(names: pd.Series) -> pd.Series:
    """Return names as casefolded text with single spaces, NA where blank."""
    text = names.astype("string").str.normalize("NFKC").str.casefold()
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


def _readable(names: pd.Series) -> pd.Series:
    """Return names with their spacing tidied, for display."""
    return names.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()


@dataclass(frozen=True)
class _Coded:
    """A column of names as codes of its distinct names, each distinct name keyed once: a column
    of 800,000 activities names a few hundred clients."""

    names: pd.Series
    codes: np.ndarray  # the row's distinct name, -1 where missing
    distinct: pd.Series
    keys: pd.Series  # the key of each distinct name

    @classmethod
    def of(cls, names: pd.Series, keys_of: Callable[[pd.Series], pd.Series]) -> _Coded:
        codes, distinct = pd.factorize(names)
        distinct = pd.Series(distinct)
        return cls(names, codes, distinct, keys_of(distinct))

    def per_row(self) -> pd.Series:
        """Return the key of each row."""
        taken = self.keys.array.take(self.codes, allow_fill=True)
        return pd.Series(taken, index=self.names.index, name=self.names.name)

    def positions(self, keys: pd.Index) -> np.ndarray:
        """Return each row's position in the keys (-1 where it has no key)."""
        return np.append(positions(self.keys, keys), -1)[self.codes]


def display_names(keys: pd.Series, names: pd.Series) -> pd.Series:
    """Return, per key, its most used spelling (the first seen on a tie: leads come first)."""
    pairs = pd.DataFrame({"key": keys.to_numpy(), "name": _readable(names).to_numpy()}).dropna()
    return _most_used(pairs.assign(uses=1))


def _most_used(pairs: pd.DataFrame) -> pd.Series:
    """Return, per key, the name of the most uses from rows of key, name and uses in the order
    first seen (the first seen on a tie)."""
    counts = pairs.groupby(["key", "name"], sort=False)["uses"].sum().reset_index()
    best = counts.sort_values("uses", ascending=False, kind="stable")
    return best.drop_duplicates("key").set_index("key")["name"].rename("name")


def _names(parts: list[tuple[_Coded, np.ndarray | None]]) -> pd.Series:
    """Return display names from several coded columns taken together (only the rows kept where a
    mask is given), counting the uses of each distinct name rather than reading every row."""
    keys, names, uses = [], [], []
    for coded, kept in parts:
        if kept is None:  # distinct names come in the order first seen
            counts = np.bincount(coded.codes[coded.codes >= 0], minlength=len(coded.distinct))
            seen = np.flatnonzero(counts)
        else:
            codes = coded.codes[kept]
            distinct, first, counts = np.unique(codes[codes >= 0], return_index=True, return_counts=True)
            seen = distinct[np.argsort(first, kind="stable")]
            counts = np.bincount(distinct, counts, minlength=len(coded.distinct)).astype(np.int64)
        keys.append(coded.keys.to_numpy(dtype=object)[seen])
        names.append(_readable(coded.distinct).to_numpy(dtype=object)[seen])
        uses.append(counts[seen])
    pairs = pd.DataFrame(
        {"key": np.concatenate(keys), "name": np.concatenate(names), "uses": np.concatenate(uses)}
    ).dropna()
    return _most_used(pairs).sort_index()


def is_referral(sources: pd.Series) -> pd.Series:
    """Return whether each lead source says the lead came by referral."""
    pattern = "|".join(re.escape(word) for word in REFERRAL_WORDS)
    found = per_unique(sources, lambda distinct: distinct.str.casefold().str.contains(pattern))
    return found.fillna(False).astype("boolean").rename(sources.name)


def twelve_months_to(day: date) -> Period:
    """Return the 12 months up to and including a day."""
    start = (pd.Timestamp(day) - pd.DateOffset(years=1)).date() + timedelta(days=1)
    return Period(start, day, f"12 months to {day:%d %b %Y}")


def great_recruiter_score(scores: pd.Series) -> float | None:
    """Return % of scores 9–10 minus % of scores 0–6, or None when there is no valid score."""
    return _score_of(_numbers(scores))


def _score_of(numbers: np.ndarray) -> float | None:
    values = numbers[(numbers >= 0) & (numbers <= 10)]
    if not len(values):
        return None
    difference = int((values >= PROMOTER_MIN).sum()) - int((values <= DETRACTOR_MAX).sum())
    return difference * 100 / len(values)  # counts first, so -15 of 50 is exactly -30


def _numbers(scores: pd.Series) -> np.ndarray:
    """Return scores as floats, NaN where not a number."""
    return pd.to_numeric(scores, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _valid_scores(scores: pd.Series) -> np.ndarray:
    """Return the scores between 0 and 10 as floats."""
    values = _numbers(scores)
    return values[(values >= 0) & (values <= 10)]


@dataclass(frozen=True)
class BookCodes:
    """The book's tables as numpy columns, a client or consultant as its position in the book's
    `clients` or `consultants` (-1: none), dates as datetime64[ns]: what the counts run on."""

    lead_client: np.ndarray
    lead_consultant: np.ndarray
    lead_on: np.ndarray
    lead_furthest: np.ndarray
    lead_referral: np.ndarray
    first_rows: np.ndarray  # the lead row of each client's first lead, by lead date
    event_client: np.ndarray
    event_consultant: np.ndarray
    event_on: np.ndarray
    event_fee: np.ndarray
    answer_client: np.ndarray
    answer_consultant: np.ndarray
    answer_on: np.ndarray
    answer_score: np.ndarray  # NaN where not a number
    answer_testimonial: np.ndarray
    answer_referral: np.ndarray
    contact_days: np.ndarray  # the days of every touch, distinct and sorted
    contacts: np.ndarray  # client × (len(contact_days) + 1) + the day's rank, distinct and sorted


@dataclass(frozen=True)
class ClientBook:
    """The tables behind every client figure as of a day, with client and consultant keys."""

    as_of: date
    leads: pd.DataFrame  # client_key, consultant_key, lead_on, source, referral, furthest
    events: pd.DataFrame  # dated starts: client_key, consultant_key, reached_on, fee
    feedback: pd.DataFrame  # client_key, consultant_key, on, score, testimonial, referral
    touches: pd.DataFrame  # client_key, on
    clients: pd.Series  # key -> display name
    consultants: pd.Series  # key -> display name
    tracked: tuple[str, ...]  # the stages the data tracks, as the funnel has them
    codes: BookCodes = field(repr=False, compare=False)

    @property
    def first_leads(self) -> pd.DataFrame:
        """Return each client's first lead: client_key, consultant_key, lead_on, source, referral."""
        return self.leads.iloc[self.codes.first_rows]


def client_book(model: Model, as_of: date, standing: Progress | None = None) -> ClientBook:
    """Return the client tables as of a day (nothing after the day counts)."""
    standing = standing or progress(model, as_of)
    day = pd.Timestamp(as_of)
    lead_rows, feedback = standing.leads, model.feedback
    # A lead or answer with no consultant counts for "(no consultant)", so the team adds up.
    lead_clients = _Coded.of(lead_rows["client"], _client_keys)
    lead_people = _Coded.of(group_names(lead_rows["consultant"], "consultant"), _person_keys)
    answer_clients = _Coded.of(feedback["client"], _client_keys)
    answer_people = _Coded.of(group_names(feedback["consultant"], "consultant"), _person_keys)
    placement_clients = _Coded.of(model.placements["client"], _client_keys)
    activity_clients = _Coded.of(model.activities["client"], _client_keys)
    kept = ~(feedback["on"] > day).fillna(False).to_numpy(bool)
    clients = _names(
        [(lead_clients, None), (answer_clients, kept), (placement_clients, None), (activity_clients, None)]
    )
    consultants = _names([(lead_people, None), (answer_people, kept)])
    client = lead_clients.positions(clients.index)
    consultant = lead_people.positions(consultants.index)
    leads = pd.DataFrame(
        {
            "client_key": lead_clients.per_row(),
            "consultant_key": lead_people.per_row(),
            "lead_on": lead_rows["lead_on"].where(lead_rows["lead_on"] <= day),
            "source": lead_rows["source"],
            "referral": is_referral(lead_rows["source"]),
            "furthest": lead_rows["furthest"],
        }
    )
    lead_on = _days(leads["lead_on"])
    events, starts = _events(standing, leads, _lead_fees(model))
    answers = pd.DataFrame(
        {
            "client_key": answer_clients.per_row(),
            "consultant_key": answer_people.per_row(),
            "on": feedback["on"],
            "score": feedback["score"],
            "testimonial": feedback["testimonial"].fillna(False).astype(bool),
            "referral": feedback["referral"].fillna(False).astype(bool),
        }
    )[kept].reset_index(drop=True)
    answer_client = answer_clients.positions(clients.index)[kept]
    touched, touched_on = _touches(
        [
            (client, model.leads["created_on"]),
            (client[standing.dated["code"].to_numpy()], standing.dated["reached_on"]),
            (activity_clients.positions(clients.index), model.activities["on"]),
            (answer_client, answers["on"]),
            (placement_clients.positions(clients.index), model.placements["start_on"]),
        ],
        day,
    )
    touches = pd.DataFrame(
        {"client_key": clients.index.astype("string").array.take(touched), "on": touched_on}
    )
    contact_days, rank = np.unique(touched_on, return_inverse=True)
    codes = BookCodes(
        lead_client=client,
        lead_consultant=consultant,
        lead_on=lead_on,
        lead_furthest=leads["furthest"].to_numpy(),
        lead_referral=leads["referral"].to_numpy(bool),
        first_rows=_first_rows(client, lead_on),
        event_client=client[starts],
        event_consultant=consultant[starts],
        event_on=_days(events["reached_on"]),
        event_fee=events["fee"].to_numpy(dtype="float64"),
        answer_client=answer_client,
        answer_consultant=answer_people.positions(consultants.index)[kept],
        answer_on=_days(answers["on"]),
        answer_score=_numbers(answers["score"]),
        answer_testimonial=answers["testimonial"].to_numpy(bool),
        answer_referral=answers["referral"].to_numpy(bool),
        contact_days=contact_days,
        contacts=np.unique(touched * (len(contact_days) + 1) + rank),
    )
    return ClientBook(as_of, leads, events, answers, touches, clients, consultants, standing.tracked, codes)


def _days(dates: pd.Series) -> np.ndarray:
    """Return dates as a numpy datetime64[ns] column (NaT where missing)."""
    if dates.dtype == "datetime64[ns]":
        return dates.to_numpy()
    return pd.Series(dates.to_numpy()).astype("datetime64[ns]").to_numpy()


def _at(day: date) -> np.datetime64:
    """Return a day as a numpy datetime64[ns]."""
    return pd.Timestamp(day).as_unit("ns").to_datetime64()


def _first_rows(client: np.ndarray, lead_on: np.ndarray) -> np.ndarray:
    """Return the row of each client's first dated lead (the first row on a tie), by lead date."""
    dated = np.flatnonzero((client >= 0) & ~np.isnat(lead_on))
    ordered = dated[np.argsort(lead_on[dated], kind="stable")]
    _, first = np.unique(client[ordered], return_index=True)
    return ordered[np.sort(first)]


def _lead_fees(model: Model) -> pd.Series:
    """Return each lead's fee by lead row (the placement's fee where the lead has none)."""
    leads = model.leads.reset_index(drop=True)
    placements = model.placements.dropna(subset=["lead_id"]).drop_duplicates("lead_id")
    placed = lookup(leads["lead_id"], placements.set_index("lead_id")["fee"])
    return leads["fee"].fillna(placed).astype("Float64")


def _events(standing: Progress, leads: pd.DataFrame, fees: pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the dated starts by the day, each once per lead (its earliest date), and their lead rows."""
    dated = standing.dated[standing.dated["order"] == _STARTED]
    dated = dated.sort_values("reached_on", kind="stable").drop_duplicates("code")
    code = dated["code"].to_numpy()
    events = pd.DataFrame(
        {
            "client_key": leads["client_key"].to_numpy()[code],
            "consultant_key": leads["consultant_key"].to_numpy()[code],
            "reached_on": dated["reached_on"].to_numpy(),
            "fee": fees.to_numpy(dtype="float64", na_value=np.nan)[code],
        }
    ).astype({"client_key": "string", "consultant_key": "string"})
    return events, code


def _touches(parts: list[tuple[np.ndarray, pd.Series]], day: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Return every dated touch with a client up to the day, from (client positions, dates) pairs:
    the client's position and the day."""
    named = [codes >= 0 for codes, _ in parts]
    touched = np.concatenate([codes[kept] for (codes, _), kept in zip(parts, named, strict=True)])
    on = np.concatenate([_days(days)[kept] for (_, days), kept in zip(parts, named, strict=True)])
    kept = on <= _at(day)  # NaT compares false: undated touches go
    return touched[kept], on[kept]


def _within(period: Period, as_of: date) -> Period:
    """Return the period cut at the as-of date."""
    return Period(period.start, min(period.end, as_of), period.label)


def _in(days: np.ndarray, period: Period) -> np.ndarray:
    """Return which of the days (datetime64[ns]) fall in the period."""
    return (days >= _at(period.start)) & (days <= _at(period.end))


def _counts(groups: np.ndarray, chosen: np.ndarray, size: int) -> np.ndarray:
    """Return the chosen rows per group position (rows of no group, -1, left out)."""
    return np.bincount(groups[chosen & (groups >= 0)], minlength=size)


def _sums(groups: np.ndarray, chosen: np.ndarray, values: np.ndarray) -> pd.Series:
    """Return the sum of the chosen values per group position present, missing values counting 0,
    the same to the last digit as pandas' group sum of the table."""
    chosen = chosen & (groups >= 0)
    picked, owners = values[chosen], groups[chosen]
    whole = np.nan_to_num(picked)
    if not (np.abs(whole).sum() < 2**53 and (whole == np.round(whole)).all()):
        # Fractions: pandas' compensated sum, whose rounding a plain sum need not repeat.
        return pd.Series(picked).groupby(owners).sum()
    # Whole numbers below 2**53 add up exactly in any order.
    present = np.flatnonzero(np.bincount(owners, minlength=1))
    sums = np.bincount(owners, whole, minlength=1)[present]
    return pd.Series(sums, index=present, dtype="float64")


def _groups(book: ClientBook, table: str, by: str | None) -> tuple[np.ndarray, pd.Index]:
    """Return the group position of each row of a coded table ("lead", "event", "answer") and the
    groups' keys: by client_key, consultant_key, or one group "all" (by None)."""
    if by is None:
        rows = len(getattr(book.codes, f"{table}_client"))
        return np.zeros(rows, dtype=np.intp), pd.Index(["all"])
    side = {"client_key": "client", "consultant_key": "consultant"}[by]
    return getattr(book.codes, f"{table}_{side}"), getattr(book, f"{side}s").index


def feedback_in(book: ClientBook, period: Period | None = None) -> pd.DataFrame:
    """Return the answers dated in the period, or every answer to date (undated included)."""
    if period is None:
        return book.feedback
    return book.feedback[_answers_in(book, period)]


def _answers_in(book: ClientBook, period: Period | None) -> np.ndarray:
    """Return which answers are dated in the period (every answer to date when None)."""
    if period is None:
        return np.ones(len(book.codes.answer_on), dtype=bool)
    return _in(book.codes.answer_on, period)


def scores_by(feedback: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Return answers, promoters, passives, detractors, the score, small_sample, testimonials and
    referrals per group (one row, index "all", when `by` is None)."""
    keys = feedback[by] if by else pd.Series("all", index=feedback.index)
    values = pd.to_numeric(feedback["score"], errors="coerce").astype("float64")
    valid = (values >= 0) & (values <= 10)
    frame = pd.DataFrame(
        {
            "key": keys.to_numpy(),
            "answers": valid.to_numpy(),
            "promoters": (valid & (values >= PROMOTER_MIN)).to_numpy(),
            "detractors": (valid & (values <= DETRACTOR_MAX)).to_numpy(),
            "testimonials": feedback["testimonial"].to_numpy(bool),
            "referrals": feedback["referral"].to_numpy(bool),
        }
    )
    table = frame.groupby("key").sum().astype("int64")
    table["passives"] = table["answers"] - table["promoters"] - table["detractors"]
    answered = table["answers"].where(table["answers"] > 0)
    table["great_recruiter_score"] = (table["promoters"] - table["detractors"]) / answered * 100
    table["small_sample"] = table["answers"] < SMALL_SAMPLE
    return table


def leads_in(book: ClientBook, period: Period) -> pd.DataFrame:
    """Return the leads whose lead date falls in the period."""
    return book.leads[_in(book.codes.lead_on, period)]


def repeat_business_ratio(book: ClientBook, day: date, by: str | None = None) -> pd.Series:
    """Return clients with 2+ leads in the 12 months to the day ÷ clients with 1+, per group
    (index "all" when `by` is None)."""
    codes = book.codes
    groups, keys = _groups(book, "lead", by)
    chosen = _in(codes.lead_on, twelve_months_to(day)) & (codes.lead_client >= 0) & (groups >= 0)
    width = max(len(book.clients), 1)
    pairs, leads = np.unique(groups[chosen] * width + codes.lead_client[chosen], return_counts=True)
    owners = pairs // width
    clients = np.bincount(owners, minlength=len(keys))
    repeat = np.bincount(owners[leads >= REPEAT_MIN], minlength=len(keys))
    present = clients > 0
    return pd.Series(repeat[present] / clients[present], index=keys[present].rename(by), dtype="float64")


def new_clients(book: ClientBook, period: Period) -> pd.DataFrame:
    """Return the clients whose first lead ever falls in the period, with its source."""
    return book.leads.iloc[_first_in(book, period)]


def _first_in(book: ClientBook, period: Period) -> np.ndarray:
    """Return the lead rows of the first leads ever that fall in the period."""
    rows = book.codes.first_rows
    return rows[_in(book.codes.lead_on[rows], period)]


def _window_days(day: date) -> int:
    """Return the number of days in the 12 months up to a day."""
    window = twelve_months_to(day)
    return (window.end - window.start).days + 1


def _referral_rate_by(book: ClientBook, period: Period, by: str | None) -> pd.Series:
    """Return the share of new clients in the period that came by referral, per group."""
    rows = _first_in(book, period)
    groups, keys = _groups(book, "lead", by)
    groups, chosen = groups[rows], groups[rows] >= 0
    fresh = _counts(groups, chosen, len(keys))
    referred = _counts(groups, chosen & book.codes.lead_referral[rows], len(keys))
    present = fresh > 0
    return pd.Series(referred[present] / fresh[present], index=keys[present], dtype="float64")


def _value(value: object) -> float | None:
    """Return a plain float, or None for missing or NaN."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)
