"""What moved between two uploads: each lead's standing on its upload's day, and how it changed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recruit_dash.metrics.funnel import progress
from recruit_dash.model import STAGE_IDS, Model, json_value


def standing(model: Model, day) -> pd.DataFrame:
    """Return each lead's furthest stage, outcome and next action on a day."""
    reached = progress(model, pd.Timestamp(day).date())
    leads = reached.leads.drop_duplicates("lead_id").set_index("lead_id")
    stages = np.array((*STAGE_IDS, None), dtype=object)[leads["furthest"].to_numpy()]
    source = model.leads.drop_duplicates("lead_id").set_index("lead_id")
    return pd.DataFrame({"consultant": leads["consultant"], "client": leads["client"],
                         "stage": stages, "outcome": leads["outcome"],
                         "next_action_on": source["next_action_on"].reindex(leads.index)},
                        index=leads.index)


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
        return [{"lead_id": lead_id, **{key: json_value(row[column]) for key, column in fields.items()}}
                for lead_id, row in frame.iterrows()]

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
