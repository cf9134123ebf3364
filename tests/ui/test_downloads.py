"""A download built on click is still there when the browser fetches it, however many other
sessions finish a rerun in between; after its grace period it is cleaned up as before."""

from __future__ import annotations

import pytest
from streamlit.runtime import media_file_manager
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from recruit_dash.ui import downloads


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def session(monkeypatch):
    monkeypatch.setattr(media_file_manager, "_get_session_id", lambda: "team-lead")


def _click(manager) -> str:
    """Render a deferred download button and click it: return the id the browser then fetches."""
    placeholder = manager.add_deferred(lambda: b"lead,stage\nAcme,CV sent\n", "text/csv",
                                       coordinates="1.2.3", file_name="stalled.csv")
    url = manager.execute_deferred(placeholder)
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def _other_sessions_rerun(manager, times: int) -> None:
    for _ in range(times):
        manager.remove_orphaned_files()


def test_without_the_grace_two_reruns_elsewhere_lose_the_file(session):
    """The race the grace period closes, shown on Streamlit's own manager."""
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    built = _click(manager)
    _other_sessions_rerun(manager, 2)
    assert manager.read_file(built) is None


def test_a_built_download_outlives_other_sessions_reruns(session):
    clock = Clock()
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    downloads.adopt(manager, clock)
    built = _click(manager)
    _other_sessions_rerun(manager, 50)
    clock.now += downloads.GRACE_S - 1
    _other_sessions_rerun(manager, 5)
    assert manager.read_file(built).content == b"lead,stage\nAcme,CV sent\n"


def test_after_the_grace_the_file_is_cleaned_up(session):
    clock = Clock()
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    downloads.adopt(manager, clock)
    built = _click(manager)
    clock.now += downloads.GRACE_S + 1
    _other_sessions_rerun(manager, 2)
    assert manager.read_file(built) is None
    assert not manager._kept_until


def test_adopting_twice_keeps_what_is_already_kept(session):
    clock = Clock()
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    downloads.adopt(manager, clock)
    built = _click(manager)
    downloads.adopt(manager, clock)
    _other_sessions_rerun(manager, 2)
    assert manager.read_file(built) is not None
