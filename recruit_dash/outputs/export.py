"""Writing tables for people to open in Excel: safe from formula injection; dates as ISO text in
CSV and as real dates (shown DD/MM/YYYY) in Excel. Every Excel sheet has its header row frozen
and filterable, and money columns (a fee, fees, an expected fee: named so, and numbers) in
pounds."""

from __future__ import annotations

import io
import re
from datetime import date

import pandas as pd

EXCEL_DATE_FORMAT = "DD/MM/YYYY"
EXCEL_MONEY_FORMAT = '"£"#,##0;-"£"#,##0'
# A numeric column is money when a word of its name is one of these, and none is a share word
# ("fees from repeat clients" as a share of fees is a percentage, not pounds).
MONEY_WORDS = frozenset({"fee", "fees", "expected", "revenue", "billing", "billings", "£"})
SHARE_WORDS = frozenset({"share", "rate", "ratio", "percent", "pct", "count", "number"})

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Return a text cell that cannot run as a formula; numbers and dates stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy for a CSV export: dates as YYYY-MM-DD, text that could run as a formula
    neutralised; numbers stay numbers."""
    plain = _plain_frame(frame)
    for column, original in zip(plain.columns, frame.columns, strict=True):
        if pd.api.types.is_numeric_dtype(frame[original]) or pd.api.types.is_bool_dtype(frame[original]):
            continue
        plain[column] = plain[column].map(neutralise)
    return plain


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return a CSV export (UTF-8 with BOM, so Excel reads accents right)."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def money_column(name: object, values: pd.Series) -> bool:
    """Return whether a column holds money: numbers under a name such as "fee" or "Fees, before"."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return False
    words = set(re.findall(r"[a-z]+|£", str(name).lower()))
    return bool(words & MONEY_WORDS) and not words & SHARE_WORDS


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Return an Excel workbook with one sheet per frame; every text cell is stored as text,
    every date as a date Excel can sort and filter, money in pounds; the header row is frozen
    and carries a filter."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(title=name[:31] or "Sheet")
        plain = _plain_frame(frame, dates_as_text=False)
        money = [money_column(column, frame[column]) for column in frame.columns]
        # A write-only sheet writes its view first, so the frozen row is set before any row.
        sheet.freeze_panes = "A2"
        sheet.append([str(column) for column in plain.columns])
        for row in plain.itertuples(index=False, name=None):
            cells = []
            for value, is_money in zip(row, money, strict=True):
                if is_money and value is not None:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = EXCEL_MONEY_FORMAT
                    cells.append(cell)
                elif isinstance(value, str):
                    # Typed as a string cell, "=HYPERLINK(...)" shows as those characters and
                    # never runs, without the apostrophe a CSV needs.
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                    cells.append(cell)
                elif isinstance(value, date):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = EXCEL_DATE_FORMAT
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
        if len(plain.columns):
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(plain.columns))}{len(plain) + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain_frame(frame: pd.DataFrame, dates_as_text: bool = True) -> pd.DataFrame:
    """Return a frame of plain Python values: dates as ISO text (or as dates), missing as None."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.dt.strftime("%Y-%m-%d") if dates_as_text else values.dt.date
        elif pd.api.types.is_integer_dtype(values):
            values = values.astype("Int64")
        out[str(column)] = values.astype(object).where(values.notna(), None)
    return pd.DataFrame(out, index=frame.index)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Return a Parquet export of the table as it is (typed, not for Excel)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
