"""The bad-input corpus through the command line, as a user's script would run it: every file
gives a sentence (or its data) within 30 s and 1.5 GB, and nothing kills the process."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT
from make_hostile import HOSTILE

SECONDS, MEMORY_MB = 30, 1536

# Runs one command and reports its exit code, time and the peak memory of it and its children.
_MEASURE = r"""
import json, resource, subprocess, sys, time
started = time.monotonic()
run = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)
print(json.dumps({"rc": run.returncode, "seconds": time.monotonic() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "stdout": run.stdout, "stderr": run.stderr}))
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, dict]:
    """Return, per hostile file, what `inspect --json` did with it (run two at a time)."""
    import make_hostile

    paths = make_hostile.write_all(tmp_path_factory.mktemp("hostile"))

    def inspect(path: Path) -> dict:
        command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "recruit_dash",
                   "inspect", str(path), "--json"]
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=90)
        return json.loads(result.stdout)

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(paths, pool.map(inspect, paths.values()), strict=True))


def test_the_corpus_has_at_least_thirty_inputs():
    assert len(HOSTILE) >= 30
    assert len({item.name for item in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize("item", HOSTILE, ids=[item.name for item in HOSTILE])
def test_each_bad_input_gives_a_sentence_or_its_data_within_limits(outcomes, item):
    run = outcomes[item.name]
    assert run["seconds"] < SECONDS
    assert run["peak_mb"] < MEMORY_MB
    assert "Traceback" not in run["stderr"]
    document = json.loads(run["stdout"])
    file = document["files"][0]
    if item.outcome == "refused":
        assert file["ok"] is False and run["rc"] != 0
        assert file["error"] and file["error"].endswith(".")
        assert item.words in file["error"]
        assert str(Path("/tmp")) not in file["error"]  # names the file, not where it sat
    else:
        assert file["ok"] is True and run["rc"] == 0, file["error"]
        assert document["model"]["leads"] >= 1
        notes = " ".join(note for sheet in file["sheets"] for note in sheet["notes"])
        assert item.words in notes
        for sheet in file["sheets"]:
            assert sheet["rows_read"] == (sheet["rows_accepted"] + sheet["rows_quarantined"]
                                          + sheet["rows_blank"])


def test_an_external_entity_never_reads_a_local_file(outcomes):
    assert "root:" not in outcomes["external_entity.xlsx"]["stdout"]


def test_merged_cells_give_every_row_its_consultant(tmp_path):
    import make_hostile

    path = tmp_path / "merged.xlsx"
    path.write_bytes(make_hostile.merged_consultant())
    exported = subprocess.run([sys.executable, "-m", "recruit_dash", "export", "leads", str(path)],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert exported.stdout.count("Ann Lee") == 3
