"""Properties that hold on any small tracker a user might upload: blanks, duplicate rows and ids,
and odd values in every column. Every sheet accounts for every row, every report runs and is
plain JSON, and every page runs under AppTest without an exception."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, datetime

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from make_fixtures import workbook_bytes
from streamlit.testing.v1 import AppTest

from recruit_dash.clock import TODAY_VARIABLE
from recruit_dash.ingest.pipeline import ingest_file, ingest_files
from recruit_dash.ingest.understanding import inspection
from recruit_dash.metrics.ratio_ledger import ledger
from recruit_dash.model import TABLES
from recruit_dash.outputs import export, reports
from recruit_dash.ui.state import UPLOADS_KEY

APP = str(ROOT / "app.py")
PAGES = ["pages/overview.py", "pages/funnel.py", "pages/stalled_today.py", "pages/consultants.py",
         "pages/clients.py", "pages/aftercare.py", "pages/quarterly_review.py", "pages/data.py"]
# Days before, inside and long after the generated data, and one in the distant past.
AS_OF_DAYS = (date(2025, 3, 15), date(2025, 6, 30), date(2031, 1, 1), date(1990, 1, 1))
TODAY = "2025-06-30"

ODD_TEXT = ("", " ", "\u00a0", "-", "n/a", "None", "0", "=1+1", "+44 20 7946 0000", "Zoë Ångström",
            "李雷", "عميل", "Ann Lee 🚀", "ann  lee ", "ANN LEE", "<b>bold</b>", "a" * 300, "Total",
            "Referral", "LinkedIn", "Acme Ltd", "Acme Limited", "#N/A", "#REF!", "1e309")
ODD_DATES = ("", " ", "01/02/2025", "13/02/2025", "2/13/2025", "2025-04-01", "2025-04-01 17:00",
             "01-04-25", "Oct 27th", "Immediately", "TBC", "32/13/2025", "1899-12-31",
             "1900-02-29", "2199-01-01", "0001-01-01", "45000", "-1", "0", "✓", "Y", "x", "Yes",
             "No", "1", "TRUE", "=TODAY()", "#VALUE!", "next week")
ODD_FEES = ("", "5000", "£7,500", "-250", "0", "1e9", "abc", "12.5%", "NaN", "inf", "-0",
            "€1.000,50", "=1+1", "£", "99999999999999999999")
STATUSES = ("", "CVs sent", "Interviewing", "Offer made", "Offer accepted", "Placed", "Started",
            "Closed Won", "Won", "Hired", "Joined", "Closed Lost", "Lost - filled direct",
            "Dropped", "Declined", "Withdrawn", "On hold", "Open", "???", "=1+1", "Placed?")
HEADER = ["Lead ID", "Date generated", "Consultant", "Client", "Source", "Status", "CVs sent",
          "1st interview", "Offer", "Start date", "Fee", "Next action"]


def _dates(binary: bool) -> st.SearchStrategy:
    """Return a strategy for a date cell: text of every kind, and real datetimes in a workbook."""
    text = st.sampled_from(ODD_DATES) | st.dates(date(2024, 10, 1), date(2025, 9, 30)).map(
        lambda day: day.strftime(_day_format(day)))
    if not binary:
        return text
    stamps = st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)) | st.datetimes(
        datetime(2024, 10, 1), datetime(2025, 9, 30))
    return text | stamps | st.integers(-5, 80000) | st.none()


def _day_format(day: date) -> str:
    """Return a day-first or ISO format, by the day, so both appear."""
    return "%d/%m/%Y" if day.day % 2 else "%Y-%m-%d"


@st.composite
def trackers(draw: st.DrawFn, binary: bool | None = None) -> tuple[str, bytes]:
    """Return a small lead tracker as (file name, bytes): CSV or xlsx, awkward in every column."""
    binary = draw(st.booleans()) if binary is None else binary
    ids = st.sampled_from(["L1", "L2", "", " l1 ", "L-٣", "1", "1.0"]) | st.integers(1, 60).map(
        "L{}".format)
    # Letters, digits, punctuation, symbols and spaces of any script; no control characters,
    # which a workbook cannot hold.
    text = st.sampled_from(ODD_TEXT) | st.text(
        st.characters(categories=("L", "M", "N", "P", "S", "Zs")), max_size=12)
    row = st.fixed_dictionaries({
        "Lead ID": ids, "Date generated": _dates(binary), "Consultant": text, "Client": text,
        "Source": text, "Status": st.sampled_from(STATUSES), "CVs sent": _dates(binary),
        "1st interview": _dates(binary), "Offer": _dates(binary), "Start date": _dates(binary),
        "Fee": st.sampled_from(ODD_FEES) | st.floats(-1e6, 1e7, allow_nan=False),
        "Next action": _dates(binary)})
    # Distinct ids; the copies below make duplicate rows, and a reused id two leads with one id.
    rows = draw(st.lists(row, min_size=2, max_size=12, unique_by=lambda record: record["Lead ID"]))
    index = st.integers(0, len(rows) - 1)
    rows += [rows[copy] for copy in draw(st.lists(index, max_size=3))]
    reused = draw(st.lists(st.tuples(index, index), max_size=2))
    rows += [{**rows[target], "Lead ID": rows[source]["Lead ID"]} for source, target in reused]
    # Some trackers leave out columns; the lead id, consultant and status stay so it is a tracker.
    kept = draw(st.lists(st.sampled_from(HEADER[1:]), unique=True, min_size=2))
    columns = [column for column in HEADER if column in {"Lead ID", "Consultant", "Status", *kept}]
    table = [[record[column] for column in columns] for record in rows]
    if draw(st.booleans()):
        table.append(["Total", *[""] * (len(columns) - 1)])
    if draw(st.booleans()):
        table.insert(0, [""] * len(columns))
    grid = [columns, *table]
    if draw(st.booleans()):
        grid = [["Lead tracker — Q2"], *grid]
    if binary:
        sheets = {"Leads": grid}
        ids = [record["Lead ID"] for record in rows]
        for name, rows_of in (("KPI Weekly", _kpi_rows), ("Placements", _placement_rows),
                              ("Client Feedback", _feedback_rows)):
            if draw(st.booleans()):
                sheets[name] = draw(rows_of(text, ids))
        return "tracker.xlsx", workbook_bytes(sheets)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if value is None else str(value) for value in line]
                                  for line in grid])
    return "tracker.csv", buffer.getvalue().encode("utf-8")


def _numbers() -> st.SearchStrategy:
    """Return a strategy for a count or score cell: numbers, blanks and text."""
    return (st.integers(-5, 500) | st.floats(-1, 1e4, allow_nan=False)
            | st.sampled_from(["", "n/a", "12", "-3", "1e9", "ten", "=1+1"]))


def _kpi_rows(text: st.SearchStrategy, ids: list[str]) -> st.SearchStrategy:
    """Return a strategy for a weekly KPI sheet: a consultant-week per row, a count per kind."""
    header = ["Consultant", "Week Commencing", "Calls", "BD Calls", "CVs Sent", "Client Meetings"]
    row = st.tuples(text, _dates(True), _numbers(), _numbers(), _numbers(), _numbers())
    return st.lists(row.map(list), max_size=6).map(lambda rows: [header, *rows])


def _placement_rows(text: st.SearchStrategy, ids: list[str]) -> st.SearchStrategy:
    """Return a strategy for a placements sheet with check-in columns, linked to some leads."""
    header = ["Placement ID", "Lead ID", "Candidate", "Client", "Consultant", "Start Date",
              "Probation End", "Fee", "Day 1 Call", "Week 1 Call"]
    row = st.tuples(st.sampled_from(["P1", "P2", "P3", ""]), st.sampled_from([*ids, "", "L99"]),
                    text, text, text, _dates(True), _dates(True),
                    st.sampled_from(ODD_FEES), _dates(True), _dates(True))
    return st.lists(row.map(list), max_size=5).map(lambda rows: [header, *rows])


def _feedback_rows(text: st.SearchStrategy, ids: list[str]) -> st.SearchStrategy:
    """Return a strategy for a client feedback sheet: scores in and out of 0-10, odd flags."""
    header = ["Client", "Consultant", "Date", "Score (0-10)", "Referral?", "Testimonial?"]
    flags = st.sampled_from(["Yes", "No", "", "Y", "maybe", "1", "0"])
    row = st.tuples(text, text, _dates(True), _numbers(), flags, flags)
    return st.lists(row.map(list), max_size=5).map(lambda rows: [header, *rows])


def _every_report(model, as_of: date) -> list[dict]:
    """Return every report of the command line on the model, as its JSON document."""
    documents = [reports.report("funnel", model, as_of=as_of, lens=lens)
                 for lens in ("cohort", "activity", "snapshot")]
    documents += [reports.report(kind, model, as_of=as_of)
                  for kind in reports.KINDS if kind not in ("funnel", "targets")]
    people = ledger(model).consultants
    documents += [reports.report("targets", model, as_of=as_of, consultant=person, placements=2)
                  for person in dict.fromkeys(people[:1] + people[-1:])]
    return documents


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tracker=trackers(), as_of=st.sampled_from(AS_OF_DAYS))
def test_any_tracker_accounts_for_every_row_and_every_report_is_plain_json(tracker, as_of):
    name, data = tracker
    report, _ = ingest_file(name, data)
    for sheet in report.sheets:
        assert sheet.rows_read == sheet.rows_accepted + sheet.rows_quarantined + sheet.rows_blank
    ingested = ingest_files([(name, data)])
    json.dumps(inspection(ingested), allow_nan=False, default=str)
    for document in _every_report(ingested.model, as_of):
        json.dumps(document, allow_nan=False)
    for table in TABLES:
        export.csv_bytes(ingested.model.table(table))


@pytest.fixture(scope="module")
def pinned_today():
    """Pin the app's today for the page runs (Hypothesis reruns the test, not a fixture)."""
    before = os.environ.get(TODAY_VARIABLE)
    os.environ[TODAY_VARIABLE] = TODAY
    yield
    if before is None:
        os.environ.pop(TODAY_VARIABLE, None)
    else:
        os.environ[TODAY_VARIABLE] = before


# Each example runs all eight pages and two more views, so a handful of examples (about 40 s).
@settings(max_examples=16, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tracker=trackers())
def test_every_page_runs_on_any_tracker(pinned_today, tracker):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[UPLOADS_KEY] = [tracker]
    at.run()
    assert not at.exception
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, [error.value for error in at.exception])
        assert not any("sample data" in info.value for info in at.info)  # the upload is shown
    # A split by a column with blanks, and the last consultant (the blank group when there is one).
    at.switch_page("pages/funnel.py").run()
    at.button_group(key="funnel_lens").set_value("snapshot")
    at.selectbox(key="funnel_split").set_value("client").run()
    assert not at.exception, [error.value for error in at.exception]
    at.switch_page("pages/consultants.py").run()
    people = next((box for box in at.selectbox if box.key == "consultants_person"), None)
    if people is not None and people.options:
        people.set_value(people.options[-1]).run()
        assert not at.exception, [error.value for error in at.exception]
