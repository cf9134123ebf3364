"""One tracker's tables from its uploads' rows: its latest snapshot, covered events, inferred dates."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pandas as pd

from recruit_dash.ingest.profiles import ProfileError, profile_from_json
from recruit_dash.model import MILESTONES, STAGE_IDS, conform


def tracker_tables(snapshot: dict[str, pd.DataFrame], events: dict[str, pd.DataFrame],
                   status_only: list[str], seen: pd.DataFrame, lead_seen: pd.DataFrame
                   ) -> dict[str, pd.DataFrame]:
    """Return one tracker's tables: the snapshot tables of its latest upload, the event rows its
    uploads keep, and milestones dated by `seen` and `lead_seen` (when the tracker's uploads
    first showed each lead at each stage, and each lead at all); every table comes with its
    rows' upload_id, which is dropped."""
    tables = {name: rows.drop(columns="upload_id") for name, rows in (*snapshot.items(),
                                                                      *events.items())}
    if "milestones" in tables:
        tables["milestones"] = _inferred(tables["milestones"], seen, lead_seen, status_only)
    return tables


def newer_spans(upload_ids: list[int], spans: dict[int, tuple]) -> tuple[list[int], list[tuple]]:
    """Return which uploads of a tracker (oldest first) keep event rows of a table, and the days
    their newer uploads cover, as merged (upload_id, first, last) intervals: a row dated in one
    of them is replaced by the newer upload's rows, and so is an undated one once any is. `spans`
    gives each upload's first and last dated day in the table, for those that have one."""
    covered: list[tuple] = []  # the newer uploads' spans, merged, in order
    keeping, intervals = [], []
    for upload_id in reversed(upload_ids):  # newest first
        own = spans.get(upload_id)
        if not covered:
            keeping.append(upload_id)
        elif own is not None and not any(first <= own[0] and own[1] <= last
                                         for first, last in covered):
            keeping.append(upload_id)  # not all of its rows are replaced: some are kept
            intervals += [(upload_id, first, last) for first, last in covered]
        if own is not None:
            covered = _merged([*covered, own])
    return keeping[::-1], intervals


def _merged(spans: list[tuple]) -> list[tuple]:
    """Return spans of days with those that overlap or meet joined, in order."""
    merged: list[list] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + timedelta(days=1):  # no day falls between
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return [tuple(span) for span in merged]


def accepted_merges(uploads: pd.DataFrame) -> tuple:
    """Return the name merges accepted in the mapping profiles the uploads were read with (a
    newer upload's profile first); a profile that cannot be read is passed over."""
    merges = {}
    for text in uploads.sort_values("as_of", ascending=False)["profile"].dropna():
        try:
            profile = profile_from_json(text)
        except ProfileError:
            continue
        for merge in profile.merges:
            merges.setdefault((merge.field, tuple(merge.names)), merge)
    return tuple(merges.values())


def _inferred(milestones: pd.DataFrame, seen: pd.DataFrame, lead_seen: pd.DataFrame,
              status_only: list[str]) -> pd.DataFrame:
    """Return the latest upload's milestones, undated ones dated by the history; a lead of a
    status-only sheet also gets the earlier stages the history saw it at."""
    milestones = pd.concat([milestones, _earlier_stages(milestones, seen, status_only)],
                           ignore_index=True)
    undated = milestones["reached_on"].isna()
    keyed = milestones.merge(seen, on=["lead_id", "stage"], how="left") \
        .merge(lead_seen, on="lead_id", how="left")
    first = pd.to_datetime(keyed["first_seen"])
    later = first > pd.to_datetime(keyed["lead_seen"])
    from_status = keyed["source_sheet"].isin(status_only).to_numpy()
    infer = undated.to_numpy() & first.notna().to_numpy() & (later.to_numpy() | from_status)
    dated = milestones.copy()
    dated.loc[infer, "reached_on"] = first[infer].to_numpy()
    dated["inferred"] = pd.array(infer, dtype="boolean")
    return conform(dated, MILESTONES)


def _earlier_stages(milestones: pd.DataFrame, seen: pd.DataFrame,
                    status_only: list[str]) -> pd.DataFrame:
    """Return, for leads of a status-only sheet, the stages earlier uploads saw them at below
    the one they stand at now (a status column only ever shows the latest stage)."""
    current = milestones[milestones["source_sheet"].isin(status_only)]
    if current.empty or seen.empty:
        return MILESTONES.empty()
    order = {stage: index for index, stage in enumerate(STAGE_IDS)}
    now = current.assign(rank=current["stage"].map(order)).groupby("lead_id")["rank"].max()
    earlier = seen[seen["lead_id"].isin(now.index)]
    earlier = earlier[earlier["stage"].map(order) < earlier["lead_id"].map(now)]
    known = set(zip(milestones["lead_id"], milestones["stage"], strict=True))
    new = np.array([(lead, stage) not in known for lead, stage in
                    zip(earlier["lead_id"], earlier["stage"], strict=True)], dtype=bool)
    earlier = earlier[new]
    source = current.drop_duplicates("lead_id").set_index("lead_id")
    return conform(pd.DataFrame({
        "lead_id": earlier["lead_id"], "stage": earlier["stage"], "reached_on": pd.NaT,
        "source_file": earlier["lead_id"].map(source["source_file"]),
        "source_sheet": earlier["lead_id"].map(source["source_sheet"]),
        "source_row": earlier["lead_id"].map(source["source_row"])}), MILESTONES)


def status_only_sheets(sheets: str) -> list[str]:
    """Return the names of an upload's sheets that have only a status column (its `sheets`)."""
    return [sheet["name"] for sheet in json.loads(sheets) if sheet.get("shape") == "status-only"]
