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
  by the as-of date, so a ticked job counts; empty when no lead records a job (a candidate
  tracker), never counted from later stages. **Fills and fees** count starts dated in the period
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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from recruit_dash import formats
from recruit_dash.metrics.client_book import (
    ClientBook,
    _answers_in,
    _first_in,
    _referral_rate_by,
    _score_of,
    _value,
    _within,
    client_book,
    feedback_in,
    great_recruiter_score,
    new_clients,
    repeat_business_ratio,
    scores_by,
    twelve_months_to,
)
from recruit_dash.metrics.client_tables import (
    CONSULTANT_COLUMNS,
    book_scores,
    client_table,
    consultant_table,
    lapsed_clients,
)
from recruit_dash.metrics.client_trends import concentration, shape_by_quarter
from recruit_dash.metrics.funnel import Progress
from recruit_dash.model import Model
from recruit_dash.periods import Period, period_to_date, same_point_before


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
    return float(len(_first_in(book, _within(period, book.as_of))))


def _testimonials_metric(book: ClientBook, period: Period) -> float:
    dated = _answers_in(book, _within(period, book.as_of))
    return float(book.codes.answer_testimonial[dated].sum())


def _score_metric(book: ClientBook, period: Period) -> float | None:
    return _score_of(book.codes.answer_score[_answers_in(book, _within(period, book.as_of))])


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


def _iso(value: object) -> str | None:
    """Return a date as ISO text, None when missing."""
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _records(frame: pd.DataFrame) -> list[dict]:
    """Return rows as JSON-ready dicts: ISO dates, None for missing, plain Python numbers."""
    if frame.columns.empty:
        return [{} for _ in range(len(frame))]
    names = frame.columns.tolist()
    columns = [_plain_column(frame[column]) for column in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _plain_column(values: pd.Series) -> list:
    """Return a column's values as _records has them, a whole numpy column at a time."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return [_iso(value) for value in values]
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "biuf":
        items = values.to_numpy().tolist()  # Python numbers already
        return [None if item != item else item for item in items] if values.dtype.kind == "f" else items
    return [_plain(value) for value in values.astype(object).where(values.notna(), None).tolist()]


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
    to_date = book_scores(book, None, "consultant_key").reindex(consultants["consultant_key"])
    consultants = consultants.assign(
        great_recruiter_score_to_date=to_date["great_recruiter_score"].to_numpy(dtype="float64"),
        answers_to_date=to_date["answers"].fillna(0).astype("int64").to_numpy(),
        small_sample_to_date=to_date["small_sample"].fillna(True).astype(bool).to_numpy(),
        testimonials_to_date=to_date["testimonials"].fillna(0).astype("int64").to_numpy(),
    )
    shape = concentration(book, as_of)
    period_columns = [key for key in CONSULTANT_COLUMNS if key != "consultant"]
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
                "period": {key: row[key] for key in period_columns},
            }
            for row in _records(consultants.drop(columns=["consultant_key"]))
        ],
        "definitions": {metric.name: metric.definition for metric in CLIENT_METRICS},
    }
