"""The people sheet the owner keeps: one row a person, with the email they sign in with, their
name as the trackers write it, their role and their team.

Read tolerantly, as a team lead's own files are: the header may sit below a title row and be
spelt "E-mail", "Full name", "Access" or "Desk"; a role may be written "Team Leader", "team-lead"
or "TL". Anything we cannot be sure of is refused, naming the row, rather than guessed: an unknown
role, an email given twice, a team lead or consultant with no team (we would not know whose leads
they see) or with no name (we could not find their leads).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from recruit_dash.errors import WorkbookError
from recruit_dash.ingest.names import name_key
from recruit_dash.ingest.reading import RawSheet, sheet_loaders

OWNER, MANAGER, TEAM_LEAD, CONSULTANT = "owner", "manager", "team lead", "consultant"
ROLES: tuple[str, ...] = (OWNER, MANAGER, TEAM_LEAD, CONSULTANT)
UPLOADERS = frozenset({OWNER, TEAM_LEAD})  # managers look, consultants see their own
TEAM_ROLES = frozenset({TEAM_LEAD, CONSULTANT})  # the roles whose view is a team's
PEOPLE_VARIABLE = "RECRUIT_DASH_PEOPLE"

# How each role and column is written in sheets people keep, after `_words` (lower case, words
# split at spaces, hyphens and punctuation).
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    OWNER: ("owner", "agency owner", "director", "managing director", "md"),
    MANAGER: ("manager", "sales manager", "recruitment manager", "mgr"),
    TEAM_LEAD: ("team lead", "team leader", "teamlead", "tl", "lead", "head of team"),
    CONSULTANT: ("consultant", "recruiter", "recruitment consultant", "senior consultant",
                 "associate consultant", "resourcer"),
}
COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e mail", "email address", "e mail address", "work email", "login"),
    "name": ("name", "full name", "consultant", "consultant name", "person"),
    "role": ("role", "access", "access level", "permission", "permissions", "user role"),
    "team": ("team", "team name", "desk", "squad"),
}
_ROLE_OF = {words: role for role, spellings in ROLE_WORDS.items() for words in spellings}
_COLUMN_OF = {words: column for column, spellings in COLUMN_WORDS.items() for words in spellings}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
HEADER_ROWS_SEARCHED = 10


class PeopleError(Exception):
    """A people sheet we cannot use, with the one sentence that says what to fix."""


@dataclass(frozen=True)
class Person:
    """One row of the people sheet: their email (trimmed, lower case), their name as the trackers
    write it, their role (one of ROLES) and their team (None for nobody's team)."""

    email: str
    name: str
    role: str
    team: str | None


@dataclass(frozen=True)
class People:
    """Everyone in the people sheet, in its order."""

    people: tuple[Person, ...]

    def find(self, email: str) -> Person | None:
        """Return the person who signs in with this email (any case, spaces around it ignored),
        or None for someone the sheet does not list."""
        wanted = email.strip().casefold()
        return next((person for person in self.people if person.email == wanted), None)

    def team_of(self, person: Person) -> list[Person]:
        """Return the team leads and consultants of the person's team (them too, when they are
        one); nobody for a person with no team."""
        if not person.team:
            return []
        team = name_key(person.team)
        return [member for member in self.people
                if member.role in TEAM_ROLES and member.team and name_key(member.team) == team]


def may_upload(person: Person) -> bool:
    """Return whether the person may upload files and import or delete uploads: owners and team
    leads may; a manager only looks, and a consultant sees only their own figures."""
    return person.role in UPLOADERS


def role_of(text: str) -> str | None:
    """Return the role a cell names ("Team Leader", "team-lead", "TL": team lead), or None."""
    return _ROLE_OF.get(_words(text))


def read_people(path: str | Path) -> People:
    """Return the people listed in a CSV or Excel sheet, or raise a PeopleError naming the file
    (and the row) and what to fix."""
    path = Path(path)
    if path.is_dir():
        raise PeopleError(f"{path} is a folder, not a people sheet; give the sheet's own file.")
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise PeopleError(f"There is no people sheet at {path}; check the path, or ask the owner "
                          "where the sheet is kept.") from error
    except OSError as error:
        raise PeopleError(f"Could not read the people sheet {path} "
                          f"({(error.strerror or str(error)).lower()}); check that you may "
                          "open it.") from error
    try:
        sheets = [load() for _, load in sheet_loaders(data, path.name)]
    except WorkbookError as error:
        raise PeopleError(f"The people sheet {path.name} could not be read as a CSV or Excel "
                          "file; open it in Excel and save it again as .xlsx or .csv.") from error
    shown = [sheet for sheet in sheets if not sheet.hidden] or sheets
    found = [(sheet, *_header(sheet)) for sheet in shown]
    # The first sheet with an email column, else the one whose headers look most like ours.
    sheet, row, columns = max(found, key=lambda item: ("email" in item[2], len(item[2])),
                              default=(None, 0, {}))
    where = path.name if len(sheets) < 2 or sheet is None else f"sheet '{sheet.name}' of {path.name}"
    missing = [column for column in ("email", "name", "role") if column not in columns]
    if sheet is None or len(columns) == 0:
        raise PeopleError(f"{path.name} has no header row we recognise; its first row should "
                          "name the columns email, name, role and team.")
    if missing:
        raise PeopleError(f"{where} has no {missing[0]} column; add a column headed "
                          f"'{missing[0]}' (the sheet's columns are email, name, role and team).")
    return People(_people(sheet.cells, row, columns, where))


def _people(cells: pd.DataFrame, header: int, columns: dict[str, int],
            where: str) -> tuple[Person, ...]:
    """Return the people of the rows below the header, refusing the first row we cannot use."""
    people: list[Person] = []
    first_row: dict[str, int] = {}
    for index in range(header + 1, len(cells)):
        row = index + 1  # as the spreadsheet numbers it
        value = {column: _cell(cells.iat[index, place]) for column, place in columns.items()}
        if not any(value.values()):
            continue
        email, role_text = value["email"].casefold(), value["role"]
        if not email:
            raise PeopleError(f"Row {row} of {where} has no email; give every person the email "
                              "address they sign in with.")
        if not _EMAIL.fullmatch(email):
            raise PeopleError(f"Row {row} of {where} has {value['email']!r} as the email, which is "
                              "not an email address; give the address they sign in with.")
        if email in first_row:
            raise PeopleError(f"Row {row} of {where} repeats {email}, already on row "
                              f"{first_row[email]}; keep one row per person.")
        role = role_of(role_text)
        if role is None:
            said = f"the role {role_text!r}, which we do not know" if role_text else "no role"
            raise PeopleError(f"Row {row} of {where} has {said}; write owner, manager, team lead "
                              "or consultant.")
        team = value.get("team") or None
        if role in TEAM_ROLES and "team" not in columns:
            raise PeopleError(f"{where} has no team column, and a {role} (row {row}) needs one "
                              "to see their team's leads; add a column headed 'team'.")
        if role in TEAM_ROLES and not team:
            raise PeopleError(f"Row {row} of {where} is a {role} with no team; fill in their "
                              "team, so we know whose leads they see.")
        if role in TEAM_ROLES and not value["name"]:
            raise PeopleError(f"Row {row} of {where} is a {role} with no name; write their name "
                              "as the trackers' consultant column does, so we can find their "
                              "leads.")
        first_row[email] = row
        people.append(Person(email, value["name"] or email, role, team))
    if not people:
        raise PeopleError(f"{where} lists nobody; add a row for each person under the columns "
                          "email, name, role and team.")
    return tuple(people)


def _header(sheet: RawSheet) -> tuple[int, dict[str, int]]:
    """Return the header row among the first rows (the one naming most of our columns) and the
    place of each column it names (the first of two alike)."""
    best: tuple[int, dict[str, int]] = (0, {})
    for index in range(min(HEADER_ROWS_SEARCHED, len(sheet.cells))):
        columns: dict[str, int] = {}
        for place, text in enumerate(sheet.cells.iloc[index]):
            column = _COLUMN_OF.get(_words(_cell(text)))
            if column and column not in columns:
                columns[column] = place
        if len(columns) > len(best[1]):
            best = (index, columns)
    return best


def _cell(value: object) -> str:
    """Return a cell's text without spaces around it (non-breaking ones too), "" when empty."""
    return "" if value is None or pd.isna(value) else str(value).replace("\xa0", " ").strip()


def _words(text: str) -> str:
    """Return text reduced for matching a spelling: lower case, words split at anything that is
    not a letter or a digit ("E-mail" and "e mail" alike)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


_read: dict[str, tuple[tuple[int, int], People]] = {}
_reading = threading.Lock()


def people_from_env() -> People | None:
    """Return the people of the sheet at $RECRUIT_DASH_PEOPLE (None when it is not set), read
    again only when the file changed (its modification time or size): every page of every
    session asks, and the owner may edit the sheet while the app runs."""
    place = os.environ.get(PEOPLE_VARIABLE, "").strip()
    if not place:
        return None
    path = Path(place).expanduser()
    try:
        status = path.stat()
    except OSError:
        return read_people(path)  # says what is wrong with the path
    stamp = (status.st_mtime_ns, status.st_size)
    with _reading:
        kept = _read.get(str(path))
    if kept and kept[0] == stamp:
        return kept[1]
    people = read_people(path)
    with _reading:
        _read.clear()  # one sheet is configured at a time: nothing older is kept
        _read[str(path)] = (stamp, people)
    return people
