"""A small own-data place with several periods: the example wards and the example's
six-year Fingertips export (``data/example/fingertips_trends.csv``)."""

from __future__ import annotations

from pathlib import Path

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
