"""Who did what to the history, on each backend: every import and deletion records who did it
(nobody named: the local user) and when; and a history written before it was recorded (schema
1, by the app as it was) opens upgraded, its uploads and model as they were."""

from __future__ import annotations

import gzip
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from backends import BACKENDS, new_history

from recruit_dash.history.duckdb_store import release
from recruit_dash.history.schema import SCHEMA_VERSION
from recruit_dash.history.store import LOCAL_USER, Store, open_store

WEEK1 = date(2026, 11, 2)  # a Monday
# Written by recruit-dash at schema 1 (before who did what was kept): three weekly uploads of a
# status-only tracker, the third a corrected version of the second's week (it supersedes it).
SCHEMA_1 = Path(__file__).with_name("data") / "history_schema1.duckdb.gz"


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path) -> Store:
    with new_history(request.param, tmp_path, request) as where:
        yield open_store(where)


def tracker(statuses: dict[str, str]) -> bytes:
    return ("Lead ID,Consultant,Client,Status\n" + "".join(
        f"{lead},Ann Lee,Acme Ltd,{status}\n" for lead, status in statuses.items())).encode()


def test_every_import_and_deletion_says_who_did_it_and_when_newest_first(store):
    first = store.import_file("week1.csv", tracker({"L1": "CVs sent"}), WEEK1,
                              by="ann.lee@northgate.example")
    second = store.import_file("week2.csv", tracker({"L1": "Interviewing"}), WEEK1 + timedelta(7))
    third = store.import_file("week3.csv", tracker({"L1": "Offer made"}), WEEK1 + timedelta(14),
                              by="=HYPERLINK(\"x\")")  # a name is kept as written
    uploads = store.uploads().set_index("upload_id")
    assert uploads["imported_by"].to_dict() == {
        first.upload_id: "ann.lee@northgate.example", second.upload_id: LOCAL_USER,
        third.upload_id: '=HYPERLINK("x")'}
    imports = store.audit().set_index("upload_id")["done_at"]
    assert imports.sort_index().equals(uploads["imported_at"].sort_index())  # when, as listed
    assert store.delete(second.upload_id, by="bob.ray@northgate.example")
    assert store.delete(first.upload_id)
    assert not store.delete(first.upload_id, by="nobody")  # not there: nothing recorded
    audit = store.audit()
    assert list(audit.columns) == ["done_at", "action", "done_by", "upload_id", "file_name"]
    assert audit[["action", "done_by", "upload_id", "file_name"]].values.tolist() == [
        ["deleted", LOCAL_USER, first.upload_id, "week1.csv"],
        ["deleted", "bob.ray@northgate.example", second.upload_id, "week2.csv"],
        ["imported", '=HYPERLINK("x")', third.upload_id, "week3.csv"],
        ["imported", LOCAL_USER, second.upload_id, "week2.csv"],  # its import is still told
        ["imported", "ann.lee@northgate.example", first.upload_id, "week1.csv"]]
    assert audit["done_at"].is_monotonic_decreasing
    assert audit["done_at"].iloc[0] > imports.max()
    assert store.uploads()["upload_id"].tolist() == [third.upload_id]


def test_an_empty_history_has_nobody_doing_anything(store):
    audit = store.audit()
    assert audit.empty
    assert audit.dtypes.astype(str).to_dict() == {
        "done_at": "datetime64[us]", "action": "str", "done_by": "str", "upload_id": "int64",
        "file_name": "str"}


def test_the_same_bytes_again_record_no_second_import(store):
    data = tracker({"L1": "CVs sent"})
    store.import_file("t.csv", data, WEEK1, by="ann.lee@northgate.example")
    again = store.import_file("t.csv", data, WEEK1, by="bob.ray@northgate.example")
    assert again.status == "already"
    assert store.audit()["done_by"].tolist() == ["ann.lee@northgate.example"]


@pytest.fixture
def schema_1_history(tmp_path) -> Path:
    path = tmp_path / "history.duckdb"
    with gzip.open(SCHEMA_1) as packed, path.open("wb") as file:
        shutil.copyfileobj(packed, file)
    yield path
    release(path)


def test_a_history_written_at_schema_1_opens_upgraded_with_its_uploads_by_the_local_user(
        schema_1_history):
    assert sql_version(schema_1_history) == 1
    store = open_store(schema_1_history)
    assert store.schema_version() == SCHEMA_VERSION == 2
    uploads = store.uploads()
    assert uploads[["upload_id", "file_name", "as_of", "superseded_by"]].astype(object) \
        .values.tolist() == [[1, "tracker.csv", pd.Timestamp("2026-11-02"), pd.NA],
                             [2, "tracker.csv", pd.Timestamp("2026-11-09"), 3],
                             [3, "tracker.csv", pd.Timestamp("2026-11-11"), pd.NA]]
    assert uploads["imported_by"].tolist() == [LOCAL_USER] * 3
    model = store.model()
    assert model.leads.set_index("lead_id")["status"].to_dict() == {
        "L1": "Offer made", "L2": "Lost - client withdrew", "L3": "Job on"}
    first_seen = model.milestones.set_index(["lead_id", "stage"])["reached_on"]
    assert first_seen[("L1", "shortlist")] == pd.Timestamp("2026-11-02")  # dated by the history
    assert store.audit()["action"].tolist() == ["imported"] * 3
    assert store.delete(1, by="ann.lee@northgate.example")
    assert store.audit().iloc[0][["action", "done_by", "upload_id"]].tolist() == [
        "deleted", "ann.lee@northgate.example", 1]
    fourth = store.import_file("tracker.csv", tracker({"L1": "Placed"}), date(2026, 11, 16),
                               by="ann.lee@northgate.example")
    assert fourth.status == "imported" and fourth.upload_id == 4  # its id sequence goes on


def sql_version(path: Path) -> int:
    """Return the schema version a DuckDB history file is at, without upgrading it."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    finally:
        connection.close()
