"""Overview: this period against the last, what needs attention, and the fee forecast."""

from datetime import timedelta

import streamlit as st

from recruit_dash import formats
from recruit_dash.metrics import forecast as fees
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
history.since_last_upload(ingested)

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

st.subheader("Fee forecast")
forecast = fees.fee_forecast(ingested.model, as_of, standing=state.standing(ingested, as_of))
open_leads = sum(row["open_leads"] for row in forecast["by_stage"])
cold = forecast["gone_cold_leads"]
left_out = (f"; {formats.count(cold)} more {'has' if cold == 1 else 'have'} gone cold and "
            f"{'is' if cold == 1 else 'are'} left out" if cold else "")
# Words, not cards: the cards above are this period's figures, and this is no period's.
st.markdown(f"**Expected fees: {formats.money(forecast['expected_fees'])}** from "
            f"{formats.count(open_leads)} open leads on {as_of:%d %b %Y}, "
            f"{formats.count(forecast['leads_without_fee'])} of them without a fee of their "
            f"own{left_out}.")
st.caption(forecast["method"])
if not open_leads:
    st.info(f"No open lead on {as_of:%d %b %Y}"
            f"{' that has not gone cold' if cold else ''}, so there is nothing to forecast.")
else:
    stage_config = {
        "stage": "Furthest stage", "open_leads": "Open leads",
        "probability": components.percent_column(
            "Chance of a start", help="Of the closed leads that reached this stage (or a later "
                                      "one), the share that started; a lead gone cold counts as "
                                      "closed without a start."),
        "closed_leads_behind": st.column_config.NumberColumn(
            "Closed leads behind it", format="%,d", help="The closed leads the chance is "
                                                         "measured on."),
        "basis": st.column_config.TextColumn(
            "Measured on", help=f"The last 12 months, or the whole history where the 12 months "
                                f"hold fewer than {forecast['small_sample']} closed leads at the "
                                "stage; a small sample is marked."),
        "expected": st.column_config.NumberColumn("Expected fees", format="£%,.0f"),
    }
    stages = fees.stage_table(forecast)
    st.dataframe(stages, hide_index=True, placeholder=components.MISSING, width="stretch",
                 column_config=stage_config, key="overview_forecast_stages",
                 height="content")  # one row per stage of the ladder: all of them, no scrolling
    components.downloads(components.as_shown(stages, stage_config), "fee_forecast_by_stage",
                         "overview_forecast_stages")
    people_config = {"consultant": "Consultant", "open_leads": "Open leads",
                     "expected": st.column_config.NumberColumn("Expected fees", format="£%,.0f")}
    people = fees.consultant_table(forecast)
    st.dataframe(people, hide_index=True, placeholder=components.MISSING, width="stretch",
                 column_config=people_config, key="overview_forecast_consultants")
    components.downloads(components.as_shown(people, people_config),
                         "fee_forecast_by_consultant", "overview_forecast_consultants")
with st.expander("How the forecast is counted"):
    components.rules(fees.__doc__)
