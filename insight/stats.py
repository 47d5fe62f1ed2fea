"""Public-health indicator statistics that agree with PHEindicatormethods.

The functions here reproduce the methods of the R package PHEindicatormethods
(v2.1.0), which OHID/UKHSA use for the indicators published on Fingertips, so a
number shown by Place Insight can be checked against the official method:

* confidence intervals for counts (Byars, exact Poisson), proportions (Wilson),
  crude rates (:func:`rate_ci`), standardised ratios (:func:`standardised_ratio_ci`);
* directly standardised rates with Dobson limits and the 2013 European Standard
  Population (:func:`dsr`) and indirectly standardised ratios or rates
  (:func:`indirect_standardised_ratio`);
* comparison with a benchmark (:func:`compare_to_benchmark`), funnel plot
  control limits and significance (:func:`funnel_limits`,
  :func:`funnel_significance`, :func:`funnel_points`) and Spiegelhalter's
  over-dispersion adjustment (:func:`overdispersion`);
* disclosure control (:func:`suppress_small`, :func:`suppress_frame`) and
  false discovery rate control (:func:`benjamini_hochberg`);
* the slope and relative indices of inequality across deprivation quantiles, with
  simulated intervals, as ``phe_sii`` works them out (:func:`slope_index`);
* Fingertips' recent trend of a series (:func:`recent_trend`: the chi-squared test for
  trend for proportions, a weighted regression for other values, 99.8% level).

Conventions shared by every function
------------------------------------
Inputs
    Scalars, lists, numpy arrays or pandas Series.  Element-wise functions
    broadcast their inputs and return the same shape: a float for scalar
    input, an array for array input and a Series (keeping the index) when any
    input is a Series.  Series given together must share the same index.
Confidence
    A fraction strictly between 0 and 1 (``0.95``, ``0.998``).  Percentages
    such as ``95`` are rejected rather than guessed at.
Missing values
    ``NaN`` (or ``None``/``pd.NA``) in an input gives ``NaN`` in the matching
    output, never an error: a missing count or denominator means the statistic
    cannot be computed.  The exceptions, documented where they apply, follow
    PHEindicatormethods: in :func:`dsr` and :func:`indirect_standardised_ratio`
    a missing count in one age band counts as zero events.
Invalid values
    Values that cannot be right (negative counts, denominators that are zero or
    negative, numerators above their denominators, strings, infinities) raise
    :class:`ValueError` naming the argument, the position and the value, e.g.
    ``denominator at position 3 is -5; denominators must be positive``.  No
    function silently clips or drops a bad input.

References
----------
PHEindicatormethods, https://github.com/ukhsa-collaboration/PHEindicatormethods.
Fingertips public health technical guidance,
https://fingertips.phe.org.uk/profile/guidance.
Spiegelhalter DJ. Handling over-dispersion of performance indicators.
Qual Saf Health Care 2005;14:347-51.

Examples
--------
>>> from insight import stats
>>> lower, upper = stats.wilson_ci(65, 100)
>>> round(lower, 4), round(upper, 4)
(0.5525, 0.7364)
>>> stats.rate_ci([5, 65], [100, 100], multiplier=100).round(3)
   value   lower   upper method
0    5.0   1.623  11.668  Exact
1   65.0  50.163  82.849  Byars
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NoReturn, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special
from scipy import stats as sps

__all__ = [
    "ESP2013",
    "ESP2013_AGE_BANDS",
    "FUNNEL_LABELS",
    "TREND_CHI2",
    "TREND_MARKERS",
    "TREND_POINTS",
    "TREND_REASONS",
    "RecentTrend",
    "SlopeIndex",
    "overdispersion_normal",
    "Overdispersion",
    "benjamini_hochberg",
    "byars_ci",
    "compare_to_benchmark",
    "dsr",
    "exact_poisson_ci",
    "funnel_limits",
    "funnel_points",
    "funnel_significance",
    "indirect_standardised_ratio",
    "logit_gradient",
    "overdispersion",
    "proportion_ci",
    "slope_index",
    "rate_ci",
    "recent_trend",
    "standardised_ratio_ci",
    "suppress_frame",
    "suppress_small",
    "trend_chi_squared",
    "trend_not_calculated",
    "weighted_trend",
    "wilson_ci",
]

#: 2013 European Standard Population, 19 five-year age bands (0-4, ..., 85-89, 90+).
ESP2013: tuple[float, ...] = (
    5000.0,
    5500.0,
    5500.0,
    5500.0,
    6000.0,
    6000.0,
    6500.0,
    7000.0,
    7000.0,
    7000.0,
    7000.0,
    6500.0,
    6000.0,
    5500.0,
    5000.0,
    4000.0,
    2500.0,
    1500.0,
    1000.0,
)

#: Labels of the :data:`ESP2013` age bands, in the same order.
ESP2013_AGE_BANDS: tuple[str, ...] = (
    *(f"{age}-{age + 4}" for age in range(0, 90, 5)),
    "90+",
)

#: Funnel plot significance labels, as PHEindicatormethods names them.
FUNNEL_LABELS: tuple[str, ...] = (
    "High (0.001)",
    "High (0.025)",
    "Not significant",
    "Low (0.025)",
    "Low (0.001)",
)

#: Label given where a comparison cannot be made because an input is missing.
NOT_COMPARED = "Not compared"

#: Note given by :func:`dsr` when the total count is below 10.
DSR_SMALL_COUNT_NOTE = "dsr not calculated for total count < 10"

#: Counts below this use exact Poisson limits rather than Byars' approximation.
EXACT_BELOW = 10

Polarity: TypeAlias = Literal["high_is_good", "low_is_good", "neutral"]
Statistic: TypeAlias = Literal["proportion", "ratio", "rate"]
FloatArray: TypeAlias = npt.NDArray[np.float64]
#: Element-wise results: float for scalar input, array for arrays, Series for Series.
FloatResult: TypeAlias = float | FloatArray | pd.Series
#: Label results: str for scalar input, object array for arrays, Series for Series.
LabelResult: TypeAlias = str | npt.NDArray[np.object_] | pd.Series

_POLARITIES: tuple[str, ...] = ("high_is_good", "low_is_good", "neutral")
_STATISTICS: tuple[str, ...] = ("proportion", "ratio", "rate")


# --------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Values:
    """A numeric input as a float array, remembering where it came from."""

    array: FloatArray
    index: pd.Index | None
    scalar: bool


@dataclass(frozen=True, eq=False)
class _Shape:
    """How to give results back: as a float, an array or a Series."""

    index: pd.Index | None
    scalar: bool


def _fmt(value: Any) -> str:
    """Format an offending value for an error message."""
    if isinstance(value, np.generic):
        value = value.item()
    if (
        isinstance(value, float | np.floating)
        and math.isfinite(value)
        and float(value).is_integer()
    ):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return repr(value)


def _where(position: int, shape: tuple[int, ...], index: pd.Index | None) -> str:
    """Describe a flat position for a message: ``' at position 3'`` or ``''`` for scalars."""
    if len(shape) == 0:
        return ""
    if len(shape) == 1:
        text = f" at position {position}"
        if index is not None and not isinstance(index, pd.RangeIndex):
            text += f" (label {index[position]!r})"
        return text
    return f" at position {tuple(int(i) for i in np.unravel_index(position, shape))}"


def _raise_at(
    name: str,
    array: np.ndarray,
    bad: np.ndarray,
    rule: str,
    index: pd.Index | None = None,
    shown: Any = None,
) -> NoReturn:
    """Raise a ValueError naming the first bad element of ``array``."""
    flat = np.flatnonzero(np.asarray(bad).ravel())
    position = int(flat[0])
    value = shown if shown is not None else array.ravel()[position]
    more = f" ({len(flat) - 1} more invalid)" if len(flat) > 1 else ""
    raise ValueError(f"{name}{_where(position, array.shape, index)} is {_fmt(value)}; {rule}{more}")


def _as_float(values: Any, name: str) -> _Values:
    """Convert an array-like to float, rejecting non-numeric values by position.

    ``None``, ``pd.NA`` and ``NaN`` become ``NaN``; infinities, booleans,
    strings and other objects raise ValueError.
    """
    if isinstance(values, pd.DataFrame):
        raise ValueError(f"{name} must be a scalar, list, array or Series, not a DataFrame")
    index: pd.Index | None = None
    if isinstance(values, pd.Series):
        index = values.index
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype
        ):
            raw: np.ndarray = values.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            raw = values.to_numpy(dtype=object)
    elif isinstance(values, pd.Index):
        raw = values.to_numpy()
    elif isinstance(values, list | tuple):
        # check the caller's own elements: np.asarray would turn [1, "a"] into
        # ["1", "a"] and [1.5, True] into [1.5, 1.0]
        raw = np.array(values, dtype=object)
    else:
        raw = np.asarray(values)
    if raw.dtype.kind in "iuf":
        array = raw.astype(np.float64)
    else:
        flat = raw.ravel()
        out = np.empty(flat.shape, dtype=np.float64)
        for position, item in enumerate(flat):
            if item is None or item is pd.NA or item is pd.NaT:
                out[position] = np.nan
            elif isinstance(item, numbers.Real) and not isinstance(item, bool | np.bool_):
                out[position] = float(item)
            else:
                _raise_at(
                    name,
                    raw,
                    np.arange(flat.size) == position,
                    f"{name}s must be numbers (use NaN for a missing value)",
                    index,
                    shown=item,
                )
        array = out.reshape(raw.shape)
    infinite = np.isinf(array)
    if infinite.any():
        _raise_at(
            name, array, infinite, f"{name}s must be finite (use NaN for a missing value)", index
        )
    return _Values(array=array, index=index, scalar=array.ndim == 0)


def _broadcast(*values: _Values) -> tuple[list[FloatArray], _Shape]:
    """Broadcast inputs together and decide the shape of the result."""
    index: pd.Index | None = None
    for value in values:
        if value.index is None:
            continue
        if index is None:
            index = value.index
        elif not index.equals(value.index):
            raise ValueError("Series inputs have different indexes; align them before calling")
    try:
        arrays = [
            np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(*(v.array for v in values))
        ]
    except ValueError as error:
        shapes = ", ".join(str(v.array.shape) for v in values)
        raise ValueError(f"inputs have incompatible shapes {shapes}") from error
    if index is not None and (arrays[0].ndim != 1 or len(index) != arrays[0].shape[0]):
        raise ValueError("a Series input must be combined with scalars or 1-D inputs of its length")
    return arrays, _Shape(index=index, scalar=all(v.scalar for v in values))


def _wrap(array: np.ndarray, shape: _Shape, name: str | None = None) -> Any:
    """Give an element-wise result back as float, array or Series."""
    if shape.scalar:
        item = np.asarray(array).reshape(())[()]
        return item if isinstance(item, str) else float(item)
    if shape.index is not None:
        return pd.Series(array, index=shape.index, name=name)
    return array


def _frame_index(shape: _Shape, length: int) -> pd.Index:
    return shape.index if shape.index is not None else pd.RangeIndex(length)


def _one_dimensional(arrays: list[FloatArray]) -> list[FloatArray]:
    """Turn broadcast inputs into 1-D columns for a DataFrame result."""
    if arrays[0].ndim > 1:
        raise ValueError(f"inputs must be scalars or 1-D, got shape {arrays[0].shape}")
    return [np.atleast_1d(a) for a in arrays]


def _check_confidence(confidence: Any, name: str = "confidence") -> float:
    """Validate a confidence level given as a fraction strictly between 0 and 1."""
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise ValueError(
            f"{name} must be a number between 0 and 1 such as 0.95, got {confidence!r}"
        )
    level = float(confidence)
    if not 0.0 < level < 1.0:
        hint = f" (for {level:g}% write {level / 100:g})" if 1.0 < level < 100.0 else ""
        raise ValueError(
            f"{name} is {_fmt(level)}; it must be a fraction strictly between 0 and 1 "
            f"such as 0.95 or 0.998{hint}"
        )
    return level


def _check_confidences(confidence: Any) -> tuple[float, ...]:
    """Validate one confidence level or a sequence of them."""
    if isinstance(confidence, numbers.Real | str) or not isinstance(
        confidence, Sequence | np.ndarray
    ):
        return (_check_confidence(confidence),)
    levels = tuple(_check_confidence(c) for c in confidence)
    if not levels:
        raise ValueError("confidence must hold at least one level such as 0.95")
    return levels


def _level_name(confidence: float) -> str:
    """Column suffix for a confidence level: 0.95 -> ``'95'``, 0.998 -> ``'99_8'``."""
    return f"{confidence * 100:.10g}".replace(".", "_")


def _z(confidence: float) -> float:
    """Two-sided standard normal critical value for a confidence level."""
    return float(sps.norm.ppf(0.5 + confidence / 2.0))


def _check_multiplier(multiplier: Any) -> float:
    if isinstance(multiplier, bool) or not isinstance(multiplier, numbers.Real):
        raise ValueError(f"multiplier must be a positive number, got {multiplier!r}")
    if not (math.isfinite(multiplier) and multiplier > 0):
        raise ValueError(f"multiplier is {_fmt(float(multiplier))}; it must be a positive number")
    return float(multiplier)


def _check_choice(value: Any, name: str, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} is {value!r}; it must be one of {options}")
    return value


def _require_non_negative(values: _Values, name: str) -> None:
    bad = values.array < 0
    if bad.any():
        _raise_at(name, values.array, bad, f"{name}s must be zero or more", values.index)


def _require_positive(values: _Values, name: str) -> None:
    bad = values.array <= 0
    if bad.any():
        _raise_at(name, values.array, bad, f"{name}s must be positive", values.index)


# --------------------------------------------------------------------------------------
# Confidence limits for counts and proportions
# --------------------------------------------------------------------------------------


def _wilson(x: FloatArray, n: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = 2.0 * x + z**2
        spread = z * np.sqrt(z**2 + 4.0 * x * (1.0 - x / n))
        lower = (centre - spread) / 2.0 / (n + z**2)
        upper = (centre + spread) / 2.0 / (n + z**2)
    # exact end points (rounding could otherwise give -1e-17 or 0.9999999999999999)
    lower = np.where(x == 0, 0.0, np.clip(lower, 0.0, 1.0))
    upper = np.where(x == n, 1.0, np.clip(upper, 0.0, 1.0))
    return lower, upper


def _byars_lower(x: FloatArray, confidence: float) -> FloatArray:
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * np.sqrt(x))) ** 3
    lower = np.where(lower < 0, np.nan, lower)  # Byars breaks down: no limit
    return np.where(x == 0, 0.0, lower)


def _byars_upper(x: FloatArray, confidence: float) -> FloatArray:
    z = _z(confidence)
    x1 = x + 1.0
    return x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * np.sqrt(x1))) ** 3


def _exact_lower(x: FloatArray, confidence: float) -> FloatArray:
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore"):
        lower = sps.chi2.ppf(alpha / 2.0, 2.0 * x) / 2.0
    # zero events (or a subnormal count, where scipy gives NaN): the limit is 0
    return np.where(x < np.finfo(np.float64).tiny, 0.0, lower)


def _exact_upper(x: FloatArray, confidence: float) -> FloatArray:
    alpha = 1.0 - confidence
    return sps.chi2.ppf(1.0 - alpha / 2.0, 2.0 * x + 2.0) / 2.0


def _poisson_limits(
    x: FloatArray, confidence: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.object_]]:
    """PHE's count limits: exact below 10 events, Byars from 10 on; plus the method used."""
    exact = x < EXACT_BELOW
    lower = np.where(exact, _exact_lower(x, confidence), _byars_lower(x, confidence))
    upper = np.where(exact, _exact_upper(x, confidence), _byars_upper(x, confidence))
    method = np.where(np.isnan(x), None, np.where(exact, "Exact", "Byars")).astype(object)
    return lower, upper, method


def wilson_ci(
    numerator: Any, denominator: Any, confidence: float = 0.95
) -> tuple[FloatResult, FloatResult]:
    """Wilson score confidence interval for a proportion.

    Parameters
    ----------
    numerator : array-like
        Number of cases meeting the condition (zero or more, need not be whole).
    denominator : array-like
        Number of cases in the sample; positive and at least ``numerator``.
    confidence : float, default 0.95
        Confidence level, a fraction strictly between 0 and 1.

    Returns
    -------
    lower, upper : float, ndarray or Series
        Limits on the proportion scale (0 to 1), shaped like the broadcast
        inputs.  A numerator of 0 gives a lower limit of exactly 0 and a
        numerator equal to its denominator an upper limit of exactly 1.
        ``NaN`` where either input is missing.

    Raises
    ------
    ValueError
        If a numerator is negative, a denominator is zero or negative, a
        numerator exceeds its denominator, an input is not numeric, or the
        confidence level is not in (0, 1).

    Notes
    -----
    Wilson EB (1927); Newcombe and Altman (2000), as PHEindicatormethods
    ``wilson_lower``/``wilson_upper``.

    Examples
    --------
    >>> lower, upper = wilson_ci([0, 65, 100], 100)
    >>> lower.round(4), upper.round(4)
    (array([0.    , 0.5525, 0.963 ]), array([0.037 , 0.7364, 1.    ]))
    """
    level = _check_confidence(confidence)
    x = _as_float(numerator, "numerator")
    n = _as_float(denominator, "denominator")
    _require_non_negative(x, "numerator")
    _require_positive(n, "denominator")
    (xa, na), shape = _broadcast(x, n)
    _check_not_above(xa, na, shape)
    lower, upper = _wilson(xa, na, level)
    return _wrap(lower, shape, "lower"), _wrap(upper, shape, "upper")


def _check_not_above(x: FloatArray, n: FloatArray, shape: _Shape) -> None:
    above = x > n
    if above.any():
        position = int(np.flatnonzero(above.ravel())[0])
        where = _where(position, x.shape, shape.index)
        raise ValueError(
            f"numerator{where} is {_fmt(x.ravel()[position])} but its denominator is "
            f"{_fmt(n.ravel()[position])}; a proportion's numerator cannot exceed its denominator"
        )


def byars_ci(count: Any, confidence: float = 0.95) -> tuple[FloatResult, FloatResult]:
    """Byars' approximate confidence interval for a Poisson count.

    Parameters
    ----------
    count : array-like
        Observed numbers of events, zero or more.
    confidence : float, default 0.95
        Confidence level, a fraction strictly between 0 and 1.

    Returns
    -------
    lower, upper : float, ndarray or Series
        Limits for the count, shaped like ``count``.  A count of 0 has lower
        limit 0.  Where Byars' formula gives a negative lower limit (very small
        counts at high confidence, e.g. 1 event at 99.8%) the lower limit is
        ``NaN``, as in PHEindicatormethods: use :func:`exact_poisson_ci` there.
        ``NaN`` where the count is missing.

    Raises
    ------
    ValueError
        If a count is negative or not numeric, or the confidence is not in (0, 1).

    Notes
    -----
    ``lower = x (1 - 1/(9x) - z/(3 sqrt(x)))^3`` and
    ``upper = (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3`` (Breslow and Day,
    1987), as PHEindicatormethods ``byars_lower``/``byars_upper``.

    Examples
    --------
    >>> lower, upper = byars_ci(65)
    >>> round(lower, 3), round(upper, 3)
    (50.163, 82.849)
    """
    level = _check_confidence(confidence)
    x = _as_float(count, "count")
    _require_non_negative(x, "count")
    shape = _Shape(index=x.index, scalar=x.scalar)
    return (
        _wrap(_byars_lower(x.array, level), shape, "lower"),
        _wrap(_byars_upper(x.array, level), shape, "upper"),
    )


def exact_poisson_ci(count: Any, confidence: float = 0.95) -> tuple[FloatResult, FloatResult]:
    """Exact (chi-square based) confidence interval for a Poisson count.

    Parameters
    ----------
    count : array-like
        Observed numbers of events, zero or more.
    confidence : float, default 0.95
        Confidence level, a fraction strictly between 0 and 1.

    Returns
    -------
    lower, upper : float, ndarray or Series
        ``lower = chi2.ppf(alpha/2, 2x) / 2`` (0 when ``x`` is 0) and
        ``upper = chi2.ppf(1 - alpha/2, 2x + 2) / 2`` with
        ``alpha = 1 - confidence``.  ``NaN`` where the count is missing.

    Raises
    ------
    ValueError
        If a count is negative or not numeric, or the confidence is not in (0, 1).

    Examples
    --------
    >>> lower, upper = exact_poisson_ci([0, 1])
    >>> lower.round(4), upper.round(4)
    (array([0.    , 0.0253]), array([3.6889, 5.5716]))
    """
    level = _check_confidence(confidence)
    x = _as_float(count, "count")
    _require_non_negative(x, "count")
    shape = _Shape(index=x.index, scalar=x.scalar)
    return (
        _wrap(_exact_lower(x.array, level), shape, "lower"),
        _wrap(_exact_upper(x.array, level), shape, "upper"),
    )


def rate_ci(
    count: Any,
    denominator: Any,
    confidence: float = 0.95,
    multiplier: float = 100_000,
) -> pd.DataFrame:
    """Crude rate with confidence limits, as PHEindicatormethods ``phe_rate``.

    Parameters
    ----------
    count : array-like
        Observed numbers of events, zero or more.
    denominator : array-like
        Populations (or person-years), positive.  A count may exceed its
        denominator (a rate is not a proportion).
    confidence : float, default 0.95
        Confidence level, a fraction strictly between 0 and 1.
    multiplier : float, default 100_000
        Scale of the result, e.g. 100_000 for a rate per 100,000.

    Returns
    -------
    pandas.DataFrame
        One row per input element (index of a Series input, else 0..n-1) with
        columns ``value``, ``lower``, ``upper`` (all per ``multiplier``) and
        ``method``: ``"Exact"`` (exact Poisson limits) when the count is below
        10, ``"Byars"`` otherwise, missing when the count is missing.  Values
        are ``NaN`` where the count or denominator is missing.

    Raises
    ------
    ValueError
        If a count is negative, a denominator is zero or negative, an input is
        not numeric, or the confidence or multiplier is invalid.

    Examples
    --------
    >>> rate_ci(20, 100, multiplier=100).round(3)
       value   lower  upper method
    0   20.0  12.211  30.89  Byars
    """
    level = _check_confidence(confidence)
    scale = _check_multiplier(multiplier)
    x = _as_float(count, "count")
    n = _as_float(denominator, "denominator")
    _require_non_negative(x, "count")
    _require_positive(n, "denominator")
    arrays, shape = _broadcast(x, n)
    xa, na = _one_dimensional(arrays)
    lower, upper, method = _poisson_limits(xa, level)
    return pd.DataFrame(
        {
            "value": xa / na * scale,
            "lower": lower / na * scale,
            "upper": upper / na * scale,
            "method": method,
        },
        index=_frame_index(shape, len(xa)),
    )


def proportion_ci(
    numerator: Any,
    denominator: Any,
    confidence: float = 0.95,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Proportion with Wilson score limits, as PHEindicatormethods ``phe_proportion``.

    Parameters
    ----------
    numerator : array-like
        Numbers of cases meeting the condition, zero or more.
    denominator : array-like
        Numbers of cases in the samples, positive and at least the numerator.
    confidence : float, default 0.95
        Confidence level, a fraction strictly between 0 and 1.
    multiplier : float, default 1
        1 for a proportion of 1, 100 for a percentage.

    Returns
    -------
    pandas.DataFrame
        Columns ``value``, ``lower``, ``upper`` (times ``multiplier``) and
        ``method`` (always ``"Wilson"``); one row per input element, ``NaN``
        values where an input is missing.

    Raises
    ------
    ValueError
        As :func:`wilson_ci`, or if the multiplier is not positive.

    Examples
    --------
    >>> proportion_ci([1, 65], 100, multiplier=100).round(2)
       value  lower  upper  method
    0    1.0   0.18   5.45  Wilson
    1   65.0  55.25  73.64  Wilson
    """
    level = _check_confidence(confidence)
    scale = _check_multiplier(multiplier)
    x = _as_float(numerator, "numerator")
    n = _as_float(denominator, "denominator")
    _require_non_negative(x, "numerator")
    _require_positive(n, "denominator")
    arrays, shape = _broadcast(x, n)
    xa, na = _one_dimensional(arrays)
    _check_not_above(xa, na, shape)
    lower, upper = _wilson(xa, na, level)
    return pd.DataFrame(
        {
            "value": xa / na * scale,
            "lower": lower * scale,
            "upper": upper * scale,
            "method": "Wilson",
        },
        index=_frame_index(shape, len(xa)),
    )


def standardised_ratio_ci(
    observed: Any,
    expected: Any,
    confidence: float = 0.95,
    multiplier: float = 1,
    reference_rate: Any = None,
) -> pd.DataFrame:
    """Standardised ratio (observed / expected) with Byars or exact limits.

    This is the last step of :func:`indirect_standardised_ratio`, for when the
    observed and expected totals are already known.

    Parameters
    ----------
    observed : array-like
        Observed numbers of events, zero or more.
    expected : array-like
        Expected numbers of events, positive.
    confidence : float, default 0.95
        Confidence level, a fraction strictly between 0 and 1.
    multiplier : float, default 1
        1 for a ratio, 100 for a ratio x 100, or e.g. 100_000 with
        ``reference_rate`` for a rate per 100,000.
    reference_rate : array-like, optional
        Crude rate of the reference population per unit of population (events
        divided by population, not per 100,000).  When given, the result is the
        indirectly standardised rate ``observed / expected * reference_rate *
        multiplier``.

    Returns
    -------
    pandas.DataFrame
        Columns ``value``, ``lower``, ``upper`` and ``method`` (``"Exact"`` when
        ``observed`` is below 10, else ``"Byars"``).  The limits are those of the
        observed count divided by ``expected`` and scaled like the value.

    Raises
    ------
    ValueError
        If an observed count is negative, an expected count or reference rate
        is not positive, an input is not numeric, or an option is invalid.

    Examples
    --------
    >>> standardised_ratio_ci(91, 835.8836, multiplier=100).round(3)
        value  lower   upper method
    0  10.887  8.765  13.367  Byars
    """
    level = _check_confidence(confidence)
    scale = _check_multiplier(multiplier)
    o = _as_float(observed, "observed")
    e = _as_float(expected, "expected")
    _require_non_negative(o, "observed")
    _require_positive(e, "expected")
    inputs = [o, e]
    if reference_rate is not None:
        r = _as_float(reference_rate, "reference_rate")
        _require_positive(r, "reference_rate")
        inputs.append(r)
    arrays, shape = _broadcast(*inputs)
    arrays = _one_dimensional(arrays)
    oa, ea = arrays[0], arrays[1]
    factor = (arrays[2] if reference_rate is not None else 1.0) * scale
    lower, upper, method = _poisson_limits(oa, level)
    return pd.DataFrame(
        {
            "value": oa / ea * factor,
            "lower": lower / ea * factor,
            "upper": upper / ea * factor,
            "method": method,
        },
        index=_frame_index(shape, len(oa)),
    )


# --------------------------------------------------------------------------------------
# Standardisation
# --------------------------------------------------------------------------------------


def _key_name(key: Any, position: int, many: bool) -> str:
    name = getattr(key, "name", None)
    if isinstance(name, str):
        return name
    return f"group_{position}" if many else "group"


def _group_codes(
    groups: Any, length: int, index: pd.Index | None = None
) -> tuple[npt.NDArray[np.intp], pd.Index]:
    """Factorise one or more group keys in order of first appearance.

    ``index`` is the index of the data (if it came as Series); Series keys must
    share it, so rows are never matched to the wrong group.
    """
    if groups is None:
        return np.zeros(length, dtype=np.intp), pd.RangeIndex(1)
    if isinstance(groups, pd.DataFrame):
        keys: list[Any] = [groups[column] for column in groups.columns]
        many = True
    else:
        many = isinstance(groups, list | tuple) and all(
            isinstance(k, pd.Series | pd.Index | np.ndarray | list | tuple) for k in groups
        )
        keys = list(groups) if many else [groups]
    if not keys:
        raise ValueError("groups is empty; give None or one or more arrays of group labels")
    columns: dict[str, np.ndarray] = {}
    for position, key in enumerate(keys):
        name = _key_name(key, position, many)
        while name in columns:
            name += "_"
        if isinstance(key, pd.Series) and index is not None and not key.index.equals(index):
            raise ValueError(
                f"groups key {name!r} has a different index from the data; align them first"
            )
        values = np.asarray(key.to_numpy() if isinstance(key, pd.Series) else key, dtype=object)
        if values.ndim != 1 or len(values) != length:
            raise ValueError(
                f"groups key {name!r} has shape {values.shape}; it needs one label per row "
                f"({length} rows)"
            )
        missing = pd.isna(values)
        if missing.any():
            _raise_at(f"group label {name!r}", values, missing, "group labels must not be missing")
        columns[name] = values
    frame = pd.DataFrame(columns)
    codes = frame.groupby(list(columns), sort=False).ngroup().to_numpy(dtype=np.intp)
    uniques = frame.drop_duplicates()
    if len(columns) == 1:
        name = next(iter(columns))
        return codes, pd.Index(uniques[name].to_numpy(), name=name)
    return codes, pd.MultiIndex.from_frame(uniques)


def _band_positions(
    codes: npt.NDArray[np.intp], labels: pd.Index, bands: int, what: str
) -> npt.NDArray[np.intp]:
    """Position of each row within its group, checking every group has ``bands`` rows."""
    sizes = np.bincount(codes, minlength=len(labels))
    wrong = np.flatnonzero(sizes != bands)
    if wrong.size:
        label = labels[int(wrong[0])]
        raise ValueError(
            f"group {label!r} has {sizes[wrong[0]]} rows; each group needs {bands} rows, "
            f"one per {what} band, in the same order as the {what}"
        )
    return pd.Series(codes).groupby(codes).cumcount().to_numpy(dtype=np.intp)


def _band_vector(values: Any, name: str, bands: int | None = None) -> FloatArray:
    v = _as_float(values, name)
    if v.array.ndim != 1 or (bands is not None and len(v.array) != bands):
        size = f"{bands} values" if bands is not None else "one value per band"
        raise ValueError(f"{name} must be 1-D with {size}, got shape {v.array.shape}")
    return v.array


def _sum_by(codes: npt.NDArray[np.intp], weights: FloatArray, groups: int) -> FloatArray:
    return np.bincount(codes, weights=weights, minlength=groups).astype(np.float64)


def _missing_population_notes(
    codes: npt.NDArray[np.intp], missing: np.ndarray, groups: int
) -> npt.NDArray[np.object_]:
    counts = np.bincount(codes, weights=missing.astype(float), minlength=groups).astype(int)
    return np.array(
        [f"population missing in {k} band(s)" if k else None for k in counts], dtype=object
    )


def dsr(
    counts: Any,
    populations: Any,
    groups: Any = None,
    standard_population: Any = ESP2013,
    confidence: float = 0.95,
    multiplier: float = 100_000,
) -> pd.DataFrame:
    """Directly standardised rates with Dobson confidence limits.

    As PHEindicatormethods ``calculate_dsr`` / ``phe_dsr``: the rate in each
    standardisation band (usually age band) is weighted by the standard
    population, and the limits are Byars' limits of the total count scaled by
    Dobson's method.

    Parameters
    ----------
    counts : array-like
        Events in each band, in long format: one row per band per group, the
        bands of each group in the same order as ``standard_population``.  A
        missing count means no events were recorded and counts as zero, as in
        PHEindicatormethods.
    populations : array-like
        Population in each band, positive; same length as ``counts``.  A missing
        population makes that group's results ``NaN`` (see ``note``).
    groups : array-like, list of array-likes, DataFrame or None, default None
        Group labels (e.g. area code), one per row, or a list of such arrays
        (or a DataFrame of key columns) for several keys (area, sex, year...).
        ``None`` treats all rows as one group.  Groups are returned in order of
        first appearance.  Series keys must share the index of Series data.
    standard_population : array-like, default :data:`ESP2013`
        Standard population of each band, positive.
    confidence : float, default 0.95
        Confidence level, a fraction strictly between 0 and 1.
    multiplier : float, default 100_000
        Rate per ``multiplier`` people.

    Returns
    -------
    pandas.DataFrame
        One row per group, indexed by the group labels (a MultiIndex for several
        keys; 0 when ``groups`` is None), with columns

        ``total_count``
            Sum of the counts.
        ``total_pop``
            Sum of the populations.
        ``value``, ``lower``, ``upper``
            Standardised rate and limits per ``multiplier``.
        ``method``
            ``"Dobson"``.
        ``note``
            Why ``value`` is ``NaN``, else missing: ``"dsr not calculated for
            total count < 10"`` (:data:`DSR_SMALL_COUNT_NOTE`) or ``"population
            missing in k band(s)"``.

    Raises
    ------
    ValueError
        If a count is negative, a population or standard population value is
        not positive, a group has a different number of rows from the standard
        population, an input is not numeric, or an option is invalid.

    Notes
    -----
    With counts ``x_i``, populations ``n_i`` and standard weights ``w_i``,
    ``O = sum x_i``, ``value = sum(x_i w_i / n_i) / sum(w_i)`` and
    ``var = sum(x_i w_i^2 / n_i^2) / sum(w_i)^2``; the limits are
    ``value + sqrt(var / O) * (L - O)`` where ``L`` is the Byars lower or upper
    limit of ``O`` (Dobson et al., Stat Med 1991;10:457-62).

    Examples
    --------
    >>> result = dsr([30, 50, 70], [1000, 1000, 500], standard_population=[1, 1, 2])
    >>> result[["total_count", "value", "lower", "upper"]].round(1)
       total_count   value   lower    upper
    0        150.0  9000.0  7370.4  10839.8
    """
    level = _check_confidence(confidence)
    scale = _check_multiplier(multiplier)
    x = _as_float(counts, "count")
    n = _as_float(populations, "population")
    _require_non_negative(x, "count")
    _require_positive(n, "population")
    (xa, na), shape = _broadcast(x, n)
    if xa.ndim != 1:
        raise ValueError(f"counts and populations must be 1-D, got shape {xa.shape}")
    weights = _band_vector(standard_population, "standard_population")
    if (weights <= 0).any() or np.isnan(weights).any():
        _raise_at(
            "standard_population",
            weights,
            ~(weights > 0),
            "standard population values must be positive",
        )
    codes, labels = _group_codes(groups, len(xa), shape.index)
    band = _band_positions(codes, labels, len(weights), "standard population")
    k = len(labels)
    w = weights[band]
    x0 = np.nan_to_num(xa, nan=0.0)
    total_count = _sum_by(codes, x0, k)
    total_pop = _sum_by(codes, na, k)
    total_weight = _sum_by(codes, w, k)
    weighted = _sum_by(codes, x0 * w / na, k)
    squared = _sum_by(codes, x0 * (w / na) ** 2, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = weighted / total_weight
        spread = np.sqrt(squared / total_weight**2 / total_count)
        lower = value + spread * (_byars_lower(total_count, level) - total_count)
        upper = value + spread * (_byars_upper(total_count, level) - total_count)
    note = _missing_population_notes(codes, np.isnan(na), k)
    small = total_count < EXACT_BELOW
    note = np.where(small & pd.isna(note), DSR_SMALL_COUNT_NOTE, note).astype(object)
    unusable = small | np.isnan(value)
    value, lower, upper = (np.where(unusable, np.nan, a * scale) for a in (value, lower, upper))
    return pd.DataFrame(
        {
            "total_count": total_count,
            "total_pop": total_pop,
            "value": value,
            "lower": lower,
            "upper": upper,
            "method": "Dobson",
            "note": note,
        },
        index=labels,
    )


def indirect_standardised_ratio(
    counts: Any,
    populations: Any,
    reference_counts: Any,
    reference_populations: Any,
    groups: Any = None,
    *,
    observed: Any = None,
    kind: Literal["ratio", "rate"] = "ratio",
    confidence: float = 0.95,
    multiplier: float | None = None,
) -> pd.DataFrame:
    """Indirectly standardised ratio (e.g. SMR) or rate, as PHEindicatormethods.

    Expected events are the reference population's band rates applied to the
    local band populations; the ratio is observed / expected, with Byars limits
    (exact Poisson limits when fewer than 10 events were observed).  With
    ``kind="rate"`` the ratio is multiplied by the reference crude rate, giving
    the indirectly standardised rate of ``calculate_ISRate`` / ``phe_isr``;
    ``kind="ratio"`` matches ``calculate_ISRatio`` / ``phe_smr``.

    Parameters
    ----------
    counts : array-like or None
        Observed events in each band, long format as for :func:`dsr`; a missing
        count counts as zero (PHEindicatormethods).  May be None when
        ``observed`` is given.
    populations : array-like
        Local population in each band, zero or more.  A missing population
        makes that group's results ``NaN`` (see ``note``).
    reference_counts : array-like
        Events in each band of the reference population; a missing value counts
        as zero.
    reference_populations : array-like
        Reference population of each band, positive.
    groups : array-like, list of array-likes or None, default None
        Group labels per row, as for :func:`dsr`.
    observed : array-like or Series, optional
        Observed totals per group when events are not known by band: a Series
        indexed by group label, or values in the order of first appearance of
        the groups.  Overrides ``counts``.
    kind : {"ratio", "rate"}, default "ratio"
        Return the standardised ratio or the indirectly standardised rate.
    confidence : float, default 0.95
        Confidence level, a fraction strictly between 0 and 1.
    multiplier : float, optional
        Defaults to 1 for a ratio (use 100 for a ratio x 100) and 100,000 for
        a rate.

    Returns
    -------
    pandas.DataFrame
        One row per group (indexed as for :func:`dsr`) with columns
        ``observed``, ``expected``, ``reference_rate`` (the reference crude rate
        per ``multiplier``; ``NaN`` for a ratio), ``value``, ``lower``,
        ``upper``, ``method`` (``"Exact"`` or ``"Byars"``) and ``note`` (why the
        value is ``NaN``: a missing population or no expected events).

    Raises
    ------
    ValueError
        If a count or population is negative, a reference population is not
        positive, a group has the wrong number of rows, ``observed`` does not
        cover every group, an input is not numeric, or an option is invalid.

    Examples
    --------
    >>> result = indirect_standardised_ratio(
    ...     [30, 50], [1000, 2000], reference_counts=[20, 30],
    ...     reference_populations=[1000, 1000], multiplier=100)
    >>> result[["observed", "expected", "value", "lower", "upper"]].round(2)
       observed  expected  value  lower   upper
    0      80.0      80.0  100.0  79.29  124.46
    """
    _check_choice(kind, "kind", ("ratio", "rate"))
    level = _check_confidence(confidence)
    scale = _check_multiplier(
        multiplier if multiplier is not None else (1 if kind == "ratio" else 100_000)
    )
    n = _as_float(populations, "population")
    _require_non_negative(n, "population")
    if n.array.ndim != 1:
        raise ValueError(f"populations must be 1-D, got shape {n.array.shape}")
    ref_x = _band_vector(reference_counts, "reference_count")
    ref_n = _band_vector(reference_populations, "reference_population", len(ref_x))
    if (ref_x < 0).any():
        _raise_at("reference_count", ref_x, ref_x < 0, "reference counts must be zero or more")
    if not (ref_n > 0).all():
        _raise_at(
            "reference_population",
            ref_n,
            ~(ref_n > 0),
            "reference populations must be positive",
        )
    codes, labels = _group_codes(groups, len(n.array), n.index)
    band = _band_positions(codes, labels, len(ref_x), "reference population")
    k = len(labels)
    ref_x0 = np.nan_to_num(ref_x, nan=0.0)
    expected = _sum_by(codes, (ref_x0 / ref_n)[band] * n.array, k)
    if observed is not None:
        obs = _observed_totals(observed, labels)
    elif counts is None:
        raise ValueError("give counts by band, or observed totals per group")
    else:
        x = _as_float(counts, "count")
        _require_non_negative(x, "count")
        if x.array.shape != n.array.shape:
            raise ValueError(
                f"counts has shape {x.array.shape} but populations has shape {n.array.shape}"
            )
        (xa, _), _ = _broadcast(x, n)  # checks that Series indexes agree
        obs = _sum_by(codes, np.nan_to_num(xa, nan=0.0), k)
    note = _missing_population_notes(codes, np.isnan(n.array), k)
    no_expected = (expected == 0) & pd.isna(note)
    note = np.where(no_expected, "no expected events", note).astype(object)
    usable = ~np.isnan(expected) & (expected > 0)
    ref_rate = ref_x0.sum() / ref_n.sum()
    factor = scale * (ref_rate if kind == "rate" else 1.0)
    safe_expected = np.where(usable, expected, 1.0)
    lower, upper, method = _poisson_limits(obs, level)
    value, lower, upper = (
        np.where(usable, a / safe_expected * factor, np.nan) for a in (obs, lower, upper)
    )
    return pd.DataFrame(
        {
            "observed": obs,
            "expected": expected,
            "reference_rate": ref_rate * scale if kind == "rate" else np.nan,
            "value": value,
            "lower": lower,
            "upper": upper,
            "method": method,
            "note": note,
        },
        index=labels,
    )


def _observed_totals(observed: Any, labels: pd.Index) -> FloatArray:
    if isinstance(observed, pd.Series):
        missing = labels.difference(observed.index)
        if len(missing):
            raise ValueError(f"observed has no total for group {missing[0]!r}")
        observed = observed.reindex(labels)
    o = _as_float(observed, "observed")
    _require_non_negative(o, "observed")
    array = np.atleast_1d(o.array)
    if array.shape != (len(labels),):
        raise ValueError(f"observed has {array.size} values but there are {len(labels)} groups")
    return array


# --------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------


def compare_to_benchmark(
    lower: Any,
    upper: Any,
    benchmark: Any,
    polarity: Polarity = "high_is_good",
) -> LabelResult:
    """Compare confidence intervals with a benchmark, as Fingertips does.

    Parameters
    ----------
    lower, upper : array-like
        Confidence limits of each value; ``lower`` must not exceed ``upper``.
    benchmark : array-like
        Benchmark value (e.g. England), scalar or one per interval.
    polarity : {"high_is_good", "low_is_good", "neutral"}, default "high_is_good"
        Whether a higher value is better, worse, or neither.

    Returns
    -------
    str, ndarray of str or Series
        ``"Better"``, ``"Similar"`` or ``"Worse"`` (``"Higher"``, ``"Similar"``
        or ``"Lower"`` when polarity is ``"neutral"``), shaped like the
        broadcast inputs.  An interval that only touches the benchmark is
        ``"Similar"``.  ``"Not compared"`` where a limit or the benchmark is
        missing.

    Raises
    ------
    ValueError
        If polarity is not one of the allowed values, a lower limit exceeds its
        upper limit, or an input is not numeric.

    Examples
    --------
    >>> compare_to_benchmark([1, 4, 8, float("nan")], [3, 6, 9, 1], 5)
    array(['Worse', 'Similar', 'Better', 'Not compared'], dtype=object)
    >>> compare_to_benchmark(8, 9, 5, polarity="low_is_good")
    'Worse'
    """
    _check_choice(polarity, "polarity", _POLARITIES)
    lo = _as_float(lower, "lower")
    hi = _as_float(upper, "upper")
    bench = _as_float(benchmark, "benchmark")
    (la, ua, ba), shape = _broadcast(lo, hi, bench)
    crossed = la > ua
    if crossed.any():
        position = int(np.flatnonzero(crossed.ravel())[0])
        raise ValueError(
            f"lower{_where(position, la.shape, shape.index)} is {_fmt(la.ravel()[position])} "
            f"but upper is {_fmt(ua.ravel()[position])}; lower limits must not exceed upper limits"
        )
    high, low = {
        "high_is_good": ("Better", "Worse"),
        "low_is_good": ("Worse", "Better"),
        "neutral": ("Higher", "Lower"),
    }[polarity]
    missing = np.isnan(la) | np.isnan(ua) | np.isnan(ba)
    labels = np.select(
        [missing, la > ba, ua < ba], [NOT_COMPARED, high, low], default="Similar"
    ).astype(object)
    return _wrap(labels, shape, "comparison")


def _funnel_grid_floor(x: float, fraction: float = 0.95) -> float:
    """Round ``x * fraction`` down to its leading digit (PHE ``signif.floor``)."""
    if x == 0:
        return 0.0
    digits = len(str(math.floor(x * fraction))) - 1
    return math.floor(x * fraction / 10**digits) * 10**digits


def _funnel_grid_ceiling(x: float, fraction: float = 1.05) -> float:
    """Round ``x * fraction`` up to two significant digits (PHE ``signif.ceiling``)."""
    if x == 0:
        return 0.0
    digits = len(str(math.ceil(x * fraction))) - 2
    return math.ceil(x * fraction / 10.0**digits) * 10.0**digits


def funnel_points(denominators: Any, n_points: int = 100) -> FloatArray:
    """Denominators at which to draw funnel plot limits, as PHE ``phe_funnels``.

    Parameters
    ----------
    denominators : array-like
        The denominators (populations, or expected counts for ratios) of the
        units on the plot; missing values are ignored.
    n_points : int, default 100
        Number of points.

    Returns
    -------
    ndarray
        ``n_points`` increasing whole numbers spread geometrically from 1 (or,
        when the largest denominator is at most twice the smallest, from just
        below the smallest) to just above the largest denominator.

    Raises
    ------
    ValueError
        If there is no positive denominator, a denominator is negative or not
        numeric, or ``n_points`` is below 2.

    Examples
    --------
    >>> funnel_points([16386, 102950])[[0, 1, 2, -1]].tolist()
    [1.0, 2.0, 3.0, 110000.0]
    """
    if isinstance(n_points, bool) or not isinstance(n_points, numbers.Integral) or n_points < 2:
        raise ValueError(f"n_points is {n_points!r}; it must be a whole number of at least 2")
    d = _as_float(denominators, "denominator")
    _require_positive(d, "denominator")
    present = d.array[~np.isnan(d.array)]
    if present.size == 0:
        raise ValueError("funnel_points needs at least one denominator that is not missing")
    smallest, largest = float(present.min()), float(present.max())
    axis_min = 0.0 if largest > 2 * smallest else _funnel_grid_floor(smallest)
    axis_max = _funnel_grid_ceiling(largest)
    points = [max(1.0, axis_min)]
    for j in range(2, n_points + 1):
        step = (axis_max / points[-1]) ** (1.0 / (n_points + 1 - j)) * points[-1]
        points.append(max(float(round(step)), points[-1] + 1.0))
    return np.array(points)


def _check_statistic(statistic: Any) -> str:
    return _check_choice(statistic, "statistic", _STATISTICS)


def _default_multiplier(statistic: str, multiplier: float | None) -> float:
    if multiplier is None:
        return 100_000.0 if statistic == "rate" else 1.0
    return _check_multiplier(multiplier)


def _check_baseline(baseline: Any, statistic: str) -> float:
    if isinstance(baseline, bool) or not isinstance(baseline, numbers.Real):
        raise ValueError(f"baseline must be a number, got {baseline!r}")
    value = float(baseline)
    if statistic == "proportion" and not 0.0 <= value <= 1.0:
        raise ValueError(
            f"baseline is {_fmt(value)}; a proportion baseline must be between 0 and 1 "
            "(give a fraction, not a percentage)"
        )
    if statistic != "proportion" and not (math.isfinite(value) and value > 0):
        raise ValueError(f"baseline is {_fmt(value)}; a {statistic} baseline must be positive")
    return value


def _poisson_funnel(expected: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Observed counts at which the exact Poisson test against ``expected`` turns significant.

    The lower count ``o`` solves P(X <= o) = alpha/2 and the upper count solves
    P(X >= o) = alpha/2 for X ~ Poisson(expected), with the Poisson
    distribution made continuous in ``o`` through the incomplete gamma
    function.  This is the curve PHE ``poisson_funnel`` traces point by point.
    """
    alpha = 1.0 - confidence
    low = special.pdtrik(alpha / 2.0, expected)
    high = special.pdtrik(1.0 - alpha / 2.0, expected) + 1.0
    return np.maximum(low, 0.0), high


def funnel_limits(
    denominators: Any,
    baseline: float,
    statistic: Statistic,
    confidence: float | Sequence[float] = (0.95, 0.998),
    multiplier: float | None = None,
) -> pd.DataFrame:
    """Funnel plot control limits around a baseline, as PHEindicatormethods.

    Parameters
    ----------
    denominators : array-like
        Where to evaluate the limits: sample sizes for proportions, expected
        counts for ratios, populations (person-years) for rates.  Positive; see
        :func:`funnel_points` for PHE's grid.
    baseline : float
        The target on the unit scale: a proportion between 0 and 1 (usually the
        overall numerator / denominator), a ratio (1 when observed = expected),
        or a rate per unit of denominator (not per 100,000).
    statistic : {"proportion", "ratio", "rate"}
        Kind of indicator.
    confidence : float or sequence of float, default (0.95, 0.998)
        Confidence levels of the limits (fractions; 0.95 and 0.998 are PHE's
        two- and three-sigma limits).
    multiplier : float, optional
        Scale of the limits: defaults to 1 for proportions and ratios (use 100
        for percentages or ratios x 100) and 100,000 for rates.

    Returns
    -------
    pandas.DataFrame
        Columns ``denominator``, ``baseline`` (times ``multiplier``) and, for
        each confidence level, ``lower_<level>`` and ``upper_<level>`` where
        ``<level>`` is the percentage with ``_`` for the point: ``lower_95``,
        ``upper_95``, ``lower_99_8``, ``upper_99_8``.  One row per denominator
        (index of a Series input, else 0..n-1); ``NaN`` where a denominator is
        missing.

    Raises
    ------
    ValueError
        If a denominator is not positive or not numeric, the statistic or a
        confidence level is invalid, or the baseline is out of range.

    Notes
    -----
    *Proportions* (PHE ``sigma_adjustment``): the limits are the observed
    proportions whose Wilson score interval just reaches the baseline ``p0``.
    Solving that quadratic gives exactly ``p0 +/- z sqrt(p0 (1 - p0) / n)``,
    clipped to [0, 1] x ``multiplier``; PHE's published outputs agree to
    rounding.  (PHE clips at 100 whatever the multiplier; here the clip follows
    the multiplier.)

    *Ratios*: at expected count ``E`` the limits are ``o / E`` where ``o`` are
    the observed counts at which the exact Poisson test against
    ``baseline * E`` becomes significant (see :func:`_poisson_funnel`), the
    limits PHE's ``poisson_funnel`` finds by bisection.  PHE parametrises this
    curve by the observed count; here it is evaluated at the denominators given.

    *Rates*: as ratios, with ``E = baseline * denominator`` and limits
    ``o / denominator * multiplier``.

    Examples
    --------
    >>> funnel_limits([100, 1000], 0.8, "proportion", multiplier=100).round(2)
       denominator  baseline  lower_95  upper_95  lower_99_8  upper_99_8
    0        100.0      80.0     72.16     87.84       67.64       92.36
    1       1000.0      80.0     77.52     82.48       76.09       83.91
    """
    kind = _check_statistic(statistic)
    levels = _check_confidences(confidence)
    p0 = _check_baseline(baseline, kind)
    scale = _default_multiplier(kind, multiplier)
    d = _as_float(denominators, "denominator")
    _require_positive(d, "denominator")
    (n,) = _one_dimensional([d.array])
    columns: dict[str, Any] = {"denominator": n, "baseline": np.full(n.shape, p0 * scale)}
    for level in levels:
        suffix = _level_name(level)
        if kind == "proportion":
            half = _z(level) * np.sqrt(p0 * (1.0 - p0) / n)
            lower, upper = np.clip(p0 - half, 0.0, 1.0), np.clip(p0 + half, 0.0, 1.0)
        else:
            expected = p0 * n
            low, high = _poisson_funnel(expected, level)
            lower, upper = low / n, high / n
        columns[f"lower_{suffix}"] = lower * scale
        columns[f"upper_{suffix}"] = upper * scale
    return pd.DataFrame(columns, index=_frame_index(_Shape(d.index, False), len(n)))


def funnel_significance(
    numerator: Any,
    denominator: Any,
    statistic: Statistic,
    baseline: float | None = None,
) -> LabelResult:
    """Which funnel plot limits each unit falls outside, as PHEindicatormethods.

    Parameters
    ----------
    numerator : array-like
        Numerators (proportions), observed counts (ratios) or events (rates),
        zero or more.
    denominator : array-like
        Sample sizes (proportions; at least the numerator), expected counts
        (ratios) or populations (rates); positive.
    statistic : {"proportion", "ratio", "rate"}
        Kind of indicator.
    baseline : float, optional
        Target on the unit scale.  Defaults to the overall proportion or rate
        (sum of numerators / sum of denominators, over units with both present)
        and to 1 for ratios, as PHE ``phe_funnel_significance`` does.

    Returns
    -------
    str, ndarray of str or Series
        One of :data:`FUNNEL_LABELS` per unit: ``"High (0.001)"``,
        ``"High (0.025)"``, ``"Not significant"``, ``"Low (0.025)"`` or
        ``"Low (0.001)"``, the number being the one-sided tail probability
        beyond the 99.8% and 95% limits.  ``"Not compared"`` where an input is
        missing (PHE would label such rows "Not significant").

    Raises
    ------
    ValueError
        If a numerator is negative, a denominator is not positive, a
        proportion's numerator exceeds its denominator, an input is not
        numeric, or the statistic or baseline is invalid.

    Notes
    -----
    Proportions are compared with the limits of :func:`funnel_limits`.  Ratios
    and rates follow PHE ``funnel_ratio_significance``: the unit is high when
    the lower confidence limit of its count (exact Poisson below 10 events,
    Byars from 10) divided by its denominator is above the baseline, and low
    when the upper limit is below it.

    Examples
    --------
    >>> funnel_significance([40, 100, 60], [100, 100, 100], "proportion")
    array(['Low (0.001)', 'High (0.001)', 'Not significant'], dtype=object)
    """
    kind = _check_statistic(statistic)
    x = _as_float(numerator, "numerator")
    n = _as_float(denominator, "denominator")
    _require_non_negative(x, "numerator")
    _require_positive(n, "denominator")
    (xa, na), shape = _broadcast(x, n)
    if kind == "proportion":
        _check_not_above(xa, na, shape)
    missing = np.isnan(xa) | np.isnan(na)
    if baseline is None:
        if kind == "ratio":
            target = 1.0
        else:
            if missing.all():
                raise ValueError("funnel_significance needs at least one complete unit")
            target = _check_baseline(xa[~missing].sum() / na[~missing].sum(), kind)
    else:
        target = _check_baseline(baseline, kind)
    labels = np.full(xa.shape, "Not significant", dtype=object)
    # widest limits last, so a unit outside both gets the 0.001 label
    for level, tail in ((0.95, "0.025"), (0.998, "0.001")):
        if kind == "proportion":
            half = _z(level) * np.sqrt(target * (1.0 - target) / na)
            high, low = xa / na > target + half, xa / na < target - half
        else:
            lower, upper, _ = _poisson_limits(xa, level)
            high, low = lower / na > target, upper / na < target
        labels[high] = f"High ({tail})"
        labels[low] = f"Low ({tail})"
    labels[missing] = NOT_COMPARED
    return _wrap(labels, shape, "significance")


# --------------------------------------------------------------------------------------
# Over-dispersion (Spiegelhalter 2005)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Overdispersion:
    """Spiegelhalter's over-dispersion assessment of a set of units.

    Produced by :func:`overdispersion`; all arrays follow the order of the
    input units, with ``NaN`` for units whose inputs were missing.

    Attributes
    ----------
    statistic : str
        ``"proportion"``, ``"ratio"`` or ``"rate"``.
    baseline : float
        Target on the unit scale (proportion, ratio or rate per unit).
    multiplier : float
        Scale used by :meth:`limits`.
    z : ndarray
        Unadjusted z-scores on the transformed scale (arcsine square root for
        proportions, log for ratios and rates).  A zero count gives ``-inf``
        for ratios and rates.
    z_winsorised : ndarray
        ``z`` with the ``trim`` fraction at each end set to the trim quantiles.
    phi : float
        Over-dispersion factor, the mean of ``z_winsorised ** 2``.
    tau2 : float
        Additive between-unit variance on the transformed scale,
        ``max(0, (N phi - (N - 1)) / (sum(w) - sum(w^2) / sum(w)))`` with
        ``w = 1 / s^2``.
    n_units : int
        Number of units used (those with complete inputs).
    p_value : float
        Chance of an ``N phi`` at least this large without over-dispersion
        (chi-square with N - 1 degrees of freedom).
    overdispersed : bool
        ``p_value < alpha`` (and hence ``tau2 > 0``).
    z_adjusted : ndarray
        z-scores allowing for over-dispersion, ``(g(y) - g(target)) /
        sqrt(s^2 + tau2)``.
    """

    statistic: str
    baseline: float
    multiplier: float
    z: FloatArray
    z_winsorised: FloatArray
    phi: float
    tau2: float
    n_units: int
    p_value: float
    overdispersed: bool
    z_adjusted: FloatArray

    def limits(
        self, denominators: Any, confidence: float | Sequence[float] = (0.95, 0.998)
    ) -> pd.DataFrame:
        """Funnel limits widened for over-dispersion.

        Parameters
        ----------
        denominators : array-like
            Sample sizes, expected counts or populations at which to evaluate
            the limits (see :func:`funnel_limits`).
        confidence : float or sequence of float, default (0.95, 0.998)
            Confidence levels.

        Returns
        -------
        pandas.DataFrame
            Same columns as :func:`funnel_limits`: ``denominator``,
            ``baseline``, ``lower_<level>``, ``upper_<level>``.  The limits
            are ``g(target) +/- z_alpha sqrt(s^2 + tau2)`` back-transformed
            (``sin^2`` for proportions, ``exp`` for ratios and rates).  With
            ``tau2 == 0`` they are the normal-approximation limits on the
            transformed scale.

        Raises
        ------
        ValueError
            If a denominator is not positive or a confidence level is invalid.
        """
        levels = _check_confidences(confidence)
        d = _as_float(denominators, "denominator")
        _require_positive(d, "denominator")
        (n,) = _one_dimensional([d.array])
        theta0, variance, back = _transform(self.statistic, self.baseline, n)
        columns: dict[str, Any] = {
            "denominator": n,
            "baseline": np.full(n.shape, self.baseline * self.multiplier),
        }
        for level in levels:
            half = _z(level) * np.sqrt(variance + self.tau2)
            suffix = _level_name(level)
            columns[f"lower_{suffix}"] = back(theta0 - half) * self.multiplier
            columns[f"upper_{suffix}"] = back(theta0 + half) * self.multiplier
        return pd.DataFrame(columns, index=_frame_index(_Shape(d.index, False), len(n)))


def _transform(statistic: str, baseline: float, denominators: FloatArray) -> tuple[float, Any, Any]:
    """Target on the transformed scale, sampling variance per unit, and back-transform."""
    if statistic == "proportion":

        def back(theta: FloatArray) -> FloatArray:
            return np.sin(np.clip(theta, 0.0, np.pi / 2)) ** 2

        return float(np.arcsin(np.sqrt(baseline))), 1.0 / (4.0 * denominators), back
    return math.log(baseline), 1.0 / (baseline * denominators), np.exp


def overdispersion(
    numerator: Any,
    denominator: Any,
    statistic: Statistic,
    trim: float = 0.1,
    baseline: float | None = None,
    multiplier: float | None = None,
    alpha: float = 0.05,
) -> Overdispersion:
    """Assess and adjust for over-dispersion, after Spiegelhalter (2005).

    Parameters
    ----------
    numerator : array-like
        Numerators (proportions), observed counts (ratios) or events (rates).
    denominator : array-like
        Sample sizes, expected counts or populations; positive.
    statistic : {"proportion", "ratio", "rate"}
        Kind of indicator.  Proportions use the arcsine square root transform,
        ``z = 2 sqrt(n) (asin sqrt(y) - asin sqrt(p0))``; ratios and rates the
        log transform, ``z = log(y / target) sqrt(target * n)``.
    trim : float, default 0.1
        Fraction winsorised at each tail before estimating ``phi`` (0 to 0.5).
    baseline : float, optional
        Target on the unit scale; defaults as in :func:`funnel_significance`.
    multiplier : float, optional
        Scale of :meth:`Overdispersion.limits`; defaults as in
        :func:`funnel_limits`.
    alpha : float, default 0.05
        Significance level of the chi-square test behind ``overdispersed``.

    Returns
    -------
    Overdispersion
        Object with attributes ``z``, ``z_winsorised``, ``phi``, ``tau2``,
        ``n_units``, ``p_value``, ``overdispersed``, ``z_adjusted`` and method
        ``limits(denominators, confidence)``.

    Raises
    ------
    ValueError
        If inputs are invalid as for :func:`funnel_significance`, fewer than 3
        units are complete, ``trim`` or ``alpha`` is out of range, or zero
        counts (ratios, rates) survive winsorising so ``phi`` would be infinite.

    Examples
    --------
    >>> result = overdispersion([10, 30, 50, 70, 90], [100] * 5, "proportion", trim=0)
    >>> round(result.phi, 2), result.overdispersed
    (41.17, True)
    """
    kind = _check_statistic(statistic)
    if isinstance(trim, bool) or not isinstance(trim, numbers.Real) or not 0 <= trim < 0.5:
        raise ValueError(f"trim is {trim!r}; it must be at least 0 and below 0.5")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha is {alpha!r}; it must be strictly between 0 and 1")
    scale = _default_multiplier(kind, multiplier)
    x = _as_float(numerator, "numerator")
    n = _as_float(denominator, "denominator")
    _require_non_negative(x, "numerator")
    _require_positive(n, "denominator")
    (xa, na), shape = _broadcast(x, n)
    xa, na = _one_dimensional([xa, na])
    if kind == "proportion":
        _check_not_above(xa, na, shape)
    complete = ~(np.isnan(xa) | np.isnan(na))
    units = int(complete.sum())
    if units < 3:
        raise ValueError(f"overdispersion needs at least 3 complete units, got {units}")
    if baseline is None:
        target = 1.0 if kind == "ratio" else xa[complete].sum() / na[complete].sum()
    else:
        target = baseline
    target = _check_baseline(target, kind)
    theta0, variance, _ = _transform(kind, target, na)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = xa / na
        theta = np.arcsin(np.sqrt(y)) if kind == "proportion" else np.log(y)
    z = (theta - theta0) / np.sqrt(variance)
    with np.errstate(invalid="ignore"):
        low, high = np.quantile(z[complete], [trim, 1.0 - trim])
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(
            "too many zero counts to winsorise their infinite z-scores; raise trim or "
            "use statistic='proportion'"
        )
    z_winsorised = np.clip(z, low, high)
    phi = float(np.mean(z_winsorised[complete] ** 2))
    w = 1.0 / variance[complete]
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    p_value = float(sps.chi2.sf(units * phi, units - 1))
    z_adjusted = (theta - theta0) / np.sqrt(variance + tau2)
    return Overdispersion(
        statistic=kind,
        baseline=target,
        multiplier=scale,
        z=z,
        z_winsorised=z_winsorised,
        phi=phi,
        tau2=float(tau2),
        n_units=units,
        p_value=p_value,
        overdispersed=bool(p_value < alpha),
        z_adjusted=z_adjusted,
    )


def overdispersion_normal(
    values: Any, standard_errors: Any, target: float, trim: float = 0.1, alpha: float = 0.05
) -> Overdispersion:
    """Spiegelhalter's over-dispersion assessment for means (identity scale).

    The same winsorised ``phi`` and additive ``tau2`` as :func:`overdispersion`, for
    units whose values are means with known standard errors (e.g. average travel times).

    Parameters
    ----------
    values : array-like
        Each unit's value.
    standard_errors : array-like
        Each unit's standard error under the null (positive).
    target : float
        The benchmark.
    trim : float, default 0.1
        Fraction winsorised at each tail before estimating ``phi``.
    alpha : float, default 0.05
        Significance level of the chi-square test behind ``overdispersed``.

    Returns
    -------
    Overdispersion
        With ``statistic == "mean"``; :meth:`Overdispersion.limits` does not apply.

    Raises
    ------
    ValueError
        If fewer than 3 units have a value and a positive standard error.

    Examples
    --------
    >>> result = overdispersion_normal([1.0, 2.0, 3.0, 9.0], [0.5] * 4, 2.0, trim=0)
    >>> result.overdispersed
    True
    """
    y = np.asarray(values, dtype=float)
    se = np.asarray(standard_errors, dtype=float)
    se = np.where(se > 0, se, np.nan)
    z = (y - target) / se
    complete = np.isfinite(z)
    units = int(complete.sum())
    if units < 3:
        raise ValueError(f"overdispersion needs at least 3 complete units, got {units}")
    low, high = np.quantile(z[complete], [trim, 1.0 - trim])
    z_winsorised = np.clip(z, low, high)
    phi = float(np.mean(z_winsorised[complete] ** 2))
    w = 1.0 / se[complete] ** 2
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    p_value = float(sps.chi2.sf(units * phi, units - 1))
    return Overdispersion(
        statistic="mean",
        baseline=float(target),
        multiplier=1.0,
        z=z,
        z_winsorised=z_winsorised,
        phi=phi,
        tau2=float(tau2),
        n_units=units,
        p_value=p_value,
        overdispersed=bool(p_value < alpha),
        z_adjusted=(y - target) / np.sqrt(se**2 + tau2),
    )


# --------------------------------------------------------------------------------------
# Disclosure control and multiple testing
# --------------------------------------------------------------------------------------


def _check_threshold(threshold: Any) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise ValueError(f"threshold must be a number, got {threshold!r}")
    if not (math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold is {_fmt(float(threshold))}; it must be positive")
    return float(threshold)


def _small_mask(counts: FloatArray, threshold: float, suppress_zero: bool) -> np.ndarray:
    floor = counts >= 0 if suppress_zero else counts > 0
    return floor & (counts < threshold)


def suppress_small(
    counts: Any, threshold: float = 5, *, suppress_zero: bool = False
) -> FloatResult:
    """Hide small counts for disclosure control.

    Parameters
    ----------
    counts : array-like
        Counts, zero or more.
    threshold : float, default 5
        Counts greater than 0 and below ``threshold`` (1 to 4 by default, the
        usual Fingertips rule) are suppressed.
    suppress_zero : bool, default False
        Also suppress zeros.  By default a zero is shown: it discloses nothing
        about any individual, and hiding it would make a zero indistinguishable
        from a small count.

    Returns
    -------
    float, ndarray or Series
        Float copy of ``counts`` with suppressed counts replaced by ``NaN``.
        Missing counts stay ``NaN``.

    Raises
    ------
    ValueError
        If a count is negative or not numeric, or the threshold is not positive.

    Examples
    --------
    >>> suppress_small([0, 1, 4, 5, 12])
    array([ 0., nan, nan,  5., 12.])
    """
    limit = _check_threshold(threshold)
    x = _as_float(counts, "count")
    _require_non_negative(x, "count")
    hidden = _small_mask(x.array, limit, suppress_zero)
    shape = _Shape(index=x.index, scalar=x.scalar)
    name = counts.name if isinstance(counts, pd.Series) else None
    return _wrap(np.where(hidden, np.nan, x.array), shape, name)


def suppress_frame(
    frame: pd.DataFrame,
    count_column: str,
    dependent_columns: Sequence[str] = (),
    threshold: float = 5,
    *,
    suppress_zero: bool = False,
    flag_column: str | None = "suppressed",
) -> pd.DataFrame:
    """Suppress small counts in a table and every value derived from them.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table to protect; it is not modified.
    count_column : str
        Column of counts tested against ``threshold``.
    dependent_columns : sequence of str, default ()
        Columns computed from the count (rates, limits, comparison labels...),
        blanked on the same rows so the count cannot be recovered from them.
    threshold : float, default 5
        As :func:`suppress_small`.
    suppress_zero : bool, default False
        As :func:`suppress_small`.
    flag_column : str or None, default "suppressed"
        Name of a boolean column added to mark suppressed rows, so views can
        show "suppressed" rather than "missing"; None adds no column.

    Returns
    -------
    pandas.DataFrame
        Copy of ``frame`` with the count column as float and the count and
        dependent columns missing (``NaN``) on suppressed rows.  Numeric
        dependent columns become float; text columns keep their type.

    Raises
    ------
    ValueError
        If a named column is absent, the flag column already exists, or the
        counts are invalid as for :func:`suppress_small`.

    Examples
    --------
    >>> table = pd.DataFrame({"count": [3, 20], "rate": [1.5, 10.0]})
    >>> suppress_frame(table, "count", ["rate"])
       count  rate  suppressed
    0    NaN   NaN        True
    1   20.0  10.0       False
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if isinstance(dependent_columns, str):
        dependent_columns = [dependent_columns]
    for column in (count_column, *dependent_columns):
        if column not in frame.columns:
            raise ValueError(f"column {column!r} is not in the table")
    if flag_column is not None and flag_column in frame.columns:
        raise ValueError(f"flag column {flag_column!r} already exists; pass another name")
    limit = _check_threshold(threshold)
    x = _as_float(frame[count_column], count_column)
    _require_non_negative(x, count_column)
    hidden = _small_mask(x.array, limit, suppress_zero)
    out = frame.copy()
    out[count_column] = np.where(hidden, np.nan, x.array)
    for column in dependent_columns:
        if column != count_column:
            out[column] = out[column].where(~hidden)
    if flag_column is not None:
        out[flag_column] = hidden
    return out


def benjamini_hochberg(p_values: Any, tests: int | None = None) -> FloatResult:
    """Benjamini-Hochberg false discovery rate q-values (adjusted p-values).

    Parameters
    ----------
    p_values : array-like
        p-values between 0 and 1; missing values are ignored (they neither
        count towards the number of tests nor receive a q-value).
    tests : int, optional
        The number of tests ``m`` when only some of their p-values are given (a store keeps
        the findings, not every test behind them). The tests not given rank after those
        given, which can only make the q-values larger: the control stays valid, and is
        conservative when an unlisted p-value was in fact smaller. Default: the number of
        p-values given.

    Returns
    -------
    float, ndarray or Series
        q-values shaped like the input: for the i-th smallest of m p-values,
        ``min over j >= i of p_(j) m / j``, capped at 1; ``NaN`` where the
        p-value is missing.  Declaring significant every test with
        ``q <= 0.05`` controls the false discovery rate at 5%.

    Raises
    ------
    ValueError
        If a p-value is outside [0, 1] or not numeric, or ``tests`` is fewer than the
        p-values given.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, float("nan"), 0.5]).round(4)
    array([0.04  , 0.0533, 0.0533,    nan, 0.5   ])
    >>> benjamini_hochberg([0.001, 0.004], tests=100).round(4)
    array([0.1, 0.2])
    """
    p = _as_float(p_values, "p-value")
    bad = (p.array < 0) | (p.array > 1)
    if bad.any():
        _raise_at("p-value", p.array, bad, "p-values must be between 0 and 1", p.index)
    flat = p.array.ravel()
    present = np.flatnonzero(~np.isnan(flat))
    q = np.full(flat.shape, np.nan)
    if present.size:
        order = present[np.argsort(flat[present], kind="stable")]
        m = order.size
        if tests is not None:
            if int(tests) < m:
                raise ValueError(f"tests must be at least the {m} p-values given, got {tests!r}.")
            m = int(tests)
        scaled = flat[order] * m / np.arange(1, order.size + 1)
        q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    shape = _Shape(index=p.index, scalar=p.scalar)
    return _wrap(q.reshape(p.array.shape), shape, "q_value")


# --------------------------------------------------------------------------------------
# Recent trend (Fingertips trend markers)
# --------------------------------------------------------------------------------------

#: How many of the most recent points a recent trend is worked out from (Fingertips: 5).
TREND_POINTS = 5
#: Critical chi-squared value (1 degree of freedom) of a recent trend: a two-sided test
#: at the 99.8% level, ``chi2.ppf(0.998, 1)`` = 9.5495... (Fingertips' ``ChiSquareConfidence``).
TREND_CHI2 = float(sps.chi2.ppf(0.998, 1))
#: What a recent trend can be, in Fingertips' words (lower case).
TREND_MARKERS: tuple[str, ...] = (
    "increasing",
    "decreasing",
    "no significant change",
    "could not be calculated",
)
#: Why a recent trend is what it is (codes; :mod:`insight.explain` words them).
TREND_REASONS: tuple[str, ...] = (
    "significant",  # a significant trend and no single point reverses it
    "not significant",  # the chi-squared statistic is at or below TREND_CHI2
    "outlier",  # significant, but leaving out one point reverses the direction
    "too few points",  # fewer than TREND_POINTS periods
    "missing values",  # a value (or numerator, denominator) missing in the last points
    "missing intervals",  # a confidence limit missing, or an interval of no width
    "duplicate periods",  # two values for one period
    "all or none",  # a proportion of 0 or 1 in the last points: its log odds are infinite
    "overlapping periods",  # rolling periods (e.g. 3-year averages a year apart)
    "not yearly",  # monthly or quarterly periods
    "not tested",  # a kind of value Fingertips does not test (counts, travel times)
)
TrendMethod: TypeAlias = Literal["proportion", "other"]


@dataclass(frozen=True)
class RecentTrend:
    """The recent trend of one series, as Fingertips' trend markers work it out.

    Attributes
    ----------
    marker : str
        One of :data:`TREND_MARKERS`: ``"increasing"``, ``"decreasing"``,
        ``"no significant change"`` or ``"could not be calculated"``.
    reason : str
        One of :data:`TREND_REASONS`, e.g. ``"outlier"`` or ``"too few points"``.
    method : str or None
        ``"proportion"`` (chi-squared test for trend on the counts) or ``"other"``
        (weighted regression on the values); None when nothing was tested.
    chi_squared : float
        The test statistic (1 degree of freedom); NaN when nothing was tested.
    gradient : float
        The slope of the trend per unit of time: on the log-odds scale for proportions,
        in the indicator's own units otherwise; NaN when nothing was tested.
    points : int
        How many points were used (at most :data:`TREND_POINTS`).

    Examples
    --------
    >>> RecentTrend("could not be calculated", "too few points").significant
    False
    """

    marker: str
    reason: str
    method: str | None = None
    chi_squared: float = float("nan")
    gradient: float = float("nan")
    points: int = 0

    def __post_init__(self) -> None:
        _check_choice(self.marker, "marker", TREND_MARKERS)
        _check_choice(self.reason, "reason", TREND_REASONS)

    @property
    def significant(self) -> bool:
        """Whether the series is ``"increasing"`` or ``"decreasing"``."""
        return self.marker in ("increasing", "decreasing")

    @property
    def calculated(self) -> bool:
        """Whether a test was made (the marker is not ``"could not be calculated"``)."""
        return self.marker != "could not be calculated"


def trend_not_calculated(reason: str) -> RecentTrend:
    """A :class:`RecentTrend` that could not be calculated, for ``reason``.

    Parameters
    ----------
    reason : str
        Why: one of :data:`TREND_REASONS`, or words of the caller.

    Returns
    -------
    RecentTrend
        Marker ``"could not be calculated"`` with the reason.

    Raises
    ------
    Nothing: any text is a reason.

    Examples
    --------
    >>> trend_not_calculated("overlapping periods").marker
    'could not be calculated'
    """
    return RecentTrend("could not be calculated", reason)


def trend_chi_squared(numerator: Any, denominator: Any, time: Any) -> float:
    """Chi-squared test for linear trend in proportions (Armitage; 1 degree of freedom).

    ``N (N ΣcT − C ΣdT)² / (C (N − C) (N ΣdT² − (ΣdT)²))`` with ``c`` the numerators,
    ``d`` the denominators, ``T`` the times, ``C = Σc`` and ``N = Σd``: the statistic of
    Fingertips' ``IsSignificantForProportions`` and PHEindicatormethods'
    ``calculate_trend_logistic_regression(trend_calculation = "significance")``, and the
    same as R's ``prop.trend.test(numerator, denominator, score = time)``.

    Parameters
    ----------
    numerator, denominator : array-like
        Events and trials at each time.
    time : array-like
        The time (score) of each point, e.g. the year.

    Returns
    -------
    float
        The statistic; NaN when an input is missing or the table has no variation.

    Raises
    ------
    ValueError
        If the inputs are not all the same length (numpy cannot line them up).

    Examples
    --------
    R's example of ``prop.trend.test`` (smokers among patients in four groups):

    >>> round(trend_chi_squared([83, 90, 129, 70], [86, 93, 136, 82], [1, 2, 3, 4]), 4)
    8.2249
    """
    c, d, t = (np.asarray(v, dtype=float) for v in (numerator, denominator, time))
    if np.isnan(c).any() or np.isnan(d).any() or np.isnan(t).any():
        return float("nan")
    n, total = d.sum(), c.sum()
    spread = n * (d * t**2).sum() - (d * t).sum() ** 2
    below = total * (n - total) * spread
    if below <= 0:
        return float("nan")
    return float(n * (n * (c * t).sum() - total * (d * t).sum()) ** 2 / below)


def logit_gradient(numerator: Any, denominator: Any, time: Any) -> float:
    """Least-squares slope of the log odds ``log(p / (1 − p))`` on time (unweighted).

    The direction of a proportion's trend in Fingertips (``NoOutliersCheckForProportion``)
    and PHEindicatormethods (``calculate_trend_logistic_regression(trend_calculation =
    "trend_direction")``).

    Parameters
    ----------
    numerator, denominator : array-like
        Events and trials at each point (the proportion is ``numerator / denominator``).
    time : array-like
        The time of each point (Fingertips counts the points 1 to 5).

    Returns
    -------
    float
        The slope, NaN where a proportion is 0 or 1 or the times do not vary.

    Raises
    ------
    ValueError
        If the inputs are not all the same length (numpy cannot line them up).

    Examples
    --------
    >>> round(logit_gradient([10, 20], [100, 100], [0, 1]), 4)
    0.8109
    """
    c, d, t = (np.asarray(v, dtype=float) for v in (numerator, denominator, time))
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = np.log(c / (d - c))
    n = len(t)
    below = n * (t**2).sum() - t.sum() ** 2
    if below <= 0 or not np.isfinite(logit).all():
        return float("nan")
    return float((n * (logit * t).sum() - logit.sum() * t.sum()) / below)


def weighted_trend(
    value: Any, lower: Any, upper: Any, time: Any, confidence: float = 0.95
) -> tuple[float, float]:
    """Slope and chi-squared statistic of a regression of values on time, weighted by
    the inverse variance each value's confidence interval implies.

    ``σ = (upper − lower) / (2 z)``; with weights ``w = 1/σ²``, the slope is
    ``(Σw ΣwyT − ΣwT Σwy) / (Σw ΣwT² − (ΣwT)²)`` and its variance
    ``Σw / (Σw ΣwT² − (ΣwT)²)``; the statistic is slope² / variance. This is Fingertips'
    method for every value type other than proportions (``IsSignificant``) and
    PHEindicatormethods' ``calculate_trend_weighted_regression``.

    Parameters
    ----------
    value, lower, upper : array-like
        Values and their confidence limits.
    time : array-like
        The time of each value, e.g. the year.
    confidence : float, default 0.95
        The level of the given limits.

    Returns
    -------
    (float, float)
        Slope (units of ``value`` per unit of time) and the chi-squared statistic;
        NaN when an input is missing or an interval has no width.

    Raises
    ------
    ValueError
        If ``confidence`` is not between 0 and 1, or the inputs are not all the same length.

    Examples
    --------
    PHEindicatormethods' test data ("testdata_other_trends"):

    >>> slope, chi2 = weighted_trend([30.6, 30.2, 28.0, 24.6, 24.67],
    ...     [28.98, 28.63, 26.44, 23.15, 23.16], [32.25, 31.9, 29.64, 26.19, 26.25],
    ...     [1, 2, 3, 4, 5])
    >>> round(slope, 4), round(chi2, 4)
    (-1.7516, 46.7636)
    """
    confidence = _check_confidence(confidence)
    y, lo, hi, t = (np.asarray(v, dtype=float) for v in (value, lower, upper, time))
    sigma = (hi - lo) / (2 * _z(confidence))
    if not (np.isfinite(sigma).all() and (sigma > 0).all() and np.isfinite(y).all()):
        return float("nan"), float("nan")
    w = 1 / sigma**2
    below = w.sum() * (w * t**2).sum() - (w * t).sum() ** 2
    if below <= 0:
        return float("nan"), float("nan")
    slope = (w.sum() * (w * y * t).sum() - (w * t).sum() * (w * y).sum()) / below
    variance = w.sum() / below
    return float(slope), float(slope**2 / variance)


def recent_trend(
    time: Any,
    method: TrendMethod,
    *,
    value: Any = None,
    lower: Any = None,
    upper: Any = None,
    numerator: Any = None,
    denominator: Any = None,
    confidence: float = 0.95,
) -> RecentTrend:
    """Fingertips' recent trend of a series: increasing, decreasing, no significant
    change, or could not be calculated.

    The method of the Fingertips trend markers (OHID, *Fingertips public health technical
    guidance: Fingertips trend markers*,
    https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/Presentation/Trend_markers.html),
    as coded in Fingertips (``TrendMarkerCalculator``, ukhsa-collaboration/fingertips-open)
    and in PHEindicatormethods (``assign_trend_markers``):

    1. the most recent :data:`TREND_POINTS` (5) points are used; with fewer, or with a
       missing value among them, the trend could not be calculated;
    2. proportions (``method="proportion"``, numerators and denominators needed): the
       chi-squared test for linear trend (:func:`trend_chi_squared`), its direction the
       slope of the log odds (:func:`logit_gradient`); every other value type
       (``"other"``: rates, ratios, means...; confidence limits needed): a regression
       weighted by the inverse variance from the limits (:func:`weighted_trend`);
    3. significant when the statistic exceeds :data:`TREND_CHI2` (99.8%, two-sided);
    4. an outlier check: the slope is worked out again leaving out each point in turn,
       and if any of those five slopes points the other way the trend is "no significant
       change".

    Parameters
    ----------
    time : array-like
        The time of each point (e.g. the year the period starts), in any order; must be
        unique. It orders the points and picks the latest five; the test itself counts
        them 1 to 5, as Fingertips' code does (a gap between years is not allowed for:
        PHEindicatormethods' known answer for the years 2012, 2013, 2014, 2016, 2017 is
        that of five consecutive points).
    method : {"proportion", "other"}
        Which test (see above).
    value, lower, upper : array-like, optional
        Values and their confidence limits (needed for ``"other"``).
    numerator, denominator : array-like, optional
        Events and trials (needed for ``"proportion"``).
    confidence : float, default 0.95
        The level of ``lower`` and ``upper``.

    Returns
    -------
    RecentTrend

    Raises
    ------
    ValueError
        If ``method`` is not one of the two, or the inputs it needs are not given.

    Examples
    --------
    PHEindicatormethods' test data ("testdata_prop_trends"):

    >>> trend = recent_trend([2019, 2020, 2021, 2022, 2023], "proportion",
    ...     numerator=[318, 314, 318, 291, 292],
    ...     denominator=[468.335788, 472.891566, 500.787402, 480.198020, 499.145299])
    >>> trend.marker, round(trend.chi_squared, 4), round(trend.gradient, 4)
    ('decreasing', 12.5688, -0.1062)
    """
    _check_choice(method, "method", ("proportion", "other"))
    needed = ("numerator", "denominator") if method == "proportion" else ("value", "lower", "upper")
    given = {"value": value, "lower": lower, "upper": upper}
    given |= {"numerator": numerator, "denominator": denominator}
    for name in needed:
        if given[name] is None:
            raise ValueError(f"recent_trend with method {method!r} needs {name}")
    t = np.asarray(time, dtype=float).ravel()
    columns = {
        name: np.broadcast_to(np.asarray(given[name], dtype=float).ravel(), t.shape)
        for name in needed
    }
    if len(np.unique(t)) < len(t):
        return trend_not_calculated("duplicate periods")
    if len(t) < TREND_POINTS:
        return trend_not_calculated("too few points")
    if np.isnan(t).any():
        return trend_not_calculated("missing values")
    recent = np.argsort(t, kind="stable")[-TREND_POINTS:]
    columns = {name: values[recent] for name, values in columns.items()}
    t = np.arange(1.0, TREND_POINTS + 1)  # positions, as Fingertips' code counts them
    if method == "proportion":
        c, d = columns["numerator"], columns["denominator"]
        if np.isnan(c).any() or np.isnan(d).any():
            return trend_not_calculated("missing values")
        if ((c <= 0) | (c >= d)).any():
            return trend_not_calculated("all or none")

        def slope(keep: np.ndarray) -> float:
            return logit_gradient(c[keep], d[keep], t[keep])

        chi2 = trend_chi_squared(c, d, t)
    else:
        y, lo, hi = columns["value"], columns["lower"], columns["upper"]
        if np.isnan(y).any():
            return trend_not_calculated("missing values")
        if np.isnan(lo).any() or np.isnan(hi).any() or not (hi > lo).all():
            return trend_not_calculated("missing intervals")

        def slope(keep: np.ndarray) -> float:
            return weighted_trend(y[keep], lo[keep], hi[keep], t[keep], confidence)[0]

        chi2 = weighted_trend(y, lo, hi, t, confidence)[1]
    every = np.ones(len(t), dtype=bool)
    gradient = slope(every)
    found = {"method": method, "chi_squared": chi2, "gradient": gradient, "points": len(t)}
    if not np.isfinite(chi2) or not np.isfinite(gradient):
        return RecentTrend("no significant change", "not significant", **found)
    if chi2 <= TREND_CHI2:
        return RecentTrend("no significant change", "not significant", **found)
    for left_out in range(len(t)):
        keep = every.copy()
        keep[left_out] = False
        if np.sign(slope(keep)) != np.sign(gradient):
            return RecentTrend("no significant change", "outlier", **found)
    marker = "increasing" if gradient > 0 else "decreasing"
    return RecentTrend(marker, "significant", **found)


# --------------------------------------------------------------------------------------
# Slope index of inequality (PHEindicatormethods' phe_sii)
# --------------------------------------------------------------------------------------

#: What a value is, for :func:`slope_index`: simulated on its own scale ("normal"), on the
#: log scale ("rate") or on the logit scale ("proportion", values between 0 and 1), as
#: phe_sii's ``value_type`` 0, 1 and 2.
SII_VALUE_TYPES = ("normal", "rate", "proportion")


@dataclass(frozen=True)
class SlopeIndex:
    """The slope and relative indices of inequality of one set of quantiles.

    Attributes
    ----------
    sii : float
        The slope index of inequality: the modelled difference in value between the top
        (x = 1) and the bottom (x = 0) of the population ranked by quantile, times the
        multiplier. Positive when values rise from the first quantile (most deprived, by
        convention) to the last.
    rii : float
        The relative index: modelled value at x = 1 over that at x = 0 (inverted for a
        negative multiplier).
    intercept : float
        The modelled value at x = 0.
    sii_lower, sii_upper, rii_lower, rii_upper : float
        Simulated confidence limits.
    confidence : float
        Their level.
    repetitions : int
        Simulations behind them.
    """

    sii: float
    rii: float
    intercept: float
    sii_lower: float
    sii_upper: float
    rii_lower: float
    rii_upper: float
    confidence: float
    repetitions: int


def _mid_ranks(populations: FloatArray) -> FloatArray:
    """Each quantile's cumulative mid-point of the population (phe_sii's ``b`` values)."""
    share = populations / populations.sum()
    return np.cumsum(share) - share / 2


def slope_index(
    values: Any,
    populations: Any,
    se: Any = None,
    lower: Any = None,
    upper: Any = None,
    value_type: str = "normal",
    multiplier: float = 1.0,
    confidence: float = 0.95,
    repetitions: int = 100_000,
    seed: int = 0,
) -> SlopeIndex:
    """Slope (SII) and relative (RII) indices of inequality, as ``phe_sii`` works them out.

    The quantiles (deciles or quintiles of deprivation, in order: the first is the most
    deprived by convention) are placed at the mid-point of their cumulative share of the
    population, and the values regressed on that position weighted by each quantile's
    share (least squares on sqrt(share) and position x sqrt(share), no constant). The SII
    is the slope, the RII (intercept + slope) / intercept. The confidence limits are
    simulated: each quantile's value is drawn ``repetitions`` times from a normal
    distribution with its standard error (on the log scale for rates, the logit scale for
    proportions), the regression repeated and the limits read at the matching ranks, as
    phe_sii does. The draws come from numpy's generator with ``seed``, not R's, so limits
    agree with phe_sii's to simulation error (well under 1% at 100,000 repetitions), while
    the point estimates agree exactly.

    Parameters
    ----------
    values : array-like
        Each quantile's value, in quantile order.
    populations : array-like
        Each quantile's population (all positive).
    se : array-like, optional
        Standard errors of the values (on the transformed scale for rates and
        proportions, as phe_sii takes them).
    lower, upper : array-like, optional
        95% limits of the values, used when ``se`` is not given: the standard error is
        (upper - lower) / (2 x 1.96) on the transformed scale.
    value_type : {"normal", "rate", "proportion"}
        See :data:`SII_VALUE_TYPES`.
    multiplier : float, default 1
        Scales the SII (e.g. 100 for a proportion shown as a percentage; negative to
        reverse its sign, which also inverts the RII).
    confidence : float, default 0.95
        Level of the limits.
    repetitions : int, default 100,000
        Simulations (at least 1,000, as phe_sii requires).
    seed : int, default 0
        Seed of the simulation, so the same input always gives the same limits.

    Returns
    -------
    SlopeIndex

    Raises
    ------
    ValueError
        Fewer than 5 or more than 100 quantiles, a population that is not positive, a
        missing or negative standard error, or neither ``se`` nor both limits.

    Examples
    --------
    >>> result = slope_index([70.5, 71.6, 72.5, 73.5, 73.1], [21675, 20065, 19750, 24713,
    ...                      20112], se=[0.23, 0.26, 0.30, 0.16, 0.79], repetitions=1000)
    >>> round(result.sii, 6), round(result.rii, 6)
    (3.601415, 1.051107)
    """
    y = _as_float(values, "values").array.ravel()
    pop = _as_float(populations, "populations").array.ravel()
    if not 5 <= y.size <= 100 or pop.size != y.size:
        raise ValueError(
            f"slope_index needs from 5 to 100 quantiles with a value and a population each; "
            f"got {y.size} values and {pop.size} populations"
        )
    if not (np.isfinite(pop) & (pop > 0)).all():
        bad = int(np.flatnonzero(~(np.isfinite(pop) & (pop > 0)))[0])
        raise ValueError(f"populations at position {bad} is {_fmt(pop[bad])}; must be positive")
    if not np.isfinite(y).all():
        bad = int(np.flatnonzero(~np.isfinite(y))[0])
        raise ValueError(f"values at position {bad} is missing; every quantile needs a value")
    kind = _check_choice(value_type, "value_type", SII_VALUE_TYPES)
    confidence = _check_confidence(confidence)
    if repetitions < 1000:
        raise ValueError(f"repetitions is {repetitions}; at least 1,000 are needed")

    def forward(x: FloatArray) -> FloatArray:
        if kind == "rate":
            return np.log(x)
        if kind == "proportion":
            return np.log(x / (1 - x))
        return x

    if se is not None:
        spread = _as_float(se, "se").array.ravel()
    elif lower is not None and upper is not None:
        lo = forward(_as_float(lower, "lower").array.ravel())
        hi = forward(_as_float(upper, "upper").array.ravel())
        spread = (hi - lo) / _z(0.95) / 2  # phe_sii: always the 95% z
    else:
        raise ValueError("slope_index needs se, or both lower and upper limits")
    if spread.size != y.size or not (np.isfinite(spread) & (spread >= 0)).all():
        raise ValueError("se (or the limits) must be given, not negative, for every quantile")
    share = pop / pop.sum()
    root = np.sqrt(share)
    design = np.column_stack([root, _mid_ranks(pop) * root])
    solve = np.linalg.pinv(design)  # (X'X)^-1 X', as phe_sii's simulation uses
    intercept, slope = solve @ (root * y)
    sii = multiplier * slope
    rii = (intercept + slope) / intercept
    if multiplier < 0:
        rii = 1 / rii
    rng = np.random.default_rng(seed)
    draws = rng.normal(forward(y)[:, None], spread[:, None], size=(y.size, repetitions))
    if kind == "rate":
        draws = np.exp(draws)
    elif kind == "proportion":
        draws = np.exp(draws) / (1 + np.exp(draws))
    fitted = solve @ (draws * root[:, None])
    sim_sii = np.sort(fitted[1] * multiplier)
    sim_rii = (fitted[0] + fitted[1]) / fitted[0]
    if multiplier < 0:
        sim_rii = 1 / sim_rii
    sim_rii = np.sort(sim_rii)
    upper_level = confidence + (1 - confidence) / 2
    # phe_sii reads the limits at R's round(repetitions x level) (1-based, halves to even).
    at_lower = int(np.round(repetitions * (1 - upper_level))) - 1
    at_upper = int(np.round(repetitions * upper_level)) - 1
    return SlopeIndex(
        float(sii), float(rii), float(intercept),
        float(sim_sii[at_lower]), float(sim_sii[at_upper]),
        float(sim_rii[at_lower]), float(sim_rii[at_upper]),
        confidence, int(repetitions),
    )  # fmt: skip
