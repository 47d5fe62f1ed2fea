"""Bearings for maps: town names from the area names, placed and spaced; the areas around."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from insight.model import Grouping, Indicator, Place
from insight.spatial import bearings
from insight.spatial.index import AreaIndex

KM = 1000.0


def lattice_place(names: list[str], size: float = KM, cols: int | None = None) -> Place:
    """Square areas in rows of ``cols`` (default: one row), named ``names``, in two groups."""
    cols = cols or len(names)
    shapes = [
        box(400_000 + (i % cols) * size, 200_000 + (i // cols) * size,
            400_000 + (i % cols + 1) * size, 200_000 + (i // cols + 1) * size)
        for i in range(len(names))
    ]  # fmt: skip
    half = len(names) // 2
    areas = gpd.GeoDataFrame(
        {
            "code": [f"E0{i:07d}" for i in range(len(names))],
            "name": names,
            "lad_code": ["A"] * half + ["B"] * (len(names) - half),
            "lad_name": ["Avon"] * half + ["Bourne"] * (len(names) - half),
            "v": np.arange(len(names), dtype=float),
        },
        geometry=shapes,
        crs=27700,
    )
    return Place(
        "t", "Test", "area", areas, {"v": Indicator("v", "Value", "units")},
        {"lad": Grouping("lad", "Local authority", "local authorities")},
    )  # fmt: skip


def test_town_names_strip_lsoa_and_msoa_codes_and_refuse_uncoded_names():
    names = pd.Series(["Northampton 012A", "Isles of Scilly 001A", "Newport 003", "Odd"])
    assert bearings.town_names(names).tolist() == [
        "Northampton",
        "Isles of Scilly",
        "Newport",
        None,
    ]
    assert bearings.town_names(pd.Series(["Abington", "Castle ward 2", "Kingsthorpe"])) is None
    assert bearings.town_names(pd.Series([], dtype=object)) is None


def test_towns_are_placed_in_the_middle_of_their_areas_largest_first():
    names = ["Alpha 001A", "Alpha 002A", "Alpha 003A", "Beta 001A", "Beta 002A"]
    place = lattice_place(names, size=20 * KM)
    labels = bearings.town_labels(place, limit=5, map_pixels=(4000, 4000))
    assert labels.columns.tolist() == bearings.LABEL_COLUMNS
    assert labels["name"].tolist() == ["Alpha", "Beta"]
    assert labels["areas"].tolist() == [3, 2]
    # Alpha's three squares: the middle one's centre; Beta's two: the nearer of the two
    assert labels["easting"].iloc[0] == pytest.approx(400_000 + 1.5 * 20 * KM)
    assert labels["easting"].iloc[1] in (400_000 + 3.5 * 20 * KM, 400_000 + 4.5 * 20 * KM)
    assert labels["northing"].iloc[0] == pytest.approx(200_000 + 10 * KM)
    # and in WGS84 for the map: around Northamptonshire, not at 0, 0
    assert (labels["lon"] > -2).all() and (labels["lon"] < 0).all()
    assert (labels["lat"] > 51).all() and (labels["lat"] < 53).all()


def test_labels_never_overlap_at_the_first_zoom_and_keep_to_the_limit():
    # Twenty towns of one area each, side by side 1 km apart: a map fitting all of them
    # (20 km across 800 px) cannot write every name without overlaps.
    names = [f"Town{chr(65 + i)} 001A" for i in range(20)]
    place = lattice_place(names)
    labels = bearings.town_labels(place, limit=50)
    assert 1 < len(labels) < 20
    scale = bearings.metres_per_pixel((400_000, 200_000, 420_000, 201_000))
    width = (len("TownA") * bearings.CHARACTER_PIXELS + bearings.LABEL_PADDING_PIXELS) * scale
    gaps = np.diff(np.sort(labels["easting"].to_numpy()))
    assert (gaps >= width).all()
    assert len(bearings.town_labels(place, limit=2)) == 2
    assert bearings.town_labels(place, limit=0).empty


def test_local_labels_are_those_of_the_drawn_areas_inside_the_view():
    names = ["Alpha 001A", "Alpha 002A", "Beta 001A", "Beta 002A"]
    place = lattice_place(names, size=20 * KM)
    assert bearings.town_labels(place, np.array([2, 3]))["name"].tolist() == ["Beta"]
    outside = (0.0, 0.0, 1.0, 1.0)
    assert bearings.town_labels(place, np.array([0, 1]), bounds=outside).empty


def test_own_wards_without_codes_are_named_by_their_groups():
    names = ["Abington", "Castle", "Delapre", "Kingsthorpe"]
    place = lattice_place(names, size=20 * KM)
    labels = bearings.town_labels(place, map_pixels=(4000, 4000))
    assert sorted(labels["name"]) == ["Avon", "Bourne"]


def test_areas_around_reach_into_the_view_and_leave_out_the_areas_themselves():
    names = [f"Town 00{i}A" for i in range(9)]
    place = lattice_place(names, size=KM, cols=3)
    index = AreaIndex(place.areas)
    around, view = bearings.areas_around(index, np.array([4]), margin=0.5)
    assert sorted(around.tolist()) == [0, 1, 2, 3, 5, 6, 7, 8]
    assert view == pytest.approx((400_500, 200_500, 402_500, 202_500))
    around, _ = bearings.areas_around(index, np.array([0]), margin=0.1)
    assert sorted(around.tolist()) == [1, 3, 4]


@pytest.mark.slow
def test_national_names_are_the_largest_towns_and_do_not_pile_up(demo_place):
    labels = bearings.town_labels(demo_place)
    assert 15 <= len(labels) <= bearings.NATIONAL_LABELS
    assert labels["name"].iloc[0] == "Birmingham"
    assert labels["areas"].is_monotonic_decreasing
    # London's 33 boroughs are large but close together: a few of them at most
    london = {"Croydon", "Barnet", "Ealing", "Bromley", "Enfield", "Wandsworth", "Lambeth"}
    assert len(london & set(labels["name"])) <= 2


@pytest.mark.slow
def test_local_names_around_west_northamptonshire(demo_place):
    rows = np.flatnonzero(demo_place.areas["lad_code"].eq("E06000062").to_numpy())
    labels = bearings.town_labels(demo_place, rows)
    assert {"Northampton", "Daventry", "South Northamptonshire"} <= set(labels["name"])
    assert len(labels) <= bearings.LOCAL_LABELS


def test_names_near_the_edges_run_inwards_and_stay_inside_the_view(demo_place):
    """A name at the east or west edge of the view ends (or starts) at its point, so it
    is not cut off by a narrow map; the others are centred on theirs."""
    labels = bearings.town_labels(demo_place)
    view = demo_place.areas.total_bounds
    edge = (view[2] - view[0]) * bearings.EDGE_SHARE
    east, west = labels["easting"] > view[2] - edge, labels["easting"] < view[0] + edge
    assert (labels.loc[east, "anchor"] == "end").all()
    assert (labels.loc[west, "anchor"] == "start").all()
    assert (labels.loc[~east & ~west, "anchor"] == "middle").all()
    assert {"end", "start", "middle"} == set(labels["anchor"])
    scale = bearings.metres_per_pixel(tuple(view))
    for name, x, anchor in labels[["name", "easting", "anchor"]].itertuples(index=False):
        width = (len(name) * bearings.CHARACTER_PIXELS + bearings.LABEL_PADDING_PIXELS) * scale
        left = {"end": x - width, "start": x, "middle": x - width / 2}[anchor]
        assert view[0] <= left and left + width <= view[2], name
