"""One area's profile on the real demo place."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from insight.analysis import benchmark, profile
from insight.data import postcodes
from insight.spatial.index import AreaIndex

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index(demo_place):
    return AreaIndex(demo_place.areas)


@pytest.fixture(scope="module")
def nn1(demo_place, index):
    return postcodes.locate(demo_place, "NN1 1AA", index).area_index


def test_neighbours_touch_and_exclude_the_area_itself(demo_place, index, nn1):
    rows = index.neighbours(nn1)
    assert 3 <= len(rows) <= 15 and nn1 not in rows
    geometry = demo_place.areas.geometry
    assert all(geometry.iloc[r].distance(geometry.iloc[nn1]) < 5 for r in rows)


def test_across_the_boundary_finds_the_next_authority(demo_place, index, nn1):
    across = profile.across_boundary(demo_place, index, nn1, "lad", k=5)
    assert across.code != "E06000062" and 1 <= len(across.rows) <= 5
    assert (demo_place.areas["lad_code"].iloc[across.rows] == across.code).all()


def test_profile_has_a_sentence_per_comparison_and_no_nan_text(demo_place, index, nn1):
    table = profile.area_profile(demo_place, index, nn1, "lad")
    assert len(table) == len(demo_place.indicators)
    for row in table.itertuples():
        what_if = demo_place.indicator(row.indicator).within is not None
        # a penalty is one what-if; Northampton's centre is not near another authority
        assert len(row.sentences) == (1 if what_if else 3)
        assert not any("nan" in s.lower() for s in row.sentences)
    minutes = table.set_index("indicator").loc["mt_minutes"]
    assert "West Northamptonshire" in minutes["sentences"][1]


def test_nearest_services_are_sorted_by_time_per_type(demo_place, nn1):
    services = profile.nearest_services(demo_place, nn1)
    assert set(services["Type"]) == {"clot-busting stroke unit", "thrombectomy centre"}
    for _, rows in services.groupby("Type"):
        assert rows["Minutes by road"].is_monotonic_increasing


def test_profile_group_and_benchmark_are_those_of_compare(demo_place, index, nn1):
    table = profile.area_profile(demo_place, index, nn1, "lad").set_index("indicator")
    for indicator_id in ("mt_minutes", "admissions"):
        comparison = benchmark.compare_groups(demo_place, indicator_id, "lad")
        group = comparison.subset(["E06000062"]).table.iloc[0]
        assert table.loc[indicator_id, "group"] == pytest.approx(group["value"])
        assert table.loc[indicator_id, "overall"] == pytest.approx(comparison.benchmark)


def test_area_summary_is_the_area_against_compare(demo_place):
    summary = profile.area_summary(demo_place, "E01027210", "mt_minutes", "lad")
    comparison = benchmark.compare_groups(demo_place, "mt_minutes", "lad")
    assert summary.group_name == "West Northamptonshire"
    assert summary.group_value == pytest.approx(
        comparison.subset(["E06000062"]).table["value"].iloc[0]
    )
    assert summary.benchmark == comparison.benchmark


def _profile_of(place, index, postcode, grouping="lad"):
    found = postcodes.locate(place, postcode, index)
    elsewhere = postcodes.elsewhere_near(place.areas.geometry.iloc[found.area_index])
    table = profile.area_profile(place, index, found.area_index, grouping, elsewhere=elsewhere)
    return found, table.set_index("indicator")


def test_berwick_is_told_its_boundary_is_scotland_not_cumberland(demo_place, index):
    # TD15 1AA: the nearest other authority (Cumberland) is about 77 km away
    found, table = _profile_of(demo_place, index, "TD15 1AA")
    sentences = " ".join(table.loc["mt_minutes", "sentences"])
    assert "Just across" not in sentences and "Cumberland" not in sentences
    assert "Your nearest boundary is with Scotland, where we have no figures." in sentences


def test_just_across_only_for_a_boundary_within_a_few_km(demo_place, index):
    _, table = _profile_of(demo_place, index, "NR1 3QU")  # Norwich, on South Norfolk's edge
    assert "Just across the boundary in South Norfolk" in table.loc["mt_minutes", "sentences"][-1]
    found = postcodes.locate(demo_place, "NR1 3QU", index)
    across = profile.across_boundary(demo_place, index, found.area_index, "lad")
    assert across.distance_km <= profile.NEAR_BOUNDARY_KM
    geometry = demo_place.areas.geometry
    assert all(
        geometry.iloc[r].distance(geometry.iloc[found.area_index]) <= 3_000 for r in across.rows
    )


def test_cardiff_speaks_of_local_health_boards_and_says_why_england(demo_place, index):
    found, table = _profile_of(demo_place, index, "CF10 1EP")
    text = " ".join([*table["title"], *(s for row in table["sentences"] for s in row)])
    assert "local health board" in text and "integrated care board" not in text
    note = profile.nation_note(demo_place, found.area_index, table.reset_index())
    assert note.startswith("Your area is in Wales, but some figures here are compared with")
    assert "England" in note
    # an English area has nothing to explain
    found, table = _profile_of(demo_place, index, "NN1 1AA")
    assert profile.nation_note(demo_place, found.area_index, table.reset_index()) == ""


@pytest.mark.parametrize("grouping", ["lad", "isdn"])
def test_across_the_boundary_is_the_nearest_other_group_of_all_areas(demo_place, index, grouping):
    # Worked out from the few areas near this one; here checked against every area.
    codes = demo_place.areas[demo_place.grouping(grouping).code_column].to_numpy(dtype=object)
    geometry = demo_place.areas.geometry.to_numpy()
    for row in range(0, len(geometry), 2311):
        across = profile.across_boundary(demo_place, index, row, grouping)
        others = np.flatnonzero(codes != codes[row])
        distances = shapely.distance(geometry[others], geometry[row])
        assert across.code == codes[others[np.argmin(distances)]]
        assert across.distance_km == pytest.approx(distances.min() / 1000)
        same = np.sort(distances[codes[others] == across.code])
        shown = shapely.distance(geometry[across.rows], geometry[row])
        assert np.allclose(shown, same[: len(across.rows)])
        assert 1 <= len(across.rows) <= 5 and shown.max() <= max(3_000, same[0])
