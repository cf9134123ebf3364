"""Ingest of every input shape and role: what a sheet becomes, and that no row vanishes."""

from __future__ import annotations

import pandas as pd
import pytest

from recruit_dash.ingest.pipeline import ingest_files, ingest_paths
from recruit_dash.model import STAGE_IDS, TABLES

# file, sheet -> (role, header row, accepted, quarantined, blank)
SHEETS = [
    ("wide_tracker.xlsx", "Leads", "leads", 3, 4, 1, 1),
    ("wide_tracker.xlsm", "Leads", "leads", 3, 4, 1, 1),
    ("legacy.xls", "Leads", "leads", 1, 3, 0, 0),
    ("status_only.csv", "status_only", "leads", 1, 3, 1, 0),
    ("event_log.xlsx", "Log", "leads", 1, 5, 0, 0),
    ("weekly_kpis.xlsx", "KPI Weekly", "activities", 1, 2, 1, 0),
    ("activity_log.csv", "activity_log", "activities", 1, 3, 1, 0),
    ("placements_feedback.xlsx", "Placements", "placements", 1, 1, 0, 0),
    ("placements_feedback.xlsx", "Client Feedback", "feedback", 1, 2, 1, 0),
    ("placements_feedback.xlsx", "Pivot", "ignored", None, 0, 3, 0),
    ("two_row_header.xlsx", "Pipeline", "leads", 1, 2, 0, 0),
    ("side_table.xlsx", "Leads", "leads", 1, 3, 1, 0),
    ("date1904.xlsx", "Placements", "placements", 1, 2, 0, 0),
    ("relative_dates.csv", "relative_dates", "placements", 1, 3, 0, 0),
    ("custom_tracker_next_week.xlsx", "Week 21", "leads", 2, 5, 0, 0),
    ("relational.xlsx", "Jobs", "leads", 1, 3, 0, 0),
    ("relational.xlsx", "Candidates", "leads", 1, 3, 0, 0),
]


@pytest.mark.parametrize(("file", "sheet", "role", "header", "accepted", "quarantined", "blank"), SHEETS)
def test_each_sheet_gets_its_role_header_and_row_accounting(
        fixture_files, file, sheet, role, header, accepted, quarantined, blank):
    report = ingest_paths([fixture_files[file]]).files[0]
    found = {item.name: item for item in report.sheets}[sheet]
    assert (found.role, found.header_row) == (role, header)
    assert (found.rows_accepted, found.rows_quarantined, found.rows_blank) == (accepted, quarantined, blank)
    assert found.rows_read == found.rows_accepted + found.rows_quarantined + found.rows_blank


# file -> (leads, {stage: leads that recorded it})
MODELS = [
    ("legacy.xls", 3, {"lead": 3, "job": 2, "shortlist": 2, "interview": 1, "offer": 1, "started": 1}),
    ("wide_tracker.xlsx", 4, {"lead": 4, "job": 3, "shortlist": 2, "interview": 1, "offer": 1,
                              "started": 1}),
    ("status_only.csv", 3, {"lead": 3, "interview": 1, "accepted": 1}),
    ("event_log.xlsx", 2, {"shortlist": 2, "interview": 1, "offer": 1}),
]


@pytest.mark.parametrize(("file", "leads", "milestones"), MODELS)
def test_wide_status_only_and_event_log_shapes_give_leads_and_milestones(
        fixture_files, file, leads, milestones):
    model = ingest_paths([fixture_files[file]]).model
    assert len(model.leads) == leads
    counts = model.milestone_counts()
    assert {stage: count for stage, count in counts.items() if count} == milestones


def test_wide_tracker_outcomes_fees_and_names(fixture_files):
    leads = ingest_paths([fixture_files["wide_tracker.xlsx"]]).model.leads.set_index("lead_id")
    assert leads["outcome"].to_dict() == {"L1": "open", "L2": "filled", "L3": "lost", "L4": "on_hold"}
    assert leads.loc["L2", "fee"] == 7500  # "£7,500" typed as text
    assert leads.loc["L2", "consultant"] == "Ann Lee"  # "ann lee " tidied
    assert leads.loc["L2", "created_on"] == pd.Timestamp("2025-03-04")  # UK text date
    assert leads.loc["L1", "source_row"] == 4  # Excel's row number, below the title rows


def test_ticks_record_a_milestone_without_a_date(fixture_files):
    milestones = ingest_paths([fixture_files["wide_tracker.xlsx"]]).model.milestones
    job = milestones[milestones["stage"] == "job"]
    assert sorted(job["lead_id"]) == ["L1", "L2", "L4"]
    assert job["reached_on"].isna().all()


def test_totals_rows_duplicates_and_bad_scores_are_quarantined_with_reasons(fixture_files):
    ingested = ingest_paths([fixture_files[name] for name in
                             ("wide_tracker.xlsx", "status_only.csv", "placements_feedback.xlsx")])
    reasons = {sheet.name: sheet.quarantined["Reason"].tolist()
               for report in ingested.files for sheet in report.sheets}
    assert reasons["Leads"] == ["totals row, not a record"]
    assert reasons["status_only"] == ["exact duplicate of row 4"]
    assert reasons["Client Feedback"] == ["score is outside 0-10"]
    assert reasons["Pivot"] == ["sheet not used: pivot table"] * 3


def test_unknown_status_values_are_listed_with_counts(fixture_files):
    ingested = ingest_paths([fixture_files["status_only.csv"]])
    sheet = ingested.files[0].sheets[0]
    assert sheet.unmapped_values["status"] == {"Banana": 1}
    assert (ingested.model.issues["value"] == "Banana").sum() == 1


def test_weekly_kpis_become_one_activity_per_kind_dated_on_the_week(fixture_files):
    activities = ingest_paths([fixture_files["weekly_kpis.xlsx"]]).model.activities
    ann = activities[activities["consultant"] == "Ann Lee"].set_index("kind")["count"].to_dict()
    assert ann == {"call": 120, "bd_call": 30, "cv_sent": 6, "meeting": 2}
    assert set(activities["on"]) == {pd.Timestamp("2025-06-02")}


def test_activity_log_types_map_to_kinds(fixture_files):
    activities = ingest_paths([fixture_files["activity_log.csv"]]).model.activities
    assert activities["kind"].tolist() == ["call", "cv_sent", "meeting"]


def test_placements_carry_check_ins_due_from_the_start_date(fixture_files):
    model = ingest_paths([fixture_files["placements_feedback.xlsx"]]).model
    checkins = model.checkins.set_index("checkpoint")
    assert checkins.loc["Day 1 Call", "due_on"] == pd.Timestamp("2025-04-22")
    assert checkins.loc["Day 1 Call", "done_on"] == pd.Timestamp("2025-04-22")
    assert checkins.loc["Week 1 Call", "due_on"] == pd.Timestamp("2025-04-29")
    assert pd.isna(checkins.loc["Week 1 Call", "done_on"])
    assert model.feedback["referral"].tolist() == [True, False]


def test_every_table_has_its_declared_columns_and_source(fixture_files):
    model = ingest_paths(list(fixture_files.values())).model
    for name, table in TABLES.items():
        assert tuple(model.table(name).columns) == table.all_columns
    assert model.leads["source_file"].notna().all()
    assert set(model.milestones["stage"]) <= set(STAGE_IDS)


def test_reuploading_the_same_file_gives_the_same_model(fixture_files):
    data = fixture_files["wide_tracker.xlsx"].read_bytes()
    first = ingest_files([("t.xlsx", data)]).model
    second = ingest_files([("t.xlsx", data)]).model
    pd.testing.assert_frame_equal(first.leads, second.leads)
    pd.testing.assert_frame_equal(first.milestones, second.milestones)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("report.xlsx", b"%PDF-1.7 rest of a pdf", "PDF"),
        ("empty.csv", b"", "empty"),
        ("page.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "web page"),
        ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "damaged"),
        ("noise.xlsx", bytes(range(256)) * 4, "not a spreadsheet"),
    ],
)
def test_files_we_cannot_read_get_a_sentence_not_a_traceback(name, data, words):
    report = ingest_files([(name, data)]).files[0]
    assert report.ok is False
    assert words in report.error


def test_a_workbook_with_only_a_pivot_is_refused_in_plain_words():
    from make_fixtures import workbook_bytes

    data = workbook_bytes({"Summary": [["Row Labels", "Count"], ["Ann", 3], ["Grand Total", 3]]})
    report = ingest_files([("summary.xlsx", data)]).files[0]
    assert report.ok is False
    assert "no sheet of records" in report.error


def test_the_same_file_uploaded_twice_is_counted_once(fixture_files):
    data = fixture_files["weekly_kpis.xlsx"].read_bytes()
    once = ingest_files([("kpis.xlsx", data)]).model
    twice = ingest_files([("kpis.xlsx", data), ("kpis (copy).xlsx", data)])
    assert twice.files[1].same_as == "kpis.xlsx"
    assert twice.model.activities["count"].sum() == once.activities["count"].sum()


CSV_ROWS = [["Consultant", "Client", "Status", "Date Added"],
            ["Zoë Brontë", "Café Ltd", "CVs sent", "03/02/2025"]]


@pytest.mark.parametrize(("encoding", "delimiter"), [
    ("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", "\t"), ("latin-1", ";"),
])
def test_csv_encodings_and_delimiters_users_save_with(encoding, delimiter):
    from make_fixtures import csv_bytes

    ingested = ingest_files([("tracker.csv", csv_bytes(CSV_ROWS, delimiter, encoding))])
    leads = ingested.model.leads
    assert leads["consultant"].tolist() == ["Zoë Brontë"]
    assert leads["client"].tolist() == ["Café Ltd"]
    assert leads["created_on"].tolist() == [pd.Timestamp("2025-02-03")]


def test_hidden_sheets_are_reported_and_not_used():
    from make_fixtures import workbook_bytes

    data = workbook_bytes({"Leads": [["Lead ID", "Status", "Consultant"], ["A", "Placed", "Ann"]],
                           "Old": [["Lead ID", "Status", "Consultant"], ["B", "Placed", "Bob"]]},
                          hidden=("Old",))
    ingested = ingest_files([("t.xlsx", data)])
    old = {sheet.name: sheet for sheet in ingested.files[0].sheets}["Old"]
    assert (old.role, old.reason, old.hidden) == ("ignored", "hidden sheet", True)
    assert old.rows_read == old.rows_quarantined == 2
    assert ingested.model.leads["lead_id"].tolist() == ["A"]


def test_ids_and_phone_numbers_stay_text():
    from make_fixtures import csv_bytes

    data = csv_bytes([["Lead ID", "Consultant", "Client", "Status"],
                      ["007", "Ann Lee", "Acme Ltd", "CVs sent"],
                      ["+447700900123", "Ann Lee", "Acme Ltd", "CVs sent"]])
    leads = ingest_files([("t.csv", data)]).model.leads
    assert leads["lead_id"].tolist() == ["007", "+447700900123"]


def test_openpyxl_parses_xml_through_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_a_lead_row_without_an_id_is_kept_and_named_by_its_row():
    from make_fixtures import csv_bytes

    data = csv_bytes([["Lead ID", "Consultant", "Client", "Status"],
                      ["L1", "Ann Lee", "Acme Ltd", "CVs sent"],
                      ["", "Bob Ray", "Bolt plc", "Placed"]])
    ingested = ingest_files([("t.csv", data)])
    assert ingested.model.leads["lead_id"].tolist() == ["L1", "t!3"]
    assert ingested.files[0].sheets[0].rows_quarantined == 0
    assert ingested.model.issues["problem"].str.contains("have no ID").any()


# file, sheet -> a note that says, in words, what we did with the mess
MESS_NOTES = [
    ("two_row_header.xlsx", "Pipeline", "a two-row header (rows 1 and 2)"),
    ("side_table.xlsx", "Leads", "columns G–H ('Consultant', 'Target') are a separate table"),
    ("date1904.xlsx", "Placements", "counts dates from 1904"),
    ("relative_dates.csv", "relative_dates", "2 cells hold relative text ('Immediately', '15 Days')"),
    ("relational.xlsx", "Candidates", "3 rows are candidates on jobs found in sheet 'Jobs'"),
    ("relational.xlsx", "Jobs", "2 jobs here have candidates in sheet 'Candidates'"),
    ("custom_tracker.csv", "custom_tracker", None),
]


@pytest.mark.parametrize(("file", "sheet", "note"), MESS_NOTES)
def test_each_kind_of_mess_is_said_in_the_sheet_notes(fixture_files, file, sheet, note):
    report = ingest_paths([fixture_files[file]]).files[0]
    notes = " ".join({item.name: item for item in report.sheets}[sheet].notes)
    assert (note in notes) if note else notes == ""


# file, source header -> the field it is read as (None: not used)
MESS_COLUMNS = [
    ("two_row_header.xlsx", "Interview Booked", "stage:interview"),
    ("two_row_header.xlsx", "Interview Done", "stage:interview_done"),
    ("two_row_header.xlsx", "Offer Accepted", "stage:accepted"),
    ("side_table.xlsx", "Target", None),
    ("relative_dates.csv", "Start Date", "start_on"),
    ("relational.xlsx", "Candidate ID", "lead_id"),
    ("relational.xlsx", "Req ID", "job_id"),
]


@pytest.mark.parametrize(("file", "source", "field"), MESS_COLUMNS)
def test_messy_headers_are_read_as_their_field(fixture_files, file, source, field):
    report = ingest_paths([fixture_files[file]]).files[0]
    found = {column.source: column.field for sheet in report.sheets for column in sheet.columns
             if column.confidence >= 0.85 or column.field is None}
    assert found[source] == field


def test_a_two_row_header_dates_each_part_of_the_group(fixture_files):
    milestones = ingest_paths([fixture_files["two_row_header.xlsx"]]).model.milestones
    dated = milestones.dropna(subset=["reached_on"]).set_index(["lead_id", "stage"])["reached_on"]
    assert dated[("T1", "interview_done")] == pd.Timestamp("2025-02-05")
    assert dated[("T1", "offer")] == pd.Timestamp("2025-02-10")


def test_a_row_filled_only_in_the_side_table_is_quarantined_with_its_reason(fixture_files):
    sheet = ingest_paths([fixture_files["side_table.xlsx"]]).files[0].sheets[0]
    assert sheet.quarantined["Reason"].tolist() == [
        "only the side table beside the data has values here"]


def test_1904_serials_and_date_cells_give_the_same_day(fixture_files):
    placements = ingest_paths([fixture_files["date1904.xlsx"]]).model.placements
    assert placements["start_on"].tolist() == [pd.Timestamp("2025-04-22")] * 2


def test_relative_dates_are_kept_as_issues_not_dates(fixture_files):
    model = ingest_paths([fixture_files["relative_dates.csv"]]).model
    assert model.placements["start_on"].isna().sum() == 2
    relative = model.issues[model.issues["problem"].str.startswith("relative text")]
    assert relative["value"].tolist() == ["Immediately", "15 Days"]


def test_a_relational_workbook_joins_candidates_to_their_jobs(fixture_files):
    model = ingest_paths([fixture_files["relational.xlsx"]]).model
    leads = model.leads.set_index("lead_id")
    # Candidates are the leads; a job with candidates is not counted again, one without is.
    assert sorted(leads.index) == ["C1", "C2", "C3", "R3"]
    assert leads.loc[["C1", "C2", "C3"], "client"].tolist() == ["Acme Ltd", "Acme Ltd", "Bolt plc"]
    assert leads.loc["C3", "role"] == "Driver"
    assert leads.loc["C2", "outcome"] == "filled"
    assert set(model.activities["lead_id"]) == {"C1", "C2"}
