"""Stalled & today: the calls to make on the day, and the open leads nobody has moved."""

import json

import pandas as pd
import streamlit as st

from recruit_dash.metrics import queue, stalled
from recruit_dash.model import STAGE_IDS, STAGE_LABELS, group_names, group_options
from recruit_dash.outputs.ics import calls_ics
from recruit_dash.ui import components, state

ingested, as_of = components.page_start("Stalled & today")
calls_tab, stalled_tab = st.tabs(["Today's calls", "Stalled leads"])

with calls_tab:
    day = st.date_input("Calls for", value=state.queue_day(ingested), key="today_day",
                        format="DD/MM/YYYY",
                        help="The queue for this day: what is due on it, and what is overdue by "
                             "then. It starts at today (for the sample agency, at its own last "
                             "day).")
    items = state.queue(ingested, day)
    people = ["Everyone", *group_options(items["consultant"], "consultant")]
    who = st.selectbox("Consultant", people, key="today_consultant")
    if who != "Everyone":
        items = items[(group_names(items["consultant"], "consultant") == who).to_numpy(bool)]
    cards = st.columns(5)
    for column, (label, urgency, help_text) in zip(cards, [
            ("Start-day calls", queue.START_DAY, "Candidates starting on the day: call on the "
                                                 "day to check they started. These cannot move."),
            ("Overdue", queue.OVERDUE, "Calls whose day has passed, by 90 days or less: next "
                                       "actions, unconfirmed starts, missed check-ins and "
                                       "re-contacts."),
            ("Due on the day", queue.DUE, "Next actions and re-contacts dated on the day."),
            ("Coming up", queue.COMING_UP, "Probation ends in the next 7 days, and check-ins "
                                           "whose window is open but due later."),
            ("Over 90 days overdue", queue.LONG_OVERDUE,
             "Calls whose day passed more than 90 days ago, listed apart below: leads to "
             "review rather than today's first calls.")], strict=True):
        column.metric(label, f"{int((items['urgency'] == urgency).sum()):,}", help=help_text,
                      border=True)
    old = queue.long_overdue(items)
    if items.empty:
        st.success(f"Nothing to call about on {day:%A %d %B %Y}.")
    else:
        call_list = queue.for_people(items[~old])
        if call_list.empty:
            st.success(f"No call due on {day:%A %d %B %Y} or overdue by 90 days or less.")
        else:
            components.records(call_list, key="today_queue_table")
        calendar_calls = queue.for_calendar(items)
        components.downloads(call_list, f"call_list_{day:%Y-%m-%d}", "today_queue",
                             calendar=lambda: calls_ics(calendar_calls, day),
                             calendar_help=f"{len(calendar_calls):,} events: the calls due on "
                                           "the day and coming up, each on its own day, and the "
                                           f"calls overdue by {queue.CALENDAR_OVERDUE_DAYS} days "
                                           "or less, on the day chosen. Older overdue calls are "
                                           "in the CSV and Excel lists, not the calendar.")
        st.caption(f"The calendar file holds {len(calendar_calls):,} calls: those due on the day "
                   f"and coming up, and those overdue by {queue.CALENDAR_OVERDUE_DAYS} days or "
                   "less (on the day chosen). Older overdue calls stay in the lists.")
        if old.any():
            with st.expander(f"Overdue for more than {queue.LONG_OVERDUE_DAYS} days: "
                             f"{int(old.sum()):,}"):
                st.caption("Calls whose day passed more than 90 days ago: most are leads to "
                           "review or close rather than calls to make today.")
                long_list = queue.for_people(items[old])
                components.records(long_list, key="today_queue_long_overdue")
                components.downloads(long_list, f"long_overdue_{day:%Y-%m-%d}",
                                     "today_queue_long_overdue")
    with st.expander("How the queue is built"):
        components.rules(queue.__doc__)

with stalled_tab:
    components.as_of_caption(as_of)
    with st.expander("Stall rules: days without progress before a lead counts as stalled"):
        rules = state.stall_rules()
        table = pd.DataFrame({"stage": list(rules.to_dict()["thresholds"]),
                              "days": pd.array(list(rules.to_dict()["thresholds"].values()),
                                               dtype="Int64")})
        table.insert(1, "label", table["stage"].map(STAGE_LABELS))
        edited = st.data_editor(
            table, hide_index=True, placeholder=components.MISSING, key="stall_rules_editor",
            disabled=["stage", "label"],
            column_config={"stage": None, "label": st.column_config.Column("Furthest stage"),
                           "days": st.column_config.NumberColumn(
                               "Days", min_value=0, max_value=365, step=1,
                               help="Leave “Candidate resigned” empty to flag it whenever no "
                                    "start date is set.")})
        chosen = stalled.StallRules.from_dict({"thresholds": {
            row["stage"]: None if pd.isna(row["days"]) else int(row["days"])
            for row in edited.to_dict("records")}})
        if chosen != rules:
            state.set_stall_rules(chosen)
            st.rerun()
        left, right = st.columns(2)
        left.download_button("Download these rules", json.dumps(rules.to_dict(), indent=2),
                             file_name="stall_rules.json", mime="application/json",
                             key="stall_rules_download", on_click="ignore",
                             help="A small file to share with a colleague or load next time.")
        loaded = right.file_uploader("Load saved rules", type=["json"], key="stall_rules_upload")
        if loaded is not None and loaded.file_id != st.session_state.get("stall_rules_loaded"):
            st.session_state["stall_rules_loaded"] = loaded.file_id  # once per file, not per rerun
            try:
                state.set_stall_rules(stalled.StallRules.from_dict(json.loads(loaded.getvalue())))
                st.rerun()
            except (ValueError, AttributeError):
                st.error("That file is not a rules file saved from this page.")
    result = state.stalled(ingested, as_of)
    leads = result.leads
    left, right = st.columns(2)
    present = set(leads["stage"].unique())
    stages = [stage for stage in STAGE_IDS if stage in present]
    leads = components.narrowed(leads, "consultant", "Consultants", "stalled_consultants", left)
    leads = components.narrowed(leads, "stage", "Furthest stage", "stalled_stages", right,
                                options=stages, format_func=STAGE_LABELS.get,
                                everything="Every stage")
    st.metric("Stalled leads", f"{len(leads):,}", border=True,
              help=f"Open leads with no progress for longer than their stage allows and no next "
                   f"action dated on or after {as_of:%d %b %Y}. {result.open_leads:,} leads are "
                   "open in all.")
    if result.undated:
        st.caption(f"{result.undated:,} open leads have no date at all, so we cannot tell "
                   "whether they are stalled.")
    if leads.empty:
        st.success("No stalled leads with these filters.")
    else:
        # Leads with no progress for months are leads to review, not a pile of today's events:
        # they are listed apart, after the ones still worth a call this week.
        old = (leads["days_since_progress"] > queue.LONG_OVERDUE_DAYS).fillna(False).to_numpy(bool)
        recent = leads[~old]
        shown = stalled.for_people(leads)
        components.records(stalled.for_people(recent), key="stalled_table")
        if old.any():
            with st.expander(f"Stalled for more than {queue.LONG_OVERDUE_DAYS} days: "
                             f"{int(old.sum()):,}"):
                st.caption("No progress for months: review whether these leads are still open, "
                           "and close the ones that are not.")
                components.records(stalled.for_people(leads[old]), key="stalled_old_table")
        components.downloads(shown, f"stalled_leads_{as_of:%Y-%m-%d}", "stalled",
                             calendar=lambda: calls_ics(stalled.as_calls(recent), as_of),
                             calendar_help=f"One event on the as-of day per stalled lead with "
                                           f"progress in the last {queue.LONG_OVERDUE_DAYS} days "
                                           f"({len(recent):,}); older ones stay in the list.")
    with st.expander("How stalled leads are found"):
        components.rules(stalled.__doc__)
