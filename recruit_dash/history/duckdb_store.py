"""The history in one embedded DuckDB file: the connection, per-thread cursors, SQL, transactions,
and DuckDB's errors in words (a damaged file, another process's import)."""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from recruit_dash.history import schema, snapshots
from recruit_dash.history.store import (
    NewUpload,
    Saved,
    Store,
    StoreError,
    default_path,
    delete_upload,
    migrations_after,
    wait_seconds,
)
from recruit_dash.ingest.results import FileReport
from recruit_dash.model import Table

BUSY = "The history is busy with another import; waiting for it to finish…"
POLL_SECONDS = 0.2
MAGIC = b"DUCK"  # bytes 8 to 12 of every DuckDB file
# What DuckDB says of a file it cannot trust: a checksum that fails, a block cut short, a header
# or a WAL that is not DuckDB's. ("block" holds "lock": a lock is only its own sentence below.)
DAMAGE_MARKS = ("corrupt", "checksum", "could not read enough bytes",
                "not a valid duckdb database file", "failure while replaying wal")
LOCK_MARK = "could not set lock"

log = logging.getLogger(__name__)
_DAY = 'date_trunc(\'day\', "on")'  # an event's day


@dataclass(eq=False)
class _Shared:
    """One history file opened by this process: one connection shared by every thread, each
    thread's own cursor (held by the thread, so it goes with it; the registry only counts them),
    and the lock that imports and deletions take turns at."""

    connection: duckdb.DuckDBPyConnection
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)
    cursors: weakref.WeakSet = field(default_factory=weakref.WeakSet)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Return this thread's cursor, made on its first use."""
        cursor = getattr(self.local, "cursor", None)
        if cursor is None:
            cursor = self.local.cursor = self.connection.cursor()
            with _REGISTRY_LOCK:
                self.cursors.add(cursor)
        return cursor

    def close(self) -> None:
        """Close every thread's cursor, then the connection (and so the file)."""
        with _REGISTRY_LOCK:
            cursors = list(self.cursors)
        for cursor in cursors:
            with contextlib.suppress(duckdb.Error):
                cursor.close()
        self.connection.close()


_OPEN: dict[str, _Shared] = {}
_OPENING: dict[str, threading.Lock] = {}  # one thread opens a file; the others wait for it
_REGISTRY_LOCK = threading.Lock()


def _in_words(method: Callable) -> Callable:
    """Return a method whose DuckDB errors come out as a StoreError in words; after a damaged
    block the file is let go, so that the next use opens it afresh (restored, or moved aside)."""

    @functools.wraps(method)
    def in_words(self: DuckDBStore, *args, **kwargs):
        shared = self._shared()
        try:
            return method(self, *args, **kwargs)
        except duckdb.Error as error:
            if _damaged(error) or "invalidated" in str(error):
                _forget(self._key, shared)
            raise StoreError(_words(error, self.path)) from error

    return in_words


class DuckDBStore(Store):
    """One history file, shared by every session (thread) of this process: Streamlit sessions
    are threads of one process, so they share one DuckDB connection per file, each thread with
    its own cursor, and imports and deletions take turns through one lock. DuckDB lets one
    process at a time open a file: another process's import is waited for, for a while."""

    def __init__(self, path: str | Path | None = None, wait_seconds: float | None = None):
        self.path = Path(path) if path else default_path()
        self._key = str(self.path.resolve())
        self._wait_seconds = wait_seconds
        self._shared()  # opened now, so that a file we cannot use is said at once

    def _shared(self) -> _Shared:
        """Return this process's connection to the file, opening it when it is not open."""
        with _REGISTRY_LOCK:
            if self._key in _OPEN:
                return _OPEN[self._key]
            opening = _OPENING.setdefault(self._key, threading.Lock())
        with opening:
            with _REGISTRY_LOCK:
                if self._key in _OPEN:
                    return _OPEN[self._key]
            shared = _Shared(_connected(self.path, self._wait_seconds))
            with _REGISTRY_LOCK:
                _OPEN[self._key] = shared
        return shared

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """Return this thread's cursor on the shared connection."""
        return self._shared().cursor()

    @_in_words
    def schema_version(self) -> int:
        return int(self._cursor().execute("SELECT max(version) FROM schema_version").fetchone()[0])

    # Writing -------------------------------------------------------------------------------

    @_in_words
    def _imported(self, digest: str) -> tuple[int, object, date] | None:
        return self._cursor().execute(
            "SELECT upload_id, imported_at, as_of FROM uploads WHERE sha256 = ?", [digest]).fetchone()

    @_in_words
    def _save(self, upload: NewUpload, report: FileReport, tables: dict[str, pd.DataFrame]) -> Saved:
        shared = self._shared()
        with shared.write_lock:
            cursor = shared.cursor()
            with _transaction(cursor):
                again = cursor.execute("SELECT upload_id FROM uploads WHERE sha256 = ?",
                                       [upload.sha256]).fetchone()
                if again:  # another session imported the same bytes a moment ago
                    return Saved(int(again[0]), already=True)
                upload_id = int(cursor.execute("SELECT nextval('upload_ids')").fetchone()[0])
                cursor.execute(
                    "INSERT INTO uploads (upload_id, file_name, sha256, as_of, imported_at, "
                    "imported_by, tracker, profile, sheets, rows_accepted, rows_quarantined, "
                    "rows_blank) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [upload_id, upload.file_name, upload.sha256, upload.as_of, datetime.now(),
                     upload.imported_by, upload.tracker, upload.profile, upload.sheets,
                     upload.rows_accepted, upload.rows_quarantined, upload.rows_blank])
                self._insert_rows(cursor, upload_id, report, tables)
                week_start, week_end = upload.week()
                superseded = [int(row[0]) for row in cursor.execute(
                    "SELECT upload_id FROM uploads WHERE tracker = ? AND superseded_by IS NULL "
                    "AND upload_id <> ? AND as_of BETWEEN ? AND ?",
                    [upload.tracker, upload_id, week_start, week_end]).fetchall()]
                if superseded:
                    cursor.execute("UPDATE uploads SET superseded_by = ? WHERE upload_id IN "
                                   f"({', '.join('?' * len(superseded))})",
                                   [upload_id, *superseded])
        return Saved(upload_id, tuple(superseded))

    def _insert_rows(self, cursor: duckdb.DuckDBPyConnection, upload_id: int,
                     report: FileReport, tables: dict[str, pd.DataFrame]) -> None:
        """Insert every accepted row and every quarantined row of one upload."""
        for table in (*schema.SNAPSHOT_TABLES, *schema.EVENT_TABLES):
            frame = tables.get(table.name)
            if frame is None or not len(frame):
                continue
            cursor.register("incoming", schema.stored_rows(frame, table))
            quoted = schema.quoted_columns(table)
            cursor.execute(f"INSERT INTO {table.name} (upload_id, {quoted}) "
                           f"SELECT {upload_id}, {quoted} FROM incoming")
            cursor.unregister("incoming")
        for sheet in report.sheets:
            if not len(sheet.quarantined):
                continue
            cursor.register("incoming", schema.quarantine_rows(sheet.quarantined, sheet.name))
            cursor.execute('INSERT INTO quarantine SELECT ?, sheet, "row", reason, cells '
                           "FROM incoming", [upload_id])
            cursor.unregister("incoming")

    @_in_words
    def delete(self, upload_id: int, by: str | None = None) -> bool:
        shared = self._shared()
        with shared.write_lock:
            cursor = shared.cursor()
            with _transaction(cursor):
                return delete_upload(cursor.execute, "?", upload_id, by)

    # Reading -------------------------------------------------------------------------------

    @_in_words
    def uploads(self) -> pd.DataFrame:
        return schema.typed(self._cursor().execute(
            f"SELECT {', '.join(schema.UPLOADS)} FROM uploads ORDER BY as_of, upload_id").df(),
            schema.UPLOADS)

    @_in_words
    def quarantined(self, upload_id: int) -> pd.DataFrame:
        return schema.typed(self._cursor().execute(
            'SELECT sheet, "row", reason, cells FROM quarantine WHERE upload_id = ? '
            'ORDER BY sheet, "row"', [upload_id]).df(), schema.QUARANTINE)

    @_in_words
    def audit(self) -> pd.DataFrame:
        return schema.typed(self._cursor().execute(schema.AUDIT_QUERY).df(), schema.AUDIT)

    @_in_words
    def _select(self, table: Table, upload_ids: list[int]) -> pd.DataFrame:
        marks = ", ".join("?" * len(upload_ids))
        return _frame(self._cursor().sql(
            f"SELECT upload_id, {schema.quoted_columns(table)} FROM {table.name} "
            f"WHERE upload_id IN ({marks})", params=upload_ids))

    @_in_words
    def _kept_events(self, table: Table, upload_ids: list[int]) -> pd.DataFrame:
        cursor = self._cursor()
        marks = ", ".join("?" * len(upload_ids))
        # Dates are compared as days, as the model reads them (an older version kept times).
        spans = cursor.execute(
            f"SELECT upload_id, min({_DAY}), max({_DAY}) FROM {table.name} "
            f'WHERE upload_id IN ({marks}) AND "on" IS NOT NULL GROUP BY upload_id',
            upload_ids).fetchall()
        keeping, covered = snapshots.newer_spans(upload_ids, {row[0]: row[1:] for row in spans})
        # Only the uploads that keep rows are read: a cumulative sheet's older copies are not.
        marks = ", ".join("?" * len(keeping))
        columns = ", ".join(f'kept."{column}"' for column in schema.STORED_COLUMNS[table.name])
        query = f"SELECT kept.upload_id, {columns} FROM {table.name} AS kept"
        where = f" WHERE kept.upload_id IN ({marks}) ORDER BY kept.rowid"
        if not covered:
            return _frame(cursor.sql(query + where, params=keeping))
        name = f"covered_{threading.get_ident()}"
        cursor.register(name, pd.DataFrame(covered, columns=["upload_id", "first_day", "last_day"])
                        .astype({"upload_id": "int64", "first_day": "datetime64[ns]",
                                 "last_day": "datetime64[ns]"}))
        try:
            return _frame(cursor.sql(
                f"{query} ANTI JOIN {name} AS newer ON newer.upload_id = kept.upload_id AND "
                f'(kept."on" IS NULL OR date_trunc(\'day\', kept."on") BETWEEN newer.first_day '
                f"AND newer.last_day){where}", params=keeping))
        finally:
            cursor.unregister(name)

    @_in_words
    def _first_seen(self, upload_ids: list[int], latest: int, status_only: list[str]
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        marks = ", ".join("?" * len(upload_ids))
        sheets = ", ".join("?" * len(status_only))
        from_status = f" OR source_sheet IN ({sheets})" if status_only else ""
        # A few leads' sightings, not every lead's: the history dates only undated milestones.
        # (Every stored lead and milestone has a lead_id: ingest names a row without one.)
        wanted = (f"(SELECT DISTINCT lead_id FROM milestones WHERE upload_id = ? AND "
                  f"(reached_on IS NULL{from_status})) AS wanted")
        seen = self._cursor().execute(
            f"SELECT m.lead_id, m.stage, min(u.as_of) AS first_seen FROM milestones m "
            f"JOIN uploads u USING (upload_id) SEMI JOIN {wanted} "
            f"ON m.lead_id = wanted.lead_id "
            f"WHERE m.upload_id IN ({marks}) GROUP BY 1, 2 ORDER BY 1, 2",
            [latest, *status_only, *upload_ids]).df()
        lead_seen = self._cursor().execute(
            f"SELECT l.lead_id, min(u.as_of) AS lead_seen FROM leads l "
            f"JOIN uploads u USING (upload_id) SEMI JOIN {wanted} "
            f"ON l.lead_id = wanted.lead_id "
            f"WHERE l.upload_id IN ({marks}) GROUP BY 1 ORDER BY 1",
            [latest, *status_only, *upload_ids]).df()
        return schema.typed(seen, schema.SEEN), schema.typed(lead_seen, schema.LEAD_SEEN)


def release(path: str | Path) -> None:
    """Close this process's connection to a store, so that another process may open it."""
    with _REGISTRY_LOCK:
        shared = _OPEN.pop(str(Path(path).resolve()), None)
    if shared is not None:
        shared.close()


def live_cursors(path: str | Path) -> int:
    """Return how many cursors on a store this process holds: one per thread still running."""
    with _REGISTRY_LOCK:
        shared = _OPEN.get(str(Path(path).resolve()))
        return len(shared.cursors) if shared else 0


def damaged_words(path: Path) -> str:
    """Return what to do about a history file that cannot be read."""
    return (f"The history file {path} is damaged: parts of it cannot be read, so the upload "
            "history cannot be used. Restore your backup of that file, or start a new history "
            "by moving the file aside (or by choosing another path with --db or RECRUIT_DASH_DB); "
            "the next import then starts an empty one.")


def busy_words(path: Path, waited: float) -> str:
    """Return what to do when another process kept the history file for longer than we wait."""
    return (f"The history {path} is in use by another program (the app, or an import from the "
            "command line)" + (f" and was still busy after {waited:g} seconds" if waited else "")
            + ". Try again when it has finished, or close the other program.")


def _connected(path: Path, wait: float | None) -> duckdb.DuckDBPyConnection:
    """Return a new connection to the history file, migrated (a new, empty one where none is)."""
    _check_header(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"The history {path} cannot be made there: {error.strerror or error}. "
                         "Choose another path with --db or RECRUIT_DASH_DB.") from error
    connection = _connection(path, wait_seconds(wait))
    try:
        _migrate(connection)
    except BaseException as error:
        connection.close()  # never keep a store we refused, nor half-migrated
        if isinstance(error, duckdb.Error):
            raise StoreError(_words(error, path)) from error
        raise
    return connection


def _connection(path: Path, wait: float) -> duckdb.DuckDBPyConnection:
    """Return DuckDB's connection to the file, waiting up to `wait` seconds while another
    process holds it (DuckDB lets one process at a time write a file)."""
    deadline = time.monotonic() + wait
    said = False
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.Error as error:
            if not _locked(error):
                raise StoreError(_words(error, path)) from error
            if time.monotonic() >= deadline:
                raise StoreError(busy_words(path, wait)) from error
            if not said:
                log.warning(BUSY)
                said = True
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))


def _check_header(path: Path) -> None:
    """Refuse a file that is not a DuckDB database (a spreadsheet, text, SQLite) before DuckDB
    reads it: DuckDB would guess another format and try to download a reader for it. A file too
    short to tell is DuckDB's to judge: it may be one another process is making at this moment."""
    try:
        with path.open("rb") as file:
            head = file.read(len(MAGIC) + 8)
    except FileNotFoundError:
        return
    except IsADirectoryError as error:
        raise StoreError(f"{path} is a folder; give the path of a history file in it, like "
                         f"{path / 'history.duckdb'}.") from error
    except OSError:
        return  # DuckDB says why it cannot read it
    if len(head) == len(MAGIC) + 8 and head[8:] != MAGIC:
        raise StoreError(damaged_words(path))


def _forget(key: str, shared: _Shared) -> None:
    """Close a file's connection after it failed, unless it was already replaced."""
    with _REGISTRY_LOCK:
        if _OPEN.get(key) is not shared:
            return
        del _OPEN[key]
    with contextlib.suppress(duckdb.Error):
        shared.close()


@contextlib.contextmanager
def _transaction(cursor: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run a block as one transaction: committed whole, or rolled back whole (a killed process
    too: DuckDB's log replays only what was committed)."""
    cursor.execute("BEGIN TRANSACTION")
    try:
        yield
        cursor.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # what failed matters, not the rollback after it
            cursor.execute("ROLLBACK")
        raise


def _migrate(connection: duckdb.DuckDBPyConnection) -> None:
    """Bring a store to the current schema, one frozen migration at a time."""
    connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, "
                       "applied_at TIMESTAMP)")
    current = connection.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    for version, script in migrations_after(current):
        with _transaction(connection):
            for statement in script:
                connection.execute(statement)
            connection.execute("INSERT INTO schema_version VALUES (?, ?)", [version, datetime.now()])


def _frame(rows: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """Return a query's rows as a frame of the model's dtypes, through Arrow."""
    return schema.from_arrow(rows.to_arrow_table())


def _damaged(error: Exception) -> bool:
    text = str(error).lower()
    return any(mark in text for mark in DAMAGE_MARKS)


def _locked(error: Exception) -> bool:
    return LOCK_MARK in str(error).lower()


def _words(error: Exception, path: Path) -> str:
    """Return a DuckDB error in words: a damaged file, a file another program holds, or else
    DuckDB's own first line."""
    if _damaged(error):
        return damaged_words(path)
    if _locked(error):
        return busy_words(path, 0)
    return f"The history {path} could not be used: {str(error).splitlines()[0]}"
