"""Finding the header row, mapping source columns to canonical fields, and deciding a sheet's role."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import pandas as pd

from recruit_dash.ingest.coerce import looks_like_dates
from recruit_dash.ingest.columns import (  # noqa: F401 (ColumnMapping, CONFIDENT: read from here)
    ACTIVITY_WORDS,
    CONFIDENT,
    ColumnMapping,
    between_stages,
    later_round,
    lookup_list,
    rank,
    status_by_values,
)
from recruit_dash.ingest.content import DATE_FIELDS, ColumnEvidence
from recruit_dash.ingest.grammar import field_of, read_header, words_of
from recruit_dash.ingest.memo import CellMemo, remembered
from recruit_dash.ingest.profiles import SheetProfile
from recruit_dash.ingest.vocabulary import (
    FIELD_SYNONYMS,
    IGNORED_SHEET_NAMES,
    ROLE_SIGNALS,
    clean_header,
    normalise_header,
)
from recruit_dash.model import ACTIVITY_KINDS, IGNORED, LADDER, ROLES

HEADER_SEARCH_ROWS = 30
DATE_WORDS = re.compile(r"\b(date|dates|on|dt|when|day)\b")
_PIVOT_MARKERS = ("row labels", "grand total", "sum of", "count of", "column labels")

@dataclass(frozen=True)
class SheetLayout:
    """Where a sheet's header is, what role it plays and what each column means."""

    role: str
    reason: str
    header_row: int | None  # 0-based row index in the raw cells
    columns: tuple[ColumnMapping, ...]
    # Normalised status (or stage name) text -> (stage, outcome), set by the user in a profile.
    statuses: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)
    profile: str | None = None  # the name of the profile applied to this sheet
    header_depth: int = 1  # 2 when a second header row names the parts of merged groups
    notes: tuple[str, ...] = ()
    side_columns: tuple[int, ...] = ()  # a table beside the data, not read as records
    date1904: bool = False  # bare serial dates count from 1904

    def field_columns(self) -> dict[str, list[int]]:
        """Return the source column indexes behind each mapped field."""
        out: dict[str, list[int]] = {}
        for column in self.columns:
            if column.field and column.confidence >= CONFIDENT:
                out.setdefault(column.field, []).append(column.index)
        return out


@lru_cache(maxsize=8)
def _candidates(role: str) -> dict[str, str]:
    """Return normalised synonym -> field for a role, stage and count columns included."""
    table: dict[str, str] = {}
    for name, synonyms in FIELD_SYNONYMS[role].items():
        for synonym in synonyms:
            table.setdefault(synonym, name)
    if role == "leads":
        for stage in LADDER:
            for synonym in (stage.label, *stage.synonyms):
                table.setdefault(normalise_header(synonym), f"stage:{stage.id}")
    if role == "activities":
        for kind in ACTIVITY_KINDS:
            for synonym in (kind.label, *kind.synonyms):
                table.setdefault(normalise_header(synonym), f"count:{kind.id}")
    return table


@lru_cache(maxsize=16384)
def match_header(header: str, role: str) -> tuple[str | None, float, str]:
    """Return (field, confidence, note) for one header within a role's vocabulary."""
    key = normalise_header(header)
    if not key:
        return None, 0.0, ""
    table = _candidates(role)
    if key in table:
        return table[key], 1.0, ""
    stripped = DATE_WORDS.sub(" ", key).split()
    short = " ".join(stripped)
    if short and short in table and not read_header(header).ordinal:
        return table[short], 0.95, ""
    return field_of(header, role)


def map_columns(headers: list[str], evidence: ColumnEvidence, role: str) -> tuple[ColumnMapping, ...]:
    """Return the mapping of every column for a role, each field used at most once."""
    proposals: list[ColumnMapping] = []
    for index, header in enumerate(headers):
        field, confidence, note = match_header(header, role)
        if field is not None and not evidence.fits(field, index):
            kind = "dates" if field.startswith("stage:") or field in DATE_FIELDS else "values"
            note = f"looks like '{field}' but its cells are not {kind}"
            field, confidence = None, 0.0
        proposals.append(ColumnMapping(index, header, field, confidence, note))
    # The best-matching column keeps a field; a weaker rival becomes unmapped (shown to the user).
    best: dict[str, ColumnMapping] = {}
    repeatable = ("checkin_on",)
    for proposal in proposals:
        if proposal.field and proposal.field not in repeatable:
            current = best.get(proposal.field)
            # A stage column of dates beats one of ticks: it says when, not only whether.
            if current is None or rank(proposal, evidence) > rank(current, evidence):
                best[proposal.field] = proposal
    out = []
    for proposal in proposals:
        if proposal.field and proposal.field not in repeatable and best[proposal.field] is not proposal \
                and later_round(proposal, best[proposal.field]):
            out.append(replace(proposal, note=f"a later round than '{best[proposal.field].source}'"
                                              ": read with it as the last interview round"))
        elif proposal.field and proposal.field not in repeatable and best[proposal.field] is not proposal:
            out.append(ColumnMapping(proposal.index, proposal.source, None, 0.0,
                                     f"also looks like '{proposal.field}', kept "
                                     f"'{best[proposal.field].source}'"))
        else:
            out.append(proposal)
    if role != "leads":
        return tuple(out)
    return _with_job_ids(tuple(between_stages(status_by_values(out, evidence), evidence)))


_JOB_WORDS = re.compile(r"\b(req|requisition|job|vacancy|position|opening|order)\b")
_CANDIDATE_WORDS = re.compile(r"\b(candidate|applicant|application)\b")


def _with_job_ids(columns: tuple[ColumnMapping, ...]) -> tuple[ColumnMapping, ...]:
    """Return the columns of a candidate-on-job sheet with both ids read: the candidate's id is the
    lead, the job's id (a relational workbook's link to its jobs sheet) is `job_id`."""
    ids = [column for column in columns if column.field == "lead_id"
           or column.note.startswith("also looks like 'lead_id'")]
    jobs = [column for column in ids if _JOB_WORDS.search(normalise_header(column.source))]
    people = [column for column in ids if _CANDIDATE_WORDS.search(normalise_header(column.source))]
    if len(jobs) != 1 or len(people) != 1:
        return columns
    job, person = jobs[0], people[0]
    out = []
    for column in columns:
        if column is job:
            out.append(ColumnMapping(column.index, column.source, "job_id", 0.9,
                                     "the job each row belongs to, looked up in a jobs sheet"))
        elif column is person:
            out.append(ColumnMapping(column.index, column.source, "lead_id",
                                     max(column.confidence, 0.95), "the candidate on the job"))
        else:
            out.append(column)
    return tuple(out)


def find_header_row(cells: pd.DataFrame) -> tuple[int | None, int]:
    """Return (row index, number of recognised headers) of the likeliest header row."""
    best_row, best_score = None, 0
    for row in range(min(HEADER_SEARCH_ROWS, len(cells))):
        texts = [value for value in cells.iloc[row].tolist()
                 if isinstance(value, str) and value.strip() and not _numberish(value)]
        if len(texts) < 2:
            continue
        score = max(sum(1 for text in texts if match_header(text, role)[1] >= CONFIDENT)
                    for role in ROLES)
        if score > best_score:
            best_row, best_score = row, score
    return best_row, best_score


def _numberish(value: object) -> bool:
    """Return whether a cell is a number or a date rather than a label."""
    text = str(value).strip()
    return bool(re.fullmatch(r"[-+]?[\d.,£$€%\s:/-]+", text)) or bool(
        re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?", text))


def ignored_reason(name: str, cells: pd.DataFrame, hidden: bool) -> str | None:
    """Return why a sheet holds no records (a pivot, a legend, hidden), or None."""
    if hidden:
        return "hidden sheet"
    lowered = normalise_header(name)
    for word, reason in IGNORED_SHEET_NAMES.items():
        if word in lowered.split() or lowered.startswith(word):
            return reason
    top = cells.head(HEADER_SEARCH_ROWS)
    marked = [column for column in top.columns if any(
        isinstance(value, str) and _pivot_marker(normalise_header(value)) for value in top[column])]
    if marked and not _records_beside(cells, marked):
        return "pivot table"
    if cells.dropna(how="all").empty:
        return "empty sheet"
    return None


def _pivot_marker(word: str) -> bool:
    return word in _PIVOT_MARKERS or word.startswith(("sum of ", "count of "))


def _records_beside(cells: pd.DataFrame, marked: list) -> bool:
    """Return whether a sheet with a pivot's labels also holds a record table, apart from the
    pivot by an empty column (a small pivot made beside the data)."""
    filled = cells.notna().any(axis=0)
    blocks, current = [], []
    for column in cells.columns:
        if filled[column]:
            current.append(column)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    rest = [column for block in blocks if not set(block) & set(marked) for column in block]
    if not rest:
        return False
    row, recognised = find_header_row(cells[rest])
    return row is not None and recognised >= 3


def _role_score(columns: tuple[ColumnMapping, ...], role: str,
                evidence: ColumnEvidence | None = None) -> float:
    """Return how well a role explains a sheet's columns (and, given the evidence, their values)."""
    fields = {column.field for column in columns if column.field and column.confidence >= CONFIDENT}
    penalty = 0.0
    if role == "leads" and not {"stage", "stage_on"} <= fields:
        # Half an event log is not one; a column of event types says the rows are events.
        penalty += 2.0 * bool({"stage", "stage_on"} & fields)
        fields -= {"stage", "stage_on"}
    if role == "leads" and evidence is not None and "status" in fields:
        # A column of task states (Complete, Overdue) is not a pipeline status.
        status = next(column.index for column in columns if column.field == "status")
        if not evidence.empty(status) and evidence.pipeline_words(status) < 0.3:
            fields.discard("status")
    signals = sum(1 for signal in ROLE_SIGNALS[role] if signal in fields)
    staged = sum(1 for field in fields if field.startswith(("stage:", "count:")))
    if role == "activities" and not ("on" in fields and ("kind" in fields or staged)):
        return 0.0
    if role == "placements" and "start_on" not in fields:
        return 0.0
    if role == "feedback" and "score" not in fields:
        return 0.0
    # Rows naming whose desk a client or candidate is on are leads even with no status or date
    # (a business-development list of consultant, client and notes).
    owned = "consultant" in fields and bool(fields & {"client", "candidate"})
    if role == "leads" and not (signals or staged >= 2 or owned
                                or ("stage" in fields and "stage_on" in fields)):
        return 0.0
    mapped = sum(column.confidence for column in columns
                 if column.field in fields and column.confidence >= CONFIDENT)
    return mapped + 2 * signals + staged * 0.5 - penalty


def understand_sheet(name: str, cells: pd.DataFrame, hidden: bool = False,
                     choice: SheetProfile | None = None, header_row: int | None = None,
                     profile_name: str | None = None, memo: CellMemo | None = None) -> SheetLayout:
    """Return the layout of one sheet: its role, header row and column meanings.

    `choice` is the user's profile entry for the sheet's shape, found on row `header_row`: its
    role, header row, columns and statuses replace our guesses. `memo` keeps what the columns
    hold for the next reading of the same cells.
    """
    if choice is not None:
        return _chosen_layout(cells, choice, header_row, profile_name or "", memo)
    reason = ignored_reason(name, cells, hidden)
    if reason:
        return SheetLayout(IGNORED, reason, None, ())
    header_row, recognised = find_header_row(cells)
    if header_row is None or recognised < 2:
        return SheetLayout(IGNORED, "no header row we recognise; expected columns like "
                                    "'Consultant', 'Client', 'Status' or 'Date generated'", None, ())
    return _layout_at(cells, header_row, memo=memo)


def _layout_at(cells: pd.DataFrame, header_row: int, role: str | None = None,
               overrides: Mapping[str, str | None] | None = None,
               memo: CellMemo | None = None) -> SheetLayout:
    """Return the layout with the header on a given row, in the given role or the best one."""
    headers = [clean_header(value) if isinstance(value, str) else ""
               for value in cells.iloc[header_row].tolist()] if header_row < len(cells) else []
    depth, notes = 1, []
    combined = two_row_headers(headers, cells, header_row)
    if combined is not None:
        example = next((new for new, old in zip(combined, headers, strict=False) if new != old),
                       combined[0])
        depth, headers = 2, combined
        notes.append(f"a two-row header (rows {header_row + 1} and {header_row + 2}): each column "
                     f"is named by its group and its own title, e.g. '{example}'")
    evidence = remembered(memo, ("evidence", header_row + depth),
                          lambda: ColumnEvidence(cells.iloc[header_row + depth:]))
    side = side_table_columns(headers, cells.iloc[header_row + depth:])
    if side:
        first, last = min(side), max(side)
        named = ", ".join(f"'{headers[index]}'" for index in sorted(side)
                          if index < len(headers) and headers[index])
        notes.append(f"columns {column_letter(first)}–{column_letter(last)} ({named or 'no headers'})"
                     " are a separate table beside the data, after an empty column; they were "
                     "not read as records")
    layouts = []
    for candidate in ROLES if role is None else (role,):
        columns = map_columns(headers, evidence, candidate)
        if side:
            columns = tuple(ColumnMapping(column.index, column.source, None, 0.0,
                                          "in a side table beside the data, not read")
                            if column.index in side else column for column in columns)
        if overrides:
            columns = overridden(columns, overrides)
        score = _role_score(columns, candidate, evidence)
        if candidate == "activities" and score > 0:
            # Columns named for activities ("Activity ID", "Activity type") say the rows are
            # a consultant's activities, unless the sheet is a log of lead stages with dates.
            score += 3 * sum(1 for header in headers if ACTIVITY_WORDS & set(words_of(header)))
        layouts.append((score, candidate, columns))
    score, chosen, columns = max(layouts, key=lambda item: item[0])
    if score <= 0 and role is None:
        return SheetLayout(IGNORED, "its columns do not describe leads, activities, placements "
                                    "or feedback", header_row, columns)
    if role is None and lookup_list(evidence, [column.index for column in columns]):
        return SheetLayout(IGNORED, "a list of options (each column a list of distinct values, of "
                                    "different lengths), not records", header_row, columns)
    return SheetLayout(chosen, "", header_row, columns, header_depth=depth, notes=tuple(notes),
                       side_columns=tuple(sorted(side)))


def column_letter(index: int) -> str:
    """Return Excel's letters for a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _recognised(header: str) -> set[str]:
    """Return the fields a header confidently means in any role."""
    return {found for role in ROLES
            for found, confidence, _ in (match_header(header, role),) if confidence >= CONFIDENT}


def side_table_columns(headers: list[str], body: pd.DataFrame) -> set[int]:
    """Return the columns of tables beside the data: blocks of columns after (or before) an
    entirely empty column that are either much shorter than the main block (fewer than half its
    rows) or only repeat fields the main block already has (a consultant's targets, a status list).
    The main block is the one with the most recognised headers."""
    width = body.shape[1]
    filled = body.notna().any(axis=0).to_numpy() if len(body) else [False] * width
    blocks: list[list[int]] = [[]]
    for index in range(width):
        header = headers[index] if index < len(headers) else ""
        if not header and not filled[index]:
            if blocks[-1]:
                blocks.append([])
            continue
        blocks[-1].append(index)
    blocks = [block for block in blocks if block]
    if len(blocks) < 2:
        return set()
    fields = [set().union(*(_recognised(headers[i]) for i in block if i < len(headers)
                            and headers[i])) for block in blocks]
    counts = [sum(1 for i in block if i < len(headers) and headers[i] and _recognised(headers[i]))
              for block in blocks]
    main = max(range(len(blocks)), key=lambda number: (counts[number], -number))
    main_rows = int(body[blocks[main]].notna().any(axis=1).sum())
    side: set[int] = set()
    for number, block in enumerate(blocks):
        if number == main:
            continue
        rows = int(body[block].notna().any(axis=1).sum())
        if rows < 0.5 * main_rows or (fields[number] and fields[number] <= fields[main]):
            side.update(block)
    return side


def two_row_headers(headers: list[str], cells: pd.DataFrame, header_row: int) -> list[str] | None:
    """Return the headers joined with the row below when that row names the parts of grouped
    columns ("Interview" over "Booked" and "Done"), else None.

    The row below is a second header when it holds only labels (no numbers or dates), at least
    two of them, each under a blank header, under a group (a header repeated to its left or
    right, as a merged cell reads) or repeating its own header (a cell merged down), and at
    least one of them under a group or a blank header.
    """
    if header_row + 1 >= len(cells):
        return None
    below = [clean_header(value) if isinstance(value, str) else ""
             for value in cells.iloc[header_row + 1].tolist()]
    labels = [value for value in below if value]
    # "Done" reads as a tick, so only a label with a digit is tried as a date ("Oct 27th").
    if len(labels) < 2 or any(_numberish(value) or any(char.isdigit() for char in value)
                              and looks_like_dates(pd.Series([value])) > 0 for value in labels):
        return None
    grouped = False
    for index, part in enumerate(below):
        if not part:
            continue
        top = headers[index] if index < len(headers) else ""
        neighbours = {headers[i] for i in (index - 1, index + 1) if 0 <= i < len(headers)}
        if not top or top in neighbours:
            grouped = True
        elif part != top:
            return None
    if not grouped:
        return None
    joined = []
    for index, top in enumerate(headers + [""] * (len(below) - len(headers))):
        part = below[index] if index < len(below) else ""
        joined.append(top if not part or part == top else part if not top else f"{top} {part}")
    return joined


def _chosen_layout(cells: pd.DataFrame, choice: SheetProfile, header_row: int | None,
                   profile_name: str, memo: CellMemo | None = None) -> SheetLayout:
    """Return the layout a profile entry sets: its header row, role, columns and statuses."""
    if choice.role == IGNORED:
        return SheetLayout(IGNORED, f"set to be ignored in your profile '{profile_name}'",
                           header_row, (), profile=profile_name)
    if header_row is None:
        header_row = (choice.header_row - 1) if choice.header_row else find_header_row(cells)[0]
    if header_row is None or header_row >= len(cells):
        return SheetLayout(IGNORED, "no header row we recognise; expected columns like "
                                    "'Consultant', 'Client', 'Status' or 'Date generated'", None, (),
                           profile=profile_name)
    layout = _layout_at(cells, header_row, choice.role, choice.column_overrides(), memo)
    return replace(layout, statuses=choice.status_overrides(), profile=profile_name)


def overridden(columns: tuple[ColumnMapping, ...],
               overrides: Mapping[str, str | None]) -> tuple[ColumnMapping, ...]:
    """Return the columns with the user's choices applied (confidence 1, "set by you"); a column
    we had guessed as a field the user gave to another column loses it."""
    chosen = {normalise_header(column.source): overrides[normalise_header(column.source)]
              for column in columns if normalise_header(column.source) in overrides}
    taken = {value: source for source, value in chosen.items() if value and value != "checkin_on"}
    out = []
    for column in columns:
        key = normalise_header(column.source)
        if key in chosen:
            out.append(ColumnMapping(column.index, column.source, chosen[key], 1.0, "set by you",
                                     by_user=True))
        elif column.field and column.field in taken:
            out.append(ColumnMapping(column.index, column.source, None, 0.0,
                                     f"you chose another column as '{column.field}'"))
        else:
            out.append(column)
    return tuple(out)
