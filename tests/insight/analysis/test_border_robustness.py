"""How sure is a border step: placebo borders moved 1 to 3 rows of areas into either side,
and the step measured at each depth. A planted step stands out from its placebos; a smooth
gradient crossing the border gives placebo steps as big as the real one."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from insight import explain
from insight.analysis import scan
from insight.analysis.borders import border_discontinuities
from insight.analysis.findings import findings
from insight.errors import DataError
from insight.model import Grouping, Indicator, Place

SIZE = 24


def halves(values: np.ndarray) -> gpd.GeoDataFrame:
    """24 × 24 squares cut into West | East halves, with ``values``."""
    cells = [box(x, y, x + 1, y + 1) for y in range(SIZE) for x in range(SIZE)]
    xs = np.tile(np.arange(SIZE), SIZE)
    return gpd.GeoDataFrame(
        {"side": np.where(xs < SIZE // 2, "W", "E"), "v": values}, geometry=cells
    )


def xs() -> np.ndarray:
    return np.tile(np.arange(SIZE), SIZE)


@pytest.mark.parametrize("seed", range(5))
def test_a_planted_step_is_bigger_than_every_placebo_and_at_every_depth(seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = border_discontinuities(
        halves(rng.normal(size=SIZE**2) + 3.0 * (xs() >= 12)), "v", "side"
    )
    row = table.iloc[0]
    assert row["flagged"]
    placebos = np.asarray(row["placebo_steps"])
    assert placebos.size == 6 and np.isfinite(placebos).all()
    assert np.abs(placebos).max() < abs(row["step"])
    assert row["placebo_share"] == 0.0
    # E is group a, W group b: the steps are W minus E, about -3 at every depth.
    assert len(row["ring_steps"]) == 3
    assert all(-4.5 < s < -1.5 for s in row["ring_steps"])


def test_a_smooth_gradient_crossing_the_border_gives_placebos_as_big() -> None:
    shares = []
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        values = rng.normal(size=SIZE**2) + 0.5 * xs()  # rises steadily West to East
        row = border_discontinuities(halves(values), "v", "side", robustness="all").iloc[0]
        assert not row["flagged"]
        assert len(row["placebo_steps"]) == 6
        shares.append(row["placebo_share"])
    # The real border's step is one of the crowd: often no bigger than most placebos.
    assert np.mean(shares) >= 0.3
    assert sum(s > 0 for s in shares) >= 6


def test_only_flagged_borders_are_worked_out_unless_asked() -> None:
    rng = np.random.default_rng(3)
    noise = halves(rng.normal(size=SIZE**2))
    row = border_discontinuities(noise, "v", "side").iloc[0]
    assert not row["flagged"]
    assert row["placebo_steps"] == [] and row["ring_steps"] == []
    assert math.isnan(row["placebo_share"])
    step = halves(rng.normal(size=SIZE**2) + 3.0 * (xs() >= 12))
    assert border_discontinuities(step, "v", "side", robustness="none").iloc[0]["ring_steps"] == []
    with pytest.raises(DataError, match="robustness must be one of flagged, all, none"):
        border_discontinuities(step, "v", "side", robustness="some")


def test_the_finding_carries_it_the_same_way_round_and_the_store_keeps_it() -> None:
    rng = np.random.default_rng(5)
    areas = halves(30.0 + rng.normal(size=SIZE**2) + 3.0 * (xs() >= 12))
    areas["code"] = [f"A{n:03d}" for n in range(SIZE**2)]
    areas["g_code"] = areas["side"]
    areas["g_name"] = areas["side"].map({"E": "East", "W": "West"})
    areas = areas.set_crs(27700)
    minutes = Indicator("v", "Minutes to the nearest unit", "minutes", "time", "low_is_good")
    place = Place("halves", "Halves", "square", areas, {"v": minutes}, {"g": Grouping("g", "Side")})
    found = findings(place, "v", "g", kinds=("border",))
    finding = found.items[0]
    assert finding.group_code == "E"  # the side with the longer journeys
    assert 2.0 < finding.step < 4.0 and all(2.0 < s < 4.0 for s in finding.ring_steps)
    assert finding.placebo_share == 0.0 and max(map(abs, finding.placebo_steps)) < finding.step
    back = scan.findings_from_records("v", "g", scan.finding_records(found)).items[0]
    assert back.placebo_steps == finding.placebo_steps and back.ring_steps == finding.ring_steps
    assert (back.step, back.placebo_share) == (finding.step, finding.placebo_share)
    words = " ".join(
        explain.how_sure_sentences(minutes, back.step, back.placebo_steps, back.ring_steps)
    )
    assert "is bigger than all 6 of them" in words
    assert "the same way round however many rows are used" in words
