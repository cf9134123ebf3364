"""Aftercare: every placement's check-ins, at-risk starters and probation ends (seed 004)."""

import pandas as pd
import streamlit as st

from recruit_dash import formats
from recruit_dash.metrics import aftercare
from recruit_dash.model import group_options
from recruit_dash.outputs.ics import calls_ics
from recruit_dash.ui import components, state

ingested, as_of = components.page_start("Aftercare")
components.as_of_caption(as_of)

with st.expander("Check-in schedule"):
    schedule = state.checkin_schedule()
    table = pd.DataFrame({"name": [point.name for point in schedule],
                          "offset_days": pd.array([point.offset_days for point in schedule],
                                                  dtype="Int64")})
    edited = st.data_editor(
        table, hide_index=True, placeholder=components.MISSING, num_rows="dynamic", key="schedule_editor",
        column_config={"name": st.column_config.TextColumn("Check-in", required=True),
                       "offset_days": st.column_config.NumberColumn(
                           "Days after the start", min_value=-60, max_value=730, step=1,
                           help="Negative: before the start. Leave empty for the probation "
                                "end date.")})
    chosen = aftercare.schedule_from_dicts(edited.to_dict("records"))
    if chosen != schedule:
        state.set_checkin_schedule(chosen)
        st.rerun()

care = state.aftercare_on(ingested, as_of)
checkins = care.checkins
if care.placements.empty and care.unscheduled.empty:
    st.info("No placements in your data yet. A placements sheet (candidate, client, start date) "
            "or leads with a start date give this page its rows.")
    st.stop()

if not care.records:
    st.warning(aftercare.NO_RECORDS, icon=":material/info:")
done = (checkins["status"] == "done").sum()
missed = (checkins["status"] == "overdue").sum()
# Without check-in records, overdue, at risk and completion are unknown, not zero.
unknown = "–" if not care.records else None
cards = st.columns(4)
cards[0].metric("Check-ins due now", f"{int((checkins['status'] == 'due').sum()):,}", border=True,
                help="Check-ins whose window (due day ± 3 days) holds the as-of date, not yet "
                     "done.")
cards[1].metric("Check-ins overdue", unknown or f"{int(missed):,}", border=True,
                help="Check-ins whose window closed with no contact with the candidate.")
cards[2].metric("At-risk starters", unknown or f"{len(care.at_risk()):,}", border=True,
                help="Started, still inside the check-in schedule, and no contact for 31 days "
                     "or more.")
cards[3].metric("Completion", formats.percent(done / (done + missed)) if done + missed else "–",
                border=True, help="Check-ins done ÷ check-ins whose window has closed.")

st.subheader("Check-ins")
left, right = st.columns(2)
statuses = left.multiselect("Status", list(aftercare.STATUSES),
                            default=["due", "overdue" if care.records else aftercare.NOT_RECORDED],
                            format_func=aftercare.STATUS_LABELS.get, key="aftercare_status")
shown = checkins[checkins["status"].isin(statuses or aftercare.STATUSES)]
shown = components.narrowed(shown, "consultant", "Consultants", "aftercare_consultants", right,
                            options=group_options(checkins["consultant"], "consultant"))
if shown.empty:
    st.success("No check-ins with these filters.")
else:
    call_list = aftercare.for_people(shown)
    components.records(call_list, key="aftercare_checkins")
    components.downloads(call_list, f"check_ins_{as_of:%Y-%m-%d}", "aftercare_checkins",
                         calendar=lambda: calls_ics(aftercare.as_calls(shown, as_of), as_of),
                         calendar_help="One event per check-in not yet done, on its due day: "
                                       "those due now or coming up, and those missed in the "
                                       "last 7 days (on the as-of day). Older misses stay in "
                                       "the list and its downloads.")

st.subheader("At-risk starters")
at_risk = care.at_risk()[["placement_id", "candidate", "client", "consultant", "start_on",
                          "last_contact_on", "days_without_contact", "fee"]]
if not care.records:
    st.caption("No check-in records, so no starter can be judged at risk.")
elif at_risk.empty:
    st.success("Every starter has heard from us in the last 31 days.")
else:
    components.records(at_risk, key="aftercare_at_risk")
    components.downloads(at_risk, f"at_risk_starters_{as_of:%Y-%m-%d}", "aftercare_at_risk")

st.subheader("Probation ends in the next 30 days")
ends = care.probation_ends(30)[["placement_id", "candidate", "client", "consultant", "start_on",
                                "probation_end_on", "fee"]]
if ends.empty:
    st.caption("No probation ends in the next 30 days (or no probation end dates in the data).")
else:
    components.records(ends, key="aftercare_probation")

st.subheader("Check-in completion by consultant")
components.records(care.completion(), key="aftercare_completion")

if not care.unscheduled.empty:
    with st.expander(f"Placements with no start date ({len(care.unscheduled):,}): "
                     "no check-ins can be scheduled"):
        components.records(care.unscheduled, key="aftercare_unscheduled")

with st.expander("How check-ins are judged"):
    components.rules(aftercare.__doc__)
