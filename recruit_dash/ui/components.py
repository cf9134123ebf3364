"""Components written once and parametrised by a key prefix: cards, pickers, downloads, sidebar."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from recruit_dash import formats
from recruit_dash.history.store import versions_of_one_tracker
from recruit_dash.ingest.results import Ingested
from recruit_dash.metrics.registry import Figure
from recruit_dash.model import BLANK_GROUPS, FIELD_LABELS, group_names, group_options
from recruit_dash.outputs import export
from recruit_dash.periods import (
    PERIOD_KINDS,
    Period,
    period_holding,
    previous_period,
    to_date_is_short,
)
from recruit_dash.ui import signin, state

# What a table shows in a cell with no value: never the word "None".
MISSING = formats.DASH
# Model and report fields that hold a share (0.8936), shown as a whole percent (89%).
SHARE_FIELDS = frozenset({"completion"})


# Streamlit's markdown links a bare web or e-mail address found in the text once escapes are
# read, so backslashes cannot stop it: an invisible word joiner inside "://", "www." and before
# "@" breaks the pattern and the text still reads as typed.
WORD_JOINER = "\u2060"
AUTOLINK_BREAKS = (("://", ":" + WORD_JOINER + "//"), ("@", WORD_JOINER + "@"))
WWW = re.compile(r"(?i)(www)(\.)")


def escape_markdown(text: str) -> str:
    """Return user text safe to put inside markdown: shown as typed, never as markup, HTML, an
    emoji or icon code, a formula or a link."""
    for pattern, broken in AUTOLINK_BREAKS:
        text = text.replace(pattern, broken)
    text = WWW.sub(r"\1" + WORD_JOINER + r"\2", text)
    return "".join("\\" + char if char in "\\`*_{}[]()#+-.!|<>~$:&" else char for char in text)


def page_start(title: str) -> tuple[Ingested, date]:
    """Draw what every page opens with (title, sample banner, what the page cannot show from the
    data, sidebar) and return the data and the as-of date the page should show."""
    _leave_legacy_navigation()
    st.title(title)
    # The banner's place comes before the data is read: a new upload being read never leaves
    # the sample's banner on screen meanwhile.
    banner = st.empty()
    ingested = state.current()
    with banner.container():
        sample_banner(ingested)
    # Imported here: the readiness module draws with this module's helpers.
    from recruit_dash.ui import readiness

    readiness.page_notice(ingested, title)
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


def sample_banner(ingested: Ingested) -> None:
    """Say so when the app shows the bundled sample agency rather than the user's data, and how
    their own figures get here: their upload, or (for those who do not upload) the history."""
    if not state.using_sample(ingested):
        return
    how = ("Upload your own tracker on the **Data** page to see your figures."
           if signin.access().may_upload else
           "Your figures appear here once the owner or a team lead saves the agency's trackers "
           "to the history on the **Data** page.")
    st.info("You are looking at **sample data** from a made-up agency, Northgate Recruitment. "
            + how, icon=":material/info:")


def sidebar(ingested: Ingested) -> None:
    """Draw the sidebar: which data is loaded and the as-of date."""
    with st.sidebar:
        st.subheader("Data loaded")
        if state.using_sample(ingested):
            st.caption("Sample agency (bundled)")
        for report in ingested.files:
            mark = ":material/check_circle:" if report.ok else ":material/error:"
            st.markdown(f"{mark} {escape_markdown(report.path)}")
        model = ingested.model
        st.caption(f"{len(model.leads):,} leads · {len(model.activities):,} activity rows · "
                   f"{len(model.placements):,} placements · {len(model.feedback):,} feedback answers")
        chosen = st.date_input("As of", value=state.as_of(ingested),
                               key=state.as_of_widget_key(ingested),
                               format="DD/MM/YYYY",
                               help="Figures count what had happened by the end of this day. "
                                    "It starts at the last day your data speaks of.")
        if chosen and chosen != state.as_of(ingested):
            state.choose_as_of(ingested, chosen)


def period_picker(key_prefix: str, default: str = "week") -> str:
    """Return the period kind chosen (week, month or quarter)."""
    return st.segmented_control("Period", options=list(PERIOD_KINDS), default=default,
                                format_func=str.title, key=f"{key_prefix}_period",
                                help="Each figure covers this period up to the as-of date, "
                                     "compared with the same days of the period before it."
                                ) or default


def span_picker(key_prefix: str, as_of: date, kind: str) -> bool:
    """Return whether to show the last complete period rather than the period to date; it starts
    on the complete one when the period to date holds too few days to read (a Monday's week)."""
    options = ["to_date", "complete"]
    labels = {"to_date": f"This {kind} so far", "complete": f"Last complete {kind}"}
    default = "complete" if to_date_is_short(as_of, kind) else "to_date"
    chosen = st.segmented_control(
        "Show", options=options, default=default, format_func=labels.get,
        key=f"{key_prefix}_span_{kind}_{as_of.isoformat()}",
        help="The period so far runs to the as-of date and is compared with the same days of "
             "the period before; a complete period is compared with the whole one before.")
    return (chosen or default) == "complete"


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
        change_card(column, figure.metric.label, formats.figure(figure.value, figure.metric.format),
                    figure.change, figure.metric.format, help=figure.metric.definition,
                    ratio=figure.change_ratio)


def change_card(where, label: str, value: str, change: float | None, kind: str = "count",
                higher_is_better: bool = True, help: str = "", ratio: float | None = None) -> None:
    """Draw a figure with its change, under the one colour rule of every page: a rise points up
    and a fall down ("-£8,950"), green when the move is good news, red when it is bad, grey with
    no arrow when nothing moved; no change line when there is nothing to compare with."""
    moved = formats.moved(change, kind)
    delta = None if formats.missing(change) else formats.signed(change, kind)
    if moved and not formats.missing(ratio):
        delta += f" ({formats.signed_percent(ratio)})"
    where.metric(label, value, delta=delta,
                 delta_color=("normal" if higher_is_better else "inverse") if moved else "off",
                 delta_arrow="auto" if moved else "off", help=help or None, border=True)


def percent_column(label: str, help: str | None = None):
    """Return the column of a share (0.8936) shown the one way shares read: 89%."""
    # Streamlit's "percent" format keeps two decimals unless the column has a step: a step of
    # 0.01 rounds the share to whole percents.
    return st.column_config.NumberColumn(label, format="percent", step=0.01, help=help)


def change_colours(values: pd.Series, higher_is_better: bool = True) -> list[str]:
    """Return the text colour of each change in a table, by the cards' colour rule."""
    good, bad = ("#1a7f37", "#cf222e") if higher_is_better else ("#cf222e", "#1a7f37")
    return [("" if formats.missing(value) or not formats.moved(value)
             else f"color: {good if value > 0 else bad}") for value in values]


def records(frame: pd.DataFrame, key: str, height: int | str = "auto") -> None:
    """Show model rows with people's labels, UK dates and pounds; cell text is shown as text."""
    config = {}
    for column in frame.columns:
        label = FIELD_LABELS.get(column, column)
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            config[column] = st.column_config.DateColumn(label, format="DD/MM/YYYY")
        elif column == "fee":
            config[column] = st.column_config.NumberColumn(label, format="£%,.0f")
        elif column in SHARE_FIELDS:
            config[column] = percent_column(label)
        else:
            config[column] = st.column_config.Column(label)
    st.dataframe(frame, hide_index=True, placeholder=MISSING, width="stretch", column_config=config, key=key,
                 height=height)


def narrowed(frame: pd.DataFrame, column: str, label: str, key: str, where=st,
             options: list | None = None, format_func=str, everything: str = "Everyone",
             ) -> pd.DataFrame:
    """Draw a filter on one column (nothing chosen: every row) and return the rows it keeps. A
    blank consultant, client, source or role is a choice of its own, "(no consultant)"."""
    grouped = column in BLANK_GROUPS
    values = group_names(frame[column], column) if grouped else frame[column]
    choices = (options if options is not None
               else group_options(frame[column], column) if grouped
               else sorted(values.dropna().unique()))
    chosen = where.multiselect(label, choices, format_func=format_func, key=key,
                               placeholder=everything)
    return frame[values.isin(chosen).to_numpy(bool)] if chosen else frame


def as_shown(frame: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Return a table's shown columns under their headings on screen (from its column config;
    hidden ones left out), so that its download reads like the table."""
    headings = {column: setting if isinstance(setting, str) else setting.get("label") or column
                for column, setting in config.items() if setting is not None and column in frame}
    return frame[list(headings)].rename(columns=headings)


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
    # A click downloads without a rerun: a rerun drops the deferred file while the browser is
    # fetching it, which on a busy server ends in "Deferred file not found".
    columns[0].download_button("Download CSV", lambda: export.csv_bytes(frame),
                               file_name=f"{name}.csv", mime="text/csv", key=f"{key_prefix}_csv",
                               width="stretch", on_click="ignore")
    columns[1].download_button(
        "Download Excel", lambda: export.xlsx_bytes({name: frame}), file_name=f"{name}.xlsx",
        key=f"{key_prefix}_xlsx", width="stretch", on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if calendar:
        columns[2].download_button("Download calendar (.ics)", calendar, file_name=f"{name}.ics",
                                   mime="text/calendar", key=f"{key_prefix}_ics", width="stretch",
                                   on_click="ignore",
                                   help=calendar_help or "One event per call, to import into "
                                                         "Outlook, Google or Apple Calendar.")


def rules(doc: str | None) -> None:
    """Draw a module's rules (the list in its docstring) for people: without the docstring's
    title paragraph and its "Rules where DESIGN.md is silent" heading, which speak to developers."""
    paragraphs = (doc or "").strip().split("\n\n")[1:]
    if paragraphs and paragraphs[0].startswith("Rules"):
        paragraphs[0] = paragraphs[0].split("\n", 1)[1] if "\n" in paragraphs[0] else ""
    st.markdown("\n\n".join(paragraph for paragraph in paragraphs if paragraph.strip()))


def as_of_caption(as_of: date) -> None:
    """Say which day the figures are as of."""
    st.caption(f"As of {as_of:%A %d %B %Y}. Change the date in the sidebar.")
