"""Boundary penalties on the demo: one computation behind findings, figures and summaries."""

from __future__ import annotations

import numpy as np
import pytest

from insight.analysis import penalty
from insight.errors import DataError

pytestmark = pytest.mark.slow


def test_thrombectomy_penalty_within_own_network_is_about_one_in_eight(demo_place) -> None:
    # Limited to thrombectomy centres in their own stroke network, 4,566 of the
    # 34,753 LSOAs (13.1%) travel more than 10 minutes further; up to 161 minutes.
    summary = penalty.penalty_summary(demo_place, "mt", "isdn")
    assert summary["areas"] == 34_753
    assert summary["share_over_threshold"] == pytest.approx(0.131, abs=0.002)
    assert 80 <= summary["max_minutes"] <= 200
    assert summary["admissions_over_threshold"] > 5_000
    assert summary["areas_with_no_unit_in_group"] + summary["areas_with_penalty"] == 34_753
    assert summary["areas_over_threshold"] == sum(
        g["areas_over_threshold"] for g in summary["by_group"].values()
    )


def test_threshold_names_the_keys_and_moves_the_count(demo_place) -> None:
    strict = penalty.penalty_summary(demo_place, "mt", "isdn", threshold=30)
    loose = penalty.penalty_summary(demo_place, "mt", "isdn")
    assert strict["threshold_minutes"] == 30
    assert strict["areas_over_threshold"] < loose["areas_over_threshold"]


def test_boundary_penalties_are_the_demo_penalty_indicator(demo_place) -> None:
    minutes, _ = penalty.boundary_penalties(demo_place, "mt", demo_place.grouping("isdn"))
    stored = demo_place.areas["mt_penalty_isdn"].to_numpy(dtype=float)
    both = np.isfinite(minutes) & np.isfinite(stored)
    assert both.sum() > 30_000
    assert np.allclose(minutes[both], stored[both], atol=0.05)


def test_unknown_service_is_named(demo_place) -> None:
    with pytest.raises(DataError, match="no service type 'xx'"):
        penalty.penalty_summary(demo_place, "xx", "isdn")
