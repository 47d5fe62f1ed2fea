"""Flow between views, through AppTest on the real demo place: changing the boundaries keeps
the map where it was, links that name a place open it, Compare's comparators live in the URL.

Each test opens its page as a deep link (the first request of a session), then acts as a
user would; following a link is done as the browser does it: a new page whose URL carries
only the link's parameters, in the same session.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 300
WEST_NORTHANTS = "E06000062"
NORTHANTS_ICB = "E54000059"
LEICESTERSHIRE = "E10000018"
EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def built(demo_place):
    return demo_place


def open_page(page: str, **query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    return app.run()


def follow(app: AppTest, page: str, **query) -> AppTest:
    """Follow a link to ``page`` whose URL carries ``query`` only (same session)."""
    app.query_params.clear()
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    return app.run()


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [e.message for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def query(app: AppTest, name: str) -> str | None:
    value = app.query_params.get(name)
    return value[-1] if isinstance(value, list) else value


def query_all(app: AppTest, name: str) -> list[str]:
    value = app.query_params.get(name)
    return [] if value is None else value if isinstance(value, list) else [value]


# --- Map: the boundaries change under the view ------------------------------------------


def test_new_boundaries_keep_the_map_on_the_group_holding_the_selected_area(demo_place):
    areas = demo_place.areas.set_index("code")
    area = "E01027153"  # Northampton 021C, in West Northamptonshire
    app = open_page("pages/map.py", scope="local", grouping="lad", group=WEST_NORTHANTS, area=area)
    assert_clean(app)
    assert app.selectbox(key="w_group").value == WEST_NORTHANTS
    for grouping in ("icb", "isdn", "county", "ambulance", "lad"):
        app.sidebar.selectbox(key="w_grouping").select(grouping).run()
        assert_clean(app)
        expected = areas.loc[area, f"{grouping}_code"]
        assert query(app, "group") == expected, grouping
        assert app.selectbox(key="w_group").value == expected, grouping
        assert query(app, "area") == area  # the selected area stays selected
    assert query(app, "group") == WEST_NORTHANTS


def test_new_boundaries_without_a_selected_area_keep_most_of_the_group(demo_place):
    app = open_page("pages/map.py", scope="local", grouping="county", group=LEICESTERSHIRE)
    assert_clean(app)
    assert "Leicestershire" in " ".join(c.value for c in app.caption)
    app.sidebar.selectbox(key="w_grouping").select("icb").run()
    assert_clean(app)
    assert query(app, "group") == "E54000015"  # Leicester, Leicestershire and Rutland ICB
    app.sidebar.selectbox(key="w_grouping").select("lad").run()
    assert_clean(app)
    # The ICB's biggest authority: Leicester (the unitary), by most areas.
    lad = demo_place.group_at("lad", from_grouping="icb", from_group="E54000015")
    assert query(app, "group") == lad


def test_a_group_chosen_by_hand_then_new_boundaries_follow_that_group(demo_place):
    # The selected area (in West Northamptonshire) is no longer in the view: the view wins.
    app = open_page(
        "pages/map.py", scope="local", grouping="lad", group=WEST_NORTHANTS, area="E01027153"
    )
    app.selectbox(key="w_group").select("E07000130").run()  # Charnwood
    assert_clean(app)
    app.sidebar.selectbox(key="w_grouping").select("county").run()
    assert_clean(app)
    assert query(app, "group") == LEICESTERSHIRE


def test_a_shared_address_keeps_its_own_group():
    app = open_page("pages/map.py", scope="local", grouping="icb", group=NORTHANTS_ICB)
    assert_clean(app)
    assert app.selectbox(key="w_group").value == NORTHANTS_ICB


# --- Links that name a place --------------------------------------------------------------


def test_a_link_naming_a_place_opens_it_even_after_another_was_chosen(ward_place):
    app = open_page("pages/data.py")  # the picker has the demo
    assert_clean(app)
    assert app.sidebar.selectbox(key="w_place").value == "demo"
    follow(app, "pages/map.py", place=ward_place.id)
    assert_clean(app)
    assert app.sidebar.selectbox(key="w_place").value == ward_place.id
    assert query(app, "place") == ward_place.id
    text = " ".join(m.value for m in [*app.markdown, *app.caption, *app.subheader])
    assert "stroke" not in text.lower()
    # And the picker still works afterwards.
    app.sidebar.selectbox(key="w_place").select("demo").run()
    assert_clean(app)
    assert query(app, "place") == "demo"


UPLOAD_CONFIG = """[place]
id = "flow-wards"
title = "Flow test wards"

[areas]
path = "wards.geojson"

[[groupings]]
id = "lad"
title = "Local authority"
path = "ward_to_lad.csv"
area_code = "WD23CD"
code = "LAD23CD"
name = "LAD23NM"

[[indicators]]
path = "fingertips_export.csv"
format = "fingertips"
"""


def test_after_an_upload_the_map_link_opens_the_new_place(ward_place):
    app = open_page("pages/data.py")
    assert_clean(app)
    assert app.sidebar.selectbox(key="w_place").value == "demo"
    app.text_area(key=app.text_area[0].key).input(UPLOAD_CONFIG)
    own_data = [u for u in app.get("file_uploader") if u.label == "Files"][0]
    own_data.set_value(
        [(name, (EXAMPLE / name).read_bytes(), "application/octet-stream")
         for name in ("wards.geojson", "ward_to_lad.csv", "fingertips_export.csv")]
    )  # fmt: skip
    app.button[-1].click().run()
    assert_clean(app)
    assert any("Flow test wards" in s.value for s in app.success)
    (link,) = [p for p in app.get("page_link") if p.proto.label == "Open it on the map"]
    assert link.proto.query_string == "place=flow-wards"
    follow(app, "pages/map.py", place="flow-wards")
    assert_clean(app)
    assert app.sidebar.selectbox(key="w_place").value == "flow-wards"
    assert query(app, "place") == "flow-wards"
    links = app.sidebar.get("page_link")
    assert {p.proto.query_string for p in links} == {"place=flow-wards"}
    text = " ".join(m.value for m in [*app.markdown, *app.caption, *app.subheader])
    assert "stroke" not in text.lower()


# --- Compare's comparators in the URL -------------------------------------------------------


def test_compare_comparators_are_written_to_the_url_and_restored_from_it(demo_place):
    names = demo_place.group_names("lad")
    app = open_page(
        "pages/compare.py", indicator="mt_minutes", grouping="lad", group=WEST_NORTHANTS
    )
    assert_clean(app)
    (box,) = app.multiselect
    neighbours = list(box.value)
    assert neighbours and query_all(app, "with") == neighbours  # the defaults, in the URL
    chosen = [neighbours[0], "E07000130"]  # one neighbour, and Charnwood
    box.set_value(chosen).run()
    assert_clean(app)
    assert query_all(app, "with") == chosen
    shared = {k: query_all(app, k) for k in ("indicator", "grouping", "group", "with")}

    # The address opened in a new session shows the same comparison.
    other = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, values in shared.items():
        other.query_params[key] = values if key == "with" else values[0]
    other.switch_page("pages/compare.py").run()
    assert_clean(other)
    assert list(other.multiselect[0].value) == chosen
    table = " ".join(str(d.value.to_dict()) for d in other.dataframe)
    assert names["E07000130"] in table

    # Nothing chosen is kept too; a new main group starts again from its neighbours.
    box = app.multiselect[0]
    box.set_value([]).run()
    assert_clean(app)
    assert query_all(app, "with") == [""]
    app.selectbox(key="w_group").select("E07000130").run()
    assert_clean(app)
    assert list(app.multiselect[0].value) != []
    assert query_all(app, "with") == list(app.multiselect[0].value)


def test_compare_drops_comparators_that_are_not_groups():
    app = open_page(
        "pages/compare.py", grouping="lad", group=WEST_NORTHANTS, **{"with": ["nope", "E07000130"]}
    )
    assert_clean(app)
    assert list(app.multiselect[0].value) == ["E07000130"]
    assert query_all(app, "with") == ["E07000130"]


def test_counties_are_offered_wherever_a_grouping_is():
    for page in ("pages/map.py", "pages/compare.py", "pages/lottery.py"):
        app = open_page(page, grouping="county", group=LEICESTERSHIRE, scope="local")
        assert_clean(app)
        assert app.sidebar.selectbox(key="w_grouping").value == "county", page
    app = open_page("pages/compare.py", grouping="county", group=LEICESTERSHIRE)
    text = " ".join(str(d.value.to_dict()) for d in app.dataframe)
    assert "Leicestershire" in text and "Leicester" in text.replace("Leicestershire", "")


def test_your_area_compares_with_the_county_when_asked():
    app = open_page("pages/your-area.py", postcode="LE11 3TU")
    assert_clean(app)
    box = app.sidebar.selectbox(key="w_boundary")
    assert box.value == "lad"  # a resident starts from the local authority
    assert "Charnwood" in app.subheader[0].value
    box.select("county").run()
    assert_clean(app)
    assert "Leicestershire" in app.subheader[0].value
    assert query(app, "boundary") == "county"
    # Other pages' boundaries do not change what a resident sees first.
    other = open_page("pages/your-area.py", postcode="LE11 3TU", grouping="isdn")
    assert other.sidebar.selectbox(key="w_boundary").value == "lad"
