"""A file refused at a limit (its read ran out of time on a busy server) is never kept: the next
rerun reads the same bytes again, and the page says what happened in words."""

from __future__ import annotations

from conftest import ROOT, SAMPLE
from streamlit.testing.v1 import AppTest

from recruit_dash.ingest import isolation
from recruit_dash.ui.state import UPLOADS_KEY


def _data_page(uploads: list[tuple[str, bytes]]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[UPLOADS_KEY] = uploads
    at.run()
    at.switch_page("pages/data.py").run()
    return at


def test_a_refusal_at_the_time_limit_is_not_kept_and_the_next_rerun_reads_the_file(monkeypatch):
    # Bytes no other test uploads, so no earlier reading is in the caches.
    data = SAMPLE.read_bytes() + b"\0" * 7
    monkeypatch.setattr(isolation, "PARSE_SECONDS", 0.001)  # less than any read needs
    at = _data_page([("busy_monday.xlsx", data)])
    assert not at.exception
    refusals = [error.value for error in at.error if "busy_monday.xlsx" in error.value]
    assert refusals and "seconds of work" in refusals[0]
    monkeypatch.setattr(isolation, "PARSE_SECONDS", 25.0)
    at.run()
    assert not at.exception
    assert not [error.value for error in at.error if "busy_monday.xlsx" in error.value]
    assert any("1,700 leads" in str(element.value) for element in [*at.markdown, *at.caption,
                                                                     *at.success, *at.info])
