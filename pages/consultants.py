"""Consultants: nails per milestone against the team, trends, targets from own ratios, a pack."""

import streamlit as st

from recruit_dash.metrics.ratio_ledger import CREDIT_HELP, CREDIT_LABELS, CREDITS
from recruit_dash.metrics.ratios import __doc__ as RULES
from recruit_dash.outputs.export import pack_file_name
from recruit_dash.periods import Period
from recruit_dash.ui import components, consultants, state, views

ingested, as_of = components.page_start("Consultants")
model = ingested.model
standing = state.standing(ingested, as_of)
team = views.team_funnel(ingested)  # a consultant's view: their team's leads, unnamed
st.caption("How many *nails* (calls, BD calls, CVs sent, meetings) each consultant needs to build "
           "each milestone, against the team — for coaching, not for ranking.")

period = components.period_range("consultants", as_of, default_kind="custom")
credit = st.segmented_control("Credit activities to", list(CREDITS), default="owner",
                              format_func=CREDIT_LABELS.get, key="consultants_credit",
                              help=CREDIT_HELP) or "owner"
book = state.credited(ingested, credit)
pairs = state.ratio_pairs()
if not book.consultants:
    st.info("No consultants in this data yet. Map a consultant column on the **Data** page.")
    st.stop()

consultants.grid_ui(book, pairs, period, as_of)
consultants.pairs_ui(pairs)
consultants.leaderboard_ui(book, period, as_of)

st.subheader("One consultant")
who = st.selectbox("Consultant", list(book.consultants), key="consultants_person")
consultants.headline_ui(book, pairs, who, period, as_of)
consultants.trends_ui(book, pairs, who, period, as_of)
st.subheader("Their funnel against the team's")
consultants.funnel_ui(model, standing, who, period, as_of, team)
st.subheader("Targets from their own ratios")
goal = consultants.targets_ui(book, pairs, who, as_of)

end = min(period.end, as_of)


def pack() -> bytes:
    """Build the pack when it is asked for (matplotlib loads then, not with the page)."""
    from recruit_dash.outputs.pack import coaching_pack

    return coaching_pack(model, who, period.start, end, as_of, credit, goal, pairs=pairs,
                         standing=standing, book=book, team=team)


st.download_button(
    "Download coaching pack (PDF)", pack,
    file_name=pack_file_name(who, Period(period.start, end, period.label)),
    mime="application/pdf", key="consultants_pack", icon=":material/picture_as_pdf:",
    on_click="ignore",
    help="Their figures, ratios against the team, trends, funnel, what changed since the "
         "previous period and their targets, on A4 for the one-to-one.")

with st.expander("How these figures are counted"):
    components.rules(RULES)
