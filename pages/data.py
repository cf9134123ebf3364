"""Data: upload trackers, see what we understood in each sheet, correct it and save the
corrections as a profile, and every quarantined row."""

import streamlit as st

from recruit_dash.ingest.understanding import (
    columns_table,
    profile_messages,
    quarantined_rows,
    shape_words,
    sheets_table,
)
from recruit_dash.ui import components, history, mapping_editor, state


def apply(profile) -> None:
    """Keep the corrected profile and read the data again with it."""
    state.set_profile(profile)
    st.rerun()


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
for message in profile_messages(ingested):
    st.success(components.escape_markdown(message), icon=":material/task_alt:")

st.subheader("What we understood")
st.dataframe(sheets_table(ingested), hide_index=True, placeholder=components.MISSING, width="stretch")

profile = state.profile()
for report in ingested.files:
    for index, sheet in enumerate(report.sheets):
        title = components.escape_markdown(f"{report.path} › {sheet.name}: {sheet.role}")
        with st.expander(title, expanded=False):
            if sheet.reason:
                st.write(f"Not used: {components.escape_markdown(sheet.reason)}.")
            else:
                st.write(f"Header on row {sheet.header_row}: {shape_words(sheet)}. "
                         f"{sheet.rows_read:,} rows read = {sheet.rows_accepted:,} accepted + "
                         f"{sheet.rows_quarantined:,} quarantined + {sheet.rows_blank:,} blank.")
                st.dataframe(columns_table(sheet), hide_index=True, placeholder=components.MISSING,
                             width="stretch", column_config={
                    "Field": None,  # the canonical id, for the command line, not for people
                    "Confidence": st.column_config.ProgressColumn(
                        "Confidence", format="%d%%", min_value=0, max_value=100,
                        help="How sure we are of the match between the header and the field."),
                })
                for note in sheet.notes:
                    st.caption(components.escape_markdown(note))
                for what, values in sheet.unmapped_values.items():
                    if values:
                        listed = ", ".join(f"“{components.escape_markdown(value)}” ({count:,} rows)"
                                           for value, count in list(values.items())[:15])
                        more = f" and {len(values) - 15} more" if len(values) > 15 else ""
                        st.warning(f"{what.capitalize()} values we could not map to the ladder or "
                                   f"an outcome: {listed}{more}. Those rows are kept; map the "
                                   "values below (switch on “Correct this sheet”).")
            key = mapping_editor.sheet_key(report, index)
            if report.ok and st.toggle("Correct this sheet", key=f"data_fix_{key}",
                                       help="Change the sheet's role, header row, what each column "
                                            "means and what each status means. The change shows "
                                            "at once and goes into your profile."):
                edited = mapping_editor.sheet_editor_ui(sheet, key, profile)
                if edited is not None:
                    apply(edited)

if ingested.name_merges:
    st.subheader("Names that may be the same person or company")
    st.caption("We never merge names on our own. Merge the ones that are one person or client; "
               "the choice goes into your profile.")
    edited = mapping_editor.merges_ui(ingested.name_merges, profile)
    if edited is not None:
        apply(edited)

st.subheader("Mapping profile")
loaded, source, error = mapping_editor.profile_loader_ui("data_profile_upload")
if error:
    st.error(error)
elif loaded is not None and source != state.profile_source():
    state.set_profile(loaded, source=source)
    st.rerun()
if profile is None:
    st.caption("Your corrections above make a profile you can save. A saved profile is applied "
               "by itself to the next upload of a file of the same shape, even renamed or with "
               "extra columns.")
else:
    st.caption(f"This session's profile is applied to every upload of a known shape "
               f"({len(profile.sheets)} sheet shape{'s' if len(profile.sheets) != 1 else ''}, "
               f"{len(profile.merges)} name merge{'s' if len(profile.merges) != 1 else ''}).")
    edited = mapping_editor.profile_saver_ui(profile, "data_profile")
    if edited is not None:
        apply(edited)
    if st.button("Forget the profile", key="data_profile_forget"):
        apply(None)

st.subheader("Quarantined rows")
quarantined = quarantined_rows(ingested)
if quarantined.empty:
    st.success("No rows quarantined: every non-blank row of the sheets we used was used.")
else:
    st.caption("Rows of the sheets we used that we did not use, each with the reason. Nothing "
               "else was left out.")
    st.dataframe(quarantined, hide_index=True, placeholder=components.MISSING, width="stretch")
    components.downloads(quarantined, "quarantined_rows", "data_quarantined")

ignored_rows = quarantined_rows(ingested, ignored=True)
if not ignored_rows.empty:
    st.subheader("Rows in sheets we did not use")
    st.caption(f"{len(ignored_rows):,} rows of pivots, summaries and other sheets that are not "
               "records; the sheets table says why each sheet was not used.")
    st.dataframe(ignored_rows, hide_index=True, placeholder=components.MISSING, width="stretch", height=200)

issues = ingested.model.issues
if len(issues):
    st.subheader("Cells we could not use")
    components.records(issues, key="data_issues_table")
    components.downloads(issues, "issues", "data_issues")

history.history_section()
