"""A small own-data place with several periods: the example wards and the example's
six-year Fingertips export (``data/example/fingertips_trends.csv``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insight.data.sources.build import build_place
from insight.data.sources.config import parse_config
from insight.model import Place

EXAMPLE = Path(__file__).resolve().parents[3] / "data" / "example"


def trend_config(place_id: str = "trend-wards") -> dict:
    """The example wards, their authorities and both Fingertips exports of the example."""
    return {
        "place": {"id": place_id, "title": "Trend wards", "benchmark_name": "the wards"},
        "areas": {"path": str(EXAMPLE / "wards.geojson")},
        "groupings": [
            {"id": "lad", "title": "Local authority", "path": str(EXAMPLE / "ward_to_lad.csv")}
        ],
        "indicators": [
            {"path": str(EXAMPLE / "fingertips_trends.csv"), "format": "fingertips"},
            {"path": str(EXAMPLE / "fingertips_export.csv"), "format": "fingertips"},
            {"path": str(EXAMPLE / "long_indicators.csv"), "format": "long"},
        ],
    }


@pytest.fixture(scope="session")
def trend_place() -> Place:
    """The place of :func:`trend_config`, built in memory (not saved)."""
    config = parse_config(trend_config(), EXAMPLE, origin="place.toml")
    return build_place(config, save=False, require_indicators=False)[0]


def _with_earlier_period(place, indicator_id: str, earlier: dict[str, float], period: str):
    """``place`` with two periods of one indicator: ``period`` (values as ``earlier``
    changes them, by area code) and the latest (the place's own values)."""
    indicator = place.indicator(indicator_id)
    now = place.areas[["code", indicator_id]].rename(columns={indicator_id: "value"})
    then = now.assign(
        value=[earlier.get(c, v) for c, v in zip(now["code"], now["value"], strict=True)]
    )
    rows = []
    for order, (label, values) in enumerate(((period, then), (indicator.period, now))):
        rows.append(
            pd.DataFrame(
                {
                    "indicator": indicator_id,
                    "area_code": values["code"].astype(str),
                    "period": label,
                    "period_order": order,
                    "value": values["value"].astype(float),
                    "lower": np.nan,
                    "upper": np.nan,
                    "numerator": np.nan,
                    "denominator": np.nan,
                }
            )
        )
    indicators = dict(place.indicators)
    indicators[indicator_id] = replace(indicator, periods=(period, indicator.period))
    return replace(place, indicators=indicators, series=pd.concat(rows, ignore_index=True))


@pytest.fixture(scope="session")
def with_earlier_period():
    """:func:`_with_earlier_period`: a place with an earlier period of one indicator."""
    return _with_earlier_period
