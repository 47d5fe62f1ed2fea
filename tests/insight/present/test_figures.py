"""Static figures (matplotlib, geopandas) of findings and areas, on the real demo place."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from insight.errors import DataError
from insight.present import figures, maps

WEST_NORTHANTS, HARBOROUGH = "E06000062", "E07000131"


def along_border(place, grouping_id: str, code: str, other: str) -> list[str]:
    """Codes of the areas of ``code`` that touch group ``other``."""
    grouping = place.grouping(grouping_id)
    shapes = maps.group_shapes(place, grouping_id).set_index("code")
    near = shapes.loc[other, "geometry"].buffer(100)
    areas = place.areas
    inside = (areas[grouping.code_column] == code) & areas.intersects(near)
    return areas.loc[inside, "code"].tolist()


@pytest.fixture(scope="module")
def border_flag(demo_place) -> dict:
    return {
        "rank": 1,
        "kind": "border",
        "group_code": HARBOROUGH,
        "group_name": "Harborough",
        "other_code": WEST_NORTHANTS,
        "other_name": "West Northamptonshire",
        "effect": 12.0,
        "lower": 8.0,
        "upper": 16.0,
        "areas": 8,
        "affected": 40.0,
        "score": 1.0,
        "sentence": "In the areas of Harborough along the border with West Northamptonshire, "
        "the journey is 12 minutes longer (95% CI 8 to 16) than just across it.",
        "area_codes": along_border(demo_place, "lad", HARBOROUGH, WEST_NORTHANTS),
        "other_area_codes": along_border(demo_place, "lad", WEST_NORTHANTS, HARBOROUGH),
    }


def penalty_flag(place) -> dict:
    areas = place.areas
    chosen = areas[(areas["isdn_code"] == "east-midlands") & (areas["mt_penalty_isdn"] > 10)]
    return {
        "kind": "penalty",
        "group_code": "east-midlands",
        "group_name": "East Midlands",
        "effect": 20.0,
        "sentence": "Penalty.",
        "area_codes": chosen["code"].tolist(),
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
    import matplotlib as mpl

    with figures.af_style():
        assert mpl.rcParams["axes.spines.top"] is False
        assert mpl.rcParams["font.sans-serif"][0] == figures.FONT_FAMILY
    assert figures.SIDE_COLOURS == ("#12436D", "#F46A25")


def test_border_map_names_both_groups_and_hatches_the_areas(demo_place, border_flag):
    figure = figures.border_map(
        demo_place,
        "lad",
        HARBOROUGH,
        WEST_NORTHANTS,
        border_flag["area_codes"],
        border_flag["other_area_codes"],
        indicator_id="mt_minutes",
        areas_label="Areas along the border",
    )
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert any("Harborough" in t for t in texts)
    assert any("West" in t and "Northamptonshire" in t.replace("\n", " ") for t in texts)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("Harborough, with the") and "hatched" in t for t in legend)
    assert "The border" in legend
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched) == 2  # one hatched union per side: not colour alone
    assert any("km" in t for t in texts)  # scale bar


def test_border_map_rejects_unknown_group(demo_place):
    with pytest.raises(DataError, match="no local authority with code 'E99'"):
        figures.border_map(demo_place, "lad", "E99")


@pytest.mark.parametrize("kind", ["border", "penalty", "funnel", "spatial"])
def test_finding_figure_of_each_kind_renders(demo_place, border_flag, kind):
    if kind == "border":
        flag, grouping = border_flag, "lad"
    elif kind == "penalty":
        flag, grouping = penalty_flag(demo_place), "isdn"
    elif kind == "funnel":
        flag = {"kind": "funnel", "group_code": "wales", "group_name": "Wales", "sentence": "x"}
        grouping = "isdn"
    else:
        flag = {**border_flag, "kind": "spatial", "other_code": None, "other_area_codes": []}
        grouping = "lad"
    figure = figures.finding_figure(demo_place, flag, "mt_minutes", grouping)
    assert tuple(figure.get_size_inches()) == pytest.approx(figures.FIGURE_SIZE)
    png = figures.to_png(figure, dpi=72)
    width, height = Image.open(io.BytesIO(png)).size
    assert (width, height) == (
        round(figures.FIGURE_SIZE[0] * 72),
        round(figures.FIGURE_SIZE[1] * 72),
    )
    assert is_not_blank(png)
    chart = figure.axes[1]
    assert chart.get_title()  # every chart says what it shows
    alt = figures.finding_alt(demo_place, flag, "mt_minutes", grouping)
    assert flag["group_name"] in alt


def test_border_chart_puts_worse_side_first_with_the_interval(demo_place, border_flag):
    figure = figures.finding_figure(demo_place, border_flag, "mt_minutes", "lad")
    chart = figure.axes[1]
    labels = [t.get_text() for t in chart.get_yticklabels()]
    assert labels[-1].startswith("Difference")
    values = [t.get_text() for t in chart.texts]
    assert any("(" in v and " to " in v for v in values)  # the 95% CI written out
    alt = figures.finding_alt(demo_place, border_flag, "mt_minutes", "lad")
    assert "95% CI" in alt and "minutes" in alt


def test_finding_figure_needs_kind_and_group(demo_place):
    with pytest.raises(DataError, match="group_code"):
        figures.finding_figure(demo_place, {"kind": "border"}, "mt_minutes", "lad")
    with pytest.raises(DataError, match="no indicator 'nope'"):
        figures.finding_figure(demo_place, {"kind": "x", "group_code": "a"}, "nope", "lad")


def test_area_figure_names_the_area(demo_place):
    code = demo_place.areas.loc[demo_place.areas["lad_code"] == WEST_NORTHANTS, "code"].iloc[0]
    name = demo_place.areas.loc[demo_place.areas["code"] == code, "name"].iloc[0]
    figure = figures.area_figure(demo_place, code, "mt_minutes", "lad")
    texts = " ".join(t.get_text().replace("\n", " ") for t in figure.axes[0].texts)
    assert name in texts
    assert is_not_blank(figures.to_png(figure, dpi=60))
    assert name in figures.area_alt(demo_place, code, "mt_minutes", "lad")
    with pytest.raises(DataError, match="no area with code 'X1'"):
        figures.area_figure(demo_place, "X1", "mt_minutes", "lad")
