"""Benchmarking groups: each kind of indicator gets the interval that fits it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from insight import stats
from insight.analysis import benchmark as compare
from insight.model import Grouping, Indicator, Place


def small_place() -> Place:
    """Eight square areas in two groups, with a proportion, a count and a time indicator."""
    areas = gpd.GeoDataFrame(
        {
            "code": [f"A{i}" for i in range(8)],
            "name": [f"Area {i}" for i in range(8)],
            "lad_code": ["N"] * 4 + ["S"] * 4,
            "lad_name": ["North"] * 4 + ["South"] * 4,
            "smokers": [10.0, 12, 8, 10, 30, 28, 32, 30],
            "adults": [100.0] * 8,
            "share": [10.0, 12, 8, 10, 30, 28, 32, 30],
            "admissions": [2.0, 3, 2, 3, 9, 8, 9, 10],
            "minutes": [10.0, 11, 12, 13, 30, 31, 32, 33],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(8)],
        crs=27700,
    )
    indicators = {
        "share": Indicator(
            "share",
            "Smokers",
            "%",
            "proportion",
            "low_is_good",
            numerator="smokers",
            denominator="adults",
            multiplier=100,
        ),
        "admissions": Indicator("admissions", "Admissions", "a year", "count", "neutral"),
        "minutes": Indicator("minutes", "Minutes", "minutes", "time", "low_is_good"),
    }
    return Place(
        "t",
        "Test",
        "area",
        areas,
        indicators,
        {"lad": Grouping("lad", "Authority", "authorities")},
        benchmark_name="Everywhere",
    )


def test_proportions_use_group_totals_and_wilson_intervals():
    result = compare.benchmark_groups(small_place(), "share", "lad")
    north = result.table.set_index("code").loc["N"]
    lower, upper = stats.wilson_ci(40, 400)
    assert north["value"] == pytest.approx(10.0)
    assert (north["lower"], north["upper"]) == pytest.approx((lower * 100, upper * 100))
    assert result.benchmark == pytest.approx(20.0)
    assert (
        north["rating"] == "Better" and result.table.set_index("code").loc["S", "rating"] == "Worse"
    )


def test_counts_are_per_area_with_byars_or_exact_interval_of_the_total():
    result = compare.benchmark_groups(small_place(), "admissions", "lad")
    table = result.table.set_index("code")
    assert table.loc["N", "value"] == pytest.approx(2.5)
    assert table.loc["N", "method"] == "Byars"  # total 10 events
    lower, upper = stats.byars_ci(10)
    assert table.loc["N", "lower"] == pytest.approx(lower / 4)
    assert table.loc["S", "rating"] == "Higher"  # neutral polarity: higher, not worse


def test_times_use_a_t_interval_of_the_mean_never_below_zero():
    result = compare.benchmark_groups(small_place(), "minutes", "lad")
    north = result.table.set_index("code").loc["N"]
    assert north["value"] == pytest.approx(11.5)
    assert north["lower"] >= 0 and north["lower"] < 11.5 < north["upper"]
    assert "t interval" in north["method"]


def test_codes_keep_the_order_asked_for():
    result = compare.benchmark_groups(small_place(), "minutes", "lad", codes=["S", "N"])
    assert result.table["code"].tolist() == ["S", "N"]


def test_area_ratings_exist_only_where_there_is_sampling_error():
    place = small_place()
    assert compare.area_ratings(place, "minutes") is None
    ratings = compare.area_ratings(place, "share")
    assert set(ratings) <= {"Better", "Similar", "Worse"}
    assert ratings.iloc[4] == "Worse"


@pytest.mark.parametrize("indicator_id", ["share", "admissions", "minutes"])
def test_funnel_limits_widen_as_groups_get_smaller(indicator_id):
    funnel = compare.funnel(small_place(), indicator_id, "lad")
    width = (funnel.limits["upper_99_8"] - funnel.limits["lower_99_8"]).to_numpy()
    assert np.all(np.diff(width) <= 1e-9)
    assert set(funnel.points["significance"]) <= set(stats.FUNNEL_LABELS) | {"Not compared"}


def test_spine_puts_the_benchmark_in_the_middle_and_best_to_the_right():
    spine = compare.spine(small_place(), "lad", "N")
    assert set(spine["indicator"]) == {"share", "admissions", "minutes"}
    minutes = spine.set_index("indicator").loc["minutes"]
    assert minutes["pos_value"] > 0.5  # shorter than the benchmark is better
    assert minutes["pos_best"] >= minutes["pos_value"]


@pytest.mark.slow
def test_demo_west_northamptonshire_thrombectomy_time_is_worse_than_england_and_wales(demo_place):
    result = compare.benchmark_groups(demo_place, "mt_minutes", "lad", codes=["E06000062"])
    row = result.table.iloc[0]
    assert row["name"] == "West Northamptonshire"
    assert row["rating"] == "Worse" and row["lower"] > result.benchmark
    assert isinstance(result.table, pd.DataFrame)
