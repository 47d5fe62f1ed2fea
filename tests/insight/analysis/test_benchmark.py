"""Benchmarking groups: each kind of indicator gets the interval that fits it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from insight import stats
from insight.analysis import benchmark
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
    result = benchmark.compare_groups(small_place(), "share", "lad")
    north = result.table.set_index("code").loc["N"]
    lower, upper = stats.wilson_ci(40, 400)
    assert north["value"] == pytest.approx(10.0)
    assert (north["lower"], north["upper"]) == pytest.approx((lower * 100, upper * 100))
    assert result.benchmark == pytest.approx(20.0)
    assert (
        north["rating"] == "Better" and result.table.set_index("code").loc["S", "rating"] == "Worse"
    )


def test_counts_are_per_area_with_byars_or_exact_interval_of_the_total():
    result = benchmark.compare_groups(small_place(), "admissions", "lad")
    table = result.table.set_index("code")
    assert table.loc["N", "value"] == pytest.approx(2.5)
    lower, upper = stats.byars_ci(10)  # total 10 events
    assert table.loc["N", "lower"] == pytest.approx(lower / 4)
    assert table.loc["N", "expected"] == pytest.approx(4 * result.benchmark)
    # a count with no population behind it is never rated: more areas, more admissions
    assert set(table["rating"]) == {"Not compared"}


def test_times_have_the_spread_of_their_areas_not_a_confidence_interval():
    result = benchmark.compare_groups(small_place(), "minutes", "lad")
    north = result.table.set_index("code").loc["N"]
    assert north["value"] == pytest.approx(11.5)
    assert (north["lower"], north["upper"]) == pytest.approx((10.3, 12.7))  # 10th, 90th centile
    assert "no confidence interval" in result.method
    assert north["rating"] == "Shorter"  # by size: 11.5 against 21.5 minutes
    assert set(result.table["funnel"]) == {"n/a"} and result.limits.empty


def test_subset_keeps_the_order_asked_for_and_the_benchmark():
    result = benchmark.compare_groups(small_place(), "minutes", "lad")
    chosen = result.subset(["S", "nope", "N"])
    assert chosen.table["code"].tolist() == ["S", "N"]
    assert chosen.benchmark == result.benchmark


def test_weighted_mean_where_weights_exist_else_per_area():
    place = small_place()
    place.areas["people"] = [1.0, 1, 1, 97, np.nan, np.nan, np.nan, np.nan]
    place.indicators["minutes"] = Indicator(
        "minutes", "Minutes", "minutes", "time", "low_is_good", weight="people"
    )
    table = benchmark.compare_groups(place, "minutes", "lad").table.set_index("code")
    assert table.loc["N", "value"] == pytest.approx((10 + 11 + 12 + 97 * 13) / 100)
    assert table.loc["S", "value"] == pytest.approx(31.5)  # no weights: per area
    result = benchmark.compare_groups(place, "minutes", "lad")
    assert result.benchmark == pytest.approx(table.loc["N", "value"])  # weighted areas only
    assert benchmark.mean_of(place, place.indicator("minutes"), np.arange(4)) == pytest.approx(
        table.loc["N", "value"]
    )


def test_area_ratings_exist_only_where_there_is_sampling_error():
    place = small_place()
    assert benchmark.area_ratings(place, "minutes") is None
    assert benchmark.area_ratings(place, "admissions") is None  # a count is never rated
    ratings = benchmark.area_ratings(place, "share")
    assert set(ratings) <= {"Better", "Similar", "Worse"}
    assert ratings.iloc[4] == "Worse"


def many_groups(shift: float = 0.0, seed: int = 3) -> Place:
    """Twelve groups of eight areas on a strip; group G5's areas shifted by ``shift``."""
    rng = np.random.default_rng(seed)
    n = 96
    group = np.repeat([f"G{i}" for i in range(12)], 8)
    minutes = rng.normal(30, 4, n) + np.where(group == "G5", shift, 0.0)
    population = rng.integers(800, 1200, n).astype(float)
    cases = rng.binomial(population.astype(int), 0.2 + np.where(group == "G5", shift / 100, 0))
    areas = gpd.GeoDataFrame(
        {
            "code": [f"A{i:02d}" for i in range(n)],
            "name": [f"Area {i}" for i in range(n)],
            "lad_code": group,
            "lad_name": [f"Group {g}" for g in group],
            "minutes": minutes,
            "cases": cases.astype(float),
            "population": population,
            "share": 100 * cases / population,
            "admissions": rng.poisson(5 + np.where(group == "G5", shift, 0.0)).astype(float),
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(n)],
        crs=27700,
    )
    indicators = {
        "minutes": Indicator("minutes", "Minutes", "minutes", "time", "low_is_good"),
        "share": Indicator(
            "share",
            "Share",
            "%",
            "proportion",
            "low_is_good",
            numerator="cases",
            denominator="population",
            multiplier=100,
        ),  # fmt: skip
        "admissions": Indicator("admissions", "Admissions", "a year", "count", "neutral"),
    }
    return Place(
        "m", "Many", "area", areas, indicators, {"lad": Grouping("lad", "Authority", "authorities")}
    )


@pytest.mark.parametrize("indicator_id", ["share", "admissions"])
def test_a_shifted_group_is_the_funnel_outlier_and_the_rest_are_within(indicator_id):
    result = benchmark.compare_groups(many_groups(shift=12.0), indicator_id, "lad")
    status = result.table.set_index("code")["funnel"]
    assert status["G5"] == "high"
    assert (status.drop("G5") == "within").all()
    assert result.outliers["code"].tolist() == ["G5"]


@pytest.mark.parametrize("indicator_id", ["share", "admissions"])
def test_without_a_shift_no_group_is_a_funnel_outlier(indicator_id):
    result = benchmark.compare_groups(many_groups(), indicator_id, "lad")
    assert set(result.table["funnel"]) == {"within"}


@pytest.mark.parametrize("indicator_id", ["share", "admissions"])
def test_funnel_status_is_what_the_plotted_limits_show(indicator_id):
    """A point is high or low exactly when it lies outside the 99.8% limits drawn at its size."""
    result = benchmark.compare_groups(many_groups(shift=6.0), indicator_id, "lad")
    limits = result.limits
    width = (limits["upper_99_8"] - limits["lower_99_8"]).to_numpy()
    assert np.all(np.diff(width) <= 1e-9)  # the funnel narrows as groups get bigger
    for row in result.table.itertuples():
        upper = np.interp(row.size, limits["size"], limits["upper_99_8"])
        lower = np.interp(row.size, limits["size"], limits["lower_99_8"])
        outside = "high" if row.value > upper else "low" if row.value < lower else "within"
        margin = 0.02 * (upper - lower)
        if min(abs(row.value - upper), abs(row.value - lower)) > margin:  # not on the line
            assert row.funnel == outside, row


def test_groups_with_too_few_areas_are_not_placed_on_the_funnel():
    place = many_groups(shift=12.0)
    place.areas.loc[place.areas.index[:3], "lad_code"] = "TINY"
    table = benchmark.compare_groups(place, "share", "lad").table.set_index("code")
    assert table.loc["TINY", "funnel"] == "n/a"
    assert table.loc["G5", "funnel"] == "high"


def test_spine_puts_the_benchmark_in_the_middle_and_best_to_the_right():
    spine = benchmark.spine(small_place(), "lad", "N")
    assert set(spine["indicator"]) == {"share", "admissions", "minutes"}
    minutes = spine.set_index("indicator").loc["minutes"]
    assert minutes["pos_value"] > 0.5  # shorter than the benchmark is better
    assert minutes["pos_best"] >= minutes["pos_value"]


@pytest.mark.slow
def test_demo_west_northamptonshire_thrombectomy_time_is_worse_than_england_and_wales(demo_place):
    result = benchmark.compare_groups(demo_place, "mt_minutes", "lad").subset(["E06000062"])
    row = result.table.iloc[0]
    assert row["name"] == "West Northamptonshire"
    assert row["rating"] == "Longer" and row["value"] > result.benchmark + 5
    assert result.benchmark_name == "England"  # admissions weight the average: none in Wales
    assert "Wales has no figures for stroke admissions" in result.method


@pytest.mark.slow
def test_demo_benchmarks_name_their_real_coverage(demo_place):
    admissions = benchmark.compare_groups(demo_place, "admissions", "lad")
    assert admissions.benchmark_name == "England"
    assert benchmark.benchmark_coverage(demo_place, demo_place.indicator("admissions"))[0] == (
        "England"
    )
