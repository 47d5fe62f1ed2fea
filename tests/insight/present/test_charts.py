"""insight.present.charts: what each chart names, and that its legend matches its marks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from insight.analysis import benchmark
from insight.explain import FUNNEL_WORDS
from insight.present import charts

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from test_benchmark import many_groups, small_place  # noqa: E402


def test_spine_legend_shows_each_rating_with_its_own_marker():
    spine = benchmark.spine(small_place(), "lad", "N")
    fig = charts.spine_chart(spine, "North", "Everywhere")
    drawn = fig.data[2]  # the group's markers, one per indicator
    assert not drawn.showlegend
    legend = {t.name: (t.marker.symbol, t.marker.color) for t in fig.data[3:]}
    for rating, symbol, colour in zip(
        spine["rating"][::-1], drawn.marker.symbol, drawn.marker.color, strict=True
    ):
        assert legend[f"North: {rating.lower()}"] == (symbol, colour)
    assert len(legend) == spine["rating"].nunique()


def test_spine_rows_carry_full_titles_values_and_each_indicators_benchmark():
    spine = benchmark.spine(small_place(), "lad", "N")
    spine.loc[0, "title"] = "A very long indicator title that would be cut off on a phone"
    fig = charts.spine_chart(spine, "North", "Everywhere")
    labels = list(fig.data[0].y)
    long = next(label for label in labels if label.startswith("A very long"))
    assert "<br>" in long and "cut off on a phone" in " ".join(long.replace("<br>", " ").split())
    assert all(line.endswith(" ") for line in long.split("<br>")[:-1])  # read as words
    # the value and rating are a line of their own at the labels' size, never a subscript
    assert all("<br><b>" in label and "<sub>" not in label for label in labels)
    assert list(fig.layout.xaxis.ticktext) == ["Worst or lowest", "Everywhere", "Best or highest"]
    assert fig.layout.height >= 360
    # Benchmarks with different coverage: the centre is "Benchmark", each named on hover.
    spine.loc[0, "benchmark_name"] = "England"
    fig = charts.spine_chart(spine, "North", "Everywhere")
    assert fig.layout.xaxis.ticktext[1] == "Benchmark"
    assert "England" in {row[3] for row in fig.data[2].customdata}


def test_funnel_names_only_outliers_and_the_group_looked_at():
    result = benchmark.compare_groups(many_groups(shift=12.0), "share", "lad")
    table = result.table
    outliers = set(table.loc[table["funnel"].isin(["high", "low"]), "name"])
    assert outliers  # the shifted group is out of the limits
    looked_at = table.loc[table["funnel"] == "within"].iloc[0]
    fig = charts.funnel_plot(result, highlight=[looked_at["code"]])
    named = {text for trace in fig.data if trace.mode == "markers+text" for text in trace.text}
    assert named - {""} == outliers | {f"<b>{looked_at['name']}</b>"}
    statuses = [t for t in fig.data if t.mode == "markers+text" and "(chosen)" not in t.name]
    assert {t.name for t in statuses} <= set(FUNNEL_WORDS.values())
    # the group looked at is set apart: its own star, colour and legend entry
    (mine,) = [t for t in fig.data if t.name and "(chosen)" in t.name]
    assert mine.marker.symbol == "star" and mine.marker.color == charts.CHOSEN_COLOUR
    assert mine.name.startswith(f"{looked_at['name']} (chosen): within")


def test_funnel_labels_never_fall_on_one_another(demo_place):
    result = benchmark.compare_groups(demo_place, "admissions", "lad")
    fig = charts.funnel_plot(result, highlight=["E06000062"])
    points = [
        (x, y)
        for trace in fig.data
        if trace.mode == "markers+text"
        for x, y, text in zip(trace.x, trace.y, trace.text, strict=True)
        if text
    ]
    assert 2 <= len(points) <= charts.FUNNEL_LABELS + 1
    sizes = result.table["size"].dropna()
    width, height = sizes.max() - sizes.min(), result.table["value"].max() * 1.5
    for i, (x1, y1) in enumerate(points):
        for x2, y2 in points[i + 1 :]:
            assert abs(x1 - x2) / width >= 0.1 or abs(y1 - y2) / height >= 0.03


@pytest.mark.parametrize("name", ["<b>x</b>", "King's Lynn & West Norfolk"])
def test_names_are_escaped_once(name):
    spine = benchmark.spine(small_place(), "lad", "N")
    fig = charts.spine_chart(spine, name, "Everywhere")
    assert fig.layout.title.text.startswith(charts._t(name))
    assert "&amp;amp;" not in fig.layout.title.text
