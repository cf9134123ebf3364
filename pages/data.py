"""Data: upload trackers, see what we understood in each sheet, correct it and save the
corrections as a profile, and every quarantined row."""

import streamlit as st

from recruit_dash.ingest.understanding import profile_messages, quarantined_rows, sheets_table
from recruit_dash.ui import components, history, mapping_editor, readiness, signin, state, views


def apply(profile) -> None:
    """Keep the corrected profile and read the data again with it."""
    state.set_profile(profile)
    st.rerun()


ingested, _ = components.page_start("Data")
seen = signin.access()
uploaded = None
if seen.may_upload:
    uploaded = st.file_uploader(
        "Upload your lead tracker, KPI sheet or CRM export (one or several files)",
        type=state.UPLOAD_TYPES, accept_multiple_files=True, key="data_upload",
        help="We read the files and never change them. Excel (.xlsx, .xlsm, .xls, .xlsb), "
             "OpenDocument (.ods) and CSV are accepted.")
else:
    st.info(signin.read_only_reason(seen), icon=":material/visibility:")
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
        if report.sheets:  # read, but no sheet was recognised: one can still be used
            st.caption("You can still use one of its sheets: open it below and choose “Use this "
                       "sheet as leads”, or switch on “Correct this sheet”.")
for message in profile_messages(ingested):
    st.success(components.escape_markdown(message), icon=":material/task_alt:")

st.subheader("What we understood")
st.dataframe(sheets_table(ingested), hide_index=True, placeholder=components.MISSING, width="stretch")
readiness.checklist_ui(ingested)

profile = state.profile()
edited = mapping_editor.sheet_sections_ui(ingested, profile)
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
if views.rows_hidden(ingested):
    st.caption("The rows we could not use are shown only to the owner, the managers and whoever "
               "uploaded the file: they may name consultants outside your view. The sheets "
               "table above counts them.")
elif quarantined.empty:
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

history.history_section(seen)
