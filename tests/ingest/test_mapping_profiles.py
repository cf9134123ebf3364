"""Mapping profiles: saved as plain JSON, recognised by a sheet's headers, applied by the ingest."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT
from make_fixtures import CUSTOM_HEADER, csv_bytes

from recruit_dash.ingest.isolation import ingest_file_isolated
from recruit_dash.ingest.pipeline import ingest_files, ingest_paths
from recruit_dash.ingest.profiles import (
    NameMerge,
    Profile,
    ProfileError,
    SheetProfile,
    match_sheet,
    profile_from_json,
    profile_to_json,
    with_merge_decision,
    with_settings,
    with_sheet_edits,
)
from recruit_dash.ingest.understanding import inspection

DESK = SheetProfile("custom_tracker", tuple(CUSTOM_HEADER), columns={"Desk": "consultant"},
                    statuses={"Banana": ("offer", None)})
PROFILE = Profile("Desk tracker", (DESK,), (NameMerge("client", ("Acme Ltd", "ACME Limited"),
                                                      "Acme Ltd"),),
                  (NameMerge("consultant", ("Jon Smith", "Jonathan Smith")),),
                  {"stall_rules": {"shortlist": 9}})


def test_a_profile_round_trips_through_its_json_file():
    text = profile_to_json(PROFILE)
    document = json.loads(text)
    assert document["version"] == 1 and document["format"] == "recruit-dash mapping profile"
    assert document["sheets"][0]["columns"] == {"Desk": "consultant"}
    assert document["sheets"][0]["statuses"] == {"Banana": {"stage": "offer", "outcome": None}}
    assert document["name_merges"]["accepted"][0]["into"] == "Acme Ltd"
    assert document["settings"] == {"stall_rules": {"shortlist": 9}}
    assert profile_from_json(text) == PROFILE


BAD_PROFILES = [
    ("not json", "not JSON"),
    ("[]", "no 'sheets'"),
    ('{"sheets": [], "version": 99}', "version 99"),
    ('{"sheets": [{"headers": ["A"], "role": "pivots"}]}', "role 'pivots'"),
    ('{"sheets": [{"headers": ["A"], "header_row": 0}]}', "header row 0"),
    ('{"sheets": [{"headers": ["A"], "columns": {"A": "salary"}}]}', "'salary'"),
    ('{"sheets": [{"headers": ["A"], "statuses": {"x": {"stage": "moon"}}}]}', "stage 'moon'"),
    ('{"sheets": [{"headers": ["A"], "statuses": {"x": {"outcome": "won"}}}]}', "outcome 'won'"),
    ('{"sheets": [], "name_merges": {"accepted": [{"field": "role", "names": ["a", "b"]}]}}',
     "consultant or client"),
    ('{"sheets": [], "settings": []}', "'settings'"),
]


@pytest.mark.parametrize(("text", "says"), BAD_PROFILES)
def test_a_bad_profile_file_is_refused_with_a_sentence(text, says):
    with pytest.raises(ProfileError) as error:
        profile_from_json(text)
    assert says in str(error.value)


HEADERS = ("Ref", "Desk", "Company", "Role", "Current Status", "Date Added")
# top rows of a sheet, its name -> the header row found (0-based), or None for no match
MATCHES = [
    ("same headers", [list(HEADERS)], "Sheet1", 0),
    ("renamed sheet, title row above", [["Week 21 tracker"], list(HEADERS)], "Week 21", 1),
    ("other order and an extra column", [["Region", *reversed(HEADERS)]], "x", 0),
    ("case, spacing and non-breaking spaces", [[h.upper() + "\u00a0" for h in HEADERS]], "x", 0),
    ("5 of 6 headers (83%)", [list(HEADERS[:5])], "x", 0),
    ("4 of 6 headers (67%)", [list(HEADERS[:4])], "x", None),
    ("another tracker", [["Lead ID", "Consultant", "Client", "Status"]], "x", None),
]


@pytest.mark.parametrize(("case", "rows", "sheet", "row"), MATCHES, ids=[m[0] for m in MATCHES])
def test_a_sheet_is_recognised_by_80_percent_of_the_profile_headers(case, rows, sheet, row):
    profile = Profile(sheets=(SheetProfile("Desk", HEADERS),))
    match = match_sheet(profile, rows, sheet)
    assert (match.header_row if match else None) == row


def test_an_entry_without_headers_matches_a_sheet_of_the_same_name_only():
    profile = Profile(sheets=(SheetProfile("Pivot", (), role="leads", header_row=3),))
    assert match_sheet(profile, [["a"], ["b"]], "Pivot").header_row == 2
    assert match_sheet(profile, [["a"], ["b"]], "Other") is None


def _custom(fixture_files, name="custom_tracker.csv", profile=PROFILE):
    return ingest_paths([fixture_files[name]], profile=profile)


def test_without_a_profile_the_unknown_header_and_status_are_left_for_the_user(fixture_files):
    ingested = _custom(fixture_files, profile=None)
    sheet = ingested.files[0].sheets[0]
    assert {column.source: column.field for column in sheet.columns if column.confidence >= 0.85
            }.get("Desk") is None
    assert sheet.unmapped_values["status"] == {"Banana": 2}
    assert sheet.profile_applied is None
    assert ingested.model.leads["consultant"].isna().all()


@pytest.mark.parametrize("file", ["custom_tracker.csv", "custom_tracker_next_week.xlsx"])
def test_the_profile_sets_columns_and_statuses_on_the_same_shape_even_renamed(fixture_files, file):
    ingested = _custom(fixture_files, file)
    sheet = ingested.files[0].sheets[0]
    assert sheet.profile_applied == "Desk tracker"
    assert any("profile 'Desk tracker' was applied" in note for note in sheet.notes)
    owner = next(column for column in sheet.columns if column.source == "Desk")
    assert (owner.field, owner.confidence, owner.by_user, owner.note) == ("consultant", 1.0, True,
                                                                          "set by you")
    assert sheet.unmapped_values["status"] == {}
    leads = ingested.model.leads.set_index("lead_id")
    assert leads.loc["C1", "consultant"] == "Adil umar"
    offers = ingested.model.milestones.query("stage == 'offer'")["lead_id"]
    assert set(offers) >= {"C2", "C3"}  # "Banana" read as an offer
    assert rows_add_up(ingested)


def rows_add_up(ingested) -> bool:
    return all(sheet.rows_read == sheet.rows_accepted + sheet.rows_quarantined + sheet.rows_blank
               for report in ingested.files for sheet in report.sheets)


# what the user changed -> (role, header row, field of a column or None)
OVERRIDES = [
    ("column set to ignore", dict(columns={"Company": None}), ("leads", 1, "Company", None)),
    ("column re-mapped", dict(columns={"Role": "notes"}), ("leads", 1, "Role", "notes")),
    ("role set to ignored", dict(role="ignored"), ("ignored", 1, "Company", None)),
    ("header row moved down", dict(role="leads", header_row=2, new_headers=["C1", "Adil umar", "Acme Ltd",
                                                              "Nurse", "Interviewing",
                                                              "02/05/2025"]),
     ("leads", 2, "Acme Ltd", None)),
]


@pytest.mark.parametrize(("case", "changes", "expected"), OVERRIDES, ids=[o[0] for o in OVERRIDES])
def test_each_kind_of_correction_is_applied(fixture_files, case, changes, expected):
    profile = with_sheet_edits(None, "custom_tracker", CUSTOM_HEADER, **changes)
    ingested = _custom(fixture_files, profile=profile)
    report = ingested.files[0]
    sheet = report.sheets[0]
    role, header_row, source, field = expected
    assert (sheet.role, sheet.header_row) == (role, header_row)
    mapped = {column.source: column.field for column in sheet.columns}
    assert mapped.get(source) == field
    assert sheet.profile_applied == "My mapping profile"
    assert rows_add_up(ingested)


def test_a_status_mapping_can_set_an_outcome(fixture_files):
    profile = with_sheet_edits(None, "custom_tracker", CUSTOM_HEADER,
                               statuses={"banana": (None, "lost")})
    leads = _custom(fixture_files, profile=profile).model.leads.set_index("lead_id")
    assert leads.loc[["C2", "C3"], "outcome"].tolist() == ["lost", "lost"]


def test_edits_merge_into_one_entry_and_settings_are_kept():
    profile = with_sheet_edits(None, "t", HEADERS, columns={"Desk": "consultant"})
    profile = with_sheet_edits(profile, "t", HEADERS, statuses={"Banana": ("offer", None)})
    profile = with_sheet_edits(profile, "t", HEADERS, statuses={"Banana": None})
    profile = with_settings(profile, stall_rules={"lead": 3})
    profile = with_merge_decision(profile, "client", ["A Ltd", "A Limited"], "A Ltd", True)
    profile = with_merge_decision(profile, "client", ["A Limited", "A Ltd"], None, False)
    assert len(profile.sheets) == 1
    assert profile.sheets[0].columns == {"Desk": "consultant"}
    assert profile.sheets[0].statuses == {}
    assert profile.settings == {"stall_rules": {"lead": 3}}
    assert profile.merges == () and len(profile.rejected) == 1
    assert profile_from_json(profile_to_json(profile)) == profile


def test_inspect_json_reports_the_profile_and_set_by_you(fixture_files):
    document = inspection(_custom(fixture_files))
    assert document["profile"] == {"name": "Desk tracker", "applied_to": [
        {"file": str(fixture_files["custom_tracker.csv"]), "sheet": "custom_tracker"}]}
    sheet = document["files"][0]["sheets"][0]
    assert sheet["profile_applied"] == "Desk tracker"
    assert sheet["columns"]["Desk"] == "consultant"
    owner = next(item for item in sheet["column_details"] if item["source"] == "Desk")
    assert owner["set_by_you"] is True and owner["confidence"] == 1.0


def test_the_profile_reaches_the_child_process(fixture_files):
    data = fixture_files["custom_tracker_next_week.xlsx"].read_bytes()
    report, tables = ingest_file_isolated("week.xlsx", data, profile=PROFILE)
    assert report.ok and report.sheets[0].profile_applied == "Desk tracker"
    assert tables["leads"]["consultant"].notna().all()


def test_ingest_files_passes_the_profile_to_a_custom_reader():
    data = csv_bytes([CUSTOM_HEADER, ["C1", "Ann Lee", "Acme", "Cook", "Banana", "01/02/2025"]])
    seen = []

    def reader(name, data, profile=None):
        seen.append(profile)
        return ingest_file_isolated(name, data, profile=profile)

    ingested = ingest_files([("t.csv", data)], read_file=reader, profile=PROFILE)
    assert seen == [PROFILE] and ingested.profile == PROFILE


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recruit_dash", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_inspect_and_export_apply_a_profile_file(fixture_files, tmp_path):
    path = tmp_path / "mapping_profile.json"
    path.write_text(profile_to_json(PROFILE), encoding="utf-8")
    tracker = str(fixture_files["custom_tracker_next_week.xlsx"])
    result = run("inspect", tracker, "--profile", str(path), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["profile"]["applied_to"] == [{"file": tracker, "sheet": "Week 21"}]
    assert document["files"][0]["sheets"][0]["columns"]["Desk"] == "consultant"
    exported = run("export", "leads", tracker, "--profile", str(path))
    assert exported.returncode == 0, exported.stderr
    assert "Adil umar" in exported.stdout


def test_a_bad_profile_file_stops_the_command_with_a_sentence(fixture_files, tmp_path):
    path = tmp_path / "profile.json"
    path.write_text("{}", encoding="utf-8")
    result = run("inspect", str(fixture_files["custom_tracker.csv"]), "--profile", str(path))
    assert result.returncode == 2 and "Could not read the mapping profile" in result.stderr
