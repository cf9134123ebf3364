"""The history in a PostgreSQL database that several processes share: a few connections per
database kept between calls, imports and deletions taking turns through an advisory lock, rows
in and out by COPY (read back column by column through Arrow), and PostgreSQL's errors in words
(a server out of reach, a lost connection, another import taking too long)."""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd
import psycopg
import pyarrow as pa
from psycopg import pq
from pyarrow import csv

from recruit_dash.history import schema, snapshots
from recruit_dash.history.store import (
    NewUpload,
    Saved,
    Store,
    StoreError,
    delete_upload,
    migrations_after,
    wait_seconds,
)
from recruit_dash.ingest.results import FileReport
from recruit_dash.model import Table

IDLE_CONNECTIONS = 4  # kept open per database between calls; more are opened while it is busy
CONNECT_SECONDS = 10  # unless the URL sets its own connect_timeout
GROWN = 0.2  # the share of new rows past which an import has the planner count a table again
# The advisory lock that imports, deletions and migrations of one database take turns at.
TURN_LOCK = int.from_bytes(b"rd-turns")
# Every connection reads dates and numbers back as the COPY reader expects them: ISO dates,
# floating-point numbers that round-trip exactly.
SESSION = "SET datestyle = 'ISO, YMD'; SET extra_float_digits = 1"
_DAY = 'date_trunc(\'day\', "on")'  # an event's day


@dataclass(eq=False)
class _Pool:
    """This process's idle connections to one database: a call takes one (or connects), and
    gives it back when it is done, so that sessions (threads) never share a connection. A forked
    child starts a pool of its own: the inherited connections are its parent's."""

    url: str
    pid: int = field(default_factory=os.getpid)
    idle: list[psycopg.Connection] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    checked: bool = False  # whether the database's schema is known to be current

    def take(self) -> psycopg.Connection:
        """Return an idle connection, or a new one when none is idle."""
        with self.lock:
            if self.idle:
                return self.idle.pop()
        return _connect(self.url)

    def give_back(self, connection: psycopg.Connection) -> None:
        """Keep a connection for the next call, unless it is broken, mid-transaction or extra."""
        if not connection.closed and not connection.broken and \
                connection.info.transaction_status == pq.TransactionStatus.IDLE:
            with self.lock:
                if len(self.idle) < IDLE_CONNECTIONS:
                    self.idle.append(connection)
                    return
        with contextlib.suppress(psycopg.Error):
            connection.close()

    def close(self) -> None:
        """Close every idle connection (after the server went away, they all went with it)."""
        with self.lock:
            idle, self.idle = self.idle, []
            self.checked = False
        for connection in idle:
            with contextlib.suppress(psycopg.Error):
                connection.close()


_POOLS: dict[str, _Pool] = {}
_REGISTRY_LOCK = threading.Lock()


def _pool(url: str) -> _Pool:
    """Return this process's pool of connections to a database."""
    with _REGISTRY_LOCK:
        pool = _POOLS.get(url)
        if pool is None or pool.pid != os.getpid():
            pool = _POOLS[url] = _Pool(url)
        return pool


class PostgresStore(Store):
    """One history in a PostgreSQL database, shared by every process and session that opens it.

    Each call takes a connection of its own from this process's pool; reads see whole imports
    only (each import is one transaction); imports, deletions and migrations take turns through
    one advisory lock, so two imports at the same moment both land, one after the other, and a
    corrected version always finds the version it replaces. A connection that fails (the server
    stopped or restarted) is a StoreError in words, and the next call connects afresh."""

    def __init__(self, url: str, wait_seconds: float | None = None, *, must_exist: bool = False):
        self.path = url
        self._shown = shown_url(url)
        self._wait_seconds = wait_seconds
        self._opened(must_exist)  # connected now, so that a database we cannot use is said at once

    def where(self) -> str:
        return self._shown

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """Yield a connection of this call's own, given back afterwards; PostgreSQL's errors come
        out as a StoreError in words, and a lost connection closes the idle ones with it."""
        pool = _pool(self.path)
        try:
            connection = pool.take()
        except psycopg.Error as error:
            raise StoreError(_words(error, self._shown, connecting=True)) from error
        try:
            yield connection
        except psycopg.Error as error:
            if connection.broken:
                pool.close()
            raise StoreError(_words(error, self._shown, lost=connection.broken,
                                    waited=self._waited())) from error
        finally:
            pool.give_back(connection)

    def _opened(self, must_exist: bool) -> None:
        """Check the database holds a history at the current schema, migrating it (or making a
        new one) unless `must_exist`; once per process while the connection holds."""
        pool = _pool(self.path)
        if pool.checked:
            return
        with self._connection() as connection:
            with connection.transaction():
                current = _schema_version(connection)
            if current is None and must_exist:
                raise StoreError(f"There is no upload history in the database {self._shown}. "
                                 "Check the --db address, or import a file first with "
                                 f"`python -m recruit_dash import FILE --db {self._shown}`.")
            if migrations_after(current or 0, "postgresql"):  # refuses a newer schema, too
                with connection.transaction():
                    self._take_turn(connection)
                    connection.execute("CREATE TABLE IF NOT EXISTS schema_version "
                                       "(version INTEGER, applied_at TIMESTAMP)")
                    for version, script in migrations_after(_schema_version(connection) or 0,
                                                            "postgresql"):
                        for statement in script:
                            connection.execute(statement)
                        connection.execute("INSERT INTO schema_version VALUES (%s, %s)",
                                           [version, datetime.now()])
        pool.checked = True

    def _waited(self) -> float:
        """Return how long an import or a deletion waits for its turn."""
        return wait_seconds(self._wait_seconds)

    def _take_turn(self, connection: psycopg.Connection) -> None:
        """Wait, inside the transaction, for the other imports and deletions of the database
        (of any process) to finish, up to the wait time; the turn ends with the transaction."""
        milliseconds = max(1, round(self._waited() * 1000))
        connection.execute("SELECT set_config('lock_timeout', %s, true)", [f"{milliseconds}ms"])
        connection.execute("SELECT pg_advisory_xact_lock(%s)", [TURN_LOCK])

    def schema_version(self) -> int:
        with self._connection() as connection:
            return int(connection.execute("SELECT max(version) FROM schema_version").fetchone()[0])

    # Writing -------------------------------------------------------------------------------

    def _imported(self, digest: str) -> tuple[int, object, date] | None:
        with self._connection() as connection:
            return connection.execute("SELECT upload_id, imported_at, as_of FROM uploads "
                                      "WHERE sha256 = %s", [digest]).fetchone()

    def _save(self, upload: NewUpload, report: FileReport, tables: dict[str, pd.DataFrame]) -> Saved:
        with self._connection() as connection:
            with connection.transaction():
                self._take_turn(connection)
                cursor = connection.cursor()
                again = cursor.execute("SELECT upload_id FROM uploads WHERE sha256 = %s",
                                       [upload.sha256]).fetchone()
                if again:  # another process imported the same bytes a moment ago
                    return Saved(int(again[0]), already=True)
                upload_id = int(cursor.execute("SELECT nextval('upload_ids')").fetchone()[0])
                cursor.execute(
                    "INSERT INTO uploads (upload_id, file_name, sha256, as_of, imported_at, "
                    "imported_by, tracker, profile, sheets, rows_accepted, rows_quarantined, "
                    "rows_blank) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [upload_id, upload.file_name, upload.sha256, upload.as_of, datetime.now(),
                     upload.imported_by, upload.tracker, upload.profile, upload.sheets,
                     upload.rows_accepted, upload.rows_quarantined, upload.rows_blank])
                written = self._insert_rows(cursor, upload_id, report, tables)
                week_start, week_end = upload.week()
                superseded = [int(row[0]) for row in cursor.execute(
                    "SELECT upload_id FROM uploads WHERE tracker = %s AND superseded_by IS NULL "
                    "AND upload_id <> %s AND as_of BETWEEN %s AND %s ORDER BY upload_id",
                    [upload.tracker, upload_id, week_start, week_end]).fetchall()]
                if superseded:
                    cursor.execute("UPDATE uploads SET superseded_by = %s "
                                   "WHERE upload_id = ANY(%s)", [upload_id, superseded])
            _count_if_grown(connection, {"uploads": 1, **written})
        return Saved(upload_id, tuple(superseded))

    def _insert_rows(self, cursor: psycopg.Cursor, upload_id: int, report: FileReport,
                     tables: dict[str, pd.DataFrame]) -> dict[str, int]:
        """Copy in every accepted row and every quarantined row of one upload; return how many
        rows each table was given."""
        written: dict[str, int] = {}
        for table in (*schema.SNAPSHOT_TABLES, *schema.EVENT_TABLES):
            frame = tables.get(table.name)
            if frame is not None and len(frame):
                _copy_in(cursor, table.name, upload_id, schema.stored_rows(frame, table))
                written[table.name] = len(frame)
        for sheet in report.sheets:
            if len(sheet.quarantined):
                _copy_in(cursor, "quarantine", upload_id,
                         schema.quarantine_rows(sheet.quarantined, sheet.name))
                written["quarantine"] = written.get("quarantine", 0) + len(sheet.quarantined)
        return written

    def delete(self, upload_id: int, by: str | None = None) -> bool:
        with self._connection() as connection, connection.transaction():
            self._take_turn(connection)
            return delete_upload(connection.execute, "%s", upload_id, by)

    # Reading -------------------------------------------------------------------------------

    def uploads(self) -> pd.DataFrame:
        return self._listing(f"SELECT {', '.join(schema.UPLOADS)} FROM uploads "
                             "ORDER BY as_of, upload_id", [], schema.UPLOADS)

    def quarantined(self, upload_id: int) -> pd.DataFrame:
        return self._listing('SELECT sheet, "row", reason, cells FROM quarantine WHERE '
                             'upload_id = %s ORDER BY sheet COLLATE "C", "row"', [upload_id],
                             schema.QUARANTINE)

    def audit(self) -> pd.DataFrame:
        return self._listing(schema.AUDIT_QUERY, [], schema.AUDIT)

    def _listing(self, query: str, params: list, dtypes: dict[str, str]) -> pd.DataFrame:
        """Return a listing's rows with the dtypes every backend gives it."""
        with self._connection() as connection:
            rows = _copied(connection, query, params, {name: _ARROW[dtype]
                                                       for name, dtype in dtypes.items()})
        return schema.typed(rows.to_pandas(types_mapper=_WHOLE.get), dtypes)

    def _select(self, table: Table, upload_ids: list[int]) -> pd.DataFrame:
        with self._connection() as connection:
            return schema.from_arrow(_copied(
                connection, f"SELECT upload_id, {schema.quoted_columns(table)} FROM {table.name} "
                "WHERE upload_id = ANY(%s) ORDER BY rowid", [upload_ids], schema.arrow_types(table)))

    def _kept_events(self, table: Table, upload_ids: list[int]) -> pd.DataFrame:
        with self._connection() as connection:
            # Dates are compared as days, as the model reads them (an older version kept times).
            spans = connection.execute(
                f"SELECT upload_id, min({_DAY}), max({_DAY}) FROM {table.name} "
                'WHERE upload_id = ANY(%s) AND "on" IS NOT NULL GROUP BY upload_id',
                [upload_ids]).fetchall()
            keeping, covered = snapshots.newer_spans(upload_ids, {row[0]: row[1:] for row in spans})
            # Only the uploads that keep rows are read: a cumulative sheet's older copies are not.
            columns = ", ".join(f'kept."{column}"' for column in schema.STORED_COLUMNS[table.name])
            query = (f"SELECT kept.upload_id, {columns} FROM {table.name} AS kept "
                     "WHERE kept.upload_id = ANY(%s)")
            params: list = [keeping]
            if covered:
                query += (" AND NOT EXISTS (SELECT FROM unnest(%s::bigint[], %s::timestamp[], "
                          "%s::timestamp[]) AS newer (upload_id, first_day, last_day) WHERE "
                          'newer.upload_id = kept.upload_id AND (kept."on" IS NULL OR '
                          "date_trunc('day', kept.\"on\") BETWEEN newer.first_day AND "
                          "newer.last_day))")
                params += [list(column) for column in zip(*covered, strict=True)]
            return schema.from_arrow(_copied(connection, query + " ORDER BY kept.rowid", params,
                                             schema.arrow_types(table)))

    def _first_seen(self, upload_ids: list[int], latest: int, status_only: list[str]
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        # A few sightings, not every lead's: the history dates only undated milestones, each
        # found through the index by lead and stage (and a status-only sheet's leads, whole).
        undated = "SELECT lead_id, stage FROM milestones WHERE upload_id = %s AND reached_on IS NULL"
        wanted = f"(m.lead_id, m.stage) IN ({undated})"
        params: list = [upload_ids, latest]
        if status_only:
            wanted = (f"({wanted} OR m.lead_id IN (SELECT lead_id FROM milestones WHERE "
                      "upload_id = %s AND source_sheet = ANY(%s)))")
            params += [latest, status_only]
        seen = self._listing(
            "SELECT m.lead_id, m.stage, min(u.as_of) AS first_seen FROM milestones m JOIN uploads "
            f"u USING (upload_id) WHERE m.upload_id = ANY(%s) AND {wanted} GROUP BY 1, 2 "
            'ORDER BY m.lead_id COLLATE "C", m.stage COLLATE "C"', params, schema.SEEN)
        leads = ("(SELECT lead_id FROM milestones WHERE upload_id = %s AND "
                 "(reached_on IS NULL OR source_sheet = ANY(%s)))")
        lead_seen = self._listing(
            "SELECT l.lead_id, min(u.as_of) AS lead_seen FROM leads l JOIN uploads u "
            f"USING (upload_id) WHERE l.upload_id = ANY(%s) AND l.lead_id IN {leads} "
            'GROUP BY 1 ORDER BY l.lead_id COLLATE "C"', [upload_ids, latest, status_only],
            schema.LEAD_SEEN)
        return seen, lead_seen


# The Arrow type a listing's column is read as, by the dtype it is given.
_ARROW = {"int64": pa.int64(), "Int64": pa.int64(), "str": pa.string(),
          "datetime64[us]": pa.timestamp("us")}
_WHOLE = {pa.int64(): pd.Int64Dtype()}  # whole numbers stay whole where some are missing


def release(url: str) -> None:
    """Close this process's idle connections to a database and forget them."""
    with _REGISTRY_LOCK:
        pool = _POOLS.pop(url, None)
    if pool is not None:
        pool.close()


def idle_connections(url: str) -> int:
    """Return how many connections to a database this process keeps open between calls."""
    with _REGISTRY_LOCK:
        pool = _POOLS.get(url)
        return len(pool.idle) if pool else 0


def shown_url(url: str) -> str:
    """Return a database's URL as it may be shown to people: without its password."""
    parts = urlsplit(url)
    user, at, host = parts.netloc.rpartition("@")
    netloc = f"{user.partition(':')[0]}@{host}" if at else host
    query = urlencode([(key, value) for key, value in parse_qsl(parts.query)
                       if key.lower() != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _connect(url: str) -> psycopg.Connection:
    """Return a new connection to the database, in autocommit (a write is a transaction block)."""
    given = psycopg.conninfo.conninfo_to_dict(url)
    more = {} if "connect_timeout" in given else {"connect_timeout": CONNECT_SECONDS}
    connection = psycopg.connect(url, autocommit=True, client_encoding="utf8",
                                 application_name="recruit-dash", **more)
    try:
        connection.execute(SESSION)
    except BaseException:
        connection.close()
        raise
    return connection


def _count_if_grown(connection: psycopg.Connection, written: dict[str, int]) -> None:
    """Have the planner count the tables an import grew by more than GROWN of what it last
    counted (or that it never counted), now rather than when autovacuum next looks: a table it
    takes for empty gets plans that take seconds once it holds a few thousand rows. Counting a
    large table is slow, and a small share of new rows changes no plan, so the rest wait."""
    counted = dict(connection.execute(
        "SELECT name, c.reltuples FROM unnest(%s::text[]) AS t (name) "
        "JOIN pg_class c ON c.oid = to_regclass(t.name)", [list(written)]).fetchall())
    grown = [name for name, rows in written.items() if rows > GROWN * counted.get(name, -1)]
    if grown:
        connection.execute(f"ANALYZE {', '.join(grown)}")


def _schema_version(connection: psycopg.Connection) -> int | None:
    """Return the database's schema version, or None when it holds no history."""
    if connection.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
        return None
    return connection.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def _copy_in(cursor: psycopg.Cursor, name: str, upload_id: int, frame: pd.DataFrame) -> None:
    """Copy one upload's rows of a table in, as CSV written column by column by Arrow."""
    rows = pa.Table.from_pandas(frame, preserve_index=False)
    for index, column in enumerate(rows.schema):
        if pa.types.is_timestamp(column.type):  # PostgreSQL keeps microseconds
            rows = rows.set_column(index, column.name,
                                   rows.column(index).cast(pa.timestamp("us"), safe=False))
    rows = rows.add_column(0, "upload_id", pa.repeat(pa.scalar(upload_id, pa.int64()), len(rows)))
    text = io.BytesIO()
    csv.write_csv(rows, text, csv.WriteOptions(include_header=False))  # text always quoted
    columns = ", ".join(f'"{column}"' for column in rows.column_names)
    with cursor.copy(f"COPY {name} ({columns}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(text.getbuffer())


def _copied(connection: psycopg.Connection, query: str, params: list,
            types: dict[str, pa.DataType]) -> pa.Table:
    """Return a query's rows copied out as CSV and read by Arrow, column by column, with the
    given types: a quoted empty field is empty text, an unquoted one is missing."""
    data = io.BytesIO()
    with connection.cursor().copy(f"COPY ({query}) TO STDOUT (FORMAT csv)", params) as copy:
        for block in copy:
            data.write(block)
    if not data.tell():
        return pa.table({name: pa.array([], type=kind) for name, kind in types.items()})
    return csv.read_csv(
        pa.py_buffer(data.getbuffer()), read_options=csv.ReadOptions(column_names=list(types)),
        parse_options=csv.ParseOptions(newlines_in_values=True),
        convert_options=csv.ConvertOptions(
            column_types=types, null_values=[""], true_values=["t"], false_values=["f"],
            strings_can_be_null=True, quoted_strings_can_be_null=False))


def _words(error: psycopg.Error, shown: str, *, connecting: bool = False, lost: bool = False,
           waited: float = 0.0) -> str:
    """Return a PostgreSQL error in words: a server out of reach, a lost connection, another
    import that kept its turn too long, or else the server's own first line."""
    said = (str(error).strip().splitlines() or [type(error).__name__])[0]
    said = said.removeprefix("connection failed: ").rstrip(".")
    if connecting:
        return (f"The history database {shown} cannot be reached ({said}). Check that its "
                "PostgreSQL server is running and that the address in --db or RECRUIT_DASH_DB "
                "is right.")
    if isinstance(error, psycopg.errors.LockNotAvailable):
        return (f"The history {shown} is busy with another import (from the app, or from the "
                f"command line) and was still busy after {waited:g} seconds. Try again when it "
                "has finished.")
    if lost:
        return (f"The connection to the history database {shown} was lost ({said}); nothing "
                "half done was kept. Try again: the next try connects afresh.")
    return f"The history {shown} could not be used: {said}."
