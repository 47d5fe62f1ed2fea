"""Benchmarking groups (authorities, commissioners...) with intervals, funnels and spines.

The method depends on what an indicator is, so that every interval means what it says:

* numerator and denominator known (``proportion``, ``rate``): the group's totals, with
  Wilson (proportions) or Byar's / exact Poisson (rates) intervals, as Fingertips does;
* ``count`` without a denominator (e.g. admissions a year): the mean count per area, with
  Byar's / exact interval of the group total divided by the number of areas;
* anything else (minutes, values): the mean over the group's areas with a t interval
  (the spread between areas, since area values carry no sampling error of their own).

Each group is rated against the whole place (Better / Similar / Worse, or Higher /
Similar / Lower for neutral indicators) by whether its interval excludes the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from insight import stats
from insight.place import Indicator, Place


@dataclass(frozen=True)
class Benchmarking:
    """Groups of one grouping compared on one indicator.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group: ``code``, ``name``, ``areas``, ``value``, ``lower``, ``upper``
        (95% interval), ``rating``, and ``count`` / ``denominator`` where they exist.
    benchmark : float
        The value for the whole place, computed the same way.
    benchmark_name : str
        What the benchmark is, e.g. "England and Wales".
    method : str
        One sentence on how values and intervals were worked out.
    """

    table: pd.DataFrame
    benchmark: float
    benchmark_name: str
    method: str


def _method_of(indicator: Indicator) -> str:
    if indicator.numerator and indicator.denominator:
        return "proportion" if indicator.kind == "proportion" else "rate"
    if indicator.kind == "count":
        return "count"
    return "mean"


def benchmark_groups(
    place: Place,
    indicator_id: str,
    grouping_id: str,
    codes: list[str] | None = None,
    confidence: float = 0.95,
) -> Benchmarking:
    """Value, interval and benchmark rating of each group.

    Parameters
    ----------
    place : Place
        The place.
    indicator_id, grouping_id : str
        What to compare, and by which boundaries.
    codes : list of str, optional
        Only these groups (default: all), in this order.
    confidence : float
        Interval level.

    Returns
    -------
    Benchmarking

    Examples
    --------
    >>> from insight.place import load_place
    >>> result = benchmark_groups(load_place(), "mt_minutes", "isdn")  # doctest: +SKIP
    >>> result.table.columns.tolist()[:6]  # doctest: +SKIP
    ['code', 'name', 'areas', 'value', 'lower', 'upper']
    """
    indicator = place.indicator(indicator_id)
    grouping = place.grouping(grouping_id)
    areas = place.areas
    method = _method_of(indicator)
    keys = areas[grouping.code_column]
    names = place.group_names(grouping_id)
    grouped = areas.groupby(keys, sort=False)
    n_areas = grouped[indicator_id].count()

    if method in ("proportion", "rate"):
        sums = grouped[[indicator.numerator, indicator.denominator]].sum(min_count=1)
        total = areas[[indicator.numerator, indicator.denominator]].sum()
        frame = pd.concat([sums, total.to_frame("__all__").T])
        frame = frame[frame[indicator.denominator] > 0]
        ci_function = stats.proportion_ci if method == "proportion" else stats.rate_ci
        ci = ci_function(
            frame[indicator.numerator].to_numpy(),
            frame[indicator.denominator].to_numpy(),
            confidence=confidence,
            multiplier=indicator.multiplier,
        )
        ci.index = frame.index
        ci["count"] = frame[indicator.numerator]
        ci["denominator"] = frame[indicator.denominator]
        text = (
            f"Totals of each group, with {'Wilson score' if method == 'proportion' else 'Byar or exact Poisson'} "
            "95% confidence intervals (the methods Fingertips uses)."
        )
    elif method == "count":
        totals = grouped[indicator_id].sum(min_count=1)
        counts = pd.concat([totals, pd.Series({"__all__": areas[indicator_id].sum()})])
        per = pd.concat([n_areas, pd.Series({"__all__": areas[indicator_id].count()})])
        keep = per > 0
        counts, per = counts[keep], per[keep]
        # A rate "per area": Byar's interval of the total (exact under 10), divided by the areas.
        ci = stats.rate_ci(
            counts.round().to_numpy(dtype=float),
            per.to_numpy(dtype=float),
            confidence=confidence,
            multiplier=1,
        )
        ci.index = counts.index
        ci["value"] = counts / per  # the interval needs whole events; the value need not be rounded
        ci["count"] = counts
        text = (
            f"Mean {indicator.unit} per area: the group total divided by its number of areas, "
            "with a Byar (or exact Poisson, under 10) 95% interval of the total."
        )
    else:
        described = grouped[indicator_id].agg(["mean", "std", "count"])
        overall = areas[indicator_id].agg(["mean", "std", "count"]).to_frame("__all__").T
        described = pd.concat([described, overall])
        described = described[described["count"] > 0]
        t = sps.t.ppf(0.5 + confidence / 2, np.maximum(described["count"] - 1, 1))
        half = t * described["std"].fillna(0) / np.sqrt(described["count"])
        half = half.where(described["count"] > 1)
        ci = pd.DataFrame(
            {
                "value": described["mean"],
                "lower": described["mean"] - half,
                "upper": described["mean"] + half,
                "method": "t interval of the mean",
            },
            index=described.index,
        )
        text = (
            "Average over the group's areas, with a 95% t interval for that average "
            "(how much it could differ given the spread between areas)."
        )

    if indicator.kind in ("time", "count", "distance"):
        ci["lower"] = ci["lower"].clip(lower=0)  # cannot be negative
    benchmark = float(ci.loc["__all__", "value"]) if "__all__" in ci.index else float("nan")
    ci = ci.drop(index="__all__", errors="ignore")
    ci["rating"] = stats.compare_to_benchmark(
        ci["lower"].to_numpy(dtype=float),
        ci["upper"].to_numpy(dtype=float),
        benchmark,
        indicator.polarity,
    )
    ci["areas"] = n_areas.reindex(ci.index).fillna(0).astype(int)
    ci["name"] = names.reindex(ci.index)
    table = ci.rename_axis("code").reset_index()
    if codes is not None:
        table = table.set_index("code").reindex(codes).dropna(subset=["name"]).reset_index()
    else:
        ascending = indicator.polarity != "high_is_good"
        table = table.sort_values("value", ascending=ascending, na_position="last")
    columns = ["code", "name", "areas", "value", "lower", "upper", "rating", "method"]
    columns += [c for c in ("count", "denominator") if c in table.columns]
    return Benchmarking(
        table[columns].reset_index(drop=True), benchmark, place.benchmark_name, text
    )


@dataclass(frozen=True)
class Funnel:
    """A funnel plot: each group's value against its size, with control limits.

    Attributes
    ----------
    points : pandas.DataFrame
        ``code``, ``name``, ``size``, ``value``, ``significance`` (PHEindicatormethods labels).
    limits : pandas.DataFrame
        ``size`` and ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8``.
    baseline : float
        The centre line (the whole place's value).
    size_title : str
        What the horizontal axis measures.
    """

    points: pd.DataFrame
    limits: pd.DataFrame
    baseline: float
    size_title: str


def funnel(place: Place, indicator_id: str, grouping_id: str) -> Funnel:
    """Funnel plot of the groups of ``grouping_id`` on ``indicator_id``.

    Control limits come from :func:`insight.stats.funnel_limits` for proportions and rates;
    counts use Poisson limits of observed against expected (areas × the place's mean);
    means use normal limits ``baseline ± z·sd/√n`` with the spread between all areas.
    """
    indicator = place.indicator(indicator_id)
    result = benchmark_groups(place, indicator_id, grouping_id)
    table = result.table.dropna(subset=["value"])
    baseline = result.benchmark
    method = _method_of(indicator)
    z = {"95": sps.norm.ppf(0.975), "99_8": sps.norm.ppf(0.999)}
    if method in ("proportion", "rate"):
        statistic = "proportion" if method == "proportion" else "rate"
        size = table["denominator"].to_numpy(dtype=float)
        grid = stats.funnel_points(size)
        scale = indicator.multiplier
        limits = stats.funnel_limits(
            grid,
            baseline / scale if statistic == "proportion" else baseline,
            statistic,
            multiplier=scale,
        )
        significance = stats.funnel_significance(
            table["count"].to_numpy(dtype=float),
            size,
            statistic,
            baseline=baseline / scale if statistic == "proportion" else baseline,
        )
        size_title = indicator.denominator or "Denominator"
    elif method == "count":
        size = table["areas"].to_numpy(dtype=float)
        expected = size * baseline
        grid = np.linspace(max(size.min(), 1), size.max() * 1.05, 100)
        ratio = stats.funnel_limits(grid * baseline, 1.0, "ratio")
        limits = pd.DataFrame({"denominator": grid})
        for level in ("95", "99_8"):
            limits[f"lower_{level}"] = ratio[f"lower_{level}"].to_numpy() * baseline
            limits[f"upper_{level}"] = ratio[f"upper_{level}"].to_numpy() * baseline
        significance = stats.funnel_significance(
            table["count"].round().to_numpy(dtype=float), expected, "ratio"
        )
        size_title = "Number of areas"
    else:
        values = place.areas[indicator_id].dropna()
        spread = float(values.std())
        size = table["areas"].to_numpy(dtype=float)
        grid = np.linspace(max(size.min(), 1), size.max() * 1.05, 100)
        limits = pd.DataFrame({"denominator": grid})
        for level, zz in z.items():
            limits[f"lower_{level}"] = baseline - zz * spread / np.sqrt(grid)
            limits[f"upper_{level}"] = baseline + zz * spread / np.sqrt(grid)
        score = (table["value"].to_numpy() - baseline) / (spread / np.sqrt(size))
        significance = np.select(
            [score > z["99_8"], score > z["95"], score < -z["99_8"], score < -z["95"]],
            ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"],
            default="Not significant",
        )
        size_title = "Number of areas"
    points = pd.DataFrame(
        {
            "code": table["code"],
            "name": table["name"],
            "size": size,
            "value": table["value"],
            "significance": np.asarray(significance, dtype=object),
        }
    )
    limits = limits.rename(columns={"denominator": "size"})
    keep = ["size", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    return Funnel(points, limits[keep], baseline, size_title)


def spine(place: Place, grouping_id: str, code: str) -> pd.DataFrame:
    """Spine chart data: one group against the spread of all groups, on every indicator.

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``indicator``, ``title``, ``value``, ``benchmark``,
        ``rating``, ``worst``, ``q25``, ``q75``, ``best`` (of all groups' values) and the
        same positions scaled to 0 (worst) .. 1 (best) with the benchmark at 0.5:
        ``pos_value``, ``pos_worst``, ``pos_q25``, ``pos_q75``, ``pos_best``.
    """
    rows = []
    for indicator in place.indicators.values():
        result = benchmark_groups(place, indicator.id, grouping_id)
        table = result.table.set_index("code")
        if code not in table.index or result.table["value"].dropna().empty:
            continue
        values = result.table["value"].dropna()
        sign = -1.0 if indicator.polarity == "low_is_good" else 1.0
        centred = sign * (values - result.benchmark)
        reach = float(np.nanmax(np.abs(centred))) or 1.0

        def position(
            x: float, sign: float = sign, reach: float = reach, bench: float = result.benchmark
        ) -> float:
            return 0.5 + 0.5 * sign * (x - bench) / reach

        quantiles = values.quantile([0.25, 0.75]).to_numpy()
        low, high = float(values.min()), float(values.max())
        worst, best = (low, high) if sign > 0 else (high, low)
        q_worst, q_best = (quantiles[0], quantiles[1]) if sign > 0 else (quantiles[1], quantiles[0])
        value = float(table.loc[code, "value"])
        rows.append(
            {
                "indicator": indicator.id,
                "title": indicator.title,
                "value": value,
                "benchmark": result.benchmark,
                "rating": table.loc[code, "rating"],
                "worst": worst,
                "q25": q_worst,
                "q75": q_best,
                "best": best,
                "pos_value": position(value),
                "pos_worst": position(worst),
                "pos_q25": position(q_worst),
                "pos_q75": position(q_best),
                "pos_best": position(best),
            }
        )
    return pd.DataFrame(rows)


def area_ratings(place: Place, indicator_id: str, confidence: float = 0.95) -> pd.Series | None:
    """Each area rated against the whole place, where area values have intervals.

    Intervals come from the indicator's published ``lower`` / ``upper`` columns, else from
    its numerator and denominator (Wilson or Byar), else, for counts, from Byar's interval
    of the count against the mean count per area. Indicators without sampling error
    (travel times) cannot be rated: returns None.

    Returns
    -------
    pandas.Series or None
        Rating per area (index as ``place.areas``), or None when no interval exists.
    """
    indicator = place.indicator(indicator_id)
    areas = place.areas
    method = _method_of(indicator)
    if indicator.lower and indicator.upper:
        lower, upper = areas[indicator.lower], areas[indicator.upper]
        benchmark = benchmark_groups(place, indicator_id, place.default_grouping).benchmark
    elif method in ("proportion", "rate"):
        valid = areas[indicator.denominator] > 0
        ci_function = stats.proportion_ci if method == "proportion" else stats.rate_ci
        ci = ci_function(
            areas.loc[valid, indicator.numerator].to_numpy(dtype=float),
            areas.loc[valid, indicator.denominator].to_numpy(dtype=float),
            confidence=confidence,
            multiplier=indicator.multiplier,
        )
        lower = pd.Series(np.nan, index=areas.index)
        upper = pd.Series(np.nan, index=areas.index)
        lower[valid], upper[valid] = ci["lower"].to_numpy(), ci["upper"].to_numpy()
        benchmark = benchmark_groups(place, indicator_id, place.default_grouping).benchmark
    elif method == "count":
        ci = stats.rate_ci(
            areas[indicator_id].round().to_numpy(dtype=float),
            1.0,
            confidence=confidence,
            multiplier=1,
        )
        lower, upper = ci["lower"], ci["upper"]
        benchmark = float(areas[indicator_id].mean())
    else:
        return None
    ratings = stats.compare_to_benchmark(
        lower.to_numpy(dtype=float), upper.to_numpy(dtype=float), benchmark, indicator.polarity
    )
    return pd.Series(ratings, index=areas.index, name="rating")
