"""Chart builders: tidy frames in, plotly figures out, one template; never calls Streamlit."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from recruit_dash.model import STAGE_IDS, STAGE_LABELS

TEMPLATE_NAME = "recruit_dash"
PALETTE = ("#1f5f8b", "#e07a1f", "#2a9d8f", "#b23a48", "#6c5b7b", "#8a9a5b", "#c9a227")

pio.templates[TEMPLATE_NAME] = go.layout.Template(
    layout=go.Layout(
        font=dict(family="Inter, Segoe UI, sans-serif", size=13),
        colorway=PALETTE,
        margin=dict(l=10, r=10, t=70, b=10),
        plot_bgcolor="white",
        xaxis=dict(showgrid=False),
        yaxis=dict(gridcolor="#e6e6e6"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
)


def weekly_trend(frame: pd.DataFrame, title: str) -> go.Figure:
    """Return a line chart of weekly milestone counts, one line per stage in ladder order."""
    figure = go.Figure()
    for stage in STAGE_IDS:
        rows = frame[frame["stage"] == stage]
        if rows.empty:
            continue
        figure.add_trace(go.Scatter(x=rows["week"], y=rows["count"], mode="lines+markers",
                                    name=STAGE_LABELS[stage]))
    figure.update_layout(template=TEMPLATE_NAME, title=title, xaxis_title="Week commencing",
                         yaxis_title="Leads", hovermode="x unified")
    return figure
