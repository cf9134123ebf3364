"""Deferred downloads that arrive on a busy server.

A download button whose file is built when clicked (a callable, so a 50,000-row table is not
written on every rerun) works in two steps: the click asks the server to build the file, the server
stores it and answers with its address, and the browser then fetches that address. Streamlit keeps
such a built file in no session's list, so the clean-up at the end of *any* session's rerun marks it
and the next one deletes it. With six people busy on one server, two reruns can end between the
answer and the fetch, and the browser's download is cancelled with nothing said (seen in the load
test: one download in six, in two runs of six).

`keep_built_downloads` gives each built file a grace period (a minute) in which the clean-up leaves
it alone; after that it goes as before, so memory is not held longer than a download takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from streamlit import runtime
from streamlit.runtime.media_file_manager import MediaFileManager

GRACE_S = 60.0


class KeptDownloads(MediaFileManager):
    """Streamlit's media file manager, keeping each built download for `GRACE_S` seconds."""

    _clock: Callable[[], float]
    _kept_until: dict[str, float]

    def __init__(self, storage, clock: Callable[[], float] = time.monotonic):
        super().__init__(storage)
        self._clock, self._kept_until = clock, {}

    def execute_deferred(self, file_id: str) -> str:
        url = super().execute_deferred(file_id)
        built = url.rsplit("/", 1)[-1].split(".", 1)[0]  # "/media/<id>.csv" names the file
        with self._lock:
            self._kept_until[built] = self._clock() + GRACE_S
        return url

    def _get_inactive_file_ids(self) -> set[str]:
        """The files no session shows and no download is still fetching (the lock is held)."""
        now = self._clock()
        for built in [built for built, until in self._kept_until.items() if until <= now]:
            del self._kept_until[built]
        return super()._get_inactive_file_ids() - self._kept_until.keys()


def adopt(manager: MediaFileManager, clock: Callable[[], float] = time.monotonic) -> None:
    """Make a running manager keep its built downloads (idempotent): its files stay as they are."""
    if isinstance(manager, KeptDownloads):
        return
    with manager._lock:
        manager._clock, manager._kept_until = clock, {}
        manager.__class__ = KeptDownloads


def keep_built_downloads() -> None:
    """Give this server's built downloads their grace period (no-op without a running server)."""
    if runtime.exists():
        adopt(runtime.get_instance().media_file_mgr)
