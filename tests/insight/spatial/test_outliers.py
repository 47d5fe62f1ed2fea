"""Areas unlike their neighbours: calibration on synthetic maps (planted outliers found,
pure noise and smooth trends quiet, at 3,600 and 34,782 areas), intervals that agree with
the test, small denominators, bad arguments."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from insight.errors import DataError
from insight.spatial.contiguity import Contiguity
from insight.spatial.outliers import neighbour_outliers

#: Sizes of the planted outliers, in standard deviations of the noise.
SIZES = (4.0, 5.0, 6.0)


def lattice(nx: int, ny: int) -> tuple[pd.DataFrame, Contiguity]:
    """An nx by ny lattice of unit squares (Queen contiguity), row by row, built directly."""
    index = np.arange(nx * ny).reshape(ny, nx)
    heads, tails = [], []
    for dy, dx in ((0, 1), (1, -1), (1, 0), (1, 1)):
        a = index[: ny - dy, max(0, -dx) : nx - max(0, dx)]
        b = index[dy:, max(0, dx) : nx - max(0, -dx)]
        heads.append(a.ravel())
        tails.append(b.ravel())
    h, t = np.concatenate(heads), np.concatenate(tails)
    points = np.column_stack([index.ravel() % nx, index.ravel() // nx]) + 0.5
    graph = Contiguity(
        n=nx * ny,
        heads=np.minimum(h, t),
        tails=np.maximum(h, t),
        islands=np.array([], dtype=np.int64),
        joined_to=np.array([], dtype=np.int64),
        points=points.astype(float),
    )
    return pd.DataFrame({"code": [f"c{i}" for i in range(nx * ny)]}), graph


def planted(nx: int, ny: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """Positions of isolated areas (no two touching, none on the edge), ``share`` of all."""
    candidates = np.array([y * nx + x for y in range(1, ny - 1, 3) for x in range(1, nx - 1, 3)])
    return rng.choice(candidates, size=round(share * nx * ny), replace=False)


def calibrate(nx: int, ny: int, maps: int, seed: int) -> dict[str, float]:
    """Recall by size and the share of false discoveries over ``maps`` planted maps (2% of
    the areas planted, a third each of 4, 5 and 6 SD, up or down)."""
    areas, graph = lattice(nx, ny)
    found = {size: [] for size in SIZES}
    false, discoveries = 0, 0
    for m in range(maps):
        rng = np.random.default_rng(seed + m)
        values = rng.normal(size=nx * ny)
        where = planted(nx, ny, 0.02, rng)
        sizes = np.resize(np.array(SIZES), where.size)
        values[where] += sizes * rng.choice([-1.0, 1.0], where.size)
        result = neighbour_outliers(areas, values, graph=graph)
        flagged = result["flagged"].to_numpy()
        truth = np.zeros(nx * ny, dtype=bool)
        truth[where] = True
        for size in SIZES:
            found[size] += flagged[where[sizes == size]].tolist()
        false += int((flagged & ~truth).sum())
        discoveries += int(flagged.sum())
    recall = {f"recall_{size:g}sd": float(np.mean(hits)) for size, hits in found.items()}
    recall["recall"] = float(np.mean([h for hits in found.values() for h in hits]))
    recall["false_share"] = false / max(discoveries, 1)
    return recall


def null_maps_with_findings(nx: int, ny: int, maps: int, seed: int, trend: bool = False) -> int:
    """How many of ``maps`` maps without any outlier get a finding (the FDR under the null)."""
    areas, graph = lattice(nx, ny)
    xs, ys = graph.points[:, 0], graph.points[:, 1]
    hit = 0
    for m in range(maps):
        values = np.random.default_rng(seed + m).normal(size=nx * ny)
        if trend:  # a steep, curved trend: 2 SD a row one way, quadratic the other
            values += 2.0 * xs + 0.05 * ys**2 + 3.0 * np.sin(xs / 8.0)
        hit += bool(neighbour_outliers(areas, values, graph=graph)["flagged"].any())
    return hit


def test_planted_outliers_are_found_at_3600_areas() -> None:
    # Before (local Moran, 999 permutations, BH over all areas): 0 of 1,080 planted found.
    result = calibrate(60, 60, maps=30, seed=100)
    assert result["recall"] >= 0.8, result
    assert result["recall_6sd"] >= 0.95 and result["recall_5sd"] >= 0.8, result
    assert result["false_share"] <= 0.065, result  # BH: 5% expected, within sampling error


def test_planted_outliers_are_found_at_national_scale() -> None:
    start = time.perf_counter()
    result = calibrate(186, 187, maps=3, seed=200)
    seconds = (time.perf_counter() - start) / 3
    assert result["recall"] >= 0.8, result
    assert result["recall_6sd"] >= 0.95 and result["recall_5sd"] >= 0.8, result
    assert result["false_share"] <= 0.065, result
    assert seconds < 1.5  # the whole national statistic, per indicator


def test_pure_noise_gives_findings_on_at_most_one_map_in_twenty() -> None:
    assert null_maps_with_findings(60, 60, maps=40, seed=0) <= 2
    assert null_maps_with_findings(186, 187, maps=4, seed=50) == 0


def test_a_smooth_trend_is_not_an_outlier() -> None:
    # Neighbours on one side only (the map's edge) follow the trend across them.
    assert null_maps_with_findings(60, 60, maps=20, seed=300, trend=True) <= 1


def test_interval_agrees_with_the_test_and_the_words() -> None:
    areas, graph = lattice(40, 40)
    rng = np.random.default_rng(7)
    values = rng.normal(size=1600)
    values[[205, 610, 1021]] += [7.0, -7.0, 7.0]
    result = neighbour_outliers(areas, values, graph=graph)
    flagged = result[result["flagged"]]
    assert {205, 610, 1021} <= set(flagged.index)
    higher = flagged["direction"] == "higher"
    assert (flagged.loc[higher, "lower"] > 0).all()
    assert (flagged.loc[~higher, "upper"] < 0).all()
    assert ((flagged["difference"] > 0) == higher).all()
    # Same standard error as the test: the interval excludes zero exactly when |z| > 1.96.
    tested = result.dropna(subset=["z"])
    excludes = (tested["lower"] > 0) | (tested["upper"] < 0)
    assert (excludes == (tested["z"].abs() > 1.959963984540054)).all()
    assert result.attrs["tested"] == 1600
    # One outlier does not make the areas next to it unlike theirs.
    assert result.loc[[204, 206, 165, 245], "flagged"].sum() == 0


def test_small_denominators_do_not_make_outliers_and_big_differences_are_found() -> None:
    areas, graph = lattice(60, 60)
    rng = np.random.default_rng(11)
    hits, planted_count, false = 0, 0, 0
    for _ in range(5):
        people = np.exp(rng.uniform(np.log(3), np.log(5000), size=3600))  # some tiny
        rate = 0.01 * np.exp(rng.normal(0, 0.1, size=3600))
        where = planted(60, 60, 0.01, rng)
        where = where[people[where] > 2500]  # 25 events or more expected
        rate[where] *= 3.0
        events = rng.poisson(rate * people).astype(float)
        result = neighbour_outliers(
            areas, 1e5 * events / people, graph=graph, model="poisson", numerator=events,
            denominator=people, multiplier=1e5,
        )  # fmt: skip
        flagged = result["flagged"].to_numpy()
        hits += int(flagged[where].sum())
        planted_count += where.size
        truth = np.zeros(3600, dtype=bool)
        truth[where] = True
        false += int((flagged & ~truth).sum())
    assert hits / planted_count >= 0.8
    assert false <= 0.05 * max(hits + false, 1)
    # An area of 3 people with 1 event (33,333 per 100,000) is chance, not an outlier.
    people = np.full(3600, 2000.0)
    people[1830] = 3.0
    events = rng.poisson(0.01 * people).astype(float)
    events[1830] = 1.0
    result = neighbour_outliers(
        areas, 1e5 * events / people, graph=graph, model="poisson", numerator=events,
        denominator=people, multiplier=1e5,
    )  # fmt: skip
    assert not result.loc[1830, "flagged"]


def test_proportions_and_counts_on_their_own_scales() -> None:
    areas, graph = lattice(50, 50)
    rng = np.random.default_rng(13)
    people = rng.integers(5, 400, size=2500).astype(float)
    events = rng.binomial(people.astype(int), 0.3).astype(float)
    events[1275], people[1275] = 360.0, 400.0  # 90% where 30% is usual
    result = neighbour_outliers(
        areas, 100 * events / people, graph=graph, model="binomial", numerator=events,
        denominator=people, multiplier=100.0,
    )  # fmt: skip
    assert result.index[result["flagged"]].tolist() == [1275]
    assert result.loc[1275, "lower"] > 40  # percentage points, not the arcsine scale
    counts = rng.poisson(2.0, size=2500).astype(float)
    counts[1275] = 25.0
    result = neighbour_outliers(areas, counts, graph=graph, model="poisson")
    assert result.index[result["flagged"]].tolist() == [1275]
    assert result.loc[1275, "difference"] == pytest.approx(23.0, abs=1.5)


def test_missing_values_are_left_out() -> None:
    cells = [box(x, y, x + 1, y + 1) for y in range(15) for x in range(15)]
    values = np.random.default_rng(3).normal(size=225)
    values[::7] = np.nan
    values[112] = 9.0
    areas = gpd.GeoDataFrame({"code": [f"c{i}" for i in range(225)], "v": values}, geometry=cells)
    result = neighbour_outliers(areas, "v")
    assert result.loc[np.isnan(values), "p_value"].isna().all()
    assert not result.loc[np.isnan(values), "flagged"].any()
    assert bool(result.loc[112, "flagged"])
    assert result.attrs["tested"] == int((~np.isnan(values)).sum())


def test_bad_arguments_are_named() -> None:
    areas = gpd.GeoDataFrame(
        {"v": np.arange(9.0)}, geometry=[box(i, 0, i + 1, 1) for i in range(9)]
    )
    with pytest.raises(DataError, match="numeric columns are: v"):
        neighbour_outliers(areas, "w")
    with pytest.raises(DataError, match="Unknown sampling model 'normal'"):
        neighbour_outliers(areas, "v", model="normal")
    with pytest.raises(DataError, match="binomial model needs the denominator"):
        neighbour_outliers(areas, "v", model="binomial")
    with pytest.raises(DataError, match="alpha must be between 0 and 1"):
        neighbour_outliers(areas, "v", alpha=2)
    with pytest.raises(DataError, match="The denominator has 3 values for 9 areas"):
        neighbour_outliers(areas, "v", model="poisson", numerator=np.ones(9), denominator=[1, 2, 3])
