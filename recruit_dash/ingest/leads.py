"""Leads and their milestones from a wide, status-only or event-log lead sheet."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from recruit_dash.ingest.fields import Built, Sheet, ids, no_reason
from recruit_dash.ingest.mapping import SheetLayout
from recruit_dash.ingest.memo import CellMemo
from recruit_dash.ingest.vocabulary import FAIL, PASS, PENDING, normalise_header, status_meaning
from recruit_dash.model import FILLED, LADDER, LOST, MILESTONES, ON_HOLD, OPEN, STAGE_ORDER


@lru_cache(maxsize=4096)
def stage_from_name(name: str) -> str | None:
    """Return the stage id a stage name, column title or status means, or None."""
    key = normalise_header(name)
    stripped = " ".join(re.sub(r"\b(date|dates|on|when|reached)\b", " ", key).split())
    for candidate in (key, stripped):
        for stage in LADDER:
            if candidate in (normalise_header(stage.label), stage.id.replace("_", " "),
                             *(normalise_header(s) for s in stage.synonyms)):
                return stage.id
        meaning = status_meaning(candidate)
        if meaning and meaning[0]:
            return meaning[0]
    return None


def build_leads(body: pd.DataFrame, layout: SheetLayout, sheet_name: str, file_name: str,
                excel_rows: pd.Series, memo: CellMemo | None = None) -> Built:
    """Return leads and milestones from a wide, status-only or event-log lead sheet."""
    sheet = Sheet(body, layout, sheet_name, excel_rows, memo)
    reasons = pd.Series("", index=body.index, dtype=object)
    understood = body[[index for indexes in sheet.fields.values() for index in indexes]]
    empty = understood.isna().all(axis=1) if understood.shape[1] else pd.Series(True, index=body.index)
    reasons[empty] = "no value in any column we understand"
    event_log = sheet.has("stage") and sheet.has("stage_on")
    lead_ids = ids(sheet, "lead_id", "", fill=not event_log)
    reasons[lead_ids.isna() & ~empty] = "no lead ID: an event without its lead cannot be placed"
    unmapped: dict[str, dict[str, int]] = {}
    if not event_log:
        repeated = lead_ids.duplicated(keep="first") & lead_ids.notna() & no_reason(reasons)
        if repeated.any():
            first_row = excel_rows[lead_ids[~lead_ids.duplicated()].index]
            first_row.index = lead_ids[~lead_ids.duplicated()].to_numpy()
            for index in repeated.index[repeated]:
                reasons[index] = f"lead ID '{lead_ids[index]}' is already on row {first_row[lead_ids[index]]}"
    keep = no_reason(reasons)
    extra = {}
    if sheet.has("job_id"):
        extra["lead_jobs"] = pd.DataFrame({"lead_id": lead_ids, "job_id": sheet.text("job_id"),
                                           "sheet": sheet_name})[keep & lead_ids.notna()]
    leads = pd.DataFrame({"lead_id": lead_ids}, index=body.index)
    for name in ("consultant", "client", "contact", "candidate"):
        leads[name] = sheet.names(name)
    for name in ("role", "source", "status", "notes"):
        leads[name] = sheet.text(name)
    created = sheet.dates("created_on")
    leads["created_on"] = created.values
    leads["next_action_on"] = sheet.dates("next_action_on").values
    leads["fee"] = sheet.money("fee")
    milestone_parts = []
    stage_columns = {name[6:]: indexes for name, indexes in sheet.fields.items()
                     if name.startswith("stage:")}
    # A decision on no named step ("Selected": Rejected) is the earliest evidence of an outcome;
    # each step's result, in ladder order, overrides it.
    step_outcomes = pd.Series(None, index=body.index, dtype=object)
    if sheet.has("decision"):
        _, outcome, _ = step_results("lead", sheet.results(sheet.fields["decision"][0]),
                                     sheet.raw("decision"))
        step_outcomes = outcome
    for stage, indexes in sorted(stage_columns.items(), key=lambda item: STAGE_ORDER[item[0]]):
        on = pd.Series(pd.NaT, index=body.index, dtype="datetime64[ns]")
        reached = pd.Series(False, index=body.index)
        for nth, index in enumerate(indexes):  # a later round is read with the last rung
            parsed, results = sheet.steps(f"stage:{stage}", index)
            happened, outcome, filled = step_results(stage, results, sheet.raw(f"stage:{stage}", nth))
            step_outcomes = outcome.where(outcome.notna(), step_outcomes)
            on = on.fillna(parsed.values)
            reached |= parsed.values.notna() | parsed.ticks | happened
            later = filled.notna() & keep
            milestone_parts.append(pd.DataFrame({"lead_id": lead_ids[later], "stage": filled[later],
                                                 "reached_on": pd.NaT,
                                                 "source_row": excel_rows[later[later].index]}))
        reached &= keep
        milestone_parts.append(pd.DataFrame({"lead_id": lead_ids[reached], "stage": stage,
                                             "reached_on": on[reached],
                                             "source_row": excel_rows[reached[reached].index]}))
    if "lead" not in stage_columns:
        dated = created.values.notna() & keep
        milestone_parts.append(pd.DataFrame({"lead_id": lead_ids[dated], "stage": "lead",
                                             "reached_on": created.values[dated],
                                             "source_row": excel_rows[dated[dated].index]}))
    shape = "wide" if stage_columns else "status-only" if sheet.has("status") else "list"
    if event_log:
        shape = "event log"
        names = sheet.text("stage")
        on = sheet.dates("stage_on").values
        stages = pd.Series([_chosen(layout, value, 0) or stage_from_name(value)
                            if isinstance(value, str) else None
                            for value in names.astype(object)], index=body.index, dtype=object)
        known = stages.notna()
        unmapped["stage"] = sheet.unmapped("stage", names, known)
        use = known & keep
        milestone_parts.append(pd.DataFrame({"lead_id": lead_ids[use], "stage": stages[use],
                                             "reached_on": on[use],
                                             "source_row": excel_rows[use[use].index]}))
    statuses = leads["status"]
    # Each distinct status is looked up once (a tracker repeats a dozen statuses 50,000 times).
    meanings = {value: _status(layout, value) for value in pd.unique(statuses.dropna())}
    status_stage = statuses.map({value: meaning[0] for value, meaning in meanings.items()
                                 if meaning}).astype(object)
    status_outcome = statuses.map({value: meaning[1] for value, meaning in meanings.items()
                                   if meaning}).astype(object)
    status_stage, status_outcome = (values.where(values.notna(), None)
                                    for values in (status_stage, status_outcome))
    if sheet.has("status"):
        known_status = statuses.isin([value for value, meaning in meanings.items() if meaning])
        unmapped["status"] = sheet.unmapped("status", statuses, known_status)
    with_stage = status_stage.notna() & keep
    milestone_parts.append(pd.DataFrame({"lead_id": lead_ids[with_stage],
                                         "stage": status_stage[with_stage],
                                         "reached_on": pd.NaT,
                                         "source_row": excel_rows[with_stage[with_stage].index]}))
    milestones = pd.concat([part for part in milestone_parts if len(part)], ignore_index=True) \
        if any(len(part) for part in milestone_parts) else MILESTONES.empty()
    # The status says where a lead stands; where it does not say (blank, unknown or just open),
    # the furthest step's result does ("2nd round status: Rejected" is a lost lead).
    decided = status_outcome.isin([FILLED, LOST, ON_HOLD])
    leads["outcome"] = status_outcome.where(decided, step_outcomes).fillna(OPEN)
    leads = leads[keep]
    if event_log:
        leads = leads.groupby("lead_id", sort=False, as_index=False).first()
    leads["source_row"] = excel_rows[leads.index] if not event_log else None
    return Built({"leads": leads, "milestones": milestones, **extra},
                 reasons, sheet.issues, sheet.notes, unmapped, shape)


# Results that mean the step did not take place: a no-show was not interviewed.
NOT_HELD = frozenset({"no show", "withdrawn", "withdrew", "backed out", "absconded",
                      "did not join", "not joined", "dropped", "drop", "refused"})
NOT_REACHED_ON_FAIL = frozenset({"started", "probation"})  # a dropped start did not start


def step_results(stage: str, results: pd.Series, raw: pd.Series,
                 ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return, per row, whether a step column's result cells say the step happened, the outcome
    they give the lead, and a later stage a win names ("Hired" in a round's result).

    A pass or a fail both mean a round was held or an offer made (a fail loses the lead); a start
    that failed did not happen; a pass at the start fills the lead."""
    happened = pd.Series(False, index=results.index)
    outcome = pd.Series(None, index=results.index, dtype=object)
    later = pd.Series(None, index=results.index, dtype=object)
    with_result = results.notna()
    if not with_result.any():
        return happened, outcome, later
    pairs = pd.DataFrame({"value": raw[with_result].astype(str).str.strip(),
                          "result": results[with_result]})
    meanings = [_step_meaning(stage, result, value)
                for value, result in zip(pairs["value"], pairs["result"], strict=True)]
    happened[with_result] = [meaning[0] for meaning in meanings]
    outcome[with_result] = [meaning[1] for meaning in meanings]
    later[with_result] = [meaning[2] for meaning in meanings]
    return happened.astype(bool), outcome, later


@lru_cache(maxsize=4096)
def _step_meaning(stage: str, result: str, value: str) -> tuple[bool, str | None, str | None]:
    """Return (the step happened, the lead's outcome, a later stage a win names) for one result."""
    held = normalise_header(value) not in NOT_HELD
    if result == FAIL:
        return held and stage not in NOT_REACHED_ON_FAIL, LOST, None
    if result == PENDING:
        return False, OPEN, None
    if result != PASS:
        return False, None, None
    if STAGE_ORDER[stage] >= STAGE_ORDER["started"]:
        return True, FILLED, None
    meaning = status_meaning(value)
    if meaning and meaning[1] == FILLED:
        return True, FILLED, meaning[0]
    return True, OPEN, None


def _chosen(layout: SheetLayout, value: str, part: int) -> str | None:
    """Return the stage (part 0) or outcome (part 1) the user chose for a status text, or None."""
    meaning = layout.statuses.get(normalise_header(value)) if layout.statuses else None
    return meaning[part] if meaning else None


def _status(layout: SheetLayout, value: str) -> tuple[str | None, str | None] | None:
    """Return (stage, outcome) for a status text: the user's mapping first, then our vocabulary."""
    if layout.statuses:
        meaning = layout.statuses.get(normalise_header(value))
        if meaning is not None:
            return tuple(meaning)
    return status_meaning(value)
