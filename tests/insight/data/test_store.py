"""Places on disk: written atomically, read back whole, and refused with a message when the
format is not the one this version reads."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from insight.data import store
from insight.data.catalogue import list_places, load_place
from insight.errors import DamagedPlaceError, DataError, PlaceNotFoundError
from insight.model import Grouping, Indicator, Place
from insight.spatial.index import AreaIndex


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


def test_a_saved_place_keeps_its_group_outlines_dissolved_once(tmp_path) -> None:
    """Saving dissolves every group; reading gives them back, and the index serves them."""
    store.save_place(tiny_place(), tmp_path / "tiny")
    place = store.read_place(tmp_path / "tiny")
    assert (
        "outlines.parquet"
        in json.loads((store.current_dir(tmp_path / "tiny") / "place.json").read_text())["files"]
    )
    outlines = place.outlines.set_index("code")
    assert outlines["name"].to_dict() == {"X": "Ex", "Y": "Why"}
    assert outlines.loc["X", "geometry"].equals(box(0, 0, 1, 1))
    index = AreaIndex.for_place(place)
    assert index.group_shapes("g_code", "g_name")["code"].tolist() == ["X", "Y"]
    assert not index._groups  # nothing was dissolved on use


def test_the_demos_outlines_are_its_groups_dissolved(demo_place) -> None:
    """Every group of every grouping is stored, and is the union of its areas."""
    outlines = demo_place.outlines
    for grouping in demo_place.groupings.values():
        mine = outlines[outlines["code_column"] == grouping.code_column]
        assert set(mine["code"]) == set(demo_place.areas[grouping.code_column].dropna())
    fresh = AreaIndex(demo_place.areas).group_shapes("icb_code", "icb_name").set_index("code")
    stored = outlines[outlines["code_column"] == "icb_code"].set_index("code")
    for code in fresh.index[:5]:
        assert stored.loc[code, "geometry"].equals_exact(fresh.loc[code, "geometry"], 0)


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


# --- replacing a place: one pointer swap, whole at every instant ---------------------------


def other_place() -> Place:
    place = tiny_place()
    place.areas["v"] = [10.0, 20.0]
    return place


class Crash(BaseException):
    """A kill in the middle of a save (not an Exception: nothing may catch it)."""


@pytest.mark.parametrize("step", range(12))
def test_a_crash_at_any_step_of_a_replacement_leaves_the_old_or_the_new_place(
    tmp_path, monkeypatch, step
) -> None:
    folder = tmp_path / "tiny"
    store.save_place(tiny_place(), folder)
    calls = {"n": 0}

    def crashing(real):
        def wrapper(*args, **kwargs):
            if calls["n"] == step:
                raise Crash
            calls["n"] += 1
            return real(*args, **kwargs)

        return wrapper

    for name in ("rename", "replace", "fsync", "mkdir"):
        monkeypatch.setattr(store.os, name, crashing(getattr(store.os, name)))
    try:
        store.save_place(other_place(), folder)
        crashed = False
    except Crash:
        crashed = True
    monkeypatch.undo()
    values = store.read_place(folder).areas["v"].tolist()
    assert values in ([1.0, 2.0], [10.0, 20.0])
    if not crashed:
        assert values == [10.0, 20.0]


def test_real_kills_during_replacements_never_lose_the_place(tmp_path) -> None:
    folder = tmp_path / "data" / "places" / "tiny"
    store.save_place(tiny_place(), folder)
    script = """
import sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
import geopandas as gpd
from shapely.geometry import box
from insight.data import store
from insight.model import Grouping, Indicator, Place
from insight.spatial.index import AreaIndex

def place(values):
    areas = gpd.GeoDataFrame(
        {"code": ["a", "b"], "name": ["A", "B"], "g_code": ["X", "Y"], "g_name": ["Ex", "Why"],
         "v": values}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=27700)
    return Place("tiny", "Tiny", "area", areas, {"v": Indicator("v", "Value", "units")},
                 {"g": Grouping("g", "Group", "groups")})

places = [place([1.0, 2.0]), place([10.0, 20.0])]
print("ready", flush=True)
for i in range(10**6):
    store.save_place(places[i % 2], Path(sys.argv[1]))
"""
    root = Path(__file__).resolve().parents[3]
    rng = random.Random(15)
    for _ in range(2):  # few: each start imports geopandas; every step is crashed above
        writer = subprocess.Popen(
            [sys.executable, "-c", script, str(folder), str(root)],
            stdout=subprocess.PIPE,
            env={**os.environ, "PLACE_INSIGHT_DATA": str(tmp_path / "data")},
        )
        writer.stdout.readline()
        time.sleep(rng.uniform(0.05, 0.6))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        assert store.read_place(folder).areas["v"].tolist() in ([1.0, 2.0], [10.0, 20.0])
    store.clean_stale(tmp_path / "data")
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert leftovers == [], leftovers
    assert len([p for p in folder.iterdir() if p.name.startswith("v-")]) <= 3


def test_the_previous_version_is_kept_and_can_be_restored(tmp_path) -> None:
    folder = tmp_path / "tiny"
    store.save_place(tiny_place(), folder)
    store.save_place(other_place(), folder)
    store.restore_previous(folder)
    assert store.read_place(folder).areas["v"].tolist() == [1.0, 2.0]


@pytest.mark.parametrize("previous", [5, ["v-1"], "v-x/../../elsewhere", "nonsense"])
def test_a_damaged_previous_version_is_nothing_to_go_back_to(tmp_path, previous) -> None:
    """A pointer naming a previous version that cannot be one (was: TypeError for a number,
    and a folder outside the place's for a path) leaves the current version readable."""
    folder = tmp_path / "tiny"
    store.save_place(tiny_place(), folder)
    store.save_place(other_place(), folder)
    pointer = json.loads((folder / store.POINTER).read_text())
    (folder / store.POINTER).write_text(json.dumps({**pointer, "previous": previous}))
    with pytest.raises(PlaceNotFoundError, match="nothing to go back to"):
        store.restore_previous(folder)
    assert store.read_place(folder).areas["v"].tolist() == [10.0, 20.0]


def test_a_place_in_the_layout_of_earlier_versions_is_read_and_moved_on_save(tmp_path) -> None:
    folder = tmp_path / "tiny"
    store.save_place(tiny_place(), folder)
    current = store.current_dir(folder)
    for item in current.iterdir():  # flatten it, as earlier versions wrote places
        item.rename(folder / item.name)
    (folder / store.POINTER).unlink()
    current.rmdir()
    assert store.read_place(folder).areas["v"].tolist() == [1.0, 2.0]
    store.save_place(other_place(), folder)
    assert not (folder / "place.json").exists()
    assert store.read_place(folder).areas["v"].tolist() == [10.0, 20.0]


# --- damaged or incomplete places are reported, never loaded silently ----------------------


def with_costs() -> Place:
    place = tiny_place()
    place.costs = pd.DataFrame({"S1": [5.0, 7.0]})
    return place


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda v: (v / "areas.parquet").unlink(), r"incomplete: areas\.parquet is missing"),
        (lambda v: (v / "costs.parquet").unlink(), r"incomplete: costs\.parquet is missing"),
        (
            lambda v: (v / "areas.parquet").write_bytes((v / "areas.parquet").read_bytes()[:-10]),
            r"damaged: areas\.parquet has changed",
        ),
        (
            lambda v: (v / "costs.parquet").write_bytes(
                b"x" * (v / "costs.parquet").stat().st_size
            ),
            r"damaged: costs\.parquet has changed",
        ),
        (lambda v: (v / "place.json").write_text("{"), r"place\.json is damaged"),
        (lambda v: shutil.rmtree(v), r"incomplete: .*place\.json is missing"),
        (lambda v: (v.parent / store.POINTER).write_text("nonsense"), r"CURRENT is damaged"),
        # not text: was a UnicodeDecodeError escaping read_place
        (lambda v: (v.parent / store.POINTER).write_bytes(b'{"version": "v-\xff"}'), "CURRENT"),
        # a version outside the place's folder is not read
        (
            lambda v: (v.parent / store.POINTER).write_text(f'{{"version": "v-x/../../{v.name}"}}'),
            r"CURRENT is damaged",
        ),
    ],
)
def test_damage_is_reported_with_the_file_and_the_fix(tmp_path, damage, message) -> None:
    folder = tmp_path / "places" / "tiny"
    store.save_place(with_costs(), folder)
    damage(store.current_dir(folder))
    with pytest.raises(DamagedPlaceError, match=message) as raised:
        store.read_place(folder)
    assert "python -m insight build" in str(raised.value)


def test_a_damaged_place_is_listed_as_damaged_and_opening_it_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(tmp_path))
    store.save_place(tiny_place(), store.place_dir("tiny"))
    (store.current_dir(store.place_dir("tiny")) / "areas.parquet").unlink()
    assert list_places()["tiny"] == "tiny (damaged)"
    with pytest.raises(DamagedPlaceError, match="areas.parquet is missing"):
        load_place("tiny")


def test_temporary_folders_of_dead_builds_are_removed_and_live_ones_kept(tmp_path) -> None:
    folder = tmp_path / "places" / "tiny"
    store.save_place(tiny_place(), folder)
    live = store.temporary_dir(folder)
    dead = folder / f"{store.STAGING_PREFIX}{store._owner_tag().rsplit('-', 1)[0]}-999999-ab12"
    dead.mkdir()
    old_layout = tmp_path / "places" / ".tiny-x1y2"
    old_layout.mkdir()
    job = tmp_path / "tmp" / f"job-{store._owner_tag().rsplit('-', 1)[0]}-999998-cd34"
    job.mkdir(parents=True)
    removed = store.clean_stale(tmp_path, now=time.time() + 2 * store.STALE_AFTER_S)
    assert dead in removed and job in removed and old_layout in removed
    assert live.exists()


def test_a_killed_scans_findings_file_is_removed_and_a_running_ones_kept(tmp_path) -> None:
    folder = tmp_path / "places" / "tiny"
    store.save_place(tiny_place(), folder)
    host = store.owner_tag().rsplit("-", 1)[0]
    dead = folder / f"{store.SCAN_TEMP_PREFIX}{host}-999997-x1y2.tmp"
    live = folder / f"{store.SCAN_TEMP_PREFIX}{store.owner_tag()}-z9.tmp"
    dead.write_bytes(b"half a store")
    live.write_bytes(b"being written")
    removed = store.clean_stale(tmp_path)  # at once: the dead process is known to be gone
    assert removed == [dead] and live.exists()
