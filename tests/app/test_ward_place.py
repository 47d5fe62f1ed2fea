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


def run_ward_page(ward_place, page: str, **query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["place"] = ward_place.id
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_compare_and_your_area_show_the_indicator_by_deprivation(ward_place):
    """The example declares a (synthetic) deprivation score: both pages say what the
    most deprived fifth has, and the numbers are the engine's."""
    app = run_ward_page(ward_place, "pages/compare.py", indicator="child_poverty",
                        grouping="lad", group="E06000062")  # fmt: skip
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "In the most deprived fifth of areas in West Northamptonshire, children" in text
    assert "slope index of inequality" in text
    tables = [d.value for d in app.dataframe if "Deprivation" in d.value.columns]
    assert list(tables[0]["Deprivation"])[0] == "Most deprived fifth"
    app = run_ward_page(ward_place, "pages/your-area.py", postcode="NN1 1AA")
    subheaders = [s.value for s in app.subheader]
    assert "By deprivation" in subheaders
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "fifth of areas in Northampton and Wellingborough" in text
