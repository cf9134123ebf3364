"""Quarterly review: lead-completion cohorts, and this quarter against the last."""

import streamlit as st

from recruit_dash.metrics.funnel import cohorts, days_from_lead_table, filled_curve, quarter_on_quarter
from recruit_dash.model import STAGE_LABELS
from recruit_dash.outputs import charts
from recruit_dash.outputs.quarterly import review_file_name
from recruit_dash.ui import components, state

ingested, as_of = components.page_start("Quarterly review")
model = ingested.model
standing = state.standing(ingested, as_of)  # every lead's standing, worked out once per day


def review_pdf() -> bytes:
    """Build the pack when it is asked for (matplotlib loads then, not with the page)."""
    from recruit_dash.outputs.quarterly_pack import quarterly_pack

    return quarterly_pack(model, as_of, standing=standing)


def review_xlsx() -> bytes:
    """Build the workbook when it is asked for."""
    from recruit_dash.outputs.quarterly_workbook import quarterly_workbook

    return quarterly_workbook(model, as_of, standing=standing)


PACK_HELP = ("The quarter at a glance against last quarter and a year earlier, lead completion "
             "cohorts, speed, per consultant, client experience, stalled leads and aftercare, the "
             "fee forecast and the counting rules")
pdf_column, xlsx_column = st.columns(2)
pdf_column.download_button(
    "Download the review pack (PDF)", review_pdf, file_name=review_file_name(as_of, "pdf"),
    mime="application/pdf", key="review_pack_pdf", icon=":material/picture_as_pdf:",
    on_click="ignore", width="stretch", help=f"{PACK_HELP}, on A4 for the quarterly review.")
xlsx_column.download_button(
    "Download the review pack (Excel)", review_xlsx, file_name=review_file_name(as_of, "xlsx"),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="review_pack_xlsx", icon=":material/table_view:", on_click="ignore", width="stretch",
    help=f"The same figures as the PDF, one sheet per table: {PACK_HELP.lower()}.")

st.subheader("Lead completion cohorts")
st.caption("Of the leads generated each month, how many are now filled, lost, on hold or still "
           f"open, as of {as_of:%d %b %Y} (“could you identify all the leads you "
           "generated in October and say which are now filled?”). Open leads are split by the "
           "furthest stage each has reached.")
freq = st.segmented_control("Cohorts by", ["month", "quarter"], default="month",
                            format_func=str.title, key="review_cohort_freq") or "month"
table = cohorts(model, as_of, months=18 if freq == "month" else 8, freq=freq, standing=standing)
if table.empty:
    st.info("No dated leads to group into cohorts.")
else:
    st.plotly_chart(charts.cohort_chart(table, "Where each cohort stands now"), width="stretch",
                    key="review_cohort_chart")
    shown = table.drop(columns=["open_by_stage", "median_days_to"]).assign(
        open_by_stage=[", ".join(f"{STAGE_LABELS[stage]} {count}" for stage, count in row.items())
                       for row in table["open_by_stage"]],
        days_to_start=[row.get("started") for row in table["median_days_to"]],
    ).rename(columns={"month": freq.title(), "leads": "Leads", "filled": "Filled", "lost": "Lost",
                      "on_hold": "On hold", "open": "Open", "open_by_stage": "Open, by furthest stage",
                      "days_to_start": "Median days lead → start"})
    st.dataframe(shown, hide_index=True, placeholder=components.MISSING, width="stretch")
    components.downloads(shown, "lead_cohorts", "review_cohorts")
    st.caption("Median days from the lead date to each milestone, per cohort (leads with both "
               "dates).")
    speed = days_from_lead_table(table).rename(columns={"cohort": freq.title()})
    st.dataframe(speed, hide_index=True, placeholder=components.MISSING, width="stretch",
                 key="review_days_table")
    curve = filled_curve(model, as_of, months=12, standing=standing)
    if not curve.empty:
        st.plotly_chart(charts.filled_curve_chart(curve, "Share of each monthly cohort filled, by "
                                                         "weeks since the lead"),
                        width="stretch", key="review_filled_curve")

st.subheader("This quarter against the last")
st.caption("Every funnel figure in the cohort and activity lenses: this quarter to the as-of "
           "date against the whole of last quarter. Green: more than last quarter; red: fewer.")
compare = quarter_on_quarter(model, as_of, standing=standing)
# The cohort lens counts leads, so a step is a share of the stage before; the activity lens
# counts events, which can outnumber the stage before, so its step is events per event, never a %.
LENS_TABLES = {
    "cohort": ("Cohort lens: leads generated in the quarter and how far they got", {
        "count_this": "Leads, this Q", "count_last": "Leads, last Q",
        "step_this": components.percent_column("Step, this Q"),
        "step_last": components.percent_column("Step, last Q"),
        "cumulative_this": components.percent_column("Of first, this Q"),
        "cumulative_last": components.percent_column("Of first, last Q")}),
    "activity": ("Activity lens: milestone events dated in the quarter", {
        "count_this": "Events, this Q", "count_last": "Events, last Q",
        "step_this": st.column_config.NumberColumn("Per event at the stage before, this Q",
                                                   format="%.2f"),
        "step_last": st.column_config.NumberColumn("Per event at the stage before, last Q",
                                                   format="%.2f"),
        "cumulative_this": None, "cumulative_last": None}),
}
for lens, (title, lens_columns) in LENS_TABLES.items():
    rows = compare[compare["lens"] == lens].drop(columns="lens")
    config = {"stage": "Stage", "count_change": st.column_config.NumberColumn("Change", format="%+d"),
              "days_to_next_this": "Median days to next, this Q",
              "days_to_next_last": "Median days to next, last Q", **lens_columns}
    st.markdown(f"**{title}**")
    # A styled table shows the Styler's text: the days as days and a tenth, not six decimals.
    styled = rows.style.apply(components.change_colours, subset=["count_change"]).format(
        "{:.1f}", subset=["days_to_next_this", "days_to_next_last"], na_rep=components.MISSING)
    st.dataframe(styled,
                 hide_index=True, placeholder=components.MISSING, width="stretch", column_config=config,
                 key=f"review_quarters_{lens}")
    components.downloads(components.as_shown(rows, config), f"quarter_on_quarter_{lens}",
                         f"review_quarters_{lens}")
