"""Map classification and the files a map sends to the browser."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from insight.analysis.findings import Finding, FindingChart
from insight.errors import DataError
from insight.explain import AROUND_FINDING_LABEL, pin_label, pin_sentence, service_key_line
from insight.present import maps
from insight.spatial.index import AreaIndex


def test_quantiles_give_equal_numbers_and_nan_is_no_data():
    values = np.r_[np.arange(100.0), np.nan]
    result = maps.classify(values, "quantiles", k=5)
    counts = dict((label, n) for _, label, n in result.legend())
    assert counts["No data"] == 1
    assert all(n == 20 for label, n in counts.items() if label != "No data")
    assert len(set(result.colours)) == 5


def test_unknown_scheme_lists_the_allowed_ones():
    with pytest.raises(DataError, match="quantiles, natural_breaks, equal_interval, benchmark"):
        maps.classify([1, 2, 3], "rainbow")


def test_benchmark_scheme_without_intervals_falls_back_and_says_why():
    result = maps.classify([1.0, 2.0, 3.0], "benchmark", k=3)
    assert result.scheme == "quantiles" and "not rated against the benchmark" in result.note


def test_benchmark_scheme_orders_ratings_and_labels_them():
    result = maps.classify([1.0, 2, 3], "benchmark", ratings=["Worse", "Better", "Similar"])
    assert result.labels == ["Better", "Similar", "Worse"]
    assert result.classes.tolist() == [2, 0, 1]


@pytest.mark.slow
def test_local_map_file_is_small_escaped_and_in_wgs84(demo_place):
    rows = np.flatnonzero(demo_place.areas["lad_code"].eq("E06000062").to_numpy())
    result = maps.area_map(
        demo_place,
        "mt_minutes",
        area_rows=rows,
        outline_grouping="lad",
        service_types=("ivt", "mt"),
    )
    content = next(iter(result.files.values()))
    assert len(content) < 1_000_000
    features = json.loads(content)["features"]
    assert len(features) == len(rows)
    lon, lat = features[0]["geometry"]["coordinates"][0][0]
    assert -2 < lon < 0 and 51 < lat < 53
    assert len(result.table) == len(rows)


@pytest.mark.slow
def test_selected_area_is_an_extra_layer_not_a_new_map(demo_place):
    rows = np.flatnonzero(demo_place.areas["lad_code"].eq("E06000062").to_numpy())
    result = maps.area_map(demo_place, "mt_minutes", area_rows=rows)
    deck = maps.with_selected(result, demo_place, demo_place.areas["code"].iloc[rows[0]])
    assert [layer.id for layer in deck.layers][-1] == "selected"
    assert maps.with_selected(result, demo_place, None) is result.deck


# --- Bearings: the pin, place names, named services, a finding's surroundings ---

WEST_NORTHANTS = "E06000062"
NORTH_NORTHANTS = "E06000061"


def finding_for(place, indicator: str, kind: str = "border") -> Finding:
    """A finding between West and North Northamptonshire (made here, not scanned)."""
    areas = place.areas
    west = areas.loc[areas["lad_code"] == WEST_NORTHANTS, "code"].tolist()[:5]
    north = areas.loc[areas["lad_code"] == NORTH_NORTHANTS, "code"].tolist()[:5]
    return Finding(
        rank=1, kind=kind, label="", indicator=indicator, grouping="lad",
        group_code=WEST_NORTHANTS, group_name="West Northamptonshire",
        other_code=NORTH_NORTHANTS, other_name="North Northamptonshire",
        effect=1.0, lower=0.5, upper=1.5, interval="likely range", value=1.0, benchmark=None,
        benchmark_label="", areas=5, affected=0.0, affected_label="", score=1.0, p_value=0.0,
        q_value=0.0, sentence="", area_codes=tuple(west), other_area_codes=tuple(north),
        chart=FindingChart("sides", "", ()),
    )  # fmt: skip


def layer_ids(deck) -> list[str]:
    return [layer.id for layer in deck.layers]


def layer(deck, layer_id: str):
    return next(item for item in deck.layers if item.id == layer_id)


def layer_data(deck, layer_id: str) -> pd.DataFrame:
    return pd.DataFrame(layer(deck, layer_id).data)  # pydeck keeps records


def no_outside_address(deck) -> bool:
    """Nothing in the deck points off this server: no http(s) address at all."""
    text = deck.to_json()
    return (
        "http://" not in text
        and "https://" not in text
        and "//" not in text.replace("app/static/", "")
    )


@pytest.fixture(scope="module")
def local_map(demo_place):
    rows = np.flatnonzero(demo_place.areas["lad_code"].eq(WEST_NORTHANTS).to_numpy())
    area = demo_place.areas.iloc[rows[0]]
    point = area.geometry.representative_point()
    pin = maps.Pin(point.x, point.y, pin_label("NN1 1AA"), area["code"])
    result = maps.area_map(
        demo_place, "mt_minutes", area_rows=rows, outline_grouping="lad",
        service_types=("ivt", "mt"), pin=pin,
    )  # fmt: skip
    return result, pin, area


def test_pin_label_and_sentence_are_words():
    assert pin_label("NN1 1AA") == "Your postcode NN1 1AA"
    assert "NN1 1AA" in pin_sentence("NN1 1AA", "Northampton 012A")
    assert "Northampton 012A" in pin_sentence("NN1 1AA", "Northampton 012A")


@pytest.mark.slow
def test_pin_is_drawn_at_the_postcode_with_its_words_and_named_in_the_table(demo_place, local_map):
    result, pin, area = local_map
    ids = layer_ids(result.deck)
    assert ids[-3:] == ["pin", "pin-dot", "pin-label"]  # on top of everything
    data = layer_data(result.deck, "pin-label")
    assert data["name"].tolist() == ["Your postcode NN1 1AA"]
    lon, lat = data["lon"].iloc[0], data["lat"].iloc[0]
    minx, miny, maxx, maxy = gpd.GeoSeries([area.geometry], crs=27700).to_crs(4326).total_bounds
    assert minx <= lon <= maxx and miny <= lat <= maxy
    marked = result.table[result.table["Pin"] != ""]
    assert marked["Code"].tolist() == [area["code"]]
    assert marked["Pin"].tolist() == ["Your postcode NN1 1AA"]
    # on a map already drawn, the pin is a few layers more, not a new map
    plain = maps.area_map(demo_place, "mt_minutes", area_rows=[0, 1])
    deck = maps.with_selected(plain, demo_place, None, pin=pin)
    assert layer_ids(deck) == [*layer_ids(plain.deck), "pin", "pin-dot", "pin-label"]


@pytest.mark.slow
def test_local_map_names_its_towns_on_a_white_background(local_map):
    result, _, _ = local_map
    names = layer(result.deck, "place-names")
    assert names.type == "TextLayer"
    texts = layer_data(result.deck, "place-names")["text"]
    assert {"Northampton", "Daventry"} <= set(texts)
    assert len(texts) <= 12
    assert names.background and names.get_background_color[:3] == [255, 255, 255]
    # no font family of our own (the default font draws; naming one gave specks)
    assert all(getattr(item, "font_family", None) is None for item in result.deck.layers)
    assert no_outside_address(result.deck)


@pytest.mark.slow
def test_services_are_named_on_hover_and_listed_once_each(demo_place, local_map):
    result, _, _ = local_map
    hover = pd.concat([layer_data(result.deck, f"services-{t}") for t in ("ivt", "mt")])
    assert hover["name"].str.endswith(" — clot-busting stroke unit").sum() > 0
    assert hover["name"].str.endswith(" — thrombectomy centre").sum() > 0
    assert "Northampton General Hospital — " in " ".join(hover["name"])
    assert {"name", "value", "band"} <= set(hover.columns)  # every tooltip field is filled
    table = result.services
    assert list(table.columns) == ["Service", "Type", "Marker", "Local authority"]
    assert len(table) == len(hover) == table["Service"].nunique()
    assert set(table["Marker"]) == {"IVT", "MT"}


def test_service_key_says_what_letters_and_sizes_mean():
    assert service_key_line("MT", "Thrombectomy centres", 3) == "MT = thrombectomy centres (3)"
    assert service_key_line("IVT", "Clot-busting stroke units", 1_234).startswith("IVT = clot")
    assert service_key_line("", "Thrombectomy centres", 24, "larger").startswith("Larger dots")


@pytest.mark.slow
def test_national_map_names_only_the_largest_towns(demo_place):
    result = maps.area_map(demo_place, "admissions", service_types=("ivt", "mt"))
    names = layer_data(result.deck, "place-names")
    assert 15 <= len(names) <= 40
    assert names["text"].iloc[0] == "Birmingham"
    capable = demo_place.services["ivt"].astype(bool) | demo_place.services["mt"].astype(bool)
    assert len(result.services) == int(capable.sum())
    assert no_outside_address(result.deck)
    without = maps.area_map(demo_place, "admissions", place_names=False)
    assert "place-names" not in layer_ids(without.deck)


@pytest.mark.slow
def test_finding_map_shows_the_areas_around_towns_and_the_centres_it_is_about(demo_place):
    index = AreaIndex(demo_place.areas)
    result = maps.flag_map(demo_place, finding_for(demo_place, "mt_minutes"), index)
    ids = layer_ids(result.deck)
    assert ids[0] == "around" and ids.index("areas") > 0  # faint, beneath the finding
    assert {"place-names", "services-mt"} <= set(ids)
    assert "services-ivt" not in ids  # only centres able to do what the finding is about
    around = layer(result.deck, "around")
    assert around.get_fill_color == maps.AROUND_FILL and around.line_width_min_pixels <= 0.5
    content = json.loads(result.files[around.data.rsplit("/", 1)[-1]])
    first = content["features"][0]["properties"]
    assert first["value"] == AROUND_FINDING_LABEL and first["name"]
    codes = set(demo_place.areas.loc[demo_place.areas["lad_code"].isin(
        [WEST_NORTHANTS, NORTH_NORTHANTS]), "code"])  # fmt: skip
    assert set(result.table["Code"]) == codes  # the table is the finding's groups only
    labels = [label for _, label, _ in result.classification.legend()]
    assert labels[-1] == AROUND_FINDING_LABEL
    assert (result.services["Type"] == "thrombectomy centre").all()
    hover = layer_data(result.deck, "services-mt")
    assert hover["name"].str.contains(" — thrombectomy centre").all()
    assert hover["value"].str.startswith("Local authority: ").all()
    assert no_outside_address(result.deck)


@pytest.mark.slow
def test_finding_map_without_a_service_draws_no_markers(demo_place):
    index = AreaIndex(demo_place.areas)
    result = maps.flag_map(demo_place, finding_for(demo_place, "admissions", "funnel"), index)
    assert not any(i.startswith("services-") for i in layer_ids(result.deck))
    assert result.services.empty
    assert "around" in layer_ids(result.deck)


@pytest.mark.slow
def test_a_place_name_under_the_pin_moves_off_it(demo_place, local_map):
    result, _, _ = local_map
    names = layer_data(result.deck, "place-names")
    town = names.iloc[0]
    point = gpd.GeoSeries(gpd.points_from_xy([town["lon"]], [town["lat"]]), crs=4326)
    grid = point.to_crs(27700).iloc[0]
    pin = maps.Pin(grid.x, grid.y, pin_label("NN1 1AA"))  # right on the first town's name
    deck = maps.with_selected(result, demo_place, None, pin=pin)
    moved = layer_data(deck, "place-names")
    shift = moved["lat"] - names["lat"]
    assert shift.iloc[0] < 0  # the first name went below the pin (south, on screen: down)
    assert (shift.iloc[1:] == 0).sum() >= len(shift) - 3  # the others mostly stay
    assert (moved["lon"] == names["lon"]).all()
    # the services' letters are under the names, the pin over everything
    ids = layer_ids(deck)
    assert ids.index("services-mt") < ids.index("place-names") < ids.index("pin")
