"""The per-client and per-consultant tables, the score distribution and the last-contact flags."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from recruit_dash.metrics.client_book import (
    _NO_DAY,
    CALL_AFTER_DAYS,
    DETRACTOR_MAX,
    PROMOTER_MIN,
    REPEAT_MIN,
    SMALL_SAMPLE,
    ClientBook,
    _answers_in,
    _at,
    _counts,
    _first_in,
    _groups,
    _in,
    _referral_rate_by,
    _sums,
    _valid_scores,
    _window_days,
    _within,
    feedback_in,
    repeat_business_ratio,
    twelve_months_to,
)
from recruit_dash.model import STAGE_ORDER
from recruit_dash.periods import Period

BANDS: tuple[tuple[str, str, float, float], ...] = (
    ("detractor", "Detractors (0–6)", 0, DETRACTOR_MAX),
    ("passive", "Passives (7–8)", DETRACTOR_MAX, PROMOTER_MIN),
    ("promoter", "Promoters (9–10)", PROMOTER_MIN, 10),
)
_JOB = STAGE_ORDER["job"]


def book_scores(book: ClientBook, period: Period | None, by: str) -> pd.DataFrame:
    """Return scores_by for the answers of the period (every answer to date when None), with a row
    for every client or consultant of the book (by client_key or consultant_key)."""
    codes = book.codes
    groups, keys = _groups(book, "answer", by)
    chosen = _answers_in(book, period)
    values = codes.answer_score
    valid = chosen & (values >= 0) & (values <= 10)
    answers = _counts(groups, valid, len(keys))
    promoters = _counts(groups, valid & (values >= PROMOTER_MIN), len(keys))
    detractors = _counts(groups, valid & (values <= DETRACTOR_MAX), len(keys))
    answered = np.where(answers > 0, answers, np.nan)
    return pd.DataFrame(
        {
            "answers": answers,
            "promoters": promoters,
            "detractors": detractors,
            "testimonials": _counts(groups, chosen & codes.answer_testimonial, len(keys)),
            "referrals": _counts(groups, chosen & codes.answer_referral, len(keys)),
            "passives": answers - promoters - detractors,
            "great_recruiter_score": (promoters - detractors) / answered * 100,
            "small_sample": answers < SMALL_SAMPLE,
        },
        index=keys,
    )


def last_contacts(book: ClientBook, day: date | None = None) -> pd.Series:
    """Return each client's latest dated touch up to the day (the as-of date by default)."""
    last = _last_contact_on(book, day or book.as_of)
    touched = ~np.isnat(last)
    return pd.Series(last[touched], index=book.clients.index[touched].rename("client_key"), name="on")


def _last_contact_on(book: ClientBook, day: date) -> np.ndarray:
    """Return each client's latest touch up to the day by client position, NaT where none."""
    days, contacts = book.codes.contact_days, book.codes.contacts
    last = np.full(len(book.clients), _NO_DAY)
    if not len(contacts):
        return last
    stride, clients = len(days) + 1, np.arange(len(book.clients))
    # A client's touches sort together, by day: its last up to the day is the last entry at or
    # below (client, rank of the last day up to the day).
    upto = np.searchsorted(days, _at(day), side="right")
    found = np.searchsorted(contacts, clients * stride + upto - 1, side="right") - 1
    entry = contacts[np.maximum(found, 0)]
    hit = (found >= 0) & (entry // stride == clients)
    last[hit] = days[entry[hit] % stride]
    return last


def lapsed(days_since_contact: pd.Series, window_days: int) -> pd.Series:
    """Return whether each client was touched in the 12 months but not in the last 90 days."""
    return (days_since_contact >= CALL_AFTER_DAYS) & (days_since_contact < window_days)


def lapsed_clients(book: ClientBook, day: date) -> int:
    """Return how many clients lapsed by the day."""
    last = _last_contact_on(book, day)
    days = (_at(day) - last[~np.isnat(last)]) // np.timedelta64(1, "D")
    return int(lapsed(days, _window_days(day)).sum())


def score_distribution(book: ClientBook, period: Period | None = None) -> pd.DataFrame:
    """Return the answers per score 0–10 with each score's band (promoter, passive, detractor)."""
    values = _valid_scores(feedback_in(book, period)["score"])
    scores = np.arange(11)
    counts = pd.Series(np.round(values).astype(int)).value_counts().reindex(scores, fill_value=0)
    band = np.select([scores >= PROMOTER_MIN, scores <= DETRACTOR_MAX], ["promoter", "detractor"], "passive")
    labels = {name: label for name, label, _, _ in BANDS}
    return pd.DataFrame(
        {
            "score": scores,
            "answers": counts.to_numpy(),
            "band": band,
            "band_label": pd.Series(band).map(labels).to_numpy(),
        }
    )


def contact_flag(days_since_contact: pd.Series, window_days: int = 365) -> pd.Series:
    """Return a plain-words flag per client from the days since its last contact."""
    days = days_since_contact.astype("Float64")
    text = "no contact for " + days.astype("Int64").astype("string") + " days"
    flags = pd.Series(pd.NA, index=days.index, dtype="string")
    flags = flags.mask(days >= CALL_AFTER_DAYS, text + " — would they pick up?")
    flags = flags.mask(days >= window_days, text + " — a former client now; worth a call?")
    return flags.mask(days.isna(), "no dated contact on record")


def pipeline_by(book: ClientBook, by: str, period: Period) -> pd.DataFrame:
    """Return leads, jobs, fills and fees per group in the period, a row for every client or
    consultant of the book (by client_key or consultant_key): leads generated in it and how many
    of them reached the job stage by the as-of date; starts dated in it and their fees."""
    codes = book.codes
    groups, keys = _groups(book, "lead", by)
    generated = _in(codes.lead_on, period)
    owners, _ = _groups(book, "event", by)
    started = _in(codes.event_on, period)
    fees = np.zeros(len(keys))
    summed = _sums(owners, started, codes.event_fee)
    fees[summed.index.to_numpy(dtype=np.intp)] = summed.to_numpy()
    return pd.DataFrame(
        {
            "leads": _counts(groups, generated, len(keys)),
            "jobs": _counts(groups, generated & (codes.lead_furthest >= _JOB), len(keys)),
            "fills": _counts(owners, started, len(keys)),
            "fees": fees,
        },
        index=keys,
    )


def _jobs(book: ClientBook, counts: pd.Series) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """Return the job counts, or missing throughout when the data does not track the job stage:
    a candidate tracker's interviews are no job registered, so none is counted from them."""
    if "job" in book.tracked:
        return counts.astype("int64").to_numpy()
    return pd.array([pd.NA] * len(counts), dtype="Int64")


def _new_clients_by(book: ClientBook, period: Period, by: str) -> np.ndarray:
    """Return the number of new clients in the period per group of the first lead."""
    groups, keys = _groups(book, "lead", by)
    rows = _first_in(book, period)
    return _counts(groups[rows], np.ones(len(rows), dtype=bool), len(keys))


CLIENT_COLUMNS: dict[str, tuple[str, str]] = {
    "client": ("Client", "The client, under its most used spelling."),
    "jobs_12m": (
        "Leads, 12 months",
        "Leads generated for the client in the 12 months up to the as-of date (by lead date).",
    ),
    "repeat_client": ("Repeat client", "2 or more leads in the 12 months up to the as-of date."),
    "leads": ("Leads", "Leads generated in the period (by lead date)."),
    "leads_before": ("Leads, before", "Leads generated in the previous period."),
    "jobs": (
        "Jobs",
        "Leads generated in the period that reached the job stage; empty when your data does not "
        "track the job stage.",
    ),
    "fills": ("Fills", "Candidates who started in the period."),
    "fills_before": ("Fills, before", "Candidates who started in the previous period."),
    "fees": ("Fees", "Fees of the leads that started in the period (placement fee where the lead has none)."),
    "fees_before": ("Fees, before", "Fees of the leads that started in the previous period."),
    "new_client": ("New", "The client's first lead ever was generated in the period."),
    "first_source": ("First lead's source", "Where the client's first lead came from."),
    "came_by_referral": ("By referral", "The client's first lead came by referral."),
    "answers": ("Answers", "Feedback answers scored 0–10, to date."),
    "great_recruiter_score": (
        "Great Recruiter Score",
        "% of answers 9–10 minus % of answers 0–6, to date; empty when no answers.",
    ),
    "small_sample": ("Small sample", "Fewer than 5 answers behind the score."),
    "testimonials": ("Testimonials", "Testimonials collected, to date."),
    "last_contact_on": ("Last contact", "Latest dated touch up to the as-of date."),
    "days_since_contact": ("Days since contact", "Days from the last contact to the as-of date."),
    "lapsed": ("Lapsed", "Touched in the 12 months but not in the last 90 days."),
    "flag": ("Flag", "What to do about it, in plain words."),
}


def client_table(book: ClientBook, period: Period, previous: Period) -> pd.DataFrame:
    """Return one row per client: 12-month leads, the period's pipeline against the previous
    period, how it came to us, its score and testimonials to date, last contact and a flag."""
    period, previous = _within(period, book.as_of), _within(previous, book.as_of)
    keys, codes = book.clients.index, book.codes
    twelve = _counts(codes.lead_client, _in(codes.lead_on, twelve_months_to(book.as_of)), len(keys))
    now = pipeline_by(book, "client_key", period)
    before = pipeline_by(book, "client_key", previous)
    first = book.first_leads.set_index("client_key").reindex(keys)
    scores = book_scores(book, None, "client_key")
    last = pd.Series(_last_contact_on(book, book.as_of), index=keys)
    days = (pd.Timestamp(book.as_of) - last).dt.days.astype("Int64")
    table = pd.DataFrame(
        {
            "client": book.clients.to_numpy(),
            "jobs_12m": twelve,
            "leads": now["leads"].to_numpy(),
            "leads_before": before["leads"].to_numpy(),
            "jobs": _jobs(book, now["jobs"]),
            "fills": now["fills"].to_numpy(),
            "fills_before": before["fills"].to_numpy(),
            "fees": now["fees"].to_numpy(),
            "fees_before": before["fees"].to_numpy(),
            "new_client": period.contains(first["lead_on"]).fillna(False).to_numpy(bool),
            "first_source": first["source"].astype("string").to_numpy(),
            "came_by_referral": first["referral"].astype("boolean").to_numpy(),
            "answers": scores["answers"].fillna(0).astype("int64").to_numpy(),
            "great_recruiter_score": scores["great_recruiter_score"].astype("float64").to_numpy(),
            "small_sample": scores["small_sample"].fillna(True).astype(bool).to_numpy(),
            "testimonials": scores["testimonials"].fillna(0).astype("int64").to_numpy(),
            "last_contact_on": last.to_numpy(),
            "days_since_contact": days.to_numpy(),
        },
        index=keys,
    )
    table.insert(2, "repeat_client", table["jobs_12m"] >= REPEAT_MIN)
    window = _window_days(book.as_of)
    table["lapsed"] = lapsed(table["days_since_contact"], window).fillna(False).astype(bool)
    table["flag"] = _client_flags(table, window)
    for column in ("leads", "leads_before", "fills", "fills_before", "jobs_12m"):
        table[column] = table[column].astype("int64")
    ordered = table.sort_values(["jobs_12m", "client"], ascending=[False, True], kind="stable")
    return ordered.rename_axis("client_key").reset_index()


def _client_flags(table: pd.DataFrame, window_days: int) -> pd.Series:
    """Return the contact flag, with a word on an unhappy client where the score is below 0."""
    contact = contact_flag(table["days_since_contact"], window_days)
    score = table["great_recruiter_score"]
    unhappy = (
        "more detractors than promoters (score "
        + score.round().astype("Int64").astype("string")
        + " from "
        + table["answers"].astype("string")
        + pd.Series(np.where(table["answers"] == 1, " answer)", " answers)"), index=table.index)
    )
    unhappy = unhappy.where(score < 0)
    both = contact + "; " + unhappy
    return both.fillna(contact).fillna(unhappy)


def matching_clients(table: pd.DataFrame, text: str) -> pd.DataFrame:
    """Return the rows of a client table whose name contains the text (any case)."""
    text = text.strip()
    if not text:
        return table
    found = table["client"].astype("string").str.contains(text, case=False, regex=False)
    return table[found.fillna(False).to_numpy(bool)]


CONSULTANT_COLUMNS: dict[str, tuple[str, str]] = {
    "consultant": ("Consultant", "The consultant on the lead, or named on the feedback answer."),
    "leads": ("Leads", "Leads generated in the period (by lead date)."),
    "jobs": (
        "Jobs",
        "Leads generated in the period that reached the job stage; empty when your data does not "
        "track the job stage.",
    ),
    "fills": ("Fills", "Candidates who started in the period."),
    "fees": ("Fees", "Fees of the leads that started in the period."),
    "fees_before": ("Fees, before", "Fees of the leads that started in the previous period."),
    "repeat_business_ratio": (
        "Repeat business",
        "Of the clients of this consultant's leads in the "
        "12 months to the period's end, the share with 2 "
        "or more.",
    ),
    "new_clients": ("New clients", "Clients whose first lead ever was this consultant's, in the period."),
    "referral_rate": ("Referral rate", "Of those new clients, the share that came by referral."),
    "testimonials": ("Testimonials", "Testimonials collected in the period."),
    "referrals": ("Referrals (feedback)", "Feedback answers in the period marked as a referral."),
    "answers": ("Answers", "Feedback answers scored 0–10 in the period."),
    "great_recruiter_score": (
        "Great Recruiter Score",
        "% of answers 9–10 minus % 0–6 in the period; empty when no answers.",
    ),
    "great_recruiter_score_before": ("Score, before", "The Great Recruiter Score in the previous period."),
    "small_sample": ("Small sample", "Fewer than 5 answers behind the score."),
}


def consultant_table(book: ClientBook, period: Period, previous: Period) -> pd.DataFrame:
    """Return one row per consultant: pipeline figures beside client-experience figures."""
    period, previous = _within(period, book.as_of), _within(previous, book.as_of)
    keys = book.consultants.index
    now = pipeline_by(book, "consultant_key", period)
    before = pipeline_by(book, "consultant_key", previous)
    scores = book_scores(book, period, "consultant_key")
    scores_before = book_scores(book, previous, "consultant_key")
    repeat = repeat_business_ratio(book, period.end, "consultant_key").reindex(keys)
    table = pd.DataFrame(
        {
            "consultant": book.consultants.to_numpy(),
            "leads": now["leads"].astype("int64").to_numpy(),
            "jobs": _jobs(book, now["jobs"]),
            "fills": now["fills"].astype("int64").to_numpy(),
            "fees": now["fees"].to_numpy(),
            "fees_before": before["fees"].to_numpy(),
            "repeat_business_ratio": repeat.to_numpy(dtype="float64"),
            "new_clients": _new_clients_by(book, period, "consultant_key").astype("int64"),
            "referral_rate": _referral_rate_by(book, period, "consultant_key")
            .reindex(keys)
            .to_numpy(dtype="float64"),
            "testimonials": scores["testimonials"].fillna(0).astype("int64").to_numpy(),
            "referrals": scores["referrals"].fillna(0).astype("int64").to_numpy(),
            "answers": scores["answers"].fillna(0).astype("int64").to_numpy(),
            "great_recruiter_score": scores["great_recruiter_score"].to_numpy(dtype="float64"),
            "great_recruiter_score_before": scores_before["great_recruiter_score"].to_numpy(dtype="float64"),
            "small_sample": scores["small_sample"].fillna(True).astype(bool).to_numpy(),
        },
        index=keys,
    )
    return table.sort_values("consultant", kind="stable").rename_axis("consultant_key").reset_index()
