"""Generate the deterministic Northgate Recruitment sample tracker workbooks."""

from __future__ import annotations

import argparse
import io
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

AS_OF = date(2026, 11, 20)
PREV_WEEK = AS_OF - timedelta(days=7)
HISTORY_START = date(2025, 5, 18)
SEED = 20261120
DEFAULT_SCALE = 1700
OUT_DIR = Path(__file__).resolve().parent
AGENCY = "Northgate Recruitment"
NEVER = 10**7  # ordinal sentinel for "did not happen"
DATE_FORMAT = "DD/MM/YYYY"
MONEY_FORMAT = "#,##0"
WRITE_ONLY_ROWS = 20_000  # clean tables bigger than this are streamed
CREATED_AT = datetime(2025, 5, 19, 8, 30)

STAGES = (
    "lead", "meeting", "job", "shortlist", "interview", "interview_done", "second_interview",
    "second_interview_done", "offer", "accepted", "resigned", "started", "probation",
)
STAGE = {name: i for i, name in enumerate(STAGES)}
SECOND_STAGES = (STAGE["second_interview"], STAGE["second_interview_done"])
# (delay range in days from the previous stage, base chance of getting there, style group)
LADDER = {
    "meeting": ((2, 10), 0.66, "bd"),
    "job": ((1, 7), 0.76, "bd"),
    "shortlist": ((2, 10), 0.90, "mid"),
    "interview": ((3, 10), 0.66, "mid"),
    "interview_done": ((1, 7), 0.93, "mid"),
    "second_interview": ((3, 10), 0.95, "mid"),
    "second_interview_done": ((1, 5), 0.95, "mid"),
    "offer": ((1, 5), 0.62, "close"),
    "accepted": ((1, 4), 0.82, "close"),
    "resigned": ((1, 5), 0.95, "close"),
    "started": ((28, 35), 0.95, "close"),
    "probation": ((90, 90), 0.93, "care"),
}
STATUS_BY_STAGE = (
    "New lead", "Meeting booked", "Job on", "CVs sent", "Interviewing", "Interviewing",
    "2nd interview", "2nd interview", "Offer made", "Offer accepted", "Resigned", "Placed",
    "Probation passed",
)
MILESTONE_COLUMNS = {
    "meeting": "Client Meeting", "job": "Job Registered", "shortlist": "CVs Sent",
    "interview": "1st Interview", "interview_done": "1st Int Done",
    "second_interview": "2nd Interview", "second_interview_done": "2nd Int Done",
    "offer": "Offer Made", "accepted": "Offer Accepted", "resigned": "Resigned",
    "started": "Start Date", "probation": "Probation Passed",
}
LEAD_HEADERS = [
    "Lead ID", "Date Generated", "Consultant", "Client", "Contact", "Job Title", "Source",
    "Status", "Next Action", "Fee (£)", *MILESTONE_COLUMNS.values(), "Notes",
]
KPI_HEADERS = ["Consultant", "Week Commencing", "Calls", "BD Calls", "CVs Sent",
               "Client Meetings", "Interviews"]
CHECKINS = ["Pre-start Call", "Day 1 Call", "Week 1 Call", "Day 30 Call", "Day 90 Call"]
PLACEMENT_HEADERS = ["Placement ID", "Lead ID", "Candidate", "Client", "Consultant",
                     "Start Date", "Probation End", "Fee (£)", *CHECKINS]
FEEDBACK_HEADERS = ["Client", "Consultant", "Date", "Score (0-10)", "Referral?", "Testimonial?"]

LOST, HOLD = 1, 2
CHASED, CLEARED, STALE = range(3)
OUTCOME_TEXTS = ("Lost - filled direct", "Lost - client withdrew", "Lost - thanks but no thanks",
                 "Lost - credit note", "On Hold")
FILLED_DIRECT, WITHDREW, NO_THANKS, CREDIT_NOTE, ON_HOLD = range(5)
OUTCOME_NOTES = (
    ("Recruited internally", "Found someone via their own advert", "Went with another agency"),
    ("Budget frozen", "Restructure - role cancelled", "Candidate took counter-offer"),
    ("Not using agencies this year", "Happy with current supplier", "Fee too high"),
    ("Left in probation - credit note issued", "Left week 6 - rebate agreed"),
    ("Role on hold until new year", "Revisit in Q1", "Waiting on budget sign-off"),
)
PHASE_NOTES = (
    ("Left voicemail", "Spoke to HR - call back next week", "Terms sent",
     "Met at Chamber of Commerce event", "Intro via LinkedIn", "Gatekeeper - try the MD"),
    ("Exclusive for 2 weeks", "Client slow with feedback", "Chased CV feedback",
     "Hiring manager on leave", "Salary negotiable for the right person",
     "Competing with 2 other agencies"),
    ("Counter-offer risk", "Verbal accept - awaiting contract", "References requested",
     "Notice period 4 weeks", "Candidate asked for more money"),
    ("Started well", "Invoice raised", "Invoice paid", "Happy at week 1 check-in"),
)
SOURCES = ("Referral", "Job board", "LinkedIn", "Cold call", "Website")
REPEAT_SOURCE = "Repeat client"

FIRST_NAMES = (
    "Oliver", "Amelia", "Harry", "Isla", "Jack", "Ava", "George", "Mia", "Noah", "Grace",
    "Charlie", "Sophie", "Jacob", "Emily", "Alfie", "Lily", "Freddie", "Ella", "Oscar", "Ruby",
    "Leo", "Evie", "Thomas", "Jessica", "William", "Hannah", "Joshua", "Lucy", "Ethan", "Megan",
    "Samuel", "Chloe", "Daniel", "Holly", "Mohammed", "Aisha", "Ryan", "Zara", "Liam", "Niamh",
    "Connor", "Siobhan", "Rhys", "Ffion", "Callum", "Eilidh", "Adam", "Rebecca", "Ben", "Laura",
    "Matthew", "Rachel", "Luke", "Natalie", "Marcus", "Yasmin", "Kieran", "Bethany", "Arjun",
    "Priyanka", "Tomasz", "Kasia", "Dominic", "Abigail", "Owen", "Imogen", "Ravi", "Hollie",
)
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
    "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Morgan", "Moore", "Mills", "King",
    "Harrison", "Marshall", "Hughes", "Edwards", "Cooper", "Ward", "Morris", "Turner", "Bell",
    "Kaur", "Singh", "Begum", "Ali", "Murphy", "O'Brien", "McDonald", "Campbell", "Stewart",
    "Fraser", "Kowalski", "Nowak", "Ahmed", "Shaw", "Lloyd", "Barker", "Parry", "Holmes",
)
CLIENT_PLACES = (
    "Thames", "Mersey", "Cotswold", "Severn", "Humber", "Tyne", "Solent", "Chiltern", "Mendip",
    "Peak", "Dales", "Fenland", "Kestrel", "Oakwood", "Ashford", "Redbrook", "Brunel", "Wessex",
    "Mercia", "Calder", "Wharfe", "Ribble", "Trent", "Avon", "Medway", "Lakeland", "Quantock",
    "Malvern", "Cheviot", "Sherwood", "Kingfisher", "Heron", "Granite", "Anchor", "Beacon",
    "Castle", "Bridgewater", "Albion", "Crown", "Meridian", "Summit", "Riverside", "Westgate",
    "Eastfield", "Holbrook", "Millbrook", "Stonebridge", "Ironbridge", "Lindisfarne", "Exmoor",
    "Wolds", "Fosse", "Ridgeway", "Kennet", "Derwent", "Eden", "Tamar", "Wye", "Ouse", "Aire",
)
# sector -> (company words, roles as (title, salary range in £k))
SECTORS = {
    "logistics": (("Logistics", "Freight", "Distribution", "Transport"), (
        ("Warehouse Manager", 35, 48), ("Transport Planner", 30, 38), ("Shift Supervisor", 28, 36),
        ("Fleet Manager", 38, 50), ("Inventory Controller", 26, 32),
        ("HGV Class 1 Driver", 32, 40))),
    "food": (("Foods", "Bakeries", "Dairies", "Food Group"), (
        ("Production Manager", 40, 55), ("Quality Technician", 26, 33),
        ("Maintenance Engineer", 38, 48), ("Technical Manager", 45, 60),
        ("Shift Supervisor", 28, 36), ("Hygiene Manager", 30, 38))),
    "engineering": (("Engineering", "Precision Engineering", "Fabrications", "Controls"), (
        ("Electrical Engineer", 38, 55), ("Mechanical Design Engineer", 35, 50),
        ("Project Engineer", 40, 55), ("CAD Technician", 28, 36),
        ("Maintenance Engineer", 38, 48), ("Controls Engineer", 42, 58))),
    "construction": (("Construction", "Builders", "Homes", "Civils"), (
        ("Site Manager", 45, 60), ("Quantity Surveyor", 40, 60), ("Estimator", 35, 50),
        ("Contracts Manager", 55, 75), ("Building Services Engineer", 40, 55))),
    "care": (("Care", "Healthcare", "Care Homes"), (
        ("Registered Nurse", 34, 42), ("Care Home Manager", 45, 58), ("Deputy Manager", 32, 40),
        ("Clinical Lead", 42, 52))),
    "professional": (("Accountants", "Financial Services", "Insurance"), (
        ("Payroll Officer", 26, 34), ("Accounts Assistant", 24, 29), ("Credit Controller", 25, 31),
        ("Management Accountant", 42, 55), ("Finance Manager", 55, 75), ("Audit Senior", 38, 48))),
    "manufacturing": (("Plastics", "Packaging", "Manufacturing", "Print"), (
        ("Production Manager", 40, 55), ("Quality Engineer", 35, 45),
        ("Purchasing Manager", 40, 55), ("Operations Manager", 50, 70),
        ("Maintenance Engineer", 38, 48))),
}
GENERAL_ROLES = (("HR Advisor", 32, 40), ("Office Manager", 30, 38), ("Payroll Officer", 26, 34),
                 ("Customer Service Team Leader", 27, 33), ("Accounts Assistant", 24, 29))


@dataclass(frozen=True)
class Style:
    """How one consultant works: volumes, per-stage conversion multipliers, aftercare."""

    name: str
    lead_rate: float
    calls: tuple[int, int]
    bd_share: float
    extra_meetings: float
    bd: float
    mid: float
    close: float
    care: float
    checkin_done: float
    checkin_late: float
    chase_late: float
    score: tuple[float, float]
    sources: tuple[float, ...] = (0.14, 0.22, 0.26, 0.18, 0.20)
    fee_uplift: float = 0.0
    joined: date = HISTORY_START
    ramp_weeks: int = 0


TEAM = (
    Style("Sarah Whitfield", 4.2, (150, 250), 0.22, 0.8, 0.95, 0.93, 0.90, 0.95,
          0.55, 0.35, 0.35, (6.4, 2.3)),
    Style("James Okafor", 1.3, (50, 80), 0.18, 0.5, 1.06, 1.07, 1.06, 1.0,
          0.85, 0.10, 0.12, (8.2, 1.2), sources=(0.30, 0.15, 0.25, 0.10, 0.20)),
    Style("Priya Shah", 2.8, (110, 150), 0.20, 1.0, 1.04, 1.05, 1.06, 1.02,
          0.90, 0.08, 0.10, (8.8, 1.0), sources=(0.26, 0.18, 0.24, 0.14, 0.18),
          fee_uplift=0.01),
    Style("Tom Brennan", 2.4, (90, 140), 0.20, 0.6, 0.97, 0.95, 0.93, 0.98,
          0.75, 0.20, 0.25, (7.2, 1.6), joined=date(2026, 5, 18), ramp_weeks=12),
    Style("Emma Lawson", 3.0, (110, 150), 0.45, 3.0, 1.15, 0.98, 0.85, 0.97,
          0.80, 0.15, 0.20, (7.3, 1.5), sources=(0.12, 0.12, 0.30, 0.34, 0.12)),
    Style("Daniel Hughes", 2.0, (90, 120), 0.20, 0.8, 1.0, 1.0, 1.0, 1.0,
          0.80, 0.15, 0.20, (7.5, 1.5)),
    Style("Chloe Martin", 2.0, (90, 125), 0.18, 0.8, 1.0, 1.0, 1.10, 1.06,
          0.98, 0.02, 0.08, (9.0, 0.9), sources=(0.24, 0.18, 0.24, 0.14, 0.20)),
)


@dataclass(frozen=True)
class Agency:
    """The agency's whole simulated timeline; dates are day ordinals, NEVER if not reached."""

    team: tuple[Style, ...]
    lead_ids: np.ndarray
    created: np.ndarray
    consultant: np.ndarray
    client_names: tuple[str, ...]
    client: np.ndarray
    contact: np.ndarray
    role: np.ndarray
    source: np.ndarray
    fee: np.ndarray
    potential: np.ndarray
    milestone: np.ndarray
    outcome: np.ndarray
    outcome_on: np.ndarray
    outcome_reason: np.ndarray
    active_until: np.ndarray
    touch_on: np.ndarray
    next_set: np.ndarray
    cleared: np.ndarray
    recontact_on: np.ndarray
    note_on: np.ndarray
    note: np.ndarray
    outcome_note: np.ndarray
    text_created: np.ndarray
    text_cvs: np.ndarray
    blank_before: np.ndarray
    name_space: np.ndarray
    placement_no: np.ndarray
    candidate: np.ndarray
    checkin_on: np.ndarray
    cvs_per_shortlist: np.ndarray
    interviewees: np.ndarray
    second_interviewees: np.ndarray
    feedback: pd.DataFrame
    kpi: pd.DataFrame


def _workday(ordinals: np.ndarray) -> np.ndarray:
    """Move weekend day ordinals forward to the next Monday."""
    weekday = (ordinals + 6) % 7
    return ordinals + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))


def _monday(ordinals: np.ndarray) -> np.ndarray:
    """Return the Monday of each day ordinal's week."""
    return ordinals - (ordinals + 6) % 7


def _people(rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw random British-sounding full names."""
    first = rng.choice(np.array(FIRST_NAMES, dtype=object), size)
    last = rng.choice(np.array(LAST_NAMES, dtype=object), size)
    return first + " " + last


def _weeks(joined: date) -> np.ndarray:
    """Return the Mondays of the weeks a consultant has worked, up to the AS_OF week."""
    first = int(_monday(np.array(joined.toordinal() + 1)))  # a Sunday start counts from Monday
    return np.arange(first, int(_monday(np.array(AS_OF.toordinal()))) + 1, 7)


def _team(rng: np.random.Generator, activity_rows: int | None) -> tuple[Style, ...]:
    """Return the named team, plus cloned styles when a benchmark wants more KPI rows."""
    team = list(TEAM)
    rows = sum(len(_weeks(s.joined)) for s in team)
    taken = {s.name for s in team}
    weeks = _weeks(HISTORY_START)
    while activity_rows is not None and rows < activity_rows:
        name = str(_people(rng, 1)[0])
        if name in taken:  # add a middle initial, and a number as a last resort
            first, last = name.split(" ", 1)
            name = f"{first} {chr(65 + int(rng.integers(26)))}. {last}"
            name = f"{name} ({len(team)})" if name in taken else name
        taken.add(name)
        start = weeks[int(rng.integers(len(weeks)))] if rng.random() < 0.25 else weeks[0]
        joined = date.fromordinal(int(start))
        team.append(replace(TEAM[len(team) % len(TEAM)], name=name, joined=joined))
        rows += len(_weeks(joined))
    return tuple(team)


def _clients(rng: np.random.Generator, count: int) -> tuple[list[str], np.ndarray]:
    """Return unique UK company names and their sectors, biggest accounts first."""
    names, sectors = ["Harbour Logistics Ltd", "Pennine Foods plc"], ["logistics", "food"]
    sector_keys = list(SECTORS)
    taken = set(names)
    while len(names) < count:
        sector = sector_keys[int(rng.integers(len(sector_keys)))]
        words = SECTORS[sector][0]
        place = CLIENT_PLACES[int(rng.integers(len(CLIENT_PLACES)))]
        word = words[int(rng.integers(len(words)))]
        suffixes = ["Ltd", "plc"] if word.endswith("Group") else [
            "Ltd", "Ltd", "Ltd", "Ltd", "plc", "Group", "UK Ltd"]
        suffix = "LLP" if word == "Accountants" else str(rng.choice(suffixes))
        name = f"{place} {word} {suffix}"
        if name in taken:
            continue
        taken.add(name)
        names.append(name)
        sectors.append(sector)
    return names, np.array(sectors, dtype=object)


def _lead_dates(rng: np.random.Generator, team: tuple[Style, ...], scale: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Spread `scale` lead creation days over the consultants' working days."""
    end = AS_OF.toordinal()
    days = np.arange(HISTORY_START.toordinal(), end + 1)
    dates = [date.fromordinal(int(d)) for d in days]
    christmas = np.array([(d.month == 12 and d.day >= 23) or (d.month == 1 and d.day <= 2)
                          for d in dates])
    workday = ((days + 6) % 7 < 5) & ~christmas
    growth = 1 + 0.35 * (days - days[0]) / (end - days[0])  # the agency grows a little
    pools, weights = [], []
    for style in team:
        pool = days[workday & (days >= style.joined.toordinal())]
        pools.append(pool)
        weights.append(style.lead_rate * len(pool))
    counts = rng.multinomial(scale, np.array(weights) / sum(weights))
    consultant, created = [], []
    for i, (pool, count) in enumerate(zip(pools, counts, strict=True)):
        p = growth[pool - days[0]]
        created.append(rng.choice(pool, size=count, p=p / p.sum()))
        consultant.append(np.full(count, i))
    return np.concatenate(consultant), np.concatenate(created)


def _per_lead(team: tuple[Style, ...], attr: str, consultant: np.ndarray) -> np.ndarray:
    """Look up one style attribute for every lead's consultant."""
    return np.array([getattr(s, attr) for s in team])[consultant]


def _leads(rng: np.random.Generator, team: tuple[Style, ...], scale: int) -> dict:
    """Draw who, for whom, what role, from which source and at what fee each lead is."""
    n_clients = 64 if scale <= DEFAULT_SCALE else round(64 * (scale / DEFAULT_SCALE) ** 0.5)
    client_names, client_sector = _clients(rng, n_clients)
    consultant, created = _lead_dates(rng, team, scale)
    order = np.lexsort((consultant, created))
    consultant, created = consultant[order], created[order]
    n = len(created)
    width = max(4, len(str(n)))

    # long-tailed client popularity; each consultant favours the accounts they own
    popularity = np.exp(-np.arange(n_clients) / (n_clients / 5.8))
    lead_weight = np.array([s.lead_rate * (AS_OF - s.joined).days for s in team])
    owner = rng.choice(len(team), size=n_clients, p=lead_weight / lead_weight.sum())
    client = np.zeros(n, dtype=int)
    for c in range(len(team)):
        mine = np.flatnonzero(consultant == c)
        w = popularity * np.where(owner == c, 4.0, 1.0)
        client[mine] = rng.choice(n_clients, size=len(mine), p=w / w.sum())
    contacts = [_people(rng, int(rng.integers(1, 4))) for _ in range(n_clients)]
    pick = rng.random(n) ** 1.8  # the first contact is the usual one
    contact = np.array([contacts[c][int(p * len(contacts[c]))] for c, p in zip(
        client, pick, strict=True)], dtype=object)

    role = np.empty(n, dtype=object)
    salary = np.zeros(n)
    general = rng.random(n) < 0.25
    for sector, (_, roles) in SECTORS.items():
        for mask, options in ((~general, roles), (general, GENERAL_ROLES)):
            idx = np.flatnonzero(mask & (client_sector[client] == sector))
            choice = rng.integers(len(options), size=len(idx))
            lo = np.array([options[k][1] for k in choice])
            hi = np.array([options[k][2] for k in choice])
            role[idx] = [options[k][0] for k in choice]
            salary[idx] = np.round(rng.uniform(lo, hi) * 2) * 500
    rate = rng.uniform(0.18, 0.22, n) + _per_lead(team, "fee_uplift", consultant)
    fee = np.clip(np.round(salary * rate / 50) * 50, 3000, 25000).astype(int)

    mixes = np.cumsum(_per_lead(team, "sources", consultant), axis=1)
    picked = np.minimum((rng.random(n)[:, None] > mixes).sum(axis=1), len(SOURCES) - 1)
    source = np.array(SOURCES, dtype=object)[picked]
    returning = pd.Series(client).duplicated().to_numpy()
    source[returning & (rng.random(n) < 0.28)] = REPEAT_SOURCE
    return {
        "lead_ids": np.array([f"NG-{i + 1:0{width}d}" for i in range(n)], dtype=object),
        "created": created, "consultant": consultant, "client_names": tuple(client_names),
        "client": client, "contact": contact, "role": role, "source": source, "fee": fee,
    }


def _ladder(rng: np.random.Generator, team: tuple[Style, ...], consultant: np.ndarray,
            created: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Climb each lead up the ladder; return potential and actually reached stage dates."""
    n = len(created)
    chance = np.ones((len(team), len(STAGES)))
    for stage, (_, base, group) in LADDER.items():
        chance[:, STAGE[stage]] = [min(0.98, base * getattr(s, group)) for s in team]
    passed = rng.random((n, len(STAGES))) < chance[consultant]
    has_second = rng.random(n) < 0.6
    potential = np.zeros((n, len(STAGES)), dtype=np.int64)
    potential[:, 0] = created
    reached = np.zeros((n, len(STAGES)), dtype=bool)
    reached[:, 0] = True
    alive = np.ones(n, dtype=bool)
    for stage, ((lo, hi), _, _) in LADDER.items():
        s = STAGE[stage]
        step = potential[:, s - 1] + rng.integers(lo, hi + 1, n)
        if stage != "probation":
            step = _workday(step)
        applies = has_second if s in SECOND_STAGES else np.ones(n, dtype=bool)
        potential[:, s] = np.where(applies, step, potential[:, s - 1])
        alive &= passed[:, s] | ~applies
        reached[:, s] = alive & applies
    return potential, np.where(reached, potential, NEVER)


def _outcomes(rng: np.random.Generator, potential: np.ndarray, milestone: np.ndarray
              ) -> dict:
    """Decide how and when leads that stopped climbing end: lost, on hold or left open."""
    n = len(milestone)
    furthest = _furthest(milestone)
    last = milestone[np.arange(n), furthest]
    start = potential[:, STAGE["started"]]
    outcome = np.zeros(n, dtype=np.int8)
    outcome_on = np.full(n, NEVER, dtype=np.int64)
    reason = np.full(n, -1)

    roll = rng.random(n)
    early = furthest < STAGE["accepted"]
    early_lost = early & (roll < 0.55)
    early_hold = early & (roll >= 0.55) & (roll < 0.65)
    outcome[early_lost], outcome[early_hold] = LOST, HOLD
    early_on = _workday(last + rng.integers(5, 41, n))
    outcome_on[early] = np.where(outcome[early] > 0, early_on[early], NEVER)
    why_pre = rng.choice([FILLED_DIRECT, WITHDREW, NO_THANKS], n, p=[0.2, 0.3, 0.5])
    why_post = rng.choice([FILLED_DIRECT, WITHDREW, NO_THANKS], n, p=[0.45, 0.3, 0.25])
    reason[early_lost] = np.where(furthest < STAGE["job"], why_pre, why_post)[early_lost]
    reason[early_hold] = ON_HOLD

    fell = (furthest == STAGE["accepted"]) | (furthest == STAGE["resigned"])
    outcome[fell] = LOST
    # a fall-through is known before the planned start, so no past start date is ever shown
    outcome_on[fell] = np.minimum(_workday(last + rng.integers(2, 21, n)), start - 1)[fell]
    reason[fell] = rng.choice([WITHDREW, NO_THANKS], n, p=[0.6, 0.4])[fell]
    credit = furthest == STAGE["started"]
    outcome[credit] = LOST
    outcome_on[credit] = (start + rng.integers(5, 86, n))[credit]
    reason[credit] = CREDIT_NOTE

    # a stalled open lead is either still chased, cleared (blank) or left with a stale date
    stale_kind = rng.choice([CHASED, CLEARED, STALE], n, p=[0.6, 0.25, 0.15])
    stalled_until = np.where(stale_kind == CHASED, NEVER, last + rng.integers(10, 91, n))
    active_until = np.where(furthest == STAGE["probation"], milestone[:, STAGE["probation"]],
                            np.where(outcome > 0, outcome_on, stalled_until))
    return {"outcome": outcome, "outcome_on": outcome_on, "outcome_reason": reason,
            "active_until": active_until, "cleared": stale_kind == CLEARED}


def _next_actions(rng: np.random.Generator, team: tuple[Style, ...], consultant: np.ndarray,
                  created: np.ndarray, ends: dict) -> dict:
    """Chain follow-ups: at each touch a next-action date is set, then chased (maybe late)."""
    n = len(created)
    k = 96  # enough touches to chase a lead from the first day of history to AS_OF
    gaps = rng.integers(2, 15, (n, k), dtype=np.int32)
    late_p = _per_lead(team, "chase_late", consultant)[:, None]
    late = np.where(rng.random((n, k)) < late_p, rng.integers(1, 21, (n, k), dtype=np.int32), 0)
    touch_on = created[:, None].astype(np.int32) + np.concatenate(
        [np.zeros((n, 1), dtype=np.int32), np.cumsum(gaps + late, axis=1)[:, :-1]], axis=1)
    outcome, outcome_on = ends["outcome"], ends["outcome_on"]
    recontact = (outcome == LOST) & (ends["outcome_reason"] != CREDIT_NOTE) & (
        rng.random(n) < 0.7)
    recontact_on = np.where(recontact, _workday(outcome_on + rng.integers(60, 421, n)), NEVER)
    hold_next = (outcome == HOLD) & (rng.random(n) < 0.6)
    recontact_on = np.where(hold_next, _workday(outcome_on + rng.integers(14, 76, n)),
                            recontact_on)
    return {"touch_on": touch_on, "next_set": _workday(touch_on + gaps),
            "recontact_on": recontact_on}


def _notes(rng: np.random.Generator, created: np.ndarray, milestone: np.ndarray,
           ends: dict) -> dict:
    """Draw an optional progress note per lead and a reason note for closed ones."""
    n = len(created)
    span = np.maximum(np.minimum(ends["active_until"], AS_OF.toordinal()) - created, 1)
    note_on = np.where(rng.random(n) < 0.3, created + (rng.random(n) * span).astype(np.int64),
                       NEVER)
    stage_at_note = _furthest(np.where(milestone <= note_on[:, None], milestone, NEVER))
    phase = np.searchsorted([STAGE["job"], STAGE["offer"], STAGE["started"]], stage_at_note,
                            side="right")
    pick = rng.integers(0, 1000, n)
    note = np.array([PHASE_NOTES[p][q % len(PHASE_NOTES[p])] for p, q in zip(
        phase, pick, strict=True)], dtype=object)
    outcome_note = np.array([OUTCOME_NOTES[r][q % len(OUTCOME_NOTES[r])] if r >= 0 else None
                             for r, q in zip(ends["outcome_reason"], pick, strict=True)],
                            dtype=object)
    outcome_note[rng.random(n) < 0.4] = None
    return {"note_on": note_on, "note": note, "outcome_note": outcome_note}


def _checkins(rng: np.random.Generator, team: tuple[Style, ...], consultant: np.ndarray,
              potential: np.ndarray, milestone: np.ndarray, outcome_on: np.ndarray) -> dict:
    """Number accepted offers and draw when each aftercare call was actually made."""
    n = len(consultant)
    accepted = milestone[:, STAGE["accepted"]] < NEVER
    rows = np.flatnonzero(accepted)
    placement_no = np.zeros(n, dtype=int)
    placement_no[rows[np.argsort(milestone[rows, STAGE["accepted"]], kind="stable")]] = (
        np.arange(1, len(rows) + 1))
    start = potential[:, STAGE["started"]]
    pre_start = start - rng.integers(1, 8, n)
    pre_start -= np.select([(pre_start + 6) % 7 == 5, (pre_start + 6) % 7 == 6], [1, 2], 0)
    scheduled = np.stack([pre_start, start, start + 7, start + 30, start + 90], axis=1)
    done = rng.random((n, 5)) < _per_lead(team, "checkin_done", consultant)[:, None]
    is_late = rng.random((n, 5)) < _per_lead(team, "checkin_late", consultant)[:, None]
    on_time = rng.integers(-3, 4, (n, 5))
    on_time[:, 0] = 0
    on_time[:, 1] = rng.random(n) < 0.2
    late_by = rng.integers(4, 15, (n, 5))
    late_by[:, 0] = 0
    late_by[:, 1] = rng.integers(2, 8, n)
    actual = scheduled + np.where(is_late, late_by, on_time)
    actual[:, 1:] = _workday(actual[:, 1:])
    made = done & accepted[:, None] & (actual <= outcome_on[:, None])
    return {"placement_no": placement_no, "candidate": _people(rng, n),
            "checkin_on": np.where(made, actual, NEVER)}


def _furthest(milestone: np.ndarray) -> np.ndarray:
    """Return the index of the furthest stage each lead has a date for."""
    return np.where(milestone < NEVER, np.arange(len(STAGES)), -1).max(axis=1)


@lru_cache(maxsize=4)
def simulate(scale: int = DEFAULT_SCALE, activity_rows: int | None = None) -> Agency:
    """Simulate the agency's full event timeline up to AS_OF once, with a fixed seed."""
    rng = np.random.default_rng(SEED)
    team = _team(rng, activity_rows)
    leads = _leads(rng, team, scale)
    consultant, created = leads["consultant"], leads["created"]
    n = len(created)
    potential, milestone = _ladder(rng, team, consultant, created)
    ends = _outcomes(rng, potential, milestone)
    return Agency(
        team=team, **leads, potential=potential, milestone=milestone, **ends,
        **_next_actions(rng, team, consultant, created, ends),
        **_notes(rng, created, milestone, ends),
        **_checkins(rng, team, consultant, potential, milestone, ends["outcome_on"]),
        text_created=rng.random(n) < 0.05, text_cvs=rng.random(n) < 0.05,
        blank_before=rng.random(n) < 0.02, name_space=rng.random(n) < 0.01,
        cvs_per_shortlist=rng.integers(2, 6, n), interviewees=rng.integers(1, 4, n),
        second_interviewees=rng.integers(1, 3, n),
        feedback=_feedback(rng, team, leads, milestone, ends),
        kpi=_kpi_frame(rng, team),
    )


def _feedback(rng: np.random.Generator, team: tuple[Style, ...], leads: dict,
              milestone: np.ndarray, ends: dict) -> pd.DataFrame:
    """Draw client survey answers: mostly after a start, some after a lost or new job."""
    consultant, outcome, outcome_on = leads["consultant"], ends["outcome"], ends["outcome_on"]
    n = len(consultant)
    furthest = _furthest(milestone)
    started = milestone[:, STAGE["started"]] < NEVER
    after_start = started & (rng.random(n) < 0.8)
    start_on = _workday(milestone[:, STAGE["started"]] + rng.integers(20, 101, n))
    mid_lost = ((outcome == LOST) & (furthest >= STAGE["shortlist"])
                & (furthest <= STAGE["offer"]) & (rng.random(n) < 0.3))
    lost_on = _workday(outcome_on + rng.integers(3, 21, n))
    new_job = (milestone[:, STAGE["job"]] < NEVER) & (rng.random(n) < 0.04)
    job_on = _workday(milestone[:, STAGE["job"]] + rng.integers(7, 30, n))
    lead = np.concatenate([np.flatnonzero(mask) for mask in (after_start, mid_lost, new_job)])
    on = np.concatenate([start_on[after_start], lost_on[mid_lost], job_on[new_job]])
    credit = (outcome == LOST) & (furthest == STAGE["started"])
    adjust = np.concatenate([np.where(credit, -3.0, 0.0)[after_start],
                             np.full(mid_lost.sum(), -1.5), np.full(new_job.sum(), -0.5)])
    score_mean, score_sd = _per_lead(team, "score", consultant[lead]).T
    score = np.clip(np.rint(rng.normal(score_mean, score_sd) + adjust), 0, 10).astype(int)
    referral = rng.random(len(lead)) < np.select([score >= 9, score >= 7], [0.45, 0.18], 0.03)
    testimonial = rng.random(len(lead)) < np.select([score >= 9, score >= 7], [0.35, 0.08], 0.0)
    variant = rng.choice(3, size=len(lead), p=[0.94, 0.04, 0.02])
    frame = pd.DataFrame({"lead": lead, "on": on, "client": leads["client"][lead],
                          "consultant": consultant[lead], "score": score,
                          "referral": referral, "testimonial": testimonial, "variant": variant})
    return frame.sort_values(["on", "lead"], kind="stable").reset_index(drop=True)


def _kpi_frame(rng: np.random.Generator, team: tuple[Style, ...]) -> pd.DataFrame:
    """Draw each consultant's weekly call volumes and the noise around pipeline-driven counts."""
    frame = pd.concat([pd.DataFrame({"consultant": i, "week": _weeks(style.joined)})
                       for i, style in enumerate(team)], ignore_index=True)
    c = frame["consultant"].to_numpy()
    weeks = frame["week"].to_numpy()
    lo, hi = _per_lead(team, "calls", c).T
    ramp = _per_lead(team, "ramp_weeks", c)
    tenure = (weeks - weeks[np.searchsorted(c, c)]) / 7  # frame rows are grouped by consultant
    factor = np.where(ramp > 0, np.minimum(1.0, 0.5 + 0.5 * tenure / np.maximum(ramp, 1)), 1.0)
    week_dates = [date.fromordinal(int(w)) for w in weeks]
    festive = np.array([(d.month == 12 and d.day >= 22) or (d.month == 1 and d.day <= 4)
                        for d in week_dates])
    holiday = np.where(rng.random(len(frame)) < 0.05, rng.uniform(0.0, 0.4, len(frame)), 1.0)
    factor *= np.where(festive, 0.35, holiday)
    calls = np.rint(rng.integers(lo, hi + 1) * factor).astype(int)
    frame["calls"] = calls
    frame["bd_calls"] = rng.binomial(calls, _per_lead(team, "bd_share", c))
    frame["extra_meetings"] = rng.poisson(_per_lead(team, "extra_meetings", c) * factor)
    frame["extra_cvs"] = rng.poisson(1.2 * factor)
    return frame


def _to_dates(ordinals: np.ndarray) -> list[date | None]:
    """Convert day ordinals to dates, NEVER to None."""
    return [date.fromordinal(int(o)) if o < NEVER else None for o in ordinals]


def _uk(value: date | None) -> str | None:
    """Format a date the way a UK user types it."""
    return value.strftime("%d/%m/%Y") if value else None


def snapshot(agency: Agency, as_of: date, messy: bool = True) -> dict[str, pd.DataFrame]:
    """Return the sheets of the tracker as it looked at the end of `as_of`."""
    day = as_of.toordinal()
    idx = np.flatnonzero(agency.created <= day)
    names = np.array([s.name for s in agency.team], dtype=object)
    m = agency.milestone[idx]
    shown = m <= day
    furthest = _furthest(np.where(shown, m, NEVER))
    outcome = np.where(agency.outcome_on[idx] <= day, agency.outcome[idx], 0)
    reason = agency.outcome_reason[idx]
    lost = outcome == LOST

    status = np.array(STATUS_BY_STAGE, dtype=object)[furthest]
    status[outcome > 0] = np.array(OUTCOME_TEXTS, dtype=object)[reason[outcome > 0]]

    limit = np.minimum(day, agency.active_until[idx])
    k = (agency.touch_on[idx] <= limit[:, None]).sum(axis=1) - 1
    next_on = agency.next_set[idx, k]
    stale = day > agency.active_until[idx]
    next_on = np.where(stale & agency.cleared[idx], NEVER, next_on)
    recontact = agency.recontact_on[idx]
    next_on = np.where(lost, np.where(recontact > day, recontact, NEVER), next_on)
    next_on = np.where(outcome == HOLD, recontact, next_on)
    next_on = np.where(furthest == STAGE["probation"], NEVER, next_on)

    dates = {stage: np.where(shown[:, STAGE[stage]], m[:, STAGE[stage]], NEVER) for stage in
             MILESTONE_COLUMNS}
    planned = (shown[:, STAGE["accepted"]] & ~lost) | shown[:, STAGE["started"]]
    dates["started"] = np.where(planned, agency.potential[idx, STAGE["started"]], NEVER)

    note = np.where(agency.note_on[idx] <= day, agency.note[idx], None)
    closing = (outcome > 0) & pd.notna(agency.outcome_note[idx])
    note = np.where(closing, agency.outcome_note[idx], note)

    consultant = names[agency.consultant[idx]]
    leads = {
        "Lead ID": agency.lead_ids[idx],
        "Date Generated": _to_dates(agency.created[idx]),
        "Consultant": consultant,
        "Client": np.array(agency.client_names, dtype=object)[agency.client[idx]],
        "Contact": agency.contact[idx],
        "Job Title": agency.role[idx],
        "Source": agency.source[idx],
        "Status": status,
        "Next Action": _to_dates(next_on),
        "Fee (£)": pd.array([int(f) if j else None for f, j in zip(
            agency.fee[idx], shown[:, STAGE["job"]], strict=True)], dtype="Int64"),
    }
    for stage, header in MILESTONE_COLUMNS.items():
        leads[header] = _to_dates(dates[stage])
    leads["Notes"] = note
    if messy:
        # One job in four is ticked rather than dated, as trackers kept by hand often are.
        leads["Job Registered"] = ["✓" if d and i % 4 == 0 else d
                                   for i, d in enumerate(leads["Job Registered"])]
        for header, flags in (("Date Generated", agency.text_created[idx]),
                              ("CVs Sent", agency.text_cvs[idx])):
            leads[header] = [_uk(d) if flag else d for d, flag in zip(
                leads[header], flags, strict=True)]
        leads["Consultant"] = np.where(agency.name_space[idx], consultant + " ", consultant)
    tracker = pd.DataFrame(leads, columns=LEAD_HEADERS)
    pivot = _pivot(names, agency.consultant[idx], furthest, outcome)
    if messy:
        tracker = _add_mess(tracker, agency.blank_before[idx])
    tracker.attrs.update(
        preamble=[[f"{AGENCY} — Lead Tracker"], [f"Updated {as_of:%d/%m/%Y}"], []],
        as_of=as_of.isoformat(), messy=messy)
    return {
        "Lead Tracker": tracker,
        "KPI Weekly": _kpi_snapshot(agency, names, day),
        "Placements": _placements(agency, names, idx, dates["started"], day),
        "Client Feedback": _feedback_snapshot(agency, names, day, messy),
        "Pivot": pivot,
    }


def _add_mess(tracker: pd.DataFrame, blank_before: np.ndarray) -> pd.DataFrame:
    """Scatter fully empty rows among the leads and append a totals row."""
    position = np.arange(len(tracker), dtype=float)
    blanks = pd.DataFrame(None, index=range(int(blank_before.sum())), columns=LEAD_HEADERS,
                          dtype=object)
    total = pd.DataFrame([{"Lead ID": "TOTAL", "Fee (£)": int(tracker["Fee (£)"].sum())}],
                         columns=LEAD_HEADERS, dtype=object)
    keys = np.concatenate([position, position[blank_before] - 0.5, [len(tracker)]])
    rows = pd.concat([tracker.astype(object), blanks, total], ignore_index=True)
    return rows.iloc[np.argsort(keys, kind="stable")].reset_index(drop=True)


def _pivot(names: np.ndarray, consultant: np.ndarray, furthest: np.ndarray,
           outcome: np.ndarray) -> pd.DataFrame:
    """Build the pasted pivot-table summary of leads by consultant and state."""
    state = np.where(outcome == LOST, "Lost",
                     np.where(furthest >= STAGE["started"], "Placed", "Open"))
    counts = pd.crosstab(consultant, state).reindex(columns=["Open", "Lost", "Placed"],
                                                    fill_value=0)
    counts["Grand Total"] = counts.sum(axis=1)
    counts.loc["Grand Total"] = counts.sum()
    labels = [names[i] if i != "Grand Total" else i for i in counts.index]
    frame = counts.reset_index(drop=True).astype(int)
    frame.insert(0, "Row Labels", labels)
    frame.attrs.update(preamble=[["Count of Lead ID", "Column Labels"]], freeze=False)
    return frame


def _kpi_snapshot(agency: Agency, names: np.ndarray, day: int) -> pd.DataFrame:
    """Return the weekly activity rows up to the snapshot week, counting pipeline events."""
    frame = agency.kpi[agency.kpi["week"] <= day]
    key = pd.MultiIndex.from_arrays([frame["consultant"], frame["week"]])

    def weekly(stage: str, weight: np.ndarray | None = None) -> np.ndarray:
        on = agency.milestone[:, STAGE[stage]]
        sel = on <= day
        values = np.ones(sel.sum(), dtype=int) if weight is None else weight[sel]
        sums = pd.Series(values).groupby([agency.consultant[sel], _monday(on[sel])]).sum()
        return sums.reindex(key, fill_value=0).to_numpy()

    interviews = (weekly("interview", agency.interviewees)
                  + weekly("second_interview", agency.second_interviewees))
    return pd.DataFrame({
        "Consultant": names[frame["consultant"].to_numpy()],
        "Week Commencing": _to_dates(frame["week"].to_numpy()),
        "Calls": frame["calls"].to_numpy(),
        "BD Calls": frame["bd_calls"].to_numpy(),
        "CVs Sent": weekly("shortlist", agency.cvs_per_shortlist) + frame["extra_cvs"].to_numpy(),
        "Client Meetings": weekly("meeting") + frame["extra_meetings"].to_numpy(),
        "Interviews": interviews,
    }).sort_values(["Week Commencing", "Consultant"], kind="stable").reset_index(drop=True)


def _placements(agency: Agency, names: np.ndarray, idx: np.ndarray, start_on: np.ndarray,
                day: int) -> pd.DataFrame:
    """Return one row per accepted offer with a (possibly planned) start date."""
    keep = (start_on < NEVER) & (agency.placement_no[idx] > 0)
    rows = idx[keep]
    order = np.argsort(agency.placement_no[rows])
    rows, start = rows[order], start_on[keep][order]
    width = max(4, len(str(agency.placement_no.max())))
    frame = pd.DataFrame({
        "Placement ID": [f"P-{p:0{width}d}" for p in agency.placement_no[rows]],
        "Lead ID": agency.lead_ids[rows],
        "Candidate": agency.candidate[rows],
        "Client": np.array(agency.client_names, dtype=object)[agency.client[rows]],
        "Consultant": names[agency.consultant[rows]],
        "Start Date": _to_dates(start),
        "Probation End": _to_dates(start + 90),
        "Fee (£)": agency.fee[rows],
    })
    checkins = agency.checkin_on[rows]
    for j, header in enumerate(CHECKINS):
        frame[header] = _to_dates(np.where(checkins[:, j] <= day, checkins[:, j], NEVER))
    return frame


def _feedback_snapshot(agency: Agency, names: np.ndarray, day: int, messy: bool
                       ) -> pd.DataFrame:
    """Return the client survey answers given up to the snapshot date."""
    fb = agency.feedback[agency.feedback["on"] <= day]
    client = np.array(agency.client_names, dtype=object)[fb["client"].to_numpy()]
    if messy:
        variant = fb["variant"].to_numpy()
        client = np.where(variant == 1, [c.lower() for c in client],
                          np.where(variant == 2, [c.upper() for c in client], client))
    yes_no = np.array(["No", "Yes"], dtype=object)
    return pd.DataFrame({
        "Client": client,
        "Consultant": names[fb["consultant"].to_numpy()],
        "Date": _to_dates(fb["on"].to_numpy()),
        "Score (0-10)": fb["score"].to_numpy(),
        "Referral?": yes_no[fb["referral"].to_numpy().astype(int)],
        "Testimonial?": yes_no[fb["testimonial"].to_numpy().astype(int)],
    })


def build_tables(as_of: date, scale: int = DEFAULT_SCALE, messy: bool = True,
                 activity_rows: int | None = None) -> dict[str, pd.DataFrame]:
    """Return the sheets (name -> cells below the preamble) of the tracker as of a date."""
    return snapshot(simulate(scale, activity_rows), as_of, messy)


def _column_values(series: pd.Series) -> list:
    """Return a column's cells as plain Python values, with None for missing ones."""
    values = series.astype(object).tolist()
    out = []
    for v in values:
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
            out.append(None)
        elif isinstance(v, pd.Timestamp):
            out.append(v.date())
        elif isinstance(v, np.generic):
            out.append(v.item())
        else:
            out.append(v)
    return out


def _width(header: str, values: list) -> float:
    """Guess a readable column width from the header and a sample of values."""
    longest = len(header)
    for v in values[:300]:
        if isinstance(v, date):
            longest = max(longest, 10)
        elif isinstance(v, (int, float)):
            longest = max(longest, len(f"{v:,.0f}"))
        elif v is not None:
            longest = max(longest, len(str(v)))
    return min(longest + 2, 45)


def _write_sheet(ws, frame: pd.DataFrame) -> None:
    """Write a preamble, a bold header and the frame's cells to a worksheet."""
    preamble = frame.attrs.get("preamble", [])
    columns = [_column_values(frame[c]) for c in frame.columns]
    for j, (header, values) in enumerate(zip(frame.columns, columns, strict=True), start=1):
        ws.column_dimensions[get_column_letter(j)].width = _width(str(header), values)
    if frame.attrs.get("freeze", True):
        ws.freeze_panes = f"A{len(preamble) + 2}"

    def styled(value, **style):
        cell = WriteOnlyCell(ws, value=value)
        for key, val in style.items():
            setattr(cell, key, val)
        return cell

    for i, row in enumerate(preamble):
        big = Font(bold=True, size=14 if i == 0 else 11)
        ws.append([styled(v, font=big) if v else v for v in row])
    fill = PatternFill("solid", fgColor="D9E1F2")
    ws.append([styled(h, font=Font(bold=True), fill=fill) for h in frame.columns])
    money = [("Fee" in str(h)) for h in frame.columns]
    for row in zip(*columns, strict=True):
        cells = []
        for v, is_money in zip(row, money, strict=True):
            if isinstance(v, date):
                v = styled(v, number_format=DATE_FORMAT)
            elif is_money and isinstance(v, (int, float)):
                v = styled(v, number_format=MONEY_FORMAT)
            cells.append(v)
        ws.append(cells)


def write_workbook(tables: dict[str, pd.DataFrame], path: str | Path,
                   write_only: bool | None = None) -> Path:
    """Write the sheets to an .xlsx with fixed timestamps, so equal tables give equal bytes."""
    path = Path(path)
    lead = next(iter(tables.values()))
    as_of = date.fromisoformat(lead.attrs.get("as_of", AS_OF.isoformat()))
    if write_only is None:
        big = sum(len(t) for t in tables.values()) > WRITE_ONLY_ROWS
        write_only = big and not lead.attrs.get("messy", True)
    wb = Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)
    stamp = datetime.combine(as_of, datetime.min.time()).replace(hour=17, minute=30)
    wb.properties.creator = AGENCY
    wb.properties.lastModifiedBy = "Priya Shah"
    wb.properties.title = f"{AGENCY} Lead Tracker"
    wb.properties.subject = "Leads, weekly KPIs, placements and client feedback"
    wb.properties.created = CREATED_AT
    for name, frame in tables.items():
        _write_sheet(wb.create_sheet(name), frame)
    buffer = io.BytesIO()
    wb.save(buffer)
    _save_stable(buffer.getvalue(), path, stamp)
    return path


def _save_stable(raw: bytes, path: Path, stamp: datetime) -> None:
    """Re-zip an .xlsx with a fixed modified time in its properties and zip entries."""
    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + modified + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            dst.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)


def main(argv: list[str] | None = None) -> None:
    """Write the current and previous-week sample trackers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="number of leads")
    parser.add_argument("--activity-rows", type=int, default=None,
                        help="minimum KPI Weekly rows (adds consultants)")
    parser.add_argument("--clean", action="store_true", help="no user mess in the sheets")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    for as_of, name in ((AS_OF, "lead_tracker.xlsx"), (PREV_WEEK, "lead_tracker_prev_week.xlsx")):
        tables = build_tables(as_of, args.scale, not args.clean, args.activity_rows)
        path = write_workbook(tables, args.out_dir / name)
        leads = tables["Lead Tracker"]["Status"].notna().sum()
        print(f"wrote {path} ({leads} leads as of {as_of:%d/%m/%Y})")


if __name__ == "__main__":
    main()
