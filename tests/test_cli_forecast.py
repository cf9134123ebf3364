"""The fee forecast from the command line on the sample agency, as a user runs it:
`python -m recruit_dash report forecast FILE --json`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from conftest import ROOT, SAMPLE

from recruit_dash.ingest.pipeline import ingest_files
from recruit_dash.outputs import reports


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recruit_dash", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_forecast_is_a_report_kind_of_the_command_line():
    assert "forecast" in reports.KINDS
    assert "forecast" in run("report", "--help").stdout


@pytest.fixture(scope="module")
def document() -> dict:
    # No --as-of: the sample's own last day (today is pinned to the Monday after it).
    result = run("report", "forecast", str(SAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_report_forecast_prints_designs_json_with_chances_between_0_and_1(document):
    assert document["as_of"] == "2026-11-20"
    assert {"as_of", "expected_fees", "method", "by_stage", "by_consultant"} <= set(document)
    stages = document["by_stage"]
    assert stages and all(0 <= row["probability"] <= 1 for row in stages)
    assert all({"stage", "open_leads", "probability", "closed_leads_behind", "expected"} <= set(row)
               for row in stages)
    assert document["expected_fees"] == pytest.approx(sum(row["expected"] for row in stages))
    assert document["expected_fees"] == pytest.approx(
        sum(row["expected"] for row in document["by_consultant"]), abs=0.05)
    assert "median fee" in document["method"]
    assert document["gone_cold_leads"] > 0
    assert f"{document['gone_cold_leads']:,} open leads had no progress for more than 90 days" in (
        document["method"])


def test_the_command_line_prints_what_the_engine_computes(document):
    model = ingest_files([(SAMPLE.name, SAMPLE.read_bytes())]).model
    assert document == reports.report("forecast", model, as_of=date(2026, 11, 20))


def test_an_earlier_as_of_date_forecasts_from_what_was_known_then():
    result = run("report", "forecast", str(SAMPLE), "--as-of", "2026-03-31", "--json")
    assert result.returncode == 0, result.stderr
    earlier = json.loads(result.stdout)
    assert earlier["as_of"] == "2026-03-31" and earlier["window"]["to"] == "2026-03-31"
    assert earlier["expected_fees"] > 0
