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
    assert list(rows[0]) == ["lead_id", "stage", "reached_on", "inferred", "source_file",
                             "source_sheet", "source_row"]
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


def test_report_stalled_queue_and_aftercare_print_designs_json(tmp_path):
    stalled = json.loads(run("report", "stalled", str(SAMPLE), "--as-of", "2026-11-20",
                             "--json").stdout)
    assert stalled["as_of"] == "2026-11-20" and stalled["leads"]
    assert all(lead["days_since_progress"] > 5 and lead["reason"] for lead in stalled["leads"])
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"thresholds": {"lead": 365, "meeting": 365}}))
    looser = json.loads(run("report", "stalled", str(SAMPLE), "--as-of", "2026-11-20",
                            "--rules", str(rules), "--json").stdout)
    assert len(looser["leads"]) < len(stalled["leads"])
    queue = json.loads(run("report", "queue", str(SAMPLE), "--as-of", "2026-11-20", "--json").stdout)
    assert queue["items"][0]["kind"] == "start_day" and queue["items"][0]["due_on"] == "2026-11-20"
    care = json.loads(run("report", "aftercare", str(SAMPLE), "--as-of", "2026-11-20",
                          "--json").stdout)
    due = [row for row in care["checkins"] if row["status"] in ("due", "overdue")]
    assert due and all(row["done_on"] is None for row in due)
    assert care["at_risk"]


def test_a_broken_rules_file_is_named_in_a_sentence(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text("not json")
    result = run("report", "stalled", str(SAMPLE), "--rules", str(rules), "--json")
    assert result.returncode == 2 and "Could not read the stall rules" in result.stderr


def test_report_clients_prints_designs_json():
    document = json.loads(run("report", "clients", str(SAMPLE), "--as-of", "2026-11-20",
                              "--json").stdout)
    assert 0 <= document["repeat_business_ratio"] <= 1 and document["testimonials"] > 0
    assert -100 <= document["great_recruiter_score"] <= 100
    assert {"client", "jobs_12m", "last_contact_on", "days_since_contact",
            "great_recruiter_score"} <= set(document["clients"][0])
    assert {row["consultant"] for row in document["consultants"]} >= {"Priya Shah"}


def test_report_ratios_targets_and_the_coaching_pack(tmp_path):
    ratios = json.loads(run("report", "ratios", str(SAMPLE), "--as-of", "2026-11-20",
                            "--json").stdout)
    assert (ratios["from"], ratios["to"]) == ("2026-08-23", "2026-11-20")
    row = next(row for row in ratios["rows"] if row["activity"] == "call")
    assert {"consultant", "activity", "milestone", "activities", "milestones", "ratio",
            "team_median"} <= set(row)
    targets = json.loads(run("report", "targets", str(SAMPLE), "--consultant", "Priya Shah",
                             "--placements", "3", "--json").stdout)
    assert targets["consultant"] == "Priya Shah" and targets["placements"] == 3
    assert targets["needed"]["call"] > 0
    missing = run("report", "targets", str(SAMPLE), "--json")
    assert missing.returncode == 2 and "--consultant" in missing.stderr
    pdf = tmp_path / "pack.pdf"
    result = run("pack", "consultant", str(SAMPLE), "--name", "Priya Shah", "--from", "2026-08-01",
                 "--to", "2026-10-31", "-o", str(pdf))
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    unknown = run("pack", "consultant", str(SAMPLE), "--name", "Nobody", "-o", str(pdf))
    assert unknown.returncode == 2 and "No consultant called 'Nobody'" in unknown.stderr
