"""What a sheet's cells read as, kept while the sheet is open: a change of mapping reads the
same cells again, so each column's evidence, dates and names are worked out once per sheet."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

import pandas as pd

T = TypeVar("T")


class CellMemo:
    """Results computed from a sheet's cells alone (never from its mapping), by key.

    A key names the work and everything it depends on besides the cells: the header row, the
    rows kept, the column. Two sessions reading one sheet at once may both compute a result;
    they get the same one.
    """

    def __init__(self) -> None:
        self._kept: dict[Hashable, object] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._kept:
                return self._kept[key]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            return self._kept.setdefault(key, value)  # type: ignore[return-value]


def remembered(memo: CellMemo | None, key: Hashable, compute: Callable[[], T]) -> T:
    """Return compute()'s result, kept in the memo when there is one."""
    return compute() if memo is None else memo.get(key, compute)


def rows_key(frame: pd.DataFrame | pd.Series) -> tuple[int, int]:
    """Return a key for which rows a frame holds (their count and a hash of their labels)."""
    labels = frame.index.to_numpy()
    return len(labels), int(pd.util.hash_array(labels).sum()) if len(labels) else 0
