"""Bad input stops the build with a message naming the file, the column or row, the value and the fix.

Each case builds one broken input (a configuration, a file) and lists text the error
message must contain.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import BASE, DATA, build, config

from insight.data.sources import build_from_toml, build_from_uploads, check_upload_size
from insight.errors import ConfigError, DataError, UploadTooLargeError
from insight.model import BNG

CASES = []


def case(*fragments: str, error: type[Exception] = DataError):
    """Register a bad-input case: the function must raise ``error`` containing ``fragments``."""

    def register(make):
        CASES.append(pytest.param(make, error, fragments, id=make.__name__))
        return make

    return register


def toml(folder: Path, text: str):
    path = folder / "place.toml"
    path.write_text(text)
    return build_from_toml(path, save=False)


VALID_TOML = f'''
[place]
id = "test-wards"
title = "Test wards"

[areas]
path = "{DATA / "wards.geojson"}"

[[groupings]]
id = "lad"
path = "{DATA / "ward_to_lad.csv"}"
'''


def with_areas(path: Path, **extra):
    return build(config(areas={"path": str(path), **extra}))


def with_grouping(**grouping):
    return build(config(groupings=[{"id": "lad", **grouping}]))


def with_indicators(**entry):
    return build(config(indicators=[entry]))


def with_services(**entry):
    return build(config(services=[{"id": "libraries", **entry}]))


def wards_frame() -> gpd.GeoDataFrame:
    return gpd.read_file(DATA / "wards.geojson").to_crs(BNG)


# --- the configuration --------------------------------------------------------------------


@case("place.toml", "does not exist", "python -m insight build", error=ConfigError)
def missing_config(tmp):
    build_from_toml(tmp / "place.toml")


@case("place.toml is not valid TOML", "line 2", "quotes", error=ConfigError)
def invalid_toml(tmp):
    toml(tmp, "[place]\nid = northants\n")


@case(
    "unknown key 'servics'",
    "Did you mean 'services'?",
    "Allowed keys: place, areas",
    error=ConfigError,
)
def unknown_top_level_key(tmp):
    toml(tmp, VALID_TOML + '\n[[servics]]\nid = "x"\n')


@case("[areas] has an unknown key 'cde'", "Did you mean 'code'?", "layer, level", error=ConfigError)
def unknown_areas_key(tmp):
    build(config(areas={"path": str(DATA / "wards.geojson"), "cde": "WD23CD"}))


@case("has no [place] section", 'id = "my-place"', error=ConfigError)
def missing_place_section(tmp):
    data = config()
    del data["place"]
    build(data)


@case(
    "[place] id 'Northants Wards!' cannot be used in a web address",
    'id = "northants-wards"',
    error=ConfigError,
)
def place_id_not_url_safe(tmp):
    build(config(place={"id": "Northants Wards!"}))


@case("id 'demo' is reserved", error=ConfigError)
def place_id_demo(tmp):
    build(config(place={"id": "demo"}))


@case("[place] title must be text in quotes", "not 42", error=ConfigError)
def title_not_text(tmp):
    build(config(place={"id": "x", "title": 42}))


@case("has no [[groupings]]", 'from = "postcodes"', error=ConfigError)
def no_groupings(tmp):
    build(config(groupings=[]))


@case("write [[groupings]] (double brackets", error=ConfigError)
def groupings_single_table(tmp):
    toml(tmp, VALID_TOML.replace("[[groupings]]", "[groupings]"))


@case(
    "[[groupings]] 'lad' has from = 'postcode'",
    "allowed values: 'postcodes', 'areas'",
    error=ConfigError,
)
def grouping_from_unknown(tmp):
    with_grouping(**{"from": "postcode"})


@case("[[groupings]] 'lad' has both path and from = 'postcodes'", error=ConfigError)
def grouping_path_and_from(tmp):
    with_grouping(path=str(DATA / "ward_to_lad.csv"), **{"from": "postcodes"})


@case(
    "[[groupings]] 'lad' says nothing about where the groups come from",
    'path = "lookup.csv"',
    error=ConfigError,
)
def grouping_without_source(tmp):
    with_grouping(title="Local authority")


@case("two [[groupings]] entries have id 'lad'", error=ConfigError)
def duplicate_grouping_ids(tmp):
    build(config(groupings=[{"id": "lad", "from": "postcodes"}] * 2))


@case(
    "[[groupings]] number 1 id 'LAD 2023' cannot be used as a column name",
    'id = "lad_2023"',
    error=ConfigError,
)
def grouping_id_not_identifier(tmp):
    with_grouping(id="LAD 2023", **{"from": "postcodes"})


@case("default_grouping 'ccg' is not one of the groupings: lad", error=ConfigError)
def unknown_default_grouping(tmp):
    build(config(place={"id": "x", "default_grouping": "ccg"}))


@case("format = 'csv'", "allowed values: 'fingertips', 'wide', 'long'", error=ConfigError)
def unknown_indicator_format(tmp):
    with_indicators(path=str(DATA / "long_indicators.csv"), format="csv")


@case(
    "columns.'Households in fuel poverty' has kind = 'percentage'",
    "allowed values: count, rate, proportion, time, ratio, distance, value",
    error=ConfigError,
)
def unknown_kind(tmp):
    with_indicators(
        path=str(DATA / "local_indicators.xlsx"),
        columns={"Households in fuel poverty": {"kind": "percentage"}},
    )


@case(
    "polarity = 'higher_is_better'",
    "allowed values: high_is_good, low_is_good, neutral",
    error=ConfigError,
)
def unknown_polarity(tmp):
    with_indicators(
        path=str(DATA / "local_indicators.xlsx"),
        columns={"Households in fuel poverty": {"polarity": "higher_is_better"}},
    )


@case(
    "columns.'Households in fuel poverty' has an unknown key 'numerater'",
    "Did you mean 'numerator'?",
    error=ConfigError,
)
def unknown_column_setting(tmp):
    with_indicators(
        path=str(DATA / "local_indicators.xlsx"),
        columns={"Households in fuel poverty": {"numerater": "Fuel poor"}},
    )


@case("[[services]] 'libraries' gives latitude but not longitude", error=ConfigError)
def latitude_without_longitude(tmp):
    with_services(path=str(DATA / "libraries.csv"), latitude="Lat")


@case("penalty names 'icb', which is not a grouping; groupings: lad", error=ConfigError)
def penalty_unknown_grouping(tmp):
    with_services(path=str(DATA / "libraries.csv"), penalty=["icb"])


# --- boundary files -----------------------------------------------------------------------


@case("The boundary file", "wards_2023.geojson' does not exist", "[areas] path")
def missing_boundary_file(tmp):
    with_areas(tmp / "wards_2023.geojson")


@case(
    "wards.kml: boundary files of type '.kml' are not supported",
    ".geojson, .json, .gpkg, .zip, .shp, .parquet",
)
def unsupported_boundary_type(tmp):
    (tmp / "wards.kml").write_text("<kml/>")
    with_areas(tmp / "wards.kml")


@case("broken.geojson: could not read the boundary file as GeoJSON", "export it again")
def unreadable_geojson(tmp):
    (tmp / "broken.geojson").write_text('{"type": "FeatureCollection", "features": [')
    with_areas(tmp / "broken.geojson")


@case(
    "wards.shp inside wards.zip: the Shapefile has no .prj file",
    "coordinate system (CRS) is not declared",
    "EPSG:27700",
)
def shapefile_without_prj(tmp):
    with (
        zipfile.ZipFile(DATA / "wards_bng.zip") as source,
        zipfile.ZipFile(tmp / "wards.zip", "w") as target,
    ):
        for name in source.namelist():
            if not name.endswith(".prj"):
                target.writestr(name, source.read(name))
    with_areas(tmp / "wards.zip")


@case("wards.shp inside wards.zip: the Shapefile has no .dbf file (attribute table)")
def shapefile_without_dbf(tmp):
    with (
        zipfile.ZipFile(DATA / "wards_bng.zip") as source,
        zipfile.ZipFile(tmp / "wards.zip", "w") as target,
    ):
        for name in source.namelist():
            if not name.endswith(".dbf"):
                target.writestr(name, source.read(name))
    with_areas(tmp / "wards.zip")


@case("docs.zip: the zip holds no Shapefile (.shp)", "readme.txt", ".prj files")
def zip_without_shapefile(tmp):
    with zipfile.ZipFile(tmp / "docs.zip", "w") as target:
        target.writestr("readme.txt", "boundaries to follow")
    with_areas(tmp / "docs.zip")


@case("fake.zip: the file is not a readable zip archive", "Download it again")
def not_a_zip(tmp):
    (tmp / "fake.zip").write_text("not a zip")
    with_areas(tmp / "fake.zip")


@case("nocrs.parquet: the GeoParquet file declares no coordinate reference system", "EPSG:27700")
def geoparquet_without_crs(tmp):
    wards_frame().set_crs(None, allow_override=True).to_parquet(tmp / "nocrs.parquet")
    with_areas(tmp / "nocrs.parquet")


@case(
    "metres.geojson: the coordinates",
    "look like metres",
    "EPSG:4326",
    'without a "crs" member is WGS84',
)
def geojson_in_metres_without_crs(tmp):
    data = json.loads(wards_frame().to_json())
    data.pop("crs", None)
    (tmp / "metres.geojson").write_text(json.dumps(data))
    with_areas(tmp / "metres.geojson")


@case(
    "wrongcrs.gpkg: with the declared CRS (EPSG:3857) the areas fall outside the United Kingdom",
    "The declared CRS is probably wrong",
)
def wrong_crs_declared(tmp):
    wards_frame().set_crs(3857, allow_override=True).to_file(tmp / "wrongcrs.gpkg")
    with_areas(tmp / "wrongcrs.gpkg")


@case(
    "degrees.gpkg: the coordinates (-0.",
    "look like degrees of longitude and latitude",
    "they are in EPSG:27700",
    "EPSG:4326",
)
def degrees_declared_as_british_national_grid(tmp):
    wards_frame().to_crs(4326).set_crs(BNG, allow_override=True).to_file(tmp / "degrees.gpkg")
    with_areas(tmp / "degrees.gpkg")


@case(
    "nocode.gpkg: no area code column found", "Columns found: 'ID_X', 'LABEL'", 'code = "<column>"'
)
def no_code_column(tmp):
    wards_frame().rename(columns={"WD23CD": "ID_X", "WD23NM": "LABEL"}).to_file(tmp / "nocode.gpkg")
    with_areas(tmp / "nocode.gpkg")


@case(
    "wards.geojson: there is no area code column 'WD22CD'",
    "Did you mean 'WD23CD'?",
    "Columns found: 'WD23CD', 'WD23NM'",
    "code in [areas]",
)
def named_code_column_missing(tmp):
    with_areas(DATA / "wards.geojson", code="WD22CD")


@case("mixed.gpkg: areas must be polygons", "1 Point", "E05999999", "not points or lines")
def mixed_geometry_types(tmp):
    wards = wards_frame()
    point = gpd.GeoDataFrame(
        {"WD23CD": ["E05999999"], "WD23NM": ["Centroid"]},
        geometry=[shapely.Point(475000, 260000)],
        crs=BNG,
    )
    pd.concat([wards, point]).to_file(tmp / "mixed.gpkg")
    with_areas(tmp / "mixed.gpkg")


@case("empty.gpkg: no area has a geometry (all 2 are empty)")
def all_geometries_empty(tmp):
    gpd.GeoDataFrame(
        {"WD23CD": ["E05000001", "E05000002"]}, geometry=[None, None], crs=BNG
    ).to_file(tmp / "empty.gpkg")
    with_areas(tmp / "empty.gpkg")


@case("wards.gpkg: there is no layer 'ward'", "Layers found: 'wards'", "layer = one of these")
def geopackage_layer_missing(tmp):
    with_areas(DATA / "wards.gpkg", layer="ward")


@case("blank.gpkg: every value of the code column 'WD23CD' is blank")
def all_codes_blank(tmp):
    wards_frame().assign(WD23CD="").to_file(tmp / "blank.gpkg")
    with_areas(tmp / "blank.gpkg")


# --- lookups ------------------------------------------------------------------------------


@case(
    "wards_2019.csv: the lookup matches no area",
    "Column 'WD19CD' holds codes such as E05008000",
    "the areas have codes such as E05900001",
    "same boundaries (and year)",
)
def lookup_matches_no_area(tmp):
    pd.DataFrame({"WD19CD": ["E05008000", "E05008001"], "LAD19CD": ["E07000154"] * 2}).to_csv(
        tmp / "wards_2019.csv", index=False
    )
    with_grouping(path=str(tmp / "wards_2019.csv"), area_code="WD19CD")


@case(
    "ward_to_lad.csv: there is no area code column 'Ward code'",
    "Columns found: 'WD23CD', 'WD23NM', 'LAD23CD', 'LAD23NM'",
    "area_code in [[groupings]] 'lad'",
)
def lookup_area_column_missing(tmp):
    with_grouping(path=str(DATA / "ward_to_lad.csv"), area_code="Ward code")


@case("several columns could hold the group codes", "'LAD23CD', 'CTY23CD'", "code = ...")
def lookup_ambiguous_group_column(tmp):
    pd.read_csv(DATA / "ward_to_lad.csv").assign(CTY23CD="E10000021").to_csv(
        tmp / "lookup.csv", index=False
    )
    with_grouping(path=str(tmp / "lookup.csv"))


@case(
    "lookup.xlsx: there is no sheet 'Data'",
    "Sheets in the workbook: 'Sheet1'",
    "sheet = one of these",
)
def lookup_sheet_missing(tmp):
    pd.read_csv(DATA / "ward_to_lad.csv").to_excel(tmp / "lookup.xlsx", index=False)
    with_grouping(path=str(tmp / "lookup.xlsx"), sheet="Data")


@case("lookup.xls: the lookup file type '.xls' is not supported", "Save it from Excel as .xlsx")
def lookup_old_excel(tmp):
    (tmp / "lookup.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with_grouping(path=str(tmp / "lookup.xls"))


@case(
    "lookup.xlsx: the lookup file could not be read as an Excel workbook", "save it again as .xlsx"
)
def lookup_not_really_excel(tmp):
    (tmp / "lookup.xlsx").write_text("WD23CD,LAD23CD\n")
    with_grouping(path=str(tmp / "lookup.xlsx"))


@case("empty.csv: the lookup file is empty")
def lookup_empty(tmp):
    (tmp / "empty.csv").write_text("")
    with_grouping(path=str(tmp / "empty.csv"))


@case("header.csv: the lookup file has a header but no rows of data")
def lookup_header_only(tmp):
    (tmp / "header.csv").write_text("WD23CD,LAD23CD\n")
    with_grouping(path=str(tmp / "header.csv"))


# --- indicators ---------------------------------------------------------------------------


@case(
    "export.csv: this is not a complete Fingertips export",
    "'Value'",
    "Download it again from Fingertips",
)
def fingertips_missing_value_column(tmp):
    pd.read_csv(DATA / "fingertips_export.csv").drop(columns="Value").to_csv(
        tmp / "export.csv", index=False
    )
    with_indicators(path=str(tmp / "export.csv"), format="fingertips")


@case(
    "county.csv: no row of the Fingertips export is for an area of this place",
    "E06000062",
    "Counties & UAs (from Apr 2023)",
    "same area type as the boundaries",
)
def fingertips_wrong_area_type(tmp):
    export = pd.read_csv(DATA / "fingertips_export.csv")
    export[export["Area Type"] != "Ward"].to_csv(tmp / "county.csv", index=False)
    with_indicators(path=str(tmp / "county.csv"))


@case("fingertips_export.csv: columns names indicator '90366'", "93227, 93105", "Indicator ID")
def fingertips_unknown_indicator(tmp):
    with_indicators(path=str(DATA / "fingertips_export.csv"), columns={"90366": {}})


@case(
    "local_indicators.xlsx: there is no indicator column 'Households in fuel povery'",
    "Did you mean 'Households in fuel poverty'?",
    "Columns found: 'Ward code'",
)
def wide_column_missing(tmp):
    with_indicators(
        path=str(DATA / "local_indicators.xlsx"),
        columns={"Households in fuel povery": {"id": "fuel"}},
    )


@case(
    "local_indicators.xlsx: there is no numerator column 'Fuel poors'",
    "Did you mean 'Fuel poor'?",
    "numerator in columns.'Households in fuel poverty'",
)
def wide_numerator_missing(tmp):
    with_indicators(
        path=str(DATA / "local_indicators.xlsx"),
        columns={"Households in fuel poverty": {"numerator": "Fuel poors"}},
    )


@case("words.csv: no column of numbers found", "besides the area code column 'WD23CD'", "'Comment'")
def wide_without_numbers(tmp):
    codes = pd.read_csv(DATA / "ward_to_lad.csv")["WD23CD"]
    pd.DataFrame({"WD23CD": codes, "Comment": "fine"}).to_csv(tmp / "words.csv", index=False)
    with_indicators(path=str(tmp / "words.csv"))


@case(
    "other.csv: no column holds area codes of this place",
    "such as E05900001",
    "'Area', 'Score'",
    "area_code in [[indicators]] 'other.csv'",
)
def indicator_codes_from_other_areas(tmp):
    pd.DataFrame({"Area": ["E01000001"], "Score": [3]}).to_csv(tmp / "other.csv", index=False)
    with_indicators(path=str(tmp / "other.csv"))


@case(
    "long_indicators.csv: there is no indicator column 'measure'",
    "Columns found: 'code', 'indicator', 'value', 'period'",
    "Set indicator_column in [[indicators]] 'long_indicators.csv'",
)
def long_indicator_column_named_wrongly(tmp):
    with_indicators(
        path=str(DATA / "long_indicators.csv"), format="long", indicator_column="measure"
    )


@case(
    "scores.csv: a long table needs a column naming the indicator",
    "'indicator', 'indicator name'",
    "Columns found: 'code', 'value'",
    'format = "wide"',
)
def long_without_indicator_column(tmp):
    pd.DataFrame({"code": ["E05900001"], "value": [1]}).to_csv(tmp / "scores.csv", index=False)
    with_indicators(path=str(tmp / "scores.csv"), format="long")


@case(
    "long_indicators.csv: indicator 'Fuel poverty' would be stored in column "
    "'fuel_poverty', which local_indicators.xlsx already use",
    'id = "another_id"',
)
def indicator_id_used_twice(tmp):
    build(
        config(
            indicators=[
                {
                    "path": str(DATA / "local_indicators.xlsx"),
                    "columns": {"Households in fuel poverty": {"id": "fuel_poverty"}},
                },
                {
                    "path": str(DATA / "long_indicators.csv"),
                    "columns": {
                        "Adults claiming Universal Credit (%)": {
                            "id": "fuel_poverty",
                            "title": "Fuel poverty",
                        }
                    },
                },
            ]
        )
    )


@case("would be stored in column 'lad_code', which the areas already use")
def indicator_id_clashes_with_grouping(tmp):
    with_indicators(
        path=str(DATA / "local_indicators.xlsx"),
        columns={"Households in fuel poverty": {"id": "lad_code"}},
    )


# --- services -----------------------------------------------------------------------------


@case(
    "sites.csv: no way to place the services on a map",
    "latitude and longitude, easting and northing, or a postcode",
    "Columns found: 'Site', 'Town'",
    'postcode = "Post Code"',
)
def services_without_location(tmp):
    pd.DataFrame({"Site": ["A"], "Town": ["Northampton"]}).to_csv(tmp / "sites.csv", index=False)
    with_services(path=str(tmp / "sites.csv"))


@case(
    "bad.csv: none of the 2 services could be placed on the map",
    "row 3, column 'Postcode': 'ZZ99 9ZZ' (not in the ONS postcode directory)",
)
def services_none_located(tmp):
    pd.DataFrame({"Name": ["A", "B"], "Postcode": ["nonsense", "ZZ99 9ZZ"]}).to_csv(
        tmp / "bad.csv", index=False
    )
    with_services(path=str(tmp / "bad.csv"))


@case(
    "nameless.csv: no column of service names found",
    "Columns found: 'Postcode'",
    'name = "<column>"',
)
def services_without_names(tmp):
    pd.DataFrame({"Postcode": ["NN1 1AA"]}).to_csv(tmp / "nameless.csv", index=False)
    with_services(path=str(tmp / "nameless.csv"))


@case("The services file", "gone.csv' does not exist")
def services_file_missing(tmp):
    with_services(path=str(tmp / "gone.csv"))


# --- uploads ------------------------------------------------------------------------------


@case(
    "huge.geojson is 50.0 MB, over the 50 MB upload limit",
    "python -m insight build place.toml",
    error=UploadTooLargeError,
)
def upload_too_large(tmp):
    check_upload_size("huge.geojson", 50 * 1024 * 1024 + 1)


@case("Uploaded file name '../wards.geojson' cannot be used", "no folders", error=ConfigError)
def upload_unsafe_name(tmp):
    build_from_uploads(BASE, {"../wards.geojson": b"{}"}, save=False)


@case(
    "[areas] path 'wards.geojson' is not one of the uploaded files (ward_to_lad.csv)",
    error=ConfigError,
)
def upload_missing_file(tmp):
    data = {
        **BASE,
        "areas": {"path": "wards.geojson"},
        "groupings": [{"id": "lad", "path": "ward_to_lad.csv"}],
    }
    build_from_uploads(
        data, {"ward_to_lad.csv": (DATA / "ward_to_lad.csv").read_bytes()}, save=False
    )


@case(
    "A place with id 'test-wards' already exists ('Test wards')",
    "Choose another id",
    error=ConfigError,
)
def upload_over_an_existing_place(tmp):
    files = {
        "wards.geojson": (DATA / "wards.geojson").read_bytes(),
        "ward_to_lad.csv": (DATA / "ward_to_lad.csv").read_bytes(),
        "long_indicators.csv": (DATA / "long_indicators.csv").read_bytes(),
    }
    data = {
        **BASE,
        "areas": {"path": "wards.geojson"},
        "groupings": [{"id": "lad", "path": "ward_to_lad.csv"}],
        "indicators": [{"path": "long_indicators.csv", "format": "long"}],
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLACE_INSIGHT_DATA", str(tmp / "data"))
        build_from_uploads(data, files)
        build_from_uploads(data, files)


@pytest.mark.parametrize("make, error, fragments", CASES)
def test_bad_input(make, error, fragments, tmp_path):
    with pytest.raises(error) as caught:
        make(tmp_path)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in message:\n{message}"


def test_there_are_at_least_25_bad_input_cases():
    assert len(CASES) >= 25


def test_every_error_is_a_data_error():
    assert issubclass(ConfigError, DataError) and issubclass(UploadTooLargeError, DataError)
