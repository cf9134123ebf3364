"""The upload history: every import kept in one embedded DuckDB file.

Rules, also shown on the Data page:
- One import is one transaction: the upload's file name, SHA-256, as-of date, the mapping profile
  used, its sheets, and every accepted and quarantined row. A crash mid-import leaves the store
  as it was. Without an as-of date an upload is dated by its data's last day, so back-filled
  weekly files make weeks of history.
- The same bytes imported again change nothing ("already imported on …").
- Uploads whose used sheets have the same names and roles are one *tracker* (a CSV file: the
  same headers and role, whatever the week's file is called). A later upload of a
  tracker in the same week (Monday to Sunday of its as-of date) is a corrected version: it is
  kept, and the earlier one stays, marked superseded.
- The history's model, as of a day: for each tracker, leads, milestones, placements, check-ins
  and cell issues from its latest upload up to that day (a tracker is a snapshot); activities and
  feedback from every upload, a newer upload's rows replacing older ones for the dates it covers
  (so a cumulative KPI sheet counts once and weekly exports add up).
- A milestone without a date is dated by the history (marked *inferred*, the upload's as-of date
  its upper bound) when its sheet has only a status column, or when a later upload first shows
  the lead at that stage.
- Streamlit sessions are threads of one process: they share one DuckDB connection per file, each
  thread with its own cursor, and imports and deletions take turns through one lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from recruit_dash import clock
from recruit_dash.ingest.combine import combine
from recruit_dash.ingest.names import with_names_merged
from recruit_dash.ingest.pipeline import ingest_file
from recruit_dash.ingest.profiles import ProfileError, profile_from_json
from recruit_dash.ingest.results import FileReport
from recruit_dash.metrics.funnel import progress
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.model import (
    ACTIVITIES,
    CHECKINS,
    FEEDBACK,
    ISSUES,
    LEADS,
    MILESTONES,
    PLACEMENTS,
    STAGE_IDS,
    Model,
    Table,
    conform,
    json_value,
    lookup,
)
from recruit_dash.periods import to_date

DB_ENV = "RECRUIT_DASH_DB"
SNAPSHOT_TABLES: tuple[Table, ...] = (LEADS, MILESTONES, PLACEMENTS, CHECKINS, ISSUES)
EVENT_TABLES: tuple[Table, ...] = (ACTIVITIES, FEEDBACK)

# Each migration is frozen once released: a store made by any version opens in every later one.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (1, """
CREATE SEQUENCE upload_ids START 1;
CREATE TABLE uploads (
    upload_id BIGINT PRIMARY KEY, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
    as_of DATE NOT NULL, imported_at TIMESTAMP NOT NULL, tracker VARCHAR NOT NULL,
    profile VARCHAR, sheets VARCHAR NOT NULL, superseded_by BIGINT,
    rows_accepted BIGINT, rows_quarantined BIGINT, rows_blank BIGINT);
CREATE TABLE leads (upload_id BIGINT NOT NULL, lead_id VARCHAR, created_on TIMESTAMP,
    consultant VARCHAR, client VARCHAR, contact VARCHAR, candidate VARCHAR, role VARCHAR,
    source VARCHAR, status VARCHAR, outcome VARCHAR, next_action_on TIMESTAMP, fee DOUBLE,
    notes VARCHAR, source_file VARCHAR, source_sheet VARCHAR, source_row BIGINT);
CREATE TABLE milestones (upload_id BIGINT NOT NULL, lead_id VARCHAR, stage VARCHAR,
    reached_on TIMESTAMP, source_file VARCHAR, source_sheet VARCHAR, source_row BIGINT);
CREATE TABLE activities (upload_id BIGINT NOT NULL, consultant VARCHAR, "on" TIMESTAMP,
    kind VARCHAR, count DOUBLE, lead_id VARCHAR, client VARCHAR, source_file VARCHAR,
    source_sheet VARCHAR, source_row BIGINT);
CREATE TABLE placements (upload_id BIGINT NOT NULL, placement_id VARCHAR, lead_id VARCHAR,
    candidate VARCHAR, client VARCHAR, consultant VARCHAR, start_on TIMESTAMP,
    probation_end_on TIMESTAMP, fee DOUBLE, source_file VARCHAR, source_sheet VARCHAR,
    source_row BIGINT);
CREATE TABLE checkins (upload_id BIGINT NOT NULL, placement_id VARCHAR, checkpoint VARCHAR,
    due_on TIMESTAMP, done_on TIMESTAMP, source_file VARCHAR, source_sheet VARCHAR,
    source_row BIGINT);
CREATE TABLE feedback (upload_id BIGINT NOT NULL, client VARCHAR, consultant VARCHAR,
    "on" TIMESTAMP, score DOUBLE, referral BOOLEAN, testimonial BOOLEAN, source_file VARCHAR,
    source_sheet VARCHAR, source_row BIGINT);
CREATE TABLE issues (upload_id BIGINT NOT NULL, file VARCHAR, sheet VARCHAR, "row" BIGINT,
    "column" VARCHAR, value VARCHAR, problem VARCHAR);
CREATE TABLE quarantine (upload_id BIGINT NOT NULL, sheet VARCHAR, "row" BIGINT,
    reason VARCHAR, cells VARCHAR);
"""),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
STORED_COLUMNS: dict[str, tuple[str, ...]] = {
    table.name: tuple(column for column in table.all_columns if column != "inferred")
    for table in (*SNAPSHOT_TABLES, *EVENT_TABLES)
}


def default_path() -> Path:
    """Return the store's path: $RECRUIT_DASH_DB, else the user's data directory."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "recruit-dash" / "history.duckdb"


class StoreError(Exception):
    """A problem with the history store, in words a team lead understands."""


@dataclass(frozen=True)
class ImportResult:
    """What one import did."""

    status: str  # "imported", "already", "failed"
    message: str
    upload_id: int | None = None
    superseded: tuple[int, ...] = ()


_ROOTS: dict[str, duckdb.DuckDBPyConnection] = {}
_CURSORS: dict[str, list[duckdb.DuckDBPyConnection]] = {}
_LOCALS: dict[str, threading.local] = {}
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_REGISTRY_LOCK = threading.Lock()


class Store:
    """One history file, shared by every session (thread) of this process."""

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

    # Imports -------------------------------------------------------------------------------

    def import_file(self, name: str, data: bytes, as_of: date | None = None,
                    profile: str | None = None,
                    read_file: Callable[[str, bytes], tuple[FileReport, dict]] = ingest_file,
                    ) -> ImportResult:
        """Import one file as one upload, dated `as_of` or else by its data's last day; the same
        bytes again change nothing."""
        digest = hashlib.sha256(data).hexdigest()
        earlier = self._cursor().execute(
            "SELECT upload_id, imported_at, as_of FROM uploads WHERE sha256 = ?", [digest]).fetchone()
        if earlier:
            return ImportResult("already", f"{Path(name).name} was already imported on "
                                f"{earlier[1]:%d %b %Y} (upload {earlier[0]}, as of "
                                f"{earlier[2]:%d %b %Y}); nothing changed.", int(earlier[0]))
        report, tables = read_file(name, data)
        if not report.ok:
            return ImportResult("failed", f"{Path(name).name}: {report.error}")
        return self._write(report, tables, digest, as_of or upload_as_of(tables), profile)

    def _write(self, report: FileReport, tables: dict[str, pd.DataFrame], digest: str,
               as_of: date, profile: str | None) -> ImportResult:
        tracker = _tracker(report)
        sheets = json.dumps([{"name": sheet.name, "role": sheet.role, "shape": sheet.shape,
                              "rows_read": sheet.rows_read, "rows_accepted": sheet.rows_accepted,
                              "rows_quarantined": sheet.rows_quarantined,
                              "rows_blank": sheet.rows_blank} for sheet in report.sheets])
        with self._lock:
            cursor = self._cursor()
            cursor.execute("BEGIN TRANSACTION")
            try:
                again = cursor.execute("SELECT upload_id FROM uploads WHERE sha256 = ?",
                                       [digest]).fetchone()
                if again:  # another session imported the same bytes a moment ago
                    cursor.execute("ROLLBACK")
                    return ImportResult("already", f"{report.path} was already imported "
                                        f"(upload {again[0]}); nothing changed.", int(again[0]))
                upload_id = int(cursor.execute("SELECT nextval('upload_ids')").fetchone()[0])
                cursor.execute(
                    "INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                    [upload_id, Path(report.path).name, digest, as_of, datetime.now(), tracker,
                     profile, sheets, sum(sheet.rows_accepted for sheet in report.sheets),
                     sum(sheet.rows_quarantined for sheet in report.sheets),
                     sum(sheet.rows_blank for sheet in report.sheets)])
                self._insert_rows(cursor, upload_id, report, tables)
                week = _week_start(as_of)
                superseded = [int(row[0]) for row in cursor.execute(
                    "SELECT upload_id FROM uploads WHERE tracker = ? AND superseded_by IS NULL "
                    "AND upload_id <> ? AND as_of BETWEEN ? AND ?",
                    [tracker, upload_id, week, week + pd.Timedelta(days=6)]).fetchall()]
                if superseded:
                    cursor.execute("UPDATE uploads SET superseded_by = ? WHERE upload_id IN "
                                   f"({', '.join('?' * len(superseded))})",
                                   [upload_id, *superseded])
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
        words = f"{Path(report.path).name} imported as upload {upload_id}, as of {as_of:%d %b %Y}."
        if superseded:
            words += (f" It replaces upload{'s' if len(superseded) > 1 else ''} "
                      f"{', '.join(map(str, superseded))} of the same week, kept as superseded.")
        return ImportResult("imported", words, upload_id, tuple(superseded))

    def _insert_rows(self, cursor: duckdb.DuckDBPyConnection, upload_id: int,
                     report: FileReport, tables: dict[str, pd.DataFrame]) -> None:
        """Insert every accepted row and every quarantined row of one upload."""
        for table in (*SNAPSHOT_TABLES, *EVENT_TABLES):
            frame = tables.get(table.name)
            if frame is None or not len(frame):
                continue
            columns = STORED_COLUMNS[table.name]
            rows = conform(frame, table)[list(columns)]
            cursor.register("incoming", rows)
            quoted = ", ".join(f'"{column}"' for column in columns)
            cursor.execute(f"INSERT INTO {table.name} (upload_id, {quoted}) "
                           f"SELECT {upload_id}, {quoted} FROM incoming")
            cursor.unregister("incoming")
        for sheet in report.sheets:
            held = sheet.quarantined
            if not len(held):
                continue
            cells = [json.dumps({key: None if pd.isna(value) else str(value)
                                 for key, value in row.items() if key not in ("Row", "Reason")},
                                ensure_ascii=False) for row in held.to_dict("records")]
            frame = pd.DataFrame({"sheet": sheet.name,
                                  "row": pd.array(held.get("Row", pd.Series(pd.NA, index=held.index)),
                                                  dtype="Int64"),
                                  "reason": held.get("Reason", pd.Series("", index=held.index))
                                  .astype(str).to_numpy(), "cells": cells})
            cursor.register("incoming", frame)
            cursor.execute('INSERT INTO quarantine SELECT ?, sheet, "row", reason, cells '
                           "FROM incoming", [upload_id])
            cursor.unregister("incoming")

    def delete(self, upload_id: int) -> bool:
        """Delete one upload and its rows, nothing else; return whether it existed. An upload it
        had superseded becomes current again."""
        with self._lock:
            cursor = self._cursor()
            cursor.execute("BEGIN TRANSACTION")
            try:
                found = cursor.execute("SELECT superseded_by FROM uploads WHERE upload_id = ?",
                                       [upload_id]).fetchone()
                if found:
                    for name in (*STORED_COLUMNS, "quarantine"):
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
        """Return every upload, oldest first."""
        return self._cursor().execute(
            "SELECT upload_id, file_name, as_of, imported_at, sha256, tracker, profile, "
            "superseded_by, rows_accepted, rows_quarantined, rows_blank, sheets "
            "FROM uploads ORDER BY as_of, upload_id").df()

    def quarantined(self, upload_id: int) -> pd.DataFrame:
        """Return an upload's quarantined rows: sheet, row, reason and the row's cells."""
        return self._cursor().execute(
            'SELECT sheet, "row", reason, cells FROM quarantine WHERE upload_id = ? '
            'ORDER BY sheet, "row"', [upload_id]).df()

    def _table(self, table: Table, upload_ids: list[int]) -> pd.DataFrame:
        if not upload_ids:
            return table.empty().assign(upload_id=pd.Series(dtype="int64"))
        quoted = ", ".join(f'"{column}"' for column in STORED_COLUMNS[table.name])
        marks = ", ".join("?" * len(upload_ids))
        frame = self._cursor().execute(
            f"SELECT upload_id, {quoted} FROM {table.name} WHERE upload_id IN ({marks})",
            upload_ids).df()
        rows = conform(frame, table)
        # Dates are days: rows saved by an older version may still hold a time of day.
        days = {column: rows[column].dt.normalize() for column in table.dates}
        return rows.assign(**days, upload_id=frame["upload_id"].to_numpy())

    def current(self, as_of: date | None = None) -> pd.DataFrame:
        """Return the uploads that are current (not superseded), as of a day: every row of the
        uploads table whose as-of date is not after the day."""
        uploads = self.uploads()
        if as_of is None:
            return uploads[uploads["superseded_by"].isna()].reset_index(drop=True)
        day = to_date(as_of)
        dates = pd.to_datetime(uploads["as_of"])
        replaced_on = lookup(uploads["superseded_by"], dates.set_axis(uploads["upload_id"]))
        # On a past day, an upload counts unless what replaced it had already come by then.
        current = (dates <= day) & (uploads["superseded_by"].isna() | (replaced_on > day))
        return uploads[current].reset_index(drop=True)

    def model(self, as_of: date | None = None) -> Model:
        """Return the history's pipeline model as of a day (default: the latest upload)."""
        uploads = self.current(as_of)
        parts = []
        for _, group in uploads.groupby("tracker", sort=False):
            parts.append(self._tracker_tables(group.sort_values(["as_of", "upload_id"])))
        return with_names_merged(combine(parts), _accepted_merges(uploads))

    def upload_model(self, upload_id: int) -> Model:
        """Return one upload's own model (its snapshot, with history-inferred dates)."""
        uploads = self.uploads()
        row = uploads[uploads["upload_id"] == upload_id]
        if row.empty:
            raise StoreError(f"There is no upload {upload_id} in the history.")
        tracker = row["tracker"].iloc[0]
        family = uploads[(uploads["tracker"] == tracker) & uploads["superseded_by"].isna()
                         & (uploads["as_of"] <= row["as_of"].iloc[0])]
        family = pd.concat([family[family["upload_id"] != upload_id], row])
        return combine([self._tracker_tables(family.sort_values(["as_of", "upload_id"]),
                                             latest=upload_id)])

    def _tracker_tables(self, family: pd.DataFrame, latest: int | None = None
                        ) -> dict[str, pd.DataFrame]:
        """Return one tracker's tables from its uploads (oldest first)."""
        latest = latest if latest is not None else int(family["upload_id"].iloc[-1])
        tables = {table.name: self._table(table, [latest]).drop(columns="upload_id")
                  for table in SNAPSHOT_TABLES}
        tables["milestones"] = self._inferred(tables["milestones"], family, latest)
        ids = [int(value) for value in family["upload_id"]]
        for table in EVENT_TABLES:
            tables[table.name] = _covered(self._table(table, ids), ids)
        return tables

    def _inferred(self, milestones: pd.DataFrame, family: pd.DataFrame, latest: int) -> pd.DataFrame:
        """Return the latest upload's milestones, undated ones dated by the history; a lead of a
        status-only sheet also gets the earlier stages the history saw it at."""
        ids = [int(value) for value in family["upload_id"]]
        marks = ", ".join("?" * len(ids))
        seen = self._cursor().execute(
            f"SELECT m.lead_id, m.stage, min(u.as_of) AS first_seen FROM milestones m "
            f"JOIN uploads u USING (upload_id) WHERE m.upload_id IN ({marks}) GROUP BY 1, 2",
            ids).df()
        lead_seen = self._cursor().execute(
            f"SELECT l.lead_id, min(u.as_of) AS lead_seen FROM leads l "
            f"JOIN uploads u USING (upload_id) WHERE l.upload_id IN ({marks}) GROUP BY 1", ids).df()
        status_only = _status_only_sheets(family[family["upload_id"] == latest]["sheets"].iloc[0])
        milestones = pd.concat([milestones, self._earlier_stages(milestones, seen, status_only)],
                               ignore_index=True)
        undated = milestones["reached_on"].isna()
        keyed = milestones.merge(seen, on=["lead_id", "stage"], how="left") \
            .merge(lead_seen, on="lead_id", how="left")
        first = pd.to_datetime(keyed["first_seen"])
        later = first > pd.to_datetime(keyed["lead_seen"])
        from_status = keyed["source_sheet"].isin(status_only).to_numpy()
        infer = undated.to_numpy() & first.notna().to_numpy() & (later.to_numpy() | from_status)
        dated = milestones.copy()
        dated.loc[infer, "reached_on"] = first[infer].to_numpy()
        dated["inferred"] = pd.array(infer, dtype="boolean")
        return conform(dated, MILESTONES)

    @staticmethod
    def _earlier_stages(milestones: pd.DataFrame, seen: pd.DataFrame,
                        status_only: list[str]) -> pd.DataFrame:
        """Return, for leads of a status-only sheet, the stages earlier uploads saw them at below
        the one they stand at now (a status column only ever shows the latest stage)."""
        current = milestones[milestones["source_sheet"].isin(status_only)]
        if current.empty or seen.empty:
            return MILESTONES.empty()
        order = {stage: index for index, stage in enumerate(STAGE_IDS)}
        now = current.assign(rank=current["stage"].map(order)).groupby("lead_id")["rank"].max()
        earlier = seen[seen["lead_id"].isin(now.index)]
        earlier = earlier[earlier["stage"].map(order) < earlier["lead_id"].map(now)]
        known = set(zip(milestones["lead_id"], milestones["stage"], strict=True))
        new = np.array([(lead, stage) not in known for lead, stage in
                        zip(earlier["lead_id"], earlier["stage"], strict=True)], dtype=bool)
        earlier = earlier[new]
        source = current.drop_duplicates("lead_id").set_index("lead_id")
        return conform(pd.DataFrame({
            "lead_id": earlier["lead_id"], "stage": earlier["stage"], "reached_on": pd.NaT,
            "source_file": earlier["lead_id"].map(source["source_file"]),
            "source_sheet": earlier["lead_id"].map(source["source_sheet"]),
            "source_row": earlier["lead_id"].map(source["source_row"])}), MILESTONES)

    # What moved ------------------------------------------------------------------------------

    def changes(self, from_upload: int | None = None, to_upload: int | None = None) -> dict:
        """Return what moved between two uploads (default: the latest and the one before it of
        the same tracker): new, progressed, outcome changed, disappeared, next actions slipped."""
        uploads = self.current()
        if to_upload is None:
            if uploads.empty:
                raise StoreError("The history has no uploads yet.")
            to_upload = int(uploads["upload_id"].iloc[-1])
        everything = self.uploads()
        target = everything[everything["upload_id"] == to_upload]
        if target.empty:
            raise StoreError(f"There is no upload {to_upload} in the history.")
        if from_upload is None:
            before = uploads[(uploads["tracker"] == target["tracker"].iloc[0])
                             & (uploads["upload_id"] != to_upload)
                             & (uploads["as_of"] <= target["as_of"].iloc[0])]
            if before.empty:
                raise StoreError("There is no earlier upload of this tracker to compare with.")
            from_upload = int(before["upload_id"].iloc[-1])
        source = everything[everything["upload_id"] == from_upload]
        if source.empty:
            raise StoreError(f"There is no upload {from_upload} in the history.")
        old_day, new_day = source["as_of"].iloc[0], target["as_of"].iloc[0]
        old = _standing(self.upload_model(from_upload), old_day)
        new = _standing(self.upload_model(to_upload), new_day)
        return {"from_upload": from_upload, "to_upload": to_upload,
                "from_as_of": json_value(old_day), "to_as_of": json_value(new_day), **_moved(old, new)}


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
    if current > SCHEMA_VERSION:
        raise StoreError(f"This history was written by a newer recruit-dash (schema {current}); "
                         "update the app to open it.")
    for version, script in MIGRATIONS:
        if version <= current:
            continue
        connection.execute("BEGIN TRANSACTION")
        try:
            for statement in filter(str.strip, script.split(";")):
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


def _tracker(report: FileReport) -> str:
    """Return the tracker an upload belongs to: the names and roles of the sheets it used."""
    csv = Path(report.path).suffix.lower() == ".csv"  # its one sheet is named after the file
    used = sorted((_headers_key(sheet) if csv else sheet.name.strip().lower(), sheet.role)
                  for sheet in report.sheets if sheet.role != "ignored")
    return json.dumps(used or [[Path(report.path).stem.lower(), "none"]])


def versions_of_one_tracker(reports: list[FileReport]) -> list[list[str]]:
    """Return groups of files read together that are versions of one tracker (the same sheets
    and roles): read together they count last week's rows again, so they belong in the history."""
    groups: dict[str, list[str]] = {}
    for report in reports:
        if report.ok and report.sheets:
            groups.setdefault(_tracker(report), []).append(report.path)
    return [paths for paths in groups.values() if len(paths) > 1]


def _headers_key(sheet) -> str:
    """Return a CSV sheet's identity: its headers, whatever the week's file is called."""
    headers = sheet.shape_headers or [column.source for column in sheet.columns]
    return "csv:" + "|".join(sorted(str(header).strip().lower() for header in headers))


def _accepted_merges(uploads: pd.DataFrame) -> tuple:
    """Return the name merges accepted in the mapping profiles the uploads were read with (a
    newer upload's profile first); a profile that cannot be read is passed over."""
    merges = {}
    for text in uploads.sort_values("as_of", ascending=False)["profile"].dropna():
        try:
            profile = profile_from_json(text)
        except ProfileError:
            continue
        for merge in profile.merges:
            merges.setdefault((merge.field, tuple(merge.names)), merge)
    return tuple(merges.values())


def upload_as_of(tables: dict[str, pd.DataFrame], today: date | None = None) -> date:
    """Return the day one file's upload is dated by when none is given: its data's last day
    (so back-filled weekly files make weeks of history, not versions of one week)."""
    return data_as_of(combine([tables]), today or clock.today())


def _week_start(day: date) -> date:
    return day - pd.Timedelta(days=day.weekday())


def _status_only_sheets(sheets: str) -> list[str]:
    return [sheet["name"] for sheet in json.loads(sheets) if sheet.get("shape") == "status-only"]


def _covered(frame: pd.DataFrame, ids: list[int]) -> pd.DataFrame:
    """Return event rows where each newer upload replaces older ones for the dates it covers."""
    if frame.empty:
        return frame.drop(columns="upload_id")
    keep = np.zeros(len(frame), dtype=bool)
    spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for upload_id in reversed(ids):  # newest first
        mine = (frame["upload_id"] == upload_id).to_numpy()
        if not mine.any():
            continue
        dates = frame.loc[mine, "on"]
        covered = np.zeros(mine.sum(), dtype=bool)
        for start, end in spans:
            covered |= ((dates >= start) & (dates <= end)).to_numpy()
        if spans:
            covered |= dates.isna().to_numpy()
        keep[np.flatnonzero(mine)[~covered]] = True
        if dates.notna().any():
            spans.append((dates.min(), dates.max()))
    return frame[keep].drop(columns="upload_id").reset_index(drop=True)


def _standing(model: Model, day) -> pd.DataFrame:
    """Return each lead's furthest stage, outcome and next action on a day."""
    standing = progress(model, pd.Timestamp(day).date())
    leads = standing.leads.drop_duplicates("lead_id").set_index("lead_id")
    stages = np.array((*STAGE_IDS, None), dtype=object)[leads["furthest"].to_numpy()]
    source = model.leads.drop_duplicates("lead_id").set_index("lead_id")
    return pd.DataFrame({"consultant": leads["consultant"], "client": leads["client"],
                         "stage": stages, "outcome": leads["outcome"],
                         "next_action_on": source["next_action_on"].reindex(leads.index)},
                        index=leads.index)


def _moved(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    """Return the leads that moved between two standings, as JSON-ready lists."""
    both = old.add_suffix("_from").join(new.add_suffix("_to"), how="inner")
    order = {stage: index for index, stage in enumerate(STAGE_IDS)}
    rank_from = both["stage_from"].map(order).fillna(-1)
    rank_to = both["stage_to"].map(order).fillna(-1)
    progressed = both[rank_to > rank_from]
    # A lead not generated yet on either day has no outcome on both: that is no change.
    outcome = both[both["outcome_from"].fillna("") != both["outcome_to"].fillna("")]
    slipped = both[(both["next_action_on_to"] > both["next_action_on_from"])]

    def rows(frame: pd.DataFrame, fields: dict[str, str]) -> list[dict]:
        return [{"lead_id": lead_id, **{key: json_value(row[column]) for key, column in fields.items()}}
                for lead_id, row in frame.iterrows()]

    return {
        "new": rows(new[~new.index.isin(old.index)], {"consultant": "consultant", "client": "client",
                                                       "stage": "stage", "outcome": "outcome"}),
        "progressed": rows(progressed, {"consultant": "consultant_to", "client": "client_to",
                                        "from_stage": "stage_from", "to_stage": "stage_to"}),
        "outcome_changed": rows(outcome, {"consultant": "consultant_to", "client": "client_to",
                                          "from_outcome": "outcome_from",
                                          "to_outcome": "outcome_to"}),
        "disappeared": rows(old[~old.index.isin(new.index)], {
            "consultant": "consultant", "client": "client", "stage": "stage",
            "outcome": "outcome"}),
        "next_action_slipped": rows(slipped, {"consultant": "consultant_to",
                                              "client": "client_to",
                                              "from_next_action": "next_action_on_from",
                                              "to_next_action": "next_action_on_to"}),
    }
