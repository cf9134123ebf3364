"""Chart builders: tidy frames in, plotly figures out, one template; never calls Streamlit. Titles
and trace names, which carry people's names and the user's choices, are shown as typed."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from recruit_dash import formats
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


def literal(text: object) -> str:
    """Return text plotly shows as typed. plotly reads tags in its text (<b>, <br>, <a href=...>,
    a link) and, where MathJax is loaded, $...$ as a formula; it turns entities back into the
    characters they stand for."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("$", "&#36;"))


def weekly_trend(frame: pd.DataFrame, title: str) -> go.Figure:
    """Return a line chart of weekly milestone counts, one line per stage in ladder order."""
    figure = go.Figure()
    # The rows of each stage found in one pass (not a comparison of every row per stage).
    groups = frame.groupby("stage", sort=False).indices if len(frame) else {}
    for stage in STAGE_IDS:
        if stage not in groups:
            continue
        rows = frame.iloc[groups[stage]]
        part = rows["part_week"].to_numpy() if "part_week" in rows else None
        figure.add_trace(go.Scatter(
            x=rows["week"], y=rows["count"], mode="lines+markers", name=STAGE_LABELS[stage],
            marker={"symbol": ["circle-open" if cut else "circle" for cut in part]}
            if part is not None else None))
    if "part_week" in frame and frame["part_week"].any():
        title += " (open marker: the week so far)"
    figure.update_layout(template=TEMPLATE_NAME, title=literal(title), xaxis_title="Week commencing",
                         yaxis_title="Leads", hovermode="x unified")
    return figure


def _per(value: float | None) -> str:
    return formats.DASH if formats.missing(value) else f"{value:,.2f}"


def funnel_chart(frame: pd.DataFrame, title: str, events: bool = False) -> go.Figure:
    """Return a funnel of stage counts in ladder order, each bar with both conversion bases. A
    funnel of events (the activity lens) can hold more at a stage than at the one before, so its
    bars say "events" and "per previous stage", never a share above 100%."""
    if events:
        text = [f"{count:,} event{'' if count == 1 else 's'}"
                + ("" if formats.missing(step) else f" · {_per(step)} per previous stage")
                + (" · small sample" if small else "")
                for count, step, small in zip(frame["count"], frame["step"], frame["small_sample"],
                                              strict=True)]
    else:
        text = [f"{count:,} · step {formats.percent(step)} · of first {formats.percent(cumulative)}"
                + (" · small sample" if small else "")
                for count, step, cumulative, small in zip(frame["count"], frame["step"],
                                                          frame["cumulative"],
                                                          frame["small_sample"], strict=True)]
    figure = go.Figure(go.Funnel(y=frame["label"], x=frame["count"], text=text,
                                 textinfo="text", textposition="outside",
                                 marker=dict(color=PALETTE[0]), cliponaxis=False))
    figure.update_layout(template=TEMPLATE_NAME, title=literal(title), yaxis=dict(autorange="reversed"),
                         margin=dict(r=220))
    return figure


def time_in_stage_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Return median and 90th-percentile days from each stage to the next, in ladder order."""
    rows = frame.dropna(subset=["median_days_to_next"])
    figure = go.Figure([
        go.Bar(y=rows["label"], x=rows["median_days_to_next"], orientation="h", name="Median"),
        go.Bar(y=rows["label"], x=rows["p90_days_to_next"], orientation="h",
               name="90th percentile"),
    ])
    figure.update_layout(template=TEMPLATE_NAME, title=literal(title), barmode="group",
                         xaxis_title="Days to the next stage", yaxis=dict(autorange="reversed"))
    return figure


def split_chart(frame: pd.DataFrame, title: str, events: bool = False) -> go.Figure:
    """Return grouped bars: per stage (ladder order), the count of each group (events per event
    at the first stage for a funnel of events, never a share above 100%)."""
    figure = go.Figure()
    hover = ("%{x}: %{y:,} events (%{customdata:.2f} per event at the first stage)" if events
             else "%{x}: %{y:,} (%{customdata:.0%} of first stage)")
    for group, rows in frame.groupby("group", sort=False):
        figure.add_trace(go.Bar(x=rows["label"], y=rows["count"], name=literal(group),
                                customdata=rows["cumulative"], hovertemplate=hover))
    figure.update_layout(template=TEMPLATE_NAME, title=literal(title), barmode="group",
                         yaxis_title="Events" if events else "Leads")
    return figure


OUTCOME_COLOURS = {"filled": "#2a9d8f", "open": "#1f5f8b", "on_hold": "#c9a227", "lost": "#b23a48"}


def cohort_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Return a stacked bar per cohort: filled, open, on hold and lost leads."""
    figure = go.Figure([go.Bar(x=frame["month"], y=frame[outcome], name=label,
                               marker_color=OUTCOME_COLOURS[outcome])
                        for outcome, label in (("filled", "Filled"), ("open", "Open"),
                                               ("on_hold", "On hold"), ("lost", "Lost"))])
    figure.update_layout(template=TEMPLATE_NAME, title=literal(title), barmode="stack",
                         yaxis_title="Leads generated", xaxis_title="Lead month")
    return figure


def filled_curve_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Return, per cohort, the share filled against weeks since the lead date."""
    figure = go.Figure()
    for cohort, rows in frame.groupby("cohort", sort=True):
        figure.add_trace(go.Scatter(x=rows["weeks"], y=rows["share_filled"], mode="lines",
                                    name=cohort))
    figure.update_layout(template=TEMPLATE_NAME, title=literal(title), xaxis_title="Weeks since the lead",
                         yaxis=dict(title="Share filled", tickformat=".0%"),
                         legend=dict(orientation="v", x=1.02, y=1, yanchor="top",
                                     title="Lead month"))
    return figure


BAND_COLOURS = {"detractor": "#b23a48", "passive": "#c9a227", "promoter": "#2a9d8f"}


def score_distribution_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Return bars of feedback answers per score 0–10, coloured by detractor, passive, promoter."""
    figure = go.Figure()
    for band, rows in frame.groupby("band", sort=False):
        label = rows["band_label"].iloc[0]
        figure.add_trace(go.Bar(x=rows["score"], y=rows["answers"],
                                name=f"{label}: {int(rows['answers'].sum()):,}",
                                marker_color=BAND_COLOURS.get(str(band), PALETTE[0]),
                                hovertemplate="Score %{x}: %{y:,} answers<extra></extra>"))
    figure.update_layout(template=TEMPLATE_NAME, title=literal(title), barmode="stack",
                         xaxis=dict(title="Score", tickmode="linear", dtick=1, range=[-0.5, 10.5]),
                         yaxis_title="Answers")
    return figure


def activity_trend_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Return a line chart of weekly activity counts, one line per activity kind."""
    figure = go.Figure()
    for label, rows in frame.groupby("label", sort=False):
        figure.add_trace(go.Scatter(x=rows["week"], y=rows["count"], mode="lines+markers",
                                    name=literal(label)))
    figure.update_layout(template=TEMPLATE_NAME, title=literal(title), xaxis_title="Week commencing",
                         yaxis_title="Activities", hovermode="x unified")
    return figure


def funnel_against_team_chart(frame: pd.DataFrame, who: str, title: str) -> go.Figure:
    """Return grouped bars of step conversion per stage (ladder order): one person's and the
    team's. The steps count events (activity lens), so they read as events per event at the stage
    before, never as a share."""
    rows = frame.iloc[1:]
    hover = "%{x}: %{y:.2f} per event at the stage before (%{customdata:,} events)"
    figure = go.Figure([
        go.Bar(x=rows["label"], y=rows["step"], name=literal(who), marker_color=PALETTE[0],
               customdata=rows["count"], hovertemplate=hover),
        go.Bar(x=rows["label"], y=rows["step_team"], name="Team", marker_color="#9aa5b1",
               customdata=rows["count_team"], hovertemplate=hover),
    ])
    figure.update_layout(template=TEMPLATE_NAME, title=literal(title), barmode="group",
                         yaxis=dict(title="Events per event at the stage before",
                                    tickformat=".2f"))
    return figure


def ratio_trend_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Return one person's ratio per block for each pair, as small lines with the team median."""
    figure = go.Figure()
    for index, (label, rows) in enumerate(frame.groupby("label", sort=False)):
        colour = PALETTE[index % len(PALETTE)]
        figure.add_trace(go.Scatter(x=rows["block_end"], y=rows["ratio"], mode="lines+markers",
                                    name=literal(label), line=dict(color=colour)))
        figure.add_trace(go.Scatter(x=rows["block_end"], y=rows["team_median"], mode="lines",
                                    name=literal(f"{label} (team median)"), showlegend=False,
                                    line=dict(color=colour, dash="dot")))
    figure.update_layout(template=TEMPLATE_NAME, title=literal(title), xaxis_title="4 weeks ending",
                         yaxis=dict(title="Nails per milestone (log scale)", type="log"),
                         legend=dict(orientation="v", x=1.02, y=1, yanchor="top"))
    return figure
