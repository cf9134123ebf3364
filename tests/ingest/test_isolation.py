"""Parsing in a child process: failures become sentences, results come back whole, and several
users uploading at once all get their own data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor

import make_hostile
import pandas as pd
from conftest import ROOT, SAMPLE

from recruit_dash.ingest.isolation import _isolated, _isolated_parts, ingest_file_isolated
from recruit_dash.ingest.pipeline import ingest_file, read_sheets
from recruit_dash.ingest.results import FileReport


def test_the_isolated_result_equals_the_in_process_one():
    data = SAMPLE.read_bytes()
    isolated_report, isolated = ingest_file_isolated("lead_tracker.xlsx", data)
    report, direct = ingest_file("lead_tracker.xlsx", data)
    assert isolated_report.ok and [s.rows_accepted for s in isolated_report.sheets] == [
        s.rows_accepted for s in report.sheets]
    assert isolated["leads"].equals(direct["leads"])


def test_a_reader_crash_becomes_a_sentence_and_this_process_lives_on():
    report, tables = ingest_file_isolated("far.xlsx", make_hostile.lying_dimension())
    assert report.ok is False and tables == {}
    assert report.error.startswith("'far.xlsx' asks for more memory than a lead tracker needs")


def test_a_slow_parse_is_stopped_at_the_time_limit():
    report, _ = ingest_file_isolated("slow.xlsx", SAMPLE.read_bytes(), seconds=0.01)
    assert report.ok is False and "seconds of work to read" in report.error
    assert report.limited, "a refusal at a limit must be marked, so that it is never kept"


def test_two_users_uploading_at_once_both_get_their_own_data():
    files = [("a.xlsx", SAMPLE.read_bytes()), ("b.csv", make_hostile.csv_bytes(
        [make_hostile.HEADER, *make_hostile.ROWS]))]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda file: ingest_file_isolated(*file), files * 2))
    assert all(report.ok for report, _ in results)
    assert [len(tables["leads"]) for _, tables in results] == [1700, 2, 1700, 2]


def _waits_then_reads(name: str, data: bytes):
    """Work that spends its first second waiting (as a child does on a busy machine), not working."""
    time.sleep(1.0)
    return read_sheets(name, data)


def test_the_limit_counts_the_childs_own_work_not_its_waiting():
    # A budget of half a second of work; the child waits a whole second first and still finishes.
    outcome = _isolated("busy.xlsx", SAMPLE.read_bytes(), 0.5, None, _waits_then_reads)
    assert not isinstance(outcome, FileReport), outcome.error
    raws, _ = outcome
    assert [raw.name for raw in raws][:2] == ["Lead Tracker", "KPI Weekly"]


def _shared_memory() -> set[str]:
    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


KILLED_PARENT = """
import sys
sys.path.insert(0, {root!r})
from recruit_dash.ingest.isolation import ingest_file_isolated
data = open({sample!r}, "rb").read()
print("started", flush=True)
while True:
    ingest_file_isolated("lead_tracker.xlsx", data)
"""


def test_nothing_is_left_behind_whoever_dies():
    before, files_before = _shared_memory(), _open_files()
    ingest_file_isolated("ok.xlsx", SAMPLE.read_bytes())  # read and handed over
    ingest_file_isolated("slow.xlsx", SAMPLE.read_bytes(), seconds=0.01)  # stopped at the limit
    ingest_file_isolated("far.xlsx", make_hostile.lying_dimension())  # the child dies
    for delay in (0.3, 0.9, 1.6):  # the parent killed with -9 before, during and after a hand-over
        parent = subprocess.Popen([sys.executable, "-c", KILLED_PARENT.format(
            root=str(ROOT), sample=str(SAMPLE))], stdout=subprocess.PIPE, text=True)
        assert parent.stdout.readline().strip() == "started"
        time.sleep(delay)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        parent.stdout.close()
    time.sleep(0.5)  # an orphaned child finishes its read and finds no one to hand it to
    left = {name for name in _shared_memory() - before if "recruit" in name}
    assert left == set(), f"left in shared memory: {sorted(left)}"
    assert _open_files() <= files_before, "hand-over files stay open in this process"


def test_a_refusal_at_a_limit_is_marked_as_worth_another_try_and_a_damaged_file_is_not():
    slow, _ = ingest_file_isolated("slow.xlsx", SAMPLE.read_bytes(), seconds=0.01)
    damaged, _ = ingest_file_isolated("bad.xlsx", b"PK\x03\x04 not really a workbook")
    assert slow.limited and not slow.ok
    assert not damaged.limited and not damaged.ok


def _shared(monkeypatch) -> None:
    """Share even the small sample's sheets between two children, as a large workbook's are."""
    from recruit_dash.ingest import isolation, pipeline

    monkeypatch.setattr(pipeline, "SHARED_READING_BYTES", 1)
    monkeypatch.setattr(isolation, "PARSE_CHILDREN", 2)


def test_a_small_workbook_is_read_by_one_child_a_tracker_of_thousands_of_leads_by_parts(
        fixture_files):
    """A few sheets of a few rows cost less in one child than in two; the sample tracker (1,700
    leads and their activity) is shared, and every sheet has exactly one reader."""
    from recruit_dash.ingest.pipeline import EVERY_SHEET, sheet_parts
    from recruit_dash.ingest.safety import sheet_sizes

    assert sheet_parts(fixture_files["placements_feedback.xlsx"].read_bytes(), 2) == [EVERY_SHEET]
    data = SAMPLE.read_bytes()
    assert sheet_parts(data, 1) == [EVERY_SHEET]
    parts = sheet_parts(data, 2)
    assert len(parts) == 2
    # A sheet the workbook's own list does not name (the reader may see more) still has a reader.
    for sheet in [*sheet_sizes(data), "A sheet nobody listed"]:
        assert sum(part.takes(sheet) for part in parts) == 1, sheet
    assert parts[0].takes("Lead Tracker") and not parts[1].takes("Lead Tracker")


def test_a_workbook_shared_between_children_comes_back_whole_and_in_order(monkeypatch):
    _shared(monkeypatch)
    data = SAMPLE.read_bytes()
    report, tables = ingest_file_isolated("lead_tracker.xlsx", data)
    direct_report, direct = ingest_file("lead_tracker.xlsx", data)
    assert report.ok and [(sheet.name, sheet.role, sheet.rows_accepted, sheet.notes)
                          for sheet in report.sheets] == [
        (sheet.name, sheet.role, sheet.rows_accepted, sheet.notes) for sheet in direct_report.sheets]
    assert tables.keys() == direct.keys()
    for name, frame in direct.items():
        pd.testing.assert_frame_equal(tables[name], frame, obj=name)


def test_sheets_read_by_several_children_come_back_in_workbook_order(monkeypatch):
    from recruit_dash.ingest.isolation import read_sheets_isolated

    _shared(monkeypatch)
    data = SAMPLE.read_bytes()
    raws, traps = read_sheets_isolated("lead_tracker.xlsx", data)
    direct, direct_traps = read_sheets("lead_tracker.xlsx", data)
    assert [raw.name for raw in raws] == [raw.name for raw in direct]
    assert traps == direct_traps
    for raw, expected in zip(raws, direct, strict=True):
        pd.testing.assert_frame_equal(raw.cells, expected.cells, obj=raw.name)


def test_the_time_limit_counts_every_childs_work(monkeypatch):
    _shared(monkeypatch)
    report, tables = ingest_file_isolated("slow.xlsx", SAMPLE.read_bytes(), seconds=0.01)
    assert not report.ok and report.limited and tables == {}
    assert "seconds of work to read" in report.error


def _parts_that_fail(name: str, data: bytes, position: int, message: str | None):
    from recruit_dash.ingest.isolation import _PartFailure

    return _PartFailure(position, message) if message else [(position, name)]


def test_the_first_sheet_that_failed_gives_the_sentence():
    outcome = _isolated_parts("two.xlsx", SAMPLE.read_bytes(), None, None, _parts_that_fail,
                              [(3, "sheet D is damaged"), (0, None), (1, "sheet B is damaged")])
    assert isinstance(outcome, FileReport) and not outcome.ok and not outcome.limited
    assert outcome.error == "sheet B is damaged"


def _aborts_or_waits(name: str, data: bytes, aborts: bool):
    if aborts:
        os.abort()
    time.sleep(30)
    return []


def test_a_child_that_dies_stops_the_others_and_becomes_a_sentence():
    started = time.monotonic()
    outcome = _isolated_parts("crash.xlsx", SAMPLE.read_bytes(), None, None, _aborts_or_waits,
                              [(False,), (True,)])
    assert isinstance(outcome, FileReport) and outcome.limited
    assert outcome.error.startswith("'crash.xlsx' asks for more memory than a lead tracker needs")
    assert time.monotonic() - started < 20, "the child still at work was left running"


def test_a_child_started_from_the_app_does_not_run_the_apps_script_again(tmp_path, monkeypatch):
    # Under Streamlit the main module is the app's script, and the server runs other threads, so
    # the children come from the forkserver, which would run that script again in each child
    # (importing Streamlit and every page) before it read a cell.
    marker = tmp_path / "ran"
    script = tmp_path / "app.py"
    script.write_text(f"open({str(marker)!r}, 'a').write('the script ran')\n", encoding="utf-8")
    app = types.ModuleType("__main__")
    app.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", app)
    busy, done = threading.Event(), threading.Event()
    other = threading.Thread(target=lambda: (busy.set(), done.wait(60)))  # another session's run
    other.start()
    try:
        busy.wait(10)
        report, tables = ingest_file_isolated("lead_tracker.xlsx", SAMPLE.read_bytes())
    finally:
        done.set()
        other.join()
    assert report.ok and len(tables["leads"]) == 1700
    assert not marker.exists()
    assert sys.modules["__main__"] is app  # the app's own main module, back as it was
