"""The Present page (meeting mode) through Streamlit's AppTest, on the real demo place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from insight.present.slides import SlideItem

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
    # The whole picture (wide screens), and its map and chart one above the other
    # (phones: the page's CSS shows one or the other): each with its text alternative.
    whole, map_panel, chart_panel = app.get("image")
    assert "Map of" in whole.proto.imgs[0].alt == map_panel.proto.imgs[0].alt
    assert "chart" in chart_panel.proto.imgs[0].alt
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
    assert len(items) == 1 and items[0].kind == "finding"
    app.sidebar.selectbox(key="w_deck").select("own").run()
    assert_clean(app)
    assert sentence(app) == first
    assert any("Slide 1 of 1" in m.value for m in app.markdown)


def test_an_area_item_in_your_presentation(demo_place):
    code = demo_place.areas.loc[demo_place.areas["lad_code"] == "E06000062", "code"].iloc[0]
    item = SlideItem("area", "mt_minutes", "lad", area_code=code)
    app = open_present(session={"presentation": [item]}, deck="own")
    assert_clean(app)
    assert "West Northamptonshire" in sentence(app)
    app.button(key="remove_1").click().run()
    assert_clean(app)
    assert app.session_state["presentation"] == []
    assert any("presentation is empty" in i.value for i in app.info)


def follow(app: AppTest, page: str, **query) -> AppTest:
    """Follow a sidebar link to ``page`` (its URL carries only the place), same session."""
    app.query_params.clear()
    app.query_params["place"] = "demo"
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    return app.run()


def area_item(code: str, indicator: str = "mt_minutes") -> SlideItem:
    return SlideItem("area", indicator, "lad", area_code=code)


def west_northants(demo_place, n: int) -> list[str]:
    areas = demo_place.areas
    return list(areas.loc[areas["lad_code"] == "E06000062", "code"].iloc[:n])


def test_present_opens_on_the_slide_just_added_on_another_page(demo_place):
    first, second, third = west_northants(demo_place, 3)
    app = open_present(
        session={"presentation": [area_item(first), area_item(second)]}, deck="findings"
    )
    assert_clean(app)
    follow(app, "pages/map.py", area=third)
    assert_clean(app)
    app.button(key="present_area").click().run()
    assert_clean(app)
    assert len(app.session_state["presentation"]) == 3
    follow(app, PAGE)  # the sidebar link: its URL names only the place
    assert_clean(app)
    assert query(app, "deck") == "own"  # the presentation, not the findings
    assert any("Slide 3 of 3" in m.value for m in app.markdown)
    assert query(app, "slide") == "3"
    # Once shown, the slide is the user's to move: back stays back.
    app.button(key="slide_previous").click().run()
    assert_clean(app)
    assert any("Slide 2 of 3" in m.value for m in app.markdown)


def test_adding_from_the_findings_stays_on_them_then_opens_the_added_slide():
    app = open_present(indicator="mt_minutes", grouping="isdn", slide="3")
    assert_clean(app)
    third = sentence(app)
    app.button(key="add_3").click().run()
    assert_clean(app)
    assert app.query_params.get("deck") in (None, "findings", ["findings"])  # still them
    assert any("Slide 3 of 5" in m.value for m in app.markdown)
    app.button(key="slide_next").click().run()
    app.button(key="add_4").click().run()
    assert_clean(app)
    fourth = sentence(app)
    app.sidebar.selectbox(key="w_deck").select("own").run()
    assert_clean(app)
    assert any("Slide 2 of 2" in m.value for m in app.markdown)  # the one added last
    assert sentence(app) == fourth
    app.button(key="slide_previous").click().run()
    assert sentence(app) == third


def test_a_presentation_is_shared_by_its_link(demo_place):
    codes = west_northants(demo_place, 2)
    items = [area_item(codes[0]), area_item(codes[1], "ivt_minutes")]
    app = open_present(session={"presentation": items}, deck="own")
    assert_clean(app)
    link = {name: query(app, name) for name in ("place", "deck", "items", "slide")}
    assert link["items"] == f"a.mt_minutes.lad.{codes[0]}~a.ivt_minutes.lad.{codes[1]}"
    app.button(key="slide_next").click().run()
    link["slide"] = query(app, "slide")
    shown = sentence(app)

    other = open_present(**link)  # a new session: nothing in its memory
    assert_clean(other)
    assert other.session_state["presentation"] == items
    assert any("Slide 2 of 2" in m.value for m in other.markdown)
    assert sentence(other) == shown
    assert any("came with the page's link" in i.value for i in other.info)
    # Removing a slide changes the link.
    other.button(key="remove_2").click().run()
    assert_clean(other)
    assert query(other, "items") == f"a.mt_minutes.lad.{codes[0]}"
    # Showing the findings keeps the items in the link: a reload does not lose them.
    other.sidebar.selectbox(key="w_deck").select("findings").run()
    assert_clean(other)
    assert query(other, "items") == f"a.mt_minutes.lad.{codes[0]}"
    assert len(other.session_state["presentation"]) == 1


def test_a_presentation_survives_a_reload_of_another_page(demo_place):
    """Added on the Map, then the page reloaded (a new session, only the URL left): Present
    still shows it, and says where it came from."""
    (code,) = west_northants(demo_place, 1)
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update({"scope": "group", "group": "E06000062", "area": code})
    app.switch_page("pages/map.py")
    app.run()
    assert_clean(app)
    app.button(key="present_area").click().run()
    assert_clean(app)
    address = {name: query(app, name) for name in ("place", "items", "scope", "group", "area")}
    assert address["items"] == f"a.mt_minutes.lad.{code}" or address["items"].endswith(code)

    reloaded = AppTest.from_file(APP, default_timeout=TIMEOUT)  # a reload: a new session
    reloaded.query_params.update({k: v for k, v in address.items() if v})
    reloaded.switch_page("pages/map.py")
    reloaded.run()
    assert_clean(reloaded)
    assert len(reloaded.session_state["presentation"]) == 1
    assert query(reloaded, "items") == address["items"]  # still in the address
    reloaded.switch_page("pages/present.py")
    reloaded.run()
    assert_clean(reloaded)
    assert query(reloaded, "deck") == "own"
    assert any("Slide 1 of 1" in m.value for m in reloaded.markdown)
    assert any("came with the page's link" in i.value for i in reloaded.info)


def test_a_link_with_items_alone_opens_the_presentation(demo_place):
    (code,) = west_northants(demo_place, 1)
    app = open_present(items=f"a.mt_minutes.lad.{code}")
    assert_clean(app)
    assert query(app, "deck") == "own"
    assert "West Northamptonshire" in sentence(app)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ("nonsense", "not in the form the app writes (slide 1)"),
        ("a.mt_minutes.lad.E01000001~z.1", "not in the form the app writes (slide 2)"),
        ("a.mt_minutes.lad", "not in the form"),
        ("a.mt_minutes.lad.%FF", "not in the form"),
        ("a." + "x" * 9000 + ".lad.E01000001", "longer than any link"),
        ("~".join(["a.mt_minutes.lad.E01000001"] * 61), "more slides than"),
        ("a...", "slide 1 does not say what to show"),
    ],
)
def test_a_bad_presentation_link_says_so_and_never_fails(items, message):
    app = open_present(deck="own", items=items)
    assert not app.exception, [e.message for e in app.exception]
    warnings = " ".join(w.value for w in app.warning).replace("\\", "")
    assert message in warnings
    assert any("presentation is empty" in i.value for i in app.info)
    assert "items" not in app.query_params  # the bad value does not stay in the address


def test_slides_of_a_link_not_about_this_place_are_left_out(demo_place):
    (code,) = west_northants(demo_place, 1)
    items = f"a.mt_minutes.lad.{code}~a.no_such.lad.{code}~f.mt_minutes.isdn.border.nowhere."
    app = open_present(deck="own", items=items)
    assert_clean(app)
    infos = " ".join(i.value for i in app.info).replace("\\", "")
    assert "2 slides of this link are not about" in infos
    assert any("Slide 1 of 1" in m.value for m in app.markdown)


def test_an_old_own_deck_link_without_items_says_how_to_get_one():
    app = open_present(deck="own")
    assert_clean(app)
    assert any("A link to a presentation carries its slides" in i.value for i in app.info)
