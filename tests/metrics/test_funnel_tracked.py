"""Stages the data does not track are listed as not tracked, never filled in by reach-or-later
(DESIGN.md, "Stages the data does not track"; issue 15)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE
from streamlit.testing.v1 import AppTest

from recruit_dash.ingest.pipeline import ingest_files, ingest_paths
from recruit_dash.metrics.client_book import client_book
from recruit_dash.metrics.client_tables import client_table, consultant_table
from recruit_dash.metrics.funnel import LENSES, funnel, quarter_on_quarter, split_funnels
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.model import MILESTONES, STAGE_IDS, STAGE_LABELS, conform, tracked_stages
from recruit_dash.outputs.reports import report
from recruit_dash.periods import Period, period_holding
from recruit_dash.ui.state import UPLOADS_KEY

AS_OF = date(2025, 6, 30)
Q2 = Period(date(2025, 4, 1), date(2025, 6, 30), "Q2 2025")

# An in-house candidate tracker: one row a candidate on a job, with lead, interview, offer and
# start dates only. Di has an offer with no interview date (a skip of a tracked stage).
CANDIDATES = "\n".join([
    "Candidate,Client,Consultant,Applied on,Interview date,Offer date,Start date,Status",
    "Ann Lee,Acme,Sam,2025-04-01,2025-04-08,2025-04-15,2025-05-01,Placed",
    "Bo Chan,Acme,Sam,2025-04-02,2025-04-09,2025-04-16,,Offer made",
    "Cy Dee,Bolt,Sam,2025-04-03,2025-04-10,,,Interviewing",
    "Di Eve,Bolt,Raj,2025-04-04,,2025-04-20,,Offer made",
    "Ed Fox,Cole,Raj,2025-04-05,,,,New",
    "Fi Gee,Cole,Raj,2025-04-06,,,,Rejected",
]).encode()
CANDIDATE_STAGES = ("lead", "interview", "offer", "started")

# A status-only tracker: each lead's furthest stage named in one Status column.
STATUSES = "\n".join([
    "Lead ID,Date added,Consultant,Client,Status",
    "L1,2025-04-01,Sam,Acme,CV sent",
    "L2,2025-04-02,Sam,Acme,1st interview",
    "L3,2025-04-03,Sam,Bolt,Placed",
    "L4,2025-04-04,Raj,Bolt,Lost",
    "L5,2025-04-05,Raj,Cole,Offer accepted",
]).encode()
STATUS_STAGES = ("lead", "shortlist", "interview", "accepted", "started")


@pytest.fixture(scope="module")
def candidates():
    return ingest_files([("candidates.csv", CANDIDATES)]).model


@pytest.fixture(scope="module")
def statuses():
    return ingest_files([("statuses.csv", STATUSES)]).model


@pytest.fixture(scope="module")
def sample():
    model = ingest_paths([SAMPLE]).model
    return model, data_as_of(model)


def counts(result) -> dict[str, int]:
    return {row.stage: row.count for row in result.stages}


def untracked(tracked: tuple[str, ...]) -> list[str]:
    return [stage for stage in STAGE_IDS if stage not in tracked]


@pytest.mark.parametrize(("rows", "expected"), [
    pytest.param([], ("lead",), id="nothing recorded: the lead stage only"),
    pytest.param([("A", "started", "2025-05-01"), ("A", "interview", "2025-04-01"),
                  ("B", "offer", "2025-04-20")], ("lead", "interview", "offer", "started"),
                 id="ladder order, whatever the row order"),
    pytest.param([("A", "lead", "2025-04-01"), ("A", "job", None)], ("lead", "job"),
                 id="a tick without a date tracks its stage"),
    pytest.param([("A", "probation", "2025-09-01")], ("lead", "probation"),
                 id="a planned date tracks its stage"),
])
def test_a_stage_is_tracked_when_some_lead_records_it(rows, expected):
    milestones = conform(pd.DataFrame(rows, columns=["lead_id", "stage", "reached_on"]),
                         MILESTONES)
    assert tracked_stages(milestones) == expected


@pytest.mark.parametrize(("lens", "expected"), [
    # Interview: Ann, Bo, Cy, and Di, whose offer is a later tracked stage.
    ("cohort", {"lead": 6, "interview": 4, "offer": 3, "started": 1}),
    ("activity", {"lead": 6, "interview": 3, "offer": 3, "started": 1}),
    # Open on the day: Bo, Cy, Di and Ed (Ann started, Fi was rejected).
    ("snapshot", {"lead": 4, "interview": 3, "offer": 2, "started": 0}),
])
def test_a_candidate_tracker_funnels_its_own_stages_and_lists_the_rest(candidates, lens, expected):
    result = funnel(candidates, lens, Q2, AS_OF)
    assert counts(result) == expected and tuple(counts(result)) == CANDIDATE_STAGES
    assert result.not_tracked == untracked(CANDIDATE_STAGES)
    assert {"meeting", "job", "shortlist"} <= set(result.not_tracked)
    assert not any("Client meeting" in note or "Job registered" in note for note in result.notes)


def test_steps_run_from_the_tracked_stage_above(candidates):
    stages = {row.stage: row for row in funnel(candidates, "cohort", Q2, AS_OF).stages}
    assert (stages["interview"].step, stages["offer"].step, stages["started"].step) == (
        0.6667, 0.75, 0.3333)
    assert stages["offer"].cumulative == 0.5 and stages["interview"].skipped == 1  # Di


def test_hiding_stages_lists_only_the_chosen_stages_not_tracked(candidates):
    result = funnel(candidates, "cohort", Q2, AS_OF, ["offer", "meeting", "lead"])
    assert [row.stage for row in result.stages] == ["lead", "offer"]
    assert result.not_tracked == ["meeting"] and result.stages[1].step == 0.5


def test_a_status_only_tracker_tracks_the_stages_its_statuses_name(statuses):
    result = funnel(statuses, "cohort", Q2, AS_OF)
    # L3 placed and L5 accepted count at every tracked stage before theirs; L4 lost at the lead.
    assert counts(result) == {"lead": 5, "shortlist": 4, "interview": 3, "accepted": 2,
                              "started": 1}
    assert result.not_tracked == untracked(STATUS_STAGES)
    assert "offer" in result.not_tracked and "job" in result.not_tracked


def test_splits_and_the_quarter_on_quarter_agree_with_the_funnel(candidates):
    groups = split_funnels(candidates, "cohort", Q2, AS_OF, "consultant")
    assert set(groups["stage"]) == set(CANDIDATE_STAGES)
    table = quarter_on_quarter(candidates, AS_OF)
    labels = [STAGE_LABELS[stage] for stage in CANDIDATE_STAGES]
    assert table.loc[table["lens"] == "cohort", "stage"].tolist() == labels


def test_the_funnel_report_lists_the_stages_not_tracked(candidates):
    document = report("funnel", candidates, as_of=AS_OF, start=Q2.start, end=Q2.end)
    assert [row["stage"] for row in document["stages"]] == list(CANDIDATE_STAGES)
    assert document["stages"][1]["count"] == 4
    assert document["not_tracked"][:2] == [{"stage": "meeting", "label": "Client meeting agreed"},
                                           {"stage": "job", "label": "Job registered"}]
    assert len(document["not_tracked"]) == len(STAGE_IDS) - len(CANDIDATE_STAGES)


def test_a_tracker_with_no_job_stage_counts_no_jobs_for_its_clients(candidates):
    book = client_book(candidates, AS_OF)
    assert client_table(book, Q2, Q2)["jobs"].isna().all()  # not 4 jobs made up from interviews
    assert consultant_table(book, Q2, Q2)["jobs"].isna().all()
    assert client_table(book, Q2, Q2)["leads"].sum() == 6


def test_the_sample_tracks_every_stage(sample):
    model, as_of = sample
    assert tracked_stages(model.milestones) == STAGE_IDS
    quarter = period_holding(as_of, "quarter")
    for lens in LENSES:
        result = funnel(model, lens, quarter, as_of)
        assert result.not_tracked == [] and len(result.stages) == len(STAGE_IDS), lens
    assert report("funnel", model, as_of=as_of)["not_tracked"] == []
    jobs = client_table(client_book(model, as_of), quarter, quarter)["jobs"]
    assert jobs.notna().all() and jobs.sum() > 0


def _funnel_page(uploads: list[tuple[str, bytes]] | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if uploads:
        at.session_state[UPLOADS_KEY] = uploads
    at.run()
    at.switch_page("pages/funnel.py").run()
    assert not at.exception
    return at


def test_the_funnel_page_says_which_stages_are_not_tracked():
    at = _funnel_page([("candidates.csv", CANDIDATES)])
    captions = [caption.value for caption in at.caption if "not tracked" in caption.value.lower()]
    assert len(captions) == 1 and captions[0].startswith("Not tracked in your data: ")
    for stage in untracked(CANDIDATE_STAGES):
        assert STAGE_LABELS[stage] in captions[0]
    assert at.selectbox(key="funnel_drill_stage").options == [
        STAGE_LABELS[stage] for stage in CANDIDATE_STAGES]


def test_the_funnel_page_on_the_sample_lists_nothing_as_not_tracked():
    at = _funnel_page(None)
    assert not [caption for caption in at.caption if "Not tracked in your data" in caption.value]


def test_a_stalled_lead_waits_for_the_next_stage_the_data_tracks():
    from recruit_dash.ingest.pipeline import ingest_files
    from recruit_dash.metrics.stalled import stalled_leads

    rows = ["Candidate,Applied on,Interview date,Offer date,Status",
            "Asha Rao,2026-01-05,2026-01-12,,Interviewing",
            "Ben Ode,2026-01-05,2026-01-12,2026-01-20,Placed"]
    model = ingest_files([("candidates.csv", "\n".join(rows).encode())]).model
    reasons = stalled_leads(model, date(2026, 6, 1)).leads["reason"].tolist()
    assert len(reasons) == 1 and "no offer made yet" in reasons[0], reasons
