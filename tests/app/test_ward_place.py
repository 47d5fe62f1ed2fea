"""Every page on a ward place built from the officers' own files, as on the demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from insight.data.sources import build_from_toml

APP = str(Path(__file__).resolve().parents[2] / "app.py")
FIXTURE = Path(__file__).resolve().parents[1] / "insight" / "sources" / "data" / "place.toml"
PAGES = ["views/home.py", "views/your_area.py", "views/map.py", "views/compare.py", "views/data.py"]


@pytest.fixture(scope="module")
def ward_place(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as patch:  # held open for the whole module
        patch.setenv("PLACE_INSIGHT_DATA", str(data))
        place, _ = build_from_toml(FIXTURE)
        yield place


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_a_ward_place(ward_place, page):
    # PLACE_INSIGHT_DATA stays pointed at the temporary data folder while the fixture lives.
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["place"] = ward_place.id
    app.run()
    app.switch_page(page)
    app.query_params["place"] = ward_place.id
    app.query_params["postcode"] = "NN1 1AA"
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    text = " ".join(e.value for e in [*app.markdown, *app.caption, *app.subheader, *app.title])
    assert "stroke" not in text.lower(), "a ward place page showed demo content"
