"""Funnel: where leads leak, in three lenses, both conversion bases, time in stage, drill-down."""

import streamlit as st

from recruit_dash.metrics.funnel import (
    LENS_HELP,
    LENSES,
    SPLITS,
    funnel,
    group_choices,
    lead_groups,
    split_funnels,
    split_table,
    stage_leads,
)
from recruit_dash.metrics.funnel import __doc__ as RULES
from recruit_dash.model import STAGE_IDS, STAGE_LABELS
from recruit_dash.outputs import charts
from recruit_dash.ui import components, state

ingested, as_of = components.page_start("Funnel")
model = ingested.model
standing = state.standing(ingested, as_of)

lens = st.segmented_control("Lens", options=list(LENSES), default="cohort", format_func=str.title,
                            key="funnel_lens", help=" ".join(f"{name.title()}: {text}"
                                                             for name, text in LENS_HELP.items()))
lens = lens or "cohort"
period = components.period_range("funnel", as_of, disabled=lens == "snapshot")
left, right = st.columns(2)
split = left.selectbox("Split by", [None, *SPLITS], key="funnel_split",
                       format_func=lambda value: "No split" if value is None else value.title())
stages = right.multiselect("Stages shown (always in ladder order)", list(STAGE_IDS),
                           default=list(STAGE_IDS), format_func=STAGE_LABELS.get,
                           key="funnel_stages")
where = f"as of {as_of:%d %b %Y}" if lens == "snapshot" else f"{period.label}, as of {as_of:%d %b %Y}"
# The activity lens counts events, not leads: a stage can hold more events than the one above.
events = lens == "activity"
st.caption(f"**{lens.title()} lens** — {LENS_HELP[lens]} "
           + ("Each bar counts events; per previous stage = events at this stage ÷ events at the "
              "stage above, which can pass 1, so it is not a share. " if events else
              "Step = this stage ÷ the stage above; of first = this stage ÷ the first stage "
              "shown. ")
           + "Fewer than 10 at a stage is marked *small sample*.")

result = funnel(model, lens, period, as_of, stages, standing)
frame = result.frame()
if not result.stages:
    st.info("None of the stages shown is tracked in your data. Choose others under "
            "Stages shown.")
elif not frame["count"].any():
    st.info("No leads in this lens and period. Try a longer period or another lens.")
elif split is None:
    st.plotly_chart(charts.funnel_chart(frame, f"{lens.title()} funnel — {where}", events),
                    width="stretch", key="funnel_chart")
else:
    groups = split_funnels(model, lens, period, as_of, split, stages, standing=standing)
    st.plotly_chart(charts.split_chart(groups, f"{lens.title()} funnel by {split} — {where}",
                                       events), width="stretch", key="funnel_split_chart")
    st.dataframe(split_table(groups), hide_index=True, placeholder=components.MISSING, width="stretch")
if result.not_tracked:
    st.caption("Not tracked in your data: "
               + ", ".join(STAGE_LABELS[stage] for stage in result.not_tracked)
               + ". No lead in your data records them, so the funnel leaves them out instead "
                 "of counting them from later stages. To see one, map its column on the Data "
                 "page.")

small = [STAGE_LABELS[row.stage] for row in result.stages if row.small_sample and row.count]
if small:
    st.caption("Small sample (fewer than 10 leads): " + ", ".join(small) + ".")
if result.notes:
    with st.expander(f"Data-quality notes ({len(result.notes)})"):
        for note in result.notes:
            st.write(f"- {note}")

st.plotly_chart(charts.time_in_stage_chart(frame, "Time in stage: days to the next stage"),
                width="stretch", key="funnel_time_chart")

st.subheader("Compare side by side")
what = st.segmented_control("Compare", ["consultant", "source", "period"], default="consultant",
                            format_func=str.title, key="funnel_compare") or "consultant"
first, second = st.columns(2)
if what == "period":
    sides = []
    for column, side in ((first, "a"), (second, "b")):
        with column:
            chosen = components.period_range(f"funnel_compare_{side}", as_of,
                                             disabled=lens == "snapshot")
            sides.append((chosen.label, funnel(model, lens, chosen, as_of, stages, standing)))
else:
    groups = lead_groups(standing, what)
    options = group_choices(standing, what)
    sides = []
    for index, (column, side) in enumerate(((first, "a"), (second, "b"))):
        if not options:
            break
        pick = column.selectbox(what.title(), options, index=min(index, len(options) - 1),
                                key=f"funnel_compare_{side}")
        sides.append((pick, funnel(model, lens, period, as_of, stages, standing,
                                   groups == pick)))
for column, (label, side) in zip((first, second), sides, strict=False):
    column.plotly_chart(charts.funnel_chart(side.frame(), str(label), events), width="stretch",
                        key=f"funnel_compare_chart_{label}_{column is first}")

st.subheader("Leads at a stage")
pick = st.selectbox("Stage", [row.stage for row in result.stages], format_func=STAGE_LABELS.get,
                    key="funnel_drill_stage")
rows = stage_leads(model, result, pick) if pick else None
if rows is not None:
    st.caption(f"{len(rows):,} leads counted at {STAGE_LABELS[pick]} in this funnel.")
    components.records(rows, key="funnel_drill_rows")
    components.downloads(rows, f"funnel_{pick}", "funnel_drill")

with st.expander("How these figures are counted"):
    components.rules(RULES)
