"""Who sees what (DESIGN.md): a person's view of the pipeline model, cut before any page,
download, pack or report is built, so that a hidden consultant is never in the data at all.

- **Owner, manager**: the whole model, unchanged.
- **Team lead**: the rows of their team: every team lead and consultant of their team in the
  people sheet, matched to the data's consultant names whatever the case and spacing.
- **Consultant**: their own rows only. Their team's figures come only as aggregates: the team's
  ratio ledgers, every colleague and lead unnamed, from which a team median is taken for any
  period (`Scoped.team_medians`), and the team's leads and milestones reduced to dates and
  outcomes (`Scoped.team_funnel`), from which the team's funnel is drawn beside theirs; never a
  colleague's name or leads.
- **Rows.** Leads, activities, placements and feedback by their own consultant; milestones by
  their lead's, check-ins by their placement's. Rows with no consultant are nobody's, so only the
  owner and managers see them. An issue is kept when it is about a row in view, or about a sheet
  (no row) the view has rows from, and never when its text names a consultant out of view (a
  co-owner of a row, say).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recruit_dash.ingest.names import name_key
from recruit_dash.metrics.ratio_ledger import CREDITS, Ledger, ledger, unnamed
from recruit_dash.model import LEADS, MILESTONES, SOURCE_COLUMNS, Model, conform, positions
from recruit_dash.people.sheet import (
    CONSULTANT,
    MANAGER,
    OWNER,
    TEAM_LEAD,
    People,
    PeopleError,
    Person,
)

_NAMED_TABLES = ("leads", "activities", "placements", "feedback")


@dataclass(frozen=True)
class Scoped:
    """What one person sees: the model cut to their view, the consultants in it as the data
    writes them (None: everyone), and for a consultant their team's aggregates: its unnamed ratio
    ledgers by credit rule, to compare them with the team median (`ratios_report(team_medians=…)`,
    `ledger(…, team=…)`), and its unnamed leads and milestones, for the funnel against the team
    (`funnel_against_team(…, team=…)`). Both are None for everyone else, whose view holds their
    whole team."""

    model: Model
    person: Person
    consultants: tuple[str, ...] | None
    team_medians: dict[str, Ledger] | None
    team_funnel: Model | None = None
    name_keys: frozenset[str] = frozenset()  # the names in view, compared as `name_key` does

    def sees(self, consultant: object) -> bool:
        """Return whether a consultant's rows are in the view (a lead gone from the tracker, in
        what moved since the last upload, is judged by its consultant's name)."""
        return self.consultants is None or name_key(str(consultant)) in self.name_keys


def scope(model: Model, person: Person, people: People) -> Scoped:
    """Return what the person sees of the model: everything for an owner or a manager, their
    team's rows for a team lead, their own rows and their team's medians for a consultant."""
    if person.role in (OWNER, MANAGER):
        return Scoped(model, person, None, None)
    if person.role not in (TEAM_LEAD, CONSULTANT):
        raise PeopleError(f"{person.email} has the role {person.role!r}, which we do not know; "
                          "the people sheet's roles are owner, manager, team lead and consultant.")
    team = frozenset(name_key(member.name) for member in people.team_of(person))
    team_model = model_of(model, team)
    if person.role == TEAM_LEAD:
        return Scoped(team_model, person, consultants_in(team_model), None, name_keys=team)
    mine = frozenset({name_key(person.name)})
    shown = model_of(team_model, mine)
    medians = {credit: unnamed(ledger(team_model, credit)) for credit in CREDITS}
    return Scoped(shown, person, consultants_in(shown), medians, unnamed_leads(team_model),
                  mine)


def unnamed_leads(model: Model) -> Model:
    """Return the model's leads and milestones with nothing that names anyone: each lead keeps
    only its lead date and outcome, under the id "lead 1", "lead 2" … and no consultant, client,
    candidate or note; each milestone keeps its stage and date, under its lead's new id (one
    naming no lead is left out, as every funnel leaves it out). The other tables are empty."""
    leads, milestones = model.leads, model.milestones
    row = positions(milestones["lead_id"], leads["lead_id"], missing_matches=True)
    ids = pd.Series([f"lead {number}" for number in range(1, len(leads) + 1)], dtype="string")
    kept = milestones[row >= 0]
    return Model(
        leads=conform(pd.DataFrame({"lead_id": ids, "created_on": leads["created_on"].to_numpy(),
                                    "outcome": leads["outcome"].to_numpy()}), LEADS),
        milestones=conform(kept[["stage", "reached_on", "inferred"]].reset_index(drop=True).assign(
            lead_id=ids.take(row[row >= 0]).reset_index(drop=True)), MILESTONES))


def model_of(model: Model, names: frozenset[str]) -> Model:
    """Return the model with only the rows of the consultants whose name keys are given (see the
    module's rules)."""
    leads = model.leads[_named(model.leads["consultant"], names)]
    placements = model.placements[_named(model.placements["consultant"], names)]
    tables = {
        "leads": leads,
        "milestones": model.milestones[_among(model.milestones["lead_id"], leads["lead_id"])],
        "activities": model.activities[_named(model.activities["consultant"], names)],
        "placements": placements,
        "checkins": model.checkins[_among(model.checkins["placement_id"],
                                          placements["placement_id"])],
        "feedback": model.feedback[_named(model.feedback["consultant"], names)],
    }
    tables = {table: frame.reset_index(drop=True) for table, frame in tables.items()}
    outside = {name_key(name) for name in _names(model)} - names - {""}
    return Model(**tables, issues=_issues_in_view(model.issues, tables, outside))


def consultants_in(model: Model) -> tuple[str, ...]:
    """Return the consultants the model's rows name, as the data writes them, A to Z."""
    return tuple(sorted(name for name in _names(model) if name.strip()))


def _names(model: Model) -> set[str]:
    """Return every consultant name of the model's tables, once each."""
    return {str(name) for table in _NAMED_TABLES
            for name in model.table(table)["consultant"].dropna().unique()}


def _named(names: pd.Series, keys: frozenset[str]) -> np.ndarray:
    """Return which rows name a consultant among the keys (each distinct name compared once)."""
    codes, uniques = pd.factorize(names, use_na_sentinel=True)
    kept = np.array([name_key(str(name)) in keys for name in uniques] + [False], dtype=bool)
    return kept[codes]  # a missing name's code -1 picks the trailing False


def _among(keys: pd.Series, kept: pd.Series) -> np.ndarray:
    """Return which keys (lead or placement ids) are among the kept rows' ids."""
    return positions(keys, kept) >= 0


def _issues_in_view(issues: pd.DataFrame, tables: dict[str, pd.DataFrame],
                    outside: set[str]) -> pd.DataFrame:
    """Return the issues about a row in view, or about a sheet in view (no row), that name no
    consultant out of view."""
    if issues.empty:
        return issues
    sources = pd.concat([frame[list(SOURCE_COLUMNS)] for frame in tables.values()],
                        ignore_index=True)
    sheets = set(zip(_text(sources["source_file"]), _text(sources["source_sheet"]), strict=True))
    numbered = issues["row"].notna().to_numpy(bool)
    asked = sources[sources["source_row"].isin(issues.loc[numbered, "row"].unique())]
    rows = set(zip(_text(asked["source_file"]), _text(asked["source_sheet"]),
                   asked["source_row"].astype(int), strict=True))
    places = zip(_text(issues["file"]), _text(issues["sheet"]), issues["row"].astype(object),
                 numbered, strict=True)
    in_view = np.array([(file, sheet, int(row)) in rows if has_row else (file, sheet) in sheets
                        for file, sheet, row, has_row in places], dtype=bool)
    named = _mentions(issues["value"], outside) | _mentions(issues["problem"], outside)
    return issues[in_view & ~named].reset_index(drop=True)


def _text(values: pd.Series) -> list[str]:
    """Return a column of names (a file's, a sheet's) as plain strings, "" where missing."""
    return values.astype("string").fillna("").tolist()


def _mentions(texts: pd.Series, names: set[str]) -> np.ndarray:
    """Return which texts name one of the names (name keys) as whole words, whatever the case,
    spacing and punctuation."""
    by_first: dict[str, list[str]] = {}
    for name in names:
        by_first.setdefault(name.split()[0], []).append(name)

    def names_one(text: str) -> bool:
        words = name_key(text)
        spaced = f" {words} "
        return any(f" {name} " in spaced for word in set(words.split())
                   for name in by_first.get(word, ()))

    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    found = np.array([names_one(str(text)) for text in uniques] + [False], dtype=bool)
    return found[codes]
