"""The model's declarations: the ladder, the tables and the vocabulary agree with each other."""

from __future__ import annotations

from recruit_dash.ingest.vocabulary import FIELD_SYNONYMS, STATUS_VOCABULARY, normalise_header
from recruit_dash.model import LADDER, STAGE_IDS, TABLES


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
