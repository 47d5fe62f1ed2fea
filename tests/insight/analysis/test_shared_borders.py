"""Shared borders named: a step at a border that two groupings share is found there, names
the other grouping and is linked to the same step found by it; a grouping whose border
crosses the step finds nothing, and pure noise gives no findings."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pytest
from shapely.geometry import box

from insight.analysis import scan
from insight.analysis.borders import shared_borders
from insight.analysis.findings import findings
from insight.model import Grouping, Indicator, Place
from insight.spatial.contiguity import contiguity

SIZE = 30


def crossed_place(seed: int = 7, step: float = 3.0) -> Place:
    """30 × 30 squares: ``g`` (councils) and ``h`` (health boards) both split West | East
    at the same line, ``k`` (ambulance services) splits South | North across it; ``v``
    has a step of ``step`` standard deviations at the West | East line, ``noise`` none."""
    rng = np.random.default_rng(seed)
    cells = [(x, y) for y in range(SIZE) for x in range(SIZE)]
    east = np.array([x >= SIZE // 2 for x, _ in cells])
    north = np.array([y >= SIZE // 2 for _, y in cells])
    areas = gpd.GeoDataFrame(
        {
            "code": [f"E{n:04d}" for n in range(len(cells))],
            "name": [f"Area {n}" for n in range(len(cells))],
            "g_code": np.where(east, "GE", "GW"),
            "g_name": np.where(east, "Eastshire", "Westshire"),
            "h_code": np.where(east, "HE", "HW"),
            "h_name": np.where(east, "East Health", "West Health"),
            "k_code": np.where(north, "KN", "KS"),
            "k_name": np.where(north, "Northern Ambulance", "Southern Ambulance"),
            "v": 30.0 + step * east + rng.normal(0.0, 1.0, len(cells)),
            "noise": 30.0 + rng.normal(0.0, 1.0, len(cells)),
        },
        geometry=[box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for x, y in cells],
        crs=27700,
    )
    indicators = {
        i: Indicator(i, "Minutes to the nearest unit", "minutes", "time", "low_is_good")
        for i in ("v", "noise")
    }
    groupings = {
        "g": Grouping("g", "Council", "councils"),
        "h": Grouping("h", "Health board", "health boards"),
        "k": Grouping("k", "Ambulance service", "ambulance services"),
    }
    return Place("crossed", "Crossed", "square", areas, indicators, groupings)


class InMemory:
    def __init__(self, place: Place) -> None:
        self.place = place

    @property
    def key(self) -> str:
        return f"memory-{id(self.place)}"

    def load(self) -> Place:
        return self.place


def test_shares_are_the_part_of_each_border_that_another_grouping_runs_along() -> None:
    place = crossed_place()
    graph = contiguity(place.areas)
    areas = place.areas
    shared = shared_borders(graph, areas["g_code"], {"h": areas["h_code"], "k": areas["k_code"]})
    assert shared == {("GE", "GW"): (("h", 1.0),)}
    # The crossing grouping shares a sliver (the few pairs where the two lines meet).
    everything = shared_borders(graph, areas["g_code"], {"k": areas["k_code"]}, threshold=0.0)
    assert 0 < everything[("GE", "GW")][0][1] < 0.1
    # A grouping whose border follows only the northern half of g's (the southern East is
    # in its West) shares half of it.
    half = np.where(areas["g_code"].eq("GE") & areas["k_code"].eq("KS"), "GW", areas["g_code"])
    share = shared_borders(graph, areas["g_code"], {"half": half}, threshold=0.0)
    assert share[("GE", "GW")][0][0] == "half"
    assert share[("GE", "GW")][0][1] == pytest.approx(0.5, abs=0.05)


def test_a_step_on_a_shared_border_is_found_there_and_names_the_other_grouping() -> None:
    place = crossed_place()
    found = findings(place, "v", "g", kinds=("border",))
    assert len(found) == 1
    finding = found.items[0]
    assert {finding.group_code, finding.other_code} == {"GE", "GW"}
    assert finding.group_name == "Eastshire"  # the side with the longer journeys
    assert finding.shared_borders == (("h", 1.0),)
    assert finding.sentence.endswith(
        "Along its whole stretch, this border is also the boundary between two health boards."
    )
    record = finding.record()
    assert record["shared_borders"] == [{"grouping": "h", "share": 1.0}]
    assert record["same_steps"] == []  # one grouping alone knows nothing of the others
    # The crossing grouping's border runs across the step: no step there.
    assert findings(place, "v", "k", kinds=("border",)).empty


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pure_noise_gives_no_findings_in_any_grouping(seed: int) -> None:
    place = crossed_place(seed)
    for grouping in place.groupings:
        assert findings(place, "noise", grouping, kinds=("border",)).empty


def test_the_scan_links_the_same_step_found_in_both_groupings_and_relinks_afresh() -> None:
    place = crossed_place()
    result = scan.scan(InMemory(place), scan.scan_tasks(place, ["v", "noise"]))
    assert not result.failures
    records, tasks = scan.store_content(place, result)
    borders = {r["grouping"]: r for r in records if r["kind"] == "border"}
    assert set(borders) == {"g", "h"}  # nothing on the crossing border, nothing in noise
    council, health = borders["g"], borders["h"]
    assert council["same_steps"] == [{"grouping": "h", "group_code": "HE", "other_code": "HW"}]
    assert council["sentence"].endswith(
        "Along its whole stretch, this border is also the boundary between two health boards. "
        "The same step is found at the border between East Health and West Health "
        "(health boards)."
    )
    assert health["same_steps"] == [{"grouping": "g", "group_code": "GE", "other_code": "GW"}]
    # The pair's own records (what one task found) are not changed.
    assert all(r["same_steps"] == [] for r in result.records)
    # Through the store's schema and back, and linked again after a partial rescan: the
    # same records, not a second same-step sentence.
    stored = pa.Table.from_pylist(records, schema=scan.STORE_SCHEMA)
    previous = SimpleNamespace(table=stored, tasks=tasks)
    again = scan.scan(InMemory(place), [scan.Task("v", "g")])
    relinked, _ = scan.store_content(place, again, previous)
    again_stored = pa.Table.from_pylist(relinked, schema=scan.STORE_SCHEMA)
    assert repr(again_stored.to_pylist()) == repr(stored.to_pylist())  # NaN equal to NaN
    back = scan.findings_from_records("v", "g", [r for r in relinked if r["grouping"] == "g"])
    assert back.items[0].same_steps == (("h", "HE", "HW"),)
    assert back.items[0].shared_borders == (("h", 1.0),)
