"""The history benchmark: a year of Mondays (52 weekly uploads of a 5,000-lead tracker) imported
into a fresh DuckDB store, then `changes` and every report over the whole history.

The weekly workbooks are written once and cached in bench/.cache/weekly/. Timings are wall-clock
seconds in this one process; each report is timed 3 times and its median printed.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "sample_data"))

WEEKLY = ROOT / "bench" / ".cache" / "weekly"
LEADS, WEEKS, RUNS = 5_000, 52, 3
LAST_MONDAY = date(2026, 11, 16)
REPORTS = ("funnel", "cohorts", "stalled", "queue", "aftercare", "clients", "ratios")


def weekly_workbooks() -> list[tuple[date, Path]]:
    """Return the 52 weekly trackers, writing them on first use."""
    mondays = [LAST_MONDAY - timedelta(weeks=WEEKS - 1 - week) for week in range(WEEKS)]
    paths = [(monday, WEEKLY / f"tracker_{monday:%Y-%m-%d}.xlsx") for monday in mondays]
    missing = [(monday, path) for monday, path in paths if not path.exists()]
    if missing:
        import make_sample

        WEEKLY.mkdir(parents=True, exist_ok=True)
        print(f"writing {len(missing)} weekly trackers of {LEADS:,} leads …", flush=True)
        simulation = make_sample.simulate(LEADS, None)
        for monday, path in missing:
            make_sample.write_workbook(make_sample.snapshot(simulation, monday, False), path)
    return paths


def main() -> None:
    from recruit_dash.history.store import open_store
    from recruit_dash.ingest.pipeline import ingest_file
    from recruit_dash.metrics.registry import data_as_of
    from recruit_dash.outputs.reports import report

    paths = weekly_workbooks()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "history.duckdb")
        imports = []
        for monday, path in paths:
            data = path.read_bytes()
            started = time.perf_counter()
            result = store.import_file(path.name, data, monday, read_file=ingest_file)
            imports.append(time.perf_counter() - started)
            assert result.status == "imported", result.message
        timings = {}
        started = time.perf_counter()
        moved = store.changes()
        timings["changes"] = time.perf_counter() - started
        model_runs = []
        for _ in range(RUNS):
            started = time.perf_counter()
            model = store.model()
            model_runs.append(time.perf_counter() - started)
        timings["history_model"] = statistics.median(model_runs)
        as_of = data_as_of(model)
        for kind in REPORTS:
            runs = []
            for _ in range(RUNS):
                started = time.perf_counter()
                report(kind, model, as_of=as_of)
                runs.append(time.perf_counter() - started)
            timings[f"report_{kind}"] = statistics.median(runs)
        size_mb = (Path(folder) / "history.duckdb").stat().st_size / 1e6
    summary = {
        "uploads": len(imports), "leads_per_upload": LEADS,
        "import_one_week_median_seconds": round(statistics.median(imports), 3),
        "import_last_week_seconds": round(imports[-1], 3),
        "import_all_weeks_seconds": round(sum(imports), 1),
        "store_mb": round(size_mb, 1),
        "seconds": {key: round(value, 3) for key, value in timings.items()},
        "changes_last_week": {key: len(value) for key, value in moved.items()
                              if isinstance(value, list)},
    }
    print(json.dumps(summary, indent=2))
    print(f"history: {len(imports)} weekly uploads of {LEADS:,} leads; import one week median "
          f"{summary['import_one_week_median_seconds']:.2f}s; changes {timings['changes']:.2f}s; "
          f"history model {timings['history_model']:.2f}s; slowest report "
          f"{max(value for key, value in timings.items() if key.startswith('report_')):.2f}s")


if __name__ == "__main__":
    main()
