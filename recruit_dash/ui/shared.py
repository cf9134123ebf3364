"""Results shared by the sessions looking at the same data, for as long as one of them is.

An uploaded file's parsed sheets and model are large (hundreds of megabytes at 50,000 leads). A
server cache would keep each for an hour after its last user left, so memory grew with every
distinct upload. Here each session holds what it uses (its last few results); sessions that
upload the same bytes share one result; when the last session holding a result ends, the result
goes with it.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import streamlit as st

T = TypeVar("T")


class _Held(Generic[T]):
    """One result, referenced strongly by the sessions holding it and weakly by the pool."""

    __slots__ = ("value", "__weakref__")

    def __init__(self, value: T):
        self.value = value


class SessionShared:
    """A pool of results by key, alive while some session holds them.

    `get` returns the live result for a key, or computes it once (sessions asking for the same
    key at the same moment wait for the one computing it) and, unless `keep` says no, shares it.
    Each session holds its last `per_session` results.
    """

    def __init__(self, name: str, per_session: int):
        self._session_key = f"_shared_{name}"
        self._per_session = per_session
        self._live: weakref.WeakValueDictionary[Hashable, _Held] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T],
            keep: Callable[[T], bool] = lambda value: True) -> T:
        held = self._live.get(key)
        if held is None:
            with self._lock:
                computing = self._computing.setdefault(key, threading.Lock())
            with computing:
                held = self._live.get(key)
                if held is None:
                    held = _Held(compute())
                    if keep(held.value):
                        self._live[key] = held
            with self._lock:
                self._computing.pop(key, None)
        if keep(held.value):
            self._hold(key, held)
        return held.value

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, key: Hashable) -> bool:
        """Whether some session holds the result for a key (so asking for it costs nothing)."""
        return key in self._live

    def _hold(self, key: Hashable, held: _Held) -> None:
        mine: OrderedDict = st.session_state.setdefault(self._session_key, OrderedDict())
        mine[key] = held
        mine.move_to_end(key)
        while len(mine) > self._per_session:
            mine.popitem(last=False)
