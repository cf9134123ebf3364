"""Turning text cells into typed values: dates, ticks, money, flags and names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import compress

import numpy as np
import pandas as pd
from pandas.api.extensions import take

from recruit_dash import clock
from recruit_dash.ingest.vocabulary import NO, TICKS, YES
from recruit_dash.model import per_unique

EXCEL_EPOCH_1900 = pd.Timestamp("1899-12-30")
EXCEL_EPOCH_1904 = pd.Timestamp("1904-01-01")
# Serials outside this window are not plausible tracker dates (1960 to 2100).
SERIAL_MIN, SERIAL_MAX = 21916, 73051

# A time of day after a date ("17:00", "5:00 PM", "17:00:00.000Z", "17:00+01:00") is dropped:
# dates are days, and a milestone at 17:00 on a period's last day belongs to that period.
_TIME = r"(?:[ T]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})" + _TIME + "$")
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})" + _TIME + "$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_HAS_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", re.I)
_MONEY = r"[£$€,\s]"
# Relative text in a date column: a notice period or "as soon as possible", not a day.
RELATIVE = re.compile(r"^(immediate(ly)?|asap|now|today|tomorrow|next week|next month|"
                      r"(\d+|one|two|three|four|six|eight|twelve)\s*\+?\s*"
                      r"(day|days|wk|wks|week|weeks|month|months)(\s+notice)?)$", re.IGNORECASE)


def present(cells: pd.Series) -> pd.Series:
    """Return which cells hold something other than spaces."""
    return per_unique(cells, lambda values: values.str.strip() != "").fillna(False).astype(bool)


@dataclass
class ParsedDates:
    """A column of dates: the values, which cells were ticks, which failed, and notes on the rule."""

    values: pd.Series
    ticks: pd.Series
    failed: pd.Series
    notes: list[str] = field(default_factory=list)
    relative: pd.Series | None = None  # cells of relative text ("Immediately", "15 days")


def parse_dates(cells: pd.Series, *, year_hint: int | None = None,
                date1904: bool = False) -> ParsedDates:
    """Return the dates in a column of text cells, deciding day-first or month-first per column;
    bare serial numbers count from 1904 in a workbook that says so."""
    notes: list[str] = []
    ticks_found: set[str] = set()

    def parse(uniques: pd.Series) -> pd.Series:
        stripped = uniques.str.strip().tolist()
        parsed = _parse_unique_dates([value for value in stripped if value], year_hint, notes,
                                     ticks_found, EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH_1900)
        return pd.DataFrame({
            # Every rule gives a day already; normalising again keeps it so whatever rule is added.
            "date": pd.Series([parsed.get(value, pd.NaT) for value in stripped],
                              dtype="datetime64[ns]").dt.normalize(),
            "tick": [value in ticks_found for value in stripped],
            "filled": [bool(value) for value in stripped],
            "relative": [bool(RELATIVE.match(value)) for value in stripped],
        })

    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    if not len(uniques):
        nothing = pd.Series(False, index=cells.index)
        return ParsedDates(pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]"),
                           nothing, nothing.copy(), notes, nothing.copy())
    table = parse(pd.Series(uniques, dtype="string"))

    def spread(column: str, fill) -> np.ndarray:
        # A missing cell's code is -1: it picks the fill value put after the distinct values.
        return np.append(table[column].to_numpy(), np.array([fill], dtype=table[column].dtype))[codes]

    dates = spread("date", np.datetime64("NaT", "ns"))
    missing = np.isnat(dates)
    ticks = spread("tick", False)
    relative = spread("relative", False) & missing
    failed = spread("filled", False) & missing & ~ticks & ~relative
    return ParsedDates(*(pd.Series(values, index=cells.index)
                         for values in (dates, ticks, failed)), notes,
                       pd.Series(relative, index=cells.index))


def _parse_unique_dates(uniques: list[str], year_hint: int | None, notes: list[str],
                        ticks_found: set[str], epoch: pd.Timestamp = EXCEL_EPOCH_1900,
                        ) -> dict[str, pd.Timestamp]:
    """Return the date each distinct cell text means, recording ticks and notes on the way."""
    parsed: dict[str, pd.Timestamp] = {}
    numeric: list[tuple[str, int, int, int]] = []
    iso: list[str] = []
    loose: list[str] = []
    for value in uniques:
        lowered = value.lower()
        if lowered in TICKS and not _SERIAL.match(value):
            ticks_found.add(value)
        elif _ISO.match(value):
            iso.append(value)
        elif match := _NUMERIC_DATE.match(value):
            first, second, third = (int(part) for part in match.groups())
            numeric.append((value, first, second, third))
        elif _SERIAL.match(value):
            serial = float(value)
            if SERIAL_MIN <= serial <= SERIAL_MAX:
                # The fraction is the time of day: 45383.75 is 1 April 2024 at 18:00, a day.
                parsed[value] = epoch + pd.to_timedelta(int(serial), unit="D")
        elif lowered in TICKS:
            ticks_found.add(value)
        else:
            loose.append(value)
    if numeric:
        parsed.update(_numeric_dates(numeric, notes))
    if loose:
        parsed.update(_loose_dates(loose, year_hint, notes))
    # A year like 0001 or 9999 is a typo, and beyond the days a date column can hold: not a date.
    parsed = {value: stamp for value, stamp in parsed.items()
              if pd.isna(stamp) or pd.Timestamp.min <= stamp <= pd.Timestamp.max}
    if iso:
        # Only the day is read, so a time zone never moves a date to the day before or after.
        days = [_ISO.match(value).group(1) for value in iso]
        stamps = pd.to_datetime(pd.Series(days), errors="coerce", format="ISO8601")
        # The same rule for the whole column at once (most of a tracker's dates are ISO).
        within = (stamps.isna() | stamps.between(pd.Timestamp.min, pd.Timestamp.max)).to_numpy()
        parsed.update(zip(compress(iso, within), stamps[within], strict=True))
    return parsed


def _numeric_dates(numeric: list[tuple[str, int, int, int]], notes: list[str]) -> dict[str, pd.Timestamp]:
    """Return dates written with numbers only, deciding the order from the column's evidence."""
    year_first = sum(1 for _, first, _, _ in numeric if first > 31)
    if year_first > len(numeric) / 2:
        order = "ymd"
    else:
        day_first_evidence = any(first > 12 for _, first, _, _ in numeric)
        month_first_evidence = any(second > 12 for _, _, second, _ in numeric)
        if month_first_evidence and not day_first_evidence:
            order = "mdy"
            notes.append("dates read as month/day/year (a second part above 12 settles it)")
        elif day_first_evidence:
            order = "dmy"
            if month_first_evidence:
                notes.append("dates mix day/month and month/day orders; read as day/month/year")
        else:
            order = "dmy"
            notes.append("day and month could be either way round in every date; read as "
                         "day/month/year (UK)")
    out: dict[str, pd.Timestamp] = {}
    for value, first, second, third in numeric:
        if order == "ymd":
            year, month, day = first, second, third
        elif order == "mdy":
            month, day, year = first, second, third
        else:
            day, month, year = first, second, third
        if year < 100:
            year += 2000 if year < 70 else 1900
        try:
            out[value] = pd.Timestamp(year=year, month=month, day=day)
        except ValueError:
            continue
    return out


def _loose_dates(values: list[str], year_hint: int | None, notes: list[str]) -> dict[str, pd.Timestamp]:
    """Return dates written in words ("3 March 2025", "Oct 27th"), flagging those with no year."""
    out: dict[str, pd.Timestamp] = {}
    yearless = 0
    for value in values:
        if not _MONTH.search(value):
            continue
        cleaned = _ORDINAL.sub(r"\1", value.replace(",", " "))
        has_year = bool(_HAS_YEAR.search(cleaned))
        if not has_year:
            cleaned = f"{cleaned} {year_hint or clock.today().year}"
        stamp = pd.to_datetime(cleaned, errors="coerce", dayfirst=True, format="mixed")
        if pd.notna(stamp):
            out[value] = stamp.normalize()
            yearless += not has_year
    if yearless:
        notes.append(f"{yearless} dates have no year; placed in {year_hint or clock.today().year}")
    return out


def parse_money(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return (numbers, failed) for amounts like "£12,500", "12.5k" or "(1,000)"."""
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    text = pd.Series(uniques, dtype="string")
    values = _money_values(text).astype("Float64")
    # A distinct text that holds something but no amount fails; an empty cell (code -1) does not.
    failed = ((text.str.strip() != "").fillna(False).to_numpy(bool)
              & values.isna().to_numpy(bool))
    numbers = pd.Series(take(values.array, codes, allow_fill=True), index=cells.index)
    return numbers.astype("Float64"), pd.Series(np.append(failed, False)[codes], index=cells.index)


def _money_values(text: pd.Series) -> pd.Series:
    """Return the number each distinct amount text means (NA when it is not one)."""
    cleaned = text.str.strip().str.replace(_MONEY, "", regex=True)
    negative = (cleaned.str.startswith("(") & cleaned.str.endswith(")")).fillna(False)
    cleaned = cleaned.str.strip("()")
    thousands = cleaned.str.lower().str.endswith("k").fillna(False)
    cleaned = cleaned.where(~thousands, cleaned.str[:-1])
    numbers = pd.to_numeric(cleaned, errors="coerce").astype("Float64")
    numbers = numbers.where(~thousands, numbers * 1000)
    return numbers.where(~negative, -numbers)


def parse_flags(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return (True/False/NA flags, failed) for Yes/No style cells."""
    def flag(values: pd.Series) -> pd.Series:
        return pd.Series([True if value in YES else False if value in NO else pd.NA
                          for value in values.str.strip().str.lower()], dtype="boolean")

    flags = per_unique(cells, flag).astype("boolean")
    return flags, (present(cells) & flags.isna()).astype(bool)


_SPACES = r"[\s\u00a0\u2000-\u200b\u202f\u3000]+"


def spaces_tidied(values: pd.Series) -> pd.Series:
    """Return text with every run of spaces of any kind (tabs, line breaks, no-break and
    zero-width spaces) one plain space, and none at either end."""
    # str.split() breaks on exactly the characters `\s` matches; the zero-width space is no
    # whitespace to Python, so it is made a space first. This is `_SPACES` without a regular
    # expression per value.
    text = values.astype("string")
    tidied = [" ".join(value.replace("\u200b", " ").split()) if isinstance(value, str) else None
              for value in text.tolist()]
    return pd.Series(pd.array(tidied, dtype="string"), index=text.index).str.strip()


def clean_text(cells: pd.Series) -> pd.Series:
    """Return text with spacing tidied; empty cells become NA."""
    def tidy(values: pd.Series) -> pd.Series:
        text = spaces_tidied(values)
        return text.mask(text == "")

    return per_unique(cells, tidy).astype("string")


def clean_names(cells: pd.Series) -> pd.Series:
    """Return person or company names tidied: spacing, and ALL CAPS or all lower in title case."""
    def tidy(values: pd.Series) -> pd.Series:
        text = spaces_tidied(values)
        text = text.mask(text == "")
        shouting = text.str.isupper().fillna(False) | text.str.islower().fillna(False)
        return text.where(~shouting, text.str.title())

    return per_unique(cells, tidy).astype("string")


def _sample(cells: pd.Series, size: int) -> pd.Series:
    """Return up to `size` non-empty cells from the top of a column."""
    return cells.head(size * 5).dropna().head(size)


def looks_like_dates(cells: pd.Series, sample: int = 200) -> float:
    """Return the share of a column's non-empty sample cells that read as dates or ticks."""
    values = [str(value).strip() for value in _sample(cells, sample).tolist()]
    # Relative text ("Immediately", "15 days") neither confirms nor refutes a date column.
    values = [value for value in values if value and not RELATIVE.match(value)]
    if not values:
        return 0.0
    ticks: set[str] = set()
    parsed = _parse_unique_dates(list(dict.fromkeys(values)), None, [], ticks)
    return sum(1 for value in values if value in parsed or value in ticks) / len(values)


_NUMBER = re.compile(r"^\(?[-+]?[£$€]?\s*[\d,]*\.?\d+\s*[kK]?\)?$")


def looks_like_numbers(cells: pd.Series, sample: int = 200) -> float:
    """Return the share of a column's non-empty sample cells that read as numbers."""
    values = [str(value).strip() for value in _sample(cells, sample).tolist()]
    values = [value for value in values if value]
    if not values:
        return 0.0
    return sum(1 for value in values if _NUMBER.match(value)) / len(values)
