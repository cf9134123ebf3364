"""The people sheet and who sees what: the sheet read tolerantly or refused in one sentence, and
each role's view of the model holding exactly the rows it may see, before anything is built."""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recruit_dash.metrics.ratio_ledger import ledger
from recruit_dash.metrics.ratios import ratios_report
from recruit_dash.model import (
    ACTIVITIES,
    CHECKINS,
    FEEDBACK,
    ISSUES,
    LEADS,
    MILESTONES,
    PLACEMENTS,
    Model,
    conform,
)
from recruit_dash.people import (
    ROLES,
    People,
    PeopleError,
    Person,
    may_upload,
    people_from_env,
    read_people,
    scope,
)
from recruit_dash.people.sheet import role_of

AS_OF = date(2026, 11, 20)  # the sample agency's last day
HEADER = ["E-mail ", "Full name", "Role", "Team"]
# The sample's consultants in two teams, written as an owner might type them; Tom Brennan is in
# the data but not in the sheet, so only the owner and the manager see his rows.
ROWS = [
    ["owner@northgate.example", "Olivia Grant", "Owner", ""],
    ["manager@northgate.example", "Mark Ellis", "Manager", ""],
    ["sarah@northgate.example", "sarah  WHITFIELD", "Team Leader", "North"],
    ["emma@northgate.example", "Emma Lawson", "consultant", "North"],
    ["priya@northgate.example", "Priya Shah", "Recruiter", "north "],
    ["daniel@northgate.example", "Daniel Hughes", "TL", "South"],
    ["chloe@northgate.example", "Chloe Martin", "Consultant", "South"],
    ["james@northgate.example", "James Okafor", "consultant", "South"],
]
EVERYONE = {"Sarah Whitfield", "Emma Lawson", "Priya Shah", "Daniel Hughes", "Chloe Martin",
            "James Okafor", "Tom Brennan"}
SEES = {
    "owner@northgate.example": EVERYONE,
    "manager@northgate.example": EVERYONE,
    "sarah@northgate.example": {"Sarah Whitfield", "Emma Lawson", "Priya Shah"},
    "emma@northgate.example": {"Emma Lawson"},
    "priya@northgate.example": {"Priya Shah"},
    "daniel@northgate.example": {"Daniel Hughes", "Chloe Martin", "James Okafor"},
    "chloe@northgate.example": {"Chloe Martin"},
    "james@northgate.example": {"James Okafor"},
}


def write_sheet(path: Path, rows: list[list[str]], header: list[str] = HEADER,
                title: str | None = "Northgate people") -> Path:
    """Write a people sheet as CSV or .xlsx (by the path's extension), a title row above it."""
    lines = ([[title]] if title else []) + [header] + rows
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        for line in lines:
            book.active.append(line)
        book.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows(lines)
    return path


@pytest.fixture(scope="module")
def sample() -> Model:
    from recruit_dash.ingest.pipeline import ingest_paths

    return ingest_paths([Path(SAMPLE)]).model


@pytest.fixture(scope="module")
def people(tmp_path_factory) -> People:
    return read_people(write_sheet(tmp_path_factory.mktemp("people") / "people.csv", ROWS))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_sheet_is_read_from_csv_or_excel_below_a_title_with_tolerant_headers(tmp_path, suffix):
    people = read_people(write_sheet(tmp_path / f"people{suffix}", ROWS))
    assert [person.role for person in people.people] == [
        "owner", "manager", "team lead", "consultant", "consultant", "team lead", "consultant",
        "consultant"]
    assert people.people[2] == Person("sarah@northgate.example", "sarah  WHITFIELD", "team lead",
                                      "North")
    assert people.people[0].team is None


@pytest.mark.parametrize(("written", "role"), [
    ("Owner", "owner"), ("Managing Director", "owner"), ("manager", "manager"),
    ("Team Lead", "team lead"), ("team-lead", "team lead"), ("TEAM_LEADER", "team lead"),
    ("TL", "team lead"), ("Consultant", "consultant"), ("Senior Consultant", "consultant"),
    ("recruiter", "consultant"), ("Boss", None), ("", None)])
def test_roles_are_read_as_people_write_them(written, role):
    assert role_of(written) == role


def test_a_person_is_found_by_email_whatever_the_case_and_spaces(people):
    assert people.find("  Emma@NorthGate.example ").name == "Emma Lawson"
    assert people.find("stranger@northgate.example") is None


def test_a_team_is_its_team_lead_and_consultants_whatever_the_case_of_its_name(people):
    sarah = people.find("sarah@northgate.example")
    assert [member.email for member in people.team_of(sarah)] == [
        "sarah@northgate.example", "emma@northgate.example", "priya@northgate.example"]
    assert people.team_of(people.find("owner@northgate.example")) == []


@pytest.mark.parametrize(("role", "may"), [("owner", True), ("team lead", True),
                                           ("manager", False), ("consultant", False)])
def test_owners_and_team_leads_may_upload_managers_and_consultants_may_not(role, may):
    assert may_upload(Person("someone@x.example", "Someone", role, "North")) is may
    assert role in ROLES


# (id, the rows or header changed, what the sentence must say)
BAD_SHEETS = [
    ("unknown-role", ROWS[:3] + [["ann@x.example", "Ann", "Boss", "North"]],
     None, ["Row 5", "'Boss'", "owner, manager, team lead or consultant"]),
    ("no-role", [["ann@x.example", "Ann", "", "North"]], None, ["Row 2", "no role"]),
    ("duplicate-email", ROWS + [["EMMA@northgate.example", "Emma L", "consultant", "North"]],
     None, ["Row 10", "emma@northgate.example", "row 5"]),
    ("team-lead-without-team", [["tl@x.example", "Tia Lee", "team lead", ""]], None,
     ["Row 2", "team lead with no team"]),
    ("consultant-without-team", ROWS[:1] + [["c@x.example", "Cal Dunn", "consultant", ""]], None,
     ["Row 3", "consultant with no team"]),
    ("consultant-without-name", [["c@x.example", "", "consultant", "North"]], None,
     ["Row 2", "no name"]),
    ("not-an-email", [["emma lawson", "Emma Lawson", "consultant", "North"]], None,
     ["Row 2", "'emma lawson'", "not an email address"]),
    ("no-email", [["", "Emma Lawson", "consultant", "North"]], None, ["Row 2", "no email"]),
    ("missing-role-column", [row[:2] + row[3:] for row in ROWS], ["Email", "Name", "Team"],
     ["no role column", "'role'"]),
    ("missing-email-column", [row[1:] for row in ROWS], ["Name", "Role", "Team"],
     ["no email column"]),
    ("missing-team-column", [row[:3] for row in ROWS], ["Email", "Name", "Role"],
     ["no team column", "row 4"]),
    ("no-header", [["a", "b", "c", "d"]], ["w", "x", "y", "z"], ["no header row we recognise"]),
    ("nobody", [], None, ["lists nobody"]),
]


@pytest.mark.parametrize(("rows", "header", "said"), [case[1:] for case in BAD_SHEETS],
                         ids=[case[0] for case in BAD_SHEETS])
def test_a_sheet_we_cannot_trust_is_refused_in_one_sentence_naming_the_row(tmp_path, rows, header,
                                                                           said):
    path = write_sheet(tmp_path / "people.csv", rows, header or HEADER, title=None)
    with pytest.raises(PeopleError) as refused:
        read_people(path)
    sentence = str(refused.value)
    assert "\n" not in sentence and sentence.endswith(".") and "people.csv" in sentence
    for words in said:
        assert words in sentence


def test_a_missing_or_unreadable_sheet_is_one_sentence(tmp_path):
    with pytest.raises(PeopleError, match=r"There is no people sheet at .*nope\.csv"):
        read_people(tmp_path / "nope.csv")
    with pytest.raises(PeopleError, match="is a folder"):
        read_people(tmp_path)
    (tmp_path / "fake.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    with pytest.raises(PeopleError, match="could not be read as a CSV or Excel file"):
        read_people(tmp_path / "fake.xlsx")


def test_the_configured_sheet_is_read_again_only_when_it_changes(tmp_path, monkeypatch):
    monkeypatch.delenv("RECRUIT_DASH_PEOPLE", raising=False)
    assert people_from_env() is None
    path = write_sheet(tmp_path / "people.csv", ROWS)
    monkeypatch.setenv("RECRUIT_DASH_PEOPLE", str(path))
    first = people_from_env()
    assert people_from_env() is first  # unchanged: not read again
    write_sheet(path, ROWS + [["new@northgate.example", "Nia Cole", "consultant", "South"]])
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert people_from_env().find("new@northgate.example").name == "Nia Cole"
    path.unlink()
    with pytest.raises(PeopleError, match="There is no people sheet"):
        people_from_env()


def consultants_of(model: Model, table: str, whole: Model) -> set[str]:
    """Return the consultants a table's rows belong to: their own, or (milestones, check-ins)
    their lead's or placement's as the whole model says (None for one it does not know)."""
    if table == "milestones":
        owners = whole.leads.drop_duplicates("lead_id").set_index("lead_id")["consultant"]
        return set(model.milestones["lead_id"].map(owners).fillna("(unknown lead)"))
    if table == "checkins":
        owners = whole.placements.drop_duplicates("placement_id").set_index("placement_id")
        return set(model.checkins["placement_id"].map(owners["consultant"])
                   .fillna("(unknown placement)"))
    return set(model.table(table)["consultant"].fillna("(nobody)"))


def rows_of(model: Model, table: str, names: set[str]) -> pd.DataFrame:
    """Return the rows of a table that belong to these consultants, as the whole model says."""
    frame = model.table(table)
    if table == "milestones":
        return frame[frame["lead_id"].isin(model.leads.loc[model.leads["consultant"].isin(names),
                                                           "lead_id"])]
    if table == "checkins":
        return frame[frame["placement_id"].isin(
            model.placements.loc[model.placements["consultant"].isin(names), "placement_id"])]
    return frame[frame["consultant"].isin(names)]


@pytest.mark.parametrize("email", list(SEES))
def test_each_person_sees_exactly_their_consultants_rows_in_every_table(sample, people, email):
    person = people.find(email)
    scoped = scope(sample, person, people)
    if person.role in ("owner", "manager"):
        assert scoped.model is sample and scoped.consultants is None
        return
    assert set(scoped.consultants) == SEES[email]
    for table in ("leads", "milestones", "activities", "placements", "checkins", "feedback"):
        expected = rows_of(sample, table, SEES[email]).reset_index(drop=True)
        assert len(expected) > 0, table
        pd.testing.assert_frame_equal(scoped.model.table(table), expected, obj=table)
        assert consultants_of(scoped.model, table, sample) == SEES[email]
    assert scoped.model.issues.empty  # the sample's issues are quarantined rows: nobody's


def test_a_consultant_is_compared_with_their_teams_median_and_names_nobody_else(sample, people):
    emma = scope(sample, people.find("emma@northgate.example"), people)
    team = scope(sample, people.find("sarah@northgate.example"), people)
    assert set(emma.team_medians) == {"owner", "author"}
    for credit in ("owner", "author"):
        own = ratios_report(emma.model, AS_OF, credit=credit, team_medians=emma.team_medians)
        theirs = ratios_report(team.model, AS_OF, credit=credit)
        # Exactly her rows of her team lead's report: her ratios against the team's median.
        assert own["rows"] == [row for row in theirs["rows"] if row["consultant"] == "Emma Lawson"]
        differs = [row for row in own["rows"] if row["ratio"] != row["team_median"]]
        assert differs, "her ratios all equal the team median: the test cannot tell them apart"
        alone = ratios_report(emma.model, AS_OF, credit=credit)  # without the team: her own
        assert all(row["ratio"] == row["team_median"] for row in alone["rows"]
                   if row["ratio"] is not None)
        text = str(own)
        assert not [name for name in EVERYONE - {"Emma Lawson"} if name in text]
    for book in emma.team_medians.values():
        assert not set(book.consultants) & EVERYONE
        assert not set(book.milestones["lead_id"]) & set(sample.leads["lead_id"])
    # Her team's leads for the funnel: as many as her team lead sees, each only dates and an
    # outcome, under ids that are not the tracker's.
    leads = emma.team_funnel.leads
    assert len(leads) == len(team.model.leads)
    assert len(emma.team_funnel.milestones) == len(team.model.milestones)
    for column in ("consultant", "client", "contact", "candidate", "role", "source", "status",
                   "notes", "fee", "source_file", "source_row"):
        assert leads[column].isna().all(), column
    assert not set(leads["lead_id"]) & set(sample.leads["lead_id"])
    assert not set(emma.team_funnel.milestones["lead_id"]) - set(leads["lead_id"])
    for table in ("activities", "placements", "checkins", "feedback", "issues"):
        assert emma.team_funnel.table(table).empty, table


def test_a_consultants_coaching_pack_compares_them_with_their_team(sample, people):
    from recruit_dash.outputs.pack import pack_content

    emma = scope(sample, people.find("emma@northgate.example"), people)
    team = scope(sample, people.find("sarah@northgate.example"), people)
    start = date(2026, 8, 23)
    book = ledger(emma.model, "owner", emma.team_medians["owner"])
    own = pack_content(emma.model, "Emma Lawson", start, AS_OF, AS_OF, book=book,
                       team=emma.team_funnel)
    led = pack_content(team.model, "Emma Lawson", start, AS_OF, AS_OF)
    pd.testing.assert_frame_equal(own.ratios, led.ratios)
    assert own.goal.team_needed == led.goal.team_needed
    # Her funnel against her team's, as her team lead's pack has it, and where her chain leaks.
    pd.testing.assert_frame_equal(own.comparison, led.comparison)
    assert own.leak == led.leak
    alone = pack_content(emma.model, "Emma Lawson", start, AS_OF, AS_OF, book=book)
    assert (alone.comparison["count_team"] == alone.comparison["count"]).all()
    assert (own.comparison["count_team"] > own.comparison["count"]).any()


def issues_model() -> Model:
    """Return a small model of two consultants' leads on one sheet and one of them alone on
    another, with issues about rows, about sheets, and one naming a co-owner."""
    leads = conform(pd.DataFrame({
        "lead_id": ["A1", "B1", "B2"], "consultant": ["Ann Lee", "Bob Stone", "Bob Stone"],
        "source_file": "t.xlsx", "source_sheet": ["Leads", "Leads", "Bob's"],
        "source_row": [2, 3, 2]}), LEADS)
    issues = conform(pd.DataFrame({
        "file": "t.xlsx", "sheet": ["Leads", "Leads", "Leads", "Leads", "Bob's"],
        "row": [2, 3, 2, None, None], "column": ["Fee", "Fee", "Consultant", "Stage", "Stage"],
        "value": ["abc", "xyz", "Bob Stone", None, None],
        "problem": ["not a number", "not a number", "co-owner of the row", "column unmapped",
                    "column unmapped"]}), ISSUES)
    return Model(leads=leads, issues=issues)


def test_issues_are_kept_for_rows_and_sheets_in_view_and_never_name_anyone_out_of_view():
    model = issues_model()
    people = People((Person("ann@x.example", "Ann Lee", "consultant", "T"),
                     Person("bob@x.example", "Bob Stone", "consultant", "U")))
    ann = scope(model, people.people[0], people).model.issues
    assert ann["row"].fillna(0).tolist() == [2, 0] and ann["value"].fillna("").tolist() == ["abc", ""]
    assert ann["sheet"].tolist() == ["Leads", "Leads"]
    bob = scope(model, people.people[1], people).model.issues
    assert bob["value"].fillna("").tolist() == ["xyz", "", ""]
    assert bob["sheet"].tolist() == ["Leads", "Leads", "Bob's"]


NAMES = ["Ann Lee", "ann  lee", "ANN LEE", "Bob Stone", "Cy Young", "Di Moss", " ", None]


@st.composite
def agencies(draw) -> tuple[Model, People]:
    """Return a small model whose rows name any of a few consultants (spelt several ways, or
    nobody), and a valid people sheet of any roles and teams over them."""
    names = st.sampled_from(NAMES)
    lead_count = draw(st.integers(0, 12))
    lead_ids = [f"L{index}" for index in range(lead_count)]
    any_lead = st.sampled_from(lead_ids + ["L99"])
    leads = pd.DataFrame({"lead_id": lead_ids,
                          "consultant": draw(st.lists(names, min_size=lead_count,
                                                      max_size=lead_count))})
    milestones = pd.DataFrame({"lead_id": draw(st.lists(any_lead, max_size=12)), "stage": "lead",
                               "reached_on": pd.Timestamp("2026-11-02")})
    activities = pd.DataFrame({"consultant": draw(st.lists(names, max_size=10)),
                               "on": pd.Timestamp("2026-11-03"), "kind": "call", "count": 3.0})
    placement_count = draw(st.integers(0, 5))
    placements = pd.DataFrame({"placement_id": [f"P{index}" for index in range(placement_count)],
                               "lead_id": draw(st.lists(any_lead, min_size=placement_count,
                                                        max_size=placement_count)),
                               "consultant": draw(st.lists(names, min_size=placement_count,
                                                           max_size=placement_count))})
    checkins = pd.DataFrame({"placement_id": draw(st.lists(st.sampled_from(
        [f"P{index}" for index in range(6)]), max_size=8)), "checkpoint": "day 1"})
    feedback = pd.DataFrame({"consultant": draw(st.lists(names, max_size=6)), "score": 9.0})
    model = Model(conform(leads, LEADS), conform(milestones, MILESTONES),
                  conform(activities, ACTIVITIES), conform(placements, PLACEMENTS),
                  conform(checkins, CHECKINS), conform(feedback, FEEDBACK))
    people = []
    for place, name in enumerate(draw(st.lists(st.sampled_from(NAMES[:6]), min_size=1,
                                               max_size=6, unique=True))):
        role = draw(st.sampled_from(ROLES))
        team = draw(st.sampled_from(["North", "north ", "South"]))
        people.append(Person(f"p{place}@x.example", name, role,
                             team if role in ("team lead", "consultant") else None))
    return model, People(tuple(people))


def in_scope(names: set[str], allowed: set[str]) -> bool:
    return all(" ".join(str(name).casefold().split()) in allowed for name in names)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(agency=agencies(), which=st.integers(0, 5))
def test_no_view_ever_holds_a_consultant_outside_it_and_the_owners_is_the_whole_model(agency,
                                                                                       which):
    model, people = agency
    person = people.people[which % len(people.people)]
    scoped = scope(model, person, people)
    if person.role in ("owner", "manager"):
        assert scoped.model is model
        return
    team = people.team_of(person) if person.role == "team lead" else [person]
    allowed = {" ".join(member.name.casefold().split()) for member in team}
    for table in ("leads", "milestones", "activities", "placements", "checkins", "feedback"):
        assert in_scope(consultants_of(scoped.model, table, model), allowed), table
        # Nothing of theirs is lost either: every row of theirs in the whole model is kept.
        if table in ("leads", "activities", "placements", "feedback"):
            theirs = [name for name in model.table(table)["consultant"].dropna()
                      if " ".join(name.casefold().split()) in allowed]
            assert len(scoped.model.table(table)) == len(theirs), table
    shown = scoped.model
    assert set(shown.milestones["lead_id"]) <= set(shown.leads["lead_id"])
    assert set(shown.checkins["placement_id"]) <= set(shown.placements["placement_id"])
    assert in_scope(set(scoped.consultants), allowed)
