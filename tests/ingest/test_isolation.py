"""Parsing in a child process: failures become sentences, results come back whole, and several
users uploading at once all get their own data."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import make_hostile
from conftest import SAMPLE

from recruit_dash.ingest.isolation import ingest_file_isolated
from recruit_dash.ingest.pipeline import ingest_file


def test_the_isolated_result_equals_the_in_process_one():
    data = SAMPLE.read_bytes()
    isolated_report, isolated = ingest_file_isolated("lead_tracker.xlsx", data)
    report, direct = ingest_file("lead_tracker.xlsx", data)
    assert isolated_report.ok and [s.rows_accepted for s in isolated_report.sheets] == [
        s.rows_accepted for s in report.sheets]
    assert isolated["leads"].equals(direct["leads"])


def test_a_reader_crash_becomes_a_sentence_and_this_process_lives_on():
    report, tables = ingest_file_isolated("far.xlsx", make_hostile.lying_dimension())
    assert report.ok is False and tables == {}
    assert report.error.startswith("'far.xlsx' asks for more memory than a lead tracker needs")


def test_a_slow_parse_is_stopped_at_the_time_limit():
    report, _ = ingest_file_isolated("slow.xlsx", SAMPLE.read_bytes(), seconds=0.01)
    assert report.ok is False and "took more than" in report.error


def test_two_users_uploading_at_once_both_get_their_own_data():
    files = [("a.xlsx", SAMPLE.read_bytes()), ("b.csv", make_hostile.csv_bytes(
        [make_hostile.HEADER, *make_hostile.ROWS]))]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda file: ingest_file_isolated(*file), files * 2))
    assert all(report.ok for report, _ in results)
    assert [len(tables["leads"]) for _, tables in results] == [1700, 2, 1700, 2]
