"""Nail-to-milestone ratios and targets on a small team counted by hand, and on the sample."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE

from recruit_dash.model import ACTIVITIES, LEADS, MILESTONES, PLACEMENTS, Model, conform
from recruit_dash.periods import Period
from recruit_dash.ratios import (
    DEFAULT_PAIRS,
    RatioPair,
    default_goal,
    ledger,
    pairs_from_dicts,
    pairs_to_dicts,
    placements_for_fee,
    ratio_grid,
    ratios_report,
    targets,
    targets_report,
    trailing,
)

AS_OF = date(2025, 6, 30)
JUNE = Period(date(2025, 6, 1), date(2025, 6, 30), "June 2025")


@pytest.fixture(scope="module")
def model() -> Model:
    """Ann converts well, Bob needs more calls, Cat logs calls but has no milestones; Ann's lead L9
    carries an activity Bob logged."""
    leads = conform(pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4", "L5", "L6", "L9"],
        "consultant": ["Ann", "Ann", "Bob", "Bob", "Bob", "Ann", "Ann"],
        "fee": [5000, 7000, 6000, None, None, None, None],
    }), LEADS)
    events = [
        ("L1", "shortlist", "2025-06-02"), ("L1", "interview", "2025-06-05"),
        ("L1", "offer", "2025-06-10"), ("L1", "started", "2025-06-20"),
        ("L2", "shortlist", "2025-06-03"), ("L2", "interview", "2025-06-09"),
        ("L2", "offer", "2025-06-12"), ("L2", "started", "2025-06-25"),
        ("L3", "shortlist", "2025-06-04"), ("L3", "interview", "2025-06-11"),
        ("L3", "offer", "2025-06-18"), ("L3", "started", "2025-06-28"),
        ("L4", "shortlist", "2025-06-05"), ("L4", "interview", "2025-06-16"),
        ("L5", "shortlist", "2025-06-06"),
        ("L6", "shortlist", "2025-07-02"),  # after the as-of date: planned, not counted
        ("L9", "meeting", "2025-06-03"),
    ]
    milestones = conform(pd.DataFrame(events, columns=["lead_id", "stage", "reached_on"]),
                         MILESTONES)
    activities = conform(pd.DataFrame([
        ("Ann", "2025-06-02", "call", 40, None), ("Ann", "2025-06-02", "cv_sent", 4, None),
        ("Ann", "2025-06-09", "interview", 4, None), ("Ann", "2025-06-02", "bd_call", 10, None),
        ("Bob", "2025-06-02", "call", 150, None), ("Bob", "2025-06-02", "cv_sent", 9, None),
        ("Bob", "2025-06-09", "interview", 6, None),
        ("Bob", "2025-06-10", "bd_call", 12, "L9"),  # Bob logged it on Ann's lead
        ("Cat", "2025-06-02", "call", 80, None),
        ("Ann", "2025-03-03", "call", 999, None),  # before June and the 90 days
    ], columns=["consultant", "on", "kind", "count", "lead_id"]), ACTIVITIES)
    placements = conform(pd.DataFrame({"placement_id": ["P1"], "lead_id": ["L3"],
                                       "consultant": ["Bob"], "fee": [6000]}), PLACEMENTS)
    return Model(leads=leads, milestones=milestones, activities=activities, placements=placements)


def row(grid: pd.DataFrame, consultant: str, key: str) -> pd.Series:
    return grid[(grid["consultant"] == consultant) & (grid["pair"] == key)].iloc[0]


@pytest.mark.parametrize(("consultant", "key", "activities", "milestones", "ratio"), [
    ("Ann", "call->shortlist", 40, 2, 20.0),
    ("Bob", "call->shortlist", 150, 3, 50.0),
    ("Ann", "cv_sent->interview", 4, 2, 2.0),
    ("Bob", "interview->offer", 6, 1, 6.0),
    ("Ann", "stage:offer->started", 2, 2, 1.0),
    ("Ann", "all->started", 40 + 4 + 4 + 10 + 12, 2, 35.0),
    ("Ann", "bd_call->meeting", 22, 1, 22.0),
])
def test_counts_and_ratios_by_hand(model, consultant, key, activities, milestones, ratio):
    got = row(ratio_grid(ledger(model), JUNE, AS_OF), consultant, key)
    assert (got["activities"], got["milestones"], got["ratio"]) == (activities, milestones, ratio)


def test_a_consultant_with_no_milestones_has_a_null_ratio_not_infinity(model):
    got = row(ratio_grid(ledger(model), JUNE, AS_OF), "Cat", "call->shortlist")
    assert got["activities"] == 80 and got["milestones"] == 0
    assert pd.isna(got["ratio"]) and got["against_team"] is None
    rows = [item for item in ratios_report(model, AS_OF, JUNE.start, JUNE.end)["rows"]
            if item["consultant"] == "Cat"]
    assert rows and all(item["ratio"] is None for item in rows)


def test_a_period_with_no_activity_gives_zero_or_null_and_does_not_crash(model):
    quiet = Period(date(2024, 1, 1), date(2024, 1, 31), "January 2024")
    grid = ratio_grid(ledger(model), quiet, AS_OF)
    assert (grid["activities"] == 0).all() and (grid["milestones"] == 0).all()
    assert grid["ratio"].isna().all() and grid["team_median"].isna().all()
    # Milestones without a single activity logged: the ratio is 0, not null.
    no_calls = ratio_grid(ledger(Model(leads=model.leads, milestones=model.milestones)), JUNE, AS_OF)
    assert row(no_calls, "Bob", "call->shortlist")["ratio"] == 0.0
    json.dumps(ratios_report(model, AS_OF, quiet.start, quiet.end), allow_nan=False)


def test_the_author_switch_moves_a_lead_linked_activity_to_whoever_logged_it(model):
    owner = ratio_grid(ledger(model, "owner"), JUNE, AS_OF)
    author = ratio_grid(ledger(model, "author"), JUNE, AS_OF)
    assert row(owner, "Ann", "bd_call->meeting")["activities"] == 22
    assert row(owner, "Bob", "bd_call->meeting")["activities"] == 0
    assert row(author, "Ann", "bd_call->meeting")["activities"] == 10
    assert row(author, "Bob", "bd_call->meeting")["activities"] == 12


def test_team_median_small_sample_and_standing(model):
    grid = ratio_grid(ledger(model), JUNE, AS_OF)
    calls = grid[grid["pair"] == "call->shortlist"].set_index("consultant")
    assert calls["team_median"].iloc[0] == 35.0  # median of 20 and 50; Cat's null left out
    assert calls.loc["Ann", "against_team"] == "better"
    assert calls.loc["Bob", "against_team"] == "worse"
    assert calls["small_sample"].all()  # fewer than 5 shortlists each


def test_targets_use_own_ratios_along_the_chain(model):
    result = targets(ledger(model), AS_OF, "Ann", 2)
    # Ann: 20 calls per shortlist, 1 shortlist per interview, 1 interview per offer, 1 offer per start.
    assert result.needed["call"] == 40 and result.needed["cv_sent"] == 4
    assert result.milestones_needed["shortlist"] == 2
    assert "call" not in result.from_team_median


def test_targets_for_a_missing_ratio_use_the_team_median_and_say_so(model):
    # Bob has no BD call credited and no meeting milestone: his link comes from the team's median.
    report = targets_report(model, AS_OF, "Bob", 1)
    assert "bd_call" in report["from_team_median"]
    link = next(item for item in report["links"] if item["pair"] == "bd_call->meeting")
    assert link["own"] is None and link["from_team_median"] and link["used"] == 22
    assert report["needed"]["bd_call"] is not None
    assert set(report) >= {"consultant", "placements", "ratios_from", "ratios_to", "needed"}
    json.dumps(report, allow_nan=False)


def test_targets_name_an_unknown_consultant(model):
    with pytest.raises(ValueError, match="No consultant called 'Zed'"):
        targets_report(model, AS_OF, "Zed", 1)


def test_a_fee_goal_becomes_placements_at_the_average_fee(model):
    goal = placements_for_fee(ledger(model), AS_OF, "Ann", 13000)
    assert (goal.average_fee, goal.placements, goal.from_team) == (6000.0, 3, False)
    nobody = placements_for_fee(ledger(model), AS_OF, "Cat", 12000)
    assert nobody.from_team and nobody.average_fee == 6000.0 and nobody.placements == 2
    assert default_goal(ledger(model), AS_OF, "Ann", "month") == 1


def test_pairs_round_trip_through_plain_data():
    data = pairs_to_dicts(DEFAULT_PAIRS)
    assert pairs_from_dicts(json.loads(json.dumps(data))) == DEFAULT_PAIRS
    with pytest.raises(ValueError):
        RatioPair.from_dict({"activity": "coffee", "milestone": "job"})


@pytest.fixture(scope="module")
def sample() -> Model:
    from recruit_dash.ingest import ingest_paths
    return ingest_paths([Path(SAMPLE)]).model


def test_the_sample_counts_match_a_direct_count(sample):
    as_of = date(2026, 11, 20)
    report = ratios_report(sample, as_of)
    window = trailing(as_of)
    assert (report["from"], report["to"]) == ("2026-08-23", "2026-11-20")
    json.dumps(report, allow_nan=False)
    who = "Sarah Whitfield"
    acts = sample.activities
    acts = acts[(acts["consultant"] == who) & (acts["on"] >= pd.Timestamp(window.start))
                & (acts["on"] <= pd.Timestamp(as_of))]
    owned = sample.leads.loc[sample.leads["consultant"] == who, "lead_id"]
    events = sample.milestones[sample.milestones["lead_id"].isin(owned)]
    events = events[(events["reached_on"] >= pd.Timestamp(window.start))
                    & (events["reached_on"] <= pd.Timestamp(as_of))]
    rows = {(item["activity"], item["milestone"]): item for item in report["rows"]
            if item["consultant"] == who}
    for pair in DEFAULT_PAIRS:
        got = rows[(pair.activity, pair.milestone)]
        if pair.source == "milestone":
            nails = events.loc[events["stage"] == pair.activity, "lead_id"].nunique()
        elif pair.activity == "all":
            nails = acts["count"].sum()
        else:
            nails = acts.loc[acts["kind"] == pair.activity, "count"].sum()
        built = events.loc[events["stage"] == pair.milestone, "lead_id"].nunique()
        assert (got["activities"], got["milestones"]) == (nails, built), pair.key


def test_two_pairs_that_read_alike_get_a_column_each(model):
    from recruit_dash.ratios import MILESTONE, ratio_table

    pairs = (RatioPair("meeting", "job"), RatioPair("meeting", "job", MILESTONE))
    grid = ratio_grid(ledger(model), JUNE, AS_OF, pairs)
    shown, flags = ratio_table(grid)
    assert list(shown.columns) == ["Consultant", "Client meetings per job registered",
                                   "Client meetings per job registered (2)"]
    assert shown.shape == flags.shape
