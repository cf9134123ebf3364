"""What every page puts on screen reads right, on the sample under AppTest: no internal names, no
bare "None" or "-0", shares as whole percents, a fall reads and colours as a fall, and a funnel of
events never shows a share above 100%."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from conftest import ROOT
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

APP = str(ROOT / "app.py")
AS_OF = date(2026, 11, 20)  # the sample's last day
PAGES = ["pages/overview.py", "pages/funnel.py", "pages/stalled_today.py", "pages/consultants.py",
         "pages/clients.py", "pages/aftercare.py", "pages/quarterly_review.py", "pages/data.py"]
DATED_PAGES = ("pages/overview.py", "pages/stalled_today.py", "pages/clients.py", "pages/aftercare.py")
# Internal names and leftovers that must never reach a person.
FORBIDDEN = [
    (re.compile(r"\bstage:[a-z_]+"), "a stage field id"),
    (re.compile(r"\bcount:[a-z_]+"), "a count field id"),
    (re.compile(r"\blead_id\b"), "a column id"),
    (re.compile(r"close to '"), "a synonym from our vocabulary"),
    (re.compile(r"\bseed \d{3}\b", re.IGNORECASE), "a design note"),
    (re.compile(r"DESIGN\.md"), "a design note"),
    (re.compile(r"\bNone\b"), "a bare None"),
    (re.compile(r"\bnan\b"), "a bare nan"),
    (re.compile(r"(?<![\w.,])[-−]0(?![\d.,])"), "a negative zero"),
]


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("RECRUIT_DASH_TODAY", AS_OF.isoformat())


def page(path: str, lens: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(path).run()
    if path in DATED_PAGES:  # the sample is shown as of its own last day, whatever the clock
        assert any(f"{AS_OF:%d %B %Y}" in caption.value for caption in at.caption)
    if path == "pages/stalled_today.py":
        at.date_input(key="today_day").set_value(AS_OF).run()
    if lens:
        at.button_group(key="funnel_lens").set_value(lens).run()
    assert not at.exception
    return at


def shown(frame) -> dict[str, str]:
    """Return the columns a person sees in a dataframe element, each with its heading."""
    config = json.loads(frame.proto.columns or "{}")
    order = list(frame.proto.column_order) or [str(column) for column in frame.value.columns]
    return {column: config.get(column, {}).get("label") or column for column in order
            if not config.get(column, {}).get("hidden")}


def shown_columns(frame) -> list[str]:
    """Return the column headings a person sees in a dataframe element."""
    return list(shown(frame).values())


def screen_text(at: AppTest) -> list[str]:
    """Return every piece of text the page shows: words, cards, headings, table text, charts."""
    texts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "success", "error"):
        texts += [element.value for element in at.get(kind)]
    texts += [element.label for element in at.get("expander")]
    for card in at.metric:
        texts += [card.label, card.value, card.proto.delta]
    for frame in at.dataframe:
        texts += shown_columns(frame)
        config = json.loads(frame.proto.columns or "{}")
        for column in frame.value.columns:
            if str(column) not in shown(frame):
                continue
            # A select box column shows each option's label, not its value.
            options = config.get(str(column), {}).get("type_config", {}).get("options") or []
            labels = {option["value"]: option.get("label", option["value"]) for option in options
                      if isinstance(option, dict)}
            texts += [labels.get(value, value) for value in frame.value[column]
                      if isinstance(value, str)]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        title = spec.get("layout", {}).get("title", {})
        texts.append(title.get("text", "") if isinstance(title, dict) else str(title))
        for trace in spec["data"]:
            texts += [str(trace.get("name") or "")] + [str(text) for text in trace.get("text") or []]
    return texts


@pytest.mark.parametrize(("path", "lens"), [(path, None) for path in PAGES]
                         + [("pages/funnel.py", "activity"), ("pages/funnel.py", "snapshot")])
def test_no_page_shows_an_internal_name_a_bare_none_or_a_negative_zero(path, lens):
    at = page(path, lens)
    problems = [(what, text) for text in screen_text(at) for pattern, what in FORBIDDEN
                if pattern.search(text)]
    assert not problems, problems[:10]
    for frame in at.dataframe:
        assert frame.proto.placeholder == "–"  # a missing value shows a dash, never "None"
        headings = shown_columns(frame)
        assert not [heading for heading in headings if "_" in heading], headings


@pytest.mark.parametrize("path", PAGES)
def test_every_share_in_a_table_shows_as_a_whole_percent(path):
    at = page(path)
    for frame in at.dataframe:
        for column, setting in json.loads(frame.proto.columns or "{}").items():
            kind = setting.get("type_config", {})
            if kind.get("format") == "percent":
                # Streamlit's percent keeps two decimals (89.36%) unless the step is 0.01: 89%.
                assert kind.get("step") == 0.01, (path, column)


def direction_and_colour(card) -> tuple[int, int]:
    return card.proto.direction, card.proto.color


@pytest.mark.parametrize("path", ["pages/overview.py", "pages/clients.py", "pages/consultants.py"])
def test_every_change_card_follows_the_one_colour_rule(path):
    at = page(path)
    inverse = {"Lapsed clients"}  # fewer is better
    cards = [card for card in at.metric if card.proto.delta]
    assert cards
    for card in cards:
        delta = card.proto.delta
        if delta in ("no change", "not in your data"):
            assert direction_and_colour(card) == (Metric.MetricDirection.NONE, Metric.MetricColor.GRAY)
        elif delta.startswith("-"):
            good = card.label in inverse
            assert direction_and_colour(card) == (
                Metric.MetricDirection.DOWN, Metric.MetricColor.GREEN if good else Metric.MetricColor.RED)
        else:
            assert delta.startswith("+"), (card.label, delta)
            good = card.label not in inverse
            assert direction_and_colour(card) == (
                Metric.MetricDirection.UP, Metric.MetricColor.GREEN if good else Metric.MetricColor.RED)


def test_a_fall_in_fees_reads_as_a_fall_with_the_pound_after_the_sign():
    def cards():
        import streamlit as st

        from recruit_dash.ui import components

        components.change_card(st, "Fees from starts", "£25,450", -8950.0, "money")
        components.change_card(st, "Fees, a rise", "£34,400", 8950.0, "money", ratio=0.352)
        components.change_card(st, "Lapsed clients", "4", -5.0, higher_is_better=False)
        components.change_card(st, "Repeat business ratio", "45%", -0.004, "percent")
        components.change_card(st, "Great Recruiter Score", "+3", -0.4, "score")

    at = AppTest.from_function(cards).run()
    fall, rise, lapsed, share, score = at.metric
    assert (fall.value, fall.proto.delta) == ("£25,450", "-£8,950")
    assert direction_and_colour(fall) == (Metric.MetricDirection.DOWN, Metric.MetricColor.RED)
    assert rise.proto.delta == "+£8,950 (+35%)"
    assert direction_and_colour(rise) == (Metric.MetricDirection.UP, Metric.MetricColor.GREEN)
    assert direction_and_colour(lapsed) == (Metric.MetricDirection.DOWN, Metric.MetricColor.GREEN)
    # Changes that round to nothing read "no change", never "-0" or "-0 pts".
    assert share.proto.delta == score.proto.delta == "no change"
    assert direction_and_colour(share) == (Metric.MetricDirection.NONE, Metric.MetricColor.GRAY)


def test_the_consultants_headline_shows_their_fall_in_fees_as_a_fall():
    from datetime import timedelta

    from recruit_dash.formats import signed
    from recruit_dash.ingest.pipeline import ingest_paths
    from recruit_dash.metrics.consultant_trends import figure_changes
    from recruit_dash.metrics.ratio_ledger import ledger
    from recruit_dash.periods import Period

    at = page("pages/consultants.py")
    who = at.selectbox(key="consultants_person").value
    book = ledger(ingest_paths([ROOT / "sample_data" / "lead_tracker.xlsx"]).model)
    period = Period(AS_OF - timedelta(days=90), AS_OF, "")
    change = figure_changes(book, who, period, AS_OF).set_index("key").at["fees", "change"]
    card = next(card for card in at.metric if card.label == "Fees from starts")
    assert card.proto.delta == signed(change, "money")
    assert change < 0 and card.proto.delta.startswith("-£")  # the sample's case: a fall
    assert direction_and_colour(card) == (Metric.MetricDirection.DOWN, Metric.MetricColor.RED)


def test_a_funnel_of_events_says_events_and_never_a_share_above_100():
    from recruit_dash.ingest.pipeline import ingest_paths
    from recruit_dash.metrics.funnel import funnel
    from recruit_dash.periods import period_holding

    model = ingest_paths([ROOT / "sample_data" / "lead_tracker.xlsx"]).model
    result = funnel(model, "activity", period_holding(AS_OF, "quarter"), AS_OF)
    assert any(row.step and row.step > 1 for row in result.stages)  # the case that matters
    at = page("pages/funnel.py", "activity")
    chart = next(element for element in at.get("plotly_chart") if "funnel_chart" in element.proto.id)
    texts = json.loads(chart.proto.spec)["data"][0]["text"]
    assert all(re.search(r"\d event", text) and "%" not in text for text in texts)
    above = next(row for row in result.stages if row.step and row.step > 1)
    assert any(f"{above.step:,.2f} per previous stage" in text for text in texts)
    at.selectbox(key="funnel_split").set_value("consultant").run()
    split = next(element for element in at.get("plotly_chart") if "funnel_split_chart" in element.proto.id)
    traces = json.loads(split.proto.spec)["data"]
    assert all("%" not in trace["hovertemplate"].replace("%{", "") for trace in traces)


def test_the_quarterly_review_shows_event_steps_as_rates_and_lead_steps_as_whole_percents():
    at = page("pages/quarterly_review.py")
    quarters = [frame for frame in at.dataframe if "count_this" in frame.value.columns]
    assert len(quarters) == 2  # one table per lens
    cohort, activity = quarters
    cohort_config, activity_config = (json.loads(frame.proto.columns) for frame in (cohort, activity))
    assert cohort_config["count_this"]["label"] == "Leads, this Q"
    assert cohort_config["step_this"]["type_config"] == {"type": "number", "format": "percent",
                                                         "step": 0.01}
    assert activity_config["step_this"]["type_config"]["format"] == "%.2f"
    assert activity_config["step_this"]["label"].startswith("Per event at the stage before")
    assert activity_config["count_this"]["label"] == "Events, this Q"
    assert activity_config["cumulative_this"]["hidden"]
    assert "lens" not in cohort.value.columns


def test_the_overview_lists_very_old_items_apart_after_this_weeks():
    from recruit_dash.ingest.pipeline import ingest_paths
    from recruit_dash.metrics.registry import needs_attention

    model = ingest_paths([ROOT / "sample_data" / "lead_tracker.xlsx"]).model
    counts = {item.label: len(item.rows) for item in needs_attention(model, AS_OF)}
    assert counts["Next actions overdue for more than 90 days"] > 0
    at = page("pages/overview.py")
    labels = [expander.label for expander in at.expander]
    wanted = [f"{label}: {count:,}" for label, count in counts.items()]
    assert [label for label in labels if label in wanted] == wanted  # the old ones last
    recent = next(frame.value for frame in at.dataframe if "next_action_on" in frame.value.columns)
    oldest = (AS_OF - recent["next_action_on"].min().date()).days
    assert oldest <= 90  # the list of this week's next actions is not topped by last year's


@pytest.mark.parametrize(("note", "words"), [
    ("close to 'job order'", "the nearest match to a name we know, not an exact one: check it"),
    ("looks like 'lead_id' but its cells are not dates", "looks like “Lead” but its cells are not dates"),
    ("also looks like 'stage:resigned'", "also looks like “Milestone date: Candidate resigned”"),
    ("'Desk': two names in one cell", "'Desk': two names in one cell"),
    ("", ""), (None, ""),
])
def test_the_data_pages_mapping_notes_speak_in_labels_not_field_ids(note, words):
    from recruit_dash.ingest.understanding import note_words

    assert note_words(note) == words
