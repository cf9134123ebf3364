"""The client book counts on integer positions: each shortcut gives what grouping the book's own
tables by their text keys gives, on any small tracker."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pandas.testing as pdt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recruit_dash.metrics.client_book import (
    _client_keys,
    _Coded,
    _names,
    _person_keys,
    _sums,
    client_book,
    client_keys,
    display_names,
    person_keys,
    repeat_business_ratio,
    scores_by,
    twelve_months_to,
)
from recruit_dash.metrics.client_tables import book_scores, lapsed, lapsed_clients, last_contacts
from recruit_dash.metrics.clients import _referral_metric
from recruit_dash.model import ACTIVITIES, FEEDBACK, LEADS, MILESTONES, Model, conform
from recruit_dash.periods import Period

AS_OF = date(2025, 6, 30)
CLIENTS = (
    "Acme Ltd",
    "ACME  limited",
    "acme",
    "Brook plc",
    "Brook",
    "Cole & Co",
    "Cole and Co",
    "Ltd",
    " ",
    "",
    None,
    "Zoë Ångström",
    "李雷",
)
PEOPLE = ("Ann", "ann ", "ANN", "Bob", "Bob  Lee", None, " ", "")
SOURCES = ("Referral", "Website", "word of mouth", "Cold call", None)
DAYS = st.one_of(st.none(), st.dates(date(2023, 6, 1), date(2025, 9, 30)))
SETTINGS = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def models(draw) -> Model:
    """Return a small model: leads, their milestones, activities naming clients, feedback."""
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(CLIENTS), st.sampled_from(PEOPLE), DAYS, st.sampled_from(SOURCES)),
            min_size=0,
            max_size=25,
        )
    )
    leads = pd.DataFrame(
        [
            (f"L{number}", client, person, on, source, None)
            for number, (client, person, on, source) in enumerate(rows)
        ],
        columns=["lead_id", "client", "consultant", "created_on", "source", "fee"],
    )
    leads["created_on"] = pd.to_datetime(leads["created_on"])
    starts = draw(st.lists(st.tuples(st.integers(0, 30), DAYS), max_size=10))
    events = [
        (lead_id, "lead", on) for lead_id, on in zip(leads["lead_id"], leads["created_on"], strict=True)
    ]
    events += [(f"L{number}", "started", on) for number, on in starts if number < len(rows)]
    touches = draw(st.lists(st.tuples(st.sampled_from(CLIENTS), DAYS, st.integers(0, 23)), max_size=15))
    activities = pd.DataFrame(
        {
            "consultant": ["Ann"] * len(touches),
            "on": pd.to_datetime(
                [
                    None if on is None else pd.Timestamp(on) + pd.Timedelta(hours=hour)
                    for _, on, hour in touches
                ]
            ),
            "kind": ["call"] * len(touches),
            "count": [1] * len(touches),
            "client": [client for client, _, _ in touches],
        }
    )
    answers = draw(
        st.lists(
            st.tuples(
                st.sampled_from(CLIENTS),
                st.sampled_from(PEOPLE),
                DAYS,
                st.one_of(st.none(), st.integers(-1, 11)),
                st.booleans(),
                st.booleans(),
            ),
            max_size=15,
        )
    )
    feedback = pd.DataFrame(
        answers, columns=["client", "consultant", "on", "score", "referral", "testimonial"]
    )
    feedback["on"] = pd.to_datetime(feedback["on"])
    return Model(
        leads=conform(leads.assign(outcome="open"), LEADS),
        milestones=conform(pd.DataFrame(events, columns=["lead_id", "stage", "reached_on"]), MILESTONES),
        activities=conform(activities, ACTIVITIES),
        feedback=conform(feedback, FEEDBACK),
    )


@SETTINGS
@given(names=st.lists(st.sampled_from(CLIENTS + PEOPLE), max_size=30))
def test_keys_worked_out_per_distinct_name_are_the_keys_of_every_row(names):
    column = pd.Series(names, dtype="string", index=range(5, 5 + len(names)), name="client")
    pdt.assert_series_equal(client_keys(column), _client_keys(column))
    pdt.assert_series_equal(person_keys(column), _person_keys(column))


@SETTINGS
@given(
    first=st.lists(st.sampled_from(CLIENTS), max_size=20),
    second=st.lists(st.sampled_from(CLIENTS), max_size=20),
    kept=st.lists(st.booleans(), min_size=20, max_size=20),
)
def test_display_names_counted_per_distinct_name_are_those_counted_per_row(first, second, kept):
    columns = [pd.Series(first, dtype="string"), pd.Series(second, dtype="string")]
    mask = np.array(kept[: len(second)], dtype=bool)
    got = _names([(_Coded.of(columns[0], _client_keys), None), (_Coded.of(columns[1], _client_keys), mask)])
    names = pd.concat([columns[0], columns[1][mask]], ignore_index=True)
    expected = display_names(client_keys(names).astype("string"), names.astype("string")).sort_index()
    pdt.assert_series_equal(got, expected)


@SETTINGS
@given(
    rows=st.lists(
        st.tuples(
            st.integers(-1, 4),
            st.booleans(),
            st.one_of(
                st.just(np.nan), st.integers(-5000, 20000).map(float), st.floats(-1e6, 1e6, allow_nan=False)
            ),
        ),
        max_size=40,
    )
)
def test_group_sums_are_pandas_group_sums_to_the_last_digit(rows):
    groups = np.array([group for group, _, _ in rows], dtype=np.intp)
    chosen = np.array([picked for _, picked, _ in rows], dtype=bool)
    values = np.array([value for _, _, value in rows], dtype="float64")
    kept = chosen & (groups >= 0)
    expected = pd.Series(values[kept]).groupby(groups[kept]).sum()
    pdt.assert_series_equal(_sums(groups, chosen, values), expected, check_exact=True, check_index_type=False)


@SETTINGS
@given(model=models(), day=st.dates(date(2023, 6, 1), AS_OF))
def test_last_contacts_and_lapsed_clients_are_the_latest_touches(model, day):
    book = client_book(model, AS_OF)
    touches = book.touches[book.touches["on"] <= pd.Timestamp(day)]
    expected = touches.groupby("client_key")["on"].max()
    got = last_contacts(book, day)
    assert got.to_dict() == expected.to_dict()
    days = (pd.Timestamp(day) - expected).dt.days
    window = (twelve_months_to(day).end - twelve_months_to(day).start).days + 1
    assert lapsed_clients(book, day) == int(lapsed(days, window).sum())


@SETTINGS
@given(model=models())
def test_first_leads_scores_and_ratios_are_those_of_the_book_tables(model):
    book = client_book(model, AS_OF)
    dated = book.leads.dropna(subset=["client_key", "lead_on"])
    pdt.assert_frame_equal(
        book.first_leads, dated.sort_values("lead_on", kind="stable").drop_duplicates("client_key")
    )
    for by in ("client_key", "consultant_key"):
        keys = getattr(book, "clients" if by == "client_key" else "consultants").index
        expected = scores_by(book.feedback, by).reindex(keys)
        got = book_scores(book, None, by)
        for column in ("answers", "promoters", "detractors", "passives", "testimonials", "referrals"):
            assert got[column].tolist() == expected[column].fillna(0).astype(int).tolist()
        assert np.array_equal(got["great_recruiter_score"], expected["great_recruiter_score"], equal_nan=True)
        assert got["small_sample"].tolist() == expected["small_sample"].fillna(True).astype(bool).tolist()
    leads = book.leads[Period(twelve_months_to(AS_OF).start, AS_OF, "").contains(book.leads["lead_on"])]
    per_pair = leads.dropna(subset=["client_key"]).groupby(["consultant_key", "client_key"]).size()
    expected_repeat = (per_pair >= 2).groupby(level=0).mean()
    assert repeat_business_ratio(book, AS_OF, "consultant_key").to_dict() == expected_repeat.to_dict()
    year = twelve_months_to(AS_OF)
    first = book.first_leads[year.contains(book.first_leads["lead_on"]).to_numpy(bool)]
    expected_rate = float(first["referral"].astype(float).mean()) if len(first) else None
    assert _referral_metric(book, year) == expected_rate


def test_a_book_of_an_empty_model_has_nothing_to_count():
    book = client_book(Model(), AS_OF)
    assert book.first_leads.empty and last_contacts(book).empty
    assert lapsed_clients(book, AS_OF - timedelta(days=1)) == 0
