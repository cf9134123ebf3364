"""Since last upload, for the digest and the command line: what moved between two readings of a
tracker, from the upload history or from two files of the same tracker given side by side."""

from __future__ import annotations

import json
from datetime import date

from recruit_dash import clock
from recruit_dash.history import changes
from recruit_dash.history.store import Store
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.model import Model, json_value

MOVES = ("new", "progressed", "outcome_changed", "disappeared", "next_action_slipped")


def moved_between(previous: Model, current: Model, previous_as_of: date | None = None,
                  current_as_of: date | None = None) -> dict:
    """Return what moved from one reading of a tracker to another (last week's file and this
    week's): `from_as_of`, `to_as_of` and the lists of `Store.changes`, so two files need no
    history. Each reading is dated by its as-of date, else by its data's last day; the earlier
    one is the reading moved from, whichever order they come in (two of one day: as given)."""
    today = clock.today()
    readings = [(previous_as_of or data_as_of(previous, today), previous),
                (current_as_of or data_as_of(current, today), current)]
    (old_day, old_model), (new_day, new_model) = sorted(readings, key=lambda reading: reading[0])
    old = changes.standing(old_model, old_day)
    new = changes.standing(new_model, new_day)
    return {"from_as_of": json_value(old_day), "to_as_of": json_value(new_day),
            **changes.moved(old, new)}


def moved_in_history(store: Store, as_of: date | None = None) -> dict | None:
    """Return what moved by a day (default: the latest upload) in the history: each leads
    tracker's latest upload by then against the one before it, the lists of every tracker
    together, `compared` naming the uploads; None while no leads tracker has two uploads yet.

    A history may hold a KPI sheet or several teams' trackers besides the leads tracker: its
    latest upload alone is not "the last upload" of the pipeline."""
    uploads = store.current(as_of).sort_values(["as_of", "upload_id"], kind="stable")
    pairs = []
    for _, tracker in uploads.groupby("tracker", sort=False):
        latest = tracker.iloc[-1]
        if len(tracker) > 1 and _holds_leads(latest["sheets"]):
            pairs.append((int(tracker["upload_id"].iloc[-2]), int(latest["upload_id"])))
    if not pairs:
        return None
    found = [store.changes(from_upload, to_upload) for from_upload, to_upload in pairs]
    return {"from_as_of": min(moved["from_as_of"] for moved in found),
            "to_as_of": max(moved["to_as_of"] for moved in found),
            "compared": [{key: moved[key] for key in
                          ("from_upload", "to_upload", "from_as_of", "to_as_of")}
                         for moved in found],
            **{name: [row for moved in found for row in moved[name]] for name in MOVES}}


def _holds_leads(sheets: str) -> bool:
    """Return whether an upload (its `sheets`) read a sheet of leads."""
    return any(sheet.get("role") == "leads" for sheet in json.loads(sheets))
