"""The upload history in the app (AppTest): save two weeks on the Data page, see what moved on
the Overview, show the history on every page, and delete an upload with a confirmation."""

from __future__ import annotations

from datetime import date

from conftest import ROOT, SAMPLE, SAMPLE_PREV
from streamlit.testing.v1 import AppTest

from recruit_dash.history.store import open_store

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/data.py").run()
    return at


def save(at: AppTest, path, as_of: date) -> None:
    at.file_uploader(key="data_upload").set_value([(path.name, path.read_bytes(), XLSX)]).run()
    at.date_input(key="history_as_of").set_value(as_of).run()
    at.button(key="history_save").click().run()
    assert not at.exception


def test_two_saved_weeks_show_what_moved_on_the_overview(history):
    at = data_page()
    assert any(str(history) in caption.value for caption in at.caption)
    save(at, SAMPLE_PREV, date(2026, 11, 13))
    assert any("imported as upload" in box.value for box in at.success)
    save(at, SAMPLE, date(2026, 11, 20))
    save(at, SAMPLE, date(2026, 11, 20))
    assert any("already imported on" in box.value for box in at.info)
    assert len(open_store(history).uploads()) == 2
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    moved = {card.label: int(card.value.replace(",", "")) for card in at.metric
             if card.label in ("Leads that progressed", "New leads")}
    expected = open_store(history).changes()
    assert moved["Leads that progressed"] == len(expected["progressed"]) > 0
    assert moved["New leads"] == len(expected["new"])


def test_the_history_can_be_shown_on_every_page_and_an_upload_deleted(history):
    at = data_page()
    save(at, SAMPLE_PREV, date(2026, 11, 13))
    save(at, SAMPLE, date(2026, 11, 20))
    at.toggle(key="history_source_toggle").set_value(True).run()
    assert not at.exception
    assert any("history" in line.value and "2 uploads" in line.value for line in at.sidebar.markdown)
    at.switch_page("pages/overview.py").run()  # the choice holds on other pages
    at.run()
    assert any("history" in line.value and "2 uploads" in line.value for line in at.sidebar.markdown)
    assert not any("sample data" in box.value for box in at.info)
    at.switch_page("pages/data.py").run()
    first = int(open_store(history).uploads()["upload_id"].iloc[0])
    at.selectbox(key="history_delete_id").set_value(first).run()
    assert at.button(key="history_delete").disabled
    at.checkbox(key="history_delete_sure").check().run()
    at.button(key="history_delete").click().run()
    assert not at.exception
    assert open_store(history).uploads()["upload_id"].tolist() != [] and \
        first not in open_store(history).uploads()["upload_id"].tolist()


def test_two_weeks_of_one_tracker_read_together_get_a_warning(history):
    at = data_page()
    files = [(path.name, path.read_bytes(), XLSX) for path in (SAMPLE_PREV, SAMPLE)]
    at.file_uploader(key="data_upload").set_value(files).run()
    assert not at.exception
    assert any("look like versions of one tracker" in box.value for box in at.warning)
    at.file_uploader(key="data_upload").set_value(files[1:]).run()
    assert not any("look like versions" in box.value for box in at.warning)
