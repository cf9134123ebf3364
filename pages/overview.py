"""Overview: this period against the last, and what needs attention."""

from datetime import timedelta

import streamlit as st

from recruit_dash.metrics import registry as metrics
from recruit_dash.outputs import charts
from recruit_dash.periods import compared_periods, period_holding
from recruit_dash.ui import components, history, state

ingested, as_of = components.page_start("Overview")
kind = components.period_picker("overview")
complete = components.span_picker("overview", as_of, kind)
period, previous = compared_periods(as_of, kind, complete)
components.as_of_caption(as_of)
st.subheader(period.label)
if complete:
    st.caption(f"The last complete {kind} up to {as_of:%d %b %Y}, compared with {previous.label}.")
else:
    st.caption(f"This {kind} up to {as_of:%d %b %Y}, compared with {previous.label}: the same "
               f"number of days into the previous {kind}.")
figures = metrics.headline_figures(ingested.model, period, previous, as_of)
components.figure_cards(figures)

st.subheader("Since last upload")
history.since_last_upload()

st.subheader("Needs attention")
# The stalled leads are the Stalled & today page's, computed once per data, day and rules.
for item in metrics.needs_attention(ingested.model, as_of, state.standing(ingested, as_of),
                                    stalled=state.stalled(ingested, as_of)):
    with st.expander(f"{item.label}: {len(item.rows):,}", expanded=False):
        st.caption(item.definition)
        components.records(item.rows, key=f"overview_rows_{item.label}")
        components.downloads(item.rows, item.label.lower().replace(" ", "_"),
                             f"overview_{item.label}")

trend = metrics.weekly_milestones(ingested.model, ("lead", "shortlist", "interview", "started"),
                                  period_holding(as_of - timedelta(weeks=12), "week").start, as_of)
st.plotly_chart(charts.weekly_trend(trend, "Milestones per week, last 13 weeks"), width="stretch",
                key="overview_trend")
