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
   local linear fit over rows of areas on each side (ring 1 touches the border,
   ring 2 touches ring 1, ...), with a common slope across the border, whose
   jump at the border is the step. The slope is learnt from the differences
   between successive rings on the same side (placebo borders inside each
   group), so a steady gradient gives a step near zero. Fits over 3 to
   ``rings`` (default 6) rows are all unbiased under a steady gradient; the one
   used is the one with the narrowest interval by the variogram (same local
   scale for all), so the choice follows the shape of the spatial correlation,
   not the step: with rough variation a deep fit learns the slope from more
   placebo rows (on a 24 x 24 map cut in two halves, a step of one standard
   deviation is found 93% of the time instead of 75% with 3 rows); with smooth
   variation, where distant rows say little about the border, the shallow fit is
   kept.
3. **Many borders.** p-values (two-sided t, with degrees of freedom from the
   number of areas in the band) are turned into Benjamini-Hochberg q-values
   across all the borders tested.

A border is ``flagged`` when its step is significant after FDR control, the
difference across the border points the same way and its interval excludes
zero, and (where a materiality threshold is given) the difference is at least
that large. The simulation tests in ``tests/insight/analysis/test_borders.py`` show the
calibration: on maps with no border effect, independent or spatially
autocorrelated, about 5% of raw p-values fall below 0.05 and under 1% of borders
are flagged; a smooth gradient crossing a border is not flagged; a step of one
standard deviation at a border with 40 areas a side is found nearly always.

Flags
-----
:func:`flags` ranks everything worth a look for one indicator and one grouping:
border discontinuities, boundary penalties (areas where being limited to one's
own group adds more than ``penalty_threshold`` minutes), funnel outliers among
the groups, and areas unlike their neighbours. Each has an effect in
the indicator's units, an interval, the number of areas and of people (or
admissions) affected, a ranking score and a plain-English sentence.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy import stats as sps

from insight import explain
from insight.analysis.shared import Shared, fingerprint, reference
from insight.errors import DataError
from insight.model import Indicator
from insight.spatial.contiguity import Contiguity, _area_codes, _graph_for, group_codes, values_of
from insight.stats import benjamini_hochberg

__all__ = [
    "BORDER_COLUMNS",
    "SHARED_BORDER_SHARE",
    "BorderShapes",
    "border_discontinuities",
    "shared_borders",
]

T = TypeVar("T")

#: Columns of :func:`border_discontinuities`, in order.
BORDER_COLUMNS: tuple[str, ...] = (
    "group_a", "name_a", "group_b", "name_b", "n_a", "n_b", "pairs",
    "mean_a", "mean_b", "difference", "lower", "upper",
    "step", "step_lower", "step_upper", "p_value", "q_value", "placebo_ratio",
    "tested", "flagged", "weight_a", "weight_b", "codes_a", "codes_b", "sentence",
    "placebo_steps", "placebo_share", "ring_steps",
)  # fmt: skip

#: Most rows of areas on each side used to learn the slope across a border.
DEFAULT_RINGS = 6
#: Fewest rows on each side a step fit uses (when ``rings`` allows it).
MIN_DEPTH = 3
#: Graph lags over which the semivariogram is allowed to rise before it is taken as flat.
DEFAULT_LAGS = 3
#: Least share of a border's touching pairs that must also lie across a border of another
#: grouping for that grouping to be named as running along the same stretch: at 0.5 most
#: of the stretch is shared, so a step there could as well be the other boundary's doing.
SHARED_BORDER_SHARE = 0.5
#: How far (rows of areas) a border is moved into each side for its robustness placebos,
#: and the depths (rows on each side) at which its step is also measured.
ROBUSTNESS_DEPTHS: tuple[int, ...] = (1, 2, 3)
#: Which borders get their robustness worked out (:func:`border_discontinuities`).
ROBUSTNESS_CHOICES: tuple[str, ...] = ("flagged", "all", "none")


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
    robustness: str = "flagged",
    shared: Shared | None = None,
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
    rings : int, default 6
        Most rows of areas on each side used to learn the slope across the border.
        Fits over 3 (:data:`MIN_DEPTH`) to ``rings`` rows are tried and the one with
        the narrowest interval by the variogram is used (``rings`` below 3: that many
        rows; with 1 there is no slope to learn and the border is not tested).
    lags : int, default 3
        Graph lags over which the semivariogram may rise before it is taken as flat.
    graph : Contiguity, optional
        Neighbour graph of ``areas`` (see :func:`insight.spatial.contiguity.place_contiguity`).
    names : mapping or pandas.Series, optional
        Group code to name. By default the ``<id>_name`` column when ``grouping`` is
        a grouping id or ``<id>_code`` column, else the codes.
    indicator : Indicator, optional
        Metadata used for the wording of the sentences (title, unit, polarity).
    weight_label : str, optional
        Words for what the weight counts in the sentences, e.g. "stroke admissions a
        year" (default: the weight's column name, or no mention without a weight).
    calibrate : bool, default True
        Inflate the step's variance by the placebo borders' calibration (see
        ``attrs["variance_inflation"]``).
    robustness : {"flagged", "all", "none"}, default "flagged"
        Which borders get ``placebo_steps``, ``placebo_share`` and ``ring_steps`` (the
        others get empty lists and NaN): only the flagged ones keeps a scan fast.
    shared : Shared, optional
        Where the shapes of the borders are kept (the rows of areas along each border and
        the pairs among them, which depend on the graph and the groups, not on the values):
        a scan passes one per place, so every indicator after the first by the same
        grouping finds them made. The results are the same without it.

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
        ``placebo_steps``, ``placebo_share``
            How sure: the border moved 1, 2 and 3 rows of areas (:data:`ROBUSTNESS_DEPTHS`)
            into side A, then into side B, each tested by the same engine as a real border
            between the rows on either side of it (NaN where too few areas are left); each
            step is B-ward minus A-ward, like ``step``. ``placebo_share``: the share of
            the placebos whose step is at least as big as the real one (NaN without any).
            A step that is the border's own stands out from these; a pattern that
            merely crosses the border gives placebo steps as big.
        ``ring_steps``
            The step measured with the areas within 1, 2 and 3 rows of the border on each
            side (1: the plain difference between the touching areas; 2 and 3: the
            local linear fit over those rows), B minus A.

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
    shapes = None
    if shared is not None:
        key = (
            "border shapes",
            fingerprint(graph.heads, graph.tails, graph.points, gi),
            rings,
            lags,
        )
        shapes = shared.get(key, BorderShapes)
    engine = _BorderEngine(
        graph, y, w, valid, gi, rings=rings, lags=lags, known=known, shapes=shapes
    )
    rows = engine.run(min_areas)
    calibration = engine.calibrate(min_areas) if calibrate else _Calibration(1.0, 0, float("nan"))
    for row in rows:
        row.se_step *= math.sqrt(calibration.inflation)
    table = _border_table(rows, labels, group_names, _codes_of(areas))
    table = _finish_borders(table, alpha, materiality)
    _add_robustness(table, engine, labels, robustness, min_areas)
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


def shared_borders(
    graph: Contiguity,
    groups: Sequence[Any] | pd.Series | np.ndarray,
    others: Mapping[str, Sequence[Any] | pd.Series | np.ndarray],
    *,
    threshold: float = SHARED_BORDER_SHARE,
) -> dict[tuple[str, str], tuple[tuple[str, float], ...]]:
    """Which other groupings run along each border of a grouping, and for what share of it.

    A border between groups A and B is the set of touching pairs of areas (edges of
    ``graph``) with one area in A and the other in B. For every other grouping H its share
    is the fraction of those pairs whose two areas are also in different groups of H (a
    pair where H has no group for an area does not count as shared). Worked out once for
    every border, on the edge arrays.

    Parameters
    ----------
    graph : Contiguity
        Neighbour graph of the areas.
    groups : array-like
        Group code of each area in the grouping whose borders are described (missing:
        no group).
    others : mapping of str to array-like
        Grouping id to the group code of each area, for every other grouping.
    threshold : float, default :data:`SHARED_BORDER_SHARE`
        Least share for a grouping to be listed.

    Returns
    -------
    dict
        ``(group_a, group_b)`` (codes as text, ``group_a < group_b`` as in
        :func:`border_discontinuities`) to ``((grouping id, share), ...)``, the largest
        share first (ties in the order of ``others``); borders sharing nothing are left out.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from insight.spatial.contiguity import contiguity
    >>> cells = [box(x, y, x + 1, y + 1) for y in range(4) for x in range(4)]
    >>> xs = [x for y in range(4) for x in range(4)]
    >>> ys = [y for y in range(4) for x in range(4)]
    >>> graph = contiguity(gpd.GeoSeries(cells))
    >>> side = ["W" if x < 2 else "E" for x in xs]
    >>> shared_borders(graph, side, {"same": side, "across": ["S" if y < 2 else "N" for y in ys]})
    {('E', 'W'): (('same', 1.0),)}
    """
    labels, gi = _factorise(pd.Series(np.asarray(groups, dtype=object)))
    heads, tails = graph.heads, graph.tails
    ga, gb = gi[heads], gi[tails]
    cross = (ga >= 0) & (gb >= 0) & (ga != gb)
    if not cross.any():
        return {}
    low, high = np.minimum(ga[cross], gb[cross]), np.maximum(ga[cross], gb[cross])
    keys, border = np.unique(low * (int(gi.max()) + 1) + high, return_inverse=True)
    size = np.bincount(border).astype(float)
    found: dict[int, list[tuple[str, float]]] = {}
    for grouping, codes_h in others.items():
        _, hi = _factorise(pd.Series(np.asarray(codes_h, dtype=object)))
        ha, hb = hi[heads[cross]], hi[tails[cross]]
        also = (ha >= 0) & (hb >= 0) & (ha != hb)
        share = np.bincount(border, weights=also.astype(float), minlength=size.size) / size
        for k in np.flatnonzero(share >= threshold):
            found.setdefault(int(k), []).append((str(grouping), float(share[k])))
    span = int(gi.max()) + 1
    return {
        (str(labels[keys[k] // span]), str(labels[keys[k] % span])): tuple(
            sorted(listed, key=lambda item: -item[1])
        )
        for k, listed in sorted(found.items())
    }


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


def _add_robustness(
    table: pd.DataFrame, engine: _BorderEngine, labels: np.ndarray, which: str, min_areas: int
) -> None:
    """Placebo steps, their share at least as big as the real step, and the step at each
    ring depth, for the borders ``which`` chooses (see :func:`border_discontinuities`)."""
    if which not in ROBUSTNESS_CHOICES:
        raise DataError(
            f"robustness must be one of {', '.join(ROBUSTNESS_CHOICES)}, got {which!r}."
        )
    chosen = {"flagged": table["flagged"], "all": table["tested"]}.get(which)
    placebos: list[list[float]] = [[] for _ in range(len(table))]
    rings: list[list[float]] = [[] for _ in range(len(table))]
    share = np.full(len(table), np.nan)
    if chosen is not None and chosen.any():
        position = {label: n for n, label in enumerate(labels)}
        for n in np.flatnonzero(chosen.to_numpy()):
            row = table.iloc[n]
            a, b = position[row["group_a"]], position[row["group_b"]]
            placebos[n], rings[n] = engine.robustness(a, b, min_areas)
            steps = np.abs(np.asarray(placebos[n]))
            steps = steps[np.isfinite(steps)]
            if steps.size and np.isfinite(row["step"]):
                share[n] = float(np.mean(steps >= abs(row["step"])))
    table["placebo_steps"] = placebos
    table["placebo_share"] = share
    table["ring_steps"] = rings


def _graph(areas: gpd.GeoDataFrame, graph: Contiguity | None) -> Contiguity:

    return _graph_for(areas, graph)


def _codes_of(areas: pd.DataFrame) -> np.ndarray:

    return _area_codes(areas)


def _factorise(codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique labels (as text) and the integer label of each area (-1 where missing).

    The codes are hashed (:func:`pandas.factorize`); only the distinct ones are turned into
    text and sorted (two codes with the same text, such as ``1`` and ``"1"``, are one
    label), so a grouping of 35,000 areas costs a few milliseconds.

    Examples
    --------
    >>> labels, gi = _factorise(pd.Series(["b", None, "a", "b", 1, "1"], dtype=object))
    >>> labels.tolist(), gi.tolist()
    (['1', 'a', 'b'], [2, -1, 1, 2, 0, 0])
    """
    present = codes.notna().to_numpy()
    raw, uniques = pd.factorize(codes[present].to_numpy(dtype=object))
    labels, inverse = np.unique(np.asarray(uniques, dtype=object).astype(str), return_inverse=True)
    gi = np.full(len(codes), -1, dtype=np.int64)
    gi[present] = inverse.reshape(-1)[raw]
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


@dataclass
class _Shape:
    """Where one border's areas are, whatever the indicator: the rows of areas on each
    side (ring 1 touches the border), the pairs of them that touch (``src``, ``dst``:
    positions in ``nodes``, ``src < dst``) and those within the variogram's reach
    (``near_src``, ``near_dst``), with the distances of both in local spacings.

    Worked out for every area, valid or not (the rings run through areas without a value);
    :meth:`of_valid` leaves out the areas without one, exactly as if it had been worked
    out on the valid areas alone."""

    nodes: np.ndarray
    ring: np.ndarray
    side: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    near_src: np.ndarray
    near_dst: np.ndarray
    d_pairs: np.ndarray
    d_near: np.ndarray
    kept: dict[str, OrderedDict[Hashable, Any]] = field(default_factory=dict, repr=False)
    #: Position of each pair of ``near_src``, ``near_dst`` among every pair of areas within
    #: the variogram's reach (:meth:`_BorderEngine._near_index`), worked out on first use.
    near_index: np.ndarray | None = field(default=None, repr=False)

    #: Most versions of each kind kept on a shape (by the values' missing areas, by their
    #: weights): a scan goes indicator by indicator, and indicators that share their
    #: missing areas and weights mostly come together. Bounded, so that a scan of many
    #: indicators does not keep a version of every shape for each of them.
    KEPT = 3

    def keep(self, kind: str, key: Hashable, make: Callable[[], T]) -> T:
        """What is kept on this shape under ``(kind, key)``, made on first use; only the
        :attr:`KEPT` most recently used of each kind are kept."""
        with _KEPT_LOCK:
            entries = self.kept.setdefault(kind, OrderedDict())
            if key in entries:
                entries.move_to_end(key)
                return entries[key]
        found = make()
        with _KEPT_LOCK:
            entries[key] = found
            while len(entries) > self.KEPT:
                entries.popitem(last=False)
        return found

    def of_valid(self, valid: np.ndarray) -> _Shape:
        """The shape without the areas that have no value (kept by which of its areas
        have one: indicators missing values elsewhere on the map share it)."""
        keep = valid[self.nodes]
        if keep.all():
            return self
        key = np.packbits(keep).tobytes()

        def make() -> _Shape:
            position = np.cumsum(keep) - 1
            pairs = keep[self.src] & keep[self.dst]
            near = keep[self.near_src] & keep[self.near_dst]
            return _Shape(
                self.nodes[keep], self.ring[keep], self.side[keep], self.edge_a, self.edge_b,
                position[self.src[pairs]], position[self.dst[pairs]],
                position[self.near_src[near]], position[self.near_dst[near]],
                self.d_pairs[pairs], self.d_near[near],
            )  # fmt: skip

        return self.keep("valid", key, make)


#: Guards the versions kept on shapes (:meth:`_Shape.keep`) when threads share them.
_KEPT_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Prepared:
    """What the test of one border needs that depends on where its areas are and on their
    weights, not on their values (:meth:`_BorderEngine._prepare`): kept on the shape for
    every indicator with the same missing areas and weights.

    ``stacked`` holds the plain difference's contrast, then the step's candidate contrasts
    (one per depth of the local linear fit, see :meth:`_BorderEngine._step`), one row each
    over the shape's nodes, so that the variances of all of them are worked out together
    (:meth:`_BorderEngine._border`), with ``squares`` (each one's sum of squares) and
    ``used`` (the areas each uses)."""

    n_a: int
    n_b: int
    pairs: int
    weight_a: float
    weight_b: float
    known_a: float
    known_b: float
    codes_a: np.ndarray
    codes_b: np.ndarray
    in_a: np.ndarray | None = None
    in_b: np.ndarray | None = None
    wn_a: np.ndarray | None = None
    wn_b: np.ndarray | None = None
    local_src: np.ndarray | None = None
    local_dst: np.ndarray | None = None
    d_local: np.ndarray | None = None
    near_src: np.ndarray | None = None
    near_dst: np.ndarray | None = None
    stacked: np.ndarray | None = None
    squares: tuple[float, ...] = ()
    used: tuple[int, ...] = ()


class BorderShapes:
    """The shapes of the borders (and placebo borders) of one grouping on one graph, kept
    for every indicator (:func:`border_discontinuities` with ``shared``).

    Thread-safe enough for a scan: two threads making the same shape both make it."""

    def __init__(self) -> None:
        self._shapes: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self._shapes)

    def get(self, key: Any, make: Callable[[], T]) -> T:
        """What is kept under ``key`` (a shape, None for no such border, the variogram's
        pairs), made on first use."""
        if key in self._shapes:
            return self._shapes[key]
        shape = make()
        self._shapes[key] = shape
        return shape


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
        shapes: BorderShapes | None = None,
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
        self._labels = np.full(self.n, -1, dtype=np.int64)
        self.points = graph.points
        self.spacing = graph.spacing
        self.reach = graph.reach(lags)
        # Without shapes kept from before, every border's shape is made for this map only.
        self.shapes = shapes if shapes is not None else BorderShapes()
        self._weights_key = fingerprint(valid, self.w)
        self._excess_all: np.ndarray | None = None
        # The per-border engine of before the tests were prepared and batched (the
        # benchmarks' and tests' reference: PLACE_INSIGHT_SCAN_REFERENCE=1).
        self.reference = reference()
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
        real = labels is None and not within
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
            a, b = int(group_a[start]), int(group_b[start])
            edge_a, edge_b = side_a[start:stop], side_b[start:stop]

            def make(a: int = a, b: int = b, edge_a=edge_a, edge_b=edge_b) -> _Shape:
                return self._shape(a, b, edge_a, edge_b, labels)

            shape = self.shapes.get(("border", a, b), make) if real else make()
            assert shape is not None
            results.append(self._border(a, b, shape, min_areas))
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
        z: list[float] = []
        for side_key in sides:
            if len(z) >= target:
                break

            def make(side_key: int = int(side_key)) -> _Shape | None:
                starts = np.unique(ends[key == side_key])
                group = int(side_key // (int(self.gi.max()) + 1))
                nodes, ring = self._rings(starts, group, self.gi, depth=2 * self.rings)
                if ring.max() <= self.rings:
                    return None
                return self._placebo_shape(nodes, ring, self.rings)

            shape = self.shapes.get(("calibrate", int(side_key), self.rings), make)
            if shape is None:
                continue
            border = self._border(0, 1, shape, min_areas)
            if border.tested and border.se_step > 0 and np.isfinite(border.step):
                z.append(border.step / border.se_step)
        values = np.asarray(z)
        if values.size < MIN_PLACEBOS:
            return _Calibration(1.0, int(values.size), float("nan"))
        ratio = float(np.median(values**2) / sps.chi2.ppf(0.5, 1))
        return _Calibration(max(1.0, ratio), int(values.size), ratio)

    def robustness(
        self, a: int, b: int, min_areas: int, depths: Sequence[int] = ROBUSTNESS_DEPTHS
    ) -> tuple[list[float], list[float]]:
        """Placebo steps of the border between groups ``a`` and ``b`` moved ``depths`` rows
        into ``a``, then into ``b``, and its step at each depth (see
        :func:`border_discontinuities`: ``placebo_steps`` and ``ring_steps``)."""
        heads, tails = self.graph.heads, self.graph.tails
        forward = (self.gi[heads] == a) & (self.gi[tails] == b)
        backward = (self.gi[heads] == b) & (self.gi[tails] == a)
        edge_a = np.unique(np.concatenate([heads[forward], tails[backward]]))
        edge_b = np.unique(np.concatenate([tails[forward], heads[backward]]))
        placebos = []
        # a placebo in side a faces a-ward rows (label 1) with b-ward rows (label 0): its
        # step (1 minus 0) runs the other way from the real one, hence the sign
        for group, edge, sign in ((a, edge_a, -1.0), (b, edge_b, 1.0)):

            def make(group: int = group, edge: np.ndarray = edge) -> list[_Shape | None]:
                return self._shifted_shapes(edge, group, depths)

            shapes = self.shapes.get(("shifted", a, b, group, tuple(depths)), make)
            placebos += [sign * self._shifted(shape, min_areas) for shape in shapes]
        return placebos, self._ring_steps(a, b, edge_a, edge_b, depths)

    def _shifted_shapes(
        self, edge: np.ndarray, group: int, depths: Sequence[int]
    ) -> list[_Shape | None]:
        """The shapes of a border (``edge``: its areas in ``group``) moved ``depths`` rows
        into ``group`` (None where the group is not that deep)."""
        nodes, ring = self._rings(edge, group, self.gi, depth=max(depths) + self.rings)
        return [None if ring.max() <= k else self._placebo_shape(nodes, ring, k) for k in depths]

    def _placebo_shape(self, nodes: np.ndarray, ring: np.ndarray, k: int) -> _Shape:
        """The shape of a placebo border between rows ``k`` and ``k + 1`` of one side
        (``nodes`` and ``ring``: that side's rows): rows up to ``k`` are its side 0."""
        labels = self._labels
        labels[nodes[ring <= k]], labels[nodes[ring > k]] = 0, 1
        try:
            inner = nodes[ring == k]
            src, dst = _expand(self.adjacency, inner)
            crossing = labels[dst] == 1
            return self._shape(0, 1, inner[src[crossing]], dst[crossing], labels)
        finally:
            labels[nodes] = -1

    def _shifted(self, shape: _Shape | None, min_areas: int) -> float:
        """Step of a placebo border (NaN when there is none, or it cannot be tested)."""
        if shape is None:
            return float("nan")
        border = self._border(0, 1, shape, min_areas)
        return border.step if border.tested else float("nan")

    def _ring_steps(
        self, a: int, b: int, edge_a: np.ndarray, edge_b: np.ndarray, depths: Sequence[int]
    ) -> list[float]:
        """The step (b minus a) measured with the rows within each depth of the border."""

        def make() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            nodes_a, ring_a = self._rings(edge_a, a, self.gi, depth=max(depths))
            nodes_b, ring_b = self._rings(edge_b, b, self.gi, depth=max(depths))
            return (
                np.concatenate([nodes_a, nodes_b]),
                np.concatenate([ring_a, ring_b]),
                np.concatenate([np.zeros(nodes_a.size), np.ones(nodes_b.size)]),
            )

        key = ("ring steps", a, b, tuple(depths))
        nodes, ring, side = make() if self.reference else self.shapes.get(key, make)
        keep = self.valid[nodes]
        nodes, ring, side = nodes[keep], ring[keep], side[keep]
        y, w = self.y[nodes], self.w[nodes]
        position = np.where(side == 1, ring - 0.5, -(ring - 0.5))
        steps = []
        for depth in depths:
            inside = ring <= depth
            contrast = _step_contrast(side[inside], position[inside], w[inside])
            if contrast is None:  # one row a side: the plain difference between them
                near_a, near_b = inside & (side == 0), inside & (side == 1)
                if w[near_a].sum() <= 0 or w[near_b].sum() <= 0:
                    steps.append(float("nan"))
                    continue
                contrast = np.where(
                    side[inside] == 1,
                    w[inside] / w[near_b].sum(),
                    -w[inside] / w[near_a].sum(),
                )
            steps.append(float(contrast @ y[inside]))
        return steps

    def _shape(
        self, a: int, b: int, edge_a: np.ndarray, edge_b: np.ndarray, labels: np.ndarray
    ) -> _Shape:
        """The shape of the border between ``a`` and ``b`` of ``labels`` whose touching
        pairs are ``edge_a`` (in ``a``) and ``edge_b`` (in ``b``)."""
        nodes_a, ring_a = self._rings(np.unique(edge_a), a, labels)
        nodes_b, ring_b = self._rings(np.unique(edge_b), b, labels)
        nodes = np.concatenate([nodes_a, nodes_b])
        ring = np.concatenate([ring_a, ring_b])
        side = np.concatenate([np.zeros(nodes_a.size), np.ones(nodes_b.size)])
        self._pos[nodes] = np.arange(nodes.size)
        try:
            src, dst = self._pairs_within(nodes, self.adjacency)
            near_src, near_dst = (
                self._pairs_within(nodes, self.reach)
                if self.reach is not self.adjacency
                else (src, dst)
            )
        finally:
            self._pos[nodes] = -1
        d_pairs = self.distance(nodes[src], nodes[dst])
        d_near = self.distance(nodes[near_src], nodes[near_dst]) if near_src is not src else d_pairs
        return _Shape(
            nodes, ring, side, edge_a, edge_b, src, dst, near_src, near_dst, d_pairs, d_near
        )

    def _border(self, a: int, b: int, whole: _Shape, min_areas: int) -> _Border:
        """The test of one border (or placebo border) between ``a`` and ``b``.

        Everything that does not depend on the values (which areas touch the border,
        their weights, the contrasts of the difference and of the step, the pairs the
        local scale and the typical neighbour difference are taken from) is prepared once
        per shape and weights (:meth:`_prepare`); here the values come in, and the
        variances of every contrast are worked out together. The same numbers, bit for
        bit, as the per-border engine (:meth:`_border_reference`)."""
        if self.reference:
            return self._border_reference(a, b, whole, min_areas)
        shape = whole.of_valid(self.valid)
        # kept by the weights of the border's own areas: indicators that differ elsewhere
        # on the map (other missing areas, other weights there) share it
        key = _digest(self.w[shape.nodes], self.known[shape.nodes])
        prepared = shape.keep("prepared", key, lambda: self._prepare(shape))
        nan = float("nan")
        result = _Border(
            a, b, prepared.n_a, prepared.n_b, prepared.pairs, nan, nan, prepared.known_a,
            prepared.known_b, nan, nan, nan, nan, nan, nan, prepared.codes_a, prepared.codes_b,
            False,
        )  # fmt: skip
        if prepared.stacked is None:  # no weight on a side
            return result
        yn = self.y[shape.nodes]
        result.mean_a = float(np.dot(prepared.wn_a, yn[prepared.in_a]) / prepared.weight_a)
        result.mean_b = float(np.dot(prepared.wn_b, yn[prepared.in_b]) / prepared.weight_b)
        result.difference = result.mean_b - result.mean_a
        if prepared.local_src is None:
            return result
        gamma = self.variogram
        expected = gamma(prepared.d_local)
        residual = self.detrended
        scale = 0.5 * float(
            np.sum((residual[prepared.local_src] - residual[prepared.local_dst]) ** 2)
        )
        scale /= float(np.sum(expected))
        if prepared.near_src is not None:
            result.placebo_typical = float(
                np.mean(np.abs(yn[prepared.near_src] - yn[prepared.near_dst]))
            )
        index = shape.near_index
        if index is None:
            index = shape.near_index = self._near_index(shape)
        excess = self._excess()[index]
        stacked = prepared.stacked
        products = stacked[:, shape.near_src] * stacked[:, shape.near_dst] * excess
        se = [
            _se(squares, float(np.sum(row)), scale, gamma)
            for squares, row in zip(prepared.squares, products, strict=True)
        ]
        result.se_difference = se[0]
        best, chosen, used = math.inf, 0, shape.nodes.size
        for k in range(1, len(se)):  # the narrowest interval (see _step)
            if se[k] < best:
                best, chosen, used = se[k], k, prepared.used[k]
        if chosen:
            result.step = float(stacked[chosen] @ yn)
            result.se_step = se[chosen]
        result.dof = float(max(used - 3, 2))
        result.tested = bool(prepared.n_a >= min_areas and prepared.n_b >= min_areas and chosen > 0)
        return result

    def _reach_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every pair of areas within the variogram's reach (``i < j``), as sorted keys
        ``i * n + j``, and their distances in local spacings (kept with the shapes)."""

        def make() -> tuple[np.ndarray, np.ndarray]:
            upper = sparse.triu(self.reach, k=1).tocsr()
            upper.sort_indices()
            i = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(upper.indptr))
            j = upper.indices.astype(np.int64)
            return i * self.n + j, self.distance(i, j)

        return self.shapes.get(("reach pairs",), make)

    def _near_index(self, shape: _Shape) -> np.ndarray:
        """Where the near pairs of ``shape`` are among :meth:`_reach_pairs` (their
        distances there are theirs, bit for bit: a distance does not depend on the order
        of its two areas)."""
        keys, _ = self._reach_pairs()
        i, j = shape.nodes[shape.near_src], shape.nodes[shape.near_dst]
        found = np.searchsorted(keys, np.minimum(i, j) * self.n + np.maximum(i, j))
        return found.astype(np.int32 if keys.size < 2**31 else np.int64)

    def _excess(self) -> np.ndarray:
        """``top - gamma`` of every pair within reach, for this map's variogram: worked out
        once, then read by every border (instead of interpolating each border's pairs)."""
        if self._excess_all is None:
            gamma = self.variogram
            self._excess_all = gamma.top - gamma(self._reach_pairs()[1])
        return self._excess_all

    def _prepare(self, shape: _Shape) -> _Prepared:
        """What :meth:`_border` needs of ``shape`` (a shape of the valid areas) that does
        not depend on the values: the same figures :meth:`_border_reference` works out
        for every indicator, worked out once for these weights."""
        nodes, ring, side = shape.nodes, shape.ring, shape.side
        touching = ring == 1
        in_a, in_b = touching & (side == 0), touching & (side == 1)
        wn = self.w[nodes]
        weight_a, weight_b = float(wn[in_a].sum()), float(wn[in_b].sum())
        known_a, known_b = self.known[nodes[in_a]], self.known[nodes[in_b]]
        nan = float("nan")
        common = {
            "n_a": int(in_a.sum()), "n_b": int(in_b.sum()),
            "pairs": int((self.valid[shape.edge_a] & self.valid[shape.edge_b]).sum()),
            "weight_a": weight_a, "weight_b": weight_b,
            "known_a": float(np.nansum(known_a)) if np.isfinite(known_a).any() else nan,
            "known_b": float(np.nansum(known_b)) if np.isfinite(known_b).any() else nan,
            "codes_a": nodes[in_a], "codes_b": nodes[in_b],
        }  # fmt: skip
        if weight_a <= 0 or weight_b <= 0:
            return _Prepared(**common)
        contrast_d = np.zeros(nodes.size)
        contrast_d[in_a] = -wn[in_a] / weight_a
        contrast_d[in_b] = wn[in_b] / weight_b
        candidates = self._step_contrasts(shape, wn)
        stacked = np.stack([contrast_d, *(c for c, _ in candidates)])
        src, dst = shape.src, shape.dst
        same = side[src] == side[dst]
        local = same & (ring[src] <= MIN_DEPTH) & (ring[dst] <= MIN_DEPTH)
        near = same & ((ring[src] == 1) | (ring[dst] == 1))
        return _Prepared(
            **common,
            in_a=np.flatnonzero(in_a), in_b=np.flatnonzero(in_b),
            wn_a=wn[in_a], wn_b=wn[in_b],
            local_src=nodes[src[local]] if local.any() else None,
            local_dst=nodes[dst[local]] if local.any() else None,
            d_local=shape.d_pairs[local] if local.any() else None,
            near_src=src[near] if near.any() else None,
            near_dst=dst[near] if near.any() else None,
            stacked=stacked,
            squares=tuple(float(c @ c) for c in stacked),
            used=(nodes.size, *(u for _, u in candidates)),
        )  # fmt: skip

    def _step_contrasts(self, shape: _Shape, wn: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """The step contrasts of every depth :meth:`_step` chooses from, and the areas
        each uses (:func:`_step_contrast` at each depth, the depths solved together)."""
        ring, side = shape.ring, shape.side
        position = np.where(side == 1, ring - 0.5, -(ring - 0.5))
        deepest = min(self.rings, int(ring.max()))
        insides, normals, rights = [], [], []
        for depth in range(min(MIN_DEPTH, deepest), deepest + 1):
            inside = ring <= depth
            design = np.column_stack([np.ones(int(inside.sum())), side[inside], position[inside]])
            weighted = design.T * wn[inside]
            insides.append(inside)
            normals.append(weighted @ design)
            rights.append(weighted)
        if not normals:
            return []
        solvable = np.linalg.matrix_rank(np.stack(normals)) >= 3
        chosen = np.flatnonzero(solvable)
        if chosen.size == 0:
            return []
        width = max(rights[k].shape[1] for k in chosen)
        right = np.zeros((chosen.size, 3, width))
        for n, k in enumerate(chosen):
            right[n, :, : rights[k].shape[1]] = rights[k]
        solved = np.linalg.solve(np.stack([normals[k] for k in chosen]), right)
        candidates = []
        for n, k in enumerate(chosen):
            contrast = np.zeros(position.size)
            contrast[insides[k]] = solved[n, 1, : rights[k].shape[1]]
            candidates.append((contrast, int(insides[k].sum())))
        return candidates

    def _border_reference(self, a: int, b: int, whole: _Shape, min_areas: int) -> _Border:
        """:meth:`_border` as it was: everything worked out border by border."""
        y, w, valid = self.y, self.w, self.valid
        shape = whole.of_valid(valid)
        nodes, ring, side = shape.nodes, shape.ring, shape.side
        edge_a, edge_b = shape.edge_a, shape.edge_b
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
        # contrasts of the plain difference and of the step (weighted local linear fits,
        # common slope across the border): they depend on the weights, not the values
        contrast_d, candidates = self._contrasts(shape, wn, in_a, in_b, weight_a, weight_b)
        src, dst = shape.src, shape.dst
        same = side[src] == side[dst]
        # the local scale comes from the placebo pairs of the shallowest fit's rows, so
        # that it is the same for every depth tried (see _step) and a deep band does
        # not dilute the neighbours of the border with areas far from it
        local = same & (ring[src] <= MIN_DEPTH) & (ring[dst] <= MIN_DEPTH)
        if not local.any():
            return result
        gamma = self.variogram
        expected = gamma(shape.d_pairs[local])
        residual = self.detrended[nodes]
        scale = 0.5 * float(np.sum((residual[src[local]] - residual[dst[local]]) ** 2))
        scale /= float(np.sum(expected))
        near = same & ((ring[src] == 1) | (ring[dst] == 1))
        if near.any():
            result.placebo_typical = float(np.mean(np.abs(yn[src[near]] - yn[dst[near]])))
        gamma_pairs = gamma(shape.d_near)
        covariance = (shape.near_src, shape.near_dst, gamma.top - gamma_pairs)
        result.se_difference = _contrast_se(contrast_d, scale, gamma, covariance)
        contrast_s, used = self._step(candidates, nodes.size, scale, covariance)
        if contrast_s is not None:
            result.step = float(contrast_s @ yn)
            result.se_step = _contrast_se(contrast_s, scale, gamma, covariance)
        result.dof = float(max(used - 3, 2))
        result.tested = bool(n_a >= min_areas and n_b >= min_areas and contrast_s is not None)
        return result

    def _contrasts(
        self,
        shape: _Shape,
        wn: np.ndarray,
        in_a: np.ndarray,
        in_b: np.ndarray,
        weight_a: float,
        weight_b: float,
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, int]]]:
        """The contrast of the plain difference, and the step contrast of every depth
        :meth:`_step` chooses from with the areas each uses, for these weights (kept on
        the shape for the next indicator with the same weights)."""
        return shape.keep(
            "contrasts",
            self._weights_key,
            lambda: self._make_contrasts(shape, wn, in_a, in_b, weight_a, weight_b),
        )

    def _make_contrasts(
        self,
        shape: _Shape,
        wn: np.ndarray,
        in_a: np.ndarray,
        in_b: np.ndarray,
        weight_a: float,
        weight_b: float,
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, int]]]:
        contrast_d = np.zeros(shape.nodes.size)
        contrast_d[in_a] = -wn[in_a] / weight_a
        contrast_d[in_b] = wn[in_b] / weight_b
        ring, side = shape.ring, shape.side
        position = np.where(side == 1, ring - 0.5, -(ring - 0.5))
        candidates = []
        deepest = min(self.rings, int(ring.max()))
        for depth in range(min(MIN_DEPTH, deepest), deepest + 1):
            inside = ring <= depth
            local = _step_contrast(side[inside], position[inside], wn[inside])
            if local is None:
                continue
            contrast = np.zeros(position.size)
            contrast[inside] = local
            candidates.append((contrast, int(inside.sum())))
        return contrast_d, candidates

    def _step(
        self,
        candidates: list[tuple[np.ndarray, int]],
        size: int,
        scale: float,
        covariance: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray | None, int]:
        """The step contrast with the narrowest interval, and the number of areas it uses.

        Local linear fits over the first ``depth`` rows on each side, for every depth
        from :data:`MIN_DEPTH` to ``rings`` (as deep as the groups go; a side that is
        shallower gives all its rows), are all unbiased under a steady gradient; their variances come from the same
        variogram and local scale, so the choice depends on the shape of the spatial
        correlation and the geometry of the border, not on the step itself. Rough
        (independent) variation favours deep fits: the slope is learnt from more
        placebo rows and its lever arm costs less. Smooth variation favours shallow
        ones: distant rows differ more from the border than near rows do.
        """
        best: tuple[float, np.ndarray | None, int] = (math.inf, None, size)
        for contrast, used in candidates:
            se = _contrast_se(contrast, scale, self.variogram, covariance)
            if se < best[0]:
                best = (se, contrast, used)
        return best[1], best[2]

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


def _digest(*arrays: np.ndarray) -> bytes:
    """A digest of the bytes of float arrays whose lengths the caller fixes (a key)."""
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        digest.update(array.tobytes())
    return digest.digest()


def _expand(matrix: sparse.csr_matrix, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(local index of the node, neighbour) for every stored entry of the ``nodes`` rows."""
    starts = matrix.indptr[nodes]
    counts = matrix.indptr[nodes + 1] - starts
    total = int(counts.sum())
    src = np.repeat(np.arange(nodes.size), counts)
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
    return src, matrix.indices[offsets]


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
        i, j, u = engine.shapes.get(("variogram pairs",), lambda: cls._pairs(engine))
        keep = engine.valid[i] & engine.valid[j]
        i, j, u = i[keep], j[keep], u[keep]
        if i.size == 0:
            return cls(np.array([1.0]), np.array([1.0]))
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

    @staticmethod
    def _pairs(engine: _BorderEngine) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every pair of areas in the same group at most ``lags`` steps apart, and their
        distance in local spacings (whatever the indicator)."""
        coo = sparse.triu(engine.reach, k=1).tocoo()
        i, j = coo.row, coo.col
        gi = engine.gi
        keep = (gi[i] == gi[j]) & (gi[i] >= 0)
        i, j = i[keep], j[keep]
        return i, j, engine.distance(i, j)

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
    return _se(squares, float(np.sum(contrast[src] * contrast[dst] * excess)), scale, gamma)


def _se(squares: float, products: float, scale: float, gamma: _Variogram) -> float:
    """:func:`_contrast_se` from the contrast's sum of squares and its sum over the pairs
    of ``a_k a_l (top - gamma_kl)``."""
    variance = gamma.top * squares + 2.0 * products
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
