"""How the Monday digest is laid out: the same page as HTML for mail clients and as plain text.

The HTML is one 640-pixel table of rows, styled inline (mail clients drop style sheets), with
no script, no image, no link and nothing to fetch. Every text is escaped where it is written,
headings and labels included, so no text from the data is ever markup.
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """One list of the digest: its title, how many items it has, and the top items as words."""

    title: str
    count: int
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str  # what to say when there is nothing
    notes: tuple[str, ...] = ()

    @property
    def more(self) -> int:
        """Return how many items the part counts beyond those it shows."""
        return self.count - len(self.rows)


@dataclass(frozen=True)
class Section:
    """A heading of the digest, the days it is about, and its lists."""

    title: str
    subtitle: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Page:
    """A whole digest before it is laid out: subject, heading, counts line, notes, sections."""

    subject: str
    title: str
    line: str  # whom it covers and its day
    summary: str
    notes: tuple[str, ...]
    sections: tuple[Section, ...]


FOOTER = ("From recruit-dash. Stalled leads, calls and check-ins are counted as on the Stalled & "
          "today and Aftercare pages, where each list is in full.")
FONT = "Arial, Helvetica, sans-serif"
INK, MUTED, RULE, BAND, TINT = "#1f2933", "#5b6776", "#dfe4ea", "#16385c", "#edf2f7"
BACKGROUND = "#f4f5f7"
FIRST = ";font-weight:bold;white-space:nowrap"  # a lead id or a day, never broken at its hyphen
CELL = f"padding:5px 6px;border-bottom:1px solid {RULE};vertical-align:top;text-align:left"


def _e(text: str) -> str:
    """Return text for HTML: escaped, quotes too, so no text from the data is ever markup."""
    return html.escape(text, quote=True)


def html_part(page: Page) -> str:
    """Return the digest as an HTML page any mail client lays out."""
    rows = [f'<tr><td style="background:{BAND};color:#ffffff;padding:20px 24px">'
            f'<div style="font-size:22px;font-weight:bold">{_e(page.title)}</div>'
            f'<div style="font-size:13px;padding-top:4px">{_e(page.line)}</div></td></tr>',
            f'<tr><td style="background:{TINT};padding:12px 24px;font-size:14px;'
            f'font-weight:bold">{_e(page.summary)}</td></tr>']
    rows += [_note_row(note) for note in page.notes]
    for section in page.sections:
        # A section of one list of its own name carries the list's count in its heading.
        alone = len(section.parts) == 1 and section.parts[0].title == section.title
        count = " " + _pill(section.parts[0].count, 13) if alone else ""
        subtitle = (f'<div style="font-size:12px;color:{MUTED};padding-top:2px">'
                    f'{_e(section.subtitle)}</div>' if section.subtitle else "")
        rows.append(f'<tr><td style="padding:22px 24px 2px;border-top:1px solid {RULE}">'
                    f'<div style="font-size:18px;font-weight:bold;color:{BAND}">'
                    f'{_e(section.title)}{count}</div>{subtitle}</td></tr>')
        for part in section.parts:
            rows += _part_rows(part, titled=not alone)
    rows.append(f'<tr><td style="padding:22px 24px;font-size:11px;color:{MUTED};'
                f'border-top:1px solid {RULE}">{_e(FOOTER)}</td></tr>')
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{_e(page.subject)}</title></head>\n'
            f'<body style="margin:0;padding:0;background:{BACKGROUND}">\n'
            '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
            f'style="background:{BACKGROUND}"><tr><td align="center" style="padding:16px 8px">\n'
            '<table role="presentation" width="640" cellpadding="0" cellspacing="0" '
            f'style="width:640px;max-width:100%;background:#ffffff;border:1px solid {RULE};'
            f'border-collapse:collapse;font-family:{FONT};color:{INK};line-height:1.35">\n'
            + "\n".join(rows) + '\n</table>\n</td></tr></table>\n</body></html>\n')


def _part_rows(part: Part, titled: bool) -> list[str]:
    """Return the rows of one part: its title and count, its top items, "and N more", notes."""
    rows = []
    if titled:
        rows.append(f'<tr><td style="padding:12px 24px 4px;font-size:14px;font-weight:bold">'
                    f'{_e(part.title)} {_pill(part.count, 12)}</td></tr>')
    if part.rows:
        header = "".join(f'<th style="{CELL};font-size:11px;color:{MUTED};font-weight:normal;'
                         f'white-space:nowrap;text-transform:uppercase">{_e(column)}</th>'
                         for column in part.columns)
        body = "".join("<tr>" + "".join(
            f'<td style="{CELL}{FIRST if index == 0 else ""}">{_e(cell)}</td>'
            for index, cell in enumerate(row)) + "</tr>" for row in part.rows)
        rows.append('<tr><td style="padding:0 24px"><table role="presentation" width="100%" '
                    'cellpadding="0" cellspacing="0" style="border-collapse:collapse;'
                    f'font-size:13px">{"<tr>" + header + "</tr>"}{body}</table></td></tr>')
    else:
        rows.append(f'<tr><td style="padding:2px 24px 6px;font-size:13px;color:{MUTED}">'
                    f'{_e(part.empty)}</td></tr>')
    if part.more > 0:
        rows.append(f'<tr><td style="padding:4px 24px;font-size:12px;color:{MUTED}">'
                    f'and {part.more:,} more</td></tr>')
    rows += [_note_row(note) for note in part.notes]
    return rows


def _pill(count: int, size: int) -> str:
    """Return a count as a small rounded label beside a title."""
    return (f'<span style="display:inline-block;min-width:18px;padding:1px 7px;'
            f'border-radius:9px;background:{TINT};color:{BAND};font-size:{size}px;'
            f'text-align:center;vertical-align:middle">{count:,}</span>')


def _note_row(note: str) -> str:
    return (f'<tr><td style="padding:6px 24px;font-size:12px;color:{MUTED}">{_e(note)}'
            '</td></tr>')


def text_part(page: Page) -> str:
    """Return the digest as plain text: the same headings, counts, items and notes as the HTML."""
    lines = [page.title, page.line, "", page.summary, *page.notes]
    for section in page.sections:
        lines += ["", section.title.upper()] + ([section.subtitle] if section.subtitle else [])
        for part in section.parts:
            lines.append(f"{part.title}: {part.count:,}" if part.count else part.empty)
            lines += ["  - " + " · ".join(row) for row in part.rows]
            if part.more > 0:
                lines.append(f"  and {part.more:,} more")
            lines += [f"  {note}" for note in part.notes]
    return "\n".join([*lines, "", FOOTER]) + "\n"
