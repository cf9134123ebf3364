"""Exports are safe to open in Excel: user text never becomes a live formula."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from recruit_dash.export import csv_bytes, xlsx_bytes

HOSTILE = ["=HYPERLINK(\"http://x\",\"click\")", "+44 7700 900123", "-1+2", "@SUM(A1:A9)",
           "\tcmd", "\r=1", "<img src=x onerror=alert(1)>", "plain"]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"client": HOSTILE, "fee": [1.5, -2.0, 3.0, None, 5.0, 6.0, 7.0, 8.0],
                         "on": pd.to_datetime(["2025-01-02"] * 8)})


def test_xlsx_round_trip_has_no_formula_cells_and_keeps_text_and_numbers(frame):
    sheet = load_workbook(io.BytesIO(xlsx_bytes({"t": frame})))["t"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    # XML keeps a carriage return as a line feed; the text is otherwise exactly what was typed.
    assert [row[0].value.replace("\n", "\r") for row in sheet.iter_rows(min_row=2)] == HOSTILE
    assert [row[1].value for row in sheet.iter_rows(min_row=2)][:2] == [1.5, -2]
    assert sheet["C2"].value.date().isoformat() == "2025-01-02"  # a real date, sortable
    assert sheet["C2"].number_format == "DD/MM/YYYY"


def test_csv_cells_that_could_run_as_formulas_start_with_an_apostrophe(frame):
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"), newline="")))
    clients = [row[0] for row in rows[1:]]
    assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in clients)
    assert clients[-1] == "plain" and clients[-2] == "<img src=x onerror=alert(1)>"
    assert rows[2][1] == "-2.0"  # a real negative number stays a number


def test_a_csv_of_date_objects_and_mixed_cells_downloads():
    from datetime import date

    mixed = pd.DataFrame({"to": [date(2026, 9, 30), None], "flag": [True, None],
                          "client": ["=cmd", "Acme"]})
    rows = list(csv.reader(io.StringIO(csv_bytes(mixed).decode("utf-8-sig"), newline="")))
    assert rows[1] == ["2026-09-30", "True", "'=cmd"] and rows[2] == ["", "", "Acme"]
