"""The Consultants page under AppTest on the sample agency, widgets found by key."""

from __future__ import annotations

from conftest import ROOT
from streamlit.testing.v1 import AppTest

PAGE = str(ROOT / "pages" / "consultants.py")


def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    return at


def test_the_page_runs_on_the_sample_and_shows_the_grid():
    at = page()
    assert not at.exception
    assert at.title[0].value == "Consultants"
    grid = at.dataframe[0].value
    assert "Consultant" in grid.columns and "Calls per shortlist" in grid.columns
    assert "Team median" in set(grid["Consultant"])
    assert len(grid) >= 3
    assert at.segmented_control(key="consultants_credit").value == "owner"
    assert any("Download coaching pack" in button.proto.label
               for button in at.get("download_button"))


def test_choosing_another_consultant_changes_their_view():
    at = page()
    first = at.selectbox(key="consultants_person")
    before = [metric.value for metric in at.metric]
    other = next(option for option in first.options if option != first.value)
    first.set_value(other).run()
    assert not at.exception
    assert at.selectbox(key="consultants_person").value == other
    assert [metric.value for metric in at.metric] != before


def test_the_author_switch_and_a_fee_goal_run():
    at = page()
    at.segmented_control(key="consultants_credit").set_value("author").run()
    assert not at.exception
    at.segmented_control(key="consultants_goal_type").set_value("fee").run()
    assert not at.exception
    assert any("average fee" in caption.value for caption in at.caption)


def test_edited_ratio_pairs_change_the_grid():
    from recruit_dash.metrics.ratio_ledger import RatioPair

    at = page()
    at.session_state["ratio_pairs"] = (RatioPair("email", "meeting"), RatioPair("cv_sent", "offer"))
    at.run()
    assert not at.exception
    grid = next(frame.value for frame in at.dataframe if "Consultant" in frame.value.columns)
    assert [column for column in grid.columns if column != "Consultant"] == [
        "Emails per client meeting", "CVs sent per offer"]


def test_a_kind_the_data_never_logs_shows_not_in_your_data_never_a_coloured_zero():
    import json

    import pandas as pd

    from recruit_dash.metrics.ratio_ledger import RatioPair

    at = page()
    # The sample logs no emails at all: its emails-per-meeting ratio is unknown, not 0.
    at.session_state["ratio_pairs"] = (RatioPair("email", "meeting"), RatioPair("cv_sent", "interview"))
    at.run()
    assert not at.exception
    grid_element = next(frame for frame in at.dataframe if "Consultant" in frame.value.columns)
    grid = grid_element.value
    assert set(grid["Emails per client meeting"]) == {"not in your data"}  # the team median too
    assert not grid["CVs sent per 1st interview"].eq("not in your data").any()
    assert any("Not in your data" in caption.value for caption in at.caption)
    targets = next(frame for frame in at.dataframe if "per_week" in frame.value.columns)
    emails = targets.value[targets.value["activity"] == "Emails"].iloc[0]
    assert emails["note"] == "not in your data" and pd.isna(emails["needed"])
    # Greyed like a small sample, never green, blue-grey or amber like a real standing.
    assert "font-style: italic" in grid_element.proto.arrow_data.styler.styles
    assert json.loads(targets.proto.columns)["note"]["label"] == "Note"


def large_team() -> AppTest:
    """The page on an upload of a tracker with 120 consultants, two leads each."""
    from recruit_dash.ui.state import UPLOADS_KEY

    rows = ["Lead ID,Consultant,Client,Lead date,Status,CV sent,Interview"]
    for number in range(1, 121):
        for lead in range(2):
            rows.append(f"L{number:03d}{lead},Consultant {number:03d},Client {number % 7},"
                        f"0{lead + 1}/09/2026,Interview,1{lead}/09/2026,2{lead}/09/2026")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[UPLOADS_KEY] = [("big_team.csv", "\n".join(rows).encode())]
    at.run()
    at.switch_page("pages/consultants.py").run()
    assert not at.exception
    return at


def grid_names(at: AppTest) -> list[str]:
    grid = next(frame.value for frame in at.dataframe if "Consultant" in frame.value.columns)
    return list(grid["Consultant"])


def test_a_large_team_s_grid_shows_fifty_consultants_a_page_and_always_the_team_median():
    at = large_team()
    names = grid_names(at)
    assert names[:2] == ["Consultant 001", "Consultant 002"] and len(names) == 51
    assert names[-1] == "Team median"
    pages = at.selectbox(key="consultants_grid_page_")
    assert pages.options == [
        "1–50 of 120 consultants", "51–100 of 120 consultants", "101–120 of 120 consultants"]
    pages.set_value(100).run()
    assert grid_names(at) == [f"Consultant {number:03d}" for number in range(101, 121)] + [
        "Team median"]


def test_a_large_team_s_grid_finds_consultants_by_part_of_a_name():
    at = large_team()
    at.text_input(key="consultants_grid_search").set_value("sultant 11").run()
    assert grid_names(at) == [f"Consultant {number}" for number in range(110, 120)] + [
        "Team median"]
    at.text_input(key="consultants_grid_search").set_value("Nobody").run()
    assert not at.exception
    assert not [frame for frame in at.dataframe if "Consultant" in frame.value.columns
                and "Team median" in set(frame.value["Consultant"])]
    assert any("No consultant's name holds “nobody”" in caption.value for caption in at.caption)
