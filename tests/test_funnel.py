"""The funnel and cohorts on five leads counted by hand (DESIGN.md's definitions)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from recruit_dash.funnel import cohorts, funnel, quarter_on_quarter, split_funnels
from recruit_dash.model import LEADS, MILESTONES, Model, conform
from recruit_dash.periods import Period

AS_OF = date(2025, 6, 30)
Q2 = Period(date(2025, 4, 1), date(2025, 6, 30), "Q2 2025")


@pytest.fixture(scope="module")
def model() -> Model:
    leads = conform(pd.DataFrame({
        "lead_id": list("ABCDE"),
        "consultant": ["Ann", "Ann", "Bob", "Bob", "Ann"],
        "status": ["Placed", "Interviewing", "CVs sent", "Lost - filled direct", "Offer accepted"],
        "outcome": ["filled", "open", "open", "lost", "open"],
    }), LEADS)
    events = [
        ("A", "lead", "2025-04-02"), ("A", "shortlist", "2025-04-10"), ("A", "interview", "2025-04-15"),
        ("A", "offer", "2025-04-20"), ("A", "started", "2025-05-20"),
        ("B", "lead", "2025-04-05"), ("B", "interview", "2025-04-20"),  # skipped the shortlist
        ("C", "lead", "2025-03-20"), ("C", "shortlist", "2025-04-03"),  # lead before the period
        ("D", "lead", "2025-05-01"), ("D", "job", None), ("D", "shortlist", "2025-05-10"),  # tick, lost
        ("E", "lead", "2025-06-01"), ("E", "accepted", "2025-06-20"),
        ("E", "started", "2025-07-15"),  # a planned start, after the as-of date
    ]
    milestones = conform(pd.DataFrame(events, columns=["lead_id", "stage", "reached_on"]), MILESTONES)
    return Model(leads=leads, milestones=milestones)


def counts(result) -> dict[str, int]:
    return {row.stage: row.count for row in result.stages}


@pytest.mark.parametrize(("lens", "expected"), [
    ("cohort", {"lead": 4, "meeting": 4, "job": 4, "shortlist": 4, "interview": 3,
                "interview_done": 2, "offer": 2, "accepted": 2, "resigned": 1, "started": 1,
                "probation": 0}),
    ("activity", {"lead": 4, "meeting": 0, "job": 0, "shortlist": 3, "interview": 2,
                  "interview_done": 0, "offer": 1, "accepted": 1, "resigned": 0, "started": 1,
                  "probation": 0}),
    ("snapshot", {"lead": 3, "meeting": 3, "job": 3, "shortlist": 3, "interview": 2, "offer": 1,
                  "accepted": 1, "resigned": 0, "started": 0}),
])
def test_each_lens_counts_reach_or_later_by_the_as_of_date(model, lens, expected):
    got = counts(funnel(model, lens, Q2, AS_OF))
    assert {stage: got[stage] for stage in expected} == expected


def test_a_skipped_stage_counts_as_reached_and_is_noted(model):
    result = funnel(model, "cohort", Q2, AS_OF)
    shortlist = next(row for row in result.stages if row.stage == "shortlist")
    assert shortlist.count == 4 and shortlist.skipped == 2  # B and E never recorded a CV send
    assert any("skipped it" in note for note in result.notes)


def test_a_tick_without_a_date_counts_in_the_cohort_lens_but_not_as_an_activity(model):
    cohort = funnel(model, "cohort", Q2, AS_OF, ["lead", "job"])
    activity = funnel(model, "activity", Q2, AS_OF, ["lead", "job"])
    assert counts(cohort)["job"] == 4 and counts(activity)["job"] == 0
    assert any("without dates" in note for note in activity.notes)


def test_a_hidden_stage_leaves_the_ladder_order_and_the_bases_right(model):
    result = funnel(model, "cohort", Q2, AS_OF, ["offer", "lead", "shortlist"])
    assert [row.stage for row in result.stages] == ["lead", "shortlist", "offer"]
    offer = result.stages[-1]
    assert (offer.count, offer.step, offer.cumulative) == (2, 0.5, 0.5)


def test_time_to_the_next_dated_stage(model):
    lead = funnel(model, "cohort", Q2, AS_OF).stages[0]
    # A 8 days, B 15, D 9, E 19 from the lead to the next dated stage.
    assert lead.median_days_to_next == 12.0


def test_cohorts_say_where_each_month_of_leads_stands(model):
    table = cohorts(model, AS_OF).set_index("month")
    assert table.loc["2025-04", ["leads", "filled", "lost", "open"]].tolist() == [2, 1, 0, 1]
    assert table.loc["2025-04", "open_by_stage"] == {"interview": 1}
    assert table.loc["2025-05", "lost"] == 1
    assert table.loc["2025-06", "open_by_stage"] == {"accepted": 1}  # the start is planned
    assert table.loc["2025-03", "open_by_stage"] == {"shortlist": 1}


def test_a_later_as_of_date_turns_the_planned_start_into_a_fill(model):
    table = cohorts(model, date(2025, 7, 31)).set_index("month")
    assert table.loc["2025-06", "filled"] == 1


def test_a_split_gives_one_funnel_per_consultant(model):
    groups = split_funnels(model, "cohort", Q2, AS_OF, "consultant")
    leads = groups[groups["stage"] == "lead"].set_index("group")["count"].to_dict()
    assert leads == {"Ann": 3, "Bob": 1}


def test_quarter_on_quarter_has_every_stage_of_both_lenses(model):
    table = quarter_on_quarter(model, AS_OF)
    assert set(table["lens"]) == {"cohort", "activity"} and len(table) == 26
    cohort_leads = table[(table["lens"] == "cohort") & (table["stage"] == "Lead generated")]
    assert cohort_leads[["count_this", "count_last", "count_change"]].iloc[0].tolist() == [4, 1, 3]


def test_the_filled_curve_of_a_tracker_with_no_starts_is_all_zero():
    from recruit_dash.funnel import filled_curve

    leads = conform(pd.DataFrame({"lead_id": ["A", "B"], "outcome": ["open", "open"]}), LEADS)
    milestones = conform(pd.DataFrame({"lead_id": ["A", "B"], "stage": ["lead", "lead"],
                                       "reached_on": ["2025-05-02", "2025-06-02"]}), MILESTONES)
    curve = filled_curve(Model(leads=leads, milestones=milestones), AS_OF)
    assert set(curve["cohort"]) == {"2025-05", "2025-06"} and (curve["share_filled"] == 0).all()
