"""Places on disk: written atomically, read back whole, and refused with a message when the
format is not the one this version reads."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import box

from insight.data import store
from insight.errors import DataError, PlaceNotFoundError
from insight.model import Grouping, Indicator, Place


def tiny_place() -> Place:
    areas = gpd.GeoDataFrame(
        {"code": ["a", "b"], "name": ["A", "B"], "g_code": ["X", "Y"], "g_name": ["Ex", "Why"],
         "v": [1.0, 2.0]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs=27700,
    )  # fmt: skip
    return Place(
        "tiny", "Tiny", "area", areas, {"v": Indicator("v", "Value", "units")},
        {"g": Grouping("g", "Group", "groups")},
    )  # fmt: skip


def test_a_saved_place_reads_back_the_same(tmp_path) -> None:
    store.save_place(tiny_place(), tmp_path / "tiny")
    place = store.read_place(tmp_path / "tiny")
    assert place.indicators == tiny_place().indicators
    assert place.areas["v"].tolist() == [1.0, 2.0]
    assert json.loads((store.current_dir(tmp_path / "tiny") / "place.json").read_text())[
        "format"
    ] == (store.FORMAT_VERSION)
    assert not [p for p in (tmp_path / "tiny").iterdir() if p.name.startswith(".")]  # no staging


def test_another_format_is_refused_with_the_fix(tmp_path) -> None:
    store.save_place(tiny_place(), tmp_path / "tiny")
    meta_file = store.current_dir(tmp_path / "tiny") / "place.json"
    meta = json.loads(meta_file.read_text())
    meta["format"] = store.FORMAT_VERSION + 1
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(DataError, match=r"has format 2.*reads format 1.*python -m insight build"):
        store.read_place(tmp_path / "tiny")


def test_no_place_is_named(tmp_path) -> None:
    with pytest.raises(PlaceNotFoundError, match="No place is stored"):
        store.read_place(tmp_path / "nothing")
