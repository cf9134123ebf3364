"""Reading a sheet again after a mapping change: what the cells read as is kept between readings
(ingest/memo.py), and a re-read with that memo gives exactly what a first reading gives."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from recruit_dash.ingest.memo import CellMemo, rows_key
from recruit_dash.ingest.pipeline import ingest_ready, read_sheets, ready_sheet
from recruit_dash.ingest.profiles import Profile, SheetProfile

SAMPLE = ROOT / "sample_data" / "lead_tracker.xlsx"
LEAD_HEADERS = ("Lead ID", "Date Generated", "Consultant", "Client", "Contact", "Job Title", "Source",
                "Status", "Next Action", "Fee (£)", "Client Meeting", "Job Registered", "CVs Sent",
                "1st Interview", "1st Int Done", "2nd Interview", "2nd Int Done", "Offer Made",
                "Offer Accepted", "Resigned", "Start Date", "Probation Passed", "Notes")


def _edits(**columns: str | None) -> Profile:
    return Profile("edits", (SheetProfile("Lead Tracker", LEAD_HEADERS, columns=columns),))


# Each is a change a user makes in the mapping editor, one after another in one session.
EDITS = [
    ("nothing changed", None),
    ("a column no longer used", _edits(**{"Notes": None})),
    ("a date column moved to another stage", _edits(**{"Client Meeting": "stage:job"})),
    ("the consultant column swapped for the contact", _edits(Consultant=None, Contact="consultant")),
    ("the status column dropped", _edits(Status=None)),
    ("the header row set to the title row",
     Profile("edits", (SheetProfile("Lead Tracker", LEAD_HEADERS, header_row=2),))),
    ("back to nothing changed", None),
]


@pytest.fixture(scope="module")
def sample_sheets():
    raws, traps = read_sheets(SAMPLE.name, SAMPLE.read_bytes())
    return raws, traps


def _same(first: tuple, second: tuple) -> None:
    (report_a, tables_a), (report_b, tables_b) = first, second
    assert report_a.notes == report_b.notes
    assert (report_a.role, report_a.rows_accepted, report_a.rows_quarantined) == \
        (report_b.role, report_b.rows_accepted, report_b.rows_quarantined)
    assert report_a.columns == report_b.columns
    assert sorted(tables_a) == sorted(tables_b)
    for name in tables_a:
        pd.testing.assert_frame_equal(tables_a[name], tables_b[name])


def test_every_re_read_in_a_session_equals_a_first_reading(sample_sheets):
    raws, traps = sample_sheets
    kept = {raw.name: ready_sheet(raw, traps.get(raw.name)) for raw in raws}
    for label, profile in EDITS:
        for raw in raws:
            again = ingest_ready(kept[raw.name], SAMPLE.name, profile)
            fresh = ingest_ready(ready_sheet(raw, traps.get(raw.name)), SAMPLE.name, profile)
            try:
                _same(again, fresh)
            except AssertionError as error:
                raise AssertionError(f"{label}, sheet {raw.name!r}: {error}") from error
    assert len(kept["Lead Tracker"].memo) > 0, "the lead sheet's columns were never kept"


def test_a_remapped_column_is_read_as_its_new_field(sample_sheets):
    raws, traps = sample_sheets
    lead_sheet = ready_sheet(next(raw for raw in raws if raw.name == "Lead Tracker"),
                             traps.get("Lead Tracker"))
    _, before = ingest_ready(lead_sheet, SAMPLE.name)
    _, after = ingest_ready(lead_sheet, SAMPLE.name, _edits(Consultant=None, Contact="consultant"))
    assert before["leads"]["consultant"].tolist() != after["leads"]["consultant"].tolist()
    assert after["leads"]["consultant"].tolist() == before["leads"]["contact"].tolist()


def test_the_memo_keeps_one_result_per_key_and_tells_rows_apart():
    memo, calls = CellMemo(), []

    def work() -> int:
        calls.append(1)
        return len(calls)

    assert memo.get(("dates", 3), work) == 1
    assert memo.get(("dates", 3), work) == 1
    assert memo.get(("dates", 4), work) == 2
    frame = pd.DataFrame({"a": range(6)})
    assert rows_key(frame) == rows_key(frame.copy())
    assert rows_key(frame.iloc[1:]) != rows_key(frame.iloc[:-1])
    assert rows_key(frame.iloc[:0]) == (0, 0)
