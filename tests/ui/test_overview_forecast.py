"""The fee forecast on the Overview page under Streamlit's AppTest, on the sample agency."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import ROOT, SAMPLE
from streamlit.testing.v1 import AppTest

from recruit_dash import formats
from recruit_dash.ingest.pipeline import ingest_files
from recruit_dash.metrics.forecast import fee_forecast

APP = str(ROOT / "app.py")
AS_OF = date(2026, 11, 20)  # the sample's last day, where the page opens


@pytest.fixture(scope="module")
def at() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception
    return app


@pytest.fixture(scope="module")
def forecast() -> dict:
    return fee_forecast(ingest_files([(SAMPLE.name, SAMPLE.read_bytes())]).model, AS_OF)


def frame_with(at: AppTest, *columns: str):
    """Return the frame of the first table holding every one of the columns."""
    return next(frame.value for frame in at.dataframe if set(columns) <= set(frame.value.columns))


def test_the_overview_shows_the_expected_fees_and_how_they_were_counted(at, forecast):
    assert any(header.value == "Fee forecast" for header in at.subheader)
    open_leads = sum(row["open_leads"] for row in forecast["by_stage"])
    assert any(f"Expected fees: {formats.money(forecast['expected_fees'])}** from "
               f"{formats.count(open_leads)} open leads" in text.value for text in at.markdown)
    # The open leads left out are said in the same breath, as they are not in the figure.
    assert forecast["gone_cold_leads"] > 0
    assert any(f"{formats.count(forecast['gone_cold_leads'])} more have gone cold and are left out"
               in text.value for text in at.markdown)
    assert any(forecast["method"] == caption.value for caption in at.caption)
    assert any(item.label == "How the forecast is counted" for item in at.expander)


def test_the_stage_table_shows_the_count_behind_each_chance(at, forecast):
    table = frame_with(at, "closed_leads_behind")
    assert table["open_leads"].tolist() == [row["open_leads"] for row in forecast["by_stage"]]
    assert table["closed_leads_behind"].tolist() == [row["closed_leads_behind"]
                                                     for row in forecast["by_stage"]]
    assert table["basis"].str.startswith("last 12 months").all()
    people = frame_with(at, "consultant", "expected")
    assert people["expected"].sum() == pytest.approx(forecast["expected_fees"], abs=0.05)
    keys = {button.proto.id for button in at.get("download_button")}
    for name in ("overview_forecast_stages", "overview_forecast_consultants"):
        assert any(f"{name}_csv" in key for key in keys) and any(f"{name}_xlsx" in key for key in keys)


def test_an_as_of_date_before_any_lead_says_there_is_nothing_to_forecast():
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    widget = next(widget for widget in app.date_input if widget.key.startswith("sidebar_as_of"))
    widget.set_value(date(2025, 1, 6)).run()
    assert not app.exception
    assert any("nothing to forecast" in info.value for info in app.info)


def test_a_tracker_nobody_has_touched_for_a_quarter_has_nothing_to_forecast(fixture_files):
    # An event log whose two leads last moved in June 2025, looked at on 5 Jan 2026.
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["uploads"] = [("event_log.xlsx", fixture_files["event_log.xlsx"].read_bytes())]
    app.run()
    widget = next(widget for widget in app.date_input if widget.key.startswith("sidebar_as_of"))
    widget.set_value(date(2026, 1, 5)).run()
    assert not app.exception
    assert any("2 more have gone cold and are left out" in text.value for text in app.markdown)
    assert any("No open lead on 05 Jan 2026 that has not gone cold, so there is nothing to "
               "forecast" in info.value for info in app.info)
