"""Map classification and the files a map sends to the browser."""

from __future__ import annotations

import json

import numpy as np
import pytest

from insight.errors import DataError
from insight.present import maps


def test_quantiles_give_equal_numbers_and_nan_is_no_data():
    values = np.r_[np.arange(100.0), np.nan]
    result = maps.classify(values, "quantiles", k=5)
    counts = dict((label, n) for _, label, n in result.legend())
    assert counts["No data"] == 1
    assert all(n == 20 for label, n in counts.items() if label != "No data")
    assert len(set(result.colours)) == 5


def test_unknown_scheme_lists_the_allowed_ones():
    with pytest.raises(DataError, match="quantiles, natural_breaks, equal_interval, benchmark"):
        maps.classify([1, 2, 3], "rainbow")


def test_benchmark_scheme_without_intervals_falls_back_and_says_why():
    result = maps.classify([1.0, 2.0, 3.0], "benchmark", k=3)
    assert result.scheme == "quantiles" and "not rated against the benchmark" in result.note


def test_benchmark_scheme_orders_ratings_and_labels_them():
    result = maps.classify([1.0, 2, 3], "benchmark", ratings=["Worse", "Better", "Similar"])
    assert result.labels == ["Better", "Similar", "Worse"]
    assert result.classes.tolist() == [2, 0, 1]


@pytest.mark.slow
def test_local_map_file_is_small_escaped_and_in_wgs84(demo_place):
    rows = np.flatnonzero(demo_place.areas["lad_code"].eq("E06000062").to_numpy())
    result = maps.area_map(
        demo_place,
        "mt_minutes",
        area_rows=rows,
        outline_grouping="lad",
        service_types=("ivt", "mt"),
    )
    content = next(iter(result.files.values()))
    assert len(content) < 1_000_000
    features = json.loads(content)["features"]
    assert len(features) == len(rows)
    lon, lat = features[0]["geometry"]["coordinates"][0][0]
    assert -2 < lon < 0 and 51 < lat < 53
    assert len(result.table) == len(rows)


@pytest.mark.slow
def test_selected_area_is_an_extra_layer_not_a_new_map(demo_place):
    rows = np.flatnonzero(demo_place.areas["lad_code"].eq("E06000062").to_numpy())
    result = maps.area_map(demo_place, "mt_minutes", area_rows=rows)
    deck = maps.with_selected(result, demo_place, demo_place.areas["code"].iloc[rows[0]])
    assert [layer.id for layer in deck.layers][-1] == "selected"
    assert maps.with_selected(result, demo_place, None) is result.deck
