"""How a figure reads wherever people see it (pages, packs, charts): one way to write a count,
money, a share and a change. A value that cannot be computed is a dash, never "None" or "nan";
a value that rounds to nothing is 0, never "-0"."""

from __future__ import annotations

import math

DASH = "–"
KINDS = ("count", "money", "percent", "score")
NO_CHANGE = "no change"


def missing(value: object) -> bool:
    """Return whether a value cannot be shown as a number (None, NA, NaN or infinite)."""
    if value is None:
        return True
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True
    return not math.isfinite(number)


def _whole(value: float) -> int:
    """Return the value rounded to a whole number, with no negative zero."""
    return int(round(float(value))) or 0


def count(value: object) -> str:
    """Return a count as people read it: 1,234."""
    return DASH if missing(value) else f"{_whole(value):,}"


def money(value: object) -> str:
    """Return pounds as people read them: £1,234, -£950."""
    if missing(value):
        return DASH
    whole = _whole(value)
    return f"{'-' if whole < 0 else ''}£{abs(whole):,}"


def percent(value: object) -> str:
    """Return a share (0.8936) as people read it: 89%."""
    return DASH if missing(value) else f"{_whole(float(value) * 100)}%"


def figure(value: object, kind: str = "count") -> str:
    """Return a figure of a kind (count, money, percent, score) as text."""
    if kind == "money":
        return money(value)
    if kind == "percent":
        return percent(value)
    if kind == "score" and not missing(value):
        whole = _whole(value)
        return f"{whole:+,}" if whole else "0"
    return count(value)


def moved(change: object, kind: str = "count") -> bool:
    """Return whether a change shows as a change once rounded the way it is written."""
    if missing(change):
        return False
    return _whole(float(change) * (100 if kind == "percent" else 1)) != 0


def signed(change: object, kind: str = "count") -> str:
    """Return a change with its sign first (a fall starts with "-", so it reads and colours as a
    fall): +12, -£8,950, +5 pts; "no change" when it rounds to nothing."""
    if missing(change):
        return DASH
    if not moved(change, kind):
        return NO_CHANGE
    if kind == "percent":
        return f"{_whole(float(change) * 100):+,} pts"
    whole = _whole(change)
    sign = "+" if whole > 0 else "-"
    return f"{sign}£{abs(whole):,}" if kind == "money" else f"{sign}{abs(whole):,}"


def signed_percent(ratio: object) -> str:
    """Return a relative change (0.28) with its sign: +28%."""
    if missing(ratio):
        return DASH
    whole = _whole(float(ratio) * 100)
    return f"{whole:+,}%" if whole else "0%"
