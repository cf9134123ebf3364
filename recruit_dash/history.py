"""The command line's history commands: import, uploads, changes (the same store as the app)."""

from __future__ import annotations

import argparse
import json
import sys

from recruit_dash.isolation import ingest_file_isolated
from recruit_dash.reports import records
from recruit_dash.store import Store, StoreError

UPLOAD_COLUMNS = ["upload_id", "file_name", "as_of", "imported_at", "sha256", "superseded_by",
                  "rows_accepted", "rows_quarantined", "rows_blank", "profile"]


def run(args: argparse.Namespace) -> int:
    """Run `import`, `uploads` or `changes`; return the exit code."""
    try:
        store = Store(args.db)
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
    rows = records(uploads, UPLOAD_COLUMNS)
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
