"""The command line: the same engine as the app, for scripts and weekly automation."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from recruit_dash import clock
from recruit_dash.history.store import Store, StoreError, open_store
from recruit_dash.ingest.isolation import ingest_file_isolated
from recruit_dash.ingest.pipeline import ingest_paths
from recruit_dash.ingest.profiles import ProfileError, profile_from_json
from recruit_dash.ingest.readiness import page_readiness
from recruit_dash.ingest.results import Ingested
from recruit_dash.ingest.understanding import inspection
from recruit_dash.metrics.funnel import LENSES
from recruit_dash.metrics.ratio_ledger import TRAILING_DAYS
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.metrics.stalled import StallRules
from recruit_dash.model import TABLES
from recruit_dash.outputs import export, reports
from recruit_dash.outputs.pack import coaching_pack


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m recruit_dash",
        description="Understand recruitment trackers and export the pipeline model.")
    commands = parser.add_subparsers(dest="command", required=True)

    inspect = commands.add_parser("inspect", help="say what we understood in each file and sheet")
    inspect.add_argument("files", nargs="+", type=Path)
    inspect.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    inspect.add_argument("--profile", type=Path, help="a mapping profile saved from the Data page")

    exporter = commands.add_parser("export", help="write one normalised table")
    exporter.add_argument("table", choices=list(TABLES))
    exporter.add_argument("files", nargs="*", type=Path)
    exporter.add_argument("--db", type=Path, help="read the upload history instead of files")
    exporter.add_argument("--format", choices=("csv", "xlsx", "parquet"), default="csv")
    exporter.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    exporter.add_argument("--profile", type=Path, help="a mapping profile saved from the Data page")

    report = commands.add_parser("report", help="compute a report as JSON: "
                                 + ", ".join(reports.KINDS))
    report.add_argument("kind", choices=reports.KINDS)
    report.add_argument("files", nargs="*", type=Path)
    report.add_argument("--db", type=Path, help="read the upload history instead of files")
    report.add_argument("--as-of", type=_day, help="YYYY-MM-DD (default: the last day in the data)")
    report.add_argument("--lens", choices=LENSES, default="cohort")
    report.add_argument("--from", dest="start", type=_day, help="period start, YYYY-MM-DD")
    report.add_argument("--to", dest="end", type=_day, help="period end, YYYY-MM-DD")
    report.add_argument("--stages", help="comma-separated stage ids to show (default: all)")
    report.add_argument("--consultant", help="targets: the consultant's name")
    report.add_argument("--placements", type=int, default=1,
                        help="targets: the placements to aim for (default 1)")
    report.add_argument("--credit", choices=("owner", "author"), default="owner",
                        help="ratios, targets: credit activities to the lead's consultant "
                             "(owner, the default) or to whoever logged them (author)")
    report.add_argument("--rules", type=Path,
                        help="stall rules saved from the Stalled & today page (JSON)")
    report.add_argument("--json", action="store_true", help="print JSON (the only format)")
    report.add_argument("--profile", type=Path, help="a mapping profile saved from the Data page")

    pack = commands.add_parser("pack", help="write a coaching pack (PDF) for one consultant")
    pack.add_argument("audience", choices=("consultant",))
    pack.add_argument("files", nargs="*", type=Path)
    pack.add_argument("--db", type=Path, help="read the upload history instead of files")
    pack.add_argument("--name", required=True, help="the consultant's name, as in the data")
    pack.add_argument("--from", dest="start", type=_day, help="period start (default: 90 days "
                                                              "to the as-of date)")
    pack.add_argument("--to", dest="end", type=_day, help="period end (default: the as-of date)")
    pack.add_argument("--as-of", type=_day, help="YYYY-MM-DD (default: the last day in the data)")
    pack.add_argument("--credit", choices=("owner", "author"), default="owner")
    pack.add_argument("-o", "--output", type=Path, required=True, help="the PDF file to write")

    importer = commands.add_parser("import", help="keep files in the upload history (DuckDB)")
    importer.add_argument("files", nargs="+", type=Path)
    importer.add_argument("--db", type=Path, required=True, help="the history file")
    importer.add_argument("--as-of", type=_day,
                          help="the week's as-of date (default: each file's last day in the data)")
    importer.add_argument("--json", action="store_true", help="print JSON")

    listing = commands.add_parser("uploads", help="list the uploads in the history")
    listing.add_argument("--db", type=Path, required=True, help="the history file")
    listing.add_argument("--delete", type=int, metavar="ID", help="delete this upload")
    listing.add_argument("--yes", action="store_true", help="confirm --delete")
    listing.add_argument("--json", action="store_true", help="print JSON")

    moved = commands.add_parser("changes", help="what moved between two uploads")
    moved.add_argument("--db", type=Path, required=True, help="the history file")
    moved.add_argument("--from-upload", type=int, help="default: the upload before --to-upload")
    moved.add_argument("--to-upload", type=int, help="default: the latest upload")
    moved.add_argument("--json", action="store_true", help="print JSON (the only format)")

    args = parser.parse_args(argv)
    if args.command in ("import", "uploads", "changes"):
        return _history_command(args)
    db = getattr(args, "db", None)
    if args.command != "inspect" and bool(db) == bool(args.files):
        print("Give the files to read, or --db PATH for the upload history (not both).",
              file=sys.stderr)
        return 2
    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        print(f"No such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    rules = None
    if getattr(args, "rules", None):
        try:
            rules = StallRules.from_dict(json.loads(args.rules.read_text(encoding="utf-8")))
        except (OSError, ValueError, AttributeError) as error:
            print(f"Could not read the stall rules in {args.rules}: {error}", file=sys.stderr)
            return 2
    profile = None
    if getattr(args, "profile", None):
        try:
            profile = profile_from_json(args.profile.read_bytes())
        except (OSError, ProfileError) as error:
            print(f"Could not read the mapping profile in {args.profile}: {error}", file=sys.stderr)
            return 2
    if db:
        try:
            ingested = Ingested([], open_store(db).model(getattr(args, "as_of", None)))
        except (StoreError, OSError) as error:
            print(str(error), file=sys.stderr)
            return 2
    else:
        ingested = ingest_paths(args.files, read_file=ingest_file_isolated, profile=profile)
    failed = [report for report in ingested.files if not report.ok]
    if args.command == "inspect":
        document = inspection(ingested)
        pages = page_readiness(ingested)
        document["pages"] = [page.to_dict() for page in pages]
        if args.json:
            print(json.dumps(document, indent=2, ensure_ascii=False, default=str))
        else:
            print(_summary(document))
            print("what each page can show:")
            for page in pages:
                print(f"  [{page.status}] {page.line}")
                for action in dict.fromkeys(item.action for item in page.wanting if item.action):
                    print(f"      {action}")
        return 1 if failed else 0
    for report in failed:
        print(f"{report.path}: {report.error}", file=sys.stderr)
    if args.command == "report":
        try:
            document = reports.report(
                args.kind, ingested.model, as_of=args.as_of, lens=args.lens, start=args.start,
                end=args.end, stages=args.stages.split(",") if args.stages else None, rules=rules,
                credit=args.credit, consultant=args.consultant, placements=args.placements)
        except ValueError as error:
            print(str(error), file=sys.stderr)
            return 2
        print(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False))
        return 1 if failed else 0
    if args.command == "pack":
        as_of = args.as_of or data_as_of(ingested.model, clock.today())
        end = args.end or as_of
        start = args.start or end - timedelta(days=TRAILING_DAYS - 1)
        names = set(ingested.model.leads["consultant"].dropna()) | set(
            ingested.model.activities["consultant"].dropna())
        if args.name not in names:
            print(f"No consultant called {args.name!r} in the data. Consultants: "
                  f"{', '.join(sorted(names))}", file=sys.stderr)
            return 2
        args.output.write_bytes(coaching_pack(ingested.model, args.name, start, end, as_of,
                                              credit=args.credit))
        print(f"Wrote {args.output}")
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


UPLOAD_COLUMNS = ["upload_id", "file_name", "as_of", "imported_at", "sha256", "superseded_by",
                  "rows_accepted", "rows_quarantined", "rows_blank", "profile"]


def _history_command(args: argparse.Namespace) -> int:
    """Run `import`, `uploads` or `changes`; return the exit code."""
    try:
        store = open_store(args.db)
        if args.command == "import":
            return _import(store, args)
        if args.command == "uploads":
            return _uploads(store, args)
        print(json.dumps(store.changes(args.from_upload, args.to_upload), indent=2,
                         ensure_ascii=False))
        return 0
    except StoreError as error:
        print(str(error), file=sys.stderr)
        return 2


def _import(store: Store, args: argparse.Namespace) -> int:
    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        print(f"No such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    results = [store.import_file(path.name, path.read_bytes(), args.as_of,
                                 read_file=ingest_file_isolated) for path in args.files]
    if args.json:
        print(json.dumps([{"file": str(path), "status": result.status, "message": result.message,
                           "upload_id": result.upload_id, "superseded": list(result.superseded)}
                          for path, result in zip(args.files, results, strict=True)], indent=2,
                         ensure_ascii=False))
    else:
        for result in results:
            print(result.message, file=sys.stderr if result.status == "failed" else sys.stdout)
    return 1 if any(result.status == "failed" for result in results) else 0


def _uploads(store: Store, args: argparse.Namespace) -> int:
    if args.delete is not None:
        if not args.yes:
            print(f"Deleting upload {args.delete} removes its rows for good; add --yes to confirm.",
                  file=sys.stderr)
            return 2
        if not store.delete(args.delete):
            print(f"There is no upload {args.delete} in the history.", file=sys.stderr)
            return 2
        print(f"Deleted upload {args.delete} and its rows.")
        return 0
    uploads = store.uploads()
    rows = reports.records(uploads, UPLOAD_COLUMNS)
    for row, sheets in zip(rows, uploads["sheets"], strict=True):
        row["imported_at"] = str(row["imported_at"])
        row["sheets"] = json.loads(sheets)
        row["superseded"] = row["superseded_by"] is not None
    if args.json:
        print(json.dumps({"db": str(store.path), "uploads": rows}, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            mark = f" (superseded by {row['superseded_by']})" if row["superseded"] else ""
            print(f"{row['upload_id']}: {row['file_name']} as of {row['as_of']}, "
                  f"{row['rows_accepted']:,} rows{mark}")
    return 0
