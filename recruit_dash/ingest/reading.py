"""Reading files into raw sheets of text cells: the first link of the ingest chain."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from recruit_dash.errors import WorkbookError

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
CSV_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


@dataclass(frozen=True)
class RawSheet:
    """One sheet's cells as text (missing when empty), in sheet order; row 0 is Excel's row 1."""

    name: str
    cells: pd.DataFrame
    hidden: bool = False
    date1904: bool = False  # the workbook counts serial dates from 1904 (old Mac Excel)


def file_kind(data: bytes, name: str) -> str:
    """Return 'excel' or 'csv' from the file's first bytes, or raise a WorkbookError."""
    head = data[:8]
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise WorkbookError(f"'{name}' is empty. Check you picked the right file.")
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile as error:
            raise WorkbookError(
                f"'{name}' looks like an Excel file but it is damaged. Open it in Excel, "
                "save a copy and upload that."
            ) from error
        if "EncryptedPackage" in names:
            raise WorkbookError(f"'{name}' is password-protected. Remove the password and upload again.")
        if not any(entry.startswith(("xl/", "content.xml")) for entry in names):
            raise WorkbookError(
                f"'{name}' is a zip file but not a spreadsheet. Upload an Excel workbook or a CSV."
            )
        return "excel"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            raise WorkbookError(f"'{name}' is password-protected. Remove the password and upload again.")
        return "excel"
    if head.startswith(b"%PDF"):
        raise WorkbookError(f"'{name}' is a PDF, not a spreadsheet. Upload the Excel file or a CSV export.")
    if b"\x00" in data[:4096]:
        raise WorkbookError(
            f"'{name}' is not a spreadsheet we can read. Upload an Excel workbook (.xlsx) or a CSV."
        )
    lowered = data[:512].lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table")):
        raise WorkbookError(
            f"'{name}' is a web page saved with a spreadsheet name, not a real workbook. "
            "Open it in Excel, choose Save As > Excel Workbook (.xlsx) and upload that."
        )
    if suffix in EXCEL_SUFFIXES:
        raise WorkbookError(
            f"'{name}' is named like an Excel file but holds plain text. Rename it to .csv or "
            "save it from Excel as a workbook."
        )
    return "csv"


def sheet_loaders(data: bytes, name: str) -> list[tuple[str, Callable[[], RawSheet]]]:
    """Return (sheet name, loader) for each sheet, in workbook order; loaders may run in
    parallel threads."""
    if file_kind(data, name) == "csv":
        sheet = RawSheet(Path(name).stem, read_csv_cells(data, name))
        return [(sheet.name, lambda: sheet)]
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
    except Exception as error:  # fastexcel raises its own hierarchy; any failure means unreadable
        raise WorkbookError(
            f"'{name}' could not be opened as a spreadsheet: it may be damaged. Open it in "
            "Excel, save a copy and upload that."
        ) from error
    date1904 = uses_1904_dates(data)
    readers = Readers(data, reader)
    return [(sheet_name, partial(read_excel_sheet, readers, name, sheet_name, date1904))
            for sheet_name in names]


class Readers:
    """The open readers of one workbook, each lent to one thread at a time: a reader cannot be
    used by two threads at once, and opening one copies the file and reads its list of parts, so
    a sheet read after another reuses the reader that one returned."""

    def __init__(self, data: bytes, reader: object | None = None):
        self.data = data
        self._idle = [reader] if reader is not None else []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def lent(self) -> Iterator[object]:
        import fastexcel

        with self._lock:
            reader = self._idle.pop() if self._idle else None
        reader = reader or fastexcel.read_excel(self.data)
        yield reader
        # Only a reader that finished its sheet is lent again (one whose read failed is dropped).
        with self._lock:
            self._idle.append(reader)


def uses_1904_dates(data: bytes) -> bool:
    """Return whether an .xlsx workbook counts serial dates from 1904 (Excel for Mac before 2011).

    Date-formatted cells are converted by the reader either way; this matters for dates typed as
    bare serial numbers."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("xl/workbook.xml")
            if info.file_size > 5_000_000:
                return False
            head = archive.read(info)
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError):
        return False
    return re.search(rb"date1904=\"(1|true)\"", head) is not None


def read_csv_cells(data: bytes, name: str) -> pd.DataFrame:
    """Return a CSV's cells as text, trying the encodings and delimiters users' files come in."""
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # latin-1 decodes every byte, so this is unreachable; kept for the type checker
        raise WorkbookError(f"'{name}' is in a text encoding we do not recognise.")
    sample = text[:20000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, dtype="str", keep_default_na=False,
            na_values=[""], skip_blank_lines=False, engine="python" if delimiter == "|" else "c",
        )
    except pd.errors.ParserError:
        # Rows of different widths, as a title row typed above the header: read row by row.
        frame = _ragged_csv(text, delimiter, name)
    except ValueError as error:
        raise WorkbookError(
            f"'{name}' could not be read as a CSV file ({error}). Open it in Excel and save it "
            "as CSV UTF-8 or as a workbook."
        ) from error
    return _text_cells(frame)


def read_excel_sheet(readers: Readers, name: str, sheet_name: str,
                     date1904: bool = False) -> RawSheet:
    """Return one sheet of an Excel or OpenDocument workbook as text cells, via fastexcel."""
    try:
        with readers.lent() as reader:
            sheet = reader.load_sheet(sheet_name, header_row=None, skip_rows=0, dtypes="string")
            cells, hidden = sheet.to_pandas(), sheet.visible != "visible"
        return RawSheet(sheet_name, _text_cells(cells), hidden, date1904)
    except Exception as error:
        raise WorkbookError(
            f"Sheet '{sheet_name}' of '{name}' could not be read: it may be damaged. Open the "
            "file in Excel, save a copy and upload that."
        ) from error


def _ragged_csv(text: str, delimiter: str, name: str) -> pd.DataFrame:
    """Return a CSV's cells when its rows differ in width, each row padded to the widest."""
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise WorkbookError(
            f"'{name}' could not be read as a CSV file ({error}). Open it in Excel and save it "
            "as CSV UTF-8 or as a workbook."
        ) from error
    width = max((len(row) for row in rows), default=0)
    cells = [[cell if cell != "" else None for cell in row] + [None] * (width - len(row))
             for row in rows]
    return pd.DataFrame(cells, columns=range(width), dtype="str")


def _text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Return cells as text columns (missing when empty), columns numbered from 0.

    Each column is categorical: its distinct texts once, in order of appearance, and a code per
    cell. A tracker repeats a few consultants, dates and statuses thousands of times, so every
    later step reads a column's distinct values, not its cells, and the cells take a tenth of
    the memory."""
    return pd.DataFrame({number: _categorical(frame[column].astype("str"))
                         for number, column in enumerate(frame.columns)},
                        index=pd.RangeIndex(len(frame)), columns=range(frame.shape[1]))


def _categorical(text: pd.Series) -> pd.Categorical:
    """Return a text column as categorical codes over its distinct texts (in order of appearance)."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(pd.Index(uniques, dtype="str")),
                                     validate=False)


def text_frame(cells: pd.DataFrame) -> pd.DataFrame:
    """Return cells as plain text columns (for what is shown or kept as it was read)."""
    return cells.astype("str")
