"""Hostile and broken files, built by code: the bad-input corpus the app must survive.

Each entry is (file name, builder, expectation). The expectation is either "refused" (the file
must give ok: false with a sentence) or "read" (odd but valid: its data must come through), plus
words the outcome must contain. Run directly to write them into a folder:
`python tests/make_hostile.py /tmp/hostile`.
"""

from __future__ import annotations

import io
import os
import random
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from make_fixtures import csv_bytes, workbook_bytes
from openpyxl import Workbook

HEADER = ["Lead ID", "Consultant", "Client", "Status", "Date Added"]
ROWS = [["L1", "Ann Lee", "Acme Ltd", "CVs sent", "03/02/2025"],
        ["L2", "Bob Ray", "Bolt plc", "Placed", "04/02/2025"]]


@dataclass(frozen=True)
class Hostile:
    """One bad input and what a good tool does with it."""

    name: str
    build: Callable[[], bytes]
    outcome: str  # "refused" or "read"
    words: str = ""  # a phrase the error (refused) or a sheet note (read) must contain


def _tracker() -> bytes:
    return workbook_bytes({"Leads": [HEADER, *ROWS]})


def _rezip(data: bytes, change: Callable[[str, bytes], bytes | None],
           extra: dict[str, bytes] | None = None, level: int = 6) -> bytes:
    """Return a copy of a zip with each part passed through `change` (None drops it)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for item in source.infolist():
            content = change(item.filename, source.read(item.filename))
            if content is not None:
                target.writestr(item.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def _sheet_xml(data: bytes, new_sheet: Callable[[bytes], bytes]) -> bytes:
    return _rezip(data, lambda name, content: new_sheet(content)
                  if name == "xl/worksheets/sheet1.xml" else content)


def a1_and_xfd1048576() -> bytes:
    workbook = Workbook()
    workbook.active["A1"] = "Lead ID"
    workbook.active["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def lying_dimension() -> bytes:
    """The far cell is there, but the <dimension> record claims a 2x2 sheet."""
    return _sheet_xml(a1_and_xfd1048576(), lambda xml: xml.replace(
        b'<dimension ref="A1:XFD1048576"', b'<dimension ref="A1:B2"'))


def zip_bomb() -> bytes:
    """A sheet of 400 MB of spaces that packs into well under a megabyte."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        source = zipfile.ZipFile(io.BytesIO(_tracker()))
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with target.open(item.filename, "w", force_zip64=True) as part:
                    part.write(b"<worksheet>")
                    chunk = b" " * (1 << 20)
                    for _ in range(400):
                        part.write(chunk)
                    part.write(b"</worksheet>")
            else:
                target.writestr(item.filename, source.read(item.filename))
    return buffer.getvalue()


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    dtd = f"<?xml version='1.0'?><!DOCTYPE worksheet [{entities}]>".encode()
    return _sheet_xml(_tracker(), lambda xml: dtd + xml.replace(b"Ann Lee", b"&lol9;"))


def external_entity() -> bytes:
    dtd = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return _sheet_xml(_tracker(), lambda xml: dtd + xml.replace(b"Ann Lee", b"&xxe;"))


def deeply_nested() -> bytes:
    return _sheet_xml(_tracker(), lambda xml: xml.replace(
        b"<sheetData>", b"<sheetData>" + b"<x>" * 200_000 + b"</x>" * 200_000))


def ole2(stream_name: str) -> bytes:
    """Return bytes shaped like an OLE2 compound file naming one stream (as Office writes)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + stream_name.encode("utf-16-le") + os.urandom(2048)


def formulas_without_values() -> bytes:
    return workbook_bytes({"Leads": [HEADER + ["Fee", "Fee with VAT"],
                                     ["L1", "Ann Lee", "Acme Ltd", "Placed", "03/02/2025", 5000, "=F2*1.2"],
                                     ["L2", "Bob Ray", "Bolt plc", "Placed", "04/02/2025", 7000, "=F3*1.2"]]})


def error_cells() -> bytes:
    def add_errors(xml: bytes) -> bytes:
        return xml.replace(b"</row></sheetData>",
                           b'<c r="F3" t="e"><v>#REF!</v></c></row></sheetData>')
    return _sheet_xml(_tracker(), add_errors)


def million_empty_rows() -> bytes:
    rows = b"".join(b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/></row>' % (row, row)
                    for row in range(4, 1_000_004))
    return _sheet_xml(_tracker(), lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>")
                      .replace(b'<dimension ref="A1:E3"', b'<dimension ref="A1:E1000003"'))


def merged_consultant() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Leads"
    for row in [HEADER, ["L1", "Ann Lee", "Acme Ltd", "CVs sent", "03/02/2025"],
                ["L2", None, "Bolt plc", "Placed", "04/02/2025"],
                ["L3", None, "Cole & Co", "Placed", "05/02/2025"]]:
        sheet.append(row)
    sheet.merge_cells("B2:B4")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def macro_workbook() -> bytes:
    data = _rezip(_tracker(), lambda name, content: content.replace(
        b"sheet.main+xml", b"sheet.macroEnabled.main+xml") if name == "[Content_Types].xml" else content,
        extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"Sub AutoOpen() Shell(\"calc\") End Sub"})
    return data


def minimal_ods() -> bytes:
    rows = "".join(
        "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
            for value in row) + "</table:table-row>" for row in [HEADER, *ROWS])
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Leads">{rows}'
        "</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        target.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                        compress_type=zipfile.ZIP_STORED)
        target.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        target.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def zip_of(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        target.writestr(name, content)
    return buffer.getvalue()


def strange_text() -> bytes:
    names = ["Zoë 👩‍💼 Brontë", "\u202eknaH", "Ann\u200bLee", "مريم", "  "]
    return workbook_bytes({"Leads": [HEADER, *[[f"L{i}", name, "Acme Ltd", "CVs sent", "03/02/2025"]
                                               for i, name in enumerate(names)]]})


def huge_string() -> bytes:
    return workbook_bytes({"Leads": [HEADER + ["Notes"], [*ROWS[0], "x" * 5_000_000]]})


def many_empty_sheets() -> bytes:
    return workbook_bytes({f"Sheet {index}": [] for index in range(300)})


HOSTILE: tuple[Hostile, ...] = (
    Hostile("a1_and_xfd1048576.xlsx", a1_and_xfd1048576, "refused", "far more than a lead tracker"),
    Hostile("lying_dimension.xlsx", lying_dimension, "refused", "more memory than a lead tracker"),
    Hostile("zip_bomb.xlsx", zip_bomb, "refused", "not safe to open"),
    Hostile("billion_laughs.xlsx", billion_laughs, "refused", ""),
    Hostile("external_entity.xlsx", external_entity, "refused", ""),
    Hostile("deeply_nested.xlsx", deeply_nested, "read", ""),
    Hostile("report.pdf.xlsx", lambda: b"%PDF-1.7\n" + os.urandom(4000), "refused", "PDF"),
    Hostile("web_export.xls", lambda: b"<html><body><table><tr><td>Lead</td></tr></table></body></html>",
            "refused", "web page"),
    Hostile("password.xlsx", lambda: ole2("EncryptedPackage"), "refused", "password"),
    Hostile("old_damaged.xls", lambda: ole2("Workbook"), "refused", "damaged"),
    Hostile("truncated.xlsx", lambda: _tracker()[: len(_tracker()) // 2], "refused", "damaged"),
    Hostile("empty.xlsx", lambda: b"", "refused", "empty"),
    Hostile("empty.csv", lambda: b"\n\n  \n", "refused", "empty"),
    Hostile("empty_zip.xlsx", lambda: zip_of("readme.txt", b"hello")[:0] or _empty_zip(), "refused",
            "not a spreadsheet"),
    Hostile("noise.xlsx", lambda: random.Random(7).randbytes(20_000), "refused", "not a spreadsheet"),
    Hostile("noise.csv", lambda: random.Random(8).randbytes(20_000), "refused", "not a spreadsheet"),
    Hostile("letter.docx.xlsx", lambda: zip_of("word/document.xml", b"<w:document/>"), "refused",
            "not a spreadsheet"),
    Hostile("archive.gz.xlsx", lambda: b"\x1f\x8b\x08\x00" + os.urandom(500), "refused",
            "not a spreadsheet"),
    Hostile("too_big.csv", lambda: b"Lead ID,Status\n" + b"L1,Placed\n" * 5_500_000, "refused",
            "the limit is"),
    Hostile("many_empty_sheets.xlsx", many_empty_sheets, "refused", "no sheet of records"),
    Hostile("summary_only.xlsx", lambda: workbook_bytes(
        {"Summary": [["Row Labels", "Count of Lead"], ["Ann", 3], ["Grand Total", 3]]}), "refused",
        "no sheet of records"),
    Hostile("formulas_without_values.xlsx", formulas_without_values, "read", "no saved result"),
    Hostile("error_cells.xlsx", error_cells, "read", "Excel errors"),
    Hostile("million_empty_rows.xlsx", million_empty_rows, "read", "1,000,003 rows in use"),
    Hostile("merged_consultant.xlsx", merged_consultant, "read", "merged"),
    Hostile("hidden_sheet.xlsx", lambda: workbook_bytes({"Leads": [HEADER, *ROWS], "Old": [HEADER]},
                                                        hidden=("Old",)), "read", ""),
    Hostile("macros.xlsm", macro_workbook, "read", ""),
    Hostile("tracker.ods", minimal_ods, "read", ""),
    Hostile("xlsx_named.csv", _tracker, "read", ""),
    Hostile("strange_text.xlsx", strange_text, "read", ""),
    Hostile("huge_string.xlsx", huge_string, "read", ""),
    Hostile("phones_and_formulas.csv", lambda: csv_bytes(
        [HEADER + ["Phone"], [*ROWS[0], "+447700900123"], ["=cmd|' /C calc'!A0", "Bob Ray", "@SUM(1)",
                                                            "Placed", "04/02/2025", "07700 900456"]]),
        "read", ""),
    Hostile("html_client.csv", lambda: csv_bytes(
        [HEADER, ["L1", "Ann Lee", "<img src=x onerror=alert(1)>", "CVs sent", "03/02/2025"]]), "read", ""),
    Hostile("cp1252.csv", lambda: csv_bytes([HEADER, ["L1", "Zoë Brontë", "Café Ltd", "Placed",
                                                      "03/02/2025"]], ";", "cp1252"), "read", ""),
)


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w"):
        pass
    return buffer.getvalue()


def write_all(folder: Path) -> dict[str, Path]:
    """Write every hostile file into a folder and return their paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for item in HOSTILE:
        path = folder / item.name
        path.write_bytes(item.build())
        paths[item.name] = path
    return paths


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")).values():
        print(f"{path.stat().st_size:>12,}  {path}")
