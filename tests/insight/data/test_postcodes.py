"""Postcode normalisation and lookup against the real ONS postcode directory."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from insight.data import postcodes as geocode
from insight.errors import (
    InvalidPostcodeError,
    NoCoordinatesError,
    OutsidePlaceError,
    UnknownPostcodeError,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("NN1 1AA", "NN1 1AA"),
        ("nn11aa", "NN1 1AA"),
        (" NN1  1AA ", "NN1 1AA"),
        ("sw1a2aa", "SW1A 2AA"),
        ("M1 1AE", "M1 1AE"),
        ("b33 8th", "B33 8TH"),
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_normalise_accepts_any_case_and_spacing(typed, expected):
    assert geocode.normalise_postcode(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "   ", "hello", "NN1", "12345", "NN1 1A", "NN11AAA", "1NN 1AA"]
)
def test_normalise_rejects_what_is_not_a_postcode(typed):
    with pytest.raises(InvalidPostcodeError, match="is not a UK postcode"):
        geocode.normalise_postcode(typed)


def test_find_postcode_returns_grid_reference_and_authority():
    record = geocode.find_postcode("nn11aa")
    assert record.postcode == "NN1 1AA"
    assert record.lad_code == "E06000062"
    assert (record.easting, record.northing) == (475320.0, 261359.0)


def test_well_formed_but_unknown_postcode_has_its_own_message():
    with pytest.raises(UnknownPostcodeError, match="not in the ONS postcode directory"):
        geocode.find_postcode("ZZ9 9ZZ")


def test_postcode_without_coordinates_has_its_own_message():
    table = geocode.all_postcodes()
    no_location = table.loc[table["easting"].isna(), "postcode"].iloc[0]
    with pytest.raises(NoCoordinatesError, match="no map location"):
        geocode.find_postcode(no_location)


@pytest.mark.slow
def test_locate_places_nn1_1aa_in_west_northamptonshire(demo_place):
    found = geocode.locate(demo_place, "NN1 1AA")
    area = demo_place.areas.iloc[found.area_index]
    assert area["lad_code"] == "E06000062"
    assert area["lad_name"] == "West Northamptonshire"
    assert found.area_code == area["code"] and found.area_code.startswith("E01")


@pytest.mark.slow
def test_welsh_postcode_is_found(demo_place):
    found = geocode.locate(demo_place, "cf101aa")  # Cardiff: a four-character outward code
    assert found.area_code.startswith("W01")


@pytest.mark.slow
def test_scottish_postcode_is_outside_the_place(demo_place):
    with pytest.raises(OutsidePlaceError, match="outside England and Wales"):
        geocode.locate(demo_place, "EH1 1YZ")


def test_majority_group_uses_postcodes_inside_and_falls_back_to_nearest():

    areas = gpd.GeoSeries(
        [box(0, 0, 10, 10), box(10, 0, 20, 10), box(100, 100, 110, 110)], crs=27700
    )
    postcodes = pd.DataFrame(
        {
            "easting": [1, 2, 3, 11, 12, 95],
            "northing": [1, 2, 3, 1, 1, 95],
            "lad_code": ["A", "A", "B", "C", "C", "D"],
        }
    )
    values, by_nearest = geocode.majority_group(areas, postcodes)
    assert values.tolist() == ["A", "C", "D"]
    assert by_nearest.tolist() == [False, False, True]


def test_index_stores_every_postcode_in_standard_form():
    # The directory's fixed-width codes ("E1  0AA", "CF101AA") must be findable as typed.
    table = geocode.all_postcodes()
    sample = table.sample(20_000, random_state=1)
    assert (sample["postcode"].map(geocode.normalise_postcode) == sample["postcode"]).all()
    # Old Newport codes ("NPT 7AD") are still in the directory, with a location.
    assert geocode.find_postcode("npt7ad").postcode == "NPT 7AD"
    assert geocode.find_postcode("e10aa").postcode == "E1 0AA"
    assert geocode.find_postcode("CF101AA").lad_code == "W06000015"


def test_the_lookup_gives_what_the_directory_says():
    """The memory-mapped lookup answers exactly as the per-area files: grid reference and
    authority (or none) of postcodes of two areas, and the errors of those without."""
    folder = geocode.build_index()
    table = pd.concat([pd.read_parquet(folder / f"{area}.parquet") for area in ("NN", "CF")])
    no_grid = table["easting"].isna()
    table = pd.concat([table[~no_grid].sample(2_000, random_state=1), table[no_grid].head(50)])
    assert table["easting"].isna().any() and table["lad_code"].notna().any()
    for row in table.itertuples():
        if pd.isna(row.easting) or pd.isna(row.northing):
            with pytest.raises(NoCoordinatesError):
                geocode.find_postcode(row.postcode)
            continue
        found = geocode.find_postcode(row.postcode)
        assert (found.postcode, found.easting, found.northing) == (
            row.postcode, float(row.easting), float(row.northing),
        )  # fmt: skip
        assert found.lad_code == (None if pd.isna(row.lad_code) else str(row.lad_code))
    lookup = folder / "lookup"
    assert sorted(p.name for p in lookup.iterdir()) == [
        "grid.npy", "keys.npy", "lad.npy", "lad_codes.json",
    ]  # fmt: skip
