"""The app's data: the user's uploads or the bundled sample, ingested once per content.

Session state has one owner, this module: `uploads` holds (name, bytes) pairs of this session,
and `mapping_profile` the user's mapping profile (applied to every upload of a known shape).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import replace
from datetime import date
from pathlib import Path

import streamlit as st

from recruit_dash import clock
from recruit_dash.history.store import Store, StoreError, default_path, open_store
from recruit_dash.ingest.isolation import PARALLEL_PARSES, read_sheets_isolated, waiting
from recruit_dash.ingest.pipeline import (
    ReadySheet,
    file_from_sheets,
    ingest_files,
    ingest_ready,
    ready_sheet,
    sheet_match,
)
from recruit_dash.ingest.profiles import (
    Profile,
    profile_from_json,
    profile_key,
    profile_to_json,
    with_settings,
)
from recruit_dash.ingest.results import FileReport, Ingested
from recruit_dash.metrics.aftercare import (
    DEFAULT_SCHEDULE,
    Aftercare,
    CheckinPoint,
    aftercare,
    schedule_from_dicts,
)
from recruit_dash.metrics.client_book import ClientBook
from recruit_dash.metrics.client_book import client_book as build_client_book
from recruit_dash.metrics.funnel import Progress, progress
from recruit_dash.metrics.queue import call_queue
from recruit_dash.metrics.ratio_ledger import (
    DEFAULT_PAIRS,
    Ledger,
    RatioPair,
    ledger,
    pairs_from_dicts,
    pairs_to_dicts,
)
from recruit_dash.metrics.registry import data_as_of
from recruit_dash.metrics.stalled import Stalled, StallRules, stalled_leads
from recruit_dash.model import Model
from recruit_dash.ui import signin, views
from recruit_dash.ui.shared import SessionShared

SAMPLE_PATH = Path(__file__).resolve().parents[2] / "sample_data" / "lead_tracker.xlsx"
UPLOADS_KEY = "uploads"
AS_OF_KEY = "as_of"
AS_OF_WIDGET_KEY = "sidebar_as_of"
STALL_RULES_KEY = "stall_rules"
RATIO_PAIRS_KEY = "ratio_pairs"
SCHEDULE_KEY = "checkin_schedule"
PROFILE_KEY = "mapping_profile"
HISTORY_SOURCE_KEY = "history_source"  # True: pages show the upload history, not the files
PROFILE_SOURCE_KEY = "mapping_profile_source"
# A page waits this long for another process's import into the history, not the command
# line's 30 s: a page must not hang.
SCREEN_WAIT_SECONDS = 5.0
DIGESTS_KEY = "file_digests"  # id of an upload's bytes -> (the bytes, their SHA-256)
UPLOAD_TYPES = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv"]

log = logging.getLogger(__name__)


# Each session holds its recent results; sessions with the same bytes share them; a result goes
# when the last session holding it ends (see ui/shared.py). A file refused at a time or memory
# limit, which may be the server's load rather than the file, is never kept: the next rerun
# reads it again.
_PARSED = SessionShared("parsed", per_session=8)
_SHEETS = SessionShared("sheets", per_session=64)
_MODELS = SessionShared("models", per_session=4)


def _not_limited(result: object) -> bool:
    return not (isinstance(result, FileReport) and result.limited)


def _ready_sheets(name: str, digest: str, data: bytes) -> list[ReadySheet] | FileReport:
    """Return a file's sheets parsed (in a child process, within the limits) and made readable,
    once per file's bytes: a change of mapping reads them again without parsing the file."""
    def parse() -> list[ReadySheet] | FileReport:
        outcome = read_sheets_isolated(name, data)
        if isinstance(outcome, FileReport):
            return outcome
        raws, traps = outcome
        return [ready_sheet(raw, traps.get(raw.name)) for raw in raws]

    return _PARSED.get((name, digest), parse, keep=_not_limited)


def _sheet_read(name: str, digest: str, number: int, entry: str, ready: ReadySheet,
                profile: Profile | None):
    """Return one sheet read as the profile's entry for it says (`entry` is that entry, or "" for
    none): editing one sheet's mapping reads only that sheet again."""
    return _SHEETS.get((name, digest, number, entry),
                       lambda: ingest_ready(ready, Path(name).name, profile))


def _ingest_one(name: str, data: bytes, profile_text: str = ""):
    """Return one file's report and frames; the caches are keyed by the file's own bytes (and
    the profile entry of each sheet), so a result is only ever handed to a session that uploaded
    those very bytes."""
    try:
        digest = _digest(data)
        ready = _ready_sheets(name, digest, data)
        if isinstance(ready, FileReport):
            return ready, {}
        profile = _profile_of(profile_text)
        results = []
        for number, sheet in enumerate(ready):
            match = sheet_match(sheet, profile)
            entry = "" if match is None else f"{profile.name}|{match.header_row}|{match.entry!r}"
            results.append(_sheet_read(name, digest, number, entry, sheet,
                                       profile if match is not None else None))
        return file_from_sheets(name, results)
    except Exception:  # a bug of ours must not show a traceback or stop the app
        log.exception("ingest failed for %s", name)
        return FileReport(name, False, f"Something went wrong reading '{name}'. The file may use "
                                       "a layout we do not support yet; please send it to us."), {}


def uploads() -> list[tuple[str, bytes]]:
    """Return this session's uploaded files."""
    return st.session_state.get(UPLOADS_KEY, [])


def set_uploads(files: list[tuple[str, bytes]]) -> None:
    """Replace this session's uploads (an empty list goes back to the sample)."""
    st.session_state[UPLOADS_KEY] = files
    # New data starts at its own last day: the chosen date belongs to the data it was chosen for.
    st.session_state.pop(AS_OF_KEY, None)


def using_sample(ingested: Ingested) -> bool:
    """Return whether the data is the bundled sample agency, shown when there is nothing else: no
    upload, no history chosen or none saved yet. (The sample workbook uploaded is the user's.)"""
    return not uploads() and [report.sha256 for report in ingested.files] == [_sample_digest()]


@functools.cache
def _sample_digest() -> str:
    return hashlib.sha256(_sample_bytes()).hexdigest()


def shows_history(seen: signin.Access) -> bool:
    """Return whether pages show the upload history rather than files: as the session chose on
    the Data page; until it chooses, when sign-in is on (a team shares one history) and the
    session has uploaded nothing of its own."""
    chosen = st.session_state.get(HISTORY_SOURCE_KEY)
    if chosen is not None:
        return bool(chosen)
    return seen.person is not None and not uploads()


# A shared result, not a copy per rerun: the core never mutates its inputs, and the key is the
# files' own bytes, so a session only ever gets data it uploaded itself.
def _ingest_all(files: tuple[tuple[str, bytes], ...], profile_text: str = "") -> Ingested:
    """Return the model of several files together, each distinct file read once, corrected by the
    mapping profile given as its JSON text (empty for none)."""
    def read(name: str, data: bytes, profile: Profile | None = None):
        return _ingest_one(name, data, profile_text)

    def build() -> Ingested:
        return ingest_files(list(files), read_file=read, profile=_profile_of(profile_text))

    key = (tuple((name, _digest(data)) for name, data in files), profile_text)
    return _MODELS.get(key, build, keep=lambda ingested: not any(
        report.limited for report in ingested.files))


def _digest(data: bytes) -> str:
    """Return a file's SHA-256, worked out once per session for the bytes it holds."""
    digests = st.session_state.setdefault(DIGESTS_KEY, {})
    known = digests.get(id(data))
    # The bytes themselves are kept beside their digest, so their id cannot pass to other bytes.
    if known is None or known[0] is not data:
        if len(digests) > 32:
            digests.clear()
        known = digests[id(data)] = (data, hashlib.sha256(data).hexdigest())
    return known[1]


def _profile_of(profile_text: str) -> Profile | None:
    """Return the profile a cache key's JSON text holds (empty text: none)."""
    return profile_from_json(profile_text) if profile_text else None


def current() -> Ingested:
    """Return the ingested data this session is looking at, as the signed-in person may see it
    (ui/views.py; everything when sign-in is off): its files (or the sample), or the upload
    history when the session chose to see it, read with its mapping profile."""
    seen = signin.access()
    if not seen.shows_data:
        st.stop()  # app.py's gate has drawn the sign-in page or the refusal instead
    whole, own_files = _whole(seen)
    if seen.person is None:
        return whole
    return views.viewed(whole, data_key(whole), seen.person, seen.people, own_files,
                        default_as_of(whole))


def _whole(seen: signin.Access) -> tuple[Ingested, bool]:
    """Return all the data this session is looking at, and whether it is the session's own
    upload (not the sample, not the history)."""
    if shows_history(seen):
        history = _history()
        if history is not None:
            return history, False
    files = uploads() or [(SAMPLE_PATH.name, _sample_bytes())]
    held = profile()
    unparsed = [(name, data) for name, data in files if (name, _digest(data)) not in _PARSED]
    if not unparsed:
        return _ingest_all(tuple(files), _ingest_text(held)), bool(uploads())
    with st.spinner(_reading_words(unparsed), show_time=True):
        return _ingest_all(tuple(files), _ingest_text(held)), bool(uploads())


@functools.cache
def _sample_bytes() -> bytes:
    """Return the sample workbook's bytes, read once (one object, so its digest is kept)."""
    return SAMPLE_PATH.read_bytes()


def _reading_words(files: list[tuple[str, bytes]]) -> str:
    """Return what to say while files are parsed: being read, or queued behind other uploads."""
    from recruit_dash.ui.components import escape_markdown  # components imports this module

    names = ", ".join(escape_markdown(Path(name).name) for name, _ in files)
    queued, reading = waiting()
    if reading < PARALLEL_PARSES:
        return f"Reading {names}…"
    return (f"{names}: queued behind {reading + queued} other files being read or waiting; "
            "yours start as soon as one finishes…")


def read_one(name: str, data: bytes) -> tuple[FileReport, dict]:
    """Read one file as the session's pages do (cached, isolated, with its mapping profile)."""
    held = profile()
    return _ingest_one(name, data, _ingest_text(held))


def _ingest_text(held: Profile | None) -> str:
    """Return the part of a profile that changes how files are read, as a cache key: the other
    pages' settings saved in it (stall rules, schedule, ratio pairs) never cause a re-read."""
    if held is None or not (held.sheets or held.merges or held.rejected):
        return ""
    return profile_to_json(replace(held, settings={}))


def _history() -> Ingested | None:
    """Return the upload history's model, or None when the store cannot be opened."""
    try:
        history = open_history()
        uploads = history.current()
        if uploads.empty:
            return None
        ids = tuple(int(value) for value in uploads["upload_id"])
        return _history_model(str(history.path), ids)
    except (StoreError, OSError) as error:  # a damaged or busy history: a sentence, then the files
        st.warning(str(error))
        return None


@st.cache_resource(max_entries=8, ttl=3600, show_spinner="Reading the history…")
def _history_model(path: str, upload_ids: tuple[int, ...]) -> Ingested:
    """Return the history's model, once per set of current uploads."""
    report = FileReport(f"history: {len(upload_ids)} uploads", True,
                        sha256="history:" + ",".join(map(str, upload_ids)))
    return Ingested([report], open_history(path).model())


def open_history(path: str | None = None) -> Store:
    """Open the upload history (default: the configured one) as pages do: waiting at most
    SCREEN_WAIT_SECONDS for another process's import."""
    return open_store(path or default_path(), wait_seconds=SCREEN_WAIT_SECONDS)


def profile() -> Profile | None:
    """Return the mapping profile this session holds (loaded, or made on the Data page), or None."""
    return st.session_state.get(PROFILE_KEY)


def set_profile(chosen: Profile | None, source: str | None = None) -> None:
    """Replace this session's mapping profile; the next read of the data applies it. `source`
    names the profile file it was loaded from, so the same file is not loaded twice."""
    if chosen is None:
        st.session_state.pop(PROFILE_KEY, None)
    else:
        st.session_state[PROFILE_KEY] = chosen
        if source is not None:  # a profile file loaded: it brings its pages' settings
            _use_settings(chosen)
    if source is not None:
        st.session_state[PROFILE_SOURCE_KEY] = source


def profile_source() -> str | None:
    """Return the id of the profile file last loaded in this session, or None."""
    return st.session_state.get(PROFILE_SOURCE_KEY)


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def _last_day(_model: Model, key: tuple[str, ...], today: date | None) -> date:
    """Return the data's last day (not after today, when given), computed once per data."""
    return data_as_of(_model, today)


def default_as_of(ingested: Ingested) -> date:
    """Return the day the data is first shown as of: the sample agency's own last day (it is a
    made-up agency frozen on that day), the user's data's last day up to today; the whole data's
    day in a person's view, so that a consultant away last week still sees this week."""
    day = views.agency_day(ingested)
    if day is not None:
        return day
    today = None if using_sample(ingested) else clock.today()
    return _last_day(ingested.model, data_key(ingested), today)


def as_of(ingested: Ingested) -> date:
    """Return the as-of date chosen in the sidebar for the data on screen, defaulting to the
    data's last day. A date chosen for other data (the sample, last week's upload) is not kept."""
    chosen = st.session_state.get(AS_OF_KEY)
    if isinstance(chosen, tuple) and chosen[0] == _files_key(ingested):
        return chosen[1]
    return default_as_of(ingested)


def choose_as_of(ingested: Ingested, day: date) -> None:
    """Keep the as-of date the user chose, for this data only."""
    st.session_state[AS_OF_KEY] = (_files_key(ingested), day)


def as_of_widget_key(ingested: Ingested) -> str:
    """Return the sidebar date widget's key for this data: new data gets a new widget, so a date
    the browser still holds for the old data can never come back."""
    return f"{AS_OF_WIDGET_KEY}_{hashlib.sha256(repr(_files_key(ingested)).encode()).hexdigest()[:12]}"


def _files_key(ingested: Ingested) -> tuple[str, ...]:
    """Return a key naming the files on screen (not the profile: correcting a column keeps the
    chosen day)."""
    return tuple(report.sha256 or report.path for report in ingested.files)


def queue_day(ingested: Ingested) -> date:
    """Return the day the call list starts on: today for the user's data, the sample's own day
    for the sample agency."""
    return default_as_of(ingested) if using_sample(ingested) else clock.today()


def data_key(ingested: Ingested) -> tuple[str, ...]:
    """Return a key naming the data on screen (its files' digests, the profile applied and whose
    view it is), for caches of results: one person's view never answers for another's."""
    files = tuple(report.sha256 or report.path for report in ingested.files)
    return (files + ((f"profile:{profile_key(ingested.profile)}",) if ingested.profile else ())
            + views.view_key(ingested))


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _standing(_model: Model, key: tuple[str, ...], as_of: date) -> Progress:
    """Return every lead's standing on a day, computed once per data and day."""
    return progress(_model, as_of)


def standing(ingested: Ingested, as_of: date) -> Progress:
    """Return the leads' standing on the as-of day for the data on screen."""
    return _standing(ingested.model, data_key(ingested), as_of)


def stall_rules() -> StallRules:
    """Return the stall thresholds this session uses (DESIGN.md's defaults until edited)."""
    return st.session_state.get(STALL_RULES_KEY) or StallRules()


def set_stall_rules(rules: StallRules) -> None:
    """Use these stall rules, and keep them in the mapping profile so a saved profile has them."""
    st.session_state[STALL_RULES_KEY] = rules
    _keep_setting(STALL_RULES_KEY, rules.to_dict())


def ratio_pairs() -> tuple[RatioPair, ...]:
    """Return the nail-to-milestone pairs this session uses (DESIGN.md's defaults until edited)."""
    return st.session_state.get(RATIO_PAIRS_KEY) or DEFAULT_PAIRS


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _ledger(_model: Model, key: tuple[str, ...], credit: str, _team: Ledger | None) -> Ledger:
    return ledger(_model, credit, _team)


def credited(ingested: Ingested, credit: str) -> Ledger:
    """Return every nail and milestone credited to consultants, once per data and credit rule;
    in a consultant's view, against their team's median (the team's names left out)."""
    return _ledger(ingested.model, data_key(ingested), credit, views.team_ledger(ingested, credit))


def set_ratio_pairs(pairs: tuple[RatioPair, ...]) -> None:
    """Use these pairs, and keep them in the mapping profile."""
    st.session_state[RATIO_PAIRS_KEY] = pairs
    _keep_setting(RATIO_PAIRS_KEY, pairs_to_dicts(pairs))


def checkin_schedule() -> tuple[CheckinPoint, ...]:
    """Return the check-in schedule this session uses (DESIGN.md's default until edited)."""
    return st.session_state.get(SCHEDULE_KEY) or DEFAULT_SCHEDULE


def set_checkin_schedule(schedule: tuple[CheckinPoint, ...]) -> None:
    """Use this schedule, and keep it in the mapping profile."""
    st.session_state[SCHEDULE_KEY] = schedule
    _keep_setting(SCHEDULE_KEY, [point.to_dict() for point in schedule])


def _keep_setting(key: str, value: object) -> None:
    st.session_state[PROFILE_KEY] = with_settings(profile(), **{key: value})


def _use_settings(held: Profile) -> None:
    """Take the stall rules, schedule and ratio pairs a loaded profile carries."""
    settings = held.settings
    try:
        if isinstance(settings.get(STALL_RULES_KEY), dict):
            st.session_state[STALL_RULES_KEY] = StallRules.from_dict(settings[STALL_RULES_KEY])
        if isinstance(settings.get(SCHEDULE_KEY), list):
            st.session_state[SCHEDULE_KEY] = schedule_from_dicts(settings[SCHEDULE_KEY])
        if isinstance(settings.get(RATIO_PAIRS_KEY), list):
            st.session_state[RATIO_PAIRS_KEY] = pairs_from_dicts(settings[RATIO_PAIRS_KEY])
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("a profile's page settings could not be read; the defaults stay")


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _stalled(_model: Model, key: tuple[str, ...], as_of: date, rules: str) -> Stalled:
    return stalled_leads(_model, as_of, StallRules.from_dict(json.loads(rules)),
                         _standing(_model, key, as_of))


def stalled(ingested: Ingested, as_of: date) -> Stalled:
    """Return the stalled leads on the day under this session's rules, once per data and rules."""
    rules = json.dumps(stall_rules().to_dict(), sort_keys=True)
    return _stalled(ingested.model, data_key(ingested), as_of, rules)


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _aftercare(_model: Model, key: tuple[str, ...], as_of: date, schedule: str) -> Aftercare:
    return aftercare(_model, as_of, schedule_from_dicts(json.loads(schedule)))


def aftercare_on(ingested: Ingested, as_of: date) -> Aftercare:
    """Return every placement's check-ins on the day under this session's schedule."""
    return _aftercare(ingested.model, data_key(ingested), as_of, _schedule_key())


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _queue(_model: Model, key: tuple[str, ...], day: date, schedule: str):
    return call_queue(_model, day, standing=_standing(_model, key, day),
                      care=_aftercare(_model, key, day, schedule))


def queue(ingested: Ingested, day: date):
    """Return the calls to make on a day, once per data, day and check-in schedule."""
    return _queue(ingested.model, data_key(ingested), day, _schedule_key())


def _schedule_key() -> str:
    """Return this session's check-in schedule as text, a cache key."""
    return json.dumps([point.to_dict() for point in checkin_schedule()])


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _client_book(_model: Model, key: tuple[str, ...], as_of: date) -> ClientBook:
    return build_client_book(_model, as_of, _standing(_model, key, as_of))


def client_book(ingested: Ingested, as_of: date) -> ClientBook:
    """Return the client tables for the data on screen and the day, built once per both."""
    return _client_book(ingested.model, data_key(ingested), as_of)
