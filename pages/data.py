"""Data: upload trackers, see what we understood in each sheet, and every quarantined row."""

import streamlit as st

from recruit_dash.ui import components, state
from recruit_dash.understanding import columns_table, quarantined_rows, shape_words, sheets_table

ingested, _ = components.page_start("Data")
uploaded = st.file_uploader(
    "Upload your lead tracker, KPI sheet or CRM export (one or several files)",
    type=state.UPLOAD_TYPES, accept_multiple_files=True, key="data_upload",
    help="We read the files and never change them. Excel (.xlsx, .xlsm, .xls, .xlsb), "
         "OpenDocument (.ods) and CSV are accepted.")
if uploaded:
    files = [(file.name, file.getvalue()) for file in uploaded]
    if files != state.uploads():
        state.set_uploads(files)
        st.rerun()
elif state.uploads() and st.button("Go back to the sample data", key="data_use_sample"):
    state.set_uploads([])
    st.rerun()

for report in ingested.files:
    if not report.ok:
        st.error(report.error)

st.subheader("What we understood")
st.dataframe(sheets_table(ingested), hide_index=True, width="stretch")

for report in ingested.files:
    for sheet in report.sheets:
        title = components.escape_markdown(f"{report.path} › {sheet.name}: {sheet.role}")
        with st.expander(title, expanded=False):
            if sheet.reason:
                st.write(f"Not used: {sheet.reason}.")
                continue
            st.write(f"Header on row {sheet.header_row}: {shape_words(sheet)}. "
                     f"{sheet.rows_read:,} rows read = {sheet.rows_accepted:,} accepted + "
                     f"{sheet.rows_quarantined:,} quarantined + {sheet.rows_blank:,} blank.")
            st.dataframe(columns_table(sheet), hide_index=True, width="stretch", column_config={
                "Confidence": st.column_config.ProgressColumn(
                    "Confidence", format="%d%%", min_value=0, max_value=100,
                    help="How sure we are of the match between the header and the field."),
            })
            for note in sheet.notes:
                st.caption(note)
            for what, values in sheet.unmapped_values.items():
                if values:
                    listed = ", ".join(f"“{value}” ({count:,} rows)"
                                       for value, count in list(values.items())[:15])
                    more = f" and {len(values) - 15} more" if len(values) > 15 else ""
                    st.warning(f"{what.capitalize()} values we could not map to the ladder or an "
                               f"outcome: {listed}{more}. Those rows are kept; the value is "
                               "listed under “Cells we could not use”.")

st.subheader("Quarantined rows")
quarantined = quarantined_rows(ingested)
if quarantined.empty:
    st.success("No rows quarantined: every non-blank row was used.")
else:
    st.caption("Rows we did not use, each with the reason. Nothing else was left out.")
    st.dataframe(quarantined, hide_index=True, width="stretch")
    components.downloads(quarantined, "quarantined_rows", "data_quarantined")

issues = ingested.model.issues
if len(issues):
    st.subheader("Cells we could not use")
    components.records(issues, key="data_issues_table")
    components.downloads(issues, "issues", "data_issues")
