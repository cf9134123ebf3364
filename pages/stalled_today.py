"""Stalled & today: the calls to make on the day, and the open leads nobody has moved."""

import json
from datetime import date

import pandas as pd
import streamlit as st

from recruit_dash import queue, stalled
from recruit_dash.ics import calls_ics
from recruit_dash.model import STAGE_IDS, STAGE_LABELS
from recruit_dash.ui import components, state

ingested, as_of = components.page_start("Stalled & today")
calls_tab, stalled_tab = st.tabs(["Today's calls", "Stalled leads"])

with calls_tab:
    day = st.date_input("Calls for", value=date.today(), key="today_day", format="DD/MM/YYYY",
                        help="The queue for this day: what is due on it, and what is overdue by "
                             "then. It starts at today.")
    items = state.queue(ingested, day)
    people = ["Everyone", *sorted(items["consultant"].dropna().unique())]
    who = st.selectbox("Consultant", people, key="today_consultant")
    if who != "Everyone":
        items = items[items["consultant"] == who]
    cards = st.columns(4)
    for column, (label, urgency, help_text) in zip(cards, [
            ("Start-day calls", 0, "Candidates starting on the day: call on the day to check "
                                   "they started. These cannot move."),
            ("Overdue", 1, "Calls whose day has passed: next actions, unconfirmed starts, "
                           "missed check-ins and re-contacts."),
            ("Due on the day", 2, "Next actions and re-contacts dated on the day."),
            ("Coming up", 3, "Probation ends in the next 7 days, and check-ins whose window "
                             "is open but due later.")], strict=True):
        column.metric(label, f"{int((items['urgency'] == urgency).sum()):,}", help=help_text,
                      border=True)
    if items.empty:
        st.success(f"Nothing to call about on {day:%A %d %B %Y}.")
    else:
        call_list = queue.for_people(items)
        components.records(call_list, key="today_queue_table")
        components.downloads(call_list, f"call_list_{day:%Y-%m-%d}", "today_queue",
                             calendar=lambda: calls_ics(items, day),
                             calendar_help="One event per call, on its day (overdue calls on the "
                                           "day chosen), to import into Outlook, Google or Apple "
                                           "Calendar.")
    with st.expander("How the queue is built"):
        st.markdown(queue.__doc__.split("\n", 2)[2])

with stalled_tab:
    components.as_of_caption(as_of)
    with st.expander("Stall rules: days without progress before a lead counts as stalled"):
        rules = state.stall_rules()
        table = pd.DataFrame({"stage": list(rules.to_dict()["thresholds"]),
                              "days": pd.array(list(rules.to_dict()["thresholds"].values()),
                                               dtype="Int64")})
        table.insert(1, "label", table["stage"].map(STAGE_LABELS))
        edited = st.data_editor(
            table, hide_index=True, key="stall_rules_editor", disabled=["stage", "label"],
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
                             key="stall_rules_download",
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
    stages = [stage for stage in STAGE_IDS if stage in set(leads["stage"])]
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
        shown = stalled.for_people(leads)
        components.records(shown, key="stalled_table")
        components.downloads(shown, f"stalled_leads_{as_of:%Y-%m-%d}", "stalled",
                             calendar=lambda: calls_ics(stalled.as_calls(leads), as_of),
                             calendar_help="One event per stalled lead, on the as-of day.")
    with st.expander("How stalled leads are found"):
        st.markdown(stalled.__doc__.split("\n", 2)[2])
