"""The command line: the same engine as the app, for scripts and weekly automation."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from recruit_dash import clock
from recruit_dash.cli import arguments as given
from recruit_dash.cli import outputs
from recruit_dash.cli.arguments import Refusal
from recruit_dash.cli.history import history_command
from recruit_dash.history.store import StoreError
from recruit_dash.ingest.isolation import ingest_file_isolated
from recruit_dash.ingest.pipeline import ingest_files
from recruit_dash.ingest.readiness import page_readiness
from recruit_dash.ingest.results import Ingested
from recruit_dash.ingest.understanding import inspection
from recruit_dash.metrics.funnel import LENSES
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.metrics.stalled import StallRules
from recruit_dash.model import TABLES, Model
from recruit_dash.outputs import export, reports
from recruit_dash.people import Scoped, scope


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code: 0 when done, 1 when some files could not
    be read or something went wrong on our side, 2 for a bad invocation (said in one sentence)."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (Refusal, StoreError) as error:
        print(str(error), file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise  # the reader stopped early: __main__ deals with it
    except Exception:  # a bug of ours: one sentence here, the traceback in the log
        print(f"Something went wrong while running {args.command}; the details were logged to "
              f"{given.log_failure()}.", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    """Return the parser of every command and option."""
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
    exporter.add_argument("--db", type=given.history_place,
                          help="read the upload history (a file, or a PostgreSQL URL) instead of files")
    exporter.add_argument("--format", choices=("csv", "xlsx", "parquet"), default="csv")
    exporter.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    exporter.add_argument("--profile", type=Path, help="a mapping profile saved from the Data page")
    given.add_people(exporter, "export only what this person may see")

    report = commands.add_parser("report", help="compute a report as JSON: "
                                 + ", ".join(reports.KINDS))
    report.add_argument("kind", choices=reports.KINDS)
    report.add_argument("files", nargs="*", type=Path)
    report.add_argument("--db", type=given.history_place,
                          help="read the upload history (a file, or a PostgreSQL URL) instead of files")
    report.add_argument("--as-of", type=given.day, help="YYYY-MM-DD (default: the last day in the data)")
    report.add_argument("--lens", choices=LENSES, default="cohort")
    report.add_argument("--from", dest="start", type=given.day, help="period start, YYYY-MM-DD")
    report.add_argument("--to", dest="end", type=given.day, help="period end, YYYY-MM-DD")
    report.add_argument("--stages", help="comma-separated stage ids to show (default: all)")
    report.add_argument("--consultant", help="targets: the consultant's name")
    report.add_argument("--placements", type=given.count, default=1,
                        help="targets: the placements to aim for (default 1)")
    report.add_argument("--credit", choices=("owner", "author"), default="owner",
                        help="ratios, targets: credit activities to the lead's consultant "
                             "(owner, the default) or to whoever logged them (author)")
    report.add_argument("--rules", type=Path,
                        help="stall rules saved from the Stalled & today page (JSON)")
    report.add_argument("--json", action="store_true", help="print JSON (the only format)")
    report.add_argument("--profile", type=Path, help="a mapping profile saved from the Data page")
    given.add_people(report, "report exactly what this person would see")

    outputs.add_pack(commands)
    outputs.add_digest(commands)

    importer = commands.add_parser("import", help="keep files in the upload history (DuckDB)")
    importer.add_argument("files", nargs="+", type=Path)
    importer.add_argument("--db", type=given.history_place, required=True,
                          help="the history: a file, or a PostgreSQL URL")
    importer.add_argument("--as-of", type=given.day,
                          help="the week's as-of date (default: each file's last day in the data)")
    importer.add_argument("--json", action="store_true", help="print JSON")
    given.add_people(importer, "who imports (recorded; owners and team leads may)")

    listing = commands.add_parser("uploads", help="list the uploads in the history")
    listing.add_argument("--db", type=given.history_place, required=True,
                          help="the history: a file, or a PostgreSQL URL")
    listing.add_argument("--delete", type=given.upload_id, metavar="ID", help="delete this upload")
    listing.add_argument("--yes", action="store_true", help="confirm --delete")
    listing.add_argument("--json", action="store_true", help="print JSON")
    given.add_people(listing, "with --delete: who deletes (recorded; owners and team leads may)")

    moved = commands.add_parser("changes", help="what moved between two uploads")
    moved.add_argument("--db", type=given.history_place, required=True,
                          help="the history: a file, or a PostgreSQL URL")
    moved.add_argument("--from-upload", type=given.upload_id,
                       help="default: the upload before --to-upload")
    moved.add_argument("--to-upload", type=given.upload_id, help="default: the latest upload")
    moved.add_argument("--json", action="store_true", help="print JSON (the only format)")

    return parser


def _run(args: argparse.Namespace) -> int:
    """Run one parsed command; return its exit code."""
    if args.command in ("import", "uploads", "changes"):
        return history_command(args)
    db = getattr(args, "db", None)
    if args.command != "inspect" and bool(db) == bool(args.files):
        raise Refusal("Give the files to read, or --db PATH for the upload history (not both).")
    everyone = args.command == "digest" and outputs.to_everyone(args)
    reader = given.viewer(args) if args.command != "inspect" and not everyone else None
    if args.command == "digest":
        outputs.check_digest(args)
        return outputs.digest(args, reader)
    if args.command == "pack":
        outputs.check_pack(args)
    given.check_files(args.files)
    if getattr(args, "output", None):
        given.check_output(args.output, f"{args.audience}.pdf" if args.command == "pack"
                      else f"{args.table}.{args.format}")
    if args.command == "report":
        given.check_period(args.start, args.end)
        stages = given.stages(args.stages)
        if args.kind == "targets" and not args.consultant:
            raise Refusal("report targets needs --consultant NAME, the consultant to set "
                          "targets for.")
    rules = given.rules(args.rules) if getattr(args, "rules", None) else None
    profile = given.profile(args.profile) if getattr(args, "profile", None) else None
    if db:
        ingested = Ingested([], given.existing_store(db).model(getattr(args, "as_of", None)))
    else:
        ingested = ingest_files([(str(path), given.contents(path, "file")) for path in args.files],
                                read_file=ingest_file_isolated, profile=profile)
    failed = [report for report in ingested.files if not report.ok]
    scoped = None
    if reader and args.command != "inspect":
        # A person's figures are dated by the data's last day, not by their own last entry.
        if hasattr(args, "as_of") and not args.as_of:
            args.as_of = data_as_of(ingested.model, clock.today())
        scoped = scope(ingested.model, *reader)
    model = scoped.model if scoped else ingested.model
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
        for report in failed:
            print(f"{report.path}: {report.error}", file=sys.stderr)
        return 1 if failed else 0
    for report in failed:
        print(f"{report.path}: {report.error}", file=sys.stderr)
    if failed and len(failed) == len(ingested.files):
        return 2  # nothing was read: a report of zeros would look like an empty pipeline
    if args.command == "report":
        if args.kind == "targets":
            given.check_name(args.consultant,
                             given.consultant_names(model, "placements"), "--consultant")
        try:
            document = _report(args, model, scoped, stages, rules)
        except ValueError as error:
            raise Refusal(str(error)) from error
        print(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False))
        return 1 if failed else 0
    if args.command == "pack":
        outputs.pack(args, model, scoped)
        print(f"Wrote {args.output}")
        return 1 if failed else 0
    frame = model.table(args.table)
    if args.format == "csv":
        data = export.csv_bytes(frame)
    elif args.format == "xlsx":
        data = export.xlsx_bytes({args.table: frame})
    else:
        data = export.parquet_bytes(frame)
    if args.output:
        given.write(args.output, data)
    elif args.format == "csv":
        sys.stdout.write(data.decode("utf-8-sig"))
    else:
        sys.stdout.buffer.write(data)
    return 1 if failed else 0


def _report(args: argparse.Namespace, model: Model, scoped: Scoped | None,
            stages: list[str] | None, rules: StallRules | None) -> dict:
    """Return the report's JSON; a consultant's ratios and targets against their whole team's
    medians, which their own view of the data cannot give."""
    return reports.report(args.kind, model, as_of=args.as_of, lens=args.lens, start=args.start,
                          end=args.end, stages=stages, rules=rules, credit=args.credit,
                          consultant=args.consultant, placements=args.placements,
                          team_medians=scoped.team_medians if scoped else None)


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

