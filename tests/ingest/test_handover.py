"""What a parse child hands over comes back exactly: every table, its dtypes and missing values,
whether it travelled as Arrow or pickled."""

from __future__ import annotations

import os
import pickle
import tempfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recruit_dash.ingest import handover

TEXT = st.one_of(st.none(), st.text(max_size=12))
ROWS = st.integers(0, 2_500)


def _through(result: object) -> object:
    with tempfile.TemporaryFile() as file:
        handover.write(result, file)
        return handover.read(file)


@st.composite
def tables(draw) -> pd.DataFrame:
    """A table as the builders make them: text, dates, whole numbers, amounts and flags, with
    gaps, and often long enough to travel as Arrow."""
    rows, rng = draw(ROWS), np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    texts = draw(st.lists(TEXT, min_size=1, max_size=5))
    gaps = rng.random((4, rows)) < 0.1
    days = pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    return pd.DataFrame({
        "consultant": pd.array([texts[n] for n in rng.integers(0, len(texts), rows)],
                               dtype="string"),
        "on": pd.Series(days).mask(gaps[0]).astype("datetime64[ns]"),
        "count": pd.array(rng.random(rows) * 9, dtype="Float64").copy(),
        "source_row": pd.array(rng.integers(1, 10**6, rows), dtype="Int64"),
        "ticked": pd.array(rng.random(rows) < 0.5, dtype="boolean"),
    }).pipe(lambda frame: frame.assign(count=frame["count"].mask(gaps[1]),
                                       source_row=frame["source_row"].mask(gaps[2]),
                                       ticked=frame["ticked"].mask(gaps[3])))


@settings(max_examples=25, deadline=None)
@given(tables(), tables())
def test_tables_of_every_size_come_back_with_their_dtypes_and_gaps(first, second):
    result = [(0, ("report", {"activities": first})), (1, ("report", {"leads": second}))]
    back = _through(result)
    for (_, (_, sent)), (_, (_, got)) in zip(result, back, strict=True):
        for name, frame in sent.items():
            pd.testing.assert_frame_equal(got[name], frame, check_exact=True)


def test_a_large_table_travels_as_arrow_and_one_arrow_would_change_is_pickled():
    rows = handover.ARROW_ROWS
    text = pd.DataFrame({"lead_id": pd.array([f"L{n}" for n in range(rows)], dtype="string")})
    assert handover.as_arrow(text)
    # Python objects, a labelled index and numbered columns (a sheet's raw cells) stay pickled.
    assert not handover.as_arrow(pd.DataFrame({"notes": [object()] * rows}))
    assert not handover.as_arrow(text.set_index(pd.RangeIndex(1, rows + 1)))
    assert not handover.as_arrow(pd.DataFrame({0: pd.Categorical(["a"] * rows)}))
    assert not handover.as_arrow(text.head(rows - 1))
    odd = {"raw": pd.DataFrame({0: pd.Categorical(["x", None] * rows)}), "ids": text}
    back = _through(odd)
    pd.testing.assert_frame_equal(back["raw"], odd["raw"])
    pd.testing.assert_frame_equal(back["ids"], text)


def test_a_file_that_is_not_a_whole_hand_over_is_an_unpickling_error():
    with tempfile.TemporaryFile() as file:
        handover.write({"leads": pd.DataFrame({"lead_id": pd.array(["L1"] * 5000, dtype="string")})},
                       file)
        file.truncate(file.tell() // 2)
        with pytest.raises(pickle.UnpicklingError):
            handover.read(file)


def test_the_tables_outlive_the_file_they_were_mapped_from():
    fd = os.memfd_create("test-handover") if hasattr(os, "memfd_create") else None
    if fd is None:
        pytest.skip("needs Linux memfd")
    frame = pd.DataFrame({"client": pd.array([f"Client {n}" for n in range(5000)], dtype="string")})
    with os.fdopen(os.dup(fd), "wb") as file:
        handover.write({"t": frame}, file)
    with os.fdopen(fd, "rb") as file:
        back = handover.read(file)
    pd.testing.assert_frame_equal(back["t"], frame)
    assert back["t"]["client"].iloc[-1] == "Client 4999"
