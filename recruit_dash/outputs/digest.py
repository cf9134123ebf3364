"""The Monday digest: one email-sized page for a team lead, or for the whole agency, with what
moved since the last upload, the stalled leads and their reasons, today's calls, this week's
starts and probation ends, and the check-ins due.

Rules, as the digest says them:
- Each list gives its count and its top items, then "and N more": five of each list to act on,
  three of each list of what moved since the last upload.
- Stalled leads, today's calls and check-ins follow the Stalled & today and Aftercare pages;
  calls overdue for more than 90 days are counted apart, never among today's calls.
- "This week" is the seven days from the as-of day (from Monday to Sunday on a Monday).
- A digest for a team covers only the leads, calls and placements of its consultants; a name
  the data does not hold is said, so a misspelt team member is not silently left out.
- The HTML part is for mail clients: tables and inline styles only, no script, no style sheet,
  no image, no link; every piece of text from the data is escaped, so a candidate called
  "<script>" or "=HYPERLINK(...)" reads as typed. The plain-text part says the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from recruit_dash import formats
from recruit_dash.metrics.aftercare import AT_RISK_DAYS, WINDOW_DAYS, Aftercare, aftercare, placements_of
from recruit_dash.metrics.funnel import progress
from recruit_dash.metrics.queue import (
    COMING_UP,
    DUE,
    LONG_OVERDUE,
    LONG_OVERDUE_DAYS,
    START_DAY,
    URGENCY_LABELS,
    call_queue,
)
from recruit_dash.metrics.stalled import STAGE_PHRASES, Stalled, StallRules, stalled_leads
from recruit_dash.model import (
    NO_CONSULTANT,
    OUTCOME_LABELS,
    STAGE_ORDER,
    Model,
    group_names,
    stage_orders,
)
from recruit_dash.outputs.digest_layout import Page, Part, Section, html_part, text_part
from recruit_dash.periods import to_date

TOP = 5  # items shown of each list to act on
TOP_MOVED = 3  # items shown of each list of what moved: the counts say the most
WEEK_DAYS = 7
LEAD_COLUMNS = ("Lead", "Consultant", "Client")
STALLED, CALLS = "Stalled leads", "Today's calls"


@dataclass(frozen=True)
class Digest:
    """One digest, ready to send: its subject line, its HTML part and its plain-text part."""

    subject: str
    html: str
    text: str


class Team:
    """Whose work a digest covers: some consultants (as the data spells them, where it names
    them), or the whole agency."""

    def __init__(self, model: Model, consultants: list[str] | None):
        self.keys: set[str] | None = None
        self.names: list[str] = []
        self.unknown: list[str] = []
        if consultants is None:
            return
        held = pd.concat([model.leads["consultant"], model.activities["consultant"],
                          model.placements["consultant"]], ignore_index=True).dropna().unique()
        spelling: dict[str, str] = {}
        for name in held:
            spelling.setdefault(_key(name), _clean(name))
        given: dict[str, str] = {}  # each name once, in the order first given
        for name in consultants:
            given.setdefault(_key(name), _clean(name))
        self.keys = set(given)
        self.names = [spelling.get(key, name) for key, name in given.items()]
        self.unknown = [name for key, name in given.items() if key not in spelling]

    def covers(self, consultants: pd.Series) -> np.ndarray:
        """Return which rows (by their consultant) the digest covers."""
        if self.keys is None:
            return np.ones(len(consultants), dtype=bool)
        names = group_names(consultants.reset_index(drop=True), "consultant")
        return names.map(_key).isin(self.keys).to_numpy(bool)

    def covers_name(self, consultant: object) -> bool:
        """Return whether the digest covers one row of what moved, by its consultant."""
        named = consultant if _present(consultant) else NO_CONSULTANT
        return self.keys is None or _key(named) in self.keys

    def described(self) -> str:
        """Return whom the digest covers, for its heading."""
        if self.keys is None:
            return "the whole agency"
        return _listed(self.names) if self.names else "nobody (the team has no consultants)"


def _key(name: object) -> str:
    """Return a name as compared: case and runs of spaces do not count."""
    return " ".join(str(name).split()).casefold()


def monday_digest(model: Model, as_of: date, *, moved: dict | None = None,
                  team_lead: str | None = None, consultants: list[str] | None = None,
                  rules: StallRules | None = None) -> Digest:
    """Return the digest for a day, for `team_lead` (named in its heading and subject) covering
    `consultants` (None: the whole agency; an empty list: nobody), with what moved since the
    last upload when `moved` is given (`Store.changes`, or `history.since` for two files)."""
    day = to_date(as_of).date()
    team = Team(model, consultants)
    standing = progress(model, day)
    care = aftercare(model, day)
    stalled = stalled_leads(model, day, rules, standing)
    sections = (_since_last_upload(moved, team), _stalled_section(stalled, team),
                _calls_section(call_queue(model, day, standing, care), team, day),
                _week_section(model, team, day), _checkins_section(care, team, day))
    counts = {part.title: part.count for section in sections for part in section.parts}
    reader = f" for {_clean(team_lead)}" if team_lead and team_lead.strip() else ""
    subject = (f"Monday digest{reader} — {day:%-d %b %Y}: {counts[STALLED]:,} stalled, "
               f"{_plural(counts[CALLS], 'call')} today")
    notes = ((f"Not in the data: {_listed(team.unknown)}. Check the spelling against the "
              "tracker; a consultant with no leads yet has nothing to show.",)
             if team.unknown else ())
    page = Page(subject, f"Monday digest{reader}",
                f"Covers {team.described()}, as of {day:%A %-d %B %Y}.", _summary(counts), notes,
                sections)
    return Digest(subject, html_part(page), text_part(page))


def _since_last_upload(moved: dict | None, team: Team) -> Section:
    """Return what moved since the last upload, or say how to see it."""
    if moved is None:
        return Section("Since last upload", "No earlier upload to compare with: import each "
                       "week's tracker into the history (or give last week's file too) to see "
                       "what moved.", ())

    def ours(name: str) -> list[dict]:
        return [row for row in moved.get(name) or [] if team.covers_name(row.get("consultant"))]

    def lead(row: dict) -> tuple[str, ...]:
        return _cells(row.get("lead_id"), row.get("consultant"), row.get("client"))

    def deepest(rows: list[dict], stage: str) -> list[dict]:
        return sorted(rows, key=lambda row: -STAGE_ORDER.get(row.get(stage), -1))

    new, progressed = ours("new"), ours("progressed")
    outcomes, gone, slipped = ours("outcome_changed"), ours("disappeared"), ours("next_action_slipped")
    slipped = sorted(slipped, key=lambda row: _days_between(row["from_next_action"],
                                                            row["to_next_action"]), reverse=True)
    parts = (
        _part("New leads", new, (*LEAD_COLUMNS, "Stage"), "No new leads.",
              lambda row: (*lead(row), _stage(row.get("stage")))),
        _part("Progressed", deepest(progressed, "to_stage"), (*LEAD_COLUMNS, "From → to"),
              "No lead moved to a later stage.", lambda row: (
                  *lead(row), f"{_stage(row.get('from_stage'))} → {_stage(row.get('to_stage'))}")),
        _part("Outcome changed", outcomes, (*LEAD_COLUMNS, "From → to"),
              "No outcome changed.", lambda row: (
                  *lead(row), f"{_outcome(row.get('from_outcome'))} → "
                              f"{_outcome(row.get('to_outcome'))}")),
        _part("Gone from the tracker", deepest(gone, "stage"), (*LEAD_COLUMNS, "Last at"),
              "No lead has gone from the tracker.",
              lambda row: (*lead(row), _stage(row.get("stage")))),
        _part("Next actions slipped", slipped, (*LEAD_COLUMNS, "Next action moved"),
              "No next action was put back.", lambda row: (*lead(row), _slip(row))),
    )
    span = f"{_date(moved.get('from_as_of'))} to {_date(moved.get('to_as_of'))}"
    return Section("Since last upload", span, parts)


def _stalled_section(stalled: Stalled, team: Team) -> Section:
    """Return the stalled leads, deepest stage first, then the most recently stalled (the ones
    a call can still save), then the biggest fee."""
    leads = stalled.leads[team.covers(stalled.leads["consultant"])]
    order = np.lexsort((leads["lead_id"].astype(str).to_numpy(),
                        -leads["fee"].astype("Float64").fillna(0).to_numpy("float64"),
                        leads["days_since_progress"].astype("Float64").fillna(0).to_numpy("float64"),
                        -stage_orders(leads["stage"])))
    rows = leads.iloc[order[:TOP]]
    notes = ((f"{_plural(stalled.undated, 'open lead')} of the agency have no date at all and "
              "cannot be judged.",) if stalled.undated else ())
    part = Part(STALLED, len(leads), (*LEAD_COLUMNS, "Why"), tuple(
        _cells(lead_id, consultant, client, reason) for lead_id, consultant, client, reason in zip(
            rows["lead_id"], rows["consultant"], rows["client"], rows["reason"], strict=True)),
        "No stalled leads: every open lead has moved recently or has a next action set.", notes)
    return Section("Stalled leads", "Open leads nobody has moved for longer than their stage "
                   "allows, with no next action set", (part,))


def _calls_section(items: pd.DataFrame, team: Team, day: date) -> Section:
    """Return today's calls, the most urgent first: start-day calls, overdue, due today, coming
    up; then the furthest stage and the biggest fee (the queue's order, across consultants)."""
    items = items[team.covers(items["consultant"])]
    old = int((items["urgency"] == LONG_OVERDUE).sum())
    calls = items[(items["urgency"] != LONG_OVERDUE).to_numpy(bool)]
    if len(calls):
        order = np.lexsort((calls["due_on"].to_numpy().view("int64"),
                            -calls["fee"].astype("Float64").fillna(0).to_numpy("float64"),
                            -stage_orders(calls["stage"]), calls["urgency"].to_numpy("int64")))
        calls = calls.iloc[order]
    rows = calls.iloc[:TOP]
    notes = ((f"Not counted: {_plural(old, 'call')} overdue for more than {LONG_OVERDUE_DAYS} "
              "days; review those leads on the Stalled & today page.",) if old else ())
    part = Part(CALLS, len(calls), ("When", "Call", "Who", "Consultant", "Fee"), tuple(
        (*_cells(_when(urgency, due_on, overdue), what, _who(who, lead_id, client), consultant),
         formats.money(fee))
        for urgency, due_on, overdue, what, who, lead_id, client, consultant, fee in _columns(
            rows, "urgency", "due_on", "days_overdue", "what", "who", "lead_id", "client",
            "consultant", "fee")),
        "No calls due today.", notes)
    return Section("Today's calls", f"Due {day:%A %-d %B}, overdue, or coming up this week",
                   (part,))


def _week_section(model: Model, team: Team, day: date) -> Section:
    """Return the candidates starting in the seven days from the day, and the probation ends."""
    first, last = pd.Timestamp(day), pd.Timestamp(day + timedelta(days=WEEK_DAYS - 1))
    placements = placements_of(model)
    placements = placements[team.covers(placements["consultant"])]

    def within(column: str) -> pd.DataFrame:
        dates = placements[column]
        chosen = placements[(dates >= first) & (dates <= last)]
        return chosen.sort_values([column, "candidate"], kind="stable")

    starts, ends = within("start_on"), within("probation_end_on")
    columns = ("Day", "Candidate", "Client", "Consultant")
    parts = (
        Part("Starts", len(starts), (*columns, "Fee"), tuple(
            (_weekday(on), *_cells(candidate, client, consultant), formats.money(fee))
            for on, candidate, client, consultant, fee in _columns(
                starts.iloc[:TOP], "start_on", "candidate", "client", "consultant", "fee")),
             "Nobody starts this week."),
        Part("Probation ends", len(ends), columns, tuple(
            (_weekday(on), *_cells(candidate, client, consultant))
            for on, candidate, client, consultant in _columns(
                ends.iloc[:TOP], "probation_end_on", "candidate", "client", "consultant")),
             "No probation ends this week."),
    )
    return Section("This week", f"{first:%a %-d %b} to {last:%a %-d %b %Y}: call each starter "
                   "on the day to check they started", parts)


def _checkins_section(care: Aftercare, team: Team, day: date) -> Section:
    """Return the check-ins whose window is open on the day, the soonest due first."""
    checkins = care.checkins[team.covers(care.checkins["consultant"])]
    due = checkins[checkins["status"] == "due"].sort_values(["due_on", "candidate"], kind="stable")
    at_risk = care.at_risk()
    at_risk = at_risk[team.covers(at_risk["consultant"])]
    notes = []
    if len(at_risk):
        notes.append(f"{_plural(len(at_risk), 'starter')} at risk: no contact for "
                     f"{AT_RISK_DAYS} days or more (see the Aftercare page).")
    if not care.records:
        notes.append("The data has no check-in records, so check-ins made cannot be told from "
                     "those missed; map a check-in date column on the Data page to follow them.")
    part = Part("Check-ins due", len(due), ("Due", "Check-in", "Candidate", "Client", "Consultant"),
                tuple((_weekday(on), *_cells(checkpoint, candidate, client, consultant))
                      for on, checkpoint, candidate, client, consultant in _columns(
                          due.iloc[:TOP], "due_on", "checkpoint", "candidate", "client",
                          "consultant")),
                "No check-in due now.", tuple(notes))
    return Section("Check-ins due", f"Placed candidates to call: check-ins whose {WINDOW_DAYS} "
                   f"days either side of the due day take in {day:%a %-d %b}", (part,))


def _part(title: str, rows: list[dict], columns: tuple[str, ...], empty: str,
          cells: Callable[[dict], tuple[str, ...]]) -> Part:
    """Return a list of what moved: its count and its top rows as words."""
    return Part(title, len(rows), columns, tuple(cells(row) for row in rows[:TOP_MOVED]), empty)


def _columns(frame: pd.DataFrame, *names: str):
    return zip(*(frame[name].tolist() for name in names), strict=True)


def _summary(counts: dict[str, int]) -> str:
    """Return the digest's counts in one line, the ones a team lead acts on first."""
    figures = [f"{counts[STALLED]:,} stalled", f"{_plural(counts[CALLS], 'call')} today"]
    if "New leads" in counts:
        figures += [_plural(counts["New leads"], "new lead"), f"{counts['Progressed']:,} progressed"]
    figures += [f"{_plural(counts['Starts'], 'start')} this week",
                f"{_plural(counts['Check-ins due'], 'check-in')} due"]
    return " · ".join(figures)


def _clean(value: object) -> str:
    """Return a value as one line of text: a dash when missing, control and layout characters
    (a line break, a right-to-left override) as spaces, runs of spaces as one."""
    if not _present(value):
        return formats.DASH
    text = "".join(char if char.isprintable() else " " for char in str(value))
    return " ".join(text.split()) or formats.DASH


def _present(value: object) -> bool:
    return not (value is None or value is pd.NA or value is pd.NaT
                or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "")


def _cells(*values: object) -> tuple[str, ...]:
    return tuple(_clean(value) for value in values)


def _stage(stage: object) -> str:
    return STAGE_PHRASES.get(stage, formats.DASH) if isinstance(stage, str) else formats.DASH


def _outcome(outcome: object) -> str:
    return OUTCOME_LABELS.get(outcome, formats.DASH) if isinstance(outcome, str) else "Not yet a lead"


def _day_of(value: object) -> pd.Timestamp | None:
    return pd.Timestamp(value) if _present(value) else None


def _date(value: object) -> str:
    day = _day_of(value)
    return formats.DASH if day is None else f"{day:%-d %b %Y}"


def _weekday(value: object) -> str:
    day = _day_of(value)
    return formats.DASH if day is None else f"{day:%a %-d %b}"


def _days_between(earlier: object, later: object) -> int:
    return (pd.Timestamp(later) - pd.Timestamp(earlier)).days


def _slip(row: dict) -> str:
    days = _days_between(row["from_next_action"], row["to_next_action"])
    return (f"{_date(row['from_next_action'])} → {_date(row['to_next_action'])} "
            f"(+{_plural(days, 'day')})")


def _when(urgency: int, due_on: object, days_overdue: object) -> str:
    """Return how urgent a call is, in words: starts today, overdue by days, due, coming up."""
    if urgency == START_DAY:
        return URGENCY_LABELS[START_DAY]
    if urgency == DUE:
        return "Due today"
    if urgency == COMING_UP:
        return f"Due {_weekday(due_on)}"
    return f"{_plural(int(days_overdue), 'day')} overdue"


def _who(who: object, lead_id: object, client: object) -> str:
    """Return whom to call: the person (else the lead), and their client in brackets."""
    person = _clean(who) if _present(who) else _clean(lead_id)
    return f"{person} ({_clean(client)})" if _present(client) else person


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _listed(names: list[str]) -> str:
    """Return names as a phrase: "A", "A and B", "A, B and C", "A, B, C and 4 others"."""
    names = [_clean(name) for name in names]
    if len(names) > 5:
        names = [*names[:3], f"{len(names) - 3} others"]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
