"""Similar areas: planted look-alikes are found; officers' neighbour files are checked."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from insight.analysis import similar
from insight.errors import DataError
from insight.model import Grouping, Indicator, Place

LOOK_ALIKES = ("G03", "G11", "G17")


def profile_place(seed: int = 1, missing: bool = False) -> Place:
    """24 groups of 6 areas; groups G03, G11 and G17 are planted copies of G00's profile.

    Every group has its own level on three indicators (minutes, a share, a rate of
    admissions), far apart on the scale of the spread between groups; the look-alikes get
    G00's levels. With ``missing``, G11 has no minutes at all.
    """
    rng = np.random.default_rng(seed)
    groups = [f"G{i:02d}" for i in range(24)]
    levels = {g: rng.normal(0, 1, 3) for g in groups}
    for g in LOOK_ALIKES:
        levels[g] = levels["G00"] + rng.normal(0, 0.05, 3)
    rows = []
    for g in groups:
        minutes, share, rate = levels[g]
        for k in range(6):
            population = 5000.0
            rows.append(
                {
                    "code": f"{g}A{k}",
                    "lad_code": g,
                    "lad_name": f"Group {g}",
                    "minutes": 40 + 10 * minutes + rng.normal(0, 0.5),
                    "cases": float(round(population * (0.3 + 0.05 * share))),
                    "population": population,
                    "events": float(round(population * (0.01 + 0.002 * rate))),
                }
            )
    areas = pd.DataFrame(rows)
    if missing:
        areas.loc[areas["lad_code"] == "G11", "minutes"] = np.nan
    areas["share"] = 100 * areas["cases"] / areas["population"]
    areas["rate"] = 1000 * areas["events"] / areas["population"]
    areas = gpd.GeoDataFrame(
        areas, geometry=[box(i, 0, i + 1, 1) for i in range(len(areas))], crs=27700
    )
    indicators = {
        "minutes": Indicator("minutes", "Minutes to hospital", "minutes", "time", "low_is_good"),
        "share": Indicator("share", "Share", "%", "proportion", "low_is_good",
                           numerator="cases", denominator="population", multiplier=100),
        "rate": Indicator("rate", "Admission rate", "per 1,000", "rate", "low_is_good",
                          numerator="events", denominator="population", multiplier=1000),
    }  # fmt: skip
    return Place(
        "p", "P", "area", areas, indicators, {"lad": Grouping("lad", "Authority", "authorities")}
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_planted_look_alikes_are_the_nearest_three(seed):
    result = similar.similar_groups(profile_place(seed), "lad", "G00", count=3)
    assert set(result.codes) == set(LOOK_ALIKES)
    assert list(result.table["rank"]) == [1, 2, 3]
    assert result.table["distance"].is_monotonic_increasing
    assert result.variables == ("minutes", "share", "rate")
    assert "3 indicators" in result.method and "minutes to hospital" in result.method


def test_a_look_alike_missing_one_indicator_is_still_found_and_not_favoured():
    place = profile_place(1, missing=True)
    result = similar.similar_groups(place, "lad", "G00", count=3)
    assert set(result.codes) == set(LOOK_ALIKES)
    row = result.table.set_index("code").loc["G11"]
    assert row["shared"] == 2
    # The missing variable is made up for by scaling: same size of distance as the others.
    others = result.table.set_index("code").drop(index="G11")["distance"]
    assert row["distance"] < 4 * others.max()


def test_distance_scales_up_for_missing_variables():
    scores = pd.DataFrame({"a": [0.0, 1.0, 1.0], "b": [0.0, np.nan, 1.0]}, index=["x", "y", "z"])
    table = similar.distances(scores, "x")
    assert table.loc["y", "distance"] == pytest.approx(np.sqrt(2.0))  # 1 squared, times 2/1
    assert table.loc["z", "distance"] == pytest.approx(np.sqrt(2.0))
    assert list(table["shared"]) == [1, 2]


def test_unknown_group_is_a_clear_error():
    with pytest.raises(DataError, match="'NOPE'"):
        similar.similar_groups(profile_place(), "lad", "NOPE")


def test_neighbour_file_is_read_in_rank_order(tmp_path):
    path = tmp_path / "cipfa.csv"
    path.write_text("Group code,Neighbour code,Rank\nG00,G17,2\nG00,G03,1\nG01,G02,1\n")
    table = similar.read_neighbours(path, profile_place(), "lad")
    result = similar.chosen_neighbours(table, profile_place(), "lad", "G00", path.name)
    assert result.codes == ["G03", "G17"]
    assert result.method == "Neighbours as listed in cipfa.csv, in its order."


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("group,rank\nG00,1\n", ["no column 'neighbour'", "group, neighbour and rank"]),
        ("group,neighbour,rank\nG00,G03,first\n", ["'rank' row 2", "'first'"]),
        ("group,neighbour,rank\nG00,X99,1\n", ["'neighbour' row 2", "'X99'", "'lad'"]),
        ("group,neighbour,rank\nG00,G03,1\nG00,G03,2\n", ["listed twice", "row 3"]),
    ],
)
def test_bad_neighbour_files_name_the_file_column_and_value(tmp_path, text, words):
    path = tmp_path / "n.csv"
    path.write_text(text)
    with pytest.raises(DataError) as error:
        similar.read_neighbours(path, profile_place(), "lad")
    assert str(path) in str(error.value)
    for word in words:
        assert word in str(error.value)


def test_too_few_groups_says_so():
    place = profile_place()
    areas = place.areas[place.areas["lad_code"].isin(["G00", "G01"])].reset_index(drop=True)
    small = Place("q", "Q", "area", areas, place.indicators, place.groupings)
    with pytest.raises(DataError, match="has 2 authorities: similar areas need at least 3"):
        similar.similar_groups(small, "lad", "G00")
