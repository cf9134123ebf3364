"""Ordinary awkward files read right: a time of day is a day, a status is read for its words, a
formula that saved an empty string has a result, and `import` dates each week's file by its data.

Every file is written here, small; every date is pinned (RECRUIT_DASH_TODAY or an as-of)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd
import pytest
from conftest import ROOT
from make_fixtures import csv_bytes, workbook_bytes
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from recruit_dash import cli
from recruit_dash.clock import TODAY_VARIABLE
from recruit_dash.history.duckdb_store import release
from recruit_dash.history.store import open_store
from recruit_dash.ingest.coerce import parse_dates
from recruit_dash.ingest.pipeline import ingest_files
from recruit_dash.ingest.vocabulary import status_meaning
from recruit_dash.metrics.funnel import funnel, progress
from recruit_dash.metrics.registry import milestones_in
from recruit_dash.model import STAGE_IDS
from recruit_dash.periods import Period

TODAY = "2024-06-03"  # the day every run here pretends it is
WEEK = Period(date(2024, 4, 1), date(2024, 4, 7), "Week of 01 Apr 2024")  # Monday to Sunday
LAST_DAY_17H = datetime(2024, 4, 7, 17, 0)  # the week's last day, after work
NEXT_MORNING = datetime(2024, 4, 8, 9, 0)  # the next week's first day
EXCEL_EPOCH = datetime(1899, 12, 30)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv(TODAY_VARIABLE, TODAY)


def run_cli(capsys, *args: str) -> str:
    """Run the command line in this process, as `python -m recruit_dash …`; return its output."""
    code = cli.main(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def serial(moment: datetime) -> float:
    """Return a moment as Excel stores it: days since 1899-12-30, the time as a fraction."""
    return round((moment - EXCEL_EPOCH).total_seconds() / 86400, 4)


def xlsx(rows: list[list[object]], number_format: str | None = None) -> bytes:
    """Return a one-sheet workbook; numbers in the interview column formatted as dates if asked."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Leads"
    for row in rows:
        sheet.append(row)
    if number_format:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=4, max_col=4):
            cell.number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def wide_rows(cell: Callable[[datetime], object]) -> list[list[object]]:
    """Return a wide tracker: two leads of 1 April, interviewed at 17:00 on the week's last day and
    at 09:00 the next morning, each interview written by `cell`."""
    return [["Lead ID", "Date Generated", "Consultant", "1st Interview"],
            ["L1", cell(datetime(2024, 4, 1, 9, 30)), "Ann Lee", cell(LAST_DAY_17H)],
            ["L2", cell(datetime(2024, 4, 1, 9, 30)), "Bob Ray", cell(NEXT_MORNING)]]


def event_log_csv() -> bytes:
    return csv_bytes([["Lead ID", "Stage Name", "Stage Date", "Consultant"],
                      ["L1", "Lead generated", "2024-04-01 09:30", "Ann Lee"],
                      ["L1", "1st Interview", "2024-04-07 17:00", "Ann Lee"],
                      ["L2", "Lead generated", "2024-04-01 09:30", "Bob Ray"],
                      ["L2", "1st Interview", "2024-04-08 09:00", "Bob Ray"]])


# Every way a source gives a date with a time of day: (file name, its bytes).
TIMED_FILES = [
    pytest.param("tracker.csv", lambda: csv_bytes(wide_rows(lambda at: f"{at:%Y-%m-%d %H:%M}")),
                 id="CSV 2024-04-07 17:00"),
    pytest.param("tracker.csv", lambda: csv_bytes(wide_rows(lambda at: f"{at:%Y-%m-%dT%H:%M:%S}")),
                 id="CSV 2024-04-07T17:00:00"),
    pytest.param("tracker.csv", lambda: csv_bytes(wide_rows(lambda at: f"{at:%d/%m/%Y %H:%M}")),
                 id="CSV 07/04/2024 17:00"),
    pytest.param("tracker.csv", lambda: csv_bytes(wide_rows(lambda at: f"{at:%d/%m/%Y %I:%M %p}")),
                 id="CSV 07/04/2024 05:00 PM"),
    pytest.param("tracker.csv", lambda: csv_bytes(wide_rows(serial)), id="CSV serial 45389.7083"),
    pytest.param("tracker.xlsx", lambda: workbook_bytes({"Leads": wide_rows(lambda at: at)}),
                 id="xlsx datetime cells"),
    pytest.param("tracker.xlsx", lambda: xlsx(wide_rows(serial), "dd/mm/yyyy hh:mm"),
                 id="xlsx serial formatted as a date and time"),
    pytest.param("tracker.xlsx", lambda: xlsx(wide_rows(serial)), id="xlsx bare serial with a fraction"),
    pytest.param("events.csv", event_log_csv, id="event log stage dates at 17:00"),
]


@pytest.mark.parametrize(("name", "build"), TIMED_FILES)
def test_a_milestone_at_17_00_on_a_periods_last_day_is_in_that_period(name, build, tmp_path, capsys):
    data = build()
    model = ingest_files([(name, data)]).model
    interviews = model.milestones[model.milestones["stage"] == "interview"]
    assert dict(zip(interviews["lead_id"], interviews["reached_on"], strict=True)) == {
        "L1": pd.Timestamp("2024-04-07"), "L2": pd.Timestamp("2024-04-08")}
    assert milestones_in(model, "interview", WEEK, WEEK.end)["lead_id"].tolist() == ["L1"]
    activity = {row.stage: row.count for row in funnel(model, "activity", WEEK, WEEK.end).stages}
    assert activity["interview"] == 1

    path = tmp_path / name
    path.write_bytes(data)
    report = json.loads(run_cli(capsys, "report", "funnel", str(path), "--lens", "activity",
                                "--from", "2024-04-01", "--to", "2024-04-07", "--as-of",
                                "2024-04-07", "--json"))
    assert {row["stage"]: row["count"] for row in report["stages"]}["interview"] == 1
    exported = csv.DictReader(io.StringIO(run_cli(capsys, "export", "milestones", str(path))))
    assert {(row["lead_id"], row["reached_on"]) for row in exported if row["stage"] == "interview"} \
        == {("L1", "2024-04-07"), ("L2", "2024-04-08")}
    # Days since progress count calendar days: 7 April to 20 April is 13, whatever the hour.
    stalled = json.loads(run_cli(capsys, "report", "stalled", str(path), "--as-of", "2024-04-20",
                                 "--json"))
    assert {row["lead_id"]: row["days_since_progress"] for row in stalled["leads"]} == {
        "L1": 13, "L2": 12}


@pytest.mark.parametrize(("cell", "day"), [
    ("2024-04-07T23:30:00+01:00", "2024-04-07"),  # the day as written, whatever the time zone
    ("2024-04-07T17:00:00.000Z", "2024-04-07"),
    ("7 April 2024 17:00", "2024-04-07"),
    ("45389.9999", "2024-04-07"),
])
def test_other_times_of_day_are_days_too(cell, day):
    assert f"{parse_dates(pd.Series([cell])).values.iloc[0]:%Y-%m-%d %H:%M}" == f"{day} 00:00"


def test_a_date_without_a_year_takes_the_year_of_today(monkeypatch):
    monkeypatch.setenv(TODAY_VARIABLE, "2031-05-01")
    parsed = parse_dates(pd.Series(["Oct 27th"]))
    assert f"{parsed.values.iloc[0]:%Y-%m-%d}" == "2031-10-27"
    assert any("placed in 2031" in note for note in parsed.notes)


# status -> (outcome, furthest stage): wins started and filled, losses lost at the stage they name.
STATUSES = {
    "Closed Won": ("filled", "started"), "Won": ("filled", "started"),
    "Hired": ("filled", "started"), "Joined": ("filled", "started"),
    "Placed": ("filled", "started"), "Deployed": ("filled", "started"),
    "Closed Lost": ("lost", "lead"), "Dropped": ("lost", "lead"), "Declined": ("lost", "lead"),
    "Withdrawn": ("lost", "lead"), "Rejected": ("lost", "lead"),
    "Offer Declined": ("lost", "offer"), "Rejected after 2nd interview": ("lost", "second_interview"),
    "Withdrawn before interview": ("lost", "lead"), "Lost - filled direct": ("lost", "lead"),
    "Hired elsewhere": ("lost", "lead"), "Closed": ("lost", "lead"),
    "Interview on hold": ("on_hold", "interview"), "Technical interview": ("open", "interview"),
    "No Offer": ("open", "lead"),  # not an offer, and not a status we can guess: shown as unknown
}


def status_tracker() -> bytes:
    return csv_bytes([["Lead ID", "Consultant", "Date Added", "Status"]]
                     + [[f"S{number}", "Ann Lee", "02/04/2024", status]
                        for number, status in enumerate(STATUSES, start=1)])


def test_statuses_are_read_for_their_words(tmp_path, capsys):
    ingested = ingest_files([("statuses.csv", status_tracker())])
    standing = progress(ingested.model, date(2024, 4, 30)).leads
    status_of = dict(zip(ingested.model.leads["lead_id"], ingested.model.leads["status"], strict=True))
    got = {status_of[lead]: (outcome, STAGE_IDS[furthest]) for lead, outcome, furthest
           in zip(standing["lead_id"], standing["outcome"], standing["furthest"], strict=True)}
    assert got == STATUSES
    assert ingested.files[0].sheets[0].unmapped_values["status"] == {"No Offer": 1}

    path = tmp_path / "statuses.csv"
    path.write_bytes(status_tracker())
    cohorts = json.loads(run_cli(capsys, "report", "cohorts", str(path), "--as-of", "2024-04-30",
                                 "--json"))
    (april,) = cohorts["rows"]
    outcomes = [outcome for outcome, _ in STATUSES.values()]
    assert (april["filled"], april["lost"], april["on_hold"]) == (
        outcomes.count("filled"), outcomes.count("lost"), outcomes.count("on_hold"))


@pytest.mark.parametrize(("status", "meaning"), [
    ("Closed Won", ("started", "filled")), ("Closed - Won", ("started", "filled")),
    ("Closed Lost", (None, "lost")), ("Offer Declined", ("offer", "lost")),
    ("Declined offer", ("offer", "lost")), ("No Offer", None), ("Offer not accepted", None),
    ("Not hired", None), ("Awaiting start", None), ("Rejected", (None, "lost")),
    ("Placed - withdrawn", (None, "lost")), ("Accepted another offer", (None, "lost")),
    ("Placed after 2nd interview", ("started", "filled")), ("No show", (None, "lost")),
    ("Client accepted the candidate's salary expectations", None),
])
def test_a_status_is_understood_from_its_meaning_not_its_first_word(status, meaning):
    assert status_meaning(status) == meaning


def formula_tracker(cell: str) -> bytes:
    """Return a tracker whose 'Priority' column is a formula, its cells written as `cell`
    (a template of the XML Excel or a script writes, {row} and {formula} filled in)."""
    rows = [["Lead ID", "Consultant", "Status", "Date Added", "Fee", "Priority"]]
    rows += [[f"L{row}", "Ann Lee", "CVs sent", "03/04/2024", 3000 * row,
              f'=IF(E{row + 1}>5000,"high","")'] for row in (1, 2)]
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes({"Leads": rows})))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<c r="F(\d+)"><f>(.*?)</f><v\s*/></c>', lambda found: cell.format(
                    row=found[1].decode(), formula=found[2].decode()).encode(), content)
            target.writestr(item.filename, content)
    return buffer.getvalue()


# (the formula cells' XML, whether they have no saved result)
FORMULA_CELLS = [
    pytest.param('<c r="F{row}" t="str"><f>{formula}</f><v></v></c>', False,
                 id="Excel saved an empty string"),
    pytest.param('<c r="F{row}" t="str"><f>{formula}</f><v/></c>', False,
                 id="an empty string, written self-closed"),
    pytest.param('<c r="F{row}" t="str"><f>{formula}</f><v>high</v></c>', False,
                 id="a saved text"),
    pytest.param('<c r="F{row}"><f>{formula}</f></c>', True, id="no saved value at all"),
    pytest.param('<c r="F{row}"><f>{formula}</f><v/></c>', True,
                 id="never calculated, as scripts write it"),
]


@pytest.mark.parametrize(("cell", "no_result"), FORMULA_CELLS)
def test_a_formula_that_saved_an_empty_string_has_a_result(cell, no_result, tmp_path, capsys):
    data = formula_tracker(cell)
    sheet = ingest_files([("formulas.xlsx", data)]).files[0].sheets[0]
    assert sheet.rows_accepted == 2
    assert any("no saved result" in note for note in sheet.notes) is no_result

    path = tmp_path / "formulas.xlsx"
    path.write_bytes(data)
    document = json.loads(run_cli(capsys, "inspect", str(path), "--json"))
    assert any("no saved result" in issue["problem"] for issue in document["issues"]) is no_result


def weekly_file(last_day: int) -> bytes:
    """Return one week's export of a tracker: leads added each weekday up to April `last_day`."""
    return csv_bytes([["Lead ID", "Consultant", "Date Added", "Status"]]
                     + [[f"L{day}", "Ann Lee", f"{day:02d}/04/2024 17:00", "CVs sent"]
                        for day in range(1, last_day + 1) if date(2024, 4, day).weekday() < 5])


WEEKS = {"tracker_week14.csv": (5, "2024-04-05"), "tracker_week15.csv": (12, "2024-04-12")}


def test_import_without_as_of_dates_each_weekly_file_by_its_own_last_day(tmp_path):
    paths = []
    for name, (last_day, _) in WEEKS.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(weekly_file(last_day))
    db = str(tmp_path / "history.duckdb")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "recruit_dash", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, TODAY_VARIABLE: TODAY})

    imported = run("import", *map(str, paths), "--db", db, "--json")
    assert imported.returncode == 0, imported.stderr
    assert [row["superseded"] for row in json.loads(imported.stdout)] == [[], []]
    listed = run("uploads", "--db", db, "--json")
    assert listed.returncode == 0, listed.stderr
    uploads = json.loads(listed.stdout)["uploads"]
    assert {row["file_name"]: (row["as_of"], row["superseded"]) for row in uploads} == {
        name: (day, False) for name, (_, day) in WEEKS.items()}


@pytest.mark.parametrize(("as_of", "expected"), [
    (None, ["2024-04-05", "2024-04-12"]),  # each by its data: two weeks of history
    (date(2024, 4, 12), ["2024-04-12", "2024-04-12"]),  # a date given is the date used
])
def test_the_store_dates_an_upload_by_its_data_unless_told(tmp_path, as_of, expected):
    store = open_store(tmp_path / "history.duckdb")
    try:
        results = [store.import_file(name, weekly_file(last_day), as_of)
                   for name, (last_day, _) in WEEKS.items()]
        assert [result.status for result in results] == ["imported", "imported"]
        uploads = store.uploads()
        assert [f"{day:%Y-%m-%d}" for day in uploads["as_of"]] == expected
        assert uploads["superseded_by"].notna().sum() == (0 if as_of is None else 1)
    finally:
        release(store.path)


def test_the_data_page_dates_an_upload_by_its_data(history, tmp_path):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/data.py").run()
    week14, week15 = ((name, weekly_file(last_day), "text/csv")
                      for name, (last_day, _) in WEEKS.items())
    at.file_uploader(key="data_upload").set_value([week14]).run()
    assert not at.exception
    assert at.date_input(key="history_as_of").value == date(2024, 4, 5)
    # Two weeks at once: left empty, each file takes its own last day.
    at.file_uploader(key="data_upload").set_value([week14, week15]).run()
    assert at.date_input(key="history_as_of").value is None
    assert any("each file is dated by its own last day" in caption.value for caption in at.caption)
    at.button(key="history_save").click().run()
    assert not at.exception
    uploads = open_store(history).uploads()
    assert [f"{day:%Y-%m-%d}" for day in uploads["as_of"]] == ["2024-04-05", "2024-04-12"]
    assert uploads["superseded_by"].isna().all()


BD_LISTS = [
    ("Consultant", "Client", "Notes"),
    ("Recruiter", "Company", "Comments"),
    ("Owner", "Account", "Notes"),
]


@pytest.mark.parametrize("headers", BD_LISTS, ids=lambda headers: "-".join(headers))
def test_a_list_of_only_consultants_clients_and_notes_is_read_as_leads(headers):
    rows = [("Ann Lee", "Acme Ltd", "called, chasing the CV"), ("Raj Patel", "Bolt plc", ""),
            ("Ann Lee", "Core Systems", "meeting next week"), ("Cy Dee", "Acme Ltd", "sent terms")]
    ingested = ingest_files([("bd_list.xlsx", workbook_bytes({"BD": [headers, *rows]}))])
    sheet = ingested.files[0].sheets[0]
    assert (sheet.role, sheet.rows_accepted, sheet.rows_quarantined) == ("leads", 4, 0)
    assert sheet.shape == "list"
    leads = ingested.model.leads
    assert leads["consultant"].tolist() == ["Ann Lee", "Raj Patel", "Ann Lee", "Cy Dee"]
    assert leads["client"].tolist() == ["Acme Ltd", "Bolt plc", "Core Systems", "Acme Ltd"]
    assert set(leads["outcome"]) == {"open"}


def test_a_client_directory_without_consultants_is_still_not_taken_for_leads():
    rows = [("Acme Ltd", "Jo Bloggs", "jo@acme.example"), ("Bolt plc", "Sam Ray", "sam@bolt.example")]
    sheet = ingest_files([("clients.xlsx", workbook_bytes(
        {"Clients": [("Client", "Contact", "Email"), *rows]}))]).files[0].sheets[0]
    assert sheet.role == "ignored"
