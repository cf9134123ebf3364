"""The pipeline model: the milestone ladder, outcomes, activity kinds and the canonical tables.

Everything else refers to these declarations by name; nothing re-spells a stage id or a column.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa


@dataclass(frozen=True)
class Stage:
    """One rung of the milestone ladder."""

    id: str
    label: str
    synonyms: tuple[str, ...] = ()


# The default ladder of DESIGN.md (seeds 001 and 003). It is data: a profile may rename, drop or
# reorder stages, so code asks the ladder for order instead of hard-coding it.
LADDER: tuple[Stage, ...] = (
    Stage("lead", "Lead generated", ("date generated", "lead date", "date added", "created",
                                     "opened", "applied on", "new application", "lead generated")),
    Stage("meeting", "Client meeting agreed", ("meeting", "client meeting", "client visit",
                                               "intake meeting", "meeting agreed", "meeting booked",
                                               "engaged", "engage")),
    Stage("job", "Job registered", ("job on", "job registered", "vacancy taken", "req opened",
                                    "job order", "job taken", "vacancy registered")),
    Stage("shortlist", "CVs sent / shortlist", ("cvs sent", "cv sent", "submitted", "submission",
                                                "sendout", "profiles shared", "shortlist presented",
                                                "cvs received", "shortlist", "resume submitted",
                                                "submitted on", "cv submitted")),
    Stage("interview", "1st interview arranged", ("interview booked", "interview arranged",
                                                  "1st interview", "first interview",
                                                  "interview scheduled", "1st int", "interview",
                                                  "1st interview booked", "1st int booked",
                                                  "in house interview", "onsite interview",
                                                  "panel interview")),
    Stage("interview_done", "1st interview completed", ("interview completed", "interviewed",
                                                        "1st interview done", "1st int done",
                                                        "1st interview completed",
                                                        "interview done")),
    Stage("second_interview", "2nd interview arranged", ("2nd interview", "second interview",
                                                         "final interview", "2nd int",
                                                         "2nd interview booked",
                                                         "2nd interview arranged")),
    Stage("second_interview_done", "2nd interview completed", ("2nd interview completed",
                                                               "2nd int done",
                                                               "2nd interview done",
                                                               "second interview completed")),
    Stage("offer", "Offer made (verbal)", ("verbal offer", "offer", "offer made", "offer sent",
                                           "offer extended", "offered", "offer released")),
    Stage("accepted", "Offer accepted (written)", ("written offer", "offer accepted", "accepted",
                                                   "contract signed")),
    Stage("resigned", "Candidate resigned", ("resignation", "resigned", "handed in notice")),
    Stage("started", "Started", ("start date", "started", "joined", "joining date", "placement",
                                 "placed", "join date", "hired", "start", "hiring date",
                                 "hire date", "date started")),
    Stage("probation", "Probation completed", ("probation passed", "probation completed",
                                               "passed probation")),
)

STAGE_IDS: tuple[str, ...] = tuple(stage.id for stage in LADDER)
STAGE_ORDER: dict[str, int] = {stage.id: index for index, stage in enumerate(LADDER)}
STAGE_LABELS: dict[str, str] = {stage.id: stage.label for stage in LADDER}


def stage_orders(stages: pd.Series) -> np.ndarray:
    """Return each stage's place on the ladder (-1 for none or an unknown stage), looked up once
    per distinct stage rather than once per milestone."""
    codes, uniques = pd.factorize(stages, use_na_sentinel=True)
    orders = np.array([STAGE_ORDER.get(stage, -1) for stage in uniques] + [-1], dtype="int64")
    return orders[codes]  # the sentinel -1 picks the trailing -1


def tracked_stages(milestones: pd.DataFrame) -> tuple[str, ...]:
    """Return the stages the data tracks, in ladder order: every stage at least one lead recorded
    (dated or a tick), and always Lead generated.

    Reach-or-later counts only these. A stage no lead recorded (no column, no event, no status
    value for it: an in-house tracker has no client meeting) is "not tracked in your data", never
    filled in from a later stage.
    """
    recorded = set(milestones["stage"].dropna().unique())
    return tuple(stage for stage in STAGE_IDS if stage == "lead" or stage in recorded)

OPEN, FILLED, LOST, ON_HOLD = "open", "filled", "lost", "on_hold"
OUTCOMES: tuple[str, ...] = (OPEN, FILLED, LOST, ON_HOLD)
OUTCOME_LABELS = {OPEN: "Open", FILLED: "Filled", LOST: "Lost", ON_HOLD: "On hold"}


@dataclass(frozen=True)
class ActivityKind:
    """A kind of consultant activity (a KPI, a "nail" in seed 001)."""

    id: str
    label: str
    synonyms: tuple[str, ...] = ()


ACTIVITY_KINDS: tuple[ActivityKind, ...] = (
    ActivityKind("call", "Calls", ("calls", "call", "phone calls", "candidate calls", "dials",
                                   "outbound calls")),
    ActivityKind("bd_call", "BD calls", ("bd calls", "bd call", "business development calls",
                                         "sales calls", "client calls", "bd")),
    ActivityKind("email", "Emails", ("emails", "email")),
    ActivityKind("message", "Messages", ("messages", "inmails", "linkedin messages", "texts")),
    ActivityKind("meeting", "Client meetings", ("client meetings", "meetings", "meeting",
                                                "client visits", "intake meeting")),
    ActivityKind("cv_sent", "CVs sent", ("cvs sent", "cv sent", "cvs", "submissions",
                                         "candidate submission", "resume submitted",
                                         "send outs", "sendouts")),
    ActivityKind("interview", "Interviews", ("interviews", "interview", "interviews arranged",
                                             "interview scheduled", "interviews booked")),
    ActivityKind("other", "Other", ("other",)),
)
ACTIVITY_KIND_IDS: tuple[str, ...] = tuple(kind.id for kind in ACTIVITY_KINDS)
ACTIVITY_KIND_LABELS = {kind.id: kind.label for kind in ACTIVITY_KINDS}

ROLES: tuple[str, ...] = ("leads", "activities", "placements", "feedback")
IGNORED = "ignored"

SOURCE_COLUMNS = ("source_file", "source_sheet", "source_row")

# The group a row with no value in a field falls in, named once so that splits, tables, filters,
# reports and downloads agree; such rows are counted in every total, never dropped.
BLANK_GROUPS: dict[str, str] = {
    "consultant": "(no consultant)", "client": "(no client)", "source": "(no source)",
    "role": "(no role)", "month": "(no date)",
}
NO_CONSULTANT = BLANK_GROUPS["consultant"]


def group_names(values: pd.Series, field: str) -> pd.Series:
    """Return a column as group names: a blank (missing or only spaces) named by its field."""
    if isinstance(values.dtype, pd.StringDtype | pd.CategoricalDtype):
        # Each distinct name is read once: a column of 800,000 activities has a few thousand.
        named = per_unique(values, lambda names: _group_names(names, field))
        return named.fillna(BLANK_GROUPS[field]).astype(object).rename(values.name)
    return _group_names(values, field)


def per_unique(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Return transform applied to each distinct value once (as text), spread back over the
    column, missing where the value is.

    Trackers repeat the same few consultants, dates and statuses thousands of times, so working
    on the distinct values keeps a 250,000-row sheet as cheap as a 250-row one.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = transform(pd.Series(uniques, dtype="string"))
    return pd.Series(pd.api.extensions.take(done.array, codes, allow_fill=True), index=values.index)


def _group_names(values: pd.Series, field: str) -> pd.Series:
    text = values.astype("string")
    filled = (text.str.strip().str.len() > 0).fillna(False).to_numpy(bool)
    return text.where(filled).fillna(BLANK_GROUPS[field]).astype(object)


def group_options(values: pd.Series, field: str) -> list[str]:
    """Return the distinct group names of a column, sorted, the blank group last (for a filter)."""
    names = set(group_names(values, field))
    blank = BLANK_GROUPS[field]
    return sorted(names - {blank}) + ([blank] if blank in names else [])


@dataclass(frozen=True)
class Table:
    """A canonical table: its name, its columns and which of them hold dates or numbers."""

    name: str
    columns: tuple[str, ...]
    dates: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    help: str = ""
    with_source: bool = True

    @property
    def all_columns(self) -> tuple[str, ...]:
        """Columns in order, the source columns last."""
        return self.columns + (SOURCE_COLUMNS if self.with_source else ())

    def empty(self) -> pd.DataFrame:
        """A frame of this table with no rows and the right dtypes."""
        return conform(pd.DataFrame(), self)


LEADS = Table(
    "leads",
    ("lead_id", "created_on", "consultant", "client", "contact", "candidate", "role", "source",
     "status", "outcome", "next_action_on", "fee", "notes"),
    dates=("created_on", "next_action_on"),
    numbers=("fee",),
    help="One row a lead (a job, a vacancy, or a candidate on a job).",
)
MILESTONES = Table(
    "milestones",
    ("lead_id", "stage", "reached_on", "inferred"),
    dates=("reached_on",),
    flags=("inferred",),
    help="One row per lead per stage it recorded; reached_on is empty for a tick without a date, "
         "and inferred is true when the upload history dated it (the upload's as-of date, an "
         "upper bound).",
)
ACTIVITIES = Table(
    "activities",
    ("consultant", "on", "kind", "count", "lead_id", "client"),
    dates=("on",),
    numbers=("count",),
    help="Consultant activities; a weekly KPI row counts on its week's first day.",
)
PLACEMENTS = Table(
    "placements",
    ("placement_id", "lead_id", "candidate", "client", "consultant", "start_on",
     "probation_end_on", "fee"),
    dates=("start_on", "probation_end_on"),
    numbers=("fee",),
    help="Placed candidates.",
)
CHECKINS = Table(
    "checkins",
    ("placement_id", "checkpoint", "due_on", "done_on"),
    dates=("due_on", "done_on"),
    help="Post-placement check-ins recorded against a placement.",
)
FEEDBACK = Table(
    "feedback",
    ("client", "consultant", "on", "score", "referral", "testimonial"),
    dates=("on",),
    numbers=("score",),
    flags=("referral", "testimonial"),
    help="Client survey answers, scores 0-10.",
)
ISSUES = Table(
    "issues",
    ("file", "sheet", "row", "column", "value", "problem"),
    numbers=("row",),
    help="Every cell or row we could not use, and why.",
    with_source=False,
)

# How each canonical field is named on screen and in downloads people open.
FIELD_LABELS: dict[str, str] = {
    "lead_id": "Lead", "created_on": "Lead date", "consultant": "Consultant", "client": "Client",
    "contact": "Contact", "candidate": "Candidate", "role": "Role", "source": "Source",
    "status": "Status", "outcome": "Outcome", "next_action_on": "Next action", "fee": "Fee",
    "notes": "Notes", "stage": "Stage", "reached_on": "Reached on", "on": "Date", "kind": "Activity",
    "count": "Count", "placement_id": "Placement", "start_on": "Start date",
    "probation_end_on": "Probation ends", "checkpoint": "Check-in", "due_on": "Due",
    "done_on": "Done", "score": "Score", "referral": "Referral", "testimonial": "Testimonial",
    "furthest_stage": "Furthest stage", "source_file": "File", "source_sheet": "Sheet",
    "source_row": "Row", "file": "File", "sheet": "Sheet", "row": "Row", "column": "Column",
    "value": "Value", "problem": "Problem",
    "last_progress_on": "Last progress", "days_since_progress": "Days since progress",
    "threshold": "Threshold (days)", "reason": "Why it is stalled", "urgency": "Urgency",
    "what": "Call", "who": "Who", "overdue": "Overdue", "days_overdue": "Days overdue",
    "last_contact_on": "Last contact", "days_without_contact": "Days without contact",
    "at_risk": "At risk", "window_start": "Window opens", "window_end": "Window closes",
    "checkins_done": "Check-ins done", "checkins_missed": "Check-ins missed",
    "completion": "Completion", "inferred": "Date inferred from uploads",
}

TABLES: dict[str, Table] = {
    table.name: table
    for table in (LEADS, MILESTONES, ACTIVITIES, PLACEMENTS, CHECKINS, FEEDBACK, ISSUES)
}


def conform(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return the frame with exactly the table's columns, in order, with the table's dtypes;
    a column that already has its dtype is kept as it is (no copy, no conversion)."""
    if tuple(frame.columns) == table.all_columns and all(
            _has_dtype(frame[column], column, table) for column in table.all_columns):
        return frame.reset_index(drop=True)
    out = {}
    for column in table.all_columns:
        values = frame[column] if column in frame.columns else pd.Series(None, index=frame.index)
        kept = values if _has_dtype(values, column, table) else _converted(values, column, table)
        out[column] = kept.array
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _converted(values: pd.Series, column: str, table: Table) -> pd.Series:
    """Return one column converted to the table's dtype for it."""
    if column in table.dates:
        return pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")
    if column == "source_row" or column == "row" and table is ISSUES:
        return pd.to_numeric(values, errors="coerce").astype("Int64")
    if column in table.numbers:
        return pd.to_numeric(values, errors="coerce").astype("Float64")
    if column in table.flags:
        return values.astype("boolean")
    return _as_string(values)


def _has_dtype(values: pd.Series, column: str, table: Table) -> bool:
    """Return whether a column already has the table's dtype for it."""
    dtype = values.dtype
    if column in table.dates:
        return dtype == "datetime64[ns]"
    if column == "source_row" or column == "row" and table is ISSUES:
        return dtype == "Int64"
    if column in table.numbers:
        return dtype == "Float64"
    if column in table.flags:
        return dtype == "boolean"
    return isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA


def constant_text(value: str, length: int) -> pd.api.extensions.ExtensionArray:
    """Return a text column's values holding one value `length` times (a row's source file or
    sheet), built without a Python object per row."""
    return pd.array(pa.repeat(pa.scalar(value, pa.string()), length), dtype=pd.StringDtype())


def _as_string(values: pd.Series) -> pd.Series:
    """Return a column as the nullable string dtype, converting each distinct value once."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.na_value is pd.NA:
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    strings = pd.array([str(value) for value in uniques], dtype="string")
    return pd.Series(pd.api.extensions.take(strings, codes, allow_fill=True), index=values.index)


def json_value(value: object) -> object:
    """Return one cell as a JSON value: ISO dates, None for anything missing (never NaN), plain
    Python numbers (whole floats as ints)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    return value


def lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Return values looked up by key, aligned with the keys (`values` indexed by unique keys),
    missing where a key is missing or not in the index. The values keep their dtype (dates stay
    dates, even for no keys at all)."""
    taken = pd.api.extensions.take(values.array, positions(keys, values.index), allow_fill=True)
    return pd.Series(taken, index=keys.index)


def positions(keys: pd.Series, among: pd.Index | pd.Series, *,
              missing_matches: bool = False) -> np.ndarray:
    """Return each key's row among the values (the first row of a value held twice), -1 for a
    key not among them. A missing key finds nothing, unless `missing_matches` (then the first
    missing value).

    Both sides are hashed once together (a factorisation), which is many times faster than an
    index's own look-up or an isin per key for text keys (above all for a column of blanks)."""
    if not missing_matches and len(keys) and not keys.notna().any():
        return np.full(len(keys), -1, dtype=np.intp)
    both = pd.concat([pd.Series(among, dtype=among.dtype, copy=False).reset_index(drop=True),
                      pd.Series(keys, copy=False).reset_index(drop=True)], ignore_index=True)
    codes, uniques = pd.factorize(both, use_na_sentinel=not missing_matches)  # missing: -1
    ours, theirs = codes[:len(among)], codes[len(among):]
    first = np.full(len(uniques) + 1, -1, dtype=np.intp)  # the last slot answers code -1
    distinct, rows = np.unique(ours, return_index=True)
    known = distinct >= 0
    first[distinct[known]] = rows[known]
    return first[theirs]


@dataclass
class Model:
    """The pipeline model built from one or more files: every canonical table."""

    leads: pd.DataFrame = field(default_factory=LEADS.empty)
    milestones: pd.DataFrame = field(default_factory=MILESTONES.empty)
    activities: pd.DataFrame = field(default_factory=ACTIVITIES.empty)
    placements: pd.DataFrame = field(default_factory=PLACEMENTS.empty)
    checkins: pd.DataFrame = field(default_factory=CHECKINS.empty)
    feedback: pd.DataFrame = field(default_factory=FEEDBACK.empty)
    issues: pd.DataFrame = field(default_factory=ISSUES.empty)

    def table(self, name: str) -> pd.DataFrame:
        """Return the named canonical table."""
        if name not in TABLES:
            raise KeyError(f"Unknown table {name!r}; choose one of {', '.join(TABLES)}")
        return getattr(self, name)

    def milestone_counts(self) -> dict[str, int]:
        """Return how many leads recorded each stage, in ladder order."""
        counts = self.milestones.groupby("stage", observed=True)["lead_id"].nunique()
        return {stage: int(counts.get(stage, 0)) for stage in STAGE_IDS}
