"""The history in one embedded DuckDB file: the connection, per-thread cursors, SQL, transactions."""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from recruit_dash.history import schema
from recruit_dash.history.store import NewUpload, Saved, Store, StoreError, default_path, migrations_after
from recruit_dash.ingest.results import FileReport
from recruit_dash.model import Table

_ROOTS: dict[str, duckdb.DuckDBPyConnection] = {}
_CURSORS: dict[str, list[duckdb.DuckDBPyConnection]] = {}
_LOCALS: dict[str, threading.local] = {}
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_REGISTRY_LOCK = threading.Lock()


class DuckDBStore(Store):
    """One history file, shared by every session (thread) of this process: Streamlit sessions
    are threads of one process, so they share one DuckDB connection per file, each thread with
    its own cursor, and imports and deletions take turns through one lock."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        key = str(self.path.resolve())
        with _REGISTRY_LOCK:
            if key not in _ROOTS:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    connection = duckdb.connect(str(self.path))
                except duckdb.Error as error:
                    raise StoreError(_words(error, self.path)) from error
                try:
                    _migrate(connection)
                except BaseException:
                    connection.close()  # never keep a store we refused, nor half-migrated
                    raise
                _ROOTS[key], _WRITE_LOCKS[key] = connection, threading.Lock()
                _CURSORS[key], _LOCALS[key] = [], threading.local()
            self._root = _ROOTS[key]
            self._lock = _WRITE_LOCKS[key]
            self._local = _LOCALS[key]  # one cursor per thread, whichever Store object asks
        self._key = key

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """Return this thread's cursor on the shared connection."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._root.cursor()
            self._local.cursor = cursor
            with _REGISTRY_LOCK:
                _CURSORS[self._key].append(cursor)
        return cursor

    def schema_version(self) -> int:
        return int(self._cursor().execute("SELECT max(version) FROM schema_version").fetchone()[0])

    # Writing -------------------------------------------------------------------------------

    def _imported(self, digest: str) -> tuple[int, object, date] | None:
        return self._cursor().execute(
            "SELECT upload_id, imported_at, as_of FROM uploads WHERE sha256 = ?", [digest]).fetchone()

    def _save(self, upload: NewUpload, report: FileReport, tables: dict[str, pd.DataFrame]) -> Saved:
        with self._lock:
            cursor = self._cursor()
            cursor.execute("BEGIN TRANSACTION")
            try:
                again = cursor.execute("SELECT upload_id FROM uploads WHERE sha256 = ?",
                                       [upload.sha256]).fetchone()
                if again:  # another session imported the same bytes a moment ago
                    cursor.execute("ROLLBACK")
                    return Saved(int(again[0]), already=True)
                upload_id = int(cursor.execute("SELECT nextval('upload_ids')").fetchone()[0])
                cursor.execute(
                    "INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                    [upload_id, upload.file_name, upload.sha256, upload.as_of, datetime.now(),
                     upload.tracker, upload.profile, upload.sheets, upload.rows_accepted,
                     upload.rows_quarantined, upload.rows_blank])
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
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
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

    def delete(self, upload_id: int) -> bool:
        with self._lock:
            cursor = self._cursor()
            cursor.execute("BEGIN TRANSACTION")
            try:
                found = cursor.execute("SELECT superseded_by FROM uploads WHERE upload_id = ?",
                                       [upload_id]).fetchone()
                if found:
                    for name in schema.ROW_TABLES:
                        cursor.execute(f"DELETE FROM {name} WHERE upload_id = ?", [upload_id])
                    # What it had replaced is replaced by what replaced it, or current again.
                    cursor.execute("UPDATE uploads SET superseded_by = ? WHERE superseded_by = ?",
                                   [found[0], upload_id])
                    cursor.execute("DELETE FROM uploads WHERE upload_id = ?", [upload_id])
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
        return bool(found)

    # Reading -------------------------------------------------------------------------------

    def uploads(self) -> pd.DataFrame:
        return self._cursor().execute(
            "SELECT upload_id, file_name, as_of, imported_at, sha256, tracker, profile, "
            "superseded_by, rows_accepted, rows_quarantined, rows_blank, sheets "
            "FROM uploads ORDER BY as_of, upload_id").df()

    def quarantined(self, upload_id: int) -> pd.DataFrame:
        return self._cursor().execute(
            'SELECT sheet, "row", reason, cells FROM quarantine WHERE upload_id = ? '
            'ORDER BY sheet, "row"', [upload_id]).df()

    def _select(self, table: Table, upload_ids: list[int]) -> pd.DataFrame:
        marks = ", ".join("?" * len(upload_ids))
        return self._cursor().execute(
            f"SELECT upload_id, {schema.quoted_columns(table)} FROM {table.name} "
            f"WHERE upload_id IN ({marks})", upload_ids).df()

    def _first_seen(self, upload_ids: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
        marks = ", ".join("?" * len(upload_ids))
        seen = self._cursor().execute(
            f"SELECT m.lead_id, m.stage, min(u.as_of) AS first_seen FROM milestones m "
            f"JOIN uploads u USING (upload_id) WHERE m.upload_id IN ({marks}) GROUP BY 1, 2",
            upload_ids).df()
        lead_seen = self._cursor().execute(
            f"SELECT l.lead_id, min(u.as_of) AS lead_seen FROM leads l "
            f"JOIN uploads u USING (upload_id) WHERE l.upload_id IN ({marks}) GROUP BY 1",
            upload_ids).df()
        return seen, lead_seen


def release(path: str | Path) -> None:
    """Close this process's connection to a store, so that another process may open it."""
    key = str(Path(path).resolve())
    with _REGISTRY_LOCK:
        for cursor in _CURSORS.pop(key, []):
            cursor.close()
        root = _ROOTS.pop(key, None)
        _WRITE_LOCKS.pop(key, None)
        _LOCALS.pop(key, None)
    if root is not None:
        root.close()


def _migrate(connection: duckdb.DuckDBPyConnection) -> None:
    """Bring a store to the current schema, one frozen migration at a time."""
    connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, "
                       "applied_at TIMESTAMP)")
    current = connection.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    for version, script in migrations_after(current):
        connection.execute("BEGIN TRANSACTION")
        try:
            for statement in script:
                connection.execute(statement)
            connection.execute("INSERT INTO schema_version VALUES (?, ?)", [version, datetime.now()])
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


def _words(error: Exception, path: Path) -> str:
    text = str(error)
    if "lock" in text.lower():
        return (f"The history at {path} is open in another program (another copy of the app or "
                "the command line). Close it and try again.")
    return f"The history at {path} could not be opened: {text.splitlines()[0]}"
