"""Every page on a ward place built from the officers' own files, as on the demo
(``ward_place``: ``tests/app/conftest.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = ["app.py", "pages/your-area.py", "pages/map.py", "pages/compare.py", "pages/data.py"]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_a_ward_place(ward_place, page):
    # PLACE_INSIGHT_DATA stays pointed at the temporary data folder while the fixture lives.
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["place"] = ward_place.id
    app.query_params["postcode"] = "NN1 1AA"
    if page != "app.py":
        app.switch_page(page)  # a deep link as the first request
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    text = " ".join(e.value for e in [*app.markdown, *app.caption, *app.subheader, *app.title])
    assert "stroke" not in text.lower(), "a ward place page showed demo content"


def test_choosing_the_place_in_the_sidebar_moves_every_page_link_to_it(ward_place):
    app = AppTest.from_file(APP, default_timeout=120)
    app.switch_page("pages/data.py").run()
    assert not app.exception, [e.message for e in app.exception]
    assert {link.proto.query_string for link in app.sidebar.get("page_link")} == {"place=demo"}
    app.sidebar.selectbox(key="w_place").select(ward_place.id).run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.query_params["place"] in (ward_place.id, [ward_place.id])
    # The links are drawn above the picker, but from the place chosen in this very run.
    links = app.sidebar.get("page_link")
    assert {link.proto.query_string for link in links} == {f"place={ward_place.id}"}
    assert ward_place.title in " ".join(m.value for m in app.markdown)
