"""Exports are safe to open in Excel: user text never becomes a live formula."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from recruit_dash.outputs.export import csv_bytes, xlsx_bytes

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


MONEY = '"£"#,##0;-"£"#,##0'


def test_excel_money_is_money_with_a_frozen_filtered_header_and_injection_still_safe():
    frame = pd.DataFrame({"client": ["=cmd()", "Acme"], "Fee": [4950.0, None],
                          "Fees, before": [1200, -300], "expected_fee": [100.5, 2.0],
                          "repeat_fee_share": [0.25, 0.5], "count": [3, 4],
                          "on": pd.to_datetime(["2025-01-02", "2025-02-03"])})
    sheet = load_workbook(io.BytesIO(xlsx_bytes({"t": frame})))["t"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"
    header = [cell.value for cell in sheet[1]]
    formats = dict(zip(header, (cell.number_format for cell in sheet[2]), strict=True))
    assert formats["Fee"] == formats["Fees, before"] == formats["expected_fee"] == MONEY
    assert formats["repeat_fee_share"] == "General"  # a share of fees, not pounds
    assert formats["count"] == "General" and formats["on"] == "DD/MM/YYYY"
    assert sheet["B2"].value == 4950 and sheet["B3"].value is None  # a blank fee stays blank
    assert sheet["C3"].value == -300 and sheet["C3"].number_format == MONEY
    assert sheet["A2"].value == "=cmd()" and sheet["A2"].data_type == "s"  # text, never a formula


def test_every_sheet_of_a_workbook_and_an_empty_table_get_the_header_treatment():
    book = load_workbook(io.BytesIO(xlsx_bytes({"one": pd.DataFrame({"fee": [1.0]}),
                                                "none": pd.DataFrame({"fee": pd.Series(dtype=float)})})))
    assert [book[name].freeze_panes for name in ("one", "none")] == ["A2", "A2"]
    assert book["one"].auto_filter.ref == "A1:A2" and book["none"].auto_filter.ref == "A1:A1"
    assert book["one"]["A2"].number_format == MONEY


def test_the_download_of_a_page_table_and_the_export_command_write_money_as_money(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT, SAMPLE

    from recruit_dash.ui.components import labelled

    labelled_frame = labelled(pd.DataFrame({"lead_id": ["L1"], "fee": [5000.0]}))
    sheet = load_workbook(io.BytesIO(xlsx_bytes({"t": labelled_frame})))["t"]
    assert [cell.value for cell in sheet[1]] == ["Lead", "Fee"] and sheet["B2"].number_format == MONEY
    target = tmp_path / "leads.xlsx"
    result = subprocess.run([sys.executable, "-m", "recruit_dash", "export", "leads", str(SAMPLE),
                             "--format", "xlsx", "-o", str(target)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(target)["leads"]
    header = [cell.value for cell in sheet[1]]
    fee = header.index("fee") + 1
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    priced = [row[fee - 1] for row in sheet.iter_rows(min_row=2) if row[fee - 1].value is not None]
    assert priced and all(cell.number_format == MONEY for cell in priced)


def test_a_page_table_downloads_under_its_headings_with_money_as_money_and_shares_not():
    import streamlit as st

    from recruit_dash.ui.components import as_shown, percent_column

    quarters = pd.DataFrame({"quarter": ["Q4 2026"], "fees": [991600.0], "repeat_fee_share": [0.46],
                             "internal": ["x"]})
    config = {"quarter": "Quarter", "fees": st.column_config.NumberColumn("Fees", format="£%,.0f"),
              "repeat_fee_share": percent_column("Share of fees from repeat clients"), "internal": None}
    shown = as_shown(quarters, config)
    assert list(shown.columns) == ["Quarter", "Fees", "Share of fees from repeat clients"]
    sheet = load_workbook(io.BytesIO(xlsx_bytes({"t": shown})))["t"]
    assert sheet["B2"].number_format == MONEY and sheet["C2"].number_format == "General"
