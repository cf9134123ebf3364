"""The Consultants page's parts: the ratio grid and its pairs, the leaderboard, one consultant's
figures, trends, funnel against the team and targets. Each draws widgets and returns the choices."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from recruit_dash import formats
from recruit_dash.metrics.consultant_trends import (
    biggest_leak,
    figure_changes,
    funnel_against_team,
    leaderboard,
    ratio_trend,
    weekly_activity,
    weekly_milestones,
)
from recruit_dash.metrics.funnel import Progress
from recruit_dash.metrics.ratio_ledger import (
    ACTIVITY,
    ALL_ACTIVITIES,
    DEFAULT_PAIRS,
    MILESTONE,
    TRAILING_DAYS,
    Ledger,
    RatioPair,
)
from recruit_dash.metrics.ratios import SMALL_SAMPLE, ratio_grid, ratio_table
from recruit_dash.metrics.targets import (
    TARGET_COLUMNS_HELP,
    coming_period,
    default_goal,
    placements_for_fee,
    targets,
    targets_frame,
)
from recruit_dash.model import ACTIVITY_KIND_LABELS, STAGE_LABELS, Model
from recruit_dash.outputs import charts
from recruit_dash.periods import PERIOD_KINDS, Period
from recruit_dash.ui import components, state

GRID_ROWS = 50  # consultants on one page of the grid
# Soft colours for a coaching conversation: no red, and grey text for a small sample.
CELL_STYLES = {"better": "background-color: #d9efe2", "around": "background-color: #eef1f5",
               "worse": "background-color: #fbe7cf", "small": "color: #8a8a8a",
               "not_logged": "color: #8a8a8a; font-style: italic", "team": "font-weight: bold"}

def pairs_ui(pairs: tuple[RatioPair, ...]) -> None:
    """Draw the editor of nail-to-milestone pairs; a change reruns the page with the new pairs."""
    with st.expander("Which nails build which milestone (ratio pairs)"):
        nails = {**{kind: label for kind, label in ACTIVITY_KIND_LABELS.items()},
                 ALL_ACTIVITIES: "All activities",
                 **{f"stage:{stage}": f"Milestone: {label}" for stage, label in STAGE_LABELS.items()}}
        table = pd.DataFrame({
            "nails": [f"stage:{pair.activity}" if pair.source == MILESTONE else pair.activity
                      for pair in pairs],
            "milestone": [pair.milestone for pair in pairs]})
        edited = st.data_editor(
            table, hide_index=True, placeholder=components.MISSING, num_rows="dynamic",
            key="consultants_pairs_editor",
            column_config={
                "nails": st.column_config.SelectboxColumn(
                    "Nails", options=list(nails), format_func=nails.get, required=True,
                    help="An activity kind, all activities, or an earlier milestone."),
                "milestone": st.column_config.SelectboxColumn(
                    "Per milestone", options=list(STAGE_LABELS), format_func=STAGE_LABELS.get,
                    required=True)})
        chosen = tuple(
            RatioPair(row["nails"].removeprefix("stage:"), row["milestone"],
                      MILESTONE if row["nails"].startswith("stage:") else ACTIVITY)
            for row in edited.to_dict("records") if row["nails"] in nails
            and row["milestone"] in STAGE_LABELS) or DEFAULT_PAIRS
        chosen = tuple({pair.key: pair for pair in chosen}.values())  # a pair listed twice once
        if chosen != pairs:
            state.set_ratio_pairs(chosen)
            st.rerun()
        st.caption("The standard pairs until you change them. Fewer nails per milestone is "
                   "better for every pair.")

def grid_ui(book: Ledger, pairs: tuple[RatioPair, ...], period: Period, as_of: date) -> None:
    """Draw the consultants × ratios grid coloured against the team median."""
    st.subheader("Nails per milestone")
    rows = _grid_rows(book)
    if rows == []:
        return
    shown, flags = ratio_table(ratio_grid(book, period, as_of, pairs, rows))
    styled = shown.style.apply(lambda _: flags.map(lambda flag: CELL_STYLES.get(flag, "")),
                               axis=None)
    config = {"Consultant": st.column_config.TextColumn("Consultant", pinned=True)}
    config |= {pair.label: st.column_config.TextColumn(pair.label, help=pair.definition)
               for pair in pairs}
    st.dataframe(styled, hide_index=True, placeholder=components.MISSING, width="stretch",
                 column_config=config, key="consultants_grid")
    st.caption(f"Each cell: ratio (nails ÷ milestones) in {period.label}. Green: fewer nails per "
               "milestone than the team median; blue-grey: around it (within 10%); amber: more "
               "nails than the team — a place to talk about, not a verdict. Grey text: small "
               f"sample (fewer than {SMALL_SAMPLE} milestones). A dash: no milestone to divide by. "
               "“Not in your data”: your data logs no activity of that kind at all, so there is "
               "no ratio (not a ratio of 0).")

def _grid_rows(book: Ledger) -> list[str] | None:
    """Return the consultants whose rows the grid shows: everyone in a team of up to GRID_ROWS;
    in a larger one, a page of them (or of those matching a search), GRID_ROWS at a time."""
    people = sorted(book.consultants)
    if len(people) <= GRID_ROWS:
        return None
    left, right = st.columns(2)
    search = left.text_input("Find a consultant", key="consultants_grid_search",
                             placeholder="Part of a name").strip().casefold()
    found = [name for name in people if search in name.casefold()] if search else people
    starts = range(0, max(len(found), 1), GRID_ROWS)
    first = right.selectbox(
        "Showing", starts, key=f"consultants_grid_page_{search}",
        format_func=lambda start: f"{start + 1:,}–{min(start + GRID_ROWS, len(found)):,} of "
                                  f"{len(found):,} consultants" if found else "no consultant")
    if not found:
        st.caption(f"No consultant's name holds “{components.escape_markdown(search)}”.")
    return found[first:first + GRID_ROWS]


def leaderboard_ui(book: Ledger, period: Period, as_of: date) -> None:
    """Draw the team's milestones (not just activity counts) per consultant."""
    st.subheader("Team leaderboard: milestones built")
    board = leaderboard(book, period, as_of)
    config = {"consultant": st.column_config.TextColumn("Consultant"),
              "activities": st.column_config.NumberColumn(
                  "All activities", format="%,.0f",
                  help="Every activity credited to the consultant in the period."),
              "fees": st.column_config.NumberColumn(
                  "Fees from starts", format="£%,.0f",
                  help="Fees of their leads that started in the period.")}
    config |= {stage: st.column_config.NumberColumn(
        STAGE_LABELS[stage], format="%,d",
        help=f"Their leads reaching '{STAGE_LABELS[stage]}' in the period (activity lens).")
        for stage in STAGE_LABELS if stage in board.columns}
    st.dataframe(board, hide_index=True, placeholder=components.MISSING, width="stretch",
                 column_config=config, key="consultants_leaderboard")

def headline_ui(book: Ledger, pairs: tuple[RatioPair, ...], who: str, period: Period,
                as_of: date) -> None:
    """Draw the consultant's headline figures against the previous period of the same length."""
    figures = figure_changes(book, who, period, as_of, pairs).set_index("key")
    cards = (("started", "Placements (starts)", "Their leads that started in the period.", "count"),
             ("fees", "Fees from starts", "Fees of their leads that started in the period.",
              "money"),
             ("all", "All activities", "Every activity credited to them in the period.", "count"))
    for column, (key, label, definition, kind) in zip(st.columns(len(cards)), cards, strict=True):
        now, change = (figures.at[key, "now"], figures.at[key, "change"]) if key in figures.index \
            else (0.0, 0.0)
        components.change_card(column, label, formats.figure(now, kind), change, kind,
                               help=f"{definition} Change: against the same number of days just "
                                    "before.")

def trends_ui(book: Ledger, pairs: tuple[RatioPair, ...], who: str, period: Period,
              as_of: date) -> None:
    """Draw weekly activity and milestone trends and the ratio per 4-week block."""
    activity, milestones, ratios = st.tabs(["Activity by week", "Milestones by week",
                                            "Ratios over time"])
    activity.plotly_chart(charts.activity_trend_chart(
        weekly_activity(book, who, period, as_of), "Activities per week"), width="stretch",
        key="consultants_activity_trend")
    milestones.plotly_chart(charts.weekly_trend(
        weekly_milestones(book, who, period, as_of), "Leads reaching each milestone per week"),
        width="stretch", key="consultants_milestone_trend")
    ratios.plotly_chart(charts.ratio_trend_chart(
        ratio_trend(book, as_of, who, pairs=pairs), "Nails per milestone, 4 weeks at a time (dotted: team)"),
        width="stretch", key="consultants_ratio_trend")
    st.caption("Weeks start on Monday; a weekly KPI row counts on its week's first day. Ratios "
               "over time: the same ratio for each 4 weeks ending on the as-of date.")

def funnel_ui(model: Model, standing: Progress, who: str, period: Period, as_of: date,
              team: Model | None = None) -> None:
    """Draw their funnel against the team's (`team`'s leads when given, else the model's) and
    say where their chain leaks most."""
    comparison = funnel_against_team(model, who, period, as_of, standing, team=team)
    if len(comparison) < 2:
        st.info("No dated milestones in this period to compare with the team.")
        return
    st.plotly_chart(charts.funnel_against_team_chart(comparison, who, "Each step against the "
                                                     "team's"), width="stretch",
                    key="consultants_funnel")
    st.markdown(f"**Where the chain leaks most.** {biggest_leak(comparison)}")
    st.caption("Activity lens: milestone events dated in the period. Step = events at this stage "
               "÷ events at the stage before; it can pass 1 (more CVs sent than jobs taken in the "
               "period), so it is a rate per event, not a share. A step is compared only with "
               f"{SMALL_SAMPLE} or more at the stage before.")

def targets_ui(book: Ledger, pairs: tuple[RatioPair, ...], who: str, as_of: date) -> int | None:
    """Draw the goal picker and the targets from their own ratios; return the goal in placements."""
    left, middle, right = st.columns(3)
    kind = middle.segmented_control("Over the coming", list(PERIOD_KINDS), default="month",
                                    format_func=str.title, key="consultants_goal_period") or "month"
    coming = coming_period(as_of, kind)
    goal_type = left.segmented_control("Goal", ["placements", "fee"], default="placements",
                                       format_func=str.title, key="consultants_goal_type")
    if goal_type == "fee":
        fee = right.number_input("Fee target (£)", min_value=0, value=20000, step=1000,
                                 key="consultants_goal_fee")
        fee_goal = placements_for_fee(book, as_of, who, fee)
        goal = fee_goal.placements
        if goal is None:
            st.info("No fees on record to turn a fee target into placements.")
            return None
        whose = "the team's" if fee_goal.from_team else "their"
        st.caption(f"£{fee:,.0f} at {whose} average fee of £{fee_goal.average_fee:,.0f} per start "
                   f"= {goal} placement{'s' if goal != 1 else ''}.")
    else:
        goal = int(right.number_input(
            "Placements", min_value=1, value=default_goal(book, as_of, who, kind), step=1,
            key=f"consultants_goal_placements_{kind}",
            help=f"Starts at their rate over the last {TRAILING_DAYS} days, at least 1."))
    result = targets(book, as_of, who, goal, pairs)
    st.markdown(f"**{goal} placement{'s' if goal != 1 else ''} in {coming.label}** — at "
                f"{components.escape_markdown(who)}'s own ratios over "
                f"{result.window.start:%d %b} – {result.window.end:%d %b %Y}, beside a blanket "
                "team minimum.")
    config = {"activity": st.column_config.TextColumn("Activity", help=TARGET_COLUMNS_HELP["activity"]),
              "needed": st.column_config.NumberColumn("At their ratios", format="%,d",
                                                      help=TARGET_COLUMNS_HELP["needed"]),
              "per_week": st.column_config.NumberColumn("Per week", format="%,d",
                                                        help=TARGET_COLUMNS_HELP["per_week"]),
              "team_minimum": st.column_config.NumberColumn(
                  "Blanket team minimum", format="%,d", help=TARGET_COLUMNS_HELP["team_minimum"]),
              "from_team_median": st.column_config.CheckboxColumn(
                  "Team median used", help=TARGET_COLUMNS_HELP["from_team_median"]),
              "note": st.column_config.TextColumn("Note", help=TARGET_COLUMNS_HELP["note"])}
    st.dataframe(targets_frame(result, coming), hide_index=True, placeholder=components.MISSING,
                 width="stretch", column_config=config, key="consultants_targets")
    on_the_way = ", ".join(f"{STAGE_LABELS[stage]} {value:,}"
                           for stage, value in result.milestones_needed.items() if value is not None)
    if on_the_way:
        st.caption(f"Milestones on the way: {on_the_way}.")
    for note in result.notes:
        st.caption(note)
    return goal
