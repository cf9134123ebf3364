"""One model from many sheets' tables: candidates joined to jobs, one milestone per stage, outcomes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from recruit_dash import clock
from recruit_dash.ingest.results import SheetReport
from recruit_dash.model import (
    ACTIVITIES,
    CHECKINS,
    FEEDBACK,
    FILLED,
    ISSUES,
    LEADS,
    LOST,
    MILESTONES,
    ON_HOLD,
    PLACEMENTS,
    STAGE_ORDER,
    Model,
    conform,
    stage_orders,
)

JOB_ATTRIBUTES = ("client", "role", "consultant", "contact", "source", "fee")


def joined_to_jobs(tables: dict[str, pd.DataFrame], reports: list[SheetReport],
                   ) -> dict[str, pd.DataFrame]:
    """Return a relational workbook's tables joined: each candidate-on-job lead takes its job's
    client, role (and consultant, contact, source or fee when it has none) from the jobs sheet,
    and a job that has candidates is not counted again as a lead of its own. Both sheets' notes
    say so."""
    links = tables.pop("lead_jobs").dropna(subset=["job_id"])
    leads = tables["leads"]
    jobs = leads[leads["lead_id"].isin(links["job_id"]) & ~leads["lead_id"].isin(links["lead_id"])]
    jobs = jobs.drop_duplicates("lead_id").set_index("lead_id")
    if jobs.empty:
        return tables
    job_of = pd.Series(links["job_id"].to_numpy(), index=links["lead_id"].to_numpy())
    job_of = job_of[~job_of.index.duplicated()]
    linked = leads["lead_id"].isin(job_of.index[job_of.isin(jobs.index)])
    updates = {}
    for column in JOB_ATTRIBUTES:
        from_job = pd.Series(jobs[column].reindex(job_of.reindex(leads["lead_id"]).to_numpy())
                             .to_numpy(), index=leads.index)
        updates[column] = leads[column].where(leads[column].notna() | ~linked, from_job)
    leads = leads.assign(**updates)
    used_jobs = pd.Index(job_of[job_of.isin(jobs.index)].unique())
    tables["leads"] = leads[~leads["lead_id"].isin(used_jobs)].reset_index(drop=True)
    if "milestones" in tables:
        milestones = tables["milestones"]
        tables["milestones"] = milestones[~milestones["lead_id"].isin(used_jobs)].reset_index(drop=True)
    job_sheets = sorted(set(jobs.loc[used_jobs, "source_sheet"].astype(str)))
    link_sheets = sorted(set(links["sheet"].astype(str)))
    for report in reports:
        if report.name in link_sheets:
            report.notes.append(f"{int(linked.sum()):,} rows are candidates on jobs found in sheet "
                                f"{', '.join(repr(name) for name in job_sheets)}: each takes its "
                                "job's client and role from there")
        if report.name in job_sheets:
            report.notes.append(f"{len(used_jobs):,} jobs here have candidates in sheet "
                                f"{', '.join(repr(name) for name in link_sheets)}: they give those "
                                "candidates their client and role and are not counted again as "
                                "leads")
    return tables


def combine(parts: list[dict[str, pd.DataFrame]]) -> Model:
    """Return one model from the frames of several sheets and files, merging leads by id."""
    def gather(name: str, table) -> pd.DataFrame:
        frames = [part[name] for part in parts if name in part and len(part[name])]
        return conform(pd.concat(frames, ignore_index=True), table) if frames else table.empty()

    leads = gather("leads", LEADS)
    if leads["lead_id"].duplicated().any():
        # The same lead described by several sheets (a relational workbook, or one pipeline in
        # both shapes): one lead, each attribute from the first sheet that has it.
        leads = conform(leads.groupby("lead_id", sort=False, as_index=False).first(), LEADS)
    milestones = gather("milestones", MILESTONES)
    milestones = _one_milestone_per_stage(milestones)
    leads = _with_outcome(leads, milestones)
    return Model(
        leads=leads,
        milestones=milestones,
        activities=gather("activities", ACTIVITIES),
        placements=gather("placements", PLACEMENTS),
        checkins=gather("checkins", CHECKINS),
        feedback=gather("feedback", FEEDBACK),
        issues=gather("issues", ISSUES),
    )


def _one_milestone_per_stage(milestones: pd.DataFrame) -> pd.DataFrame:
    """Return one milestone per lead and stage: the earliest date, a dated one before a tick."""
    if milestones.empty:
        return milestones
    # Integer keys and a numpy sort: several hundred thousand milestones in tens of milliseconds.
    lead_codes, _ = pd.factorize(milestones["lead_id"])
    stage_order = stage_orders(milestones["stage"])
    key = lead_codes.astype("int64") * 64 + stage_order
    dated = milestones["reached_on"].to_numpy(dtype="datetime64[ns]").astype("int64")
    undated = milestones["reached_on"].isna().to_numpy()
    dated = np.where(undated, np.iinfo("int64").max, dated)
    order = np.lexsort((dated, key))
    # The first of each run of equal keys in key order (the sorted keys need no second sort).
    ordered = key[order]
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    if len(first) == len(milestones):
        return milestones  # no lead reached a stage twice: nothing to drop, nothing to copy
    keep = np.sort(order[first])
    return milestones.iloc[keep].reset_index(drop=True)


def _with_outcome(leads: pd.DataFrame, milestones: pd.DataFrame, as_of: date | None = None) -> pd.DataFrame:
    """Return leads whose outcome is filled once a start is recorded on or before the as-of date."""
    as_of_stamp = pd.Timestamp(as_of or clock.today())
    started_order = STAGE_ORDER["started"]
    reached = milestones[(stage_orders(milestones["stage"]) >= started_order)
                         & (milestones["reached_on"].isna() | (milestones["reached_on"] <= as_of_stamp))]
    # Looked up in an index of the started leads' ids (Series.isin on text converts every id
    # to a Python object first).
    started = pd.Index(reached["lead_id"].unique()).get_indexer(leads["lead_id"]) >= 0
    filled = started & ~leads["outcome"].isin([LOST, ON_HOLD]).to_numpy(bool)
    return leads.assign(outcome=leads["outcome"].where(~filled, FILLED))
