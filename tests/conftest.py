"""Shared fixtures: the demo place is built once per test session (about half a minute)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from insight.data.demo import load_demo
from insight.data.postcodes import index_dir
from insight.data.store import CONTENT_FILES, place_dir
from insight.model import DEMO_ID, Place


@pytest.fixture(scope="session")
def demo_place() -> Place:
    """The real embedded demo place (England and Wales LSOAs, stroke units)."""

    return load_demo()


@pytest.fixture
def demo_copy(demo_place, tmp_path, monkeypatch) -> Path:
    """A private data folder (``PLACE_INSIGHT_DATA``) holding the real demo place.

    Its data files and the postcode index are linked, not copied, and ``place.json`` is
    copied, so the place has the real demo's content hash; a findings store written there
    leaves the shared cache alone.
    """
    real = place_dir(DEMO_ID)
    postcodes = index_dir()
    root = tmp_path / "data"
    folder = root / "cache" / DEMO_ID
    folder.mkdir(parents=True)
    for name in CONTENT_FILES:
        if name == "place.json":
            shutil.copy2(real / name, folder / name)
        elif (real / name).is_file():
            (folder / name).symlink_to(real / name)
    if postcodes.is_dir():
        (root / "cache" / "postcodes").mkdir()
        (root / "cache" / "postcodes" / postcodes.name).symlink_to(postcodes)
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(root))
    return root
