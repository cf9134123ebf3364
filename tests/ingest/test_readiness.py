"""What each page can and cannot show: small trackers missing a key column, read by the pipeline,
and the checklist line each page gets (the words the Data page, the page itself and `inspect`
all show)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE
from make_fixtures import workbook_bytes

from recruit_dash import cli
from recruit_dash.ingest.pipeline import ingest_paths
from recruit_dash.ingest.readiness import (
    EMPTY,
    FOUND,
    MISSING,
    NARROWED,
    PAGE_NEEDS,
    READY,
    page_readiness,
    readiness_of,
)

NO_CLIENT = {
    "Lead ID": ["L1", "L2", "L3"],
    "Date generated": ["2026-10-01", "2026-10-02", "2026-10-05"],
    "Consultant": ["Ann Lee", "Raj Patel", "Ann Lee"],
    "Source": ["Referral", "LinkedIn", "Referral"],
    "CVs sent": ["2026-10-04", "", "2026-10-09"],
}
FIVE_STAGES = {
    "Lead ID": ["L1", "L2"],
    "Resume date": ["2026-10-01", "2026-10-02"],
    "Consultant": ["Ann Lee", "Raj Patel"],
    "Client": ["Acme", "Bolt"],
    "Client meeting": ["2026-10-03", "2026-10-04"],
    "Job registered": ["2026-10-05", ""],
    "CVs sent": ["2026-10-06", ""],
    "1st interview": ["2026-10-08", ""],
    "Offer made": ["2026-10-12", ""],
}
STATUS_ONLY = {
    "Ref": ["S1", "S2", "S3", "S4"],
    "Recruiter": ["Cara Moss", "Cara Moss", "Dan Fox", "Dan Fox"],
    "Company": ["Dune Ltd", "Dune Ltd", "Echo plc", "Echo plc"],
    "Current Status": ["Interviewing", "Offer accepted", "Placed", "Interviewing"],
    "Date Added": ["02/05/2026", "13/05/2026", "14/05/2026", "15/05/2026"],
}
BLANK_CLIENT = {**NO_CLIENT, "Client": ["", "", ""]}


def tracker(folder: Path, name: str, columns: dict[str, list]) -> Path:
    """Write a CSV tracker and return its path."""
    path = folder / name
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def feedback_only(folder: Path) -> Path:
    """Write a workbook holding nothing but client survey answers."""
    path = folder / "survey.xlsx"
    path.write_bytes(workbook_bytes({"Client Feedback": [
        ["Client", "Consultant", "Date", "Score (0-10)", "Referral?", "Testimonial?"],
        ["Bolt plc", "Ann Lee", datetime(2026, 5, 1), 10, "Yes", "No"],
        ["Acme Ltd", "Bob Ray", datetime(2026, 5, 2), 6, "No", "No"],
    ]}))
    return path


def item_of(path: Path, page: str, need: str):
    readiness = readiness_of(ingest_paths([path]), page)
    return readiness, next(item for item in readiness.items if item.need == need)


# file, columns, page, need -> item status, words in its sentence, the sheet named to map it on,
# and the page's status.
CASES = [
    ("no_client.csv", NO_CLIENT, "Clients", "client", MISSING,
     "no client column — the Clients page will be empty", "no_client", EMPTY),
    ("no_client.csv", NO_CLIENT, "Funnel", "client", MISSING,
     "no client column — no split by client", "no_client", NARROWED),
    ("blank_client.csv", BLANK_CLIENT, "Clients", "client", MISSING,
     "client column found (Client) but empty — the Clients page will be empty", "blank_client",
     EMPTY),
    ("five.csv", FIVE_STAGES, "Funnel", "lead_date", FOUND, "lead date found (Resume date)",
     None, NARROWED),
    # The lead date is the ladder's first stage: a lead date and 5 stage columns track 6 stages.
    ("five.csv", FIVE_STAGES, "Funnel", "stages", "partial",
     "stage dates for 6 of 13 stages — the other stages show as not tracked", "five", NARROWED),
    ("five.csv", FIVE_STAGES, "Funnel", "source", MISSING, "no source column — no split by source",
     "five", NARROWED),
    ("no_client.csv", NO_CLIENT, "Aftercare", "placements", MISSING,
     "no placements and no start dates — the Aftercare page will be empty", "no_client", EMPTY),
    ("no_client.csv", NO_CLIENT, "Consultants", "activities", MISSING,
     "no activity data (calls, CVs sent, meetings) — the nail-to-milestone ratios will be empty",
     None, EMPTY),
    # A status-only tracker records stages through its status values, without dates.
    ("status.csv", STATUS_ONLY, "Funnel", "stages", "partial",
     "stage dates for 1 of 13 stages, and 3 more recorded without dates (through Current Status "
     "values)", "status", NARROWED),
]


@pytest.mark.parametrize(("file", "columns", "page", "need", "status", "words", "sheet",
                          "page_status"), CASES)
def test_each_page_says_what_it_found_and_what_is_missing(tmp_path, file, columns, page, need,
                                                          status, words, sheet, page_status):
    readiness, item = item_of(tracker(tmp_path, file, columns), page, need)
    assert item.status == status
    assert words in item.sentence
    assert item.sentence in readiness.line
    assert readiness.status == page_status
    assert item.sheet == sheet
    if sheet is not None:
        assert Path(item.path).name == file
        assert f"sheet '{sheet}' of {file}" in item.action


def test_a_missing_client_names_the_leads_sheet_with_the_most_rows(tmp_path):
    small = tracker(tmp_path, "small.csv", {key: values[:1] for key, values in NO_CLIENT.items()})
    big = tracker(tmp_path, "big.csv", NO_CLIENT)
    clients = readiness_of(ingest_paths([small, big]), "Clients")
    item = next(item for item in clients.items if item.need == "client")
    assert (item.path, item.sheet) == (str(big), "big")
    assert item.field == "client" and item.essential


def test_the_sample_has_everything_every_page_needs():
    pages = page_readiness(ingest_paths([SAMPLE]))
    assert [page.page for page in pages] == list(PAGE_NEEDS)
    for page in pages:
        assert page.status == READY, page.line
        assert all(item.status == FOUND for item in page.items), page.line
    funnel = next(page for page in pages if page.page == "Funnel")
    assert "lead date found (Date Generated)" in funnel.line
    assert "stage dates for 13 of 13 stages" in funnel.line


def test_a_feedback_only_file_says_the_funnel_has_no_leads(tmp_path):
    ingested = ingest_paths([feedback_only(tmp_path)])
    funnel = readiness_of(ingested, "Funnel")
    assert funnel.status == EMPTY
    assert funnel.line == "Funnel: no leads — the Funnel page will be empty"
    assert "Upload your lead tracker" in funnel.items[0].action
    # The feedback itself is found where it is used.
    clients = readiness_of(ingested, "Clients")
    assert "client found (Client)" in clients.line
    assert "client feedback found (Client Feedback)" in clients.line


def test_the_data_page_gets_no_checklist_of_its_own():
    assert readiness_of(ingest_paths([SAMPLE]), "Data") is None


def test_inspect_adds_the_pages_and_keeps_its_keys(tmp_path, capsys):
    path = tracker(tmp_path, "no_client.csv", NO_CLIENT)
    assert cli.main(["inspect", str(path), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {"ok", "files", "model", "issues", "issue_count"} <= set(document)
    clients = next(page for page in document["pages"] if page["page"] == "Clients")
    assert clients["status"] == EMPTY
    assert clients["items"][0]["sheet"] == "no_client"
    assert clients["items"][0]["field"] == "client"

    assert cli.main(["inspect", str(path)]) == 0
    text = capsys.readouterr().out
    assert "no_client.csv: ok" in text
    assert "[empty] Clients: no client column — the Clients page will be empty" in text
    assert "Map the column holding the client to Client on sheet 'no_client'" in text
