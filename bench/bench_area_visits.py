"""CPU per Your area visit: what one visitor's postcode costs a server process.

    nice -n 10 python bench/bench_area_visits.py            # 50 postcodes, seed 20240601
    nice -n 10 python bench/bench_area_visits.py --visits 20 --profile out.prof

Runs the Your area page through Streamlit's ``AppTest`` in one process, as a public
server does (``PLACE_INSIGHT_MODE=public``: no background scan), on the demo place. One
warm-up visit first (the place, its index, the comparisons and the first map are loaded
then, as a server's first visitor does). Then, each timed with ``time.process_time()``
(CPU of the whole process, every thread):

- ``new area``: ``--visits`` seeded postcodes of England and Wales, each in an area no
  earlier visit was in (the areas spread over the country: most in an authority not seen
  before either);
- ``council``: postcodes of one authority and its neighbours (West Northamptonshire, the
  ``council`` scenario of ``bench/load.py``), each in an area not visited before;
- ``same area``: another postcode in an area already visited (its neighbour in the ONS
  directory, kept only when it is in the same area).

Prints the median and 95th percentile of each, the load average, and (``--json``) the
figures as one JSON line. ``--profile FILE`` writes a cProfile of one scenario's visits
(``--profile-of``), taken in the script's thread.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = 20240601
COUNCIL = "E06000062"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _sample(count: int, around: str, seed: int) -> list[str]:
    """Seeded postcodes of England and Wales with a grid reference, in distinct areas."""
    import numpy as np

    from insight.data import postcodes as geocode
    from insight.data.catalogue import load_place
    from insight.spatial.index import AreaIndex

    lookup = geocode._ready_lookup()
    codes = np.array(lookup.lad_codes + ("",), dtype=object)[np.asarray(lookup.lad)]
    ok = np.isfinite(np.asarray(lookup.grid[:, 0])) & np.array(
        [str(c)[:1] in ("E", "W") for c in codes]
    )
    if around:
        place = load_place("demo")
        near = {around, *AreaIndex(place.areas).touching_groups("lad_code", around)}
        ok &= np.isin(codes, list(near))
    rng = np.random.default_rng(seed)
    picked = rng.permutation(np.flatnonzero(ok))
    return [k.decode() for k in np.asarray(lookup.keys)[picked[: count * 4]]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=50)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--profile", help="write a cProfile of one scenario's visits here")
    parser.add_argument(
        "--profile-of", default="new area", choices=("new area", "council", "same area")
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    os.environ["PLACE_INSIGHT_MODE"] = "public"
    os.chdir(ROOT)
    warnings.simplefilter("ignore")
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
    from streamlit.testing.v1 import AppTest

    from insight import service
    from insight.data import postcodes as geocode

    profiler = cProfile.Profile() if args.profile else None
    profiling = {"on": False}
    run_script = ScriptRunner._run_script

    def profiled(self, rerun_data):  # in the script's own thread, where the page runs
        if not (profiler and profiling["on"]):
            return run_script(self, rerun_data)
        profiler.enable()
        try:
            return run_script(self, rerun_data)
        finally:
            profiler.disable()

    ScriptRunner._run_script = profiled
    components = {}

    def visit(postcode: str) -> tuple[float, AppTest]:
        """A new session's first run of Your area for ``postcode``: its CPU seconds (the
        components' discovery, once per server, done once for every visit)."""
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        app._bidi_component_manager = components.get("manager")
        app.query_params["postcode"] = postcode
        app.switch_page("pages/your-area.py")
        started = time.process_time()
        app.run()
        spent = time.process_time() - started
        components["manager"] = app._bidi_component_manager
        if app.exception:
            raise RuntimeError(f"{postcode}: {app.exception[0].message}")
        return spent, app

    load_start = os.getloadavg()
    warm_s, _ = visit("NN1 1AA")
    seen: set[int] = {service.locate("demo", "NN1 1AA").area_index}

    def fresh(candidates: list[str], count: int) -> list[str]:
        chosen = []
        for postcode in candidates:
            try:
                row = service.locate("demo", postcode).area_index
            except Exception:
                continue
            if row not in seen:
                seen.add(row)
                chosen.append(postcode)
            if len(chosen) == count:
                break
        return chosen

    national = fresh(_sample(args.visits, "", args.seed), args.visits)
    council = fresh(_sample(args.visits, COUNCIL, args.seed), args.visits)
    figures: dict[str, list[float]] = {"new area": [], "council": [], "same area": []}
    visited: list[str] = []
    for postcode in national:
        profiling["on"] = args.profile_of == "new area"
        figures["new area"].append(visit(postcode)[0])
        visited.append(postcode)
    for postcode in council:
        profiling["on"] = args.profile_of == "council"
        figures["council"].append(visit(postcode)[0])
    profiling["on"] = args.profile_of == "same area"
    lookup = geocode._ready_lookup()
    keys = list(lookup.keys)
    for postcode in visited + council:
        row = service.locate("demo", postcode).area_index
        position = keys.index(geocode.normalise_postcode(postcode).encode())
        for step in (1, -1, 2, -2, 3, -3):
            other = keys[position + step].decode()
            try:
                if service.locate("demo", other).area_index == row:
                    figures["same area"].append(visit(other)[0])
                    break
            except Exception:
                continue
    load_end = os.getloadavg()
    if profiler:
        profiler.dump_stats(args.profile)
    out = {"warm_up_visit_cpu_s": round(warm_s, 3)}
    print(f"warm-up visit (NN1 1AA): {warm_s:.3f} s CPU")
    for name, values in figures.items():
        if not values:
            continue
        median, p95 = statistics.median(values), _pct(values, 95)
        print(f"{name:>10}: {len(values):3d} visits, CPU per visit median {median:.3f} s, "
              f"p95 {p95:.3f} s, max {max(values):.3f} s")  # fmt: skip
        key = name.replace(" ", "_")
        out[f"{key}_visits"] = len(values)
        out[f"{key}_cpu_median_s"] = round(median, 3)
        out[f"{key}_cpu_p95_s"] = round(p95, 3)
    print(f"load average: start {load_start}, end {load_end}")
    out["loadavg_start"], out["loadavg_end"] = load_start, load_end
    if args.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
