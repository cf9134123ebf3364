"""Cells as read: each column's distinct texts once with a code per cell, shown as plain text."""

from __future__ import annotations

import pandas as pd

from recruit_dash.ingest.locate import prepared
from recruit_dash.ingest.reading import RawSheet, _text_cells, text_frame
from recruit_dash.ingest.safety import SheetTraps


def _cells(rows: list[list[object]]) -> pd.DataFrame:
    return _text_cells(pd.DataFrame(rows, dtype="str"))


def test_each_column_holds_its_distinct_texts_in_order_of_appearance():
    cells = _cells([["Lead ID", "Status"], ["L1", "Open"], ["L2", None], ["L3", "Open"]])
    assert all(isinstance(dtype, pd.CategoricalDtype) for dtype in cells.dtypes)
    assert list(cells[1].cat.categories) == ["Status", "Open"]
    assert cells[1].isna().tolist() == [False, False, True, False]
    assert list(cells.columns) == [0, 1] and list(cells.index) == [0, 1, 2, 3]


def test_cells_shown_or_kept_as_read_are_plain_text():
    cells = _cells([["a", None], ["b", "c"]])
    shown = text_frame(cells)
    assert all(dtype == "str" for dtype in shown.dtypes)
    assert shown.iloc[0].tolist()[0] == "a" and pd.isna(shown.iat[0, 1])


def test_a_merged_block_fills_columns_that_never_held_its_value():
    cells = _cells([["Consultant", "Client"], ["Ann Lee", "Acme"], [None, None]])
    traps = SheetTraps(merged=[(1, 0, 2, 1)])  # A2:B3 shows "Ann Lee"
    filled, _, notes = prepared(RawSheet("Leads", cells), traps)
    assert text_frame(filled.cells).values.tolist() == [["Consultant", "Client"],
                                                        ["Ann Lee", "Ann Lee"],
                                                        ["Ann Lee", "Ann Lee"]]
    assert any("merged" in note for note in notes.notes)
