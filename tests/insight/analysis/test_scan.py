"""The scan: tasks, failures reported with their pair, the place loaded once per process,
and findings read back from the store equal to freshly worked out ones, field by field."""

from __future__ import annotations

import dataclasses
import math
import uuid
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from distributed import Client, LocalCluster
from shapely.geometry import box

from insight.analysis import scan
from insight.analysis.findings import Findings, findings
from insight.analysis.trend import at_period
from insight.data import findings_store
from insight.data.catalogue import place_ref
from insight.errors import DataError
from insight.model import Grouping, Indicator, Place
from insight.spatial.index import AreaIndex


def grid_place() -> Place:
    """8 × 8 squares in two groups, a value that steps up at the border between them, and
    an indicator whose column is missing (its tasks fail)."""
    rng = np.random.default_rng(1)
    cells = [(x, y) for y in range(8) for x in range(8)]
    areas = gpd.GeoDataFrame(
        {
            "code": [f"A{n:02d}" for n in range(64)],
            "name": [f"Area {n}" for n in range(64)],
            "g_code": ["L" if x < 4 else "R" for x, _ in cells],
            "g_name": ["Left" if x < 4 else "Right" for x, _ in cells],
            "h_code": ["B" if y < 4 else "T" for _, y in cells],
            "h_name": ["Bottom" if y < 4 else "Top" for _, y in cells],
            "v": [10.0 + (5.0 if x >= 4 else 0.0) + rng.normal(0, 0.5) for x, _ in cells],
            "n": rng.poisson(20, 64).astype(float),
        },
        geometry=[box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for x, y in cells],
        crs=27700,
    )
    indicators = {
        "v": Indicator("v", "Minutes", "minutes", "time", "low_is_good"),
        "n": Indicator("n", "Admissions", "admissions", "count"),
        "broken": Indicator("broken", "Broken", "units"),
    }
    groupings = {"g": Grouping("g", "Side", "sides"), "h": Grouping("h", "Half", "halves")}
    return Place("grid", "Grid", "square", areas, indicators, groupings)


class InMemory:
    """A place source that counts how often it is loaded."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.loads = 0
        self.name = f"memory-{uuid.uuid4()}"  # kept by the copies Dask sends to workers

    @property
    def key(self) -> str:
        return self.name

    def load(self) -> Place:
        self.loads += 1
        return self.place


def assert_same_findings(fresh: Findings, stored: Findings) -> None:
    """Every field of every finding equal (NaN equal to NaN), charts and their tables too."""
    assert (stored.indicator, stored.grouping) == (fresh.indicator, fresh.grouping)
    assert len(stored) == len(fresh)

    def same(a, b, where: str) -> None:
        if dataclasses.is_dataclass(a):
            assert type(a) is type(b), where
            for f in dataclasses.fields(a):
                if f.name != "store_q_value":  # only a store's findings have it
                    same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
        elif isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
        elif isinstance(a, tuple):
            assert isinstance(b, tuple) and len(a) == len(b), where
            for n, (x, y) in enumerate(zip(a, b, strict=True)):
                same(x, y, f"{where}[{n}]")
        elif isinstance(a, float) and math.isnan(a):
            assert isinstance(b, float) and math.isnan(b), where
        else:
            assert a == b and type(a) is type(b) or isinstance(a, float | np.floating), where
            assert a == b, (where, a, b)

    for a, b in zip(fresh, stored, strict=True):
        same(a, b, f"finding {a.rank}")


def table(records: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(records, schema=scan.STORE_SCHEMA)


def same_records(a: list[dict], b: list[dict]) -> bool:
    """Equal record for record, NaN equal to NaN (through the store's schema), but for the
    q-value across the store, which only the store's content has."""

    def rows(records: list[dict]) -> list[dict]:
        return [{**r, "store_q_value": None} for r in table(records).to_pylist()]

    return repr(rows(a)) == repr(rows(b))


def test_tasks_are_every_pair_in_the_places_order() -> None:
    place = grid_place()
    tasks = scan.scan_tasks(place)
    assert [str(t) for t in tasks] == [
        "v × g", "v × h", "n × g", "n × h", "broken × g", "broken × h",
    ]  # fmt: skip
    assert scan.scan_tasks(place, ["n", "v", "n"], ["h"]) == [
        scan.Task("v", "h"), scan.Task("n", "h"),
    ]  # fmt: skip
    with pytest.raises(DataError, match="no indicator 'x'; choose one of: v, n, broken"):
        scan.scan_tasks(place, ["x"])
    with pytest.raises(DataError, match="no grouping 'x'"):
        scan.scan_tasks(place, None, ["x"])


def test_a_failing_task_is_reported_with_its_pair_and_the_rest_are_kept() -> None:
    place = grid_place()
    source = InMemory(place)
    seen = []
    result = scan.scan(source, scan.scan_tasks(place), progress=lambda f, m: seen.append((f, m)))
    assert [(r.indicator, r.grouping) for r in result.results] == [
        (t.indicator, t.grouping) for t in scan.scan_tasks(place)
    ]
    failed = {(r.indicator, r.grouping): r.error for r in result.failures}
    assert set(failed) == {("broken", "g"), ("broken", "h")}
    assert all(e.startswith("DataError: ") and "'broken'" in e for e in failed.values())
    assert seen[-1][0] == 1.0 and "broken × h: failed" in seen[-1][1]
    # The place was loaded once for the six tasks, and let go when the scan ended.
    assert source.loads == 1
    assert [r.loaded_place for r in result.results] == [True] + [False] * 5
    # Each task's CPU time is measured (what a pair costs on a busy machine).
    assert all(0 <= r.cpu_seconds < r.seconds + 1 for r in result.results)
    assert scan.release() is False
    # Every pair that worked is in the store's content; the failures are listed as such.
    records, tasks = scan.store_content(place, result)
    assert {(t["indicator"], t["grouping"], t["status"]) for t in tasks} == {
        ("v", "g", "ok"), ("v", "h", "ok"), ("n", "g", "ok"), ("n", "h", "ok"),
        ("broken", "g", "failed"), ("broken", "h", "failed"),
    }  # fmt: skip
    assert same_records(records, result.records)
    assert any(r["kind"] == "border" for r in records)  # the step at the border is found
    for task in tasks:
        if task["status"] == "ok":
            assert_same_findings(
                findings(place, task["indicator"], task["grouping"]),
                result.findings(task["indicator"], task["grouping"]),
            )


def test_a_later_scan_keeps_what_it_did_not_redo() -> None:
    place = grid_place()
    first = scan.scan(InMemory(place), scan.scan_tasks(place, ["v", "n"]))
    records, tasks = scan.store_content(place, first)
    previous = SimpleNamespace(table=table(records), tasks=tasks)
    # Rescan one pair, as failed this time (a worker lost): the earlier good result stays.
    lost = scan.TaskResult("v", "g", [], "KilledWorker: gone", 1.0, "elsewhere")
    again = scan.ScanResult((lost,), 1.0, "test")
    merged_records, merged_tasks = scan.store_content(place, again, previous)
    assert merged_tasks == tasks and same_records(merged_records, records)
    # A newly failing pair that was not in the store before is listed as failed.
    broken = scan.scan(InMemory(place), scan.scan_tasks(place, ["broken"], ["g"]))
    merged_records, merged_tasks = scan.store_content(place, broken, previous)
    assert same_records(merged_records, records)
    assert merged_tasks[-1]["indicator"] == "broken" and merged_tasks[-1]["status"] == "failed"


def test_on_dask_a_failure_comes_back_with_its_pair_and_the_place_loads_once() -> None:
    place = grid_place()
    source = InMemory(place)
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        result = scan.scan(source, scan.scan_tasks(place), client=client)
    assert result.where.startswith("Dask at ")
    assert {(r.indicator, r.grouping) for r in result.failures} == {
        ("broken", "g"),
        ("broken", "h"),
    }
    # The task carried a copy of the source; two threads of one worker loaded it once.
    assert sum(r.loaded_place for r in result.results) == 1
    assert len({r.worker for r in result.results}) == 1
    in_process = scan.scan(InMemory(place), scan.scan_tasks(place))
    assert same_records(result.records, in_process.records)


@pytest.mark.slow
def test_stored_findings_equal_fresh_ones_field_by_field(demo_place, demo_copy) -> None:
    """Through the real store: a scan (each indicator's areas unlike their neighbours shared
    across groupings), written to Parquet, read back, against findings worked out afresh.
    ``ivt_minutes`` by ``icb`` has borders, penalties and areas unlike their neighbours;
    ``admissions`` by ``lad`` funnels (travel times have none: they are not sampled). The
    cluster test in ``tests/insight/test_cli.py`` compares
    whole stores."""
    pairs = [("ivt_minutes", "icb"), ("admissions", "lad")]
    tasks = [scan.Task(*pair) for pair in pairs]
    result = scan.scan(InMemory(demo_place), tasks)
    assert not result.failures
    records, entries = scan.store_content(demo_place, result)
    ref = place_ref("demo")
    findings_store.write_findings(
        "demo", content_hash=ref.content_hash, engine=scan.ENGINE_VERSION, records=records,
        tasks=entries, schema=scan.STORE_SCHEMA,
    )  # fmt: skip
    stored = findings_store.read_findings("demo", engine=scan.ENGINE_VERSION)
    assert stored is not None and stored.done() == {(i, g, "") for i, g in pairs}
    read_back = scan.StoredFindings(stored)
    charts = set()
    index = AreaIndex(demo_place.areas)
    for indicator, grouping in pairs:
        fresh = findings(demo_place, indicator, grouping, index=index)
        from_store = read_back.findings(indicator, grouping)
        assert_same_findings(fresh, from_store)
        pd.testing.assert_frame_equal(
            fresh.table.drop(columns="store_q_value"),
            from_store.table.drop(columns="store_q_value"),
            check_exact=True,
        )
        for item in from_store:  # a q-value across the store for every tested difference
            tested = item.tested and item.change != "closed" and math.isfinite(item.p_value)
            assert math.isfinite(item.store_q_value) is tested, item
        charts |= {f.chart.kind for f in fresh}
    assert charts == {"sides", "bands", "groups", "cluster"}
    assert read_back.findings("mt_minutes", "lad") is None  # not scanned: not in the store


@pytest.mark.slow
def test_the_demo_is_scanned_by_county_too(demo_place) -> None:
    """Counties and unitaries are a grouping like the others: one more task per indicator,
    and their findings are worked out like any grouping's."""
    tasks = scan.scan_tasks(demo_place)
    assert len(demo_place.groupings) == 7
    assert len(tasks) == len(demo_place.indicators) * 7 == 63
    assert [t.indicator for t in tasks if t.grouping == "county"] == list(demo_place.indicators)
    result = scan.scan(InMemory(demo_place), [scan.Task("admissions", "county")])
    assert not result.failures
    found = result.findings("admissions", "county")
    assert found.items and {f.kind for f in found.items} == {"funnel", "spatial"}
    for odd in (f for f in found.items if f.kind == "spatial"):  # one area of many admissions
        assert odd.areas == 1 and odd.lower > 0 and odd.effect > 0


def test_every_period_is_scanned_and_equals_findings_worked_out_for_it(
    demo_place, with_earlier_period
) -> None:
    """An indicator with an earlier period is scanned in both; the earlier period's
    findings are those of the place as it was then, not the latest ones again."""
    codes = demo_place.areas["code"].iloc[::3]
    place = with_earlier_period(
        demo_place, "mt_minutes", dict.fromkeys(codes, 10.0), "2018"
    )  # a third of the areas changed
    tasks = scan.scan_tasks(place, ["mt_minutes", "admissions"], ["isdn"])
    assert [str(t) for t in tasks] == [  # in the place's order, the latest period first
        "admissions × isdn", "mt_minutes × isdn", "mt_minutes × isdn × 2018",
    ]  # fmt: skip
    assert scan.scan_tasks(place, ["mt_minutes"], ["isdn"], periods=False) == tasks[1:2]
    result = scan.scan(InMemory(place), tasks[1:])
    assert not result.failures
    then = at_period(place, "mt_minutes", "2018")
    fresh = findings(then, "mt_minutes", "isdn", index=AreaIndex.for_place(then))
    stored = result.findings("mt_minutes", "isdn", "2018")
    pd.testing.assert_frame_equal(stored.table, fresh.table)
    latest = result.findings("mt_minutes", "isdn")
    assert latest.table["sentence"].tolist() != stored.table["sentence"].tolist()
    records, entries = scan.store_content(place, result)
    assert [(e["period"], e["status"]) for e in entries] == [("", "ok"), ("2018", "ok")]
    assert {r["period"] for r in records} == {"", "2018"}
