"""The history under threads and processes: each rerun thread's cursor goes with its thread,
a second process's import waits its turn (for a while), and an import killed at any moment
leaves only whole uploads."""

from __future__ import annotations

import gc
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

from conftest import PINNED_TODAY, ROOT

from recruit_dash.history import schema
from recruit_dash.history.duckdb_store import BUSY, live_cursors, release
from recruit_dash.history.store import WAIT_ENV, Store, open_store

AS_OF = date.fromisoformat(PINNED_TODAY)


def import_command(file: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "recruit_dash", "import", str(file), "--db", str(db),
            "--as-of", PINNED_TODAY]


def child_env(**more: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **more}


def row_counts(store: Store) -> dict[str, dict[int, int]]:
    """Return each upload's rows in every table keyed by upload, as upload_id -> count."""
    cursor = store._cursor()
    return {name: dict(cursor.execute(f"SELECT upload_id, count(*) FROM {name} GROUP BY 1")
                       .fetchall()) for name in schema.ROW_TABLES}


def test_each_threads_cursor_goes_with_its_thread(history):
    store = open_store(history)
    store.import_file("t.csv", b"Lead ID,Consultant,Status\nL1,Ann Lee,CVs sent\n", AS_OF)
    errors: list[BaseException] = []

    def rerun() -> None:  # what one Streamlit rerun does: its own thread, a query or two
        try:
            assert len(open_store(history).uploads()) == 1
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    for _ in range(300):
        thread = threading.Thread(target=rerun)
        thread.start()
        thread.join()
    gc.collect()
    assert not errors, errors[:3]
    assert live_cursors(history) <= 2  # the main thread's, and none of the 300 ended ones'
    held, release_them = threading.Barrier(6), threading.Event()

    def waiting() -> None:
        open_store(history).uploads()
        held.wait()
        release_them.wait()

    running = [threading.Thread(target=waiting) for _ in range(5)]
    for thread in running:
        thread.start()
    held.wait()
    assert live_cursors(history) >= 5  # the threads still running keep theirs
    release_them.set()
    for thread in running:
        thread.join()
    assert len(store.model().leads) == 1


def test_two_imports_at_once_from_two_processes_both_land(fixture_files, tmp_path):
    db = tmp_path / "new" / "history.duckdb"  # neither finds a history: one makes it
    files = [fixture_files["wide_tracker.xlsx"], fixture_files["custom_tracker.csv"]]
    children = [subprocess.Popen(import_command(file, db), cwd=ROOT, env=child_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for file in files]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert "imported as upload" in out and "Traceback" not in err
    try:
        uploads = open_store(db, must_exist=True).uploads()
        assert sorted(uploads["file_name"]) == sorted(file.name for file in files)
    finally:
        release(db)


def test_an_import_waits_while_another_process_holds_the_history_then_lands(
        fixture_files, tmp_path):
    db = tmp_path / "history.duckdb"
    open_store(db)  # this process holds the file, as another import would
    said = tmp_path / "stderr.txt"
    with said.open("w") as stderr:
        child = subprocess.Popen(import_command(fixture_files["wide_tracker.xlsx"], db), cwd=ROOT,
                                 env=child_env(**{WAIT_ENV: "60"}), stdout=subprocess.PIPE,
                                 stderr=stderr, text=True)
        deadline = time.monotonic() + 60
        while BUSY not in said.read_text() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert BUSY in said.read_text(), said.read_text()
        time.sleep(1)  # it goes on waiting, and says so once
        assert child.poll() is None
        release(db)  # the other import finishes
        out, _ = child.communicate(timeout=120)
    assert child.returncode == 0, said.read_text()
    assert said.read_text().count(BUSY) == 1 and "imported as upload" in out
    try:
        assert open_store(db).uploads()["file_name"].tolist() == ["wide_tracker.xlsx"]
    finally:
        release(db)


def test_an_import_that_waits_too_long_gives_a_sentence(fixture_files, tmp_path):
    db = tmp_path / "history.duckdb"
    open_store(db)
    try:
        started = time.monotonic()
        done = subprocess.run(import_command(fixture_files["wide_tracker.xlsx"], db), cwd=ROOT,
                              env=child_env(**{WAIT_ENV: "1"}), capture_output=True, text=True,
                              timeout=120)
        assert time.monotonic() - started < 60
        assert done.returncode != 0 and "Traceback" not in done.stderr
        assert BUSY in done.stderr
        assert f"The history {db} is in use by another program" in done.stderr
        assert "still busy after 1 seconds" in done.stderr
        assert open_store(db).uploads().empty
    finally:
        release(db)


def test_in_one_process_a_second_store_does_not_wait(tmp_path, monkeypatch):
    monkeypatch.setenv(WAIT_ENV, "0")  # sessions of one process share the file: no lock to wait for
    db = tmp_path / "history.duckdb"
    try:
        first, second = open_store(db), open_store(db)
        assert first.schema_version() == second.schema_version()
    finally:
        release(db)


def timed_import(file: Path, db: Path) -> tuple[float, float]:
    """Return when a whole import into a new history made the file, and when it ended (seconds
    from its start)."""
    started = time.monotonic()
    child = subprocess.Popen(import_command(file, db), cwd=ROOT, env=child_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    opened = None
    while child.poll() is None:
        if opened is None and db.exists():
            opened = time.monotonic() - started
        time.sleep(0.005)
    took = time.monotonic() - started
    assert child.returncode == 0, child.stderr.read()
    return min(opened or took, took), took


def test_an_import_killed_at_random_moments_leaves_only_whole_uploads(fixture_files, tmp_path):
    file = fixture_files["wide_tracker.xlsx"]
    data = file.read_bytes()
    earlier = b"Lead ID,Consultant,Status\nE1,Bob Ray,New lead\n"
    base = tmp_path / "base.duckdb"  # a history that already holds another upload
    store = open_store(base)
    kept = store.import_file("earlier.csv", earlier, date(2026, 11, 2)).upload_id
    whole = row_counts(store)
    reference = tmp_path / "reference.duckdb"  # what a clean import of the file stores
    clean = open_store(reference).import_file(file.name, data, AS_OF).upload_id
    expected = {name: counts.get(clean, 0) for name, counts in row_counts(open_store(reference)).items()}
    assert expected["leads"] and expected["milestones"]
    release(base)
    release(reference)
    opened, took = timed_import(file, tmp_path / "timed.duckdb")
    moments = random.Random(20261123)
    seen = {"not made": 0, "without it": 0, "with it": 0}
    for attempt in range(24):
        db = tmp_path / f"try{attempt}.duckdb"
        had_one = attempt % 2 == 0  # half into a history, half where none is yet
        if had_one:
            shutil.copyfile(base, db)
        child = subprocess.Popen(import_command(file, db), cwd=ROOT, env=child_env(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)  # its own group: its parser child too
        # Any moment from start to exit, and half the time while the history is open.
        time.sleep(moments.uniform(0.05, max(1.5, took)) if attempt % 4 < 2
                   else moments.uniform(opened, took))
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        if not db.exists():
            seen["not made"] += 1
            continue
        try:
            store = open_store(db)
            uploads = store.uploads()
            names = sorted(uploads["file_name"])
            assert names in ([], [file.name], *([["earlier.csv"], ["earlier.csv", file.name]]
                                                if had_one else [])), names
            assert ("earlier.csv" in names) == had_one
            counts = row_counts(store)
            landed = uploads.loc[uploads["file_name"] == file.name, "upload_id"].tolist()
            seen["with it" if landed else "without it"] += 1
            for name, rows in counts.items():  # whole uploads only: no row without its upload
                assert set(rows) <= set(uploads["upload_id"]), (name, rows)
                if had_one:
                    assert rows.get(kept, 0) == whole[name].get(kept, 0), name
                for upload_id in landed:
                    assert rows.get(upload_id, 0) == expected[name], (name, rows)
            again = store.import_file(file.name, data, AS_OF)
            assert again.status == ("already" if landed else "imported"), again.message
            counts = row_counts(store)
            upload_id = again.upload_id
            assert {name: rows.get(upload_id, 0) for name, rows in counts.items()} == expected
        finally:
            release(db)
    print(f"killed imports (whole: file made at {opened:.2f} s, ended at {took:.2f} s): {seen}")
