"""The command line: the same engine as the app, for scripts and weekly automation."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from recruit_dash import export, reports
from recruit_dash.funnel import LENSES
from recruit_dash.ingest import ingest_paths
from recruit_dash.isolation import ingest_file_isolated
from recruit_dash.model import TABLES
from recruit_dash.understanding import inspection


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m recruit_dash",
        description="Understand recruitment trackers and export the pipeline model.")
    commands = parser.add_subparsers(dest="command", required=True)

    inspect = commands.add_parser("inspect", help="say what we understood in each file and sheet")
    inspect.add_argument("files", nargs="+", type=Path)
    inspect.add_argument("--json", action="store_true", help="print JSON instead of a summary")

    exporter = commands.add_parser("export", help="write one normalised table")
    exporter.add_argument("table", choices=list(TABLES))
    exporter.add_argument("files", nargs="+", type=Path)
    exporter.add_argument("--format", choices=("csv", "xlsx", "parquet"), default="csv")
    exporter.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")

    report = commands.add_parser("report", help="compute a report (funnel, cohorts) as JSON")
    report.add_argument("kind", choices=("funnel", "cohorts"))
    report.add_argument("files", nargs="+", type=Path)
    report.add_argument("--as-of", type=_day, help="YYYY-MM-DD (default: the last day in the data)")
    report.add_argument("--lens", choices=LENSES, default="cohort")
    report.add_argument("--from", dest="start", type=_day, help="period start, YYYY-MM-DD")
    report.add_argument("--to", dest="end", type=_day, help="period end, YYYY-MM-DD")
    report.add_argument("--stages", help="comma-separated stage ids to show (default: all)")
    report.add_argument("--json", action="store_true", help="print JSON (the only format)")

    args = parser.parse_args(argv)
    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        print(f"No such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    ingested = ingest_paths(args.files, read_file=ingest_file_isolated)
    failed = [report for report in ingested.files if not report.ok]
    if args.command == "inspect":
        document = inspection(ingested)
        if args.json:
            print(json.dumps(document, indent=2, ensure_ascii=False, default=str))
        else:
            print(_summary(document))
        return 1 if failed else 0
    for report in failed:
        print(f"{report.path}: {report.error}", file=sys.stderr)
    if args.command == "report":
        print(json.dumps(reports.report(args.kind, ingested.model, as_of=args.as_of,
                                        lens=args.lens, start=args.start, end=args.end,
                                        stages=args.stages.split(",") if args.stages else None),
                         indent=2, ensure_ascii=False))
        return 1 if failed else 0
    frame = ingested.model.table(args.table)
    if args.format == "csv":
        data = export.csv_bytes(frame)
    elif args.format == "xlsx":
        data = export.xlsx_bytes({args.table: frame})
    else:
        data = export.parquet_bytes(frame)
    if args.output:
        args.output.write_bytes(data)
    elif args.format == "csv":
        sys.stdout.write(data.decode("utf-8-sig"))
    else:
        sys.stdout.buffer.write(data)
    return 1 if failed else 0


def _day(text: str) -> date:
    """Return a YYYY-MM-DD argument as a date."""
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-20") from error


def _summary(document: dict) -> str:
    """Return the inspection as a few readable lines."""
    lines = []
    for file in document["files"]:
        lines.append(f"{file['path']}: {'ok' if file['ok'] else 'NOT READ - ' + str(file['error'])}")
        for sheet in file["sheets"]:
            lines.append(f"  {sheet['name']}: {sheet['role']}"
                         f"{' (' + sheet['reason'] + ')' if sheet['reason'] else ''}, "
                         f"{sheet['rows_read']} rows read = {sheet['rows_accepted']} accepted + "
                         f"{sheet['rows_quarantined']} quarantined + {sheet['rows_blank']} blank")
    model = document["model"]
    lines.append(f"model: {model['leads']} leads, {model['activities']} activities, "
                 f"{model['placements']} placements, {model['feedback']} feedback answers, "
                 f"{document['issue_count']} issues")
    return "\n".join(lines)
