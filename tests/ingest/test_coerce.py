"""Reading cell text as dates, money and flags: the cases users' trackers hold."""

from __future__ import annotations

import pandas as pd
import pytest

from recruit_dash.ingest.coerce import clean_names, parse_dates, parse_flags, parse_money


def _dates(values, **options):
    parsed = parse_dates(pd.Series(values, dtype=object), **options)
    return [None if pd.isna(value) else value.strftime("%Y-%m-%d") for value in parsed.values], parsed


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["2025-03-04 00:00:00"], ["2025-03-04"]),  # a real Excel date, as the reader gives it
        (["04/03/2025", "13/03/2025"], ["2025-03-04", "2025-03-13"]),  # UK: day above 12 settles it
        (["3/4/2025", "3/13/2025"], ["2025-03-04", "2025-03-13"]),  # US: second part above 12
        (["20-10-16", "27-12-17"], ["2016-10-20", "2017-12-27"]),  # DD-MM-YY, not 2020-10-16
        (["45678"], ["2025-01-21"]),  # an Excel serial in a CSV
        (["3 March 2025"], ["2025-03-03"]),
        ([None, ""], [None, None]),
    ],
)
def test_dates_are_read_in_the_order_the_column_proves(cells, expected):
    got, parsed = _dates(cells)
    assert got == expected
    assert not parsed.failed.any()


def test_an_ambiguous_column_is_read_day_first_and_says_so():
    got, parsed = _dates(["04/03/2025", "05/06/2025"])
    assert got == ["2025-03-04", "2025-06-05"]
    assert any("either way round" in note for note in parsed.notes)


@pytest.mark.parametrize("tick", ["✓", "Y", "yes", "x", "1", "TRUE"])
def test_ticks_mark_a_milestone_reached_without_a_date(tick):
    got, parsed = _dates([tick])
    assert got == [None]
    assert parsed.ticks.tolist() == [True]
    assert parsed.failed.tolist() == [False]


def test_year_less_ordinals_take_the_hinted_year_and_are_flagged():
    got, parsed = _dates(["Oct 27th", "23rd September"], year_hint=2024)
    assert got == ["2024-10-27", "2024-09-23"]
    assert any("no year" in note for note in parsed.notes)


def test_text_that_is_no_date_fails_visibly_and_relative_text_is_set_apart():
    got, parsed = _dates(["TBC", "Immediately", "2025-01-02"])
    assert got == [None, None, "2025-01-02"]
    assert parsed.failed.tolist() == [True, False, False]
    assert parsed.relative.tolist() == [False, True, False]


@pytest.mark.parametrize(("cell", "relative"), [
    ("Immediately", True), ("immediate", True), ("ASAP", True), ("15 Days", True),
    ("30 days", True), ("2 weeks notice", True), ("1 month", True), ("3+ months", True),
    ("Oct 27th", False), ("TBC", False), ("15/03/2025", False),
])
def test_relative_text_in_a_date_column_is_recognised(cell, relative):
    _, parsed = _dates([cell])
    assert bool(parsed.relative.iloc[0]) is relative


@pytest.mark.parametrize(
    ("cell", "number"),
    [("£12,500", 12500.0), ("7.5k", 7500.0), ("(1,000)", -1000.0), ("4000", 4000.0), (None, None)],
)
def test_money_reads_the_ways_fees_are_typed(cell, number):
    numbers, failed = parse_money(pd.Series([cell], dtype=object))
    value = numbers.iloc[0]
    assert (None if pd.isna(value) else float(value)) == number
    assert not failed.iloc[0]


def test_money_that_is_not_a_number_fails_visibly():
    _, failed = parse_money(pd.Series(["about 5 grand"], dtype=object))
    assert failed.tolist() == [True]


def test_flags_read_yes_and_no_and_flag_anything_else():
    flags, failed = parse_flags(pd.Series(["Yes", "no", "Y", "maybe", None], dtype=object))
    assert flags.tolist()[:3] == [True, False, True]
    assert failed.tolist() == [False, False, False, True, False]


def test_names_are_tidied_for_case_and_spacing():
    names = clean_names(pd.Series(["  priya   SHAH", "JAMES OKAFOR", "Tom\u00a0Brennan ", "McDonald"]))
    assert names.tolist() == ["priya SHAH", "James Okafor", "Tom Brennan", "McDonald"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("  Jane   Doe ", "Jane Doe"),
        ("Jane\u00a0Doe", "Jane Doe"),  # a no-break space pasted from a web page
        ("Jane\u200bDoe", "Jane Doe"),  # a zero-width space: no whitespace to Python, still one
        ("Jane\t\n Doe\u3000", "Jane Doe"),
        ("\u2003", ""),
        (None, None),
    ],
)
def test_text_is_tidied_to_single_spaces_as_the_spacing_rule_says(cell, expected):
    import re

    from recruit_dash.ingest.coerce import _SPACES, spaces_tidied

    tidied = spaces_tidied(pd.Series([cell], dtype="string"))[0]
    assert (None if pd.isna(tidied) else tidied) == expected
    if cell is not None:
        assert tidied == re.sub(_SPACES, " ", cell).strip()
