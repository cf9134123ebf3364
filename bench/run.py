"""The benchmark: ingest of a 50,000-lead workbook (plus 250,000 activity rows) against a bare
read with the fast reader and against pandas.read_excel with its default engine.

Every timing is the median of 3 runs, each in a fresh process so that peak memory (the largest
resident set size of that process and its children) is measured for that step alone; the steps
take turns. Then every page's first render and re-renders after control changes (bench/page_timings.py)
and the mapping editor's. All figures come from one run, and go to bench/results.json as well.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import page_timings
from results import record

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


def mapping_editor_reruns(path: Path) -> dict[str, float]:
    """Return the seconds the Data page takes to re-render after each change in the mapping
    editor (a column of the leads sheet remapped)."""
    return page_timings.page_timings(path, "mapping_editor")["reruns"]


def main() -> None:
    path = build_workbook()
    started = time.perf_counter()
    results = measure_all(path)
    ingest, bare, pandas_default = (results[step] for step in STEPS)
    print("every page with the workbook uploaded, each in a fresh process:", flush=True)
    every_page = page_timings.all_pages(path)
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
        "pages": every_page,
        "mapping_editor_rerun_seconds": editor,
        "mapping_editor_remap_median": statistics.median(remaps),
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=2))
    record(leads=ingest["rows"], ingest_over_bare=report["ingest_over_bare_read"],
           pandas_over_ingest=report["pandas_default_over_ingest"],
           ingest_peak_mb=report["peak_memory_mb"]["ingest"],
           bare_peak_mb=report["peak_memory_mb"]["bare_fast_read"],
           ingest_s=round(ingest["seconds"], 3), bare_s=round(bare["seconds"], 3),
           page_median_s={page: timing["median"] for page, timing in every_page.items()},
           page_first_s={page: timing["first"] for page, timing in every_page.items()},
           page_rerun_s={page: timing["reruns"] for page, timing in every_page.items()},
           mapping_editor_s=report["mapping_editor_remap_median"])
    slowest = max(every_page, key=lambda page: every_page[page]["median"])
    print(f"ingest {ingest['seconds']:.2f}s = {report['ingest_over_bare_read']}x the bare fast read "
          f"({bare['seconds']:.2f}s); default pandas.read_excel {pandas_default['seconds']:.2f}s = "
          f"{report['pandas_default_over_ingest']}x slower than ingest; ingest peak memory "
          f"{report['peak_memory_mb']['ingest']} MB ({report['peak_memory_mb']['bare_fast_read']} MB "
          f"bare); slowest page re-render median: {slowest} "
          f"{every_page[slowest]['median']:.2f}s; slowest first render "
          f"{max(timing['first'] for timing in every_page.values()):.2f}s; Data page re-render "
          f"after a column remapped: median {report['mapping_editor_remap_median']:.2f}s")


if __name__ == "__main__":
    main()
