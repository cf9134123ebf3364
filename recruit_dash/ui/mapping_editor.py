"""The Data page's mapping editor: widgets that correct what we understood of a sheet, and return
the corrected profile. Each `*_ui` function draws its widgets and returns the new profile when the
user changed something (the page stores it and reads the data again), else None.

Widget keys carry the profile's fingerprint: once a change is applied, every widget starts again
from what the data now says, so a stale choice never undoes a newer one (a loaded profile, say).
The "Correct this sheet" toggle keeps its own key: a sheet being corrected stays open, editor on.

Every sheet of a file we could read can be corrected, a file refused because no sheet held records
included: an ignored sheet offers "Use this sheet as leads". Other pages open a sheet's editor with
`request_open` (then `st.switch_page("pages/data.py")`).
"""

from __future__ import annotations

import pandas as pd
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
from recruit_dash.ingest.results import FileReport, Ingested, SheetReport
from recruit_dash.ingest.understanding import columns_table, field_label, shape_words
from recruit_dash.model import IGNORED, OUTCOME_LABELS, OUTCOMES, ROLES, STAGE_IDS, STAGE_LABELS
from recruit_dash.ui import state
from recruit_dash.ui.components import MISSING, escape_markdown

MAX_STATUS_VALUES = 15
MAX_COLUMN_CHOICES = 24  # above this many columns, one table of choices instead of a box each
MAX_MERGES_SHOWN = 30
NOT_USED = ""
ROLE_LABELS = {"leads": "Leads", "activities": "Activities", "placements": "Placements",
               "feedback": "Client feedback", IGNORED: "Ignored (not records)"}
MERGE_CHOICES = ("undecided", "merge", "apart")
OPEN_REQUEST_KEY = "data_open_sheet"  # (file path, sheet name) the Data page opens for editing


def request_open(path: str, sheet: str) -> None:
    """Ask the Data page to open this sheet's section with its editor switched on: `path` is the
    file's name as uploaded (`FileReport.path`), `sheet` the sheet's name. Another page calls this,
    then `st.switch_page("pages/data.py")`."""
    st.session_state[OPEN_REQUEST_KEY] = (path, sheet)


def _toggle_key(key: str) -> str:
    return f"data_fix_{key}"


def sheet_sections_ui(ingested: Ingested, profile: Profile | None) -> Profile | None:
    """Draw one section per sheet of every file we could read: what we understood, and its
    editor; return the profile with the user's change, or None."""
    requested = st.session_state.pop(OPEN_REQUEST_KEY, None)
    for report in ingested.files:
        for index, sheet in enumerate(report.sheets):
            key = sheet_key(report, index)
            if requested == (report.path, sheet.name):
                st.session_state[_toggle_key(key)] = True
            edited = _sheet_section_ui(report, sheet, key, profile)
            if edited is not None:
                return edited
    return None


def _sheet_section_ui(report: FileReport, sheet: SheetReport, key: str,
                      profile: Profile | None) -> Profile | None:
    """Draw one sheet's section, open while the sheet is being corrected; return the profile
    with the user's change, or None."""
    title = escape_markdown(f"{report.path} › {sheet.name}: {sheet.role}")
    editing = bool(st.session_state.get(_toggle_key(key)))
    with st.expander(title, expanded=editing):
        _sheet_summary(sheet)
        if sheet.role == IGNORED:
            st.button("Use this sheet as leads", key=f"data_use_{key}", on_click=_use_as_leads,
                      args=(report.path, sheet, profile), icon=":material/table_rows:",
                      help="Read this sheet's rows as leads, then say what its columns mean. "
                           "You can pick another role in the editor.")
        if st.toggle("Correct this sheet", key=_toggle_key(key),
                     help="Change the sheet's role, header row, what each column means and what "
                          "each status means. The change shows at once and goes into your "
                          "profile."):
            return sheet_editor_ui(sheet, key, profile)
    return None


def _sheet_summary(sheet: SheetReport) -> None:
    """Draw what we understood of one sheet: its header, rows and columns, or why it is not used."""
    if sheet.reason:
        st.write(f"Not used: {escape_markdown(sheet.reason)}.")
        return
    st.write(f"Header on row {sheet.header_row}: {shape_words(sheet)}. "
             f"{sheet.rows_read:,} rows read = {sheet.rows_accepted:,} accepted + "
             f"{sheet.rows_quarantined:,} quarantined + {sheet.rows_blank:,} blank.")
    st.dataframe(columns_table(sheet), hide_index=True, placeholder=MISSING, width="stretch",
                 column_config={
                     "Field": None,  # the canonical id, for the command line, not for people
                     "Confidence": st.column_config.ProgressColumn(
                         "Confidence", format="%d%%", min_value=0, max_value=100,
                         help="How sure we are of the match between the header and the field."),
                 })
    for note in sheet.notes:
        st.caption(escape_markdown(note))
    for what, values in sheet.unmapped_values.items():
        if values:
            listed = ", ".join(f"“{escape_markdown(value)}” ({count:,} rows)"
                               for value, count in list(values.items())[:MAX_STATUS_VALUES])
            more = (f" and {len(values) - MAX_STATUS_VALUES} more"
                    if len(values) > MAX_STATUS_VALUES else "")
            st.warning(f"{what.capitalize()} values we could not map to the ladder or an outcome: "
                       f"{listed}{more}. Those rows are kept; map the values below (switch on "
                       "“Correct this sheet”).")


def _use_as_leads(path: str, sheet: SheetReport, profile: Profile | None) -> None:
    """Read an ignored sheet as leads, its header on our best guess, and open its editor. A
    callback, not `if st.button`: it runs before the page does, so a rerun at the page's start
    cannot lose the click."""
    header_row = min(sheet.header_row or _likely_header_row(sheet), max(len(sheet.top_rows), 1))
    new_headers = sheet.top_rows[header_row - 1] if sheet.top_rows else None
    state.set_profile(with_sheet_edits(profile, sheet.name, sheet.shape_headers, role="leads",
                                       header_row=header_row, new_headers=new_headers))
    request_open(path, sheet.name)


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
    current_row = sheet.header_row or _likely_header_row(sheet)
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


def _likely_header_row(sheet: SheetReport) -> int:
    """Return our guess (from 1) at a sheet's header row when we found none: the first row with
    as many filled cells as most rows have (a title or a note above it fills one or two), else the
    first filled row."""
    filled = [sum(1 for value in row if value) for row in sheet.top_rows]
    if not any(filled):
        return 1
    typical = sorted(filled)[len(filled) // 2]
    return next((number for number, count in enumerate(filled, 1) if count >= max(typical, 2)),
                next(number for number, count in enumerate(filled, 1) if count))


def _columns_ui(sheet: SheetReport, prefix: str, profile: Profile | None) -> Profile | None:
    """Draw a choice for every column (one table of choices when there are many); return the
    profile with a changed column, or None."""
    st.markdown("**What each column means**")
    columns = [column for column in sheet.columns if column.source]
    options = [NOT_USED, *canonical_fields(sheet.role)]
    applied = {column.source: column.field if column.field and column.confidence >= CONFIDENT
               else NOT_USED for column in columns}
    if len(columns) > MAX_COLUMN_CHOICES:
        chosen = _column_table_ui(sheet, columns, options, applied, prefix)
    else:
        chosen = _column_boxes_ui(columns, options, applied, prefix)
    changes = {source: field or None for source, field in chosen.items()
               if field != applied[source]}
    if not changes:
        return None
    return with_sheet_edits(profile, sheet.name, sheet.shape_headers, columns=changes)


def _column_boxes_ui(columns: list, options: list[str], applied: dict[str, str],
                     prefix: str) -> dict[str, str]:
    """Draw one choice per column, three to a row; return each column's chosen field."""
    grid = st.columns(3)
    chosen = {}
    for position, column in enumerate(columns):
        current = applied[column.source]
        choices = options if current in options else [*options, current]
        chosen[column.source] = grid[position % 3].selectbox(
            escape_markdown(column.source), choices, index=choices.index(current),
            format_func=lambda name: field_label(name) if name else "not used",
            key=f"{prefix}_col_{column.index}",
            help="Set by you" if column.by_user else (column.note or None))
    return chosen


def _column_table_ui(sheet: SheetReport, columns: list, options: list[str],
                     applied: dict[str, str], prefix: str) -> dict[str, str]:
    """Draw every column as a row of one table, its meaning chosen in the row; return each
    column's chosen field."""
    labels = {name: field_label(name) if name else "not used" for name in options}
    labels.update({current: field_label(current) for current in applied.values()
                   if current not in labels})
    fields = {label: name for name, label in labels.items()}
    table = pd.DataFrame({
        "Column": [column.source for column in columns],
        "Example": [_example(sheet, column.index) for column in columns],
        "Read as": [labels[applied[column.source]] for column in columns],
        "Note": ["set by you" if column.by_user else (column.note or "") for column in columns],
    })
    edited = st.data_editor(
        table, hide_index=True, width="stretch", disabled=["Column", "Example", "Note"],
        key=f"{prefix}_columns", height=min(36 * (len(table) + 1) + 3, 560),
        column_config={"Read as": st.column_config.SelectboxColumn(
            "Read as", options=list(labels.values()), required=True,
            help="What the column holds. “not used” leaves it out.")})
    return {source: fields.get(label, NOT_USED)
            for source, label in zip(edited["Column"], edited["Read as"], strict=True)}


def _example(sheet: SheetReport, index: int) -> str:
    """Return a value of the column from the first rows below the header, as an example."""
    below = sheet.top_rows[sheet.header_row or 0:] if sheet.header_row else ()
    return next((row[index] for row in below if index < len(row) and row[index]), "")


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
                                key=f"{key}_save", width="stretch", on_click="ignore",
                                help="Download the profile to load it again, or to share it.")
    if name.strip() and name.strip() != profile.name:
        return renamed(profile, name)
    return None
