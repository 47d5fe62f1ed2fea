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

    postcodes = json.loads(Path(path).read_text())
    start = time.perf_counter()
    place = load_place("demo")
    load_s = _seconds(start)
    first_s, first_error = _timed(lambda: geocode.locate(place, postcodes[0]))
    times, failures = [], {}
    for postcode in postcodes[1:]:
        seconds, error = _timed(lambda postcode=postcode: geocode.locate(place, postcode))
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


PROBES: dict[str, Callable[..., dict[str, Any]]] = {
    "cold_build": cold_build,
    "warm_load": warm_load,
    "sample": sample,
    "lookup": lookup,
    "flags": flags,
    "map_rerun": map_rerun,
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
