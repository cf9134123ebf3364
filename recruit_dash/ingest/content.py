"""Columns read by their content, whatever their header: dates, ticks, step results, money,
scores, identifiers, people's names, free text and status words, measured once per column.

The evidence confirms or refutes what a header says, and finds what a header does not say: a
status column under "Completed" or "Result", a date column between two stage columns of a wide
tracker, the scale of a score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from recruit_dash.ingest.coerce import looks_like_dates, looks_like_numbers, parse_dates
from recruit_dash.ingest.vocabulary import (
    ABSENT,
    NO,
    RESULT_WORDS,
    TICKS,
    normalise_header,
    status_meaning,
)

SAMPLE = 1000
DATE_FIELDS = frozenset({"created_on", "next_action_on", "stage_on", "on", "start_on",
                         "probation_end_on", "checkin_on"})
NUMBER_FIELDS = frozenset({"fee", "score", "count"})
TEXT_FIELDS = frozenset({"lead_id", "consultant", "client", "candidate", "role", "kind", "stage",
                         "status", "contact", "source"})
STATUS_SHARE = 0.6  # of a column's cells that must be status words for it to be read as a status
MAX_STATUS_WORDS = 40  # distinct values a status column holds at most
_NAME = re.compile(r"^[A-Z][a-z'’-]+(?: [A-Z][a-z'’.-]*){0,3}$")


@dataclass(frozen=True)
class Scale:
    """The scale a score column's numbers are on."""

    low: float
    high: float
    label: str  # "0–10", "1–5", "0–100"

    def to_ten(self, value: float) -> float:
        """Return a score on this scale as a score on 0–10."""
        return (value - self.low) / (self.high - self.low) * 10


SCALES = (Scale(0, 10, "0–10"), Scale(1, 5, "1–5"), Scale(0, 5, "0–5"), Scale(1, 10, "1–10"),
          Scale(0, 100, "0–100"))


def score_scale(numbers: pd.Series) -> Scale | None:
    """Return the scale a column of scores is on: the narrowest usual scale that holds them all
    (a column of 1s to 5s is a 1–5 scale, not 0–10), or None when no usual scale does."""
    values = pd.to_numeric(numbers, errors="coerce").dropna()
    if values.empty:
        return None
    low, high = float(values.min()), float(values.max())
    whole = bool((values == values.round()).all())
    if whole and low >= 1 and high <= 5 and values.nunique() >= 2:
        return SCALES[1]
    if whole and low >= 0 and high <= 5 and values.nunique() >= 2:
        return SCALES[2]
    if low >= 0 and high <= 10:
        return SCALES[0]
    if low >= 0 and high <= 100:
        return SCALES[4]
    return None


MIN_SCORES_FOR_SCALE = 10  # fewer answers than this cannot show a scale
_OUT_OF = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/|out of)\s*(\d+(?:\.\d+)?)\s*$", re.I)
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def read_scores(cells: pd.Series, numbers: pd.Series, header: str) -> tuple[pd.Series, str | None]:
    """Return a column of scores on 0–10, and a note when they were converted: "7/10" and "70%"
    are read as 7, and a column on another usual scale (1–5 stars, 0–100) is put on 0–10."""
    text = cells.astype("string").str.strip()
    out_of = text.str.extract(_OUT_OF).astype(float)
    percent = text.str.extract(_PERCENT)[0].astype(float)
    written = (out_of[0] / out_of[1] * 10).where(out_of[1] > 0)
    scores = numbers.astype(float).where(written.isna() & percent.isna(), written)
    scores = scores.where(percent.isna(), percent / 10)
    plain = numbers.notna() & written.isna() & percent.isna()
    scale = score_scale(numbers[plain]) if int(plain.sum()) >= MIN_SCORES_FOR_SCALE else None
    notes = []
    if written.notna().any() or percent.notna().any():
        notes.append(f"'{header}': scores written as '7/10' or '70%' were read on 0–10")
    if scale is not None and scale.label != "0–10" and numbers[plain].max() <= scale.high:
        scores = scores.where(~plain, numbers.astype(float).map(scale.to_ten))
        examples = ", ".join(f"{value:g} → {scale.to_ten(value):g}"
                             for value in (scale.high, (scale.low + scale.high) / 2, scale.low))
        notes.append(f"'{header}': the scores run {scale.label}, not 0–10; each was put on "
                     f"0–10 ({examples}) so the Great Recruiter Score compares like with like")
    return scores, "; ".join(notes) or None


def _texts(cells: pd.Series, size: int = SAMPLE) -> list[str]:
    """Return up to `size` non-empty cells from the top of a column, as stripped text."""
    values = cells.head(size * 3).dropna().head(size)
    return [text for text in (str(value).strip() for value in values.tolist()) if text]


def result_of(value: str) -> str | None:
    """Return how a step went ("pass", "fail", "pending", "absent") from a result cell, or None."""
    key = normalise_header(value)
    if key in RESULT_WORDS:
        return RESULT_WORDS[key]
    meaning = status_meaning(value)
    if meaning is None:
        return None
    stage, outcome = meaning
    if outcome == "lost":
        return "fail"
    if outcome == "filled" or stage:
        return "pass"
    return None


class ColumnEvidence:
    """What a sheet's columns hold, measured once per column and kept."""

    def __init__(self, data: pd.DataFrame):
        self.data = data
        self._memo: dict[tuple[str, int], object] = {}

    def _measure(self, what: str, index: int, compute):
        key = (what, index)
        if key not in self._memo:
            self._memo[key] = compute(self.data[index])
        return self._memo[key]

    def empty(self, index: int) -> bool:
        return self._measure("empty", index, lambda cells: cells.head(SAMPLE).dropna().empty)

    def dates(self, index: int) -> float:
        """The share of cells that read as dates (or ticks)."""
        return self._measure("dates", index, looks_like_dates)

    def calendar(self, index: int) -> float:
        """The share of cells that are dates proper (ticks left out)."""
        def share(cells: pd.Series) -> float:
            sample = cells.head(600).dropna().head(200)
            return float(parse_dates(sample).values.notna().mean()) if len(sample) else 0.0
        return self._measure("calendar", index, share)

    def numbers(self, index: int) -> float:
        return self._measure("numbers", index, looks_like_numbers)

    def step_values(self, index: int) -> float:
        """The share of cells a step's column may hold: dates, ticks, "No" and step results."""
        def share(cells: pd.Series) -> float:
            texts = _texts(cells, 200)
            if not texts:
                return 0.0
            flags = sum(1 for text in texts if text.lower() in TICKS or text.lower() in NO
                        or result_of(text) is not None)
            return max(flags / len(texts), looks_like_dates(cells))
        return self._measure("steps", index, share)

    def results(self, index: int) -> float:
        """The share of cells that say how a step went (Selected, Rejected, Cleared, Hired…)."""
        def share(cells: pd.Series) -> float:
            texts = _texts(cells, 200)
            known = [result_of(text) for text in texts]
            return sum(1 for value in known if value) / len(texts) if texts else 0.0
        return self._measure("results", index, share)

    def decisions(self, index: int) -> float:
        """The share of cells that are decisions on a step (Selected, Rejected, Approved)."""
        def share(cells: pd.Series) -> float:
            texts = _texts(cells, 300)
            return sum(1 for text in texts if normalise_header(text) in RESULT_WORDS
                       ) / len(texts) if texts else 0.0
        return self._measure("decisions", index, share)

    def statuses(self, index: int) -> float:
        """The share of cells that are status words (a stage or an outcome), when the column holds
        a small set of repeated values; 0 otherwise."""
        def share(cells: pd.Series) -> float:
            texts = _texts(cells)
            distinct = set(texts)
            if len(texts) < 3 or len(distinct) > MAX_STATUS_WORDS or len(distinct) > len(texts) / 2:
                return 0.0
            known = {text: status_meaning(text) is not None
                     or RESULT_WORDS.get(normalise_header(text), ABSENT) != ABSENT
                     for text in distinct}
            return sum(1 for text in texts if known[text]) / len(texts)
        return self._measure("statuses", index, share)

    def pipeline_words(self, index: int) -> float:
        """The share of cells that name a stage or an outcome of the pipeline (any number of
        distinct values)."""
        def share(cells: pd.Series) -> float:
            texts = _texts(cells, 300)
            known = {text: status_meaning(text) is not None for text in set(texts)}
            return sum(1 for text in texts if known[text]) / len(texts) if texts else 0.0
        return self._measure("pipeline", index, share)

    def filled(self, index: int) -> int:
        """The number of filled cells (the whole column)."""
        return self._measure("filled", index, lambda cells: int(cells.notna().sum()))

    def distinct(self, index: int) -> int:
        """The number of distinct filled values (the whole column)."""
        return self._measure("distinct", index, lambda cells: int(cells.nunique()))

    def unique(self, index: int) -> float:
        """The share of distinct values among the filled cells."""
        def share(cells: pd.Series) -> float:
            texts = _texts(cells)
            return len(set(texts)) / len(texts) if texts else 0.0
        return self._measure("unique", index, share)

    def person_names(self, index: int) -> float:
        """The share of cells written like people's names ("Sarah Whitfield")."""
        def share(cells: pd.Series) -> float:
            texts = _texts(cells, 300)
            return sum(1 for text in texts if _NAME.match(text)) / len(texts) if texts else 0.0
        return self._measure("names", index, share)

    def fits(self, field: str, index: int) -> bool:
        """Return whether a column's values fit the field (dates or step results for stages,
        numbers for counts, text for names)."""
        if self.empty(index):
            return True
        if field.startswith("stage:"):
            return self.step_values(index) >= 0.6
        if field in DATE_FIELDS:
            return self.dates(index) >= 0.6
        if field.startswith("count:") or field in NUMBER_FIELDS:
            return self.numbers(index) >= 0.8 and self.dates(index) < 0.5
        if field in TEXT_FIELDS:
            return self.dates(index) < 0.5
        return True

    def describe(self, index: int) -> str:
        """Return what a column holds, in words, for the Data page."""
        if self.empty(index):
            return "empty"
        if self.dates(index) >= 0.8:
            return "dates"
        if self.statuses(index) >= STATUS_SHARE:
            return "status words"
        if self.results(index) >= 0.8:
            return "step results"
        if self.numbers(index) >= 0.9:
            return "numbers"
        if self.unique(index) >= 0.95:
            return "identifiers" if self.person_names(index) < 0.5 else "people's names"
        if self.person_names(index) >= 0.7:
            return "people's names"
        return "text"
