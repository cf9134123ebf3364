"""The Data page's mapping editor: widgets that correct what we understood of a sheet, and return
the corrected profile. Each `*_ui` function draws its widgets and returns the new profile when the
user changed something (the page stores it and reads the data again), else None.

Widget keys carry the profile's fingerprint: once a change is applied, every widget starts again
from what the data now says, so a stale choice never undoes a newer one (a loaded profile, say).
"""

from __future__ import annotations

import streamlit as st

from recruit_dash.ingest.mapping import CONFIDENT
from recruit_dash.ingest.names import MergeProposal
from recruit_dash.ingest.profiles import (
    Profile,
    ProfileError,
    canonical_fields,
    entry_for,
    profile_from_json,
    profile_key,
    profile_to_json,
    renamed,
    with_merge_decision,
    with_sheet_edits,
)
from recruit_dash.ingest.results import FileReport, SheetReport
from recruit_dash.ingest.understanding import field_label
from recruit_dash.model import IGNORED, OUTCOME_LABELS, OUTCOMES, ROLES, STAGE_IDS, STAGE_LABELS
from recruit_dash.ui.components import escape_markdown

MAX_STATUS_VALUES = 15
MAX_MERGES_SHOWN = 30
NOT_USED = ""
ROLE_LABELS = {"leads": "Leads", "activities": "Activities", "placements": "Placements",
               "feedback": "Client feedback", IGNORED: "Ignored (not records)"}
MERGE_CHOICES = ("undecided", "merge", "apart")


def generation(profile: Profile | None) -> str:
    """Return the part of widget keys that changes whenever the profile does."""
    return profile_key(profile)[:8] or "none"


def sheet_key(report: FileReport, sheet_index: int) -> str:
    """Return a key naming one sheet of one file's content."""
    return f"{(report.sha256 or report.path)[:10]}_{sheet_index}"


def sheet_editor_ui(sheet: SheetReport, key: str, profile: Profile | None) -> Profile | None:
    """Draw the role, header row, column and status corrections of one sheet; return the profile
    with the user's change, or None."""
    gen = generation(profile)
    prefix = f"data_map_{gen}_{key}"
    entry = entry_for(profile, sheet.shape_headers)
    left, right = st.columns(2)
    roles = [*ROLES, IGNORED]
    role = left.selectbox("This sheet holds", roles, index=roles.index(sheet.role),
                          format_func=ROLE_LABELS.get, key=f"{prefix}_role",
                          help="What one row of this sheet is. Ignore a sheet of totals, a "
                               "pivot or notes.")
    rows = max(len(sheet.top_rows), 1)
    current_row = sheet.header_row or _first_filled_row(sheet)
    header_row = right.number_input("Header row", min_value=1, max_value=rows,
                                    value=min(current_row, rows), step=1, key=f"{prefix}_header",
                                    help="The row holding the column titles, counted as in Excel.")
    if sheet.top_rows and header_row <= len(sheet.top_rows):
        preview = " | ".join(value for value in sheet.top_rows[header_row - 1] if value)
        right.caption(f"Row {header_row}: {escape_markdown(preview[:200]) or '(empty)'}")
    if role != sheet.role or header_row != current_row:
        new_headers = None
        row_change: dict = {}
        if header_row != current_row or not sheet.shape_headers or sheet.header_row is None:
            row_change["header_row"] = int(header_row)
            if header_row <= len(sheet.top_rows):
                new_headers = sheet.top_rows[header_row - 1]
        return with_sheet_edits(profile, sheet.name, sheet.shape_headers, role=role,
                                new_headers=new_headers, **row_change)
    if sheet.role == IGNORED:
        return None
    return (_columns_ui(sheet, prefix, profile) or _statuses_ui(sheet, prefix, profile, entry))


def _first_filled_row(sheet: SheetReport) -> int:
    """Return the first row (from 1) holding anything, as a default header row."""
    return next((number for number, row in enumerate(sheet.top_rows, 1) if any(row)), 1)


def _columns_ui(sheet: SheetReport, prefix: str, profile: Profile | None) -> Profile | None:
    """Draw one choice per column; return the profile with a changed column, or None."""
    st.markdown("**What each column means**")
    options = [NOT_USED, *canonical_fields(sheet.role)]
    grid = st.columns(3)
    changes: dict[str, str | None] = {}
    for position, column in enumerate(column for column in sheet.columns if column.source):
        applied = column.field if column.field and column.confidence >= CONFIDENT else NOT_USED
        choices = options if applied in options else [*options, applied]
        chosen = grid[position % 3].selectbox(
            escape_markdown(column.source), choices, index=choices.index(applied),
            format_func=lambda name: field_label(name) if name else "not used",
            key=f"{prefix}_col_{column.index}",
            help="Set by you" if column.by_user else (column.note or None))
        if chosen != applied:
            changes[column.source] = chosen or None
    if not changes:
        return None
    return with_sheet_edits(profile, sheet.name, sheet.shape_headers, columns=changes)


def _statuses_ui(sheet: SheetReport, prefix: str, profile: Profile | None,
                 entry) -> Profile | None:
    """Draw a stage and an outcome choice per status value we could not map (and per value the
    profile maps); return the profile with a changed mapping, or None."""
    values: dict[str, int | None] = {value: None for value in (entry.statuses if entry else {})}
    for what in ("status", "stage"):
        for value, count in sheet.unmapped_values.get(what, {}).items():
            values.setdefault(value, count)
    if not values:
        return None
    st.markdown("**What each status means**")
    stages = [NOT_USED, *STAGE_IDS]
    outcomes = [NOT_USED, *OUTCOMES]
    changes = {}
    for number, (value, count) in enumerate(list(values.items())[:MAX_STATUS_VALUES]):
        stage, outcome = entry.statuses.get(value, (None, None)) if entry else (None, None)
        label, stage_column, outcome_column = st.columns([2, 2, 2])
        rows = f" ({count:,} rows)" if count else " (mapped by you)"
        label.markdown(f"“{escape_markdown(value)}”{rows}")
        chosen_stage = stage_column.selectbox(
            "Stage reached", stages, index=stages.index(stage or NOT_USED),
            format_func=lambda name: STAGE_LABELS.get(name, "no stage"),
            key=f"{prefix}_status_{number}_stage")
        chosen_outcome = outcome_column.selectbox(
            "Outcome", outcomes, index=outcomes.index(outcome or NOT_USED),
            format_func=lambda name: OUTCOME_LABELS.get(name, "no outcome"),
            key=f"{prefix}_status_{number}_outcome")
        if (chosen_stage or None, chosen_outcome or None) != (stage, outcome):
            changes[value] = (chosen_stage or None, chosen_outcome or None)
    if not changes:
        return None
    return with_sheet_edits(profile, sheet.name, sheet.shape_headers, statuses=changes)


def merges_ui(proposals: list[MergeProposal], profile: Profile | None) -> Profile | None:
    """Draw a decision per proposed name merge; return the profile with a changed decision."""
    gen = generation(profile)
    for number, proposal in enumerate(proposals[:MAX_MERGES_SHOWN]):
        names = " / ".join(f"“{escape_markdown(name)}”" for name in proposal.names)
        current = {"accepted": "merge", "rejected": "apart"}.get(proposal.status, "undecided")
        labels = {"undecided": "Not decided",
                  "merge": f"Merge into “{escape_markdown(proposal.suggested)}”",
                  "apart": "Keep apart"}
        choice = st.radio(f"{proposal.field.capitalize()}: {names} (similarity {proposal.score}, "
                          f"{proposal.rows:,} rows)", MERGE_CHOICES,
                          index=MERGE_CHOICES.index(current), format_func=labels.get,
                          horizontal=True, key=f"data_merge_{gen}_{number}")
        if choice != current:
            accept = {"undecided": None, "merge": True, "apart": False}[choice]
            return with_merge_decision(profile, proposal.field, proposal.names,
                                       proposal.suggested, accept)
    return None


def profile_loader_ui(key: str) -> tuple[Profile | None, str | None, str | None]:
    """Draw the profile uploader; return (profile, its file id, error sentence)."""
    uploaded = st.file_uploader("Load a profile", type=["json"], key=key,
                                help="A mapping profile saved from this page, by you or a "
                                     "colleague. It is applied to every sheet of the same shape.")
    if uploaded is None:
        return None, None, None
    try:
        return profile_from_json(uploaded.getvalue()), uploaded.file_id, None
    except ProfileError as error:
        return None, uploaded.file_id, str(error)


def profile_saver_ui(profile: Profile, key: str) -> Profile | None:
    """Draw the profile's name and its download; return the renamed profile, or None."""
    name_column, save_column = st.columns([2, 1])
    name = name_column.text_input("Profile name", value=profile.name,
                                  key=f"{key}_name_{generation(profile)}")
    save_column.download_button("Save profile", profile_to_json(profile),
                                file_name="mapping_profile.json", mime="application/json",
                                key=f"{key}_save", width="stretch",
                                help="Download the profile to load it again, or to share it.")
    if name.strip() and name.strip() != profile.name:
        return renamed(profile, name)
    return None
