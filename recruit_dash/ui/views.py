"""The data as the signed-in person may see it, cut on the server before any page, download or
pack is built (who sees what: recruit_dash.people).

A team lead's or consultant's view holds only the rows of the consultants in it. The files'
reports keep what we understood of each sheet (roles, header rows, row counts) but, for files the
person did not upload in this session (the sample, the history), not the rows themselves: a
quarantined row, a row below the header or an unmapped status value may name anyone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date

from recruit_dash.ingest.results import FileReport, Ingested
from recruit_dash.metrics.ratio_ledger import Ledger
from recruit_dash.model import Model
from recruit_dash.people import People, Person, Scoped, scope
from recruit_dash.ui.shared import SessionShared


@dataclass
class Viewed(Ingested):
    """Ingested data as one person sees it: the model cut to their view (`scoped`), the whole
    data's own last day (the as-of day is the agency's, not the person's last day), a key naming
    the view for caches of results, and whether the files' rows were left out."""

    agency_day: date | None = None
    scoped: Scoped | None = field(default=None, repr=False)
    viewer: str = ""
    rows_hidden: bool = False


# A view is worked out once per data and person, and lives as long as a session holding it.
_VIEWS = SessionShared("views", per_session=4)


def viewed(whole: Ingested, whole_key: tuple[str, ...], person: Person, people: People,
           own_files: bool, agency_day: date) -> Ingested:
    """Return the data as the person sees it: the whole data, unchanged, for an owner or a
    manager; for a team lead or a consultant, a `Viewed` holding only their view's rows
    (`whole_key` names the whole data, `agency_day` is its as-of day; `own_files`: the files are
    the person's own upload)."""
    viewer = hashlib.sha256(repr((person, people.team_of(person))).encode()).hexdigest()[:16]

    def build() -> Ingested:
        scoped = scope(whole.model, person, people)
        if scoped.consultants is None:
            return whole
        files = whole.files if own_files else [_without_rows(report) for report in whole.files]
        return Viewed(files, scoped.model, whole.profile, agency_day=agency_day, scoped=scoped,
                      viewer=viewer, rows_hidden=not own_files)

    return _VIEWS.get((whole_key, viewer, own_files, agency_day), build)


def _without_rows(report: FileReport) -> FileReport:
    """Return a file's report with what we understood of each sheet, but none of its rows: the
    first rows are kept down to the header (the mapping editor shows it), none below."""
    return replace(report, sheets=[
        replace(sheet, quarantined=sheet.quarantined.iloc[0:0], unmapped_values={},
                top_rows=sheet.top_rows[:sheet.header_row or 0])
        for sheet in report.sheets])


def agency_day(ingested: Ingested) -> date | None:
    """Return the whole data's as-of day for a view (None when the data is not a view)."""
    return ingested.agency_day if isinstance(ingested, Viewed) else None


def view_key(ingested: Ingested) -> tuple[str, ...]:
    """Return what names a view among the caches' keys: nothing for the whole data."""
    return (f"view:{ingested.viewer}",) if isinstance(ingested, Viewed) else ()


def team_ledger(ingested: Ingested, credit: str) -> Ledger | None:
    """Return, for a consultant's view, their team's unnamed ledger under a credit rule (their
    figures are compared with its median); None for any other view."""
    scoped = ingested.scoped if isinstance(ingested, Viewed) else None
    return (scoped.team_medians or {}).get(credit) if scoped else None


def team_funnel(ingested: Ingested) -> Model | None:
    """Return, for a consultant's view, their team's leads and milestones, unnamed, for the
    funnel against the team (`funnel_against_team(…, team=…)`); None for any other view, whose
    model holds the whole team."""
    scoped = ingested.scoped if isinstance(ingested, Viewed) else None
    return scoped.team_funnel if scoped else None


def sees(ingested: Ingested, consultant: object) -> bool:
    """Return whether a consultant's rows are in the view (everyone's, for the whole data)."""
    scoped = ingested.scoped if isinstance(ingested, Viewed) else None
    return scoped is None or scoped.sees(consultant)


def rows_hidden(ingested: Ingested) -> bool:
    """Return whether the files' rows (quarantined rows, a sheet's first rows) were left out of
    the view, as they may name consultants outside it."""
    return isinstance(ingested, Viewed) and ingested.rows_hidden
