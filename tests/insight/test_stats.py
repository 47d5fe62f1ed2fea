"""Behaviour of insight.stats: shapes, edge cases, validation and properties.

Agreement with PHEindicatormethods' published answers is in test_stats_reference.py.
"""

from __future__ import annotations

import doctest
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from insight import stats

NAN = float("nan")
FAST = settings(max_examples=60, deadline=None)


# --------------------------------------------------------------------------------------
# Module hygiene
# --------------------------------------------------------------------------------------


def test_docstring_examples_run():
    result = doctest.testmod(stats, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 20
    assert result.failed == 0


def test_public_api_is_documented():
    for name in stats.__all__:
        item = getattr(stats, name)
        if callable(item):
            doc = item.__doc__ or ""
            assert "Parameters" in doc or "Attributes" in doc, name
            if not isinstance(item, type):
                for section in ("Returns", "Raises", "Examples"):
                    assert section in doc, (name, section)


def test_stats_does_not_import_streamlit():
    code = "import sys, insight.stats; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_esp2013():
    assert len(stats.ESP2013) == len(stats.ESP2013_AGE_BANDS) == 19
    assert sum(stats.ESP2013) == 100_000
    assert stats.ESP2013_AGE_BANDS[0] == "0-4"
    assert stats.ESP2013_AGE_BANDS[-2:] == ("85-89", "90+")


# --------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------


def test_scalar_in_float_out():
    lower, upper = stats.wilson_ci(65, 100)
    assert type(lower) is float and type(upper) is float


def test_array_shape_is_kept():
    counts = np.array([[0, 1], [10, 100]])
    lower, upper = stats.exact_poisson_ci(counts)
    assert lower.shape == upper.shape == (2, 2)
    lower, upper = stats.wilson_ci(counts, 200)
    assert lower.shape == (2, 2)


def test_series_index_is_kept():
    counts = pd.Series([3, 30], index=["E01", "E02"])
    lower, upper = stats.byars_ci(counts)
    assert isinstance(lower, pd.Series) and list(lower.index) == ["E01", "E02"]
    frame = stats.rate_ci(counts, 1000)
    assert list(frame.index) == ["E01", "E02"]
    assert list(frame.columns) == ["value", "lower", "upper", "method"]
    assert list(stats.proportion_ci(counts, 1000).columns) == ["value", "lower", "upper", "method"]


def test_series_with_different_indexes_are_rejected():
    a = pd.Series([1, 2], index=["x", "y"])
    b = pd.Series([10, 20], index=["y", "x"])
    with pytest.raises(ValueError, match="different indexes"):
        stats.wilson_ci(a, b)


def test_incompatible_shapes_are_rejected():
    with pytest.raises(ValueError, match="incompatible shapes"):
        stats.wilson_ci([1, 2, 3], [10, 20])


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def test_negative_denominator_names_position_and_value():
    with pytest.raises(
        ValueError, match=r"^denominator at position 3 is -5; denominators must be positive$"
    ):
        stats.proportion_ci([1, 2, 3, 4], [10, 10, 10, -5])


def test_zero_denominator_is_rejected():
    with pytest.raises(ValueError, match="denominator at position 0 is 0"):
        stats.rate_ci([1], [0])


def test_series_label_is_named():
    with pytest.raises(ValueError, match=r"position 1 \(label 'E02'\) is -1"):
        stats.byars_ci(pd.Series([1, -1], index=["E01", "E02"]))


def test_more_invalid_values_are_counted():
    with pytest.raises(ValueError, match=r"is -1; counts must be zero or more \(1 more invalid\)"):
        stats.exact_poisson_ci([-1, 2, -3])


def test_numerator_above_denominator_is_rejected():
    with pytest.raises(ValueError, match="numerator at position 1 is 11 but its denominator is 10"):
        stats.wilson_ci([1, 11], 10)
    with pytest.raises(ValueError, match="cannot exceed"):
        stats.funnel_significance([5, 11], [10, 10], "proportion")


def test_rate_count_may_exceed_denominator():
    assert stats.rate_ci(250, 220)["value"].iloc[0] == pytest.approx(113636.3636, rel=1e-9)


@pytest.mark.parametrize(
    "function",
    [
        lambda x: stats.byars_ci(x),
        lambda x: stats.exact_poisson_ci(x),
        lambda x: stats.rate_ci(x, 100),
        lambda x: stats.wilson_ci(x, 100),
        lambda x: stats.suppress_small(x),
    ],
)
def test_negative_counts_are_rejected(function):
    with pytest.raises(ValueError, match="at position 1 is -2"):
        function([3, -2])


@pytest.mark.parametrize("bad", ["abc", "5", b"5", True, object(), complex(1, 1)])
def test_non_numeric_values_are_rejected(bad):
    with pytest.raises(ValueError, match=r"count at position 1 is .*; counts must be numbers"):
        stats.byars_ci([1, bad, 3])


def test_non_numeric_series_is_rejected():
    # numbers written as text are refused too, rather than guessed at
    with pytest.raises(ValueError, match="denominator at position 0 is '10'"):
        stats.rate_ci([1, 2, 3], pd.Series(["10", "20", "abc"]))
    with pytest.raises(ValueError, match="position 0 is 'x'"):
        stats.rate_ci(pd.Series(["x", "y"]), 10)


def test_scalar_string_is_rejected():
    with pytest.raises(ValueError, match=r"^count is 'abc'; counts must be numbers"):
        stats.byars_ci("abc")


def test_infinite_values_are_rejected():
    with pytest.raises(
        ValueError, match="denominator at position 0 is inf; denominators must be finite"
    ):
        stats.rate_ci([1], [math.inf])


@pytest.mark.parametrize("confidence", [95, 99.8, 0, 1, 1.5, -0.5, NAN, True, "0.95", None])
def test_bad_confidence_is_rejected(confidence):
    with pytest.raises(ValueError, match="confidence"):
        stats.wilson_ci(1, 10, confidence)


def test_percentage_confidence_gets_a_hint():
    with pytest.raises(ValueError, match=r"confidence is 95; .*\(for 95% write 0.95\)"):
        stats.rate_ci(5, 100, confidence=95)


@pytest.mark.parametrize("multiplier", [0, -100, NAN, "100", None])
def test_bad_multiplier_is_rejected(multiplier):
    with pytest.raises(ValueError, match="multiplier"):
        stats.rate_ci(5, 100, multiplier=multiplier)


def test_data_frame_input_is_rejected():
    with pytest.raises(ValueError, match="not a DataFrame"):
        stats.byars_ci(pd.DataFrame({"a": [1]}))


# --------------------------------------------------------------------------------------
# Confidence intervals: edge cases
# --------------------------------------------------------------------------------------


def test_zero_count_has_zero_lower_limit():
    assert stats.byars_ci(0)[0] == 0.0
    assert stats.exact_poisson_ci(0) == (0.0, pytest.approx(-math.log(0.025)))
    assert stats.wilson_ci(0, 50)[0] == 0.0
    frame = stats.rate_ci(0, 1000)
    assert frame.loc[0, "lower"] == 0.0 and frame.loc[0, "method"] == "Exact"
    assert stats.proportion_ci(0, 10).loc[0, "lower"] == 0.0


def test_numerator_equal_to_denominator_has_upper_limit_one():
    lower, upper = stats.wilson_ci([1, 37, 5000], [1, 37, 5000])
    assert (upper == 1.0).all() and (lower < 1.0).all()
    assert stats.proportion_ci(7, 7, multiplier=100).loc[0, "upper"] == 100.0


def test_nan_inputs_give_nan_outputs():
    lower, upper = stats.wilson_ci([NAN, 5, None], [10, NAN, 10])
    assert np.isnan(lower).all() and np.isnan(upper).all()
    lower, upper = stats.byars_ci(pd.Series([1.0, None]))
    assert lower.isna().tolist() == [False, True]
    frame = stats.rate_ci(pd.array([5, None], dtype="Int64"), 100)
    assert frame["value"].isna().tolist() == [False, True]
    assert frame["method"].isna().tolist() == [False, True]


def test_byars_breaks_down_for_tiny_counts_at_high_confidence():
    lower, upper = stats.byars_ci([1, 2], 0.998)
    assert np.isnan(lower[0]) and lower[1] > 0 and upper[0] > 0


def test_exact_matches_scipy_poisson_definition():
    count = 7
    lower, upper = stats.exact_poisson_ci(count, 0.9)
    assert sps.poisson.sf(count - 1, lower) == pytest.approx(0.05)
    assert sps.poisson.cdf(count, upper) == pytest.approx(0.05)


def test_rate_method_switches_at_ten():
    frame = stats.rate_ci([9, 10], [1000, 1000])
    assert frame["method"].tolist() == ["Exact", "Byars"]
    exact = stats.exact_poisson_ci(9)
    assert frame.loc[0, "lower"] == pytest.approx(exact[0] / 1000 * 100_000)


def test_standardised_ratio_ci():
    result = stats.standardised_ratio_ci([5, 50], [10, 25])
    assert result["value"].tolist() == [0.5, 2.0]
    assert result["method"].tolist() == ["Exact", "Byars"]
    assert result.loc[0, "lower"] == pytest.approx(stats.exact_poisson_ci(5)[0] / 10)
    with pytest.raises(ValueError, match="expected at position 1 is 0"):
        stats.standardised_ratio_ci([5, 5], [10, 0])


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

counts = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30)


@FAST
@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 10**7)), min_size=1, max_size=30))
def test_wilson_contains_proportion_and_nests(pairs):
    x = np.array([min(a, b) for a, b in pairs], dtype=float)
    n = np.array([b for _, b in pairs], dtype=float)
    lo95, up95 = stats.wilson_ci(x, n, 0.95)
    lo998, up998 = stats.wilson_ci(x, n, 0.998)
    p = x / n
    assert ((lo998 >= 0) & (lo998 <= lo95) & (lo95 <= p + 1e-12)).all()
    assert ((p - 1e-12 <= up95) & (up95 <= up998) & (up998 <= 1)).all()


@FAST
@given(counts)
def test_byars_contains_count_and_nests(values):
    x = np.array(values, dtype=float)
    lo95, up95 = stats.byars_ci(x, 0.95)
    lo998, up998 = stats.byars_ci(x, 0.998)
    assert not np.isnan(lo95[x >= 1]).any()
    defined = ~np.isnan(lo998)
    assert (lo95 <= x).all() and (x <= up95).all()
    assert (lo998[defined] <= lo95[defined]).all() and (up95 <= up998).all()


@FAST
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30))
def test_exact_contains_count_and_nests(values):
    x = np.array(values)
    lo95, up95 = stats.exact_poisson_ci(x, 0.95)
    lo998, up998 = stats.exact_poisson_ci(x, 0.998)
    assert ((lo998 >= 0) & (lo998 <= lo95) & (lo95 <= x)).all()
    assert ((x <= up95) & (up95 <= up998)).all()


@FAST
@given(counts, st.floats(1, 1e8, allow_nan=False))
def test_rate_contains_value_and_nests(values, denominator):
    r95 = stats.rate_ci(values, denominator, 0.95)
    r998 = stats.rate_ci(values, denominator, 0.998)
    tolerance = 1e-9 * r95["value"]
    assert (r95["lower"] <= r95["value"] + tolerance).all()
    assert (r95["value"] <= r95["upper"] + tolerance).all()
    assert (r998["lower"] <= r95["lower"]).all() and (r95["upper"] <= r998["upper"]).all()


# --------------------------------------------------------------------------------------
# Standardisation
# --------------------------------------------------------------------------------------


def test_dsr_of_one_band_is_the_crude_rate_with_byars_limits():
    result = stats.dsr([120], [50_000], standard_population=[1])
    crude = stats.rate_ci(120, 50_000)
    assert list(result.columns) == [
        "total_count",
        "total_pop",
        "value",
        "lower",
        "upper",
        "method",
        "note",
    ]
    np.testing.assert_allclose(
        result[["value", "lower", "upper"]].to_numpy(),
        crude[["value", "lower", "upper"]].to_numpy(),
    )


def test_dsr_uses_esp2013_by_default_and_several_keys():
    bands = len(stats.ESP2013)
    frame = pd.DataFrame(
        {
            "area": np.repeat(["A", "A", "B", "B"], bands),
            "sex": np.repeat(["F", "M", "F", "M"], bands),
            "count": np.tile(np.arange(bands) + 1, 4) * np.repeat([1, 2, 3, 4], bands),
            "pop": 1000,
        }
    )
    result = stats.dsr(frame["count"], frame["pop"], groups=[frame["area"], frame["sex"]])
    assert result.index.names == ["area", "sex"]
    assert list(result.index) == [("A", "F"), ("A", "M"), ("B", "F"), ("B", "M")]
    first = frame.iloc[:bands]
    weights = np.array(stats.ESP2013)
    expected = (first["count"] / first["pop"] * weights).sum() / weights.sum() * 100_000
    assert result["value"].iloc[0] == pytest.approx(expected)
    assert result["value"].iloc[3] == pytest.approx(4 * expected)


def test_dsr_rejects_groups_of_the_wrong_size():
    with pytest.raises(ValueError, match="group 'B' has 2 rows; each group needs 3 rows"):
        stats.dsr(
            [1, 2, 3, 4, 5], [9] * 5, ["A", "A", "A", "B", "B"], standard_population=[1, 1, 1]
        )


def test_dsr_missing_count_is_zero_but_missing_population_is_reported():
    result = stats.dsr(
        [NAN, 20, 30, 5, 20, 30],
        [100, 100, 100, NAN, 100, 100],
        groups=["A", "A", "A", "B", "B", "B"],
        standard_population=[1, 1, 1],
    )
    assert result.loc["A", "total_count"] == 50
    assert result.loc["A", "value"] == pytest.approx(50 / 300 * 100_000)
    assert np.isnan(result.loc["B", ["value", "lower", "upper"]].astype(float)).all()
    assert result.loc["B", "note"] == "population missing in 1 band(s)"


def test_dsr_small_total_count():
    result = stats.dsr([4, 5], [100, 100], standard_population=[1, 1])
    assert np.isnan(result.loc[0, "value"])
    assert result.loc[0, "note"] == stats.DSR_SMALL_COUNT_NOTE
    assert result.loc[0, "total_count"] == 9


def test_dsr_validation():
    with pytest.raises(ValueError, match="population at position 1 is 0"):
        stats.dsr([10, 10], [100, 0], standard_population=[1, 1])
    with pytest.raises(ValueError, match="standard_population at position 1 is -1"):
        stats.dsr([10, 10], [100, 100], standard_population=[1, -1])
    with pytest.raises(ValueError, match="group label 'group' at position 1"):
        stats.dsr([10, 10], [100, 100], groups=["A", None], standard_population=[1])


def test_isr_ratio_and_rate():
    args = ([30, 50], [1000, 2000], [20, 30], [1000, 1000])
    ratio = stats.indirect_standardised_ratio(*args)
    rate = stats.indirect_standardised_ratio(*args, kind="rate")
    assert ratio.loc[0, "expected"] == pytest.approx(80)
    assert ratio.loc[0, "value"] == pytest.approx(1.0)
    assert rate.loc[0, "reference_rate"] == pytest.approx(50 / 2000 * 100_000)
    assert rate.loc[0, "value"] == pytest.approx(2500)
    assert rate.loc[0, "lower"] == pytest.approx(ratio.loc[0, "lower"] * 2500)


def test_isr_observed_totals_and_errors():
    pops = [100, 100, 200, 200]
    groups = ["A", "A", "B", "B"]
    result = stats.indirect_standardised_ratio(
        None, pops, [1, 2], [10, 10], groups, observed=pd.Series({"B": 90, "A": 30})
    )
    assert result["observed"].tolist() == [30, 90]
    assert result["expected"].tolist() == pytest.approx([30, 60])
    with pytest.raises(ValueError, match="observed has no total for group 'B'"):
        stats.indirect_standardised_ratio(
            None, pops, [1, 2], [10, 10], groups, observed=pd.Series({"A": 3})
        )
    with pytest.raises(ValueError, match="kind is 'smr'; it must be one of 'ratio', 'rate'"):
        stats.indirect_standardised_ratio([1], [1], [1], [1], kind="smr")
    with pytest.raises(ValueError, match="reference_population at position 0 is 0"):
        stats.indirect_standardised_ratio([1], [1], [1], [0])


def test_isr_no_expected_events_is_a_note_not_an_error():
    result = stats.indirect_standardised_ratio([3], [100], [0], [1000])
    assert np.isnan(result.loc[0, "value"])
    assert result.loc[0, "note"] == "no expected events"


# --------------------------------------------------------------------------------------
# Comparisons and funnels
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "labels"),
    [
        ("high_is_good", ["Worse", "Similar", "Better", "Similar", "Not compared"]),
        ("low_is_good", ["Better", "Similar", "Worse", "Similar", "Not compared"]),
        ("neutral", ["Lower", "Similar", "Higher", "Similar", "Not compared"]),
    ],
)
def test_compare_to_benchmark(polarity, labels):
    lower = [1, 4, 6, 5, NAN]
    upper = [3, 6, 9, 7, 9]
    assert stats.compare_to_benchmark(lower, upper, 5, polarity).tolist() == labels


def test_compare_to_benchmark_series_and_missing_benchmark():
    lower = pd.Series([1.0, 6.0], index=["a", "b"])
    result = stats.compare_to_benchmark(lower, lower + 1, [NAN, 5])
    assert isinstance(result, pd.Series)
    assert result.to_dict() == {"a": "Not compared", "b": "Better"}


def test_compare_to_benchmark_validation():
    with pytest.raises(
        ValueError,
        match="polarity is 'up'; it must be one of 'high_is_good', 'low_is_good', 'neutral'",
    ):
        stats.compare_to_benchmark(1, 2, 1, "up")
    with pytest.raises(ValueError, match="lower at position 1 is 5 but upper is 4"):
        stats.compare_to_benchmark([1, 5], [2, 4], 3)


def test_funnel_ratio_limits_trace_phe_poisson_funnel():
    """At E = exact upper (lower) limit of O, the lower (upper) ratio limit is O / E."""
    observed = np.arange(1, 60, dtype=float)
    for confidence in (0.95, 0.998):
        suffix = "95" if confidence == 0.95 else "99_8"
        e_low = sps.chi2.ppf(0.5 + confidence / 2, 2 * observed + 2) / 2
        e_high = sps.chi2.ppf(0.5 - confidence / 2, 2 * observed) / 2
        lower = stats.funnel_limits(e_low, 1, "ratio", confidence)[f"lower_{suffix}"]
        upper = stats.funnel_limits(e_high, 1, "ratio", confidence)[f"upper_{suffix}"]
        np.testing.assert_allclose(lower, observed / e_low, rtol=1e-8)
        np.testing.assert_allclose(upper, observed / e_high, rtol=1e-8)


def test_funnel_rate_limits_scale_ratio_limits():
    pops = np.array([500.0, 5_000, 50_000])
    rate = stats.funnel_limits(pops, 0.002, "rate")
    ratio = stats.funnel_limits(pops * 0.002, 1, "ratio")
    assert rate["baseline"].tolist() == [200.0] * 3
    for column in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        np.testing.assert_allclose(rate[column], ratio[column] * 200, rtol=1e-10)


def test_funnel_limits_shape_and_validation():
    limits = stats.funnel_limits([1, 10, 1e6], 0.5, "proportion", confidence=0.9)
    assert list(limits.columns) == ["denominator", "baseline", "lower_90", "upper_90"]
    assert limits["lower_90"].iloc[0] == 0 and limits["upper_90"].iloc[0] == 1
    assert (limits["lower_90"].diff().iloc[1:] > 0).all()
    with pytest.raises(ValueError, match="statistic is 'mean'; it must be one of"):
        stats.funnel_limits([10], 0.5, "mean")
    with pytest.raises(ValueError, match="baseline is 80; a proportion baseline"):
        stats.funnel_limits([10], 80, "proportion")
    with pytest.raises(ValueError, match="denominator at position 0 is 0"):
        stats.funnel_limits([0], 0.5, "proportion")


def test_funnel_points_for_close_denominators_start_near_the_smallest():
    points = stats.funnel_points([1200, 1900])
    assert points[0] == 1000 and points[-1] == 2000 and len(points) == 100
    assert (np.diff(points) >= 1).all()


def test_funnel_significance_rate_and_missing():
    events = pd.Series([5, 100, 200, 125, NAN])
    pops = pd.Series([10_000, 10_000, 10_000, 10_000, 10_000])
    labels = stats.funnel_significance(events, pops, "rate", baseline=0.01)
    assert labels.tolist() == [
        "Low (0.001)",
        "Not significant",
        "High (0.001)",
        "High (0.025)",
        "Not compared",
    ]


def test_funnel_significance_agrees_with_ratio_limits_for_small_counts():
    expected = np.linspace(0.5, 12, 40)
    limits = stats.funnel_limits(expected, 1, "ratio")
    for observed in range(10):
        labels = stats.funnel_significance(np.full(40, observed), expected, "ratio")
        ratio = observed / expected
        outside = (ratio > limits["upper_95"]) | (ratio < limits["lower_95"])
        assert ((labels != "Not significant") == outside).all()


# --------------------------------------------------------------------------------------
# Over-dispersion
# --------------------------------------------------------------------------------------


def test_overdispersion_proportion_by_hand():
    x = np.array([12, 30, 45, 70, 88, 20, 51, 60.0])
    n = np.array([100, 120, 150, 160, 180, 90, 110, 140.0])
    result = stats.overdispersion(x, n, "proportion", trim=0)
    p0 = x.sum() / n.sum()
    z = 2 * np.sqrt(n) * (np.arcsin(np.sqrt(x / n)) - np.arcsin(np.sqrt(p0)))
    np.testing.assert_allclose(result.z, z)
    phi = np.mean(z**2)
    w = 4 * n
    tau2 = (len(x) * phi - (len(x) - 1)) / (w.sum() - (w**2).sum() / w.sum())
    assert result.phi == pytest.approx(phi)
    assert result.tau2 == pytest.approx(tau2)
    assert result.overdispersed and result.n_units == 8
    np.testing.assert_allclose(result.z_adjusted, z / np.sqrt(1 + tau2 * 4 * n))

    wide = result.limits([100, 1000])
    theta0 = np.arcsin(np.sqrt(p0))
    half = sps.norm.ppf(0.975) * np.sqrt(1 / (4 * 100) + tau2)
    assert wide.loc[0, "lower_95"] == pytest.approx(np.sin(theta0 - half) ** 2)
    narrow = stats.funnel_limits([100, 1000], p0, "proportion")
    assert (wide["lower_95"] < narrow["lower_95"]).all()
    assert (wide["upper_99_8"] > narrow["upper_99_8"]).all()


def test_overdispersion_winsorises_each_tail():
    rng = np.random.default_rng(1)
    n = np.full(30, 400.0)
    x = rng.binomial(400, rng.uniform(0.2, 0.4, 30)).astype(float)
    result = stats.overdispersion(x, n, "proportion", trim=0.1)
    low, high = np.quantile(result.z, [0.1, 0.9])
    np.testing.assert_allclose(result.z_winsorised, np.clip(result.z, low, high))
    assert result.phi == pytest.approx(np.mean(result.z_winsorised**2))


def test_no_overdispersion_gives_zero_tau2():
    expected = np.array([50.0, 80, 120, 200, 400])
    result = stats.overdispersion(expected, expected, "ratio")
    assert result.phi == 0 and result.tau2 == 0 and not result.overdispersed
    np.testing.assert_array_equal(result.z_adjusted, np.zeros(5))
    limits = result.limits([100.0], confidence=0.95)
    half = sps.norm.ppf(0.975) * np.sqrt(1 / 100)
    assert limits.loc[0, "lower_95"] == pytest.approx(math.exp(-half))
    assert limits.loc[0, "upper_95"] == pytest.approx(math.exp(half))


def test_overdispersion_ratio_uses_log_scale():
    observed = np.array([30.0, 45, 60, 80, 20, 100])
    expected = np.array([40.0, 40, 50, 60, 30, 90])
    result = stats.overdispersion(observed, expected, "ratio", trim=0)
    np.testing.assert_allclose(result.z, np.log(observed / expected) * np.sqrt(expected))


def test_overdispersion_validation():
    with pytest.raises(ValueError, match="at least 3 complete units"):
        stats.overdispersion([1, 2, NAN], [10, 10, 10], "proportion")
    with pytest.raises(ValueError, match="trim is 0.5"):
        stats.overdispersion([1, 2, 3], [10, 10, 10], "proportion", trim=0.5)
    with pytest.raises(ValueError, match="too many zero counts"):
        stats.overdispersion([0, 5, 6, 7], [5, 5, 5, 5], "ratio", trim=0)


# --------------------------------------------------------------------------------------
# Disclosure control and multiple testing
# --------------------------------------------------------------------------------------


def test_suppress_small_keeps_zero_by_default():
    result = stats.suppress_small([0, 1, 2, 4, 4.5, 5, 6, NAN])
    np.testing.assert_array_equal(result, [0, NAN, NAN, NAN, NAN, 5, 6, NAN])
    hidden = stats.suppress_small([0, 1, 10], threshold=10, suppress_zero=True)
    assert np.isnan(hidden).tolist() == [True, True, False]


def test_suppress_small_series_and_validation():
    counts = pd.Series([3, 8], index=["a", "b"], name="deaths")
    result = stats.suppress_small(counts)
    assert result.name == "deaths" and result.isna().tolist() == [True, False]
    assert np.isnan(stats.suppress_small(2))
    with pytest.raises(ValueError, match="threshold is 0"):
        stats.suppress_small([1], threshold=0)


def test_suppress_frame_blanks_dependent_columns():
    table = pd.DataFrame(
        {
            "area": ["A", "B", "C"],
            "count": [3, 0, 40],
            "population": [100, 200, 300],
            "rate": [3.0, 0.0, 13.3],
            "rank": [1, 2, 3],
            "comparison": ["Similar", "Better", "Worse"],
        }
    )
    out = stats.suppress_frame(table, "count", ["rate", "rank", "comparison"])
    assert out["count"].isna().tolist() == [True, False, False]
    assert out["rate"].isna().tolist() == [True, False, False]
    assert out["rank"].isna().tolist() == [True, False, False]
    assert out["comparison"].isna().tolist() == [True, False, False]
    assert out["population"].tolist() == [100, 200, 300]
    assert out["suppressed"].tolist() == [True, False, False]
    assert table["count"].tolist() == [3, 0, 40]  # input untouched
    no_flag = stats.suppress_frame(table, "count", "rate", suppress_zero=True, flag_column=None)
    assert "suppressed" not in no_flag and no_flag["rate"].isna().tolist() == [True, True, False]


def test_suppress_frame_validation():
    table = pd.DataFrame({"count": [1], "suppressed": [False]})
    with pytest.raises(ValueError, match="column 'rate' is not in the table"):
        stats.suppress_frame(table, "count", ["rate"])
    with pytest.raises(ValueError, match="flag column 'suppressed' already exists"):
        stats.suppress_frame(table, "count")


def test_benjamini_hochberg_by_hand():
    # sorted: 0.005*4/1 = 0.02, 0.01*4/2 = 0.02, 0.03*4/3 = 0.04, 0.04*4/4 = 0.04
    q = stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02])
    # monotone step-up: 0.02*3/2 = 0.03 is replaced by the smaller 0.025*3/3 = 0.025
    np.testing.assert_allclose(
        stats.benjamini_hochberg([0.02, 0.025, 0.001]), [0.025, 0.025, 0.003]
    )
    np.testing.assert_allclose(stats.benjamini_hochberg([0.9, 0.8]), [0.9, 0.9])


def test_benjamini_hochberg_nan_series_and_validation():
    p = pd.Series([0.01, NAN, 0.02], index=["x", "y", "z"])
    q = stats.benjamini_hochberg(p)
    assert list(q.index) == ["x", "y", "z"]
    np.testing.assert_allclose(q.to_numpy(), [0.02, NAN, 0.02])
    assert stats.benjamini_hochberg([]).shape == (0,)
    assert np.isnan(stats.benjamini_hochberg([NAN])).all()
    with pytest.raises(
        ValueError, match="p-value at position 1 is 1.2; p-values must be between 0 and 1"
    ):
        stats.benjamini_hochberg([0.5, 1.2])


@FAST
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=40))
def test_benjamini_hochberg_properties(values):
    p = np.array(values)
    q = stats.benjamini_hochberg(p)
    assert ((q >= p - 1e-15) & (q <= 1)).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(q[order]) >= -1e-15).all()


def test_dsr_accepts_a_frame_of_keys_and_checks_indexes():
    frame = pd.DataFrame(
        {"area": ["A", "A", "B", "B"], "year": 2024, "count": [10, 20, 30, 40], "pop": 1000}
    )
    result = stats.dsr(
        frame["count"], frame["pop"], frame[["area", "year"]], standard_population=[1, 1]
    )
    assert list(result.index) == [("A", 2024), ("B", 2024)]
    shuffled = frame["area"].sort_index(ascending=False)
    with pytest.raises(ValueError, match="different index from the data"):
        stats.dsr(frame["count"], frame["pop"], shuffled, standard_population=[1, 1])


def test_suppress_frame_with_duplicate_index():
    table = pd.DataFrame({"count": [2, 9], "rate": [1.0, 4.5]}, index=["x", "x"])
    out = stats.suppress_frame(table, "count", ["rate"], flag_column=None)
    assert out["rate"].isna().tolist() == [True, False]


def test_several_confidence_levels_as_array():
    limits = stats.funnel_limits([50], 1, "ratio", confidence=np.array([0.9, 0.99]))
    assert list(limits.columns)[2:] == ["lower_90", "upper_90", "lower_99", "upper_99"]
    with pytest.raises(ValueError, match="confidence must be a number"):
        stats.funnel_limits([50], 1, "ratio", confidence="0.95")
