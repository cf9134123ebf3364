"""The history benchmark: a year of Mondays (52 weekly uploads of a 5,000-lead tracker) imported
into a fresh DuckDB store, then `changes` and every report over the whole history; then five
years of Mondays (260 uploads) the same way, to show what a longer history costs.

The weekly workbooks are written once and cached in bench/.cache/weekly/. The five years replay
the simulated year: each earlier year is the same agency shifted back 52 weeks with its own lead
ids (as if it started a fresh tracker every year), so every week's file is as big as that week's
file of the year, and the last 52 of the 260 uploads are the year's own files.

Timings are wall-clock seconds in this one process: each import once (the parse, in child processes
as the command line runs it, timed apart from the store's writes); `changes`, the history's model
and each report 5 times, their median printed. The phases take turns (see `phases`), so that
their ratios hold on a busy machine. The figures go to bench/results.json. `--weeks 52` runs one phase only.

`--db-url postgresql://…` runs one phase (52 weeks, or the first of --weeks) into a PostgreSQL
database instead, which must hold no uploads yet; its uploads are left there. Its figures go to
bench/results.json under `history_postgresql`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "sample_data"))
sys.path.insert(0, str(ROOT / "bench"))

WEEKLY = ROOT / "bench" / ".cache" / "weekly"
LEADS, WEEKS, RUNS = 5_000, 52, 5
FIVE_YEARS = 5 * WEEKS
LAST_MONDAY = date(2026, 11, 16)
REPORTS = ("funnel", "cohorts", "stalled", "queue", "aftercare", "clients", "ratios")
# The simulation's fields that hold day ordinals (make_sample.NEVER where nothing happened).
DAY_FIELDS = ("created", "potential", "milestone", "outcome_on", "active_until", "touch_on",
              "next_set", "recontact_on", "note_on", "checkin_on")


def weekly_workbooks(weeks: int = WEEKS) -> list[tuple[date, Path]]:
    """Return the last `weeks` weekly trackers up to LAST_MONDAY, oldest first, writing the ones
    not cached yet."""
    mondays = [LAST_MONDAY - timedelta(weeks=weeks - 1 - week) for week in range(weeks)]
    paths = [(monday, WEEKLY / f"tracker_{monday:%Y-%m-%d}.xlsx") for monday in mondays]
    missing = [(monday, path) for monday, path in paths if not path.exists()]
    if missing:
        import make_sample

        WEEKLY.mkdir(parents=True, exist_ok=True)
        print(f"writing {len(missing)} weekly trackers of {LEADS:,} leads …", flush=True)
        make_sample.simulate(LEADS, None)  # once, before the workers fork: they share it
        workers = min(len(missing), os.cpu_count() or 1)
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_write_week, *zip(*missing, strict=True)))
    return paths


def _write_week(monday: date, path: Path) -> None:
    """Write the tracker of one Monday (a year before LAST_MONDAY's year: that year replayed)."""
    import make_sample

    years_back = (LAST_MONDAY - monday).days // (7 * WEEKS)
    agency = _years_earlier(make_sample.simulate(LEADS, None), years_back, make_sample.NEVER)
    written = path.with_suffix(".partial")  # a killed run leaves no half-written tracker
    make_sample.write_workbook(make_sample.snapshot(agency, monday, False), written)
    written.replace(path)


def _years_earlier(agency, years: int, never: int):
    """Return the simulated agency `years` times 52 weeks earlier, its leads with their own ids."""
    if not years:
        return agency
    days = 7 * WEEKS * years

    def earlier(ordinals: np.ndarray) -> np.ndarray:
        return np.where(ordinals >= never, ordinals, ordinals - days).astype(ordinals.dtype)

    return replace(
        agency, lead_ids=np.array([f"Y{years}-{lead}" for lead in agency.lead_ids], dtype=object),
        **{name: earlier(getattr(agency, name)) for name in DAY_FIELDS},
        kpi=agency.kpi.assign(week=earlier(agency.kpi["week"].to_numpy())),
        feedback=agency.feedback.assign(on=earlier(agency.feedback["on"].to_numpy())))


@dataclass
class Phase:
    """One store being filled with weekly uploads and timed."""

    weeks: int
    store: object
    path: Path | str  # a DuckDB file, or a PostgreSQL database's URL
    imports: list[float] = field(default_factory=list)
    parses: list[float] = field(default_factory=list)
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def import_week(self, name: str, data: bytes, monday: date) -> None:
        """Import one week's file as the command line and the app do (parsed in child processes
        within the limits), timing the whole import and its parse apart."""
        from recruit_dash.ingest.isolation import ingest_file_isolated

        def parsed(name: str, data: bytes):
            started = time.perf_counter()
            try:
                return ingest_file_isolated(name, data)
            finally:
                self.parses.append(time.perf_counter() - started)

        started = time.perf_counter()
        result = self.store.import_file(name, data, monday, read_file=parsed)
        self.imports.append(time.perf_counter() - started)
        assert result.status == "imported", result.message

    def timed(self, key: str, work) -> None:
        """Time one run of `work` under `key`."""
        started = time.perf_counter()
        work()
        self.seconds.setdefault(key, []).append(time.perf_counter() - started)

    def store_bytes(self) -> int:
        """Return the size of the store: its file and log, or its whole database."""
        if isinstance(self.path, str):
            import psycopg

            with psycopg.connect(self.path) as connection:
                return connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        return sum(path.stat().st_size for path in (
            self.path, self.path.with_name(self.path.name + ".wal")) if path.exists())

    def figures(self, moved: dict) -> dict:
        """Return this phase's timings (medians) and sizes."""
        writes = [total - parse for total, parse in zip(self.imports, self.parses, strict=True)]
        return {
            "uploads": len(self.imports), "leads_per_upload": LEADS,
            "import_one_week_median_seconds": round(statistics.median(self.imports), 3),
            "parse_one_week_median_seconds": round(statistics.median(self.parses), 3),
            "store_writes_one_week_median_seconds": round(statistics.median(writes), 3),
            "import_last_week_seconds": round(self.imports[-1], 3),
            "import_all_weeks_seconds": round(sum(self.imports), 1),
            "store_mb": round(self.store_bytes() / 1e6, 1),
            "seconds": {key: round(statistics.median(runs), 3) for key, runs in self.seconds.items()},
            "changes_last_week": {key: len(value) for key, value in moved.items()
                                  if isinstance(value, list)},
        }


def phases(counts: list[int], folder: Path, url: str | None = None) -> dict[int, dict]:
    """Import the last `count` weekly uploads into a fresh store for each count (or, given a
    PostgreSQL URL, into that database, for one count), then time `changes`, the history's model
    and each report on each store. The stores take turns, week by week (a week's file goes into
    every store that has it, one after the other) and run by run, so that a machine busy with
    other work slows every phase alike."""
    from recruit_dash.history.store import open_store
    from recruit_dash.metrics.registry import data_as_of
    from recruit_dash.outputs.reports import report

    longest = max(counts)
    places = {count: url or folder / f"history_{count}.duckdb" for count in counts}
    running = [Phase(count, open_store(place), place) for count, place in places.items()]
    if url and not running[0].store.uploads().empty:
        raise SystemExit(f"{running[0].store.where()} already holds uploads; give the benchmark "
                         "an empty database of its own.")
    for index, (monday, path) in enumerate(weekly_workbooks(longest)):
        data = path.read_bytes()
        for phase in running:
            if index >= longest - phase.weeks:
                phase.import_week(path.name, data, monday)
    moved = {phase.weeks: phase.store.changes() for phase in running}
    for _ in range(RUNS):
        for phase in running:
            phase.timed("changes", phase.store.changes)
            phase.timed("history_model", phase.store.model)
    models = {phase.weeks: phase.store.model() for phase in running}
    days = {weeks: data_as_of(model) for weeks, model in models.items()}
    for kind in REPORTS:
        for _ in range(RUNS):
            for phase in running:
                model, day = models[phase.weeks], days[phase.weeks]
                phase.timed(f"report_{kind}",
                            lambda kind=kind, model=model, day=day: report(kind, model, as_of=day))
    return {phase.weeks: phase.figures(moved[phase.weeks]) for phase in running}


def summary_line(figures: dict) -> str:
    """Return one phase's figures in one line."""
    seconds = figures["seconds"]
    return (f"history: {figures['uploads']} weekly uploads of {LEADS:,} leads; import one week "
            f"median {figures['import_one_week_median_seconds']:.2f}s (parse "
            f"{figures['parse_one_week_median_seconds']:.2f}s, store writes "
            f"{figures['store_writes_one_week_median_seconds']:.2f}s); changes "
            f"{seconds['changes']:.2f}s; history model {seconds['history_model']:.2f}s; slowest "
            f"report {max(value for key, value in seconds.items() if key.startswith('report_')):.2f}s")


def recorded(figures: dict) -> dict:
    """Return one phase's figures under the keys bench/results.json keeps them."""
    seconds = figures["seconds"]
    return {"weeks": figures["uploads"], "import_s": figures["import_one_week_median_seconds"],
            "changes_s": seconds["changes"], "model_s": seconds["history_model"],
            "report_s": {kind: seconds[f"report_{kind}"] for kind in REPORTS}}


def side_by_side(short: dict, long: dict) -> str:
    """Return a table of two phases' figures and their ratio."""
    rows = [("import one week (median)", short["import_one_week_median_seconds"],
             long["import_one_week_median_seconds"]),
            ("  of which parse", short["parse_one_week_median_seconds"],
             long["parse_one_week_median_seconds"]),
            ("  of which store writes", short["store_writes_one_week_median_seconds"],
             long["store_writes_one_week_median_seconds"]),
            ("import last week", short["import_last_week_seconds"], long["import_last_week_seconds"]),
            *((key, value, long["seconds"][key]) for key, value in short["seconds"].items()),
            ("store MB", short["store_mb"], long["store_mb"])]
    lines = [f"{'':28}{short['uploads']:>8}{long['uploads']:>8}   ratio"]
    for label, value, other in rows:
        ratio = f"{other / value:8.2f}" if value else f"{'-':>8}"
        lines.append(f"{label:28}{value:8.3f}{other:8.3f}{ratio}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from results import record

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, nargs="+",
                        help="the phases to run, each a number of weekly uploads "
                             f"(default: {WEEKS} {FIVE_YEARS}; with --db-url, {WEEKS})")
    parser.add_argument("--db-url", help="a PostgreSQL database (postgresql://…) holding no "
                                         "uploads, to run one phase against instead of DuckDB")
    args = parser.parse_args(argv)
    asked = args.weeks or [WEEKS, FIVE_YEARS][:1 if args.db_url else 2]
    counts = asked[:1] if args.db_url else sorted(set(asked))
    began = time.perf_counter()
    weekly_workbooks(max(counts))
    written = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as folder:
        figures = phases(counts, Path(folder), args.db_url)
    for count in counts:
        print(json.dumps(figures[count], indent=2))
        print(summary_line(figures[count]), flush=True)
        mine = recorded(figures[count])
        if args.db_url:
            record(history_postgresql=mine)
        elif count == WEEKS:
            record(history_weeks=WEEKS, history_import_s=mine["import_s"],
                   history_changes_s=mine["changes_s"], history_model_s=mine["model_s"],
                   history_report_s=mine["report_s"])
        else:
            record(**{f"history_{count}": mine})
    if len(counts) > 1:
        print(side_by_side(figures[counts[0]], figures[counts[-1]]))
    print(f"history bench: {time.perf_counter() - began:.0f}s in all, {written:.0f}s of it writing "
          "the weekly workbooks not cached yet")


if __name__ == "__main__":
    main()
