"""The client book as of a day, and the counts every client figure, table and trend takes from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from recruit_dash.metrics.funnel import Progress, progress
from recruit_dash.model import STAGE_ORDER, Model, group_names
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


def client_keys(names: pd.Series) -> pd.Series:
    """Return the grouping key of each client name (case, spacing, punctuation and suffix folded)."""
    text = _folded(names).str.replace("&", " and ", regex=False)
    text = text.str.replace(r"[^\w\s]", " ", regex=True).str.replace(r"\s+", " ", regex=True)
    text = text.str.strip()
    bare = text.str.replace(_SUFFIX, "", regex=True).str.strip()
    return bare.where(bare.str.len() > 0, text).replace("", pd.NA)


def person_keys(names: pd.Series) -> pd.Series:
    """Return the grouping key of each consultant name (case and spacing folded)."""
    return _folded(names).replace("", pd.NA)


def _folded(names: pd.Series) -> pd.Series:
    """Return names as casefolded text with single spaces, NA where blank."""
    text = names.astype("string").str.normalize("NFKC").str.casefold()
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


def _readable(names: pd.Series) -> pd.Series:
    """Return names with their spacing tidied, for display."""
    return names.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()


def display_names(keys: pd.Series, names: pd.Series) -> pd.Series:
    """Return, per key, its most used spelling (the first seen on a tie: leads come first)."""
    pairs = pd.DataFrame({"key": keys.to_numpy(), "name": _readable(names).to_numpy()}).dropna()
    counts = pairs.groupby(["key", "name"], sort=False).size().rename("uses").reset_index()
    best = counts.sort_values("uses", ascending=False, kind="stable")
    return best.drop_duplicates("key").set_index("key")["name"].rename("name")


def is_referral(sources: pd.Series) -> pd.Series:
    """Return whether each lead source says the lead came by referral."""
    pattern = "|".join(re.escape(word) for word in REFERRAL_WORDS)
    return sources.astype("string").str.casefold().str.contains(pattern, regex=True).fillna(False)


def twelve_months_to(day: date) -> Period:
    """Return the 12 months up to and including a day."""
    start = (pd.Timestamp(day) - pd.DateOffset(years=1)).date() + timedelta(days=1)
    return Period(start, day, f"12 months to {day:%d %b %Y}")


def great_recruiter_score(scores: pd.Series) -> float | None:
    """Return % of scores 9–10 minus % of scores 0–6, or None when there is no valid score."""
    values = _valid_scores(scores)
    if not len(values):
        return None
    difference = int((values >= PROMOTER_MIN).sum()) - int((values <= DETRACTOR_MAX).sum())
    return difference * 100 / len(values)  # counts first, so -15 of 50 is exactly -30


def _valid_scores(scores: pd.Series) -> np.ndarray:
    """Return the scores between 0 and 10 as floats."""
    values = pd.to_numeric(scores, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return values[(values >= 0) & (values <= 10)]


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

    @property
    def first_leads(self) -> pd.DataFrame:
        """Return each client's first lead: client_key, consultant_key, lead_on, source, referral."""
        dated = self.leads.dropna(subset=["client_key", "lead_on"])
        return dated.sort_values("lead_on", kind="stable").drop_duplicates("client_key")


def client_book(model: Model, as_of: date, standing: Progress | None = None) -> ClientBook:
    """Return the client tables as of a day (nothing after the day counts)."""
    standing = standing or progress(model, as_of)
    day = pd.Timestamp(as_of)
    lead_rows = standing.leads
    # A lead or answer with no consultant counts for "(no consultant)", so the team adds up.
    lead_people = group_names(lead_rows["consultant"], "consultant")
    answer_people = group_names(model.feedback["consultant"], "consultant")
    client, consultant = client_keys(lead_rows["client"]), person_keys(lead_people)
    leads = pd.DataFrame(
        {
            "client_key": client,
            "consultant_key": consultant,
            "lead_on": lead_rows["lead_on"].where(lead_rows["lead_on"] <= day),
            "source": lead_rows["source"],
            "referral": is_referral(lead_rows["source"]),
            "furthest": lead_rows["furthest"],
        }
    )
    events = _events(standing, leads, _lead_fees(model))
    feedback = model.feedback
    answers = pd.DataFrame(
        {
            "client_key": client_keys(feedback["client"]),
            "consultant_key": person_keys(answer_people),
            "on": feedback["on"],
            "score": feedback["score"],
            "testimonial": feedback["testimonial"].fillna(False).astype(bool),
            "referral": feedback["referral"].fillna(False).astype(bool),
        }
    )
    kept = ~(feedback["on"] > day).fillna(False).to_numpy(bool)
    answers = answers[kept].reset_index(drop=True)
    touches = _touches(model, standing, client, answers, day)
    named = [
        (client, lead_rows["client"]),
        (answers["client_key"], feedback["client"][kept]),
        (client_keys(model.placements["client"]), model.placements["client"]),
        (client_keys(model.activities["client"]), model.activities["client"]),
    ]
    people = [
        (consultant, lead_people),
        (answers["consultant_key"], answer_people[kept]),
    ]
    return ClientBook(
        as_of, leads, events, answers, touches, _names(named), _names(people), standing.tracked
    )


def _names(pairs: list[tuple[pd.Series, pd.Series]]) -> pd.Series:
    """Return display names from several (keys, names) columns taken together."""
    keys = pd.concat([pd.Series(key.to_numpy()) for key, _ in pairs], ignore_index=True)
    names = pd.concat([pd.Series(name.to_numpy()) for _, name in pairs], ignore_index=True)
    return display_names(keys.astype("string"), names.astype("string")).sort_index()


def _lead_fees(model: Model) -> pd.Series:
    """Return each lead's fee by lead row (the placement's fee where the lead has none)."""
    leads = model.leads.reset_index(drop=True)
    placements = model.placements.dropna(subset=["lead_id"]).drop_duplicates("lead_id")
    placed = leads["lead_id"].map(placements.set_index("lead_id")["fee"])
    return leads["fee"].fillna(placed).astype("Float64")


def _events(standing: Progress, leads: pd.DataFrame, fees: pd.Series) -> pd.DataFrame:
    """Return the dated starts by the day, each once per lead (its earliest date)."""
    dated = standing.dated[standing.dated["order"] == _STARTED]
    dated = dated.sort_values("reached_on", kind="stable").drop_duplicates("code")
    code = dated["code"].to_numpy()
    return pd.DataFrame(
        {
            "client_key": leads["client_key"].to_numpy()[code],
            "consultant_key": leads["consultant_key"].to_numpy()[code],
            "reached_on": dated["reached_on"].to_numpy(),
            "fee": fees.to_numpy(dtype="float64", na_value=np.nan)[code],
        }
    ).astype({"client_key": "string", "consultant_key": "string"})


def _touches(
    model: Model, standing: Progress, client: pd.Series, answers: pd.DataFrame, day: pd.Timestamp
) -> pd.DataFrame:
    """Return every dated touch with a client up to the day: client_key, on."""
    leads = model.leads.reset_index(drop=True)
    parts = [
        (client, leads["created_on"]),
        (pd.Series(client.to_numpy()[standing.dated["code"].to_numpy()]), standing.dated["reached_on"]),
        (client_keys(model.activities["client"]), model.activities["on"]),
        (answers["client_key"], answers["on"]),
        (client_keys(model.placements["client"]), model.placements["start_on"]),
    ]
    touches = (
        pd.DataFrame(
            {
                "client_key": pd.concat([pd.Series(key.to_numpy()) for key, _ in parts], ignore_index=True),
                "on": pd.concat([pd.Series(on.to_numpy()) for _, on in parts], ignore_index=True),
            }
        )
        .astype({"client_key": "string", "on": "datetime64[ns]"})
        .dropna()
    )
    return touches[touches["on"] <= day].reset_index(drop=True)


def _within(period: Period, as_of: date) -> Period:
    """Return the period cut at the as-of date."""
    return Period(period.start, min(period.end, as_of), period.label)


def feedback_in(book: ClientBook, period: Period | None = None) -> pd.DataFrame:
    """Return the answers dated in the period, or every answer to date (undated included)."""
    if period is None:
        return book.feedback
    return book.feedback[period.contains(book.feedback["on"]).fillna(False).to_numpy(bool)]


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
    return book.leads[period.contains(book.leads["lead_on"]).to_numpy(bool)]


def repeat_business_ratio(book: ClientBook, day: date, by: str | None = None) -> pd.Series:
    """Return clients with 2+ leads in the 12 months to the day ÷ clients with 1+, per group
    (index "all" when `by` is None)."""
    leads = leads_in(book, twelve_months_to(day)).dropna(subset=["client_key"])
    groups = [leads[by]] if by else [pd.Series("all", index=leads.index)]
    per_client = leads.groupby([*groups, leads["client_key"]]).size()
    repeat = (per_client >= REPEAT_MIN).groupby(level=0).mean()
    return repeat.astype("float64")


def new_clients(book: ClientBook, period: Period) -> pd.DataFrame:
    """Return the clients whose first lead ever falls in the period, with its source."""
    first = book.first_leads
    return first[period.contains(first["lead_on"]).to_numpy(bool)]


def last_contacts(book: ClientBook, day: date | None = None) -> pd.Series:
    """Return each client's latest dated touch up to the day (the as-of date by default)."""
    touches = book.touches
    if day is not None:
        touches = touches[touches["on"] <= pd.Timestamp(day)]
    return touches.groupby("client_key")["on"].max()


def lapsed(days_since_contact: pd.Series, window_days: int) -> pd.Series:
    """Return whether each client was touched in the 12 months but not in the last 90 days."""
    return (days_since_contact >= CALL_AFTER_DAYS) & (days_since_contact < window_days)


def lapsed_clients(book: ClientBook, day: date) -> int:
    """Return how many clients lapsed by the day."""
    days = (pd.Timestamp(day) - last_contacts(book, day)).dt.days
    return int(lapsed(days, _window_days(day)).sum())


def _window_days(day: date) -> int:
    """Return the number of days in the 12 months up to a day."""
    window = twelve_months_to(day)
    return (window.end - window.start).days + 1


def _referral_rate_by(book: ClientBook, period: Period, by: str | None) -> pd.Series:
    """Return the share of new clients in the period that came by referral, per group."""
    fresh = new_clients(book, period)
    keys = fresh[by] if by else pd.Series("all", index=fresh.index)
    return fresh["referral"].astype("float64").groupby(keys).mean()


def _value(value: object) -> float | None:
    """Return a plain float, or None for missing or NaN."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)
