"""The command line: the same engine as the app, for scripts and weekly automation."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import traceback
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from recruit_dash import clock
from recruit_dash.history.store import Store, StoreError, default_path, open_store
from recruit_dash.ingest.isolation import ingest_file_isolated
from recruit_dash.ingest.names import SCREEN_SCORE, name_similarity
from recruit_dash.ingest.pipeline import ingest_files
from recruit_dash.ingest.profiles import Profile, ProfileError, profile_from_json
from recruit_dash.ingest.readiness import page_readiness
from recruit_dash.ingest.results import Ingested
from recruit_dash.ingest.understanding import inspection
from recruit_dash.metrics.funnel import LENSES
from recruit_dash.metrics.ratio_ledger import TRAILING_DAYS
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.metrics.stalled import StallRules
from recruit_dash.model import NO_CONSULTANT, STAGE_IDS, TABLES, Model, group_names
from recruit_dash.outputs import export, reports


class Refusal(Exception):
    """A bad invocation, with the one sentence that says what was wrong and what to do."""


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
              f"{_log_failure()}.", file=sys.stderr)
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
    report.add_argument("--placements", type=_count, default=1,
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
    listing.add_argument("--delete", type=_upload_id, metavar="ID", help="delete this upload")
    listing.add_argument("--yes", action="store_true", help="confirm --delete")
    listing.add_argument("--json", action="store_true", help="print JSON")

    moved = commands.add_parser("changes", help="what moved between two uploads")
    moved.add_argument("--db", type=Path, required=True, help="the history file")
    moved.add_argument("--from-upload", type=_upload_id,
                       help="default: the upload before --to-upload")
    moved.add_argument("--to-upload", type=_upload_id, help="default: the latest upload")
    moved.add_argument("--json", action="store_true", help="print JSON (the only format)")

    return parser


def _run(args: argparse.Namespace) -> int:
    """Run one parsed command; return its exit code."""
    if args.command in ("import", "uploads", "changes"):
        return _history_command(args)
    db = getattr(args, "db", None)
    if args.command != "inspect" and bool(db) == bool(args.files):
        raise Refusal("Give the files to read, or --db PATH for the upload history (not both).")
    _check_files(args.files)
    if getattr(args, "output", None):
        _check_output(args.output, "pack.pdf" if args.command == "pack"
                      else f"{args.table}.{args.format}")
    if args.command == "report":
        _check_period(args.start, args.end)
        stages = _stages(args.stages)
        if args.kind == "targets" and not args.consultant:
            raise Refusal("report targets needs --consultant NAME, the consultant to set "
                          "targets for.")
    rules = _rules(args.rules) if getattr(args, "rules", None) else None
    profile = _profile(args.profile) if getattr(args, "profile", None) else None
    if db:
        ingested = Ingested([], _existing_store(db).model(getattr(args, "as_of", None)))
    else:
        ingested = ingest_files([(str(path), _contents(path, "file")) for path in args.files],
                                read_file=ingest_file_isolated, profile=profile)
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
        for report in failed:
            print(f"{report.path}: {report.error}", file=sys.stderr)
        return 1 if failed else 0
    for report in failed:
        print(f"{report.path}: {report.error}", file=sys.stderr)
    if failed and len(failed) == len(ingested.files):
        return 2  # nothing was read: a report of zeros would look like an empty pipeline
    if args.command == "report":
        if args.kind == "targets":
            _check_name(args.consultant, _names(ingested.model, "placements"), "--consultant")
        try:
            document = reports.report(
                args.kind, ingested.model, as_of=args.as_of, lens=args.lens, start=args.start,
                end=args.end, stages=stages, rules=rules, credit=args.credit,
                consultant=args.consultant, placements=args.placements)
        except ValueError as error:
            raise Refusal(str(error)) from error
        print(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False))
        return 1 if failed else 0
    if args.command == "pack":
        as_of = args.as_of or data_as_of(ingested.model, clock.today())
        end = args.end or as_of
        start = args.start or end - timedelta(days=TRAILING_DAYS - 1)
        _check_period(start, end, "--to" if args.end else "the as-of date")
        _check_name(args.name, _names(ingested.model), "--name")
        # Only pack needs the PDF and chart libraries, which take a second to load.
        from recruit_dash.outputs.pack import coaching_pack
        _write(args.output, coaching_pack(ingested.model, args.name, start, end, as_of,
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
        _write(args.output, data)
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


def _count(text: str) -> int:
    """Return a count argument: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number like 3") from error
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a count; give a whole number of 1 or more")
    return value


def _upload_id(text: str) -> int:
    """Return an upload id argument: a whole number of 1 or more, as `uploads` lists them."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not an upload id; upload ids are whole "
                                         "numbers from 1, as the uploads command lists them")
    return value


def _reason(error: OSError) -> str:
    """Return an operating-system error in a few lower-case words, like "permission denied"."""
    return (error.strerror or str(error)).lower()


def _check_files(paths: list[Path]) -> None:
    """Refuse files that are missing or are folders, naming them."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise Refusal(f"No such file: {', '.join(missing)}; check the path"
                      f"{'s' if len(missing) > 1 else ''} and try again.")
    for path in paths:
        if path.is_dir():
            raise Refusal(f"{path} is a folder, not a file; give the spreadsheets inside it.")


def _contents(path: Path, what: str) -> bytes:
    """Return a file's bytes, or refuse in a sentence naming the file and what to do."""
    if not path.exists():
        raise Refusal(f"There is no {what} at {path}; check the path.")
    if path.is_dir():
        raise Refusal(f"{path} is a folder, not a {what}; give the file itself.")
    try:
        return path.read_bytes()
    except OSError as error:
        raise Refusal(f"Could not read {path} ({_reason(error)}); check that you may open it, "
                      "or copy it somewhere you can.") from error


def _check_output(path: Path, example: str) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    folder = path.parent
    if path.is_dir():
        raise Refusal(f"{path} is a folder; give -o a file name inside it, like {path / example}.")
    if not folder.exists():
        raise Refusal(f"The folder {folder} does not exist; create it or choose another path "
                      f"for {path.name}.")
    if not folder.is_dir():
        raise Refusal(f"{folder} is a file, not a folder; choose another path for {path.name}.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise Refusal(f"{path} cannot be written (permission denied); choose another path.")


def _write(path: Path, data: bytes) -> None:
    """Write an output file, or refuse in a sentence naming it."""
    try:
        path.write_bytes(data)
    except OSError as error:
        raise Refusal(f"Could not write {path} ({_reason(error)}); choose another path.") from error


def _check_period(start: date | None, end: date | None, end_by: str = "--to") -> None:
    """Refuse a period that starts after it ends."""
    if start and end and start > end:
        raise Refusal(f"The period starts on {start} (--from) after it ends on {end} ({end_by}); "
                      "give a start on or before the end.")


def _stages(text: str | None) -> list[str] | None:
    """Return the stage ids of --stages, refusing one the ladder does not have."""
    if not text:
        return None
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [stage for stage in chosen if stage not in STAGE_IDS]
    if unknown or not chosen:
        raise Refusal(f"Unknown stage {(unknown or [text])[0]!r} in --stages; give stage ids "
                      f"separated by commas, from {', '.join(STAGE_IDS)}.")
    return chosen


def _rules(path: Path) -> StallRules:
    """Return the stall rules saved in a JSON file, or refuse in a sentence."""
    data = _contents(path, "stall rules file")
    try:
        saved = json.loads(data)
    except ValueError as error:
        where = f" (line {error.lineno}, column {error.colno})" if hasattr(error, "lineno") else ""
        raise Refusal(f"Could not read the stall rules in {path}: it is not valid JSON{where}; "
                      "save the rules again from the Stalled & today page.") from error
    try:
        return StallRules.from_dict(saved)
    except (AttributeError, TypeError) as error:
        raise Refusal(f"Could not read the stall rules in {path}: it is not stall rules like "
                      '{"thresholds": {"lead": 14}}; save the rules again from the Stalled & '
                      "today page.") from error


def _profile(path: Path) -> Profile:
    """Return the mapping profile saved in a file, or refuse in a sentence."""
    try:
        return profile_from_json(_contents(path, "mapping profile"))
    except ProfileError as error:
        raise Refusal(f"Could not read the mapping profile in {path}: {error}") from error


def _existing_store(path: Path) -> Store:
    """Return the upload history at a path that must already hold one."""
    if path.is_dir():
        raise Refusal(f"{path} is a folder, not an upload history; give the history file itself.")
    return open_store(path, must_exist=True)  # a mistyped path is an error, not an empty history


def _names(model: Model, *more: str) -> set[str]:
    """Return the consultants named in the leads and activities (and any other tables given)."""
    tables = [model.leads, model.activities] + [model.table(name) for name in more]
    return set(group_names(pd.concat([table["consultant"] for table in tables]), "consultant"))


def _check_name(name: str, names: set[str], option: str) -> None:
    """Refuse a consultant the data does not name, saying a few names that it does."""
    if name in names:
        return
    people = sorted(names - {NO_CONSULTANT})
    if not people:
        raise Refusal(f"No consultant called {name!r} in the data: it names no consultants at "
                      f"all, so {option} cannot be used.")
    # The same likeness the Data page proposes name merges by ("Jon Smith" / "Jonathan Smith").
    scored = sorted(((name_similarity(name, person), person) for person in people), reverse=True)
    close = [person for score, person in scored[:3] if score >= SCREEN_SCORE]
    if close:
        raise Refusal(f"No consultant called {name!r} in the data; did you mean "
                      f"{' or '.join(close)}?")
    more = f" and {len(people) - 6} more" if len(people) > 6 else ""
    raise Refusal(f"No consultant called {name!r} in the data; give {option} a name as the data "
                  f"writes it, such as {', '.join(people[:6])}{more}.")


def _log_failure() -> Path:
    """Append the current exception's traceback to the error log; return the log's path."""
    text = f"{datetime.now():%Y-%m-%d %H:%M:%S} {' '.join(sys.argv)}\n{traceback.format_exc()}\n"
    for folder in (default_path().parent, Path(tempfile.gettempdir())):
        log = folder / "recruit-dash-errors.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as file:
                file.write(text)
            return log
        except OSError:
            continue
    return log


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
    if args.command == "import":
        if args.db.is_dir():
            raise Refusal(f"{args.db} is a folder, not an upload history; give a file name for "
                          "the history, like history.duckdb.")
        _check_files(args.files)
        contents = [_contents(path, "file") for path in args.files]  # before a history is made
        return _import(open_store(args.db), contents, args)
    store = _existing_store(args.db)
    if args.command == "uploads":
        return _uploads(store, args)
    _check_upload_order(store, args.from_upload, args.to_upload)
    print(json.dumps(store.changes(args.from_upload, args.to_upload), indent=2,
                     ensure_ascii=False))
    return 0


def _check_upload_order(store: Store, from_upload: int | None, to_upload: int | None) -> None:
    """Refuse to compare an upload with itself, or a later upload with an earlier one."""
    if from_upload is None or to_upload is None:
        return
    if from_upload == to_upload:
        raise Refusal(f"--from-upload and --to-upload are both {from_upload}; choose two "
                      "different uploads (the uploads command lists them).")
    uploads = store.uploads()
    as_of = dict(zip(uploads["upload_id"], pd.to_datetime(uploads["as_of"]).dt.date, strict=True))
    if from_upload in as_of and to_upload in as_of and (
            (as_of[from_upload], from_upload) > (as_of[to_upload], to_upload)):
        raise Refusal(f"Upload {from_upload} (--from-upload, as of {as_of[from_upload]}) comes "
                      f"after upload {to_upload} (--to-upload, as of {as_of[to_upload]}); swap "
                      "them to see what moved from the earlier to the later.")


def _import(store: Store, contents: list[bytes], args: argparse.Namespace) -> int:
    results = [store.import_file(path.name, data, args.as_of, read_file=ingest_file_isolated)
               for path, data in zip(args.files, contents, strict=True)]
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
            raise Refusal(f"Deleting upload {args.delete} removes its rows for good; add --yes "
                          "to confirm.")
        if not store.delete(args.delete):
            raise Refusal(f"There is no upload {args.delete} in the history; the uploads command "
                          "lists them.")
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
