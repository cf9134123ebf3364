"""The Data page's mapping editor under AppTest: every column of a wide sheet is listed, the sheet
being corrected stays open, a sheet we did not recognise can be used as leads, and another page
can open a sheet's editor."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from recruit_dash.ui import mapping_editor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDE_EXTRA = 35  # columns beside the five a lead tracker needs: 40 in all


def workbook(path: Path, sheets: dict[str, list[list]]) -> bytes:
    """Write a workbook of these sheets' rows and return its bytes."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path.read_bytes()


def wide_tracker(tmp_path: Path) -> bytes:
    headers = ["Lead ID", "Consultant", "Client", "Status", "Date Generated",
               *(f"Extra {number}" for number in range(1, WIDE_EXTRA + 1))]
    rows = [[f"L{number}", "Sam Lee", f"Client {number % 3}", "Open", f"2026-10-{number:02d}",
             *(f"x{number}" for _ in range(WIDE_EXTRA))] for number in range(1, 11)]
    return workbook(tmp_path / "wide.xlsx", {"Leads": [headers, *rows],
                                             "Notes": [["Read me first"], ["Nothing here"]]})


def unrecognised_tracker(tmp_path: Path) -> bytes:
    """A tracker whose headers we do not know, under a title row: no sheet is recognised."""
    rows = [["Our pipeline, autumn"], [],
            ["Alpha", "Bravo", "Charlie", "Delta", "Echo"],
            *[[f"R{number}", "Sam Lee", f"Firm {number}", "Open", f"2026-10-{number:02d}"]
              for number in range(1, 9)]]
    return workbook(tmp_path / "pipeline.xlsx", {"Pipeline": rows})


def data_page_with(name: str, data: bytes) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload").set_value([(name, data, XLSX)]).run()
    assert not at.exception
    return at


def section(at: AppTest, sheet: str):
    """Return the expander of the one sheet with this name."""
    found = [expander for expander in at.expander if f"› {sheet}" in expander.label.replace("\\", "")]
    assert len(found) == 1, [expander.label for expander in at.expander]
    return found[0]


def toggle_of(at: AppTest, sheet: str):
    return section(at, sheet).toggle[0]


def sheet_row(at: AppTest, sheet: str):
    table = at.dataframe[0].value  # "What we understood"
    return table[table["Sheet"] == sheet].iloc[0]


def test_every_column_of_a_wide_sheet_is_listed_in_the_editor(tmp_path):
    at = data_page_with("wide.xlsx", wide_tracker(tmp_path))
    toggle_of(at, "Leads").set_value(True).run()
    assert not at.exception
    editors = section(at, "Leads").get("data_editor")
    assert len(editors) == 1
    listed = editors[0].value
    assert len(listed) == 40
    assert listed["Column"].iloc[-1] == f"Extra {WIDE_EXTRA}"
    assert listed.set_index("Column").loc["Consultant", "Read as"] == "Consultant"
    assert listed.set_index("Column").loc["Extra 7", "Example"] == "x1"


def test_the_sheet_being_corrected_stays_open_after_a_change(fixture_files):
    at = data_page_with("custom_tracker.csv", fixture_files["custom_tracker.csv"].read_bytes())
    name = "custom_tracker"  # a CSV's one sheet is named after the file
    assert not section(at, name).proto.expanded
    toggle_of(at, name).set_value(True).run()
    desk = next(box for box in section(at, name).selectbox if box.label == "Desk")
    desk.set_value("consultant").run()
    assert not at.exception
    assert at.session_state["mapping_profile"].sheets[0].columns == {"Desk": "consultant"}
    assert section(at, name).proto.expanded
    assert toggle_of(at, name).value
    # The editor shows the change applied, ready for the next one.
    assert next(box for box in section(at, name).selectbox if box.label == "Desk").value == "consultant"


def test_a_refused_files_sheet_can_be_used_as_leads_and_its_rows_are_read(tmp_path):
    at = data_page_with("pipeline.xlsx", unrecognised_tracker(tmp_path))
    assert any("no sheet of records we can use" in error.value for error in at.error)
    assert sheet_row(at, "Pipeline")["Role"] == "ignored"
    section(at, "Pipeline").button(key=next(
        button.key for button in at.button if button.label == "Use this sheet as leads")).click().run()
    assert not at.exception
    pipeline = section(at, "Pipeline")
    assert pipeline.proto.expanded and pipeline.toggle[0].value
    # Leads preselected, other roles choosable, the header found under the title row.
    role = next(box for box in pipeline.selectbox if box.label == "This sheet holds")
    assert role.value == "leads" and "Activities" in role.options
    assert next(box for box in pipeline.number_input if box.label == "Header row").value == 3
    assert sheet_row(at, "Pipeline")["Header row"] == 3

    for column, field in [("Alpha", "lead_id"), ("Bravo", "consultant"), ("Charlie", "client"),
                          ("Delta", "status"), ("Echo", "created_on")]:
        box = next(box for box in section(at, "Pipeline").selectbox if box.label == column)
        if box.value != field:
            box.set_value(field).run()
            assert not at.exception
    row = sheet_row(at, "Pipeline")
    assert (row["Role"], row["Accepted"]) == ("leads", 8)
    assert not any("no sheet of records" in error.value for error in at.error)


def test_a_file_that_cannot_be_opened_offers_no_editor(tmp_path):
    at = data_page_with("broken.xlsx", b"PK\x03\x04 this is not a workbook")
    assert at.error
    assert not at.expander and not [b for b in at.button if b.label == "Use this sheet as leads"]


@pytest.mark.parametrize("start", ["pages/funnel.py", "pages/data.py"])
def test_another_page_opens_a_sheets_editor(tmp_path, monkeypatch, start):
    at = data_page_with("wide.xlsx", wide_tracker(tmp_path))
    at.switch_page(start).run()
    asked: dict = {}
    with monkeypatch.context() as patched:
        patched.setattr(mapping_editor.st, "session_state", asked)
        mapping_editor.request_open("wide.xlsx", "Notes")
    for key, value in asked.items():
        at.session_state[key] = value
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert section(at, "Notes").proto.expanded and toggle_of(at, "Notes").value
    assert not section(at, "Leads").proto.expanded and not toggle_of(at, "Leads").value
    # The request is honoured once: the page does not keep opening the sheet.
    assert mapping_editor.OPEN_REQUEST_KEY not in at.session_state
