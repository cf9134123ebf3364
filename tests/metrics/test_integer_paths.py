"""The integer look-ups behind the funnel, cohorts, stalled leads, aftercare and the call queue
(issue 18): the same answers as a look-up by text, at the edges where they could differ."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pandas.testing as pdt
import pytest

from recruit_dash.metrics.aftercare import aftercare
from recruit_dash.metrics.funnel import cohorts, filled_curve, progress
from recruit_dash.metrics.stalled import stalled_leads
from recruit_dash.model import CHECKINS, LEADS, MILESTONES, PLACEMENTS, Model, conform, positions

AS_OF = date(2026, 3, 16)


@pytest.mark.parametrize(("keys", "ids", "expected"), [
    (["B", "A", "C"], ["A", "B"], [1, 0, -1]),          # a key no id has: -1
    (["A", "B"], ["A", "B", "A"], [0, 1]),              # an id held twice: its first row
    ([], ["A"], []),
    (["A"], [], [-1]),
    ([None, "A"], ["A", None], [1, 0]),                 # a missing key finds a missing id
])
def test_positions_finds_each_keys_first_row_and_a_missing_key_the_first_missing_id(
        keys, ids, expected):
    got = positions(pd.Series(keys, dtype="string"), pd.Series(ids, dtype="string"),
                    missing_matches=True)
    assert got.tolist() == expected
    # Where a missing key finds nothing (a blank lead id on an activity is no lead).
    plain = positions(pd.Series(keys, dtype="string"), pd.Series(ids, dtype="string"))
    assert plain.tolist() == [-1 if key is None else row for key, row in zip(keys, expected,
                                                                             strict=True)]


@pytest.fixture(scope="module")
def model() -> Model:
    leads = conform(pd.DataFrame({
        "lead_id": ["A", "B", "C", "D"], "consultant": ["Ann", "Ann", "Bob", "Bob"],
        "outcome": ["open", "open", "lost", "open"],
        "created_on": ["2025-11-03", "2025-12-20", "2026-01-05", None]}), LEADS)
    milestones = conform(pd.DataFrame([
        ("A", "lead", "2025-11-03"), ("A", "shortlist", "2025-11-20"), ("A", "started", "2026-01-10"),
        ("B", "lead", "2025-12-20"), ("B", "interview", "2026-01-02"),
        ("C", "lead", "2026-01-05"), ("D", "shortlist", None), ("X", "lead", "2026-01-01"),
    ], columns=["lead_id", "stage", "reached_on"]), MILESTONES)
    return Model(leads=leads, milestones=milestones)


@pytest.mark.parametrize("freq", ["month", "quarter"])
def test_cohorts_and_the_filled_curve_read_a_given_standing_as_their_own(model, freq):
    standing = progress(model, AS_OF)
    pdt.assert_frame_equal(cohorts(model, AS_OF, freq=freq, standing=standing),
                           cohorts(model, AS_OF, freq=freq))
    pdt.assert_frame_equal(filled_curve(model, AS_OF, standing=standing),
                           filled_curve(model, AS_OF))


def test_a_milestone_of_a_lead_not_in_the_tracker_is_left_out(model):
    standing = progress(model, AS_OF)
    assert len(standing.leads) == 4 and set(standing.dated["code"]) == {0, 1, 2}
    table = cohorts(model, AS_OF).set_index("month")
    assert table["leads"].to_dict() == {"2025-11": 1, "2025-12": 1, "2026-01": 1}
    assert table.loc["2025-11", "median_days_to"] == {"shortlist": 17.0, "started": 68.0}


def test_stalled_reasons_word_each_lead_by_its_own_days_and_next_call():
    leads = conform(pd.DataFrame({
        "lead_id": ["A", "B", "C"], "consultant": "Ann", "outcome": "open",
        "next_action_on": ["2026-03-01", None, "2026-03-01"]}), LEADS)
    milestones = conform(pd.DataFrame([
        ("A", "lead", "2026-03-01"), ("B", "lead", "2026-03-01"), ("C", "lead", "2026-03-01"),
        ("C", "shortlist", "2026-03-06")], columns=["lead_id", "stage", "reached_on"]), MILESTONES)
    found = stalled_leads(Model(leads=leads, milestones=milestones), AS_OF).leads
    assert dict(zip(found["lead_id"], found["reason"], strict=True)) == {
        "A": "Lead generated 15 days ago, no CVs sent yet, next call was due 1 Mar 2026",
        "B": "Lead generated 15 days ago, no CVs sent yet, no next call set",
        "C": "CVs sent 10 days ago, no 1st interview arranged yet, next call was due 1 Mar 2026",
    }


@pytest.mark.parametrize(("contacts", "done"), [
    ({"P1": ["2026-02-07"]}, "2026-02-07"),                  # on the window's opening day
    ({"P1": ["2026-02-13"]}, "2026-02-13"),                  # on its closing day
    ({"P1": ["2026-02-06", "2026-02-14"]}, None),            # a day outside either side
    ({"P1": ["2026-02-12", "2026-02-08"]}, "2026-02-08"),    # the first contact inside it
    ({"P2": ["2026-02-10"]}, None),                          # another placement's contact
])
def test_a_check_in_is_done_by_the_first_contact_inside_its_window(contacts, done):
    placements = conform(pd.DataFrame([
        {"placement_id": pid, "lead_id": f"L{pid}", "candidate": "Chloe", "start_on": "2026-01-11"}
        for pid in ("P1", "P2")]), PLACEMENTS)
    checkins = conform(pd.DataFrame([{"placement_id": pid, "checkpoint": "call", "done_on": on}
                                     for pid, days in contacts.items() for on in days]), CHECKINS)
    care = aftercare(Model(placements=placements, checkins=checkins), AS_OF)
    day30 = care.checkins[(care.checkins["checkpoint"] == "Day 30")
                          & (care.checkins["placement_id"] == "P1")].iloc[0]  # due 10 Feb
    if done is None:
        assert pd.isna(day30["done_on"]) and day30["status"] == "overdue"
    else:
        assert day30["done_on"] == pd.Timestamp(done) and day30["status"] == "done"
