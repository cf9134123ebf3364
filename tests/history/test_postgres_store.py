"""The history in PostgreSQL, where it differs from a file: the same files give the same results
as on DuckDB, any text comes back as it went in, several processes share one database (two
imports at once both land, a reader never sees half an import), a lost connection is a sentence
and the next call connects afresh, an import waits its turn, and the URL's password is never
shown."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from backends import cluster, new_history, sql
from conftest import ROOT, SAMPLE, SAMPLE_PREV
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recruit_dash.history.postgres_store import TURN_LOCK, release
from recruit_dash.history.store import DB_ENV, Store, StoreError, default_path, open_store
from recruit_dash.model import TABLES

WEEK1 = date(2026, 11, 2)  # a Monday


@pytest.fixture
def url(request, tmp_path) -> str:
    with new_history("postgresql", tmp_path, request) as where:
        yield where


def import_everything(store: Store, fixture_files: dict[str, Path]) -> None:
    """Import the two sample weeks, every small fixture file, and a status-only tracker's
    three weeks with a corrected version, each at a pinned day."""
    assert store.import_file(SAMPLE_PREV.name, SAMPLE_PREV.read_bytes(), date(2026, 11, 13)) \
        .status == "imported"
    assert store.import_file(SAMPLE.name, SAMPLE.read_bytes(), date(2026, 11, 20)).status == "imported"
    for index, (name, path) in enumerate(sorted(fixture_files.items())):
        store.import_file(name, path.read_bytes(), WEEK1 - timedelta(days=index))
    for week, status in enumerate(["New lead", "CVs sent", "Interviewing", "Offer made"]):
        data = f"Lead ID,Consultant,Status\nS1,Ann Lee,{status}\nS2,Bob Ray,New lead\n".encode()
        assert store.import_file("weekly.csv", data, WEEK1 + timedelta(days=3 * week)).status \
            == "imported"


def test_the_same_files_give_the_same_history_on_duckdb_and_postgresql(
        request, tmp_path, fixture_files):
    with new_history("duckdb", tmp_path, request) as path, \
            new_history("postgresql", tmp_path, request) as url:
        duck, postgres = open_store(path), open_store(url)
        for store in (duck, postgres):
            import_everything(store, fixture_files)
        uploads = duck.uploads().drop(columns="imported_at")
        pd.testing.assert_frame_equal(postgres.uploads().drop(columns="imported_at"), uploads)
        assert uploads["superseded_by"].notna().any()  # corrected versions of a week, too
        for day in (None, WEEK1 + timedelta(days=4), date(2026, 11, 14)):
            ours, theirs = duck.model(day), postgres.model(day)
            for name in TABLES:
                pd.testing.assert_frame_equal(theirs.table(name), ours.table(name))
        assert len(duck.model().leads) > 1700
        for upload_id in uploads["upload_id"]:
            pd.testing.assert_frame_equal(postgres.quarantined(upload_id), duck.quarantined(upload_id))
            assert postgres.upload_model(upload_id).milestones.equals(
                duck.upload_model(upload_id).milestones)
        assert sum(len(duck.quarantined(upload_id)) for upload_id in uploads["upload_id"]) >= 5
        assert postgres.changes() == duck.changes() and duck.changes()["progressed"]
        first, last = (int(value) for value in uploads["upload_id"].iloc[[0, -1]])
        assert postgres.changes(1, 2) == duck.changes(1, 2)
        for store in (duck, postgres):
            assert store.delete(first, by="ann.lee@northgate.example")
            assert store.delete(last)
        pd.testing.assert_frame_equal(postgres.uploads().drop(columns="imported_at"),
                                      duck.uploads().drop(columns="imported_at"))
        pd.testing.assert_frame_equal(postgres.audit().drop(columns="done_at"),
                                      duck.audit().drop(columns="done_at"))


@pytest.fixture(scope="module")
def both(request, tmp_path_factory) -> tuple[Store, Store]:
    folder = tmp_path_factory.mktemp("text")
    with new_history("duckdb", folder, request) as path, \
            new_history("postgresql", folder, request) as url:
        yield open_store(path), open_store(url)


# Whatever a cell may hold: quotes, commas, line breaks, NUL, markup, formulas, maths, any script.
cell = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12) | \
    st.sampled_from(['"', '""', ",", "\n", "\r\n", "\x00", "\\.", "=1+1", "$x$", "<b>", "NULL",
                     "NaN", "t", " ", "Ann\x00Lee", "Zoë", "李", "🙂"])


@settings(max_examples=40, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=4))
def test_any_text_in_a_tracker_comes_back_from_postgresql_as_from_duckdb(both, rows):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["Lead ID", "Consultant", "Client", "Notes", "Status"])
    writer.writerows([f"L{index}", *values, "CVs sent"] for index, values in enumerate(rows))
    data = text.getvalue().encode()
    duck, postgres = both
    done = [store.import_file("text.csv", data, WEEK1) for store in both]
    assert done[0].status == done[1].status, (done[0].message, done[1].message)
    if done[0].status != "imported":
        return
    ours, theirs = duck.upload_model(done[0].upload_id), postgres.upload_model(done[1].upload_id)
    for name in TABLES:
        pd.testing.assert_frame_equal(theirs.table(name), ours.table(name))
    pd.testing.assert_frame_equal(postgres.quarantined(done[1].upload_id),
                                  duck.quarantined(done[0].upload_id))


def child(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


# An import that starts when the file `go` appears and stays inside its transaction for a
# second after writing its rows: two at once overlap unless they take turns.
SLOW_IMPORT = """
import sys, time
from datetime import date
from pathlib import Path
from recruit_dash.history.postgres_store import PostgresStore
from recruit_dash.history.store import open_store

url, go, name, status, day = sys.argv[1:]
store = open_store(url)
original = PostgresStore._insert_rows

def slow(self, *args):
    written = original(self, *args)
    time.sleep(1)
    return written

PostgresStore._insert_rows = slow
while not Path(go).exists():
    time.sleep(0.01)
data = f"Lead ID,Consultant,Status\\nL1,Ann Lee,{status}\\nL2,Bob Ray,New lead\\n".encode()
print(store.import_file(name, data, date.fromisoformat(day)).status)
"""


def test_two_imports_at_once_from_two_processes_both_land_one_replacing_the_other(url, tmp_path):
    go = tmp_path / "go"
    monday, wednesday = WEEK1.isoformat(), (WEEK1 + timedelta(days=2)).isoformat()
    children = [child(SLOW_IMPORT, url, str(go), "tracker.csv", "CVs sent", monday),
                child(SLOW_IMPORT, url, str(go), "tracker.csv", "Interviewing", wednesday),
                child(SLOW_IMPORT, url, str(go), "other.csv", "CVs sent", monday),
                child(SLOW_IMPORT, url, str(go), "again.csv", "CVs sent", monday)]
    time.sleep(3)  # each has opened the store, and waits for the word
    go.write_text("go")
    said = [process.communicate(timeout=120) for process in children]
    for process, (_, err) in zip(children, said, strict=True):
        assert process.returncode == 0 and "Traceback" not in err, err
    # The same bytes three times: one import, and two that find it done.
    assert sorted(out.strip() for out, _ in said) == ["already", "already", "imported", "imported"]
    uploads = open_store(url).uploads()
    assert len(uploads) == 2
    # Whichever came second found the first, committed, and replaced it: a corrected version.
    assert uploads["superseded_by"].notna().sum() == 1
    current = uploads[uploads["superseded_by"].isna()]["upload_id"].iloc[0]
    assert uploads["superseded_by"].dropna().tolist() == [current]
    assert len(open_store(url).model().leads) == 2


# Six weekly imports of one tracker, 50 leads each, every table written a moment apart.
WEEKLY_IMPORTS = """
import sys, time
from datetime import date, timedelta
from recruit_dash.history import postgres_store
from recruit_dash.history.store import open_store

store = open_store(sys.argv[1])
original = postgres_store._copy_in

def slow(*args):
    original(*args)
    time.sleep(0.2)

postgres_store._copy_in = slow
for week in range(6):
    rows = "".join(f"W{week}-{lead},Ann Lee,Acme,CVs sent\\n" for lead in range(50))
    data = ("Lead ID,Consultant,Client,Status\\n" + rows).encode()
    print(store.import_file("t.csv", data, date(2026, 11, 2) + timedelta(weeks=week)).status)
"""


def test_a_reader_in_another_process_never_sees_half_an_import(url):
    store = open_store(url)
    importing = child(WEEKLY_IMPORTS, url)
    seen_models, seen_rows = set(), set()
    deadline = time.monotonic() + 120
    while importing.poll() is None and time.monotonic() < deadline:
        seen_models.add(len(store.model().leads))
        # One statement, one snapshot: each upload it lists with its leads and milestones.
        seen_rows |= set(sql(store, "SELECT (SELECT count(*) FROM leads l WHERE l.upload_id = "
                                    "u.upload_id), (SELECT count(*) FROM milestones m WHERE "
                                    "m.upload_id = u.upload_id) FROM uploads u"))
    out, err = importing.communicate(timeout=60)
    assert importing.returncode == 0, err
    assert out.split() == ["imported"] * 6
    assert seen_models <= {0, 50} and 50 in seen_models  # the latest week's leads, all of them
    assert seen_rows == {(50, 50)}
    assert sql(store, "SELECT count(*) FROM leads") == [(300,)]


def test_a_lost_connection_is_a_sentence_and_the_next_call_connects_afresh(request, url):
    server = cluster(request)
    store = open_store(url)
    store.import_file("t.csv", b"Lead ID,Consultant,Status\nL1,Ann Lee,CVs sent\n", WEEK1)
    server.stop()
    try:
        with pytest.raises(StoreError) as lost:
            store.uploads()  # its connection was the server's, gone with it
        assert "The connection to the history database" in str(lost.value)
        assert "the next try connects afresh" in str(lost.value)
        for _ in range(2):
            with pytest.raises(StoreError) as down:
                store.uploads()
            assert str(down.value).startswith(f"The history database {url} cannot be reached (")
            assert "Check that its PostgreSQL server is running" in str(down.value)
        with pytest.raises(StoreError, match="cannot be reached"):
            open_store(url)
    finally:
        server.start()
    assert store.uploads()["file_name"].tolist() == ["t.csv"]  # a fresh connection
    server.stop()  # a restart while the connection waits between calls
    server.start()
    with pytest.raises(StoreError, match="was lost"):
        store.model()
    assert len(store.model().leads) == 1
    again = store.import_file("t.csv", b"Lead ID,Consultant,Status\nL1,Ann Lee,Placed\n",
                              WEEK1 + timedelta(weeks=1))
    assert again.status == "imported"


def test_an_import_waits_its_turn_and_one_that_waits_too_long_says_so(url):
    store = open_store(url, wait_seconds=1)
    data = b"Lead ID,Consultant,Status\nL1,Ann Lee,CVs sent\n"
    with psycopg.connect(url) as other:  # another process's import, in its transaction
        other.execute("SELECT pg_advisory_xact_lock(%s)", [TURN_LOCK])
        started = time.monotonic()
        with pytest.raises(StoreError) as busy:
            store.import_file("t.csv", data, WEEK1)
        assert 0.9 < time.monotonic() - started < 10
        assert str(busy.value) == (
            f"The history {url} is busy with another import (from the app, or from the command "
            "line) and was still busy after 1 seconds. Try again when it has finished.")
        with pytest.raises(StoreError, match="busy with another import"):
            store.delete(1)
        done: list = []
        patient = threading.Thread(target=lambda: done.append(
            open_store(url, wait_seconds=30).import_file("t.csv", data, WEEK1)))
        patient.start()
        time.sleep(1)
        assert not done  # still waiting
        other.rollback()  # the other import ends
        patient.join(timeout=30)
    assert done and done[0].status == "imported"
    assert store.uploads()["file_name"].tolist() == ["t.csv"]


def test_the_password_in_the_url_is_never_shown(request, url):
    server = cluster(request)
    secret = url.replace("postgres@", "postgres:s3cret-pw@")  # trust: any password will do
    store = open_store(secret)
    assert store.path == secret and store.where() == url
    server.stop()
    try:
        with pytest.raises(StoreError) as refused:
            open_store(secret.replace("127.0.0.1", "localhost") + "?password=other-pw")
        assert "s3cret-pw" not in str(refused.value) and "other-pw" not in str(refused.value)
    finally:
        server.start()
    release(secret)


def test_reading_a_database_without_a_history_is_an_error_and_makes_nothing(url):
    with pytest.raises(StoreError) as refused:
        open_store(url, must_exist=True)
    assert str(refused.value) == (
        f"There is no upload history in the database {url}. Check the --db address, or import "
        f"a file first with `python -m recruit_dash import FILE --db {url}`.")
    assert sql_tables(url) == []
    missing = url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(StoreError, match=r'cannot be reached \(.*"no_such_database" does not exist'):
        open_store(missing)
    open_store(url)
    assert open_store(url, must_exist=True).uploads().empty


def sql_tables(url: str) -> list[str]:
    with psycopg.connect(url) as connection:
        return [row[0] for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]


def test_the_configured_url_is_kept_whole_and_opens_postgresql(url, monkeypatch):
    monkeypatch.setenv(DB_ENV, url)
    assert default_path() == url  # a path would have folded the '//'
    store = open_store()
    assert store.path == url
    assert store.import_file("t.csv", b"Lead ID,Status\nL1,CVs sent\n", WEEK1).status == "imported"
    with pytest.raises(StoreError, match="looks like a PostgreSQL address with a '/' missing"):
        open_store(Path(url))  # folded to postgresql:/…: never taken for a file's path
    monkeypatch.setenv(DB_ENV, "~/histories/agency.duckdb")
    assert default_path() == Path.home() / "histories" / "agency.duckdb"
