"""Headline figures and the needs-attention list, on a model small enough to count by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from recruit_dash.metrics.registry import METRICS, headline_figures, needs_attention
from recruit_dash.model import LEADS, MILESTONES, Model, conform
from recruit_dash.periods import period_to_date, same_point_before

AS_OF = date(2025, 6, 20)


@pytest.fixture
def model() -> Model:
    leads = conform(pd.DataFrame({
        "lead_id": ["A", "B", "C", "D"],
        "consultant": ["Ann", "Ann", "Bob", "Bob"],
        "outcome": ["filled", "open", "open", "lost"],
        "next_action_on": pd.to_datetime([None, "2025-06-10", None, None]),
        "fee": [5000.0, None, None, None],
    }), LEADS)
    milestones = conform(pd.DataFrame({
        "lead_id": ["A", "A", "A", "B", "B", "C", "C", "D"],
        "stage": ["lead", "shortlist", "started", "lead", "shortlist", "lead", "started", "lead"],
        "reached_on": pd.to_datetime(["2025-05-02", "2025-05-10", "2025-06-03", "2025-06-02",
                                      "2025-06-12", "2025-06-05", "2025-06-25", "2025-05-20"]),
    }), MILESTONES)
    return Model(leads=leads, milestones=milestones)


def test_month_to_date_against_the_same_days_of_last_month(model):
    period = period_to_date(AS_OF, "month")
    previous = same_point_before(period, "month")
    assert (period.start, period.end) == (date(2025, 6, 1), date(2025, 6, 20))
    assert (previous.start, previous.end) == (date(2025, 5, 1), date(2025, 5, 20))
    figures = {figure.metric.name: figure for figure in headline_figures(model, period, previous, AS_OF)}
    assert (figures["leads_generated"].value, figures["leads_generated"].previous) == (2, 2)
    assert (figures["cvs_sent"].value, figures["cvs_sent"].previous) == (1, 1)
    # C's start on 25 June is after the as-of date: planned, not reached.
    assert figures["starts"].value == 1
    assert figures["fees"].value == 5000


def test_needs_attention_lists_overdue_next_actions_and_starts_this_week(model):
    items = {item.label: item.rows for item in needs_attention(model, AS_OF)}
    assert items["Next actions due or overdue"]["lead_id"].tolist() == ["B"]
    assert items["Starting in the next 7 days"]["lead_id"].tolist() == ["C"]
    assert items["Open leads with no next action"]["lead_id"].tolist() == ["C"]
    # Longest still first: C has had nothing since its lead date 15 days ago; B's CVs went 8
    # days ago, beyond the 7 days a shortlist may sit, and its next action has lapsed.
    assert items["Stalled leads"]["lead_id"].tolist() == ["C", "B"]


def test_a_next_action_due_on_the_as_of_day_needs_attention_and_a_later_start_is_still_open(model):
    model.leads.loc[model.leads["lead_id"] == "C", "next_action_on"] = pd.Timestamp(AS_OF)
    items = {item.label: item.rows for item in needs_attention(model, AS_OF)}
    assert items["Next actions due or overdue"]["lead_id"].tolist() == ["B", "C"]
    model.leads.loc[model.leads["lead_id"] == "C", ["outcome", "next_action_on"]] = ["filled", pd.NaT]
    items = {item.label: item.rows for item in needs_attention(model, AS_OF)}
    assert items["Open leads with no next action"]["lead_id"].tolist() == ["C"]  # starts 25 June


def test_every_metric_is_documented():
    for metric in METRICS:
        assert metric.label and metric.definition.endswith(".") and metric.format in ("count", "money")


def test_a_figure_the_data_cannot_support_is_marked_not_zero(model):
    period = period_to_date(AS_OF, "month")
    figures = {figure.metric.name: figure
               for figure in headline_figures(model, period, same_point_before(period, "month"), AS_OF)}
    assert figures["cvs_sent"].supported and figures["fees"].supported
    assert not figures["offers"].supported  # no offer dates anywhere in this tracker
    model.leads["fee"] = pd.array([None] * len(model.leads), dtype="Float64")
    figures = {figure.metric.name: figure
               for figure in headline_figures(model, period, same_point_before(period, "month"), AS_OF)}
    assert not figures["fees"].supported


def test_the_weekly_trend_has_every_week_with_quiet_ones_at_zero_and_marks_the_part_week(model):
    from recruit_dash.metrics.registry import weekly_milestones

    frame = weekly_milestones(model, ("shortlist",), date(2025, 4, 28), AS_OF)
    weeks = frame["week"].dt.date.tolist()
    assert weeks == [date(2025, 4, 28), date(2025, 5, 5), date(2025, 5, 12), date(2025, 5, 19),
                     date(2025, 5, 26), date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)]
    assert frame["count"].tolist() == [0, 1, 0, 0, 0, 0, 1, 0]  # A on 10 May, B on 12 June
    assert frame["part_week"].tolist() == [False] * 7 + [True]  # 20 June is a Friday
