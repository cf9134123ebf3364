"""The Clients page under Streamlit's AppTest, on the sample and on an upload with no feedback."""

from __future__ import annotations

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

PAGE = str(ROOT / "pages" / "clients.py")
HEADLINES = [
    "Repeat business ratio",
    "Referral rate",
    "New clients",
    "Testimonials collected",
    "Great Recruiter Score",
    "Lapsed clients",
]


def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=120)


def client_table(at: AppTest):
    """Return the client table's frame (the one with the plain-words flag)."""
    return next(frame.value for frame in at.dataframe if "flag" in frame.value.columns)


@pytest.fixture(scope="module")
def sample_page() -> AppTest:
    at = page()
    at.run()
    return at


def test_the_page_runs_on_the_sample_without_an_exception(sample_page):
    assert not sample_page.exception
    assert any("sample data" in info.value for info in sample_page.info)


def test_the_headline_figures_carry_their_definitions(sample_page):
    metrics = {metric.label: metric for metric in sample_page.metric}
    assert all(label in metrics for label in HEADLINES)
    assert all(metric.proto.help for metric in sample_page.metric)
    assert metrics["Repeat business ratio"].value.endswith("%")
    assert metrics["Great Recruiter Score"].value != "–"


def test_the_client_table_lists_every_client_with_its_flag(sample_page):
    table = client_table(sample_page)
    assert len(table) > 40
    assert {"client", "jobs_12m", "days_since_contact", "great_recruiter_score"} <= set(table.columns)
    assert table["flag"].dropna().str.contains("would they pick up|former client|detractors").all()
    labels = [button.label for button in sample_page.get("download_button")]
    assert "Download CSV" in labels and "Download Excel" in labels


def test_searching_narrows_the_client_table():
    at = page()
    at.run()
    everyone = len(client_table(at))
    at.text_input(key="clients_search").set_value("pennine").run()
    assert not at.exception
    found = client_table(at)
    assert 0 < len(found) < everyone
    assert found["client"].str.contains("Pennine", case=False).all()


def test_the_score_chart_and_period_switch_work():
    at = page()
    at.run()
    assert at.get("plotly_chart")
    at.button_group(key="clients_period").set_value("month").run()
    assert not at.exception
    at.button_group(key="clients_score_window").set_value("to date").run()
    assert not at.exception and at.get("plotly_chart")


def test_data_without_feedback_says_so_instead_of_showing_zeros(fixture_files):
    at = page()
    name = "wide_tracker.xlsx"
    at.session_state["uploads"] = [(name, fixture_files[name].read_bytes())]
    at.run()
    assert not at.exception
    assert not any("sample data" in info.value for info in at.info)
    assert any("No client feedback in your data" in info.value for info in at.info)
    labels = [metric.label for metric in at.metric]
    assert "Great Recruiter Score" not in labels and "Testimonials collected" not in labels
    assert "Repeat business ratio" in labels
