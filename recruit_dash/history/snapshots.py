"""One tracker's tables from its uploads' rows: its latest snapshot, covered events, inferred dates."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from recruit_dash.ingest.profiles import ProfileError, profile_from_json
from recruit_dash.model import MILESTONES, STAGE_IDS, conform


def tracker_tables(family: pd.DataFrame, latest: int, snapshot: dict[str, pd.DataFrame],
                   events: dict[str, pd.DataFrame], seen: pd.DataFrame, lead_seen: pd.DataFrame
                   ) -> dict[str, pd.DataFrame]:
    """Return one tracker's tables: the snapshot tables of its upload `latest`, the event tables
    of every upload in `family` (oldest first), and milestones dated by `seen` and `lead_seen`
    (when the family's uploads first showed each lead at each stage, and each lead at all)."""
    ids = [int(value) for value in family["upload_id"]]
    tables = {name: rows.drop(columns="upload_id") for name, rows in snapshot.items()}
    status_only = _status_only_sheets(family[family["upload_id"] == latest]["sheets"].iloc[0])
    tables["milestones"] = _inferred(tables["milestones"], seen, lead_seen, status_only)
    for name, rows in events.items():
        tables[name] = _covered(rows, ids)
    return tables


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


def _status_only_sheets(sheets: str) -> list[str]:
    return [sheet["name"] for sheet in json.loads(sheets) if sheet.get("shape") == "status-only"]


def _covered(frame: pd.DataFrame, ids: list[int]) -> pd.DataFrame:
    """Return event rows where each newer upload replaces older ones for the dates it covers."""
    if frame.empty:
        return frame.drop(columns="upload_id")
    keep = np.zeros(len(frame), dtype=bool)
    spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for upload_id in reversed(ids):  # newest first
        mine = (frame["upload_id"] == upload_id).to_numpy()
        if not mine.any():
            continue
        dates = frame.loc[mine, "on"]
        covered = np.zeros(mine.sum(), dtype=bool)
        for start, end in spans:
            covered |= ((dates >= start) & (dates <= end)).to_numpy()
        if spans:
            covered |= dates.isna().to_numpy()
        keep[np.flatnonzero(mine)[~covered]] = True
        if dates.notna().any():
            spans.append((dates.min(), dates.max()))
    return frame[keep].drop(columns="upload_id").reset_index(drop=True)
