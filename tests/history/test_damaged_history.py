"""A history file that cannot be trusted (cut short, blocks overwritten, not DuckDB's at all),
and one that is not there: a sentence saying what to do, from opening or from a later read,
on the command line's store and on the app's pages alike."""

from __future__ import annotations

import random
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, SAMPLE
from streamlit.testing.v1 import AppTest

from recruit_dash.history.duckdb_store import release
from recruit_dash.history.store import StoreError, open_store

BLOCK, HEADERS = 262_144, 3 * 4096  # DuckDB's block size, and its three headers before the blocks
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def healthy(tmp_path_factory) -> Path:
    """Return a history file holding the sample tracker, closed (every table in its own blocks)."""
    path = tmp_path_factory.mktemp("healthy") / "history.duckdb"
    store = open_store(path)
    assert store.import_file(SAMPLE.name, SAMPLE.read_bytes(), date(2026, 11, 20)).status == "imported"
    release(path)
    return path


def overwritten(data: bytes, start: int, length: int = 4096) -> bytes:
    """Return the bytes with garbage over `length` of them from `start`."""
    return data[:start] + random.Random(start).randbytes(length) + data[start + length:]


def damaged_block(healthy: Path, table: str, target: Path) -> Path:
    """Write a copy of the history with garbage over the block that holds a table's rows: the
    file opens, and only reading that table fails."""
    data = healthy.read_bytes()
    for index in range((len(data) - HEADERS) // BLOCK + 1):
        target.write_bytes(overwritten(data, HEADERS + index * BLOCK + 8))
        try:
            connection = duckdb.connect(str(target))
        except duckdb.Error:
            continue  # the catalog's block: the file does not open at all
        try:
            if reads(connection, "schema_version") and not reads(connection, table):
                return target
        finally:
            connection.close()
    pytest.fail(f"no block of {healthy} holds the rows of {table}")


def reads(connection: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Return whether every row of a table can be read."""
    try:
        connection.execute(f"SELECT * FROM {table}").fetchall()
    except duckdb.Error:
        return False
    return True


WHEN_OPENED = {  # what was done to the file -> its bytes; each is refused when opened
    "empty": lambda data: b"",
    "a spreadsheet's text": lambda data: b"Lead ID,Consultant,Status\nL1,Ann Lee,CVs sent\n" * 40,
    "a SQLite database": lambda data: b"SQLite format 3\x00" + bytes(8192),
    "cut to 100 bytes": lambda data: data[:100],
    # DuckDB says "checksum ... in block": "block" once read as a lock held by another program.
    "its header overwritten": lambda data: overwritten(data, 4096),
    "its first block overwritten": lambda data: overwritten(data, HEADERS + 8),
}


def says_damaged(error: StoreError, path: Path) -> None:
    words = str(error)
    assert f"The history file {path} is damaged" in words, words
    assert "Restore your backup" in words and "moving the file aside" in words, words
    assert "another program" not in words and "Error" not in words, words


@pytest.mark.parametrize("damage", list(WHEN_OPENED))
def test_a_damaged_file_is_said_to_be_damaged_when_opened(healthy, tmp_path, damage):
    path = tmp_path / "history.duckdb"
    path.write_bytes(WHEN_OPENED[damage](healthy.read_bytes()))
    for _ in range(2):  # refused every time, not once and then cached
        with pytest.raises(StoreError) as refused:
            open_store(path)
        says_damaged(refused.value, path)
    assert path.read_bytes() == WHEN_OPENED[damage](healthy.read_bytes())  # left as it was


@pytest.mark.parametrize("table", ["leads", "milestones", "uploads"])
def test_damaged_blocks_found_by_a_later_read_are_said_in_words_and_a_restored_file_works(
        healthy, tmp_path, table):
    path = damaged_block(healthy, table, tmp_path / "history.duckdb")
    store = open_store(path)  # the header and the schema are whole: it opens
    try:
        for _ in range(2):  # the second read opens the file afresh and finds the damage again
            with pytest.raises(StoreError) as refused:
                store.model()
            says_damaged(refused.value, path)
        shutil.copyfile(healthy, path)  # the user restores their backup, the app still running
        assert len(open_store(path).model().leads) == 1700
    finally:
        release(path)


def test_a_file_cut_in_half_opens_and_its_reads_say_it_is_damaged(healthy, tmp_path):
    path = tmp_path / "history.duckdb"
    path.write_bytes(healthy.read_bytes()[:healthy.stat().st_size // 2])
    try:
        with pytest.raises(StoreError) as refused:
            open_store(path).model()
        says_damaged(refused.value, path)
        with pytest.raises(StoreError) as refused:
            open_store(path).import_file(SAMPLE.name, SAMPLE.read_bytes() + b" ", date(2026, 11, 27))
        says_damaged(refused.value, path)
    finally:
        release(path)


def test_reading_a_history_that_is_not_there_is_an_error_and_makes_nothing(tmp_path):
    path = tmp_path / "nowhere" / "history.duckdb"
    with pytest.raises(StoreError) as refused:
        open_store(path, must_exist=True)
    assert str(refused.value) == (
        f"There is no upload history at {path}. Check the --db path, or import a file first "
        f"with `python -m recruit_dash import FILE --db {path}`.")
    assert not path.parent.exists()
    try:
        assert open_store(path).uploads().empty  # importing makes a new one
        assert open_store(path, must_exist=True).schema_version() >= 1  # and then it is there
    finally:
        release(path)


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/data.py").run()
    return at


@pytest.mark.parametrize("damage", ["its header overwritten", "the uploads block overwritten"])
def test_a_damaged_history_is_a_sentence_on_the_pages_and_the_rest_of_the_app_works(
        healthy, history, damage):
    if damage == "the uploads block overwritten":
        damaged_block(healthy, "uploads", history)
    else:
        history.write_bytes(WHEN_OPENED[damage](healthy.read_bytes()))
    at = data_page()
    assert not at.exception
    said = [box.value for box in (*at.warning, *at.error) if "is damaged" in box.value]
    assert said and "another program" not in said[0]
    assert any(header.value == "What we understood" for header in at.subheader)
    if damage == "the uploads block overwritten":  # the store opened: saving says it too
        at.file_uploader(key="data_upload").set_value([(SAMPLE.name, SAMPLE.read_bytes(), XLSX)]).run()
        at.button(key="history_save").click().run()
        assert not at.exception
        assert any("is damaged" in box.value for box in at.error)
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert any("is damaged" in box.value for box in at.warning)
    assert at.metric  # the page's figures, from the files, are still drawn
