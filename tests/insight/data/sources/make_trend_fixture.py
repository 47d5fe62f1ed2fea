"""Write ``data/example/fingertips_trends.csv``: a Fingertips "download data" export with six
yearly periods (2017/18 to 2022/23) of two indicators for the example wards.

Run from the project folder (``PYTHONPATH=. python tests/insight/data/sources/make_trend_fixture.py``)
and commit the output; the tests only read it. Unlike ``make_fixtures.py`` it needs only the
committed example files (``wards.geojson``, ``ward_to_lad.csv``), not the demo place.

The layout is Fingertips' own (the columns of ``fingertips_export.csv``, England
and county rows beside the wards, ``Time period Sortable``); the values are synthetic (seeded):

* 90323, Year 6 prevalence of obesity (a proportion, %, Wilson 95% limits): wards 1 to 3
  rise steadily, wards 4 and 5 fall, ward 6 has its latest value suppressed, the others vary
  around 21%;
* 92302, emergency admissions for intentional self-harm per 100,000 (a rate, Byar 95%
  limits): ward 7 rises, ward 8 falls (both larger wards), the others vary around 190 per 100,000.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[4] / "data" / "example"
PERIODS = [(f"{y}/{str(y + 1)[2:]}", f"{y}0000") for y in range(2017, 2023)]
OBESITY = ("90323", "Year 6: Prevalence of obesity (including severe obesity)")
SELF_HARM = (
    "92302",
    "Emergency hospital admissions for intentional self-harm, rate per 100,000",
)
Z = 1.959963984540054


def _columns() -> list[str]:
    """Fingertips' columns, as in the example's other export."""
    return pd.read_csv(DATA / "fingertips_export.csv", nrows=0).columns.tolist()


def wilson(count: int, n: int) -> tuple[float, float]:
    p = count / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * (centre - half), 100 * (centre + half)


def byar(count: int, population: float) -> tuple[float, float]:
    lower = count * (1 - 1 / (9 * count) - Z / (3 * np.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + Z / (3 * np.sqrt(count + 1))) ** 3
    return 1e5 * lower / population, 1e5 * upper / population


def verdict(lower: float, upper: float, england: float) -> str:
    if upper < england:
        return "Better 95%"
    if lower > england:
        return "Worse 95%"
    return "Similar"


def rows() -> list[dict]:
    rng = np.random.default_rng(20260601)
    wards = gpd.read_file(DATA / "wards.geojson")
    lookup = pd.read_csv(DATA / "ward_to_lad.csv").set_index("WD23CD")
    out: list[dict] = []

    def add(indicator, code, name, area_type, parent, period, value, lower, upper, count,
            denominator, compared, note=""):  # fmt: skip
        blank = value is None
        out.append(
            {
                "Indicator ID": indicator[0],
                "Indicator Name": indicator[1],
                "Parent Code": parent[0],
                "Parent Name": parent[1],
                "Area Code": code,
                "Area Name": name,
                "Area Type": area_type,
                "Sex": "Persons",
                "Age": "10-11 yrs" if indicator is OBESITY else "All ages",
                "Category Type": "",
                "Category": "",
                "Time period": period[0],
                "Value": "" if blank else f"{value:.6f}",
                "Lower CI 95.0 limit": "" if blank else f"{lower:.6f}",
                "Upper CI 95.0 limit": "" if blank else f"{upper:.6f}",
                "Lower CI 99.8 limit": "",
                "Upper CI 99.8 limit": "",
                "Count": "" if count is None else f"{count:.0f}",
                "Denominator": f"{denominator:.0f}",
                "Value note": note,
                "Recent Trend": "",
                "Compared to England value or percentiles": compared,
                "Compared to percentiles": "Not compared",
                "Time period Sortable": period[1],
                "New data": "",
                "Compared to goal": "",
            }
        )

    england = ("E92000001", "England")
    for step, period in enumerate(PERIODS):
        obese_england = 20.1 + 0.6 * step
        add(OBESITY, *england, "England", ("", ""), period, obese_england, obese_england - 0.1,
            obese_england + 0.1, 120_000, 600_000, "Not compared")  # fmt: skip
        harm_england = 180.0 + 2 * step
        add(SELF_HARM, *england, "England", ("", ""), period, harm_england, harm_england - 1,
            harm_england + 1, 100_000, 55_000_000, "Not compared")  # fmt: skip
        for county_code, county in (("E06000062", "West Northamptonshire"),
                                    ("E06000061", "North Northamptonshire")):  # fmt: skip
            add(OBESITY, county_code, county, "Counties & UAs (from Apr 2023)", england, period,
                22.0, 21.2, 22.8, 1100, 5000, "Worse 95%")  # fmt: skip
        for n, ward in enumerate(wards.itertuples()):
            parent = (lookup.loc[ward.WD23CD, "LAD23CD"], lookup.loc[ward.WD23CD, "LAD23NM"])
            children = int(rng.integers(180, 420))
            share = 0.21 + rng.normal(0, 0.01)
            if n < 3:
                share = 0.14 + 0.035 * step
            elif n < 5:
                share = 0.32 - 0.03 * step
            count = int(rng.binomial(children, share))
            if n == 5 and step == len(PERIODS) - 1:
                add(OBESITY, ward.WD23CD, ward.WD23NM, "Ward", parent, period, None, None, None,
                    None, children, "Not compared",
                    "Value suppressed for disclosure control due to small count")  # fmt: skip
            else:
                lower, upper = wilson(count, children)
                add(OBESITY, ward.WD23CD, ward.WD23NM, "Ward", parent, period,
                    100 * count / children, lower, upper, count, children,
                    verdict(lower, upper, obese_england))  # fmt: skip
            population = float(rng.integers(6000, 11000))
            rate = 190 + rng.normal(0, 8)
            if n == 6:
                population, rate = 18_000.0, 100 + 60 * step
            elif n == 7:
                population, rate = 18_000.0, 420 - 60 * step
            admissions = int(rng.poisson(rate * population / 1e5))
            lower, upper = byar(admissions, population)
            add(SELF_HARM, ward.WD23CD, ward.WD23NM, "Ward", parent, period,
                1e5 * admissions / population, lower, upper, admissions, population,
                verdict(lower, upper, harm_england))  # fmt: skip
    return out


def main() -> None:
    with open(DATA / "fingertips_trends.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, _columns(), quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(rows())


if __name__ == "__main__":
    main()
