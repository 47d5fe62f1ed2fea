"""Contiguity graph and border pairs (insight.spatial.contiguity)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from insight.errors import DataError
from insight.spatial import contiguity


def grid(nx: int, ny: int, **columns) -> gpd.GeoDataFrame:
    """An nx by ny lattice of unit squares, row by row, with codes c0, c1, ..."""
    cells = [box(x, y, x + 1, y + 1) for y in range(ny) for x in range(nx)]
    data = {"code": [f"c{i}" for i in range(nx * ny)], **columns}
    return gpd.GeoDataFrame(data, geometry=cells, crs=27700)


def test_queen_contiguity_of_a_lattice() -> None:
    n = 6
    graph = contiguity.contiguity(grid(n, n))
    # rook edges 2n(n-1) plus diagonal edges 2(n-1)^2
    assert graph.n_edges == 2 * n * (n - 1) + 2 * (n - 1) ** 2
    assert (graph.heads < graph.tails).all()
    assert graph.islands.size == 0 and graph.n_components == 1
    assert sorted(graph.neighbours(0).tolist()) == [1, 6, 7]  # corner: right, up, diagonal
    assert graph.cardinalities[7] == 8  # inner cell
    assert graph.sparse.shape == (36, 36) and (graph.sparse != graph.sparse.T).nnz == 0


def test_islands_are_joined_to_their_nearest_area_and_reported() -> None:
    areas = gpd.GeoDataFrame(
        {"code": ["a", "b", "c", "far"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(10, 0, 11, 1)],
        crs=27700,
    )
    graph = contiguity.contiguity(areas)
    assert graph.islands.tolist() == [3]
    assert graph.joined_to.tolist() == [2]  # "c" is nearest to the island
    assert sorted(graph.neighbours(3).tolist()) == [2]
    assert graph.n_components == 1
    assert graph.points.shape == (4, 2)


def test_graph_lags_are_exact() -> None:
    graph = contiguity.contiguity(grid(5, 5))
    # cell 12 is the centre: 8 cells at lag 1, the other 16 at lag 2
    assert graph.lag(1)[12].nnz == 8
    assert graph.lag(2)[12].nnz == 16
    assert graph.lag(3)[0].nnz == 7  # from a corner: the ring at Chebyshev distance 3
    with pytest.raises(DataError, match="lag order"):
        graph.lag(0)


def test_libpysal_graph_view() -> None:
    graph = contiguity.contiguity(grid(3, 3))
    pysal_graph = graph.graph
    assert pysal_graph.n == 9
    assert pysal_graph.cardinalities.sum() == 2 * graph.n_edges


def test_missing_geometry_is_named() -> None:
    areas = grid(2, 1)
    areas.loc[1, "geometry"] = None
    with pytest.raises(DataError, match="row 1 has no geometry"):
        contiguity.contiguity(areas)


def test_border_pairs_lists_every_touching_pair_across_groups() -> None:
    xs = np.tile(np.arange(4), 3)
    areas = grid(4, 3, lad_code=np.where(xs < 2, "W", "E"), lad_name="x")
    pairs = contiguity.border_pairs(areas, "lad")  # a grouping id finds lad_code
    # 3 rows: each of the 3 cells in column 1 touches 1 to 3 cells of column 2
    assert len(pairs) == 3 + 2 + 2
    assert set(pairs["group_a"]) == {"E"} and set(pairs["group_b"]) == {"W"}
    assert list(pairs.columns) == ["index_a", "index_b", "code_a", "code_b", "group_a", "group_b"]
    assert (xs[pairs["index_a"]] == 2).all() and (xs[pairs["index_b"]] == 1).all()
    assert pairs["code_a"].iloc[0] == f"c{pairs['index_a'].iloc[0]}"


def test_border_pairs_accepts_a_series_and_skips_missing_groups() -> None:
    areas = grid(3, 1)
    groups = pd.Series(["A", None, "B"], index=areas.index)
    assert contiguity.border_pairs(areas, groups).empty
    pairs = contiguity.border_pairs(areas, ["A", "A", "B"])
    assert pairs[["code_a", "code_b"]].values.tolist() == [["c1", "c2"]]


def test_border_pairs_names_a_bad_grouping() -> None:
    areas = grid(2, 1, lad_code=["A", "B"])
    with pytest.raises(DataError, match="groupings available: lad"):
        contiguity.border_pairs(areas, "icb")
