"""Mapping profiles: the user's corrections to what we understood, saved once and applied again.

A profile is a plain JSON document the user downloads and shares:

    {
      "format": "recruit-dash mapping profile",
      "version": 1,
      "name": "Weekly tracker",
      "sheets": [
        {"sheet": "Leads",                      # the sheet's name when saved (for messages)
         "headers": ["Lead ID", "Consultant", "Client", "Status", ...],   # the shape
         "role": "leads",                       # or activities, placements, feedback, ignored, null
         "header_row": 3,                       # counted from 1, as Excel does; null = found by us
         "columns": {"Owner": "consultant", "Notes": null},   # source header -> field (null = ignore)
         "statuses": {"Banana": {"stage": "offer", "outcome": "open"}}}
      ],
      "name_merges": {
        "accepted": [{"field": "consultant", "names": ["Adil umar", "Mohammed Adil Umar"],
                      "into": "Mohammed Adil Umar"}],
        "rejected": [{"field": "client", "names": ["Acme Ltd", "Acme Group"]}]
      },
      "settings": {}                            # other pages' choices, kept as they are
    }

Only what the user changed is stored: a column absent from `columns` keeps our own guess, and a
sheet's role or header row left null is found as usual.

**Matching rule.** A sheet takes a profile's sheet entry when one of its first 30 rows holds at
least 80% of that entry's headers (compared case- and spacing-insensitively, blank headers left
out), and at least two of them. The sheet's and the file's names do not matter, and extra columns
do not stop a match, so a renamed copy of next week's tracker is recognised. The row where the
headers are found is the header row. When several entries match, the one sharing most headers wins,
then the one whose sheet name and header row are the same. An entry with fewer than two headers (a
sheet we could not read a header from) matches a sheet of the same name only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from recruit_dash.errors import WorkbookError
from recruit_dash.ingest.vocabulary import FIELD_SYNONYMS, clean_header, normalise_header
from recruit_dash.model import ACTIVITY_KIND_IDS, IGNORED, OUTCOMES, ROLES, STAGE_IDS

PROFILE_FORMAT = "recruit-dash mapping profile"
PROFILE_VERSION = 1
MATCH_SHARE = 0.8
MIN_MATCHED_HEADERS = 2
MERGE_FIELDS = ("consultant", "client")
DEFAULT_NAME = "My mapping profile"


class ProfileError(WorkbookError):
    """A profile file we cannot read, with a sentence saying why."""


@dataclass(frozen=True)
class SheetProfile:
    """The user's corrections for one sheet shape."""

    sheet: str
    headers: tuple[str, ...]
    role: str | None = None
    header_row: int | None = None  # counted from 1
    columns: Mapping[str, str | None] = field(default_factory=dict)
    statuses: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def column_overrides(self) -> dict[str, str | None]:
        """Return normalised source header -> field chosen by the user."""
        return {normalise_header(source): chosen for source, chosen in self.columns.items()}

    def status_overrides(self) -> dict[str, tuple[str | None, str | None]]:
        """Return normalised status text -> (stage, outcome) chosen by the user."""
        return {normalise_header(value): tuple(meaning) for value, meaning in self.statuses.items()}


@dataclass(frozen=True)
class NameMerge:
    """Names the user said are one person or company (`into` is the name kept), or are not."""

    field: str
    names: tuple[str, ...]
    into: str | None = None


@dataclass(frozen=True)
class Profile:
    """A saved mapping profile: per sheet shape corrections, name merges and other settings."""

    name: str = DEFAULT_NAME
    sheets: tuple[SheetProfile, ...] = ()
    merges: tuple[NameMerge, ...] = ()
    rejected: tuple[NameMerge, ...] = ()
    settings: Mapping[str, object] = field(default_factory=dict)
    version: int = PROFILE_VERSION


@dataclass(frozen=True)
class SheetMatch:
    """A profile sheet entry recognised in a sheet, and the row its headers sit on (0-based)."""

    entry: SheetProfile
    header_row: int
    matched: int


def canonical_fields(role: str) -> tuple[str, ...]:
    """Return every canonical field a column of a sheet in this role can be read as."""
    names = list(FIELD_SYNONYMS.get(role, {}))
    if role == "leads":
        names += ["job_id", *(f"stage:{stage}" for stage in STAGE_IDS)]
    if role == "activities":
        names += [f"count:{kind}" for kind in ACTIVITY_KIND_IDS]
    if role == "placements" and "checkin_on" not in names:
        names.append("checkin_on")
    return tuple(names)


_ALL_FIELDS = frozenset(name for role in ROLES for name in canonical_fields(role))


def profile_to_dict(profile: Profile) -> dict:
    """Return the profile as JSON-ready data."""
    return {
        "format": PROFILE_FORMAT,
        "version": profile.version,
        "name": profile.name,
        "sheets": [
            {"sheet": entry.sheet, "headers": list(entry.headers), "role": entry.role,
             "header_row": entry.header_row, "columns": dict(entry.columns),
             "statuses": {value: {"stage": stage, "outcome": outcome}
                          for value, (stage, outcome) in entry.statuses.items()}}
            for entry in profile.sheets
        ],
        "name_merges": {
            "accepted": [{"field": merge.field, "names": list(merge.names), "into": merge.into}
                         for merge in profile.merges],
            "rejected": [{"field": merge.field, "names": list(merge.names)}
                         for merge in profile.rejected],
        },
        "settings": dict(profile.settings),
    }


def profile_to_json(profile: Profile) -> str:
    """Return the profile as the text of the file the user saves."""
    return json.dumps(profile_to_dict(profile), indent=2, ensure_ascii=False)


def profile_key(profile: Profile | None) -> str:
    """Return a short fingerprint of a profile (empty for none), for caches and widget keys."""
    if profile is None:
        return ""
    text = json.dumps(profile_to_dict(profile), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def profile_from_json(text: str | bytes) -> Profile:
    """Return the profile in a saved file, or raise a ProfileError saying what is wrong."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProfileError(f"This is not a mapping profile: it is not JSON ({error}).") from error
    return profile_from_dict(document)


def profile_from_dict(document: object) -> Profile:
    """Return the profile a JSON document describes, checking every value it sets."""
    if not isinstance(document, dict) or "sheets" not in document:
        raise ProfileError("This is not a mapping profile: it has no 'sheets'. Save a profile "
                           "from the Data page and load that file.")
    version = document.get("version", PROFILE_VERSION)
    if not isinstance(version, int) or version > PROFILE_VERSION:
        raise ProfileError(f"This profile has version {version!r}; this app reads version "
                           f"{PROFILE_VERSION} and older. Update the app or save the profile again.")
    sheets = tuple(_sheet_from_dict(entry, number)
                   for number, entry in enumerate(_list(document.get("sheets"), "sheets"), 1))
    merges = _or_empty(document.get("name_merges"))
    if not isinstance(merges, dict):
        raise ProfileError("The profile's 'name_merges' must be an object with 'accepted' and "
                           "'rejected' lists.")
    accepted = tuple(_merge_from_dict(item, True) for item in _list(merges.get("accepted"), "accepted"))
    rejected = tuple(_merge_from_dict(item, False) for item in _list(merges.get("rejected"), "rejected"))
    settings = _or_empty(document.get("settings"))
    if not isinstance(settings, dict):
        raise ProfileError("The profile's 'settings' must be an object.")
    name = document.get("name") or DEFAULT_NAME
    return Profile(str(name), sheets, accepted, rejected, settings, PROFILE_VERSION)


def _or_empty(value: object) -> object:
    """Return a missing or null object as an empty one (any other value is checked by the caller)."""
    return {} if value is None else value


def _list(value: object, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProfileError(f"The profile's '{what}' must be a list.")
    return value


def _sheet_from_dict(entry: object, number: int) -> SheetProfile:
    """Return one sheet entry, or raise a ProfileError naming the entry and the bad value."""
    where = f"sheet entry {number}"
    if not isinstance(entry, dict):
        raise ProfileError(f"The profile's {where} is not an object.")
    headers = tuple(clean_header(value) for value in _list(entry.get("headers"), "headers"))
    role = entry.get("role")
    if role is not None and role not in (*ROLES, IGNORED):
        raise ProfileError(f"The profile's {where} has role {role!r}; a role is one of "
                           f"{', '.join((*ROLES, IGNORED))}.")
    header_row = entry.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise ProfileError(f"The profile's {where} has header row {header_row!r}; it must be a "
                           "row number from 1.")
    columns = _or_empty(entry.get("columns"))
    if not isinstance(columns, dict):
        raise ProfileError(f"The profile's {where} has 'columns' that are not an object.")
    for source, chosen in columns.items():
        if chosen is not None and chosen not in _ALL_FIELDS:
            raise ProfileError(f"The profile's {where} maps column {source!r} to {chosen!r}, "
                               "which is not a field we know.")
    statuses = _or_empty(entry.get("statuses"))
    if not isinstance(statuses, dict):
        raise ProfileError(f"The profile's {where} has 'statuses' that are not an object.")
    meanings = {}
    for value, meaning in statuses.items():
        meaning = meaning if isinstance(meaning, dict) else {}
        stage, outcome = meaning.get("stage"), meaning.get("outcome")
        if stage is not None and stage not in STAGE_IDS:
            raise ProfileError(f"The profile's {where} maps status {value!r} to stage {stage!r}, "
                               f"which is not on the ladder ({', '.join(STAGE_IDS)}).")
        if outcome is not None and outcome not in OUTCOMES:
            raise ProfileError(f"The profile's {where} maps status {value!r} to outcome "
                               f"{outcome!r}; an outcome is one of {', '.join(OUTCOMES)}.")
        meanings[str(value)] = (stage, outcome)
    return SheetProfile(str(entry.get("sheet") or ""), headers, role, header_row,
                        {clean_header(source): chosen for source, chosen in columns.items()},
                        meanings)


def _merge_from_dict(item: object, accepted: bool) -> NameMerge:
    """Return one name merge decision, or raise a ProfileError."""
    if not isinstance(item, dict) or item.get("field") not in MERGE_FIELDS:
        raise ProfileError("Each name merge in the profile needs a 'field' (consultant or "
                           "client) and its 'names'.")
    names = tuple(str(name) for name in _list(item.get("names"), "names"))
    if len(names) < 2:
        raise ProfileError("A name merge in the profile lists fewer than two names.")
    into = item.get("into") if accepted else None
    if accepted and into is None:
        into = names[0]
    return NameMerge(item["field"], names, None if into is None else str(into))


def match_sheet(profile: Profile | None, top_rows: Sequence[Sequence[str]],
                sheet_name: str) -> SheetMatch | None:
    """Return the profile entry for a sheet whose first rows are `top_rows`, by the matching
    rule in this module's docstring, or None."""
    if profile is None or not profile.sheets:
        return None
    rows = [{normalise_header(value) for value in row if value} for row in top_rows]
    best: tuple[tuple, SheetMatch] | None = None
    for entry in profile.sheets:
        wanted = {normalise_header(value) for value in entry.headers if value} - {""}
        if len(wanted) < MIN_MATCHED_HEADERS:
            if entry.sheet == sheet_name and entry.header_row is not None:
                match = SheetMatch(entry, entry.header_row - 1, 0)
                rank = (0.0, 0, True, True)
                if best is None or rank > best[0]:
                    best = (rank, match)
            continue
        for index, row in enumerate(rows):
            found = len(wanted & row)
            if found < MIN_MATCHED_HEADERS or found < MATCH_SHARE * len(wanted):
                continue
            rank = (found / len(wanted), found, entry.sheet == sheet_name,
                    entry.header_row == index + 1)
            if best is None or rank > best[0]:
                best = (rank, SheetMatch(entry, index, found))
    return best[1] if best else None


def entry_for(profile: Profile | None, headers: Sequence[str]) -> SheetProfile | None:
    """Return the profile's entry for the sheet shape with these headers, or None."""
    key = tuple(clean_header(value) for value in headers)
    return next((entry for entry in (profile.sheets if profile else ()) if entry.headers == key),
                None)


def with_sheet_edits(profile: Profile | None, sheet: str, headers: Sequence[str], *,
                     role: str | None | type = ..., header_row: int | None | type = ...,
                     new_headers: Sequence[str] | None = None,
                     columns: Mapping[str, str | None] | None = None,
                     statuses: Mapping[str, tuple[str | None, str | None] | None] | None = None,
                     ) -> Profile:
    """Return the profile with one sheet shape's corrections changed.

    The entry is found by its headers (`headers`, the shape the sheet was matched by); `...`
    leaves a setting as it is. `new_headers` replaces the shape's headers (after a header row
    change, the shape is the new row's headers). A status mapped to None is forgotten.
    """
    profile = profile or Profile()
    key = tuple(clean_header(value) for value in headers)
    entries = list(profile.sheets)
    position = next((index for index, entry in enumerate(entries) if entry.headers == key), None)
    entry = entries[position] if position is not None else SheetProfile(sheet, key)
    changes: dict = {}
    if role is not ...:
        changes["role"] = role
    if header_row is not ...:
        changes["header_row"] = header_row
    if new_headers is not None:
        changes["headers"] = tuple(clean_header(value) for value in new_headers)
    if columns:
        changes["columns"] = {**entry.columns, **{clean_header(k): v for k, v in columns.items()}}
    if statuses:
        merged = dict(entry.statuses)
        for value, meaning in statuses.items():
            if meaning is None or meaning == (None, None):
                merged.pop(value, None)
            else:
                merged[value] = tuple(meaning)
        changes["statuses"] = merged
    entry = replace(entry, **changes)
    if position is None:
        entries.append(entry)
    else:
        entries[position] = entry
    return replace(profile, sheets=tuple(entries))


def with_merge_decision(profile: Profile | None, field_name: str, names: Sequence[str],
                        into: str | None, accept: bool | None) -> Profile:
    """Return the profile with a name merge accepted (into `into`), rejected, or undecided
    (`accept` None), replacing any earlier decision on the same names."""
    profile = profile or Profile()
    key = frozenset(names)

    def others(merges: tuple[NameMerge, ...]) -> tuple[NameMerge, ...]:
        return tuple(merge for merge in merges
                     if not (merge.field == field_name and frozenset(merge.names) == key))

    merges, rejected = others(profile.merges), others(profile.rejected)
    if accept is True:
        merges += (NameMerge(field_name, tuple(names), into or names[0]),)
    elif accept is False:
        rejected += (NameMerge(field_name, tuple(names)),)
    return replace(profile, merges=merges, rejected=rejected)


def with_settings(profile: Profile | None, **settings: object) -> Profile:
    """Return the profile with some settings replaced (other pages store their choices here)."""
    profile = profile or Profile()
    return replace(profile, settings={**profile.settings, **settings})


def renamed(profile: Profile | None, name: str) -> Profile:
    """Return the profile under another name."""
    return replace(profile or Profile(), name=name.strip() or DEFAULT_NAME)
