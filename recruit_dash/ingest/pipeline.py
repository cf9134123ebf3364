"""The ingest chain: read -> locate header -> map -> coerce -> validate -> model.

Each step returns new frames and the problems it met; nothing is mutated and no row vanishes:
every row of every sheet is accepted, quarantined with a reason, or counted as blank.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from recruit_dash.errors import WorkbookError
from recruit_dash.ingest import locate
from recruit_dash.ingest.combine import combine, joined_to_jobs
from recruit_dash.ingest.fields import no_reason
from recruit_dash.ingest.leads import build_leads
from recruit_dash.ingest.mapping import SheetLayout, understand_sheet
from recruit_dash.ingest.memo import CellMemo, remembered
from recruit_dash.ingest.names import with_names_merged
from recruit_dash.ingest.profiles import Profile, SheetProfile, match_sheet
from recruit_dash.ingest.reading import RawSheet, sheet_loaders, text_frame
from recruit_dash.ingest.records import build_activities, build_feedback, build_placements
from recruit_dash.ingest.results import FileReport, Ingested, SheetReport
from recruit_dash.ingest.safety import SheetTraps, sheet_sizes, sheet_traps
from recruit_dash.model import IGNORED, ISSUES, TABLES, conform, constant_text

SHEET_THREADS = min(4, os.cpu_count() or 1)

_BUILDERS = {
    "leads": build_leads,
    "activities": build_activities,
    "placements": build_placements,
    "feedback": build_feedback,
}


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
    try:
        results = ingest_part(name, data, profile)
    except WorkbookError as error:
        return FileReport(name, False, str(error)), {}
    return file_from_sheets(name, [result for _, result in results])


@dataclass(frozen=True)
class SheetPart:
    """Which of a file's sheets one reading takes: the sheets named, or every sheet but those
    (so that a sheet nobody named is never left out), and how many threads it reads them with
    (the cores shared among the readings: a reading's threads taking another's core only slow
    down the reading the file waits for)."""

    names: frozenset[str] = frozenset()
    others: bool = True
    threads: int = SHEET_THREADS

    def takes(self, sheet: str) -> bool:
        return (sheet in self.names) != self.others


EVERY_SHEET = SheetPart()
# Unpacked sheet XML from which a workbook's sheets are shared between several reading processes
# (the reader holds Python's lock while it parses, so threads cannot read two sheets at once),
# and the least share of that work worth a process of its own. From about 1,000 leads a second
# process saves more than it costs: a week's 5,000-lead tracker is read in half the time.
SHARED_READING_BYTES = 1_000_000
LEAST_SHARE = 0.1


def sheet_parts(data: bytes, readers: int) -> list[SheetPart]:
    """Return how `readers` processes share a workbook's sheets, each about as much XML to
    parse: the first takes every sheet the others do not name. One part for a small file, a
    file that is no .xlsx, or one whose work is nearly all in one sheet."""
    sizes = sheet_sizes(data)
    total = sum(sizes.values())
    if readers < 2 or len(sizes) < 2 or total < SHARED_READING_BYTES:
        return [EVERY_SHEET]
    shares: list[list[str]] = [[] for _ in range(readers)]
    loads = [0] * readers
    for sheet, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        lightest = loads.index(min(loads))
        shares[lightest].append(sheet)
        loads[lightest] += size
    named = [frozenset(share) for share, load in zip(shares, loads, strict=True)
             if share and load >= LEAST_SHARE * total]
    if len(named) < 2:
        return [EVERY_SHEET]
    rest, threads = named[1:], max(1, SHEET_THREADS // len(named))
    return [SheetPart(frozenset().union(*rest), threads=threads)] + [
        SheetPart(names, others=False, threads=threads) for names in rest]


def ingest_part(name: str, data: bytes, profile: Profile | None = None,
                part: SheetPart = EVERY_SHEET) -> list[tuple[int, tuple[SheetReport, dict]]]:
    """Return the report and frames of each sheet of a part of a file, with the sheet's place in
    the workbook. A WorkbookError raised says at `position` which sheet could not be read (-1:
    the file itself)."""
    file_name = Path(name).name
    results, _ = _each_sheet(data, file_name, part, lambda raw, traps: ingest_sheet(
        raw, file_name, traps.result().get(raw.name), profile))
    return results


def read_sheets(name: str, data: bytes) -> tuple[list[RawSheet], dict[str, SheetTraps]]:
    """Return a file's sheets as read (cells, not yet understood) and the traps found in its XML,
    for reading the sheets again with another profile without parsing the file again."""
    raws, traps = read_part(name, data)
    return [raw for _, raw in raws], traps


def read_part(name: str, data: bytes, part: SheetPart = EVERY_SHEET,
              ) -> tuple[list[tuple[int, RawSheet]], dict[str, SheetTraps]]:
    """Return the sheets of a part of a file as read, each with its place in the workbook, and
    their traps (a WorkbookError raised says at `position` which sheet could not be read)."""
    return _each_sheet(data, Path(name).name, part, lambda raw, traps: raw)


def _each_sheet(data: bytes, file_name: str, part: SheetPart,
                work: Callable[[RawSheet, Future], object],
                ) -> tuple[list[tuple[int, object]], dict[str, SheetTraps]]:
    """Return (place in the workbook, `work(sheet as read, its traps to come)`) for each sheet of
    the part, and the part's traps."""
    try:
        loaders = sheet_loaders(data, file_name)
    except WorkbookError as error:
        error.position = -1
        raise
    # Sheets are parsed in parallel where pandas and arrow release the GIL (the reader does not:
    # a large workbook's sheets are shared between processes instead, see `sheet_parts`), and the
    # XML is scanned for silent-loss traps beside them.
    with ThreadPoolExecutor(1) as scanner, ThreadPoolExecutor(part.threads) as pool:
        traps = scanner.submit(sheet_traps, data, part.takes)

        def read(place: tuple[int, tuple[str, Callable[[], RawSheet]]]) -> tuple[int, object]:
            position, (_, load) = place
            try:
                return position, work(load(), traps)
            except WorkbookError as error:
                error.position = position
                raise

        return list(pool.map(read, [(position, loader) for position, loader in enumerate(loaders)
                                    if part.takes(loader[0])])), traps.result()


def file_from_sheets(name: str, results: list[tuple[SheetReport, dict[str, pd.DataFrame]]],
                     ) -> tuple[FileReport, dict[str, pd.DataFrame]]:
    """Return one file's report and frames from its sheets' reports and frames."""
    file_name = Path(name).name
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
        combined = joined_to_jobs(combined, reports)
    return FileReport(name, True, None, reports), combined



def ingest_sheet(raw: RawSheet, file_name: str, traps: SheetTraps | None = None,
                 profile: Profile | None = None) -> tuple[SheetReport, dict[str, pd.DataFrame]]:
    """Return one sheet's report and canonical frames."""
    return ingest_ready(ready_sheet(raw, traps), file_name, profile)


@dataclass(frozen=True)
class ReadySheet:
    """A sheet's cells made readable (trimmed, merged cells filled), before it is understood:
    kept by the app so that a change of mapping reads the sheet again without parsing the file."""

    raw: RawSheet
    trimmed: int
    prepared: locate.Prepared
    top: tuple[tuple[str, ...], ...]
    memo: CellMemo = field(default_factory=CellMemo, compare=False, repr=False)


def ready_sheet(raw: RawSheet, traps: SheetTraps | None = None) -> ReadySheet:
    """Return a sheet's cells made readable, with the notes on what was done."""
    raw, trimmed, prepared = locate.prepared(raw, traps)
    return ReadySheet(raw, trimmed, prepared, locate.top_rows(raw.cells))


def sheet_match(ready: ReadySheet, profile: Profile | None):
    """Return the profile's entry for the sheet's shape (and where its header is), or None."""
    return match_sheet(profile, ready.top, ready.raw.name)


def ingest_ready(ready: ReadySheet, file_name: str, profile: Profile | None = None,
                 ) -> tuple[SheetReport, dict[str, pd.DataFrame]]:
    """Return one readable sheet's report and canonical frames, read as the profile says."""
    raw, trimmed, top = ready.raw, ready.trimmed, ready.top
    prepared = locate.Prepared(list(ready.prepared.notes), list(ready.prepared.issues))
    match = sheet_match(ready, profile)
    if match is not None:
        layout = understand_sheet(raw.name, raw.cells, raw.hidden, match.entry, match.header_row,
                                  profile.name, ready.memo)
        prepared.notes.insert(0, f"your profile '{profile.name}' was applied: "
                                 f"{_profile_changes(match.entry)}")
        shape = match.entry.headers
    else:
        layout = understand_sheet(raw.name, raw.cells, raw.hidden, memo=ready.memo)
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
    body = locate.body(raw.cells, layout.header_row + layout.header_depth - 1)
    excel_rows = pd.Series(body.index + 1, index=body.index)
    blank = body.isna().all(axis=1)
    headers = [column.source or f"Column {column.index + 1}" for column in layout.columns]
    upfront = remembered(ready.memo, ("upfront", layout.header_row + layout.header_depth),
                         lambda: locate.upfront_reasons(body, blank, excel_rows)).copy()
    if layout.side_columns:
        # A row filled only in the side table is that table's row, not a record of ours.
        only_side = ~blank & body.drop(columns=list(layout.side_columns)).isna().all(axis=1)
        upfront[only_side & (upfront == "")] = "only the side table beside the data has values here"
    builder = _BUILDERS[layout.role]
    kept = body[~blank & no_reason(upfront)]
    built = builder(kept, layout, raw.name, file_name, excel_rows, ready.memo)
    reasons = upfront.copy()
    reasons.loc[built.reasons.index] = built.reasons
    quarantined = ~blank & ~no_reason(reasons)
    source = dict(source_file=file_name, source_sheet=raw.name)
    issues = [dict(file=file_name, sheet=raw.name, **issue)
              for issue in prepared.issues + built.issues]
    issues += [dict(file=file_name, sheet=raw.name, row=int(excel_rows[index]), column=None,
                    value=None, problem=f"row quarantined: {reasons[index]}")
               for index in reasons.index[quarantined]]
    quarantine_frame = text_frame(body[quarantined])
    quarantine_frame.columns = locate.unique(headers + [f"Column {i + 1}" for i in
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
    # Each table leaves here in the model's dtypes, so combining sheets converts nothing again.
    tables = {name: _conformed(frame.assign(**{key: constant_text(value, len(frame))
                                                for key, value in source.items()}), name)
              for name, frame in built.tables.items() if name != "issues"}
    tables["issues"] = pd.DataFrame(issues, columns=list(ISSUES.columns))
    return report, tables


def _conformed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Return a model table in the model's dtypes (a working table, such as the candidates'
    jobs, as it is)."""
    return conform(frame, TABLES[name]) if name in TABLES else frame


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


def _ignored_sheet(raw: RawSheet, layout: SheetLayout, file_name: str) -> SheetReport:
    """Return the report of a sheet we do not use: its rows are all held back with the reason."""
    blank = raw.cells.isna().all(axis=1)
    held = text_frame(raw.cells[~blank])
    held.columns = [f"Column {index + 1}" for index in range(held.shape[1])]
    held.insert(0, "Reason", f"sheet not used: {layout.reason}")
    held.insert(0, "Row", held.index + 1)
    return SheetReport(raw.name, IGNORED, layout.reason,
                       None if layout.header_row is None else layout.header_row + 1,
                       rows_read=len(raw.cells), rows_accepted=0, rows_quarantined=len(held),
                       rows_blank=int(blank.sum()), columns=layout.columns,
                       quarantined=held.reset_index(drop=True), hidden=raw.hidden)

