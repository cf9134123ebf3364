"""Nail-to-milestone ratios and targets on a small team counted by hand, and on the sample."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE

from recruit_dash.metrics.consultant_trends import funnel_against_team
from recruit_dash.metrics.ratio_ledger import (
    DEFAULT_PAIRS,
    RatioPair,
    ledger,
    pairs_from_dicts,
    pairs_to_dicts,
    trailing,
)
from recruit_dash.metrics.ratios import ratio_grid, ratios_report
from recruit_dash.metrics.targets import default_goal, placements_for_fee, targets, targets_report
from recruit_dash.model import ACTIVITIES, LEADS, MILESTONES, PLACEMENTS, Model, conform
from recruit_dash.periods import Period

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
    logged = grid[grid["activity_logged"]]
    assert (logged["activities"] == 0).all() and (grid["milestones"] == 0).all()
    assert grid.loc[~grid["activity_logged"], "activities"].isna().all()  # meetings: never logged
    assert grid["ratio"].isna().all() and grid["team_median"].isna().all()
    # Calls logged by others but none by Bob, against his milestones: his ratio is 0, not null.
    june = ratio_grid(ledger(model), Period(date(2025, 6, 3), date(2025, 6, 30), ""), AS_OF)
    assert row(june, "Bob", "call->shortlist")["ratio"] == 0.0
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
    from recruit_dash.ingest.pipeline import ingest_paths
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
    from recruit_dash.metrics.ratio_ledger import MILESTONE
    from recruit_dash.metrics.ratios import ratio_table

    pairs = (RatioPair("meeting", "job"), RatioPair("meeting", "job", MILESTONE))
    grid = ratio_grid(ledger(model), JUNE, AS_OF, pairs)
    shown, flags = ratio_table(grid)
    assert list(shown.columns) == ["Consultant", "Client meetings per job registered",
                                   "Client meetings per job registered (2)"]
    assert shown.shape == flags.shape


def without_calls(model: Model) -> Model:
    """Return the model with no call logged at all, as in a tracker with no calls column."""
    activities = model.activities[model.activities["kind"] != "call"].reset_index(drop=True)
    return Model(leads=model.leads, milestones=model.milestones, activities=activities,
                 placements=model.placements)


def test_a_kind_the_data_never_logs_has_no_ratio_and_says_so_in_the_grid(model):
    from recruit_dash.metrics.ratios import NOT_IN_DATA, NOT_LOGGED, ratio_table

    grid = ratio_grid(ledger(without_calls(model)), JUNE, AS_OF)
    calls = grid[grid["pair"] == "call->shortlist"]
    assert not calls["activity_logged"].any()
    assert calls["ratio"].isna().all() and calls["activities"].isna().all()
    assert calls["team_median"].isna().all() and calls["against_team"].isna().all()
    assert calls["milestones"].tolist() == [2, 3]  # Ann's and Bob's milestones still count
    shown, flags = ratio_table(grid)
    column = "Calls per shortlist"
    assert set(shown[column]) == {NOT_IN_DATA}  # every consultant and the team median
    assert set(flags[column].iloc[:-1]) == {NOT_LOGGED}  # greyed, never coloured as a standing
    # A kind that is logged keeps its ratios, and a logged kind at zero is a real 0.
    assert row(grid, "Bob", "cv_sent->interview")["ratio"] == 4.5


def test_the_ratios_report_gives_null_and_says_the_kind_is_not_logged(model):
    document = ratios_report(without_calls(model), AS_OF, JUNE.start, JUNE.end)
    json.dumps(document, allow_nan=False)
    calls = [item for item in document["rows"] if item["activity"] == "call"]
    assert calls and all(item["ratio"] is None and item["activities"] is None
                         and item["activity_logged"] is False and item["team_median"] is None
                         and item["note"] == "not in your data" for item in calls)
    logged = [item for item in document["rows"] if item["activity"] == "cv_sent"]
    assert all(item["activity_logged"] is True and item["note"] is None for item in logged)
    pairs = {pair["key"]: pair["activity_logged"] for pair in document["pairs"]}
    assert pairs["call->shortlist"] is False and pairs["cv_sent->interview"] is True
    assert pairs["meeting->job"] is False  # the fixture logs no client meetings either


def test_targets_for_a_kind_the_data_never_logs_are_blank_and_say_so(model):
    from recruit_dash.metrics.ratios import NOT_IN_DATA
    from recruit_dash.metrics.targets import targets_frame

    book = ledger(without_calls(model))
    result = targets(book, AS_OF, "Ann", 2)
    assert result.needed["call"] is None and result.team_needed["call"] is None
    assert "call" in result.not_logged and result.needed["cv_sent"] is not None
    assert any(note.startswith("Not in your data:") and "Calls" in note for note in result.notes)
    frame = targets_frame(result, Period(date(2025, 7, 1), date(2025, 7, 31), "July 2025"))
    calls = frame[frame["activity"] == "Calls"].iloc[0]
    assert calls["note"] == NOT_IN_DATA and pd.isna(calls["needed"])
    assert frame.loc[frame["activity"] == "CVs sent", "note"].item() == ""
    document = targets_report(without_calls(model), AS_OF, "Ann", 2)
    json.dumps(document, allow_nan=False)
    assert document["needed"]["call"] is None and document["activity_logged"]["call"] is False
    assert document["activity_logged"]["cv_sent"] is True


def test_the_coaching_pack_says_not_in_your_data_for_a_kind_never_logged(model):
    import io

    from pypdf import PdfReader

    from recruit_dash.outputs.pack import coaching_pack

    pdf = coaching_pack(without_calls(model), "Ann", JUNE.start, JUNE.end, AS_OF)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Calls per shortlist – 2 – – not in your data: none logged" in text


def test_the_biggest_leak_reads_as_events_per_event_never_a_share_above_100():
    from recruit_dash.metrics.consultant_trends import biggest_leak

    comparison = pd.DataFrame({
        "stage": ["job", "shortlist", "interview"],
        "label": ["Job registered", "CVs sent / shortlist", "1st interview arranged"],
        "count": [10, 10, 3], "step": [None, 1.0, 0.3], "cumulative": [1.0, 1.0, 0.3],
        "count_team": [50, 67, 30], "step_team": [None, 1.34, 0.45],
        "cumulative_team": [1.0, 1.34, 0.6]})
    text = biggest_leak(comparison)
    assert "%" not in text
    assert "Job registered → CVs sent / shortlist: 1.00 shortlists per job registered" in text
    assert "against 1.34 for the team" in text


def test_a_lead_or_activity_with_no_consultant_is_a_row_of_its_own_not_in_the_median(model):
    leads = conform(pd.concat([model.leads[["lead_id", "consultant"]], pd.DataFrame(
        {"lead_id": ["N1", "N2"], "consultant": [None, " "]})]), LEADS)
    blank = conform(pd.DataFrame([("N1", "shortlist", "2025-06-05"), ("N2", "shortlist", "2025-06-06")],
                                 columns=["lead_id", "stage", "reached_on"]), MILESTONES)
    unsigned = conform(pd.DataFrame([(None, "2025-06-04", "call", 400, None)],
                                    columns=["consultant", "on", "kind", "count", "lead_id"]),
                       ACTIVITIES)
    with_blanks = Model(leads=leads, milestones=pd.concat([model.milestones, blank]),
                        activities=pd.concat([model.activities, unsigned]))
    book = ledger(with_blanks)
    assert book.consultants[-1] == "(no consultant)"  # last, so a picker opens on a person
    grid = ratio_grid(book, JUNE, AS_OF)
    nobody = row(grid, "(no consultant)", "call->shortlist")
    assert (nobody["activities"], nobody["milestones"], nobody["ratio"]) == (400, 2, 200.0)
    assert nobody["team_median"] == 35.0  # still the median of Ann's 20 and Bob's 50
    shortlists = grid[grid["pair"] == "call->shortlist"]["milestones"].sum()
    assert shortlists == 2 + 3 + 2  # Ann's, Bob's and the two without a consultant
    report = ratios_report(with_blanks, AS_OF, JUNE.start, JUNE.end)
    assert "(no consultant)" in {item["consultant"] for item in report["rows"]}
    json.dumps(report, allow_nan=False)
    theirs = funnel_against_team(with_blanks, "(no consultant)", JUNE, AS_OF).set_index("stage")
    assert theirs.at["shortlist", "count"] == 2 and theirs.at["shortlist", "count_team"] == 7
