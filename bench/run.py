"""The benchmark: ingest of a 50,000-lead workbook (plus 250,000 activity rows) against a bare
read with the fast reader and against pandas.read_excel with its default engine.

Every timing is the median of 3 runs, each in a fresh process so that peak memory (the largest
resident set size of that process and its children) is measured for that step alone; the steps
take turns. All figures come from one run.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
WORKBOOK = CACHE / "bench_50k_leads.xlsx"
LEADS, ACTIVITY_ROWS, RUNS = 50_000, 250_000, 3

# Each step: (imports, done before the clock starts; the timed work).
STEPS = {
    # As the app and the command line run it: parsed in a child process with limits.
    "ingest": ("from recruit_dash.ingest.pipeline import ingest_paths\n"
               "from recruit_dash.ingest.isolation import ingest_file_isolated", """
result = ingest_paths([PATH], read_file=ingest_file_isolated)
assert all(f.ok for f in result.files), [f.error for f in result.files]
rows = len(result.model.leads)
"""),
    "bare_fast_read": ("import fastexcel, pandas", """
reader = fastexcel.read_excel(PATH)
rows = sum(len(reader.load_sheet(name).to_pandas()) for name in reader.sheet_names)
"""),
    "pandas_default": ("import pandas, openpyxl", """
rows = sum(len(frame) for frame in pandas.read_excel(PATH, sheet_name=None).values())
"""),
}

CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
PATH = {path!r}
{setup}
started = time.perf_counter()
{code}
elapsed = time.perf_counter() - started
# The largest of this process and its children (ingest parses in a child process).
peak_mb = max(resource.getrusage(who).ru_maxrss
              for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
print({{"seconds": elapsed, "peak_mb": peak_mb, "rows": rows}})
"""


def build_workbook() -> Path:
    """Write the benchmark workbook once (it is cached between runs)."""
    if WORKBOOK.exists():
        return WORKBOOK
    sys.path.insert(0, str(ROOT / "sample_data"))
    import make_sample

    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"writing {WORKBOOK.name}: {LEADS:,} leads, ~{ACTIVITY_ROWS:,} activity rows …", flush=True)
    tables = make_sample.build_tables(date(2026, 11, 20), scale=LEADS, messy=False,
                                      activity_rows=ACTIVITY_ROWS)
    make_sample.write_workbook(tables, WORKBOOK)
    return WORKBOOK


def run_once(step: str, path: Path) -> dict:
    """Return one timing of a step in a fresh process."""
    setup, work = STEPS[step]
    code = CHILD.format(root=str(ROOT), path=str(path), setup=setup, code=work)
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout.strip().splitlines()[-1]
    return eval(output)  # our own child's dict literal


def measure_all(path: Path) -> dict[str, dict]:
    """Return each step's median seconds and largest peak memory over RUNS fresh processes.

    The steps take turns (ingest, bare read, pandas, ingest, …) so that a machine that slows
    down or speeds up during the run weighs on every step alike, and the ratios stay fair.
    """
    runs: dict[str, list[dict]] = {step: [] for step in STEPS}
    for _ in range(RUNS):
        for step in STEPS:
            runs[step].append(run_once(step, path))
    return {step: {"seconds": statistics.median(run["seconds"] for run in results),
                   "peak_mb": max(run["peak_mb"] for run in results), "rows": results[0]["rows"]}
            for step, results in runs.items()}


# The script that times page re-renders: the benchmark workbook uploaded on the Data page, then
# a page's own setup and changes (each a label and a widget change), timed one by one.
RERUNS = """
import json, sys, time
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=600)
at.run()
at.switch_page("pages/data.py").run()
data = open({path!r}, "rb").read()
at.file_uploader(key="data_upload").set_value([("bench.xlsx", data, "application/octet-stream")]).run()
{setup}
assert not at.exception and not at.error, [e.value for e in at.error]
seconds = {{}}
for label, change in changes:
    change()
    started = time.perf_counter()
    at.run()
    seconds[label] = round(time.perf_counter() - started, 3)
    assert not at.exception, at.exception
print(json.dumps(seconds))
"""

FUNNEL_SETUP = """
at.switch_page("pages/funnel.py").run()
changes = [
    ("lens: activity", lambda: at.button_group(key="funnel_lens").set_value("activity")),
    ("lens: snapshot", lambda: at.button_group(key="funnel_lens").set_value("snapshot")),
    ("lens: cohort", lambda: at.button_group(key="funnel_lens").set_value("cohort")),
    ("period: month", lambda: at.button_group(key="funnel_period_kind").set_value("month")),
    ("period: quarter", lambda: at.button_group(key="funnel_period_kind").set_value("quarter")),
    ("split: consultant", lambda: at.selectbox(key="funnel_split").set_value("consultant")),
    ("split: month", lambda: at.selectbox(key="funnel_split").set_value("month")),
    ("split: none", lambda: at.selectbox(key="funnel_split").set_value(None)),
]
"""

EDITOR_SETUP = """
leads = next(e for e in at.expander if "Lead Tracker" in e.label)
next(t for t in leads.toggle if t.label == "Correct this sheet").set_value(True).run()


def column(label):
    leads = next(e for e in at.expander if "Lead Tracker" in e.label)
    return next(box for box in leads.selectbox if box.label == label)


changes = [
    ("open the editor again (no change)", lambda: None),
    ("column 'Notes': not used", lambda: column("Notes").set_value("")),
    ("column 'Notes': notes again", lambda: column("Notes").set_value("notes")),
    ("column 'Source': not used", lambda: column("Source").set_value("")),
]
"""


def _reruns(path: Path, setup: str) -> dict[str, float]:
    """Return the seconds each change's re-render takes, with the benchmark workbook uploaded
    (Streamlit's AppTest runs the pages' full scripts in a fresh process)."""
    code = RERUNS.format(root=str(ROOT), app=str(ROOT / "app.py"), path=str(path), setup=setup)
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout.strip().splitlines()[-1]
    return json.loads(output)


def funnel_page_reruns(path: Path) -> dict[str, float]:
    """Return the seconds the Funnel page takes to re-render after each change of a control."""
    return _reruns(path, FUNNEL_SETUP)


def mapping_editor_reruns(path: Path) -> dict[str, float]:
    """Return the seconds the Data page takes to re-render after each change in the mapping
    editor (a column of the leads sheet remapped)."""
    return _reruns(path, EDITOR_SETUP)


def main() -> None:
    path = build_workbook()
    started = time.perf_counter()
    results = measure_all(path)
    ingest, bare, pandas_default = (results[step] for step in STEPS)
    reruns = funnel_page_reruns(path)
    editor = mapping_editor_reruns(path)
    remaps = [seconds for label, seconds in editor.items() if label.startswith("column")]
    report = {
        "workbook": path.name,
        "size_mb": round(path.stat().st_size / 1e6, 1),
        "median_seconds": {step: round(result["seconds"], 3) for step, result in results.items()},
        "peak_memory_mb": {step: round(result["peak_mb"]) for step, result in results.items()},
        "ingest_over_bare_read": round(ingest["seconds"] / bare["seconds"], 2),
        "pandas_default_over_ingest": round(pandas_default["seconds"] / ingest["seconds"], 2),
        "leads_ingested": ingest["rows"],
        "funnel_page_rerun_seconds": reruns,
        "funnel_page_rerun_median": statistics.median(reruns.values()),
        "funnel_page_rerun_max": max(reruns.values()),
        "mapping_editor_rerun_seconds": editor,
        "mapping_editor_remap_median": statistics.median(remaps),
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=2))
    print(f"ingest {ingest['seconds']:.2f}s = {report['ingest_over_bare_read']}x the bare fast read "
          f"({bare['seconds']:.2f}s); default pandas.read_excel {pandas_default['seconds']:.2f}s = "
          f"{report['pandas_default_over_ingest']}x slower than ingest; ingest peak memory "
          f"{report['peak_memory_mb']['ingest']} MB; Funnel page re-render after a change: median "
          f"{report['funnel_page_rerun_median']:.2f}s, slowest {report['funnel_page_rerun_max']:.2f}s; "
          f"Data page re-render after a column remapped: median "
          f"{report['mapping_editor_remap_median']:.2f}s")


if __name__ == "__main__":
    main()
