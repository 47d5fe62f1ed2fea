"""The border engine's prepared, batched tests (``_BorderEngine._border``) give the same
numbers, bit for bit, as the per-border reference engine (``PLACE_INSIGHT_SCAN_REFERENCE=1``),
on a lattice with a planted step, noise, missing values, weights and counts, pair after pair
of a scan (what one pair prepared is used by the next)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from insight.analysis import borders, scan
from insight.analysis.findings import findings
from insight.analysis.shared import REFERENCE_ENV, Shared
from insight.spatial.index import AreaIndex
from tests.insight.analysis.test_shared import lattice, same


def test_the_prepared_engine_finds_what_the_reference_finds_bit_for_bit(monkeypatch):
    place = lattice()
    index = AreaIndex.for_place(place)
    fast_shared, reference_shared = Shared(), Shared()
    flagged = 0
    for indicator in place.indicators:  # a scan's order: indicator by indicator
        for grouping in place.groupings:
            monkeypatch.delenv(REFERENCE_ENV, raising=False)
            fast = findings(place, indicator, grouping, index=index, shared=fast_shared)
            monkeypatch.setenv(REFERENCE_ENV, "1")
            reference = findings(place, indicator, grouping, index=index, shared=reference_shared)
            assert same(scan.finding_records(fast), scan.finding_records(reference)), (
                indicator,
                grouping,
            )
            assert fast.tests == reference.tests
            columns = list(reference.border_table.columns)
            assert same(
                fast.border_table[columns].to_dict("list"),
                reference.border_table[columns].to_dict("list"),
            ), (indicator, grouping)
            assert same(fast.border_table.attrs, reference.border_table.attrs)
            flagged += int(fast.border_table["flagged"].sum())
    assert flagged >= 1  # the planted step: robustness placebos compared too


def test_every_border_and_placebo_border_is_tested_the_same_way(monkeypatch):
    """Engine level: every border, every calibration placebo and every shifted placebo,
    with weights missing on some areas and values missing on others."""
    place = lattice()
    graph = AreaIndex.for_place(place).contiguity
    rng = np.random.default_rng(5)
    y = place.areas["gappy"].to_numpy(dtype=float)
    w = rng.poisson(30, y.size).astype(float)
    w[rng.choice(y.size, 20, replace=False)] = np.nan
    known = np.where(np.isfinite(y), w, np.nan)
    w = np.where(np.isfinite(w), w, np.nanmean(w))
    valid = np.isfinite(y) & np.isfinite(w)
    _, gi = borders._factorise(place.areas["quarter_code"])
    shapes = borders.BorderShapes()
    results = {}
    for mode in ("fast", "reference"):
        if mode == "reference":
            monkeypatch.setenv(REFERENCE_ENV, "1")
        else:
            monkeypatch.delenv(REFERENCE_ENV, raising=False)
        engine = borders._BorderEngine(
            graph, y, w, valid, gi, rings=borders.DEFAULT_RINGS, lags=3, known=known,
            shapes=shapes,
        )  # fmt: skip
        rows = engine.run(5)
        calibration = engine.calibrate(5)
        robust = [engine.robustness(r.a, r.b, 5) for r in rows]
        results[mode] = (
            [{k: v for k, v in vars(r).items() if not k.startswith("codes")} for r in rows],
            [(r.codes_a.tolist(), r.codes_b.tolist()) for r in rows],
            (calibration.inflation, calibration.placebos, calibration.ratio),
            robust,
        )
    assert same(results["fast"], results["reference"])
    assert len(results["fast"][0]) >= 3 and results["fast"][2][1] >= 1


def test_a_shape_keeps_a_bounded_number_of_versions():
    """A scan of many indicators, each missing other areas, keeps only the latest few
    versions of each shape (the memory of a worker does not grow with the indicators)."""
    place = lattice()
    graph = AreaIndex.for_place(place).contiguity
    _, gi = borders._factorise(place.areas["half_code"])
    shapes = borders.BorderShapes()
    rng = np.random.default_rng(11)
    for _ in range(8):
        y = rng.normal(size=len(place.areas))
        y[rng.choice(y.size, 40, replace=False)] = np.nan
        valid = np.isfinite(y)
        engine = borders._BorderEngine(
            graph, y, np.ones_like(y), valid, gi, rings=borders.DEFAULT_RINGS, lags=3,
            shapes=shapes,
        )  # fmt: skip
        engine.run(5)
    whole = shapes.get(("border", 0, 1), lambda: None)
    assert isinstance(whole, borders._Shape)
    assert 1 <= len(whole.kept["valid"]) <= borders._Shape.KEPT
    for version in whole.kept["valid"].values():
        assert len(version.kept.get("prepared", {})) <= borders._Shape.KEPT


def test_factorise_sorts_codes_as_text():
    codes = pd.Series(["E2", None, "E10", 7, "7", np.nan, "E2"], dtype=object)
    labels, gi = borders._factorise(codes)
    assert labels.tolist() == ["7", "E10", "E2"]
    assert gi.tolist() == [2, -1, 1, 0, 0, -1, 2]
