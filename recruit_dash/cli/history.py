"""The history's commands: `import`, `uploads` and `changes`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from recruit_dash.cli.arguments import Refusal, check_files, contents, existing_store, viewer
from recruit_dash.history.store import Store, open_store
from recruit_dash.ingest.isolation import ingest_file_isolated
from recruit_dash.outputs import reports
from recruit_dash.people import may_upload

UPLOAD_COLUMNS = ["upload_id", "file_name", "as_of", "imported_at", "imported_by", "sha256",
                  "superseded_by", "rows_accepted", "rows_quarantined", "rows_blank", "profile"]


def history_command(args: argparse.Namespace) -> int:
    """Run `import`, `uploads` or `changes`; return the exit code."""
    if args.command == "import":
        by = _doer(args, "import files")
        if isinstance(args.db, Path) and args.db.is_dir():
            raise Refusal(f"{args.db} is a folder, not an upload history; give a file name for "
                          "the history, like history.duckdb.")
        check_files(args.files)
        read = [contents(path, "file") for path in args.files]  # before a history is made
        return _import(open_store(args.db), read, args, by)
    store = existing_store(args.db)
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


def _doer(args: argparse.Namespace, what: str) -> str | None:
    """Return the email of the person named by --as, who may do `what` (None: nobody named,
    the local user); refuse a manager or a consultant, who may not."""
    reader = viewer(args)
    if reader is None:
        return None
    person = reader[0]
    if not may_upload(person):
        raise Refusal(f"{person.email} is a {person.role} in the people sheet, and only owners "
                      f"and team leads may {what}; ask one of them to do it.")
    return person.email


def _import(store: Store, contents: list[bytes], args: argparse.Namespace, by: str | None) -> int:
    results = [store.import_file(path.name, data, args.as_of, read_file=ingest_file_isolated,
                                 by=by)
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
        if not store.delete(args.delete, by=_doer(args, "delete uploads")):
            raise Refusal(f"There is no upload {args.delete} in the history; the uploads command "
                          "lists them.")
        print(f"Deleted upload {args.delete} and its rows.")
        return 0
    viewer(args)  # the listing is everyone's, but a mistyped --as is still said
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
                  f"{row['rows_accepted']:,} rows, imported by {row['imported_by']}{mark}")
    return 0

