"""What moved between two uploads: each lead's standing on its upload's day, and how it changed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recruit_dash.metrics.funnel import progress
from recruit_dash.model import STAGE_IDS, Model, json_value


def standing(model: Model, day) -> pd.DataFrame:
    """Return each lead's furthest stage, outcome and next action on a day, by lead_id."""
    reached = progress(model, pd.Timestamp(day).date())
    leads = reached.leads.drop_duplicates("lead_id")
    stages = np.array((*STAGE_IDS, None), dtype=object)[leads["furthest"].to_numpy()]
    source = model.leads.drop_duplicates("lead_id")
    next_action = pd.Series(source["next_action_on"].to_numpy(), index=_lead_ids(source))
    # Lead ids as Python strings: the joins and look-ups below hash them, which Arrow strings'
    # own isin does value by value.
    index = _lead_ids(leads)
    return pd.DataFrame({"consultant": leads["consultant"].array, "client": leads["client"].array,
                         "stage": stages, "outcome": leads["outcome"].to_numpy(),
                         "next_action_on": next_action.reindex(index).to_numpy()}, index=index)


def _lead_ids(leads: pd.DataFrame) -> pd.Index:
    return pd.Index(leads["lead_id"].to_numpy(object), dtype=object, name="lead_id")


def moved(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    """Return the leads that moved between two standings, as JSON-ready lists."""
    both = old.add_suffix("_from").join(new.add_suffix("_to"), how="inner")
    order = {stage: index for index, stage in enumerate(STAGE_IDS)}
    rank_from = both["stage_from"].map(order).fillna(-1)
    rank_to = both["stage_to"].map(order).fillna(-1)
    progressed = both[rank_to > rank_from]
    # A lead not generated yet on either day has no outcome on both: that is no change.
    outcome = both[both["outcome_from"].fillna("") != both["outcome_to"].fillna("")]
    slipped = both[(both["next_action_on_to"] > both["next_action_on_from"])]

    def rows(frame: pd.DataFrame, fields: dict[str, str]) -> list[dict]:
        # Column by column: a row at a time costs a Series per lead.
        columns = {key: [json_value(value) for value in frame[column].tolist()]
                   for key, column in fields.items()}
        return [{"lead_id": lead_id, **{key: values[index] for key, values in columns.items()}}
                for index, lead_id in enumerate(frame.index.tolist())]

    return {
        "new": rows(new[~new.index.isin(old.index)], {"consultant": "consultant", "client": "client",
                                                       "stage": "stage", "outcome": "outcome"}),
        "progressed": rows(progressed, {"consultant": "consultant_to", "client": "client_to",
                                        "from_stage": "stage_from", "to_stage": "stage_to"}),
        "outcome_changed": rows(outcome, {"consultant": "consultant_to", "client": "client_to",
                                          "from_outcome": "outcome_from",
                                          "to_outcome": "outcome_to"}),
        "disappeared": rows(old[~old.index.isin(new.index)], {
            "consultant": "consultant", "client": "client", "stage": "stage",
            "outcome": "outcome"}),
        "next_action_slipped": rows(slipped, {"consultant": "consultant_to",
                                              "client": "client_to",
                                              "from_next_action": "next_action_on_from",
                                              "to_next_action": "next_action_on_to"}),
    }
