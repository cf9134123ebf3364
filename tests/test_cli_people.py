"""`--people FILE --as EMAIL` on the command line: each report, export, pack and digest is exactly
what that person would see, imports and deletions record who did them, and every mistake is one
sentence and a non-zero exit."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, SAMPLE_PREV
from test_people import EVERYONE, HEADER, ROWS, SEES, write_sheet

AS_OF = "2026-11-20"
EMMA, SARAH, DANIEL = ("emma@northgate.example", "sarah@northgate.example",
                       "daniel@northgate.example")


def run(*args: str, people: Path | None = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items()
                   if key != "RECRUIT_DASH_PEOPLE"}
    if people:
        environment["RECRUIT_DASH_PEOPLE"] = str(people)
    return subprocess.run([sys.executable, "-m", "recruit_dash", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def sheets(tmp_path_factory) -> dict[str, Path]:
    """Return the people sheet as CSV and as Excel, and sheets with one thing wrong each."""
    base = tmp_path_factory.mktemp("people-cli")
    return {
        "csv": write_sheet(base / "people.csv", ROWS),
        "xlsx": write_sheet(base / "people.xlsx", ROWS),
        "unknown_role": write_sheet(base / "roles.csv", ROWS + [["x@y.example", "X", "Boss", "N"]]),
        "duplicate": write_sheet(base / "twice.csv", ROWS + [ROWS[3]]),
        "no_role": write_sheet(base / "columns.csv", [row[:2] + row[3:] for row in ROWS],
                               [HEADER[0], HEADER[1], HEADER[3]]),
        "base": base,
    }


def others(email: str) -> set[str]:
    return EVERYONE - SEES[email]


@pytest.mark.parametrize("kind", ["funnel", "stalled", "ratios"])
@pytest.mark.parametrize("sheet", ["csv", "xlsx"])
def test_a_consultants_report_names_no_other_consultant(sheets, kind, sheet):
    result = run("report", kind, str(SAMPLE), "--as-of", AS_OF, "--people", str(sheets[sheet]),
                 "--as", EMMA)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert not [name for name in others(EMMA) if name in result.stdout]
    if kind == "stalled":
        assert document["leads"] and {lead["consultant"] for lead in document["leads"]} == {
            "Emma Lawson"}
    if kind == "ratios":
        assert {row["consultant"] for row in document["rows"]} == {"Emma Lawson"}
        # Against her team's median, not her own ratio (which a one-person view would give).
        assert any(row["ratio"] != row["team_median"] for row in document["rows"])


def test_a_consultants_ratios_are_her_rows_of_her_team_leads_report(sheets):
    def rows(email: str) -> list[dict]:
        result = run("report", "ratios", str(SAMPLE), "--as-of", AS_OF, "--people",
                     str(sheets["csv"]), "--as", email)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["rows"]

    assert rows(EMMA) == [row for row in rows(SARAH) if row["consultant"] == "Emma Lawson"]


def test_a_team_leads_export_has_only_the_teams_leads(sheets):
    result = run("export", "leads", str(SAMPLE), "--people", str(sheets["csv"]), "--as", DANIEL)
    assert result.returncode == 0, result.stderr
    leads = list(csv.DictReader(io.StringIO(result.stdout)))
    assert leads and {lead["consultant"] for lead in leads} == SEES[DANIEL]
    everyone = run("export", "leads", str(SAMPLE))
    assert len(leads) == sum(lead["consultant"] in SEES[DANIEL] for lead in
                             csv.DictReader(io.StringIO(everyone.stdout)))


def test_the_people_sheet_may_come_from_the_environment_and_the_owner_sees_everyone(sheets):
    result = run("export", "leads", str(SAMPLE), "--as", "owner@northgate.example",
                 people=sheets["csv"])
    assert result.returncode == 0, result.stderr
    assert {lead["consultant"] for lead in csv.DictReader(io.StringIO(result.stdout))} == EVERYONE


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_consultants_pack_and_digest_are_their_own(sheets):
    pack = sheets["base"] / "emma.pdf"
    result = run("pack", "consultant", str(SAMPLE), "--name", "Emma Lawson", "--as-of", AS_OF,
                 "--people", str(sheets["csv"]), "--as", EMMA, "-o", str(pack))
    assert result.returncode == 0, result.stderr
    # The same pack her team lead would print for her: her figures against her team's, named
    # no one else, her funnel's steps beside her team's included.
    led = run("pack", "consultant", str(SAMPLE), "--name", "Emma Lawson", "--as-of", AS_OF,
              "--people", str(sheets["csv"]), "--as", SARAH, "-o", str(pack.with_name("led.pdf")))
    assert led.returncode == 0, led.stderr
    text = pdf_text(pack)
    assert text == pdf_text(pack.with_name("led.pdf"))
    assert "The biggest gap to the team is" in text or "converts at or above the team" in text
    assert not [name for name in others(EMMA) if name in text]
    theirs = run("pack", "consultant", str(SAMPLE), "--name", "Priya Shah", "--as-of", AS_OF,
                 "--people", str(sheets["csv"]), "--as", EMMA, "-o", str(pack.with_name("p.pdf")))
    assert theirs.returncode != 0 and "'Priya Shah'" in theirs.stderr
    assert not [name for name in others(EMMA) - {"Priya Shah"} if name in theirs.stderr]
    digest = run("digest", str(SAMPLE_PREV), str(SAMPLE), "--people", str(sheets["csv"]), "--as",
                 EMMA)
    assert digest.returncode == 0, digest.stderr
    assert digest.stdout.startswith("Monday digest for Emma Lawson")
    assert not [name for name in others(EMMA) if name in digest.stdout]


def test_imports_and_deletions_record_who_did_them_and_only_owners_and_leads_may(sheets):
    db = str(sheets["base"] / "history.duckdb")
    people = ("--people", str(sheets["csv"]))
    refused = run("import", str(SAMPLE), "--db", db, *people, "--as", EMMA)
    assert refused.returncode != 0 and not Path(db).exists()
    assert "only owners and team leads may import files" in refused.stderr
    imported = run("import", str(SAMPLE), "--db", db, *people, "--as", " Sarah@Northgate.example")
    assert imported.returncode == 0, imported.stderr
    listed = json.loads(run("uploads", "--db", db, "--json").stdout)["uploads"]
    assert [upload["imported_by"] for upload in listed] == [SARAH]
    assert f"imported by {SARAH}" in run("uploads", "--db", db).stdout
    manager = run("uploads", "--db", db, "--delete", "1", "--yes", *people, "--as",
                  "manager@northgate.example")
    assert manager.returncode != 0 and "may delete uploads" in manager.stderr
    deleted = run("uploads", "--db", db, "--delete", "1", "--yes", *people, "--as", DANIEL)
    assert deleted.returncode == 0, deleted.stderr
    from recruit_dash.history.duckdb_store import release
    from recruit_dash.history.store import open_store

    try:
        audit = open_store(db).audit()
    finally:
        release(db)
    assert audit[["action", "done_by"]].values.tolist() == [["deleted", DANIEL],
                                                            ["imported", SARAH]]


# (id, the invocation, what the sentence must say). `{name}` is one of `sheets`.
MISTAKES = [
    ("unknown-email", "report funnel {sample} --people {csv} --as lead@x.example",
     "lead@x.example is not in the people sheet {csv}; ask the owner to add them."),
    ("as-without-people", "report stalled {sample} --as " + EMMA, "--as needs the people sheet"),
    ("people-without-as", "export leads {sample} --people {csv}", "add --as EMAIL"),
    ("unknown-role", "report ratios {sample} --people {unknown_role} --as " + EMMA,
     "Row 11 of roles.csv has the role 'Boss'"),
    ("duplicate-email", "pack consultant {sample} --name 'Emma Lawson' --people {duplicate} "
     "--as " + EMMA + " -o {base}/pack.pdf", "repeats emma@northgate.example, already on row 6"),
    ("missing-column", "digest {sample} --people {no_role} --as " + EMMA,
     "columns.csv has no role column"),
    ("import-unknown-email", "import {sample} --db {base}/new.duckdb --people {csv} --as x@y.example",
     "x@y.example is not in the people sheet"),
]


@pytest.mark.parametrize(("invocation", "said"), [case[1:] for case in MISTAKES],
                         ids=[case[0] for case in MISTAKES])
def test_each_mistake_is_one_sentence_and_a_non_zero_exit(sheets, invocation, said):
    places = {name: str(path) for name, path in sheets.items()} | {"sample": str(SAMPLE)}
    result = run(*shlex.split(invocation.format(**places)))
    assert result.returncode != 0, result.stdout[:300]
    assert "Traceback" not in result.stderr and not result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("."), result.stderr
    assert said.format(**places) in lines[0]
    assert not (sheets["base"] / "pack.pdf").exists() and not (sheets["base"] / "new.duckdb").exists()
