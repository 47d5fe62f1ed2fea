"""Work shared between the pairs of a scan (``insight.analysis.shared``): the findings with
what other pairs kept equal those worked out from scratch, bit for bit, and are still
calibrated (a planted step found, noise quiet)."""

from __future__ import annotations

import math
import uuid

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from insight import outcomes
from insight.analysis import borders, scan
from insight.analysis.findings import findings
from insight.analysis.shared import BASELINE_ENV, Shared
from insight.model import Grouping, Indicator, Place
from insight.spatial.index import AreaIndex

SIDE = 20


def lattice() -> Place:
    """20 × 20 squares, three groupings (halves, quarters, stripes) and five indicators:
    a step of two standard deviations between the halves, pure noise, noise with a tenth
    of the areas missing, a weighted time and a count."""
    rng = np.random.default_rng(20240601)
    cells = [(x, y) for y in range(SIDE) for x in range(SIDE)]
    xs = np.array([x for x, _ in cells])
    ys = np.array([y for _, y in cells])
    gappy = rng.normal(0, 1, xs.size)
    gappy[rng.choice(xs.size, xs.size // 10, replace=False)] = np.nan
    areas = gpd.GeoDataFrame(
        {
            "code": [f"A{n:03d}" for n in range(xs.size)],
            "name": [f"Area {n}" for n in range(xs.size)],
            "half_code": np.where(xs < SIDE // 2, "W", "E"),
            "half_name": np.where(xs < SIDE // 2, "West", "East"),
            "quarter_code": [f"Q{int(x >= SIDE // 2)}{int(y >= SIDE // 2)}" for x, y in cells],
            "quarter_name": [f"Quarter {int(x >= 10)}{int(y >= 10)}" for x, y in cells],
            "stripe_code": [f"S{y // 5}" for y in ys],
            "stripe_name": [f"Stripe {y // 5}" for y in ys],
            "step": rng.normal(0, 1, xs.size) + 2.0 * (xs >= SIDE // 2),
            "noise": rng.normal(0, 1, xs.size),
            "gappy": gappy,
            "minutes": 30 + 0.5 * xs + rng.normal(0, 2, xs.size),
            "people": rng.poisson(50, xs.size).astype(float),
        },
        geometry=[box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for x, y in cells],
        crs=27700,
    )
    indicators = {
        "step": Indicator("step", "Stepped", "points", "value", "high_is_good"),
        "noise": Indicator("noise", "Noise", "points", "value", "high_is_good"),
        "gappy": Indicator("gappy", "Gappy noise", "points", "value", "high_is_good"),
        "minutes": Indicator(
            "minutes", "Minutes", "minutes", "time", "low_is_good", weight="people"
        ),
        "people": Indicator("people", "People", "people", "count"),
    }
    groupings = {
        "half": Grouping("half", "Half", "halves"),
        "quarter": Grouping("quarter", "Quarter", "quarters"),
        "stripe": Grouping("stripe", "Stripe", "stripes"),
    }
    return Place("lattice", "Lattice", "square", areas, indicators, groupings)


class InMemory:
    """A place source for :func:`scan.run_task`, in this process."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.name = f"memory-{uuid.uuid4()}"

    @property
    def key(self) -> str:
        return self.name

    def load(self) -> Place:
        return self.place


def same(a: object, b: object) -> bool:
    """Equal bit for bit, NaN equal to NaN, through lists, tuples and dicts."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@pytest.fixture(scope="module")
def place() -> Place:
    return lattice()


def test_findings_with_work_kept_from_other_pairs_equal_those_from_scratch(place, monkeypatch):
    index = AreaIndex.for_place(place)
    shared = Shared()
    for indicator in place.indicators:  # a scan's order: indicator by indicator
        for grouping in place.groupings:
            kept = findings(place, indicator, grouping, index=index, shared=shared)
            with monkeypatch.context() as patch:
                patch.setenv(BASELINE_ENV, "1")  # the outcome model asked every time, too
                fresh = findings(place, indicator, grouping, index=index)
            assert same(scan.finding_records(kept), scan.finding_records(fresh)), (
                indicator,
                grouping,
            )
            assert kept.tests == fresh.tests
            columns = [c for c in fresh.border_table.columns]
            assert same(
                kept.border_table[columns].to_dict("list"),
                fresh.border_table[columns].to_dict("list"),
            )
    # The shapes of each grouping's borders were made once and used by every indicator.
    assert sum(1 for key in shared._entries if key[0] == "border shapes") == len(place.groupings)


def test_work_kept_from_other_pairs_keeps_the_calibration(place):
    shared = Shared()
    index = AreaIndex.for_place(place)
    for indicator in place.indicators:  # shapes made by earlier indicators
        findings(place, indicator, "half", index=index, shared=shared)
    step = findings(place, "step", "half", index=index, shared=shared)
    assert [(f.kind, f.group_code) for f in step if f.kind == "border"] == [("border", "W")]
    for indicator in ("noise", "gappy"):
        for grouping in place.groupings:
            found = findings(place, indicator, grouping, index=index, shared=shared)
            assert not [f for f in found if f.kind == "border"], (indicator, grouping)


def test_a_scans_tasks_equal_the_baselines(place, monkeypatch):
    """``run_task`` keeps work per process; with ``PLACE_INSIGHT_SCAN_BASELINE=1`` it
    keeps none: the records are the same."""
    tasks = scan.scan_tasks(place)
    fast = scan.scan(InMemory(place), tasks)
    monkeypatch.setenv(BASELINE_ENV, "1")
    slow = scan.scan(InMemory(place), tasks)
    assert [r.task for r in fast.results] == [r.task for r in slow.results]
    for a, b in zip(fast.results, slow.results, strict=True):
        assert a.ok and b.ok, (a.error, b.error)
        assert same(a.records, b.records), a.task
        assert a.tests == b.tests


def test_outcomes_kept_equal_those_asked_one_by_one(monkeypatch):
    rng = np.random.default_rng(3)
    needle = rng.uniform(120, 420, 50)
    puncture = needle + rng.uniform(20, 200, 50)
    needle[7] = np.nan  # unknown: NaN, not asked
    together = outcomes.lvo_outcome(needle, puncture)
    again = outcomes.lvo_outcome(needle[::-1], puncture[::-1])[::-1]  # all kept now
    monkeypatch.setenv(BASELINE_ENV, "1")
    one_by_one = np.array(
        [outcomes.lvo_outcome(needle[i : i + 1], puncture[i : i + 1])[0] for i in range(50)]
    )
    assert np.isnan(together[7]) and np.isnan(one_by_one[7])
    np.testing.assert_array_equal(together, one_by_one)
    np.testing.assert_array_equal(again, one_by_one)


def test_a_borders_shape_without_the_areas_missing_a_value_is_worked_out_on_the_others(place):
    """The pairs and distances of a shape left without the areas that have no value are
    those the engine finds among the areas that have one (what it did before shapes were
    kept for every indicator)."""
    graph = AreaIndex.for_place(place).contiguity
    y = place.areas["gappy"].to_numpy(dtype=float)
    valid = np.isfinite(y)
    labels, gi = borders._factorise(place.areas["quarter_code"])
    engine = borders._BorderEngine(
        graph, y, np.ones_like(y), valid, gi, rings=borders.DEFAULT_RINGS, lags=3
    )
    assert len(engine.run(5)) == 6  # queen contiguity: the diagonals touch at the centre
    checked = 0
    for key, whole in list(engine.shapes._shapes.items()):
        if key[0] != "border":
            continue
        shape = whole.of_valid(valid)
        nodes = whole.nodes[valid[whole.nodes]]
        np.testing.assert_array_equal(shape.nodes, nodes)
        engine._pos[nodes] = np.arange(nodes.size)
        try:
            src, dst = engine._pairs_within(nodes, engine.adjacency)
            near_src, near_dst = engine._pairs_within(nodes, engine.reach)
        finally:
            engine._pos[nodes] = -1
        for got, wanted in (
            (shape.src, src), (shape.dst, dst), (shape.near_src, near_src),
            (shape.near_dst, near_dst), (shape.d_pairs, engine.distance(nodes[src], nodes[dst])),
            (shape.d_near, engine.distance(nodes[near_src], nodes[near_dst])),
        ):  # fmt: skip
            np.testing.assert_array_equal(got, wanted, err_msg=str(key))
        checked += shape is not whole
    assert checked >= 4  # most borders have areas without a value
