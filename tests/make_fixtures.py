"""Small tracker files, one per input shape and kind of mess, written by code so tests can read
exactly what a user's file would hold. Run directly to write them into a folder for a look."""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

Rows = list[list[object]]


def workbook_bytes(sheets: dict[str, Rows], hidden: tuple[str, ...] = ()) -> bytes:
    """Return an .xlsx holding the given sheets, rows written from A1."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def macro_enabled(data: bytes) -> bytes:
    """Return an .xlsx re-labelled as a macro-enabled workbook (.xlsm), as Excel saves one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
            target.writestr(item, content)
    return buffer.getvalue()


def csv_bytes(rows: Rows, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    """Return rows as CSV text."""
    lines = [delimiter.join("" if value is None else str(value) for value in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


WIDE_HEADER = ["Lead ID", "Date Generated", "Consultant", "Client", "Job Title", "Status",
               "Next Action", "Fee (£)", "Job Registered", "CVs Sent", "1st Interview",
               "Offer Made", "Start Date"]
WIDE_ROWS: Rows = [
    ["L1", datetime(2025, 3, 3), "Ann Lee", "Acme Ltd", "Buyer", "CVs sent", datetime(2025, 3, 20),
     5000, "✓", "14/03/2025", None, None, None],
    ["L2", "04/03/2025", "ann lee ", "Bolt plc", "Driver", "Placed", None, "£7,500", "✓",
     datetime(2025, 3, 10), datetime(2025, 3, 14), datetime(2025, 3, 20), datetime(2025, 4, 22)],
    ["L3", datetime(2025, 3, 5), "Bob Ray", "Acme Ltd", "Clerk", "Lost - filled direct", None,
     None, None, None, None, None, None],
    [None] * 13,
    ["L4", datetime(2025, 3, 6), "Bob Ray", "Cole & Co", "Chef", "On Hold", None, 4000, "Y",
     None, None, None, None],
    ["TOTAL", None, None, None, None, None, None, 16500, None, None, None, None, None],
]


def wide_tracker() -> bytes:
    """Return a wide lead tracker with a title row, UK text dates, ticks, a blank and a totals row."""
    return workbook_bytes({"Leads": [["Team tracker 2025"], [], WIDE_HEADER, *WIDE_ROWS]})


def status_only_csv() -> bytes:
    """Return a status-only tracker as CSV, with an exact duplicate row and an unknown status."""
    return csv_bytes([
        ["Ref", "Recruiter", "Company", "Role", "Current Status", "Date Added"],
        ["S1", "Cara Moss", "Dune Ltd", "Nurse", "Interviewing", "02/05/2025"],
        ["S2", "Cara Moss", "Dune Ltd", "Porter", "Offer accepted", "13/05/2025"],
        ["S3", "Dan Fox", "Echo plc", "Cook", "Banana", "14/05/2025"],
        ["S3", "Dan Fox", "Echo plc", "Cook", "Banana", "14/05/2025"],
    ])


def event_log() -> bytes:
    """Return a long event log: lead, stage name, date; two rows per lead."""
    return workbook_bytes({"Log": [
        ["Lead ID", "Stage Name", "Stage Date", "Consultant"],
        ["E1", "CVs Sent", datetime(2025, 6, 2), "Ann Lee"],
        ["E1", "1st Interview", datetime(2025, 6, 9), "Ann Lee"],
        ["E2", "CVs Sent", datetime(2025, 6, 3), "Bob Ray"],
        ["E2", "Offer Made", datetime(2025, 6, 20), "Bob Ray"],
        ["E2", "Phone screen", datetime(2025, 6, 4), "Bob Ray"],
    ]})


def weekly_kpis() -> bytes:
    """Return a weekly-wide KPI sheet: one row per consultant-week, a count column per kind."""
    return workbook_bytes({"KPI Weekly": [
        ["Consultant", "Week Commencing", "Calls", "BD Calls", "CVs Sent", "Client Meetings"],
        ["Ann Lee", datetime(2025, 6, 2), 120, 30, 6, 2],
        ["Bob Ray", datetime(2025, 6, 2), 60, 10, 3, 0],
        ["Bob Ray", None, 5, 5, 5, 5],
    ]})


def activity_log_csv() -> bytes:
    """Return a long activity log with ISO dates and free-text types, semicolon-delimited."""
    return csv_bytes([
        ["recruiter_name", "date", "activity_type", "related_client"],
        ["Ann Lee", "2025-06-02", "Client Follow-Up Call", "Acme Ltd"],
        ["Ann Lee", "2025-06-03", "Candidate Submission", "Acme Ltd"],
        ["Bob Ray", "2025-06-03", "Intake Meeting", "Bolt plc"],
        ["", "2025-06-04", "Call", ""],
    ], delimiter=";")


def placements_and_feedback() -> bytes:
    """Return a workbook with placements (check-in columns) and client feedback, plus a pivot."""
    return workbook_bytes({
        "Placements": [
            ["Placement ID", "Lead ID", "Candidate", "Client", "Consultant", "Start Date",
             "Probation End", "Fee", "Day 1 Call", "Week 1 Call"],
            ["P1", "L2", "Zoe Hart", "Bolt plc", "Ann Lee", datetime(2025, 4, 22),
             datetime(2025, 7, 21), 7500, datetime(2025, 4, 22), None],
        ],
        "Client Feedback": [
            ["Client", "Consultant", "Date", "Score (0-10)", "Referral?", "Testimonial?"],
            ["Bolt plc", "Ann Lee", datetime(2025, 5, 1), 10, "Yes", "No"],
            ["Acme Ltd", "Bob Ray", datetime(2025, 5, 2), 6, "No", "No"],
            ["Acme Ltd", "Bob Ray", datetime(2025, 5, 3), 14, "No", "No"],
        ],
        "Pivot": [["Row Labels", "Count of Lead ID"], ["Ann Lee", 2], ["Grand Total", 2]],
    })


def legacy_xls() -> bytes:
    """Return the wide tracker's first rows as an Excel 97-2003 (.xls) workbook."""
    import xlwt

    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Leads")
    uk_date = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for row, values in enumerate([WIDE_HEADER, *WIDE_ROWS[:3]]):
        for column, value in enumerate(values):
            if isinstance(value, datetime):
                sheet.write(row, column, value, uk_date)
            elif value is not None:
                sheet.write(row, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CUSTOM_HEADER = ["Ref", "Desk", "Company", "Role", "Current Status", "Date Added"]
CUSTOM_ROWS: Rows = [
    ["C1", "Adil umar", "Acme Ltd", "Nurse", "Interviewing", "02/05/2025"],
    ["C2", "Mohammed Adil Umar", "ACME Limited", "Porter", "Banana", "13/05/2025"],
    ["C3", "Kit/Gil", "Echo plc", "Cook", "Banana", "14/05/2025"],
    ["C4", "Jon Smith", "Echo plc", "Cook", "Placed", "15/05/2025"],
]


def custom_tracker_csv() -> bytes:
    """Return a home-made tracker whose consultant column has a header we do not know ("Desk
    Owner"), a status we do not know ("Banana"), name variants and a co-owned row."""
    return csv_bytes([CUSTOM_HEADER, *CUSTOM_ROWS])


def custom_tracker_next_week() -> bytes:
    """Return next week's copy of the home-made tracker: a workbook, the sheet renamed, a title row
    above the header, the columns in another order and an extra column."""
    order = [0, 2, 1, 4, 3, 5]
    header = [CUSTOM_HEADER[i] for i in order] + ["Region"]
    rows = [[row[i] for i in order] + ["North"] for row in CUSTOM_ROWS]
    rows.append(["C5", "Bolt plc", "Jonathan Smith", "Banana", "Driver", "20/05/2025", "South"])
    return workbook_bytes({"Week 21": [["Desk tracker, week 21"], header, *rows]})


def two_row_header() -> bytes:
    """Return a tracker whose header spans two rows: a group row ("Interview") over its parts
    ("Booked", "Done"), with the group written once over a merged block."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Pipeline"
    sheet.append(["Lead ID", "Consultant", "Client", "Status", "Interview", None, "Offer", None])
    sheet.append([None, None, None, None, "Booked", "Done", "Made", "Accepted"])
    sheet.merge_cells("E1:F1")
    sheet.merge_cells("G1:H1")
    sheet.append(["T1", "Ann Lee", "Acme Ltd", "Offer made", datetime(2025, 2, 3),
                  datetime(2025, 2, 5), datetime(2025, 2, 10), None])
    sheet.append(["T2", "Bob Ray", "Bolt plc", "Interviewing", datetime(2025, 2, 4), None, None,
                  None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def side_table() -> bytes:
    """Return a tracker with a small table of targets beside the data, after an empty column."""
    return workbook_bytes({"Leads": [
        ["Lead ID", "Consultant", "Client", "Status", "Date Added", None, "Consultant", "Target"],
        ["K1", "Ann Lee", "Acme Ltd", "CVs sent", datetime(2025, 1, 6), None, "Ann Lee", 10],
        ["K2", "Bob Ray", "Bolt plc", "Placed", datetime(2025, 1, 7), None, "Bob Ray", 8],
        ["K3", "Ann Lee", "Cole & Co", "Lost", datetime(2025, 1, 8), None, "Cy Dee", 6],
        [None, None, None, None, None, None, "Di Eve", 4],
    ]})


def relational_workbook() -> bytes:
    """Return an agency workbook in relational form: jobs, candidates on those jobs (joined by the
    job's id) and an activity log by candidate, on three sheets."""
    return workbook_bytes({
        "Jobs": [["Req ID", "Job Title", "Client", "Open Date"],
                 ["R1", "Buyer", "Acme Ltd", datetime(2025, 1, 6)],
                 ["R2", "Driver", "Bolt plc", datetime(2025, 1, 7)],
                 ["R3", "Chef", "Cole & Co", datetime(2025, 1, 8)]],
        "Candidates": [["Candidate ID", "Req ID", "Recruiter", "Current Stage"],
                       ["C1", "R1", "Ann Lee", "Submitted"],
                       ["C2", "R1", "Bob Ray", "Hired"],
                       ["C3", "R2", "Ann Lee", "Interview"]],
        "Activity": [["Candidate ID", "Recruiter", "Activity Type", "Activity Date"],
                     ["C1", "Ann Lee", "Resume Submitted", datetime(2025, 1, 9)],
                     ["C2", "Ann Lee", "Interview Scheduled", datetime(2025, 1, 10)]],
    })


def date1904() -> bytes:
    """Return a placements sheet saved in Excel's 1904 date system (old Mac workbooks), one date
    a real date cell and one a bare serial number."""
    workbook = Workbook()
    workbook.epoch = __import__("openpyxl").utils.datetime.CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.title = "Placements"
    sheet.append(["Placement ID", "Candidate", "Client", "Consultant", "Start Date",
                  "Probation End"])
    sheet.append(["Q1", "Zoe Hart", "Bolt plc", "Ann Lee", datetime(2025, 4, 22),
                  datetime(2025, 7, 21)])
    # A start date typed as a bare serial number (no date format): 22 April 2025 in 1904 days.
    sheet.append(["Q2", "Max Hill", "Acme Ltd", "Bob Ray", 44307, datetime(2025, 7, 21)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def relative_dates_csv() -> bytes:
    """Return placements whose start dates are partly relative text ("Immediately", "15 days")."""
    return csv_bytes([
        ["Candidate", "Client", "Consultant", "Start Date"],
        ["Zoe Hart", "Bolt plc", "Ann Lee", "22/04/2025"],
        ["Max Hill", "Acme Ltd", "Bob Ray", "Immediately"],
        ["Eve Long", "Acme Ltd", "Bob Ray", "15 Days"],
    ])


FIXTURES = {
    "wide_tracker.xlsx": wide_tracker,
    "wide_tracker.xlsm": lambda: macro_enabled(wide_tracker()),
    "legacy.xls": legacy_xls,
    "status_only.csv": status_only_csv,
    "event_log.xlsx": event_log,
    "weekly_kpis.xlsx": weekly_kpis,
    "activity_log.csv": activity_log_csv,
    "placements_feedback.xlsx": placements_and_feedback,
    "custom_tracker.csv": custom_tracker_csv,
    "custom_tracker_next_week.xlsx": custom_tracker_next_week,
    "two_row_header.xlsx": two_row_header,
    "side_table.xlsx": side_table,
    "date1904.xlsx": date1904,
    "relative_dates.csv": relative_dates_csv,
    "relational.xlsx": relational_workbook,
}


def write_all(folder: Path) -> dict[str, Path]:
    """Write every fixture into a folder and return their paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, build in FIXTURES.items():
        path = folder / name
        path.write_bytes(build())
        paths[name] = path
    return paths


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures")).values():
        print(path)
