"""The ingest chain: read -> locate header -> map -> coerce -> validate -> model.

Each step returns new frames and the problems it met; nothing is mutated and no row vanishes:
every row of every sheet is accepted, quarantined with a reason, or counted as blank.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from recruit_dash import clock
from recruit_dash.errors import WorkbookError
from recruit_dash.ingest import validation
from recruit_dash.ingest.coerce import (
    clean_names,
    clean_text,
    parse_dates,
    parse_flags,
    parse_money,
    per_unique,
)
from recruit_dash.ingest.mapping import HEADER_SEARCH_ROWS, ColumnMapping, SheetLayout, understand_sheet
from recruit_dash.ingest.names import MergeProposal, co_owned, merge_proposals, with_names_merged
from recruit_dash.ingest.profiles import Profile, SheetProfile, match_sheet
from recruit_dash.ingest.reading import RawSheet, sheet_loaders
from recruit_dash.ingest.safety import SheetTraps, sheet_traps
from recruit_dash.ingest.vocabulary import (
    ACTIVITY_KIND_VOCABULARY,
    clean_header,
    normalise_header,
    status_meaning,
)
from recruit_dash.model import (
    ACTIVITIES,
    CHECKINS,
    FEEDBACK,
    FILLED,
    IGNORED,
    ISSUES,
    LADDER,
    LEADS,
    LOST,
    MILESTONES,
    ON_HOLD,
    OPEN,
    PLACEMENTS,
    STAGE_ORDER,
    Model,
    conform,
)

SHEET_THREADS = min(4, os.cpu_count() or 1)
MAX_TRAILING_BLANKS = 10_000  # fewer empty rows after the data are counted as blank rows
MAX_CELL_ISSUES_PER_COLUMN = 200  # beyond this, one summary issue says how many more
MAX_PREVIEW_COLUMNS = 60  # columns of the first rows kept for choosing a header row
EXCEL_ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                "#CALC!", "#GETTING_DATA")
_TOTALS = r"(grand\s+)?(sub\s*)?totals?\b"  # matched against lower-cased text

# Post-placement check-ins (seed 004): days after the start date, keyed by words in the header.
CHECKIN_SCHEDULE: tuple[tuple[str, int], ...] = (
    ("pre start", -3), ("before start", -3), ("day 1", 0), ("first day", 0), ("week 1", 7),
    ("day 30", 30), ("month 1", 30), ("day 90", 90), ("month 3", 90),
)


@dataclass
class SheetReport:
    """What we understood of one sheet and how every one of its rows was used."""

    name: str
    role: str
    reason: str = ""
    header_row: int | None = None  # counted from 1, as Excel does
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_blank: int = 0
    columns: tuple[ColumnMapping, ...] = ()
    shape: str = ""
    notes: list[str] = field(default_factory=list)
    unmapped_values: dict[str, dict[str, int]] = field(default_factory=dict)
    quarantined: pd.DataFrame = field(default_factory=pd.DataFrame)
    hidden: bool = False
    rows_trimmed: int = 0  # empty rows after the data, outside the rows read
    profile_applied: str | None = None  # the name of the user's profile applied to this sheet
    shape_headers: tuple[str, ...] = ()  # the headers that identify the sheet's shape in a profile
    top_rows: tuple[tuple[str, ...], ...] = ()  # the first rows' cells, to choose a header row


@dataclass
class FileReport:
    """One uploaded file: readable or not, and its sheets."""

    path: str
    ok: bool
    error: str | None = None
    sheets: list[SheetReport] = field(default_factory=list)
    sha256: str = ""
    same_as: str | None = None  # an earlier file of the same upload with identical bytes


@dataclass
class Ingested:
    """The result of reading files: what we understood of each, and the pipeline model."""

    files: list[FileReport]
    model: Model
    profile: Profile | None = None
    unmerged: Model | None = field(default=None, repr=False)  # the model before name merges
    _proposals: list[MergeProposal] | None = field(default=None, repr=False)

    @property
    def name_merges(self) -> list[MergeProposal]:
        """Names that may be one person or company, worked out when first asked for (only the
        Data page and `inspect` need them; on 50,000 leads they take most of a second)."""
        if self._proposals is None:
            self._proposals = merge_proposals(self.unmerged or self.model, self.profile)
        return self._proposals


@dataclass
class _Built:
    """Records made from one sheet: canonical frames, quarantine reasons and cell issues."""

    tables: dict[str, pd.DataFrame]
    reasons: pd.Series  # per body row: "" when accepted
    issues: list[dict]
    notes: list[str] = field(default_factory=list)
    unmapped_values: dict[str, dict[str, int]] = field(default_factory=dict)
    shape: str = ""


def ingest_paths(paths: list[str | Path], read_file: Callable | None = None,
                 profile: Profile | None = None) -> Ingested:
    """Return the model and reports for files on disk, corrected by a mapping profile if given."""
    return ingest_files([(str(path), Path(path).read_bytes()) for path in paths], read_file,
                        profile=profile)


def ingest_files(files: list[tuple[str, bytes]],
                 read_file: Callable[..., tuple[FileReport, dict[str, pd.DataFrame]]] | None = None,
                 profile: Profile | None = None) -> Ingested:
    """Return the model and reports for uploaded files given as (name, bytes).

    `read_file` reads one file (default: `ingest_file`); the app passes a cached one. With a
    profile it is called as `read_file(name, data, profile=profile)`. The profile's accepted name
    merges are applied to the model, and likely variants of a name are proposed, never merged.
    """
    read_file = read_file or ingest_file
    reports: list[FileReport] = []
    parts: list[dict[str, pd.DataFrame]] = []
    seen: dict[str, str] = {}
    for name, data in files:
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            # The same bytes twice (picked twice, or a renamed copy) are read once, never counted twice.
            reports.append(FileReport(name, True, None, [], digest, seen[digest]))
            continue
        seen[digest] = name
        report, tables = (read_file(name, data) if profile is None
                          else read_file(name, data, profile=profile))
        report = replace(report, sha256=digest)
        reports.append(report)
        parts.append(tables)
    model = combine(parts)
    return Ingested(reports, with_names_merged(model, profile.merges if profile else ()),
                    profile, unmerged=model)


def ingest_file(name: str, data: bytes, profile: Profile | None = None,
                ) -> tuple[FileReport, dict[str, pd.DataFrame]]:
    """Return one file's report and its canonical frames (before combining with other files),
    each sheet of a shape the profile knows read as the profile says."""
    file_name = Path(name).name
    try:
        loaders = sheet_loaders(data, file_name)
        # Sheets are parsed in parallel (the reader and most of pandas release the GIL), and the
        # XML is scanned for silent-loss traps beside them.
        with ThreadPoolExecutor(1) as scanner, ThreadPoolExecutor(SHEET_THREADS) as pool:
            traps = scanner.submit(sheet_traps, data)

            def ingest_loaded(load: Callable[[], RawSheet]) -> tuple[SheetReport, dict]:
                raw = load()
                return ingest_sheet(raw, file_name, traps.result().get(raw.name), profile)

            results = list(pool.map(ingest_loaded, loaders))
    except WorkbookError as error:
        return FileReport(name, False, str(error)), {}
    reports: list[SheetReport] = []
    tables: dict[str, list[pd.DataFrame]] = {}
    for report, built in results:
        reports.append(report)
        for table_name, frame in built.items():
            tables.setdefault(table_name, []).append(frame)
    used = [report for report in reports if report.role != IGNORED]
    if not used:
        reasons = "; ".join(f"'{report.name}': {report.reason}" for report in reports)
        return FileReport(name, False, f"'{file_name}' has no sheet of records we can use "
                                       f"({reasons}). A summary or pivot report cannot be "
                                       "imported: upload the tracker it was made from.",
                          reports), {}
    combined = {table_name: pd.concat(frames, ignore_index=True)
                for table_name, frames in tables.items()}
    if "lead_jobs" in combined:
        combined = _joined_to_jobs(combined, reports)
    return FileReport(name, True, None, reports), combined


JOB_ATTRIBUTES = ("client", "role", "consultant", "contact", "source", "fee")


def _joined_to_jobs(tables: dict[str, pd.DataFrame], reports: list[SheetReport],
                    ) -> dict[str, pd.DataFrame]:
    """Return a relational workbook's tables joined: each candidate-on-job lead takes its job's
    client, role (and consultant, contact, source or fee when it has none) from the jobs sheet,
    and a job that has candidates is not counted again as a lead of its own. Both sheets' notes
    say so."""
    links = tables.pop("lead_jobs").dropna(subset=["job_id"])
    leads = tables["leads"]
    jobs = leads[leads["lead_id"].isin(links["job_id"]) & ~leads["lead_id"].isin(links["lead_id"])]
    jobs = jobs.drop_duplicates("lead_id").set_index("lead_id")
    if jobs.empty:
        return tables
    job_of = pd.Series(links["job_id"].to_numpy(), index=links["lead_id"].to_numpy())
    job_of = job_of[~job_of.index.duplicated()]
    linked = leads["lead_id"].isin(job_of.index[job_of.isin(jobs.index)])
    updates = {}
    for column in JOB_ATTRIBUTES:
        from_job = pd.Series(jobs[column].reindex(job_of.reindex(leads["lead_id"]).to_numpy())
                             .to_numpy(), index=leads.index)
        updates[column] = leads[column].where(leads[column].notna() | ~linked, from_job)
    leads = leads.assign(**updates)
    used_jobs = pd.Index(job_of[job_of.isin(jobs.index)].unique())
    tables["leads"] = leads[~leads["lead_id"].isin(used_jobs)].reset_index(drop=True)
    if "milestones" in tables:
        milestones = tables["milestones"]
        tables["milestones"] = milestones[~milestones["lead_id"].isin(used_jobs)].reset_index(drop=True)
    job_sheets = sorted(set(jobs.loc[used_jobs, "source_sheet"].astype(str)))
    link_sheets = sorted(set(links["sheet"].astype(str)))
    for report in reports:
        if report.name in link_sheets:
            report.notes.append(f"{int(linked.sum()):,} rows are candidates on jobs found in sheet "
                                f"{', '.join(repr(name) for name in job_sheets)}: each takes its "
                                "job's client and role from there")
        if report.name in job_sheets:
            report.notes.append(f"{len(used_jobs):,} jobs here have candidates in sheet "
                                f"{', '.join(repr(name) for name in link_sheets)}: they give those "
                                "candidates their client and role and are not counted again as "
                                "leads")
    return tables


def ingest_sheet(raw: RawSheet, file_name: str, traps: SheetTraps | None = None,
                 profile: Profile | None = None) -> tuple[SheetReport, dict[str, pd.DataFrame]]:
    """Return one sheet's report and canonical frames."""
    raw, trimmed, prepared = _prepared(raw, traps)
    top = _top_rows(raw.cells)
    match = match_sheet(profile, top, raw.name)
    if match is not None:
        layout = understand_sheet(raw.name, raw.cells, raw.hidden, match.entry, match.header_row,
                                  profile.name)
        prepared.notes.insert(0, f"your profile '{profile.name}' was applied: "
                                 f"{_profile_changes(match.entry)}")
        shape = match.entry.headers
    else:
        layout = understand_sheet(raw.name, raw.cells, raw.hidden)
        shape = tuple(top[layout.header_row]) if layout.header_row is not None \
            and layout.header_row < len(top) else ()
    if layout.role == IGNORED:
        report = _ignored_sheet(raw, layout, file_name)
        report.rows_trimmed, report.notes = trimmed, prepared.notes + report.notes
        report.profile_applied, report.shape_headers, report.top_rows = layout.profile, shape, top
        return report, {}
    if raw.date1904:
        layout = replace(layout, date1904=True)
        prepared.notes.append("the workbook counts dates from 1904 (older Excel for Mac); dates "
                              "typed as bare numbers are read that way")
    body = _body(raw.cells, layout.header_row + layout.header_depth - 1)
    excel_rows = pd.Series(body.index + 1, index=body.index)
    blank = body.isna().all(axis=1)
    headers = [column.source or f"Column {column.index + 1}" for column in layout.columns]
    upfront = _upfront_reasons(body, blank, excel_rows)
    if layout.side_columns:
        # A row filled only in the side table is that table's row, not a record of ours.
        only_side = ~blank & body.drop(columns=list(layout.side_columns)).isna().all(axis=1)
        upfront[only_side & (upfront == "")] = "only the side table beside the data has values here"
    builder = _BUILDERS[layout.role]
    kept = body[~blank & (upfront == "")]
    built = builder(kept, layout, raw.name, file_name, excel_rows)
    reasons = upfront.copy()
    reasons.loc[built.reasons.index] = built.reasons
    quarantined = ~blank & (reasons != "")
    source = dict(source_file=file_name, source_sheet=raw.name)
    issues = [dict(file=file_name, sheet=raw.name, **issue)
              for issue in prepared.issues + built.issues]
    issues += [dict(file=file_name, sheet=raw.name, row=int(excel_rows[index]), column=None,
                    value=None, problem=f"row quarantined: {reasons[index]}")
               for index in reasons.index[quarantined]]
    quarantine_frame = body[quarantined].copy()
    quarantine_frame.columns = _unique(headers + [f"Column {i + 1}" for i in
                                                  range(len(headers), body.shape[1])])[:body.shape[1]]
    quarantine_frame.insert(0, "Reason", reasons[quarantined])
    quarantine_frame.insert(0, "Row", excel_rows[quarantined])
    report = SheetReport(
        raw.name, layout.role, "", layout.header_row + 1,
        rows_read=len(body), rows_blank=int(blank.sum()),
        rows_quarantined=int(quarantined.sum()),
        rows_accepted=int(len(body) - blank.sum() - quarantined.sum()),
        columns=layout.columns, shape=built.shape, notes=prepared.notes + list(layout.notes) + built.notes,
        rows_trimmed=trimmed,
        unmapped_values=built.unmapped_values, quarantined=quarantine_frame.reset_index(drop=True),
        hidden=raw.hidden, profile_applied=layout.profile, shape_headers=shape, top_rows=top,
    )
    tables = {name: frame.assign(**{key: pd.Categorical.from_codes(
                                         np.zeros(len(frame), dtype="int8"), categories=[value])
                                     for key, value in source.items()})
              if name != "issues" else frame for name, frame in built.tables.items()}
    tables["issues"] = pd.DataFrame(issues, columns=list(ISSUES.columns))
    return report, tables


def _top_rows(cells: pd.DataFrame) -> tuple[tuple[str, ...], ...]:
    """Return the first rows' cells as cleaned text (blank as ""), where a header can be."""
    top = cells.iloc[:HEADER_SEARCH_ROWS, :MAX_PREVIEW_COLUMNS]
    rows = tuple(tuple(clean_header(value) if isinstance(value, str) else "" for value in row)
                 for row in top.itertuples(index=False, name=None))
    return tuple(row[:max((i + 1 for i, value in enumerate(row) if value), default=0)]
                 for row in rows)


def _profile_changes(entry: SheetProfile) -> str:
    """Return what a profile entry changes, in words."""
    parts = []
    if entry.role:
        parts.append(f"role {entry.role}")
    if entry.header_row:
        parts.append(f"header on row {entry.header_row}")
    if entry.columns:
        parts.append(f"{len(entry.columns)} column{'s' if len(entry.columns) != 1 else ''} mapped "
                     "by you")
    if entry.statuses:
        parts.append(f"{len(entry.statuses)} status value{'s' if len(entry.statuses) != 1 else ''} "
                     "mapped by you")
    return ", ".join(parts) or "the sheet's shape is known"


@dataclass
class _Prepared:
    """Notes and issues from making a sheet's cells readable before it is understood."""

    notes: list[str] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)


def _prepared(raw: RawSheet, traps: SheetTraps | None) -> tuple[RawSheet, int, _Prepared]:
    """Return the sheet with trailing empty rows trimmed, merged cells filled and Excel error
    values blanked, with the number of rows trimmed and what was done, in words."""
    prepared = _Prepared()
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
        cells.iloc[top:min(bottom, rows - 1) + 1, left:min(right, columns - 1) + 1] = value
    return cells


def _ignored_sheet(raw: RawSheet, layout: SheetLayout, file_name: str) -> SheetReport:
    """Return the report of a sheet we do not use: its rows are all held back with the reason."""
    blank = raw.cells.isna().all(axis=1)
    held = raw.cells[~blank].copy()
    held.columns = [f"Column {index + 1}" for index in range(held.shape[1])]
    held.insert(0, "Reason", f"sheet not used: {layout.reason}")
    held.insert(0, "Row", held.index + 1)
    return SheetReport(raw.name, IGNORED, layout.reason,
                       None if layout.header_row is None else layout.header_row + 1,
                       rows_read=len(raw.cells), rows_accepted=0, rows_quarantined=len(held),
                       rows_blank=int(blank.sum()), columns=layout.columns,
                       quarantined=held.reset_index(drop=True), hidden=raw.hidden)


def _body(cells: pd.DataFrame, header_row: int) -> pd.DataFrame:
    """Return the rows below the header, to the end of the sheet's used range."""
    return cells.iloc[header_row + 1:]


def _upfront_reasons(body: pd.DataFrame, blank: pd.Series, excel_rows: pd.Series) -> pd.Series:
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


def _unique(names: list[str]) -> list[str]:
    """Return names made unique by numbering repeats."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


class _Sheet:
    """Access to one sheet's kept rows by canonical field, recording cell issues as it goes."""

    def __init__(self, body: pd.DataFrame, layout: SheetLayout, sheet: str, excel_rows: pd.Series):
        self.body = body
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

    def text(self, name: str) -> pd.Series:
        return clean_text(self.raw(name))

    def names(self, name: str) -> pd.Series:
        names = clean_names(self.raw(name))
        if name != "consultant" or not self.has(name):
            return names
        # Co-owned rows ("William/Rajan"): credited to the first named, the co-owner recorded.
        first, others = co_owned(names)
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

    def dates(self, name: str, column_index: int | None = None):
        index = column_index if column_index is not None else (
            self.fields[name][0] if name in self.fields else None)
        if index is None:
            return parse_dates(pd.Series(pd.NA, index=self.body.index, dtype="string"))
        parsed = parse_dates(self.body[index], year_hint=self.year_hint, date1904=self.date1904)
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


def _ids(sheet: _Sheet, name: str, prefix: str, fill: bool = True) -> pd.Series:
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


@lru_cache(maxsize=4096)
def stage_from_name(name: str) -> str | None:
    """Return the stage id a stage name, column title or status means, or None."""
    key = normalise_header(name)
    stripped = " ".join(re.sub(r"\b(date|dates|on|when|reached)\b", " ", key).split())
    for candidate in (key, stripped):
        for stage in LADDER:
            if candidate in (normalise_header(stage.label), stage.id.replace("_", " "),
                             *(normalise_header(s) for s in stage.synonyms)):
                return stage.id
        meaning = status_meaning(candidate)
        if meaning and meaning[0]:
            return meaning[0]
    return None


def build_leads(body: pd.DataFrame, layout: SheetLayout, sheet_name: str, file_name: str,
                excel_rows: pd.Series) -> _Built:
    """Return leads and milestones from a wide, status-only or event-log lead sheet."""
    sheet = _Sheet(body, layout, sheet_name, excel_rows)
    reasons = pd.Series("", index=body.index, dtype=object)
    understood = body[[index for indexes in sheet.fields.values() for index in indexes]]
    empty = understood.isna().all(axis=1) if understood.shape[1] else pd.Series(True, index=body.index)
    reasons[empty] = "no value in any column we understand"
    event_log = sheet.has("stage") and sheet.has("stage_on")
    lead_ids = _ids(sheet, "lead_id", "", fill=not event_log)
    reasons[lead_ids.isna() & ~empty] = "no lead ID: an event without its lead cannot be placed"
    unmapped: dict[str, dict[str, int]] = {}
    if not event_log:
        repeated = lead_ids.duplicated(keep="first") & lead_ids.notna() & (reasons == "")
        if repeated.any():
            first_row = excel_rows[lead_ids[~lead_ids.duplicated()].index]
            first_row.index = lead_ids[~lead_ids.duplicated()].to_numpy()
            for index in repeated.index[repeated]:
                reasons[index] = f"lead ID '{lead_ids[index]}' is already on row {first_row[lead_ids[index]]}"
    keep = reasons == ""
    extra = {}
    if sheet.has("job_id"):
        extra["lead_jobs"] = pd.DataFrame({"lead_id": lead_ids, "job_id": sheet.text("job_id"),
                                           "sheet": sheet_name})[keep & lead_ids.notna()]
    leads = pd.DataFrame({"lead_id": lead_ids}, index=body.index)
    for name in ("consultant", "client", "contact", "candidate"):
        leads[name] = sheet.names(name)
    for name in ("role", "source", "status", "notes"):
        leads[name] = sheet.text(name)
    created = sheet.dates("created_on")
    leads["created_on"] = created.values
    leads["next_action_on"] = sheet.dates("next_action_on").values
    leads["fee"] = sheet.money("fee")
    milestone_parts = []
    stage_columns = {name[6:]: indexes[0] for name, indexes in sheet.fields.items()
                     if name.startswith("stage:")}
    for stage, index in stage_columns.items():
        parsed = sheet.dates(f"stage:{stage}", index)
        reached = (parsed.values.notna() | parsed.ticks) & keep
        milestone_parts.append(pd.DataFrame({"lead_id": lead_ids[reached], "stage": stage,
                                             "reached_on": parsed.values[reached],
                                             "source_row": excel_rows[reached[reached].index]}))
    if "lead" not in stage_columns:
        dated = created.values.notna() & keep
        milestone_parts.append(pd.DataFrame({"lead_id": lead_ids[dated], "stage": "lead",
                                             "reached_on": created.values[dated],
                                             "source_row": excel_rows[dated[dated].index]}))
    shape = "wide" if stage_columns else "status-only"
    if event_log:
        shape = "event log"
        names = sheet.text("stage")
        on = sheet.dates("stage_on").values
        stages = pd.Series([_chosen(layout, value, 0) or stage_from_name(value)
                            if isinstance(value, str) else None
                            for value in names.astype(object)], index=body.index, dtype=object)
        known = stages.notna()
        unmapped["stage"] = sheet.unmapped("stage", names, known)
        use = known & keep
        milestone_parts.append(pd.DataFrame({"lead_id": lead_ids[use], "stage": stages[use],
                                             "reached_on": on[use],
                                             "source_row": excel_rows[use[use].index]}))
    statuses = leads["status"]
    meanings = [_status(layout, value) if isinstance(value, str) else None
                for value in statuses.astype(object)]
    known_status = pd.Series([meaning is not None for meaning in meanings], index=body.index)
    if sheet.has("status"):
        unmapped["status"] = sheet.unmapped("status", statuses, known_status)
    status_stage = pd.Series([meaning[0] if meaning else None for meaning in meanings],
                             index=body.index, dtype=object)
    status_outcome = pd.Series([meaning[1] if meaning else None for meaning in meanings],
                               index=body.index, dtype=object)
    with_stage = status_stage.notna() & keep
    milestone_parts.append(pd.DataFrame({"lead_id": lead_ids[with_stage],
                                         "stage": status_stage[with_stage],
                                         "reached_on": pd.NaT,
                                         "source_row": excel_rows[with_stage[with_stage].index]}))
    milestones = pd.concat([part for part in milestone_parts if len(part)], ignore_index=True) \
        if any(len(part) for part in milestone_parts) else MILESTONES.empty()
    leads["outcome"] = status_outcome.fillna(OPEN)
    leads = leads[keep]
    if event_log:
        leads = leads.groupby("lead_id", sort=False, as_index=False).first()
    leads["source_row"] = excel_rows[leads.index] if not event_log else None
    return _Built({"leads": conform(leads, LEADS), "milestones": milestones, **extra},
                  reasons, sheet.issues, sheet.notes, unmapped, shape)


def _chosen(layout: SheetLayout, value: str, part: int) -> str | None:
    """Return the stage (part 0) or outcome (part 1) the user chose for a status text, or None."""
    meaning = layout.statuses.get(normalise_header(value)) if layout.statuses else None
    return meaning[part] if meaning else None


def _status(layout: SheetLayout, value: str) -> tuple[str | None, str | None] | None:
    """Return (stage, outcome) for a status text: the user's mapping first, then our vocabulary."""
    if layout.statuses:
        meaning = layout.statuses.get(normalise_header(value))
        if meaning is not None:
            return tuple(meaning)
    return status_meaning(value)


def build_activities(body: pd.DataFrame, layout: SheetLayout, sheet_name: str, file_name: str,
                     excel_rows: pd.Series) -> _Built:
    """Return activities from a long log or a weekly-wide KPI sheet."""
    sheet = _Sheet(body, layout, sheet_name, excel_rows)
    reasons = pd.Series("", index=body.index, dtype=object)
    consultant = sheet.names("consultant")
    on = sheet.dates("on").values
    reasons[on.isna()] = "no date we can read"
    reasons[consultant.isna()] = "no consultant"
    keep = reasons == ""
    base = pd.DataFrame({"consultant": consultant, "on": on, "lead_id": sheet.text("lead_id"),
                         "client": sheet.names("client"), "source_row": excel_rows[body.index]})
    count_columns = {name[6:]: name for name in sheet.fields if name.startswith("count:")}
    unmapped: dict[str, dict[str, int]] = {}
    if count_columns:
        shape = "weekly counts"
        parts = []
        for kind, name in count_columns.items():
            counts = sheet.money(name)
            use = keep & counts.notna() & (counts != 0)
            parts.append(base[use].assign(kind=kind, count=counts[use]))
        activities = pd.concat(parts, ignore_index=True)
    else:
        shape = "activity log"
        kinds_text = sheet.text("kind")
        kinds = pd.Series([_activity_kind(value) for value in kinds_text.astype(object)],
                          index=body.index, dtype=object)
        unmapped["kind"] = sheet.unmapped("activity type", kinds_text, kinds.notna())
        counts = sheet.money("count") if sheet.has("count") else pd.Series(1.0, index=body.index)
        activities = base[keep].assign(kind=kinds[keep].fillna("other"),
                                       count=counts[keep].fillna(1.0))
    return _Built({"activities": conform(activities, ACTIVITIES)}, reasons, sheet.issues,
                  sheet.notes, unmapped, shape)


def _activity_kind(value: object) -> str | None:
    """Return the activity kind a type text means, or None."""
    if not isinstance(value, str):
        return None
    key = normalise_header(value)
    if key in ACTIVITY_KIND_VOCABULARY:
        return ACTIVITY_KIND_VOCABULARY[key]
    for word, kind in (("bd", "bd_call"), ("call", "call"), ("email", "email"),
                       ("meeting", "meeting"), ("interview", "interview"), ("cv", "cv_sent"),
                       ("submission", "cv_sent"), ("message", "message")):
        if word in key.split():
            return kind
    return None


def build_placements(body: pd.DataFrame, layout: SheetLayout, sheet_name: str, file_name: str,
                     excel_rows: pd.Series) -> _Built:
    """Return placements and their check-ins."""
    sheet = _Sheet(body, layout, sheet_name, excel_rows)
    reasons = pd.Series("", index=body.index, dtype=object)
    placements = pd.DataFrame({"placement_id": _ids(sheet, "placement_id", "P:")}, index=body.index)
    for name in ("candidate", "client", "consultant"):
        placements[name] = sheet.names(name)
    placements["lead_id"] = sheet.text("lead_id")
    placements["start_on"] = sheet.dates("start_on").values
    placements["probation_end_on"] = sheet.dates("probation_end_on").values
    placements["fee"] = sheet.money("fee")
    nobody = placements["candidate"].isna() & placements["start_on"].isna()
    reasons[nobody] = "no candidate and no start date"
    keep = reasons == ""
    checkins = []
    for index in sheet.fields.get("checkin_on", []):
        header = sheet.headers[index]
        parsed = sheet.dates("checkin_on", index)
        offset = _checkin_offset(header)
        due = placements["start_on"] + pd.to_timedelta(offset, unit="D") if offset is not None \
            else pd.Series(pd.NaT, index=body.index)
        if "probation" in normalise_header(header):
            due = placements["probation_end_on"]
        checkins.append(pd.DataFrame({"placement_id": placements["placement_id"], "checkpoint": header,
                                      "due_on": due, "done_on": parsed.values,
                                      "source_row": excel_rows[body.index]})[keep])
    placements["source_row"] = excel_rows[body.index]
    tables = {"placements": conform(placements[keep], PLACEMENTS)}
    if checkins:
        tables["checkins"] = conform(pd.concat(checkins, ignore_index=True), CHECKINS)
    return _Built(tables, reasons, sheet.issues, sheet.notes, {}, "placements")


def _checkin_offset(header: str) -> int | None:
    """Return the check-in's day after the start date, read from its column title."""
    key = normalise_header(header)
    for words, offset in CHECKIN_SCHEDULE:
        if words in key:
            return offset
    return None


def build_feedback(body: pd.DataFrame, layout: SheetLayout, sheet_name: str, file_name: str,
                   excel_rows: pd.Series) -> _Built:
    """Return client feedback answers; a score outside 0-10 quarantines its row."""
    sheet = _Sheet(body, layout, sheet_name, excel_rows)
    reasons = pd.Series("", index=body.index, dtype=object)
    feedback = pd.DataFrame({"client": sheet.names("client"), "consultant": sheet.names("consultant"),
                             "on": sheet.dates("on").values, "score": sheet.money("score"),
                             "referral": sheet.flags("referral"),
                             "testimonial": sheet.flags("testimonial"),
                             "source_row": excel_rows[body.index]}, index=body.index)
    reasons[feedback["score"].isna() & feedback["referral"].isna()
            & feedback["testimonial"].isna()] = "no score, referral or testimonial"
    reasons = validation.row_reasons(feedback, "feedback", reasons)
    return _Built({"feedback": conform(feedback[reasons == ""], FEEDBACK)}, reasons, sheet.issues,
                  sheet.notes, {}, "survey answers")


_BUILDERS = {
    "leads": build_leads,
    "activities": build_activities,
    "placements": build_placements,
    "feedback": build_feedback,
}


def combine(parts: list[dict[str, pd.DataFrame]]) -> Model:
    """Return one model from the frames of several sheets and files, merging leads by id."""
    def gather(name: str, table) -> pd.DataFrame:
        frames = [part[name] for part in parts if name in part and len(part[name])]
        return conform(pd.concat(frames, ignore_index=True), table) if frames else table.empty()

    leads = gather("leads", LEADS)
    if leads["lead_id"].duplicated().any():
        # The same lead described by several sheets (a relational workbook, or one pipeline in
        # both shapes): one lead, each attribute from the first sheet that has it.
        leads = conform(leads.groupby("lead_id", sort=False, as_index=False).first(), LEADS)
    milestones = gather("milestones", MILESTONES)
    milestones = _one_milestone_per_stage(milestones)
    leads = _with_outcome(leads, milestones)
    return Model(
        leads=leads,
        milestones=milestones,
        activities=gather("activities", ACTIVITIES),
        placements=gather("placements", PLACEMENTS),
        checkins=gather("checkins", CHECKINS),
        feedback=gather("feedback", FEEDBACK),
        issues=gather("issues", ISSUES),
    )


def _one_milestone_per_stage(milestones: pd.DataFrame) -> pd.DataFrame:
    """Return one milestone per lead and stage: the earliest date, a dated one before a tick."""
    if milestones.empty:
        return milestones
    # Integer keys and a numpy sort: several hundred thousand milestones in tens of milliseconds.
    lead_codes, _ = pd.factorize(milestones["lead_id"])
    stage_order = milestones["stage"].map(STAGE_ORDER).to_numpy(dtype="int64")
    key = lead_codes.astype("int64") * 64 + stage_order
    dated = milestones["reached_on"].to_numpy(dtype="datetime64[ns]").astype("int64")
    undated = milestones["reached_on"].isna().to_numpy()
    dated = np.where(undated, np.iinfo("int64").max, dated)
    order = np.lexsort((dated, key))
    _, first = np.unique(key[order], return_index=True)
    keep = np.sort(order[first])
    return milestones.iloc[keep].reset_index(drop=True)


def _with_outcome(leads: pd.DataFrame, milestones: pd.DataFrame, as_of: date | None = None) -> pd.DataFrame:
    """Return leads whose outcome is filled once a start is recorded on or before the as-of date."""
    as_of_stamp = pd.Timestamp(as_of or clock.today())
    started_order = STAGE_ORDER["started"]
    reached = milestones[(milestones["stage"].map(STAGE_ORDER) >= started_order)
                         & (milestones["reached_on"].isna() | (milestones["reached_on"] <= as_of_stamp))]
    filled = leads["lead_id"].isin(reached["lead_id"]) & ~leads["outcome"].isin([LOST, ON_HOLD])
    return leads.assign(outcome=leads["outcome"].where(~filled, FILLED))
