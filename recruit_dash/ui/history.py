"""The upload history on screen: save uploads, list and delete them, and what moved since the
last upload. The store itself (recruit_dash.history.store) is shared by every session of the server."""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import streamlit as st

from recruit_dash import clock
from recruit_dash.history.store import Store, StoreError, upload_as_of
from recruit_dash.ingest.profiles import profile_key, profile_to_json
from recruit_dash.ingest.results import Ingested
from recruit_dash.model import STAGE_LABELS
from recruit_dash.ui import components, state, views
from recruit_dash.ui.signin import Access

MESSAGES_KEY = "history_messages"
AS_OF_WIDGET_KEY = "history_as_of"
AS_OF_FOR_KEY = "history_as_of_for"  # the files' own days the date widget was last set for
TOGGLE_KEY = "history_source_toggle"
CHANGE_LABELS = {
    "new": ("New leads", "Leads in the latest upload that the one before did not have."),
    "progressed": ("Leads that progressed", "Leads whose furthest stage moved up the ladder."),
    "outcome_changed": ("Outcomes that changed", "Leads that were filled, lost, put on hold or "
                                                 "reopened between the two uploads."),
    "disappeared": ("Leads gone from the tracker", "Leads in the upload before that the latest "
                                                   "one no longer has: deleted or renamed rows."),
    "next_action_slipped": ("Next actions that slipped", "Leads whose next action date moved "
                                                         "later."),
}


def store() -> Store | None:
    """Return the history store, or None after saying in words why it cannot be opened."""
    try:
        return state.open_history()
    except (StoreError, OSError) as error:
        st.warning(str(error))
        return None


@st.cache_data(max_entries=16, ttl=600, show_spinner="Comparing the last two uploads…")
def _changes(path: str, uploads_seen: tuple[int, ...]) -> dict | str:
    try:
        return state.open_history(path).changes()
    except StoreError as error:
        return str(error)


def since_last_upload(ingested: Ingested) -> None:
    """Draw what moved between the latest upload and the one before it (Overview), for the leads
    of the consultants in the page's view only."""
    history = store()
    if history is None:
        return
    try:  # a damaged block may show only now, on reading: the rest of the page goes on
        uploads = history.current()
        several = len(history.uploads()) > 1
    except StoreError as error:
        st.warning(str(error))
        return
    if len(uploads) < 2:
        held = "no upload" if uploads.empty else "one current upload (a corrected version " \
            "replaces the week's earlier one)" if several else "one upload"
        st.caption(f"The history holds {held}. Save each week's tracker on the **Data** page to "
                   "see here what moved since the last upload.")
        return
    moved = _changes(str(history.path), tuple(int(value) for value in uploads["upload_id"]))
    if isinstance(moved, str):
        st.caption(moved)
        return
    moved = {key: [row for row in rows if views.sees(ingested, row.get("consultant"))]
             if key in CHANGE_LABELS else rows for key, rows in moved.items()}
    st.caption(f"Upload {moved['from_upload']} (as of {moved['from_as_of']}) against upload "
               f"{moved['to_upload']} (as of {moved['to_as_of']}), from the history at "
               f"`{history.where().replace('`', chr(39))}`.")
    cards = st.columns(len(CHANGE_LABELS))
    for column, (key, (label, definition)) in zip(cards, CHANGE_LABELS.items(), strict=True):
        column.metric(label, f"{len(moved[key]):,}", help=definition, border=True)
    for key, (label, definition) in CHANGE_LABELS.items():
        if moved[key]:
            with st.expander(f"{label}: {len(moved[key]):,}"):
                st.caption(definition)
                rows = readable_changes(moved[key])
                components.records(rows, key=f"overview_moved_{key}")
                components.downloads(rows, key, f"overview_moved_{key}")


def readable_changes(rows: list[dict]) -> pd.DataFrame:
    """Return moved leads as a table people read: stages in words, dates as dates."""
    frame = pd.DataFrame(rows)
    for column in ("stage", "from_stage", "to_stage"):
        if column in frame:
            frame[column] = frame[column].map(STAGE_LABELS)
    for column in ("from_next_action", "to_next_action"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame.rename(columns={"from_stage": "From stage", "to_stage": "To stage",
                                 "from_outcome": "From outcome", "to_outcome": "To outcome",
                                 "from_next_action": "Next action was", "to_next_action":
                                 "Next action now"})


def history_section(seen: Access) -> None:
    """Draw the Data page's history: save this session's uploads, list and delete uploads (the
    saving and deleting only for a visitor who may upload), each recorded as done by them."""
    st.subheader("Upload history")
    history = store()
    if history is None:
        return
    # Its place as it may be shown: a database's URL without its password.
    where = history.where().replace("`", "'")
    st.caption(f"Every saved upload is kept in `{where}` (set `RECRUIT_DASH_DB` to move it), so "
               "that we can say what moved from week to week and date the stages of a tracker "
               "that only has a status column.")
    files = state.uploads()
    if not seen.may_upload:
        st.caption("Only the owner and the team leads save files to the history or delete "
                   "uploads.")
    elif files:
        days = data_days(files)
        several = len(set(days.values())) > 1
        if st.session_state.get(AS_OF_FOR_KEY) != days:
            # Other files: the date follows their data again, not the day picked for the last ones.
            st.session_state.pop(AS_OF_WIDGET_KEY, None)
            st.session_state[AS_OF_FOR_KEY] = days
        left, right = st.columns([1, 2])
        as_of = left.date_input("This upload is as of", format="DD/MM/YYYY", key=AS_OF_WIDGET_KEY,
                                value=None if several else next(iter(days.values()), None),
                                help="The week the file describes: by default the last day its "
                                     "data records. A second file of the same tracker in the same "
                                     "week replaces the first, which is kept as superseded.")
        if as_of is None and several:
            left.caption("Left empty, each file is dated by its own last day: " + "; ".join(
                f"{name} {day:%d/%m/%Y}" for name, day in days.items()) + ".")
        right.write("")
        right.button("Save to the history", key="history_save", type="primary",
                     on_click=_save, args=(history, files, as_of, seen.email))
    else:
        st.caption("Upload a file above to save it to the history.")
    for status, message in st.session_state.pop(MESSAGES_KEY, []):
        {"imported": st.success, "already": st.info, "deleted": st.success}.get(
            status, st.error)(message)
    try:
        uploads = history.uploads()
    except StoreError as error:
        st.error(str(error))
        return
    if uploads.empty:
        st.info("No uploads saved yet.")
        return
    shown = uploads[["upload_id", "file_name", "as_of", "imported_at", "imported_by",
                     "superseded_by", "rows_accepted", "rows_quarantined", "rows_blank"]]
    st.dataframe(shown, hide_index=True, width="stretch", key="history_uploads",
                 placeholder=components.MISSING, column_config={
        "upload_id": "Upload", "file_name": "File",
        "as_of": st.column_config.DateColumn("As of", format="DD/MM/YYYY"),
        "imported_at": st.column_config.DatetimeColumn("Saved", format="DD/MM/YYYY HH:mm"),
        "imported_by": st.column_config.TextColumn(
            "Imported by", help="Who saved it: their sign-in email, or the local user when "
                                "sign-in is off."),
        "superseded_by": st.column_config.NumberColumn(
            "Superseded by", help="A corrected file of the same week replaced this one."),
        "rows_accepted": "Rows used", "rows_quarantined": "Quarantined", "rows_blank": "Blank"})
    # The widget's own key is forgotten when another page runs; the choice lives on in the state.
    st.session_state[TOGGLE_KEY] = state.shows_history(seen)
    source = st.toggle("Show the history on every page", key=TOGGLE_KEY, on_change=_choose_source,
                       help="Pages then show the latest upload of each tracker, with stage dates "
                            "inferred from the weekly uploads, instead of the files above.")
    if source:
        st.caption("Every page now shows the history.")
    if not seen.may_upload:
        return
    with st.expander("Delete an upload"):
        chosen = st.selectbox("Upload", uploads["upload_id"].tolist(), key="history_delete_id",
                              format_func=lambda value: _upload_words(uploads, value))
        sure = st.checkbox(f"Yes, delete upload {chosen} and its rows (nothing else)",
                           key="history_delete_sure")
        st.button("Delete", key="history_delete", disabled=not sure, on_click=_delete,
                  args=(history, int(chosen), seen.email))



def data_days(files: list[tuple[str, bytes]]) -> dict[str, date]:
    """Return each readable file's last day in its data: the date its upload gets by default."""
    held = state.profile()
    profile = profile_key(held) if held else ""
    ingested = state.current()
    if len(files) == 1 and state.uploads() == files and ingested.files and ingested.files[0].ok:
        # One file on screen: its last day is the data's, already worked out for the sidebar.
        return {files[0][0]: state.default_as_of(ingested)}
    days = {}
    for name, data in files:
        day = _data_day(name, data, f"{hashlib.sha256(data).hexdigest()}:{profile}", clock.today())
        if day is not None:
            days[name] = day
    return days


# Keyed by the file's digest, so the file is read (from the session's cache) only once per file,
# mapping profile and day, not on every rerun of the page.
@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def _data_day(name: str, _data: bytes, key: str, today: date) -> date | None:
    """Return one file's last day in its data, or None when the file cannot be read."""
    report, tables = state.read_one(name, _data)
    return upload_as_of(tables, today) if report.ok else None


def _save(history: Store, files: list[tuple[str, bytes]], as_of: date | None,
          by: str | None) -> None:
    """Import the session's files (a button's callback: it runs once per click, before the
    page) as imported by `by` (None: the local user), keeping what happened for the page to say;
    with no date, each file is dated by its data."""
    messages = []
    for name, data in files:
        try:
            result = history.import_file(name, data, as_of, read_file=state.read_one,
                                         profile=_profile_name(), by=by)
            messages.append((result.status, result.message))
        except StoreError as error:  # the store, not the file: the files after it fail alike
            messages.append(("failed", str(error)))
            break
    st.session_state[MESSAGES_KEY] = messages
    _changes.clear()


def _choose_source() -> None:
    st.session_state[state.HISTORY_SOURCE_KEY] = bool(st.session_state.get(TOGGLE_KEY))


def _delete(history: Store, upload_id: int, by: str | None) -> None:
    """Delete one upload (a button's callback) as done by `by` (None: the local user), and
    forget the confirmation."""
    try:
        history.delete(upload_id, by=by)
        st.session_state[MESSAGES_KEY] = [("deleted", f"Deleted upload {upload_id} and its rows.")]
    except StoreError as error:
        st.session_state[MESSAGES_KEY] = [("failed", str(error))]
    st.session_state["history_delete_sure"] = False
    _changes.clear()


def _upload_words(uploads: pd.DataFrame, upload_id: int) -> str:
    row = uploads[uploads["upload_id"] == upload_id].iloc[0]
    return f"{upload_id}: {row['file_name']}, as of {row['as_of']:%d %b %Y}"


def _profile_name() -> str | None:
    """Return the mapping profile the session's uploads were read with, as saved text."""
    held = state.profile()
    return profile_to_json(held) if held else None
