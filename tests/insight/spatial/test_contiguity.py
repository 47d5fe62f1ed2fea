"""Contiguity graph, border pairs and local Moran outliers (insight.neighbours)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from insight.errors import DataError
from insight.spatial import contiguity as neighbours


def grid(nx: int, ny: int, **columns) -> gpd.GeoDataFrame:
    """An nx by ny lattice of unit squares, row by row, with codes c0, c1, ..."""
    cells = [box(x, y, x + 1, y + 1) for y in range(ny) for x in range(nx)]
    data = {"code": [f"c{i}" for i in range(nx * ny)], **columns}
    return gpd.GeoDataFrame(data, geometry=cells, crs=27700)


def test_queen_contiguity_of_a_lattice() -> None:
    n = 6
    graph = neighbours.contiguity(grid(n, n))
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
    graph = neighbours.contiguity(areas)
    assert graph.islands.tolist() == [3]
    assert graph.joined_to.tolist() == [2]  # "c" is nearest to the island
    assert sorted(graph.neighbours(3).tolist()) == [2]
    assert graph.n_components == 1
    assert graph.points.shape == (4, 2)


def test_graph_lags_are_exact() -> None:
    graph = neighbours.contiguity(grid(5, 5))
    # cell 12 is the centre: 8 cells at lag 1, the other 16 at lag 2
    assert graph.lag(1)[12].nnz == 8
    assert graph.lag(2)[12].nnz == 16
    assert graph.lag(3)[0].nnz == 7  # from a corner: the ring at Chebyshev distance 3
    with pytest.raises(DataError, match="lag order"):
        graph.lag(0)


def test_libpysal_graph_view() -> None:
    graph = neighbours.contiguity(grid(3, 3))
    pysal_graph = graph.graph
    assert pysal_graph.n == 9
    assert pysal_graph.cardinalities.sum() == 2 * graph.n_edges


def test_missing_geometry_is_named() -> None:
    areas = grid(2, 1)
    areas.loc[1, "geometry"] = None
    with pytest.raises(DataError, match="row 1 has no geometry"):
        neighbours.contiguity(areas)


def test_border_pairs_lists_every_touching_pair_across_groups() -> None:
    xs = np.tile(np.arange(4), 3)
    areas = grid(4, 3, lad_code=np.where(xs < 2, "W", "E"), lad_name="x")
    pairs = neighbours.border_pairs(areas, "lad")  # a grouping id finds lad_code
    # 3 rows: each of the 3 cells in column 1 touches 1 to 3 cells of column 2
    assert len(pairs) == 3 + 2 + 2
    assert set(pairs["group_a"]) == {"E"} and set(pairs["group_b"]) == {"W"}
    assert list(pairs.columns) == ["index_a", "index_b", "code_a", "code_b", "group_a", "group_b"]
    assert (xs[pairs["index_a"]] == 2).all() and (xs[pairs["index_b"]] == 1).all()
    assert pairs["code_a"].iloc[0] == f"c{pairs['index_a'].iloc[0]}"


def test_border_pairs_accepts_a_series_and_skips_missing_groups() -> None:
    areas = grid(3, 1)
    groups = pd.Series(["A", None, "B"], index=areas.index)
    assert neighbours.border_pairs(areas, groups).empty
    pairs = neighbours.border_pairs(areas, ["A", "A", "B"])
    assert pairs[["code_a", "code_b"]].values.tolist() == [["c1", "c2"]]


def test_border_pairs_names_a_bad_grouping() -> None:
    areas = grid(2, 1, lad_code=["A", "B"])
    with pytest.raises(DataError, match="groupings available: lad"):
        neighbours.border_pairs(areas, "icb")


def test_local_outliers_agree_with_esda() -> None:
    import libpysal
    from esda.crand import njit
    from esda.moran import Moran_Local

    rng = np.random.default_rng(3)
    values = rng.normal(size=225)
    values[::7] = np.nan  # missing values are left out, as if absent
    areas = grid(15, 15, v=values)
    ours = neighbours.local_outliers(areas, "v", permutations=99, seed=7)
    kept = areas[~np.isnan(values)].reset_index(drop=True)
    weights = libpysal.weights.Queen.from_dataframe(kept, use_index=False, silence_warnings=True)
    theirs = Moran_Local(kept["v"].to_numpy(), weights, permutations=99, seed=7)
    present = ~np.isnan(values)
    np.testing.assert_allclose(ours["local_i"].to_numpy()[present], theirs.Is)
    expected = [neighbours.QUADRANTS[q] for q in theirs.q]
    assert ours["quadrant"].to_numpy()[present].tolist() == expected
    if getattr(njit, "__module__", "").startswith("libpysal"):  # esda without numba
        np.testing.assert_array_equal(ours["p_sim"].to_numpy()[present], theirs.p_sim)
    assert ours.loc[~present, "label"].eq("").all()


def test_local_outliers_find_clusters_and_an_outlier_with_fdr_control() -> None:
    xs = np.tile(np.arange(20), 20)
    values = np.where(xs < 10, 2.0, -2.0) + np.random.default_rng(0).normal(0, 0.5, size=400)
    values[15 + 20 * 10] = 3.0  # one high area deep in the low half
    result = neighbours.local_outliers(grid(20, 20, v=values), "v", permutations=999, seed=1)
    assert result.loc[215, "label"] == "High-Low" and bool(result.loc[215, "outlier"])
    assert result.loc[result["flagged"], "label"].isin(["High-High", "Low-Low", "High-Low"]).all()
    assert (result.loc[xs < 8, "label"] == "High-High").mean() > 0.8
    assert (result["q_value"] >= result["p_value"] - 1e-12).all()
    assert (result.loc[result["flagged"], "q_value"] < 0.05).all()
    assert result.attrs["tested"] == 400


def test_local_outliers_flag_nothing_in_pure_noise() -> None:
    values = np.random.default_rng(5).normal(size=400)
    result = neighbours.local_outliers(grid(20, 20, v=values), "v", permutations=199, seed=2)
    assert result["flagged"].sum() <= 2


def test_local_outliers_reject_bad_arguments() -> None:
    areas = grid(3, 3, v=np.arange(9.0))
    with pytest.raises(DataError, match="at least 19"):
        neighbours.local_outliers(areas, "v", permutations=5)
    with pytest.raises(DataError, match="numeric columns are: v"):
        neighbours.local_outliers(areas, "w")


@pytest.mark.slow
def test_demo_graph_joins_the_isles_of_scilly(demo_place) -> None:
    graph = neighbours.place_contiguity(demo_place)
    assert neighbours.place_contiguity(demo_place) is graph  # kept on the place
    assert graph.n == 34_753
    names = demo_place.areas["name"].to_numpy()
    assert [names[i] for i in graph.islands] == ["Isles of Scilly 001A"]
    assert names[graph.joined_to[0]].startswith("Cornwall")
    assert 95_000 < graph.n_edges < 110_000
    pairs = neighbours.border_pairs(demo_place.areas, "isdn", graph=graph)
    assert pairs["group_a"].lt(pairs["group_b"]).all()
    assert 1_500 < len(pairs) < 2_500
