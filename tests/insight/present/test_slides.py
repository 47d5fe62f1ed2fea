"""Slides of real findings and areas: PPTX, PDF and PNG with the same layout and text."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import zipfile

import numpy as np
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from insight.analysis import benchmark, findings
from insight.errors import DataError
from insight.explain import fmt_value
from insight.present import slides as present_slides
from insight.present.slides import SlideItem
from insight.spatial.index import AreaIndex

OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right"
ONS_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0"
)
WEST_NORTHANTS = "E06000062"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index(demo_place) -> AreaIndex:
    return AreaIndex(demo_place.areas)


@pytest.fixture(scope="module")
def found(demo_place, index) -> findings.Findings:
    """Real findings: boundary penalties at stroke-network borders (borders and funnels)."""
    return findings.findings(demo_place, "mt_penalty_isdn", "isdn", index=index)


@pytest.fixture(scope="module")
def slides(demo_place, found, index) -> list[present_slides.Slide]:
    return present_slides.findings_to_slides(demo_place, found, 2, index, date="1 April 2025")


def test_findings_become_slides_in_rank_order(slides, found):
    assert [s.sentence for s in slides] == [f.sentence for f in found.items[:2]]
    first, finding = slides[0], found.items[0]
    assert first.title.startswith(f"{finding.label}: {finding.group_name}")
    assert OS_ATTRIBUTION in first.attribution and ONS_ATTRIBUTION in first.attribution
    assert first.date == "1 April 2025"
    assert finding.group_name in first.alt
    assert first.png(dpi=30)[:4] == b"\x89PNG"


def test_slide_alt_text_states_the_findings_own_numbers(demo_place, found, index):
    """The chart on a slide draws the finding's numbers: its alt text says them."""

    indicator = demo_place.indicator("mt_penalty_isdn")
    for finding in found.items[:4]:
        alt = present_slides.finding_slide(demo_place, finding, index).alt
        if finding.kind == "border":
            assert fmt_value(finding.value, indicator) in alt
            assert fmt_value(finding.benchmark, indicator) in alt
        if finding.kind == "funnel":
            assert fmt_value(finding.benchmark, indicator) in alt


def test_findings_to_slides_limits_and_checks(demo_place, found, index):
    assert len(present_slides.findings_to_slides(demo_place, found, 1, index)) == 1
    empty = findings.Findings("mt_minutes", "isdn", ())
    assert present_slides.findings_to_slides(demo_place, empty, 5, index) == []
    with pytest.raises(DataError, match="limit must be a whole number"):
        present_slides.findings_to_slides(demo_place, found, 0, index)


def test_area_and_item_slides(demo_place, found, index):
    code = demo_place.areas.loc[demo_place.areas["lad_code"] == WEST_NORTHANTS, "code"].iloc[0]
    slide = present_slides.area_slide(
        demo_place, code, "mt_minutes", "lad", index, date="2 May 2025"
    )
    assert "West Northamptonshire" in slide.sentence and "minutes" in slide.sentence
    comparison = benchmark.compare_groups(demo_place, "mt_minutes", "lad")

    group_value = comparison.subset([WEST_NORTHANTS]).table["value"].iloc[0]
    indicator = demo_place.indicator("mt_minutes")
    assert fmt_value(group_value, indicator) in slide.alt  # the value Compare shows
    assert fmt_value(comparison.benchmark, indicator) in slide.alt
    item = SlideItem("area", "mt_minutes", "lad", area_code=code)
    assert present_slides.item_slide(demo_place, item, date="2 May 2025").sentence == slide.sentence
    finding = found.items[0]
    finding_item = SlideItem.of_finding(finding)
    assert finding_item == SlideItem(
        "finding",
        "mt_penalty_isdn",
        "isdn",
        finding_kind=finding.kind,
        group_code=finding.group_code,
        other_code=finding.other_code or "",
        area_code=finding.area_codes[0],
    )
    chosen = present_slides.item_slide(demo_place, finding_item, lambda i, g: found, index)
    assert chosen.sentence == finding.sentence
    # a link made before findings kept one of their areas: any area of the group
    older = dataclasses.replace(finding_item, area_code="")
    assert present_slides.item_slide(demo_place, older, found, index).sentence == finding.sentence
    with pytest.raises(DataError, match="no longer among the findings"):
        present_slides.item_slide(
            demo_place, dataclasses.replace(finding_item, group_code="E99"), found, index
        )
    with pytest.raises(DataError, match="needs the findings"):
        present_slides.item_slide(demo_place, finding_item)


def is_not_blank(png: bytes) -> bool:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return pixels.std() > 10 and (pixels < 128).mean() > 0.005


def test_pptx_has_a_picture_and_the_sentence_on_every_slide(slides):

    deck = Presentation(io.BytesIO(present_slides.slides_to_pptx(slides)))
    assert len(deck.slides) == len(slides) == 2
    assert deck.slide_width * 9 == deck.slide_height * 16
    for page, slide in zip(deck.slides, slides, strict=True):
        pictures = [s for s in page.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        assert pictures[0]._element.nvPicPr.cNvPr.get("descr") == slide.alt
        texts = [s.text_frame.text for s in page.shapes if s.has_text_frame]
        assert slide.sentence in texts
        assert page.shapes.title.text_frame.text == slide.title
        footer = " ".join(texts)
        assert OS_ATTRIBUTION in footer and ONS_ATTRIBUTION in footer
        assert "1 April 2025" in footer
        assert slide.sentence in page.notes_slide.notes_text_frame.text
        sentence = next(
            s for s in page.shapes if s.has_text_frame and s.text_frame.text == slide.sentence
        )
        assert (
            sentence.text_frame.paragraphs[0].runs[0].font.size.pt >= 18
        )  # large type, smallest size


def test_pdf_first_page_renders_and_is_not_blank(slides, tmp_path):
    content = present_slides.slides_to_pdf(slides)
    assert content.startswith(b"%PDF-")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed: cannot render the PDF")
    pdf = tmp_path / "deck.pdf"
    pdf.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    (page,) = tmp_path.glob("page*.png")
    png = page.read_bytes()
    width, height = Image.open(io.BytesIO(png)).size
    assert width / height == pytest.approx(16 / 9, rel=0.01)
    assert is_not_blank(png)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
    if pages.returncode == 0:
        assert re.search(r"^Pages:\s+2$", pages.stdout, re.MULTILINE)


def test_png_slides_are_1920_by_1080_and_zip(slides):
    images = present_slides.slides_to_png(slides[:1])
    assert len(images) == 1
    assert Image.open(io.BytesIO(images[0])).size == (1920, 1080)
    assert is_not_blank(images[0])
    archive = zipfile.ZipFile(io.BytesIO(present_slides.slides_to_png_zip(slides[:1])))
    assert archive.namelist() == ["slide-01.png"]
    with pytest.raises(DataError, match="no slides"):
        present_slides.slides_to_png([])
