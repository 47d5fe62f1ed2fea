"""Every page through Streamlit's AppTest, on the real demo place."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")

pytestmark = pytest.mark.slow
TIMEOUT = 120


def run_page(page: str, **query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.run()  # AppTest only switches pages once the navigation has run
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    return app.run()


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [e.message for e in app.exception]


@pytest.fixture(scope="module", autouse=True)
def built(demo_place):
    return demo_place


def test_home_explains_and_offers_a_postcode_box():
    app = run_page("views/home.py")
    assert_clean(app)
    assert app.title[0].value == "Place Insight"
    assert app.text_input[0].label == "Your postcode"


def test_your_area_finds_nn1_1aa_in_west_northamptonshire():
    app = run_page("views/your_area.py", postcode="NN1 1AA")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown)
    assert "West Northamptonshire" in text
    assert "minutes" in text


def test_your_area_typed_postcode_then_bad_postcode_shows_error_not_traceback():
    app = run_page("views/your_area.py")
    assert_clean(app)
    app.text_input[0].input("nn11aa")
    app.button[0].click().run()
    assert_clean(app)
    assert "NN1 1AA" in app.subheader[0].value
    app.text_input[0].input("not a postcode")
    app.button[0].click().run()
    assert_clean(app)
    assert "is not a UK postcode" in app.error[0].value


def test_map_national_then_change_indicator():
    app = run_page("views/map.py")
    assert_clean(app)
    indicator = app.sidebar.selectbox(key="w_indicator")
    indicator.select("mt_minutes").run()
    assert_clean(app)
    assert app.subheader[0].value == "Minutes to the nearest thrombectomy centre"
    assert (
        app.query_params["indicator"] == ["mt_minutes"]
        or app.query_params["indicator"] == "mt_minutes"
    )


def test_map_local_view_of_an_authority_and_its_neighbours():
    app = run_page("views/map.py", scope="local", group="E06000062", indicator="mt_minutes")
    assert_clean(app)
    assert "West Northamptonshire and the" in app.caption[0].value
