"""Finding a sheet's header and body: cells made readable, the first rows, rows that are no record."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from recruit_dash.ingest.mapping import HEADER_SEARCH_ROWS
from recruit_dash.ingest.reading import RawSheet
from recruit_dash.ingest.safety import SheetTraps
from recruit_dash.ingest.vocabulary import clean_header
from recruit_dash.model import per_unique

MAX_TRAILING_BLANKS = 10_000  # fewer empty rows after the data are counted as blank rows
MAX_CELL_ISSUES_PER_COLUMN = 200  # beyond this, one summary issue says how many more
MAX_PREVIEW_COLUMNS = 60  # columns of the first rows kept for choosing a header row
EXCEL_ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                "#CALC!", "#GETTING_DATA")
_TOTALS = r"(grand\s+)?(sub\s*)?totals?\b"  # matched against lower-cased text


def top_rows(cells: pd.DataFrame) -> tuple[tuple[str, ...], ...]:
    """Return the first rows' cells as cleaned text (blank as ""), where a header can be."""
    top = cells.iloc[:HEADER_SEARCH_ROWS, :MAX_PREVIEW_COLUMNS]
    rows = tuple(tuple(clean_header(value) if isinstance(value, str) else "" for value in row)
                 for row in top.itertuples(index=False, name=None))
    return tuple(row[:max((i + 1 for i, value in enumerate(row) if value), default=0)]
                 for row in rows)


@dataclass
class Prepared:
    """Notes and issues from making a sheet's cells readable before it is understood."""

    notes: list[str] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)


def prepared(raw: RawSheet, traps: SheetTraps | None) -> tuple[RawSheet, int, Prepared]:
    """Return the sheet with trailing empty rows trimmed, merged cells filled and Excel error
    values blanked, with the number of rows trimmed and what was done, in words."""
    prepared = Prepared()
    cells = raw.cells
    filled = cells.notna().any(axis=1).to_numpy()
    last = int(filled.nonzero()[0][-1]) + 1 if filled.any() else 0
    trimmed = len(cells) - last
    if trimmed > MAX_TRAILING_BLANKS:
        # A million formatted-but-empty rows are not a million blank records: skip, say so.
        prepared.notes.append(f"{trimmed:,} empty rows after the data were skipped (formatted but "
                              "blank; Excel counts them in the used range)")
        cells = cells.iloc[:last]
    else:
        trimmed = 0
    if traps and traps.declared_rows > last + MAX_TRAILING_BLANKS:
        prepared.notes.append(f"Excel records {traps.declared_rows:,} rows in use on this sheet; "
                              f"only the first {last:,} hold anything, the rest are formatted but "
                              "empty and were skipped")
    if traps and traps.partial:
        prepared.notes.append("a very large sheet: formulas and Excel errors were checked in its "
                              "first rows only, merged cells not at all")
    if traps and traps.formulas_without_value:
        problem = (f"{traps.formulas_without_value:,} formulas have no saved result, so their cells "
                   "read as empty. Open the file in Excel, save it, and upload it again.")
        prepared.notes.append(problem)
        prepared.issues.append(dict(row=None, column=None, value=None, problem=problem))
    errors = 0
    for column in cells.columns:
        found = cells[column].isin(EXCEL_ERRORS).fillna(False).to_numpy()
        if found.any():
            errors += int(found.sum())
            for row in found.nonzero()[0][:MAX_CELL_ISSUES_PER_COLUMN]:
                prepared.issues.append(dict(row=int(row) + 1, column=f"Column {column + 1}",
                                            value=str(cells.iat[row, column]),
                                            problem="an Excel error value, read as empty"))
            cells[column] = cells[column].mask(found)
    errors += traps.error_cells if traps else 0
    if errors:
        prepared.notes.append(f"{errors:,} cells hold Excel errors (#REF!, #N/A, #DIV/0! …) and "
                              "were read as empty")
    if traps and traps.merged:
        cells = _fill_merged(cells, traps.merged, traps.first_column)
        prepared.notes.append(f"{len(traps.merged):,} merged cell ranges: each cell takes the "
                              "value shown in the merged block")
    return RawSheet(raw.name, cells, raw.hidden, raw.date1904), trimmed, prepared


def _fill_merged(cells: pd.DataFrame, merged: list[tuple[int, int, int, int]],
                 first_column: int) -> pd.DataFrame:
    """Return cells where every cell of a merged block holds the block's value, as Excel shows it."""
    cells = cells.copy()
    rows, columns = cells.shape
    for top, left, bottom, right in merged:
        left, right = left - first_column, right - first_column
        if not (0 <= top < rows and 0 <= left < columns):
            continue
        value = cells.iat[top, left]
        if pd.isna(value):
            continue
        for column in range(left, min(right, columns - 1) + 1):
            if value not in cells[column].cat.categories:
                cells[column] = cells[column].cat.add_categories([value])
            cells.iloc[top:min(bottom, rows - 1) + 1, column] = value
    return cells


def body(cells: pd.DataFrame, header_row: int) -> pd.DataFrame:
    """Return the rows below the header, to the end of the sheet's used range."""
    return cells.iloc[header_row + 1:]


def upfront_reasons(body: pd.DataFrame, blank: pd.Series, excel_rows: pd.Series) -> pd.Series:
    """Return reasons for rows that are not records whatever the role: totals and exact repeats."""
    reasons = pd.Series("", index=body.index, dtype=object)
    totals = pd.Series(False, index=body.index)
    for column in list(body.columns)[:3]:  # "TOTAL" sits in one of the first columns
        totals |= per_unique(body[column], _is_totals_label).fillna(False).astype(bool)
    totals &= ~blank
    reasons[totals] = "totals row, not a record"
    candidates = body[~blank & ~totals]
    # Hash each row once; only rows whose hash repeats are compared in full.
    hashes = pd.util.hash_pandas_object(candidates, index=False)
    suspects = candidates[hashes.duplicated(keep=False)]
    duplicated = suspects.duplicated(keep="first")
    if duplicated.any():
        firsts = suspects.reset_index().groupby(list(suspects.columns), dropna=False)["index"]
        first_of = firsts.transform("first")
        first_of.index = suspects.index
        for index in duplicated.index[duplicated]:
            reasons[index] = f"exact duplicate of row {int(excel_rows[first_of[index]])}"
    return reasons


def _is_totals_label(values: pd.Series) -> pd.Series:
    """Return which distinct cell texts label a totals row ("TOTAL", "Grand Total", "Subtotal")."""
    return values.str.strip().str.lower().str.match(_TOTALS).fillna(False).astype(bool)


def unique(names: list[str]) -> list[str]:
    """Return names made unique by numbering repeats."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out
