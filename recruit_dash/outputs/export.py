"""Writing tables for people to open in Excel: safe from formula injection, headers included (a
quarantined row keeps the source file's own headers); dates as ISO text in CSV and as real dates
(shown DD/MM/YYYY) in Excel. Every Excel sheet has its header row frozen and filterable, and money
columns (a fee, fees, an expected fee: named so, and numbers) in pounds. Text is written as text:
never a formula, never a hyperlink (openpyxl makes none, and Excel links only what is typed)."""

from __future__ import annotations

import io
import numbers
import re
from datetime import date

import pandas as pd

from recruit_dash.periods import Period

EXCEL_DATE_FORMAT = "DD/MM/YYYY"
EXCEL_MONEY_FORMAT = '"£"#,##0;-"£"#,##0'
# A numeric column is money when a word of its name is one of these, and none is a share word
# ("fees from repeat clients" as a share of fees is a percentage, not pounds).
MONEY_WORDS = frozenset({"fee", "fees", "expected", "revenue", "billing", "billings", "£"})
SHARE_WORDS = frozenset({"share", "rate", "ratio", "percent", "pct", "count", "number"})

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_FORBIDDEN = frozenset("\\/?*[]:")


def neutralise(value: object) -> object:
    """Return a text cell that cannot run as a formula; numbers and dates stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy for a CSV export: dates as YYYY-MM-DD, text that could run as a formula
    neutralised, in the headers too; numbers stay numbers."""
    plain = _plain_frame(frame)
    for column, original in zip(plain.columns, frame.columns, strict=True):
        if pd.api.types.is_numeric_dtype(frame[original]) or pd.api.types.is_bool_dtype(frame[original]):
            continue
        plain[column] = plain[column].map(neutralise)
    plain.columns = [neutralise(column) for column in plain.columns]
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


def xlsx_bytes(sheets: dict[str, pd.DataFrame],
               column_formats: dict[str, dict[str, str]] | None = None,
               row_formats: dict[str, list[str | None]] | None = None) -> bytes:
    """Return an Excel workbook with one sheet per frame; every text cell is stored as text,
    every date as a date Excel can sort and filter, money in pounds; the header row is frozen
    and carries a filter. A sheet's numbers may be given a number format by column (a share as
    a percentage: `column_formats[sheet][column]`) or, on a sheet of mixed figures, by row
    (`row_formats[sheet]`, one format or None per row); either wins over money."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    def text_cell(sheet, text: str) -> WriteOnlyCell:
        # Typed as a string, "=HYPERLINK(...)" (a cell, or a source file's header) shows as those
        # characters and never runs, without the apostrophe a CSV needs. A workbook cannot hold
        # control characters other than tab, line feed and carriage return: they are dropped.
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text))
        cell.data_type = "s"
        return cell

    workbook = Workbook(write_only=True)
    titles: list[str] = []
    for name, frame in sheets.items():
        titles.append(sheet_title(name, titles))
        sheet = workbook.create_sheet(title=titles[-1])
        plain = _plain_frame(frame, dates_as_text=False)
        by_column = (column_formats or {}).get(name, {})
        formats = [by_column.get(column) or (EXCEL_MONEY_FORMAT if money_column(column, frame[column])
                                             else None) for column in frame.columns]
        by_row = (row_formats or {}).get(name) or [None] * len(plain)
        # A write-only sheet writes its view first, so the frozen row is set before any row.
        sheet.freeze_panes = "A2"
        sheet.append([text_cell(sheet, str(column)) for column in plain.columns])
        for row, row_format in zip(plain.itertuples(index=False, name=None), by_row, strict=True):
            cells = []
            for value, number_format in zip(row, formats, strict=True):
                number_format = row_format or number_format
                if number_format and isinstance(value, numbers.Real) and not isinstance(value, bool):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = number_format
                    cells.append(cell)
                elif isinstance(value, str):
                    cells.append(text_cell(sheet, value))
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


def sheet_title(name: str, taken: list[str]) -> str:
    """Return a sheet name Excel accepts: none of \\ / ? * [ ] : or control characters, no
    apostrophe at either end, at most 31 characters, not "History" and unlike the names taken."""
    title = "".join("_" if char in SHEET_NAME_FORBIDDEN or not char.isprintable() else char
                    for char in name).strip("'")[:31].strip("'") or "Sheet"
    if title.lower() == "history":  # Excel keeps this name for itself
        title = "History table"
    base, number = title, 1
    while title.lower() in {other.lower() for other in taken}:
        number += 1
        title = f"{base[:31 - len(str(number)) - 1]} {number}"
    return title


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


def pack_file_name(consultant: str, period: Period) -> str:
    """Return a safe file name for a consultant's pack."""
    slug = "".join(char if char.isascii() and char.isalnum() else "_" for char in consultant)
    slug = slug.strip("_") or "consultant"
    return f"coaching_pack_{slug}_{period.start:%Y%m%d}_{period.end:%Y%m%d}.pdf"
