"""The Data page's mapping editor under AppTest: correct a column and a status, save the profile,
and see it applied by itself to next week's file of the same shape."""

from __future__ import annotations

import json

from conftest import ROOT
from streamlit.testing.v1 import AppTest

from recruit_dash.ingest.profiles import profile_from_json, profile_to_json, with_sheet_edits

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/data.py").run()
    return at


def widget(elements, label: str, prefix: str):
    """Return the one widget with this label whose key starts with the prefix."""
    found = [element for element in elements
             if element.label == label and (element.key or "").startswith(prefix)]
    assert len(found) == 1, [(element.key, element.label) for element in elements]
    return found[0]


def test_a_correction_is_saved_as_a_profile_and_applied_to_next_weeks_file(fixture_files):
    at = data_page()
    at.file_uploader(key="data_upload").set_value(
        [("custom_tracker.csv", fixture_files["custom_tracker.csv"].read_bytes(), "text/csv")]).run()
    assert not at.exception
    toggle = next(item for item in at.toggle if item.key.startswith("data_fix_"))
    toggle.set_value(True).run()
    widget(at.selectbox, "Desk", "data_map_").set_value("consultant").run()
    assert not at.exception
    # The effect shows at once: the column is read as the consultant, set by the user.
    columns = at.dataframe[1].value
    owner = columns[columns["Column"] == "Desk"].iloc[0]
    assert (owner["Field"], owner["Read as"]) == ("consultant", "Consultant (set by you)")
    # The unknown status is mapped too.
    widget(at.selectbox, "Stage reached", "data_map_").set_value("offer").run()
    assert not at.exception
    held = at.session_state["mapping_profile"]
    assert held.sheets[0].columns == {"Desk": "consultant"}
    assert held.sheets[0].statuses == {"Banana": ("offer", None)}
    save = next(button for button in at.get("download_button")
                if button.proto.label == "Save profile")
    assert save.proto.label == "Save profile"
    # Names that now look alike are proposed, never merged on their own.
    assert any("Adil umar" in radio.label and "Mohammed Adil Umar" in radio.label
               for radio in at.radio)

    # Next week's file: a workbook, renamed, a title row, columns moved and an extra column.
    at.file_uploader(key="data_upload").set_value(
        [("desk tracker week 21.xlsx",
          fixture_files["custom_tracker_next_week.xlsx"].read_bytes(), XLSX)]).run()
    assert not at.exception
    said = " ".join(message.value for message in at.success)
    assert "Your saved profile" in said and "Week 21" in said
    columns = at.dataframe[1].value
    owner = columns[columns["Column"] == "Desk"].iloc[0]
    assert (owner["Field"], owner["Read as"]) == ("consultant", "Consultant (set by you)")
    assert not any("Banana" in warning.value for warning in at.warning)


def test_a_loaded_profile_is_applied_and_a_bad_one_is_refused(fixture_files):
    from make_fixtures import CUSTOM_HEADER

    profile = with_sheet_edits(None, "anything", CUSTOM_HEADER, columns={"Desk": "consultant"})
    at = data_page()
    at.file_uploader(key="data_upload").set_value(
        [("week.xlsx", fixture_files["custom_tracker_next_week.xlsx"].read_bytes(), XLSX)]).run()
    at.file_uploader(key="data_profile_upload").set_value(
        [("mapping_profile.json", profile_to_json(profile).encode(), "application/json")]).run()
    assert not at.exception
    assert any("Your saved profile 'My mapping profile' was applied" in message.value
               for message in at.success)
    assert at.session_state["mapping_profile"] == profile_from_json(profile_to_json(profile))
    at.file_uploader(key="data_profile_upload").set_value(
        [("other.json", json.dumps({"hello": 1}).encode(), "application/json")]).run()
    assert not at.exception
    assert any("not a mapping profile" in error.value for error in at.error)


def test_rows_of_ignored_sheets_have_their_own_section(fixture_files):
    at = data_page()
    at.file_uploader(key="data_upload").set_value(
        [("pf.xlsx", fixture_files["placements_feedback.xlsx"].read_bytes(), XLSX)]).run()
    assert not at.exception
    headers = [header.value for header in at.subheader]
    assert "Quarantined rows" in headers and "Rows in sheets we did not use" in headers
    frames = [frame.value for frame in at.dataframe]
    quarantined = next(frame for frame in frames if "Reason" in frame.columns
                       and (frame["Reason"] == "score is outside 0-10").any())
    assert "sheet not used: pivot table" not in quarantined["Reason"].tolist()
    ignored = next(frame for frame in frames if "Reason" in frame.columns
                   and (frame["Reason"] == "sheet not used: pivot table").any())
    assert len(ignored) == 3


def test_accepting_a_proposed_name_merge_goes_into_the_profile(fixture_files):
    from make_fixtures import CUSTOM_HEADER

    profile = with_sheet_edits(None, "custom", CUSTOM_HEADER, columns={"Desk": "consultant"})
    at = data_page()
    at.file_uploader(key="data_upload").set_value(
        [("custom.csv", fixture_files["custom_tracker.csv"].read_bytes(), "text/csv")]).run()
    at.file_uploader(key="data_profile_upload").set_value(
        [("mapping_profile.json", profile_to_json(profile).encode(), "application/json")]).run()
    radio = next(item for item in at.radio if "Mohammed Adil Umar" in item.label)
    assert radio.value == "undecided"
    radio.set_value("merge").run()
    assert not at.exception
    merges = at.session_state["mapping_profile"].merges
    assert [(merge.field, merge.into) for merge in merges] == [("consultant", "Mohammed Adil Umar")]
    radio = next(item for item in at.radio if "Mohammed Adil Umar" in item.label)
    assert radio.value == "merge"
