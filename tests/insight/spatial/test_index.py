"""The spatial index: one definition of touching, on a lattice and on the demo."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from insight.errors import DataError
from insight.spatial.contiguity import border_pairs
from insight.spatial.index import AreaIndex


def strip_with_island() -> gpd.GeoDataFrame:
    """Four squares in a row (groups X, X, Y, Z) and an island far off in group Q."""
    shapes = [box(i, 0, i + 1, 1) for i in range(4)] + [box(10, 10, 11, 11)]
    return gpd.GeoDataFrame(
        {
            "code": list("abcde"),
            "g_code": ["X", "X", "Y", "Z", "Q"],
            "g_name": ["Ex", "Ex", "Why", "Zed", "Queue"],
        },
        geometry=shapes,
        crs=27700,
    )


def test_touching_groups_follow_the_contiguity_graph() -> None:
    index = AreaIndex(strip_with_island())
    assert index.touching_groups("g_code", "X") == ["Y"]
    assert index.touching_groups("g_code", "Y") == ["X", "Z"]
    # the island is joined to its nearest area (d, in Z), so Q and Z touch both ways
    assert index.touching_groups("g_code", "Q") == ["Z"]
    assert "Q" in index.touching_groups("g_code", "Z")
    with pytest.raises(DataError, match="'NOPE'"):
        index.touching_groups("g_code", "NOPE")


def test_neighbours_tree_and_group_shapes() -> None:
    index = AreaIndex(strip_with_island())
    assert sorted(index.neighbours(1).tolist()) == [0, 2]
    assert index.tree.query(box(0.2, 0.2, 0.4, 0.4)).tolist() == [0]
    shapes = index.group_shapes("g_code", "g_name").set_index("code")
    assert shapes.loc["X", "geometry"].area == pytest.approx(2.0)
    assert shapes.loc["X", "name"] == "Ex"
    assert index.group_shapes("g_code", "g_name") is index.group_shapes("g_code", "g_name")


def test_some_group_shapes_are_those_of_all_groups() -> None:
    """A map of two groups dissolves only those two, and gets what the full set holds."""
    first = AreaIndex(strip_with_island())
    some = first.group_shapes("g_code", "g_name", ["Z", "X", "nope"])
    assert some["code"].tolist() == ["X", "Z"]
    full = AreaIndex(strip_with_island()).group_shapes("g_code", "g_name")
    expected = full[full["code"].isin(["X", "Z"])].reset_index(drop=True)
    assert some.geometry.geom_equals_exact(expected.geometry, 0).all()
    assert some["name"].tolist() == expected["name"].tolist()
    # the full set reuses the groups dissolved already, and subsets come from it after
    assert first.group_shapes("g_code", "g_name", ["X"]).geometry.iloc[0] is some.geometry.iloc[0]
    assert len(first.group_shapes("g_code", "g_name")) == 4


@pytest.mark.slow
def test_demo_graph_joins_the_isles_of_scilly_to_cornwall(demo_place) -> None:
    index = AreaIndex(demo_place.areas)
    graph = index.contiguity
    assert index.contiguity is graph  # built once per index
    assert graph.n == 34_753
    names = demo_place.areas["name"].to_numpy()
    assert [names[i] for i in graph.islands] == ["Isles of Scilly 001A"]
    assert names[graph.joined_to[0]].startswith("Cornwall")
    assert 95_000 < graph.n_edges < 110_000
    pairs = border_pairs(demo_place.areas, "isdn", graph=graph)
    assert pairs["group_a"].lt(pairs["group_b"]).all()
    assert 1_500 < len(pairs) < 2_500
    # one definition of touching: the border engine's pairs are the touching groups
    touching = set(index.touching_groups("lad_code", "E06000052"))  # Cornwall
    assert "E06000053" in touching  # Isles of Scilly
    lad_pairs = border_pairs(demo_place.areas, "lad_code", graph=graph)
    from_pairs = set(lad_pairs.loc[lad_pairs["group_a"] == "E06000052", "group_b"]) | set(
        lad_pairs.loc[lad_pairs["group_b"] == "E06000052", "group_a"]
    )
    assert touching == from_pairs
    west_northants = index.touching_groups("lad_code", "E06000062")
    assert "E06000062" not in west_northants
    names = set(demo_place.group_names("lad").loc[west_northants])
    assert {"North Northamptonshire", "Milton Keynes", "Harborough", "Cherwell"} <= names
