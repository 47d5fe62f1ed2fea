"""Helpers for the source reader tests: fixture files, configurations, a private data folder.

The committed fixtures under ``data/`` are written by ``make_fixtures.py``. Tests that
need a variant (a broken file, another format) write it into ``tmp_path``.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from insight.data import postcodes as geocode
from insight.data.sources.build import build_place
from insight.data.sources.config import parse_config

#: The example own-data place that officers copy (``data/example`` in the repository).
DATA = Path(__file__).resolve().parents[4] / "data" / "example"

#: A small valid configuration: the fixture wards and their authority lookup.
BASE = {
    "place": {"id": "test-wards", "title": "Test wards"},
    "areas": {"path": str(DATA / "wards.geojson")},
    "groupings": [{"id": "lad", "title": "Local authority", "path": str(DATA / "ward_to_lad.csv")}],
}


def config(**sections) -> dict:
    """BASE with whole sections replaced or added, e.g. ``config(indicators=[...])``."""
    result = copy.deepcopy(BASE)
    result.update(sections)
    return result


def build(data: dict, base: Path = DATA):
    """Build (without saving) the place a configuration dict describes."""
    return build_place(
        parse_config(data, base, origin="place.toml"), save=False, require_indicators=False
    )


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data folder (``PLACE_INSIGHT_DATA``) sharing the real postcode index."""
    real_index = geocode.build_index()  # the per-area postcode files, built once
    root = tmp_path / "data"
    target = root / "cache" / "postcodes"
    target.mkdir(parents=True)
    (target / real_index.name).symlink_to(real_index, target_is_directory=True)
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(root))
    return root


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A copy of the fixture folder, free to change."""
    folder = tmp_path / "fixtures"
    shutil.copytree(DATA, folder)
    return folder
