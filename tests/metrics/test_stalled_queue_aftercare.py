"""Stalled leads, the call queue and aftercare, each rule at and around its threshold
(DESIGN.md: "Stalled lead", "Call-on-the-right-day queue", "Post-placement check-ins")."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest
from conftest import SAMPLE
from icalendar import Calendar

from recruit_dash.ingest.pipeline import ingest_paths
from recruit_dash.metrics.aftercare import CheckinPoint, aftercare, schedule_from_dicts
from recruit_dash.metrics.queue import call_queue
from recruit_dash.metrics.stalled import StallRules, stalled_leads
from recruit_dash.model import ACTIVITIES, CHECKINS, LEADS, MILESTONES, PLACEMENTS, Model, conform
from recruit_dash.outputs.ics import calls_ics
from recruit_dash.outputs.reports import report

AS_OF = date(2026, 3, 16)  # a Monday


def day(offset: int) -> str:
    """Return the ISO day `offset` days from the as-of date."""
    return (AS_OF + timedelta(days=offset)).isoformat()


def pipeline(*leads: tuple, activities: list[tuple] = ()) -> Model:
    """Return a model of leads given as (lead_id, [(stage, offset or None)], next action offset,
    outcome); lead dates come from the first milestone."""
    rows, events = [], []
    for lead_id, stages, next_action, outcome in leads:
        rows.append({"lead_id": lead_id, "consultant": "Ann", "client": "Acme Ltd",
                     "outcome": outcome, "status": "",
                     "next_action_on": None if next_action is None else day(next_action)})
        events += [(lead_id, stage, None if when is None else day(when)) for stage, when in stages]
    return Model(
        leads=conform(pd.DataFrame(rows), LEADS),
        milestones=conform(pd.DataFrame(events, columns=["lead_id", "stage", "reached_on"]),
                           MILESTONES),
        activities=conform(pd.DataFrame(
            [{"consultant": "Ann", "on": day(when), "kind": "call", "count": 1, "lead_id": lead}
             for lead, when in activities]), ACTIVITIES))


def stalled_ids(model: Model, rules: StallRules | None = None) -> set[str]:
    return set(stalled_leads(model, AS_OF, rules).leads["lead_id"])


@pytest.mark.parametrize(("stage", "days", "expected"), [
    ("lead", 7, False), ("lead", 8, True),
    ("shortlist", 7, False), ("shortlist", 8, True),
    ("interview", 5, False), ("interview", 6, True),
    ("offer", 5, False), ("offer", 6, True),
    ("accepted", 5, False), ("accepted", 6, True),
])
def test_a_lead_stalls_only_once_its_stage_threshold_has_passed(stage, days, expected):
    model = pipeline(("L1", [("lead", -40), (stage, -days)], None, "open"))
    assert ("L1" in stalled_ids(model)) is expected


def test_a_next_action_on_or_after_the_as_of_date_keeps_a_lead_off_the_list():
    model = pipeline(
        ("today", [("lead", -40), ("shortlist", -20)], 0, "open"),
        ("later", [("lead", -40), ("shortlist", -20)], 3, "open"),
        ("missed", [("lead", -40), ("shortlist", -20)], -1, "open"),
    )
    found = stalled_leads(model, AS_OF)
    assert set(found.leads["lead_id"]) == {"missed"}
    assert found.leads["reason"][0] == ("CVs sent 20 days ago, no 1st interview arranged yet, "
                                        "next call was due 15 Mar 2026")


def test_a_linked_activity_counts_as_progress():
    model = pipeline(("L1", [("lead", -40), ("shortlist", -20)], None, "open"),
                     activities=[("L1", -3)])
    assert stalled_ids(model) == set()
    later = pipeline(("L1", [("lead", -40), ("shortlist", -20)], None, "open"),
                     activities=[("L1", -9)])
    assert stalled_leads(later, AS_OF).leads["days_since_progress"].tolist() == [9]


def test_only_open_leads_stall_and_planned_milestones_are_not_progress():
    model = pipeline(
        ("lost", [("lead", -40)], None, "lost"),
        ("held", [("lead", -40)], None, "on_hold"),
        ("planned", [("lead", -40), ("meeting", 4)], None, "open"),  # booked, not yet held
    )
    found = stalled_leads(model, AS_OF)
    assert set(found.leads["lead_id"]) == {"planned"}
    assert found.leads["stage"].tolist() == ["lead"]
    assert found.leads["reason"][0] == ("Lead generated 40 days ago, no client meeting agreed yet, "
                                        "no next call set")


def test_a_resigned_candidate_stalls_without_a_start_date_and_moves_with_one():
    model = pipeline(("no start", [("lead", -60), ("resigned", -1)], None, "open"),
                     ("start set", [("lead", -60), ("resigned", -1), ("started", 20)], None, "open"))
    found = stalled_leads(model, AS_OF)
    assert set(found.leads["lead_id"]) == {"no start"}
    assert "no start date set" in found.leads["reason"][0]


def test_edited_thresholds_change_the_list_and_survive_a_round_trip_through_a_file():
    model = pipeline(("L1", [("lead", -40), ("shortlist", -4)], None, "open"))
    assert stalled_ids(model) == set()
    strict = StallRules.from_dict({"thresholds": {"shortlist": 3, "nonsense": 1, "lead": "x"}})
    assert stalled_ids(model, strict) == {"L1"}
    assert StallRules.from_dict(json.loads(json.dumps(strict.to_dict()))) == strict
    assert strict.threshold("lead") == 7  # a bad value keeps the default


def test_an_open_lead_with_no_date_is_counted_not_flagged():
    model = pipeline(("ticks", [("shortlist", None)], None, "open"))
    found = stalled_leads(model, AS_OF)
    assert found.leads.empty and found.undated == 1


def placed(start: int | None, contacts: dict[str, int | None] | None = None,
           probation: int | None = None, lead_id: str = "L1") -> Model:
    """Return a model with one placement starting `start` days from the as-of date and check-in
    columns done on the given offsets (with none given, a check-in column left blank)."""
    placements = conform(pd.DataFrame([{
        "placement_id": "P1", "lead_id": lead_id, "candidate": "Chloe Walker", "client": "Acme Ltd",
        "consultant": "Ann", "start_on": None if start is None else day(start),
        "probation_end_on": None if probation is None else day(probation), "fee": 5000}]),
        PLACEMENTS)
    checkins = conform(pd.DataFrame([
        {"placement_id": "P1", "checkpoint": name, "done_on": None if when is None else day(when)}
        for name, when in (contacts or {"Day 30 call": None}).items()]), CHECKINS)
    leads = conform(pd.DataFrame([{"lead_id": lead_id, "consultant": "Ann", "outcome": "filled"}]),
                    LEADS)
    return Model(leads=leads, placements=placements, checkins=checkins)


def statuses(model: Model, on: date = AS_OF) -> dict[str, str]:
    care = aftercare(model, on)
    return dict(zip(care.checkins["checkpoint"], care.checkins["status"], strict=True))


@pytest.mark.parametrize(("start", "expected"), [
    (-33, "due"),       # day 30 was 3 days ago: D + 3 is today, still due
    (-34, "overdue"),   # D + 3 passed yesterday
    (-27, "due"),       # D - 3 is today
    (-26, "upcoming"),  # the window opens tomorrow
])
def test_a_check_in_is_due_within_three_days_of_its_day_and_overdue_after(start, expected):
    assert statuses(placed(start))["Day 30"] == expected


def test_a_contact_inside_the_window_marks_it_done_and_one_outside_does_not():
    model = placed(-40, {"Day 30 call": -10 + 3 + 1})  # day 30 was on -10; contact on -6: too late
    assert statuses(model)["Day 30"] == "overdue"
    model = placed(-40, {"Day 30 call": -7})  # D + 3
    care = aftercare(model, AS_OF)
    row = care.checkins[care.checkins["checkpoint"] == "Day 30"].iloc[0]
    assert row["status"] == "done" and row["done_on"] == pd.Timestamp(day(-7))


def test_day_one_counts_contacts_from_the_start_date_itself():
    assert statuses(placed(-5, {"Pre-start call": -6}))["Day 1"] == "overdue"  # before the start
    assert statuses(placed(-5, {"Day 1 call": -5}))["Day 1"] == "done"


def test_a_linked_activity_is_a_contact_and_future_contacts_do_not_count_yet():
    model = placed(-40)
    model.activities = conform(pd.DataFrame([
        {"consultant": "Ann", "on": day(-9), "kind": "call", "count": 1, "lead_id": "L1"},
        {"consultant": "Ann", "on": day(2), "kind": "call", "count": 1, "lead_id": "L1"}]),
        ACTIVITIES)
    got = statuses(model)
    assert got["Day 30"] == "done" and got["Week 1"] == "overdue"


def test_a_starter_with_no_contact_for_31_days_is_at_risk():
    assert aftercare(placed(-31), AS_OF).at_risk()["placement_id"].tolist() == ["P1"]
    assert aftercare(placed(-30), AS_OF).at_risk().empty
    assert aftercare(placed(-60, {"Day 30 call": -31}), AS_OF).at_risk()["placement_id"].tolist() \
        == ["P1"]
    assert aftercare(placed(-60, {"Day 30 call": -30}), AS_OF).at_risk().empty
    assert aftercare(placed(-400), AS_OF).at_risk().empty  # long past every check-in


def test_a_placement_with_no_start_date_is_listed_apart_with_no_check_ins():
    care = aftercare(placed(None), AS_OF)
    assert care.checkins.empty and care.unscheduled["placement_id"].tolist() == ["P1"]
    assert call_queue(placed(None), AS_OF).empty


def test_the_probation_end_check_in_follows_its_date_and_an_edited_schedule_is_used():
    got = statuses(placed(-100, probation=1))
    assert got["Probation end"] == "due"
    schedule = schedule_from_dicts([{"name": "Month 2", "offset_days": 60}, {"name": ""},
                                    {"name": "Probation", "offset_days": None}])
    assert schedule == (CheckinPoint("Month 2", 60), CheckinPoint("Probation", None))
    assert set(aftercare(placed(-62), AS_OF, schedule).checkins["checkpoint"]) == {"Month 2"}


def kinds(model: Model, on: date = AS_OF) -> dict[str, list]:
    items = call_queue(model, on)
    return {kind: sorted(items.loc[items["kind"] == kind, "due_on"].dt.date)
            for kind in items["kind"].unique()}


def test_a_start_falling_on_the_as_of_date_is_a_start_day_call_at_the_top():
    model = placed(0)
    model.leads = conform(pd.DataFrame([
        {"lead_id": "L1", "consultant": "Ann", "outcome": "filled"},
        {"lead_id": "L2", "consultant": "Ann", "outcome": "open", "next_action_on": day(-2),
         "fee": 20000}]), LEADS)
    items = call_queue(model, AS_OF)
    assert items["kind"].tolist()[0] == "start_day"
    assert items["what"][0] == "Starts today: call to check they started"
    assert set(items["kind"]) == {"start_day", "next_action"}  # the day-1 check-in is that call


def test_a_start_passed_without_contact_is_unconfirmed_until_someone_calls():
    assert kinds(placed(-2))["start_unconfirmed"] == [AS_OF - timedelta(days=2)]
    assert "start_unconfirmed" not in kinds(placed(-2, {"Day 1 call": -1}))
    assert "start_unconfirmed" not in kinds(placed(-15))  # beyond the 14-day look-back


def test_next_actions_due_today_or_overdue_and_lost_leads_recontacts_are_queued():
    model = pipeline(("due", [("lead", -10)], 0, "open"), ("late", [("lead", -10)], -3, "open"),
                     ("later", [("lead", -10)], 1, "open"), ("lost", [("lead", -90)], -1, "lost"),
                     ("filled", [("lead", -90), ("started", -30)], -1, "filled"))
    items = call_queue(model, AS_OF)
    # The filled lead's next action is not a pipeline call; with no placements sheet, its start
    # makes it a placement whose day-30 check-in is due.
    assert dict(zip(items["lead_id"], items["kind"], strict=True)) == {
        "late": "next_action", "lost": "recontact", "due": "next_action", "filled": "checkin"}
    assert dict(zip(items["lead_id"], items["overdue"], strict=True)) == {
        "late": True, "lost": True, "due": False, "filled": False}


def test_probation_ends_within_seven_days_are_queued():
    assert kinds(placed(-200, probation=7))["probation_end"] == [AS_OF + timedelta(days=7)]
    assert "probation_end" not in kinds(placed(-200, probation=8))


def test_the_queue_is_grouped_by_consultant_then_urgency_then_stage_depth_and_fee():
    model = pipeline(("shallow", [("lead", -10)], -1, "open"),
                     ("deep", [("lead", -10), ("offer", -2)], -1, "open"),
                     ("today", [("lead", -10), ("offer", -2)], 0, "open"))
    model.leads.loc[model.leads["lead_id"] == "today", "consultant"] = "Bob"
    items = call_queue(model, AS_OF)
    assert items["lead_id"].tolist() == ["deep", "shallow", "today"]
    assert items["consultant"].tolist() == ["Ann", "Ann", "Bob"]


def test_the_calendar_file_parses_with_one_event_per_call():
    model = pipeline(("a", [("lead", -10)], -1, "open"), ("b", [("lead", -10)], 0, "open"))
    items = call_queue(model, AS_OF)
    events = Calendar.from_ical(calls_ics(items, AS_OF)).walk("VEVENT")
    assert len(events) == len(items) == 2
    assert {event.decoded("dtstart") for event in events} == {AS_OF}  # overdue: on the day
    assert len({str(event["uid"]) for event in events}) == 2


def test_reports_give_designs_json_on_the_sample():
    sample_model = ingest_paths([SAMPLE]).model
    as_of = date(2026, 11, 20)
    stalled = report("stalled", sample_model, as_of=as_of)
    queue = report("queue", sample_model, as_of=as_of)
    care = report("aftercare", sample_model, as_of=as_of)
    for document in (stalled, queue, care):
        json.dumps(document, allow_nan=False)
    assert stalled["leads"] and set(stalled["leads"][0]) >= {
        "lead_id", "consultant", "stage", "days_since_progress", "reason"}
    assert {item["kind"] for item in queue["items"]} <= {
        "next_action", "start_day", "start_unconfirmed", "probation_end", "checkin", "recontact"}
    assert {row["status"] for row in care["checkins"]} == {"done", "due", "overdue", "upcoming"}
    assert all(isinstance(placement, str) for placement in care["at_risk"])


def without_checkin_columns(*activities: tuple[str, int]) -> Model:
    """Return one placement started 40 days before the as-of date, with no check-in column and
    the given (kind, day offset) activities logged against its lead."""
    model = placed(-40)
    model.checkins = CHECKINS.empty()
    model.activities = conform(pd.DataFrame(
        [{"consultant": "Ann", "on": day(when), "kind": kind, "count": 1, "lead_id": "L1"}
         for kind, when in activities], columns=["consultant", "on", "kind", "count", "lead_id"]),
        ACTIVITIES)
    return model


def test_with_no_check_in_records_pipeline_activity_is_no_check_in_and_nothing_is_overdue():
    # A CV sent and a BD call on the lead around the start: pipeline work, not check-ins.
    model = without_checkin_columns(("cv_sent", -41), ("bd_call", -39), ("interview", -10))
    care = aftercare(model, AS_OF)
    assert not care.records
    got = dict(zip(care.checkins["checkpoint"], care.checkins["status"], strict=True))
    assert got["Day 1"] == got["Week 1"] == got["Before the start"] == "not_recorded"
    assert got["Day 30"] == "not_recorded" and got["Day 90"] == "upcoming"
    assert care.checkins["done_on"].isna().all()
    assert care.at_risk().empty and care.placements["days_without_contact"].isna().all()
    assert care.completion().empty
    document = report("aftercare", model, as_of=AS_OF)
    json.dumps(document, allow_nan=False)
    assert document["checkin_records"] is False
    assert document["note"].startswith("Your data has no check-in records")
    assert {row["status"] for row in document["checkins"]} == {"not_recorded", "upcoming"}
    assert document["at_risk"] == []


@pytest.mark.parametrize(("kind", "done"), [("call", True), ("email", True), ("message", True),
                                            ("meeting", True), ("cv_sent", False),
                                            ("bd_call", False), ("interview", False),
                                            ("other", False)])
def test_only_a_call_email_message_or_meeting_on_the_lead_is_a_check_in(kind, done):
    model = without_checkin_columns((kind, -10))  # day 30 is on day -10
    care = aftercare(model, AS_OF)
    day_30 = care.checkins[care.checkins["checkpoint"] == "Day 30"].iloc[0]
    assert care.records is done
    assert (day_30["status"] == "done") is done
    assert report("aftercare", model, as_of=AS_OF)["checkin_records"] is done


def test_a_check_in_column_left_blank_is_a_record_so_missed_check_ins_are_overdue():
    care = aftercare(placed(-40), AS_OF)  # the file has a "Day 30 call" column, never filled in
    assert care.records
    assert set(care.checkins["status"]) == {"overdue", "upcoming"}
    assert report("aftercare", placed(-40), as_of=AS_OF)["note"] is None


def test_calls_overdue_for_more_than_90_days_are_grouped_apart_after_todays_calls():
    from recruit_dash.metrics.queue import LONG_OVERDUE, OVERDUE, URGENCY_LABELS, for_people, long_overdue

    model = pipeline(("ancient", [("lead", -400)], -91, "open"), ("late", [("lead", -200)], -90, "open"),
                     ("today", [("lead", -10)], 0, "open"))
    model.leads["fee"] = pd.array([90000, None, None], dtype="Float64")  # the biggest fee, still last
    items = call_queue(model, AS_OF)
    assert items["lead_id"].tolist() == ["late", "today", "ancient"]
    assert items["urgency"].tolist() == [OVERDUE, 2, LONG_OVERDUE]
    assert long_overdue(items).tolist() == [False, False, True]
    assert for_people(items)["urgency"].iloc[-1] == URGENCY_LABELS[LONG_OVERDUE] == \
        "Overdue for more than 90 days"
    document = report("queue", model, as_of=AS_OF)
    assert document["long_overdue"] == 1 and document["long_overdue_after_days"] == 90
    assert {item["lead_id"]: item["long_overdue"] for item in document["items"]} == {
        "late": False, "today": False, "ancient": True}


def test_the_calendar_holds_todays_and_coming_calls_and_only_recent_overdue_ones():
    from recruit_dash.metrics.queue import for_calendar

    model = pipeline(("today", [("lead", -10)], 0, "open"), ("week", [("lead", -20)], -7, "open"),
                     ("eight", [("lead", -20)], -8, "open"), ("ancient", [("lead", -400)], -200, "open"))
    items = call_queue(model, AS_OF)
    chosen = for_calendar(items)
    assert set(chosen["lead_id"]) == {"today", "week"}
    events = Calendar.from_ical(calls_ics(chosen, AS_OF)).walk("VEVENT")
    assert len(events) == 2 and {event.decoded("dtstart") for event in events} == {AS_OF}
    # A probation end coming up keeps its own day.
    coming = for_calendar(call_queue(placed(-200, probation=5), AS_OF))
    days = {event.decoded("dtstart") for event in Calendar.from_ical(
        calls_ics(coming, AS_OF)).walk("VEVENT")}
    assert days == {AS_OF + timedelta(days=5)}


def test_needs_attention_groups_next_actions_and_stalls_older_than_90_days_apart():
    from recruit_dash.metrics.registry import needs_attention

    model = pipeline(("ancient", [("lead", -400)], -91, "open"), ("late", [("lead", -30)], -90, "open"),
                     ("dead", [("lead", -300)], None, "open"), ("slow", [("lead", -20)], None, "open"))
    items = {item.label: item.rows["lead_id"].tolist() for item in needs_attention(model, AS_OF)}
    assert items["Next actions due or overdue"] == ["late"]
    assert items["Next actions overdue for more than 90 days"] == ["ancient"]
    assert set(items["Stalled leads"]) == {"late", "slow"}  # progress within 90 days
    assert set(items["Stalled for more than 90 days"]) == {"dead", "ancient"}
    labels = list(items)
    assert labels.index("Next actions overdue for more than 90 days") > labels.index(
        "Open leads with no next action")  # the old ones come last


def test_the_aftercare_calendar_holds_due_and_coming_check_ins_and_only_last_weeks_misses():
    from recruit_dash.metrics.aftercare import as_calls

    care = aftercare(placed(-37), AS_OF)  # week 1 missed a month ago, day 30 missed a week ago
    calls = as_calls(care.checkins, AS_OF)
    assert set(care.checkins["checkpoint"]) >= {"Week 1", "Day 30", "Day 90"}
    assert set(calls["checkpoint"]) == {"Day 30", "Day 90"}
    events = Calendar.from_ical(calls_ics(calls, AS_OF)).walk("VEVENT")
    assert {event.decoded("dtstart") for event in events} == {AS_OF, AS_OF + timedelta(days=53)}
