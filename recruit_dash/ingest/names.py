"""Consultant and client names: one spelling per name, proposed merges, and co-owned rows.

Three rules, each shown to the user, never applied behind their back:

- **Case and spacing.** Names that differ only in case, spacing or punctuation ("ann  lee",
  "Ann Lee", "ANN LEE") are one name, written as its most frequent spelling.
- **Likely variants** of one person or company ("Adil umar" / "Mohammed Adil Umar", "Jon Smith" /
  "Jonathan Smith", "Acme Ltd" / "ACME Limited") are *proposed* with a score from 0 to 100, and
  merged only once the user accepts the merge (a profile's accepted `name_merges`). A rejected pair
  is not proposed again.
- **Co-owned rows.** A consultant cell naming several people ("William/Rajan", "Kit & Gil",
  "Ann + Bob") credits the row to the *first* named consultant, so every count stays a count of
  rows; each co-owner is recorded as an issue on that row, and the sheet's notes say how many rows
  were co-owned and by whom. Only consultant cells are split: "Smith & Sons" is a company.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from recruit_dash.ingest.profiles import MERGE_FIELDS, NameMerge, Profile
from recruit_dash.model import Model

PROPOSAL_SCORE = 85  # pairs scoring at least this are proposed for merging
SCREEN_SCORE = 75  # the fast screen's cut-off: a pair below it is never a proposal
MAX_NAMES_SCREENED = 1500  # beyond this, names are screened in blocks sharing a word's start
MAX_PAIRS_SCORED = 20_000

_TABLES_WITH_NAMES = ("leads", "activities", "placements", "feedback")
_CO_OWNED = re.compile(r"\s*(?:/|\\|&|\+|\band\b)\s*", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[^\w\s]")
_COMPANY_SUFFIXES = {
    "ltd": "limited", "limited": "limited", "plc": "plc", "inc": "incorporated",
    "incorporated": "incorporated", "llc": "llc", "llp": "llp", "corp": "corporation",
    "corporation": "corporation", "co": "company", "company": "company", "gmbh": "gmbh",
    "group": "group", "the": "",
}


@dataclass(frozen=True)
class MergeProposal:
    """Names that look like one person or company, the name we suggest keeping, and the state of
    the user's decision: proposed, accepted or rejected."""

    field: str
    names: tuple[str, ...]
    suggested: str
    score: int
    status: str = "proposed"
    rows: int = 0

    def to_dict(self) -> dict:
        return {"field": self.field, "names": list(self.names), "suggested": self.suggested,
                "score": self.score, "status": self.status, "rows": self.rows}


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """Return a name reduced for comparing: lower case, single spaces, no punctuation."""
    return " ".join(_PUNCTUATION.sub(" ", str(name).casefold()).split())


@lru_cache(maxsize=65536)
def _company_key(name: str) -> str:
    """Return a company name without its legal form ("Acme Ltd" and "ACME Limited" -> "acme")."""
    words = [word for word in name_key(name).replace("&", " and ").split()
             if word not in _COMPANY_SUFFIXES]
    return " ".join(words)


def name_similarity(first: str, second: str, field: str = "consultant") -> int:
    """Return how likely two names are one person (or company), from 0 to 100."""
    a, b = (name_key(first), name_key(second)) if field != "client" else (
        _company_key(first), _company_key(second))
    if not a or not b:
        return 0
    if a == b:
        return 100
    tokens_a, tokens_b = a.split(), b.split()
    if {t for t in tokens_a if t.isdigit()} != {t for t in tokens_b if t.isdigit()}:
        return 0  # "Branch 12" and "Branch 14" are two places
    short, long = sorted((tokens_a, tokens_b), key=len)
    score = fuzz.token_sort_ratio(a, b)
    if field != "client" and len(short) >= 2 and all(token in long for token in short):
        score = max(score, 92)  # "Adil Umar" inside "Mohammed Adil Umar"
    if len(short) == len(long) and len(short) >= 2 and all(
            x.startswith(y) or y.startswith(x) for x, y in zip(tokens_a, tokens_b, strict=True)):
        score = max(score, 90)  # "Jon Smith" / "Jonathan Smith", "J Smith" / "John Smith"
    if field == "client" and short and all(token in long for token in short):
        score = max(score, 88)  # "Acme" / "Acme Recruitment"
    return int(round(score))


def _names_with_counts(model: Model, field: str) -> Counter:
    """Return every spelling of a field's names across the model, with its number of rows."""
    counts: Counter = Counter()
    for table in _TABLES_WITH_NAMES:
        frame = model.table(table)
        if field in frame.columns:
            counts.update({str(name): int(rows) for name, rows in
                           frame[field].value_counts(dropna=True).items()})
    return counts


def _candidate_pairs(keys: list[str]) -> list[tuple[int, int]]:
    """Return pairs of names worth scoring, found by a fast fuzzy screen in C: among all names
    when there are few, else within blocks of names sharing the start of their first or last
    word (one person's or company's variants nearly always do)."""
    blocks: list[list[int]] = []
    if len(keys) <= MAX_NAMES_SCREENED:
        blocks.append(list(range(len(keys))))
    else:
        by_start: dict[str, list[int]] = {}
        for position, key in enumerate(keys):
            words = key.split()
            for start in {words[0][:3], words[-1][:3]}:
                by_start.setdefault(start, []).append(position)
        blocks = [members[:MAX_NAMES_SCREENED] for members in by_start.values() if len(members) > 1]
    found: dict[tuple[int, int], int] = {}
    for members in blocks:
        texts = [keys[position] for position in members]
        scores = process.cdist(texts, texts, scorer=fuzz.token_set_ratio,
                               score_cutoff=SCREEN_SCORE, dtype="uint8", workers=-1)
        for i, j in zip(*np.triu(scores, 1).nonzero(), strict=True):
            found[(members[i], members[j])] = int(scores[i, j])
    # Look-alike lists ("North Care Ltd", "North Care Group" …) are capped at the closest pairs.
    return sorted(found, key=lambda pair: -found[pair])[:MAX_PAIRS_SCORED]


@lru_cache(maxsize=32)
def _groups(field: str, shown_items: tuple[tuple[str, str], ...],
            ) -> tuple[tuple[tuple[str, ...], float], ...]:
    """Return groups of name keys that are likely one person or company, each with its lowest
    score; kept per set of names, so reading a file again with another mapping does not score
    every pair of names again."""
    shown = dict(shown_items)
    keys = list(shown)
    screened = [_company_key(key) or key for key in keys] if field == "client" else keys
    scored = []
    for i, j in _candidate_pairs(screened):
        score = name_similarity(shown[keys[i]], shown[keys[j]], field)
        if score >= PROPOSAL_SCORE:
            scored.append((score, keys[i], keys[j]))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    groups: list[tuple[list[str], int]] = []
    grouped: dict[str, int] = {}
    for score, first, second in scored:
        if first in grouped and second in grouped:
            continue
        if first in grouped or second in grouped:
            number = grouped[first] if first in grouped else grouped[second]
            newcomer = second if first in grouped else first
            members, low = groups[number]
            # A group grows only by a name close to every member: no chains of look-alikes.
            closeness = [name_similarity(shown[newcomer], shown[member], field)
                         for member in members]
            if min(closeness) >= PROPOSAL_SCORE:
                groups[number] = (members + [newcomer], min(low, *closeness))
                grouped[newcomer] = number
            continue
        grouped[first] = grouped[second] = len(groups)
        groups.append(([first, second], score))
    return tuple((tuple(members), score) for members, score in groups)


def merge_proposals(model: Model, profile: Profile | None = None) -> list[MergeProposal]:
    """Return the likely variants of consultant and client names, best first, each with the
    user's decision from the profile (accepted and rejected ones stay listed, to be changed)."""
    accepted = {(merge.field, frozenset(merge.names)): merge for merge in
                (profile.merges if profile else ())}
    rejected = {(merge.field, frozenset(merge.names)) for merge in
                (profile.rejected if profile else ())}
    proposals = []
    for field in MERGE_FIELDS:
        counts = _names_with_counts(model, field)
        spellings: dict[str, Counter] = {}
        for name, count in counts.items():
            spellings.setdefault(name_key(name), Counter())[name] = count
        keys = [key for key in spellings if key]
        shown = {key: spellings[key].most_common(1)[0][0] for key in keys}
        rows = {key: sum(spellings[key].values()) for key in keys}
        groups = _groups(field, tuple(shown.items()))
        for members, score in groups:
            names = tuple(sorted((shown[key] for key in members), key=str.casefold))
            decision = (field, frozenset(names))
            # The fullest name, then the most used, then one not written in capitals.
            suggested = max(names, key=lambda name: (len(name_key(name).split()),
                                                     rows[name_key(name)], not name.isupper(),
                                                     len(name)))
            status = "proposed"
            if decision in accepted:
                status, suggested = "accepted", accepted[decision].into or suggested
            elif decision in rejected:
                status = "rejected"
            proposals.append(MergeProposal(field, names, suggested, score, status,
                                           sum(rows[key] for key in members)))
        # A merge the user accepted whose names are no longer proposed (other files) stays shown.
        listed = {(proposal.field, frozenset(proposal.names)) for proposal in proposals}
        for (merge_field, names), merge in accepted.items():
            if merge_field == field and (merge_field, names) not in listed:
                present = [name for name in merge.names if name_key(name) in spellings]
                if len(present) >= 2:
                    proposals.append(MergeProposal(field, tuple(merge.names), merge.into or
                                                   merge.names[0], 100, "accepted",
                                                   sum(rows[name_key(name)] for name in present)))
    return proposals


def with_names_merged(model: Model, merges: Iterable[NameMerge] = ()) -> Model:
    """Return the model with each name written one way (case and spacing) and the accepted merges
    applied to the consultant and client columns of every table."""
    merges = tuple(merges)
    changed = {}
    for field in MERGE_FIELDS:
        counts = _names_with_counts(model, field)
        spellings: dict[str, Counter] = {}
        for name, count in counts.items():
            spellings.setdefault(name_key(name), Counter())[name] = count
        # Most frequent spelling first, then the one with capitals (a proper name), then A-Z.
        canonical = {key: sorted(found.items(), key=lambda item: (-item[1],
                                                                  item[0] == item[0].lower(),
                                                                  item[0]))[0][0]
                     for key, found in spellings.items()}
        for merge in merges:
            if merge.field == field and merge.into:
                for name in merge.names:
                    canonical[name_key(name)] = merge.into
        mapping = {name: canonical.get(name_key(name), name) for name in counts}
        mapping = {name: into for name, into in mapping.items() if name != into}
        if mapping:
            changed[field] = mapping
    if not changed:
        return model
    tables = {}
    for table in _TABLES_WITH_NAMES:
        frame = model.table(table)
        updates = {field: frame[field].replace(mapping).astype(frame[field].dtype)
                   for field, mapping in changed.items() if field in frame.columns}
        tables[table] = frame.assign(**updates) if updates else frame
    return replace(model, **tables)


def co_owned(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return (the first named consultant, the co-owners or NA) for each consultant cell."""
    def split(value: object) -> tuple[object, object]:
        if not isinstance(value, str) or not _CO_OWNED.search(value):
            return value, pd.NA
        parts = [part.strip() for part in _CO_OWNED.split(value) if part and part.strip()]
        parts = [part for part in parts if sum(char.isalpha() for char in part) >= 2]
        if len(parts) < 2:
            return value, pd.NA
        return parts[0], ", ".join(parts[1:])

    codes, uniques = pd.factorize(names, use_na_sentinel=True)
    pairs = [split(value) for value in uniques]
    first = pd.array([pair[0] for pair in pairs], dtype="string")
    others = pd.array([pair[1] for pair in pairs], dtype="string")
    take = pd.api.extensions.take
    return (pd.Series(take(first, codes, allow_fill=True), index=names.index, dtype="string"),
            pd.Series(take(others, codes, allow_fill=True), index=names.index, dtype="string"))
