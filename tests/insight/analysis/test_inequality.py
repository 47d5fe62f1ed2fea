"""Deprivation: values by quintile and the SII on a place, and border steps allowed for it.

Synthetic maps: a 40 x 20 lattice of areas in two groups (left and right halves) with one
border between them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from insight import service, stats
from insight.analysis import findings, inequality, scan
from insight.cli import main
from insight.data.sources.build import build_place
from insight.data.sources.config import parse_config
from insight.errors import DataError
from insight.model import Grouping, Indicator, Place

NX, NY = 40, 20


def halves(value: np.ndarray, deprivation: np.ndarray, *, declared: bool = True) -> Place:
    """The lattice with ``value`` and ``deprivation`` per area (row by row from the
    bottom left); the left half is "Left", the right half "Right"."""
    xs, ys = np.tile(np.arange(NX), NY), np.repeat(np.arange(NY), NX)
    right = xs >= NX // 2
    areas = gpd.GeoDataFrame(
        {
            "code": [f"A{i:04d}" for i in range(NX * NY)],
            "name": [f"Area {i}" for i in range(NX * NY)],
            "lad_code": np.where(right, "R", "L"),
            "lad_name": np.where(right, "Right", "Left"),
            "v": value,
            "imd": deprivation,
        },
        geometry=[box(x, y, x + 1, y + 1) for x, y in zip(xs, ys, strict=True)],
        crs=27700,
    )
    indicators = {
        "v": Indicator("v", "Smoking", "%", "proportion", "low_is_good"),
        "imd": Indicator("imd", "IMD score", "score", role="deprivation" if declared else None),
    }
    grouping = {"lad": Grouping("lad", "Authority", "authorities")}
    return Place("s", "Synthetic", "area", areas, indicators, grouping)


def right_side() -> np.ndarray:
    return np.tile(np.arange(NX), NY) >= NX // 2


def the_border(place: Place) -> findings.Finding:
    found = findings.findings(place, "v", "lad", kinds=("border",))
    assert len(found) == 1, "the planted border step must be found"
    return found.items[0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_gap_that_is_only_deprivation_is_explained_by_it(seed):
    """Deprivation jumps at the border; the value depends on deprivation alone."""
    rng = np.random.default_rng(seed)
    imd = rng.normal(20, 4, NX * NY) + np.where(right_side(), 20.0, 0.0)
    value = 10 + 0.5 * imd + rng.normal(0, 1, NX * NY)
    finding = the_border(halves(value, imd))
    assert finding.group_name == "Right" and finding.effect == pytest.approx(10, abs=3)
    assert finding.adjusted_lower <= 0 <= finding.adjusted_upper
    assert abs(finding.adjusted_effect) < 1.5
    assert "Most of this gap goes with deprivation: the areas on the Right side are more " \
        "deprived" in finding.sentence  # fmt: skip
    assert "no clear step" in finding.sentence


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_border_with_its_own_step_keeps_it_once_deprivation_is_allowed_for(seed):
    """Deprivation varies (and matters) but does not jump; the value steps at the border."""
    rng = np.random.default_rng(seed)
    imd = rng.normal(30, 6, NX * NY)
    value = 10 + 0.5 * imd + np.where(right_side(), 5.0, 0.0) + rng.normal(0, 1, NX * NY)
    finding = the_border(halves(value, imd))
    assert finding.adjusted_lower > 0
    assert finding.adjusted_effect == pytest.approx(5, abs=1.5)
    assert "Deprivation does not explain it: allowing for it, the step is still" in finding.sentence


def test_without_a_deprivation_measure_the_adjusted_step_is_not_known():
    rng = np.random.default_rng(4)
    imd = rng.normal(30, 6, NX * NY)
    value = 10 + np.where(right_side(), 5.0, 0.0) + rng.normal(0, 1, NX * NY)
    finding = the_border(halves(value, imd, declared=False))
    assert np.isnan([finding.adjusted_effect, finding.adjusted_lower,
                     finding.adjusted_upper]).all()  # fmt: skip
    assert "deprivation" not in finding.sentence.lower()
    with pytest.raises(DataError, match='role = "deprivation"'):
        inequality.inequality(halves(value, imd, declared=False), "v")


def test_quintiles_split_the_place_by_its_deprivation_and_the_sii_is_phe_sii_s():
    rng = np.random.default_rng(5)
    imd = rng.normal(30, 6, NX * NY)
    value = 10 + 0.5 * imd + rng.normal(0, 1, NX * NY)
    place = halves(value, imd)
    result = inequality.inequality(place, "v")
    table = result.table
    assert list(table["areas"]) == [160] * 5
    assert table["label"].iloc[0] == "Most deprived fifth"
    # The most deprived fifth holds the 160 highest scores, and its value is their mean.
    top = np.argsort(-imd)[:160]
    assert table["value"].iloc[0] == pytest.approx(value[top].mean())
    assert table["value"].is_monotonic_decreasing
    # The SII is the weighted regression of phe_sii on these quintiles.
    expected = stats.slope_index(table["value"], table["population"], lower=table["lower"],
                                 upper=table["upper"], repetitions=10_000)  # fmt: skip
    assert result.slope.sii == pytest.approx(expected.sii)
    assert result.slope.sii < 0 and result.slope.sii_upper < 0
    # Only one group's areas: the quintiles stay those of the whole place.
    left = inequality.inequality(place, "v", "lad", "L")
    assert left.where == "Left" and left.table["areas"].sum() == NX * NY // 2


def test_a_rank_declared_high_is_good_counts_1_as_the_most_deprived():
    rng = np.random.default_rng(6)
    imd = rng.normal(30, 6, NX * NY)
    place = halves(rng.normal(0, 1, NX * NY), imd)
    rank = (-imd).argsort().argsort() + 1.0  # 1 = highest score = most deprived
    ranked = halves(place.areas["v"].to_numpy(), rank)
    ranked.indicators["imd"] = Indicator("imd", "IMD rank", "rank", polarity="high_is_good",
                                         role="deprivation")  # fmt: skip
    assert (inequality.deprivation_quantiles(ranked) ==
            inequality.deprivation_quantiles(place)).all()  # fmt: skip


# --------------------------------------------------------------------------------------
# The example place (its synthetic deprivation score) and the command line
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_place() -> Place:
    toml = Path(__file__).resolve().parents[3] / "data" / "example" / "place.toml"
    config = parse_config(tomllib.loads(toml.read_text()), toml.parent, origin=str(toml))
    return build_place(config, save=False)[0]


def test_the_example_place_declares_its_synthetic_deprivation(example_place):
    measure = example_place.deprivation
    assert measure is not None and measure.id == "deprivation"
    assert "synthetic, not the IMD" in measure.title


class Given(service.Places):
    """Places that hold one place already built in memory."""

    def __init__(self, place: Place) -> None:
        super().__init__()
        self.given = place

    def place(self, place_id: str) -> Place:
        return self.given


def test_inequality_record_on_the_example_place(example_place):
    record = service.inequality_record(
        example_place.id, "child_poverty", "lad", "E06000062", places=Given(example_place)
    )
    assert record["where"] == "West Northamptonshire"
    assert [q["label"] for q in record["quantiles"]][0] == "Most deprived fifth"
    result = inequality.inequality(example_place, "child_poverty", "lad", "E06000062")
    assert record["sii"]["sii"] == pytest.approx(result.slope.sii)
    # The synthetic score is built from child poverty: a clear gradient, falling.
    assert record["sii"]["upper"] < 0
    assert record["sentence"].startswith("In the most deprived fifth of areas in West")


def test_inequality_command_without_a_measure_says_how_to_declare_one(demo_place, capsys):
    assert main(["inequality", "--indicator", "mt_minutes", "--json"]) == 2
    assert 'role = "deprivation"' in capsys.readouterr().err


def test_the_adjusted_step_survives_the_findings_store():
    rng = np.random.default_rng(1)
    imd = rng.normal(20, 4, NX * NY) + np.where(right_side(), 20.0, 0.0)
    value = 10 + 0.5 * imd + rng.normal(0, 1, NX * NY)
    found = findings.findings(halves(value, imd), "v", "lad", kinds=("border",))
    back = scan.findings_from_records("v", "lad", scan.finding_records(found))
    (before,), (after,) = found.items, back.items
    assert np.isfinite(before.adjusted_effect)
    assert (after.adjusted_effect, after.adjusted_lower, after.adjusted_upper) == (
        before.adjusted_effect, before.adjusted_lower, before.adjusted_upper,
    )  # fmt: skip
    assert after.sentence == before.sentence
