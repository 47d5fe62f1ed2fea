"""Bearings on the pages' maps (AppTest, real demo): a pin, place names, named services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")

pytestmark = pytest.mark.slow


def run_page(page: str, **query) -> AppTest:
    """Open ``page`` as the first request of a session (as ``test_pages.py`` does)."""
    app = AppTest.from_file(APP, default_timeout=180)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    return app.run()


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [e.message for e in app.exception]


@pytest.fixture(scope="module", autouse=True)
def built(demo_place):
    return demo_place


def deck(app, position: int = 0) -> dict:
    """The JSON of the ``position``-th map on the page."""
    return json.loads(app.get("deck_gl_json_chart")[position].proto.json)


def layers(spec: dict) -> dict[str, dict]:
    return {layer["id"]: layer for layer in spec["layers"]}


def outside_addresses(spec: dict) -> list[str]:
    """Every address in the map that is not on this server."""
    text = json.dumps(spec)
    return [part for part in text.split('"') if "://" in part or part.startswith("//")]


def test_your_area_pins_the_postcode_and_says_where_the_pin_is():
    app = run_page("pages/your-area.py", postcode="NN1 1AA")
    assert_clean(app)
    spec = deck(app)
    found = layers(spec)
    assert {"pin", "pin-dot", "pin-label", "place-names", "services-mt"} <= set(found)
    assert found["pin-label"]["data"][0]["name"] == "Your postcode NN1 1AA"
    assert "Northampton" in {row["text"] for row in found["place-names"]["data"]}
    captions = " ".join(c.value for c in app.caption)
    assert "marks your postcode NN1 1AA, in Northampton" in captions.replace("\\", "")
    assert "Place names" in captions
    assert "marks your postcode NN1 1AA" in app.get("deck_gl_json_chart")[0].proto.alt
    key = " ".join(m.value for m in app.markdown)
    assert "MT = thrombectomy centres" in key and "IVT = clot-busting stroke units" in key
    assert outside_addresses(spec) == []


def test_map_lists_the_services_it_draws_with_names_and_pins_a_postcode():
    app = run_page(
        "pages/map.py", scope="local", group="E06000062", indicator="mt_minutes", postcode="NN1 1AA"
    )
    assert_clean(app)
    found = layers(deck(app))
    assert found["pin-label"]["data"][0]["name"] == "Your postcode NN1 1AA"
    assert "marks your postcode NN1 1AA" in " ".join(c.value for c in app.caption).replace("\\", "")
    names = [row["name"] for row in found["services-mt"]["data"]]
    assert any(n.endswith(" — thrombectomy centre") for n in names)
    services = next(frame.value for frame in app.dataframe if "Service" in frame.value.columns)
    assert "Northampton General Hospital" in set(services["Service"])
    assert {"Service", "Type", "Marker"} <= set(services.columns)
    assert "place-names" in found


def test_lottery_finding_map_shows_its_surroundings_and_the_centres():
    app = run_page("pages/lottery.py", indicator="mt_minutes", grouping="lad")
    assert_clean(app)
    found = layers(deck(app))
    assert list(found)[0] == "around"
    assert {"areas", "outlines", "place-names", "services-mt"} <= set(found)
    legend = " ".join(m.value for m in app.markdown)
    assert "Around this finding" in legend and "MT = thrombectomy centres" in legend
    tables = [frame.value for frame in app.dataframe]
    assert any(
        "Service" in t.columns and (t["Type"] == "thrombectomy centre").all() for t in tables
    )
    assert outside_addresses(deck(app)) == []
