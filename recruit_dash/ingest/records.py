"""Activities, placements with their check-ins, and client feedback, each from its own sheet."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recruit_dash.ingest import validation
from recruit_dash.ingest.fields import Built, Sheet, ids, no_reason
from recruit_dash.ingest.mapping import SheetLayout
from recruit_dash.ingest.memo import CellMemo
from recruit_dash.ingest.vocabulary import ACTIVITY_KIND_VOCABULARY, normalise_header
from recruit_dash.model import constant_text

# Post-placement check-ins (seed 004): days after the start date, keyed by words in the header.
CHECKIN_SCHEDULE: tuple[tuple[str, int], ...] = (
    ("pre start", -3), ("before start", -3), ("day 1", 0), ("first day", 0), ("week 1", 7),
    ("day 30", 30), ("month 1", 30), ("day 90", 90), ("month 3", 90),
)


def build_activities(body: pd.DataFrame, layout: SheetLayout, sheet_name: str, file_name: str,
                     excel_rows: pd.Series, memo: CellMemo | None = None) -> Built:
    """Return activities from a long log or a weekly-wide KPI sheet."""
    sheet = Sheet(body, layout, sheet_name, excel_rows, memo)
    reasons = pd.Series("", index=body.index, dtype=object)
    consultant = sheet.names("consultant")
    on = sheet.dates("on").values
    no_date, no_consultant = on.isna().to_numpy(), consultant.isna().to_numpy()
    reasons[no_date] = "no date we can read"
    reasons[no_consultant] = "no consultant"
    keep = pd.Series(~(no_date | no_consultant), index=body.index)
    base = pd.DataFrame({"consultant": consultant, "on": on, "lead_id": sheet.text("lead_id"),
                         "client": sheet.names("client"), "source_row": excel_rows[body.index]})
    count_columns = {name[6:]: name for name in sheet.fields if name.startswith("count:")}
    unmapped: dict[str, dict[str, int]] = {}
    if count_columns:
        shape = "weekly counts"
        rows, kinds, numbers = [], [], []
        for kind, name in count_columns.items():
            counts = sheet.money(name)
            use = (keep & counts.notna() & (counts != 0)).to_numpy(bool)
            rows.append(np.flatnonzero(use))
            kinds.append(pd.Series(constant_text(kind, int(use.sum()))))
            numbers.append(counts[use].reset_index(drop=True))
        # Each kind's rows, kind after kind, taken from the base columns at once: no frame per
        # kind to copy again when joining them (a weekly sheet makes a million activities).
        activities = base.take(np.concatenate(rows)).reset_index(drop=True).assign(
            kind=pd.concat(kinds, ignore_index=True), count=pd.concat(numbers, ignore_index=True))
    else:
        shape = "activity log"
        kinds_text = sheet.text("kind")
        kinds = pd.Series([_activity_kind(value) for value in kinds_text.astype(object)],
                          index=body.index, dtype=object)
        unmapped["kind"] = sheet.unmapped("activity type", kinds_text, kinds.notna())
        counts = sheet.money("count") if sheet.has("count") else pd.Series(1.0, index=body.index)
        activities = base[keep].assign(kind=kinds[keep].fillna("other"),
                                       count=counts[keep].fillna(1.0))
    return Built({"activities": activities}, reasons, sheet.issues,
                 sheet.notes, unmapped, shape)


def _activity_kind(value: object) -> str | None:
    """Return the activity kind a type text means, or None."""
    if not isinstance(value, str):
        return None
    key = normalise_header(value)
    if key in ACTIVITY_KIND_VOCABULARY:
        return ACTIVITY_KIND_VOCABULARY[key]
    for word, kind in (("bd", "bd_call"), ("call", "call"), ("email", "email"),
                       ("meeting", "meeting"), ("interview", "interview"), ("cv", "cv_sent"),
                       ("submission", "cv_sent"), ("message", "message")):
        if word in key.split():
            return kind
    return None


def build_placements(body: pd.DataFrame, layout: SheetLayout, sheet_name: str, file_name: str,
                     excel_rows: pd.Series, memo: CellMemo | None = None) -> Built:
    """Return placements and their check-ins."""
    sheet = Sheet(body, layout, sheet_name, excel_rows, memo)
    reasons = pd.Series("", index=body.index, dtype=object)
    placements = pd.DataFrame({"placement_id": ids(sheet, "placement_id", "P:")}, index=body.index)
    for name in ("candidate", "client", "consultant"):
        placements[name] = sheet.names(name)
    placements["lead_id"] = sheet.text("lead_id")
    placements["start_on"] = sheet.dates("start_on").values
    placements["probation_end_on"] = sheet.dates("probation_end_on").values
    placements["fee"] = sheet.money("fee")
    nobody = placements["candidate"].isna() & placements["start_on"].isna()
    reasons[nobody] = "no candidate and no start date"
    keep = no_reason(reasons)
    checkins = []
    for index in sheet.fields.get("checkin_on", []):
        header = sheet.headers[index]
        parsed = sheet.dates("checkin_on", index)
        offset = _checkin_offset(header)
        due = placements["start_on"] + pd.to_timedelta(offset, unit="D") if offset is not None \
            else pd.Series(pd.NaT, index=body.index)
        if "probation" in normalise_header(header):
            due = placements["probation_end_on"]
        checkins.append(pd.DataFrame({"placement_id": placements["placement_id"], "checkpoint": header,
                                      "due_on": due, "done_on": parsed.values,
                                      "source_row": excel_rows[body.index]})[keep])
    placements["source_row"] = excel_rows[body.index]
    tables = {"placements": placements[keep]}
    if checkins:
        tables["checkins"] = pd.concat(checkins, ignore_index=True)
    return Built(tables, reasons, sheet.issues, sheet.notes, {}, "placements")


def _checkin_offset(header: str) -> int | None:
    """Return the check-in's day after the start date, read from its column title."""
    key = normalise_header(header)
    for words, offset in CHECKIN_SCHEDULE:
        if words in key:
            return offset
    return None


def build_feedback(body: pd.DataFrame, layout: SheetLayout, sheet_name: str, file_name: str,
                   excel_rows: pd.Series, memo: CellMemo | None = None) -> Built:
    """Return client feedback answers; a score outside 0-10 quarantines its row."""
    sheet = Sheet(body, layout, sheet_name, excel_rows, memo)
    reasons = pd.Series("", index=body.index, dtype=object)
    feedback = pd.DataFrame({"client": sheet.names("client"), "consultant": sheet.names("consultant"),
                             "on": sheet.dates("on").values, "score": sheet.scores("score"),
                             "referral": sheet.flags("referral"),
                             "testimonial": sheet.flags("testimonial"),
                             "source_row": excel_rows[body.index]}, index=body.index)
    reasons[feedback["score"].isna() & feedback["referral"].isna()
            & feedback["testimonial"].isna()] = "no score, referral or testimonial"
    reasons = validation.row_reasons(feedback, "feedback", reasons)
    return Built({"feedback": feedback[no_reason(reasons)]}, reasons, sheet.issues,
                 sheet.notes, {}, "survey answers")
