"""The command line, run as a user runs it: `python -m recruit_dash …`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from conftest import ROOT, SAMPLE


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recruit_dash", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_inspect_names_every_role_of_the_sample_and_ignores_the_pivot():
    result = run("inspect", str(SAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    file = document["files"][0]
    assert file["ok"] is True and file["error"] is None
    roles = {sheet["name"]: sheet["role"] for sheet in file["sheets"]}
    assert roles == {"Lead Tracker": "leads", "KPI Weekly": "activities",
                     "Placements": "placements", "Client Feedback": "feedback",
                     "Pivot": "ignored"}
    for sheet in file["sheets"]:
        assert sheet["rows_read"] == (sheet["rows_accepted"] + sheet["rows_quarantined"]
                                      + sheet["rows_blank"])
    tracker = next(sheet for sheet in file["sheets"] if sheet["name"] == "Lead Tracker")
    assert tracker["header_row"] == 4  # below the title rows
    assert tracker["columns"]["CVs Sent"] == "stage:shortlist"
    assert tracker["rows_blank"] > 0 and tracker["rows_quarantined"] >= 1  # blanks and the TOTAL row
    assert document["model"]["leads"] >= 1500
    assert all(count > 0 for count in document["model"]["milestones"].values())


def test_export_writes_iso_dates_and_canonical_columns():
    result = run("export", "milestones", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["lead_id", "stage", "reached_on", "source_file", "source_sheet",
                             "source_row"]
    dated = [row["reached_on"] for row in rows if row["reached_on"]]
    assert dated and all(len(value) == 10 and value[4] == "-" for value in dated)


def test_export_xlsx_to_a_file(tmp_path):
    target = tmp_path / "leads.xlsx"
    result = run("export", "leads", str(SAMPLE), "--format", "xlsx", "-o", str(target))
    assert result.returncode == 0, result.stderr
    from openpyxl import load_workbook

    sheet = load_workbook(target, read_only=True)["leads"]
    assert next(sheet.iter_rows(values_only=True))[0] == "lead_id"


def test_a_file_we_cannot_read_is_ok_false_with_a_sentence_and_a_non_zero_exit(tmp_path):
    fake = tmp_path / "tracker.xlsx"
    fake.write_bytes(b"%PDF-1.4 not a workbook")
    result = run("inspect", str(fake), "--json")
    assert result.returncode != 0
    file = json.loads(result.stdout)["files"][0]
    assert file["ok"] is False and "PDF" in file["error"]
    assert "Traceback" not in result.stderr


def test_a_missing_file_is_named():
    result = run("inspect", "no/such/file.xlsx")
    assert result.returncode == 2 and "No such file" in result.stderr
