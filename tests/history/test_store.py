"""The upload history, on each backend (DuckDB and PostgreSQL): imports, re-imports, corrected
versions, deletion, who did what, what moved, dates inferred from weekly status-only trackers,
a killed import, and sessions at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

import pandas as pd
import pytest
from backends import BACKENDS, let_go, new_history, run_sql, sql
from conftest import ROOT, SAMPLE, SAMPLE_PREV

from recruit_dash.history.duckdb_store import live_cursors
from recruit_dash.history.postgres_store import IDLE_CONNECTIONS, idle_connections
from recruit_dash.history.schema import SCHEMA_VERSION
from recruit_dash.history.store import Store, StoreError, is_url, open_store
from recruit_dash.metrics.funnel import progress

WEEK1 = date(2026, 11, 2)  # Mondays
WEEK2, WEEK3 = WEEK1 + timedelta(days=7), WEEK1 + timedelta(days=14)


@pytest.fixture(params=BACKENDS)
def where(request, tmp_path):
    """Return where a new history of each backend goes: a DuckDB file, a PostgreSQL database."""
    with new_history(request.param, tmp_path, request) as place:
        yield place


@pytest.fixture
def store(where) -> Store:
    return open_store(where)


def tracker_csv(statuses: dict[str, str], extra: str = "") -> bytes:
    """Return a status-only tracker: one row per lead with its status, no milestone dates."""
    lines = ["Lead ID,Consultant,Client,Role,Status" + (",Notes" if extra else "")]
    lines += [f"{lead},Ann Lee,Acme Ltd,Engineer,{status}" + (f",{extra}" if extra else "")
              for lead, status in statuses.items()]
    return ("\n".join(lines) + "\n").encode()


def test_two_weeks_of_the_sample_show_what_moved_and_a_second_import_changes_nothing(store):
    first = store.import_file(SAMPLE_PREV.name, SAMPLE_PREV.read_bytes(), date(2026, 11, 13))
    second = store.import_file(SAMPLE.name, SAMPLE.read_bytes(), date(2026, 11, 20))
    assert (first.status, second.status) == ("imported", "imported")
    moved = store.changes()
    assert (moved["from_upload"], moved["to_upload"]) == (first.upload_id, second.upload_id)
    assert moved["progressed"] and moved["new"]
    order = ["lead", "meeting", "job", "shortlist", "interview", "interview_done",
             "second_interview", "second_interview_done", "offer", "accepted", "resigned",
             "started", "probation"]
    for row in moved["progressed"]:
        assert order.index(row["to_stage"]) > order.index(row["from_stage"] or "lead") - 1
    before = store.uploads()
    again = store.import_file(SAMPLE.name, SAMPLE.read_bytes(), date(2026, 11, 27))
    assert again.status == "already" and "already imported on" in again.message
    assert again.upload_id == second.upload_id
    assert store.uploads().equals(before) and len(before) == 2


def test_a_status_only_tracker_over_three_weeks_dates_each_stage_by_inference(store):
    weeks = [(WEEK1, "CVs sent"), (WEEK2, "Interviewing"), (WEEK3, "Offer made")]
    for day, status in weeks:
        result = store.import_file(f"tracker_{day}.csv", tracker_csv({"L1": status, "L2": "New lead"}),
                                   day)
        assert result.status == "imported", result.message
    model = store.model()
    lead = model.milestones[model.milestones["lead_id"] == "L1"].set_index("stage")
    assert lead.loc["shortlist", "reached_on"] == pd.Timestamp(WEEK1)
    assert lead.loc["interview", "reached_on"] == pd.Timestamp(WEEK2)
    assert lead.loc["offer", "reached_on"] == pd.Timestamp(WEEK3)
    assert lead.loc[["shortlist", "interview", "offer"], "inferred"].all()
    dated = progress(model, WEEK3).dated
    assert dated["days_to_next"].dropna().tolist() == [7, 7]  # a week in each stage
    # L2 never moved: its last progress is the first upload that saw it.
    untouched = model.milestones[model.milestones["lead_id"] == "L2"]
    assert untouched["reached_on"].tolist() == [pd.Timestamp(WEEK1)]


def test_a_corrected_file_for_the_same_week_supersedes_and_deleting_it_restores_the_first(store):
    first = store.import_file("tracker.csv", tracker_csv({"L1": "CVs sent"}), WEEK1)
    fixed = store.import_file("tracker.csv", tracker_csv({"L1": "Interviewing"}), WEEK1 + timedelta(days=2))
    assert fixed.superseded == (first.upload_id,)
    uploads = store.uploads().set_index("upload_id")
    assert uploads.loc[first.upload_id, "superseded_by"] == fixed.upload_id
    assert set(store.model().milestones["stage"]) == {"interview"}
    assert store.delete(fixed.upload_id)
    assert store.uploads()["superseded_by"].isna().all()
    assert set(store.model().milestones["stage"]) == {"shortlist"}
    assert not store.delete(fixed.upload_id)


def test_deleting_an_upload_removes_its_rows_and_nothing_else(store):
    keep = store.import_file("a.csv", tracker_csv({"A1": "CVs sent"}), WEEK1)
    gone = store.import_file("b.csv", tracker_csv({"B1": "CVs sent", "B2": "Offer made"}, "x"), WEEK2)
    counts = {name: sql(store, f"SELECT upload_id, count(*) FROM {name} GROUP BY 1")
              for name in ("leads", "milestones")}
    assert dict(counts["leads"]) == {keep.upload_id: 1, gone.upload_id: 2}
    store.delete(gone.upload_id)
    for name in ("leads", "milestones"):
        assert dict(sql(store, f"SELECT upload_id, count(*) FROM {name} GROUP BY 1")) \
            == {keep.upload_id: 1}


def test_weekly_activity_exports_add_up_and_a_cumulative_sheet_counts_once(store):
    def kpi(weeks: list[date]) -> bytes:
        rows = ["Consultant,Week Commencing,Calls"] + [f"Ann Lee,{day:%d/%m/%Y},10" for day in weeks]
        return ("\n".join(rows) + "\n").encode()

    store.import_file("kpi.csv", kpi([WEEK1]), WEEK1)
    store.import_file("kpi.csv", kpi([WEEK2]), WEEK2)  # this week only: adds up
    assert store.model().activities["count"].sum() == 20
    store.import_file("kpi.csv", kpi([WEEK1, WEEK2, WEEK3]), WEEK3)  # cumulative: replaces
    assert store.model().activities["count"].sum() == 30


def test_the_history_as_of_a_day_uses_only_the_uploads_up_to_it(store):
    store.import_file("t.csv", tracker_csv({"L1": "CVs sent"}), WEEK1)
    store.import_file("t.csv", tracker_csv({"L1": "Offer made", "L9": "New lead"}), WEEK2)
    assert set(store.model(WEEK1 + timedelta(days=3)).leads["lead_id"]) == {"L1"}
    assert set(store.model().leads["lead_id"]) == {"L1", "L9"}


def test_what_moved_lists_new_progressed_changed_disappeared_and_slipped(store):
    def csv(rows: list[str]) -> bytes:
        return ("Lead ID,Consultant,Client,Status,Next Action\n" + "\n".join(rows) + "\n").encode()

    store.import_file("t.csv", csv(["L1,Ann,Acme,CVs sent,05/11/2026", "L2,Ann,Acme,Interviewing,",
                                    "L3,Bob,Zeta,New lead,"]), WEEK1)
    store.import_file("t.csv", csv(["L1,Ann,Acme,CVs sent,12/11/2026", "L2,Ann,Acme,Lost - client withdrew,",
                                    "L4,Bob,Zeta,New lead,"]), WEEK2)
    moved = store.changes()
    assert [row["lead_id"] for row in moved["new"]] == ["L4"]
    assert [row["lead_id"] for row in moved["disappeared"]] == ["L3"]
    assert [(row["lead_id"], row["from_outcome"], row["to_outcome"])
            for row in moved["outcome_changed"]] == [("L2", "open", "lost")]
    assert [(row["lead_id"], row["from_next_action"], row["to_next_action"])
            for row in moved["next_action_slipped"]] == [("L1", "2026-11-05", "2026-11-12")]
    assert moved["progressed"] == []


def test_changes_with_nothing_to_compare_say_so(store):
    with pytest.raises(StoreError, match="no uploads"):
        store.changes()
    store.import_file("t.csv", tracker_csv({"L1": "CVs sent"}), WEEK1)
    with pytest.raises(StoreError, match="no earlier upload"):
        store.changes()


def test_a_store_opens_at_its_schema_version_and_refuses_a_newer_one(where):
    run_sql(where, ["CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP)",
                    f"INSERT INTO schema_version VALUES ({SCHEMA_VERSION + 1}, now())"])
    with pytest.raises(StoreError, match="newer recruit-dash"):
        open_store(where)
    with pytest.raises(StoreError, match="newer recruit-dash"):  # refused every time, not cached
        open_store(where)
    run_sql(where, ["DROP TABLE schema_version"])  # an empty database or file: made anew
    assert open_store(where).schema_version() == SCHEMA_VERSION


KILLED_IMPORT = """
import os, sys, time
from pathlib import Path
from datetime import date
from recruit_dash.history.store import open_store

store = open_store(sys.argv[1])
backend = type(store)
original = backend._insert_rows

def slow(self, cursor, upload_id, report, tables):
    original(self, cursor, upload_id, report, tables)
    Path(sys.argv[2]).write_text("inside")  # rows written, transaction still open
    time.sleep(60)

backend._insert_rows = slow
store.import_file("lead_tracker.xlsx", Path(sys.argv[3]).read_bytes(), date(2026, 11, 20))
"""


def test_killing_the_process_during_an_import_leaves_the_store_as_it_was(where, tmp_path):
    store = open_store(where)
    kept = store.import_file("t.csv", tracker_csv({"L1": "CVs sent"}), WEEK1)
    let_go(where)  # another process needs the history: this one lets go first
    marker = tmp_path / "inside"
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(where), str(marker),
                              str(SAMPLE)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.1)
    assert marker.exists(), "the import never reached its transaction"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    reopened = open_store(where)
    uploads = reopened.uploads()
    assert uploads["upload_id"].tolist() == [kept.upload_id]
    assert sql(reopened, "SELECT count(*) FROM leads WHERE upload_id <> ?", [kept.upload_id]) \
        == [(0,)]
    assert reopened.import_file(SAMPLE.name, SAMPLE.read_bytes(), date(2026, 11, 20)).status == "imported"


def test_sessions_importing_and_reading_at_once_lose_nothing_and_see_no_lock_error(where):
    store_path = where
    files = {f"t{n}.csv": tracker_csv({f"L{n}-{i}": "CVs sent" for i in range(50)}) for n in range(8)}
    errors: list[BaseException] = []
    seen: list[int] = []
    start = threading.Barrier(12)

    def importer(name: str, data: bytes, day: date) -> None:
        try:
            start.wait()
            result = open_store(store_path).import_file(name, data, day)
            assert result.status in ("imported", "already"), result.message
        except BaseException as error:  # noqa: BLE001 - every failure is reported below
            errors.append(error)

    def reader() -> None:
        try:
            start.wait()
            for _ in range(4):
                store = open_store(store_path)
                seen.append(len(store.model().leads))
                store.uploads()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=importer, args=(name, data, WEEK1 + timedelta(days=7 * n)))
               for n, (name, data) in enumerate(files.items())]
    threads += [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    store = open_store(store_path)
    assert len(store.uploads()) == 8
    if is_url(where):  # each call's connection is given back, and only a few are kept open
        assert idle_connections(where) <= IDLE_CONNECTIONS
    else:  # one per running thread: the ended ones' went with them
        assert live_cursors(store_path) <= 2
    # One tracker (the same headers) over eight weeks: every row kept, the latest week shown.
    assert sql(store, "SELECT count(*) FROM leads") == [(8 * 50,)]
    assert len(store.model().leads) == 50
    assert all(count % 50 == 0 for count in seen)  # never a half-written upload


def test_the_command_line_imports_lists_compares_and_reports_from_the_history(tmp_path):
    db = str(tmp_path / "history.duckdb")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "recruit_dash", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)

    first = run("import", str(SAMPLE_PREV), "--db", db, "--as-of", "2026-11-13", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)[0]["status"] == "imported"
    assert run("import", str(SAMPLE), "--db", db, "--as-of", "2026-11-20").returncode == 0
    again = json.loads(run("import", str(SAMPLE), "--db", db, "--json").stdout)
    assert again[0]["status"] == "already"
    uploads = json.loads(run("uploads", "--db", db, "--json").stdout)["uploads"]
    assert [row["as_of"] for row in uploads] == ["2026-11-13", "2026-11-20"]
    moved = json.loads(run("changes", "--db", db, "--json").stdout)
    assert moved["progressed"] and {"lead_id", "from_stage", "to_stage"} <= set(moved["progressed"][0])
    funnel = json.loads(run("report", "funnel", "--db", db, "--json").stdout)
    from_files = json.loads(run("report", "funnel", str(SAMPLE), "--json").stdout)
    assert [row["count"] for row in funnel["stages"]] == [row["count"] for row in from_files["stages"]]
    exported = run("export", "leads", "--db", db)
    assert exported.returncode == 0 and len(exported.stdout.splitlines()) == 1701
    both = run("report", "funnel", str(SAMPLE), "--db", db, "--json")
    assert both.returncode == 2 and "not both" in both.stderr
    refused = run("uploads", "--db", db, "--delete", str(uploads[0]["upload_id"]))
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert run("uploads", "--db", db, "--delete", str(uploads[0]["upload_id"]), "--yes").returncode == 0
    assert len(json.loads(run("uploads", "--db", db, "--json").stdout)["uploads"]) == 1


def test_weekly_csv_exports_with_dated_names_are_one_tracker(store):
    first = store.import_file("leads_2026-11-02.csv", tracker_csv({"L1": "CVs sent"}), WEEK1)
    second = store.import_file("leads_2026-11-09.csv", tracker_csv({"L1": "Interviewing"}), WEEK2)
    moved = store.changes()
    assert (moved["from_upload"], moved["to_upload"]) == (first.upload_id, second.upload_id)
    assert [(row["from_stage"], row["to_stage"]) for row in moved["progressed"]] == [
        ("shortlist", "interview")]
    assert store.model().leads["status"].tolist() == ["Interviewing"]


def test_a_past_day_sees_the_version_current_then_and_deleting_a_middle_version_keeps_order(store):
    base = store.import_file("t.csv", tracker_csv({"L1": "New lead"}), WEEK1 - timedelta(days=7))
    monday = store.import_file("t.csv", tracker_csv({"L1": "CVs sent"}), WEEK1)
    friday = store.import_file("t.csv", tracker_csv({"L1": "Interviewing"}), WEEK1 + timedelta(days=4))
    assert set(store.model(WEEK1 + timedelta(days=1)).milestones["stage"]) >= {"shortlist"}
    assert len(store.model(WEEK1 + timedelta(days=1)).leads) == 1
    last = store.import_file("t.csv", tracker_csv({"L1": "Offer made"}), WEEK1 + timedelta(days=5))
    store.delete(friday.upload_id)  # the middle correction goes: Monday stays replaced by Saturday
    uploads = store.uploads().set_index("upload_id")
    assert uploads.loc[monday.upload_id, "superseded_by"] == last.upload_id
    assert store.changes()["from_upload"] == base.upload_id


def test_name_merges_accepted_in_the_uploads_profile_hold_in_the_history(store):
    from recruit_dash.ingest.profiles import NameMerge, Profile, profile_to_json

    rows = "Lead ID,Consultant,Client,Status\nL1,Ann Lee,Acme,CVs sent\nL2,Ann L.,Acme,CVs sent\n"
    merged = Profile(merges=(NameMerge("consultant", ("Ann L.", "Ann Lee"), "Ann Lee"),))
    store.import_file("t.csv", rows.encode(), WEEK1, profile=profile_to_json(merged))
    assert set(store.model().leads["consultant"]) == {"Ann Lee"}
