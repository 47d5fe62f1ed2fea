"""Every area's series against its benchmark, and Fingertips' recent trend of each."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insight import stats
from insight.analysis.benchmark import compare_groups
from insight.analysis.trend import (
    SERIES_FIELDS,
    TREND_FIELDS,
    area_trends,
    at_period,
    group_trend,
    period_years,
    series_check,
    trend_method,
)
from insight.errors import DataError
from insight.model import Indicator

OBESITY, SELF_HARM, SAR = "fingertips_90323", "fingertips_92302", "fingertips_93227"
PERIODS = ("2017/18", "2018/19", "2019/20", "2020/21", "2021/22", "2022/23")


def test_every_area_has_every_period_and_a_trend(trend_place) -> None:
    result = area_trends(trend_place, OBESITY)
    areas = len(trend_place.areas)
    assert result.periods == PERIODS and result.has_series
    assert list(result.series.columns) == list(SERIES_FIELDS)
    assert len(result.series) == areas * len(PERIODS)
    assert list(result.trends.columns) == list(TREND_FIELDS) and len(result.trends) == areas
    assert set(result.trends["marker"]) <= set(stats.TREND_MARKERS)


def test_the_designed_wards_have_the_designed_trends(trend_place) -> None:
    codes = trend_place.areas["code"].tolist()
    obesity = area_trends(trend_place, OBESITY).trends.set_index("code")
    assert (obesity.loc[codes[:3], "marker"] == "increasing").all()
    assert (obesity.loc[codes[3:5], "marker"] == "decreasing").all()
    # Ward 6's latest value is suppressed: no trend without it.
    assert tuple(obesity.loc[codes[5], ["marker", "reason"]]) == (
        "could not be calculated", "missing values",
    )  # fmt: skip
    assert (obesity["method"].dropna() == "proportion").all()
    harm = area_trends(trend_place, SELF_HARM).trends.set_index("code")
    assert harm.loc[codes[6], "marker"] == "increasing" and harm.loc[codes[6], "method"] == "other"
    assert harm.loc[codes[7], "marker"] == "decreasing"


def test_an_area_trend_is_stats_recent_trend_on_its_last_five_periods(trend_place) -> None:
    code = trend_place.areas["code"].iloc[0]
    result = area_trends(trend_place, OBESITY, [code])
    rows = trend_place.series_of(OBESITY)
    rows = rows[rows["area_code"] == code].sort_values("period_order")
    expected = stats.recent_trend(
        rows["period_order"], "proportion", numerator=rows["numerator"],
        denominator=rows["denominator"],
    )  # fmt: skip
    assert result.trend_of(code) == expected
    series = result.area_series(code)
    assert series["period"].tolist() == list(PERIODS)
    np.testing.assert_allclose(series["value"], rows["value"])


def test_the_benchmark_series_is_the_compare_benchmark_period_by_period(trend_place) -> None:
    result = area_trends(trend_place, OBESITY)
    latest = result.benchmark.iloc[-1]
    assert latest["value"] == pytest.approx(compare_groups(trend_place, OBESITY, "lad").benchmark)
    rows = trend_place.series_of(OBESITY)
    first = rows[(rows["period"] == PERIODS[0]) & rows["numerator"].notna()]
    pooled = 100 * first["numerator"].sum() / first["denominator"].sum()
    assert result.benchmark.iloc[0]["value"] == pytest.approx(pooled)
    assert (result.benchmark["lower"] < result.benchmark["value"]).all()
    assert result.benchmark_trend is not None and result.benchmark_trend.calculated
    # The rate's benchmark too: pooled count over pooled population, per 100,000.
    harm = area_trends(trend_place, SELF_HARM)
    assert harm.benchmark.iloc[-1]["value"] == pytest.approx(
        compare_groups(trend_place, SELF_HARM, "lad").benchmark
    )


def test_rolling_periods_are_not_tested(trend_place) -> None:
    # The example's other export has two five-year periods a year apart.
    result = area_trends(trend_place, SAR)
    assert result.periods == ("2015/16 - 19/20", "2016/17 - 20/21")
    assert set(result.trends["reason"]) == {"too few points"}
    assert series_check(["2013/14 - 17/18", "2014/15 - 18/19", "2015/16 - 19/20"]) == (
        "overlapping periods"
    )
    assert series_check(["2020 Q1", "2020 Q2"]) == "not yearly"
    assert series_check(list(PERIODS)) is None


def test_one_period_is_one_point_and_no_trend(trend_place) -> None:
    result = area_trends(trend_place, "children_in_relative_low_income_families")
    assert result.periods == ("2023",) and not result.has_series
    assert set(result.trends["marker"]) == {"could not be calculated"}
    values = trend_place.areas.set_index("code")["children_in_relative_low_income_families"]
    got = result.series.set_index("code")["value"]
    pd.testing.assert_series_equal(got, values.reindex(got.index), check_names=False)


def test_no_trend_for_values_without_sampling_variation(demo_place) -> None:
    result = area_trends(demo_place, "mt_minutes", ["W01000001", "E01000001"])
    assert result.trends["marker"].isna().all() and result.benchmark_trend is None
    assert not result.has_series
    assert trend_method(demo_place.indicator("mt_minutes")) is None
    assert trend_method(demo_place.indicator("admissions")) == "not tested"
    for indicator in ("mt_minutes", "admissions"):
        result = area_trends(demo_place, indicator, ["E01000001"])
        compared = compare_groups(demo_place, indicator, "lad")
        assert result.benchmark["value"].iloc[-1] == pytest.approx(compared.benchmark)
        assert result.benchmark_name == compared.benchmark_name


def test_unknown_area_and_indicator_name_the_value_and_the_choices(trend_place) -> None:
    with pytest.raises(DataError, match=r"no area 'E0599'; choose one of: E05900001, "):
        area_trends(trend_place, OBESITY, ["E0599"])
    with pytest.raises(DataError, match=r"no indicator 'nope'; choose one of: fingertips_90323"):
        area_trends(trend_place, "nope")


@pytest.mark.parametrize(
    ("label", "years"),
    [
        ("2021", (2021, 2021)),
        ("2019/20", (2019, 2019)),
        ("2015/16 - 19/20", (2015, 2019)),
        ("2017 - 19", (2017, 2019)),
        ("2017-2019 (yearly mean)", (2017, 2019)),
        ("2098/99 - 02/03", (2098, 2102)),
        ("no year", None),
    ],
)
def test_period_years(label, years) -> None:
    assert period_years(label) == years


def test_kinds_and_methods() -> None:
    assert trend_method(Indicator("p", "P", "%", "proportion")) == "proportion"
    assert trend_method(Indicator("r", "R", "per 1,000", "rate")) == "other"
    assert trend_method(Indicator("s", "SAR", "ratio", "ratio")) == "other"
    assert trend_method(Indicator("d", "Km", "km", "distance")) is None


def test_a_group_series_is_its_areas_pooled_and_its_latest_is_compare(trend_place) -> None:
    result = group_trend(trend_place, OBESITY, "lad", "E06000062")
    assert result.periods == PERIODS and list(result.series["code"].unique()) == ["E06000062"]
    compared = compare_groups(trend_place, OBESITY, "lad").table.set_index("code")
    latest = result.area_series("E06000062").iloc[-1]
    assert latest["value"] == pytest.approx(compared.loc["E06000062", "value"])
    assert latest["lower"] == pytest.approx(compared.loc["E06000062", "lower"])
    assert latest["benchmark"] == pytest.approx(result.benchmark["value"].iloc[-1])
    assert result.trend_of("E06000062").method == "proportion"
    with pytest.raises(DataError, match=r"no local authority 'E0600'; choose one of: E06000061"):
        group_trend(trend_place, OBESITY, "lad", "E0600")


def test_at_period_puts_that_period_on_the_areas(trend_place) -> None:
    earlier = at_period(trend_place, OBESITY, "2017/18")
    assert earlier.indicator(OBESITY).period == "2017/18"
    assert trend_place.indicator(OBESITY).period == "2022/23"  # the place is not changed
    rows = trend_place.series_of(OBESITY)
    rows = rows[rows["period"] == "2017/18"].set_index("area_code")
    areas = earlier.areas.set_index("code")
    np.testing.assert_allclose(areas[OBESITY], rows["value"].reindex(areas.index))
    np.testing.assert_allclose(
        areas[f"{OBESITY}_numerator"], rows["numerator"].reindex(areas.index)
    )
    # Every engine then works on that period: Compare's benchmark is that period's.
    then = compare_groups(earlier, OBESITY, "lad").benchmark
    assert then == pytest.approx(area_trends(trend_place, OBESITY).benchmark["value"].iloc[0])
    assert at_period(trend_place, OBESITY, None) is trend_place
    assert at_period(trend_place, OBESITY, "2022/23") is trend_place
    with pytest.raises(DataError, match=r"no period '1999'; choose one of: 2017/18, 2018/19"):
        at_period(trend_place, OBESITY, "1999")
