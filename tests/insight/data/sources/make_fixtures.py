"""Write the example own-data place under ``data/example/`` (small, real-format files).

Run once from the project folder (``PYTHONPATH=. python tests/insight/sources/make_fixtures.py``) and commit the output; the
tests only read it. It needs the demo place (built on first use).

The wards are real geography with made-up labels: the 41 middle-layer areas (MSOA 2011)
of the former Northampton and Wellingborough boroughs, dissolved from the demo's LSOAs,
simplified as a coverage (shared borders stay shared), and given ward-style ONS codes
``E05900001``... (a range no real ward uses) and names like "Northampton ward 12".
Northampton is in West Northamptonshire (E06000062) and Wellingborough in North
Northamptonshire (E06000061), so the fixture has a real authority border to test across.
Indicator values are synthetic (seeded); postcodes are real ONS postcodes.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from insight.data.catalogue import load_place
from insight.data.postcodes import find_postcode

DATA = Path(__file__).resolve().parents[4] / "data" / "example"
WEST = ("E06000062", "West Northamptonshire")
NORTH = ("E06000061", "North Northamptonshire")
FINGERTIPS_COLUMNS = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
]
#: Real postcodes for the library list; NN4 5BD lies just south of the wards (outside).
LIBRARY_POSTCODES = {
    "Central Library": "NN1 1EF",
    "Market Square Library": "NN1 1AA",
    "Kingsthorpe Library": "NN2 6AA",
    "Weston Favell Library": "NN3 6BJ",
    "Duston Library": "NN5 5JR",
    "Hunsbury Library": "NN4 5BD",
    "Wellingborough Library": "NN8 1HT",
    "Castle Library": "NN8 1AA",
    "Mobile library stop": "NN1 1A",
    "New estate library": "NN99 9ZZ",
}


def wards() -> gpd.GeoDataFrame:
    """The 41 fixture wards in EPSG:27700: WD23CD, WD23NM, LAD23CD, LAD23NM."""
    areas = load_place("demo").areas
    areas = areas[areas["lad11_name"].isin(["Northampton", "Wellingborough"])].copy()
    areas["msoa"] = areas["name"].str[:-1]
    merged = areas.dissolve("msoa", aggfunc="first").reset_index()
    merged = merged.sort_values(["lad11_name", "msoa"]).reset_index(drop=True)
    merged["geometry"] = shapely.coverage_simplify(merged.geometry.to_numpy(), 40.0)
    merged["geometry"] = merged.geometry.make_valid()
    town = merged["msoa"].str.replace(r"\s+\d+$", "", regex=True)
    number = merged["msoa"].str.extract(r"(\d+)$", expand=False).astype(int)
    west = town == "Northampton"
    return gpd.GeoDataFrame(
        {
            "WD23CD": [f"E05{900001 + i}" for i in range(len(merged))],
            "WD23NM": [f"{t} ward {n}" for t, n in zip(town, number, strict=True)],
            "LAD23CD": np.where(west, WEST[0], NORTH[0]),
            "LAD23NM": np.where(west, WEST[1], NORTH[1]),
        },
        geometry=merged.geometry.to_numpy(),
        crs="EPSG:27700",
    )


def write_boundaries(w: gpd.GeoDataFrame) -> None:
    """GeoJSON (WGS84), zipped Shapefile (BNG, with .prj) and GeoPackage (BNG)."""
    w[["WD23CD", "WD23NM", "geometry"]].to_crs(4326).to_file(
        DATA / "wards.geojson",
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": "6"},
    )
    folder = Path(tempfile.mkdtemp())
    try:
        w[["WD23CD", "WD23NM", "geometry"]].to_file(folder / "wards.shp", engine="pyogrio")
        with zipfile.ZipFile(DATA / "wards_bng.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(folder.iterdir()):
                archive.write(part, part.name)
    finally:
        shutil.rmtree(folder)
    (DATA / "wards.gpkg").unlink(missing_ok=True)
    w.to_file(DATA / "wards.gpkg", layer="wards", driver="GPKG", engine="pyogrio")


def write_lookup(w: gpd.GeoDataFrame) -> None:
    """A ward to authority lookup, like the ONS one, with rows for wards elsewhere."""
    table = pd.DataFrame(w[["WD23CD", "WD23NM", "LAD23CD", "LAD23NM"]])
    elsewhere = pd.DataFrame(
        {
            "WD23CD": ["E05900101", "E05900102", "E05900103"],
            "WD23NM": ["Bletchley ward 1", "Bletchley ward 2", "Olney ward 1"],
            "LAD23CD": ["E06000042"] * 3,
            "LAD23NM": ["Milton Keynes"] * 3,
        }
    )
    pd.concat([table, elsewhere]).to_csv(DATA / "ward_to_lad.csv", index=False)


#: The illustrative local area partnerships: Northampton split north and south of this
#: northing (metres, EPSG:27700), so that their border crosses the town with many wards on
#: each side; Wellingborough is one partnership.
PARTNERSHIP_NORTHING = 261_900


def write_partnerships(w: gpd.GeoDataFrame) -> None:
    """Ward to an illustrative local area partnership: a border with enough wards on each
    side (at least 5) for the border engine to test, which the two authorities lack."""
    north = w.geometry.centroid.y >= PARTNERSHIP_NORTHING
    west = w["LAD23CD"] == WEST[0]
    code = np.where(~west, "LAP03", np.where(north, "LAP01", "LAP02"))
    names = {"LAP01": "Northampton North", "LAP02": "Northampton South", "LAP03": "Wellingborough"}
    pd.DataFrame(
        {
            "WD23CD": w["WD23CD"],
            "LAP_CODE": code,
            "LAP_NAME": [names[c] for c in code],
        }
    ).to_csv(DATA / "ward_to_partnership.csv", index=False)


def write_fingertips(w: gpd.GeoDataFrame, rng: np.random.Generator) -> None:
    """A Fingertips "download data" CSV: two indicators, several periods, sexes, area types."""
    rows: list[dict] = []

    def add(
        indicator,
        name,
        code,
        area_name,
        area_type,
        parent,
        sex,
        age,
        period,
        sortable,
        value,
        lower,
        upper,
        count,
        denominator,
        compared,
        note="",
    ):
        rows.append(
            {
                "Indicator ID": indicator,
                "Indicator Name": name,
                "Parent Code": parent[0],
                "Parent Name": parent[1],
                "Area Code": code,
                "Area Name": area_name,
                "Area Type": area_type,
                "Sex": sex,
                "Age": age,
                "Category Type": "",
                "Category": "",
                "Time period": period,
                "Value": "" if value is None else f"{value:.6f}",
                "Lower CI 95.0 limit": "" if lower is None else f"{lower:.6f}",
                "Upper CI 95.0 limit": "" if upper is None else f"{upper:.6f}",
                "Lower CI 99.8 limit": "",
                "Upper CI 99.8 limit": "",
                "Count": "" if count is None else f"{count:.0f}",
                "Denominator": "" if denominator is None else f"{denominator:.0f}",
                "Value note": note,
                "Recent Trend": "",
                "Compared to England value or percentiles": compared,
                "Compared to percentiles": "Not compared",
                "Time period Sortable": sortable,
                "New data": "",
                "Compared to goal": "",
            }
        )

    england = ("E92000001", "England")
    counties = {WEST[0]: WEST, NORTH[0]: NORTH}

    def verdict(lower, upper, benchmark):
        if lower is None:
            return "Not compared"
        if upper < benchmark:
            return "Better 95%"
        if lower > benchmark:
            return "Worse 95%"
        return "Similar"

    # 1. Standardised admission ratio (a ratio of observed to expected, x100).
    sar_id, sar_name = (
        "93227",
        ("Emergency hospital admissions for all causes, all ages, standardised admission ratio"),
    )
    for period, sortable in (("2015/16 - 19/20", "20150000"), ("2016/17 - 20/21", "20160000")):
        add(
            sar_id,
            sar_name,
            *england,
            "England",
            ("", ""),
            "Persons",
            "All ages",
            period,
            sortable,
            100.0,
            99.9,
            100.1,
            26_000_000,
            26_000_000,
            "Not compared",
        )
        for code, (_code, n) in counties.items():
            add(
                sar_id,
                sar_name,
                code,
                n,
                "Counties & UAs (from Apr 2023)",
                england,
                "Persons",
                "All ages",
                period,
                sortable,
                104.0,
                103.2,
                104.8,
                300_000,
                288_000,
                "Worse 95%",
            )
        for ward in w.itertuples():
            for sex in ("Persons", "Male", "Female"):
                expected = rng.uniform(1500, 4000)
                ratio = rng.normal(100, 18)
                observed = round(expected * ratio / 100)
                value = 100 * observed / expected
                half = 1.96 * value / np.sqrt(observed)
                add(
                    sar_id,
                    sar_name,
                    ward.WD23CD,
                    ward.WD23NM,
                    "Ward",
                    (ward.LAD23CD, ward.LAD23NM),
                    sex,
                    "All ages",
                    period,
                    sortable,
                    value,
                    value - half,
                    value + half,
                    observed,
                    expected,
                    verdict(value - half, value + half, 100.0),
                )
    # A ward elsewhere in the same download (not one of the areas).
    add(
        sar_id,
        sar_name,
        "E05900999",
        "Towcester ward 1",
        "Ward",
        WEST,
        "Persons",
        "All ages",
        "2016/17 - 20/21",
        "20160000",
        91.0,
        85.0,
        97.0,
        900,
        989,
        "Better 95%",
    )

    # 2. Reception obesity: a proportion (%), 3 years combined, one ward suppressed, one absent.
    ob_id = "93105"
    ob_name = "Reception prevalence of obesity (including severe obesity), 3-years data combined"
    for period, sortable, england_value in (
        ("2017/18 - 19/20", "20170000", 9.9),
        ("2018/19 - 20/21", "20180000", 9.8),
    ):
        add(
            ob_id,
            ob_name,
            *england,
            "England",
            ("", ""),
            "Persons",
            "4-5 yrs",
            period,
            sortable,
            england_value,
            england_value - 0.1,
            england_value + 0.1,
            180_000,
            1_830_000,
            "Not compared",
        )
        for ward in list(w.itertuples())[:-1]:  # the last ward has no row at all
            children = int(rng.integers(150, 600))
            if ward.Index == 5:
                add(
                    ob_id,
                    ob_name,
                    ward.WD23CD,
                    ward.WD23NM,
                    "Ward",
                    (ward.LAD23CD, ward.LAD23NM),
                    "Persons",
                    "4-5 yrs",
                    period,
                    sortable,
                    None,
                    None,
                    None,
                    None,
                    children,
                    "Not compared",
                    "Value suppressed for disclosure control due to small count",
                )
                continue
            obese = int(rng.binomial(children, rng.uniform(0.06, 0.15)))
            p = obese / children
            z = 1.96
            centre = (p + z * z / (2 * children)) / (1 + z * z / children)
            half = (
                z
                * np.sqrt(p * (1 - p) / children + z * z / (4 * children**2))
                / (1 + z * z / children)
            )
            add(
                ob_id,
                ob_name,
                ward.WD23CD,
                ward.WD23NM,
                "Ward",
                (ward.LAD23CD, ward.LAD23NM),
                "Persons",
                "4-5 yrs",
                period,
                sortable,
                100 * p,
                100 * (centre - half),
                100 * (centre + half),
                obese,
                children,
                verdict(100 * (centre - half), 100 * (centre + half), england_value),
            )
    with open(DATA / "fingertips_export.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, FINGERTIPS_COLUMNS, quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(rows)


def write_local(w: gpd.GeoDataFrame, rng: np.random.Generator) -> None:
    """A wide XLSX (one column per indicator) and a long CSV (code, indicator, value)."""
    households = rng.integers(2500, 6000, len(w))
    fuel_poor = (households * rng.uniform(0.08, 0.2, len(w))).round().astype(int)
    share = (100 * fuel_poor / households).round(1).astype(object)
    share[3] = "c"  # suppressed, as councils publish small numbers
    visits = (rng.uniform(800, 3000, len(w))).round(0).astype(object)
    visits[7] = "see note"
    wide = pd.DataFrame(
        {
            "Ward code": w["WD23CD"],
            "Ward name": w["WD23NM"],
            "Households in fuel poverty": share,
            "Fuel poor": fuel_poor,
            "Households": households,
            "Library visits per 1,000 residents": visits,
        }
    )
    with pd.ExcelWriter(DATA / "local_indicators.xlsx", engine="openpyxl") as book:
        wide.to_excel(book, sheet_name="Sheet1", index=False)
        pd.DataFrame(
            {
                "Notes": [
                    "c = suppressed (fewer than 10 households)",
                    "Synthetic values for testing Place Insight.",
                ]
            }
        ).to_excel(book, sheet_name="Notes", index=False)
    long_rows = []
    for ward in w.itertuples():
        for indicator, low, high in (
            ("Children in relative low income families (%)", 8, 35),
            ("Adults claiming Universal Credit (%)", 5, 22),
        ):
            long_rows.append(
                {
                    "code": ward.WD23CD,
                    "indicator": indicator,
                    "value": round(float(rng.uniform(low, high)), 1),
                    "period": "2023",
                }
            )
    pd.DataFrame(long_rows).to_csv(DATA / "long_indicators.csv", index=False)


def write_deprivation(w: gpd.GeoDataFrame) -> None:
    """A deprivation score per ward, declared as the place's deprivation measure.

    Synthetic, and NOT the Index of Multiple Deprivation: 10 + 0.6 x (the ward's synthetic
    child poverty %) + 0.6 x (its Universal Credit %) + noise (sd 3), so that it goes with
    the example's poverty figures as the IMD would. Its own seed: the other files stay as
    they were. (The README says how to add the real IMD.)"""
    rng = np.random.default_rng(20251207)
    long = pd.read_csv(DATA / "long_indicators.csv")
    wide = long.pivot(index="code", columns="indicator", values="value").reindex(w["WD23CD"])
    score = (
        10
        + 0.6 * wide["Children in relative low income families (%)"].to_numpy()
        + 0.6 * wide["Adults claiming Universal Credit (%)"].to_numpy()
        + rng.normal(0, 3, len(w))
    )
    pd.DataFrame(
        {"Ward code": w["WD23CD"].to_numpy(), "Deprivation score": np.round(score, 1)}
    ).to_csv(DATA / "deprivation.csv", index=False)


def write_services(w: gpd.GeoDataFrame) -> None:
    """Libraries by postcode, leisure centres by latitude/longitude, hubs by easting/northing."""
    for name, postcode in LIBRARY_POSTCODES.items():
        if name not in ("Mobile library stop", "New estate library"):
            find_postcode(postcode)  # raises if the postcode is not real
    libraries = pd.DataFrame(
        {
            "Library name": list(LIBRARY_POSTCODES),
            "Address": [f"{i + 1} High Street" for i in range(len(LIBRARY_POSTCODES))],
            "Postcode": list(LIBRARY_POSTCODES.values()),
        }
    )
    libraries.to_csv(DATA / "libraries.csv", index=False)

    inner = w.geometry.representative_point()
    chosen = [0, 9, 18, 30, 37]
    points = gpd.GeoSeries(inner.iloc[chosen].to_numpy(), crs=27700).to_crs(4326)
    pd.DataFrame(
        {
            "Site name": [f"{w['WD23NM'].iloc[i]} leisure centre" for i in chosen],
            "Latitude": points.y.round(6),
            "Longitude": points.x.round(6),
        }
    ).to_csv(DATA / "leisure_centres.csv", index=False)
    hubs = [2, 14, 33]
    pd.DataFrame(
        {
            "Hub": [f"Family hub {n + 1}" for n in range(len(hubs))],
            "Easting": inner.iloc[hubs].x.round(0).astype(int).to_numpy(),
            "Northing": inner.iloc[hubs].y.round(0).astype(int).to_numpy(),
        }
    ).to_csv(DATA / "family_hubs.csv", index=False)


PLACE_TOML = """\
# An example own-data place: copy this folder, replace the files, keep the shape.
# (Written by tests/insight/data/sources/make_fixtures.py; the tests build it.)
[place]
id = "northants-wards"
title = "Northampton and Wellingborough wards"
benchmark_name = "Northampton and Wellingborough"

[areas]
path = "wards.geojson"
licence = "Open Government Licence v3.0"
vintage = "2011 (MSOA shapes relabelled as wards for testing)"

[[groupings]]
id = "lad"
title = "Local authority"
plural = "local authorities"
path = "ward_to_lad.csv"
area_code = "WD23CD"
code = "LAD23CD"
name = "LAD23NM"

[[groupings]]
id = "lad_by_postcode"
title = "Local authority (by postcode)"
from = "postcodes"

# Illustrative: Northampton split north and south, so that a border crosses the town with
# many wards on each side (the two authorities' border has only one or two).
[[groupings]]
id = "partnership"
title = "Local area partnership (illustrative)"
plural = "local area partnerships"
path = "ward_to_partnership.csv"
area_code = "WD23CD"
code = "LAP_CODE"
name = "LAP_NAME"

[[indicators]]
path = "fingertips_export.csv"
format = "fingertips"

[[indicators]]
path = "local_indicators.xlsx"
sheet = "Sheet1"
area_code = "Ward code"
columns = { "Households in fuel poverty" = { id = "fuel_poverty", kind = "proportion", \
numerator = "Fuel poor", denominator = "Households", polarity = "low_is_good" }, \
"Library visits per 1,000 residents" = { id = "library_visits", kind = "rate", \
unit = "visits per 1,000", multiplier = 1000, polarity = "high_is_good" } }

[[indicators]]
path = "long_indicators.csv"
format = "long"
columns = { "Children in relative low income families (%)" = { id = "child_poverty", \
kind = "proportion", unit = "%", polarity = "low_is_good" }, \
"Adults claiming Universal Credit (%)" = { id = "universal_credit", kind = "proportion", \
unit = "%", polarity = "low_is_good" } }

# The place's deprivation measure (role = "deprivation"): a synthetic score, NOT the IMD;
# for real data use the IMD score of each area (higher is more deprived; see the README).
[[indicators]]
path = "deprivation.csv"
area_code = "Ward code"
columns = { "Deprivation score" = { id = "deprivation", title = "Deprivation score \
(synthetic, not the IMD)", unit = "score", role = "deprivation", description = "Synthetic \
for testing: 10 + 0.6 x child poverty % + 0.6 x Universal Credit % + noise. Higher is \
more deprived." } }

[[services]]
id = "libraries"
title = "Libraries"
singular = "library"
path = "libraries.csv"
postcode = "Postcode"
name = "Library name"

[[services]]
id = "leisure"
title = "Leisure centres"
singular = "leisure centre"
path = "leisure_centres.csv"
latitude = "Latitude"
longitude = "Longitude"

[[services]]
id = "hubs"
title = "Family hubs"
singular = "family hub"
path = "family_hubs.csv"
easting = "Easting"
northing = "Northing"
name = "Hub"
"""


def main() -> None:
    """Write every fixture file and print their sizes."""
    DATA.mkdir(exist_ok=True)
    rng = np.random.default_rng(20240601)
    w = wards()
    write_boundaries(w)
    write_lookup(w)
    write_partnerships(w)
    write_fingertips(w, rng)
    write_local(w, rng)
    write_deprivation(w)
    write_services(w)
    (DATA / "place.toml").write_text(PLACE_TOML)
    total = 0
    for path in sorted(DATA.iterdir()):
        total += path.stat().st_size
        print(f"{path.name:28} {path.stat().st_size:>9,} bytes")
    print(f"{'total':28} {total:>9,} bytes")


if __name__ == "__main__":
    main()
