"""Contiguity: which areas touch, and the pairs of touching areas in different groups.

Areas are neighbours when their boundaries share at least one point (Queen
contiguity, built with :mod:`libpysal`). An area that touches no other area (an
island such as the Isles of Scilly, or a polygon left apart by simplification) is
joined to its nearest area, measured between representative points, and the join
is recorded in :attr:`Contiguity.islands` so that it can be reported.

Everything here works on row positions (0 .. n-1 in the order of the areas), which
is also the order of :attr:`insight.model.Place.costs`.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> areas = gpd.GeoDataFrame(
...     {"code": ["a", "b", "c"], "lad": ["X", "X", "Y"]},
...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)], crs=27700)
>>> graph = contiguity(areas)
>>> graph.n_edges, graph.islands.tolist()
(2, [])
>>> border_pairs(areas, "lad", graph=graph)[["code_a", "code_b", "group_a", "group_b"]]
  code_a code_b group_a group_b
0      b      c       X       Y
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.graph import Graph
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from insight.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from libpysal.graph import Graph

__all__ = ["Contiguity", "border_pairs", "contiguity", "group_codes", "values_of"]


# --------------------------------------------------------------------------------------
# The contiguity graph
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Contiguity:
    """Queen contiguity graph of a set of areas, every island joined to its nearest area.

    Built by :func:`contiguity`; positions refer to the rows of the areas, in order.

    Attributes
    ----------
    n : int
        Number of areas.
    heads, tails : numpy.ndarray
        Each undirected edge once, as row positions with ``heads < tails``
        (touching pairs and island joins together).
    islands : numpy.ndarray
        Positions of the areas that touch no other area.
    joined_to : numpy.ndarray
        For each island (same order), the position of the nearest area it was joined to.
    points : numpy.ndarray
        ``(n, 2)`` coordinates of a representative point inside each area.
    n_components : int
        Connected components after the islands were joined (a group of islands that
        touch each other but not the mainland, such as the Isle of Wight, is a component).

    Notes
    -----
    :attr:`sparse` (binary, symmetric CSR), :attr:`graph` (a :class:`libpysal.graph.Graph`)
    and :meth:`lag` (areas exactly ``h`` steps apart) are worked out on first use and kept.
    """

    n: int
    heads: np.ndarray
    tails: np.ndarray
    islands: np.ndarray
    joined_to: np.ndarray
    points: np.ndarray
    _lags: dict[int, sparse.csr_matrix] = field(default_factory=dict, repr=False)
    _reaches: dict[int, sparse.csr_matrix] = field(default_factory=dict, repr=False)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return int(self.heads.size)

    @cached_property
    def sparse(self) -> sparse.csr_matrix:
        """Binary symmetric adjacency matrix (CSR, int8), zero diagonal."""
        data = np.ones(2 * self.n_edges, dtype=np.int8)
        rows = np.concatenate([self.heads, self.tails])
        cols = np.concatenate([self.tails, self.heads])
        matrix = sparse.csr_matrix((data, (rows, cols)), shape=(self.n, self.n))
        matrix.sum_duplicates()
        matrix.data[:] = 1
        matrix.sort_indices()
        return matrix

    @cached_property
    def n_components(self) -> int:
        """Number of connected components."""

        return int(connected_components(self.sparse, directed=False)[0])

    @cached_property
    def spacing(self) -> np.ndarray:
        """Mean distance from each area's point to its neighbours' points (its local scale)."""
        matrix = self.sparse.tocoo()
        distance = np.hypot(*(self.points[matrix.row] - self.points[matrix.col]).T)
        total = np.bincount(matrix.row, weights=distance, minlength=self.n)
        count = np.bincount(matrix.row, minlength=self.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            spacing = total / count
        fallback = np.nanmedian(spacing) if np.isfinite(spacing).any() else 1.0
        spacing = np.where(np.isfinite(spacing) & (spacing > 0), spacing, fallback)
        return np.where(spacing > 0, spacing, 1.0)

    @cached_property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of each area."""
        return np.diff(self.sparse.indptr)

    @cached_property
    def graph(self) -> Graph:
        """The graph as a binary :class:`libpysal.graph.Graph` whose ids are row positions."""

        matrix = self.sparse.tocoo()
        focal, neighbour = matrix.row, matrix.col
        alone = np.setdiff1d(np.arange(self.n), focal)  # only when there is a single area
        focal = np.concatenate([focal, alone])
        neighbour = np.concatenate([neighbour, alone])
        weight = np.concatenate([np.ones(matrix.nnz), np.zeros(alone.size)])
        return Graph.from_arrays(focal, neighbour, weight)

    def neighbours(self, position: int) -> np.ndarray:
        """Row positions of the neighbours of the area at ``position``."""
        matrix = self.sparse
        return matrix.indices[matrix.indptr[position] : matrix.indptr[position + 1]]

    def lag(self, order: int) -> sparse.csr_matrix:
        """Areas exactly ``order`` steps apart in the graph, as a binary symmetric matrix.

        Parameters
        ----------
        order : int
            1 for neighbours, 2 for neighbours of neighbours that are not neighbours, ...

        Returns
        -------
        scipy.sparse.csr_matrix
        """
        if order < 1:
            raise DataError(f"lag order must be 1 or more, got {order!r}.")
        if order == 1:
            return self.sparse
        if order not in self._lags:
            reach = self._reach(order - 1)
            grown = (reach @ self.sparse).astype(bool).astype(np.int8)
            within = self._reach(order - 1) + sparse.identity(self.n, dtype=np.int8, format="csr")
            exact = grown - grown.multiply(within.astype(bool))
            exact.eliminate_zeros()
            self._lags[order] = exact.tocsr().astype(np.int8)
        return self._lags[order]

    def reach(self, order: int) -> sparse.csr_matrix:
        """Areas 1 to ``order`` steps apart, as a binary symmetric matrix (kept).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> graph = contiguity(gpd.GeoSeries([box(x, 0, x + 1, 1) for x in range(4)]))
        >>> graph.reach(2)[0].indices.tolist()
        [1, 2]
        """
        if order <= 1:
            return self.sparse
        if order not in self._reaches:
            self._reaches[order] = self._reach(order)
        return self._reaches[order]

    def _reach(self, order: int) -> sparse.csr_matrix:
        """Areas 1 to ``order`` steps apart (binary)."""
        total = self.sparse.copy()
        for step in range(2, order + 1):
            total = total + self.lag(step)
        return total.astype(bool).astype(np.int8).tocsr()


def contiguity(areas: gpd.GeoDataFrame | gpd.GeoSeries) -> Contiguity:
    """Queen contiguity graph of ``areas``, with islands joined to their nearest area.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame or GeoSeries
        Polygons in a projected CRS (metres). Their index is ignored: the graph is
        by row position.

    Returns
    -------
    Contiguity
        The graph; :attr:`Contiguity.islands` lists the areas that had no touching
        neighbour and :attr:`Contiguity.joined_to` the nearest area each was joined to.

    Raises
    ------
    DataError
        If there are no areas, or a geometry is missing or empty.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoSeries([box(0, 0, 1, 1), box(1, 1, 2, 2), box(5, 5, 6, 6)])
    >>> graph = contiguity(cells)
    >>> graph.heads.tolist(), graph.tails.tolist()
    ([0, 1], [1, 2])
    >>> graph.islands.tolist(), graph.joined_to.tolist()
    ([2], [1])
    """
    geometry = areas.geometry if isinstance(areas, gpd.GeoDataFrame) else areas
    geometry = gpd.GeoSeries(geometry.to_numpy(), crs=geometry.crs)
    if len(geometry) == 0:
        raise DataError("There are no areas to build a neighbour graph from.")
    bad = geometry.isna().to_numpy() | geometry.is_empty.to_numpy()
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"Area at row {position} has no geometry ({int(bad.sum())} such areas); "
            "drop or repair them before building neighbours."
        )
    n = len(geometry)
    points = shapely.point_on_surface(geometry.to_numpy())
    heads, tails = _touching_pairs(geometry)
    degree = np.bincount(np.concatenate([heads, tails]), minlength=n)
    islands = np.flatnonzero(degree == 0)
    joined = np.empty(0, dtype=np.int64)
    if islands.size and n > 1:
        joined = _nearest_other(points, islands)
        heads = np.concatenate([heads, np.minimum(islands, joined)])
        tails = np.concatenate([tails, np.maximum(islands, joined)])
        pairs = np.unique(np.stack([heads, tails], axis=1), axis=0)
        heads, tails = pairs[:, 0], pairs[:, 1]
    elif islands.size:
        joined = np.full(islands.size, -1, dtype=np.int64)
    return Contiguity(
        n=n,
        heads=heads.astype(np.int64),
        tails=tails.astype(np.int64),
        islands=islands.astype(np.int64),
        joined_to=joined.astype(np.int64),
        points=shapely.get_coordinates(points),
    )


def _touching_pairs(geometry: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Queen contiguity edges (i < j) by libpysal's shared-vertex method."""

    if len(geometry) == 1:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = Graph.build_contiguity(geometry, rook=False)
    adjacency = graph.adjacency
    focal = adjacency.index.get_level_values(0).to_numpy()
    neighbour = adjacency.index.get_level_values(1).to_numpy()
    keep = (adjacency.to_numpy() != 0) & (focal < neighbour)
    return focal[keep].astype(np.int64), neighbour[keep].astype(np.int64)


def _nearest_other(points: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """For each position, the nearest other area by representative point (KNN, k=1)."""
    tree = shapely.STRtree(points)
    found = np.empty(positions.size, dtype=np.int64)
    for slot, position in enumerate(positions):
        hits = np.atleast_1d(
            tree.query_nearest(points[position], exclusive=True, all_matches=False)
        )
        found[slot] = int(hits[0]) if len(hits) else -1
    if (found < 0).any():  # all other points coincide with this one: fall back to brute force
        xy = shapely.get_coordinates(points)
        for slot in np.flatnonzero(found < 0):
            distance = np.hypot(*(xy - xy[positions[slot]]).T)
            distance[positions[slot]] = np.inf
            found[slot] = int(np.argmin(distance))
    return found


# --------------------------------------------------------------------------------------
# Inputs: values and groups given as column names or arrays
# --------------------------------------------------------------------------------------


def values_of(
    areas: pd.DataFrame, value: str | Sequence[float] | pd.Series, what: str = "value"
) -> np.ndarray:
    """Values of ``areas`` as a float array, from a column name or a sequence.

    Parameters
    ----------
    areas : pandas.DataFrame
        The areas.
    value : str, pandas.Series or array-like
        A column of ``areas``, or one number per area (a Series is aligned on the index).
    what : str
        Name of the argument, for error messages.

    Returns
    -------
    numpy.ndarray
        Float values, NaN where missing.

    Raises
    ------
    DataError
        If the column does not exist, the length differs from the number of areas,
        or the values are not numeric.
    """
    if isinstance(value, str):
        if value not in areas.columns:
            numeric = [c for c in areas.columns if pd.api.types.is_numeric_dtype(areas[c])]
            raise DataError(
                f"{what} {value!r} is not a column of the areas; numeric columns are: "
                f"{', '.join(map(str, numeric)) or 'none'}."
            )
        series = areas[value]
    elif isinstance(value, pd.Series):
        if len(value) == len(areas) and value.index.equals(areas.index):
            series = value
        elif value.index.isin(areas.index).all() and areas.index.is_unique:
            series = value.reindex(areas.index)
        else:
            raise DataError(
                f"{what} is a Series of {len(value)} values whose index does not match the "
                f"{len(areas)} areas; pass one value per area in the same order."
            )
    else:
        series = pd.Series(
            np.asarray(value), index=areas.index if len(value) == len(areas) else None
        )
        if len(series) != len(areas):
            raise DataError(f"{what} has {len(series)} values but there are {len(areas)} areas.")
    try:
        return pd.to_numeric(series, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise DataError(f"{what} must be numeric; got values such as {series.iloc[0]!r}.") from None


def group_codes(areas: pd.DataFrame, grouping: str | Sequence[Any] | pd.Series) -> pd.Series:
    """Group code of each area, from a column, a grouping id or a sequence.

    Parameters
    ----------
    areas : pandas.DataFrame
        The areas.
    grouping : str, pandas.Series or array-like
        A column of codes (``"isdn_code"``), a grouping id whose ``<id>_code``
        column exists (``"isdn"``), or one code per area.

    Returns
    -------
    pandas.Series
        Codes (object dtype) with the index of ``areas``; missing codes are NaN.

    Raises
    ------
    DataError
        If the column does not exist or the length is wrong.
    """
    if isinstance(grouping, str):
        for column in (grouping, f"{grouping}_code"):
            if column in areas.columns:
                return areas[column].astype(object).where(areas[column].notna())
        codes = [c[: -len("_code")] for c in areas.columns if str(c).endswith("_code")]
        raise DataError(
            f"grouping {grouping!r} is neither a column of the areas nor a grouping with a "
            f"'{grouping}_code' column; groupings available: {', '.join(codes) or 'none'}."
        )
    series = pd.Series(
        list(grouping) if not isinstance(grouping, pd.Series) else grouping.to_numpy()
    )
    if len(series) != len(areas):
        raise DataError(f"grouping has {len(series)} codes but there are {len(areas)} areas.")
    series.index = areas.index
    return series.astype(object).where(series.notna())


def _area_codes(areas: pd.DataFrame) -> np.ndarray:
    if "code" in areas.columns:
        return areas["code"].astype(str).to_numpy(dtype=object)
    return areas.index.astype(str).to_numpy(dtype=object)


def _graph_for(areas: pd.DataFrame, graph: Contiguity | None) -> Contiguity:
    if graph is None:
        return contiguity(areas)
    if graph.n != len(areas):
        raise DataError(
            f"The neighbour graph has {graph.n} areas but {len(areas)} areas were given; "
            "build it from the same areas."
        )
    return graph


# --------------------------------------------------------------------------------------
# Border pairs
# --------------------------------------------------------------------------------------


def border_pairs(
    areas: gpd.GeoDataFrame,
    grouping: str | Sequence[Any] | pd.Series,
    *,
    graph: Contiguity | None = None,
) -> pd.DataFrame:
    """Every pair of touching areas that lie in different groups.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        The areas (with a ``code`` column, else the index is used as the area code).
    grouping : str, pandas.Series or array-like
        Group of each area: a column of codes, a grouping id with an ``<id>_code``
        column, or one code per area (see :func:`group_codes`).
    graph : Contiguity, optional
        The neighbour graph of ``areas`` (built when not given; pass
        :func:`place_contiguity` to reuse one).

    Returns
    -------
    pandas.DataFrame
        One row per touching pair, ordered so that ``group_a < group_b``:
        ``index_a``, ``index_b`` (row positions), ``code_a``, ``code_b`` (area codes),
        ``group_a``, ``group_b`` (group codes). Areas without a group are left out.
        Sorted by group pair, then positions.

    Raises
    ------
    DataError
        If the grouping cannot be found or has the wrong length.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> areas = gpd.GeoDataFrame({"code": ["a", "b"], "g": ["Y", "X"]},
    ...                          geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> border_pairs(areas, "g")[["code_a", "group_a", "code_b", "group_b"]]
      code_a group_a code_b group_b
    0      b       X      a       Y
    """
    graph = _graph_for(areas, graph)
    groups = group_codes(areas, grouping).to_numpy(dtype=object)
    heads, tails = graph.heads, graph.tails
    present = pd.notna(groups)
    keep = present[heads] & present[tails]
    heads, tails = heads[keep], tails[keep]
    ga, gb = groups[heads].astype(str), groups[tails].astype(str)
    cross = ga != gb
    heads, tails, ga, gb = heads[cross], tails[cross], ga[cross], gb[cross]
    swap = ga > gb
    index_a = np.where(swap, tails, heads)
    index_b = np.where(swap, heads, tails)
    codes = _area_codes(areas)
    table = pd.DataFrame(
        {
            "index_a": index_a,
            "index_b": index_b,
            "code_a": codes[index_a],
            "code_b": codes[index_b],
            "group_a": groups[index_a],
            "group_b": groups[index_b],
        }
    )
    table = table.sort_values(["group_a", "group_b", "index_a", "index_b"], kind="stable")
    return table.reset_index(drop=True)
