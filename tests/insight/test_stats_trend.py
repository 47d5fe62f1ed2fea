"""Fingertips' recent trend (:func:`insight.stats.recent_trend`) against cited known answers.

Sources of the expected numbers:

* PHEindicatormethods' own test data for ``assign_trend_markers`` (the function that codes
  the Fingertips trend markers in R): ``tests/testthat/testdata_trend_markers.xlsx`` of
  github.com/dhsc-govuk/PHEindicatormethods, branch ``add_trend_markers`` (commit bd97b04),
  transcribed in ``phe_reference/trend_markers.csv``: the marker, the chi-squared statistic
  and the gradient of every series.
* R's ``prop.trend.test`` help example (smokers ``c(83, 90, 129, 70)`` of patients
  ``c(86, 93, 136, 82)``), whose printed result "X-squared = 8.2249, df = 1, p-value =
  0.004132" is quoted by Rui Barradas on R-help, 8 September 2023 ("Chi-squared Test for
  Trend in Proportions"); reproduced here with scipy.
* Fingertips' own code (``TrendMarkerCalculator.ChiSquareConfidence = 9.54953570608324``,
  ukhsa-collaboration/fingertips-open): the 99.8% critical value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from insight import stats

DATA = Path(__file__).parent / "phe_reference"
EXPECTED_WORDS = {
    "Increasing": "increasing",
    "Decreasing": "decreasing",
    "No significant change": "no significant change",
    "Cannot be calculated": "could not be calculated",
}
EXPECTED_REASONS = {
    "No outliers and significant trend": "significant",
    "No significant trend": "not significant",
    "Outlier found": "outlier",
    "Not enough data points": "too few points",
    "Missing values": "missing values",
    "Missing at least one confidence interval value": "missing intervals",
    "Duplicate years in group": "duplicate periods",
}


def reference_series() -> list[tuple[str, pd.DataFrame]]:
    table = pd.read_csv(DATA / "trend_markers.csv", comment="#", keep_default_na=True)
    table["group"] = table["group"].fillna("")
    return [
        (f"{sheet}:{group}", rows.reset_index(drop=True))
        for (sheet, group), rows in table.groupby(["sheet", "group"], sort=False)
    ]


@pytest.mark.parametrize(("name", "rows"), reference_series(), ids=lambda v: str(v)[:40])
def test_recent_trend_matches_phe_indicator_methods(name, rows) -> None:
    expected = rows.iloc[-1]
    method = rows["method"].iloc[0]
    if method == "proportion":
        trend = stats.recent_trend(
            rows["year"], "proportion", numerator=rows["count"], denominator=rows["denominator"]
        )
    else:
        trend = stats.recent_trend(
            rows["year"], "other", value=rows["value"], lower=rows["lower"], upper=rows["upper"]
        )
    assert trend.marker == EXPECTED_WORDS[expected["recent_trend"]], name
    assert trend.reason == EXPECTED_REASONS[expected["recent_trend_reason"]], name
    if np.isfinite(expected["significance"]):
        assert round(trend.chi_squared, 4) == pytest.approx(expected["significance"], abs=1e-9)
        assert round(trend.gradient, 4) == pytest.approx(expected["gradient"], abs=1e-9)
        assert trend.points == stats.TREND_POINTS and trend.method == method


def test_every_reference_marker_is_covered() -> None:
    seen = {rows.iloc[-1]["recent_trend"] for _, rows in reference_series()}
    assert seen == set(EXPECTED_WORDS)


def test_chi_squared_for_trend_is_r_prop_trend_test() -> None:
    # R: prop.trend.test(smokers, patients) -> X-squared = 8.2249, df = 1, p-value = 0.004132
    chi2 = stats.trend_chi_squared([83, 90, 129, 70], [86, 93, 136, 82], [1, 2, 3, 4])
    assert round(chi2, 4) == 8.2249
    assert round(float(sps.chi2.sf(chi2, 1)), 6) == 0.004132
    # The statistic is the same for any evenly spaced years (a shift of the score).
    shifted = stats.trend_chi_squared(
        [83, 90, 129, 70], [86, 93, 136, 82], [2019, 2020, 2021, 2022]
    )
    assert shifted == pytest.approx(chi2, rel=1e-9)


def test_the_level_is_fingertips_998() -> None:
    assert abs(stats.TREND_CHI2 - 9.54953570608324) < 1e-12


def test_an_outlier_that_reverses_the_slope_means_no_significant_change() -> None:
    # Significant overall, but leaving out the big last rise turns the slope downwards.
    years = [2019, 2020, 2021, 2022, 2023]
    counts = [300, 298, 296, 294, 600]
    trend = stats.recent_trend(years, "proportion", numerator=counts, denominator=[1000] * 5)
    assert trend.chi_squared > stats.TREND_CHI2
    assert (trend.marker, trend.reason) == ("no significant change", "outlier")


def test_only_the_latest_five_points_count() -> None:
    years = list(range(2014, 2024))
    early_rise = [100, 150, 200, 250, 300, 300, 300, 300, 300, 300]
    trend = stats.recent_trend(years, "proportion", numerator=early_rise, denominator=[1000] * 10)
    assert trend.marker == "no significant change" and trend.points == 5
    # An earlier missing value is no reason not to calculate.
    values = [np.nan, 10, 11, 12, 13, 14]
    trend = stats.recent_trend(
        range(6), "other", value=values, lower=[v - 0.2 for v in values],
        upper=[v + 0.2 for v in values],
    )  # fmt: skip
    assert trend.marker == "increasing"


@pytest.mark.parametrize(
    ("counts", "reason"),
    [([0, 5, 6, 7, 8], "all or none"), ([5, 6, np.nan, 7, 8], "missing values")],
)
def test_proportions_that_cannot_be_tested(counts, reason) -> None:
    trend = stats.recent_trend(range(5), "proportion", numerator=counts, denominator=[100] * 5)
    assert (trend.marker, trend.reason) == ("could not be calculated", reason)
    assert not trend.significant and not trend.calculated


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="needs numerator"):
        stats.recent_trend(range(5), "proportion", denominator=[1] * 5)
    with pytest.raises(ValueError, match="method"):
        stats.recent_trend(range(5), "rate", value=[1] * 5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reason"):
        stats.RecentTrend("increasing", "because")
