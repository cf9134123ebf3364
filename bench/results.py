"""bench/results.json: the benchmark's figures for scripts to read. Each part of `make bench`
(run.py, history.py, load.py, team_load.py) updates its own keys and keeps the others'."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def record(**figures) -> None:
    """Write these figures into bench/results.json, keeping the figures other parts wrote."""
    try:
        kept = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        kept = {}
    kept.update(figures)
    RESULTS.write_text(json.dumps(kept, indent=2) + "\n")
