"""The model's declarations: the ladder, the tables and the vocabulary agree with each other."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from recruit_dash.ingest.vocabulary import FIELD_SYNONYMS, STATUS_VOCABULARY, normalise_header
from recruit_dash.model import LADDER, STAGE_IDS, TABLES, lookup


def test_the_ladder_is_in_design_order():
    assert STAGE_IDS == ("lead", "meeting", "job", "shortlist", "interview", "interview_done",
                         "second_interview", "second_interview_done", "offer", "accepted",
                         "resigned", "started", "probation")
    assert all(stage.label for stage in LADDER)


def test_every_table_is_documented_and_every_field_synonym_names_a_table_column():
    assert all(table.help for table in TABLES.values())
    columns = {column for table in TABLES.values() for column in table.columns}
    extra = {"stage", "stage_on", "checkin_on", "decision"}  # shapes, not stored columns
    for fields in FIELD_SYNONYMS.values():
        assert set(fields) <= columns | extra


def test_status_vocabulary_points_at_real_stages():
    assert {stage for stage, _ in STATUS_VOCABULARY.values() if stage} <= set(STAGE_IDS)


def test_headers_are_cleaned_before_matching():
    assert normalise_header("  Fee\u00a0(£)\n") == "fee gbp"
    assert normalise_header("CandidateID") == "candidate id"


# A lead's consultant, date or fee is looked up by lead id everywhere: a key that is blank or
# unknown finds nothing, every other key finds its own value, whatever the column types.
_KEYS = st.one_of(st.none(), st.sampled_from(["L1", "L2", "L3", "l1", " L1", "L10", ""]))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(index=st.lists(st.sampled_from(["L1", "L2", "L3", "l1", "", "L10"]), unique=True),
       keys=st.lists(_KEYS, max_size=30), kind=st.sampled_from(["text", "date", "money"]),
       typed=st.booleans())
def test_a_lookup_finds_each_keys_own_value_and_nothing_for_blank_or_unknown_keys(
        index, keys, kind, typed):
    values = {"text": pd.Series([f"C{i}" for i in range(len(index))], dtype="string"),
              "date": pd.Series(pd.date_range("2026-01-05", periods=len(index)),
                                dtype="datetime64[ns]"),
              "money": pd.Series([1000.0 * i for i in range(len(index))], dtype="Float64")}[kind]
    values.index = pd.Index(index, dtype="string" if typed else object)
    column = pd.Series(keys, dtype="string" if typed else object, index=range(5, 5 + len(keys)))
    found = lookup(column, values)
    assert found.dtype == values.dtype
    assert list(found.index) == list(column.index)
    expected = dict(zip(index, values, strict=True))
    for key, value in zip(keys, found, strict=True):
        if key in expected:
            assert value == expected[key]
        else:
            assert pd.isna(value)
