"""Client experience on models small enough to count by hand (DESIGN.md, "Client experience")."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from conftest import SAMPLE

from recruit_dash.ingest.pipeline import ingest_paths
from recruit_dash.metrics.client_book import (
    client_book,
    client_keys,
    great_recruiter_score,
    is_referral,
    repeat_business_ratio,
    scores_by,
    twelve_months_to,
)
from recruit_dash.metrics.client_tables import (
    CLIENT_COLUMNS,
    CONSULTANT_COLUMNS,
    client_table,
    consultant_table,
    matching_clients,
    score_distribution,
)
from recruit_dash.metrics.client_trends import concentration, relationship_shape, shape_by_quarter
from recruit_dash.metrics.clients import CLIENT_METRICS, client_figures, clients_report
from recruit_dash.model import ACTIVITIES, FEEDBACK, LEADS, MILESTONES, PLACEMENTS, Model, conform
from recruit_dash.periods import Period

AS_OF = date(2025, 6, 30)
Q2 = Period(date(2025, 4, 1), date(2025, 6, 30), "Q2 2025")
Q1 = Period(date(2025, 1, 1), date(2025, 3, 31), "Q1 2025")


def make_model(
    leads: list[tuple],
    feedback: list[tuple] = (),
    starts: dict[str, str] | None = None,
    **tables: pd.DataFrame,
) -> Model:
    """Return a model from (lead_id, client, consultant, lead date, source, fee) rows and
    (client, consultant, date, score, referral, testimonial) answers; `starts` dates leads' starts."""
    frame = pd.DataFrame(leads, columns=["lead_id", "client", "consultant", "created_on", "source", "fee"])
    events = [
        (lead_id, "lead", on) for lead_id, on in zip(frame["lead_id"], frame["created_on"], strict=True)
    ]
    events += [(lead_id, "started", on) for lead_id, on in (starts or {}).items()]
    answers = pd.DataFrame(
        list(feedback), columns=["client", "consultant", "on", "score", "referral", "testimonial"]
    )
    return Model(
        leads=conform(frame.assign(outcome="open"), LEADS),
        milestones=conform(pd.DataFrame(events, columns=["lead_id", "stage", "reached_on"]), MILESTONES),
        feedback=conform(answers, FEEDBACK),
        **tables,
    )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Acme Ltd", "acme"),
        ("  ACME   Limited ", "acme"),
        ("Acme plc", "acme"),
        ("Acme Ltd.", "acme"),
        ("Smith & Jones LLP", "smith and jones"),
        ("Smith and Jones", "smith and jones"),
        ("Ltd", "ltd"),  # a name that is only a suffix keeps it
        ("Eden Dairies Ltd", "eden dairies"),
    ],
)
def test_client_names_fold_case_spacing_punctuation_and_legal_suffixes(name, key):
    assert client_keys(pd.Series([name], dtype="string")).iloc[0] == key


def test_a_blank_client_name_has_no_key():
    assert client_keys(pd.Series([None, "  "], dtype="string")).isna().all()


def test_a_client_spelled_two_ways_counts_once_under_its_most_used_spelling():
    model = make_model(
        [
            ("L1", "Acme Ltd", "Ann", "2025-02-01", "Cold call", None),
            ("L2", "ACME  limited", "Ann", "2025-05-01", "Website", None),
            ("L3", "Acme Ltd", "Bob", "2025-06-01", "Website", None),
            ("L4", "Brook plc", "Bob", "2025-06-02", "Website", None),
        ]
    )
    book = client_book(model, AS_OF)
    table = client_table(book, Q2, Q1)
    assert table["client"].tolist() == ["Acme Ltd", "Brook plc"]
    assert table["jobs_12m"].tolist() == [3, 1]
    assert table["first_source"].tolist() == ["Cold call", "Website"]
    assert repeat_business_ratio(book, AS_OF)["all"] == 0.5


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([9, 9, 9], 100.0),
        ([10, 9, 8, 7, 6, 0, 5, 9], 0.0),  # 3 promoters, 3 detractors of 8
        ([10, 10, 9, 8, 3], 40.0),  # (3 - 1) / 5
        ([0, 6, 7], -200 / 3),
        ([8, 7], 0.0),
        ([], None),
        ([None, 11, -1], None),  # nothing between 0 and 10 to count
    ],
)
def test_great_recruiter_score_is_promoters_minus_detractors(scores, expected):
    got = great_recruiter_score(pd.Series(scores, dtype="Float64"))
    assert got == pytest.approx(expected) if expected is not None else got is None


def feedback_model(consultant_scores: dict[str, list[float]]) -> Model:
    answers = [
        ("Acme", consultant, "2025-05-10", score, False, False)
        for consultant, scores in consultant_scores.items()
        for score in scores
    ]
    return make_model([("L1", "Acme", "Cara", "2025-05-01", "Website", None)], answers)


def test_a_consultant_with_no_feedback_has_no_score_not_zero():
    model = feedback_model({"Ann": [9, 10, 3]})
    report = clients_report(model, AS_OF)
    scores = {row["consultant"]: row["great_recruiter_score"] for row in report["consultants"]}
    assert scores == {"Ann": pytest.approx(100 / 3), "Cara": None}
    table = consultant_table(client_book(model, AS_OF), Q2, Q1).set_index("consultant")
    assert pd.isna(table.at["Cara", "great_recruiter_score"])
    assert table.at["Cara", "answers"] == 0


def test_all_scores_of_nine_give_plus_one_hundred():
    report = clients_report(feedback_model({"Ann": [9] * 6}), AS_OF)
    assert report["great_recruiter_score"] == 100
    assert report["consultants"][0]["great_recruiter_score"] == 100
    assert report["clients"][0]["great_recruiter_score"] == 100


@pytest.mark.parametrize(("answers", "small"), [(1, True), (4, True), (5, False), (12, False)])
def test_fewer_than_five_answers_is_a_small_sample(answers, small):
    model = feedback_model({"Ann": [8] * answers})
    table = scores_by(client_book(model, AS_OF).feedback, "consultant_key")
    assert table.at["ann", "answers"] == answers
    assert bool(table.at["ann", "small_sample"]) is small
    assert clients_report(model, AS_OF)["consultants"][0]["small_sample"] is small


def test_score_bands_split_the_answers():
    model = feedback_model({"Ann": [10, 9, 8, 7, 6, 0], "Bob": [3]})
    report = clients_report(model, AS_OF)
    assert (report["promoters"], report["passives"], report["detractors"]) == (2, 2, 3)
    distribution = score_distribution(client_book(model, AS_OF)).set_index("score")
    assert distribution["answers"].sum() == 7
    assert distribution.loc[[0, 3, 6, 7, 9], "band"].tolist() == [
        "detractor",
        "detractor",
        "detractor",
        "passive",
        "promoter",
    ]


def test_a_period_with_no_leads_has_no_ratios_and_does_not_fail():
    model = make_model([("L1", "Acme", "Ann", "2024-01-10", "Referral", None)])
    book = client_book(model, AS_OF)
    figures = {figure.metric.name: figure for figure in client_figures(book, Q2, Q1)}
    assert figures["repeat_business_ratio"].value is None
    assert figures["referral_rate"].value is None
    assert figures["great_recruiter_score"].value is None
    assert figures["new_clients"].value == 0 and figures["testimonials"].value == 0
    assert figures["great_recruiter_score"].text == "–" and figures["referral_rate"].change is None
    table = client_table(book, Q2, Q1)
    assert table[["leads", "fills", "jobs_12m"]].to_numpy().sum() == 0
    assert table["jobs"].isna().all()  # no lead records a job: not tracked, so not 0
    assert consultant_table(book, Q2, Q1)["leads"].tolist() == [0]


def test_an_empty_model_gives_an_empty_report():
    report = clients_report(Model(), AS_OF)
    assert report["repeat_business_ratio"] is None and report["great_recruiter_score"] is None
    assert report["clients"] == [] and report["consultants"] == [] and report["testimonials"] == 0
    json.dumps(report, allow_nan=False)


def test_repeat_business_ratio_counts_clients_with_two_leads_in_the_twelve_months():
    model = make_model(
        [
            ("L1", "Acme", "Ann", "2025-01-05", "Website", None),
            ("L2", "Acme", "Ann", "2025-06-20", "Website", None),
            ("L3", "Brook", "Ann", "2024-06-30", "Website", None),  # 12 months before: outside
            ("L4", "Brook", "Bob", "2025-03-01", "Website", None),
            ("L5", "Cole", "Bob", "2024-07-01", "Website", None),  # first day inside
            ("L6", "Cole", "Ann", "2025-06-30", "Website", None),
            ("L7", "Dale", "Bob", "2025-07-01", "Website", None),  # after the as-of date
        ]
    )
    window = twelve_months_to(AS_OF)
    assert (window.start, window.end) == (date(2024, 7, 1), AS_OF)
    book = client_book(model, AS_OF)
    assert repeat_business_ratio(book, AS_OF)["all"] == pytest.approx(2 / 3)  # Acme, Cole of 3
    by_consultant = repeat_business_ratio(book, AS_OF, "consultant_key")
    assert by_consultant.to_dict() == {"ann": 0.5, "bob": 0.0}  # Ann: Acme twice, Cole once
    report = clients_report(model, AS_OF)
    assert report["repeat_business_ratio"] == pytest.approx(2 / 3)
    assert {row["client"]: row["jobs_12m"] for row in report["clients"]} == {
        "Acme": 2,
        "Cole": 2,
        "Brook": 1,
        "Dale": 0,
    }


@pytest.mark.parametrize(
    ("source", "referral"),
    [
        ("Referral", True),
        ("referred by Jo", True),
        ("Client recommendation", True),
        ("Word of mouth", True),
        ("Cold call", False),
        ("Repeat client", False),
        (None, False),
    ],
)
def test_referral_sources(source, referral):
    assert bool(is_referral(pd.Series([source], dtype="string")).iloc[0]) is referral


def test_referral_rate_is_new_clients_by_referral_over_new_clients():
    model = make_model(
        [
            ("L1", "Acme", "Ann", "2025-04-02", "Referral", None),
            ("L2", "Brook", "Ann", "2025-05-02", "Recommended by Acme", None),
            ("L3", "Cole", "Bob", "2025-06-02", "Cold call", None),
            ("L4", "Dale", "Bob", "2025-01-02", "Referral", None),  # new last quarter
            ("L5", "Dale", "Bob", "2025-05-02", "Referral", None),  # not new any more
            ("L6", "Cole", "Bob", "2025-06-20", "Referral", None),  # only its first lead counts
        ]
    )
    book = client_book(model, AS_OF)
    figures = {figure.metric.name: figure for figure in client_figures(book, Q2, Q1)}
    assert figures["referral_rate"].value == pytest.approx(2 / 3)
    assert figures["referral_rate"].previous == 1.0
    assert figures["new_clients"].value == 3 and figures["new_clients"].previous == 1
    assert figures["referral_rate"].change_text == "-33 pts"
    consultants = consultant_table(book, Q2, Q1).set_index("consultant")
    assert consultants["new_clients"].to_dict() == {"Ann": 2, "Bob": 1}
    assert consultants["referral_rate"].to_dict() == {"Ann": 1.0, "Bob": 0.0}
    table = client_table(book, Q2, Q1).set_index("client")
    assert table["new_client"].to_dict() == {"Cole": True, "Dale": False, "Acme": True, "Brook": True}


def contact_model() -> Model:
    activities = conform(
        pd.DataFrame(
            {
                "consultant": ["Ann"],
                "on": pd.to_datetime(["2025-03-28"]),
                "kind": ["meeting"],
                "count": [1],
                "client": ["ACME ltd"],
            }
        ),
        ACTIVITIES,
    )
    placements = conform(
        pd.DataFrame(
            {
                "placement_id": ["P1"],
                "client": ["Brook"],
                "consultant": ["Bob"],
                "start_on": pd.to_datetime(["2025-06-10"]),
            }
        ),
        PLACEMENTS,
    )
    return make_model(
        [
            ("L1", "Acme", "Ann", "2025-01-10", "Website", None),
            ("L2", "Brook", "Bob", "2025-02-01", "Website", None),
            ("L3", "Cole", "Bob", "2024-03-01", "Website", None),
            ("L4", "Dale", "Bob", "2025-02-01", "Website", None),
        ],
        [
            ("Dale", "Bob", "2025-06-29", 9, False, True),
            ("Dale", "Bob", "2025-07-15", 2, False, True),
        ],  # after the as-of date: not yet
        {"L4": "2025-08-01"},  # a planned start is not a contact
        activities=activities,
        placements=placements,
    )


def test_days_since_contact_take_the_latest_touch_up_to_the_as_of_date():
    table = client_table(client_book(contact_model(), AS_OF), Q2, Q1).set_index("client")
    assert table["last_contact_on"].dt.date.to_dict() == {
        "Acme": date(2025, 3, 28),
        "Brook": date(2025, 6, 10),
        "Cole": date(2024, 3, 1),
        "Dale": date(2025, 6, 29),
    }
    assert table["days_since_contact"].to_dict() == {"Acme": 94, "Brook": 20, "Cole": 486, "Dale": 1}
    assert table["lapsed"].to_dict() == {"Acme": True, "Brook": False, "Cole": False, "Dale": False}
    assert table.at["Acme", "flag"] == "no contact for 94 days — would they pick up?"
    assert table.at["Cole", "flag"].startswith("no contact for 486 days — a former client")
    assert pd.isna(table.at["Brook", "flag"])
    assert table.at["Dale", "testimonials"] == 1  # the July answer is after the as-of date


def test_lapsed_clients_are_counted_at_each_period_end():
    book = client_book(contact_model(), AS_OF)
    figures = {figure.metric.name: figure for figure in client_figures(book, Q2, Q1)}
    # On 30 June Acme (94 days) has lapsed; on 31 March nobody had gone 90 days within the year.
    assert (figures["lapsed_clients"].value, figures["lapsed_clients"].previous) == (1, 0)
    assert figures["lapsed_clients"].metric.higher_is_better is False


def test_fills_and_fees_count_starts_in_the_period_with_the_placement_fee_as_fallback():
    placements = conform(
        pd.DataFrame({"placement_id": ["P2"], "lead_id": ["L2"], "client": ["Acme"], "fee": [4000.0]}),
        PLACEMENTS,
    )
    model = make_model(
        [
            ("L1", "Acme", "Ann", "2025-01-10", "Website", 5000.0),
            ("L2", "Acme", "Ann", "2025-02-10", "Website", None),
            ("L3", "Brook", "Bob", "2025-02-10", "Website", 1000.0),
        ],
        starts={"L1": "2025-04-10", "L2": "2025-05-01", "L3": "2025-03-01"},
        placements=placements,
    )
    book = client_book(model, AS_OF)
    table = client_table(book, Q2, Q1).set_index("client")
    assert table.loc["Acme", ["fills", "fees", "fills_before"]].tolist() == [2, 9000.0, 0]
    assert table.loc["Brook", ["fills", "fees_before"]].tolist() == [0, 1000.0]
    consultants = consultant_table(book, Q2, Q1).set_index("consultant")
    assert consultants.at["Ann", "fees"] == 9000.0


def test_relationship_shape_groups_clients_and_splits_the_fees():
    leads = [(f"A{i}", "Acme", "Ann", f"2025-0{i + 1}-01", "Website", 1000.0) for i in range(4)]
    leads += [
        ("B1", "Brook", "Bob", "2025-02-01", "Website", 500.0),
        ("B2", "Brook", "Bob", "2025-03-01", "Website", None),
        ("C1", "Cole", "Bob", "2025-03-01", "Website", 500.0),
    ]
    model = make_model(
        leads, starts={"A0": "2025-02-01", "A1": "2025-04-01", "B1": "2025-05-01", "C1": "2025-05-01"}
    )
    book = client_book(model, AS_OF)
    shape = relationship_shape(book).set_index("group")
    assert shape["clients"].tolist() == [1, 1, 1]
    assert shape["fees"].tolist() == [500.0, 500.0, 2000.0]
    assert shape["share_of_fees"].sum() == pytest.approx(1)
    figures = concentration(book)
    assert figures["repeat_fee_share"] == pytest.approx(2500 / 3000)
    assert figures["top_five_fee_share"] == 1.0
    assert (figures["one_off"], figures["two_to_three"], figures["four_plus"]) == (1, 1, 1)
    quarters = shape_by_quarter(book, quarters=3)
    assert quarters["quarter"].tolist() == ["Q2 2025", "Q1 2025", "Q4 2024"]
    assert quarters["clients"].tolist() == [3, 3, 0]
    assert pd.isna(quarters["repeat_business_ratio"].iloc[-1])


def test_searching_narrows_the_client_table():
    model = make_model(
        [("L1", "Acme", "Ann", "2025-05-01", "Web", None), ("L2", "Brook", "Ann", "2025-05-01", "Web", None)]
    )
    table = client_table(client_book(model, AS_OF), Q2, Q1)
    assert matching_clients(table, "  bro").loc[:, "client"].tolist() == ["Brook"]
    assert len(matching_clients(table, "")) == 2 and matching_clients(table, "(").empty


def test_every_figure_and_column_is_documented():
    for metric in CLIENT_METRICS:
        assert metric.label and metric.definition.endswith(".")
        assert metric.format in ("count", "percent", "score")
    for label, definition in (*CLIENT_COLUMNS.values(), *CONSULTANT_COLUMNS.values()):
        assert label and definition.endswith(".")


@pytest.fixture(scope="module")
def sample_model() -> Model:
    return ingest_paths([SAMPLE]).model


def test_the_report_on_the_sample_workbook_is_strict_json(sample_model):
    report = clients_report(sample_model, date(2026, 11, 20))
    text = json.dumps(report, allow_nan=False)
    assert "NaN" not in text
    assert report["as_of"] == "2026-11-20"
    assert 0 < report["repeat_business_ratio"] <= 1
    assert report["testimonials"] == int(sample_model.feedback["testimonial"].sum())
    assert report["answers"] == len(sample_model.feedback)
    assert -100 <= report["great_recruiter_score"] <= 100
    first = report["clients"][0]
    assert set(first) >= {
        "client",
        "jobs_12m",
        "last_contact_on",
        "days_since_contact",
        "great_recruiter_score",
        "small_sample",
        "flag",
        "lapsed",
    }
    assert all(set(row) >= {"consultant", "great_recruiter_score"} for row in report["consultants"])
    # "Pennine Foods plc" and "Pennine Foods Plc" (feedback) are one client.
    names = [row["client"] for row in report["clients"]]
    assert len(names) == len(set(names)) and sum("Pennine Foods" in name for name in names) == 1


def test_an_unhappy_client_is_flagged_in_words():
    table = client_table(client_book(feedback_model({"Ann": [2]}), AS_OF), Q2, Q1)
    assert table["flag"].tolist() == ["more detractors than promoters (score -100 from 1 answer)"]
