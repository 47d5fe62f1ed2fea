"""The Present page (meeting mode) through Streamlit's AppTest, on the real demo place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/present.py"
TIMEOUT = 300

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def built(demo_place):
    return demo_place


def open_present(session: dict | None = None, **query) -> AppTest:
    """Open Present as the first request of a session (a deep link to /present)."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (session or {}).items():
        app.session_state[key] = value
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    return app.run()


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [e.message for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def query(app: AppTest, name: str) -> str:
    value = app.query_params[name]
    return value[0] if isinstance(value, list) else value


def sentence(app: AppTest) -> str:
    found = [m.value for m in app.markdown if 'class="slide-sentence"' in m.value]
    assert len(found) == 1
    return found[0]


def test_findings_one_per_slide_with_keys_image_and_downloads():
    app = open_present(indicator="mt_minutes", grouping="isdn")
    assert_clean(app)
    assert query(app, "slide") == "1"
    first = sentence(app)
    assert "thrombectomy" in first
    assert any("Slide 1 of 5" in m.value for m in app.markdown)
    (image,) = app.get("image")
    assert "Map of" in image.proto.imgs[0].alt  # text alternative of the picture
    # As a reader sees it: Markdown's backslash escapes removed.
    captions = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", " ".join(c.value for c in app.caption))
    assert "Contains OS data © Crown copyright and database right" in captions
    assert "Open Government Licence v.3.0" in captions
    previous, following = app.button(key="slide_previous"), app.button(key="slide_next")
    assert previous.disabled and not following.disabled
    assert following.proto.shortcut.lower() == "right"
    assert previous.proto.shortcut.lower() == "left"
    labels = [d.label for d in app.get("download_button")]
    assert labels == ["PowerPoint (.pptx)", "PDF", "Images (.zip of PNG, 1920 × 1080)"]

    following.click().run()
    assert_clean(app)
    assert query(app, "slide") == "2"
    assert sentence(app) != first
    app.button(key="slide_previous").click().run()
    assert_clean(app)
    assert query(app, "slide") == "1"
    assert sentence(app) == first


def test_slide_number_in_the_url_opens_that_slide_and_is_clamped():
    app = open_present(indicator="mt_minutes", grouping="isdn", slide="3")
    assert_clean(app)
    assert any("Slide 3 of 5" in m.value for m in app.markdown)
    assert not app.button(key="slide_previous").disabled
    app = open_present(indicator="mt_minutes", grouping="isdn", slide="99")
    assert_clean(app)
    assert query(app, "slide") == "1"


def test_add_a_finding_then_show_your_presentation():
    app = open_present(indicator="mt_minutes", grouping="isdn")
    assert_clean(app)
    first = sentence(app)
    app.button(key="add_1").click().run()
    assert_clean(app)
    items = app.session_state["presentation"]
    assert len(items) == 1 and items[0]["kind"] == "finding"
    app.sidebar.selectbox(key="w_deck").select("own").run()
    assert_clean(app)
    assert sentence(app) == first
    assert any("Slide 1 of 1" in m.value for m in app.markdown)


def test_an_area_item_in_your_presentation(demo_place):
    code = demo_place.areas.loc[demo_place.areas["lad_code"] == "E06000062", "code"].iloc[0]
    item = {"kind": "area", "indicator": "mt_minutes", "grouping": "lad", "area_code": code}
    app = open_present(session={"presentation": [item]}, deck="own")
    assert_clean(app)
    assert "West Northamptonshire" in sentence(app)
    app.button(key="remove_1").click().run()
    assert_clean(app)
    assert app.session_state["presentation"] == []
    assert any("presentation is empty" in i.value for i in app.info)
