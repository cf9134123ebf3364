"""Every page on an ordinary awkward tracker: a milestone at 17:00, "Closed Won" and "Closed Lost",
a lead with no consultant, and no calls or check-ins logged at all."""

from __future__ import annotations

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from recruit_dash.ui.state import UPLOADS_KEY

PAGES = ["pages/overview.py", "pages/funnel.py", "pages/stalled_today.py", "pages/consultants.py",
         "pages/clients.py", "pages/aftercare.py", "pages/quarterly_review.py", "pages/data.py"]
TRACKER = "\n".join([
    "Lead ID,Date generated,Consultant,Client,Source,CVs sent,1st interview,Start date,Status,Fee",
    "L1,2024-03-04,Ann Lee,Acme,Referral,2024-03-11 17:00,2024-03-20,2024-04-02,Closed Won,9000",
    "L2,2024-03-05,Ann Lee,Bolt,LinkedIn,2024-03-12,,,Closed Lost,",
    "L3,2024-03-06,,Cole,,2024-03-13,2024-03-22 09:30,,Interview booked,",
    "L4,2024-03-07,Raj Patel,,Referral,,,,Open,",
    "L5,2024-03-29,Raj Patel,Acme,Job board,2024-03-31 17:00,,,CV sent,",
    "L6,2024-04-02 11:15,Raj Patel,Bolt,Referral,,,,Open,",
]).encode()


@pytest.fixture()
def at(monkeypatch):
    monkeypatch.setenv("RECRUIT_DASH_TODAY", "2024-04-03")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state[UPLOADS_KEY] = [("awkward.csv", TRACKER)]
    app.run()
    return app


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_awkward_tracker(at, page):
    at.switch_page(page).run()
    assert not at.exception
    text = " ".join(str(element.value) for element in [*at.markdown, *at.caption, *at.info,
                                                       *at.warning, *at.error])
    assert "Traceback" not in text and "stage:" not in text


def test_the_overview_counts_the_17_00_cv_on_the_months_last_day(at):
    at.button_group(key="overview_period").set_value("month").run()
    figures = {metric.label: metric.value for metric in at.metric}
    assert at.subheader[0].value == "March 2024"  # the last complete month: April holds 3 days
    assert figures["Leads generated"] == "5"
    assert figures["CVs sent"] == "4"  # L5's CV at 17:00 on 31 March is in March


def test_ratios_of_calls_never_logged_say_not_in_your_data(at):
    at.switch_page("pages/consultants.py").run()
    assert not at.exception
    shown = " ".join(frame.value.to_string() for frame in at.dataframe)
    assert "not in your data" in shown


def test_aftercare_without_check_in_records_says_so(at):
    at.switch_page("pages/aftercare.py").run()
    assert not at.exception
    assert any("no check-in records" in warning.value for warning in at.warning)
