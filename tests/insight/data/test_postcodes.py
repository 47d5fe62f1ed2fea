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
    OutsideCoverageError,
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
    table = pd.read_parquet(geocode.build_index() / "NN.parquet")
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
@pytest.mark.parametrize(
    ("postcode", "where"),
    [
        ("EH1 1YZ", "Scotland"),
        ("CA6 5AA", "Scotland"),  # 2 km from Cumbria: never placed there by proximity
        ("BT1 5GS", "Northern Ireland"),
        ("JE2 4WE", "the Channel Islands"),
        ("IM1 1AA", "the Isle of Man"),
    ],
)
def test_postcodes_outside_england_and_wales_are_refused_naming_where(demo_place, postcode, where):
    with pytest.raises(OutsideCoverageError, match=f"{postcode} is in {where}. Place Insight"):
        geocode.locate(demo_place, postcode)


@pytest.mark.slow
def test_business_postcode_is_in_its_own_authority(demo_place):
    """NG7 2PS (the university) is in Nottingham, and so is its area (Nottingham 031I used
    to be voted into Broxtowe by postcodes stacked on a few points)."""
    found = geocode.locate(demo_place, "NG7 2PS")
    area = demo_place.areas.iloc[found.area_index]
    assert found.lad_code == area["lad_code"] == "E06000018"
    nottingham_031i = demo_place.areas.loc[demo_place.areas["name"] == "Nottingham 031I"]
    assert nottingham_031i["lad_name"].tolist() == ["Nottingham"]


@pytest.mark.slow
def test_every_sampled_postcode_is_placed_in_its_own_authority(demo_place):
    """20,000 England and Wales postcodes, seeded: each is placed, the authority reported is
    the ONS directory's own, and the area chosen lies in it."""
    folder = geocode.build_index()
    directory = pd.concat(pd.read_parquet(f) for f in sorted(folder.glob("*.parquet")))
    ours = directory["lad_code"].str[0].isin(["E", "W"]) & directory["easting"].notna()
    sample = directory[ours].sample(20_000, random_state=20261202).reset_index(drop=True)
    located = geocode.locate_many(demo_place, sample["postcode"])
    assert (located["problem"] == "").all(), located.loc[located["problem"] != "", "problem"]
    assert (located["lad_code"] == sample["lad_code"]).all()
    area_lad = demo_place.areas["lad_code"].to_numpy()[located["row"].to_numpy()]
    assert (area_lad == sample["lad_code"].to_numpy()).all()
    # and the single lookup agrees with the batch one
    for i in range(0, 20_000, 2_000):
        single = geocode.locate(demo_place, sample.at[i, "postcode"])
        assert single.area_index == located.at[i, "row"]


@pytest.mark.slow
def test_batch_lookup_reports_each_problem_in_its_row(demo_place):
    typed = ["nn1 1aa", "not a postcode", "ZZ9 9ZZ", "CA6 5AA", "", "CF10 1AA"]
    table = geocode.lookup_table(demo_place, typed)
    assert table["postcode"].tolist()[:1] == ["NN1 1AA"]
    assert table["lad_name"].tolist()[0] == "West Northamptonshire"
    assert table["problem"].iloc[0] == "" and table["problem"].iloc[5] == ""
    assert "not a UK postcode" in table["problem"].iloc[1]
    assert "not in the ONS postcode directory" in table["problem"].iloc[2]
    assert "is in Scotland" in table["problem"].iloc[3]
    assert "(nothing)" in table["problem"].iloc[4]
    assert table.loc[3, ["lsoa_code", "lad_code", "mt_minutes"]].isna().all()
    assert table["isdn_name"].iloc[5] == "Wales"
    assert table.attrs["count_columns"] == ["admissions"]


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


def test_other_nations_near_every_area_at_once_are_those_found_one_at_a_time(demo_place):
    # The areas within reach of Scotland (Berwick, Carlisle...), and others far from it.
    geometry = demo_place.areas.geometry.to_numpy()
    near = geocode.elsewhere_near_all(geometry)
    assert near and {nation for nation, _ in near.values()} == {"Scotland"}
    assert all(km <= geocode.ELSEWHERE_NEAR_KM for _, km in near.values())
    far = [r for r in range(0, len(geometry), 997) if r not in near]
    for row in [*sorted(near), *far]:
        assert geocode.elsewhere_near(geometry[row]) == near.get(row)
    assert geocode.elsewhere_near_all(geometry[:0]) == {}
