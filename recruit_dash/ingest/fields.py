"""A sheet's kept rows read by canonical field, with cell issues recorded, and what a builder returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from recruit_dash.ingest.coerce import (
    ParsedDates,
    clean_names,
    clean_text,
    parse_dates,
    parse_flags,
    parse_money,
)
from recruit_dash.ingest.content import read_scores, result_of
from recruit_dash.ingest.locate import MAX_CELL_ISSUES_PER_COLUMN
from recruit_dash.ingest.mapping import SheetLayout
from recruit_dash.ingest.memo import CellMemo, remembered, rows_key
from recruit_dash.ingest.names import co_owned
from recruit_dash.ingest.vocabulary import ABSENT, NO


@dataclass
class Built:
    """Records made from one sheet: canonical frames, quarantine reasons and cell issues."""

    tables: dict[str, pd.DataFrame]  # by model table; put in the model's dtypes by the pipeline
    reasons: pd.Series  # per body row: "" when accepted
    issues: list[dict]
    notes: list[str] = field(default_factory=list)
    unmapped_values: dict[str, dict[str, int]] = field(default_factory=dict)
    shape: str = ""


def no_reason(reasons: pd.Series) -> pd.Series:
    """Return which rows have no reason to be held back (an empty reason), compared in numpy:
    pandas compares a column of Python strings several times slower."""
    return pd.Series(reasons.to_numpy(dtype=object) == "", index=reasons.index)


class Sheet:
    """Access to one sheet's kept rows by canonical field, recording cell issues as it goes."""

    def __init__(self, body: pd.DataFrame, layout: SheetLayout, sheet: str, excel_rows: pd.Series,
                 memo: CellMemo | None = None):
        self.body = body
        # What a column's kept cells read as does not depend on the mapping: it is kept in the
        # memo, under the rows kept, for the next reading of the sheet.
        self.memo = memo
        self.rows = rows_key(body) if memo is not None else None
        self.fields = layout.field_columns()
        self.headers = {column.index: column.source for column in layout.columns}
        self.sheet = sheet
        self.excel_rows = excel_rows
        self.issues: list[dict] = []
        self.notes: list[str] = []
        self.year_hint = _year_hint(sheet)
        self.date1904 = layout.date1904

    def has(self, name: str) -> bool:
        return name in self.fields

    def raw(self, name: str, nth: int = 0) -> pd.Series:
        if name not in self.fields:
            return pd.Series(pd.NA, index=self.body.index, dtype="string")
        return self.body[self.fields[name][nth]]

    def _kept(self, work: str, index: int, compute):
        """Return work done on one column's kept cells, once per memo."""
        return remembered(self.memo, (work, self.rows, index), compute)

    def _cleaned(self, name: str, clean) -> pd.Series:
        """Return a field's cells cleaned, kept per column (an unmapped field is all blank)."""
        if name not in self.fields:
            return pd.Series(pd.NA, index=self.body.index, dtype="string")
        return self._kept(clean.__name__, self.fields[name][0], lambda: clean(self.raw(name)))

    def text(self, name: str) -> pd.Series:
        return self._cleaned(name, clean_text)

    def names(self, name: str) -> pd.Series:
        names = self._cleaned(name, clean_names)
        if name != "consultant" or not self.has(name):
            return names
        # Co-owned rows ("William/Rajan"): credited to the first named, the co-owner recorded.
        first, others = self._kept("co-owned", self.fields[name][0], lambda: co_owned(names))
        shared = others.notna()
        if shared.any():
            header = self.headers.get(self.fields[name][0], name)
            pairs = names[shared].value_counts()
            listed = ", ".join(f"'{value}'" for value in pairs.index[:5])
            many = int(shared.sum())
            rows = f"{many:,} rows name" if many != 1 else "1 row names"
            self.notes.append(f"'{header}': {rows} several consultants "
                              f"({listed}{' …' if len(pairs) > 5 else ''}); each row is credited "
                              "to the first named, and its co-owners are listed as issues")
            for row in shared.index[shared][:MAX_CELL_ISSUES_PER_COLUMN]:
                self.issues.append(dict(row=int(self.excel_rows[row]), column=header,
                                        value=str(names[row]),
                                        problem=f"co-owned row: credited to {first[row]}; "
                                                f"co-owner {others[row]} not credited"))
        return first

    def steps(self, name: str, column_index: int):
        """Return a step column's dates and ticks, and each cell's result ("pass", "fail",
        "pending", "absent") where it says how the step went instead of when ("Rejected",
        "Cleared", "No")."""
        results = self.results(column_index)
        skip = results.notna()
        return self.dates(name, column_index, skip=skip if skip.any() else None), results

    def results(self, column_index: int) -> pd.Series:
        """Return each cell's result ("pass", "fail", "pending", "absent"), or None, read once
        per distinct value (only text can say how a step went)."""
        return self._kept("results", column_index, lambda: self._results(column_index))

    def _results(self, column_index: int) -> pd.Series:
        cells = self.body[column_index]
        meanings = {}
        for value in pd.unique(cells.dropna()):
            if isinstance(value, str) and value.strip():
                meaning = ABSENT if value.strip().lower() in NO else result_of(value.strip())
                if meaning:
                    meanings[value] = meaning
        if not meanings:
            return pd.Series(None, index=cells.index, dtype=object)
        results = cells.map(meanings).astype(object)
        return results.where(results.notna(), None)

    def dates(self, name: str, column_index: int | None = None, skip: pd.Series | None = None):
        index = column_index if column_index is not None else (
            self.fields[name][0] if name in self.fields else None)
        if index is None:
            return parse_dates(pd.Series(pd.NA, index=self.body.index, dtype="string"))
        def parse() -> ParsedDates:
            cells = self.body[index] if skip is None else self.body[index].mask(skip)
            return parse_dates(cells, year_hint=self.year_hint, date1904=self.date1904)

        # A step column's skipped cells are its results, themselves read from its cells alone.
        parsed = self._kept(("dates", skip is not None, self.year_hint, self.date1904), index, parse)
        header = self.headers.get(index, name)
        self.notes += [f"'{header}': {note}" for note in parsed.notes]
        self._flag(index, parsed.failed, "not a date we can read")
        if parsed.relative is not None and parsed.relative.any():
            examples = ", ".join(f"'{value}'" for value in
                                 self.body.loc[parsed.relative, index].drop_duplicates()[:3])
            self.notes.append(f"'{header}': {int(parsed.relative.sum()):,} cells hold relative text "
                              f"({examples}), not a date; each is kept as an issue")
            self._flag(index, parsed.relative, "relative text, not a date: kept as an issue, no "
                                               "date was made from it")
        return parsed

    def money(self, name: str) -> pd.Series:
        numbers, failed = parse_money(self.raw(name))
        if name in self.fields:
            self._flag(self.fields[name][0], failed, "not a number")
        return numbers

    def scores(self, name: str) -> pd.Series:
        """Return a column of scores on 0–10 ("7/10", "70%" and other scales converted, with a
        note saying so); a cell that is no score is an issue."""
        numbers, failed = parse_money(self.raw(name))
        if name not in self.fields:
            return numbers
        index = self.fields[name][0]
        scores, note = read_scores(self.raw(name), numbers, self.headers.get(index, name))
        self._flag(index, failed & scores.isna(), "not a number")
        if note:
            self.notes.append(note)
        return scores

    def flags(self, name: str) -> pd.Series:
        values, failed = parse_flags(self.raw(name))
        if name in self.fields:
            self._flag(self.fields[name][0], failed, "not yes or no")
        return values

    def _flag(self, index: int, failed: pd.Series, problem: str) -> None:
        rows = failed.index[failed]
        header = self.headers.get(index, "")
        for row in rows[:MAX_CELL_ISSUES_PER_COLUMN]:
            self.issues.append(dict(row=int(self.excel_rows[row]), column=header,
                                    value=str(self.body.at[row, index]), problem=problem))
        if len(rows) > MAX_CELL_ISSUES_PER_COLUMN:
            self.issues.append(dict(row=None, column=header, value=None,
                                    problem=f"{problem}: {len(rows) - MAX_CELL_ISSUES_PER_COLUMN} "
                                            "more cells like this"))

    def unmapped(self, what: str, values: pd.Series, known: pd.Series) -> dict[str, int]:
        """Record values we could not map, with their counts, as issues."""
        counts = values[~known & values.notna()].value_counts()
        for value, count in counts.items():
            self.issues.append(dict(row=None, column=what, value=str(value),
                                    problem=f"{what} value not understood ({count} rows); "
                                            "map it on the Data page"))
        return {str(value): int(count) for value, count in counts.items()}


def _year_hint(sheet: str) -> int | None:
    """Return a year named in a sheet's name, for dates written without one."""
    match = re.search(r"\b(19|20)\d{2}\b", sheet)
    return int(match.group(0)) if match else None


def ids(sheet: Sheet, name: str, prefix: str, fill: bool = True) -> pd.Series:
    """Return the id column; a row with no id (or a sheet with no id column) is identified by its
    sheet and row, unless `fill` is off (an event log row without a lead cannot be placed)."""
    ids = sheet.text(name).astype("string") if sheet.has(name) else pd.Series(
        pd.NA, index=sheet.body.index, dtype="string")
    missing = ids.isna()
    if not fill or not missing.any():
        return ids
    made = prefix + sheet.sheet + "!" + sheet.excel_rows[sheet.body.index[missing]].astype(str)
    if sheet.has(name):
        sheet.issues.append(dict(row=None, column=sheet.headers.get(sheet.fields[name][0]),
                                 value=None, problem=f"{int(missing.sum()):,} rows have no ID; each "
                                 "is identified by its sheet and row number"))
    return ids.fillna(made.astype("string"))
