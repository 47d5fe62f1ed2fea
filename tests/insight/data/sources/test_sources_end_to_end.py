"""End to end: build a ward place from TOML (or uploads), save it, open it as the app does."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import DATA

from insight import cli, explain
from insight.analysis.benchmark import compare_groups
from insight.analysis.borders import border_discontinuities
from insight.analysis.findings import findings
from insight.data.catalogue import list_places, load_place
from insight.data.sources import BuildReport, build_from_toml, build_from_uploads, build_place
from insight.data.sources.config import read_config
from insight.data.store import current_dir, place_dir
from insight.errors import DataError
from insight.model import BNG, Place

PLACE_ID = "northants-wards"


def check_structure(place: Place) -> None:
    """The contract every place meets (the demo included): what pages and engines rely on."""
    areas = place.areas
    assert areas.crs == BNG
    assert {"code", "name", "geometry"} <= set(areas.columns)
    assert areas["code"].is_unique and areas["code"].notna().all()
    assert areas.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert areas.is_valid.all()
    assert place.default_grouping in place.groupings
    for grouping in place.groupings.values():
        for column in (grouping.code_column, grouping.name_column):
            assert column in areas.columns
            assert pd.api.types.is_string_dtype(areas[column]) or areas[column].dtype == object
        assert areas[grouping.code_column].notna().mean() > 0.95
        assert len(place.group_names(grouping.id)) >= 1
    for indicator in place.indicators.values():
        assert pd.api.types.is_float_dtype(areas[indicator.id]), indicator.id
        for column in (
            indicator.numerator,
            indicator.denominator,
            indicator.lower,
            indicator.upper,
            indicator.weight,
        ):
            assert column is None or column in areas.columns, (indicator.id, column)
    if place.services is not None:
        services = place.services
        assert services.crs == BNG and services["code"].is_unique
        assert {"code", "name"} <= set(services.columns)
        for service_type in place.service_types:
            assert services[service_type].dtype == bool
        for grouping in place.groupings.values():
            assert grouping.code_column in services.columns
    for layer in place.provenance:
        assert layer.name and layer.source and layer.licence


@pytest.fixture
def built(data_root):
    place, report = build_from_toml(DATA / "place.toml")
    return place, report


def test_ward_place_from_toml_is_saved_and_opens_like_the_demo(built, data_root):
    _, report = built
    assert (current_dir(data_root / "places" / PLACE_ID) / "place.json").is_file()
    assert list_places()[PLACE_ID] == "Northampton and Wellingborough wards"

    place = load_place(PLACE_ID)
    check_structure(place)
    assert place.area_level == "ward"
    assert len(place.areas) == 41 and place.areas["code"].str.startswith("E05").all()
    assert place.areas["name"].iloc[0] == "Northampton ward 1"
    assert list(place.groupings) == ["lad", "lad_by_postcode", "partnership"]
    assert place.default_grouping == "lad"
    assert place.benchmark_name == "Northampton and Wellingborough"
    assert place.group_names("lad").to_dict() == {
        "E06000061": "North Northamptonshire",
        "E06000062": "West Northamptonshire",
    }
    assert list(place.indicators) == [
        "fingertips_93227",
        "fingertips_93105",
        "fuel_poverty",
        "library_visits",
        "child_poverty",
        "universal_credit",
        "deprivation",
        "libraries_km",
        "libraries_penalty_lad",
        "leisure_km",
        "leisure_penalty_lad",
        "hubs_km",
        "hubs_penalty_lad",
    ]
    assert place.indicator("fuel_poverty").numerator == "fuel_poverty_numerator"
    assert place.deprivation is place.indicator("deprivation")  # role = "deprivation"
    assert set(place.service_types) == {"libraries", "leisure", "hubs"}
    assert len(place.services) == 8 + 5 + 3
    assert place.services.groupby("located_by").size().to_dict() == {
        "easting/northing": 3,
        "latitude/longitude": 5,
        "postcode": 8,
    }
    assert place.costs is None

    stored = BuildReport.from_dict(place.quality)
    assert stored == report
    assert place.quality["areas"] == 41
    assert place.quality["services_not_located"] == 2
    assert place.quality["values_not_numbers"] == 1
    assert place.quality["areas_unmatched"] == 1
    assert "NN1 1A" in stored.as_text() and "NN99 9ZZ" in stored.as_text()
    names = [layer.name for layer in place.provenance]
    assert names[0] == "Ward boundaries" and place.provenance[0].licence.startswith("Open")
    assert any("ONS postcode directory" in name for name in names)

    for indicator in place.indicators.values():
        value = place.areas[indicator.id].dropna().iloc[0]
        assert explain.fmt_value(value, indicator)


def test_failed_build_keeps_the_good_place(built, data_root, workdir):
    before = (current_dir(data_root / "places" / PLACE_ID) / "areas.parquet").read_bytes()
    (workdir / "wards.geojson").write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(DataError, match="could not read the boundary file"):
        build_from_toml(workdir / "place.toml")
    assert (current_dir(data_root / "places" / PLACE_ID) / "areas.parquet").read_bytes() == before
    assert sorted(p.name for p in (data_root / "places").iterdir()) == [PLACE_ID]
    assert len(load_place(PLACE_ID).areas) == 41


def test_command_line_build_and_lookup(data_root, capsys):
    assert cli.main(["build", str(DATA / "place.toml")]) == 0
    out = capsys.readouterr().out
    assert "Place 'northants-wards' (Northampton and Wellingborough wards): 41 areas (ward)" in out
    assert "libraries.csv row 10, column 'Postcode': 'NN1 1A' (not a UK postcode)" in out
    assert "Built place 'northants-wards' (41 areas)" in out

    assert cli.main(["lookup", "NN1 1EF", "--place", PLACE_ID, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["area_code"].startswith("E05")
    assert record["groupings"]["lad"]["name"] == "West Northamptonshire"


def test_command_line_reports_bad_input_without_a_traceback(data_root, workdir, capsys):
    (workdir / "place.toml").write_text(
        (workdir / "place.toml").read_text().replace('path = "wards.geojson"', 'path = "wards.kml"')
    )
    assert cli.main(["build", str(workdir / "place.toml")]) == 2
    err = capsys.readouterr().err
    assert "Error: The boundary file" in err and "wards.kml" in err
    assert "Traceback" not in err


def test_uploads_are_built_validated_and_kept(data_root):
    files = {
        name: (DATA / name).read_bytes()
        for name in ("wards_bng.zip", "ward_to_lad.csv", "local_indicators.xlsx", "libraries.csv")
    }
    config = {
        "place": {"id": "uploaded-wards", "title": "Uploaded wards"},
        "areas": {"path": "wards_bng.zip"},
        "groupings": [{"id": "lad", "title": "Local authority", "path": "ward_to_lad.csv"}],
        "indicators": [
            {
                "path": "local_indicators.xlsx",
                "columns": {
                    "Households in fuel poverty": {
                        "id": "fuel_poverty",
                        "numerator": "Fuel poor",
                        "denominator": "Households",
                    }
                },
            }
        ],
        "services": [{"id": "libraries", "title": "Libraries", "path": "libraries.csv"}],
    }
    steps = []
    place, report = build_from_uploads(config, files, progress=lambda f, m: steps.append(f))
    assert steps[-1] == 1.0
    assert report.services_not_located.count == 2
    sources = current_dir(place_dir("uploaded-wards")) / "sources"
    assert sorted(p.name for p in sources.iterdir()) == sorted([*files, "place.toml"])

    reopened = load_place("uploaded-wards")  # as after a restart
    check_structure(reopened)
    assert reopened.indicator("fuel_poverty").kind == "proportion"
    assert reopened.area_level == "ward"

    # The saved configuration rebuilds the place, keeping its sources.
    rebuilt, _ = build_from_toml(sources / "place.toml")
    assert len(rebuilt.areas) == 41
    assert (current_dir(place_dir("uploaded-wards")) / "sources" / "wards_bng.zip").is_file()


def test_uploaded_toml_text(data_root):
    text = (DATA / "place.toml").read_text().replace('id = "northants-wards"', 'id = "from-text"')
    names = [
        "wards.geojson",
        "ward_to_lad.csv",
        "ward_to_partnership.csv",
        "fingertips_export.csv",
        "local_indicators.xlsx",
        "long_indicators.csv",
        "deprivation.csv",
        "libraries.csv",
        "leisure_centres.csv",
        "family_hubs.csv",
    ]
    place, _ = build_from_uploads(text, {n: (DATA / n).read_bytes() for n in names}, save=False)
    assert place.id == "from-text" and len(place.indicators) == 13
    assert not place_dir("from-text").exists()


def test_the_findings_engine_runs_on_a_ward_place(built):
    place = load_place(PLACE_ID)
    borders = border_discontinuities(
        place.areas, "fuel_poverty", "lad", indicator=place.indicator("fuel_poverty"), rings=1
    )
    assert len(borders) == 1  # West and North Northamptonshire share one border
    found = findings(place, "fuel_poverty", "lad")
    assert found.border_table is not None and len(found.border_table) == 1
    comparison = compare_groups(place, "fuel_poverty", "lad")
    assert set(comparison.table["funnel"]) <= {"n/a", "within", "high", "low"}


@pytest.mark.slow
def test_the_demo_meets_the_same_structure(demo_place):
    check_structure(demo_place)


def test_relative_paths_are_resolved_against_the_toml(data_root, tmp_path):
    folder = tmp_path / "elsewhere" / "config"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "wards.gpkg", folder.parent / "wards.gpkg")
    (folder / "place.toml").write_text(
        '[place]\nid = "relative"\n[areas]\npath = "../wards.gpkg"\n'
        '[[groupings]]\nid = "lad"\nfrom = "areas"\ncode = "LAD23CD"\nname = "LAD23NM"\n'
    )
    config = read_config(folder / "place.toml")
    place, _ = build_place(config, save=False, require_indicators=False)
    assert len(place.areas) == 41 and place.title == "relative"


def test_the_example_place_has_a_border_an_officer_can_test(built) -> None:
    """The illustrative partnerships' border crosses Northampton with at least 5 wards on
    each side: a 10-point step planted there is found, and plain noise finds nothing."""
    place, _ = built
    indicator = place.indicator("child_poverty")
    column = place.grouping("partnership").code_column
    partnership = place.areas[column].to_numpy()
    noise = np.random.default_rng(7).normal(20.0, 1.0, len(place.areas))
    for step, expected in ((10.0, True), (0.0, False)):
        areas = place.areas.copy()
        areas[indicator.id] = noise + np.where(partnership == "LAP01", step, 0.0)
        planted = replace(place, areas=areas)
        table = border_discontinuities(
            planted.areas, indicator.id, column, min_areas=5, indicator=indicator
        )
        north_south = table[
            table[["group_a", "group_b"]].apply(set, axis=1) == {"LAP01", "LAP02"}
        ].iloc[0]
        assert north_south["tested"] and min(north_south["n_a"], north_south["n_b"]) >= 5
        found = findings(planted, indicator.id, "partnership", kinds=("border",))
        borders = {(f.group_code, f.other_code) for f in found if f.kind == "border"}
        assert (("LAP01", "LAP02") in borders) is expected, borders


def test_officers_boundary_penalties_are_what_ifs(built) -> None:
    """Extra distance when limited to one's own group is a what-if: its indicator says
    which grouping it is limited to, and nothing found about it is a tested difference."""
    place, _ = built
    penalties = [i for i in place.indicators.values() if "_penalty_" in i.id]
    assert penalties and all(i.within in place.groupings for i in penalties)
    for indicator in penalties:
        found = findings(place, indicator.id, "partnership")
        assert not any(f.tested for f in found), [f.sentence for f in found if f.tested]
