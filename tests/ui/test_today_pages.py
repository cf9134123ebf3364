"""The Stalled & today and Aftercare pages under AppTest, on the sample: what they show is what
the engine computes, and the filters, thresholds and schedule change it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE
from streamlit.testing.v1 import AppTest

from recruit_dash.ingest.pipeline import ingest_paths
from recruit_dash.metrics.aftercare import aftercare
from recruit_dash.metrics.queue import LONG_OVERDUE, LONG_OVERDUE_DAYS, call_queue
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.metrics.stalled import StallRules, stalled_leads

APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def sample():
    model = ingest_paths([SAMPLE]).model
    return model, data_as_of(model)


def page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(path).run()
    assert not at.exception
    return at


def metric(at: AppTest, label: str) -> int:
    return int(next(card for card in at.metric if card.label == label).value.replace(",", ""))


def table(at: AppTest, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_stalled_leads_are_the_engines_with_reasons_and_filters_narrow_them(sample):
    model, as_of = sample
    expected = stalled_leads(model, as_of).leads
    at = page("pages/stalled_today.py")
    assert metric(at, "Stalled leads") == len(expected) > 0
    recent, old = (frame.value for frame in at.dataframe if "reason" in frame.value.columns)
    # Leads stalled for more than 90 days are listed apart, after the others.
    assert (recent["days_since_progress"] <= 90).all() and (old["days_since_progress"] > 90).all()
    shown = pd.concat([recent, old])
    assert sorted(shown["lead_id"]) == sorted(expected["lead_id"])
    assert shown["reason"].str.contains(" days ago").all()
    assert not shown["stage"].isin(["shortlist", "lead"]).any()  # stages shown in words
    someone = expected["consultant"].iloc[0]
    at.multiselect(key="stalled_consultants").set_value([someone]).run()
    assert metric(at, "Stalled leads") == int((expected["consultant"] == someone).sum())
    at.multiselect(key="stalled_stages").set_value(["shortlist"]).run()
    narrowed = pd.concat(frame.value for frame in at.dataframe if "reason" in frame.value.columns)
    assert set(narrowed["consultant"]) == {someone} and set(narrowed["stage"]) == {"CVs sent / shortlist"}


def test_looser_stall_rules_shorten_the_list(sample):
    model, as_of = sample
    loose = StallRules.from_dict({"thresholds": dict.fromkeys(StallRules().thresholds, 60)})
    at = page("pages/stalled_today.py")
    before = metric(at, "Stalled leads")
    at.session_state["stall_rules"] = loose
    at.run()
    assert metric(at, "Stalled leads") == len(stalled_leads(model, as_of, loose).leads) < before


def test_the_call_queue_for_a_chosen_day_matches_the_engine_and_offers_the_call_list(sample):
    model, as_of = sample
    at = page("pages/stalled_today.py")
    at.date_input(key="today_day").set_value(as_of).run()
    assert not at.exception
    expected = call_queue(model, as_of)
    assert metric(at, "Start-day calls") == int((expected["urgency"] == 0).sum()) == 1
    assert metric(at, "Overdue") == int((expected["urgency"] == 1).sum())
    calls = table(at, "what")
    # Calls overdue for more than 90 days are listed apart, under their own expander.
    old = expected["urgency"] == LONG_OVERDUE
    assert len(calls) == int((~old).sum()) and old.any()
    assert calls["urgency"].iloc[0] == "Today, cannot move"
    assert not calls["days_overdue"].gt(LONG_OVERDUE_DAYS).any()
    apart = next(frame.value for frame in at.dataframe
                 if "what" in frame.value.columns and frame.value["days_overdue"].gt(90).all())
    assert len(apart) == int(old.sum())
    assert any(item.label == f"Overdue for more than 90 days: {int(old.sum()):,}"
               for item in at.expander)
    assert metric(at, "Over 90 days overdue") == int(old.sum())
    keys = {button.proto.id for button in at.get("download_button")}
    assert any("today_queue_csv" in key for key in keys)
    assert any("today_queue_ics" in key for key in keys)
    someone = expected["consultant"].iloc[0]
    at.selectbox(key="today_consultant").set_value(someone).run()
    assert set(table(at, "what")["consultant"]) == {someone}


def test_aftercare_shows_the_engines_check_ins_and_at_risk_starters(sample):
    model, as_of = sample
    care = aftercare(model, as_of)
    at = page("pages/aftercare.py")
    status = care.checkins["status"]
    assert metric(at, "Check-ins due now") == int((status == "due").sum())
    assert metric(at, "Check-ins overdue") == int((status == "overdue").sum())
    assert metric(at, "At-risk starters") == len(care.at_risk()) > 0
    shown = table(at, "checkpoint")
    assert len(shown) == int(status.isin(["due", "overdue"]).sum())
    assert set(shown["status"]) == {"Due now", "Overdue"}
    at.multiselect(key="aftercare_status").set_value(["upcoming"]).run()
    assert len(table(at, "checkpoint")) == int((status == "upcoming").sum())


def test_a_shorter_schedule_is_used_on_the_aftercare_page(sample):
    from recruit_dash.metrics.aftercare import CheckinPoint

    at = page("pages/aftercare.py")
    at.session_state["checkin_schedule"] = (CheckinPoint("Day 30", 30),)
    at.run()
    assert not at.exception
    assert set(table(at, "checkpoint")["checkpoint"]) <= {"Day 30"}


def test_a_sample_day_with_nothing_due_says_so():
    at = page("pages/stalled_today.py")
    at.date_input(key="today_day").set_value(date(2020, 1, 1)).run()
    assert not at.exception
    assert any("Nothing to call about" in box.value for box in at.success)


def test_a_loaded_profile_brings_its_stall_rules_and_schedule(sample):
    import json

    model, as_of = sample
    loose = {"lead": 400, "meeting": 400, "job": 400, "shortlist": 400}
    profile = {"format": "recruit-dash mapping profile", "version": 1, "name": "Team rules",
               "sheets": [], "settings": {
                   "stall_rules": {"thresholds": loose},
                   "checkin_schedule": [{"name": "Day 30", "offset_days": 30}]}}
    at = page("pages/data.py")
    at.file_uploader(key="data_profile_upload").set_value(
        [("team.json", json.dumps(profile).encode(), "application/json")]).run()
    assert not at.exception
    at.switch_page("pages/stalled_today.py").run()
    expected = stalled_leads(model, as_of, StallRules.from_dict({"thresholds": loose})).leads
    assert metric(at, "Stalled leads") == len(expected)
    at.switch_page("pages/aftercare.py").run()
    assert set(table(at, "checkpoint")["checkpoint"]) <= {"Day 30"}


def test_aftercare_on_data_with_no_check_in_records_says_so_instead_of_overdue(monkeypatch):
    from make_fixtures import csv_bytes

    from recruit_dash.metrics.aftercare import NO_RECORDS

    monkeypatch.setenv("RECRUIT_DASH_TODAY", "2025-06-30")
    tracker = csv_bytes([
        ["Lead ID", "Date Added", "Consultant", "Client", "Candidate", "Status", "Start Date"],
        ["L1", "03/02/2025", "Ann Lee", "Acme Ltd", "Jo Bloggs", "Placed", "01/04/2025"],
        ["L2", "10/02/2025", "Ann Lee", "Acme Ltd", "Sam Smith", "Placed", "02/06/2025"],
        ["L3", "30/06/2025", "Bob Ray", "Zeta plc", "", "New lead", ""]])
    at = page("pages/data.py")
    at.file_uploader(key="data_upload").set_value([("tracker.csv", tracker, "text/csv")]).run()
    at.switch_page("pages/aftercare.py").run()  # as of the data's last day, 30 June 2025
    assert not at.exception
    assert any(box.value == NO_RECORDS for box in at.warning)
    assert NO_RECORDS.startswith("Your data has no check-in records")
    cards = {card.label: card.value for card in at.metric}
    assert cards["Check-ins overdue"] == cards["At-risk starters"] == cards["Completion"] == "–"
    shown = table(at, "checkpoint")
    assert set(shown["status"]) <= {"Due now", "Not recorded"} and "Not recorded" in set(shown["status"])
    assert any("no starter can be judged at risk" in caption.value for caption in at.caption)
