"""Components written once and parametrised by a key prefix: cards, pickers, downloads, sidebar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from recruit_dash import export
from recruit_dash.ingest import Ingested
from recruit_dash.metrics import Figure
from recruit_dash.model import FIELD_LABELS
from recruit_dash.periods import PERIOD_KINDS, Period, period_holding, previous_period
from recruit_dash.store import versions_of_one_tracker
from recruit_dash.ui import state


def escape_markdown(text: str) -> str:
    """Return user text safe to put inside markdown: shown as typed, never as markup or HTML."""
    return "".join("\\" + char if char in "\\`*_{}[]()#+-.!|<>~$:" else char for char in text)


def page_start(title: str) -> tuple[Ingested, date]:
    """Draw what every page opens with (title, sample banner, sidebar) and return the data and
    the as-of date the page should show."""
    _leave_legacy_navigation()
    st.title(title)
    sample_banner()
    ingested = state.current()
    for paths in versions_of_one_tracker(ingested.files):
        st.warning(f"{', '.join(escape_markdown(path) for path in paths)} look like versions of "
                   "one tracker. Read together, their leads are merged and their activities, "
                   "placements and feedback counted once per file. Upload one at a time and "
                   "save each week to the history on the **Data** page instead.",
                   icon=":material/content_copy:")
    sidebar(ingested)
    return ingested, state.as_of(ingested)


def _leave_legacy_navigation() -> None:
    """Run the page through app.py's navigation even when a fresh server's first visitor opens a
    page's address directly: Streamlit then runs the page alone, the old way, because a pages/
    folder exists, with the wrong menu and layout until app.py has run once."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def sample_banner() -> None:
    """Say so when the app shows the bundled sample agency rather than the user's data."""
    if state.using_sample():
        st.info("You are looking at **sample data** from a made-up agency, Northgate Recruitment. "
                "Upload your own tracker on the **Data** page to see your figures.",
                icon=":material/info:")


def sidebar(ingested: Ingested) -> None:
    """Draw the sidebar: which data is loaded and the as-of date."""
    with st.sidebar:
        st.subheader("Data loaded")
        if state.using_sample():
            st.caption("Sample agency (bundled)")
        for report in ingested.files:
            mark = ":material/check_circle:" if report.ok else ":material/error:"
            st.markdown(f"{mark} {escape_markdown(report.path)}")
        model = ingested.model
        st.caption(f"{len(model.leads):,} leads · {len(model.activities):,} activity rows · "
                   f"{len(model.placements):,} placements · {len(model.feedback):,} feedback answers")
        chosen = st.date_input("As of", value=state.as_of(ingested), key=state.AS_OF_WIDGET_KEY,
                               format="DD/MM/YYYY",
                               help="Figures count what had happened by the end of this day. "
                                    "It starts at the last day your data speaks of.")
        if chosen != state.as_of(ingested):
            st.session_state[state.AS_OF_KEY] = chosen


def period_picker(key_prefix: str, default: str = "week") -> str:
    """Return the period kind chosen (week, month or quarter)."""
    return st.segmented_control("Period", options=list(PERIOD_KINDS), default=default,
                                format_func=str.title, key=f"{key_prefix}_period",
                                help="Each figure covers this period up to the as-of date, "
                                     "compared with the same days of the period before it."
                                ) or default


def period_range(key_prefix: str, as_of: date, default_kind: str = "quarter",
                 disabled: bool = False) -> Period:
    """Return the period chosen: a recent week, month or quarter, or a custom range of days."""
    left, right = st.columns([1, 2])
    kind = left.segmented_control(
        "Period", options=[*PERIOD_KINDS, "custom"], default=default_kind, format_func=str.title,
        key=f"{key_prefix}_period_kind", disabled=disabled) or default_kind
    if kind == "custom":
        chosen = right.date_input("From – to", value=(as_of - timedelta(days=90), as_of),
                                  format="DD/MM/YYYY", key=f"{key_prefix}_period_range",
                                  disabled=disabled)
        start, end = (chosen if len(chosen) == 2 else (chosen[0], chosen[0]))
        return Period(start, end, f"{start:%d %b %Y} – {end:%d %b %Y}")
    recent = [period_holding(as_of, kind)]
    for _ in range(7):
        recent.append(previous_period(recent[-1], kind))
    return right.selectbox("Which", recent, format_func=lambda period: period.label,
                           key=f"{key_prefix}_period_which", disabled=disabled)


def figure_cards(figures: list[Figure], per_row: int = 3) -> None:
    """Draw one card per headline figure with its change on the previous period."""
    columns = [column for _ in range(0, len(figures), per_row) for column in st.columns(per_row)]
    for column, figure in zip(columns, figures, strict=False):
        if not figure.supported:
            column.metric(figure.metric.label, "–", delta="not in your data", delta_color="off",
                          delta_arrow="off", border=True,
                          help=f"{figure.metric.definition} Your data has nothing to count this "
                               "from: no dated column for it, or no fees.")
            continue
        value = _formatted(figure.value, figure.metric.format)
        delta = _formatted(figure.change, figure.metric.format, signed=True)
        ratio = figure.change_ratio
        if ratio is not None:
            delta += f" ({ratio:+.0%})"
        if not figure.change:
            delta = "no change"
        column.metric(figure.metric.label, value, delta=delta,
                      delta_color="normal" if figure.change else "off",
                      delta_arrow="auto" if figure.change else "off",
                      help=figure.metric.definition, border=True)


def _formatted(value: float, kind: str, signed: bool = False) -> str:
    """Return a figure as text: money with a pound sign, counts as whole numbers."""
    sign = "+" if signed and value > 0 else ("-" if value < 0 else "")
    if kind == "money":
        return f"{sign}£{abs(value):,.0f}"
    return f"{sign}{abs(value):,.0f}"


def records(frame: pd.DataFrame, key: str, height: int | str = "auto") -> None:
    """Show model rows with people's labels, UK dates and pounds; cell text is shown as text."""
    config = {}
    for column in frame.columns:
        label = FIELD_LABELS.get(column, column)
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            config[column] = st.column_config.DateColumn(label, format="DD/MM/YYYY")
        elif column == "fee":
            config[column] = st.column_config.NumberColumn(label, format="£%,.0f")
        else:
            config[column] = st.column_config.Column(label)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config, key=key,
                 height=height)


def narrowed(frame: pd.DataFrame, column: str, label: str, key: str, where=st,
             options: list | None = None, format_func=str, everything: str = "Everyone",
             ) -> pd.DataFrame:
    """Draw a filter on one column (nothing chosen: every row) and return the rows it keeps."""
    choices = options if options is not None else sorted(frame[column].dropna().unique())
    chosen = where.multiselect(label, choices, format_func=format_func, key=key,
                               placeholder=everything)
    return frame[frame[column].isin(chosen)] if chosen else frame


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a frame whose columns carry people's labels, for downloads."""
    return frame.rename(columns=lambda column: FIELD_LABELS.get(column, column))


def downloads(frame: pd.DataFrame, name: str, key_prefix: str,
              calendar: Callable[[], bytes] | None = None, calendar_help: str = "") -> None:
    """Offer a table as CSV and Excel, both safe from formula injection, and, for a call list,
    as an .ics calendar."""
    columns = st.columns(3 if calendar else 2)
    frame = labelled(frame)
    # The files are built only when asked for: a 50,000-row drill-down must not slow every rerun.
    columns[0].download_button("Download CSV", lambda: export.csv_bytes(frame),
                               file_name=f"{name}.csv", mime="text/csv", key=f"{key_prefix}_csv",
                               width="stretch")
    columns[1].download_button(
        "Download Excel", lambda: export.xlsx_bytes({name: frame}), file_name=f"{name}.xlsx",
        key=f"{key_prefix}_xlsx", width="stretch",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if calendar:
        columns[2].download_button("Download calendar (.ics)", calendar, file_name=f"{name}.ics",
                                   mime="text/calendar", key=f"{key_prefix}_ics", width="stretch",
                                   help=calendar_help or "One event per call, to import into "
                                                         "Outlook, Google or Apple Calendar.")


def as_of_caption(as_of: date) -> None:
    """Say which day the figures are as of."""
    st.caption(f"As of {as_of:%A %d %B %Y}. Change the date in the sidebar.")
