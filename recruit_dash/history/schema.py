"""The history's versioned schema: its tables, the frozen migrations (SQL as data), rows as stored."""

from __future__ import annotations

import json

import pandas as pd

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
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
STORED_COLUMNS: dict[str, tuple[str, ...]] = {
    table.name: tuple(column for column in table.all_columns if column != "inferred")
    for table in (*SNAPSHOT_TABLES, *EVENT_TABLES)
}
ROW_TABLES: tuple[str, ...] = (*STORED_COLUMNS, "quarantine")  # every table keyed by upload_id


def statements(script: str) -> list[str]:
    """Return one migration's SQL statements, in order."""
    return list(filter(str.strip, script.split(";")))


def quoted_columns(table: Table) -> str:
    """Return a table's stored columns, quoted, for a SELECT or INSERT list."""
    return ", ".join(f'"{column}"' for column in STORED_COLUMNS[table.name])


def stored_rows(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return one upload's rows of a table as they are stored: its stored columns, typed."""
    return conform(frame, table)[list(STORED_COLUMNS[table.name])]


def quarantine_rows(held: pd.DataFrame, sheet: str) -> pd.DataFrame:
    """Return a sheet's quarantined rows as stored: sheet, row, reason and the cells as JSON."""
    cells = [json.dumps({key: None if pd.isna(value) else str(value)
                         for key, value in row.items() if key not in ("Row", "Reason")},
                        ensure_ascii=False) for row in held.to_dict("records")]
    return pd.DataFrame({"sheet": sheet,
                         "row": pd.array(held.get("Row", pd.Series(pd.NA, index=held.index)),
                                         dtype="Int64"),
                         "reason": held.get("Reason", pd.Series("", index=held.index))
                         .astype(str).to_numpy(), "cells": cells})


def read_rows(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return stored rows (upload_id first) as the model reads them, with their upload_id."""
    rows = conform(frame, table)
    # Dates are days: rows saved by an older version may still hold a time of day.
    days = {column: rows[column].dt.normalize() for column in table.dates}
    return rows.assign(**days, upload_id=frame["upload_id"].to_numpy())


def no_rows(table: Table) -> pd.DataFrame:
    """Return a table's rows of no uploads, with an upload_id column."""
    return table.empty().assign(upload_id=pd.Series(dtype="int64"))
