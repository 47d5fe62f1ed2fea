"""Benchmark: postcode-lottery flags for one indicator and one grouping, all of England and Wales.

Times, on the demo place (34,753 LSOAs):

* ``graph_s``: building the Queen contiguity graph (libpysal), done once per place;
* ``flags_s``: :func:`insight.analysis.findings.findings` for ``mt_minutes`` by ``isdn`` (median of
  ``repeats`` runs after a warm-up, graph already built), and the parts it is made of
  (``border_s``, ``spatial_s``, ``penalty_s``, ``funnel_s``).

Target: flags in at most 5 seconds on 2 cores. Run ``python bench/bench_flags.py``; the
figures are printed, then written as JSON on the last line of stdout.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_FLAGS_S = 5.0


def _median_time(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(
    place: Any, repeats: int = 3, indicator: str = "mt_minutes", grouping: str = "isdn"
) -> dict[str, Any]:
    """Time the contiguity graph and the flags of one indicator and grouping.

    Parameters
    ----------
    place : Place
        The place (the demo for the published figures).
    repeats : int, default 3
        Timed runs after one warm-up; the median is reported.
    indicator, grouping : str
        What to flag.

    Returns
    -------
    dict
        ``graph_s``, ``flags_s``, ``border_s``, ``spatial_s``, ``penalty_s``,
        ``funnel_s`` (seconds), ``flags`` (number of flags), ``areas``, ``borders``,
        ``indicator``, ``grouping``, ``repeats``, ``target_flags_s``, ``within_target``,
        ``cpus``.
    """
    from insight.analysis.findings import FINDING_KINDS, findings
    from insight.spatial.index import AreaIndex

    start = time.perf_counter()
    index = AreaIndex(place.areas)
    index.contiguity  # noqa: B018  (built here, timed on its own)
    graph_s = time.perf_counter() - start

    found = findings(place, indicator, grouping, index=index)  # warm-up
    flags_s = _median_time(lambda: findings(place, indicator, grouping, index=index), repeats)
    parts = {
        f"{kind}_s": _median_time(
            lambda kind=kind: findings(place, indicator, grouping, kinds=[kind], index=index),
            repeats,
        )
        for kind in FINDING_KINDS
    }
    return {
        "indicator": indicator,
        "grouping": grouping,
        "areas": int(len(place.areas)),
        "borders": int(len(found.border_table)),
        "flags": int(len(found)),
        "graph_s": round(graph_s, 3),
        "flags_s": round(flags_s, 3),
        **{key: round(value, 3) for key, value in parts.items()},
        "repeats": repeats,
        "target_flags_s": TARGET_FLAGS_S,
        "within_target": bool(flags_s <= TARGET_FLAGS_S),
        "cpus": os.cpu_count(),
    }


def main() -> int:
    """Load the demo, measure, print the figures and then the JSON."""
    import warnings

    from insight.data.catalogue import load_place

    warnings.filterwarnings("ignore")
    place = load_place("demo")
    result = measure(place)
    print(f"contiguity graph ({result['areas']:,} areas): {result['graph_s']:.2f} s")
    print(
        f"flags {result['indicator']} by {result['grouping']}: {result['flags_s']:.2f} s "
        f"(target {TARGET_FLAGS_S:.0f} s; {result['flags']} flags, {result['borders']} borders)"
    )
    for kind in ("border", "penalty", "funnel", "spatial"):
        print(f"  {kind}: {result[f'{kind}_s']:.2f} s")
    print(json.dumps(result))
    return 0 if result["within_target"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
