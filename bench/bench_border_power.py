"""Benchmark: power and calibration of the border test on the 24 x 24 lattice (issue 12, item 8).

The map is a 24 x 24 lattice of unit squares cut into two halves of 12 columns
(``lattice(24, 24, 12, 24)`` in ``tests/insight/analysis/test_borders.py``): one border,
24 areas touching it on each side, each group 12 areas deep. For ``--maps`` seeded
maps per case (seeds 0, 1, ...), it prints the share of maps with any border flagged
and the share of raw p-values below 0.05:

* ``step``: a step of 1 SD at the border, independent noise (target: flagged >= 0.85);
* ``step_smooth``, ``step_gradient``: the same step on autocorrelated noise (Gaussian
  blur 1) or on a gradient of 0.25 SD per column;
* ``null``, ``null_smooth``: pure noise, independent or blurred over 2 cells
  (target: flagged <= 0.05);
* ``gradient``: ``0.5 x + 0.2 y`` plus independent noise, the existing gradient test
  (target: flagged <= 0.05); ``gradient_steep`` (``1.0 x``), ``gradient_smooth``
  (blurred noise), and curved fields: ``kink`` (flat in the west, rising in the east),
  ``cone`` (rising away from a point in the west half) and ``two_centres`` (distance to
  the nearer of two points, one in each half).

Run ``python bench/bench_border_power.py [--maps 200]`` (about 2 minutes for 200 maps
on one core); the figures are printed, then written as JSON on the last line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "insight" / "analysis"))

from test_borders import lattice, noise  # noqa: E402

from insight.analysis import borders  # noqa: E402
from insight.spatial import contiguity  # noqa: E402

TARGETS = {"step": (">=", 0.85), "null": ("<=", 0.05), "null_smooth": ("<=", 0.05),
           "gradient": ("<=", 0.05)}  # fmt: skip


def cases() -> dict:
    x = np.tile(np.arange(24.0), 24)
    y = np.repeat(np.arange(24.0), 24)
    step = (x >= 12).astype(float)
    cone = np.hypot(x - 4, y - 12) / 3
    two_centres = np.minimum(np.hypot(x - 3, y - 12), np.hypot(x - 20, y - 8)) / 2
    return {
        "step": lambda r: step + noise(r, 24, 24),
        "step_smooth": lambda r: step + noise(r, 24, 24, 1.0),
        "step_gradient": lambda r: step + 0.25 * x + noise(r, 24, 24),
        "null": lambda r: noise(r, 24, 24),
        "null_smooth": lambda r: noise(r, 24, 24, 2.0),
        "gradient": lambda r: 0.5 * x + 0.2 * y + noise(r, 24, 24),
        "gradient_steep": lambda r: 1.0 * x + noise(r, 24, 24),
        "gradient_smooth": lambda r: 0.5 * x + 0.2 * y + noise(r, 24, 24, 2.0),
        "kink": lambda r: 0.5 * np.maximum(x - 11.5, 0) + noise(r, 24, 24),
        "cone": lambda r: cone + noise(r, 24, 24),
        "two_centres": lambda r: two_centres + noise(r, 24, 24),
    }


def measure(maps: int = 200, **options) -> dict[str, dict[str, float]]:
    areas = lattice(24, 24, 12, 24)
    graph = contiguity.contiguity(areas)
    out = {}
    for name, make in cases().items():
        flagged, significant = [], []
        for seed in range(maps):
            v = make(np.random.default_rng(seed))
            table = borders.border_discontinuities(
                areas.assign(v=v), "v", "g", graph=graph, **options
            )
            table = table[table["tested"]]
            flagged.append(bool(table["flagged"].any()))
            significant.extend((table["p_value"] < 0.05).tolist())
        out[name] = {"flagged": float(np.mean(flagged)), "p_below_05": float(np.mean(significant))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", type=int, default=200)
    parser.add_argument("--rings", type=int, default=borders.DEFAULT_RINGS)
    args = parser.parse_args()
    start = time.perf_counter()
    result = measure(args.maps, rings=args.rings)
    print(f"24 x 24 lattice, two halves of 12 columns, {args.maps} maps a case, rings={args.rings}")
    print(f"{'case':16s} {'flagged':>8s} {'p<0.05':>8s}  target")
    for name, row in result.items():
        target = TARGETS.get(name)
        note = ""
        if target:
            sign, bound = target
            ok = row["flagged"] >= bound if sign == ">=" else row["flagged"] <= bound
            note = f"flagged {sign} {bound:.2f}: {'pass' if ok else 'FAIL'}"
        print(f"{name:16s} {row['flagged']:8.3f} {row['p_below_05']:8.3f}  {note}")
    seconds = time.perf_counter() - start
    print(f"{seconds:.0f} s")
    print(json.dumps({"maps": args.maps, "rings": args.rings, "seconds": seconds, **result}))


if __name__ == "__main__":
    main()
