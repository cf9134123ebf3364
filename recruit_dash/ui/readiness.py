"""What each page can show from the data loaded: the Data page's checklist, and the notice at the
top of a page that lacks what it needs, in the same words. Every item not found offers a button
that opens the mapping editor on the sheet where it would be mapped."""

from __future__ import annotations

import streamlit as st

from recruit_dash.ingest.readiness import (
    EMPTY,
    MISSING,
    NARROWED,
    READY,
    Item,
    PageReadiness,
    page_readiness,
)
from recruit_dash.ingest.results import Ingested
from recruit_dash.ui import mapping_editor, state
from recruit_dash.ui.components import escape_markdown

DATA_PAGE = "pages/data.py"
SWITCH_KEY = "readiness_open_data_page"  # set by a notice's button: the next run opens Data
ICONS = {READY: ":green[:material/check_circle:]", NARROWED: ":orange[:material/error:]",
         EMPTY: ":red[:material/cancel:]"}
STATUS_WORDS = {READY: "everything found", NARROWED: "some things missing",
                EMPTY: "will be empty"}
# What a button maps, in a word or two: "Map client on ‘Leads’".
NEED_WORDS = {"leads": "leads", "lead_date": "lead date", "stages": "stage dates",
              "consultant": "consultant", "client": "client", "source": "source",
              "next_action": "next action", "activities": "activities",
              "placements": "start dates", "checkins": "check-ins", "feedback": "feedback"}
BUTTONS_PER_ROW = 3


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _pages(_ingested: Ingested, key: tuple[str, ...]) -> tuple[PageReadiness, ...]:
    """Return what each page can show, worked out once per data (not on every rerun)."""
    return tuple(page_readiness(_ingested))


def _readiness(ingested: Ingested) -> tuple[PageReadiness, ...]:
    return _pages(ingested, state.data_key(ingested) + (str(state.using_sample(ingested)),))


def checklist_ui(ingested: Ingested) -> None:
    """Draw one line per page saying what it found and what it lacks, with a button per missing
    item that opens the mapping editor on the sheet to map it on."""
    st.subheader("What each page can show")
    st.caption("What each page found in the data loaded, and what to map to show the rest.")
    for page in _readiness(ingested):
        with st.container(border=True):
            st.markdown(f"{ICONS[page.status]} **{escape_markdown(page.page)}** "
                        f"({STATUS_WORDS[page.status]}): "
                        f"{escape_markdown('; '.join(item.sentence for item in page.items))}")
            _actions_ui(page, page.wanting, f"readiness_{_slug(page.page)}")


def page_notice(ingested: Ingested, page_title: str) -> None:
    """At the top of a page that lacks what it needs, say what it cannot show and offer to fix
    the mapping; nothing when it has everything (and nothing on the Data page)."""
    page = next((page for page in _readiness(ingested) if page.page == page_title), None)
    if st.session_state.pop(SWITCH_KEY, False) and page is not None:
        st.switch_page(DATA_PAGE)  # a notice's button was pressed: its sheet is asked for
    if page is None:
        return
    missing = tuple(item for item in page.wanting if item.status == MISSING)
    if not missing:
        return
    lines = "\n".join(f"- {escape_markdown(_sentence(item))}" for item in missing)
    st.warning(f"**What this page cannot show from the data loaded**\n\n{lines}",
               icon=":material/data_alert:")
    _actions_ui(page, missing, f"readiness_notice_{_slug(page.page)}", one_per_sheet=True)


def _actions_ui(page: PageReadiness, items: tuple[Item, ...], key: str,
                one_per_sheet: bool = False) -> None:
    """Draw a button per item that can be mapped on a sheet (in a notice, one per sheet: its
    words already say what to do), and in the checklist what to do for the others."""
    buttons: list[tuple[str, Item]] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        if item.path is None or item.sheet is None:
            if not one_per_sheet:
                st.caption(escape_markdown(item.action))
        elif not one_per_sheet or (item.path, item.sheet) not in seen:
            seen.add((item.path, item.sheet))
            label = (f"Correct sheet ‘{item.sheet}’ on the Data page" if one_per_sheet
                     else f"Map {NEED_WORDS.get(item.need, item.need)} on ‘{item.sheet}’")
            buttons.append((label, item))
    for start in range(0, len(buttons), BUTTONS_PER_ROW):
        row = buttons[start:start + BUTTONS_PER_ROW]
        for column, (label, item) in zip(st.columns(BUTTONS_PER_ROW), row, strict=False):
            suffix = _slug(f"{item.path}_{item.sheet}") if one_per_sheet else item.need
            column.button(label, key=f"{key}_{suffix}", help=item.action, icon=":material/edit:",
                          width="stretch", on_click=_open_editor, args=(item.path, item.sheet))


def _open_editor(path: str, sheet: str) -> None:
    """Ask the Data page to open the sheet's mapping editor, and to be opened (by the notice
    at the top of the next run). A callback, not `if st.button`: it runs before the page does,
    so a rerun at the page's start (a fresh server's first visit) cannot lose the click."""
    mapping_editor.request_open(path, sheet)
    st.session_state[SWITCH_KEY] = True


def _sentence(item: Item) -> str:
    """Return an item's sentence as it opens a line of the notice, with what to do."""
    text = item.sentence[:1].upper() + item.sentence[1:]
    return f"{text}. {item.action}" if item.action else f"{text}."


def _slug(text: str) -> str:
    """Return text as a widget key part."""
    return "".join(char if char.isalnum() else "_" for char in text.lower())
