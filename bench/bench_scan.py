"""Benchmarks of the findings scan and of the engine's growth (issue 14).

Each function runs in its own fresh process (``bench/_probe.py``), against a private data
folder (``$PLACE_INSIGHT_DATA``, a temporary folder the caller made) so that the shared
``data/cache`` is never written:

``scan_demo(workers)``
    ``service.scan_place`` on the demo (every indicator × grouping), in this process
    (``workers=0``) or on ``workers`` local Dask worker processes; wall seconds, seconds of
    each task, the workers' peak memory.
``scan_synthetic(...)``
    A place with 200 indicators on the demo's geography, made from the real indicators
    with seeded noise, and a shift planted in one local authority for half of them; scanned
    on local workers by the groupings given. Seconds per indicator × grouping, peak memory
    per worker, and the share of the planted shifts the scan finds.
``areas_growth(pieces)``
    The demo's areas each cut into ``pieces`` (1, 2 or 4): contiguity, border engine and
    all findings of ``mt_minutes`` by ``isdn``; seconds and peak memory of the process.
``compare(fast, baseline)``
    The cost of a pair and of the whole demo scan, and the workers a national scan needs,
    from two ``scan_demo`` runs of the same code: as it is, and with the optimisations
    switched off (:data:`BASELINE_FLAGS`), with their ratios (issue 26).

``python bench/bench_scan.py`` runs both demo scans in one process each (``--workers 0``)
and prints that comparison (about 3 minutes; ``--baseline reference`` for the border
engine alone).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too

from insight import service  # noqa: E402
from insight.analysis.findings import findings  # noqa: E402
from insight.data.catalogue import load_place  # noqa: E402
from insight.data.store import (  # noqa: E402
    CONTENT_FILES,
    current_dir,
    data_dir,
    place_dir,
    save_place,
)
from insight.model import Indicator, Place  # noqa: E402
from insight.spatial.index import AreaIndex  # noqa: E402

SEED = 20240601
SYNTHETIC_ID = "bench-200"
ROOT = Path(__file__).resolve().parent.parent
#: The scan to size: indicators × boundaries, and the time allowed (seconds).
NATIONAL_SCAN = (1500, 6, 600)
#: Private flags that switch the scan's optimisations off, for a baseline measured in the
#: same run: ``before``, the scan before issue 26 (every pair works everything out, border
#: by border: ``insight.analysis.shared``); ``reference``, the border engine alone.
BASELINE_FLAGS: dict[str, dict[str, str]] = {
    "before": {"PLACE_INSIGHT_SCAN_BASELINE": "1", "PLACE_INSIGHT_SCAN_REFERENCE": "1"},
    "reference": {"PLACE_INSIGHT_SCAN_REFERENCE": "1"},
}
#: Sizes of the planted shifts, in standard deviations of the indicator across all areas.
PLANTED_SIZES = (0.5, 1.0, 2.0, 4.0)


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _link_demo(real: Path) -> None:
    """Put the real demo into this process's (temporary) data folder: files linked, from
    the version its ``CURRENT`` points at, in the flat layout the store still reads."""
    real = current_dir(real) or real
    folder = place_dir("demo")
    folder.mkdir(parents=True, exist_ok=True)
    for name in CONTENT_FILES:
        if name == "place.json":
            shutil.copy2(real / name, folder / name)
        elif (real / name).is_file():
            (folder / name).symlink_to(real / name)


def _scan_figures(outcome: service.ScanOutcome) -> dict[str, Any]:
    results = outcome.result.results
    seconds = [r.seconds for r in results]
    first = [r.seconds for r in results if r.loaded_place]
    later = [r.seconds for r in results if not r.loaded_place]
    later_cpu = [r.cpu_seconds for r in results if not r.loaded_place]
    return {
        # a pair's cost: the pairs after a worker's first (which loads the place)
        "pair_s_median": statistics.median(later) if later else None,
        "pair_cpu_s_median": statistics.median(later_cpu) if later_cpu else None,
        "pair_cpu_s_mean": statistics.fmean(later_cpu) if later_cpu else None,
        "first_task_cpu_s": [r.cpu_seconds for r in results if r.loaded_place],
        "wall_s": outcome.result.seconds,
        "tasks": len(results),
        "failed": len(outcome.result.failures),
        "findings": sum(len(r.records) for r in results),
        "where": outcome.result.where,
        "workers": len({r.worker for r in results}),
        "task_s_mean": statistics.fmean(seconds),
        "task_s_median": statistics.median(seconds),
        "task_s_after_first": statistics.fmean(later) if later else None,
        "first_task_s": first,
        "worker_peak_mb": max(r.peak_mb for r in results),
        "task_s": {f"{r.indicator} × {r.grouping}": round(r.seconds, 3) for r in results},
    }


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def scan_demo(real_demo: str, workers: int) -> dict[str, Any]:
    """Scan the whole demo into the temporary data folder; the figures (``scan_cpu_s``:
    CPU time of this process during the scan, which is the scan's with ``workers=0``)."""
    _link_demo(Path(real_demo))
    start, cpu = time.perf_counter(), _cpu_s()
    outcome = service.scan_place("demo", workers=int(workers))
    total = time.perf_counter() - start
    return {
        "scan_s": total,
        "scan_cpu_s": _cpu_s() - cpu,
        "data_dir": str(data_dir()),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **_scan_figures(outcome),
    }


def national_workers(figures: dict[str, Any], scan: tuple[int, int, int] = NATIONAL_SCAN) -> dict:
    """Workers a national scan (``scan``: indicators, boundaries, seconds allowed) needs,
    from a ``scan_demo`` run in one process: each worker loads the place once (the first
    task's extra time over a later one), then takes pairs at the mean pace of the demo's
    later pairs (a worker's first pair of each boundary makes that boundary's border
    shapes, kept for every later indicator: counted in the pace here, so the estimate
    errs high); one core each, the pairs shared evenly. Paces are CPU seconds where the
    run measured them (a worker has its core to itself; on a busy machine wall seconds
    count the waits too), else wall seconds."""
    indicators, boundaries, allowed = scan
    pairs = indicators * boundaries
    if figures.get("pair_cpu_s_mean") is not None and figures.get("first_task_cpu_s"):
        pace, first = figures["pair_cpu_s_mean"], figures["first_task_cpu_s"]
    else:
        pace = figures["task_s_after_first"] or figures["task_s_mean"]
        first = figures["first_task_s"] or [pace]
    start_up = max(0.0, statistics.fmean(first) - pace)
    return {
        "pairs": pairs,
        "seconds_per_pair": pace,
        "worker_start_up_s": start_up,
        "allowed_s": allowed,
        "workers": math.ceil(pairs * pace / max(allowed - start_up, 1.0)),
        "memory_per_worker_mb": figures["worker_peak_mb"],
    }


def compare(fast: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Per-pair cost, whole scan and national workers of two ``scan_demo`` runs in one
    process (as it is, and the baseline), and their ratios (fast over baseline)."""
    out: dict[str, Any] = {}
    for suffix, run in (("", fast), ("_baseline", baseline)):
        out[f"scan_pair_median{suffix}_s"] = run["pair_s_median"]
        out[f"scan_pair_cpu_median{suffix}_s"] = run["pair_cpu_s_median"]
        out[f"scan{suffix}_s"] = run["scan_s"]
        out[f"scan_cpu{suffix}_s"] = run["scan_cpu_s"]
        out[f"workers_for_1500x6_in_10min{suffix}"] = national_workers(run)["workers"]
    out["scan_pair_ratio"] = fast["pair_s_median"] / baseline["pair_s_median"]
    out["scan_pair_cpu_ratio"] = fast["pair_cpu_s_median"] / baseline["pair_cpu_s_median"]
    out["scan_ratio"] = fast["scan_s"] / baseline["scan_s"]
    out["scan_cpu_ratio"] = fast["scan_cpu_s"] / baseline["scan_cpu_s"]
    out["details"] = {
        "national_workers": national_workers(fast),
        "national_workers_baseline": national_workers(baseline),
    }
    return out


def synthetic_place(demo: Place, count: int, seed: int = SEED) -> tuple[Place, pd.DataFrame]:
    """``count`` indicators on the demo's areas, each a real indicator times seeded noise
    (15%), half of them shifted in one local authority (of 20 areas or more) by 0.5, 1, 2 or
    4 standard deviations of the indicator (the planted postcode lotteries).

    Returns
    -------
    place : Place
    planted : pandas.DataFrame
        ``indicator``, ``grouping``, ``group`` and ``size`` (in standard deviations of the
        indicator) of every planted shift.
    """
    rng = np.random.default_rng(seed)
    areas = demo.areas.copy()
    bases = list(demo.indicators.values())
    lad = areas["lad_code"].to_numpy(dtype=object)
    sizes = pd.Series(lad).value_counts()
    candidates = sorted(sizes[sizes >= 20].index)
    indicators: dict[str, Indicator] = {
        base.id: base for base in bases if base.id == "admissions"
    }  # the weight of the time indicators
    columns: dict[str, np.ndarray] = {}
    planted = []
    for n in range(count):
        base = bases[n % len(bases)]
        values = areas[base.id].to_numpy(dtype="float64")
        noisy = values * np.exp(rng.normal(0.0, 0.15, values.size))
        indicator_id = f"syn_{n:03d}"
        if n % 2 == 0:
            group = candidates[int(rng.integers(len(candidates)))]
            size = PLANTED_SIZES[(n // 2) % len(PLANTED_SIZES)]
            noisy = noisy + np.where(lad == group, size * np.nanstd(values), 0.0)
            planted.append(
                {"indicator": indicator_id, "grouping": "lad", "group": group, "size": size}
            )
        columns[indicator_id] = noisy
        indicators[indicator_id] = replace(
            base, id=indicator_id, title=f"{base.title} (synthetic {n:03d})"
        )
    areas = pd.concat([areas, pd.DataFrame(columns, index=areas.index)], axis=1)
    place = Place(
        id=SYNTHETIC_ID,
        title="200 synthetic indicators on the demo's areas (bench)",
        area_level=demo.area_level,
        areas=gpd.GeoDataFrame(areas, geometry="geometry", crs=demo.areas.crs),
        indicators=indicators,
        groupings=demo.groupings,
        provenance=demo.provenance,
        default_grouping="lad",
        benchmark_name=demo.benchmark_name,
    )
    return place, pd.DataFrame(planted)


def scan_synthetic(
    real_demo: str, count: int, groupings: list[str], workers: int
) -> dict[str, Any]:
    """Build the synthetic place in the temporary data folder, scan it, score the plants."""
    _link_demo(Path(real_demo))
    start = time.perf_counter()
    demo = load_place("demo")
    place, planted = synthetic_place(demo, count)
    save_place(place, place_dir(SYNTHETIC_ID))
    build_s = time.perf_counter() - start
    chosen = [i for i in place.indicators if i.startswith("syn_")]
    outcome = service.scan_place(SYNTHETIC_ID, chosen, groupings, workers=workers)
    figures = _scan_figures(outcome)
    found = {}
    for result in outcome.result.results:
        for record in result.records:
            if record["kind"] == "border":
                key = (result.indicator, result.grouping)
                found.setdefault(key, set()).update({record["group_code"], record["other_code"]})
    planted["found"] = [
        row.group in found.get((row.indicator, row.grouping), set()) for row in planted.itertuples()
    ]
    by_size = planted.groupby("size")
    pairs = figures["tasks"]
    return {
        "indicators": len(chosen),
        "groupings": groupings,
        "build_s": build_s,
        "scan_pair_s": figures["task_s_mean"],
        "scan_pair_s_after_first": figures["task_s_after_first"],
        "scan_pair_wall_s": figures["wall_s"] * figures["workers"] / max(pairs, 1),
        "planted": len(planted),
        "planted_found": int(planted["found"].sum()),
        "planted_found_share": float(planted["found"].mean()),
        "planted_found_by_size_sd": {str(k): float(v) for k, v in by_size["found"].mean().items()},
        **{k: v for k, v in figures.items() if k != "task_s"},
    }


def _split(areas: gpd.GeoDataFrame, pieces: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut every area into ``pieces`` (2: left and right of its centre; 4: quarters);
    rows of the parent of each piece, and the pieces' geometries."""
    geometry = areas.geometry.to_numpy()
    bounds = shapely.bounds(geometry)
    centre = shapely.centroid(geometry)
    cx, cy = shapely.get_x(centre), shapely.get_y(centre)
    minx, miny, maxx, maxy = bounds.T
    if pieces == 2:
        boxes = [(minx, miny, cx, maxy), (cx, miny, maxx, maxy)]
    else:
        boxes = [
            (minx, miny, cx, cy), (cx, miny, maxx, cy), (minx, cy, cx, maxy), (cx, cy, maxx, maxy),
        ]  # fmt: skip
    parents, parts = [], []
    for x0, y0, x1, y1 in boxes:
        cut = shapely.intersection(geometry, shapely.box(x0, y0, x1, y1))
        cut = shapely.get_parts(cut, return_index=True)
        # Polygons only (no slivers of lines), and none empty (an area outside the box).
        keep = (shapely.get_type_id(cut[0]) == 3) & ~shapely.is_empty(cut[0])
        parts.append(cut[0][keep])
        parents.append(cut[1][keep])
    return np.concatenate(parents), np.concatenate(parts)


def split_place(demo: Place, pieces: int, seed: int = SEED) -> Place:
    """The demo with every area cut into ``pieces``: groupings and costs of the parent,
    indicator values of the parent with seeded noise, counts shared between the pieces."""
    if pieces == 1:
        return demo
    rng = np.random.default_rng(seed)
    parents, parts = _split(demo.areas, pieces)
    order = np.lexsort((np.arange(parents.size), parents))
    parents, parts = parents[order], parts[order]
    per_parent = np.bincount(parents, minlength=len(demo.areas))[parents]
    areas = demo.areas.drop(columns="geometry").iloc[parents].reset_index(drop=True)
    areas["code"] = [f"{c}-{k}" for c, k in zip(areas["code"], range(parents.size), strict=True)]
    for indicator in demo.indicators.values():
        values = areas[indicator.id].to_numpy(dtype="float64")
        if indicator.kind == "count":
            areas[indicator.id] = values / per_parent
        else:
            areas[indicator.id] = values * np.exp(rng.normal(0.0, 0.05, values.size))
    costs = demo.costs.iloc[parents].reset_index(drop=True) if demo.costs is not None else None
    return replace(
        demo,
        areas=gpd.GeoDataFrame(areas, geometry=parts, crs=demo.areas.crs),
        costs=costs,
    )


def areas_growth(pieces: int, indicator: str = "mt_minutes", grouping: str = "isdn") -> dict:
    """Contiguity, border engine and all findings on the demo cut into ``pieces``."""
    demo = load_place("demo")
    place = split_place(demo, pieces)
    del demo
    start = time.perf_counter()
    index = AreaIndex(place.areas)
    index.contiguity  # noqa: B018  (built here, timed on its own)
    contiguity_s = time.perf_counter() - start
    start = time.perf_counter()
    border = findings(place, indicator, grouping, kinds=["border"], index=index)
    border_s = time.perf_counter() - start
    start = time.perf_counter()
    found = findings(place, indicator, grouping, index=index)
    flags_s = time.perf_counter() - start
    return {
        "pieces": pieces,
        "areas": int(len(place.areas)),
        "seconds": contiguity_s + flags_s,
        "contiguity_s": contiguity_s,
        "border_s": border_s,
        "flags_s": flags_s,
        "borders": int(len(border.border_table)),
        "findings": len(found),
        "peak_mb": peak_mb(),
        "indicator": indicator,
        "grouping": grouping,
    }


def _scan_in_fresh_process(real_demo: Path, workers: int, env: dict[str, str]) -> dict[str, Any]:
    """``scan_demo`` in a fresh process (``bench/_probe.py``) on a temporary data folder."""
    with tempfile.TemporaryDirectory(prefix="place-insight-scan-") as folder:
        completed = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "_probe.py"), "scan_demo", str(real_demo),
             str(workers)],
            cwd=ROOT, env={**os.environ, **env, "PLACE_INSIGHT_DATA": folder},
            capture_output=True, text=True, timeout=7200, check=False,
        )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"scan_demo failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Scan the demo as it is and with the optimisations off, in one process each; print
    the comparison (and the figures with ``--json``)."""
    parser = argparse.ArgumentParser(description="The demo scan as it is and its baseline.")
    parser.add_argument(
        "--baseline", choices=sorted(BASELINE_FLAGS), default="before",
        help="what to switch off: 'before' (the scan before issue 26: no work shared "
        "between pairs, border by border) or 'reference' (the border engine alone)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)
    real = Path(os.environ.get("PLACE_INSIGHT_DATA", ROOT / "data")) / "cache" / "demo"
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    fast = _scan_in_fresh_process(real, 0, {})
    baseline = _scan_in_fresh_process(real, 0, BASELINE_FLAGS[args.baseline])
    found = compare(fast, baseline)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print(f"{'':34}{'now':>10}{'baseline':>10}{'ratio':>8}")
    for label, key, ratio in (
        ("pair, median (s)", "scan_pair_median", "scan_pair_ratio"),
        ("pair, median CPU (s)", "scan_pair_cpu_median", "scan_pair_cpu_ratio"),
        ("whole demo scan, one process (s)", "scan", "scan_ratio"),
        ("whole demo scan, CPU (s)", "scan_cpu", "scan_cpu_ratio"),
    ):
        now, then = found[f"{key}_s"], found[f"{key}_baseline_s"]
        print(f"{label:34}{now:>10.2f}{then:>10.2f}{found[ratio]:>8.2f}")
    print(
        f"{'workers, 1,500 x 6 in 10 min':34}{found['workers_for_1500x6_in_10min']:>10}"
        f"{found['workers_for_1500x6_in_10min_baseline']:>10}"
    )
    if args.json:
        args.json.write_text(json.dumps({**found, "fast": fast, "baseline": baseline}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
