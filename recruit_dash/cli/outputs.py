"""The commands that write something for people: the coaching and quarterly review packs, and
the Monday digest (to a file, or sent by email)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from recruit_dash import clock
from recruit_dash.cli import arguments as given
from recruit_dash.cli.arguments import Refusal
from recruit_dash.history.since import MOVES, moved_between, moved_in_history
from recruit_dash.history.store import versions_of_one_tracker
from recruit_dash.ingest.isolation import ingest_file_isolated
from recruit_dash.ingest.pipeline import ingest_files
from recruit_dash.metrics.ratio_ledger import TRAILING_DAYS, ledger
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.model import Model
from recruit_dash.outputs.digest import Digest
from recruit_dash.people import (
    PEOPLE_VARIABLE,
    People,
    PeopleError,
    Person,
    Scoped,
    people_from_env,
    read_people,
    scope,
)

PACK_FORMATS = ("pdf", "xlsx")


def add_pack(commands) -> None:
    """Add `pack consultant|quarterly` to the command line."""
    pack = commands.add_parser("pack", help="write a coaching pack for one consultant (PDF) or "
                                            "the quarterly review pack (PDF or Excel)")
    pack.add_argument("audience", choices=("consultant", "quarterly"))
    pack.add_argument("files", nargs="*", type=Path)
    pack.add_argument("--db", type=given.history_place,
                      help="read the upload history (a file, or a PostgreSQL URL) instead of files")
    pack.add_argument("--name", help="consultant: the consultant's name, as in the data")
    pack.add_argument("--from", dest="start", type=given.day, help="consultant: period start "
                                                                   "(default: 90 days to the as-of date)")
    pack.add_argument("--to", dest="end", type=given.day,
                      help="consultant: period end (default: the as-of date)")
    pack.add_argument("--as-of", type=given.day, help="YYYY-MM-DD (default: the last day in the data)")
    pack.add_argument("--credit", choices=("owner", "author"), default="owner")
    pack.add_argument("--format", choices=PACK_FORMATS,
                      help="quarterly: pdf or xlsx (default: from the -o file's extension, else pdf)")
    pack.add_argument("-o", "--output", type=Path, required=True, help="the file to write")
    given.add_people(pack, "write the pack this person would get")


def add_digest(commands) -> None:
    """Add `digest` to the command line."""
    digest = commands.add_parser("digest", help="write or send the Monday digest: what moved, "
                                                "stalled leads, today's calls, this week")
    digest.add_argument("files", nargs="*", type=Path,
                        help="the tracker (two versions of it: what moved between them)")
    digest.add_argument("--db", type=given.history_place,
                      help="read the upload history (a file, or a PostgreSQL URL) instead of files")
    digest.add_argument("--as-of", type=given.day, help="YYYY-MM-DD (default: the last day in the "
                                                        "data)")
    digest.add_argument("--consultants", help="the team: consultants' names separated by commas "
                                              "(default: the whole agency)")
    digest.add_argument("--team-lead", help="the reader's name, for the heading")
    digest.add_argument("--rules", type=Path, help="stall rules saved from the Stalled & today page")
    digest.add_argument("-o", "--output", type=Path,
                        help="digest.html, or a .txt file for the plain text (default: the text "
                             "on standard output)")
    digest.add_argument("--smtp", help="send it through this mail server: smtp://host:port or "
                                       "smtps://host:port (login from RECRUIT_DASH_SMTP_USER and "
                                       "RECRUIT_DASH_SMTP_PASSWORD)")
    digest.add_argument("--to", action="append", default=[], metavar="ADDRESS",
                        help="with --smtp: who gets it (repeat for several)")
    digest.add_argument("--sender", help="with --smtp: the From address (default: "
                                         "RECRUIT_DASH_SMTP_FROM, else the login)")
    given.add_people(digest, "the digest this person would get (their name in its heading)")


def check_pack(args: argparse.Namespace) -> None:
    """Refuse a pack invocation that cannot work, before any file is read."""
    if args.audience == "consultant" and not args.name:
        raise Refusal("pack consultant needs --name NAME, the consultant to write the pack for.")
    if args.audience == "quarterly":
        if args.name or args.start or args.end:
            raise Refusal("pack quarterly covers the quarter holding --as-of and the whole team; "
                          "--name, --from and --to are for pack consultant.")
        pack_format(args)


def pack(args: argparse.Namespace, model: Model, scoped: Scoped | None = None) -> None:
    """Write a coaching pack or the quarterly review pack (checked by `check_pack`) of the model
    as the person `scoped` sees it; a consultant's own pack compares them with their team's
    aggregates (`Scoped.team_medians`, `Scoped.team_funnel`)."""
    as_of = args.as_of or data_as_of(model, clock.today())
    if args.audience == "quarterly":
        # Only the packs need the PDF and chart libraries, which take a second to load.
        if pack_format(args) == "xlsx":
            from recruit_dash.outputs.quarterly_workbook import quarterly_workbook as build
        else:
            from recruit_dash.outputs.quarterly_pack import quarterly_pack as build
        given.write(args.output, build(model, as_of))
        return
    end = args.end or as_of
    start = args.start or end - timedelta(days=TRAILING_DAYS - 1)
    given.check_period(start, end, "--to" if args.end else "the as-of date")
    given.check_name(args.name, given.consultant_names(model), "--name")
    from recruit_dash.outputs.pack import coaching_pack
    medians = scoped.team_medians if scoped else None
    book = ledger(model, args.credit, medians[args.credit]) if medians else None
    given.write(args.output, coaching_pack(model, args.name, start, end, as_of, credit=args.credit,
                                           book=book, team=scoped.team_funnel if scoped else None))


def pack_format(args: argparse.Namespace) -> str:
    """Return the quarterly pack's format: --format, else the output's extension, else pdf;
    refuse the two disagreeing."""
    suffix = args.output.suffix.lower().lstrip(".")
    chosen = args.format or (suffix if suffix in PACK_FORMATS else "pdf")
    if suffix in PACK_FORMATS and suffix != chosen:
        raise Refusal(f"--format {chosen} writes a .{chosen} file, but -o {args.output} ends in "
                      f".{suffix}; make them agree.")
    return chosen


def to_everyone(args: argparse.Namespace) -> bool:
    """Whether the digest goes to every team lead and consultant of the people sheet, each their
    own: sent (--smtp) to nobody named (--to) as nobody in particular (--as), with a sheet."""
    return bool(args.smtp and not args.to and not args.as_email
                and (args.people or os.environ.get(PEOPLE_VARIABLE, "").strip()))


def check_digest(args: argparse.Namespace) -> None:
    """Refuse a digest invocation that cannot work, before any file is read."""
    if args.to and not args.smtp:
        raise Refusal("--to needs --smtp smtp://host:port, the mail server to send through.")
    if args.smtp:
        from recruit_dash.outputs.mail import MailError, mail_server
        if not args.to and not to_everyone(args):
            raise Refusal("--smtp needs --to ADDRESS, who the digest goes to, or a people sheet "
                          "(--people FILE) to send each team lead and consultant their own.")
        try:
            mail_server(args.smtp)
        except MailError as error:
            raise Refusal(str(error)) from error
    if args.output:
        given.check_output(args.output, "digest.html")


def digest(args: argparse.Namespace, reader: tuple[Person, People] | None = None) -> int:
    """Write or send the Monday digest (what the reader, when named, would see), or send each
    team lead and consultant of the people sheet their own; return the exit code."""
    rules = given.rules(args.rules) if args.rules else None
    model, moved, failed = _digest_data(args)
    as_of = args.as_of or data_as_of(model, clock.today())
    if to_everyone(args):
        return _to_everyone(args, _made(args, model, moved, as_of, rules)) or int(failed)
    made = _made(args, model, moved, as_of, rules)(reader)
    if args.output:
        given.write(args.output, (made.text if args.output.suffix.lower() == ".txt"
                                  else made.html).encode("utf-8"))
        print(f"Wrote {args.output}")
    elif not args.smtp:
        sys.stdout.write(made.text if made.text.endswith("\n") else made.text + "\n")
    if args.smtp:
        from recruit_dash.outputs.mail import MailError, send_digest
        try:
            send_digest(made, args.smtp, args.to, args.sender)
        except MailError as error:
            print(str(error), file=sys.stderr)
            return 1
        print(f"Sent “{made.subject}” to {', '.join(args.to)}")
    return 1 if failed else 0


def _made(args: argparse.Namespace, model: Model, moved: dict | None, as_of: date,
          rules) -> Callable[[tuple[Person, People] | None], Digest]:
    """Return how the digest is made for a reader (None: as the options say)."""
    from recruit_dash.outputs.digest import monday_digest

    team = [name.strip() for name in args.consultants.split(",") if name.strip()] \
        if args.consultants else None

    def made(reader: tuple[Person, People] | None) -> Digest:
        seen, theirs, shown = model, moved, team
        if reader:
            scoped = scope(model, *reader)
            seen = scoped.model
            if shown is None and scoped.consultants is not None:
                shown = list(scoped.consultants)  # the heading says whose work it covers
            if moved:
                theirs = {**moved, **{name: [row for row in moved[name]
                                             if scoped.sees(row["consultant"])] for name in MOVES}}
        return monday_digest(seen, as_of, moved=theirs, consultants=shown, rules=rules,
                             team_lead=args.team_lead or (reader[0].name if reader else None))
    return made


def _to_everyone(args: argparse.Namespace,
                 made: Callable[[tuple[Person, People] | None], Digest]) -> int:
    """Send every team lead and consultant of the people sheet their own digest; return 1 when
    some could not be sent (each said in a sentence), else 0."""
    from recruit_dash.outputs.mail import MailError, send_digest

    try:
        people = read_people(args.people) if args.people else people_from_env()
    except PeopleError as error:
        raise Refusal(str(error)) from error
    readers = [person for person in people.people if person.role in ("team lead", "consultant")]
    if not readers:
        raise Refusal("The people sheet names no team lead or consultant to send a digest to.")
    unsent = 0
    for person in readers:
        digest_for = made((person, people))
        try:
            send_digest(digest_for, args.smtp, [person.email], args.sender)
        except MailError as error:
            print(f"{person.email}: {error}", file=sys.stderr)
            unsent += 1
            continue
        print(f"Sent “{digest_for.subject}” to {person.email}")
    return 1 if unsent else 0


def _digest_data(args: argparse.Namespace) -> tuple[Model, dict | None, bool]:
    """Return the model the digest is about, what moved since the upload before (None when
    nothing to compare), and whether some file could not be read."""
    if args.db:
        store = given.existing_store(args.db)
        return store.model(args.as_of), moved_in_history(store, args.as_of), False
    given.check_files(args.files)
    files = [(str(path), given.contents(path, "file")) for path in args.files]
    together = ingest_files(files, read_file=ingest_file_isolated)
    failed = [report for report in together.files if not report.ok]
    for report in failed:
        print(f"{report.path}: {report.error}", file=sys.stderr)
    if len(failed) == len(together.files):
        raise Refusal("None of the files could be read, so there is no digest to write.")
    versions = versions_of_one_tracker(together.files)
    if len(versions) != 1 or len(versions[0]) != len(together.files) - len(failed):
        return together.model, None, bool(failed)
    # Two versions of one tracker: each read alone, the newest is the digest's, and what moved
    # is the difference (read together, last week's rows would be counted again).
    readings = sorted(((_day(model), model) for model in _each(files, versions[0])),
                      key=lambda reading: reading[0])
    (_, previous), (_, current) = readings[-2], readings[-1]
    return current, moved_between(previous, current), bool(failed)


def _each(files: list[tuple[str, bytes]], paths: list[str]) -> list[Model]:
    return [ingest_files([(path, data)], read_file=ingest_file_isolated).model
            for path, data in files if path in paths]


def _day(model: Model) -> date:
    return data_as_of(model, clock.today())
