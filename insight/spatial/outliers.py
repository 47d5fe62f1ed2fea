"""Areas unlike their neighbours: each area against the mean of the areas it touches.

The statistic
-------------
Values are first put on a scale where chance variation is known and the same at every
level: unchanged for values with no sampling error (travel times from a fixed matrix,
modelled values); the Freeman-Tukey square root ``(sqrt(O) + sqrt(O + 1)) / sqrt(E)`` for
counts, rates and ratios (O events, E the denominator or expected count; chance variance
``1 / E``); the arcsine square root of a proportion (variance ``1 / (4 n)``). On that scale,
for area *i* with *k* neighbours (Queen contiguity), ``d_i = t_i - mean(t_j, j ~ i)`` and,
under "no outlier" (the area shares its neighbours' local level), ::

    Var(d_i) = v_i + sum(v_j) / k^2 + sigma2_i * (1 + 1/k)

with ``v`` the chance variances and ``sigma2_i`` the variance of the real differences
between neighbouring areas around *i*. ``z_i = d_i / sqrt(Var)`` is about N(0, 1) even for
small counts (a count of 1 where 0.03 was expected is not an outlier), its p-value is the
two-sided normal one (no permutation floor), and Benjamini-Hochberg runs over every area
tested. The difference and its 95% interval, ``d_i +- 1.96 sqrt(Var)``, are turned back
into the indicator's units through the same monotone scale (the area's level minus its
neighbours'), so an area flagged at ``q < alpha`` always has an interval that excludes
zero on the side its words state. The test runs twice: the second time each area's
neighbours leave out those flagged the first time, so that one outlier does not make the
areas next to it look unlike theirs.

``sigma2_i`` is a robust *local* method-of-moments estimate, the empirical-Bayes
construction of Assuncao & Reis (1999) applied to neighbour differences: the excess of
``d_j^2`` over its chance part (a ``d_j`` beyond 3 standard deviations counts as its
expected value), averaged over the areas around *i* with a diffusion kernel on the
contiguity graph (:data:`SMOOTHING_STEPS` steps of a lazy random walk, a few hundred
areas: precise enough for p-values of one in a million, local enough to follow towns and
the countryside), floored at a hundredth of the map-wide mean square of those
differences (so that runs of tied values, such as zeros, do not make every small
difference an outlier). It estimates the spread of ``d`` itself, so it stays
right where neighbouring areas are correlated (clustering, smooth trends), where the
variogram of the values would need a model of that correlation. A small denominator makes
``v_i`` large, so it cannot make an outlier.

References: Assuncao R.M., Reis E.A. (1999) A new proposal to adjust Moran's I for
population density. Statistics in Medicine 18:2147-62. Benjamini Y., Hochberg Y. (1995)
Controlling the false discovery rate. JRSS B 57:289-300.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse, special

from insight.errors import DataError
from insight.spatial.contiguity import Contiguity, _area_codes, _graph_for, values_of
from insight.stats import benjamini_hochberg

__all__ = ["SAMPLING_MODELS", "SMOOTHING_STEPS", "neighbour_outliers"]

#: How values vary by chance: not at all, Poisson counts (rates, ratios, counts: the
#: Freeman-Tukey scale) or binomial shares (proportions: the arcsine scale).
SAMPLING_MODELS: tuple[str, ...] = ("none", "poisson", "binomial")

#: Steps of the lazy random walk that averages the local spread of neighbour differences.
SMOOTHING_STEPS = 40

#: Ridge on the slopes of the plane through an area's neighbours (in local spacings squared,
#: per unit of weight): small for values without chance variation, where a steep smooth
#: trend is common; larger for counted values, whose neighbours' uneven precision would
#: otherwise make the plane costly to read at the area.
_RIDGE = {"none": 0.05, "poisson": 1.0, "binomial": 1.0}

#: A squared standardised difference above this (3 standard deviations) counts as its
#: expected value in the local spread, so that outliers do not hide themselves or others.
_CAP = 9.0
#: E[f(Z^2)] for a standard normal Z, f(x) = x below _CAP and 1 above: undoes its bias.
_CAP_MEAN = float(
    special.erf(math.sqrt(_CAP / 2))
    - math.sqrt(2 * _CAP / math.pi) * math.exp(-_CAP / 2)
    + special.erfc(math.sqrt(_CAP / 2))
)


def neighbour_outliers(
    areas: gpd.GeoDataFrame,
    value: str | Sequence[float] | pd.Series,
    *,
    graph: Contiguity | None = None,
    model: str = "none",
    numerator: Sequence[float] | None = None,
    denominator: Sequence[float] | None = None,
    multiplier: float = 1.0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Each area against the mean of its neighbours, with an analytic test and FDR control.

    See the module's text for the statistic.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        The areas.
    value : str, pandas.Series or array-like
        Column name or one value per area. Areas with a missing value are left out
        (their neighbours are compared with the remaining neighbours only).
    graph : Contiguity, optional
        Neighbour graph of ``areas`` (built when not given).
    model : str, default "none"
        How values vary by chance, one of :data:`SAMPLING_MODELS`.
    numerator, denominator : array-like, optional
        ``"poisson"``: the count and what it is divided by (population, expected count;
        without them the value is taken as the count itself); ``"binomial"``: the events
        and the people at risk (required). Areas whose denominator is missing or not
        positive are left out.
    multiplier : float, default 1
        Value = ``multiplier * numerator / denominator`` (100 for a percentage).
    alpha : float, default 0.05
        False discovery rate.

    Returns
    -------
    pandas.DataFrame
        One row per area, with the index of ``areas``:

        ``code``, ``value``
            The area and its value.
        ``neighbours``
            Neighbours with a value (0: not tested).
        ``around``
            The level of those neighbours (their mean, on the test's scale).
        ``difference``, ``lower``, ``upper``
            The area's level minus ``around``, and its 95% interval, in the value's units.
        ``se``
            Standard error of the difference under "no outlier", on the test's scale.
        ``z``, ``p_value``, ``q_value``
            The difference over ``se`` on the test's scale, its two-sided normal
            p-value, and the
            Benjamini-Hochberg q-value across every area tested.
        ``flagged``
            ``q_value < alpha``.
        ``direction``
            ``"higher"`` or ``"lower"`` where flagged, else "".

        ``attrs`` holds ``model``, ``alpha``, ``tested`` and ``spread`` (the median local
        standard deviation of real differences between neighbours).

    Raises
    ------
    DataError
        If the value is not numeric or has the wrong length, the model is unknown, a
        binomial model has no denominator, or ``alpha`` is not between 0 and 1.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> from shapely.geometry import box
    >>> cells = [box(x, y, x + 1, y + 1) for y in range(30) for x in range(30)]
    >>> values = np.random.default_rng(0).normal(size=900); values[465] += 8.0
    >>> result = neighbour_outliers(gpd.GeoDataFrame({"v": values}, geometry=cells), "v")
    >>> bool(result.loc[465, "flagged"]), result.loc[465, "direction"]
    (True, 'higher')
    >>> bool(result.loc[465, "lower"] > 0)  # its interval excludes zero on the same side
    True
    """
    if model not in SAMPLING_MODELS:
        raise DataError(
            f"Unknown sampling model {model!r}; choose from: {', '.join(SAMPLING_MODELS)}."
        )
    if not 0 < alpha < 1:
        raise DataError(f"alpha must be between 0 and 1, got {alpha!r}.")
    graph = _graph_for(areas, graph)
    y = values_of(areas, value)
    n = y.size
    num = _column(numerator, n, "numerator")
    den = _column(denominator, n, "denominator")
    if model == "binomial" and den is None:
        raise DataError("A binomial model needs the denominator (people at risk) of every area.")
    if model == "poisson" and num is None:
        num, den, multiplier = y, None, 1.0  # the value is the count
    scale = _Scale.of(y, model, num, den, float(multiplier))
    result = _test(scale, graph.sparse, graph.points, graph.spacing, float(alpha))
    q = np.full(n, np.nan)
    tested = np.isfinite(result["p_value"])
    if tested.any():
        q[tested] = benjamini_hochberg(result["p_value"][tested])
    flagged = np.nan_to_num(q, nan=1.0) < alpha
    direction = np.where(flagged, np.where(result["difference"] > 0, "higher", "lower"), "")
    spread = result.pop("spread")
    table = pd.DataFrame(
        {"code": _area_codes(areas), "value": y, **result, "q_value": q, "flagged": flagged,
         "direction": direction.astype(object)},
        index=areas.index,
    )  # fmt: skip
    table.attrs.update(
        {
            "model": model,
            "alpha": float(alpha),
            "tested": int(tested.sum()),
            "spread": float(np.nanmedian(np.sqrt(spread))) if tested.any() else math.nan,
        }
    )
    return table


def _column(values: Sequence[float] | None, n: int, what: str) -> np.ndarray | None:
    if values is None:
        return None
    array = np.asarray(values, dtype=float)
    if array.shape != (n,):
        raise DataError(f"The {what} has {array.size} values for {n} areas.")
    return array


@dataclass(frozen=True)
class _Scale:
    """Values on a scale with known chance variance ``v``, and the way back (``back``)."""

    t: np.ndarray
    v: np.ndarray
    model: str
    multiplier: float

    @classmethod
    def of(
        cls,
        y: np.ndarray,
        model: str,
        num: np.ndarray | None,
        den: np.ndarray | None,
        multiplier: float,
    ) -> _Scale:
        if model == "none":
            return cls(y.astype(float), np.zeros(y.size), model, 1.0)
        den = np.ones(y.size) if den is None else den
        num = y * den / multiplier if num is None else num
        ok = np.isfinite(y) & np.isfinite(num) & np.isfinite(den) & (den > 0) & (num >= 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            if model == "poisson":
                t = (np.sqrt(num) + np.sqrt(num + 1.0)) / np.sqrt(den)
                v = 1.0 / den
            else:
                share = np.clip((num + 0.375) / (den + 0.75), 0.0, 1.0)
                t = np.arcsin(np.sqrt(share))
                v = 0.25 / den
        return cls(np.where(ok, t, np.nan), np.where(ok, v, np.nan), model, multiplier)

    def back(self, t: np.ndarray) -> np.ndarray:
        """A level on this scale in the indicator's units (monotone)."""
        if self.model == "none":
            return t
        if self.model == "poisson":
            return self.multiplier * (np.maximum(t, 0.0) / 2.0) ** 2
        return self.multiplier * np.sin(np.clip(t, 0.0, np.pi / 2)) ** 2


def _test(
    scale: _Scale,
    adjacency: sparse.csr_matrix,
    points: np.ndarray,
    spacing: np.ndarray,
    alpha: float,
) -> dict[str, np.ndarray]:
    """The difference from the neighbours' mean, its standard error and test, per area.

    Two passes: the second leaves out of each area's neighbours those flagged in the first
    (where any other neighbour is left), so that an outlier does not make the areas next
    to it look unlike theirs, and two touching outliers are each compared with ordinary
    areas.
    """
    n = scale.t.size
    names = ("neighbours", "around", "difference", "se", "lower", "upper", "z", "p_value",
             "spread")  # fmt: skip
    out = {name: np.full(n, np.nan) for name in names}
    out["neighbours"] = np.zeros(n)
    keep = np.flatnonzero(np.isfinite(scale.t))
    if keep.size < 3:
        return out
    graph = adjacency[keep][:, keep].tocsr().astype(float)
    graph.data[:] = 1.0
    t, v = scale.t[keep], scale.v[keep]
    where = (points[keep], spacing[keep], _RIDGE[scale.model])
    if scale.model != "none":
        # Neighbours weighted by their precision (chance plus the map-wide real spread), so
        # that a neighbour with a tiny denominator does not swamp the comparison.
        plain = _pass(graph, graph, t, v, *where)
        spread = float(np.nanmedian(plain["spread"]))
        graph = (graph @ sparse.diags(1.0 / (v + spread + 1e-12))).tocsr()
    first = _pass(graph, graph, t, v, *where)
    tested = np.isfinite(first["p_value"])
    flagged = np.zeros(keep.size, dtype=bool)
    if tested.any():
        flagged[tested] = benjamini_hochberg(first["p_value"][tested]) < alpha
    result = first
    if flagged.any():
        without = (graph @ sparse.diags((~flagged).astype(float))).tocsr()
        without.eliminate_zeros()
        alone = sparse.diags((np.diff(without.indptr) == 0).astype(float))
        result = _pass((alone @ graph + without).tocsr(), graph, t, v, *where)
    # Back to the indicator's units: the area's level minus its neighbours' level.
    level = scale.back(result["around"])
    result["difference"], result["lower"], result["upper"] = (
        scale.back(result["around"] + shift) - level
        for shift in (result["difference"], result["lower"], result["upper"])
    )
    result["around"] = level
    for name in names:
        out[name][keep] = result[name]
    return out


def _pass(
    w: sparse.csr_matrix,
    graph: sparse.csr_matrix,
    t: np.ndarray,
    v: np.ndarray,
    points: np.ndarray,
    spacing: np.ndarray,
    ridge: float,
) -> dict[str, np.ndarray]:
    """One pass of the test with neighbour weights ``w``, on the variance-stabilised scale
    (``difference``, ``lower`` and ``upper`` there too)."""
    k = np.diff(w.indptr).astype(float)
    has = k > 0
    contrast = _plane_weights(w, points, spacing, ridge)
    around = np.asarray(contrast @ t).ravel()
    d = t - around
    squared = contrast.multiply(contrast).tocsr()
    c = 1.0 + np.asarray(squared.sum(axis=1)).ravel()  # 1 + sum of squared weights
    s = v + np.asarray(squared @ v).ravel()
    sigma2 = _local_spread(d, s, c, graph, has)
    se = np.sqrt(s + sigma2 * c)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, d / se, np.where(d == 0, 0.0, np.sign(d) * np.inf))
    half = 1.959963984540054 * se
    columns = {
        "around": around, "difference": d, "se": se, "lower": d - half, "upper": d + half,
        "z": z, "p_value": special.erfc(np.abs(z) / math.sqrt(2.0)), "spread": sigma2,
    }  # fmt: skip
    result = {name: np.where(has, values, np.nan) for name, values in columns.items()}
    result["neighbours"] = k
    return result


def _plane_weights(
    w: sparse.csr_matrix, points: np.ndarray, spacing: np.ndarray, ridge: float
) -> sparse.csr_matrix:
    """Weights that give each area its neighbours' level *at its own place*.

    A plane through the neighbours' values (weighted least squares with weights ``w``),
    read at the area's point: for neighbours all round an area, the weighted mean of
    their values; where they lie on one side (a coast, the edge of the map), a smooth
    trend across them is followed rather than taken for a difference. A ridge
    (:data:`_RIDGE`) keeps the slope finite where the neighbours lie on a line; with
    fewer than 3 neighbours the plain weighted mean is used. Rows sum to one.
    """
    n = w.shape[0]
    rows = np.repeat(np.arange(n), np.diff(w.indptr))
    cols = w.indices
    omega = w.data.astype(float)
    scale = spacing[rows]
    dx = (points[cols, 0] - points[rows, 0]) / scale
    dy = (points[cols, 1] - points[rows, 1]) / scale

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(rows, weights=omega * values, minlength=n)

    s0, sx, sy = total(np.ones_like(dx)), total(dx), total(dy)
    sxx, sxy, syy = total(dx * dx), total(dx * dy), total(dy * dy)
    s0_safe = np.where(s0 > 0, s0, 1.0)
    matrix = np.empty((n, 3, 3))
    matrix[:, 0] = np.stack([s0, sx, sy], axis=1)
    matrix[:, 1] = np.stack([sx, sxx + ridge * s0, sxy], axis=1)
    matrix[:, 2] = np.stack([sy, sxy, syy + ridge * s0], axis=1)
    coefficients = np.zeros((n, 3))
    coefficients[:, 0] = 1.0 / s0_safe  # the plain weighted mean
    fit = np.diff(w.indptr) >= 3
    if fit.any():
        unit = np.zeros((int(fit.sum()), 3))
        unit[:, 0] = 1.0
        coefficients[fit] = np.linalg.solve(matrix[fit], unit[..., None])[..., 0]
    weights = omega * (
        coefficients[rows, 0] + coefficients[rows, 1] * dx + coefficients[rows, 2] * dy
    )
    return sparse.csr_matrix((weights, cols, w.indptr), shape=w.shape)


def _local_spread(
    d: np.ndarray, s: np.ndarray, c: np.ndarray, w: sparse.csr_matrix, has: np.ndarray
) -> np.ndarray:
    """Local variance of real differences between neighbours (see the module's text)."""
    d, s, c = d[has], s[has], c[has]
    global_ = _global_spread(d, s, c)
    # Lazy random walk on the graph of the tested areas: a kernel over a few hundred areas.
    sub = w[has][:, has].tocsr()
    sub.data = np.ones_like(sub.data)
    step = sparse.diags(1.0 / (np.asarray(sub.sum(axis=1)).ravel() + 1.0)) @ (
        sub + sparse.identity(sub.shape[0], format="csr")
    )
    step = step.tocsr()
    sigma2 = np.full(d.size, global_)
    for _ in range(2):  # winsorise against the current estimate, then re-estimate
        expected = s + sigma2 * c
        squared = np.where(d * d > _CAP * expected, expected, d * d)
        excess = squared / _CAP_MEAN - s
        numerator, denominator = excess, c.copy()
        for _ in range(SMOOTHING_STEPS):
            numerator = step @ numerator
            denominator = step @ denominator
        sigma2 = np.maximum(numerator / denominator, 0.0)
    # Never below a hundredth of the map-wide mean square (a tenth of its typical size):
    # where most values are tied (long runs of zeros) the local spread is zero, and any
    # difference at all would otherwise be "unlike the neighbours".
    floor = max(0.01 * float(np.mean((d * d - s) / c)), 1e-300)
    full = np.full(has.size, np.nan)
    full[has] = np.maximum(sigma2, floor)
    return full


def _global_spread(d: np.ndarray, s: np.ndarray, c: np.ndarray) -> float:
    """Robust map-wide ``sigma2``: the median of ``d^2 / (s + sigma2 c)`` is that of a
    chi-square with one degree of freedom (0.4549), or zero if chance alone is enough."""
    target = 0.45493642311957283
    if d.size == 0:
        return 0.0

    def median_ratio(sigma2: float) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(d == 0, 0.0, d * d / (s + sigma2 * c))
        return float(np.median(ratio))

    if np.all(s == 0):
        return float(np.median(d * d / c)) / target
    if median_ratio(0.0) <= target:
        return 0.0
    low, high = 0.0, float(np.median(d * d / c)) / target + 1e-300
    while median_ratio(high) > target:
        high *= 2.0
    for _ in range(60):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if median_ratio(mid) > target else (low, mid)
    return 0.5 * (low + high)
