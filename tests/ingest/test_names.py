"""Names: one spelling per name, proposed merges of likely variants, and co-owned rows."""

from __future__ import annotations

import pandas as pd
import pytest
from make_fixtures import csv_bytes

from recruit_dash.ingest.names import co_owned, merge_proposals, name_similarity, with_names_merged
from recruit_dash.ingest.pipeline import ingest_files, ingest_paths
from recruit_dash.ingest.profiles import NameMerge, Profile, with_merge_decision
from recruit_dash.ingest.understanding import inspection

# first, second, field -> proposed for merging?
SIMILAR = [
    ("Adil umar", "Mohammed Adil Umar", "consultant", True),
    ("Jon Smith", "Jonathan Smith", "consultant", True),
    ("J Smith", "John Smith", "consultant", True),
    ("Sarah  Whitfield", "sarah whitfield", "consultant", True),
    ("Acme Ltd", "ACME Limited", "client", True),
    ("Acme", "Acme Recruitment", "client", True),
    ("Bolt plc", "Bolt PLC", "client", True),
    ("Ann Lee", "Ann Ray", "consultant", False),
    ("Ann Lee", "Bob Ray", "consultant", False),
    ("John Smith", "Jane Smith", "consultant", False),
    ("Acme Ltd", "Apex Ltd", "client", False),
    ("Northgate Ltd", "Southgate Ltd", "client", False),
]


@pytest.mark.parametrize(("first", "second", "field", "proposed"), SIMILAR)
def test_likely_variants_score_above_the_proposal_threshold(first, second, field, proposed):
    from recruit_dash.ingest.names import PROPOSAL_SCORE

    assert (name_similarity(first, second, field) >= PROPOSAL_SCORE) is proposed


# cell -> (credited consultant, co-owners)
CO_OWNED = [
    ("William/Rajan", "William", "Rajan"),
    ("Kit / Gil", "Kit", "Gil"),
    ("Ann & Bob", "Ann", "Bob"),
    ("Ann + Bob + Cy", "Ann", "Bob, Cy"),
    ("Ann and Bob", "Ann", "Bob"),
    ("Alexander Reed", "Alexander Reed", None),
    ("N/A", "N/A", None),
    (None, None, None),
]


@pytest.mark.parametrize(("cell", "credited", "others"), CO_OWNED)
def test_a_co_owned_cell_is_credited_to_the_first_named(cell, credited, others):
    first, rest = co_owned(pd.Series([cell], dtype="string"))
    assert (None if pd.isna(first[0]) else first[0]) == credited
    assert (None if pd.isna(rest[0]) else rest[0]) == others


TRACKER = csv_bytes([
    ["Lead ID", "Consultant", "Client", "Status", "Date Added"],
    ["N1", "Adil umar", "Acme Ltd", "CVs sent", "02/05/2025"],
    ["N2", "Mohammed Adil Umar", "ACME Limited", "Placed", "03/05/2025"],
    ["N3", "William/Rajan", "Bolt plc", "Lost", "04/05/2025"],
    ["N4", "Ann  Lee", "Bolt plc", "Lost", "04/05/2025"],
    ["N5", "ann lee", "Bolt plc", "Lost", "04/05/2025"],
])


def test_variants_are_proposed_never_merged_silently():
    ingested = ingest_files([("t.csv", TRACKER)])
    proposals = {(item.field, item.names): item for item in ingested.name_merges}
    umar = proposals[("consultant", ("Adil umar", "Mohammed Adil Umar"))]
    assert (umar.suggested, umar.status) == ("Mohammed Adil Umar", "proposed")
    acme = proposals[("client", ("ACME Limited", "Acme Ltd"))]
    assert acme.score == 100 and acme.status == "proposed"
    assert set(ingested.model.leads["consultant"]) == {"Adil umar", "Mohammed Adil Umar",
                                                       "William", "Ann Lee"}
    document = inspection(ingested)
    assert {"field": "consultant", "names": ["Adil umar", "Mohammed Adil Umar"],
            "suggested": "Mohammed Adil Umar", "score": umar.score, "status": "proposed",
            "rows": 2} in document["name_merges"]


def test_an_accepted_merge_is_applied_to_every_table_and_a_rejected_one_stays_apart():
    profile = with_merge_decision(None, "consultant", ["Adil umar", "Mohammed Adil Umar"],
                                  "Mohammed Adil Umar", True)
    profile = with_merge_decision(profile, "client", ["Acme Ltd", "ACME Limited"], None, False)
    ingested = ingest_files([("t.csv", TRACKER)], profile=profile)
    leads = ingested.model.leads.set_index("lead_id")
    assert leads.loc[["N1", "N2"], "consultant"].tolist() == ["Mohammed Adil Umar"] * 2
    assert leads.loc[["N1", "N2"], "client"].tolist() == ["Acme Ltd", "ACME Limited"]
    statuses = {item.field: item.status for item in ingested.name_merges}
    assert statuses == {"consultant": "accepted", "client": "rejected"}


def test_merges_reach_activities_placements_and_feedback(fixture_files):
    profile = Profile(merges=(NameMerge("consultant", ("Ann Lee", "Bob Ray"), "Ann Lee"),
                              NameMerge("client", ("Bolt plc", "Acme Ltd"), "Bolt plc")))
    model = ingest_paths([fixture_files[name] for name in ("weekly_kpis.xlsx",
                                                          "placements_feedback.xlsx")],
                         profile=profile).model
    assert set(model.activities["consultant"]) == {"Ann Lee"}
    assert set(model.feedback["consultant"]) == {"Ann Lee"}
    assert set(model.feedback["client"]) == {"Bolt plc"}
    assert set(model.placements["client"]) == {"Bolt plc"}


def test_case_and_spacing_variants_become_the_most_used_spelling():
    model = ingest_files([("t.csv", TRACKER)]).model
    merged = with_names_merged(model)
    assert (merged.leads["consultant"] == "Ann Lee").sum() == 2
    assert merge_proposals(merged) == merge_proposals(model)


def test_a_co_owned_row_is_noted_and_its_co_owner_listed_as_an_issue():
    ingested = ingest_files([("t.csv", TRACKER)])
    sheet = ingested.files[0].sheets[0]
    assert any("1 row names several consultants ('William/Rajan')" in note for note in sheet.notes)
    issues = ingested.model.issues
    row = issues[issues["value"] == "William/Rajan"]
    assert row["problem"].tolist() == ["co-owned row: credited to William; co-owner Rajan not "
                                       "credited"]
    assert row["row"].tolist() == [4]
    assert sheet.rows_accepted == 5
