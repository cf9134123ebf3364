"""The quarterly review pack: a PDF of every part and a workbook of the same figures, both from one
computation; names drawn and stored as typed; any tracker gives a pack, never a traceback."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from test_properties import AS_OF_DAYS, trackers

from recruit_dash import formats
from recruit_dash.ingest.pipeline import ingest_files, ingest_paths
from recruit_dash.model import Model
from recruit_dash.outputs.export import EXCEL_MONEY_FORMAT
from recruit_dash.outputs.quarterly import (
    compared,
    quarterly_review,
    review_file_name,
    review_periods,
)
from recruit_dash.outputs.quarterly_pack import quarterly_pack, review_pdf
from recruit_dash.outputs.quarterly_workbook import quarterly_workbook, review_workbook

AS_OF = date(2026, 11, 20)  # the sample agency's last day: 51 days into Q4 2026
HEADINGS = ("Quarterly review: Q4 2026 to 20 Nov", "The quarter at a glance", "What it means",
            "Lead completion cohorts", "Speed: time in stage, this quarter against last",
            "Per consultant", "Nails per milestone", "Client experience",
            "Great Recruiter Score by consultant", "Lapsed clients", "Stalled leads on 20 Nov 2026",
            "The stalled leads to unstick first", "Aftercare: check-ins due in", "Fee forecast",
            "How these figures are counted")
FRACTION, DOLLARS, FORMULA = "$\\frac{1}{0}$ Ann", "Ann $$ Lee", '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def sample() -> Model:
    return ingest_paths([Path(SAMPLE)]).model


@pytest.fixture(scope="module")
def review(sample):
    return quarterly_review(sample, AS_OF)


@pytest.fixture(scope="module")
def pages(review) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(review_pdf(review))).pages]


@pytest.fixture(scope="module")
def workbook(review):
    return load_workbook(io.BytesIO(review_workbook(review)))


def lead_dates(model: Model, start: str, end: str) -> int:
    """Return the leads whose lead milestone is dated in a range, counted from the model itself."""
    leads = model.milestones[model.milestones["stage"] == "lead"]
    return leads.loc[leads["reached_on"].between(pd.Timestamp(start), pd.Timestamp(end)),
                     "lead_id"].nunique()


def test_the_pack_is_a4_with_every_part_in_order_and_the_rules_last(review, pages):
    reader = PdfReader(io.BytesIO(review_pdf(review)))
    assert len(pages) >= 5
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4 portrait
    text, place = "\n".join(pages), 0
    for heading in HEADINGS:  # each after the one before
        place = text.find(heading, place)
        assert place >= 0, heading
    assert pages[-1].startswith("How these figures are counted")
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 2  # the filled curve and the speed bars
    for image in images:
        pixels = np.asarray(Image.open(io.BytesIO(image.data)).convert("L"), dtype=float)
        assert pixels.std() > 5  # a blank chart would be one flat colour


def test_the_quarter_is_compared_with_the_whole_last_quarter_and_the_same_days_a_year_ago(
        sample, review, pages):
    quarter, previous, last_year = review_periods(AS_OF)
    assert (quarter.start, quarter.end) == (date(2026, 10, 1), AS_OF)
    assert (previous.start, previous.end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert (last_year.start, last_year.end) == (date(2025, 10, 1), date(2025, 11, 20))
    leads = review.glance.set_index("figure").loc["leads_generated"]
    now = lead_dates(sample, "2026-10-01", "2026-11-20")
    before = lead_dates(sample, "2026-07-01", "2026-09-30")
    year_ago = lead_dates(sample, "2025-10-01", "2025-11-20")
    assert (leads["this"], leads["previous"], leads["last_year"]) == (now, before, year_ago)
    assert leads["pace"] == round(now * 92 / 51)  # Q4 has 92 days, 51 of them so far
    row = (f"Leads generated {now} {leads['pace']:.0f} {before} "
           f"{formats.signed(leads['pace'] - before)} "
           f"{year_ago} {formats.signed(now - year_ago)}")
    assert row in pages[0]
    assert f"Leads generated: {now} in the first 51 days" in pages[0].replace("\n", " ")


def test_a_quarter_that_is_over_has_no_pace(sample):
    review = quarterly_review(sample, date(2026, 9, 30))
    assert not review.partial and review.glance["pace"].isna().all()
    assert review.previous.label == "Q2 2026" and review.last_year.label == "Q3 2025"
    assert not review.glance["meaning"].str.contains("pace").any()


@pytest.mark.parametrize(("now", "before", "kind", "words"), [
    (120, 100, "count", "up 20% on Q3 (100)"),
    (90, 100, "money", "down 10% on Q3 (£100)"),
    (100, 100, "count", "level with Q3 (100)"),
    (5, 0, "count", "up from none in Q3"),  # a rise from nothing is no percentage
    (0, 0, "count", "none in Q3 either"),
    (5, None, "count", "no figure for Q3 to compare"),
    (0.50, 0.45, "percent", "up 5 pts on Q3 (45%)"),
    (0.10, 0.09, "percent", "up 1 pt on Q3 (9%)"),
    (-7.0, -9.3, "score", "up 2 pts on Q3 (-9)"),
    (0.0, 0.2, "percent", "down 20 pts on Q3 (20%)"),
])
def test_a_change_reads_in_words(now, before, kind, words):
    assert compared(now, before, "Q3", kind) == words


def test_every_cohort_adds_up_and_open_leads_are_split_by_stage(review):
    cohorts = review.cohorts
    assert len(cohorts) == 12 and cohorts["month"].iloc[-1] == "2026-11"
    assert (cohorts["leads"] == cohorts[["filled", "lost", "on_hold", "open"]].sum(axis=1)).all()
    open_at = cohorts.filter(like="open_at:")
    assert (open_at.sum(axis=1) == cohorts["open"]).all()
    assert cohorts["share_filled"].between(0, 1).all()


def test_the_pdf_and_the_workbook_carry_the_same_figures(review, pages, workbook):
    glance = workbook["At a glance"]
    fees = next(row for row in glance.iter_rows(min_row=2) if row[0].value == "Fees from starts")
    expected = review.glance.set_index("figure").loc["fees", "this"]
    assert fees[1].value == expected and fees[1].number_format == EXCEL_MONEY_FORMAT
    assert formats.money(expected) in pages[0]
    forecast = workbook["Forecast"]
    assert forecast["B2"].value == pytest.approx(review.forecast["expected_fees"])
    assert forecast["B2"].number_format == EXCEL_MONEY_FORMAT
    assert formats.money(review.forecast["expected_fees"]) in "\n".join(pages)
    stalled = workbook["Stalled leads"]
    assert stalled.max_row - 1 == len(review.stalled)
    assert f"{len(review.stalled):,} of {review.open_leads:,} open leads are stalled" in "\n".join(
        pages)
    probabilities = [row[2].value for row in workbook["Forecast by stage"].iter_rows(min_row=2)]
    assert probabilities == [stage["probability"] for stage in review.forecast["by_stage"]]
    assert all(0 <= value <= 1 for value in probabilities if value is not None)


def test_the_workbook_has_values_only_dates_as_dates_and_money_as_money(workbook):
    assert len(workbook.sheetnames) >= 4
    assert workbook.sheetnames[:3] == ["Quarters compared", "At a glance", "Cohorts"]
    assert workbook.sheetnames[-1] == "Counting rules"
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    quarters = workbook["Quarters compared"]
    assert [cell.value for cell in quarters["C"][1:]] == [
        datetime(2026, 10, 1), datetime(2026, 7, 1), datetime(2025, 10, 1)]
    assert quarters["D2"].is_date and quarters["D2"].number_format == "DD/MM/YYYY"
    lapsed = workbook["Lapsed clients"]
    assert lapsed.max_row > 1 and all(cell.is_date for cell in lapsed["C"][1:])
    consultants = workbook["Consultants"]
    assert consultants["D1"].value.startswith("Fees")
    assert all(cell.number_format == EXCEL_MONEY_FORMAT for cell in consultants["D"][1:])
    assert all(cell.number_format == "0%" for cell in workbook["Cohorts"]["G"][1:])


def hostile_tracker() -> bytes:
    """Return a small tracker whose consultants are named with dollar signs and whose client
    starts like a formula (one of its leads stalled at CVs sent), in Q1 2025 and Q4 2024."""
    rows = [["Lead ID", "Consultant", "Client", "Status", "Date Added", "CVs Sent", "Start Date",
             "Fee"],
            ["L1", FRACTION, FORMULA, "Placed", "06/01/2025", "13/01/2025", "10/03/2025", "5000"],
            ["L2", DOLLARS, FORMULA, "CVs sent", "03/02/2025", "10/02/2025", "", "6000"],
            ["L3", DOLLARS, "<b>Bold</b> Ltd", "Placed", "04/11/2024", "11/11/2024",
             "02/12/2024", "4000"],
            ["L4", FRACTION, "Acme", "CVs sent", "05/03/2025", "12/03/2025", "", ""]]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def hostile() -> Model:
    return ingest_files([("hostile.csv", hostile_tracker())]).model


def test_names_with_dollar_signs_and_formulas_show_as_typed_in_the_pdf(hostile):
    text = "\n".join(page.extract_text()
                     for page in PdfReader(io.BytesIO(quarterly_pack(hostile,
                                                                     date(2025, 3, 31)))).pages)
    assert "Quarterly review: Q1 2025" in text
    for name in (FRACTION, DOLLARS):
        assert name in text
    # A long name wraps in its column; its characters are all there, in order.
    assert FORMULA in "".join(text.split())


def test_names_with_dollar_signs_and_formulas_are_inert_text_in_the_workbook(hostile):
    book = load_workbook(io.BytesIO(quarterly_workbook(hostile, date(2025, 3, 31))))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f" or cell.hyperlink]
    typed = {cell.value for cell in cells if cell.data_type == "s"}
    assert {FRACTION, DOLLARS, FORMULA, "<b>Bold</b> Ltd"} <= typed
    assert [cell.value for cell in book["Stalled leads"]["C"][1:]] == [FORMULA, "Acme"]


def test_the_file_name_says_which_quarter():
    assert review_file_name(AS_OF, "pdf") == "quarterly_review_2026Q4_to_20261120.pdf"
    assert review_file_name(date(2025, 3, 31), "xlsx") == "quarterly_review_2025Q1_to_20250331.xlsx"


def test_an_empty_model_gives_a_pack_that_says_there_is_nothing_to_show():
    text = "\n".join(page.extract_text() for page in
                     PdfReader(io.BytesIO(quarterly_pack(Model(), AS_OF))).pages)
    assert "No dated leads to group into cohorts." in text
    assert "How these figures are counted" in text
    book = load_workbook(io.BytesIO(quarterly_workbook(Model(), AS_OF)))
    assert book["Cohorts"].max_row == 1  # the headers, no rows


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tracker=trackers(), as_of=st.sampled_from(AS_OF_DAYS))
def test_any_tracker_gives_a_pack_and_a_workbook(tracker, as_of):
    model = ingest_files([tracker]).model
    review = quarterly_review(model, as_of)
    assert len(PdfReader(io.BytesIO(review_pdf(review))).pages) >= 5
    book = load_workbook(io.BytesIO(review_workbook(review)))
    assert not [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]
