"""A small place whose background scan a test steps pair by pair: ``grid_place`` (a grid
of squares, a planted step, 4 pairs that scan in a moment) and ``Gate`` (``scan.run_task``
held until the test lets each pair through)."""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from insight.analysis import scan
from insight.model import Grouping, Indicator, Place

SIDE = 12  # a 12 × 12 grid of squares: every pair scans in a moment


def grid_place(place_id: str = "grid") -> Place:
    """Squares in two halves (``half``) and four quarters (``quarter``), with a clear step
    in ``v`` between the halves, noise in ``w`` and people counted in ``people``."""
    rng = np.random.default_rng(7)
    cells = [(x, y) for y in range(SIDE) for x in range(SIDE)]
    west = [x < SIDE // 2 for x, _ in cells]
    areas = gpd.GeoDataFrame(
        {
            "code": [f"a{n:03d}" for n in range(len(cells))],
            "name": [f"Area {n}" for n in range(len(cells))],
            "half_code": ["W" if w else "E" for w in west],
            "half_name": ["West" if w else "East" for w in west],
            "quarter_code": [f"Q{(x >= SIDE // 2) * 2 + (y >= SIDE // 2)}" for x, y in cells],
            "quarter_name": [
                f"Quarter {(x >= SIDE // 2) * 2 + (y >= SIDE // 2)}" for x, y in cells
            ],
            "v": [10.0 + (15.0 if w else 0.0) + rng.normal(0, 1) for w in west],
            "w": rng.normal(20, 2, len(cells)),
            "people": rng.integers(800, 2000, len(cells)).astype(float),
        },
        geometry=[box(x, y, x + 1, y + 1) for x, y in cells],
        crs=27700,
    )
    indicators = {
        "w": Indicator("w", "Noise", "minutes", "time", "low_is_good"),
        "v": Indicator("v", "Minutes", "minutes", "time", "low_is_good", weight="people"),
    }
    groupings = {
        "quarter": Grouping("quarter", "Quarter", "quarters"),
        "half": Grouping("half", "Half", "halves"),
    }
    return Place(
        place_id, "Grid", "square", areas, indicators, groupings, default_grouping="quarter",
        featured=("v", "half"),
    )  # fmt: skip


class Gate:
    """``scan.run_task`` held until the test lets each pair through (and counted)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, held: bool = True) -> None:
        self.run = scan.run_task
        self.calls: list[tuple[str, str]] = []
        self.allowed = threading.Semaphore(0)
        self.held = held
        monkeypatch.setattr(scan, "run_task", self)

    def __call__(self, source, indicator, grouping, period=""):
        if self.held:
            assert self.allowed.acquire(timeout=60), "the test never let this pair through"
        self.calls.append((indicator, grouping))
        return self.run(source, indicator, grouping, period)

    def let(self, pairs: int = 1) -> None:
        for _ in range(pairs):
            self.allowed.release()


class Clock:
    """A clock the test moves: each pair takes ``step`` seconds."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
