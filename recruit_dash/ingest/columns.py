"""What one source column means, and what a sheet's columns say by their values: a status column
found by its statuses, a date between two stage columns, a later interview round, a list of options."""

from __future__ import annotations

from dataclasses import dataclass

from recruit_dash.ingest.content import STATUS_SHARE, ColumnEvidence
from recruit_dash.ingest.grammar import read_header
from recruit_dash.model import LADDER, STAGE_ORDER

CONFIDENT = 0.85  # below this a mapping is shown as a suggestion, never applied silently


@dataclass(frozen=True)
class ColumnMapping:
    """What one source column means: its canonical field (or None), and how sure we are."""

    index: int
    source: str
    field: str | None
    confidence: float
    note: str = ""
    by_user: bool = False  # set by the user in a mapping profile


def later_round(column: ColumnMapping, kept: ColumnMapping) -> bool:
    """Return whether a rival for the 2nd interview is a later round (a 3rd, a final one): the
    ladder's last interview rung holds every round from the second on."""
    if not (column.field or "").startswith("stage:second_interview"):
        return False
    ordinal, first = read_header(column.source).ordinal, read_header(kept.source).ordinal
    return ordinal not in (None, 1, 2) and first == 2


def rank(column: ColumnMapping, evidence: ColumnEvidence) -> tuple[bool, float]:
    """Return how strongly a column claims its field: dates first for a stage, then confidence."""
    dated = bool(column.field and column.field.startswith("stage:")
                 and evidence.calendar(column.index) >= 0.5)
    return dated, column.confidence


def status_by_values(columns: list[ColumnMapping], evidence: ColumnEvidence) -> list[ColumnMapping]:
    """Return the columns with a status column found by its values when no header names one: a
    small set of repeated stage or outcome words, whatever the header ("Completed", "Result")."""
    if any(column.field == "status" and column.confidence >= CONFIDENT for column in columns):
        return columns
    free = [column for column in columns if column.field is None and not column.note
            and evidence.statuses(column.index) >= STATUS_SHARE
            and evidence.dates(column.index) < 0.5]
    if not free:
        return columns
    best = max(free, key=lambda column: (evidence.statuses(column.index), -column.index))
    share = evidence.statuses(best.index)
    if evidence.decisions(best.index) >= 0.95 and not any(
            column.field == "decision" for column in columns):
        return [ColumnMapping(column.index, column.source, "decision", 0.88,
                              "its values say whether the lead went on (such as Selected, "
                              "Rejected): a rejection closes the lead")
                if column is best else column for column in columns]
    return [ColumnMapping(column.index, column.source, "status", 0.88,
                          f"its values are statuses ({share:.0%} of them stage or outcome words)")
            if column is best else column for column in columns]


def between_stages(columns: list[ColumnMapping], evidence: ColumnEvidence) -> list[ColumnMapping]:
    """Return the columns with an unknown date column between two stage columns of a wide tracker
    read as the stage in between (the first, in ladder order, that no column records)."""
    stages = {column.index: STAGE_ORDER[column.field[6:]] for column in columns
              if column.field and column.field.startswith("stage:") and column.confidence >= CONFIDENT}
    stages.update({column.index: 0 for column in columns if column.field == "created_on"
                   and column.confidence >= CONFIDENT})
    if len(stages) < 2:
        return columns
    taken = set(stages.values())
    out = []
    for column in columns:
        if column.field is None and (not column.note or column.note.startswith("looks like")) \
                and column.source \
                and not read_header(column.source).off and not read_header(column.source).span \
                and not evidence.empty(column.index) and evidence.dates(column.index) >= 0.8:
            before = [order for index, order in stages.items() if index < column.index]
            after = [order for index, order in stages.items() if index > column.index]
            if before and after:
                low, high = max(before), min(after)
                between = [order for order in range(low + 1, high) if order not in taken]
                if low < high and between:
                    stage = LADDER[between[0]]
                    taken.add(between[0])
                    out.append(ColumnMapping(
                        column.index, column.source, f"stage:{stage.id}", 0.86,
                        f"a date column between two stage columns: read as '{stage.label}'"))
                    continue
        out.append(column)
    return out


ACTIVITY_WORDS = frozenset({"activity", "activities"})


def lookup_list(evidence: ColumnEvidence, indexes: list[int]) -> bool:
    """Return whether a sheet's columns are lists of options rather than records: no dates, every
    column that varies holds each value once, and the columns are of different lengths."""
    filled = {index: evidence.filled(index) for index in indexes
              if index in evidence.data.columns and not evidence.empty(index)}
    varied = [index for index in filled if evidence.distinct(index) > 1]
    if len(varied) < 2 or len({filled[index] for index in varied}) < 2:
        return False
    return all(evidence.calendar(index) < 0.5 and evidence.distinct(index) == filled[index]
               for index in varied)
