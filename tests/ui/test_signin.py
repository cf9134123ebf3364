"""Sign-in and roles in the app (AppTest, no browser): off by default, as the app always was; on
with an [auth] section, where a signed-out visitor sees only the sign-in page, a stranger is
refused, and each signed-in person's pages hold only the consultants in their view."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, SAMPLE_PREV
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Element

from recruit_dash.history.store import open_store
from recruit_dash.people import People, PeopleError, Person
from recruit_dash.ui import signin
from recruit_dash.ui.signin import ADMITTED, OPEN, REFUSED, SIGN_IN, access_for

# The sample agency's consultants in two teams; Tom Brennan is in the data but not in the sheet,
# so only the owner and the manager see his leads.
PEOPLE = [
    ("owner@northgate.example", "Olivia Grant", "owner", ""),
    ("manager@northgate.example", "Mark Ellis", "manager", ""),
    ("sarah@northgate.example", "Sarah Whitfield", "team lead", "North"),
    ("emma@northgate.example", "Emma Lawson", "consultant", "North"),
    ("priya@northgate.example", "Priya Shah", "consultant", "North"),
    ("daniel@northgate.example", "Daniel Hughes", "team lead", "South"),
    ("chloe@northgate.example", "Chloe Martin", "consultant", "South"),
    ("james@northgate.example", "James Okafor", "consultant", "South"),
]
CONSULTANTS = {"Sarah Whitfield", "Emma Lawson", "Priya Shah", "Daniel Hughes", "Chloe Martin",
               "James Okafor", "Tom Brennan"}
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "s" * 32,
        "client_id": "recruit-dash", "client_secret": "not-a-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_people(path: Path) -> Path:
    """Write the people sheet as the owner keeps it: a CSV of email, name, role and team."""
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([("email", "name", "role", "team"), *PEOPLE])
    return path


@pytest.fixture
def people_sheet(tmp_path, monkeypatch, history) -> Path:
    """Configure the app's people sheet (RECRUIT_DASH_PEOPLE) for one test, with an upload
    history of its own (a signed-in team opens on the history once it holds uploads)."""
    path = write_people(tmp_path / "people.csv")
    monkeypatch.setenv("RECRUIT_DASH_PEOPLE", str(path))
    return path


def signed_in(email: str | None, page: str | None = None) -> AppTest:
    """Return the app run with sign-in configured, for a visitor signed in with this email
    (None: signed out), on a page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.secrets["auth"] = AUTH
    at.user = ({"is_logged_in": False} if email is None
               else {"is_logged_in": True, "email": email, "name": email.split("@")[0]})
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception
    return at


def consultants_on(at: AppTest) -> set[str]:
    """Return the consultants named anywhere in what the page sent to the browser: its text,
    tables (their Arrow data), charts, and the options of every widget."""
    sent = b"".join(node.proto.SerializeToString() for node in at._tree
                    if isinstance(node, Element) and hasattr(node.proto, "SerializeToString"))
    return {name for name in CONSULTANTS if name.encode() in sent}


def uploaders(at: AppTest) -> list[str]:
    return [widget.key for widget in at.get("file_uploader")]


# The decision itself, from (sign-in configured?, what the provider said, the people sheet).
SHEET = People(tuple(Person(email, name, role, team or None) for email, name, role, team in PEOPLE))


def broken_sheet() -> People:
    raise PeopleError("Row 4 of people.csv has no email; give every person the email address "
                      "they sign in with.")


@pytest.mark.parametrize(("configured", "user", "sheet", "state", "words"), [
    (False, {}, lambda: SHEET, OPEN, ""),
    (True, {"is_logged_in": False}, lambda: SHEET, SIGN_IN, ""),
    (True, {"is_logged_in": True, "email": "stranger@elsewhere.example"}, lambda: SHEET, REFUSED,
     "stranger@elsewhere.example is not in the agency's people sheet"),
    (True, {"is_logged_in": True, "email": "owner@northgate.example"}, lambda: None, REFUSED,
     "the owner must set RECRUIT_DASH_PEOPLE"),
    (True, {"is_logged_in": True, "email": "owner@northgate.example"}, broken_sheet, REFUSED,
     "Row 4 of people.csv has no email"),
    (True, {"is_logged_in": True, "name": "No Email"}, lambda: SHEET, REFUSED,
     "did not tell us your email address"),
    (True, {"is_logged_in": True, "email": "owner@northgate.example", "email_verified": False},
     lambda: SHEET, REFUSED, "has not verified owner@northgate.example"),
    (True, {"is_logged_in": True, "email": " Emma@Northgate.example "}, lambda: SHEET, ADMITTED,
     ""),
    (True, {"is_logged_in": True, "preferred_username": "chloe@northgate.example"},
     lambda: SHEET, ADMITTED, ""),
])
def test_what_a_visitor_is_shown_follows_sign_in_the_provider_and_the_people_sheet(
        configured, user, sheet, state, words):
    seen = access_for(configured, user, sheet)
    assert seen.state == state
    assert words in seen.sentence
    assert seen.shows_data == (state in (OPEN, ADMITTED))
    if state == REFUSED:
        assert seen.person is None and seen.sentence.endswith(".") and "\n" not in seen.sentence


@pytest.mark.parametrize(("email", "uploads"), [
    ("owner@northgate.example", True), ("sarah@northgate.example", True),
    ("manager@northgate.example", False), ("emma@northgate.example", False)])
def test_only_owners_and_team_leads_upload_and_what_they_do_is_recorded_as_theirs(email, uploads):
    seen = access_for(True, {"is_logged_in": True, "email": email}, lambda: SHEET)
    assert seen.may_upload == uploads
    assert seen.email == email
    assert access_for(False, {}, lambda: SHEET).may_upload  # sign-in off: the local user


class Secrets:
    """st.secrets as Streamlit has it when a secrets file is missing or cannot be parsed."""

    def __init__(self, error_id: str):
        self.error_id = error_id

    def __contains__(self, key: str) -> bool:
        raise StreamlitSecretNotFoundError("Error parsing secrets file at {path}: {error}",
                                           path="/srv/recruit-dash/secrets.toml",
                                           error="Invalid value (at line 3, column 9)",
                                           error_id=self.error_id)


def test_no_secrets_file_means_no_sign_in_but_one_we_cannot_read_refuses_everyone(monkeypatch):
    monkeypatch.setattr(signin.st, "secrets", Secrets(signin.NO_SECRETS))
    assert signin.access().state == OPEN
    monkeypatch.setattr(signin.st, "secrets", Secrets("failed-parsing-secrets-file"))
    seen = signin.access()  # it may hold an [auth] section: never guess that it does not
    assert seen.state == REFUSED and not seen.shows_data
    assert "secrets file could not be read" in seen.sentence and "line 3" in seen.sentence


# The app.


def test_without_sign_in_configured_the_app_is_as_it_always_was(monkeypatch):
    monkeypatch.delenv("RECRUIT_DASH_PEOPLE", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    assert any("sample data" in box.value for box in at.info)
    assert not any(button.label in ("Sign in", "Sign out") for button in at.button)
    at.switch_page("pages/funnel.py").run()
    assert consultants_on(at) == CONSULTANTS
    at.switch_page("pages/data.py").run()
    assert uploaders(at) == ["data_upload", "data_profile_upload"]


def test_a_people_sheet_without_sign_in_shows_everything_and_says_so(people_sheet):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    assert any("sign-in is not configured" in line.value for line in at.sidebar.caption)
    at.switch_page("pages/stalled_today.py").run()
    assert consultants_on(at) == CONSULTANTS


def test_a_signed_out_visitor_sees_only_the_sign_in_page(people_sheet):
    at = signed_in(None)
    assert [title.value for title in at.title] == ["recruit-dash"]
    assert [button.label for button in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe and not at.info
    assert consultants_on(at) == set()


def test_a_stranger_is_refused_in_a_sentence_and_may_sign_out(people_sheet):
    at = signed_in("stranger@elsewhere.example")
    assert len(at.error) == 1 and "is not in the agency's people sheet" in at.error[0].value
    assert not at.sidebar.caption  # said once, on the page
    assert [button.label for button in at.button] == ["Sign out"]
    assert not at.metric and not at.dataframe
    assert consultants_on(at) == set()


def test_with_sign_in_on_and_no_people_sheet_even_the_owner_sees_nothing(monkeypatch):
    monkeypatch.delenv("RECRUIT_DASH_PEOPLE", raising=False)
    at = signed_in("owner@northgate.example")
    assert "set RECRUIT\\_DASH\\_PEOPLE" in at.error[0].value
    assert not at.metric and consultants_on(at) == set()


@pytest.mark.parametrize("page", ["pages/funnel.py", "pages/stalled_today.py"])
def test_a_consultant_sees_only_their_own_leads(people_sheet, page):
    at = signed_in("emma@northgate.example", page)
    assert consultants_on(at) == {"Emma Lawson"}
    assert any("**Emma Lawson**" in line.value and "Consultant, North" in line.value
               for line in at.sidebar.markdown)
    assert [button.label for button in at.sidebar.button] == ["Sign out"]


def test_a_team_lead_sees_their_team_and_the_owner_sees_everyone(people_sheet):
    lead = signed_in("sarah@northgate.example", "pages/stalled_today.py")
    assert consultants_on(lead) == {"Sarah Whitfield", "Emma Lawson", "Priya Shah"}
    assert lead.selectbox(key="today_consultant").options == [
        "Everyone", "Emma Lawson", "Priya Shah", "Sarah Whitfield"]
    owner = signed_in("owner@northgate.example", "pages/stalled_today.py")
    assert consultants_on(owner) == CONSULTANTS


def ratio(cell: str) -> float:
    """Return the ratio a grid cell shows ("20.4 (754 ÷ 37) · small sample": 20.4)."""
    return float(cell.split()[0].replace(",", ""))


def leak(at: AppTest) -> str:
    """Return the Consultants page's sentence on where the chosen consultant's chain leaks."""
    return next(line.value for line in at.markdown if "Where the chain leaks most" in line.value)


def test_a_consultant_is_compared_with_their_teams_median_but_sees_nobody_else(people_sheet):
    mine = signed_in("emma@northgate.example", "pages/consultants.py")
    assert consultants_on(mine) == {"Emma Lawson"}
    grid = mine.dataframe[0].value.set_index("Consultant")
    assert list(grid.index) == ["Emma Lawson", "Team median"]
    # Her funnel against her team's: the same chain, and the same leak, as her team lead sees.
    led = signed_in("sarah@northgate.example", "pages/consultants.py")
    led.selectbox(key="consultants_person").set_value("Emma Lawson").run()
    assert leak(mine) == leak(led) and "the team" in leak(mine)
    # The owner's grid names the North team; Emma's "team median" is theirs, not her own ratio.
    everyone = signed_in("owner@northgate.example", "pages/consultants.py")
    full = everyone.dataframe[0].value.set_index("Consultant")
    north = full.loc[["Sarah Whitfield", "Emma Lawson", "Priya Shah"]]
    for column in grid.columns:
        assert ratio(grid.at["Team median", column]) == sorted(map(ratio, north[column]))[1]
    assert grid.loc["Team median"].tolist() != full.loc["Team median"].tolist()


def test_managers_and_consultants_are_not_offered_uploads_and_are_told_why(people_sheet):
    manager = signed_in("manager@northgate.example", "pages/data.py")
    assert uploaders(manager) == ["data_profile_upload"]  # a mapping profile, not data
    assert any("As a manager you see every figure" in box.value for box in manager.info)
    assert consultants_on(manager) >= {"Tom Brennan"}  # but every figure
    consultant = signed_in("emma@northgate.example", "pages/data.py")
    assert uploaders(consultant) == ["data_profile_upload"]
    assert any("As a consultant you see your own" in box.value for box in consultant.info)
    # The sample's quarantined rows and first rows may name anyone: not in a consultant's view.
    assert consultants_on(consultant) <= {"Emma Lawson"}
    leads_sheet = next(toggle.key for toggle in consultant.toggle if toggle.key.startswith("data_fix"))
    consultant.toggle(key=leads_sheet).set_value(True).run()  # its editor, from the header row
    assert not consultant.exception
    assert consultants_on(consultant) <= {"Emma Lawson"}
    lead = signed_in("sarah@northgate.example", "pages/data.py")
    assert uploaders(lead) == ["data_upload", "data_profile_upload"]


def test_a_team_leads_import_is_recorded_as_theirs_and_what_moved_is_cut_to_each_view(
        people_sheet, history):
    lead = signed_in("sarah@northgate.example", "pages/data.py")
    for path, day in ((SAMPLE_PREV, date(2026, 11, 13)), (SAMPLE, date(2026, 11, 20))):
        lead.file_uploader(key="data_upload").set_value([(path.name, path.read_bytes(), XLSX)]).run()
        lead.date_input(key="history_as_of").set_value(day).run()
        lead.button(key="history_save").click().run()
        assert not lead.exception
    assert set(open_store(history).uploads()["imported_by"]) == {"sarah@northgate.example"}
    table = next(frame.value for frame in lead.dataframe if "imported_by" in frame.value)
    assert set(table["imported_by"]) == {"sarah@northgate.example"}
    manager = signed_in("manager@northgate.example", "pages/data.py")
    assert "history_delete" not in [button.key for button in manager.button]
    assert lead.button(key="history_delete")  # the team lead may delete an upload

    moved = open_store(history).changes()
    mine = [row for row in moved["new"] if row["consultant"] == "Emma Lawson"]
    assert mine and len(mine) < len(moved["new"])
    overview = signed_in("emma@northgate.example")
    new_leads = next(card.value for card in overview.metric if card.label == "New leads")
    assert int(new_leads.replace(",", "")) == len(mine)
    assert consultants_on(overview) == {"Emma Lawson"}
    # A signed-in team opens on the history it shares, not the sample: nobody has to find the
    # Data page's switch, and a consultant (who uploads nothing) has no other way in.
    assert not [box for box in overview.info if "sample data" in box.value]
    assert any("2 uploads" in line.value for line in overview.sidebar.markdown)
    data = signed_in("priya@northgate.example", "pages/data.py")
    assert data.toggle(key="history_source_toggle").value is True


def test_before_anything_is_saved_people_who_do_not_upload_are_told_who_brings_their_figures(
        people_sheet):
    consultant = signed_in("emma@northgate.example")
    assert any("sample data" in box.value and "once the owner or a team lead saves" in box.value
               for box in consultant.info)
    lead = signed_in("sarah@northgate.example")
    assert any("sample data" in box.value and "Upload your own tracker" in box.value
               for box in lead.info)
