"""Place Insight benchmarks: ``python bench/run.py [--repeats N] [--quick] [--only SECTIONS]``.

Measures the demo place (England and Wales, 34,753 LSOAs) against the targets of issues 8
and 14 (the findings scan: demo scan in one process and on 2 workers, 200 synthetic
indicators, the engine's growth with the number of areas, pages after a restart), prints a
table (metric, value, target, pass/fail, note) and writes ``bench/results.json``.
Each figure is the median of ``--repeats`` runs (default 3). Timings of the Python engine are
taken inside fresh subprocesses (``bench/_probe.py``); the maps are measured in a real
browser (Debian chromium through Playwright, ``bench/_browser.py``) against
``streamlit run app.py``, and against a naive Plotly baseline written to a temporary folder.

``--quick`` skips the cold build, the baselines and the first start. A missed target never
fails the run (exit 0); an error does (exit 1, after writing what was measured).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import _first_start  # noqa: E402
import bench_scan  # noqa: E402
from _browser import Server, Visit, open_browser, visit  # noqa: E402

PROBE = BENCH / "_probe.py"
RESULTS = BENCH / "results.json"
LOOKUPS = 1000
SEED = 20240601
AUTHORITY = "E06000062"  # West Northamptonshire
DECK = "[data-testid='stDeckGlJsonChart']"
PLOTLY = "[data-testid='stPlotlyChart'] canvas.maplibregl-canvas"
MB = 1_000_000

#: Indicators of the synthetic place, the groupings it is scanned by, local workers.
SYNTHETIC_INDICATORS = 200
SYNTHETIC_GROUPINGS = "lad"
SCAN_WORKERS = 2
#: The scan to size: indicators × boundaries, and the time allowed (seconds).
TARGET_SCAN = (1500, 6, 600)

#: metric -> (comparison, limit, unit) from issues 8 and 14.
TARGETS: dict[str, tuple[str, float, str]] = {
    "cold_build_s": ("<=", 60, "s"),
    "warm_load_s": ("<=", 2, "s"),
    "lookup_p95_ms": ("<=", 5, "ms"),
    "batch_lookup_rows_per_minute": (">=", 50_000, "rows/min"),
    "home_after_restart_ms": ("<=", 1000, "ms"),
    "lottery_after_restart_ms": ("<=", 1000, "ms"),
    "first_lookup_s": ("<=", 1.5, "s"),
    "flags_s": ("<=", 5, "s"),
    "national_map_bytes": ("<=", 8 * MB, "B"),
    "national_map_bytes_ratio": ("<=", 0.25, "x"),
    "authority_map_bytes": ("<=", 1 * MB, "B"),
    "map_page_rerun_ms": ("<=", 300, "ms"),
    "map_area_select_rerun_ms": ("<=", 300, "ms"),
    "peak_rss_mb": ("<=", 2048, "MB"),
    # issue 26: a first start and a restart; a scan that costs seconds
    "scan_pair_median_s": ("<=", 1, "s"),
    "scan_pair_cpu_median_s": ("<=", 1, "s"),
    "scan_s": ("<=", 45, "s"),
    "scan_cpu_s": ("<=", 45, "s"),
    "first_start_findings_s": ("<=", 60, "s"),
    "restart_home_server_ms": ("<=", 1000, "ms"),
    "restart_first_findings_s": ("<=", 5, "s"),
}

BASELINE_SCRIPT = '''"""Baseline for bench/run.py: the national map the naive way (not part of the app).

The full-detail LSOA GeoJSON goes into plotly.express.choropleth_map and through the
websocket with st.plotly_chart. The place and the GeoJSON are cached, as any app would;
the figure is built on every run.
"""
import json
import sys

import plotly.express as px
import streamlit as st

sys.path.insert(0, {root!r})
from insight.data.catalogue import load_place

st.set_page_config(page_title="Baseline map", layout="wide")


@st.cache_resource
def place():
    return load_place("demo")


@st.cache_resource
def geojson():
    return json.loads(place().areas[["code", "geometry"]].to_crs(4326).to_json())


areas = place().areas
indicator = list(place().indicators)[0]  # the Map page's default indicator
st.title("Baseline map")
figure = px.choropleth_map(
    areas[["code", indicator]],
    geojson=geojson(),
    locations="code",
    featureidkey="properties.code",
    color=indicator,
    map_style="white-bg",
    center={{"lat": 52.9, "lon": -2.3}},
    zoom=5.0,
    height=560,
)
st.plotly_chart(figure)
'''


# Running probes ------------------------------------------------------------------------------


def probe(
    name: str, *args: object, env: dict[str, str] | None = None, timeout: float = 900
) -> dict:
    """Run ``bench/_probe.py NAME ARGS`` in a fresh Python process; its JSON result."""
    completed = subprocess.run(
        [sys.executable, str(PROBE), name, *map(str, args)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"probe {name} failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def repeated(name: str, repeats: int, *args: object, **kwargs: Any) -> list[dict]:
    """``repeats`` results of one probe, each in its own process."""
    return [probe(name, *args, **kwargs) for _ in range(repeats)]


def median_of(runs: list[dict], key: str) -> float:
    """Median of ``key`` over runs."""
    return float(statistics.median(run[key] for run in runs))


# Sections: each returns flat result keys plus a "details" entry ------------------------------


def ensure_demo() -> dict[str, Any]:
    """Build the shared demo cache if it is missing or stale (never forced)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "insight", "build"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=900,
    )
    return {"details": {"ensure_demo_s": round(time.perf_counter() - start, 2)}}


def cold_build(repeats: int) -> dict[str, Any]:
    """Build the demo into an empty temporary data folder: the shared cache is untouched."""
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="place-insight-bench-") as folder:
            result = probe("cold_build", env={"PLACE_INSIGHT_DATA": folder}, timeout=1800)
            if Path(result["data_dir"]) != Path(folder):
                raise RuntimeError(f"the build went to {result['data_dir']}, not {folder}")
            runs.append(result)
    return {
        "cold_build_s": median_of(runs, "build_s"),
        "details": {"cold_build_runs_s": [r["build_s"] for r in runs]},
    }


def warm_load(repeats: int) -> dict[str, Any]:
    """``load_place("demo")`` in fresh processes (imports timed apart)."""
    runs = repeated("warm_load", repeats)
    return {
        "warm_load_s": median_of(runs, "load_s"),
        "details": {
            "warm_load_runs_s": [r["load_s"] for r in runs],
            "import_s": median_of(runs, "import_s"),
        },
    }


def lookups(repeats: int) -> dict[str, Any]:
    """1,000 seeded real postcodes (plus the first) located in fresh processes."""
    with tempfile.TemporaryDirectory(prefix="place-insight-bench-") as folder:
        sample_file = Path(folder) / "postcodes.json"
        sampled = probe("sample", sample_file, LOOKUPS + 1, SEED)
        runs = repeated("lookup", repeats, sample_file)
    return {
        "lookup_p50_ms": median_of(runs, "p50_ms"),
        "lookup_p95_ms": median_of(runs, "p95_ms"),
        "first_lookup_s": median_of(runs, "first_s"),
        "first_lookup_with_load_s": float(
            statistics.median(r["load_s"] + r["first_s"] for r in runs)
        ),
        "details": {
            "lookup_sample": sampled,
            "lookup_runs": runs,
        },
    }


def batch_lookups(repeats: int) -> dict[str, Any]:
    """50,000 seeded directory postcodes through the batch lookup (``lookup --file``)."""
    runs = repeated("batch_lookup", repeats, 50_000, SEED)
    return {
        "batch_lookup_rows_per_minute": median_of(runs, "rows_per_minute"),
        "details": {"batch_lookup_runs": runs},
    }


def flags(repeats: int) -> dict[str, Any]:
    """Flags of one indicator and grouping nationally (``bench_flags.measure``)."""
    result = probe("flags", repeats)
    return {"flags_s": float(result["flags_s"]), "details": {"flags": result}}


def map_rerun(repeats: int) -> dict[str, Any]:
    """Map page reruns through AppTest, caches warm."""
    result = probe("map_rerun", repeats)
    return {
        "map_page_rerun_ms": result["scheme_rerun_median_ms"],
        "map_area_select_rerun_ms": result["area_rerun_median_ms"],
        "details": {"map_rerun": result},
    }


def real_demo() -> Path:
    """The demo place the bench reads (never writes): ``$PLACE_INSIGHT_DATA`` or ``data``."""
    return Path(os.environ.get("PLACE_INSIGHT_DATA", ROOT / "data")) / "cache" / "demo"


def scans() -> dict[str, Any]:
    """The whole demo scanned in one process as it is and with the scan's optimisations
    switched off (the baseline: the scan before issue 26, ``bench_scan.BASELINE_FLAGS``),
    then on 2 local workers, each into its own temporary data folder (the demo linked in),
    each in a fresh process: a pair's cost, the whole scan and the workers a national scan
    needs, against the baseline of the same run (``bench_scan.compare``)."""
    runs = {}
    for name, workers, flags in (
        ("single", 0, {}),
        ("baseline", 0, bench_scan.BASELINE_FLAGS["before"]),
        ("parallel", SCAN_WORKERS, {}),
    ):
        with tempfile.TemporaryDirectory(prefix="place-insight-scan-") as folder:
            runs[name] = probe(
                "scan_demo", real_demo(), workers, env={"PLACE_INSIGHT_DATA": folder, **flags},
                timeout=7200,
            )  # fmt: skip
    single, parallel = runs["single"], runs["parallel"]
    found = bench_scan.compare(single, runs["baseline"])
    details = found.pop("details")
    return {
        **found,
        "scan_2_workers_s": parallel["scan_s"],
        "scan_speedup": single["scan_s"] / parallel["scan_s"],
        "details": {
            "scan_single": single, "scan_baseline": runs["baseline"], "scan_2_workers": parallel,
            **details,
        },
    }  # fmt: skip


def synthetic_scan() -> dict[str, Any]:
    """200 synthetic indicators on the demo's areas, scanned on 2 local workers."""
    with tempfile.TemporaryDirectory(prefix="place-insight-synthetic-") as folder:
        result = probe(
            "scan_synthetic", real_demo(), SYNTHETIC_INDICATORS, SYNTHETIC_GROUPINGS,
            SCAN_WORKERS, env={"PLACE_INSIGHT_DATA": folder}, timeout=7200,
        )  # fmt: skip
    estimate = workers_needed(result)
    return {
        "scan_pair_s": result["scan_pair_s"],
        "scan_worker_peak_mb": result["worker_peak_mb"],
        "planted_found_share": result["planted_found_share"],
        "details": {"synthetic_scan": result, "workers_estimate_synthetic": estimate},
    }


def workers_needed(result: dict[str, Any]) -> dict[str, Any]:
    """Workers a 1,500-indicator × 6-boundary scan needs to finish in 10 minutes.

    Each worker first starts and loads the place (the first task's extra time over a later
    one), then runs pairs at the measured pace (seconds per pair after the first); the
    pairs are shared evenly. Workers are one core each; memory per worker is the peak
    measured (it grows with the areas and the number of indicators stored on them).
    """
    indicators, boundaries, allowed = TARGET_SCAN
    pairs = indicators * boundaries
    pace = result["scan_pair_s_after_first"] or result["scan_pair_s"]
    first = result["first_task_s"] or [pace]
    start_up = max(0.0, statistics.fmean(first) - pace)
    workers = math.ceil(pairs * pace / max(allowed - start_up, 1.0))
    return {
        "pairs": pairs,
        "seconds_per_pair": pace,
        "worker_start_up_s": start_up,
        "allowed_s": allowed,
        "workers": workers,
        "memory_per_worker_mb": result["worker_peak_mb"],
        "memory_total_gb": workers * result["worker_peak_mb"] / 1024,
    }


def growth() -> dict[str, Any]:
    """Contiguity, border engine and findings with the demo's areas cut into 1, 2, 4 pieces."""
    runs = [probe("areas_growth", pieces, timeout=3600) for pieces in (1, 2, 4)]
    return {
        "areas_growth": [
            {"areas": r["areas"], "seconds": r["seconds"], "peak_mb": r["peak_mb"]} for r in runs
        ],
        "details": {"areas_growth": runs},
    }


def pages_after_restart(repeats: int) -> dict[str, Any]:
    """Home and Postcode lottery as the first request of a fresh process, store current."""
    home = repeated("page_after_restart", repeats, "app.py")
    lottery = repeated("page_after_restart", repeats, "pages/lottery.py")
    return {
        "home_after_restart_ms": median_of(home, "script_ms"),
        "lottery_after_restart_ms": median_of(lottery, "script_ms"),
        "details": {"home_after_restart": home, "lottery_after_restart": lottery},
    }


def first_start(repeats: int) -> dict[str, Any]:
    """The app's first start on an empty data folder (and its baseline: every pair scanned
    before Home), then restarts on the folder each left (``bench/_first_start.py``)."""

    def server_time(folder: Path) -> list[dict]:
        return repeated(
            "page_after_restart", repeats, "app.py", env={"PLACE_INSIGHT_DATA": str(folder)}
        )

    with open_browser() as browser:
        return _first_start.measure(browser, repeats, server_time)


def _visits(browser: Any, url: str, chart: str, wait_for: str | None, repeats: int) -> dict:
    """One warm-up visit (server caches cold), then ``repeats`` measured visits, each fresh."""
    first = visit(browser, url, chart, wait_for=wait_for)
    runs = [visit(browser, url, chart, wait_for=wait_for) for _ in range(repeats)]
    return {"first": first, "runs": runs}


def _summary(visits: dict) -> dict[str, Any]:
    """Medians of a set of visits, and the split of their bytes."""
    runs: list[Visit] = visits["runs"]

    def med(get: Callable[[Visit], float]) -> float:
        return float(statistics.median(get(v) for v in runs))

    return {
        "bytes": int(med(lambda v: v.map_bytes)),
        "geometry_wire": int(med(lambda v: v.geometry_wire)),
        "geometry_raw": int(med(lambda v: v.geometry_raw)),
        "ws_bytes": int(med(lambda v: v.ws_bytes)),
        "ws_frames": int(med(lambda v: v.ws_frames)),
        "frontend_wire": int(med(lambda v: v.frontend_wire)),
        "drawn_s": med(lambda v: v.drawn_s),
        "geometry_s": med(lambda v: v.geometry_s or 0.0),
        "first_visit_drawn_s": visits["first"].drawn_s,
        "drawn_runs_s": [round(v.drawn_s, 2) for v in runs],
        "samples_first_run": runs[0].samples[:40],
        "files": runs[0].files,
        "ws_extensions": runs[0].ws_extensions,
    }


def app_maps(repeats: int, browser: Any) -> dict[str, Any]:
    """National and authority maps of the app in the browser, and the server's peak memory."""
    with Server(ROOT / "app.py", ROOT) as server:
        national = _summary(
            _visits(browser, server.url + "map", DECK, "/app/static/maps/", repeats)
        )
        local_url = f"{server.url}map?scope=local&group={AUTHORITY}"
        local = _summary(_visits(browser, local_url, DECK, "/app/static/maps/", repeats))
        peak = server.peak_rss()
    return {
        "national_map_bytes": national["bytes"],
        "authority_map_bytes": local["bytes"],
        "map_visible_s": national["drawn_s"],
        "authority_map_visible_s": local["drawn_s"],
        "peak_rss_mb": peak,
        "details": {"national_map": national, "authority_map": local},
    }


def baseline_map(repeats: int, browser: Any) -> dict[str, Any]:
    """The naive Plotly national map, served from a throwaway script in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="place-insight-baseline-") as folder:
        script = Path(folder) / "baseline.py"
        script.write_text(BASELINE_SCRIPT.format(root=str(ROOT)))
        with Server(script, Path(folder)) as server:
            result = _summary(_visits(browser, server.url, PLOTLY, None, repeats))
            peak = server.peak_rss()
    return {
        "baseline_national_map_bytes": result["bytes"],
        "baseline_map_s": result["drawn_s"],
        "details": {"baseline_map": result, "baseline_peak_rss_mb": peak},
    }


def browser_maps(repeats: int, with_baseline: bool) -> dict[str, Any]:
    """The app's maps, then (unless quick) the baseline, in one browser."""
    with open_browser() as browser:
        result = app_maps(repeats, browser)
        if with_baseline:
            baseline = baseline_map(repeats, browser)
            result["details"].update(baseline.pop("details"))
            result.update(baseline)
            result["national_map_bytes_ratio"] = (
                result["national_map_bytes"] / result["baseline_national_map_bytes"]
            )
            result["map_visible_ratio"] = result["map_visible_s"] / result["baseline_map_s"]
    return result


# Reporting -----------------------------------------------------------------------------------


def verdict(key: str, value: float | None) -> tuple[str, str]:
    """The target as text and PASS/FAIL (or "-" when the metric has no target)."""
    if key not in TARGETS:
        return "", "-"
    comparison, limit, unit = TARGETS[key]
    if value is None:
        return f"{comparison} {fmt(limit, unit)}", "-"
    passed = value <= limit if comparison == "<=" else value >= limit
    return f"{comparison} {fmt(limit, unit)}", "PASS" if passed else "FAIL"


def fmt(value: float, unit: str) -> str:
    """A figure with its unit, bytes in MB/kB."""
    if unit == "B":
        return f"{value / MB:.2f} MB" if value >= 100_000 else f"{value / 1000:.1f} kB"
    if unit == "x":
        return f"{value:.3f}x"
    if unit == "%":
        return f"{value:.0%}"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:.3g} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Table rows: metric, value, target, pass/fail, note."""
    d = results.get("details", {})
    nat, loc, base = (
        d.get("national_map", {}),
        d.get("authority_map", {}),
        d.get("baseline_map", {}),
    )
    lookup_runs = d.get("lookup_runs") or [{}]
    notes = {
        "cold_build_s": "fresh process, empty PLACE_INSIGHT_DATA (postcode index included)",
        "warm_load_s": f"load_place only; imports {d.get('import_s', 0):.2f} s apart",
        "lookup_p50_ms": f"{LOOKUPS} seeded postcodes (E/W, with coordinates), after the first",
        "lookup_p95_ms": (
            f"max {lookup_runs[0].get('max_ms', 0):.0f} ms; not found: {lookup_runs[0].get('failures')}"
        ),
        "first_lookup_s": "first locate() once the place is loaded",
        "first_lookup_with_load_s": "load_place + first locate()",
        "flags_s": "mt_minutes by isdn, bench_flags.measure",
        "batch_lookup_rows_per_minute": "50,000 seeded directory postcodes, lookup_table",
        "national_map_bytes": (
            f"geometry {fmt(nat.get('geometry_wire', 0), 'B')} gzip ({fmt(nat.get('geometry_raw', 0), 'B')} raw)"
            f" + websocket {fmt(nat.get('ws_bytes', 0), 'B')}"
            if nat
            else ""
        ),
        "national_map_bytes_ratio": "app / baseline (target: 4x smaller)",
        "authority_map_bytes": (
            f"{AUTHORITY} + neighbours: geometry {fmt(loc.get('geometry_wire', 0), 'B')} gzip"
            f" ({fmt(loc.get('geometry_raw', 0), 'B')} raw) + websocket {fmt(loc.get('ws_bytes', 0), 'B')}"
            if loc
            else ""
        ),
        "map_visible_s": (
            f"navigation to drawn, warm server; first visit {nat.get('first_visit_drawn_s', 0):.1f} s"
            if nat
            else ""
        ),
        "authority_map_visible_s": "navigation to drawn, warm server",
        "baseline_national_map_bytes": (
            f"websocket {fmt(base.get('ws_bytes', 0), 'B')} (plotly, full detail)" if base else ""
        ),
        "baseline_map_s": (
            f"first visit {base.get('first_visit_drawn_s', 0):.1f} s" if base else ""
        ),
        "map_visible_ratio": "app / baseline",
        "map_page_rerun_ms": "AppTest, national, colour scheme changed (maps cached)",
        "map_area_select_rerun_ms": "AppTest, national, ?area= a new area (as a map click)",
        "peak_rss_mb": "streamlit serving the browser visits (VmHWM, with children)",
        "home_after_restart_ms": (
            "first run in a fresh process, store current (frame() to end; whole run "
            f"{d.get('home_after_restart', [{}])[0].get('run_ms', 0):,.0f} ms)"
        ),
        "lottery_after_restart_ms": "the same, Postcode lottery page (finding map drawn)",
        "scan_pair_median_s": (
            "a pair's wall seconds at 34,753 areas, median over the demo's pairs after the "
            f"first, one process (CPU {results.get('scan_pair_cpu_median_s') or 0:.2f} s)"
        ),
        "scan_pair_cpu_median_s": "the same in CPU seconds (what it costs on a busy machine)",
        "scan_pair_median_baseline_s": (
            "the same, scan before issue 26 (PLACE_INSIGHT_SCAN_BASELINE=1 and _REFERENCE=1) "
            f"in the same run (CPU {results.get('scan_pair_cpu_median_baseline_s') or 0:.2f} s)"
        ),
        "scan_pair_ratio": (f"now / baseline (CPU: {results.get('scan_pair_cpu_ratio') or 0:.2f})"),
        "scan_s": (
            f"whole demo ({d.get('scan_single', {}).get('tasks', '?')} pairs), this process, "
            f"incl. loading and writing the store (CPU {results.get('scan_cpu_s') or 0:.0f} s)"
        ),
        "scan_cpu_s": "the same in CPU seconds of that process",
        "scan_baseline_s": (
            f"the same, the baseline (CPU {results.get('scan_cpu_baseline_s') or 0:.0f} s)"
        ),
        "scan_ratio": f"now / baseline (CPU: {results.get('scan_cpu_ratio') or 0:.2f})",
        "scan_2_workers_s": "the same on 2 local Dask worker processes (start-up included)",
        "scan_speedup": "scan_s / scan_2_workers_s",
        "scan_pair_s": (
            f"{SYNTHETIC_INDICATORS} synthetic indicators × {SYNTHETIC_GROUPINGS}, worker "
            "seconds per pair (first task of a worker includes loading the place)"
        ),
        "scan_worker_peak_mb": "peak RSS of a worker process during that scan",
        "planted_found_share": (
            "planted shifts found as border findings; by size (SD): "
            + ", ".join(
                f"{k}: {v:.0%}"
                for k, v in d.get("synthetic_scan", {}).get("planted_found_by_size_sd", {}).items()
            )
        ),
        "workers_for_1500x6_in_10min": (
            f"from the demo scan: {d.get('national_workers', {}).get('seconds_per_pair', 0):.2f}"
            f" CPU s per pair (mean after the first), "
            f"{d.get('national_workers', {}).get('worker_start_up_s', 0):.0f} s start-up, "
            f"{d.get('national_workers', {}).get('memory_per_worker_mb', 0):,.0f} MB a worker"
        ),
        "workers_for_1500x6_in_10min_baseline": (
            "the same from the baseline scan: "
            f"{d.get('national_workers_baseline', {}).get('seconds_per_pair', 0):.2f} CPU s per pair"
        ),
        "areas_growth": "contiguity + all findings of mt_minutes by isdn, areas cut in 1, 2, 4",
        **first_start_notes(d.get("first_start", {})),
    }
    units = {"_s": "s", "_ms": "ms", "_bytes": "B", "_ratio": "x", "_mb": "MB", "_share": "%"}
    table = []
    for key, note in notes.items():
        value = results.get(key)
        if isinstance(value, list):
            shown = "; ".join(
                f"{g['areas']:,}: {g['seconds']:.0f} s, {g['peak_mb']:,.0f} MB" for g in value
            )
            table.append((key, shown, "", "-", note))
            continue
        unit = next((u for suffix, u in units.items() if key.endswith(suffix)), "")
        target, status = verdict(key, value)
        if value is None:
            table.append((key, "not measured", target, status, ""))
        else:
            table.append((key, fmt(value, unit), target, status, note))
    return table


def first_start_notes(found: dict[str, Any]) -> dict[str, str]:
    """Notes of the first-start and restart rows (``found``: their details)."""
    new = found.get("first_start", {})
    return {
        "first_start_findings_s": (
            f"streamlit run on an empty data folder to Home's first finding in a fresh "
            f"browser (build included; server up at {new.get('server_up_s', 0):.1f} s; "
            f"progress bar shown: {new.get('partial_at_first')})"
        ),
        "first_start_findings_baseline_s": (
            "the same, every pair scanned before Home (the old path, "
            f"{found.get('first_start_baseline', {}).get('findings_s', 0):.0f} s)"
        ),
        "first_start_findings_ratio": "first start / baseline",
        "first_start_complete_s": "until the background scan is done (the progress bar gone)",
        "first_start_complete_baseline_s": "the same, baseline",
        "restart_home_server_ms": "Home's first run in a fresh process on that folder (AppTest)",
        "restart_first_findings_s": "new server on that folder: navigation to the first finding",
        "restart_first_findings_baseline_s": "the same on the baseline's folder",
    }


def print_table(table: list[tuple[str, str, str, str, str]]) -> None:
    """Print rows as an aligned text table."""
    header = ("metric", "value", "target", "pass/fail", "note")
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(4)]
    for row in [header, *table]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])


def machine() -> dict[str, Any]:
    """Where and when the figures were taken."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    )
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit + ("+uncommitted" if dirty else ""),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


# Main ----------------------------------------------------------------------------------------


def sections(repeats: int, quick: bool) -> list[tuple[str, Callable[[], dict[str, Any]]]]:
    """The measurements to make, in order."""
    chosen: list[tuple[str, Callable[[], dict[str, Any]]]] = [("demo cache", ensure_demo)]
    if not quick:
        chosen.append(("cold build", lambda: cold_build(repeats)))
    chosen += [
        ("warm load", lambda: warm_load(repeats)),
        ("postcode lookups", lambda: lookups(repeats)),
        ("batch lookup", lambda: batch_lookups(repeats)),
        ("flags", lambda: flags(repeats)),
        ("pages after a restart", lambda: pages_after_restart(repeats)),
        ("map page reruns", lambda: map_rerun(repeats)),
        ("maps in the browser", lambda: browser_maps(repeats, with_baseline=not quick)),
        ("demo scan", scans),
        ("synthetic scan", synthetic_scan),
        ("areas growth", growth),
    ]
    if not quick:
        chosen.append(("first start", lambda: first_start(repeats)))
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, write ``bench/results.json``; 1 if anything failed to run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per figure (median; default 3)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip the cold build, the baselines and the first start",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON file to write")
    parser.add_argument(
        "--only",
        help="comma-separated section names to run (e.g. 'demo cache,demo scan'); "
        "figures already in --output are kept",
    )
    args = parser.parse_args(argv)

    results: dict[str, Any] = {"repeats": args.repeats, "quick": args.quick, "machine": machine()}
    details: dict[str, Any] = {}
    only = [name.strip() for name in args.only.split(",")] if args.only else None
    if only and args.output.is_file():  # measure some sections again, keep the rest
        previous = json.loads(args.output.read_text())
        details.update(previous.get("details", {}))
        for key, value in previous.items():
            if key not in {"repeats", "quick", "machine", "targets", "passed", "errors", "details"}:
                results[key] = value
    errors: dict[str, str] = {}
    print(
        f"load average at start: {results['machine']['load_average_start']} "
        f"({results['machine']['cpus']} CPUs); {args.repeats} runs per figure",
        flush=True,
    )
    for name, measure in sections(args.repeats, args.quick):
        if only and name not in only:
            continue
        start = time.perf_counter()
        print(f"- {name} ...", end=" ", flush=True)
        try:
            found = measure()
        except Exception as error:  # keep measuring the rest; reported and exit 1 below
            errors[name] = "".join(traceback.format_exception_only(error)).strip()
            print(f"ERROR: {errors[name]}", flush=True)
            continue
        details.update(found.pop("details", {}))
        results.update(found)
        print(f"{time.perf_counter() - start:.0f} s", flush=True)
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = {key: f"{c} {limit}" for key, (c, limit, _) in TARGETS.items()}
    table = rows({**results, "details": details})
    results["passed"] = {key: status == "PASS" for key, _, _, status, _ in table if status != "-"}
    results["errors"] = errors
    results["details"] = details
    print()
    print_table(table)
    args.output.write_text(json.dumps(results, indent=2, default=_json_default) + "\n")
    print(
        f"\nwritten {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}"
    )
    return 1 if errors else 0


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


if __name__ == "__main__":
    raise SystemExit(main())
