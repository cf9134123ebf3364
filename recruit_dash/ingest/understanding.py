"""What we understood of files, as plain data: the JSON of `inspect` and the tables of the Data page."""

from __future__ import annotations

import re

import pandas as pd

from recruit_dash.ingest.mapping import CONFIDENT
from recruit_dash.ingest.results import FileReport, Ingested, SheetReport
from recruit_dash.model import ACTIVITY_KIND_LABELS, FIELD_LABELS, IGNORED, STAGE_LABELS

MAX_ISSUES_LISTED = 500

SHAPES = {
    "wide": "one row per lead, one date column per milestone",
    "status-only": "one row per lead with a status, no milestone dates",
    "list": "one row per lead, with no status and no milestone dates",
    "event log": "one row per lead and stage reached",
    "weekly counts": "one row per consultant and week, a column of counts per activity",
    "activity log": "one row per activity",
    "placements": "one row per placed candidate",
    "survey answers": "one row per client answer",
}


def field_label(field: str | None) -> str:
    """Return what a canonical field means, in words ("stage:offer" -> "Milestone: Offer made")."""
    if not field:
        return ""
    if field.startswith("stage:"):
        return f"Milestone date: {STAGE_LABELS.get(field[6:], field[6:])}"
    if field.startswith("count:"):
        return f"Count of {ACTIVITY_KIND_LABELS.get(field[6:], field[6:]).lower()}"
    special = {"stage": "Stage name (event log)", "stage_on": "Stage date (event log)",
               "checkin_on": "Check-in call date", "job_id": "Job (looked up in a jobs sheet)"}
    return special.get(field, FIELD_LABELS.get(field, field))


def sheet_summary(sheet: SheetReport) -> dict:
    """Return one sheet's understanding as JSON-ready data."""
    return {
        "name": sheet.name,
        "role": sheet.role,
        "reason": sheet.reason or None,
        "hidden": sheet.hidden,
        "shape": sheet.shape or None,
        "profile_applied": sheet.profile_applied,
        "header_row": sheet.header_row,
        "rows_read": sheet.rows_read,
        "rows_accepted": sheet.rows_accepted,
        "rows_quarantined": sheet.rows_quarantined,
        "rows_blank": sheet.rows_blank,
        "empty_rows_skipped_after_data": sheet.rows_trimmed,
        "columns": {column.source: column.field if column.confidence >= CONFIDENT else None
                    for column in sheet.columns if column.source},
        "column_details": [
            {"source": column.source, "field": column.field, "confidence": column.confidence,
             "applied": bool(column.field) and column.confidence >= CONFIDENT,
             "set_by_you": column.by_user, "note": column.note or None}
            for column in sheet.columns if column.source
        ],
        "unmapped_values": sheet.unmapped_values,
        "notes": sheet.notes,
    }


def file_summary(report: FileReport) -> dict:
    """Return one file's understanding as JSON-ready data."""
    return {"path": report.path, "ok": report.ok, "error": report.error,
            "sha256": report.sha256 or None, "same_as": report.same_as,
            "sheets": [sheet_summary(sheet) for sheet in report.sheets]}


def inspection(ingested: Ingested) -> dict:
    """Return the whole `inspect --json` document."""
    model = ingested.model
    issues = model.issues
    return {
        "ok": all(report.ok for report in ingested.files),
        "profile": profile_summary(ingested),
        "files": [file_summary(report) for report in ingested.files],
        "model": {
            "leads": len(model.leads),
            "milestones": model.milestone_counts(),
            "activities": len(model.activities),
            "placements": len(model.placements),
            "checkins": len(model.checkins),
            "feedback": len(model.feedback),
        },
        "name_merges": [proposal.to_dict() for proposal in ingested.name_merges],
        "issue_count": len(issues),
        "issues": [
            {key: (None if pd.isna(value) else (int(value) if key == "row" else str(value)))
             for key, value in row.items()}
            for row in issues.head(MAX_ISSUES_LISTED).to_dict("records")
        ],
    }


def profile_summary(ingested: Ingested) -> dict | None:
    """Return which profile was given and the sheets it was applied to, or None."""
    if ingested.profile is None:
        return None
    return {"name": ingested.profile.name,
            "applied_to": [{"file": report.path, "sheet": sheet.name}
                           for report in ingested.files for sheet in report.sheets
                           if sheet.profile_applied]}


def profile_messages(ingested: Ingested) -> list[str]:
    """Return one sentence per file saying which of its sheets the user's profile was applied to."""
    messages = []
    for report in ingested.files:
        applied = [sheet.name for sheet in report.sheets if sheet.profile_applied]
        if applied:
            name = next(sheet.profile_applied for sheet in report.sheets if sheet.profile_applied)
            listed = ", ".join(f"'{sheet}'" for sheet in applied)
            messages.append(f"Your saved profile '{name}' was applied to sheet"
                            f"{'s' if len(applied) > 1 else ''} {listed} of {report.path}.")
    return messages


def sheets_table(ingested: Ingested) -> pd.DataFrame:
    """Return one row per file and sheet: role, header row and the row accounting."""
    rows = []
    for report in ingested.files:
        if report.same_as:
            rows.append({"File": report.path, "Sheet": "", "Role": "not read again",
                         "Shape or reason": f"the same file as {report.same_as}: counted once"})
        elif not report.sheets:
            rows.append({"File": report.path, "Sheet": "", "Role": "not read",
                         "Shape or reason": report.error})
        for sheet in report.sheets:
            rows.append({
                "File": report.path, "Sheet": sheet.name, "Role": sheet.role,
                "Shape or reason": sheet.reason or shape_words(sheet), "Header row": sheet.header_row,
                "Rows read": sheet.rows_read, "Accepted": sheet.rows_accepted,
                "Quarantined": sheet.rows_quarantined, "Blank": sheet.rows_blank,
            })
    table = pd.DataFrame(rows)
    if "Header row" in table.columns:
        table["Header row"] = table["Header row"].astype("Int64")  # a row number, never "4.0"
    return table


def columns_table(sheet: SheetReport) -> pd.DataFrame:
    """Return one row per source column: what we read it as, how sure we are, or why not used."""
    rows = []
    for column in sheet.columns:
        if not column.source:
            continue
        applied = bool(column.field) and column.confidence >= CONFIDENT
        rows.append({
            "Column": column.source,
            "Read as": (field_label(column.field) if applied else "not used")
            + (" (set by you)" if column.by_user else ""),
            "Field": column.field if applied else None,
            "Confidence": round(column.confidence * 100) if applied else None,
            "Note": (f"might be {field_label(column.field)}: check it" if column.field and not applied
                     else note_words(column.note)),
        })
    return pd.DataFrame(rows)


def note_words(note: str | None) -> str:
    """Return a mapping note in people's words: a near match is said so, without our list of
    synonyms, and a field id in quotes ('lead_id') becomes its label (“Lead”)."""
    if not note:
        return ""
    if note.startswith("close to '"):
        return "the nearest match to a name we know, not an exact one: check it"
    return re.sub(r"'([a-z_]+(?::[a-z_]+)?)'", lambda found: (
        f"“{field_label(found.group(1))}”" if field_label(found.group(1)) != found.group(1)
        else found.group(0)), note)


def shape_words(sheet: SheetReport) -> str:
    """Return a sheet's shape in words."""
    return SHAPES.get(sheet.shape, sheet.shape)


def quarantined_rows(ingested: Ingested, ignored: bool = False) -> pd.DataFrame:
    """Return every quarantined row of the sheets we used (or, with `ignored`, the rows of the
    sheets we did not use) with its file, sheet, row number and reason."""
    frames = []
    for report in ingested.files:
        for sheet in report.sheets:
            if len(sheet.quarantined) and (sheet.role == IGNORED) == ignored:
                frame = sheet.quarantined.astype(object)
                frame.insert(0, "Sheet", sheet.name)
                frame.insert(0, "File", report.path)
                frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["File", "Sheet", "Row", "Reason"])
    rows = pd.concat(frames, ignore_index=True)
    text = [column for column in rows.columns if column != "Row"]
    return rows.astype({column: "string" for column in text} | {"Row": "Int64"})
