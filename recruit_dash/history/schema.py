"""The history's versioned schema: its tables, the frozen migrations (SQL as data) in each
backend's dialect, rows as stored and as read back."""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow as pa

from recruit_dash.model import (
    ACTIVITIES,
    CHECKINS,
    FEEDBACK,
    ISSUES,
    LEADS,
    MILESTONES,
    PLACEMENTS,
    Table,
    conform,
)

SNAPSHOT_TABLES: tuple[Table, ...] = (LEADS, MILESTONES, PLACEMENTS, CHECKINS, ISSUES)
EVENT_TABLES: tuple[Table, ...] = (ACTIVITIES, FEEDBACK)
STANDING_TABLES: tuple[Table, ...] = (LEADS, MILESTONES)  # what a lead's standing reads

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
    # Who did what: each upload's importer, and every deleted upload kept in words.
    (2, """
ALTER TABLE uploads ADD COLUMN imported_by VARCHAR DEFAULT 'local user';
CREATE TABLE deletions (upload_id BIGINT NOT NULL, file_name VARCHAR NOT NULL,
    imported_by VARCHAR, imported_at TIMESTAMP, deleted_by VARCHAR NOT NULL,
    deleted_at TIMESTAMP NOT NULL);
"""),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
DIALECTS = ("duckdb", "postgresql")
# Where PostgreSQL's dialect differs from the scripts above (DuckDB's): the type names it spells
# otherwise, and, with a version's script, what DuckDB has built in: each row's place in its
# table (DuckDB's rowid, the order rows were stored in), an index by upload, and one by lead and
# stage for the sightings that date milestones (DuckDB scans every column at once instead).
POSTGRES_TYPES = {"DOUBLE": "DOUBLE PRECISION"}
POSTGRES_MORE: dict[int, str] = {1: "".join(
    f"ALTER TABLE {name} ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;\n"
    f"CREATE INDEX {name}_by_upload ON {name} (upload_id);\n"
    for name in ("leads", "milestones", "activities", "placements", "checkins", "feedback",
                 "issues", "quarantine"))
    + "CREATE INDEX milestones_by_lead ON milestones (lead_id, stage) INCLUDE (upload_id);\n"}
STORED_COLUMNS: dict[str, tuple[str, ...]] = {
    table.name: tuple(column for column in table.all_columns if column != "inferred")
    for table in (*SNAPSHOT_TABLES, *EVENT_TABLES)
}
ROW_TABLES: tuple[str, ...] = (*STORED_COLUMNS, "quarantine")  # every table keyed by upload_id
# Stored columns come back as the model's dtypes, so that nothing is converted row by row.
_PANDAS_TYPES = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow"),
                 pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(),
                 pa.bool_(): pd.BooleanDtype()}

# The listings every backend returns, column by column with its dtype.
UPLOADS = {"upload_id": "int64", "file_name": "str", "as_of": "datetime64[us]",
           "imported_at": "datetime64[us]", "imported_by": "str", "sha256": "str",
           "tracker": "str", "profile": "str", "superseded_by": "Int64", "rows_accepted": "int64",
           "rows_quarantined": "int64", "rows_blank": "int64", "sheets": "str"}
QUARANTINE = {"sheet": "str", "row": "Int64", "reason": "str", "cells": "str"}
SEEN = {"lead_id": "str", "stage": "str", "first_seen": "datetime64[us]"}  # see Store._first_seen
LEAD_SEEN = {"lead_id": "str", "lead_seen": "datetime64[us]"}
AUDIT = {"done_at": "datetime64[us]", "action": "str", "done_by": "str", "upload_id": "int64",
         "file_name": "str"}
# Who imported and who deleted what, newest first (a deletion before its own import when the
# clock gives them one time); the same SQL on every backend.
AUDIT_QUERY = """
SELECT imported_at AS done_at, 'imported' AS action, imported_by AS done_by, upload_id, file_name
FROM uploads
UNION ALL SELECT imported_at, 'imported', imported_by, upload_id, file_name FROM deletions
UNION ALL SELECT deleted_at, 'deleted', deleted_by, upload_id, file_name FROM deletions
ORDER BY done_at DESC, action, upload_id DESC"""


def statements(script: str) -> list[str]:
    """Return one migration's SQL statements, in order."""
    return list(filter(str.strip, script.split(";")))


def migrations(dialect: str) -> tuple[tuple[int, str], ...]:
    """Return the frozen migrations as one backend runs them: the same tables, columns and
    versions on every backend, each spelt in its own dialect."""
    if dialect == "duckdb":
        return MIGRATIONS
    if dialect != "postgresql":
        raise ValueError(f"no SQL dialect {dialect!r}; the backends speak {', '.join(DIALECTS)}")
    words = re.compile(r"\b(" + "|".join(POSTGRES_TYPES) + r")\b")
    return tuple((version, words.sub(lambda found: POSTGRES_TYPES[found[1]], script)
                  + POSTGRES_MORE.get(version, "")) for version, script in MIGRATIONS)


def quoted_columns(table: Table) -> str:
    """Return a table's stored columns, quoted, for a SELECT or INSERT list."""
    return ", ".join(f'"{column}"' for column in STORED_COLUMNS[table.name])


def stored_rows(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return one upload's rows of a table as they are stored: its stored columns, typed, and
    text without NUL characters (which PostgreSQL cannot hold and no spreadsheet shows), so that
    every backend keeps the same text."""
    rows = conform(frame, table)[list(STORED_COLUMNS[table.name])]
    text = [column for column in rows if isinstance(rows[column].dtype, pd.StringDtype)
            and rows[column].str.contains("\x00", regex=False).any()]
    return rows.assign(**{column: rows[column].str.replace("\x00", "", regex=False)
                          for column in text})


def quarantine_rows(held: pd.DataFrame, sheet: str) -> pd.DataFrame:
    """Return a sheet's quarantined rows as stored: sheet, row, reason and the cells as JSON
    (the text, like every stored text, without NUL characters; JSON writes them escaped)."""
    cells = [json.dumps({key: None if pd.isna(value) else str(value)
                         for key, value in row.items() if key not in ("Row", "Reason")},
                        ensure_ascii=False) for row in held.to_dict("records")]
    reasons = held.get("Reason", pd.Series("", index=held.index)).astype(str)
    return pd.DataFrame({"sheet": sheet.replace("\x00", ""),
                         "row": pd.array(held.get("Row", pd.Series(pd.NA, index=held.index)),
                                         dtype="Int64"),
                         "reason": reasons.str.replace("\x00", "", regex=False).to_numpy(),
                         "cells": cells})


def read_rows(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return stored rows (upload_id first) as the model reads them, with their upload_id."""
    rows = conform(frame, table)
    # Dates are days: rows saved by an older version may still hold a time of day.
    days = {column: rows[column].dt.normalize() for column in table.dates}
    return rows.assign(**days, upload_id=frame["upload_id"].to_numpy())


def arrow_types(table: Table) -> dict[str, pa.DataType]:
    """Return the Arrow type of each stored column of a table, upload_id first, as the
    backends read rows back: days and times as microseconds, whole numbers, numbers, flags, text."""
    def arrow_type(column: str) -> pa.DataType:
        if column in table.dates:
            return pa.timestamp("us")
        if column == "source_row" or column == "row" and table is ISSUES:
            return pa.int64()
        if column in table.numbers:
            return pa.float64()
        return pa.bool_() if column in table.flags else pa.string()

    return {"upload_id": pa.int64(), **{column: arrow_type(column)
                                        for column in STORED_COLUMNS[table.name]}}


def from_arrow(rows: pa.Table) -> pd.DataFrame:
    """Return rows read from a backend as a frame of the model's dtypes: text as Arrow strings,
    numbers and flags nullable, times in nanoseconds; upload_id a plain integer. Every backend
    reads through here, so that each gives the same frame, and nothing is converted row by row."""
    frame = rows.to_pandas(types_mapper=_PANDAS_TYPES.get, coerce_temporal_nanoseconds=True)
    return frame.astype({"upload_id": "int64"}) if "upload_id" in frame else frame


def typed(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """Return a listing (the uploads, an upload's quarantined rows, the audit) with the same
    columns and dtypes from every backend, whatever its driver made of them."""
    return frame[list(dtypes)].astype(dtypes).reset_index(drop=True)


def no_rows(table: Table) -> pd.DataFrame:
    """Return a table's rows of no uploads, with an upload_id column."""
    return table.empty().assign(upload_id=pd.Series(dtype="int64"))
