"""What an upload history offers, whatever its database: the interface, its results and rules."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from recruit_dash import clock
from recruit_dash.history import changes, schema, snapshots
from recruit_dash.ingest.combine import combine
from recruit_dash.ingest.names import with_names_merged
from recruit_dash.ingest.pipeline import ingest_file
from recruit_dash.ingest.results import FileReport
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.model import Model, Table, json_value, lookup
from recruit_dash.periods import to_date

DB_ENV = "RECRUIT_DASH_DB"
URL_SCHEMES = ("postgresql://", "postgres://")  # a history in a PostgreSQL database
LOCAL_USER = "local user"  # who does what where nobody signs in: the single-user default
WAIT_ENV = "RECRUIT_DASH_DB_WAIT_SECONDS"
WAIT_SECONDS = 30.0  # another process's import of a weekly file takes a few seconds


def default_path() -> Path | str:
    """Return where the store is: $RECRUIT_DASH_DB (a file's path, or a PostgreSQL URL kept as
    text, since a path would fold its '//'), else a file in the user's data directory."""
    where = os.environ.get(DB_ENV)
    if where:
        return where if is_url(where) else Path(where).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "recruit-dash" / "history.duckdb"


def is_url(where: str | Path | None) -> bool:
    """Return whether a store's place is a PostgreSQL database's URL rather than a file."""
    return isinstance(where, str) and where.strip().lower().startswith(URL_SCHEMES)


def open_store(where: str | Path | None = None, *, must_exist: bool = False,
               wait_seconds: float | None = None) -> Store:
    """Open the history at a place (default: `default_path()`): a PostgreSQL URL
    (postgresql:// or postgres://) is a database that several processes share; any other place
    is a DuckDB file.

    With `must_exist` (to read a history, not to import into one) a history that is not there
    is an error, and nothing is made. While another process imports, an import waits for it
    up to `wait_seconds` (default: $RECRUIT_DASH_DB_WAIT_SECONDS, else 30 seconds)."""
    where = where or default_path()
    if is_url(where):
        from recruit_dash.history.postgres_store import PostgresStore  # the backends, chosen here only

        return PostgresStore(str(where).strip(), wait_seconds, must_exist=must_exist)
    from recruit_dash.history.duckdb_store import DuckDBStore

    path = Path(where)
    if str(path).lower().startswith(tuple(scheme.rstrip("/") for scheme in URL_SCHEMES)):
        raise StoreError(f"{where} looks like a PostgreSQL address with a '/' missing; give it "
                         "whole, like postgresql://user@host:5432/database.")
    if must_exist and not path.exists():
        raise StoreError(f"There is no upload history at {path}. Check the --db path, or import "
                         f"a file first with `python -m recruit_dash import FILE --db {path}`.")
    return DuckDBStore(path, wait_seconds)


def wait_seconds(given: float | None = None) -> float:
    """Return how long an import waits for another process's: as given, else
    $RECRUIT_DASH_DB_WAIT_SECONDS, else 30 seconds."""
    if given is not None:
        return max(0.0, given)
    with contextlib.suppress(KeyError, ValueError):
        return max(0.0, float(os.environ[WAIT_ENV]))
    return WAIT_SECONDS


class StoreError(Exception):
    """A problem with the history store, in words a team lead understands."""


@dataclass(frozen=True)
class ImportResult:
    """What one import did."""

    status: str  # "imported", "already", "failed"
    message: str
    upload_id: int | None = None
    superseded: tuple[int, ...] = ()


@dataclass(frozen=True)
class NewUpload:
    """One upload's row in the uploads table, before the backend gives it an id."""

    file_name: str
    sha256: str
    as_of: date
    tracker: str
    profile: str | None
    sheets: str  # JSON: each sheet's name, role, shape and row counts
    rows_accepted: int
    rows_quarantined: int
    rows_blank: int
    imported_by: str = LOCAL_USER

    @classmethod
    def of(cls, report: FileReport, digest: str, as_of: date, profile: str | None,
           imported_by: str = LOCAL_USER) -> NewUpload:
        sheets = json.dumps([{"name": sheet.name, "role": sheet.role, "shape": sheet.shape,
                              "rows_read": sheet.rows_read, "rows_accepted": sheet.rows_accepted,
                              "rows_quarantined": sheet.rows_quarantined,
                              "rows_blank": sheet.rows_blank} for sheet in report.sheets])
        return cls(Path(report.path).name, digest, as_of, _tracker(report), profile, sheets,
                   sum(sheet.rows_accepted for sheet in report.sheets),
                   sum(sheet.rows_quarantined for sheet in report.sheets),
                   sum(sheet.rows_blank for sheet in report.sheets), imported_by)

    def week(self) -> tuple[date, date]:
        """Return the Monday and Sunday of its as-of date: a later upload of its tracker dated
        between them is a corrected version of it."""
        start = self.as_of - pd.Timedelta(days=self.as_of.weekday())
        return start, start + pd.Timedelta(days=6)


@dataclass(frozen=True)
class Saved:
    """What a backend's write did: the new upload and what it superseded, or the upload another
    session saved with the same bytes a moment before (`already`)."""

    upload_id: int
    superseded: tuple[int, ...] = ()
    already: bool = False


class Store(ABC):
    """One upload history. Its rules, whatever the database:

    - One import is one transaction: the upload's file name, SHA-256, as-of date, the mapping
      profile used, its sheets, and every accepted and quarantined row. A crash mid-import leaves
      the store as it was. Without an as-of date an upload is dated by its data's last day, so
      back-filled weekly files make weeks of history.
    - The same bytes imported again change nothing ("already imported on …").
    - Uploads whose used sheets have the same names and roles are one *tracker* (a CSV file: the
      same headers and role, whatever the week's file is called). A later upload of a tracker in
      the same week (Monday to Sunday of its as-of date) is a corrected version: it is kept, and
      the earlier one stays, marked superseded.
    - The history's model, as of a day: for each tracker, leads, milestones, placements,
      check-ins and cell issues from its latest upload up to that day (a tracker is a snapshot);
      activities and feedback from every upload, a newer upload's rows replacing older ones for
      the dates it covers (so a cumulative KPI sheet counts once and weekly exports add up).
    - A milestone without a date is dated by the history (marked *inferred*, the upload's as-of
      date its upper bound) when its sheet has only a status column, or when a later upload first
      shows the lead at that stage.

    - Every import and deletion records who did it (`by`; nobody named is the local user) and
      when: `uploads()` says who imported each upload, `audit()` every import and deletion.

    A backend (one module per database) implements the abstract methods; the rest is here."""

    path: Path | str  # a DuckDB file's path, or a PostgreSQL database's URL

    # What a backend implements ---------------------------------------------------------------

    @abstractmethod
    def schema_version(self) -> int:
        """Return the schema version the store is at."""

    @abstractmethod
    def uploads(self) -> pd.DataFrame:
        """Return every upload, oldest first: upload_id, file_name, as_of, imported_at,
        imported_by, sha256, tracker, profile, superseded_by, rows_accepted, rows_quarantined,
        rows_blank, sheets (the dtypes of `schema.UPLOADS`)."""

    @abstractmethod
    def quarantined(self, upload_id: int) -> pd.DataFrame:
        """Return an upload's quarantined rows: sheet, row, reason and the row's cells."""

    @abstractmethod
    def delete(self, upload_id: int, by: str | None = None) -> bool:
        """Delete one upload and its rows, nothing else, and record who deleted it (None: the
        local user) and when; return whether it existed. An upload it had superseded becomes
        current again (or superseded by what had replaced it)."""

    @abstractmethod
    def audit(self) -> pd.DataFrame:
        """Return who did what to the history, newest first: every import (of the uploads there
        and of those deleted since) and every deletion, as done_at, action ("imported" or
        "deleted"), done_by, upload_id and file_name."""

    @abstractmethod
    def _imported(self, digest: str) -> tuple[int, object, date] | None:
        """Return the upload_id, imported_at and as_of of the upload with these bytes, if any."""

    @abstractmethod
    def _save(self, upload: NewUpload, report: FileReport, tables: dict[str, pd.DataFrame]) -> Saved:
        """In one transaction: add the upload, its rows and its quarantined rows, and mark
        superseded the current uploads of its tracker dated in its week."""

    @abstractmethod
    def _select(self, table: Table, upload_ids: list[int]) -> pd.DataFrame:
        """Return the stored rows of some uploads (at least one): upload_id and stored columns."""

    @abstractmethod
    def _kept_events(self, table: Table, upload_ids: list[int]) -> pd.DataFrame:
        """Return the stored rows of an event table that some uploads (at least one, oldest
        first) keep, in stored order: upload_id and stored columns. A row is replaced, and left
        out, when a newer upload's `snapshots.newer_spans` cover its date (or it has none)."""

    @abstractmethod
    def _first_seen(self, upload_ids: list[int], latest: int, status_only: list[str]
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return when these uploads first showed each lead at each stage (lead_id, stage,
        first_seen) and each lead at all (lead_id, lead_seen): the earliest as-of date. Only the
        leads whose milestones the history may date are asked for: those with an undated
        milestone in upload `latest`, or one from its `status_only` sheets; and of their stages
        only the undated ones need be (every stage of a lead on a `status_only` sheet)."""

    # What every backend shares ---------------------------------------------------------------

    def where(self) -> str:
        """Return the history's place as it may be shown to people: a file's path, or a
        database's URL without its password."""
        return str(self.path)

    def import_file(self, name: str, data: bytes, as_of: date | None = None,
                    profile: str | None = None,
                    read_file: Callable[[str, bytes], tuple[FileReport, dict]] = ingest_file,
                    by: str | None = None) -> ImportResult:
        """Import one file as one upload, dated `as_of` or else by its data's last day, recorded
        as imported by `by` (None: the local user); the same bytes again change nothing."""
        digest = hashlib.sha256(data).hexdigest()
        earlier = self._imported(digest)
        if earlier:
            return ImportResult("already", f"{Path(name).name} was already imported on "
                                f"{earlier[1]:%d %b %Y} (upload {earlier[0]}, as of "
                                f"{earlier[2]:%d %b %Y}); nothing changed.", int(earlier[0]))
        report, tables = read_file(name, data)
        if not report.ok:
            return ImportResult("failed", f"{Path(name).name}: {report.error}")
        as_of = as_of or upload_as_of(tables)
        saved = self._save(NewUpload.of(report, digest, as_of, profile, by or LOCAL_USER),
                           report, tables)
        if saved.already:  # another session imported the same bytes a moment ago
            return ImportResult("already", f"{report.path} was already imported "
                                f"(upload {saved.upload_id}); nothing changed.", saved.upload_id)
        superseded = saved.superseded
        words = f"{Path(report.path).name} imported as upload {saved.upload_id}, as of {as_of:%d %b %Y}."
        if superseded:
            words += (f" It replaces upload{'s' if len(superseded) > 1 else ''} "
                      f"{', '.join(map(str, superseded))} of the same week, kept as superseded.")
        return ImportResult("imported", words, saved.upload_id, superseded)

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
        return with_names_merged(combine(parts), snapshots.accepted_merges(uploads))

    def upload_model(self, upload_id: int) -> Model:
        """Return one upload's own model (its snapshot, with history-inferred dates)."""
        return combine([self._tracker_tables(self._family(upload_id), latest=upload_id)])

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
        old = changes.standing(self._standing_model(from_upload, everything), old_day)
        new = changes.standing(self._standing_model(to_upload, everything), new_day)
        return {"from_upload": from_upload, "to_upload": to_upload, "from_as_of": json_value(old_day),
                "to_as_of": json_value(new_day), **changes.moved(old, new)}

    def _standing_model(self, upload_id: int, uploads: pd.DataFrame) -> Model:
        """Return the part of one upload's own model a standing reads: its leads and milestones
        (with history-inferred dates), and no events."""
        family = self._family(upload_id, uploads)
        return combine([self._tracker_tables(family, upload_id, schema.STANDING_TABLES, ())])

    def _family(self, upload_id: int, uploads: pd.DataFrame | None = None) -> pd.DataFrame:
        """Return the uploads one upload's own model is made of, oldest first: the current
        uploads of its tracker up to its day, and itself (even when superseded)."""
        uploads = self.uploads() if uploads is None else uploads
        row = uploads[uploads["upload_id"] == upload_id]
        if row.empty:
            raise StoreError(f"There is no upload {upload_id} in the history.")
        tracker = row["tracker"].iloc[0]
        family = uploads[(uploads["tracker"] == tracker) & uploads["superseded_by"].isna()
                         & (uploads["as_of"] <= row["as_of"].iloc[0])]
        family = pd.concat([family[family["upload_id"] != upload_id], row])
        return family.sort_values(["as_of", "upload_id"])

    def _tracker_tables(self, family: pd.DataFrame, latest: int | None = None,
                        snapshot_tables: tuple[Table, ...] = schema.SNAPSHOT_TABLES,
                        event_tables: tuple[Table, ...] = schema.EVENT_TABLES,
                        ) -> dict[str, pd.DataFrame]:
        """Return one tracker's tables from its uploads (oldest first): the snapshot tables of
        its upload `latest` (default: the newest), the rows of the event tables it keeps."""
        latest = latest if latest is not None else int(family["upload_id"].iloc[-1])
        ids = [int(value) for value in family["upload_id"]]
        status_only = snapshots.status_only_sheets(
            family[family["upload_id"] == latest]["sheets"].iloc[0])
        snapshot = {table.name: self._rows(table, [latest]) for table in snapshot_tables}
        events = {table.name: schema.read_rows(self._kept_events(table, ids), table)
                  for table in event_tables}
        seen = self._first_seen(ids, latest, status_only)
        return snapshots.tracker_tables(snapshot, events, status_only, *seen)

    def _rows(self, table: Table, upload_ids: list[int]) -> pd.DataFrame:
        """Return some uploads' rows of a table as the model reads them, with their upload_id."""
        if not upload_ids:
            return schema.no_rows(table)
        return schema.read_rows(self._select(table, upload_ids), table)


def migrations_after(current: int, dialect: str = "duckdb") -> list[tuple[int, list[str]]]:
    """Return the frozen migrations a store at schema `current` lacks, each as its statements
    in the backend's dialect; a store written by a newer app is refused."""
    if current > schema.SCHEMA_VERSION:
        raise StoreError(f"This history was written by a newer recruit-dash (schema {current}); "
                         "update the app to open it.")
    return [(version, schema.statements(script)) for version, script in schema.migrations(dialect)
            if version > current]


def upload_as_of(tables: dict[str, pd.DataFrame], today: date | None = None) -> date:
    """Return the day one file's upload is dated by when none is given: its data's last day
    (so back-filled weekly files make weeks of history, not versions of one week)."""
    return data_as_of(combine([tables]), today or clock.today())


def delete_upload(execute: Callable[[str, list], object], mark: str, upload_id: int,
                  by: str | None) -> bool:
    """Delete an upload and its rows through a backend's `execute(sql, parameters)` (inside the
    backend's transaction and its turn to write; `mark`: how its SQL marks a parameter, "?" or
    "%s"),
    keeping who deleted it in `deletions`; return whether there was such an upload."""
    def run(sql: str, parameters: list):
        return execute(sql.replace("?", mark), parameters)

    found = run("SELECT superseded_by FROM uploads WHERE upload_id = ?", [upload_id]).fetchone()
    if found:
        run("INSERT INTO deletions SELECT upload_id, file_name, imported_by, imported_at, ?, ? "
            "FROM uploads WHERE upload_id = ?", [by or LOCAL_USER, datetime.now(), upload_id])
        for name in schema.ROW_TABLES:
            run(f"DELETE FROM {name} WHERE upload_id = ?", [upload_id])
        # What it had replaced is replaced by what replaced it, or current again.
        run("UPDATE uploads SET superseded_by = ? WHERE superseded_by = ?", [found[0], upload_id])
        run("DELETE FROM uploads WHERE upload_id = ?", [upload_id])
    return bool(found)


def versions_of_one_tracker(reports: list[FileReport]) -> list[list[str]]:
    """Return groups of files read together that are versions of one tracker (the same sheets
    and roles): read together they count last week's rows again, so they belong in the history."""
    groups: dict[str, list[str]] = {}
    for report in reports:
        if report.ok and report.sheets:
            groups.setdefault(_tracker(report), []).append(report.path)
    return [paths for paths in groups.values() if len(paths) > 1]


def _tracker(report: FileReport) -> str:
    """Return the tracker an upload belongs to: the names and roles of the sheets it used."""
    csv = Path(report.path).suffix.lower() == ".csv"  # its one sheet is named after the file
    used = sorted((_headers_key(sheet) if csv else sheet.name.strip().lower(), sheet.role)
                  for sheet in report.sheets if sheet.role != "ignored")
    return json.dumps(used or [[Path(report.path).stem.lower(), "none"]])


def _headers_key(sheet) -> str:
    """Return a CSV sheet's identity: its headers, whatever the week's file is called."""
    headers = sheet.shape_headers or [column.source for column in sheet.columns]
    return "csv:" + "|".join(sorted(str(header).strip().lower() for header in headers))
