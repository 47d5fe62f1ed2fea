"""Measurements that must start from a fresh Python process, one per invocation.

``python bench/_probe.py NAME [ARGS]`` runs one probe and prints its figures as JSON on the
last line of stdout; :mod:`bench.run` starts it in a subprocess (so the interpreter start and
imports are outside the timed part, and nothing is already cached in memory).

Probes
------
cold_build
    Build the demo place from the packages into ``$PLACE_INSIGHT_DATA`` (the caller points
    it at an empty temporary folder, so the postcode index is built too).
warm_load
    ``load_place("demo")`` on the existing cache.
sample PATH N SEED
    Write ``N`` seeded real postcodes of England and Wales (with coordinates) to ``PATH``.
lookup PATH
    Load the place, then ``geocode.locate`` every postcode in ``PATH`` (the first one timed
    on its own).
flags REPEATS
    :func:`bench_flags.measure` on the demo place.
map_rerun REPEATS
    The Map page through Streamlit's AppTest: reruns after a selection, caches warm.
page_after_restart PAGE
    The first run of a page (``app.py`` or ``pages/lottery.py``) in a fresh process, caches
    cold, findings store current: what a visitor waits for after a server restart.
scan_demo REAL_DEMO_FOLDER WORKERS
    The whole demo scanned (``bench_scan.scan_demo``) into ``$PLACE_INSIGHT_DATA``.
scan_synthetic REAL_DEMO_FOLDER COUNT GROUPINGS WORKERS
    The 200-indicator place (``bench_scan.scan_synthetic``) in ``$PLACE_INSIGHT_DATA``.
areas_growth PIECES
    The engine on the demo's areas cut into PIECES (``bench_scan.areas_growth``).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _seconds(start: float) -> float:
    return time.perf_counter() - start


def cold_build() -> dict[str, Any]:
    """Time building (and saving) the demo place, postcode index included."""
    from insight.data import demo
    from insight.data.store import data_dir

    start = time.perf_counter()
    place = demo.load_demo(force=True)
    return {"build_s": _seconds(start), "areas": len(place.areas), "data_dir": str(data_dir())}


def warm_load() -> dict[str, Any]:
    """Time importing :mod:`insight.place` and then loading the cached demo place."""
    start = time.perf_counter()
    from insight.data import demo
    from insight.data.catalogue import load_place

    import_s = _seconds(start)
    if not demo.is_current():
        raise RuntimeError("the demo cache is missing or stale: run `python -m insight build`")
    start = time.perf_counter()
    place = load_place("demo")
    return {"load_s": _seconds(start), "import_s": import_s, "areas": len(place.areas)}


def sample(path: str, count: str, seed: str, around: str = "") -> dict[str, Any]:
    """Write a seeded sample of real postcodes in England and Wales that have coordinates.

    With ``around`` (a local authority code), only postcodes of that authority and the
    authorities that share a border with it: what a council's own dashboard sees.
    """
    from insight.data import postcodes as geocode

    table = geocode.all_postcodes()
    located = table["easting"].notna() & table["northing"].notna()
    england_wales = table["lad_code"].fillna("").str.match(r"^[EW]")
    if around:
        from insight.data.catalogue import load_place
        from insight.spatial.index import AreaIndex

        place = load_place("demo")
        near = {around, *AreaIndex(place.areas).touching_groups("lad_code", around)}
        england_wales &= table["lad_code"].isin(near)
    eligible = table[located & england_wales]
    chosen = eligible.sample(n=int(count), random_state=int(seed))["postcode"].tolist()
    Path(path).write_text(json.dumps(chosen))
    return {"eligible": int(len(eligible)), "sampled": len(chosen), "seed": int(seed)}


def _timed(call: Callable[[], Any]) -> tuple[float, str | None]:
    """Seconds taken by ``call`` and the name of the :class:`InsightError` it raised, if any."""
    from insight.errors import InsightError

    start = time.perf_counter()
    try:
        call()
    except InsightError as error:
        return _seconds(start), type(error).__name__
    return _seconds(start), None


def lookup(path: str) -> dict[str, Any]:
    """Time the first lookup after loading the place, then every later one."""
    import numpy as np

    from insight.data import postcodes as geocode
    from insight.data.catalogue import load_place
    from insight.spatial.index import AreaIndex

    postcodes = json.loads(Path(path).read_text())
    start = time.perf_counter()
    place = load_place("demo")
    load_s = _seconds(start)
    holder = {}

    def first() -> None:  # the app's first lookup makes the place's index (then cached)
        holder["index"] = AreaIndex(place.areas)
        geocode.locate(place, postcodes[0], holder["index"])

    first_s, first_error = _timed(first)
    index = holder.get("index") or AreaIndex(place.areas)
    times, failures = [], {}
    for postcode in postcodes[1:]:
        seconds, error = _timed(lambda postcode=postcode: geocode.locate(place, postcode, index))
        times.append(seconds * 1000)
        if error:
            failures[postcode] = error
    return {
        "load_s": load_s,
        "first_s": first_s,
        "first_postcode": postcodes[0],
        "first_error": first_error,
        "p50_ms": float(np.percentile(times, 50)),
        "p95_ms": float(np.percentile(times, 95)),
        "max_ms": float(np.max(times)),
        "lookups": len(times),
        "failures": failures,
    }


def flags(repeats: str) -> dict[str, Any]:
    """All flags of one indicator and grouping (see ``bench/bench_flags.py``)."""
    from bench_flags import measure

    from insight.data.catalogue import load_place

    return measure(load_place("demo"), repeats=int(repeats))


def _run_timed(app: Any) -> float:
    """Run an AppTest script once; milliseconds taken, failing on any exception shown."""
    start = time.perf_counter()
    app.run()
    elapsed = _seconds(start) * 1000
    if app.exception:
        raise RuntimeError("; ".join(e.message for e in app.exception))
    return elapsed


def map_rerun(repeats: str) -> dict[str, Any]:
    """Server time of Map page reruns, national view, caches warm.

    ``scheme_rerun_ms``: after choosing another colour scheme whose map was drawn before
    (the headline figure). ``area_rerun_ms``: after selecting an area not selected before
    (what a click on the map does: ``?area=`` changes).
    """
    from streamlit.testing.v1 import AppTest

    from insight.data.catalogue import load_place

    runs = max(5, int(repeats))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    start = time.perf_counter()
    app.run()
    app.switch_page("pages/map.py")
    _run_timed(app)
    first_s = _seconds(start)
    scheme = app.selectbox(key="w_scheme")
    for value in ("equal_interval", "quantiles"):  # draw both maps once: caches warm
        scheme.set_value(value)
        _run_timed(app)
    scheme_ms = []
    for i in range(runs):
        app.selectbox(key="w_scheme").set_value(("equal_interval", "quantiles")[i % 2])
        scheme_ms.append(_run_timed(app))
    codes = load_place("demo").areas["code"].sample(runs + 1, random_state=20240601).tolist()
    area_ms = []
    for i, code in enumerate(codes):
        app.query_params["area"] = code
        elapsed = _run_timed(app)
        if i:  # the first selection also warms the area card
            area_ms.append(elapsed)
    return {
        "first_page_s": first_s,
        "scheme_rerun_ms": scheme_ms,
        "area_rerun_ms": area_ms,
        "scheme_rerun_median_ms": statistics.median(scheme_ms),
        "area_rerun_median_ms": statistics.median(area_ms),
    }


def page_after_restart(page: str) -> dict[str, Any]:
    """Server time of a page's first run in a fresh process (caches cold), store current.

    Streamlit's own one-off start-up (AppTest's first run of any script, imports of the
    app's modules) happens first and is reported apart; ``script_ms`` runs from the page
    script's first call (``frame``) to the end of the run, ``run_ms`` is the whole run.
    """
    start = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    import ui.frame
    import ui.loaders
    import ui.presentation
    import ui.render
    from insight.analysis import scan
    from insight.data import findings_store

    import_s = _seconds(start)
    if findings_store.read_findings("demo", engine=scan.ENGINE_VERSION) is None:
        raise RuntimeError(
            "the demo's findings store is missing or stale: run `python -m insight scan`"
        )
    AppTest.from_string("import streamlit as st\nst.write('warm')").run()  # runtime start-up
    entered = []
    frame = ui.frame.frame

    def timed_frame(title: str):
        entered.append(time.perf_counter())
        return frame(title)

    ui.frame.frame = timed_frame
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if page != "app.py":
        app.switch_page(page)
    start = time.perf_counter()
    app.run()
    end = time.perf_counter()
    if app.exception:
        raise RuntimeError("; ".join(e.message for e in app.exception))
    shown = [m.value for m in app.markdown]
    rerun_ms = _run_timed(app)
    return {
        "page": page,
        "script_ms": (end - entered[0]) * 1000,
        "run_ms": (end - start) * 1000,
        "rerun_ms": rerun_ms,
        "import_s": import_s,
        "markdown_elements": len(shown),
    }


def scan_demo(real_demo: str, workers: str) -> dict[str, Any]:
    """The demo scanned into ``$PLACE_INSIGHT_DATA`` (see ``bench_scan.scan_demo``)."""
    from bench_scan import scan_demo as measure

    return measure(real_demo, int(workers))


def scan_synthetic(real_demo: str, count: str, groupings: str, workers: str) -> dict[str, Any]:
    """The synthetic place scanned (see ``bench_scan.scan_synthetic``)."""
    from bench_scan import scan_synthetic as measure

    return measure(real_demo, int(count), groupings.split(","), int(workers))


def areas_growth(pieces: str) -> dict[str, Any]:
    """The engine on the demo's areas cut into pieces (see ``bench_scan.areas_growth``)."""
    from bench_scan import areas_growth as measure

    return measure(int(pieces))


def batch_lookup(rows: str, seed: str) -> dict[str, Any]:
    """Time the batch lookup (``lookup --file``) of ``rows`` seeded directory postcodes."""
    import pandas as pd

    from insight.data import postcodes as geocode
    from insight.data.catalogue import load_place
    from insight.spatial.index import AreaIndex

    place = load_place("demo")
    index = AreaIndex(place.areas)
    folder = geocode.build_index()
    directory = pd.concat(pd.read_parquet(f) for f in sorted(folder.glob("*.parquet")))
    chosen = directory["postcode"].sample(int(rows), random_state=int(seed)).tolist()
    geocode.lookup_table(place, chosen[:10], index)  # warm: the lookup arrays are mapped
    start = time.perf_counter()
    table = geocode.lookup_table(place, chosen, index)
    seconds = _seconds(start)
    return {
        "rows": len(table),
        "seconds": seconds,
        "rows_per_minute": len(table) / seconds * 60,
        "placed": int((table["problem"] == "").sum()),
    }


PROBES: dict[str, Callable[..., dict[str, Any]]] = {
    "batch_lookup": batch_lookup,
    "cold_build": cold_build,
    "warm_load": warm_load,
    "sample": sample,
    "lookup": lookup,
    "flags": flags,
    "map_rerun": map_rerun,
    "page_after_restart": page_after_restart,
    "scan_demo": scan_demo,
    "scan_synthetic": scan_synthetic,
    "areas_growth": areas_growth,
}


def main(argv: list[str]) -> int:
    """Run the probe named in ``argv[0]`` and print its result as JSON (last line)."""
    warnings.filterwarnings("ignore")
    if not argv or argv[0] not in PROBES:
        print(f"usage: _probe.py {{{'|'.join(PROBES)}}} [args]", file=sys.stderr)
        return 2
    result = PROBES[argv[0]](*argv[1:])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
