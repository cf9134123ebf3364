"""What each page can show, on screen: the Data page's checklist after an upload, and the notice at
the top of a page that lacks what it needs, each with a button to the sheet's mapping editor."""

from __future__ import annotations

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from recruit_dash.ui.state import UPLOADS_KEY

NO_CLIENT = "\n".join([
    "Lead ID,Date generated,Consultant,Source,CVs sent",
    "L1,2026-10-01,Ann Lee,Referral,2026-10-04",
    "L2,2026-10-02,Raj Patel,LinkedIn,",
    "L3,2026-10-05,Ann Lee,Referral,2026-10-09",
]).encode()
NOTICE = "What this page cannot show from the data loaded"


def app(uploads: list[tuple[str, bytes]] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if uploads:
        at.session_state[UPLOADS_KEY] = uploads
    at.run()
    return at


def shown(at: AppTest) -> str:
    """Return the words on screen, markdown escapes removed."""
    elements = [*at.markdown, *at.caption, *at.warning, *at.info]
    return " ".join(str(element.value) for element in elements).replace("\\", "")


def editor_open(at: AppTest) -> bool:
    """Return whether the mapping editor of the uploaded sheet is switched on."""
    return any(toggle.key.startswith("data_fix_") and toggle.value for toggle in at.toggle)


@pytest.fixture()
def no_client() -> AppTest:
    return app([("no_client.csv", NO_CLIENT)])


def test_the_data_page_lists_what_each_page_can_show(no_client):
    at = no_client.switch_page("pages/data.py").run()
    assert not at.exception
    text = shown(at)
    assert "What each page can show" in [header.value for header in at.subheader]
    assert "Clients** (will be empty): no client column — the Clients page will be empty" in text
    assert "lead date found (Date generated)" in text
    assert "Upload your KPI sheet or activity log" in text  # no sheet to map activities on
    assert not editor_open(at)
    at.button(key="readiness_clients_client").click().run()
    assert not at.exception
    assert editor_open(at)  # the sheet to map the client on is open for correcting


def test_a_page_without_what_it_needs_says_so_at_its_top(no_client):
    at = no_client.switch_page("pages/clients.py").run()
    assert not at.exception
    assert at.title[0].value == "Clients"
    notice = at.warning[0].value.replace("\\", "")
    assert notice.startswith(f"**{NOTICE}**")
    assert "No client column — the Clients page will be empty. Map the column holding the client "\
           "to Client on sheet 'no_client' of no_client.csv." in notice
    # The notice comes before everything the page draws below its title and banners.
    blocks = [type(element).__name__ for element in at.main]
    assert blocks.index("Warning") < blocks.index("ButtonGroup")
    at.button(key="readiness_notice_clients_no_client_csv_no_client").click().run()
    assert not at.exception
    assert at.title[0].value == "Data"
    assert editor_open(at)


def test_the_sample_shows_no_notice_and_a_full_checklist():
    at = app()
    for page in ("pages/funnel.py", "pages/clients.py", "pages/aftercare.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert NOTICE not in shown(at)
    at.switch_page("pages/data.py").run()
    assert "some things missing" not in shown(at) and "will be empty" not in shown(at)
    assert not [button for button in at.button if button.key.startswith("readiness_")]
