"""The coaching pack PDF: it opens, names the consultant, carries their figures and real charts."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE
from PIL import Image
from pypdf import PdfReader

from recruit_dash.model import ACTIVITIES, LEADS, MILESTONES, Model, conform
from recruit_dash.outputs.pack import coaching_pack, printable

AS_OF = date(2026, 11, 20)
START = date(2026, 8, 23)


@pytest.fixture(scope="module")
def sample() -> Model:
    from recruit_dash.ingest.pipeline import ingest_paths
    return ingest_paths([Path(SAMPLE)]).model


@pytest.fixture(scope="module")
def reader(sample) -> PdfReader:
    return PdfReader(io.BytesIO(coaching_pack(sample, "Emma Lawson", START, AS_OF, AS_OF)))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pack_opens_and_names_the_consultant_and_their_figures(reader, sample):
    text = text_of(reader)
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4 portrait
    assert "Coaching pack: Emma Lawson" in text
    starts = sample.milestones[(sample.milestones["stage"] == "started")
                               & sample.milestones["reached_on"].between(pd.Timestamp(START),
                                                                         pd.Timestamp(AS_OF))]
    owned = sample.leads.loc[sample.leads["consultant"] == "Emma Lawson", "lead_id"]
    placements = starts["lead_id"].isin(owned).sum()
    assert f"Placements (starts) {placements}" in text
    for heading in ("Nails per milestone against the team", "What changed since the previous",
                    "Activity by week", "Their funnel against the team", "Targets for"):
        assert heading in text


def test_the_charts_are_images_that_are_not_blank(reader):
    images = [image for page in reader.pages for image in page.images]
    assert len(images) >= 3
    for image in images:
        pixels = np.asarray(Image.open(io.BytesIO(image.data)).convert("L"), dtype=float)
        assert pixels.std() > 5  # a blank page would be one flat colour


def test_a_name_the_font_cannot_draw_does_not_break_the_pack():
    name = "Zoë Łukasiewicz 王小明 🙂"
    leads = conform(pd.DataFrame({"lead_id": ["L1"], "consultant": [name], "outcome": ["open"]}),
                    LEADS)
    milestones = conform(pd.DataFrame({"lead_id": ["L1"], "stage": ["shortlist"],
                                       "reached_on": ["2026-11-02"]}), MILESTONES)
    activities = conform(pd.DataFrame({"consultant": [name], "on": ["2026-11-02"],
                                       "kind": ["call"], "count": [30]}), ACTIVITIES)
    model = Model(leads=leads, milestones=milestones, activities=activities)
    text = text_of(PdfReader(io.BytesIO(coaching_pack(model, name, START, AS_OF, AS_OF))))
    assert "Zoë Łukasiewicz" in text
    assert printable("王\x07") == "?"


def test_an_unknown_consultant_is_named_in_the_error(sample):
    with pytest.raises(ValueError, match="No consultant called 'Nobody'"):
        coaching_pack(sample, "Nobody", START, AS_OF, AS_OF)
