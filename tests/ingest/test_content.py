"""Columns read by their content: what each kind of column is taken for, whatever its header,
and what a tracker's reading does with it (table-driven)."""

from __future__ import annotations

import pandas as pd
import pytest

from recruit_dash.ingest.content import ColumnEvidence, read_scores, result_of, score_scale
from recruit_dash.ingest.mapping import CONFIDENT, understand_sheet
from recruit_dash.ingest.pipeline import ingest_files


def _evidence(*columns: list) -> ColumnEvidence:
    return ColumnEvidence(pd.DataFrame({index: values for index, values in enumerate(columns)}))


REPEATED = 6  # each list below is repeated, as a tracker repeats its values

DESCRIBED = [
    # (cells, what the Data page says the column holds)
    (["2026-01-05", "2026-02-11", "2026-03-01"], "dates"),
    (["05/01/2026", "13/02/2026", "28/03/2026"], "dates"),  # day-first: a day above 12
    (["Placed", "Rejected", "Interview", "Offer made"], "status words"),
    (["Selected", "Rejected", "Cleared", "Rejected"], "status words"),
    (["3", "5", "1", "4", "2"], "numbers"),
    ([None, None, None], "empty"),
    (["Follow up next week", "Left a voicemail", "Spoke about the role"], "text"),
]


@pytest.mark.parametrize(("cells", "kind"), DESCRIBED, ids=[kind + ":" + str(cells[0])
                                                           for cells, kind in DESCRIBED])
def test_a_column_is_described_by_what_it_holds(cells, kind):
    assert _evidence(cells * REPEATED).describe(0) == kind


def test_unique_patterned_values_are_identifiers_and_names_are_people():
    ids = [f"C{number:04d}" for number in range(40)]
    people = [f"{first} {last}" for first in ("Sarah", "Chloe", "Emma", "Tom", "Ravi")
              for last in ("Whitfield", "Martin", "Lawson", "Okafor", "Shah", "Berg", "Ng", "Diaz")]
    evidence = _evidence(ids, people)
    assert evidence.describe(0) == "identifiers"
    assert evidence.describe(1) == "people's names"


RESULTS = [
    # (cell, how the step went)
    ("Selected", "pass"), ("Cleared", "pass"), ("Pass", "pass"), ("Hired", "pass"),
    ("Joined", "pass"), ("Accepted", "pass"), ("Approved", "pass"),
    ("Rejected", "fail"), ("Fail", "fail"), ("Declined", "fail"), ("Dropped", "fail"),
    ("Not selected", "fail"), ("No show", "fail"),
    ("Pending", "pending"), ("On hold", "pending"), ("Scheduled", "pending"),
    ("Not Applicable", "absent"), ("N/A", "absent"), ("No Offer", "absent"),
    ("Lovely chat", None),
]


@pytest.mark.parametrize(("cell", "result"), RESULTS, ids=[cell for cell, _ in RESULTS])
def test_a_step_result_says_how_the_step_went(cell, result):
    assert result_of(cell) == result


SCALES = [
    # (scores, the scale found)
    ([1, 2, 3, 4, 5] * 3, "1–5"),
    ([0, 3, 5, 8, 10] * 3, "0–10"),
    ([0, 1, 2, 3, 4, 5] * 3, "0–5"),
    ([10, 45, 80, 100] * 3, "0–100"),
    ([7.5, 9, 10] * 4, "0–10"),
]


@pytest.mark.parametrize(("scores", "label"), SCALES, ids=[label for _, label in SCALES])
def test_the_scale_of_a_score_column_is_the_narrowest_usual_one(scores, label):
    assert score_scale(pd.Series(scores)).label == label


def test_a_column_beyond_every_usual_scale_has_none():
    assert score_scale(pd.Series([150, 300, 12])) is None


def test_a_one_to_five_column_is_put_on_zero_to_ten_and_says_so():
    cells = pd.Series(["5", "4", "3", "2", "1"] * 3)
    scores, note = read_scores(cells, pd.to_numeric(cells), "client_rating")
    assert scores.head(5).tolist() == [10.0, 7.5, 5.0, 2.5, 0.0]
    assert "1–5, not 0–10" in note and "client_rating" in note


def test_scores_written_out_of_ten_or_as_percentages_are_read_on_zero_to_ten():
    cells = pd.Series(["7/10", "70%", "9"])
    scores, note = read_scores(cells, pd.to_numeric(cells, errors="coerce"), "Score")
    assert scores.tolist() == [7.0, 7.0, 9.0]
    assert "7/10" in note


def _csv(rows: list[list[object]]) -> bytes:
    return "\n".join(",".join("" if value is None else str(value) for value in row)
                     for row in rows).encode()


def _mapped(cells: list[list[object]]) -> dict[str, str | None]:
    layout = understand_sheet("Tracker", pd.DataFrame(cells))
    return {column.source: column.field if column.confidence >= CONFIDENT else None
            for column in layout.columns}


def test_a_status_column_is_found_by_its_values_under_any_header():
    statuses = ["Placed", "Rejected", "Interviewing", "Offer made", "Rejected", "Placed"] * 3
    rows = [["Candidate", "Recruiter", "Date added", "Where are they"]] + [
        [f"Person {n}", "Amy", f"2026-03-{1 + n % 28:02d}", status]
        for n, status in enumerate(statuses)]
    assert _mapped(rows)["Where are they"] == "status"


def test_a_date_between_two_stage_columns_is_the_stage_in_between():
    rows = [["Candidate", "CV sent", "Client slot", "Offer date"]] + [
        [f"Person {n}", f"2026-03-{1 + n:02d}", f"2026-03-{3 + n:02d}", f"2026-03-{9 + n:02d}"]
        for n in range(12)]
    assert _mapped(rows)["Client slot"] == "stage:interview"


def test_a_step_the_ladder_has_no_rung_for_is_never_taken_for_a_neighbour():
    rows = [["Candidate", "Application date", "Phone screen date", "Offer date"]] + [
        [f"Person {n}", f"2026-03-{1 + n:02d}", f"2026-03-{3 + n:02d}", f"2026-03-{9 + n:02d}"]
        for n in range(12)]
    assert _mapped(rows)["Phone screen date"] is None


ROUNDS = [
    # 1st round result, 2nd round result, the lead's outcome, whether the 2nd round was held
    ("Rejected", None, "lost", False),
    ("Selected", "Rejected", "lost", True),
    ("Selected", "Hired", "filled", True),
    ("Selected", "No show", "lost", False),
    ("Selected", "Pending", "open", False),
]


@pytest.mark.parametrize(("first", "second", "outcome", "held"), ROUNDS,
                         ids=[f"{a}-{b}" for a, b, _, _ in ROUNDS])
def test_round_results_give_the_lead_its_outcome_and_rounds(first, second, outcome, held):
    rows = [["Name", "Applied on", "1st Round Date", "1st Round Status", "2nd Round Date",
             "2nd round status"],
            ["Asha Rao", "2026-02-02", "2026-02-09", first, "2026-02-16" if second else None,
             second]]
    ingested = ingest_files([("rounds.csv", _csv(rows))])
    lead = ingested.model.leads.iloc[0]
    assert lead["outcome"] == outcome
    stages = set(ingested.model.milestones["stage"])
    assert ("second_interview_done" in stages) is held
    assert ("started" in stages) is (second == "Hired")


def test_ticks_yes_no_and_joining_words_set_milestones_and_no_counts_as_not_reached():
    rows = [["candidate_id", "submission_date", "offer_status", "joining_status"],
            ["C1", "2026-01-05", "Yes", "Joined"],
            ["C2", "2026-01-06", "Yes", "Dropped"],
            ["C3", "2026-01-07", "No", "No Offer"]]
    ingested = ingest_files([("ticks.csv", _csv(rows))])
    milestones = ingested.model.milestones
    reached = {stage: set(milestones.loc[milestones["stage"] == stage, "lead_id"])
               for stage in ("offer", "started")}
    assert reached == {"offer": {"C1", "C2"}, "started": {"C1"}}
    outcomes = ingested.model.leads.set_index("lead_id")["outcome"].to_dict()
    assert outcomes == {"C1": "filled", "C2": "lost", "C3": "open"}
    assert not any("not a date" in str(problem) for problem in ingested.model.issues["problem"])


def test_a_lookup_list_sheet_is_not_records_but_a_three_column_tracker_is():
    options = [["Stages", None, "Clients"], ["Shortlisted", None, "Acme"],
               ["Interviewed", None, "Globex"], ["Selected", None, "Initech"], ["Deployed", None, None]]
    assert understand_sheet("Setting", pd.DataFrame(options)).role == "ignored"
    tracker = [["Name", "Date", "Status"]] + [
        [f"Person {n}", f"2026-0{1 + n % 9}-1{n % 9}", ("Interview", "Offer", "Placed")[n % 3]]
        for n in range(30)]
    assert understand_sheet("Tracker", pd.DataFrame(tracker)).role == "leads"
