"""A first start: Home opens before the place's findings are all checked. While the server
scans in the background, every page shows how far it has got, and Home's strongest findings
say they are from the pairs checked so far; once it is done, the bar and that note are gone.

The place is a small grid (``tests/scanning_grid.py``) whose scan the test lets through
pair by pair, in a private data folder with no findings store (as on a first start)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from insight.data import store
from insight.service import background
from insight.service.background import SCANS
from ui.loaders import PLACES

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scanning_grid import Gate, grid_place  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PLACE = "first-start-grid"


@pytest.fixture
def first_start(tmp_path, monkeypatch):
    """The grid place built, not scanned; every pair written as soon as it is checked."""
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(tmp_path))
    monkeypatch.setattr(background, "CHECKPOINT_S", 0.0)
    store.save_place(grid_place(PLACE), store.place_dir(PLACE))
    yield
    SCANS.stop()


def home() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["place"] = PLACE
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def shown(app: AppTest) -> str:
    return " ".join(
        str(e.value) for e in [*app.markdown, *app.caption, *app.info, *app.subheader]
    ) + " ".join(str(p.proto.text) for p in app.get("progress"))


def wait_until(condition) -> None:
    for _ in range(1200):
        if condition():
            return
        threading.Event().wait(0.05)
    raise AssertionError("the scan never got there")


def test_home_shows_the_pairs_checked_so_far_then_every_pair(first_start, monkeypatch):
    gate = Gate(monkeypatch)
    opening = home()  # the scan starts; its first pair is not checked yet
    text = shown(opening)
    assert "the first postcode lotteries" in text
    assert "0 of 4 indicator and boundary pairs checked" in text
    assert "See this finding on the map" not in str([p.proto for p in opening.get("page_link")])

    gate.let()  # the featured pair
    wait_until(lambda: SCANS.progress(PLACE, PLACES).checked >= 1)
    partial = home()
    text = shown(partial)
    assert "1 of 4 indicator and boundary pairs checked" in text  # the bar
    assert "So far 1 of 4 indicator and boundary pairs have been checked" in text
    finding_links = [p for p in partial.get("page_link") if "finding=" in p.proto.query_string]
    assert finding_links and all("grouping=half" in p.proto.query_string for p in finding_links)

    gate.let(3)
    wait_until(lambda: not SCANS.progress(PLACE, PLACES).running)
    complete = home()
    text = shown(complete)
    assert "pairs checked" not in text and "So far" not in text
    assert not complete.get("progress")
    assert any("finding=" in p.proto.query_string for p in complete.get("page_link"))
