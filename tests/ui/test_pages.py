"""Every page under Streamlit's AppTest, on the sample and on an upload, found by widget key."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import ROOT, SAMPLE
from streamlit.testing.v1 import AppTest

APP = str(ROOT / "app.py")
PAGES = ["pages/overview.py", "pages/funnel.py", "pages/stalled_today.py", "pages/consultants.py",
         "pages/clients.py",
         "pages/aftercare.py", "pages/quarterly_review.py", "pages/data.py"]


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120)


def sidebar_date(at: AppTest):
    """Return the sidebar's as-of date widget (its key names the data on screen)."""
    return next(widget for widget in at.date_input if widget.key.startswith("sidebar_as_of"))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_sample_without_an_exception(page):
    at = app()
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    assert any("sample data" in info.value for info in at.info)


def test_overview_shows_the_six_headline_figures_with_definitions():
    at = app()
    at.run()
    labels = [metric.label for metric in at.metric]
    assert labels == ["Leads generated", "CVs sent", "Interviews", "Offers", "Starts",
                      "Fees from starts"]
    assert all(metric.proto.help for metric in at.metric)
    assert int(at.metric[0].value.replace(",", "")) > 0


def test_changing_the_period_changes_the_figures():
    at = app()
    at.run()
    assert any(header.value.startswith("Week of") for header in at.subheader)  # Monday's view
    week = int(at.metric[0].value.replace(",", ""))
    at.button_group(key="overview_period").set_value("quarter").run()
    assert not at.exception
    quarter = int(at.metric[0].value.replace(",", ""))
    assert quarter > week


def test_the_as_of_date_moves_the_figures():
    at = app()
    at.run()
    at.button_group(key="overview_period").set_value("month").run()
    november = [metric.value for metric in at.metric]
    sidebar_date(at).set_value(date(2026, 1, 31)).run()
    assert not at.exception
    assert any(header.value == "January 2026" for header in at.subheader)
    assert [metric.value for metric in at.metric] != november


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_an_upload_replaces_the_sample_and_its_sheets_are_listed(fixture_files):
    at = app()
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload").set_value(
        [("wide_tracker.xlsx", fixture_files["wide_tracker.xlsx"].read_bytes(), XLSX)]).run()
    assert not at.exception
    assert not any("sample data" in info.value for info in at.info)
    sheets = at.dataframe[0].value
    assert sheets["File"].tolist() == ["wide_tracker.xlsx"]
    assert sheets[["Rows read", "Accepted", "Quarantined", "Blank"]].iloc[0].tolist() == [6, 4, 1, 1]
    quarantined = at.dataframe[2].value if len(at.dataframe) > 2 else None
    assert quarantined is not None and "totals row, not a record" in quarantined["Reason"].tolist()
    assert any(button.label == "Download CSV" for button in at.get("download_button"))
    # The upload stays when the user moves to another page and its figures are shown.
    at.switch_page("pages/overview.py").run()
    assert not any("sample data" in info.value for info in at.info)


def test_a_broken_upload_shows_a_sentence_and_the_app_keeps_running():
    at = app()
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload").set_value(
        [("tracker.xlsx", b"%PDF-1.4 not a workbook", XLSX),
         ("lead_tracker.xlsx", SAMPLE.read_bytes(), XLSX)]).run()
    assert not at.exception
    assert any("PDF" in error.value for error in at.error)
    at.switch_page("pages/overview.py").run()
    assert not at.exception and len(at.metric) == 6


def test_hostile_uploads_get_sentences_and_the_sample_beside_them_still_works():
    import make_hostile

    hostile = [(item.name, item.build(), XLSX) for item in make_hostile.HOSTILE
               if item.name in ("a1_and_xfd1048576.xlsx", "lying_dimension.xlsx", "zip_bomb.xlsx",
                                "password.xlsx", "noise.xlsx")]
    at = app()
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload").set_value(
        hostile + [("lead_tracker.xlsx", SAMPLE.read_bytes(), XLSX)]).run()
    assert not at.exception
    errors = " ".join(error.value for error in at.error)
    assert "password" in errors and "more memory than a lead tracker" in errors
    assert "Traceback" not in errors
    at.switch_page("pages/overview.py").run()
    assert not at.exception and int(at.metric[0].value.replace(",", "")) > 0


def test_a_client_named_like_html_is_shown_as_text(fixture_files):
    from make_fixtures import csv_bytes

    hostile = csv_bytes([["Lead ID", "Consultant", "Client", "Status", "Date Added"],
                         ["L1", "Ann Lee", "<img src=x onerror=alert(1)>", "CVs sent", "03/02/2025"]])
    at = app()
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload").set_value([("clients.csv", hostile, "text/csv")]).run()
    assert not at.exception
    # Cell text only ever reaches the page inside data frames, which render it as text.
    assert not any("<img" in markdown.value for markdown in at.markdown)


def _chart(at: AppTest, key: str) -> dict:
    """Return the plotly figure drawn under a key, with its arrays as plain lists."""
    import base64
    import json

    import numpy as np

    def values(array) -> list:
        if isinstance(array, dict) and "bdata" in array:  # plotly's packed numeric arrays
            return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
        return list(array or [])

    chart = next(element for element in at.get("plotly_chart") if key in element.proto.id)
    figure = json.loads(chart.proto.spec)
    return {"data": [{"x": values(trace.get("x")), "y": values(trace.get("y")),
                      "name": trace.get("name")} for trace in figure["data"]]}


def _sample_funnel(lens: str, stages=None) -> dict[str, int]:
    from recruit_dash.ingest.pipeline import ingest_paths
    from recruit_dash.metrics.funnel import funnel
    from recruit_dash.metrics.registry import data_as_of
    from recruit_dash.periods import period_holding

    model = ingest_paths([SAMPLE]).model
    as_of = data_as_of(model)
    result = funnel(model, lens, period_holding(as_of, "quarter"), as_of, stages)
    return {row.stage: row.count for row in result.stages}


@pytest.mark.parametrize("lens", ["cohort", "activity", "snapshot"])
def test_the_funnel_page_draws_the_engine_counts_for_each_lens(lens):
    at = app()
    at.run()
    at.switch_page("pages/funnel.py").run()
    at.button_group(key="funnel_lens").set_value(lens).run()
    assert not at.exception
    figure = _chart(at, "funnel_chart")
    assert figure["data"][0]["x"] == list(_sample_funnel(lens).values())


def test_hiding_stages_keeps_ladder_order_and_a_split_shows_each_consultant():
    at = app()
    at.run()
    at.switch_page("pages/funnel.py").run()
    at.multiselect(key="funnel_stages").set_value(["offer", "lead", "shortlist"]).run()
    figure = _chart(at, "funnel_chart")
    assert figure["data"][0]["y"] == ["Lead generated", "CVs sent / shortlist", "Offer made (verbal)"]
    assert figure["data"][0]["x"] == list(_sample_funnel("cohort", ["lead", "shortlist", "offer"]).values())
    at.selectbox(key="funnel_split").set_value("consultant").run()
    assert not at.exception
    split = _chart(at, "funnel_split_chart")
    assert {trace["name"] for trace in split["data"]} >= {"Sarah Whitfield", "James Okafor"}


def test_a_stage_drill_down_lists_exactly_the_leads_counted():
    at = app()
    at.run()
    at.switch_page("pages/funnel.py").run()
    at.selectbox(key="funnel_drill_stage").set_value("offer").run()
    assert not at.exception
    rows = next(frame for frame in at.dataframe if "lead_id" in frame.value.columns
                and len(frame.value) == _sample_funnel("cohort")["offer"])
    assert rows.value["lead_id"].is_unique


def test_the_quarterly_review_shows_cohorts_by_month_and_by_quarter():
    at = app()
    at.run()
    at.switch_page("pages/quarterly_review.py").run()
    monthly = at.dataframe[0].value
    assert "Month" in monthly.columns and len(monthly) == 18
    assert (monthly["Leads"] == monthly[["Filled", "Lost", "On hold", "Open"]].sum(axis=1)).all()
    at.button_group(key="review_cohort_freq").set_value("quarter").run()
    assert not at.exception and "Quarter" in at.dataframe[0].value.columns


@pytest.mark.parametrize("today", ["2024-02-29", "2026-11-23", "2026-12-01", "2031-07-14"])
def test_the_sample_opens_on_its_own_last_day_with_real_figures_whatever_the_day(monkeypatch, today):
    monkeypatch.setenv("RECRUIT_DASH_TODAY", today)
    at = app()
    at.run()
    assert not at.exception
    assert sidebar_date(at).value == date(2026, 11, 20)
    assert any("Friday 20 November 2026" in caption.value for caption in at.caption)
    figures = {metric.label: metric.value for metric in at.metric}
    assert int(figures["Leads generated"].replace(",", "")) > 0
    assert int(figures["CVs sent"].replace(",", "")) > 0


def _tracker_ending_on(day: date) -> bytes:
    """Return a small CSV tracker whose last lead date is the given day."""
    rows = ["Lead ID,Date generated,Consultant,Client,CVs sent,Status"]
    for number in range(12):
        created = day.toordinal() - number
        rows.append(f"L{number},{date.fromordinal(created).isoformat()},Ann,Acme,"
                    f"{date.fromordinal(created).isoformat() if number % 2 else ''},Open")
    return "\n".join(rows).encode()


def test_a_monday_upload_opens_on_the_last_complete_week_and_says_so(monkeypatch):
    monkeypatch.setenv("RECRUIT_DASH_TODAY", "2026-03-10")
    at = app()
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload").set_value(
        [("monday.csv", _tracker_ending_on(date(2026, 3, 9)), "text/csv")]).run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert sidebar_date(at).value == date(2026, 3, 9)
    assert [header.value for header in at.subheader][0] == "Week of 02 Mar 2026"
    assert any(caption.value.startswith("The last complete week") for caption in at.caption)
    assert int(at.metric[0].value) == 7  # 3-8 March; the Monday's one lead is next week's
    at.button_group(key="overview_span_week_2026-03-09").set_value("to_date").run()
    assert int(at.metric[0].value) == 1


def test_after_an_upload_every_page_moves_to_the_new_datas_last_day(monkeypatch):
    monkeypatch.setenv("RECRUIT_DASH_TODAY", "2026-11-23")
    at = app()
    at.run()
    at.switch_page("pages/data.py").run()
    sidebar_date(at).set_value(date(2026, 1, 31)).run()  # a widget touched before the upload
    at.file_uploader(key="data_upload").set_value(
        [("march.csv", _tracker_ending_on(date(2025, 3, 14)), "text/csv")]).run()
    for page in ("pages/overview.py", "pages/funnel.py", "pages/consultants.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert sidebar_date(at).value == date(2025, 3, 14), page
