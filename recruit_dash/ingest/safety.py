"""Checks on untrusted files before and beside parsing: size, type, zip bombs, absurd used ranges,
and the traps that make cells vanish silently (formulas with no saved value, error cells, merges).

All of it reads the file's own bytes; nothing here runs a formula or a macro.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree

from recruit_dash.errors import WorkbookError

MAX_UPLOAD_MB = int(os.environ.get("RECRUIT_DASH_MAX_UPLOAD_MB", "50"))
MAX_UNZIPPED_MB = int(os.environ.get("RECRUIT_DASH_MAX_UNZIPPED_MB", "1024"))
MAX_ZIP_ENTRIES = 10_000
# A real sheet's XML compresses 5-20 times; a zip bomb compresses a thousand times.
MAX_COMPRESSION_RATIO = 200
MAX_CELLS = int(os.environ.get("RECRUIT_DASH_MAX_CELLS", "10000000"))
# Sheets larger than this (unpacked XML) are machine exports; only their first rows are checked
# for traps, so the check never costs more than a fraction of the parse itself.
FULL_SCAN_BYTES = 16_000_000
HEAD_SCAN_BYTES = 4_000_000
MAX_WORKBOOK_XML_BYTES = 5_000_000  # a workbook's list of sheets; beyond this it is not read early

_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{0,3})(\d*):?([A-Z]{0,3})(\d*)"')
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
# A formula cell ending with no <v>, or with an empty one: read as empty unless it is a text result.
_FORMULA_END = re.compile(rb"(?:</f>|<f\b[^>]*/>)(<v\s*/>|<v\s*>\s*</v>)?</c>")
_CELL_START = re.compile(rb"<c\b[^>]*>")
_TEXT_RESULT = re.compile(rb'\bt\s*=\s*["\']str["\']')
_ERROR_CELL = re.compile(rb'<c\b[^>]*\bt="e"')
SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def column_number(letters: bytes | str) -> int:
    """Return a column's number from its letters (A=1, XFD=16384)."""
    number = 0
    for letter in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(letter) - 64
    return number


def check_before_parsing(name: str, data: bytes) -> None:
    """Raise a WorkbookError when a file is too big, a zip bomb, or claims an absurd used range."""
    name = Path(name).name
    size_mb = len(data) / 1_000_000
    if size_mb > MAX_UPLOAD_MB:
        raise WorkbookError(
            f"'{name}' is {size_mb:,.0f} MB; the limit is {MAX_UPLOAD_MB} MB. A lead tracker is "
            "rarely over 10 MB: delete unused sheets, rows and pictures, or export just the "
            "tracker sheet as CSV, and upload that.")
    if not data.startswith(b"PK\x03\x04"):
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise WorkbookError(f"'{name}' looks like an Excel file but it is damaged. Open it in "
                            "Excel, save a copy and upload that.") from error
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _unsafe(name, f"it holds {len(entries):,} parts")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNZIPPED_MB * 1_000_000:
        raise _unsafe(name, f"it unpacks to {total / 1e6:,.0f} MB")
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > 10_000_000 and ratio > MAX_COMPRESSION_RATIO:
            raise _unsafe(name, f"one part unpacks {ratio:,.0f} times larger than it is stored")
    for entry in entries:
        if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
            with archive.open(entry) as stream:
                head = stream.read(4096)
            cells = _declared_cells(head)
            if cells > MAX_CELLS:
                raise WorkbookError(
                    f"'{name}' has a sheet whose used range covers {cells:,} cells, far more than "
                    "a lead tracker needs; usually something was typed or formatted far below or "
                    "to the right of the data. Open it in Excel, delete the empty rows and "
                    "columns after your data, save a copy and upload that.")


def _unsafe(name: str, what: str) -> WorkbookError:
    """Return the error for a workbook whose packaging is not what Excel writes."""
    return WorkbookError(
        f"'{name}' is not safe to open: {what}, which no real tracker does. It may be damaged "
        "or built to harm. Open it in Excel, save a copy and upload that.")


def _declared_cells(head: bytes) -> int:
    """Return how many cells a sheet's <dimension> record claims (0 when it has none)."""
    match = _DIMENSION.search(head)
    if not match:
        return 0
    first_column, first_row, last_column, last_row = match.groups()
    if not last_column:
        return 1
    rows = int(last_row or first_row or 1) - int(first_row or 1) + 1
    columns = column_number(last_column) - column_number(first_column or b"A") + 1
    return max(rows, 0) * max(columns, 0)


@dataclass
class SheetTraps:
    """What a sheet's XML says about cells the reader will show as empty."""

    formulas_without_value: int = 0
    error_cells: int = 0
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based, inclusive
    first_column: int = 0  # the reader's first column, 0-based, from the <dimension> record
    declared_rows: int = 0  # the last row of the used range Excel recorded
    partial: bool = False  # only the first rows were checked (a very large sheet)


def sheet_traps(data: bytes, takes: Callable[[str], bool] | None = None) -> dict[str, SheetTraps]:
    """Return, per sheet name of an .xlsx/.xlsm (of the sheets `takes` accepts, when given), the
    silent-loss traps its XML holds."""
    if not data.startswith(b"PK\x03\x04"):
        return {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        paths = _sheet_paths(archive)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError):
        return {}
    members = {info.filename: info for info in archive.infolist()}
    traps = {}
    for name, path in paths.items():
        if path not in members or takes is not None and not takes(name):
            continue
        info = members[path]
        partial = info.file_size > FULL_SCAN_BYTES
        xml = _member_bytes(data, archive, info, HEAD_SCAN_BYTES if partial else None)
        traps[name] = _traps(xml, partial)
    return traps


def sheet_sizes(data: bytes) -> dict[str, int]:
    """Return, per sheet name of an .xlsx/.xlsm, the unpacked size of its XML (how much work
    reading it is); empty for any other file or one whose parts cannot be listed."""
    if not data.startswith(b"PK\x03\x04"):
        return {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if archive.getinfo("xl/workbook.xml").file_size > MAX_WORKBOOK_XML_BYTES:
            return {}
        paths = _sheet_paths(archive)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError, OSError,
            RuntimeError):
        return {}
    sizes = {info.filename: info.file_size for info in archive.infolist()}
    return {name: sizes[path] for name, path in paths.items() if path in sizes}


def _member_bytes(data: bytes, archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                  limit: int | None = None) -> bytes:
    """Return a zip member's content (its first `limit` bytes when given), inflated in one C call.

    zipfile inflates in small Python-driven chunks that hold the GIL between them; one call lets
    the scan run truly beside the sheet parsing on another core.
    """
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
        with archive.open(info) as stream:
            return stream.read(limit or -1)
    header = data[info.header_offset:info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return archive.read(info)
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    raw = data[start:start + info.compress_size]
    try:
        if limit:
            return zlib.decompressobj(-15).decompress(raw, limit)
        return zlib.decompress(raw, -15, max(info.file_size, 1))
    except zlib.error:
        return archive.read(info)


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Return sheet name -> worksheet XML path, from the workbook and its relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{PACKAGE_RELS_NS}Relationship")}
    paths = {}
    for sheet in workbook.iter(f"{SPREADSHEET_NS}sheet"):
        target = targets.get(sheet.get(f"{RELATIONSHIP_NS}id"), "")
        target = target.lstrip("/")
        paths[sheet.get("name")] = target if target.startswith("xl/") else f"xl/{target}"
    return paths


def _traps(xml: bytes, partial: bool = False) -> SheetTraps:
    """Return the traps in one worksheet's XML, using byte counts rather than a second parse."""
    traps = SheetTraps(partial=partial)
    if b"<f" in xml:
        traps.formulas_without_value = _formulas_without_value(xml)
    dimension = _DIMENSION.search(xml, 0, 4096)
    if dimension and dimension.group(4):
        traps.declared_rows = int(dimension.group(4))
    if b't="e"' in xml:
        traps.error_cells = len(_ERROR_CELL.findall(xml))
    tail = xml.rfind(b"<mergeCells")
    if tail != -1:
        if dimension and dimension.group(1):
            traps.first_column = column_number(dimension.group(1)) - 1
        traps.merged = [(int(top) - 1, column_number(left) - 1, int(bottom) - 1,
                         column_number(right) - 1)
                        for left, top, right, bottom in _MERGE.findall(xml, tail)]
    return traps


def _formulas_without_value(xml: bytes) -> int:
    """Return how many formula cells have no saved result.

    A formula whose result is the empty string (`IF(A2>5, "x", "")`) is saved by Excel as a text
    cell (t="str") with an empty <v>: it has a result, the empty string. Only a formula with no
    <v> at all, or an empty <v> in a cell that is not text (as scripts that never calculate write
    it), has none."""
    count = 0
    for end in _FORMULA_END.finditer(xml):
        if end.group(1) is None:
            count += 1
            continue
        # Only formulas with an empty value reach here, so the look back stays rare and short.
        start = xml.rfind(b"<c", max(0, end.start() - 100_000), end.start())
        opening = _CELL_START.match(xml, start) if start != -1 else None
        if opening is None or not _TEXT_RESULT.search(opening.group()):
            count += 1
    return count
