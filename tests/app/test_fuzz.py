"""Fuzz: every page through AppTest with hostile values, on the demo and on a hostile place.

Hostile values (``tests/hostile.py``: Markdown links and images, autolinks, HTML, LaTeX,
Streamlit's own ``:red[]`` syntax, path traversal, huge, empty, invisible and control
characters...) go into every URL parameter of every page, into the form fields, and into
every name and description of an uploaded place. Each run must show no exception element,
no traceback text, and no link or image the app did not make (``fuzzing.problems``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from fuzzing import problems
from streamlit.testing.v1 import AppTest

from insight.data.sources import build_from_toml
from insight.data.store import current_dir, place_dir
from ui.frame import PAGES

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hostile import EXAMPLE, TEXT  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 180
PARAMS = ("place", "indicator", "grouping", "group", "scope", "scheme", "area", "postcode",
          "finding", "slide", "deck", "items", "with", "comparators", "boundary", "limit", "period",
          "evil")  # fmt: skip
pytestmark = pytest.mark.slow
_SHARED: dict = {}


def run(page: str, query: dict | None = None, **settings) -> AppTest:
    """Open ``page`` as the first request of a session (as a deep link), then run it."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if "components" in _SHARED:  # Streamlit scans every installed package for components:
        app._bidi_component_manager = _SHARED["components"]  # once is enough
    for key, value in (query or {}).items():
        app.query_params[key] = value
    for key, value in settings.items():
        setattr(app, key, value)
    if page != "app.py":
        app.switch_page(page)
    app.run()
    _SHARED.setdefault("components", app._bidi_component_manager)
    return app


def own_links(page: str) -> set[str]:
    """What :func:`problems` finds on ``page`` with no input at all: links the app itself
    wrote into its Markdown (the accessibility statement's, say), not made from input."""
    key = f"own:{page}"
    if key not in _SHARED:
        _SHARED[key] = {p for p in problems(run(page)) if " makes " in p}  # links only
    return _SHARED[key]


def check(app: AppTest, what: str, page: str | None = None) -> list[str]:
    own = own_links(page) if page else set()
    return [f"{what}: {problem}" for problem in problems(app) if problem not in own]


# --- the places ------------------------------------------------------------------------


def _hostile_files(folder: Path) -> Path:
    """The example wards with a hostile value in every name, title and description."""
    values = list(TEXT.values())
    wards = json.loads((EXAMPLE / "wards.geojson").read_text())
    for i, feature in enumerate(wards["features"]):
        feature["properties"]["WD23NM"] = values[i % len(values)] or "(blank)"
    (folder / "wards.geojson").write_text(json.dumps(wards))
    lookup = (EXAMPLE / "ward_to_lad.csv").read_text().splitlines()
    names = {"West Northamptonshire": TEXT["markdown link"], "North Northamptonshire": TEXT["html image"]}  # fmt: skip
    rows = [lookup[0]]
    for line in lookup[1:]:
        code, ward, lad, lad_name = line.split(",")
        rows.append(f'{code},{ward},{lad},"{names.get(lad_name, TEXT["latex"])}"')
    (folder / "ward_to_lad.csv").write_text("\n".join(rows) + "\n")
    # Two periods of one indicator, the earlier named with a hostile label (a series).
    long = pd.read_csv(EXAMPLE / "long_indicators.csv", dtype=str)
    earlier = long[long["indicator"].str.startswith("Adults")].assign(period=TEXT["html link"])
    pd.concat([long, earlier]).to_csv(folder / "long_indicators.csv", index=False)
    centres = (EXAMPLE / "leisure_centres.csv").read_text().splitlines()
    hostile = [centres[0]] + [
        f'"{values[i % len(values)].replace(chr(34), "")}",{",".join(row.split(",")[-2:])}'
        for i, row in enumerate(centres[1:])
    ]
    (folder / "leisure_centres.csv").write_text("\n".join(hostile) + "\n")

    def meta(text: str) -> str:
        return json.dumps(text)  # TOML basic strings are JSON strings

    (folder / "place.toml").write_text(
        f"""[place]
id = "hostile"
title = "Hostile wards"
benchmark_name = {meta(TEXT["markdown image"])}

[areas]
path = "wards.geojson"
title = {meta(TEXT["autolink"])}
source = {meta(TEXT["html link"])}
attribution = {meta(TEXT["bare url"])}

[[groupings]]
id = "lad"
title = {meta(TEXT["www url"])}
plural = {meta(TEXT["email"])}
description = {meta(TEXT["script"])}
path = "ward_to_lad.csv"
area_code = "WD23CD"
code = "LAD23CD"
name = "LAD23NM"

[[indicators]]
path = "long_indicators.csv"
format = "long"
source = {meta(TEXT["reference link"])}
columns = {{ "Children in relative low income families (%)" = {{ id = "child_poverty", kind = "proportion", unit = {meta(TEXT["dollar"])}, title = {meta(TEXT["markdown link"])}, description = {meta(TEXT["markdown image"])}, period = {meta(TEXT["streamlit colour"])} }}, "Adults claiming Universal Credit (%)" = {{ id = "universal_credit", title = {meta(TEXT["latex"])}, description = {meta(TEXT["table"])} }} }}

[[services]]
id = "leisure"
title = {meta(TEXT["javascript url"])}
singular = {meta(TEXT["emphasis"])}
path = "leisure_centres.csv"
latitude = "Latitude"
longitude = "Longitude"
"""
    )
    return folder / "place.toml"


@pytest.fixture(scope="module")
def places(tmp_path_factory, demo_place):
    """A data folder with the demo (linked) and the hostile place, built from its files."""
    data = tmp_path_factory.mktemp("data")
    (data / "cache").mkdir()
    (data / "cache" / "demo").symlink_to(place_dir(demo_place.id), target_is_directory=True)
    (data / "cache" / "postcodes").symlink_to(
        place_dir(demo_place.id).parent / "postcodes", target_is_directory=True
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLACE_INSIGHT_DATA", str(data))
        config = _hostile_files(tmp_path_factory.mktemp("hostile"))
        place, _ = build_from_toml(config)
        # A title written by an earlier version, before titles were checked.
        meta_file = current_dir(place_dir("hostile")) / "place.json"
        meta = json.loads(meta_file.read_text())
        meta["title"] = TEXT["markdown link"] + " " + TEXT["html image"]
        meta_file.write_text(json.dumps(meta))
        yield place


# --- URL parameters ------------------------------------------------------------------------

PAGE_SCRIPTS = [page.script for page in PAGES]
VALUES = list(TEXT.items())
#: Runs per page: in each, every parameter holds a different hostile value, so every value
#: reaches every page (4 runs x 17 parameters > 32 values) and each parameter sees 4.
RUNS = 4


@pytest.mark.parametrize("page", PAGE_SCRIPTS)
def test_hostile_url_parameters_on_every_page(places, page):
    failures = []
    offset = PAGE_SCRIPTS.index(page)
    for run_number in range(RUNS):
        chosen = {
            parameter: VALUES[(offset + run_number * len(PARAMS) + i) % len(VALUES)]
            for i, parameter in enumerate(PARAMS)
        }
        app = run(page, {parameter: value for parameter, (_, value) in chosen.items()})
        shown = ", ".join(f"{p}={name}" for p, (name, _) in chosen.items())
        failures += check(app, f"{page} with {shown}", page)
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("value", ["bare url", "www url", "email", "mailto"])
def test_urls_and_email_addresses_in_every_parameter_never_become_links(places, value):
    # Markdown's autolinker reads text after its escapes are gone (ui pages escape with
    # insight.explain.escape_markdown): every parameter holds the value, on every page.
    failures = []
    for page in PAGE_SCRIPTS:
        app = run(page, dict.fromkeys(PARAMS, TEXT[value]))
        failures += check(app, f"{page} ({value})", page)
    assert not failures, "\n".join(failures[:20])


def test_hostile_values_in_one_parameter_each_keep_the_others_working(places):
    # A good place and indicator with one bad parameter: the page still works around it.
    failures = []
    for parameter in PARAMS:
        for name in ("markdown link", "path traversal", "huge", "html image"):
            query = {"place": "demo", "postcode": "NN1 1AA", parameter: TEXT[name]}
            page = OWN_PAGE.get(parameter, "pages/map.py")
            app = run(page, query)
            failures += check(app, f"{parameter} = {name}")
    assert not failures, "\n".join(failures[:20])


#: The page that reads a parameter, where it is not the Map.
OWN_PAGE = {
    "postcode": "pages/your-area.py",
    "boundary": "pages/your-area.py",
    "items": "pages/present.py",
    "deck": "pages/present.py",
    "slide": "pages/present.py",
    "with": "pages/compare.py",
    "comparators": "pages/compare.py",
}


def test_hostile_presentations_in_the_url_give_a_message(places):
    """Items in the form Present writes, each field a hostile value: left out with a
    message (they name nothing of the place), on the demo and on the hostile place."""
    from insight.present.links import encode_items
    from insight.present.slides import SlideItem

    failures = []
    for place in ("demo", "hostile"):
        for name, value in TEXT.items():
            if not value:
                continue
            try:
                items = [
                    SlideItem("area", value, "lad", area_code=value),
                    SlideItem("finding", "mt_minutes", value, finding_kind=value,
                              group_code=value, other_code=value),
                ]  # fmt: skip
                text = encode_items(items)
            except ValueError:
                continue
            app = run("pages/present.py", {"place": place, "deck": "own", "items": text})
            failures += check(app, f"{place} items {name}")
            if not app.warning and not app.info:
                failures.append(f"{place} items {name}: no message")
    assert not failures, "\n".join(failures[:20])


# --- a place whose every name and description is hostile --------------------------------


@pytest.mark.parametrize("page", PAGE_SCRIPTS)
def test_a_place_of_hostile_names_on_every_page(places, page):
    areas = places.areas
    query = {"place": "hostile", "postcode": "NN1 1AA", "scope": "local", "grouping": "lad"}
    failures = []
    for area in areas["code"][:4]:  # cards of areas named with links, images, HTML...
        app = run(page, {**query, "area": area})
        failures += check(app, f"{page} area {area}", page)
        if page not in ("pages/map.py",):
            break
    assert not failures, "\n".join(failures[:20])


def test_present_deck_of_a_hostile_place_and_its_downloads(places):
    app = run("pages/present.py", {"place": "hostile", "deck": "findings"})
    failures = check(app, "present")
    for button in ("slide_next", "slide_previous"):
        if any(b.key == button for b in app.button):
            app.button(key=button).click().run()
            failures += check(app, f"present after {button}")
    assert not failures, "\n".join(failures[:20])


# --- form fields ---------------------------------------------------------------------------


def test_hostile_postcodes_typed_in_the_form(places):
    app = run("pages/your-area.py")
    failures = []
    for name, value in TEXT.items():
        app.text_input(key="postcode_box").input(value)
        app.button[0].click().run()
        failures += check(app, f"postcode {name}")
    assert not failures, "\n".join(failures[:20])


def test_hostile_search_on_the_lottery_page(places):
    app = run("pages/lottery.py")
    failures = []
    search = next(t for t in app.text_input if t.label == "Only findings mentioning")
    for name, value in TEXT.items():
        search.input(value).run()
        failures += check(app, f"search {name}")
        search = next(t for t in app.text_input if t.label == "Only findings mentioning")
    assert not failures, "\n".join(failures[:20])


def test_hostile_upload_form(places):
    app = run("pages/data.py")
    failures = []
    configs = {name: value for name, value in TEXT.items() if name in (
        "markdown link", "html image", "latex", "huge", "control", "table", "template")}  # fmt: skip
    configs["title"] = '[place]\nid = "x"\ntitle = "' + TEXT["markdown link"].replace('"', "") + '"'
    configs["path"] = (
        '[place]\nid = "x"\n[areas]\npath = "' + TEXT["markdown image"] + '"\n'
        '[[groupings]]\nid = "lad"\nfrom = "postcodes"'
    )
    for name, text in configs.items():
        app.text_area(key=app.text_area[0].key).input(text)
        own_data = [u for u in app.get("file_uploader") if u.label == "Files"][0]
        own_data.set_value(
            [(TEXT["markdown link"] + ".csv", b"a,b\n1,2\n", "text/csv")]
            if name == "latex"
            else [("wards.geojson", b"{}", "application/geo+json")]
        )
        app.button[-1].click().run()
        failures += check(app, f"place.toml {name}")
        assert app.error, f"{name}: no message"
    assert not failures, "\n".join(failures[:20])
