"""Which event rows a tracker's uploads keep: the spans newer uploads cover, and each backend's
query against the rule written out row by row (newest upload first)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from backends import BACKENDS, new_history, sql
from hypothesis import given, settings
from hypothesis import strategies as st

from recruit_dash.history import schema, snapshots
from recruit_dash.history.snapshots import newer_spans
from recruit_dash.history.store import NewUpload, open_store
from recruit_dash.ingest.results import FileReport
from recruit_dash.model import ACTIVITIES, FEEDBACK

D = [date(2026, 11, 2) + timedelta(days=day) for day in range(12)]


@pytest.mark.parametrize(("upload_ids", "spans", "keeping", "covered"), [
    ([1], {1: (D[0], D[6])}, [1], []),
    ([1, 2], {1: (D[0], D[6]), 2: (D[7], D[9])}, [1, 2], [(1, D[7], D[9])]),
    # A cumulative sheet: each newer upload has all the older ones had, so only the last counts.
    ([1, 2, 3], {1: (D[0], D[0]), 2: (D[0], D[1]), 3: (D[0], D[2])}, [3], []),
    # Weekly exports: each newer week is its own interval; those that overlap or meet are one.
    ([1, 2, 3, 4], {1: (D[0], D[1]), 2: (D[2], D[3]), 3: (D[3], D[5]), 4: (D[9], D[9])},
     [1, 2, 3, 4], [(3, D[9], D[9]), (2, D[3], D[5]), (2, D[9], D[9]), (1, D[2], D[5]),
                    (1, D[9], D[9])]),
    # Partly replaced: the older upload keeps the days the newer one does not have.
    ([1, 2], {1: (D[0], D[8]), 2: (D[3], D[5])}, [1, 2], [(1, D[3], D[5])]),
    # An upload with no dated rows covers nothing, and keeps nothing once a newer one has dates;
    # the order is the family's, not the ids'.
    ([7, 3, 5], {3: (D[4], D[8]), 7: (D[0], D[9])}, [7, 3, 5], [(7, D[4], D[8])]),
    ([3, 5], {3: (D[4], D[8])}, [3, 5], []),
    ([5, 3], {3: (D[4], D[8])}, [3], []),
])
def test_newer_spans(upload_ids, spans, keeping, covered):
    assert newer_spans(upload_ids, spans) == (keeping, covered)


def covered_by_rule(frame: pd.DataFrame, ids: list[int]) -> pd.DataFrame:
    """Return the event rows kept, by the rule as the history first wrote it: newest upload
    first, a row is replaced when a newer upload's span covers its date, or, undated, once any
    newer upload has a span."""
    keep = np.zeros(len(frame), dtype=bool)
    spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for upload_id in reversed(ids):
        mine = (frame["upload_id"] == upload_id).to_numpy()
        if not mine.any():
            continue
        dates = frame.loc[mine, "on"]
        covered = np.zeros(mine.sum(), dtype=bool)
        for start, end in spans:
            covered |= ((dates >= start) & (dates <= end)).to_numpy()
        if spans:
            covered |= dates.isna().to_numpy()
        keep[np.flatnonzero(mine)[~covered]] = True
        if dates.notna().any():
            spans.append((dates.min(), dates.max()))
    return frame[keep].drop(columns="upload_id").reset_index(drop=True)


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    with new_history(request.param, tmp_path_factory.mktemp("kept"), request) as where:
        yield open_store(where)


def saved(store, rows: list[tuple[str, datetime | None]], as_of: date, tracker: str) -> int:
    """Save one upload of activity rows (consultant, on) straight through the backend."""
    frame = pd.DataFrame({"consultant": [name for name, _ in rows],
                          "on": pd.to_datetime(pd.Series([on for _, on in rows], dtype=object)),
                          "kind": "call", "count": 1.0, "source_file": "kpi.csv",
                          "source_sheet": "kpi", "source_row": range(2, len(rows) + 2)})
    digest = hashlib.sha256(f"{tracker} {as_of} {rows}".encode()).hexdigest()
    upload = NewUpload("kpi.csv", digest, as_of, tracker, None, "[]", len(rows), 0, 0)
    return store._save(upload, FileReport("kpi.csv", True, None, []), {"activities": frame}).upload_id


days = st.one_of(st.none(), st.builds(lambda day, hour: datetime(2026, 11, 2, hour) + timedelta(days=day),
                                      st.integers(0, 20), st.sampled_from([0, 0, 0, 17])))
# Each upload: the week it is dated in (so the family's order is not the order of saving) and
# its rows, some undated, some at a time of day as an older version kept them.
uploads = st.lists(st.tuples(st.integers(0, 9),
                             st.lists(st.tuples(st.sampled_from(["Ann", "Bob"]), days), max_size=6)),
                   min_size=1, max_size=6)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(uploads=uploads)
def test_the_backend_keeps_the_rows_the_rule_keeps_in_stored_order(store, uploads):
    tracker = f"tracker {len(store.uploads())}"
    made = [saved(store, rows, date(2026, 1, 5) + timedelta(weeks=week, days=index), tracker)
            for index, (week, rows) in enumerate(uploads)]
    family = store.uploads().query("tracker == @tracker").sort_values(["as_of", "upload_id"])
    ids = [int(value) for value in family["upload_id"]]
    assert sorted(ids) == sorted(made)
    expected = covered_by_rule(store._rows(ACTIVITIES, ids), ids)
    kept = schema.read_rows(store._kept_events(ACTIVITIES, ids), ACTIVITIES).drop(columns="upload_id")
    pd.testing.assert_frame_equal(kept, expected, check_exact=True)


def test_an_upload_without_rows_of_a_table_keeps_nothing_and_replaces_nothing(store):
    first = saved(store, [("Ann", datetime(2026, 3, 2))], date(2026, 3, 2), "lonely")
    assert store._kept_events(FEEDBACK, [first]).empty
    assert len(store._kept_events(ACTIVITIES, [first])) == 1


@pytest.mark.parametrize("header, weeks", [
    ("Lead ID,Consultant,Client,Status", [
        ["L1,Ann,Acme,New lead", "L2,Ann,Acme,CVs sent", "L3,Bob,Zeta,Interviewing"],
        ["L1,Ann,Acme,CVs sent", "L2,Ann,Acme,Offer made", "L4,Bob,Zeta,New lead"],
        ["L1,Ann,Acme,Interviewing", "L2,Ann,Acme,CVs sent", "L3,Bob,Zeta,Offer made",
         "L4,Bob,Zeta,Job on"]]),
    ("Lead ID,Consultant,Client,Status,Lead Date,Job Registered,CVs Sent", [
        ["L1,Ann,Acme,Job on,01/10/2026,✓,", "L2,Ann,Acme,CVs sent,02/10/2026,✓,✓"],
        ["L1,Ann,Acme,CVs sent,01/10/2026,✓,✓", "L2,Ann,Acme,CVs sent,02/10/2026,✓,09/11/2026",
         "L3,Bob,Zeta,Job on,,✓,"],
        ["L1,Ann,Acme,CVs sent,01/10/2026,06/10/2026,✓", "L3,Bob,Zeta,CVs sent,,✓,✓"]]),
])
@pytest.mark.parametrize("backend", BACKENDS)
def test_milestones_dated_from_the_leads_that_need_it_as_from_every_lead(request, tmp_path, backend,
                                                                         header, weeks):
    with new_history(backend, tmp_path, request) as where:
        dated_as_from_every_lead(open_store(where), header, weeks)


def dated_as_from_every_lead(store, header: str, weeks: list[list[str]]) -> None:
    """Import a tracker's weeks; check the history dates its milestones from the leads that
    need it as it would from every lead's sightings."""
    for week, rows in enumerate(weeks):
        data = "\n".join([header, *rows]).encode() + b"\n"
        assert store.import_file("t.csv", data, D[0] + timedelta(weeks=week)).status == "imported"
    family = store._family(int(store.uploads()["upload_id"].iloc[-1]))
    ids, latest = [int(value) for value in family["upload_id"]], int(family["upload_id"].iloc[-1])
    marks = ", ".join("?" * len(ids))
    every_seen = pd.DataFrame(sql(
        store, f"SELECT lead_id, stage, min(u.as_of) AS first_seen FROM milestones JOIN uploads u "
        f"USING (upload_id) WHERE upload_id IN ({marks}) GROUP BY 1, 2", ids),
        columns=["lead_id", "stage", "first_seen"])
    every_lead = pd.DataFrame(sql(
        store, f"SELECT lead_id, min(u.as_of) AS lead_seen FROM leads JOIN uploads u "
        f"USING (upload_id) WHERE upload_id IN ({marks}) GROUP BY 1", ids),
        columns=["lead_id", "lead_seen"])
    status_only = snapshots.status_only_sheets(family["sheets"].iloc[-1])
    snapshot = {table.name: store._rows(table, [latest]) for table in schema.STANDING_TABLES}
    expected = snapshots.tracker_tables(snapshot, {}, status_only, every_seen, every_lead)
    tables = store._tracker_tables(family, latest, schema.STANDING_TABLES, ())

    def in_order(milestones: pd.DataFrame) -> pd.DataFrame:  # the order of sightings aside
        return milestones.sort_values(["lead_id", "stage"]).reset_index(drop=True)

    assert tables["milestones"]["inferred"].any()
    pd.testing.assert_frame_equal(in_order(tables["milestones"]), in_order(expected["milestones"]))
