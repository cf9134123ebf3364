"""The command line's arguments checked: each bad one refused in one sentence that says what was
wrong and what to do."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import traceback
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from recruit_dash.history.store import Store, default_path, is_url, open_store
from recruit_dash.ingest.names import SCREEN_SCORE, name_similarity
from recruit_dash.ingest.profiles import Profile, ProfileError, profile_from_json
from recruit_dash.metrics.stalled import StallRules
from recruit_dash.model import NO_CONSULTANT, STAGE_IDS, Model, group_names
from recruit_dash.people import People, PeopleError, Person, people_from_env, read_people
from recruit_dash.people.sheet import PEOPLE_VARIABLE


class Refusal(Exception):
    """A bad invocation, with the one sentence that says what was wrong and what to do."""


def day(text: str) -> date:
    """Return a YYYY-MM-DD argument as a date."""
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-20") from error


def count(text: str) -> int:
    """Return a count argument: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number like 3") from error
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a count; give a whole number of 1 or more")
    return value


def upload_id(text: str) -> int:
    """Return an upload id argument: a whole number of 1 or more, as `uploads` lists them."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not an upload id; upload ids are whole "
                                         "numbers from 1, as the uploads command lists them")
    return value


def reason(error: OSError) -> str:
    """Return an operating-system error in a few lower-case words, like "permission denied"."""
    return (error.strerror or str(error)).lower()


def check_files(paths: list[Path]) -> None:
    """Refuse files that are missing or are folders, naming them."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise Refusal(f"No such file: {', '.join(missing)}; check the path"
                      f"{'s' if len(missing) > 1 else ''} and try again.")
    for path in paths:
        if path.is_dir():
            raise Refusal(f"{path} is a folder, not a file; give the spreadsheets inside it.")


def contents(path: Path, what: str) -> bytes:
    """Return a file's bytes, or refuse in a sentence naming the file and what to do."""
    if not path.exists():
        raise Refusal(f"There is no {what} at {path}; check the path.")
    if path.is_dir():
        raise Refusal(f"{path} is a folder, not a {what}; give the file itself.")
    try:
        return path.read_bytes()
    except OSError as error:
        raise Refusal(f"Could not read {path} ({reason(error)}); check that you may open it, "
                      "or copy it somewhere you can.") from error


def check_output(path: Path, example: str) -> None:
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


def write(path: Path, data: bytes) -> None:
    """Write an output file, or refuse in a sentence naming it."""
    try:
        path.write_bytes(data)
    except OSError as error:
        raise Refusal(f"Could not write {path} ({reason(error)}); choose another path.") from error


def check_period(start: date | None, end: date | None, end_by: str = "--to") -> None:
    """Refuse a period that starts after it ends."""
    if start and end and start > end:
        raise Refusal(f"The period starts on {start} (--from) after it ends on {end} ({end_by}); "
                      "give a start on or before the end.")


def stages(text: str | None) -> list[str] | None:
    """Return the stage ids of --stages, refusing one the ladder does not have."""
    if not text:
        return None
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [stage for stage in chosen if stage not in STAGE_IDS]
    if unknown or not chosen:
        raise Refusal(f"Unknown stage {(unknown or [text])[0]!r} in --stages; give stage ids "
                      f"separated by commas, from {', '.join(STAGE_IDS)}.")
    return chosen


def rules(path: Path) -> StallRules:
    """Return the stall rules saved in a JSON file, or refuse in a sentence."""
    data = contents(path, "stall rules file")
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


def profile(path: Path) -> Profile:
    """Return the mapping profile saved in a file, or refuse in a sentence."""
    try:
        return profile_from_json(contents(path, "mapping profile"))
    except ProfileError as error:
        raise Refusal(f"Could not read the mapping profile in {path}: {error}") from error


def history_place(text: str) -> str | Path:
    """Return a --db argument: a PostgreSQL URL as given, else the history file's path."""
    return text if is_url(text) else Path(text)


def existing_store(path: str | Path) -> Store:
    """Return the upload history at a path (or PostgreSQL URL) that must already hold one."""
    if isinstance(path, Path) and path.is_dir():
        raise Refusal(f"{path} is a folder, not an upload history; give the history file itself.")
    return open_store(path, must_exist=True)  # a mistyped path is an error, not an empty history


def add_people(parser: argparse.ArgumentParser, what: str) -> None:
    """Add --people FILE and --as EMAIL: whose view the command produces, or who does it."""
    parser.add_argument("--people", type=Path, help="the people sheet (CSV or Excel: email, name, "
                                                    "role, team; default: RECRUIT_DASH_PEOPLE)")
    parser.add_argument("--as", dest="as_email", metavar="EMAIL",
                        help=f"{what} (an email in the people sheet)")


def viewer(args: argparse.Namespace) -> tuple[Person, People] | None:
    """Return the person named by --as and the people sheet they are in, or None when nobody is
    named; refuse --people without --as, --as without a sheet, and an email the sheet lacks."""
    if args.as_email is None:
        if args.people:
            raise Refusal("--people names the people sheet; add --as EMAIL, the person whose "
                          "view to produce.")
        return None
    try:
        people = read_people(args.people) if args.people else people_from_env()
    except PeopleError as error:
        raise Refusal(str(error)) from error
    if people is None:
        raise Refusal(f"--as needs the people sheet: give --people FILE, or set "
                      f"{PEOPLE_VARIABLE} to its path.")
    person = people.find(args.as_email)
    if person is None:
        sheet = args.people or os.environ[PEOPLE_VARIABLE].strip()
        raise Refusal(f"{args.as_email.strip()} is not in the people sheet {sheet}; ask the owner "
                      "to add them.")
    return person, people


def consultant_names(model: Model, *more: str) -> set[str]:
    """Return the consultants named in the leads and activities (and any other tables given)."""
    tables = [model.leads, model.activities] + [model.table(name) for name in more]
    return set(group_names(pd.concat([table["consultant"] for table in tables]), "consultant"))


def check_name(name: str, names: set[str], option: str) -> None:
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


def log_failure() -> Path:
    """Append the current exception's traceback to the error log; return the log's path."""
    text = f"{datetime.now():%Y-%m-%d %H:%M:%S} {' '.join(sys.argv)}\n{traceback.format_exc()}\n"
    history = default_path()
    beside = history.parent if isinstance(history, Path) else Path(tempfile.gettempdir())
    for folder in (beside, Path(tempfile.gettempdir())):
        log = folder / "recruit-dash-errors.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as file:
                file.write(text)
            return log
        except OSError:
            continue
    return log

