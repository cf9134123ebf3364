"""Drawing an A4 pack readable on paper: the document, headings, paragraphs, tables and charts that
every PDF pack (the coaching pack, the quarterly review) shares.

Built with fpdf2 and matplotlib (Agg, charts embedded as PNG) and the DejaVu Sans font that ships
with matplotlib: no browser, no network. Text the font cannot draw is shown as "?". Every text
is drawn as typed: neither fpdf2 nor matplotlib reads markup in it ("Ann $$ Lee" is no formula).
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from matplotlib.figure import Figure
from matplotlib.text import Text

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
INK, GREY, RULE = (0, 0, 0), (90, 90, 90), (200, 200, 200)


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    """Return the code points the pack's font can draw."""
    return frozenset(TTFont(FONT_DIR / "DejaVuSans.ttf").getBestCmap())


def printable(text: object) -> str:
    """Return text the PDF font can draw: control characters dropped, unknown glyphs as "?"."""
    drawable = _drawable()
    return "".join(char if ord(char) in drawable else "?" for char in str(text)
                   if char in "\n" or char.isprintable())


class PackDocument(FPDF):
    """An A4 page with the pack's name (a person, a quarter) and the page number in the footer."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, printable(f"{self.footer_text} · page {self.page_no()}"), align="C")
        self.set_text_color(*INK)


def document(title: str, footer_text: str) -> PackDocument:
    """Return an empty A4 portrait document with the pack's fonts, margins and footer."""
    pdf = PackDocument(orientation="P", unit="mm", format="A4")
    pdf.footer_text = footer_text
    pdf.set_title(printable(title))
    pdf.set_author("recruit-dash")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    return pdf


def heading(pdf: FPDF, text: str, size: int = 13) -> None:
    """Draw a bold heading the width of the page."""
    pdf.ln(2)
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.5, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def paragraph(pdf: FPDF, text: str, size: float = 10, style: str = "") -> None:
    """Draw a paragraph the width of the page (style "I" for a note, "B" for emphasis)."""
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, size * 0.5, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def table(pdf: FPDF, header: list[str], rows: list[list[str]], widths: tuple[int, ...],
          size: float = 9, text_last: bool = False, text_columns: int = 1) -> None:
    """Draw a table with a bold header row (repeated on a new page), black text on white, thin
    grey rules: the first `text_columns` columns (and the last, when it is text) left-aligned,
    figures right-aligned."""
    pdf.set_font(FONT, "", size)
    pdf.set_draw_color(*RULE)
    align = [*("LEFT",) * text_columns, *("RIGHT",) * (len(header) - text_columns)]
    if text_last:
        align[-1] = "LEFT"
    with pdf.table(col_widths=widths, text_align=tuple(align), line_height=size * 0.55,
                   borders_layout="HORIZONTAL_LINES", headings_style=bold(size),
                   first_row_as_headings=True) as drawn:
        for cells in [header, *rows]:
            line = drawn.row()
            for cell in cells:
                line.cell(printable(cell))
    pdf.ln(3)


def bold(size: float) -> FontFace:
    """Return the pack's bold face at a size, for table headings."""
    return FontFace(family=FONT, emphasis="BOLD", size_pt=size, color=INK)


def chart(pdf: FPDF, figure: Figure, height: float) -> None:
    """Embed a matplotlib figure as a PNG the full text width."""
    buffer = io.BytesIO()
    literal_text(figure)  # every chart a pack embeds passes here, whoever built it
    figure.savefig(buffer, format="png", dpi=160, facecolor="white")
    buffer.seek(0)
    pdf.image(buffer, w=pdf.epw, h=height, keep_aspect_ratio=True)
    pdf.ln(2)


def chart_axes(rows: int = 1, columns: int = 1, height: float = 4.6):
    """Return a white figure of small-multiple axes, the text width at 8.2 inches."""
    # Laid out when drawn, not while built: no text is drawn before literal_text has run.
    figure = Figure(figsize=(8.2, height), facecolor="white", layout="tight")
    return figure, figure.subplots(rows, columns, squeeze=False)


def literal_text(figure: Figure) -> Figure:
    """Return the figure with every text in it drawn as typed. matplotlib reads text between
    dollar signs as mathtext (or LaTeX): a consultant called "$\\frac{1}{0}$ Ann" would be drawn as
    a formula and "Ann $$ Lee" would stop the pack. Set on each text rather than through rcParams,
    which every thread of the app's server shares."""
    for text in figure.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)
    return figure


def tidy(axis, title: str) -> None:
    """Give an axis the pack's look: a small left title, no top or right frame, light grid."""
    axis.set_title(printable(title), fontsize=9, loc="left")
    axis.spines[["top", "right"]].set_visible(False)
    axis.tick_params(labelsize=7)
    axis.grid(axis="y", color="#dddddd", linewidth=0.6)
