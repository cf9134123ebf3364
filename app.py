"""recruit-dash: the app's entry point. Pages live in pages/; the logic lives in recruit_dash."""

import streamlit as st

from recruit_dash.ui import signin
from recruit_dash.ui.downloads import keep_built_downloads

st.set_page_config(page_title="recruit-dash", page_icon=":material/insights:", layout="wide")
keep_built_downloads()  # a download built on click must outlive other sessions' reruns
# With sign-in configured, a visitor who may not see the data gets the sign-in page or a refusal
# as the only page, and the run stops here; every page below then sees only their view.
signin.gate()

navigation = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/funnel.py", title="Funnel", icon=":material/filter_alt:"),
    st.Page("pages/stalled_today.py", title="Stalled & today", icon=":material/call:"),
    st.Page("pages/consultants.py", title="Consultants", icon=":material/groups:"),
    st.Page("pages/clients.py", title="Clients", icon=":material/handshake:"),
    st.Page("pages/aftercare.py", title="Aftercare", icon=":material/volunteer_activism:"),
    st.Page("pages/quarterly_review.py", title="Quarterly review", icon=":material/event_note:"),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
])
navigation.run()
