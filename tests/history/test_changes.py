"""What moved between two uploads, read from their leads and milestones only, is what their
whole models say moved: new, progressed, outcome changed, disappeared, next actions slipped (on
each backend)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from backends import BACKENDS, new_history
from conftest import SAMPLE, SAMPLE_PREV

from recruit_dash.history import changes
from recruit_dash.history.store import Store, open_store
from recruit_dash.model import json_value

WEEK1 = date(2026, 11, 2)  # a Monday
LISTS = ("new", "progressed", "outcome_changed", "disappeared", "next_action_slipped")


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path) -> Store:
    with new_history(request.param, tmp_path, request) as where:
        yield open_store(where)


def from_whole_models(store: Store, from_upload: int, to_upload: int) -> dict:
    """Return what moved as the history first worked it out: each upload's whole model."""
    as_of = store.uploads().set_index("upload_id")["as_of"]
    old = changes.standing(store.upload_model(from_upload), as_of[from_upload])
    new = changes.standing(store.upload_model(to_upload), as_of[to_upload])
    return {"from_upload": from_upload, "to_upload": to_upload,
            "from_as_of": json_value(as_of[from_upload]), "to_as_of": json_value(as_of[to_upload]),
            **changes.moved(old, new)}


def csv(rows: list[str]) -> bytes:
    header = "Lead ID,Consultant,Client,Status,Next Action,Lead Date,Offer Made"
    return ("\n".join([header, *rows]) + "\n").encode()


def test_the_sample_weeks_move_as_their_whole_models_say(store):
    first = store.import_file(SAMPLE_PREV.name, SAMPLE_PREV.read_bytes(), date(2026, 11, 13))
    second = store.import_file(SAMPLE.name, SAMPLE.read_bytes(), date(2026, 11, 20))
    moved = store.changes()
    assert moved == from_whole_models(store, first.upload_id, second.upload_id)
    assert all(moved[name] for name in ("new", "progressed", "outcome_changed",
                                        "next_action_slipped"))


def test_a_status_only_history_with_a_correction_moves_as_its_whole_models_say(store):
    def tracker(statuses: dict[str, str]) -> bytes:
        return ("Lead ID,Consultant,Client,Status\n" + "".join(
            f"{lead},Ann Lee,Acme Ltd,{status}\n" for lead, status in statuses.items())).encode()

    weeks = [{"L1": "New lead", "L2": "CVs sent", "L3": "Interviewing"},
             {"L1": "CVs sent", "L2": "Offer made", "L4": "New lead"},
             {"L1": "Placed", "L2": "Lost - client withdrew", "L3": "Interviewing", "L4": "Job on"}]
    ids = [store.import_file(f"t{week}.csv", tracker(statuses), WEEK1 + timedelta(weeks=week)).upload_id
           for week, statuses in enumerate(weeks)]
    fixed = store.import_file("t2b.csv", tracker({**weeks[2], "L4": "CVs sent"}),
                              WEEK1 + timedelta(weeks=2, days=2))
    assert fixed.superseded == (ids[2],)
    for pair in [(ids[1], fixed.upload_id), (ids[0], ids[1]), (ids[0], fixed.upload_id),
                 (ids[1], ids[2])]:  # a superseded upload compared on request, too
        assert store.changes(*pair) == from_whole_models(store, *pair)
    moved = store.changes()
    assert (moved["from_upload"], moved["to_upload"]) == (ids[1], fixed.upload_id)
    assert [row["lead_id"] for row in moved["new"]] == ["L3"]
    assert [(row["lead_id"], row["from_stage"], row["to_stage"]) for row in moved["progressed"]] \
        == [("L1", "shortlist", "started"), ("L4", "lead", "shortlist")]


def test_dated_leads_with_slipped_actions_and_a_lead_gone_move_as_their_whole_models_say(store):
    first = store.import_file("t.csv", csv([
        "L1,Ann,Acme,CVs sent,05/11/2026,01/10/2026,", "L2,Ann,Acme,Offer made,,02/10/2026,20/10/2026",
        "L3,Bob,Zeta,New lead,,03/10/2026,", "L5,Bob,Zeta,New lead,10/11/2026,,"]), WEEK1)
    second = store.import_file("t.csv", csv([
        "L1,Ann,Acme,CVs sent,12/11/2026,01/10/2026,", "L2,Ann,Acme,Placed,,02/10/2026,20/10/2026",
        "L4,Bob,Zeta,New lead,,04/11/2026,", "L5,Bob,Zeta,Job on,09/11/2026,,"]),
        WEEK1 + timedelta(weeks=1))
    moved = store.changes()
    assert moved == from_whole_models(store, first.upload_id, second.upload_id)
    assert {name: [row["lead_id"] for row in moved[name]] for name in LISTS} == {
        "new": ["L4"], "progressed": ["L2", "L5"], "outcome_changed": ["L2"],
        "disappeared": ["L3"], "next_action_slipped": ["L1"]}
    assert moved["next_action_slipped"][0] == {
        "lead_id": "L1", "consultant": "Ann", "client": "Acme", "from_next_action": "2026-11-05",
        "to_next_action": "2026-11-12"}
    assert (moved["from_as_of"], moved["to_as_of"]) == ("2026-11-02", "2026-11-09")
