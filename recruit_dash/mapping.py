"""Finding the header row, mapping source columns to canonical fields, and deciding a sheet's role."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from rapidfuzz import fuzz, process

from recruit_dash.coerce import looks_like_dates, looks_like_numbers
from recruit_dash.model import ACTIVITY_KINDS, IGNORED, LADDER, ROLES
from recruit_dash.vocabulary import (
    FIELD_SYNONYMS,
    IGNORED_SHEET_NAMES,
    ROLE_SIGNALS,
    clean_header,
    normalise_header,
)

HEADER_SEARCH_ROWS = 30
CONFIDENT = 0.85  # below this a mapping is shown as a suggestion, never applied silently
FUZZY_FLOOR = 75
DATE_WORDS = re.compile(r"\b(date|dates|on|dt|when|day)\b")
_CHECKIN = re.compile(r"\b(check ?in|call|follow ?up|aftercare|touch ?point)\b")
_PIVOT_MARKERS = ("row labels", "grand total", "sum of", "count of", "column labels")

# Fields that hold dates and numbers, so a column's values can confirm or refute a header match.
DATE_FIELDS = frozenset({"created_on", "next_action_on", "stage_on", "on", "start_on",
                         "probation_end_on", "checkin_on"})
NUMBER_FIELDS = frozenset({"fee", "score", "count"})


@dataclass(frozen=True)
class ColumnMapping:
    """What one source column means: its canonical field (or None), and how sure we are."""

    index: int
    source: str
    field: str | None
    confidence: float
    note: str = ""


@dataclass(frozen=True)
class SheetLayout:
    """Where a sheet's header is, what role it plays and what each column means."""

    role: str
    reason: str
    header_row: int | None  # 0-based row index in the raw cells
    columns: tuple[ColumnMapping, ...]

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
    if short and short in table:
        return table[short], 0.95, ""
    choice = process.extractOne(key, table.keys(), scorer=fuzz.token_sort_ratio,
                                score_cutoff=FUZZY_FLOOR)
    if choice is None and short and short != key:
        choice = process.extractOne(short, table.keys(), scorer=fuzz.token_sort_ratio,
                                    score_cutoff=FUZZY_FLOOR)
    if choice is not None:
        synonym, score, _ = choice
        return table[synonym], round(score / 100 * 0.97, 2), f"close to '{synonym}'"
    if role == "placements" and _CHECKIN.search(key):
        return "checkin_on", 0.9, "a check-in column"
    return None, 0.0, ""


class ColumnEvidence:
    """What a sheet's columns hold (how date-like, how numeric), measured once per column."""

    def __init__(self, data: pd.DataFrame):
        self.data = data
        self._dates: dict[int, float] = {}
        self._numbers: dict[int, float] = {}

    def empty(self, index: int) -> bool:
        return self.data[index].head(1000).dropna().empty

    def dates(self, index: int) -> float:
        if index not in self._dates:
            self._dates[index] = looks_like_dates(self.data[index])
        return self._dates[index]

    def numbers(self, index: int) -> float:
        if index not in self._numbers:
            self._numbers[index] = looks_like_numbers(self.data[index])
        return self._numbers[index]

    def fits(self, field: str, index: int) -> bool:
        """Return whether a column's values fit the field (dates for stages, numbers for counts)."""
        if self.empty(index):
            return True
        if field.startswith("stage:") or field in DATE_FIELDS:
            return self.dates(index) >= 0.6
        if field.startswith("count:") or field in NUMBER_FIELDS:
            return self.numbers(index) >= 0.8 and self.dates(index) < 0.5
        if field in ("lead_id", "consultant", "client", "candidate", "role", "kind", "stage",
                     "status", "contact", "source"):
            return self.dates(index) < 0.5
        return True


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
            if current is None or proposal.confidence > current.confidence:
                best[proposal.field] = proposal
    out = []
    for proposal in proposals:
        if proposal.field and proposal.field not in repeatable and best[proposal.field] is not proposal:
            out.append(ColumnMapping(proposal.index, proposal.source, None, 0.0,
                                     f"also looks like '{proposal.field}', kept "
                                     f"'{best[proposal.field].source}'"))
        else:
            out.append(proposal)
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
    words = {normalise_header(value) for value in top.to_numpy().ravel() if isinstance(value, str)}
    if any(marker in words for marker in _PIVOT_MARKERS) or any(
            word.startswith(("sum of ", "count of ")) for word in words):
        return "pivot table"
    if cells.dropna(how="all").empty:
        return "empty sheet"
    return None


def _role_score(columns: tuple[ColumnMapping, ...], role: str) -> float:
    """Return how well a role explains a sheet's columns."""
    fields = {column.field for column in columns if column.field and column.confidence >= CONFIDENT}
    if role == "leads" and not {"stage", "stage_on"} <= fields:
        fields -= {"stage", "stage_on"}  # half an event log is not one
    signals = sum(1 for signal in ROLE_SIGNALS[role] if signal in fields)
    staged = sum(1 for field in fields if field.startswith(("stage:", "count:")))
    if role == "activities" and not ("on" in fields and ("kind" in fields or staged)):
        return 0.0
    if role == "placements" and "start_on" not in fields:
        return 0.0
    if role == "feedback" and "score" not in fields:
        return 0.0
    if role == "leads" and not (signals or staged >= 2 or ("stage" in fields and "stage_on" in fields)):
        return 0.0
    mapped = sum(column.confidence for column in columns
                 if column.field in fields and column.confidence >= CONFIDENT)
    return mapped + 2 * signals + staged * 0.5


def understand_sheet(name: str, cells: pd.DataFrame, hidden: bool = False) -> SheetLayout:
    """Return the layout of one sheet: its role, header row and column meanings."""
    reason = ignored_reason(name, cells, hidden)
    if reason:
        return SheetLayout(IGNORED, reason, None, ())
    header_row, recognised = find_header_row(cells)
    if header_row is None or recognised < 2:
        return SheetLayout(IGNORED, "no header row we recognise; expected columns like "
                                    "'Consultant', 'Client', 'Status' or 'Date generated'", None, ())
    headers = [clean_header(value) if isinstance(value, str) else ""
               for value in cells.iloc[header_row].tolist()]
    evidence = ColumnEvidence(cells.iloc[header_row + 1:])
    layouts = []
    for role in ROLES:
        columns = map_columns(headers, evidence, role)
        layouts.append((_role_score(columns, role), role, columns))
    score, role, columns = max(layouts, key=lambda item: item[0])
    if score <= 0:
        return SheetLayout(IGNORED, "its columns do not describe leads, activities, placements "
                                    "or feedback", header_row, columns)
    return SheetLayout(role, "", header_row, columns)
