"""Fixtures shared by the page tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from insight.data.sources import build_from_toml
from insight.data.store import place_dir

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "example" / "place.toml"


@pytest.fixture(scope="session", autouse=True)
def demo_with_its_store(demo_store):
    """Every page test sees the demo as the app leaves it after its first start: built and
    scanned into its findings store (Home and the Postcode lottery lead with the strongest
    findings across every pair)."""
    return demo_store


@pytest.fixture(scope="module")
def ward_place(tmp_path_factory, demo_place):
    """The example ward place, built in a private data folder (``PLACE_INSIGHT_DATA``, set
    for the whole module) beside the demo, which is linked in so switching to it builds
    nothing; the postcode index is linked too."""
    data = tmp_path_factory.mktemp("data")
    (data / "cache").mkdir()
    (data / "cache" / "demo").symlink_to(place_dir(demo_place.id), target_is_directory=True)
    postcodes = place_dir(demo_place.id).parent / "postcodes"
    if postcodes.is_dir():
        (data / "cache" / "postcodes").symlink_to(postcodes, target_is_directory=True)
    with pytest.MonkeyPatch.context() as patch:  # held open for the whole module
        patch.setenv("PLACE_INSIGHT_DATA", str(data))
        place, _ = build_from_toml(FIXTURE)
        yield place
