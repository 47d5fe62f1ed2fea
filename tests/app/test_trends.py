"""Time series on the pages: the series chart and recent trend on Your area and Compare, the
period selector on Map, Compare and Postcode lottery (only where periods exist), and the one
sentence the demo (one period) says instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from insight.data.postcodes import index_dir
from insight.data.sources.build import build_place
from insight.data.sources.config import parse_config
from insight.data.store import place_dir

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
EXAMPLE = ROOT / "data" / "example"
OBESITY = "fingertips_90323"
WORDS = ("increasing and getting", "decreasing and getting", "no significant change")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trend_place(tmp_path_factory, demo_place):
    """The example wards with the six-year Fingertips export, in a private data folder."""
    data = tmp_path_factory.mktemp("data")
    (data / "cache").mkdir()
    (data / "cache" / "demo").symlink_to(place_dir(demo_place.id), target_is_directory=True)
    if index_dir().is_dir():
        (data / "cache" / "postcodes").mkdir()
        (data / "cache" / "postcodes" / index_dir().name).symlink_to(index_dir())
    config = {
        "place": {"id": "trend-wards", "title": "Trend wards", "benchmark_name": "the wards"},
        "areas": {"path": str(EXAMPLE / "wards.geojson")},
        "groupings": [
            {"id": "lad", "title": "Local authority", "path": str(EXAMPLE / "ward_to_lad.csv")}
        ],
        "indicators": [{"path": str(EXAMPLE / "fingertips_trends.csv"), "format": "fingertips"}],
    }
    with pytest.MonkeyPatch.context() as patch:  # held open for the whole module
        patch.setenv("PLACE_INSIGHT_DATA", str(data))
        place, _ = build_place(parse_config(config, EXAMPLE, origin="place.toml"))
        yield place


def run_page(page: str, **query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def text_of(app: AppTest) -> str:
    """Everything the page says, without the Markdown escapes."""
    text = " ".join(e.value for e in [*app.markdown, *app.caption, *app.info, *app.subheader])
    return text.replace("\\", "")


def period_box(app: AppTest):
    return [box for box in app.sidebar.selectbox if box.key == "w_period"]


def test_your_area_shows_the_series_and_its_recent_trend(trend_place) -> None:
    app = run_page("pages/your-area.py", place=trend_place.id, postcode="NN1 1AA")
    assert "Over time" in [s.value for s in app.subheader]
    assert app.get("plotly_chart"), "no series chart"
    text = text_of(app)
    assert any(word in text for word in WORDS) or "could not be calculated" in text
    assert "latest five periods" in text or "could not be calculated" in text
    assert "Recent trend as Fingertips works it out" in text
    tables = [frame.value for frame in app.dataframe]
    assert any("Period" in table.columns and len(table) == 6 for table in tables)


def test_compare_has_the_series_and_a_period_selector(trend_place) -> None:
    app = run_page("pages/compare.py", place=trend_place.id, indicator=OBESITY)
    assert "Over time" in [tab.label for tab in app.tabs]
    assert app.get("plotly_chart")
    boxes = period_box(app)
    assert len(boxes) == 1 and list(boxes[0].options)[-1] == "2022/23"
    assert boxes[0].value == "2022/23"
    boxes[0].select("2017/18").run()
    assert not app.exception, [e.message for e in app.exception]
    assert "Figures for 2017/18, an earlier period of this indicator." in text_of(app)
    assert app.query_params["period"] in ("2017/18", ["2017/18"])


@pytest.mark.parametrize("page", ["pages/map.py", "pages/lottery.py"])
def test_map_and_lottery_open_an_earlier_period_from_the_url(trend_place, page) -> None:
    app = run_page(page, place=trend_place.id, indicator=OBESITY, period="2018/19")
    assert period_box(app)[0].value == "2018/19"
    text = text_of(app)
    assert "2018/19, an earlier period" in text or "No postcode lottery found" in text


def test_the_demo_says_it_has_one_period_and_shows_no_period_selector(demo_place) -> None:
    app = run_page("pages/your-area.py", postcode="NN1 1AA")
    assert "These figures are for one period (2017–19), so there is no trend to show." in text_of(
        app
    )
    for page in ("pages/compare.py", "pages/map.py"):
        assert not period_box(run_page(page, indicator="admissions"))
