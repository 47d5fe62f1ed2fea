"""The postcode-lottery engine: border discontinuities and ranked flags.

Border discontinuities
----------------------
For two groups A and B that share a border (two authorities, two stroke networks),
:func:`border_discontinuities` compares the areas that touch the border on each
side. Three things make the comparison honest:

1. **Difference and interval.** ``difference`` is the (weighted) mean of the areas
   of B that touch A minus that of the areas of A that touch B. Neighbouring areas
   are alike (spatial autocorrelation), so the variance of any such contrast
   ``a'y`` is worked out from the semivariogram, not as if the areas were
   independent: ``Var(a'y) = -sum_kl a_k a_l gamma(k, l)`` for a contrast whose
   coefficients sum to zero, with ``gamma`` a function of the number of steps
   between the areas in the contiguity graph (1, 2, ... up to ``lags``, then
   flat). The *scale* of ``gamma`` comes from the local placebo pairs (touching
   areas on the same side of this border); its *shape* over lags from all
   touching pairs inside groups across the map. For two rows of areas facing
   each other this reduces to ``2 gamma(1) / n``: the typical squared difference
   between neighbours on the same side sets the uncertainty of the difference
   across the border. That is the placebo comparison in its simplest form.
2. **Smooth variation is not a border effect.** A gradient that crosses the
   border (travel times rising steadily away from a hospital) makes the two
   sides differ without any lottery. The test is therefore on the ``step``: a
   local linear fit over ``rings`` rows of areas on each side (ring 1 touches
   the border, ring 2 touches ring 1, ...), with a common slope across the
   border, whose jump at the border is the step. The slope is learnt from the
   differences between successive rings on the same side (placebo borders
   inside each group), so a steady gradient gives a step near zero.
3. **Many borders.** p-values (two-sided t, with degrees of freedom from the
   number of areas in the band) are turned into Benjamini-Hochberg q-values
   across all the borders tested.

A border is ``flagged`` when its step is significant after FDR control, the
difference across the border points the same way and its interval excludes
zero, and (where a materiality threshold is given) the difference is at least
that large. The simulation tests in ``tests/insight/test_lottery.py`` show the
calibration: on maps with no border effect, independent or spatially
autocorrelated, about 5% of raw p-values fall below 0.05 and under 1% of borders
are flagged; a smooth gradient crossing a border is not flagged; a step of one
standard deviation at a border with 40 areas a side is found nearly always.

Flags
-----
:func:`flags` ranks everything worth a look for one indicator and one grouping:
border discontinuities, boundary penalties (areas where being limited to one's
own group adds more than ``penalty_threshold`` minutes), funnel outliers among
the groups, and clusters of spatial outliers (local Moran). Each has an effect in
the indicator's units, an interval, the number of areas and of people (or
admissions) affected, a ranking score and a plain-English sentence.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy import stats as sps

from insight import explain
from insight.errors import DataError
from insight.neighbours import Contiguity, group_codes, values_of
from insight.place import Grouping, Indicator, Place

__all__ = [
    "BORDER_COLUMNS",
    "FLAG_COLUMNS",
    "FLAG_KINDS",
    "border_discontinuities",
    "flags",
    "penalty_summary",
    "register_cli",
]

#: Kinds of flag, in the order they are worked out.
FLAG_KINDS: tuple[str, ...] = ("border", "penalty", "funnel", "spatial")

#: Columns of :func:`border_discontinuities`, in order.
BORDER_COLUMNS: tuple[str, ...] = (
    "group_a", "name_a", "group_b", "name_b", "n_a", "n_b", "pairs",
    "mean_a", "mean_b", "difference", "lower", "upper",
    "step", "step_lower", "step_upper", "p_value", "q_value", "placebo_ratio",
    "tested", "flagged", "weight_a", "weight_b", "codes_a", "codes_b", "sentence",
)  # fmt: skip

#: Columns of :func:`flags`, in order.
FLAG_COLUMNS: tuple[str, ...] = (
    "rank", "kind", "group_code", "group_name", "other_code", "other_name",
    "effect", "lower", "upper", "interval", "areas", "affected", "score",
    "p_value", "q_value", "sentence", "area_codes", "other_area_codes",
)  # fmt: skip

#: Number of rows of areas on each side used to learn the slope across a border.
DEFAULT_RINGS = 3
#: Graph lags over which the semivariogram is allowed to rise before it is taken as flat.
DEFAULT_LAGS = 3
#: Areas with a boundary penalty above this many minutes are flagged.
PENALTY_THRESHOLD = 10.0
#: Two-sided z of the 99.8% funnel limits (three sigma).
_Z998 = float(sps.norm.ppf(0.999))


# --------------------------------------------------------------------------------------
# Border discontinuities
# --------------------------------------------------------------------------------------


def border_discontinuities(
    areas: gpd.GeoDataFrame,
    value: str | Sequence[float] | pd.Series,
    grouping: str | Sequence[Any] | pd.Series,
    *,
    weight: str | Sequence[float] | pd.Series | None = None,
    min_areas: int = 5,
    materiality: float | None = None,
    alpha: float = 0.05,
    rings: int = DEFAULT_RINGS,
    lags: int = DEFAULT_LAGS,
    graph: Contiguity | None = None,
    names: Mapping[Any, str] | pd.Series | None = None,
    indicator: Indicator | None = None,
    weight_label: str | None = None,
    calibrate: bool = True,
) -> pd.DataFrame:
    """Compare the areas on either side of every border between two groups.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        The areas, in a projected CRS (with a ``code`` column, else the index is used).
    value : str, pandas.Series or array-like
        Column name, or one value per area. Areas with a missing value are left out
        of every comparison (they still connect the map).
    grouping : str, pandas.Series or array-like
        Group of each area: a column of codes, a grouping id with an ``<id>_code``
        column (and ``<id>_name`` for names), or one code per area.
    weight : str, pandas.Series or array-like, optional
        Weight of each area (e.g. admissions): means become weighted means, so the
        difference is what the average person (or admission) on each side gets. An
        area whose weight is missing counts as an area of average weight (it is left
        out of ``weight_a``/``weight_b``, which are NaN when no weight is known).
    min_areas : int, default 5
        Borders with fewer valid touching areas than this on either side are listed
        but not tested.
    materiality : float, optional
        Smallest absolute difference worth flagging, in the value's units.
    alpha : float, default 0.05
        False discovery rate across the borders tested.
    rings : int, default 3
        Rows of areas on each side used to learn the slope across the border (1
        means no slope: the step is then the plain difference).
    lags : int, default 3
        Graph lags over which the semivariogram may rise before it is taken as flat.
    graph : Contiguity, optional
        Neighbour graph of ``areas`` (see :func:`insight.neighbours.place_contiguity`).
    names : mapping or pandas.Series, optional
        Group code to name. By default the ``<id>_name`` column when ``grouping`` is
        a grouping id or ``<id>_code`` column, else the codes.
    indicator : Indicator, optional
        Metadata used for the wording of the sentences (title, unit, polarity).
    weight_label : str, optional
        Words for what the weight counts in the sentences, e.g. "stroke admissions a
        year" (default: the weight's column name, or no mention without a weight).

    Returns
    -------
    pandas.DataFrame
        One row per pair of touching groups (A, B) with ``group_a < group_b``,
        sorted by q-value; columns :data:`BORDER_COLUMNS`:

        ``group_a``, ``name_a``, ``group_b``, ``name_b``
            Codes and names of the two groups.
        ``n_a``, ``n_b``
            Areas with a value touching the border on each side.
        ``pairs``
            Touching pairs of areas across the border.
        ``mean_a``, ``mean_b``
            (Weighted) means of those areas.
        ``difference``, ``lower``, ``upper``
            ``mean_b - mean_a`` and its 95% confidence interval.
        ``step``, ``step_lower``, ``step_upper``
            The jump at the border after allowing for a steady gradient across it
            (learnt from successive rings of areas on the same side), with its 95%
            interval.
        ``p_value``, ``q_value``
            Two-sided test of ``step == 0``; Benjamini-Hochberg q-value across the
            borders tested.
        ``placebo_ratio``
            ``|difference|`` divided by the mean absolute difference between touching
            areas on the same side next to the border: how many times the usual
            difference between neighbours the change across the border is.
        ``tested``
            Whether both sides had ``min_areas`` areas (and the test could be made).
        ``flagged``
            Tested, ``q_value < alpha``, ``step`` and ``difference`` in the same
            direction, the interval of ``difference`` excludes 0, and
            ``|difference| >= materiality`` where given.
        ``weight_a``, ``weight_b``
            Total known weight (e.g. admissions) of the touching areas on each side
            (their number when no weight is given; NaN when none is known).
        ``codes_a``, ``codes_b``
            Lists of the codes of the touching areas on each side, to draw the border.
        ``sentence``
            Plain-English description (from :func:`insight.explain.border_sentence`).

        ``attrs`` records ``alpha``, ``rings``, ``lags``, ``min_areas``,
        ``materiality`` and the global semivariogram ``variogram`` (lag 1 to ``lags``).

    Raises
    ------
    DataError
        If a column is missing, a value is not numeric, a length does not match,
        ``min_areas`` is below 2, ``rings`` or ``lags`` below 1, or ``alpha`` is not
        between 0 and 1.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> from shapely.geometry import box
    >>> cells = [box(x, y, x + 1, y + 1) for y in range(20) for x in range(20)]
    >>> xs = np.tile(np.arange(20), 20)
    >>> rng = np.random.default_rng(0)
    >>> areas = gpd.GeoDataFrame(
    ...     {"side": np.where(xs < 10, "West", "East"),
    ...      "v": rng.normal(size=400) + 2.0 * (xs < 10)}, geometry=cells)
    >>> table = border_discontinuities(areas, "v", "side")
    >>> row = table.iloc[0]
    >>> row["group_a"], row["group_b"], int(row["n_a"]), bool(row["flagged"])
    ('East', 'West', 20, True)
    >>> bool(1.0 < row["difference"] < 3.0)
    True
    """
    _check_border_arguments(min_areas, rings, lags, alpha, materiality)
    graph = _graph(areas, graph)
    y = values_of(areas, value, "value")
    if weight is None:
        w = np.ones_like(y)
    else:
        w = values_of(areas, weight, "weight")
        negative = w < 0
        if negative.any():
            position = int(np.flatnonzero(negative)[0])
            raise DataError(
                f"weight at row {position} is {w[position]}; weights must not be negative."
            )
    known = np.where(np.isfinite(y), w, np.nan)
    if weight is not None and np.isfinite(w).any() and not np.isfinite(w).all():
        # an area with no weight (e.g. no admissions data) counts as a typical area
        w = np.where(np.isfinite(w), w, float(np.nanmean(w)))
    valid = np.isfinite(y) & np.isfinite(w)
    codes = group_codes(areas, grouping)
    group_names = _group_names(areas, grouping, codes, names)
    labels, gi = _factorise(codes)
    engine = _BorderEngine(graph, y, w, valid, gi, rings=rings, lags=lags, known=known)
    rows = engine.run(min_areas)
    calibration = engine.calibrate(min_areas) if calibrate else _Calibration(1.0, 0, float("nan"))
    for row in rows:
        row.se_step *= math.sqrt(calibration.inflation)
    table = _border_table(rows, labels, group_names, _codes_of(areas))
    table = _finish_borders(table, alpha, materiality)
    label = weight_label
    if label is None and isinstance(weight, str):
        label = weight
    table["sentence"] = [
        explain.border_sentence(
            indicator or _plain_indicator(value),
            name_a=row.name_a,
            name_b=row.name_b,
            n_a=row.n_a,
            n_b=row.n_b,
            difference=row.difference,
            lower=row.lower,
            upper=row.upper,
            weight_a=row.weight_a if weight is not None else None,
            weight_b=row.weight_b if weight is not None else None,
            weight_label=label,
            tested=row.tested,
            min_areas=min_areas,
        )
        for row in table.itertuples()
    ]
    table.attrs.update(
        {
            "alpha": alpha,
            "rings": rings,
            "lags": lags,
            "min_areas": min_areas,
            "materiality": materiality,
            "variogram": engine.variogram.tolist(),
            "placebo_borders": calibration.placebos,
            "placebo_variance_ratio": calibration.ratio,
            "variance_inflation": calibration.inflation,
        }
    )
    return table[list(BORDER_COLUMNS)]


def _check_border_arguments(
    min_areas: int, rings: int, lags: int, alpha: float, materiality: float | None
) -> None:
    if not isinstance(min_areas, int | np.integer) or min_areas < 2:
        raise DataError(f"min_areas must be a whole number of at least 2, got {min_areas!r}.")
    if not isinstance(rings, int | np.integer) or rings < 1:
        raise DataError(f"rings must be a whole number of at least 1, got {rings!r}.")
    if not isinstance(lags, int | np.integer) or lags < 1:
        raise DataError(f"lags must be a whole number of at least 1, got {lags!r}.")
    if not 0 < alpha < 1:
        raise DataError(f"alpha must be between 0 and 1, got {alpha!r}.")
    if materiality is not None and not (np.isfinite(materiality) and materiality >= 0):
        raise DataError(f"materiality must be a number of 0 or more, got {materiality!r}.")


def _graph(areas: gpd.GeoDataFrame, graph: Contiguity | None) -> Contiguity:
    from insight.neighbours import _graph_for

    return _graph_for(areas, graph)


def _codes_of(areas: pd.DataFrame) -> np.ndarray:
    from insight.neighbours import _area_codes

    return _area_codes(areas)


def _factorise(codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique labels and the integer label of each area (-1 where missing)."""
    present = codes.notna().to_numpy()
    gi = np.full(len(codes), -1, dtype=np.int64)
    text = codes[present].astype(str).to_numpy()
    labels, inverse = np.unique(text, return_inverse=True)
    gi[present] = inverse
    return labels.astype(object), gi


def _group_names(
    areas: pd.DataFrame,
    grouping: Any,
    codes: pd.Series,
    names: Mapping[Any, str] | pd.Series | None,
) -> dict[str, str]:
    if names is not None:
        mapping = names.to_dict() if isinstance(names, pd.Series) else dict(names)
        return {str(k): str(v) for k, v in mapping.items()}
    if isinstance(grouping, str):
        stem = grouping[: -len("_code")] if grouping.endswith("_code") else grouping
        column = f"{stem}_name"
        if column in areas.columns:
            table = pd.DataFrame({"code": codes, "name": areas[column]}).dropna()
            first = table.drop_duplicates("code")
            return dict(zip(first["code"].astype(str), first["name"].astype(str), strict=True))
    return {}


def _plain_indicator(value: Any) -> Indicator:
    title = value if isinstance(value, str) else getattr(value, "name", None) or "value"
    return Indicator(id=str(title), title=str(title), unit="")


#: Fewest placebo borders from which the step test's variance is calibrated.
MIN_PLACEBOS = 10


@dataclass(frozen=True)
class _Calibration:
    inflation: float
    placebos: int
    ratio: float


@dataclass
class _Border:
    a: int
    b: int
    n_a: int
    n_b: int
    pairs: int
    mean_a: float
    mean_b: float
    weight_a: float
    weight_b: float
    difference: float
    se_difference: float
    step: float
    se_step: float
    dof: float
    placebo_typical: float
    codes_a: np.ndarray
    codes_b: np.ndarray
    tested: bool


class _BorderEngine:
    """Rings, contrasts and variogram-based variances for every border of a map."""

    def __init__(
        self,
        graph: Contiguity,
        y: np.ndarray,
        w: np.ndarray,
        valid: np.ndarray,
        gi: np.ndarray,
        *,
        rings: int,
        lags: int,
        known: np.ndarray | None = None,
    ) -> None:
        self.graph = graph
        self.adjacency = graph.sparse
        self.y = np.where(valid, y, 0.0)
        self.w = np.where(valid, w, 0.0)
        self.known = np.where(valid, w, np.nan) if known is None else known
        self.valid = valid
        self.gi = gi
        self.rings = rings
        self.lags = lags
        self.n = graph.n
        self._mark = np.zeros(self.n, dtype=np.int64)
        self._pos = np.full(self.n, -1, dtype=np.int64)
        self.points = graph.points
        self.spacing = graph.spacing
        self.reach = graph._reach(lags) if lags > 1 else graph.sparse
        self.detrended = _detrend_by_group(self.y, valid, gi, self.points)
        self.variogram = _Variogram.fit(self)

    def distance(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Distance between areas in units of their local spacing (1 = typical neighbours)."""
        metres = np.hypot(*(self.points[i] - self.points[j]).T)
        return metres / np.sqrt(self.spacing[i] * self.spacing[j])

    # -- every border ----------------------------------------------------------------

    def run(
        self, min_areas: int, labels: np.ndarray | None = None, within: bool = False
    ) -> list[_Border]:
        """Every border between groups of ``labels`` (default: the real groups).

        With ``within``, only borders between labels that lie in the same real group
        (placebo borders drawn inside groups) are worked out.
        """
        labels = self.gi if labels is None else labels
        heads, tails = self.graph.heads, self.graph.tails
        ga, gb = labels[heads], labels[tails]
        cross = (ga >= 0) & (gb >= 0) & (ga != gb)
        if within:
            cross &= self.gi[heads] == self.gi[tails]
        heads, tails, ga, gb = heads[cross], tails[cross], ga[cross], gb[cross]
        swap = ga > gb
        side_a = np.where(swap, tails, heads)
        side_b = np.where(swap, heads, tails)
        group_a = np.minimum(ga, gb)
        group_b = np.maximum(ga, gb)
        key = group_a * (int(labels.max()) + 1) + group_b
        order = np.argsort(key, kind="stable")
        key, side_a, side_b = key[order], side_a[order], side_b[order]
        group_a, group_b = group_a[order], group_b[order]
        bounds = np.flatnonzero(np.diff(key)) + 1
        starts = np.concatenate([[0], bounds]).astype(np.int64)
        stops = np.concatenate([bounds, [key.size]]).astype(np.int64)
        results = []
        for start, stop in zip(starts, stops, strict=True):
            if start == stop:
                continue
            results.append(
                self._border(
                    int(group_a[start]),
                    int(group_b[start]),
                    side_a[start:stop],
                    side_b[start:stop],
                    min_areas,
                    labels,
                )
            )
        return results

    def calibrate(self, min_areas: int, seed: int = 20240601, target: int = 60) -> _Calibration:
        """Placebo borders: how far the step test's variance is off on this map.

        A placebo border is a real border moved ``rings`` rows of areas into one of
        its sides: rows 1 to ``rings`` (next to the real border) face rows
        ``rings + 1`` to ``2 rings`` of the same group, so the placebo has the real
        border's shape and surroundings but no border effect. Up to ``target``
        placebo borders (both sides of borders drawn at random) are tested like
        real ones; ``inflation`` is the median of their squared z-statistics over
        its null expectation (0.455), and never below 1. With fewer than
        :data:`MIN_PLACEBOS` placebo borders it is 1.
        """
        rng = np.random.default_rng(seed)
        heads, tails = self.graph.heads, self.graph.tails
        ga, gb = self.gi[heads], self.gi[tails]
        cross = (ga >= 0) & (gb >= 0) & (ga != gb)
        ends = np.concatenate([heads[cross], tails[cross]])
        groups = np.concatenate([ga[cross], gb[cross]])
        others = np.concatenate([gb[cross], ga[cross]])
        key = groups.astype(np.int64) * (int(self.gi.max()) + 1) + others
        sides = np.unique(key)
        rng.shuffle(sides)
        labels = np.full(self.n, -1, dtype=np.int64)
        z: list[float] = []
        for side_key in sides:
            if len(z) >= target:
                break
            starts = np.unique(ends[key == side_key])
            group = int(side_key // (int(self.gi.max()) + 1))
            nodes, ring = self._rings(starts, group, self.gi, depth=2 * self.rings)
            if ring.max() <= self.rings:
                continue
            near, far = nodes[ring <= self.rings], nodes[ring > self.rings]
            labels[near], labels[far] = 0, 1
            try:
                src, dst = _expand(self.adjacency, nodes[ring == self.rings])
                crossing = labels[dst] == 1
                border = self._border(
                    0, 1, nodes[ring == self.rings][src[crossing]], dst[crossing], min_areas, labels
                )
            finally:
                labels[nodes] = -1
            if border.tested and border.se_step > 0 and np.isfinite(border.step):
                z.append(border.step / border.se_step)
        values = np.asarray(z)
        if values.size < MIN_PLACEBOS:
            return _Calibration(1.0, int(values.size), float("nan"))
        ratio = float(np.median(values**2) / sps.chi2.ppf(0.5, 1))
        return _Calibration(max(1.0, ratio), int(values.size), ratio)

    def _border(
        self,
        a: int,
        b: int,
        edge_a: np.ndarray,
        edge_b: np.ndarray,
        min_areas: int,
        labels: np.ndarray,
    ) -> _Border:
        y, w, valid = self.y, self.w, self.valid
        nodes_a, ring_a = self._rings(np.unique(edge_a), a, labels)
        nodes_b, ring_b = self._rings(np.unique(edge_b), b, labels)
        nodes = np.concatenate([nodes_a, nodes_b])
        ring = np.concatenate([ring_a, ring_b])
        side = np.concatenate([np.zeros(nodes_a.size), np.ones(nodes_b.size)])
        keep = valid[nodes]
        nodes, ring, side = nodes[keep], ring[keep], side[keep]
        touching = ring == 1
        in_a, in_b = touching & (side == 0), touching & (side == 1)
        n_a, n_b = int(in_a.sum()), int(in_b.sum())
        wn = w[nodes]
        weight_a, weight_b = float(wn[in_a].sum()), float(wn[in_b].sum())
        known_a, known_b = self.known[nodes[in_a]], self.known[nodes[in_b]]
        pairs = int((valid[edge_a] & valid[edge_b]).sum())
        codes_a, codes_b = nodes[in_a], nodes[in_b]
        nan = float("nan")
        result = _Border(
            a, b, n_a, n_b, pairs, nan, nan,
            float(np.nansum(known_a)) if np.isfinite(known_a).any() else nan,
            float(np.nansum(known_b)) if np.isfinite(known_b).any() else nan,
            nan, nan, nan, nan, nan, nan, codes_a, codes_b, False,
        )  # fmt: skip
        if weight_a <= 0 or weight_b <= 0:
            return result
        yn = y[nodes]
        result.mean_a = float(np.dot(wn[in_a], yn[in_a]) / weight_a)
        result.mean_b = float(np.dot(wn[in_b], yn[in_b]) / weight_b)
        result.difference = result.mean_b - result.mean_a
        # contrast of the plain difference
        contrast_d = np.zeros(nodes.size)
        contrast_d[in_a] = -wn[in_a] / weight_a
        contrast_d[in_b] = wn[in_b] / weight_b
        # contrast of the step: weighted local linear fit, common slope across the border
        position = np.where(side == 1, ring - 0.5, -(ring - 0.5))
        contrast_s = _step_contrast(side, position, wn)
        self._pos[nodes] = np.arange(nodes.size)
        try:
            src, dst = self._pairs_within(nodes, self.adjacency)
            near_pairs = (
                self._pairs_within(nodes, self.reach)
                if self.reach is not self.adjacency
                else (src, dst)
            )
        finally:
            self._pos[nodes] = -1
        same = side[src] == side[dst]
        if not same.any():
            return result
        gamma = self.variogram
        expected = gamma(self.distance(nodes[src[same]], nodes[dst[same]]))
        residual = self.detrended[nodes]
        scale = 0.5 * float(np.sum((residual[src[same]] - residual[dst[same]]) ** 2))
        scale /= float(np.sum(expected))
        near = same & ((ring[src] == 1) | (ring[dst] == 1))
        if near.any():
            result.placebo_typical = float(np.mean(np.abs(yn[src[near]] - yn[dst[near]])))
        far_src, far_dst = near_pairs
        gamma_pairs = gamma(self.distance(nodes[far_src], nodes[far_dst]))
        covariance = (far_src, far_dst, gamma.top - gamma_pairs)
        result.se_difference = _contrast_se(contrast_d, scale, gamma, covariance)
        if contrast_s is not None:
            result.step = float(contrast_s @ yn)
            result.se_step = _contrast_se(contrast_s, scale, gamma, covariance)
        result.dof = float(max(nodes.size - 3, 2))
        result.tested = bool(n_a >= min_areas and n_b >= min_areas and contrast_s is not None)
        return result

    def _rings(
        self, starts: np.ndarray, group: int, labels: np.ndarray, depth: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Areas of ``group`` 1 to ``rings`` steps from the border (ring 1 touches it)."""
        mark = self._mark
        found, ring = [starts], [np.ones(starts.size, dtype=np.int64)]
        mark[starts] = 1
        frontier = starts
        for level in range(2, (depth or self.rings) + 1):
            _, nbrs = _expand(self.adjacency, frontier)
            nbrs = np.unique(nbrs[(labels[nbrs] == group) & (mark[nbrs] == 0)])
            if nbrs.size == 0:
                break
            mark[nbrs] = level
            found.append(nbrs)
            ring.append(np.full(nbrs.size, level, dtype=np.int64))
            frontier = nbrs
        nodes = np.concatenate(found)
        mark[nodes] = 0
        return nodes, np.concatenate(ring)

    def _pairs_within(
        self, nodes: np.ndarray, matrix: sparse.csr_matrix
    ) -> tuple[np.ndarray, np.ndarray]:
        """Local positions (src < dst) of the pairs of ``nodes`` linked in ``matrix``."""
        src, dst = _expand(matrix, nodes)
        dst = self._pos[dst]
        keep = dst > src
        return src[keep], dst[keep]


def _expand(matrix: sparse.csr_matrix, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(local index of the node, neighbour) for every stored entry of the ``nodes`` rows."""
    starts = matrix.indptr[nodes]
    counts = matrix.indptr[nodes + 1] - starts
    total = int(counts.sum())
    src = np.repeat(np.arange(nodes.size), counts)
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
    return src, matrix.indices[offsets]


def _plane_residuals(values: np.ndarray, side: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Residuals of a plane in the coordinates plus a jump between the two sides."""
    centred = (points - points.mean(axis=0)) / max(float(points.std()), 1e-9)
    design = np.column_stack([np.ones(values.size), side, centred])
    coefficients, *_ = np.linalg.lstsq(design, values, rcond=None)
    return values - design @ coefficients


def _detrend_by_group(
    values: np.ndarray, valid: np.ndarray, gi: np.ndarray, points: np.ndarray
) -> np.ndarray:
    """Values minus a plane in the coordinates fitted within each group.

    The map-wide semivariogram is fitted to these, so that a steady gradient is not
    mistaken for short-range variation (which would shrink the variance of contrasts
    that a gradient cannot affect).
    """
    out = np.zeros_like(values)
    use = valid & (gi >= 0)
    if not use.any():
        return out
    g = gi[use]
    xy = (points[use] - points[use].mean(axis=0)) / max(float(points[use].std()), 1e-9)
    design = np.column_stack([np.ones(g.size), xy])
    v = values[use]
    groups = int(g.max()) + 1
    normal = np.zeros((groups, 3, 3))
    right = np.zeros((groups, 3))
    for r in range(3):
        right[:, r] = np.bincount(g, weights=design[:, r] * v, minlength=groups)
        for c in range(3):
            normal[:, r, c] = np.bincount(g, weights=design[:, r] * design[:, c], minlength=groups)
    fitted = np.zeros(v.size)
    solvable = np.linalg.matrix_rank(normal) == 3
    count = np.bincount(g, minlength=groups)
    if solvable.any():
        beta = np.zeros((groups, 3))
        beta[solvable] = np.linalg.solve(normal[solvable], right[solvable][..., None])[..., 0]
        rows = solvable[g]
        fitted[rows] = np.einsum("ij,ij->i", design[rows], beta[g[rows]])
    mean = np.bincount(g, weights=v, minlength=groups) / np.maximum(count, 1)
    fitted[~solvable[g]] = mean[g[~solvable[g]]]
    out[use] = v - fitted
    return out


def _step_contrast(
    side: np.ndarray, position: np.ndarray, weights: np.ndarray
) -> np.ndarray | None:
    """Coefficients turning values into the fitted jump at the border.

    Weighted least squares of value on (1, side, signed position). Returns ``None``
    when the slope cannot be learnt (only the touching ring on both sides).
    """
    design = np.column_stack([np.ones(side.size), side, position])
    weighted = design.T * weights
    normal = weighted @ design
    if np.linalg.matrix_rank(normal) < 3:
        return None
    return np.linalg.solve(normal, weighted)[1]


@dataclass(frozen=True)
class _Variogram:
    """Map-wide semivariogram of the value against distance in local spacings.

    Fitted on every pair of areas in the same group at most ``lags`` graph steps
    apart, binned by distance (in units of the local spacing between neighbours),
    made non-decreasing and interpolated; flat (at ``top``) beyond the last bin.
    Only its shape matters: each border rescales it to its own placebo pairs.
    """

    centres: np.ndarray
    values: np.ndarray

    EDGES = (
        *np.round(np.arange(0.0, 2.0, 0.1), 2),
        *np.arange(2.0, 4.0, 0.25),
        *np.arange(4.0, 8.0, 0.5),
        np.inf,
    )
    #: Bins with fewer pairs than this (or 0.2% of all pairs) are not used.
    MIN_PAIRS = 30

    @classmethod
    def fit(cls, engine: _BorderEngine) -> _Variogram:
        coo = sparse.triu(engine.reach, k=1).tocoo()
        i, j = coo.row, coo.col
        gi, valid = engine.gi, engine.valid
        keep = valid[i] & valid[j] & (gi[i] == gi[j]) & (gi[i] >= 0)
        i, j = i[keep], j[keep]
        if i.size == 0:
            return cls(np.array([1.0]), np.array([1.0]))
        u = engine.distance(i, j)
        half_square = 0.5 * (engine.detrended[i] - engine.detrended[j]) ** 2
        bins = np.digitize(u, cls.EDGES[1:-1])
        count = np.bincount(bins, minlength=len(cls.EDGES) - 1)
        used = count >= max(cls.MIN_PAIRS, 0.002 * i.size)
        if not used.any():
            used = count > 0
        centres = np.bincount(bins, weights=u, minlength=count.size)[used] / count[used]
        values = np.bincount(bins, weights=half_square, minlength=count.size)[used] / count[used]
        values = _isotonic(values, count[used].astype(float))
        if not values[-1] > 0:  # constant within groups: no shape to learn
            return cls(np.array([1.0]), np.array([1.0]))
        values = np.maximum(values, values[-1] * 1e-6)
        return cls(centres, values)

    @property
    def top(self) -> float:
        """The sill: the value taken for every pair further apart than the last bin."""
        return float(self.values[-1])

    @property
    def bottom(self) -> float:
        """The value at the shortest distance."""
        return float(self.values[0])

    def __call__(self, distance: np.ndarray) -> np.ndarray:
        return np.interp(distance, self.centres, self.values)

    def tolist(self) -> list[list[float]]:
        """``[[distance, gamma], ...]`` for reporting."""
        return [[float(c), float(v)] for c, v in zip(self.centres, self.values, strict=True)]


def _isotonic(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted non-decreasing fit (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight, length]
    for value, weight in zip(values.tolist(), weights.tolist(), strict=True):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, n2 = blocks.pop()
            v1, w1, n1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    return np.repeat([b[0] for b in blocks], [b[2] for b in blocks]).astype(float)


def _contrast_se(
    contrast: np.ndarray,
    scale: float,
    gamma: _Variogram,
    covariance: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> float:
    """Standard error of ``contrast @ y`` for a contrast whose coefficients sum to zero.

    ``Var = -sum_{k != l} a_k a_l gamma_kl`` with ``gamma`` flat at ``top`` beyond
    the pairs listed, which is ``top sum(a^2) + sum_pairs 2 a_k a_l (top - gamma_kl)``,
    times the local ``scale``; never below ``scale * bottom * sum(a^2)``, the variance
    if the areas were independent with the spread seen between neighbours, so that a
    noisy variogram cannot make an interval too narrow.
    """
    src, dst, excess = covariance
    squares = float(contrast @ contrast)
    variance = gamma.top * squares + 2.0 * float(np.sum(contrast[src] * contrast[dst] * excess))
    variance = max(variance, gamma.bottom * squares) * scale
    return math.sqrt(max(variance, 0.0))


def _border_table(
    rows: list[_Border], labels: np.ndarray, names: dict[str, str], codes: np.ndarray
) -> pd.DataFrame:
    def name(code: str) -> str:
        return names.get(code, code)

    return pd.DataFrame(
        {
            "group_a": [labels[r.a] for r in rows],
            "name_a": [name(labels[r.a]) for r in rows],
            "group_b": [labels[r.b] for r in rows],
            "name_b": [name(labels[r.b]) for r in rows],
            "n_a": np.array([r.n_a for r in rows], dtype=np.int64),
            "n_b": np.array([r.n_b for r in rows], dtype=np.int64),
            "pairs": np.array([r.pairs for r in rows], dtype=np.int64),
            "mean_a": np.array([r.mean_a for r in rows], dtype=float),
            "mean_b": np.array([r.mean_b for r in rows], dtype=float),
            "difference": np.array([r.difference for r in rows], dtype=float),
            "se_difference": np.array([r.se_difference for r in rows], dtype=float),
            "step": np.array([r.step for r in rows], dtype=float),
            "se_step": np.array([r.se_step for r in rows], dtype=float),
            "dof": np.array([r.dof for r in rows], dtype=float),
            "placebo_typical": np.array([r.placebo_typical for r in rows], dtype=float),
            "tested": np.array([r.tested for r in rows], dtype=bool),
            "weight_a": np.array([r.weight_a for r in rows], dtype=float),
            "weight_b": np.array([r.weight_b for r in rows], dtype=float),
            "codes_a": [codes[r.codes_a].tolist() for r in rows],
            "codes_b": [codes[r.codes_b].tolist() for r in rows],
        },
        columns=[
            "group_a", "name_a", "group_b", "name_b", "n_a", "n_b", "pairs", "mean_a",
            "mean_b", "difference", "se_difference", "step", "se_step", "dof",
            "placebo_typical", "tested", "weight_a", "weight_b", "codes_a", "codes_b",
        ],
    )  # fmt: skip


def _finish_borders(table: pd.DataFrame, alpha: float, materiality: float | None) -> pd.DataFrame:
    """Intervals, p-values, FDR q-values, placebo ratio and the flag."""
    from insight.stats import benjamini_hochberg

    dof = table["dof"].to_numpy()
    t = np.where(np.isfinite(dof), sps.t.ppf(0.975, np.where(np.isfinite(dof), dof, 1)), np.nan)
    difference, se_d = table["difference"].to_numpy(), table["se_difference"].to_numpy()
    step, se_s = table["step"].to_numpy(), table["se_step"].to_numpy()
    table["lower"] = difference - t * se_d
    table["upper"] = difference + t * se_d
    table["step_lower"] = step - t * se_s
    table["step_upper"] = step + t * se_s
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se_s > 0, np.abs(step) / se_s, np.where(step == 0, 0.0, np.inf))
        p = 2.0 * sps.t.sf(statistic, np.where(np.isfinite(dof), dof, 1))
    tested = table["tested"].to_numpy() & np.isfinite(p)
    p = np.where(tested, p, np.nan)
    table["tested"] = tested
    table["p_value"] = p
    q = np.full(p.size, np.nan)
    if tested.any():
        q[tested] = benjamini_hochberg(p[tested])
    table["q_value"] = q
    typical = table["placebo_typical"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(difference) / typical
    ratio = np.where((typical == 0) & (np.abs(difference) == 0), np.nan, ratio)
    table["placebo_ratio"] = ratio
    lower, upper = table["lower"].to_numpy(), table["upper"].to_numpy()
    flagged = (
        tested
        & (np.nan_to_num(q, nan=1.0) < alpha)
        & (np.sign(step) == np.sign(difference))
        & ((lower > 0) | (upper < 0))
    )
    if materiality is not None:
        flagged &= np.abs(difference) >= materiality
    table["flagged"] = flagged
    table = table.sort_values(["q_value", "p_value"], na_position="last", kind="stable")
    return table.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Ranked flags
# --------------------------------------------------------------------------------------


def flags(
    place: Place,
    indicator: str | Indicator,
    grouping: str | Grouping,
    *,
    kinds: Sequence[str] = FLAG_KINDS,
    alpha: float = 0.05,
    materiality: float | None = None,
    min_areas: int = 5,
    penalty_threshold: float = PENALTY_THRESHOLD,
    permutations: int = 999,
    seed: int = 12345,
    limit: int | None = None,
) -> pd.DataFrame:
    """Everything worth a look for one indicator and one grouping, ranked.

    Four kinds of flag:

    ``border``
        Border discontinuities flagged by :func:`border_discontinuities` (weighted
        by the indicator's ``weight`` column where it has one). About the side
        that is worse off; ``effect`` is that side minus the other.
    ``penalty``
        For a travel-time indicator of a service type (its id starts with the type,
        e.g. ``mt_minutes``), areas where using only services inside one's own group
        adds more than ``penalty_threshold`` minutes, one flag per (own group, group
        of the nearest service); ``effect`` is the (weighted) mean extra minutes and
        ``lower``/``upper`` their range.
    ``funnel``
        Groups outside the 99.8% funnel limits around the overall value, allowing
        for over-dispersion (Spiegelhalter) when the groups vary more than chance
        would give. Counts: observed against the count expected from the group's
        share of areas (Byar/exact Poisson intervals); proportions and rates from
        their numerator and denominator (Wilson, Byar); anything else (times): the
        (weighted) group mean against the overall mean.
    ``spatial``
        Clusters of touching areas that local Moran's I finds unlike their
        neighbours (High-Low or Low-High after Benjamini-Hochberg control at
        ``alpha``); ``effect`` is the cluster minus the areas around it.

    Parameters
    ----------
    place : Place
        The place.
    indicator : str or Indicator
        Indicator id (or the indicator).
    grouping : str or Grouping
        Grouping id (or the grouping).
    kinds : sequence of str
        Which kinds of flag to work out (default all of :data:`FLAG_KINDS`).
    alpha : float, default 0.05
        False discovery rate for borders and spatial outliers.
    materiality : float, optional
        Smallest border difference worth flagging, in the indicator's units.
    min_areas : int, default 5
        Fewest areas on each side of a border, or in a group, to test.
    penalty_threshold : float, default 10
        Minutes of boundary penalty above which areas are flagged.
    permutations, seed : int
        Local Moran conditional permutations and their seed.
    limit : int, optional
        Keep only the first ``limit`` flags.

    Returns
    -------
    pandas.DataFrame
        One row per flag, best first; columns :data:`FLAG_COLUMNS`:

        ``rank``
            1 for the flag most worth a look.
        ``kind``
            ``"border"``, ``"penalty"``, ``"funnel"`` or ``"spatial"``.
        ``group_code``, ``group_name``
            The group the flag is about.
        ``other_code``, ``other_name``
            What it is compared with: the group across the border, the group of the
            nearest service, the benchmark (code ``""``), or "the areas around them".
        ``effect``, ``lower``, ``upper``
            Size of the difference in the indicator's units (positive means more,
            longer or higher) and its interval.
        ``interval``
            What ``lower``/``upper`` are: ``"95% CI"`` or ``"range"``.
        ``areas``
            Number of areas affected.
        ``affected``
            People or admissions affected (the indicator's ``weight`` column; the
            count itself for a count indicator; NaN when neither exists).
        ``score``
            Ranking score, ``|effect| * affected``: the total gap borne by the people
            affected (where their number is unknown, ``affected`` is estimated as
            ``areas`` times the mean weight of an area; without weights, ``|effect| *
            areas``).
        ``p_value``, ``q_value``
            Test behind the flag where there is one (NaN for penalties).
        ``sentence``
            Plain-English sentence (from :mod:`insight.explain`).
        ``area_codes``, ``other_area_codes``
            Codes of the areas affected and of those compared with (lists; empty for
            a whole group), enough to draw the flag on a map.

        ``attrs`` holds ``indicator``, ``grouping``, ``alpha`` and, where worked
        out, ``border_table`` (the full :func:`border_discontinuities` result).

    Raises
    ------
    DataError
        If the indicator, grouping or a kind is unknown (the message lists the
        choices), or the indicator's column is missing.

    Examples
    --------
    >>> from insight.place import load_place
    >>> place = load_place("demo")  # doctest: +SKIP
    >>> table = flags(place, "mt_minutes", "isdn")  # doctest: +SKIP
    >>> table.iloc[0]["sentence"]  # doctest: +SKIP
    'In 230 areas of East Midlands the nearest thrombectomy centre is in ...'
    """
    ind = indicator if isinstance(indicator, Indicator) else place.indicator(indicator)
    grp = grouping if isinstance(grouping, Grouping) else place.grouping(grouping)
    unknown = [k for k in kinds if k not in FLAG_KINDS]
    if unknown:
        raise DataError(
            f"Unknown kind of flag {unknown[0]!r}; choose from: {', '.join(FLAG_KINDS)}."
        )
    areas = place.areas
    for column in (ind.id, grp.code_column):
        if column not in areas.columns:
            raise DataError(f"Place {place.id!r} has no column {column!r} on its areas.")
    context = _FlagContext.build(place, ind, grp)
    graph = None
    if "border" in kinds or "spatial" in kinds:
        from insight.neighbours import place_contiguity

        graph = place_contiguity(place)
    parts: list[pd.DataFrame] = []
    attrs: dict[str, Any] = {"indicator": ind.id, "grouping": grp.id, "alpha": alpha}
    if "border" in kinds:
        borders = border_discontinuities(
            areas, ind.id, grp.code_column,
            weight=ind.weight if ind.weight in areas.columns else None,
            min_areas=min_areas, materiality=materiality, alpha=alpha, graph=graph,
            names=context.names, indicator=ind, weight_label=context.weight_label,
        )  # fmt: skip
        attrs["border_table"] = borders
        parts.append(_border_flags(borders, ind))
    if "penalty" in kinds:
        parts.append(_penalty_flags(place, context, penalty_threshold))
    if "funnel" in kinds:
        parts.append(_funnel_flags(place, context, min_areas))
    if "spatial" in kinds:
        parts.append(_spatial_flags(place, context, graph, alpha, permutations, seed))
    parts = [p for p in parts if len(p)]
    table = pd.concat(parts, ignore_index=True) if parts else _empty_flags()
    typical = context.typical_weight
    fallback = table["effect"].abs() * table["areas"] * (typical if np.isfinite(typical) else 1.0)
    table["score"] = (table["effect"].abs() * table["affected"]).fillna(fallback)
    table = table.sort_values(["score", "areas"], ascending=False, kind="stable")
    table = table.reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    if limit is not None:
        table = table.head(max(int(limit), 0))
    table = table[list(FLAG_COLUMNS)]
    table.attrs.update(attrs)
    return table


def _empty_flags() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in FLAG_COLUMNS}).astype(
        {"effect": float, "lower": float, "upper": float, "areas": int, "affected": float,
         "score": float, "p_value": float, "q_value": float}
    )  # fmt: skip


@dataclass
class _FlagContext:
    """What every kind of flag needs: values, weights, groups and words."""

    indicator: Indicator
    grouping: Grouping
    values: np.ndarray
    weights: np.ndarray | None
    weight_label: str | None
    groups: np.ndarray
    names: dict[str, str]
    codes: np.ndarray
    area_names: np.ndarray
    benchmark: str

    @classmethod
    def build(cls, place: Place, ind: Indicator, grp: Grouping) -> _FlagContext:
        areas = place.areas
        values = values_of(areas, ind.id, "indicator")
        weights, label = None, None
        if ind.weight and ind.weight in areas.columns:
            weights = values_of(areas, ind.weight, "weight")
            weighting = place.indicators.get(ind.weight)
            label = explain._lower_first(weighting.title) if weighting else ind.weight
        elif ind.kind == "count":
            weights = values
            label = explain._lower_first(ind.title)
        groups = areas[grp.code_column].to_numpy(dtype=object)
        names = place.group_names(grp.id).astype(str).to_dict()
        names = {str(k): v for k, v in names.items()}
        area_names = (
            areas["name"].astype(str).to_numpy(dtype=object)
            if "name" in areas.columns
            else _codes_of(areas)
        )
        return cls(
            ind, grp, values, weights, label, groups, names, _codes_of(areas), area_names,
            place.benchmark_name,
        )  # fmt: skip

    def affected(self, rows: np.ndarray) -> float:
        """Total weight of ``rows``; NaN without weights or when none of theirs is known."""
        if self.weights is None or not np.isfinite(self.weights[rows]).any():
            return float("nan")
        return float(np.nansum(self.weights[rows]))

    @property
    def typical_weight(self) -> float:
        """Mean weight of an area, to rank flags whose areas have no known weight."""
        if self.weights is None or not np.isfinite(self.weights).any():
            return float("nan")
        return float(np.nanmean(self.weights))


def _border_flags(borders: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    records = []
    for row in borders[borders["flagged"]].itertuples():
        if explain._worse_side(ind, row.difference) == "b":
            group, other = (row.group_b, row.name_b), (row.group_a, row.name_a)
            effect, lower, upper = row.difference, row.lower, row.upper
            n, weight, codes, other_codes = row.n_b, row.weight_b, row.codes_b, row.codes_a
        else:
            group, other = (row.group_a, row.name_a), (row.group_b, row.name_b)
            effect, lower, upper = -row.difference, -row.upper, -row.lower
            n, weight, codes, other_codes = row.n_a, row.weight_a, row.codes_a, row.codes_b
        weighted = ind.weight is not None
        records.append(
            {
                "kind": "border", "group_code": group[0], "group_name": group[1],
                "other_code": other[0], "other_name": other[1], "effect": effect,
                "lower": lower, "upper": upper, "interval": "95% CI", "areas": int(n),
                "affected": weight if weighted or ind.kind == "count" else float("nan"),
                "p_value": row.p_value, "q_value": row.q_value, "sentence": row.sentence,
                "area_codes": list(codes), "other_area_codes": list(other_codes),
            }
        )  # fmt: skip
    return pd.DataFrame.from_records(records)


def _service_type_of(place: Place, ind: Indicator) -> str | None:
    """The service type a travel-time indicator measures (its id starts with the type)."""
    if ind.kind != "time" or place.costs is None or place.services is None:
        return None
    for service_id in sorted(place.service_types, key=len, reverse=True):
        if ind.id.startswith(f"{service_id}_") and service_id in place.services.columns:
            return service_id
    return None


def _penalty_parts(place: Place, service: str, grouping: Grouping) -> tuple[np.ndarray, np.ndarray]:
    """Boundary penalty of every area and the group of its nearest capable service."""
    from insight import access

    services = place.services
    column = grouping.code_column
    if column not in services.columns:
        raise DataError(
            f"The services of place {place.id!r} have no {column!r} column, so the boundary "
            f"penalty by {grouping.id!r} cannot be worked out; groupings on the services: "
            f"{', '.join(c[:-5] for c in services.columns if c.endswith('_code')) or 'none'}."
        )
    capable = services[service].fillna(False).astype(bool).to_numpy()
    penalty = access.boundary_penalty(
        place.costs, place.areas[column].to_numpy(dtype=object),
        services[column].to_numpy(dtype=object), capable,
    )  # fmt: skip
    nearest = access.nearest_service(place.costs, capable).service
    group_of = dict(zip(services["code"], services[column], strict=True))
    other = np.array([group_of.get(code) for code in nearest], dtype=object)
    return penalty, other


def _penalty_flags(place: Place, context: _FlagContext, threshold: float) -> pd.DataFrame:
    service = _service_type_of(place, context.indicator)
    if service is None:
        return pd.DataFrame()
    penalty, other = _penalty_parts(place, service, context.grouping)
    over = np.nan_to_num(penalty, nan=0.0) > threshold
    if not over.any():
        return pd.DataFrame()
    frame = pd.DataFrame(
        {"row": np.flatnonzero(over), "group": context.groups[over], "other": other[over]}
    )
    stype = place.service_types[service]
    records = []
    for (group, other_group), part in frame.groupby(["group", "other"], sort=True):
        rows = part["row"].to_numpy()
        values = penalty[rows]
        if context.weights is not None and np.nansum(context.weights[rows]) > 0:
            mean = float(
                np.nansum(values * context.weights[rows]) / np.nansum(context.weights[rows])
            )
        else:
            mean = float(np.mean(values))
        mean = float(np.clip(mean, values.min(), values.max()))  # rounding of float32 costs
        affected = context.affected(rows)
        name, other_name = (
            context.names.get(str(group), str(group)),
            context.names.get(str(other_group), str(other_group)),
        )
        records.append(
            {
                "kind": "penalty", "group_code": group, "group_name": name,
                "other_code": other_group, "other_name": other_name, "effect": mean,
                "lower": float(values.min()), "upper": float(values.max()),
                "interval": "range", "areas": int(rows.size), "affected": affected,
                "p_value": float("nan"), "q_value": float("nan"),
                "sentence": explain.penalty_sentence(
                    group_name=name, other_name=other_name, areas=int(rows.size), mean=mean,
                    lowest=float(values.min()), highest=float(values.max()),
                    service=stype.singular, grouping=explain._lower_first(context.grouping.title),
                    affected=affected, weight_label=context.weight_label,
                ),
                "area_codes": context.codes[rows].tolist(), "other_area_codes": [],
            }
        )  # fmt: skip
    return pd.DataFrame.from_records(records)


def _funnel_flags(place: Place, context: _FlagContext, min_areas: int) -> pd.DataFrame:
    ind = context.indicator
    areas = place.areas
    if (
        ind.kind in ("proportion", "rate")
        and ind.numerator
        and ind.denominator
        and (ind.numerator in areas.columns and ind.denominator in areas.columns)
    ):
        return _ratio_funnel(place, context, min_areas)
    if ind.kind == "count":
        return _count_funnel(place, context, min_areas)
    return _mean_funnel(context, min_areas)


def _group_table(context: _FlagContext, min_areas: int) -> pd.DataFrame:
    valid = np.isfinite(context.values) & pd.notna(context.groups)
    weights = context.weights if context.weights is not None else np.ones_like(context.values)
    weights = np.where(np.isfinite(weights), weights, 0.0)
    frame = pd.DataFrame(
        {"group": context.groups[valid], "value": context.values[valid], "weight": weights[valid]}
    )
    frame["wv"] = frame["weight"] * frame["value"]
    frame["wvv"] = frame["weight"] * frame["value"] ** 2
    frame["ww"] = frame["weight"] ** 2
    table = frame.groupby("group", sort=True).agg(
        areas=("value", "size"), weight=("weight", "sum"), wv=("wv", "sum"), wvv=("wvv", "sum"),
        ww=("ww", "sum"), total=("value", "sum"),
    )  # fmt: skip
    table = table[table["areas"] >= min_areas]
    return table


def _funnel_record(
    context: _FlagContext, group: str, effect: float, lower: float, upper: float,
    areas: int, z: float, sentence: str,
) -> dict[str, Any]:  # fmt: skip
    rows = np.flatnonzero(context.groups == group)
    return {
        "kind": "funnel", "group_code": group, "group_name": context.names.get(str(group), str(group)),
        "other_code": "", "other_name": context.benchmark, "effect": effect, "lower": lower,
        "upper": upper, "interval": "95% CI", "areas": int(areas),
        "affected": context.affected(rows), "p_value": float(2 * sps.norm.sf(abs(z))),
        "q_value": float("nan"), "sentence": sentence, "area_codes": [], "other_area_codes": [],
    }  # fmt: skip


def _mean_funnel(context: _FlagContext, min_areas: int) -> pd.DataFrame:
    """Group (weighted) means against the overall mean, with Spiegelhalter's adjustment."""
    table = _group_table(context, min_areas)
    table = table[table["weight"] > 0]
    if len(table) < 3:
        return pd.DataFrame()
    mean = table["wv"] / table["weight"]
    variance = (table["wvv"] / table["weight"] - mean**2).clip(lower=0)
    n_eff = table["weight"] ** 2 / table["ww"]
    se = np.sqrt(variance / n_eff.clip(lower=1))
    overall = float(table["wv"].sum() / table["weight"].sum())
    z_adj = _spiegelhalter(mean.to_numpy(), se.to_numpy(), overall)
    records = []
    for position, group in enumerate(table.index):
        if not abs(z_adj[position]) > _Z998:
            continue
        effect = float(mean.iloc[position] - overall)
        half = 1.96 * float(se.iloc[position])
        affected = context.affected(np.flatnonzero(context.groups == group))
        sentence = explain.funnel_sentence(
            context.indicator, group_name=context.names.get(str(group), str(group)),
            benchmark_name=context.benchmark, areas=int(table["areas"].iloc[position]),
            difference=effect, lower=effect - half, upper=effect + half,
            value=float(mean.iloc[position]), benchmark=overall, affected=affected,
            weight_label=context.weight_label,
        )  # fmt: skip
        records.append(
            _funnel_record(context, group, effect, effect - half, effect + half,
                           int(table["areas"].iloc[position]), z_adj[position], sentence)
        )  # fmt: skip
    return pd.DataFrame.from_records(records)


def _spiegelhalter(
    values: np.ndarray, se: np.ndarray, target: float, trim: float = 0.1
) -> np.ndarray:
    """z-scores against ``target`` allowing for over-dispersion (Spiegelhalter 2005).

    The same winsorised estimate of ``phi`` and additive ``tau2`` as
    :func:`insight.stats.overdispersion`, on the identity scale for means.
    """
    se = np.where(se > 0, se, np.nan)
    z = (values - target) / se
    ok = np.isfinite(z)
    if ok.sum() < 3:
        return z
    low, high = np.quantile(z[ok], [trim, 1 - trim])
    phi = float(np.mean(np.clip(z[ok], low, high) ** 2))
    units = int(ok.sum())
    tau2 = 0.0
    if sps.chi2.sf(units * phi, units - 1) < 0.05:
        w = 1.0 / se[ok] ** 2
        tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return (values - target) / np.sqrt(se**2 + tau2)


def _count_funnel(place: Place, context: _FlagContext, min_areas: int) -> pd.DataFrame:
    """Counts against the count expected from each group's share of areas."""
    from insight import stats

    table = _group_table(context, min_areas)
    if len(table) < 3:
        return pd.DataFrame()
    observed = table["total"].to_numpy(dtype=float)
    expected = observed.sum() * table["areas"].to_numpy() / table["areas"].sum()
    try:
        dispersion = stats.overdispersion(observed, expected, "ratio")
        z = dispersion.z_adjusted if dispersion.overdispersed else dispersion.z
    except ValueError:
        with np.errstate(divide="ignore"):
            z = np.log(observed / expected) * np.sqrt(expected)
    lower, upper = stats.byars_ci(observed)
    records = []
    for position, group in enumerate(table.index):
        if not abs(z[position]) > _Z998:
            continue
        effect = float(observed[position] - expected[position])
        low, high = (
            float(lower[position] - expected[position]),
            float(upper[position] - expected[position]),
        )
        sentence = explain.count_funnel_sentence(
            context.indicator, group_name=context.names.get(str(group), str(group)),
            benchmark_name=context.benchmark, areas=int(table["areas"].iloc[position]),
            observed=float(observed[position]), expected=float(expected[position]),
            lower=low, upper=high,
        )  # fmt: skip
        records.append(
            _funnel_record(context, group, effect, low, high, int(table["areas"].iloc[position]),
                           float(z[position]), sentence)
        )  # fmt: skip
    return pd.DataFrame.from_records(records)


def _ratio_funnel(place: Place, context: _FlagContext, min_areas: int) -> pd.DataFrame:
    """Proportions or rates from summed numerators and denominators, PHE funnel limits."""
    from insight import stats

    ind = context.indicator
    areas = place.areas
    frame = pd.DataFrame(
        {
            "group": context.groups,
            "num": pd.to_numeric(areas[ind.numerator], errors="coerce").to_numpy(),
            "den": pd.to_numeric(areas[ind.denominator], errors="coerce").to_numpy(),
        }
    ).dropna()
    frame = frame[frame["den"] > 0]
    table = frame.groupby("group", sort=True).agg(
        num=("num", "sum"), den=("den", "sum"), areas=("num", "size")
    )
    table = table[table["areas"] >= min_areas]
    if len(table) < 3:
        return pd.DataFrame()
    statistic = "proportion" if ind.kind == "proportion" else "rate"
    baseline = float(table["num"].sum() / table["den"].sum())
    try:
        dispersion = stats.overdispersion(table["num"], table["den"], statistic)
        z = dispersion.z_adjusted if dispersion.overdispersed else dispersion.z
    except ValueError:
        return pd.DataFrame()
    multiplier = ind.multiplier
    if statistic == "proportion":
        lower, upper = stats.wilson_ci(table["num"].to_numpy(), table["den"].to_numpy())
    else:
        lower, upper = stats.byars_ci(table["num"].to_numpy())
        lower, upper = lower / table["den"].to_numpy(), upper / table["den"].to_numpy()
    records = []
    for position, group in enumerate(table.index):
        if not abs(z[position]) > _Z998:
            continue
        value = float(table["num"].iloc[position] / table["den"].iloc[position])
        effect = (value - baseline) * multiplier
        low = (float(lower[position]) - baseline) * multiplier
        high = (float(upper[position]) - baseline) * multiplier
        sentence = explain.funnel_sentence(
            ind, group_name=context.names.get(str(group), str(group)),
            benchmark_name=context.benchmark, areas=int(table["areas"].iloc[position]),
            difference=effect, lower=low, upper=high, value=value * multiplier,
            benchmark=baseline * multiplier, affected=None,
        )  # fmt: skip
        records.append(
            _funnel_record(context, group, effect, low, high, int(table["areas"].iloc[position]),
                           float(z[position]), sentence)
        )  # fmt: skip
    return pd.DataFrame.from_records(records)


def _spatial_flags(
    place: Place,
    context: _FlagContext,
    graph: Contiguity,
    alpha: float,
    permutations: int,
    seed: int,
) -> pd.DataFrame:
    """One flag per cluster of touching High-Low (or Low-High) outliers."""
    from scipy.sparse.csgraph import connected_components

    from insight.neighbours import local_outliers

    moran = local_outliers(
        place.areas, context.values, graph=graph, permutations=permutations, seed=seed,
        alpha=alpha,
    )  # fmt: skip
    outlier = moran["outlier"].to_numpy()
    if not outlier.any():
        return pd.DataFrame()
    quadrant = moran["quadrant"].to_numpy()
    adjacency = graph.sparse
    values = context.values
    weights = context.weights
    records = []
    for label in ("High-Low", "Low-High"):
        members = np.flatnonzero(outlier & (quadrant == label))
        if members.size == 0:
            continue
        sub = adjacency[members][:, members]
        count, component = connected_components(sub, directed=False)
        for k in range(count):
            rows = members[component == k]
            around = np.setdiff1d(np.unique(adjacency[rows].indices), rows)
            around = around[np.isfinite(values[around])]
            if around.size == 0:
                continue
            effect, lower, upper = _cluster_difference(rows, around, values, weights, adjacency)
            groups = pd.Series(context.groups[rows]).dropna()
            group = groups.mode().iloc[0] if len(groups) else ""
            name = context.names.get(str(group), str(group))
            affected = context.affected(rows)
            example = context.area_names[
                rows[np.argmax(np.abs(values[rows] - np.nanmean(values[around])))]
            ]
            other_name = "the areas around it" if rows.size == 1 else "the areas around them"
            sentence = explain.spatial_sentence(
                context.indicator, group_name=name, other_name=other_name,
                areas=int(rows.size), example=str(example), difference=effect, lower=lower,
                upper=upper, affected=affected, weight_label=context.weight_label,
            )  # fmt: skip
            records.append(
                {
                    "kind": "spatial", "group_code": group, "group_name": name,
                    "other_code": "", "other_name": other_name, "effect": effect,
                    "lower": lower, "upper": upper, "interval": "95% CI", "areas": int(rows.size),
                    "affected": affected, "p_value": float(moran["p_value"].iloc[rows].min()),
                    "q_value": float(moran["q_value"].iloc[rows].min()), "sentence": sentence,
                    "area_codes": context.codes[rows].tolist(),
                    "other_area_codes": context.codes[around].tolist(),
                }
            )  # fmt: skip
    return pd.DataFrame.from_records(records)


def _cluster_difference(
    rows: np.ndarray,
    around: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray | None,
    adjacency: sparse.csr_matrix,
) -> tuple[float, float, float]:
    """Cluster mean minus the mean of the areas around it, with a 95% interval.

    The variance is that of a difference of means of independent areas whose spread
    is the typical difference between neighbouring areas around the cluster
    (half the mean squared difference over touching pairs among them).
    """
    w = np.ones(values.size) if weights is None else np.nan_to_num(weights, nan=0.0)
    w_in, w_out = w[rows], w[around]
    if w_in.sum() <= 0 or w_out.sum() <= 0:
        w_in, w_out = np.ones(rows.size), np.ones(around.size)
    inside = float(np.dot(w_in, values[rows]) / w_in.sum())
    outside = float(np.dot(w_out, values[around]) / w_out.sum())
    local = adjacency[around][:, around].tocoo()
    pairs = local.row < local.col
    if pairs.any():
        diffs = values[around][local.row[pairs]] - values[around][local.col[pairs]]
        gamma = 0.5 * float(np.mean(diffs**2))
    else:
        gamma = float(np.var(values[around]))
    squares = float((w_in**2).sum() / w_in.sum() ** 2 + (w_out**2).sum() / w_out.sum() ** 2)
    half = 1.96 * math.sqrt(gamma * squares)
    effect = inside - outside
    return effect, effect - half, effect + half


# --------------------------------------------------------------------------------------
# Boundary penalty summary
# --------------------------------------------------------------------------------------


def penalty_summary(
    place: Place, service: str, grouping: str, threshold: float = PENALTY_THRESHOLD
) -> dict[str, Any]:
    """How much being limited to one's own group adds to the journey, in figures.

    Parameters
    ----------
    place : Place
        A place with services and a travel cost matrix.
    service : str
        Service type id, e.g. ``"mt"`` (thrombectomy centres).
    grouping : str
        Grouping id, e.g. ``"isdn"``; the services need its ``<id>_code`` column.
    threshold : float, default 10
        Minutes above which a penalty counts.

    Returns
    -------
    dict
        ``service``, ``grouping``, ``threshold_minutes``, ``areas`` (all areas),
        ``areas_with_penalty`` (areas whose group has a unit, so the penalty is
        defined), ``areas_with_no_unit_in_group``, ``areas_over_10_min`` (over the
        threshold, whatever it is), ``share_over_10_min`` (of all areas),
        ``share_over_10_min_where_defined``, ``max_minutes``, ``mean`` (over areas
        where defined), ``mean_over_10_min``, ``admissions_over_10_min`` (sum of the
        ``admissions`` column, or of the first count indicator, in those areas; None
        when the place has none) and ``by_group`` (areas over the threshold per group).

    Raises
    ------
    DataError
        If the place has no services or costs, the service type or grouping is
        unknown, or the services lack the grouping's column.

    Examples
    --------
    >>> from insight.place import load_place
    >>> summary = penalty_summary(load_place("demo"), "mt", "isdn")  # doctest: +SKIP
    >>> round(summary["share_over_10_min"], 3)  # doctest: +SKIP
    0.131
    """
    if place.services is None or place.costs is None:
        raise DataError(
            f"Place {place.id!r} has no services with travel costs, so there is no boundary "
            "penalty to work out."
        )
    if service not in place.service_types or service not in place.services.columns:
        raise DataError(
            f"Place {place.id!r} has no service type {service!r}; choose one of: "
            f"{', '.join(place.service_types) or 'none'}."
        )
    grp = place.grouping(grouping)
    penalty, _ = _penalty_parts(place, service, grp)
    defined = np.isfinite(penalty)
    over = np.nan_to_num(penalty, nan=0.0) > threshold
    count = _count_column(place)
    admissions = None
    if count is not None:
        admissions = float(np.nansum(place.areas[count].to_numpy(dtype=float)[over]))
    groups = place.areas[grp.code_column].to_numpy(dtype=object)
    by_group = pd.Series(groups[over]).value_counts().sort_index()
    names = place.group_names(grp.id)
    n = len(penalty)
    return {
        "service": service,
        "grouping": grp.id,
        "threshold_minutes": float(threshold),
        "areas": int(n),
        "areas_with_penalty": int(defined.sum()),
        "areas_with_no_unit_in_group": int((~defined).sum()),
        "areas_over_10_min": int(over.sum()),
        "share_over_10_min": float(over.sum() / n) if n else float("nan"),
        "share_over_10_min_where_defined": (
            float(over.sum() / defined.sum()) if defined.any() else float("nan")
        ),
        "max_minutes": round(float(np.nanmax(penalty)), 2) if defined.any() else float("nan"),
        "mean": round(float(np.nanmean(penalty)), 2) if defined.any() else float("nan"),
        "mean_over_10_min": round(float(penalty[over].mean()), 2) if over.any() else float("nan"),
        "admissions_over_10_min": None if admissions is None else round(admissions, 1),
        "by_group": {
            str(code): {"name": str(names.get(code, code)), "areas_over_10_min": int(k)}
            for code, k in by_group.items()
        },
    }


def _count_column(place: Place) -> str | None:
    if "admissions" in place.areas.columns:
        return "admissions"
    for ind in place.indicators.values():
        if ind.kind == "count" and ind.id in place.areas.columns:
            return ind.id
    return None


# --------------------------------------------------------------------------------------
# Command line: python -m insight flags | penalty
# --------------------------------------------------------------------------------------


def register_cli(commands: Any, add_place: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add the ``flags`` and ``penalty`` commands to ``python -m insight``.

    Parameters
    ----------
    commands : argparse subparsers
        From ``parser.add_subparsers()``.
    add_place : callable
        Adds the ``--place`` option to a subparser.
    """
    flag = commands.add_parser(
        "flags", help="ranked postcode-lottery flags for one indicator and grouping"
    )
    flag.add_argument("--indicator", required=True, help="indicator id, e.g. mt_minutes")
    flag.add_argument("--grouping", required=True, help="grouping id, e.g. isdn")
    flag.add_argument("--format", choices=("text", "csv", "json"), default="text")
    flag.add_argument("--limit", type=int, default=None, help="show only the first N flags")
    flag.add_argument(
        "--kinds", default=",".join(FLAG_KINDS),
        help=f"comma-separated kinds of flag (default: {','.join(FLAG_KINDS)})",
    )  # fmt: skip
    flag.add_argument(
        "--materiality",
        type=float,
        default=None,
        help="smallest border difference worth flagging, in the indicator's units",
    )
    add_place(flag)
    flag.set_defaults(handler=cmd_flags)

    penalty = commands.add_parser(
        "penalty", help="extra journey if limited to services in one's own group"
    )
    penalty.add_argument("--service", required=True, help="service type id, e.g. mt")
    penalty.add_argument("--grouping", required=True, help="grouping id, e.g. isdn")
    penalty.add_argument(
        "--threshold",
        type=float,
        default=PENALTY_THRESHOLD,
        help="minutes above which a penalty counts (default 10)",
    )
    penalty.add_argument("--json", action="store_true", help="print JSON")
    add_place(penalty)
    penalty.set_defaults(handler=cmd_penalty)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def cmd_flags(args: argparse.Namespace) -> int:
    """Print the ranked flags as text, CSV or JSON."""
    from insight.cli import open_place

    place = open_place(args.place)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    table = flags(
        place, args.indicator, args.grouping, kinds=kinds, materiality=args.materiality,
        limit=args.limit,
    )  # fmt: skip
    if args.format == "csv":
        out = table.copy()
        for column in ("area_codes", "other_area_codes"):
            out[column] = out[column].map(lambda codes: ";".join(map(str, codes)))
        out.to_csv(sys.stdout, index=False)
        return 0
    if args.format == "json":
        records = [_json_safe(r) for r in table.to_dict(orient="records")]
        print(json.dumps(records, indent=2))
        return 0
    ind, grp = place.indicator(args.indicator), place.grouping(args.grouping)
    title = f"{ind.title} by {explain._lower_first(grp.title)}: {plural_flags(len(table))}"
    print(title)
    for row in table.itertuples():
        print(f"\n{row.rank}. [{row.kind}] {row.sentence}")
    return 0


def plural_flags(count: int) -> str:
    """``"no flags"``, ``"1 flag"``, ``"12 flags"``."""
    return "no flags" if count == 0 else explain.plural(count, "flag")


def cmd_penalty(args: argparse.Namespace) -> int:
    """Print the boundary penalty summary as text or JSON."""
    from insight.cli import open_place

    place = open_place(args.place)
    summary = penalty_summary(place, args.service, args.grouping, args.threshold)
    if args.json:
        print(json.dumps(_json_safe(summary), indent=2))
        return 0
    grp = place.grouping(args.grouping)
    stype = place.service_types[args.service]
    threshold = explain.fmt_number(summary["threshold_minutes"], 0)
    print(
        f"Limited to {stype.title.lower()} in their own {explain._lower_first(grp.title)}, "
        f"{explain.plural(summary['areas_over_10_min'], 'area')} of {summary['areas']:,} "
        f"({explain.fmt_number(100 * summary['share_over_10_min'], 1)}%) would travel more "
        f"than {threshold} minutes further (up to {explain.fmt_number(summary['max_minutes'], 0)}"
        " minutes)."
    )
    if summary["admissions_over_10_min"] is not None:
        print(
            f"About {explain.fmt_number(summary['admissions_over_10_min'], 0)} admissions a "
            "year come from those areas."
        )
    print(f"Mean extra journey where defined: {explain.fmt_number(summary['mean'], 1)} minutes.")
    print(
        f"Areas whose {explain._lower_first(grp.title)} has no such unit: "
        f"{summary['areas_with_no_unit_in_group']:,}."
    )
    return 0
