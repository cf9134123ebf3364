"""Since last upload without a history (two files of one tracker) and from a history holding
other trackers: the same leads move as the history's own comparison says."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import SAMPLE, SAMPLE_PREV

from recruit_dash.history.since import MOVES, moved_between, moved_in_history
from recruit_dash.history.store import Store, open_store
from recruit_dash.ingest.pipeline import ingest_paths
from recruit_dash.model import Model

PREV_AS_OF, AS_OF = date(2026, 11, 13), date(2026, 11, 20)


@pytest.fixture(scope="module")
def weeks() -> tuple[Model, Model]:
    return ingest_paths([SAMPLE_PREV]).model, ingest_paths([SAMPLE]).model


@pytest.fixture
def store(tmp_path) -> Store:
    return open_store(tmp_path / "history.duckdb")


def import_weeks(store: Store) -> tuple[int, int]:
    first = store.import_file(SAMPLE_PREV.name, SAMPLE_PREV.read_bytes(), PREV_AS_OF)
    second = store.import_file(SAMPLE.name, SAMPLE.read_bytes(), AS_OF)
    return first.upload_id, second.upload_id


def test_two_files_of_the_sample_move_as_the_history_of_them_says(weeks, store):
    previous, current = weeks
    from_upload, to_upload = import_weeks(store)
    from_history = store.changes(from_upload, to_upload)
    from_files = moved_between(previous, current)
    assert (from_files["from_as_of"], from_files["to_as_of"]) == ("2026-11-13", "2026-11-20")
    assert {name: from_files[name] for name in MOVES} == {name: from_history[name] for name in MOVES}
    assert all(from_files[name] for name in ("new", "progressed", "next_action_slipped"))


def test_two_files_given_this_week_first_still_move_from_last_week(weeks):
    previous, current = weeks
    assert moved_between(current, previous) == moved_between(previous, current)


def test_the_history_compares_the_leads_tracker_even_when_a_kpi_sheet_came_last(
        store, fixture_files):
    _, to_upload = import_weeks(store)
    kpis = fixture_files["weekly_kpis.xlsx"]
    store.import_file(kpis.name, kpis.read_bytes(), date(2026, 11, 21))
    moved = moved_in_history(store)
    assert moved["compared"] == [{"from_upload": to_upload - 1, "to_upload": to_upload,
                                  "from_as_of": "2026-11-13", "to_as_of": "2026-11-20"}]
    whole = store.changes(to_upload - 1, to_upload)
    assert {name: moved[name] for name in MOVES} == {name: whole[name] for name in MOVES}


def test_the_history_has_nothing_to_compare_before_the_second_week(store):
    assert moved_in_history(store) is None
    import_weeks(store)
    assert moved_in_history(store, date(2026, 11, 19)) is None
    assert moved_in_history(store, AS_OF)["to_as_of"] == "2026-11-20"
