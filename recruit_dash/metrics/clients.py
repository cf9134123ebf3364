"""Client experience: repeat business, referrals, testimonials, the Great
Recruiter Score, last contact ("would they pick up if they saw your number?") and how
concentrated the business is.

Rules where DESIGN.md is silent, also shown on screen:
- **Same client.** Client names are grouped after folding case, spacing, punctuation, "&"/"and"
  and a trailing legal suffix (Ltd, Limited, plc, LLP, LLC, Inc, Corp): "ACME  limited" and
  "Acme Ltd" are one client, shown under its most used spelling (on a tie, the first seen, leads
  first). Consultant names fold case and spacing only.
- **12 months** up to a day D are the days after D one year earlier, up to and including D.
  A lead counts on its lead date (the "lead generated" milestone, else its created date).
- **Repeat business ratio** in a period is measured over the 12 months up to the period's end;
  per consultant it counts the clients of that consultant's own leads.
- **New client**: a client whose first lead ever falls in the period; it came by referral when
  that first lead's source mentions a referral ("referr", "recommend", "word of mouth").
- **Jobs** are the leads generated in the period that reached the job stage (or any later one)
  by the as-of date, so a ticked job counts. **Fills and fees** count starts dated in the period
  (up to the as-of date): the lead's fee, else its placement's fee, credited to the lead's client
  and consultant.
- **Great Recruiter Score** counts answers scored 0 to 10 (others are left out); no answers is no
  score, never 0; fewer than 5 answers is a small sample. Scores and testimonials "to date"
  take every answer up to the as-of date, undated answers included; a period takes the answers
  dated in it.
- **Last contact** is the latest dated touch up to the as-of date: a lead created, a milestone of
  one of its leads, an activity naming it, a feedback answer, a placement's start.
- **Needs a call** after 90 days without contact; **lapsed** = touched in the last 12 months but
  not in the last 90 days; after a year without contact it is a former client.
- **The clients report** of the command line gives the repeat business ratio and referral rate
  over the 12 months to the as-of date, and the testimonials and scores (overall, per client, per
  consultant) over every answer to date; on screen the client table shows scores to date, the
  consultant table the period's.
- **Relationship shape** groups clients by their leads in the 12 months (1, 2–3, 4+) and splits
  the fees of those 12 months by the client's group; "top five" are the five clients with the most
  fees in the 12 months.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from recruit_dash import formats
from recruit_dash.metrics.funnel import Progress, progress
from recruit_dash.model import STAGE_ORDER, Model, group_names
from recruit_dash.periods import Period, period_holding, period_to_date, previous_period, same_point_before

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
TOP_CLIENTS = 5
SHAPE_BUCKETS: tuple[tuple[str, int, float], ...] = (
    ("1 lead (one-off)", 1, 1),
    ("2–3 leads", 2, 3),
    ("4+ leads", 4, np.inf),
)
BANDS: tuple[tuple[str, str, float, float], ...] = (
    ("detractor", "Detractors (0–6)", 0, DETRACTOR_MAX),
    ("passive", "Passives (7–8)", DETRACTOR_MAX, PROMOTER_MIN),
    ("promoter", "Promoters (9–10)", PROMOTER_MIN, 10),
)
_JOB, _STARTED = STAGE_ORDER["job"], STAGE_ORDER["started"]
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
    return float(((values >= PROMOTER_MIN).mean() - (values <= DETRACTOR_MAX).mean()) * 100)


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
    return ClientBook(as_of, leads, events, answers, touches, _names(named), _names(people))


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


def contact_flag(days_since_contact: pd.Series, window_days: int = 365) -> pd.Series:
    """Return a plain-words flag per client from the days since its last contact."""
    days = days_since_contact.astype("Float64")
    text = "no contact for " + days.astype("Int64").astype("string") + " days"
    flags = pd.Series(pd.NA, index=days.index, dtype="string")
    flags = flags.mask(days >= CALL_AFTER_DAYS, text + " — would they pick up?")
    flags = flags.mask(days >= window_days, text + " — a former client now; worth a call?")
    return flags.mask(days.isna(), "no dated contact on record")


def pipeline_by(book: ClientBook, by: str, period: Period) -> pd.DataFrame:
    """Return leads, jobs, fills and fees per group in the period: leads generated in it and how
    many of them reached the job stage by the as-of date; starts dated in it and their fees."""
    generated = leads_in(book, period)
    leads = generated.groupby(by).size().rename("leads")
    jobs = generated[generated["furthest"] >= _JOB].groupby(by).size().rename("jobs")
    starts = book.events[period.contains(book.events["reached_on"]).to_numpy(bool)]
    fills = starts.groupby(by).size().rename("fills")
    fees = starts.groupby(by)["fee"].sum().rename("fees")
    table = pd.concat([leads, jobs, fills, fees], axis=1)
    return table.reindex(columns=["leads", "jobs", "fills", "fees"]).fillna(0)


def _referral_rate_by(book: ClientBook, period: Period, by: str | None) -> pd.Series:
    """Return the share of new clients in the period that came by referral, per group."""
    fresh = new_clients(book, period)
    keys = fresh[by] if by else pd.Series("all", index=fresh.index)
    return fresh["referral"].astype("float64").groupby(keys).mean()


def _new_clients_by(book: ClientBook, period: Period, by: str) -> pd.Series:
    """Return the number of new clients in the period per group of the first lead."""
    return new_clients(book, period).groupby(by).size()


@dataclass(frozen=True)
class ClientMetric:
    """A declared client-experience figure."""

    name: str
    label: str
    definition: str
    compute: Callable[[ClientBook, Period], float | None]
    format: str = "count"  # "count", "percent" or "score"
    higher_is_better: bool = True


def _repeat_metric(book: ClientBook, period: Period) -> float | None:
    ratio = repeat_business_ratio(book, min(period.end, book.as_of))
    return _value(ratio.get("all"))


def _referral_metric(book: ClientBook, period: Period) -> float | None:
    return _value(_referral_rate_by(book, _within(period, book.as_of), None).get("all"))


def _new_clients_metric(book: ClientBook, period: Period) -> float:
    return float(len(new_clients(book, _within(period, book.as_of))))


def _testimonials_metric(book: ClientBook, period: Period) -> float:
    return float(feedback_in(book, _within(period, book.as_of))["testimonial"].sum())


def _score_metric(book: ClientBook, period: Period) -> float | None:
    return great_recruiter_score(feedback_in(book, _within(period, book.as_of))["score"])


def _lapsed_metric(book: ClientBook, period: Period) -> float:
    return float(lapsed_clients(book, min(period.end, book.as_of)))


CLIENT_METRICS: tuple[ClientMetric, ...] = (
    ClientMetric(
        "repeat_business_ratio",
        "Repeat business ratio",
        "Clients with 2 or more leads generated in the 12 months up to the period's end, "
        "÷ clients with at least 1 (by lead date).",
        _repeat_metric,
        "percent",
    ),
    ClientMetric(
        "referral_rate",
        "Referral rate",
        "New clients in the period whose first lead's source is a referral, ÷ all new clients in the period.",
        _referral_metric,
        "percent",
    ),
    ClientMetric(
        "new_clients",
        "New clients",
        "Clients whose first lead ever was generated in the period.",
        _new_clients_metric,
    ),
    ClientMetric(
        "testimonials",
        "Testimonials collected",
        "Client feedback answers dated in the period that came with a testimonial.",
        _testimonials_metric,
    ),
    ClientMetric(
        "great_recruiter_score",
        "Great Recruiter Score",
        "% of answers scoring 9–10 minus % scoring 0–6, from −100 to +100, over the "
        "feedback answers dated in the period; fewer than 5 answers is a small sample.",
        _score_metric,
        "score",
    ),
    ClientMetric(
        "lapsed_clients",
        "Lapsed clients",
        "Clients touched in the 12 months up to the period's end but not in its last 90 "
        "days (leads, milestones, activities, feedback, starts).",
        _lapsed_metric,
        higher_is_better=False,
    ),
)
CLIENT_METRICS_BY_NAME = {metric.name: metric for metric in CLIENT_METRICS}


@dataclass(frozen=True)
class ClientFigure:
    """A client figure in a period and the period before, with the change (None when unknown)."""

    metric: ClientMetric
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous

    @property
    def text(self) -> str:
        """Return the value as people read it: 45%, +32, 12; a dash when it cannot be computed."""
        return formats.figure(self.value, self.metric.format)

    @property
    def change_text(self) -> str | None:
        """Return the change as people read it, or None when there is nothing to compare."""
        return None if self.change is None else formats.signed(self.change, self.metric.format)


def client_figures(book: ClientBook, period: Period, previous: Period) -> list[ClientFigure]:
    """Return every client-experience figure for a period against the previous one."""
    return [
        ClientFigure(metric, metric.compute(book, period), metric.compute(book, previous))
        for metric in CLIENT_METRICS
    ]


def _value(value: object) -> float | None:
    """Return a plain float, or None for missing or NaN."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)


CLIENT_COLUMNS: dict[str, tuple[str, str]] = {
    "client": ("Client", "The client, under its most used spelling."),
    "jobs_12m": (
        "Leads, 12 months",
        "Leads generated for the client in the 12 months up to the as-of date (by lead date).",
    ),
    "repeat_client": ("Repeat client", "2 or more leads in the 12 months up to the as-of date."),
    "leads": ("Leads", "Leads generated in the period (by lead date)."),
    "leads_before": ("Leads, before", "Leads generated in the previous period."),
    "jobs": ("Jobs", "Leads generated in the period that reached the job stage."),
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
    keys = book.clients.index
    twelve = leads_in(book, twelve_months_to(book.as_of)).groupby("client_key").size()
    now = pipeline_by(book, "client_key", period).reindex(keys, fill_value=0)
    before = pipeline_by(book, "client_key", previous).reindex(keys, fill_value=0)
    first = book.first_leads.set_index("client_key").reindex(keys)
    scores = scores_by(feedback_in(book), "client_key").reindex(keys)
    last = last_contacts(book).reindex(keys)
    days = (pd.Timestamp(book.as_of) - last).dt.days.astype("Int64")
    table = pd.DataFrame(
        {
            "client": book.clients.to_numpy(),
            "jobs_12m": twelve.reindex(keys, fill_value=0).to_numpy(),
            "leads": now["leads"].to_numpy(),
            "leads_before": before["leads"].to_numpy(),
            "jobs": now["jobs"].to_numpy(),
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
    for column in ("leads", "leads_before", "jobs", "fills", "fills_before", "jobs_12m"):
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
    "jobs": ("Jobs", "Leads generated in the period that reached the job stage."),
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
    now = pipeline_by(book, "consultant_key", period).reindex(keys, fill_value=0)
    before = pipeline_by(book, "consultant_key", previous).reindex(keys, fill_value=0)
    scores = scores_by(feedback_in(book, period), "consultant_key").reindex(keys)
    scores_before = scores_by(feedback_in(book, previous), "consultant_key").reindex(keys)
    repeat = repeat_business_ratio(book, period.end, "consultant_key").reindex(keys)
    table = pd.DataFrame(
        {
            "consultant": book.consultants.to_numpy(),
            "leads": now["leads"].astype("int64").to_numpy(),
            "jobs": now["jobs"].astype("int64").to_numpy(),
            "fills": now["fills"].astype("int64").to_numpy(),
            "fees": now["fees"].to_numpy(),
            "fees_before": before["fees"].to_numpy(),
            "repeat_business_ratio": repeat.to_numpy(dtype="float64"),
            "new_clients": _new_clients_by(book, period, "consultant_key")
            .reindex(keys, fill_value=0)
            .astype("int64")
            .to_numpy(),
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


def _fees_in(book: ClientBook, window: Period) -> pd.Series:
    """Return the fees of starts dated in the window, per client."""
    starts = book.events[window.contains(book.events["reached_on"]).to_numpy(bool)]
    return starts.groupby("client_key")["fee"].sum()


def relationship_shape(book: ClientBook, day: date | None = None) -> pd.DataFrame:
    """Return clients grouped by their leads in the 12 months to the day (1, 2–3, 4+), with their
    leads, fees of those 12 months and shares of clients and fees."""
    window = twelve_months_to(day or book.as_of)
    per_client = leads_in(book, window).groupby("client_key").size()
    fees = _fees_in(book, window).reindex(per_client.index, fill_value=0)
    rows = []
    for label, low, high in SHAPE_BUCKETS:
        chosen = (per_client >= low) & (per_client <= high)
        rows.append(
            {
                "group": label,
                "clients": int(chosen.sum()),
                "leads": int(per_client[chosen].sum()),
                "fees": float(fees[chosen].sum()),
            }
        )
    frame = pd.DataFrame(rows)
    frame["share_of_clients"] = frame["clients"] / frame["clients"].sum() if per_client.size else np.nan
    total = float(_fees_in(book, window).sum())
    frame["share_of_fees"] = frame["fees"] / total if total else np.nan
    return frame


def concentration(book: ClientBook, day: date | None = None) -> dict[str, float | int | None]:
    """Return, over the 12 months to the day, the clients, the repeat business ratio, the fees and
    the share of fees from repeat clients and from the top five clients."""
    day = day or book.as_of
    window = twelve_months_to(day)
    per_client = leads_in(book, window).groupby("client_key").size()
    fees = _fees_in(book, window)
    total = float(fees.sum())
    repeat = per_client.index[per_client >= REPEAT_MIN]
    return {
        "clients": int(per_client.size),
        "one_off": int((per_client == 1).sum()),
        "two_to_three": int(((per_client >= 2) & (per_client <= 3)).sum()),
        "four_plus": int((per_client >= 4).sum()),
        "repeat_business_ratio": _value((per_client >= REPEAT_MIN).mean()) if per_client.size else None,
        "fees": total,
        "repeat_fee_share": float(fees[fees.index.isin(repeat)].sum()) / total if total else None,
        "top_five_fee_share": float(fees.nlargest(TOP_CLIENTS).sum()) / total if total else None,
    }


def shape_by_quarter(book: ClientBook, quarters: int = 5) -> pd.DataFrame:
    """Return the concentration figures at the end of each recent quarter (the current one cut at
    the as-of date), newest first, each over the 12 months to that day."""
    current = period_to_date(book.as_of, "quarter")
    ends, quarter = [current], period_holding(book.as_of, "quarter")
    for _ in range(quarters - 1):
        quarter = previous_period(quarter, "quarter")
        ends.append(quarter)
    return pd.DataFrame(
        [{"quarter": period.label, "to": period.end, **concentration(book, period.end)} for period in ends]
    )


def _iso(value: object) -> str | None:
    """Return a date as ISO text, None when missing."""
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _records(frame: pd.DataFrame) -> list[dict]:
    """Return rows as JSON-ready dicts: ISO dates, None for missing, plain Python numbers."""
    out = frame.astype(object).where(frame.notna(), None)
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            out[column] = frame[column].map(_iso)
    rows = out.to_dict("records")
    return [{key: _plain(value) for key, value in row.items()} for row in rows]


def _plain(value: object) -> object:
    """Return numpy scalars as Python ones, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def clients_report(model: Model, as_of: date, standing: Progress | None = None) -> dict:
    """Return the `report clients` JSON of DESIGN.md (and more): 12-month repeat business and
    referral rate, score and testimonials to date, each client and consultant."""
    book = client_book(model, as_of, standing)
    year = twelve_months_to(as_of)
    everything = scores_by(feedback_in(book))
    overall = everything.iloc[0] if len(everything) else None
    quarter = period_to_date(as_of, "quarter")
    before = same_point_before(quarter, "quarter")
    clients = client_table(book, quarter, before)
    consultants = consultant_table(book, quarter, before)
    to_date = scores_by(feedback_in(book), "consultant_key").reindex(consultants["consultant_key"])
    consultants = consultants.assign(
        great_recruiter_score_to_date=to_date["great_recruiter_score"].to_numpy(dtype="float64"),
        answers_to_date=to_date["answers"].fillna(0).astype("int64").to_numpy(),
        small_sample_to_date=to_date["small_sample"].fillna(True).astype(bool).to_numpy(),
        testimonials_to_date=to_date["testimonials"].fillna(0).astype("int64").to_numpy(),
    )
    shape = concentration(book, as_of)
    return {
        "as_of": as_of.isoformat(),
        "from_12m": year.start.isoformat(),
        "to_12m": year.end.isoformat(),
        "repeat_business_ratio": shape["repeat_business_ratio"],
        "referral_rate": _referral_metric(book, year),
        "new_clients_12m": int(len(new_clients(book, year))),
        "testimonials": int(book.feedback["testimonial"].sum()),
        "great_recruiter_score": great_recruiter_score(book.feedback["score"]),
        "answers": 0 if overall is None else int(overall["answers"]),
        "promoters": 0 if overall is None else int(overall["promoters"]),
        "passives": 0 if overall is None else int(overall["passives"]),
        "detractors": 0 if overall is None else int(overall["detractors"]),
        "small_sample": overall is None or bool(overall["small_sample"]),
        "referrals_from_feedback": int(book.feedback["referral"].sum()),
        "lapsed_clients": lapsed_clients(book, as_of),
        "relationship_shape": {key: _plain(value) for key, value in shape.items()},
        "quarter_on_quarter": _records(shape_by_quarter(book)),
        "period": {
            "label": quarter.label,
            "from": quarter.start.isoformat(),
            "to": quarter.end.isoformat(),
            "previous_label": before.label,
            "previous_from": before.start.isoformat(),
            "previous_to": before.end.isoformat(),
            "figures": {
                figure.metric.name: {
                    "value": figure.value,
                    "previous": figure.previous,
                    "change": figure.change,
                }
                for figure in client_figures(book, quarter, before)
            },
        },
        "clients": _records(clients.drop(columns=["client_key"])),
        "consultants": [
            {
                "consultant": row["consultant"],
                "great_recruiter_score": row["great_recruiter_score_to_date"],
                "answers": row["answers_to_date"],
                "small_sample": row["small_sample_to_date"],
                "testimonials": row["testimonials_to_date"],
                "period": {key: row[key] for key in CONSULTANT_COLUMNS if key != "consultant"},
            }
            for row in _records(consultants.drop(columns=["consultant_key"]))
        ],
        "definitions": {metric.name: metric.definition for metric in CLIENT_METRICS},
    }
