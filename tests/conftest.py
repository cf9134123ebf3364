"""Shared fixtures: the small tracker files, written once per test session."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import make_fixtures  # noqa: E402

# Tests never touch the user's upload history: every run gets its own, thrown away afterwards.
os.environ["RECRUIT_DASH_DB"] = str(Path(tempfile.mkdtemp(prefix="recruit-dash-test-")) / "history.duckdb")

# No test reads the wall clock: "today" is pinned for the whole run, the app's servers included
# (recruit_dash.clock honours it), to the Monday after the sample agency's last day.
PINNED_TODAY = "2026-11-23"
os.environ["RECRUIT_DASH_TODAY"] = PINNED_TODAY

SAMPLE = ROOT / "sample_data" / "lead_tracker.xlsx"
SAMPLE_PREV = ROOT / "sample_data" / "lead_tracker_prev_week.xlsx"


@pytest.fixture(scope="session")
def fixture_files(tmp_path_factory) -> dict[str, Path]:
    """Return the paths of every small fixture file."""
    return make_fixtures.write_all(tmp_path_factory.mktemp("fixtures"))


@pytest.fixture
def history(tmp_path, monkeypatch):
    """Yield the path of an upload history of the test's own, used by the app through
    RECRUIT_DASH_DB, and release it afterwards."""
    from recruit_dash.history.duckdb_store import release

    path = tmp_path / "history.duckdb"
    monkeypatch.setenv("RECRUIT_DASH_DB", str(path))
    yield path
    release(path)
