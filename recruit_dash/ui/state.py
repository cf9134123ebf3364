"""The app's data: the user's uploads or the bundled sample, ingested once per content.

Session state has one owner, this module: `uploads` holds (name, bytes) pairs of this session.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import streamlit as st

from recruit_dash.aftercare import (
    DEFAULT_SCHEDULE,
    Aftercare,
    CheckinPoint,
    aftercare,
    schedule_from_dicts,
)
from recruit_dash.clients import ClientBook
from recruit_dash.clients import client_book as build_client_book
from recruit_dash.funnel import Progress, progress
from recruit_dash.ingest import FileReport, Ingested, ingest_files
from recruit_dash.isolation import ingest_file_isolated
from recruit_dash.metrics import data_as_of
from recruit_dash.model import Model
from recruit_dash.queue import call_queue
from recruit_dash.ratios import DEFAULT_PAIRS, RatioPair
from recruit_dash.stalled import Stalled, StallRules, stalled_leads

SAMPLE_PATH = Path(__file__).resolve().parents[2] / "sample_data" / "lead_tracker.xlsx"
UPLOADS_KEY = "uploads"
AS_OF_KEY = "as_of"
AS_OF_WIDGET_KEY = "sidebar_as_of"
STALL_RULES_KEY = "stall_rules"
RATIO_PAIRS_KEY = "ratio_pairs"
SCHEDULE_KEY = "checkin_schedule"
UPLOAD_TYPES = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv"]

log = logging.getLogger(__name__)


@st.cache_data(max_entries=32, ttl=3600, show_spinner="Reading the file…")
def _ingest_one(name: str, data: bytes):
    """Return one file's report and frames; the cache key is the file's own bytes, so a result is
    only ever handed to a session that uploaded those very bytes."""
    try:
        return ingest_file_isolated(name, data)
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
    # New data starts at its own last day: forget the chosen date and the date widget's value.
    st.session_state.pop(AS_OF_KEY, None)
    st.session_state.pop(AS_OF_WIDGET_KEY, None)


def using_sample() -> bool:
    """Return whether the app shows the bundled sample agency."""
    return not uploads()


# A shared resource, not a copy per rerun: the core never mutates its inputs, and the key is the
# files' own bytes, so a session only ever gets data it uploaded itself.
@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def _ingest_all(files: tuple[tuple[str, bytes], ...]) -> Ingested:
    """Return the model of several files together, each distinct file read once."""
    return ingest_files(list(files), read_file=_ingest_one)


def current() -> Ingested:
    """Return the ingested data this session is looking at."""
    files = uploads() or [(SAMPLE_PATH.name, SAMPLE_PATH.read_bytes())]
    return _ingest_all(tuple(files))


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def _last_day(_model: Model, key: tuple[str, ...], today: date) -> date:
    """Return the data's last day (not after today), computed once per data."""
    return data_as_of(_model, today)


def as_of(ingested: Ingested) -> date:
    """Return the as-of date chosen in the sidebar, defaulting to the data's last day."""
    return st.session_state.get(AS_OF_KEY) or _last_day(ingested.model, data_key(ingested),
                                                         date.today())


def data_key(ingested: Ingested) -> tuple[str, ...]:
    """Return a key naming the data on screen (its files' digests), for caches of results."""
    return tuple(report.sha256 or report.path for report in ingested.files)


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
    st.session_state[STALL_RULES_KEY] = rules


def ratio_pairs() -> tuple[RatioPair, ...]:
    """Return the nail-to-milestone pairs this session uses (DESIGN.md's defaults until edited)."""
    return st.session_state.get(RATIO_PAIRS_KEY) or DEFAULT_PAIRS


def set_ratio_pairs(pairs: tuple[RatioPair, ...]) -> None:
    st.session_state[RATIO_PAIRS_KEY] = pairs


def checkin_schedule() -> tuple[CheckinPoint, ...]:
    """Return the check-in schedule this session uses (DESIGN.md's default until edited)."""
    return st.session_state.get(SCHEDULE_KEY) or DEFAULT_SCHEDULE


def set_checkin_schedule(schedule: tuple[CheckinPoint, ...]) -> None:
    st.session_state[SCHEDULE_KEY] = schedule


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _stalled(_model: Model, key: tuple[str, ...], as_of: date, rules: str) -> Stalled:
    return stalled_leads(_model, as_of, StallRules.from_dict(json.loads(rules)))


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
    return call_queue(_model, day,
                      care=aftercare(_model, day, schedule_from_dicts(json.loads(schedule))))


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
