"""What a gap means for people (``Finding.opportunity``) where the indicator has a denominator."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from insight.analysis.findings import opportunity_of


def test_gap_times_the_denominator(trend_place):
    rated = [
        i
        for i in trend_place.indicators.values()
        if i.denominator and i.denominator in trend_place.areas.columns and i.polarity != "neutral"
    ]
    assert rated, "the example export has indicators with denominators"
    indicator = rated[0]
    rows = np.arange(5)
    record = {"effect": 2.5, "value": 12.5, "benchmark": 10.0, "affected": math.nan}
    denominator = pd.to_numeric(trend_place.areas[indicator.denominator]).to_numpy(float)[rows]
    expected = 2.5 / indicator.multiplier * np.nansum(denominator)
    assert opportunity_of(trend_place, indicator, record, rows) == pytest.approx(expected)
    # The same gap about areas already better off (lower, where lower is good): nobody counted
    better = {**record, "effect": -2.5, "value": 10.0, "benchmark": 12.5}
    assert math.isnan(opportunity_of(trend_place, indicator, better, rows))


def test_nothing_to_count_gives_nan(trend_place):
    neutral = next(i for i in trend_place.indicators.values() if not i.denominator)
    record = {"effect": 3.0, "value": 1.0, "benchmark": 4.0, "affected": math.nan}
    assert math.isnan(opportunity_of(trend_place, neutral, record, np.arange(3)))
