"""Reading every real format: boundaries, lookups, indicators, services, and what the report counts."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import DATA, build, config

from insight.data.sources.boundaries import detect_level, read_boundaries
from insight.data.sources.report import BuildReport
from insight.data.sources.tables import parse_number
from insight.model import BNG

WARDS = 41


@pytest.fixture(scope="module")
def reference() -> gpd.GeoDataFrame:
    """The fixture wards as read from the GeoJSON."""
    return read_boundaries(DATA / "wards.geojson").areas


# --- boundaries ---------------------------------------------------------------------------


def test_geojson_in_wgs84_is_reprojected_and_ward_columns_detected(reference):
    report = BuildReport()
    result = read_boundaries(DATA / "wards.geojson", report=report)
    assert result.code_column == "WD23CD" and result.name_column == "WD23NM"
    assert result.level == "ward"
    assert result.areas.crs == BNG
    assert len(result.areas) == WARDS
    assert list(result.areas.columns) == ["code", "name", "geometry"]
    assert result.areas["code"].str.match(r"^E05\d{6}$").all()
    assert result.areas["code"].is_monotonic_increasing
    minx, miny, maxx, maxy = result.areas.total_bounds
    assert 460_000 < minx < maxx < 500_000 and 250_000 < miny < maxy < 280_000
    assert report.files[0].format == "GeoJSON, EPSG:4326"
    assert report.files[0].rows == WARDS


def test_zipped_shapefile_in_british_national_grid(reference):
    report = BuildReport()
    result = read_boundaries(DATA / "wards_bng.zip", report=report)
    assert report.files[0].format == "zipped Shapefile, EPSG:27700"
    assert result.level == "ward"
    assert result.areas["code"].tolist() == reference["code"].tolist()
    ratio = result.areas.area.sum() / reference.area.sum()
    assert ratio == pytest.approx(1, abs=0.001)


def test_geopackage_with_authority_columns(reference):
    result = read_boundaries(DATA / "wards.gpkg", keep=("LAD23CD", "LAD23NM"))
    assert result.areas["code"].tolist() == reference["code"].tolist()
    assert set(result.areas["LAD23CD"]) == {"E06000061", "E06000062"}


def test_geoparquet(tmp_path, reference):
    path = tmp_path / "wards.parquet"
    gpd.read_file(DATA / "wards.gpkg").to_parquet(path)
    result = read_boundaries(path)
    assert result.format.startswith("GeoParquet")
    assert result.areas["code"].tolist() == reference["code"].tolist()


def test_loose_shapefile_with_sidecars(tmp_path, reference):
    with zipfile.ZipFile(DATA / "wards_bng.zip") as archive:
        archive.extractall(tmp_path)
    result = read_boundaries(tmp_path / "wards.shp")
    assert len(result.areas) == WARDS


def test_geojson_with_a_declared_british_national_grid_crs(tmp_path, reference):
    path = tmp_path / "bng.geojson"
    reference.rename(columns={"code": "WD23CD", "name": "WD23NM"}).to_file(path, driver="GeoJSON")
    assert '"EPSG","27700"' in path.read_text().replace(" ", "") or "27700" in path.read_text()
    result = read_boundaries(path)
    assert result.areas.total_bounds == pytest.approx(reference.total_bounds, abs=1)


def test_lsoa_codes_and_generic_columns_are_detected(tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "LSOA21CD": ["E01000002", "E01000001"],
            "LSOA21NM": ["B 001B", "B 001A"],
            "LAD22CD": ["E09000001", "E09000001"],
        },
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        crs=BNG,
    )
    frame.to_file(tmp_path / "lsoa.gpkg")
    result = read_boundaries(tmp_path / "lsoa.gpkg")
    assert result.code_column == "LSOA21CD" and result.level == "neighbourhood (LSOA)"
    assert result.areas["code"].tolist() == ["E01000001", "E01000002"]
    generic = frame.rename(columns={"LSOA21CD": "code", "LSOA21NM": "label"})
    generic.drop(columns="LAD22CD").to_file(tmp_path / "generic.gpkg")
    report = BuildReport()
    result = read_boundaries(tmp_path / "generic.gpkg", report=report)
    assert result.code_column == "code" and result.name_column is None
    assert result.areas["name"].tolist() == result.areas["code"].tolist()
    assert "codes are used as names" in report.notes[0]


def test_detect_level():
    assert detect_level(pd.Series(["W05000001"])) == "ward"
    assert detect_level(pd.Series(["E02000001"])) == "neighbourhood (MSOA)"
    assert detect_level(pd.Series(["X"]), "WD24CD") == "ward"


def _two_squares(tmp_path: Path, geometries, codes=("E05000001", "E05000002")) -> Path:
    frame = gpd.GeoDataFrame(
        {"WD23CD": list(codes), "WD23NM": ["A", "B"][: len(codes)]},
        geometry=list(geometries),
        crs=BNG,
    )
    path = tmp_path / "squares.gpkg"
    frame.to_file(path)
    return path


def test_invalid_geometry_is_repaired_and_counted(tmp_path):
    bowtie = shapely.Polygon(
        [(470000, 250000), (471000, 251000), (471000, 250000), (470000, 251000), (470000, 250000)]
    )
    assert not bowtie.is_valid
    path = _two_squares(tmp_path, [bowtie, shapely.box(472000, 250000, 473000, 251000)])
    report = BuildReport()
    areas = read_boundaries(path, report=report).areas
    assert report.invalid_geometries_repaired.codes == ["E05000001"]
    assert areas.is_valid.all()
    assert areas.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert areas.area.iloc[0] == pytest.approx(500_000)


def test_empty_geometry_is_dropped_and_counted(tmp_path):
    path = _two_squares(tmp_path, [None, shapely.box(472000, 250000, 473000, 251000)])
    report = BuildReport()
    areas = read_boundaries(path, report=report).areas
    assert areas["code"].tolist() == ["E05000002"]
    assert report.empty_geometries_dropped.codes == ["E05000001"]
    assert "empty geometries dropped: 1 (E05000001)" in report.as_text()


def test_duplicate_codes_are_merged_and_counted(tmp_path):
    path = _two_squares(
        tmp_path,
        [shapely.box(470000, 250000, 471000, 251000), shapely.box(471000, 250000, 472000, 251000)],
        codes=("E05000001", "E05000001"),
    )
    report = BuildReport()
    areas = read_boundaries(path, report=report).areas
    assert len(areas) == 1 and areas.area.iloc[0] == pytest.approx(2_000_000)
    assert report.duplicate_area_codes.codes == ["E05000001"]


def test_blank_codes_are_dropped_and_counted(tmp_path):
    path = _two_squares(
        tmp_path,
        [shapely.box(470000, 250000, 471000, 251000), shapely.box(471000, 250000, 472000, 251000)],
        codes=("E05000001", " "),
    )
    report = BuildReport()
    areas = read_boundaries(path, report=report).areas
    assert areas["code"].tolist() == ["E05000001"] and report.areas_without_code == 1


# --- groupings ----------------------------------------------------------------------------


def test_lookup_grouping_detects_columns_and_lists_unmatched_codes():
    place, report = build(config())
    assert place.areas.groupby("lad_code")["lad_name"].first().to_dict() == {
        "E06000061": "North Northamptonshire",
        "E06000062": "West Northamptonshire",
    }
    match = report.matches[0]
    assert (match.matched, match.areas) == (WARDS, WARDS)
    assert match.codes_not_in_areas.codes == ["E05900101", "E05900102", "E05900103"]
    assert place.default_grouping == "lad"


def test_lookup_with_missing_and_duplicate_rows(tmp_path):
    lookup = pd.read_csv(DATA / "ward_to_lad.csv")
    lookup = pd.concat([lookup.iloc[1:], lookup.iloc[[5]].assign(LAD23CD="E06000099")])
    lookup.to_csv(tmp_path / "lookup.csv", index=False)
    place, report = build(config(groupings=[{"id": "lad", "path": str(tmp_path / "lookup.csv")}]))
    match = report.matches[0]
    assert match.areas_without_row.codes == ["E05900001"]
    assert match.duplicates.codes == [lookup.iloc[4]["WD23CD"]]
    assert place.areas["lad_code"].isna().sum() == 1
    assert "E06000099" not in set(place.areas["lad_code"])  # first row wins


def test_lookup_from_xlsx_sheet(tmp_path):
    with pd.ExcelWriter(tmp_path / "lookup.xlsx") as book:
        pd.DataFrame({"About": ["ward to LAD"]}).to_excel(book, sheet_name="Read me", index=False)
        pd.read_csv(DATA / "ward_to_lad.csv").to_excel(book, sheet_name="WD23_LAD23", index=False)
    grouping = {"id": "lad", "path": str(tmp_path / "lookup.xlsx"), "sheet": "WD23_LAD23"}
    place, _ = build(config(groupings=[grouping]))
    assert place.areas["lad_code"].notna().all()


def test_grouping_from_postcodes_matches_the_lookup():
    grouping = {"id": "la", "from": "postcodes"}
    place, report = build(config(groupings=[grouping]))
    lookup = pd.read_csv(DATA / "ward_to_lad.csv").set_index("WD23CD")["LAD23CD"]
    agree = (place.areas["la_code"] == place.areas["code"].map(lookup)).mean()
    assert agree > 0.9
    assert set(place.areas["la_name"]) == {"West Northamptonshire", "North Northamptonshire"}
    assert place.groupings["la"].title == "Local authority"
    assert report.files[1].file == "ONS postcode directory" and report.files[1].rows > 1000


def test_grouping_from_the_boundary_file():
    data = config(
        areas={"path": str(DATA / "wards.gpkg")},
        groupings=[{"id": "lad", "from": "areas", "code": "LAD23CD", "name": "LAD23NM"}],
    )
    place, _ = build(data)
    assert "LAD23CD" not in place.areas.columns
    assert place.areas["lad_name"].str.endswith("Northamptonshire").all()


# --- indicators ---------------------------------------------------------------------------


def fingertips(**extra) -> dict:
    return config(indicators=[{"path": str(DATA / "fingertips_export.csv"), **extra}])


def test_fingertips_export_one_indicator_per_id_latest_period_persons():
    place, report = build(fingertips())
    assert list(place.indicators) == ["fingertips_93227", "fingertips_93105"]
    sar = place.indicators["fingertips_93227"]
    assert sar.kind == "ratio" and sar.period == "2016/17 - 20/21"
    assert sar.unit == "(England = 100)" and sar.multiplier == 100
    assert sar.polarity == "low_is_good"
    assert (sar.lower, sar.upper) == ("fingertips_93227_lower", "fingertips_93227_upper")
    assert (sar.numerator, sar.denominator) == (
        "fingertips_93227_numerator",
        "fingertips_93227_denominator",
    )
    raw = pd.read_csv(DATA / "fingertips_export.csv", dtype={"Indicator ID": str})
    persons = raw[
        (raw["Indicator ID"] == "93227")
        & (raw["Sex"] == "Persons")
        & (raw["Time period"] == "2016/17 - 20/21")
    ].set_index("Area Code")
    first = place.areas.iloc[0]
    assert first["fingertips_93227"] == pytest.approx(persons.loc[first["code"], "Value"])
    assert first["fingertips_93227_numerator"] == persons.loc[first["code"], "Count"]
    obesity = place.indicators["fingertips_93105"]
    assert obesity.kind == "proportion" and obesity.unit == "%" and obesity.multiplier == 100
    assert "England: 9.8" in obesity.description
    assert place.areas["fingertips_93105"].isna().sum() == 2  # one suppressed, one absent
    match = next(m for m in report.matches if m.role == "indicator fingertips_93105")
    assert match.areas_without_row.codes == ["E05900041"]
    sar_match = next(m for m in report.matches if m.role == "indicator fingertips_93227")
    assert sar_match.codes_not_in_areas.codes == ["E05900999"]  # same area type, elsewhere
    assert any("sex 'Persons' used" in note for note in report.notes)


def test_fingertips_overrides_and_selection():
    place, _ = build(fingertips(columns={"93105": {"id": "obese_children", "decimals": 2}}))
    assert list(place.indicators) == ["obese_children"]
    assert place.indicators["obese_children"].decimals == 2
    assert place.indicators["obese_children"].polarity == "low_is_good"


def test_fingertips_detected_without_format():
    place, report = build(fingertips())
    assert report.files[-1].format == "Fingertips export"


def wide(**extra) -> dict:
    return config(
        indicators=[
            {
                "path": str(DATA / "local_indicators.xlsx"),
                "sheet": "Sheet1",
                "area_code": "Ward code",
                **extra,
            }
        ]
    )


def test_wide_xlsx_with_numerator_and_denominator():
    columns = {
        "Households in fuel poverty": {
            "id": "fuel_poverty",
            "kind": "proportion",
            "numerator": "Fuel poor",
            "denominator": "Households",
            "polarity": "low_is_good",
        }
    }
    place, report = build(wide(columns=columns))
    fuel = place.indicators["fuel_poverty"]
    assert (fuel.kind, fuel.unit, fuel.multiplier, fuel.polarity) == (
        "proportion",
        "%",
        100.0,
        "low_is_good",
    )
    areas = place.areas
    ok = areas["fuel_poverty"].notna()
    assert np.allclose(
        areas.loc[ok, "fuel_poverty"],
        100 * areas.loc[ok, "fuel_poverty_numerator"] / areas.loc[ok, "fuel_poverty_denominator"],
        atol=0.06,
    )
    assert (~ok).sum() == 1  # the "c"
    assert any("'c' (1)" in note for note in report.notes)
    assert report.not_numbers.count == 0


def test_wide_xlsx_every_numeric_column_when_none_are_named():
    place, report = build(wide())
    assert "households_in_fuel_poverty" in place.indicators
    assert "library_visits_per_1_000_residents" in place.indicators
    assert "ward_name" not in place.indicators
    assert report.not_numbers.count == 1
    problem = report.not_numbers.problems[0]
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "local_indicators.xlsx",
        9,
        "Library visits per 1,000 residents",
        "see note",
    )


def test_long_csv():
    data = config(indicators=[{"path": str(DATA / "long_indicators.csv")}])
    place, report = build(data)
    assert list(place.indicators) == [
        "children_in_relative_low_income_families",
        "adults_claiming_universal_credit",
    ]
    indicator = place.indicators["adults_claiming_universal_credit"]
    assert indicator.period == "2023" and indicator.unit == "%"
    assert place.areas[indicator.id].between(5, 22).all()
    assert report.files[-1].format == "long table"


def test_long_csv_latest_period_and_parts(tmp_path):
    rows = []
    for code in pd.read_csv(DATA / "ward_to_lad.csv")["WD23CD"][:WARDS]:
        rows.append(
            {
                "Area code": code,
                "Measure": "Falls",
                "Year": "2022",
                "Value": 5,
                "Count": 5,
                "Denominator": 100,
            }
        )
        rows.append(
            {
                "Area code": code,
                "Measure": "Falls",
                "Year": "2023",
                "Value": 7,
                "Count": 7,
                "Denominator": 100,
            }
        )
    pd.DataFrame(rows).to_csv(tmp_path / "falls.csv", index=False)
    place, report = build(
        config(indicators=[{"path": str(tmp_path / "falls.csv"), "format": "long"}])
    )
    falls = place.indicators["falls"]
    assert falls.period == "2023" and (place.areas["falls"] == 7).all()
    assert falls.kind == "proportion" and falls.multiplier == 100
    assert falls.numerator == "falls_numerator"


def test_values_that_are_not_numbers_negative_counts_and_big_numerators(tmp_path):
    codes = pd.read_csv(DATA / "ward_to_lad.csv")["WD23CD"][:WARDS]
    table = pd.DataFrame(
        {"WD23CD": codes, "Screened %": 50.0, "Screened": 50, "Eligible": 100}, dtype=object
    )
    table.loc[0, "Screened %"] = "fifty"
    table.loc[1, "Screened"] = -3
    table.loc[2, ["Screened %", "Screened", "Eligible"]] = [120, 120, 100]
    table.loc[3, "Screened %"] = "1,234"
    table.to_csv(tmp_path / "screening.csv", index=False)
    columns = {
        "Screened %": {
            "id": "screened",
            "kind": "proportion",
            "numerator": "Screened",
            "denominator": "Eligible",
        }
    }
    place, report = build(
        config(indicators=[{"path": str(tmp_path / "screening.csv"), "columns": columns}])
    )
    assert [(p.row, p.column, p.value) for p in report.not_numbers.problems] == [
        (2, "Screened %", "fifty")
    ]
    assert [(p.row, p.column, p.value) for p in report.negative_counts.problems] == [
        (3, "Screened", "-3")
    ]
    assert [(p.row, p.value) for p in report.numerator_over_denominator.problems] == [
        (4, "120 > 100")
    ]
    assert place.areas["screened_numerator"].isna().sum() == 1
    assert place.areas["screened"].iloc[3] == 1234
    text = report.as_text()
    assert "screening.csv row 2, column 'Screened %': 'fifty' (not a number)" in text
    assert "screening.csv row 3, column 'Screened': '-3' (a count cannot be negative)" in text


def test_parse_number():
    assert parse_number(" 1,234.5 ") == 1234.5
    assert parse_number("£12") == 12
    assert parse_number("7%") == 7
    assert np.isnan(parse_number(".."))
    assert parse_number("12a") is None


# --- services -----------------------------------------------------------------------------


def services(*entries) -> dict:
    return config(services=list(entries))


LIBRARIES = {
    "id": "libraries",
    "title": "Libraries",
    "singular": "library",
    "path": str(DATA / "libraries.csv"),
    "postcode": "Postcode",
    "name": "Library name",
}
LEISURE = {"id": "leisure", "title": "Leisure centres", "path": str(DATA / "leisure_centres.csv")}
HUBS = {
    "id": "hubs",
    "title": "Family hubs",
    "path": str(DATA / "family_hubs.csv"),
    "easting": "Easting",
    "northing": "Northing",
    "name": "Hub",
}


def test_services_by_postcode_with_bad_and_unknown_postcodes():
    place, report = build(services(LIBRARIES))
    libraries = place.services
    assert len(libraries) == 8 and libraries["libraries"].all()
    assert set(libraries["located_by"]) == {"postcode"}
    central = libraries.set_index("name").loc["Central Library"]
    assert (central.geometry.x, central.geometry.y) == (475625, 260286)  # NN1 1EF
    assert central["lad_code"] == "E06000062"
    problems = [(p.row, p.value, p.reason) for p in report.services_not_located.problems]
    assert problems == [
        (10, "NN1 1A", "not a UK postcode"),
        (11, "NN99 9ZZ", "not in the ONS postcode directory"),
    ]
    hunsbury = libraries.set_index("name").loc["Hunsbury Library"]  # NN4 5BD: south of the wards
    assert pd.isna(hunsbury["lad_code"]) and pd.isna(hunsbury["area_code"])
    assert report.services[0].outside_areas.codes == [hunsbury["code"]]
    assert place.service_types["libraries"].singular == "library"


def test_services_by_latitude_longitude_detected_columns():
    place, report = build(services(LEISURE))
    leisure = place.services
    assert len(leisure) == 5 and set(leisure["located_by"]) == {"latitude/longitude"}
    assert leisure["area_code"].notna().all()
    assert leisure["name"].iloc[0] == "Northampton ward 1 leisure centre"
    inside = gpd.sjoin(leisure, place.areas[["code", "geometry"]], predicate="within")
    assert (inside["area_code"] == inside["code_right"]).all()
    assert place.service_types["leisure"].singular == "leisure centre"


def test_services_by_easting_northing_and_merged_types(tmp_path):
    hubs = pd.read_csv(DATA / "family_hubs.csv").assign(Code=["H1", "H2", "H3"])
    hubs.to_csv(tmp_path / "hubs.csv", index=False)
    hubs.iloc[:1].assign(Hub="Family hub 1 (also youth)").to_csv(
        tmp_path / "youth.csv", index=False
    )
    place, report = build(
        services(
            {**HUBS, "path": str(tmp_path / "hubs.csv"), "code": "Code"},
            {
                "id": "youth",
                "title": "Youth centres",
                "path": str(tmp_path / "youth.csv"),
                "name": "Hub",
                "code": "Code",
            },
        )
    )
    table = place.services.set_index("code")
    assert table.loc["H1", "hubs"] and table.loc["H1", "youth"]
    assert not table.loc["H2", "youth"]
    assert len(table) == 3
    assert any("merged" in note for note in report.notes)


def test_service_rows_that_cannot_be_located_are_reported(tmp_path):
    pd.DataFrame(
        {
            "Name": ["ok", "swapped", "abroad", "blank", "fallback"],
            "Latitude": ["52.24", "-0.9", "48.0", "", "x"],
            "Longitude": ["-0.9", "52.24", "-0.9", "", "y"],
            "Postcode": ["", "", "", "", "NN1 1AA"],
        }
    ).to_csv(tmp_path / "sites.csv", index=False)
    place, report = build(services({"id": "sites", "path": str(tmp_path / "sites.csv")}))
    assert place.services["name"].tolist() == ["ok", "fallback"]
    assert place.services["located_by"].tolist() == ["latitude/longitude", "postcode"]
    reasons = {p.row: p.reason for p in report.services_not_located.problems}
    assert reasons[3] == "latitude and longitude look swapped"
    assert reasons[4].startswith("outside the UK")
    assert reasons[5] == "no postcode"


def test_access_indicators_for_every_service_type():
    place, _ = build(services(LIBRARIES, LEISURE, HUBS))
    for service in ("libraries", "leisure", "hubs"):
        nearest = place.indicators[f"{service}_km"]
        assert nearest.kind == "distance" and nearest.unit == "km"
        assert place.areas[f"{service}_km"].notna().all()
        assert place.indicators[f"{service}_penalty_lad"].polarity == "low_is_good"
        penalty = place.areas[f"{service}_penalty_lad"]
        assert (penalty.dropna() >= 0).all()


# --- report -------------------------------------------------------------------------------


def test_report_round_trips_through_place_quality():
    place, report = build(services(LIBRARIES))
    stored = json.loads(json.dumps(place.quality))
    assert stored["areas"] == WARDS and stored["services_not_located"] == 2
    assert BuildReport.from_dict(stored) == report
    assert BuildReport.from_dict(stored).as_text() == report.as_text()


def test_report_truncates_long_lists():
    report = BuildReport()
    report.empty_geometries_dropped.extend(f"E05{n:06d}" for n in range(500))
    assert report.empty_geometries_dropped.count == 500
    assert len(report.empty_geometries_dropped.codes) == 100
    assert "... and 490 more" in report.as_text()


def test_rows_read_per_file_are_reported():
    data = config(indicators=[{"path": str(DATA / "long_indicators.csv")}], services=[LIBRARIES])
    _, report = build(data)
    rows = {f.file: f.rows for f in report.files}
    assert rows == {
        "wards.geojson": WARDS,
        "ward_to_lad.csv": 44,
        "long_indicators.csv": 82,
        "libraries.csv": 10,
    }
    assert report.summary()["rows_read"] == sum(rows.values())


def test_penalty_groupings_can_be_chosen_or_switched_off():
    place, _ = build(services({**LIBRARIES, "penalty": []}, {**HUBS, "penalty": ["lad"]}))
    assert "libraries_penalty_lad" not in place.indicators
    assert "hubs_penalty_lad" in place.indicators
