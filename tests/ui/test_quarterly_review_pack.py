"""The Quarterly review page offers the review pack as a PDF and as a workbook, built on click."""

from __future__ import annotations

from conftest import ROOT
from streamlit.testing.v1 import AppTest

APP = str(ROOT / "app.py")


def test_the_quarterly_review_offers_the_pack_as_pdf_and_excel_built_when_clicked():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/quarterly_review.py").run()
    assert not at.exception
    buttons = {button.proto.id.rsplit("-", 1)[-1]: button.proto
               for button in at.get("download_button")}
    for key, label in (("review_pack_pdf", "Download the review pack (PDF)"),
                       ("review_pack_xlsx", "Download the review pack (Excel)")):
        assert buttons[key].label == label
        # A deferred file: the pack is built when the button is clicked, not on every rerun.
        assert buttons[key].deferred_file_id and buttons[key].ignore_rerun
