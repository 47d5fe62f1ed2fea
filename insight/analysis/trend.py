"""Time series and Fingertips' recent trends: every area's series against its benchmark.

:func:`area_trends` is the one place where an indicator's periods, each area's series, the
benchmark's series (the whole place, worked out period by period the way
:mod:`insight.analysis.benchmark` works out today's) and every recent trend are decided.
Your area, Compare and ``python -m insight trend`` read its result.

Which test an indicator gets follows Fingertips' trend markers (OHID, *Fingertips public
health technical guidance: Fingertips trend markers*; :func:`insight.stats.recent_trend`):

* ``proportion``: the chi-squared test for trend, on numerators and denominators (a missing
  one is derived from the value, as PHEindicatormethods' ``derive_proportion_element`` does);
* ``rate`` and ``ratio``: the weighted regression on values and their 95% limits (limits the
  source does not give are Byar's / exact Poisson, from the numerator and denominator, as
  the Compare page's are);
* ``count`` with no denominator: not tested (Fingertips tests rates, proportions, ratios,
  means... never bare counts): "could not be calculated";
* times, distances and other values with no sampling variation: no trend at all (no words:
  ``recent_trend`` is None).

The whole series is not tested when its periods overlap (rolling periods, e.g. three-year
averages a year apart) or are not yearly (months, quarters): Fingertips' criteria.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from insight import stats
from insight.analysis.benchmark import benchmark_coverage
from insight.errors import DataError
from insight.model import Indicator, Place

__all__ = [
    "SERIES_FIELDS",
    "TREND_FIELDS",
    "TrendResult",
    "area_trends",
    "at_period",
    "comparison_period",
    "group_trend",
    "period_years",
    "series_check",
    "trend_method",
]

#: Columns of :attr:`TrendResult.series` (one row per area and period).
SERIES_FIELDS: tuple[str, ...] = (
    "code", "name", "period", "period_order",
    "value", "lower", "upper", "numerator", "denominator",
)  # fmt: skip
#: Columns of :attr:`TrendResult.trends` (one row per area).
TREND_FIELDS: tuple[str, ...] = (
    "code", "name", "marker", "reason", "method", "chi_squared", "gradient", "points",
)  # fmt: skip

_NOT_YEARLY = re.compile(
    r"\bQ[1-4]\b|quarter|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|month",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!\d)(\d{4})(?:\s*/\s*(\d{2,4}))?(?!\d)")
_RANGE_END = re.compile(r"[-–—]\s*(\d{2,4})(?:\s*/\s*\d{2,4})?\s*(?:\(.*\))?\s*$")


@dataclass(frozen=True)
class TrendResult:
    """Every area's series and recent trend for one indicator, with the benchmark's.

    Attributes
    ----------
    indicator : Indicator
        The indicator.
    periods : tuple of str
        Its periods, oldest first (one when the place keeps no series of it).
    series : pandas.DataFrame
        One row per area asked for and period, columns :data:`SERIES_FIELDS`, in area
        then period order; NaN where the source has no value.
    benchmark : pandas.DataFrame
        The benchmark per period: ``period``, ``period_order``, ``value``, ``lower``,
        ``upper`` (a 95% interval where one applies), ``numerator``, ``denominator``.
    benchmark_name : str
        What the benchmark is called: the Compare page's name of it (e.g. "England" when
        only the English areas have figures).
    benchmark_trend : insight.stats.RecentTrend or None
        The benchmark's own recent trend (None when the indicator has no sampling
        variation).
    trends : pandas.DataFrame
        One row per area asked for, columns :data:`TREND_FIELDS`: the recent trend's
        ``marker`` and ``reason`` (:data:`insight.stats.TREND_MARKERS`,
        :data:`insight.stats.TREND_REASONS`; None when the indicator has no sampling
        variation), the test's ``method``, ``chi_squared``, ``gradient`` and ``points``.
    """

    indicator: Indicator
    periods: tuple[str, ...]
    series: pd.DataFrame
    benchmark: pd.DataFrame
    benchmark_name: str
    benchmark_trend: stats.RecentTrend | None
    trends: pd.DataFrame

    @property
    def has_series(self) -> bool:
        """Whether there are several periods (else there is no trend to show)."""
        return len(self.periods) > 1

    def area_series(self, code: str) -> pd.DataFrame:
        """One area's series with the benchmark beside it: ``period``, ``value``,
        ``lower``, ``upper``, ``benchmark``, ``benchmark_lower``, ``benchmark_upper``.

        Raises
        ------
        DataError
            If the area is not one of those asked for.
        """
        rows = self.series[self.series["code"] == code]
        if rows.empty:
            raise DataError(
                f"Area {code!r} is not among the areas of this trend; choose one of: "
                f"{_some(self.trends['code'])}."
            )
        mark = self.benchmark.set_index("period")
        out = rows[["period", "value", "lower", "upper"]].reset_index(drop=True)
        out["benchmark"] = mark["value"].reindex(out["period"]).to_numpy()
        out["benchmark_lower"] = mark["lower"].reindex(out["period"]).to_numpy()
        out["benchmark_upper"] = mark["upper"].reindex(out["period"]).to_numpy()
        return out

    def trend_of(self, code: str) -> stats.RecentTrend | None:
        """The recent trend of area ``code`` (None: the indicator is not sampled).

        Raises
        ------
        DataError
            If the area is not one of those asked for.
        """
        rows = self.trends[self.trends["code"] == code]
        if rows.empty:
            raise DataError(
                f"Area {code!r} is not among the areas of this trend; choose one of: "
                f"{_some(self.trends['code'])}."
            )
        row = rows.iloc[0]
        if row["marker"] is None:
            return None
        return stats.RecentTrend(
            row["marker"], row["reason"], row["method"], float(row["chi_squared"]),
            float(row["gradient"]), int(row["points"]),
        )  # fmt: skip


def trend_method(indicator: Indicator) -> str | None:
    """Which Fingertips test an indicator's recent trend gets.

    Returns
    -------
    str or None
        ``"proportion"`` (chi-squared test for trend), ``"other"`` (weighted regression
        on the limits: rates and ratios), ``"not tested"`` (counts with no denominator),
        or None when the indicator has no sampling variation (no trend words at all).

    Examples
    --------
    >>> from insight.model import Indicator
    >>> trend_method(Indicator("x", "Share", "%", "proportion"))
    'proportion'
    >>> trend_method(Indicator("t", "Minutes", "minutes", "time")) is None
    True
    """
    if not indicator.sampled:
        return None
    if indicator.kind == "proportion":
        return "proportion"
    if indicator.kind in ("rate", "ratio") or indicator.denominator:
        return "other"
    return "not tested"


def period_years(label: str) -> tuple[int, int] | None:
    """First and last year (the year each starts) a period label covers.

    Parameters
    ----------
    label : str
        A period as Fingertips and officers write them.

    Returns
    -------
    (int, int) or None
        None when no year can be read.

    Examples
    --------
    >>> period_years("2021"), period_years("2019/20")
    ((2021, 2021), (2019, 2019))
    >>> period_years("2015/16 - 19/20"), period_years("2017-2019 (yearly mean)")
    ((2015, 2019), (2017, 2019))
    >>> period_years("2017 - 19"), period_years("no year") is None
    ((2017, 2019), True)
    """
    found = _YEAR.search(str(label))
    if found is None:
        return None
    first = int(found.group(1))
    rest = str(label)[found.end() :]
    end = _RANGE_END.search(rest)
    if end is None:
        return first, first
    last = end.group(1)
    if len(last) == 2:
        last_year = first - first % 100 + int(last)
        if last_year < first:
            last_year += 100
    else:
        last_year = int(last)
    return (first, last_year) if last_year >= first else (first, first)


def series_check(periods: tuple[str, ...] | list[str]) -> str | None:
    """Why a series cannot be tested as a whole, by Fingertips' criteria, or None.

    Returns
    -------
    str or None
        ``"not yearly"`` (months or quarters) or ``"overlapping periods"`` (rolling
        periods: one starts before the one before it ends), looking at the latest
        :data:`insight.stats.TREND_POINTS` periods.

    Examples
    --------
    >>> series_check(["2015/16 - 19/20", "2016/17 - 20/21"])
    'overlapping periods'
    >>> series_check(["2019/20", "2020/21", "2021/22"]) is None
    True
    """
    recent = list(periods)[-stats.TREND_POINTS :]
    if any(_NOT_YEARLY.search(str(p)) for p in recent):
        return "not yearly"
    spans = [period_years(p) for p in recent]
    for before, after in zip(spans, spans[1:], strict=False):
        if before is not None and after is not None and after[0] <= before[1]:
            return "overlapping periods"
    return None


def comparison_period(indicator: Indicator) -> str | None:
    """The earlier period a gap in ``indicator.period`` is compared with, or None.

    The earliest of the recent-trend window (the latest :data:`insight.stats.TREND_POINTS`
    periods ending at the indicator's own period) that shares no year with it: rolling
    periods that overlap share data, so their difference is not a change. None when the
    indicator has one period or no earlier period qualifies.

    Examples
    --------
    >>> from insight.model import Indicator
    >>> yearly = ("2017/18", "2018/19", "2019/20", "2020/21", "2021/22", "2022/23")
    >>> comparison_period(Indicator("x", "X", "%", period="2022/23", periods=yearly))
    '2018/19'
    >>> rolling = ("2013 - 15", "2014 - 16", "2015 - 17", "2016 - 18", "2017 - 19")
    >>> comparison_period(Indicator("x", "X", "%", period="2017 - 19", periods=rolling))
    '2013 - 15'
    >>> comparison_period(Indicator("x", "X", "%", period="2015 - 17", periods=rolling)) is None
    True
    """
    periods = list(indicator.periods)
    if len(periods) < 2 or indicator.period not in periods:
        return None
    now = periods.index(indicator.period)
    window = periods[max(0, now - stats.TREND_POINTS + 1) : now]
    years = period_years(indicator.period)
    for period in window:
        span = period_years(period)
        if years is None or span is None or span[1] < years[0]:
            return period
    return None


def area_trends(place: Place, indicator_id: str, codes: list[str] | None = None) -> TrendResult:
    """Every area's series, the benchmark's series and every recent trend.

    Parameters
    ----------
    place : Place
        The place.
    indicator_id : str
        The indicator.
    codes : list of str, optional
        The areas to work out (default: every area of the place).

    Returns
    -------
    TrendResult

    Raises
    ------
    DataError
        If the indicator is unknown, or a code is not an area of the place (the message
        names it and the areas there are).

    Examples
    --------
    >>> result = area_trends(place, "fingertips_90323", ["E05900001"])  # doctest: +SKIP
    >>> result.trends.loc[0, "marker"]  # doctest: +SKIP
    'increasing'
    """
    indicator = place.indicator(indicator_id)
    areas = place.areas
    names = pd.Series(areas["name"].astype(str).to_numpy(), index=areas["code"].astype(str))
    if codes is None:
        codes = names.index.tolist()
    unknown = [c for c in codes if c not in names.index]
    if unknown:
        raise DataError(
            f"Place {place.id!r} has no area {unknown[0]!r}; choose one of: {_some(names.index)}."
        )
    long = _long_series(place, indicator)
    periods = tuple(long.drop_duplicates("period").sort_values("period_order")["period"])
    benchmark = _benchmark_series(place, indicator, long, periods)
    grid = pd.MultiIndex.from_product([codes, periods], names=["code", "period"])
    series = long.set_index(["code", "period"]).drop(columns="period_order")
    series = series[~series.index.duplicated()].reindex(grid).reset_index()
    order = dict(zip(benchmark["period"], benchmark["period_order"], strict=True))
    series["period_order"] = series["period"].map(order).astype(float)
    series["name"] = names.reindex(series["code"]).to_numpy()
    series = series[list(SERIES_FIELDS)]
    method = trend_method(indicator)
    whole = series_check(periods) if len(periods) >= stats.TREND_POINTS else None
    common = _common_trend(method, whole, len(periods))
    if common is not False:  # the same for every area: no test to run
        results = [common] * len(codes)
    else:
        results = [
            _trend(indicator, method, whole, rows) for _, rows in series.groupby("code", sort=False)
        ]
    trends = pd.DataFrame(
        [
            {
                "code": code,
                "name": names[code],
                "marker": None if t is None else t.marker,
                "reason": None if t is None else t.reason,
                "method": None if t is None else t.method,
                "chi_squared": np.nan if t is None else t.chi_squared,
                "gradient": np.nan if t is None else t.gradient,
                "points": 0 if t is None else t.points,
            }
            for code, t in zip(pd.unique(series["code"]), results, strict=True)
        ],
        columns=list(TREND_FIELDS),
    )
    benchmark_rows = benchmark.assign(code="benchmark")
    return TrendResult(
        indicator=indicator,
        periods=periods,
        series=series.reset_index(drop=True),
        benchmark=benchmark,
        benchmark_name=benchmark_coverage(place, indicator)[0],
        benchmark_trend=_trend(indicator, method, whole, benchmark_rows),
        trends=trends,
    )


def group_trend(place: Place, indicator_id: str, grouping_id: str, code: str) -> TrendResult:
    """One group's series (its areas pooled period by period, as the Compare page pools
    today's) against the whole place, and its recent trend.

    Parameters
    ----------
    place : Place
        The place.
    indicator_id, grouping_id : str
        The indicator, and the grouping the group belongs to.
    code : str
        The group's code.

    Returns
    -------
    TrendResult
        With one "area": the group (``series`` and ``trends`` have its code and name).

    Raises
    ------
    DataError
        An unknown indicator, grouping or group (the message names the groups there are).

    Examples
    --------
    >>> result = group_trend(place, "fingertips_90323", "lad", "E06000062")  # doctest: +SKIP
    >>> result.trend_of("E06000062").marker  # doctest: +SKIP
    'no significant change'
    """
    indicator = place.indicator(indicator_id)
    grouping = place.grouping(grouping_id)
    names = place.group_names(grouping_id)
    if code not in names.index:
        raise DataError(
            f"Place {place.id!r} has no {grouping.title.lower()} {code!r}; choose one of: "
            f"{_some(names.index)}."
        )
    long = _long_series(place, indicator)
    periods = tuple(long.drop_duplicates("period").sort_values("period_order")["period"])
    members = set(place.areas.loc[place.areas[grouping.code_column] == code, "code"].astype(str))
    series = _benchmark_series(place, indicator, long[long["code"].isin(members)], periods)
    series.insert(0, "name", str(names[code]))
    series.insert(0, "code", code)
    benchmark = _benchmark_series(place, indicator, long, periods)
    method = trend_method(indicator)
    whole = series_check(periods) if len(periods) >= stats.TREND_POINTS else None
    trend = _trend(indicator, method, whole, series)
    trends = pd.DataFrame(
        [
            {
                "code": code,
                "name": str(names[code]),
                "marker": None if trend is None else trend.marker,
                "reason": None if trend is None else trend.reason,
                "method": None if trend is None else trend.method,
                "chi_squared": np.nan if trend is None else trend.chi_squared,
                "gradient": np.nan if trend is None else trend.gradient,
                "points": 0 if trend is None else trend.points,
            }
        ],
        columns=list(TREND_FIELDS),
    )
    return TrendResult(
        indicator=indicator,
        periods=periods,
        series=series[list(SERIES_FIELDS)],
        benchmark=benchmark,
        benchmark_name=benchmark_coverage(place, indicator)[0],
        benchmark_trend=_trend(indicator, method, whole, benchmark),
        trends=trends,
    )


def at_period(place: Place, indicator_id: str, period: str | None) -> Place:
    """The place as it was in ``period`` for one indicator: its columns on the areas
    (value, limits, numerator, denominator) hold that period's values, so every engine
    (Compare's comparisons, maps, findings) works on that period unchanged.

    Parameters
    ----------
    place : Place
        The place (not changed).
    indicator_id : str
        The indicator.
    period : str or None
        One of the indicator's periods; None or the latest gives ``place`` itself.

    Returns
    -------
    Place
        A copy sharing everything but the areas table and that indicator's metadata
        (whose ``period`` is ``period``).

    Raises
    ------
    DataError
        An unknown indicator or period (the message names the periods there are).

    Examples
    --------
    >>> earlier = at_period(place, "fingertips_90323", "2017/18")  # doctest: +SKIP
    >>> earlier.indicator("fingertips_90323").period  # doctest: +SKIP
    '2017/18'
    """
    indicator = place.indicator(indicator_id)
    if period is None or period == indicator.period:
        return place
    if period not in indicator.periods:
        choices = ", ".join(indicator.periods) or indicator.period or "(none)"
        raise DataError(
            f"Indicator {indicator.id!r} has no period {period!r}; choose one of: {choices}."
        )
    rows = place.series_of(indicator.id)
    rows = rows[rows["period"] == period].drop_duplicates("area_code").set_index("area_code")
    areas = place.areas.copy()
    codes = areas["code"].astype(str)
    for part, column in (
        ("value", indicator.id),
        ("lower", indicator.lower),
        ("upper", indicator.upper),
        ("numerator", indicator.numerator),
        ("denominator", indicator.denominator),
    ):
        if column:
            areas[column] = rows[part].reindex(codes).to_numpy(dtype=float)
    indicators = dict(place.indicators)
    indicators[indicator.id] = replace(indicator, period=period)
    return replace(place, areas=areas, indicators=indicators)


# --------------------------------------------------------------------------------------
# The series of the areas and of the benchmark
# --------------------------------------------------------------------------------------


def _long_series(place: Place, indicator: Indicator) -> pd.DataFrame:
    """``code``, ``period``, ``period_order`` and the values: the place's series, or the
    one period on the areas when it keeps none."""
    kept = place.series_of(indicator.id)
    if len(kept):
        out = kept.rename(columns={"area_code": "code"}).drop(columns="indicator")
        out["code"] = out["code"].astype(str)
        out["period"] = out["period"].astype(str)
        return out.reset_index(drop=True)
    areas = place.areas
    out = pd.DataFrame(
        {
            "code": areas["code"].astype(str).to_numpy(),
            "period": indicator.period or "",
            "period_order": 1.0,
            "value": pd.to_numeric(areas[indicator.id], errors="coerce").to_numpy(float),
        }
    )
    for part in ("lower", "upper", "numerator", "denominator"):
        column = getattr(indicator, part)
        out[part] = (
            pd.to_numeric(areas[column], errors="coerce").to_numpy(float) if column else np.nan
        )
    return out


def _pooled(indicator: Indicator) -> bool:
    return bool(indicator.numerator and indicator.denominator) and indicator.kind != "count"


def _benchmark_series(
    place: Place, indicator: Indicator, long: pd.DataFrame, periods: tuple[str, ...]
) -> pd.DataFrame:
    """The whole place, period by period: pooled numerator over pooled denominator with a
    Wilson (proportions) or Byar / exact (rates, ratios) interval, as the Compare page's
    benchmark; else the mean over areas (weighted by the indicator's weight where the
    areas have one, as today's), with no interval."""
    rows = []
    weights = None
    if indicator.weight and indicator.weight in place.areas.columns:
        weights = pd.Series(
            pd.to_numeric(place.areas[indicator.weight], errors="coerce").to_numpy(float),
            index=place.areas["code"].astype(str),
        )
    for period in periods:
        here = long[long["period"] == period]
        row = {"period": period, "period_order": float(here["period_order"].iloc[0])}
        if _pooled(indicator):
            valid = here["numerator"].notna() & (here["denominator"] > 0)
            num = float(here.loc[valid, "numerator"].sum())
            den = float(here.loc[valid, "denominator"].sum())
            if valid.any():
                ci = (stats.proportion_ci if indicator.kind == "proportion" else stats.rate_ci)(
                    [num], [den], multiplier=indicator.multiplier
                )
                row |= {k: float(ci[k].iloc[0]) for k in ("value", "lower", "upper")}
            else:
                row |= {"value": np.nan, "lower": np.nan, "upper": np.nan}
            row |= {"numerator": num, "denominator": den}
        else:
            values = here.set_index("code")["value"].dropna()
            value = float(values.mean()) if len(values) else np.nan
            if weights is not None:
                w = weights.reindex(values.index)
                usable = w.notna() & (w > 0)
                if usable.any():
                    value = float(np.average(values[usable], weights=w[usable]))
            row |= {"value": value, "lower": np.nan, "upper": np.nan}
            row |= {"numerator": np.nan, "denominator": np.nan}
        rows.append(row)
    return pd.DataFrame(
        rows,
        columns=["period", "period_order", "value", "lower", "upper", "numerator", "denominator"],
    )


# --------------------------------------------------------------------------------------
# One recent trend
# --------------------------------------------------------------------------------------


def _common_trend(
    method: str | None, whole: str | None, periods: int
) -> stats.RecentTrend | None | Literal[False]:
    """The trend every series of an indicator has without a test, or False (test each)."""
    if method is None:
        return None
    if method == "not tested":
        return stats.trend_not_calculated("not tested")
    if periods < stats.TREND_POINTS:
        return stats.trend_not_calculated("too few points")
    if whole is not None:
        return stats.trend_not_calculated(whole)
    return False


def _trend(
    indicator: Indicator, method: str | None, whole: str | None, rows: pd.DataFrame
) -> stats.RecentTrend | None:
    """The recent trend of one series (an area's or the benchmark's)."""
    common = _common_trend(method, whole, len(rows))
    if common is not False:
        return common
    time = rows["period_order"].to_numpy(float)
    value = rows["value"].to_numpy(float)
    scale = indicator.multiplier or 1.0
    if method == "proportion":
        num = rows["numerator"].to_numpy(float)
        den = rows["denominator"].to_numpy(float)
        share = value / scale
        num = np.where(np.isnan(num), share * den, num)  # derived, as PHEindicatormethods does
        den = np.where(np.isnan(den) & (share > 0), num / share, den)
        return stats.recent_trend(time, "proportion", numerator=num, denominator=den)
    lower = rows["lower"].to_numpy(float)
    upper = rows["upper"].to_numpy(float)
    missing = np.isnan(lower) | np.isnan(upper)
    num = rows["numerator"].to_numpy(float)
    den = rows["denominator"].to_numpy(float)
    fill = missing & np.isfinite(num) & np.isfinite(den) & (den > 0) & (num >= 0)
    if fill.any():
        ci = stats.rate_ci(num[fill], den[fill], multiplier=scale)
        lower[fill] = ci["lower"].to_numpy(float)
        upper[fill] = ci["upper"].to_numpy(float)
    return stats.recent_trend(time, "other", value=value, lower=lower, upper=upper)


def _some(codes, shown: int = 10) -> str:
    codes = [str(c) for c in codes]
    listed = ", ".join(codes[:shown])
    return listed if len(codes) <= shown else f"{listed}... ({len(codes):,} areas in all)"
