"""Static figures (matplotlib, geopandas) of findings and areas, on the real demo place."""

from __future__ import annotations

import io

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from PIL import Image

from insight.analysis.findings import Finding, findings
from insight.analysis.profile import area_summary
from insight.errors import DataError
from insight.explain import fmt_value
from insight.present import figures, maps
from insight.spatial.index import AreaIndex

WEST_NORTHANTS = "E06000062"


@pytest.fixture(scope="module")
def index(demo_place) -> AreaIndex:
    return AreaIndex(demo_place.areas)


@pytest.fixture(scope="module")
def examples(demo_place, index) -> dict[str, Finding]:
    """A real finding of each kind from the demo."""

    def first(indicator_id: str, grouping_id: str, kind: str) -> Finding:
        found = findings(demo_place, indicator_id, grouping_id, kinds=[kind], index=index)
        return found.items[0]

    return {
        "border": first("mt_penalty_isdn", "isdn", "border"),
        "penalty": first("mt_minutes", "isdn", "penalty"),
        "funnel": first("admissions", "lad", "funnel"),
        "spatial": first("ivt_minutes", "lad", "spatial"),
    }


def is_not_blank(png: bytes) -> bool:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return pixels.std() > 10 and (pixels < 128).mean() > 0.01


pytestmark = pytest.mark.slow


def test_text_width_and_wrapping():
    assert figures.text_width("abc", 20) > figures.text_width("abc", 10)
    assert figures.text_width("abc", 12, bold=True) >= figures.text_width("abc", 12)
    lines = figures.wrap_to_width("one two three four five six", 1.0, 14)
    assert len(lines) > 1
    assert all(figures.text_width(line, 14) <= 1.0 for line in lines)
    assert figures.wrap_to_width("a\nb", 5, 12) == ["a", "b"]


def test_af_style_is_the_afcharts_style():

    with figures.af_style():
        assert mpl.rcParams["axes.spines.top"] is False
        assert mpl.rcParams["font.sans-serif"][0] == figures.FONT_FAMILY
    assert figures.SIDE_COLOURS == ("#F46A25", "#12436D")  # the finding's side, the other


def test_border_map_names_both_groups_and_hatches_the_areas(demo_place, index, examples):
    finding = examples["border"]
    figure = figures.border_map(
        demo_place,
        index,
        "isdn",
        finding.group_code,
        finding.other_code,
        finding.area_codes,
        finding.other_area_codes,
        indicator_id="mt_minutes",
        areas_label="Areas along the border",
    )
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    texts = [t.get_text().replace("\n", " ") for t in ax.texts]
    assert any(finding.group_name.split()[0] in t for t in texts)
    assert any(finding.other_name.split()[0] in t for t in texts)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith(f"{finding.group_name}, with the") and "hatched" in t for t in legend)
    assert "The border" in legend
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched) == 2  # one hatched union per side: not colour alone
    assert any("km" in t for t in texts)  # scale bar


def test_border_map_rejects_unknown_group(demo_place, index):
    with pytest.raises(DataError, match="no local authority with code 'E99'"):
        figures.border_map(demo_place, index, "lad", "E99")


@pytest.mark.parametrize("kind", ["border", "penalty", "funnel", "spatial"])
def test_finding_figure_of_each_kind_renders(demo_place, index, examples, kind):
    finding = examples[kind]
    figure = figures.finding_figure(demo_place, finding, index)
    assert tuple(figure.get_size_inches()) == pytest.approx(figures.FIGURE_SIZE)
    png = figures.to_png(figure, dpi=72)
    width, height = Image.open(io.BytesIO(png)).size
    assert (width, height) == (
        round(figures.FIGURE_SIZE[0] * 72),
        round(figures.FIGURE_SIZE[1] * 72),
    )
    assert is_not_blank(png)
    chart = figure.axes[1]
    assert chart.get_title().replace("\n", " ") == finding.chart.title  # says what it shows
    alt = figures.finding_alt(demo_place, finding, index)
    assert finding.group_name in alt


def test_border_chart_draws_the_findings_numbers(demo_place, index, examples):
    finding = examples["border"]
    indicator = demo_place.indicator(finding.indicator)
    figure = figures.finding_figure(demo_place, finding, index)
    chart = figure.axes[1]
    labels = [t.get_text() for t in chart.get_yticklabels()]
    assert labels[-1].startswith("Difference")
    values = [t.get_text() for t in chart.texts]
    assert any("(" in v and " to " in v for v in values)  # the 95% CI written out
    alt = figures.finding_alt(demo_place, finding, index)
    assert "95% CI" in alt and "minutes" in alt
    for number in (finding.value, finding.benchmark, finding.effect):
        assert fmt_value(number, indicator) in alt


def test_penalty_chart_counts_the_findings_areas(demo_place, index, examples):
    finding = examples["penalty"]
    alt = figures.finding_alt(demo_place, finding, index)
    assert f"{finding.areas:,} areas" in alt or f"{finding.areas} area" in alt


def test_area_figure_names_the_area(demo_place, index):
    code = demo_place.areas.loc[demo_place.areas["lad_code"] == WEST_NORTHANTS, "code"].iloc[0]
    summary = area_summary(demo_place, code, "mt_minutes", "lad")
    figure = figures.area_figure(demo_place, summary, "mt_minutes", "lad", index)
    texts = " ".join(t.get_text().replace("\n", " ") for t in figure.axes[0].texts)
    assert summary.name in texts
    assert is_not_blank(figures.to_png(figure, dpi=60))
    assert summary.name in figures.area_alt(summary, demo_place.indicator("mt_minutes"))


def test_the_page_map_and_the_slide_colour_a_finding_the_same_way(demo_place, index, examples):
    """Lottery's map and the slide (PDF, PowerPoint) of one finding: the finding's side is
    one colour on both, the other side the other."""
    finding = examples["border"]
    page = maps.flag_map(demo_place, finding, index, static_url="x").classification.legend()
    on_page = {label: colour for colour, label, _ in page}
    slide = figures.finding_figure(demo_place, finding, index).axes[0].get_legend()
    on_slide = {
        t.get_text(): to_hex(h.get_edgecolor()).upper()
        for t, h in zip(slide.get_texts(), slide.legend_handles, strict=True)
        if hasattr(h, "get_edgecolor")
    }
    mine = next(c for t, c in on_slide.items() if t.startswith(f"{finding.group_name}, with"))
    theirs = next(c for t, c in on_slide.items() if t.startswith(f"{finding.other_name}, with"))
    assert on_page[f"Areas of {finding.group_name} in this finding"].upper() == mine
    assert on_page[f"Areas just across, in {finding.other_name}"].upper() == theirs
    assert mine != theirs
