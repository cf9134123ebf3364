"""The Monday digest: on the sample it names what moved, the stalled leads with their reasons and
today's calls, with counts and "and N more"; a team's digest holds only its consultants' work;
its HTML is plain tables a mail client shows, with every name from the data shown as typed."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pandas as pd
import pytest
from conftest import PINNED_TODAY, SAMPLE, SAMPLE_PREV
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from recruit_dash.history.since import moved_between
from recruit_dash.ingest.pipeline import ingest_paths
from recruit_dash.metrics.aftercare import placements_of
from recruit_dash.metrics.queue import LONG_OVERDUE, call_queue
from recruit_dash.metrics.stalled import stalled_leads
from recruit_dash.model import LEADS, MILESTONES, PLACEMENTS, STAGE_ORDER, Model, conform
from recruit_dash.outputs.digest import Digest, monday_digest

AS_OF = date.fromisoformat(PINNED_TODAY)  # the Monday after the sample agency's last day
MAIL_TAGS = {"html", "head", "meta", "title", "body", "table", "tr", "td", "th", "div", "span"}
MAIL_ATTRIBUTES = {"lang", "charset", "name", "content", "role", "width", "cellpadding",
                   "cellspacing", "align", "style"}


class Markup(HTMLParser):
    """The tags, attributes and text an HTML part holds, as a browser reads them."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: dict[str, set[str]] = {}
        self.pieces: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.setdefault(name, set()).add(value or "")

    def handle_data(self, data):
        self.pieces.append(data)

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def items(text: str, title: str) -> list[list[str]]:
    """Return the cells of each item the plain-text part lists under a list's title."""
    lines = text.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(f"{title}: "))
    found = []
    for line in lines[start + 1:]:
        if not line.startswith("  - "):
            break
        found.append(line[4:].split(" · "))
    return found


def count_line(text: str, title: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"{title}: "))


@pytest.fixture(scope="module")
def weeks() -> tuple[Model, Model]:
    return ingest_paths([SAMPLE_PREV]).model, ingest_paths([SAMPLE]).model


@pytest.fixture(scope="module")
def moved(weeks) -> dict:
    return moved_between(*weeks)


@pytest.fixture(scope="module")
def digest(weeks, moved) -> Digest:
    return monday_digest(weeks[1], AS_OF, moved=moved)


def test_the_subject_counts_the_stalled_leads_and_todays_calls(weeks, digest):
    current = weeks[1]
    stalled = stalled_leads(current, AS_OF).leads
    queue = call_queue(current, AS_OF)
    calls = int((queue["urgency"] != LONG_OVERDUE).sum())
    assert digest.subject == f"Monday digest — 23 Nov 2026: {len(stalled):,} stalled, {calls:,} calls today"
    assert f"{len(stalled):,} stalled · {calls:,} calls today" in digest.text


def test_the_stalled_leads_shown_are_the_deepest_with_their_reasons(weeks, digest):
    stalled = stalled_leads(weeks[1], AS_OF).leads.set_index("lead_id")
    shown = items(digest.text, "Stalled leads")
    assert len(shown) == 5
    for lead_id, consultant, client, reason in shown:
        assert (consultant, client, reason) == tuple(stalled.loc[lead_id, ["consultant", "client", "reason"]])
    assert f"  and {len(stalled) - 5:,} more" in digest.text
    # Offers waiting for an answer come before leads nobody has touched for a year.
    deepest_left = stalled.drop(index=[row[0] for row in shown])["stage"].map(STAGE_ORDER).max()
    assert min(STAGE_ORDER[stalled.loc[row[0], "stage"]] for row in shown) >= deepest_left


def test_todays_calls_start_with_the_candidate_starting_today(weeks, digest):
    placements = placements_of(weeks[1])
    starting = placements.loc[placements["start_on"] == pd.Timestamp(AS_OF), "candidate"].tolist()
    assert len(starting) == 1
    first = items(digest.text, "Today's calls")[0]
    assert first[0] == "Today, cannot move" and first[2].startswith(starting[0])
    queue = call_queue(weeks[1], AS_OF)
    old = int((queue["urgency"] == LONG_OVERDUE).sum())
    assert f"Not counted: {old} calls overdue for more than 90 days" in digest.text


def test_what_moved_since_last_week_is_counted_and_named(moved, digest):
    for title, name in [("New leads", "new"), ("Progressed", "progressed"),
                        ("Outcome changed", "outcome_changed"),
                        ("Next actions slipped", "next_action_slipped")]:
        assert count_line(digest.text, title) == f"{title}: {len(moved[name]):,}"
        shown = items(digest.text, title)
        assert len(shown) == 3
        assert {row[0] for row in shown} <= {row["lead_id"] for row in moved[name]}
    assert "No lead has gone from the tracker." in digest.text
    assert all("→" in row[3] for row in items(digest.text, "Progressed"))
    assert "13 Nov 2026 to 20 Nov 2026" in digest.text


def test_the_html_part_says_what_the_text_part_says(digest):
    shown = Markup(digest.html).text
    lines = digest.text.splitlines()
    heading, items_and_notes = lines[:4], [line for line in lines if line.startswith("  ")]
    for line in heading + items_and_notes:
        for cell in line.removeprefix("  - ").strip().split(" · "):
            assert cell in shown, cell
    more = [line.strip() for line in lines if re.fullmatch(r"  and [\d,]+ more", line)]
    assert re.findall(r"and [\d,]+ more", shown) == more and more


def test_the_html_part_is_plain_tables_with_inline_styles_and_nothing_to_fetch(digest):
    markup = Markup(digest.html)
    assert markup.tags <= MAIL_TAGS
    assert set(markup.attributes) <= MAIL_ATTRIBUTES
    styles = " ".join(markup.attributes["style"]).lower()
    assert "url(" not in styles and "expression" not in styles
    assert "http" not in digest.html.lower()


def test_a_teams_digest_holds_only_its_consultants_work(weeks, moved):
    team = monday_digest(weeks[1], AS_OF, moved=moved, team_lead="Priya Shah",
                         consultants=["emma  LAWSON", "Priya Shah"])
    assert team.subject.startswith("Monday digest for Priya Shah — 23 Nov 2026: ")
    assert "Covers Emma Lawson and Priya Shah, as of Monday 23 November 2026." in team.text
    ours = {"Emma Lawson", "Priya Shah"}
    assert {row[1] for row in items(team.text, "Stalled leads")} <= ours
    assert {row[3] for row in items(team.text, "Today's calls")} <= ours
    assert {row[1] for row in items(team.text, "New leads")} <= ours
    stalled = stalled_leads(weeks[1], AS_OF).leads
    assert count_line(team.text, "Stalled leads") == \
        f"Stalled leads: {int(stalled['consultant'].isin(ours).sum()):,}"


def test_a_name_the_data_does_not_hold_is_said_and_an_empty_team_sees_nothing(weeks):
    misspelt = monday_digest(weeks[1], AS_OF, consultants=["Emma Lawson", "Emma Lawsn"])
    assert "Not in the data: Emma Lawsn." in misspelt.text
    nobody = monday_digest(weeks[1], AS_OF, consultants=[])
    assert nobody.subject.endswith(": 0 stalled, 0 calls today")
    assert "Covers nobody" in nobody.text


def test_without_an_earlier_upload_the_digest_says_how_to_see_what_moved(weeks):
    alone = monday_digest(weeks[1], AS_OF)
    assert "No earlier upload to compare with" in alone.text
    assert "new lead" not in alone.text.splitlines()[3]


def day(offset: int) -> str:
    return (AS_OF + timedelta(days=offset)).isoformat()


def agency(stalled: int = 0, *, name: str = "Ann Lee", next_actions: tuple[int, ...] = (),
           placements: tuple[dict, ...] = ()) -> Model:
    """Return a small agency: `stalled` leads at CVs sent for 20 days with no next call, leads
    whose next calls were due the given days from the as-of day, and placements."""
    leads = [{"lead_id": f"L{number}", "consultant": name, "client": name, "contact": name,
              "outcome": "open", "status": "CVs sent"} for number in range(stalled)]
    leads += [{"lead_id": f"N{number}", "consultant": name, "client": "Acme Ltd", "contact": name,
               "outcome": "open", "status": "Job on", "next_action_on": day(offset)}
              for number, offset in enumerate(next_actions)]
    milestones = [(row["lead_id"], stage, day(when)) for row in leads
                  for stage, when in (("lead", -40), ("shortlist", -20))]
    return Model(
        leads=conform(pd.DataFrame(leads, columns=["lead_id", "consultant", "client", "contact",
                                                   "outcome", "status", "next_action_on"]), LEADS),
        milestones=conform(pd.DataFrame(milestones, columns=["lead_id", "stage", "reached_on"]),
                           MILESTONES),
        placements=conform(pd.DataFrame(list(placements), columns=[
            "placement_id", "candidate", "client", "consultant", "start_on", "probation_end_on",
            "fee"]), PLACEMENTS))


@pytest.mark.parametrize(("stalled", "shown", "more"), [(4, 4, None), (5, 5, None), (7, 5, 2)])
def test_a_list_shows_its_top_five_and_says_how_many_more(stalled, shown, more):
    text = monday_digest(agency(stalled), AS_OF).text
    assert len(items(text, "Stalled leads")) == shown
    assert count_line(text, "Stalled leads") == f"Stalled leads: {stalled}"
    assert ("  and 2 more" in text) == (more == 2)


def test_calls_long_overdue_are_counted_apart_and_the_weeks_starts_are_dated():
    model = agency(next_actions=(0, -3, -120), placements=(
        {"placement_id": "P1", "candidate": "Zoë Brontë", "client": "Acme Ltd",
         "consultant": "Ann Lee", "start_on": day(2), "fee": 7250},
        {"placement_id": "P2", "candidate": "Ian Moss", "client": "Acme Ltd",
         "consultant": "Ann Lee", "start_on": day(-85), "probation_end_on": day(6)},
        {"placement_id": "P3", "candidate": "Al Byrne", "client": "Acme Ltd",
         "consultant": "Ann Lee", "start_on": day(9)}))
    text = monday_digest(model, AS_OF).text
    calls = items(text, "Today's calls")
    # Overdue first (the starter's call, the deeper stage, before the lead's), then due, then
    # coming up; the call dated 120 days ago is not among them.
    assert [(row[0], row[2]) for row in calls] == [
        ("1 day overdue", "Zoë Brontë (Acme Ltd)"), ("3 days overdue", "Ann Lee (Acme Ltd)"),
        ("Due today", "Ann Lee (Acme Ltd)"), ("Due Sun 29 Nov", "Ian Moss (Acme Ltd)")]
    assert "Not counted: 1 call overdue for more than 90 days" in text
    assert items(text, "Starts") == [["Wed 25 Nov", "Zoë Brontë", "Acme Ltd", "Ann Lee", "£7,250"]]
    assert items(text, "Probation ends") == [["Sun 29 Nov", "Ian Moss", "Acme Ltd", "Ann Lee"]]
    assert "Mon 23 Nov to Sun 29 Nov 2026" in text


# Names without line breaks or runs of spaces read exactly as typed; any other text still makes
# a digest whose HTML holds no markup but ours.
PLAIN_NAMES = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Co", "Cn", "Zs", "Zl",
                                                          "Zp")), min_size=1, max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=PLAIN_NAMES)
@example(name="<script>alert(1)</script>")
@example(name='=HYPERLINK("http://evil.example","Click")')
@example(name="Ann $x^2$ <b>Lee</b> & co")
def test_a_name_from_the_data_reads_as_typed_and_is_never_markup(name):
    model = agency(1, name=name, placements=({
        "placement_id": "P1", "candidate": name, "client": name, "consultant": name,
        "start_on": day(0), "fee": 5000},))
    digest = monday_digest(model, AS_OF, team_lead=name, consultants=[name])
    markup = Markup(digest.html)
    assert markup.tags <= MAIL_TAGS and set(markup.attributes) <= MAIL_ATTRIBUTES
    assert markup.text.count(name) >= 4 and digest.text.count(name) >= 4
    assert items(digest.text, "Starts")[0][1:4] == [name, name, name]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(max_size=30))
def test_no_name_breaks_the_digest_or_its_subject_line(name):
    digest = monday_digest(agency(1, name=name), AS_OF, team_lead=name, consultants=[name])
    assert Markup(digest.html).tags <= MAIL_TAGS
    assert "\n" not in digest.subject and "\r" not in digest.subject
