"""Benchmarks: every group's value, interval, rating and funnel status, worked out once.

:func:`compare_groups` is the one place where a group's value, its interval, the benchmark
(the whole place) and whether the group is a funnel outlier are decided. Compare, Your area,
the Map's ratings, the postcode-lottery funnel findings, the slides, the data files and
``python -m insight compare`` all read its result.

How a group's value is worked out depends on what the indicator is:

* numerator and denominator known (``proportion``, ``rate``): the group's pooled totals,
  with Wilson (proportions) or Byar's / exact Poisson (rates) intervals, as Fingertips does;
* ``count`` without a denominator (e.g. admissions a year): the mean count per area, with
  Byar's / exact interval of the group total divided by the number of areas;
* anything else (minutes, values): the mean over the group's areas, weighted by the
  indicator's ``weight`` column (people or admissions) where the group's areas have one,
  else per area (:func:`mean_of`); a t interval from the spread between those areas.

The funnel rule (one for every surface): a group with at least :data:`MIN_AREAS` areas is
``"high"`` or ``"low"`` when it lies outside the 99.8% limits around the benchmark, allowing
for over-dispersion after Spiegelhalter (2005) when the chi-square test says the groups
vary more than chance would give; ``"within"`` otherwise; ``"n/a"`` when it cannot be
placed on the funnel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats as sps

from insight import explain, stats
from insight.errors import DataError
from insight.model import Grouping, Indicator, Place

__all__ = [
    "FUNNEL_STATUSES",
    "MIN_AREAS",
    "GroupComparison",
    "area_ratings",
    "benchmark_coverage",
    "compare_groups",
    "mean_of",
    "spine",
]

#: Funnel status of a group: outside the 99.8% limits above or below, inside, or not placed.
FUNNEL_STATUSES: tuple[str, ...] = ("high", "low", "within", "n/a")
#: Fewest areas a group needs to be placed on the funnel (and so to be a funnel finding).
MIN_AREAS = 5
#: Two-sided z of the 99.8% funnel limits (three sigma).
Z_998 = float(sps.norm.ppf(0.999))


@dataclass(frozen=True)
class GroupComparison:
    """Every group of one grouping compared on one indicator.

    Attributes
    ----------
    indicator : Indicator
        What is compared.
    grouping : Grouping
        By which boundaries.
    table : pandas.DataFrame
        One row per group: ``code``, ``name``, ``areas`` (with a value), ``value``,
        ``lower``, ``upper`` (95% interval), ``rating`` (against the benchmark), ``funnel``
        (one of :data:`FUNNEL_STATUSES`), ``z`` (funnel z-score, over-dispersion allowed
        for), ``size`` (the funnel's horizontal axis), and ``count``, ``expected``,
        ``denominator``, ``weight`` where they exist.
    benchmark : float
        The whole place's value, worked out the same way as a group's.
    benchmark_name : str
        What the benchmark is called, e.g. "England and Wales".
    method : str
        One sentence on how values and intervals were worked out.
    limits : pandas.DataFrame
        Funnel limits along ``size``: ``lower_95``, ``upper_95``, ``lower_99_8``,
        ``upper_99_8`` (empty when no funnel can be drawn).
    size_title : str
        What ``size`` measures.
    overdispersed : bool
        Whether the funnel limits were widened for over-dispersion.
    """

    indicator: Indicator
    grouping: Grouping
    table: pd.DataFrame
    benchmark: float
    benchmark_name: str
    method: str
    limits: pd.DataFrame
    size_title: str
    overdispersed: bool

    def subset(self, codes: list[str]) -> GroupComparison:
        """The same comparison with only the groups ``codes``, in that order.

        Unknown codes are left out; the benchmark and funnel are those of every group.
        """
        table = self.table.set_index("code").reindex(codes)
        table = table.dropna(subset=["name"]).rename_axis("code").reset_index()
        return replace(self, table=table)

    @property
    def outliers(self) -> pd.DataFrame:
        """The rows whose funnel status is ``"high"`` or ``"low"``."""
        return self.table[self.table["funnel"].isin(("high", "low"))]


def _method_of(indicator: Indicator) -> str:
    if indicator.numerator and indicator.denominator:
        return "proportion" if indicator.kind == "proportion" else "rate"
    if indicator.kind == "count":
        return "count"
    return "mean"


def _weights(place: Place, indicator: Indicator) -> np.ndarray | None:
    """The indicator's weight per area (NaN where unknown), or None when it has none."""
    if not indicator.weight or indicator.weight not in place.areas.columns:
        return None
    weights = pd.to_numeric(place.areas[indicator.weight], errors="coerce").to_numpy(float)
    return np.where(weights >= 0, weights, np.nan)


def mean_of(place: Place, indicator: Indicator, rows: np.ndarray) -> float:
    """The average of ``indicator`` over areas ``rows``: the one group-mean rule.

    Weighted by the indicator's ``weight`` column (people or admissions) over the areas
    that have both a value and a weight; where none of them has a weight (Wales, in the
    demo, has no admissions), the plain mean per area. Counts, rates and proportions use
    the same rule as :func:`compare_groups` (pooled totals, or the mean count per area).

    Parameters
    ----------
    place : Place
        The place.
    indicator : Indicator
        The indicator.
    rows : numpy.ndarray
        Row positions of the areas.

    Returns
    -------
    float
        NaN when no area in ``rows`` has a value.

    Examples
    --------
    >>> mean_of(place, place.indicator("mt_minutes"), np.arange(10))  # doctest: +SKIP
    41.2
    """
    rows = np.asarray(rows, dtype=int)
    areas = place.areas
    method = _method_of(indicator)
    if method in ("proportion", "rate"):
        num = pd.to_numeric(areas[indicator.numerator].iloc[rows], errors="coerce")
        den = pd.to_numeric(areas[indicator.denominator].iloc[rows], errors="coerce")
        valid = num.notna() & den.notna()
        total = float(den[valid].sum())
        return float(num[valid].sum()) / total * indicator.multiplier if total > 0 else np.nan
    values = pd.to_numeric(areas[indicator.id].iloc[rows], errors="coerce").to_numpy(float)
    weights = _weights(place, indicator) if method == "mean" else None
    summary = _weighted_summary(values, None if weights is None else weights[rows])
    return summary[0]


def _weighted_summary(
    values: np.ndarray, weights: np.ndarray | None
) -> tuple[float, float, float, int]:
    """Mean, variance between areas, effective number of areas and number of areas."""
    finite = np.isfinite(values)
    if weights is not None:
        weighted = finite & np.isfinite(weights) & (weights > 0)
        if weighted.any():
            v, w = values[weighted], weights[weighted]
            mean = float(np.average(v, weights=w))
            n_eff = float(w.sum() ** 2 / (w**2).sum())
            spread = float(np.average((v - mean) ** 2, weights=w))
            if n_eff > 1:
                spread *= n_eff / (n_eff - 1)
            return mean, spread, n_eff, int(weighted.sum())
    v = values[finite]
    if v.size == 0:
        return np.nan, np.nan, 0.0, 0
    return float(v.mean()), float(v.var(ddof=1)) if v.size > 1 else np.nan, float(v.size), v.size


def compare_groups(
    place: Place, indicator_id: str, grouping_id: str, confidence: float = 0.95
) -> GroupComparison:
    """Value, interval, rating and funnel status of every group.

    Parameters
    ----------
    place : Place
        The place.
    indicator_id, grouping_id : str
        What to compare, and by which boundaries.
    confidence : float, default 0.95
        Level of the groups' intervals.

    Returns
    -------
    GroupComparison
        Groups sorted best first (highest first when polarity is neutral or high is good).

    Raises
    ------
    DataError
        If the indicator or grouping is unknown.

    Examples
    --------
    >>> result = compare_groups(place, "mt_minutes", "isdn")  # doctest: +SKIP
    >>> result.table.columns.tolist()[:6]  # doctest: +SKIP
    ['code', 'name', 'areas', 'value', 'lower', 'upper']
    """
    indicator = place.indicator(indicator_id)
    grouping = place.grouping(grouping_id)
    if indicator.id not in place.areas.columns:
        raise DataError(f"Place {place.id!r} has no column {indicator.id!r} on its areas.")
    method = _method_of(indicator)
    build = {"proportion": _pooled, "rate": _pooled, "count": _counts, "mean": _means}[method]
    table, benchmark, text, funnel = build(place, indicator, grouping, confidence)
    benchmark_name, coverage_note = benchmark_coverage(place, indicator)
    if coverage_note:
        text = f"{text} {coverage_note}"
    names = place.group_names(grouping_id)
    # Every group is listed: one whose areas have no value is shown as such, not left out.
    table = table.reindex(table.index.union(names.index))
    table["areas"] = table["areas"].fillna(0).astype(int)
    if indicator.kind in ("time", "count", "distance"):
        table["lower"] = table["lower"].clip(lower=0)  # cannot be negative
    if not indicator.sampled:
        table["rating"] = [explain.size_rating(indicator, v, benchmark) for v in table["value"]]
    elif not indicator.rated and indicator.kind == "count":
        table["rating"] = "Not compared"  # a count per area says nothing of better or worse
    else:
        table["rating"] = stats.compare_to_benchmark(
            table["lower"].to_numpy(dtype=float),
            table["upper"].to_numpy(dtype=float),
            benchmark,
            indicator.polarity,
        )
    table["name"] = names.reindex(table.index).fillna(pd.Series(table.index, index=table.index))
    z, limits, size_title, overdispersed = funnel(table, benchmark)
    placed = np.isfinite(z) & (table["areas"].to_numpy() >= MIN_AREAS)
    table["z"] = np.where(placed, z, np.nan)
    table["funnel"] = np.select(
        [~placed, table["z"] > Z_998, table["z"] < -Z_998], ["n/a", "high", "low"], "within"
    )
    table = table.rename_axis("code").reset_index()
    table = table.sort_values(
        "value", ascending=indicator.polarity == "low_is_good", na_position="last", kind="stable"
    ).reset_index(drop=True)
    columns = ["code", "name", "areas", "value", "lower", "upper", "rating", "funnel", "z"]
    columns += [c for c in ("size", "count", "expected", "denominator", "weight") if c in table]
    return GroupComparison(
        indicator, grouping, table[columns], benchmark, benchmark_name, text,
        limits, size_title, overdispersed,
    )  # fmt: skip


def benchmark_coverage(place: Place, indicator: Indicator) -> tuple[str, str]:
    """What the benchmark of ``indicator`` really covers, and why, when it is not all of it.

    The benchmark is worked out from the areas with a value (and, for an average weighted
    by people or admissions, a weight). When those are, say, only the English areas of an
    England and Wales place, the benchmark is called "England", not "England and Wales".

    Returns
    -------
    (str, str)
        The benchmark's name, and a sentence on what is left out ("" when nothing is).

    Examples
    --------
    >>> benchmark_coverage(place, place.indicator("admissions"))  # doctest: +SKIP
    ('England', 'Wales has no figures for stroke admissions a year in the source, ...')
    """
    used = _benchmark_rows(place, indicator)
    if used.all() or not used.any():
        return place.benchmark_name, ""
    # The nation of an area is the first letter of its code: the distinct letters only.
    first = place.areas["code"].astype(str).str[:1].to_numpy(dtype=object)
    nations = {"E": "England", "W": "Wales"}
    covered = {nations.get(c, "") for c in pd.unique(first[used])}  # "": neither nation
    everywhere = {nations.get(c, "") for c in pd.unique(first)}
    what = indicator.title.lower()
    if indicator.weight and indicator.weight in place.indicators and not indicator.sampled:
        what = f"{place.indicators[indicator.weight].title.lower()} (the weights of the average)"
    if "" not in everywhere and len(covered) == 1 and len(everywhere) > 1:
        name = covered.pop()
        missing = " and ".join(sorted(everywhere - {name}))
        return name, (
            f"{missing} has no figures for {what} in the source, so the benchmark is "
            f"{name}'s alone."
        )
    share = used.mean()
    return (
        f"{place.benchmark_name} (the {used.sum():,} areas with data)",
        f"{1 - share:.0%} of the areas have no figures for {what}: the benchmark leaves them out.",
    )


def _benchmark_rows(place: Place, indicator: Indicator) -> np.ndarray:
    """Which areas the benchmark of ``indicator`` is worked out from."""
    areas = place.areas
    if _method_of(indicator) in ("proportion", "rate"):
        num = pd.to_numeric(areas[indicator.numerator], errors="coerce")
        den = pd.to_numeric(areas[indicator.denominator], errors="coerce")
        return (num.notna() & (den > 0)).to_numpy()
    has_value = pd.to_numeric(areas[indicator.id], errors="coerce").notna().to_numpy()
    weights = _weights(place, indicator) if _method_of(indicator) == "mean" else None
    if weights is not None and (np.isfinite(weights) & (weights > 0) & has_value).any():
        return has_value & np.isfinite(weights) & (weights > 0)
    return has_value


# --------------------------------------------------------------------------------------
# Values and intervals, by kind of indicator
# --------------------------------------------------------------------------------------


def _group_keys(place: Place, grouping: Grouping) -> pd.Series:
    return place.areas[grouping.code_column]


def _pooled(place: Place, indicator: Indicator, grouping: Grouping, confidence: float):
    """Proportions and rates: pooled numerator over pooled denominator."""
    areas = place.areas
    frame = pd.DataFrame(
        {
            "key": _group_keys(place, grouping),
            "count": pd.to_numeric(areas[indicator.numerator], errors="coerce"),
            "denominator": pd.to_numeric(areas[indicator.denominator], errors="coerce"),
        }
    ).dropna()
    frame = frame[frame["denominator"] > 0]
    table = frame.groupby("key", sort=True).agg(
        count=("count", "sum"), denominator=("denominator", "sum"), areas=("count", "size")
    )
    proportion = indicator.kind == "proportion"
    ci = (stats.proportion_ci if proportion else stats.rate_ci)(
        table["count"].to_numpy(),
        table["denominator"].to_numpy(),
        confidence=confidence,
        multiplier=indicator.multiplier,
    )
    table["value"] = ci["value"].to_numpy()
    table["lower"] = ci["lower"].to_numpy()
    table["upper"] = ci["upper"].to_numpy()
    table["size"] = table["denominator"]
    total_den = float(frame["denominator"].sum())
    benchmark = float(frame["count"].sum()) / total_den * indicator.multiplier
    statistic: stats.Statistic = "proportion" if proportion else "rate"
    text = (
        f"Totals of each group, with {'Wilson score' if proportion else 'Byar or exact Poisson'} "
        "95% confidence intervals (the methods Fingertips uses)."
    )

    def funnel(table: pd.DataFrame, benchmark: float):
        keep = table["areas"] >= MIN_AREAS
        size_title = indicator.denominator or "Denominator"
        try:
            dispersion = stats.overdispersion(
                table.loc[keep, "count"], table.loc[keep, "denominator"], statistic,
                baseline=benchmark / indicator.multiplier, multiplier=indicator.multiplier,
            )  # fmt: skip
        except ValueError:
            return np.full(len(table), np.nan), pd.DataFrame(), size_title, False
        z = pd.Series(np.nan, index=table.index)
        chosen = dispersion.z_adjusted if dispersion.overdispersed else dispersion.z
        z[keep] = np.asarray(chosen, dtype=float)
        grid = stats.funnel_points(table.loc[keep, "denominator"].to_numpy(dtype=float))
        limits = dispersion.limits(grid).rename(columns={"denominator": "size"})
        return z.to_numpy(), limits, size_title, dispersion.overdispersed

    return table, benchmark, text, funnel


def _counts(place: Place, indicator: Indicator, grouping: Grouping, confidence: float):
    """Counts with no denominator: the mean count per area, and observed against expected."""
    values = pd.to_numeric(place.areas[indicator.id], errors="coerce")
    frame = pd.DataFrame({"key": _group_keys(place, grouping), "value": values}).dropna()
    table = frame.groupby("key", sort=True).agg(count=("value", "sum"), areas=("value", "size"))
    # A rate "per area": Byar's interval of the total (exact under 10), divided by the areas.
    ci = stats.rate_ci(
        table["count"].round().to_numpy(dtype=float),
        table["areas"].to_numpy(dtype=float),
        confidence=confidence,
        multiplier=1,
    )
    table["value"] = table["count"] / table["areas"]  # the value need not be rounded
    table["lower"] = ci["lower"].to_numpy()
    table["upper"] = ci["upper"].to_numpy()
    benchmark = float(frame["value"].sum() / len(frame)) if len(frame) else np.nan
    table["expected"] = table["areas"] * benchmark
    table["size"] = table["areas"]
    text = (
        f"Mean {indicator.unit} per area: the group total divided by its number of areas, "
        "with a Byar (or exact Poisson, under 10) 95% interval of the total."
    )

    def funnel(table: pd.DataFrame, benchmark: float):
        keep = (table["areas"] >= MIN_AREAS) & (table["expected"] > 0)
        try:
            dispersion = stats.overdispersion(
                table.loc[keep, "count"].round(), table.loc[keep, "expected"], "ratio"
            )
        except ValueError:
            return np.full(len(table), np.nan), pd.DataFrame(), "Number of areas", False
        z = pd.Series(np.nan, index=table.index)
        chosen = dispersion.z_adjusted if dispersion.overdispersed else dispersion.z
        z[keep] = np.asarray(chosen, dtype=float)
        sizes = table.loc[keep, "areas"].to_numpy(dtype=float)
        grid = np.linspace(max(sizes.min(), 1), sizes.max() * 1.05, 100)
        ratio = dispersion.limits(grid * benchmark)
        limits = pd.DataFrame({"size": grid})
        for level in ("95", "99_8"):
            limits[f"lower_{level}"] = ratio[f"lower_{level}"].to_numpy() * benchmark
            limits[f"upper_{level}"] = ratio[f"upper_{level}"].to_numpy() * benchmark
        return z.to_numpy(), limits, "Number of areas", dispersion.overdispersed

    return table, benchmark, text, funnel


def _means(place: Place, indicator: Indicator, grouping: Grouping, confidence: float):
    """Times and other values: the (weighted) mean of the group's areas (:func:`mean_of`)."""
    values = pd.to_numeric(place.areas[indicator.id], errors="coerce").to_numpy(float)
    weights = _weights(place, indicator)
    keys = _group_keys(place, grouping).to_numpy(dtype=object)
    valid_keys = pd.notna(keys)
    records = {}
    # each group's rows in the areas' order (a stable sort of the groups' numbers)
    number, groups = pd.factorize(keys[valid_keys])
    order = np.flatnonzero(valid_keys)[np.argsort(number, kind="stable")]
    bounds = np.cumsum(np.bincount(number, minlength=len(groups)))[:-1]
    for key, rows in zip(groups, np.split(order, bounds) if len(groups) else [], strict=True):
        records[key] = _weighted_summary(values[rows], None if weights is None else weights[rows])
    table = pd.DataFrame.from_dict(
        records, orient="index", columns=["value", "spread", "n_eff", "areas"]
    ).sort_index()
    table = table[table["areas"] > 0]
    benchmark, _, _, _ = _weighted_summary(values, weights)
    # No sampling: the spread of the group's areas (10th to 90th centile), not an interval.
    spread = pd.DataFrame({"key": keys, "value": values}).dropna()
    centiles = spread.groupby("key")["value"].quantile([0.1, 0.9]).unstack()
    # No value at all (a penalty no group can have: every service outside the areas) leaves
    # no centile columns: the spread is then unknown, not an error.
    centiles = centiles.reindex(columns=[0.1, 0.9])
    table["lower"] = centiles[0.1].reindex(table.index)
    table["upper"] = centiles[0.9].reindex(table.index)
    table["size"] = table["n_eff"]
    weighted = weights is not None and np.isfinite(weights).any()
    origin = (
        "modelled estimates for a typical patient, not measured outcomes"
        if indicator.kind == "modelled"
        else "worked out from a fixed table, not sampled"
    )
    if weighted:
        weight_id = indicator.weight or ""
        weight = place.indicators.get(weight_id)
        label = weight.title.lower() if weight else weight_id
        text = (
            f"Average over the group's areas weighted by {label} (per area where no area "
            f"of the group has them). These values are {origin}, so there is no confidence "
            "interval: the range shown is that of the middle 80% of the group's areas."
        )
    else:
        text = (
            "Average over the group's areas. These values are worked out, not sampled, so "
            "there is no confidence interval: the range shown is that of the middle 80% of "
            "the group's areas."
        )
    table = table.drop(columns=["spread"])

    def funnel(table: pd.DataFrame, benchmark: float):
        # A funnel asks whether a group differs by more than chance; there is no chance here.
        return np.full(len(table), np.nan), pd.DataFrame(), "", False

    return table, benchmark, text, funnel


# --------------------------------------------------------------------------------------
# Spine chart and area ratings
# --------------------------------------------------------------------------------------


def spine(place: Place, grouping_id: str, code: str) -> pd.DataFrame:
    """Spine chart data: one group against the spread of all groups, on every indicator.

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``indicator``, ``title``, ``value``, ``benchmark``,
        ``benchmark_name`` (each indicator's own: England alone where only England has
        data), ``rating``, ``worst``, ``q25``, ``q75``, ``best`` (of all groups' values; for
        an indicator neither better high nor low, worst is the lowest) and the
        same positions scaled to 0 (worst) .. 1 (best) with the benchmark at 0.5:
        ``pos_value``, ``pos_worst``, ``pos_q25``, ``pos_q75``, ``pos_best``.
    """
    rows = []
    for indicator in place.indicators.values():
        result = compare_groups(place, indicator.id, grouping_id)
        table = result.table.set_index("code")
        values = result.table["value"].dropna()
        if code not in table.index or values.empty or pd.isna(table.loc[code, "value"]):
            continue
        sign = -1.0 if indicator.polarity == "low_is_good" else 1.0
        reach = float(np.nanmax(np.abs(sign * (values - result.benchmark)))) or 1.0

        def position(x: float, sign=sign, reach=reach, bench=result.benchmark) -> float:
            return 0.5 + 0.5 * sign * (x - bench) / reach

        q25, q75 = values.quantile([0.25, 0.75]).to_numpy()
        low, high = float(values.min()), float(values.max())
        worst, best = (low, high) if sign > 0 else (high, low)
        q_worst, q_best = (q25, q75) if sign > 0 else (q75, q25)
        value = float(table.loc[code, "value"])
        rows.append(
            {
                "indicator": indicator.id,
                "title": indicator.title,
                "value": value,
                "benchmark": result.benchmark,
                "benchmark_name": result.benchmark_name,
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
    """Each area rated against the benchmark, where area values have intervals.

    Intervals come from the indicator's published ``lower`` / ``upper`` columns, else from
    its numerator and denominator (Wilson or Byar), else, for counts, from Byar's interval
    of the count. The benchmark is :func:`compare_groups`'s. Indicators without sampling
    error (travel times), and counts with nothing to divide them by, are not rated:
    returns None.

    Returns
    -------
    pandas.Series or None
        Rating per area (index as ``place.areas``), or None when no interval exists.
    """
    indicator = place.indicator(indicator_id)
    areas = place.areas
    method = _method_of(indicator)
    if not (indicator.lower and indicator.upper) and (method == "mean" or not indicator.rated):
        return None  # not sampled, or a count with nothing to divide it by: never rated
    benchmark = compare_groups(place, indicator_id, place.default_grouping).benchmark
    if indicator.lower and indicator.upper:
        lower, upper = areas[indicator.lower], areas[indicator.upper]
    elif method in ("proportion", "rate"):
        valid = areas[indicator.denominator] > 0
        ci = (stats.proportion_ci if method == "proportion" else stats.rate_ci)(
            areas.loc[valid, indicator.numerator].to_numpy(dtype=float),
            areas.loc[valid, indicator.denominator].to_numpy(dtype=float),
            confidence=confidence,
            multiplier=indicator.multiplier,
        )
        lower = pd.Series(np.nan, index=areas.index)
        upper = pd.Series(np.nan, index=areas.index)
        lower[valid], upper[valid] = ci["lower"].to_numpy(), ci["upper"].to_numpy()
    else:
        ci = stats.rate_ci(
            areas[indicator_id].round().to_numpy(dtype=float), 1.0, confidence=confidence,
            multiplier=1,
        )  # fmt: skip
        lower, upper = ci["lower"], ci["upper"]
    ratings = stats.compare_to_benchmark(
        lower.to_numpy(dtype=float), upper.to_numpy(dtype=float), benchmark, indicator.polarity
    )
    return pd.Series(ratings, index=areas.index, name="rating")
