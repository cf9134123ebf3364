"""The funnel and cohorts on five leads counted by hand (DESIGN.md's definitions)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from recruit_dash.metrics.funnel import cohorts, funnel, quarter_on_quarter, split_funnels
from recruit_dash.model import LEADS, MILESTONES, STAGE_ORDER, Model, conform
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


# No lead records a client meeting, an interview completed, a 2nd interview, a resignation or a
# probation: those stages are not tracked, so they are no rows (not filled from later stages).
@pytest.mark.parametrize(("lens", "expected"), [
    ("cohort", {"lead": 4, "job": 4, "shortlist": 4, "interview": 3, "offer": 2, "accepted": 2,
                "started": 1}),
    ("activity", {"lead": 4, "job": 0, "shortlist": 3, "interview": 2, "offer": 1, "accepted": 1,
                  "started": 1}),
    ("snapshot", {"lead": 3, "job": 3, "shortlist": 3, "interview": 2, "offer": 1,
                  "accepted": 1, "started": 0}),
])
def test_each_lens_counts_reach_or_later_by_the_as_of_date(model, lens, expected):
    got = counts(funnel(model, lens, Q2, AS_OF))
    assert got == expected and list(got) == list(expected)


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


def test_quarter_on_quarter_has_every_tracked_stage_of_both_lenses(model):
    table = quarter_on_quarter(model, AS_OF)
    assert set(table["lens"]) == {"cohort", "activity"} and len(table) == 14  # 7 tracked stages
    assert "Client meeting agreed" not in set(table["stage"])
    cohort_leads = table[(table["lens"] == "cohort") & (table["stage"] == "Lead generated")]
    assert cohort_leads[["count_this", "count_last", "count_change"]].iloc[0].tolist() == [4, 1, 3]


def test_the_filled_curve_of_a_tracker_with_no_starts_is_all_zero():
    from recruit_dash.metrics.funnel import filled_curve

    leads = conform(pd.DataFrame({"lead_id": ["A", "B"], "outcome": ["open", "open"]}), LEADS)
    milestones = conform(pd.DataFrame({"lead_id": ["A", "B"], "stage": ["lead", "lead"],
                                       "reached_on": ["2025-05-02", "2025-06-02"]}), MILESTONES)
    curve = filled_curve(Model(leads=leads, milestones=milestones), AS_OF)
    assert set(curve["cohort"]) == {"2025-05", "2025-06"} and (curve["share_filled"] == 0).all()


@pytest.fixture(scope="module")
def awkward() -> Model:
    """G is generated after the as-of date (with a tick); P plans its interview after it; N has
    no stage at all; U has no date at all; X and Y log CVs and interviews either side of Q2."""
    leads = conform(pd.DataFrame({
        "lead_id": ["G", "P", "N", "U", "X", "Y"],
        "consultant": ["Ann", "Ann", None, None, "Bob", "Bob"],
        "created_on": [None, None, "2025-05-05", None, None, None],
        "outcome": ["open"] * 6,
    }), LEADS)
    events = [
        ("G", "lead", "2025-07-10"), ("G", "shortlist", None),  # a tick on a lead not yet generated
        ("P", "lead", "2025-05-01"), ("P", "shortlist", "2025-05-10"),
        ("P", "interview", "2025-07-20"),  # planned
        ("X", "lead", "2025-02-01"), ("X", "shortlist", "2025-03-01"),
        ("X", "interview", "2025-04-10"),
        ("Y", "lead", "2025-04-01"), ("Y", "shortlist", "2025-04-02"),
        ("Y", "interview", "2025-04-05"),
    ]
    milestones = conform(pd.DataFrame(events, columns=["lead_id", "stage", "reached_on"]), MILESTONES)
    return Model(leads=leads, milestones=milestones)


def test_a_lead_generated_after_the_as_of_date_is_in_no_lens(awkward):
    # Q2 runs past this as-of date, so G's lead date falls inside the period but after the day.
    as_of = date(2025, 6, 30)
    quarter = Period(date(2025, 4, 1), date(2025, 9, 30), "Q2-Q3")
    for lens in ("cohort", "activity", "snapshot"):
        result = funnel(awkward, lens, quarter, as_of)
        codes = {int(code) for stage_codes in result.lead_codes.values() for code in stage_codes}
        assert 0 not in codes, lens  # G is lead row 0
    assert "2025-07" not in set(cohorts(awkward, as_of)["month"])


def test_an_undated_tick_on_a_lead_not_yet_generated_is_not_reached(awkward):
    from recruit_dash.metrics.funnel import progress
    from recruit_dash.metrics.registry import furthest_stages

    standing = progress(awkward, date(2025, 6, 30))
    g = standing.leads.set_index("lead_id").loc["G"]
    assert g["furthest"] == -1 and pd.isna(g["outcome"]) and not g["generated"]
    assert "G" not in furthest_stages(awkward, date(2025, 6, 30)).index
    later = progress(awkward, date(2025, 7, 31)).leads.set_index("lead_id").loc["G"]
    assert later["furthest"] == STAGE_ORDER["shortlist"]  # once generated, the tick counts


def test_a_stage_dated_after_the_as_of_date_is_planned_not_reached(awkward):
    cohort = counts(funnel(awkward, "cohort", Q2, AS_OF, ["lead", "shortlist", "interview"]))
    activity = counts(funnel(awkward, "activity", Q2, AS_OF, ["interview"]))
    # P, Y and N were generated in Q2 (N by its created date); only Y's interview is reached.
    assert cohort == {"lead": 3, "shortlist": 2, "interview": 1}
    assert activity == {"interview": 2}  # X's and Y's interviews in April; P's is planned
    assert counts(funnel(awkward, "cohort", Q2, date(2025, 7, 31), ["interview"]))["interview"] == 2


def test_the_snapshot_counts_every_open_lead_even_with_no_stage_recorded(awkward):
    result = funnel(awkward, "snapshot", Q2, AS_OF)
    lead = result.stages[0]
    # P, N (a created date, no milestone), U (no date at all), X and Y; not G.
    assert lead.stage == "lead" and lead.count == 5 and lead.skipped == 0
    assert lead.at_stage == 2  # N and U stand at the first rung


def test_the_activity_lens_times_the_periods_own_events(awkward):
    shortlist = funnel(awkward, "activity", Q2, AS_OF, ["shortlist", "interview"]).stages[0]
    # Y's CVs went in April, 3 days before its interview (P's interview is planned); X's went in
    # March, outside Q2, so its 40 days are not this period's time in stage.
    assert shortlist.count == 2 and shortlist.median_days_to_next == 3.0
    cohort = funnel(awkward, "cohort", Period(date(2025, 1, 1), date(2025, 6, 30), "H1"), AS_OF,
                    ["shortlist", "interview"]).stages[0]
    assert cohort.median_days_to_next == 21.5  # the cohort lens times every stage of its leads


def test_a_lead_with_no_consultant_is_its_own_group_and_in_the_team_total(awkward):
    groups = split_funnels(awkward, "snapshot", Q2, AS_OF, "consultant")
    leads = groups[groups["stage"] == "lead"].set_index("group")["count"].to_dict()
    assert leads == {"Ann": 1, "Bob": 2, "(no consultant)": 2}
    assert sum(leads.values()) == funnel(awkward, "snapshot", Q2, AS_OF).stages[0].count
    months = split_funnels(awkward, "snapshot", Q2, AS_OF, "month")
    assert "(no date)" in set(months["group"])  # U


def test_a_population_with_blanks_in_it_does_not_crash(awkward):
    from recruit_dash.metrics.funnel import lead_groups, progress

    standing = progress(awkward, AS_OF)
    blanks = standing.leads["consultant"] == "Ann"  # NA where the consultant is blank
    assert blanks.isna().any()
    ann = funnel(awkward, "cohort", Q2, AS_OF, ["lead"], standing, blanks).stages[0]
    nobody = funnel(awkward, "cohort", Q2, AS_OF, ["lead"], standing,
                    lead_groups(standing, "consultant") == "(no consultant)").stages[0]
    assert (ann.count, nobody.count) == (1, 1)
