"""What each page can and cannot show from the data loaded, and what to map to show the rest.

Each page declares what it needs (`PAGE_NEEDS`); each need is checked once against what we
understood of the sheets (the columns mapped, named in the sentence) and against the model (a
column mapped but blank is found but empty). A need a page cannot do without is *essential*: the
page is empty without it; any other need only narrows the page (no source column: no split by
source). The Data page lists every page's checklist; a page missing something says so at its top,
in the same words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from recruit_dash.ingest.mapping import CONFIDENT, ColumnMapping
from recruit_dash.ingest.results import FileReport, Ingested, SheetReport
from recruit_dash.ingest.understanding import field_label
from recruit_dash.model import LADDER, STAGE_IDS, STAGE_LABELS

FOUND, PARTIAL, MISSING = "found", "partial", "missing"
READY, NARROWED, EMPTY = "ready", "partial", "empty"
MAX_NAMES = 3
# Activities that are a word with a placed candidate, so they count as check-ins (see aftercare).
CONTACT_KINDS = ("call", "email", "message", "meeting")


@dataclass(frozen=True)
class Item:
    """One thing a page needs: found or not, the sentence that says so, and where to map it."""

    need: str
    status: str  # found, partial or missing
    sentence: str  # "lead date found (Resume date)", "no client column — the Clients page …"
    essential: bool = False  # the page is empty without it
    field: str | None = None  # the canonical field to map, when not (fully) found
    path: str | None = None  # the file and sheet to map it on, when there is one
    sheet: str | None = None
    action: str = ""  # what to do, in words: "Map a column to Client on sheet 'Leads' of t.csv."

    def to_dict(self) -> dict:
        """Return the item as JSON-ready data."""
        return {"need": self.need, "status": self.status, "essential": self.essential,
                "sentence": self.sentence, "field": self.field, "file": self.path,
                "sheet": self.sheet, "action": self.action or None}


@dataclass(frozen=True)
class PageReadiness:
    """What one page can show: its items, found or not."""

    page: str
    items: tuple[Item, ...]

    @property
    def wanting(self) -> tuple[Item, ...]:
        """Return the items not (fully) found."""
        return tuple(item for item in self.items if item.status != FOUND)

    @property
    def status(self) -> str:
        """Return empty when an essential item is missing, partial when any is, else ready."""
        if any(item.essential and item.status == MISSING for item in self.items):
            return EMPTY
        return NARROWED if self.wanting else READY

    @property
    def line(self) -> str:
        """Return the page's checklist line: "Funnel: lead date found (…), stage dates for …"."""
        return f"{self.page}: " + "; ".join(item.sentence for item in self.items)

    def to_dict(self) -> dict:
        """Return the page's readiness as JSON-ready data."""
        return {"page": self.page, "status": self.status, "line": self.line,
                "items": [item.to_dict() for item in self.items]}


@dataclass(frozen=True)
class Need:
    """What a page loses without one need: `essential` when the page is then empty."""

    need: str
    essential: bool = False
    consequence: str = ""  # for an essential need, default: "the <page> page will be empty"
    without_leads: str = ""  # what the page loses when there are no leads at all, if not that


# Needs that only leads can meet: without any leads, a page says "no leads" and nothing of these.
LEAD_NEEDS = frozenset({"lead_date", "stages", "source", "next_action"})

PAGE_NEEDS: dict[str, tuple[Need, ...]] = {
    "Overview": (
        Need("leads", True),
        Need("lead_date", consequence="no leads-generated figure"),
        Need("stages", consequence="figures and trends for the stages found only"),
    ),
    "Funnel": (
        Need("leads", True),
        Need("lead_date", consequence="the cohort lens is empty"),
        Need("stages", consequence="the other stages show as not tracked"),
        Need("consultant", consequence="no split by consultant"),
        Need("client", consequence="no split by client"),
        Need("source", consequence="no split by source"),
    ),
    "Stalled & today": (
        Need("leads", True),
        Need("stages", consequence="progress is judged on the stages found only"),
        Need("next_action", consequence="no next actions in today's calls, and no lead is kept "
                                        "off the stalled list by a planned call"),
        Need("consultant", consequence="calls and stalled leads cannot be split by consultant"),
    ),
    "Consultants": (
        Need("consultant", True),
        Need("activities", True, "the nail-to-milestone ratios will be empty"),
        Need("stages", consequence="the ratios count only the milestones found",
             without_leads="the ratios have no milestones to count"),
    ),
    "Clients": (
        Need("client", True),
        Need("lead_date", consequence="no repeat business ratio (it counts leads by lead date)"),
        Need("source", consequence="no referral rate"),
        Need("feedback", consequence="no Great Recruiter Score and no testimonials"),
    ),
    "Aftercare": (
        Need("placements", True),
        Need("checkins", consequence="we cannot tell which check-ins were made, which are "
                                     "overdue or who is at risk"),
    ),
    "Quarterly review": (
        Need("leads", True),
        Need("lead_date", True, "the lead completion cohorts will be empty"),
        Need("stages", consequence="cohorts and quarters for the stages found only"),
    ),
}


@dataclass(frozen=True)
class Finding:
    """One need checked against the data: the words when found, or what is missing and where."""

    status: str
    text: str  # "client found (Client)" or "no client column"
    field: str | None = None
    place: tuple[str, str] | None = None  # (file path, sheet name) to map it on
    action: str = ""


def page_readiness(ingested: Ingested) -> list[PageReadiness]:
    """Return what each page can show from the data, in the app's page order."""
    checks = _Checks(ingested)
    pages = []
    no_leads = checks.finding("leads")
    for page, needs in PAGE_NEEDS.items():
        if no_leads.status == MISSING and any(need.need == "leads" for need in needs):
            # The page is empty without leads: the rest would only repeat it.
            needs = tuple(need for need in needs if need.need == "leads")
        items = [_item(page, need, checks.finding(need.need)) for need in needs
                 if no_leads.status != MISSING or need.need not in LEAD_NEEDS]
        lost = [need.without_leads or need.consequence for need in needs
                if need.need in LEAD_NEEDS]
        if no_leads.status == MISSING and lost and not any(need.need == "leads" for need in needs):
            items.append(_item(page, Need("leads", consequence=", ".join(lost)), no_leads))
        pages.append(PageReadiness(page, tuple(items)))
    return pages


def readiness_of(ingested: Ingested, page: str) -> PageReadiness | None:
    """Return one page's readiness by its title, or None for a page that needs nothing (Data)."""
    if page not in PAGE_NEEDS:
        return None
    return next(item for item in page_readiness(ingested) if item.page == page)


def _item(page: str, need: Need, finding: Finding) -> Item:
    """Return a page's item from a finding, with what the page loses when it is not found."""
    sentence = finding.text
    if finding.status != FOUND:
        consequence = need.consequence or f"the {page} page will be empty"
        sentence = f"{finding.text} — {consequence}"
    path, sheet = finding.place or (None, None)
    return Item(need.need, finding.status, sentence, need.essential, finding.field, path, sheet,
                finding.action)


class _Checks:
    """Each need checked once against the sheets understood and the model."""

    def __init__(self, ingested: Ingested) -> None:
        self.ingested = ingested
        self.model = ingested.model
        self.sheets = [(report, sheet) for report in ingested.files if report.ok
                       for sheet in report.sheets]
        self.cache: dict[str, Finding] = {}

    def finding(self, need: str) -> Finding:
        """Return the finding of one need, checked once."""
        if need not in self.cache:
            check: Callable[[], Finding] = getattr(self, f"_{need}")
            self.cache[need] = check()
        return self.cache[need]

    def _leads(self) -> Finding:
        if len(self.model.leads):
            return Finding(FOUND, f"{len(self.model.leads):,} leads found{self._sheet_names('leads')}")
        return Finding(MISSING, "no leads", action="Upload your lead tracker, or set the role of "
                                                   "the sheet holding your leads to Leads on the "
                                                   "Data page.")

    def _lead_date(self) -> Finding:
        columns = self._columns(("leads",), lambda name: name in ("created_on", "stage:lead"))
        milestones = self.model.milestones
        dated = milestones[(milestones["stage"] == "lead") & milestones["reached_on"].notna()]
        if len(dated) and columns:
            return Finding(FOUND, f"lead date found{_names(columns)}")
        if len(dated):
            return Finding(FOUND, f"lead date found{self._values_of(('stage',))}")
        text = f"lead date column found{_names(columns)} but empty" if columns else \
            "no lead date column"
        return self._to_map(MISSING, text, "created_on", ("leads",),
                            "the date each lead was generated")

    def _stages(self) -> Finding:
        columns = self._columns(("leads",), lambda name: name.startswith("stage:"))
        milestones = self.model.milestones
        tracked = {column.field[6:] for column in columns} | set(milestones["stage"].dropna().unique())
        if self._columns(("leads",), lambda name: name == "created_on"):
            tracked.add("lead")
        dated = set(milestones.loc[milestones["reached_on"].notna(), "stage"].dropna().unique())
        tracked &= set(STAGE_IDS)
        undated = tracked - dated
        text = f"stage dates for {len(tracked - undated)} of {len(LADDER)} stages"
        if undated:
            statuses = self._values_of(("status", "stage"))
            text += (f", and {len(undated)} more recorded without dates"
                     f"{statuses.replace(' (from', ' (through')}")
        if len(tracked) == len(LADDER):
            return Finding(FOUND, text)
        untracked = [stage.id for stage in LADDER if stage.id not in tracked]
        status = PARTIAL if len(tracked) > 1 else MISSING
        if not tracked:
            text = "no stage columns or stage values"
        listed = ", ".join(STAGE_LABELS[stage] for stage in untracked[:MAX_NAMES])
        more = f" and {len(untracked) - MAX_NAMES} more" if len(untracked) > MAX_NAMES else ""
        return self._to_map(status, text, f"stage:{untracked[0]}", ("leads",), "",
                            "its milestone", f"the date column of each stage not tracked yet "
                                             f"({listed}{more})")

    def _consultant(self) -> Finding:
        return self._named_field("consultant", ("leads", "activities"),
                                 (self.model.leads, self.model.activities))

    def _client(self) -> Finding:
        return self._named_field("client", ("leads", "placements", "feedback"),
                                 (self.model.leads, self.model.placements, self.model.feedback))

    def _source(self) -> Finding:
        return self._named_field("source", ("leads",), (self.model.leads,))

    def _next_action(self) -> Finding:
        return self._named_field("next_action_on", ("leads",), (self.model.leads,),
                                 word="next action date")

    def _activities(self) -> Finding:
        if len(self.model.activities):
            return Finding(FOUND, f"activities found{self._sheet_names('activities')}")
        return self._of_role("activities", "no activity data (calls, CVs sent, meetings)", "kind",
                             "Upload your KPI sheet or activity log (consultant, date, and the "
                             "activity or a column of counts per activity).")

    def _placements(self) -> Finding:
        if len(self.model.placements):
            return Finding(FOUND, f"placements found{self._sheet_names('placements')}")
        milestones = self.model.milestones
        if ((milestones["stage"] == "started") & milestones["reached_on"].notna()).any():
            columns = self._columns(("leads",), lambda name: name == "stage:started")
            return Finding(FOUND, f"start dates found{_names(columns)}")
        if self._largest("placements"):
            return self._to_map(MISSING, "placements sheet found but no placements", "start_on",
                                ("placements",), "the start date")
        return self._to_map(MISSING, "no placements and no start dates", "stage:started",
                            ("leads",), "the start date", "Start date")

    def _checkins(self) -> Finding:
        columns = self._columns(("placements",), lambda name: name == "checkin_on")
        if len(self.model.checkins):
            return Finding(FOUND, f"check-in dates found{_names(columns)}")
        activities, milestones = self.model.activities, self.model.milestones
        placed = set(self.model.placements["lead_id"].dropna()) | set(
            milestones.loc[milestones["stage"] == "started", "lead_id"].dropna())
        logged = activities["lead_id"].isin(placed) & activities["kind"].isin(CONTACT_KINDS)
        if logged.any():
            return Finding(FOUND, "check-ins found (calls and meetings logged against leads)")
        text = f"check-in columns found{_names(columns)} but empty" if columns else \
            "no check-in data"
        if self._largest("placements"):
            return self._to_map(MISSING, text, "checkin_on", ("placements",),
                                "each check-in call's date (such as “Day 30 call”)")
        return Finding(MISSING, text, "checkin_on",
                       action="Add check-in call dates (such as “Day 30 call”) to a placements "
                              "sheet, or log calls against the placed leads.")

    def _feedback(self) -> Finding:
        if len(self.model.feedback):
            return Finding(FOUND, f"client feedback found{self._sheet_names('feedback')}")
        return self._of_role("feedback", "no client feedback", "score",
                             "Upload a sheet of client survey answers (client, consultant, "
                             "date, score 0–10, referral, testimonial).")

    def _named_field(self, field: str, roles: tuple[str, ...], frames: tuple[pd.DataFrame, ...],
                     word: str = "") -> Finding:
        """Return the finding of a field every row may name (consultant, client, source…)."""
        word = word or field_label(field).lower()
        columns = self._columns(roles, lambda name: name == field)
        filled = any(_filled(frame[field]) for frame in frames if field in frame)
        if filled:
            return Finding(FOUND, f"{word} found{_names(columns)}")
        text = f"{word} column found{_names(columns)} but empty" if columns else \
            f"no {word} column"
        return self._to_map(MISSING, text, field, roles, f"the {word}")

    def _of_role(self, role: str, text: str, field: str, upload: str) -> Finding:
        """Return the finding of a kind of sheet with no rows: map it on the sheet of that role
        when there is one (its columns were not understood), else upload one."""
        place = self._largest(role)
        if place is None:
            return Finding(MISSING, text, field, action=upload)
        return self._to_map(MISSING, f"{text} on sheet '{place[1]}'", field, (role,),
                            f"the {field_label(field).lower()}")

    def _to_map(self, status: str, text: str, field: str, roles: tuple[str, ...], what: str,
                label: str = "", column: str = "") -> Finding:
        """Return a finding with where to map the field: the largest sheet of the first role
        that has one, naming a column that may be it when we only guessed. `column` words the
        column(s) to map when it is not "the column holding <what>"."""
        column = column or f"the column holding {what}"
        label = label or field_label(field)
        for role in roles:
            place = self._largest(role)
            if place is None:
                continue
            path, sheet = place
            guess = self._guess(path, sheet, field)
            hint = f" (“{guess}” may be it)" if guess else ""
            action = f"Map {column} to {label} on sheet '{sheet}' of {Path(path).name}{hint}."
            return Finding(status, text, field, place, action)
        column = column.replace("the column", "a column", 1)
        return Finding(status, text, field, action=f"Add {column} to your tracker.")

    def _columns(self, roles: tuple[str, ...], wanted: Callable[[str], bool],
                 ) -> list[ColumnMapping]:
        """Return the applied columns of sheets in these roles whose field is wanted."""
        return [column for _, sheet in self.sheets if sheet.role in roles
                for column in sheet.columns
                if column.field and column.confidence >= CONFIDENT and wanted(column.field)]

    def _values_of(self, fields: tuple[str, ...]) -> str:
        """Return " (from Status values)": the leads columns whose values record stages."""
        columns = self._columns(("leads",), lambda name: name in fields)
        names = _unique(column.source for column in columns)
        return f" (from {', '.join(names)} values)" if names else ""

    def _sheet_names(self, role: str) -> str:
        """Return " (Leads, Week 21)": the sheets that gave a role its rows."""
        names = _unique(sheet.name for _, sheet in self.sheets
                        if sheet.role == role and sheet.rows_accepted)
        return f" ({_listed(names)})" if names else ""

    def _largest(self, role: str) -> tuple[str, str] | None:
        """Return (file path, sheet name) of the sheet of a role with the most rows."""
        sheets: list[tuple[FileReport, SheetReport]] = [
            (report, sheet) for report, sheet in self.sheets if sheet.role == role]
        if not sheets:
            return None
        report, sheet = max(sheets, key=lambda pair: (pair[1].rows_accepted, pair[1].rows_read))
        return report.path, sheet.name

    def _guess(self, path: str, sheet_name: str, field: str) -> str | None:
        """Return the header of a column on the sheet that we guessed is the field, unsure."""
        for report, sheet in self.sheets:
            if report.path == path and sheet.name == sheet_name:
                for column in sheet.columns:
                    if column.field == field and column.confidence < CONFIDENT and column.source:
                        return column.source
        return None


def _filled(values: pd.Series) -> bool:
    """Return whether any value of a column is not blank (a text of spaces is blank)."""
    if not (pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values)):
        return bool(values.notna().any())
    text = values.dropna().astype("string").str.strip()
    return bool((text.str.len() > 0).any())


def _unique(names) -> list[str]:
    """Return the names, each once, in order, without blanks."""
    return list(dict.fromkeys(name for name in names if name))


def _listed(names: list[str]) -> str:
    """Return up to a few names and how many more."""
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


def _names(columns: list[ColumnMapping]) -> str:
    """Return " (Resume date)": the source columns found, in brackets, or nothing."""
    names = _unique(column.source for column in columns)
    return f" ({_listed(names)})" if names else ""
