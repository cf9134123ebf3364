"""Every page's first render and re-renders after a control change, with the benchmark workbook
uploaded (Streamlit's AppTest runs the pages' full scripts, each page in a fresh process so that
no page is helped by another's work)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The benchmark workbook uploaded on the Data page; then the page opened (its first render,
# timed), and each change of a control timed one by one.
SCRIPT = """
import json, sys, time
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=600)
at.run()
at.switch_page("pages/data.py").run()
data = open({path!r}, "rb").read()
at.file_uploader(key="data_upload").set_value([("bench.xlsx", data, "application/octet-stream")]).run()
assert not at.exception and not at.error, [e.value for e in at.error]
# The figures below are only worth having if the whole workbook was read.
assert any("50,000 leads" in caption.value for caption in at.caption), "the upload was not read"
at.switch_page({page!r})
started = time.perf_counter()
at.run()
first = round(time.perf_counter() - started, 3)
assert not at.exception, at.exception
{changes}
seconds = {{}}
for label, change in changes:
    change()
    started = time.perf_counter()
    at.run()
    seconds[label] = round(time.perf_counter() - started, 3)
    assert not at.exception, (label, at.exception)
print(json.dumps({{"first": first, "reruns": seconds}}))
"""

# Each page: its script and the controls a team lead changes on it (set up first where needed).
PAGES = {
    "overview": ("pages/overview.py", """
changes = [
    ("period: month", lambda: at.button_group(key="overview_period").set_value("month")),
    ("period: quarter", lambda: at.button_group(key="overview_period").set_value("quarter")),
    ("period: week", lambda: at.button_group(key="overview_period").set_value("week")),
    ("period: month again", lambda: at.button_group(key="overview_period").set_value("month")),
]
"""),
    "funnel": ("pages/funnel.py", """
changes = [
    ("lens: activity", lambda: at.button_group(key="funnel_lens").set_value("activity")),
    ("lens: snapshot", lambda: at.button_group(key="funnel_lens").set_value("snapshot")),
    ("lens: cohort", lambda: at.button_group(key="funnel_lens").set_value("cohort")),
    ("period: month", lambda: at.button_group(key="funnel_period_kind").set_value("month")),
    ("split: consultant", lambda: at.selectbox(key="funnel_split").set_value("consultant")),
    ("split: none", lambda: at.selectbox(key="funnel_split").set_value(None)),
]
"""),
    "stalled_today": ("pages/stalled_today.py", """
people = at.selectbox(key="today_consultant").options
changes = [
    ("consultant: " + people[1], lambda: at.selectbox(key="today_consultant").set_value(people[1])),
    ("consultant: " + people[2], lambda: at.selectbox(key="today_consultant").set_value(people[2])),
    ("consultant: everyone", lambda: at.selectbox(key="today_consultant").set_value(people[0])),
    ("calls for: the day before", lambda: at.date_input(key="today_day").set_value(
        at.date_input(key="today_day").value.__class__.fromordinal(
            at.date_input(key="today_day").value.toordinal() - 1))),
]
"""),
    "consultants": ("pages/consultants.py", """
people = at.selectbox(key="consultants_person").options
changes = [
    ("consultant: " + people[1], lambda: at.selectbox(key="consultants_person").set_value(people[1])),
    ("consultant: " + people[2], lambda: at.selectbox(key="consultants_person").set_value(people[2])),
    ("credit: whoever logged it", lambda: at.button_group(key="consultants_credit").set_value(
        "author")),
    ("credit: owner", lambda: at.button_group(key="consultants_credit").set_value("owner")),
    ("period: quarter", lambda: at.button_group(key="consultants_period_kind").set_value("quarter")),
]
"""),
    "clients": ("pages/clients.py", """
changes = [
    ("period: month", lambda: at.button_group(key="clients_period").set_value("month")),
    ("find: 'a'", lambda: at.text_input(key="clients_search").set_value("a")),
    ("find: none", lambda: at.text_input(key="clients_search").set_value("")),
    ("period: quarter", lambda: at.button_group(key="clients_period").set_value("quarter")),
]
"""),
    "aftercare": ("pages/aftercare.py", """
from recruit_dash.metrics.aftercare import STATUSES
changes = [
    ("status: due", lambda: at.multiselect(key="aftercare_status").set_value(["due"])),
    ("status: every", lambda: at.multiselect(key="aftercare_status").set_value(list(STATUSES))),
    ("status: due, overdue", lambda: at.multiselect(key="aftercare_status").set_value(
        ["due", "overdue"])),
]
"""),
    "quarterly_review": ("pages/quarterly_review.py", """
changes = [
    ("cohorts by quarter", lambda: at.button_group(key="review_cohort_freq").set_value("quarter")),
    ("cohorts by month", lambda: at.button_group(key="review_cohort_freq").set_value("month")),
    ("cohorts by quarter again", lambda: at.button_group(key="review_cohort_freq").set_value("quarter")),
]
"""),
    # The mapping editor of the leads sheet, opened before the clock starts; then columns remapped.
    "mapping_editor": ("pages/data.py", """
def column(label):
    leads = next(e for e in at.expander if "Lead Tracker" in e.label)
    return next(box for box in leads.selectbox if box.label == label)


leads = next(e for e in at.expander if "Lead Tracker" in e.label)
next(t for t in leads.toggle if t.label == "Correct this sheet").set_value(True).run()
changes = [
    ("open the editor again (no change)", lambda: None),
    ("column 'Notes': not used", lambda: column("Notes").set_value("")),
    ("column 'Notes': notes again", lambda: column("Notes").set_value("notes")),
    ("column 'Source': not used", lambda: column("Source").set_value("")),
]
"""),
    "data": ("pages/data.py", """
def correct(sheet, on):
    section = next(e for e in at.expander if sheet in e.label)
    next(t for t in section.toggle if t.label == "Correct this sheet").set_value(on)


changes = [
    ("correct the KPI sheet: open", lambda: correct("KPI", True)),
    ("correct the KPI sheet: close", lambda: correct("KPI", False)),
    ("no change", lambda: None),
]
"""),
}


def page_timings(path: Path, page: str) -> dict:
    """Return {"first": seconds, "reruns": {change: seconds}} for one page, in a fresh process."""
    script, changes = PAGES[page]
    code = SCRIPT.format(root=str(ROOT), app=str(ROOT / "app.py"), path=str(path), page=script,
                         changes=changes)
    with tempfile.TemporaryDirectory() as history:  # never the user's own history
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=ROOT, env={**os.environ,
                                            "RECRUIT_DASH_DB": str(Path(history) / "h.duckdb")})
    if run.returncode:
        raise RuntimeError(f"timing the {page} page failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def all_pages(path: Path) -> dict[str, dict]:
    """Return each page's first render and median re-render after a change."""
    timings = {}
    for page in (page for page in PAGES if page != "mapping_editor"):
        measured = page_timings(path, page)
        timings[page] = {"first": measured["first"], "reruns": measured["reruns"],
                         "median": statistics.median(measured["reruns"].values())}
        print(f"  {page}: first {measured['first']:.2f}s, re-render median "
              f"{timings[page]['median']:.2f}s", flush=True)
    return timings


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    import run

    chosen = sys.argv[1:] or list(PAGES)
    for page in chosen:
        print(page, json.dumps(page_timings(run.build_workbook(), page)), flush=True)
