"""Every export is inert, headers included, and text shows as typed everywhere: no cell or header
of a CSV or workbook runs as a formula or is a link, no name is read as markup in a PDF, a chart
or a page."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from icalendar import Calendar
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from openpyxl import load_workbook
from pypdf import PdfReader

from recruit_dash.cli import main
from recruit_dash.ingest.pipeline import ingest_files
from recruit_dash.ingest.understanding import quarantined_rows
from recruit_dash.outputs import charts, export
from recruit_dash.outputs.ics import calls_ics
from recruit_dash.outputs.pack import funnel_chart, pack_content
from recruit_dash.ui.components import escape_markdown, labelled

HOSTILE = ['=HYPERLINK("http://x","y")', "=1+1", "@SUM(A1)", "+1", "-1+2", "\tTab led", "\rCR led",
           "http://example.com/a", "$\\alpha$", "$$", "<b>bold</b>"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FRACTION, DOLLARS = "$\\frac{1}{0}$ Ann", "Ann $$ Lee"
STAGES = ["Lead ID", "Consultant", "Client", "Status", "Date Added", "CVs Sent", "1st Interview",
          "Offer Made", "Start Date"]


def tracker_rows() -> list[list[str]]:
    """Return a lead tracker whose extra headers and cells are hostile, with two consultants
    named with dollar signs, an exact duplicate and a totals row (both quarantined)."""
    rows = [["L1", FRACTION, HOSTILE[0], "Placed", "03/02/2025", "10/02/2025", "17/02/2025",
             "24/02/2025", "03/03/2025"],
            ["L2", DOLLARS, HOSTILE[1], "Placed", "03/02/2025", "10/02/2025", "17/02/2025",
             "24/02/2025", "03/03/2025"],
            ["L3", FRACTION, HOSTILE[7], "CVs sent", "04/02/2025", "11/02/2025", "", "", ""],
            ["L4", DOLLARS, HOSTILE[10], "CVs sent", "04/02/2025", "11/02/2025", "", "", ""]]
    rows = [row + HOSTILE for row in rows]
    return [STAGES + HOSTILE, *rows, rows[0], ["TOTAL", *[""] * (len(STAGES) - 1), *HOSTILE]]


@pytest.fixture(scope="module")
def tracker(tmp_path_factory) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(tracker_rows())
    path = tmp_path_factory.mktemp("hostile") / "hostile.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path


@pytest.fixture
def frame() -> pd.DataFrame:
    """Return a table whose headers and text cells are all hostile, beside a fee and a date."""
    columns = {header: HOSTILE[index:] + HOSTILE[:index] for index, header in enumerate(HOSTILE)}
    return pd.DataFrame({**columns, "+fee": [1.0] * len(HOSTILE),
                         "@on": pd.to_datetime(["2025-01-02"] * len(HOSTILE))})


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def assert_csv_inert(rows: list[list[str]], headers: list[str]) -> None:
    """Assert no header or cell starts with a formula trigger, and each reads as typed once the
    apostrophe that neutralises it is taken off."""
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(TRIGGERS)]
    assert [cell.removeprefix("'") for cell in rows[0]] == headers
    assert rows[0][headers.index(HOSTILE[0])] == "'" + HOSTILE[0]


def assert_xlsx_inert(data: bytes, headers: list[str]) -> None:
    """Assert no cell of any sheet is a formula or a hyperlink, and the headers are text as typed."""
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
        assert not [cell.coordinate for cell in cells if cell.hyperlink]
        assert [cell.data_type for cell in sheet[1]] == ["s"] * len(headers)
        # XML keeps a carriage return as a line feed; otherwise each header is exactly as typed.
        assert [cell.value.replace("\n", "\r") for cell in sheet[1]] == headers


def test_a_csv_export_neutralises_every_header_and_cell(frame):
    rows = read_csv(export.csv_bytes(frame))
    assert_csv_inert(rows, [str(column) for column in frame.columns])
    assert rows[1][7] == "http://example.com/a"  # a web address stays plain text


def test_an_excel_export_has_no_formula_no_link_and_text_headers(frame):
    assert_xlsx_inert(export.xlsx_bytes({"t": frame}), [str(column) for column in frame.columns])
    sheet = load_workbook(io.BytesIO(export.xlsx_bytes({"t": frame})))["t"]
    assert sheet["L2"].value == 1.0 and sheet["M2"].value.year == 2025  # numbers and dates stay


def test_a_workbook_with_unsafe_sheet_names_and_a_control_character_still_opens():
    table = pd.DataFrame({"client": ["Acme\x01 Ltd"]})
    names = ["Calls: Ann/Bob [week 3]?*", "'quoted'", "History", "history", "x" * 40,
             "x" * 35 + "y" * 5]
    book = load_workbook(io.BytesIO(export.xlsx_bytes(dict.fromkeys(names, table))))
    assert book.sheetnames == ["Calls_ Ann_Bob _week 3___", "quoted", "History table",
                               "History table 2", "x" * 31, "x" * 29 + " 2"]
    assert book.worksheets[0]["A2"].value == "Acme Ltd"


def test_excel_sheet_names_are_unique_and_valid():
    taken: list[str] = []
    for name in ["a/b", "a:b", "'", "Sheet", "y" * 31, "y" * 31]:
        taken.append(export.sheet_title(name, taken))
    assert taken == ["a_b", "a_b 2", "Sheet", "Sheet 2", "y" * 31, "y" * 29 + " 2"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_quarantined_rows_download_carries_the_source_headers_inert(tracker, kind):
    ingested = ingest_files([(tracker.name, tracker.read_bytes())])
    # As the Data page offers them: components.downloads(quarantined_rows(...)) → labelled → export.
    rows = labelled(quarantined_rows(ingested))
    assert len(rows) == 2 and HOSTILE[0] in rows.columns
    headers = [str(column) for column in rows.columns]
    if kind == "csv":
        assert_csv_inert(read_csv(export.csv_bytes(rows)), headers)
    else:
        assert_xlsx_inert(export.xlsx_bytes({"quarantined_rows": rows}), headers)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_export_command_writes_hostile_cells_inert(tracker, tmp_path, kind):
    target = tmp_path / f"leads.{kind}"
    assert main(["export", "leads", str(tracker), "--format", kind, "-o", str(target)]) == 0
    if kind == "csv":
        rows = read_csv(target.read_bytes())
        assert not [cell for row in rows for cell in row if cell.startswith(TRIGGERS)]
        assert "'" + HOSTILE[0] in [cell for row in rows for cell in row]
    else:
        sheet = load_workbook(target)["leads"]
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert HOSTILE[0] in [cell.value for cell in cells]
        assert not [cell for cell in cells if cell.data_type == "f" or cell.hyperlink]


@pytest.mark.parametrize("name", [FRACTION, DOLLARS])
def test_the_coaching_pack_of_a_consultant_named_with_dollar_signs_shows_the_name(
        tracker, tmp_path, name):
    target = tmp_path / "pack.pdf"
    assert main(["pack", "consultant", str(tracker), "--name", name, "--from", "2025-01-01",
                 "--to", "2025-03-31", "--as-of", "2025-03-31", "-o", str(target)]) == 0
    reader = PdfReader(target)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"Coaching pack: {name}" in text
    assert sum(len(page.images) for page in reader.pages) == 3  # every chart drawn


def test_a_name_in_a_pack_chart_is_drawn_as_typed_not_as_a_formula(tracker):
    model = ingest_files([(tracker.name, tracker.read_bytes())]).model
    content = pack_content(model, FRACTION, date(2025, 1, 1), date(2025, 3, 31), date(2025, 3, 31))
    figure = funnel_chart(content.comparison, FRACTION)
    renderer = FigureCanvasAgg(figure).get_renderer()
    label = next(text for text in figure.axes[0].get_legend().get_texts()
                 if text.get_text() == FRACTION)
    typed = Text(0, 0, FRACTION, fontproperties=label.get_fontproperties(), parse_math=False)
    typed.set_figure(figure)
    # As mathtext, "\frac{1}{0}" would be a small stacked fraction, narrower than its characters.
    assert label.get_window_extent(renderer).width == pytest.approx(
        typed.get_window_extent(renderer).width)


def test_a_chart_on_the_pages_shows_names_and_titles_as_typed():
    groups = pd.DataFrame({"group": ["<b>bold</b>", "$\\alpha$ & co"], "label": ["CVs sent"] * 2,
                           "count": [3, 2], "cumulative": [1.0, 1.0]})
    figure = charts.split_chart(groups, "Funnel by <a href='http://x'>client</a>")
    names = [trace.name for trace in figure.data]
    # plotly reads tags (and, with MathJax, $...$) as markup and turns entities into characters.
    assert not [name for name in names if re.search(r"[<>$]", name)]
    assert [html.unescape(name) for name in names] == ["<b>bold</b>", "$\\alpha$ & co"]
    assert "<a" not in figure.layout.title.text
    assert html.unescape(figure.layout.title.text) == "Funnel by <a href='http://x'>client</a>"


def unescaped(markdown: str) -> str:
    """Return markdown text as CommonMark reads it: a backslash before punctuation dropped."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


# What Streamlit's markdown (remark-gfm) links in text once its escapes are read.
WEB_ADDRESS = re.compile(r"(https?://|www(?=\.))[-.\w]+", re.IGNORECASE | re.ASCII)
EMAIL = re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.ASCII)


@pytest.mark.parametrize("typed", ["http://example.com/a", "see https://evil.test/x?a=1",
                                   "www.example.com", "WWW.Example.com", "ann@example.com",
                                   "mailto:ann@example.com"])
def test_a_web_or_email_address_in_user_text_is_not_linked_on_a_page(typed):
    shown = unescaped(escape_markdown(typed))
    assert not WEB_ADDRESS.search(shown) and not EMAIL.search(shown)
    assert shown.replace("\u2060", "") == typed  # it reads as typed


@pytest.mark.parametrize("typed", ["<b>bold</b>", "$\\alpha$", "Ann $$ Lee", "&lt;b&gt;",
                                   ":material/home: :smile:", "**x** [a](http://x) `c`"])
def test_markup_in_user_text_is_escaped_for_a_page(typed):
    escaped = escape_markdown(typed)
    assert not re.search(r"(?<!\\)[<>$&:*\[\]`]", escaped)
    assert unescaped(escaped).replace("\u2060", "") == typed


def test_a_calendar_keeps_hostile_text_inside_one_event():
    calls = pd.DataFrame({"what": ["Call\r\nEND:VEVENT\rBEGIN:VEVENT"], "who": [HOSTILE[0]],
                          "client": ["a;b,c"], "due_on": [pd.Timestamp("2026-01-02")],
                          "consultant": [DOLLARS], "kind": ["lead"], "lead_id": ["L1"]})
    events = Calendar.from_ical(calls_ics(calls, date(2026, 1, 1))).walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["summary"]) == f"Call\nEND:VEVENT\nBEGIN:VEVENT – {HOSTILE[0]} – a;b,c"
