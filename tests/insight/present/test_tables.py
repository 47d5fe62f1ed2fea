"""Tables people download: formula neutralising, small-number suppression, the indicator table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from insight.analysis.benchmark import compare_groups
from insight.analysis.findings import FINDING_COLUMNS
from insight.errors import DataError
from insight.model import Indicator
from insight.present import tables

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


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_prefixes_every_formula_start(value):
    assert tables.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", [-2, -2.5, 0, 3, np.float64(-1.0), None, "Abington", "a=b"])
def test_neutralise_leaves_numbers_and_plain_text(value):
    assert tables.neutralise(value) is value


def test_protect_suppresses_counts_and_values_worked_out_from_them():
    safe = tables.protect(hostile_table())
    assert safe["Count"].tolist() == [0, "[c]", "[c]", 5, 12, "[c]", 7]
    assert safe["Rate (per 1,000)"].tolist()[:3] == [0.0, "[c]", "[c]"]
    # Denominators are not derived from the count: kept. Other numbers are hidden too
    # unless the caller names the dependent columns (better too much than too little).
    assert safe["Denominator"].tolist() == [100, 200, 300, 400, 500, 600, 700]
    assert safe["Change (minutes)"].tolist()[:3] == [-2.5, "[c]", "[c]"]
    assert safe.attrs["suppressed_rows"] == 3


def test_protect_with_explicit_columns_threshold_and_no_marker():
    table = pd.DataFrame({"n": [1, 9, 10], "value": [1.0, 2.0, 3.0], "other": [1, 2, 3]})
    safe = tables.protect(
        table, count_columns=["n"], dependent_columns=["value"], threshold=10, marker=None
    )
    assert safe["n"].isna().tolist() == [True, True, False]
    assert safe["value"].isna().tolist() == [True, True, False]
    assert safe["other"].tolist() == [1, 2, 3]
    with pytest.raises(DataError, match="'missing' not in the table"):
        tables.protect(table, count_columns=["missing"])
    with pytest.raises(DataError, match="cannot be treated as counts"):
        tables.protect(pd.DataFrame({"Count": [-1, 2]}))


def test_protect_neutralises_headers_lists_and_every_text_type():
    table = pd.DataFrame(
        {
            "=cmd": ["a"],
            "codes": [["-1", "x"]],
            "category": pd.Categorical(["@x"]),
            "string": pd.array(["+y"], dtype="string"),
        }
    )
    safe = tables.protect(table)
    assert list(safe.columns) == ["'=cmd", "codes", "category", "string"]
    assert safe["codes"].iloc[0] == "'-1; x"
    assert safe["category"].iloc[0] == "'@x" and safe["string"].iloc[0] == "'+y"


@pytest.mark.slow
def test_indicator_table_names_units_and_takes_rows_three_ways(demo_place):
    table = tables.indicator_table(demo_place, "mt_minutes", grouping_id="isdn")
    assert list(table.columns) == [
        "Area code",
        "Area name",
        "Stroke network code",
        "Stroke network",
        "Minutes to the nearest thrombectomy centre (minutes)",
    ]
    assert len(table) == len(demo_place.areas)
    codes = demo_place.areas["code"].iloc[[5, 2]].tolist()
    by_code = tables.indicator_table(demo_place, "mt_minutes", codes, ())
    by_row = tables.indicator_table(demo_place, "mt_minutes", np.array([5, 2]), ())
    mask = np.zeros(len(demo_place.areas), dtype=bool)
    mask[[2, 5]] = True
    by_mask = tables.indicator_table(demo_place, "mt_minutes", mask, ())
    assert by_code["Area code"].tolist() == codes == by_row["Area code"].tolist()
    assert sorted(by_mask["Area code"]) == sorted(codes)
    assert list(by_code.columns)[:2] == ["Area code", "Area name"]
    every = tables.indicator_table(demo_place, "mt_minutes", [0])
    assert "Local authority code" in every.columns and "Stroke network" in every.columns
    with pytest.raises(DataError, match="no area with code 'NOPE'"):
        tables.indicator_table(demo_place, "mt_minutes", ["NOPE"])
    with pytest.raises(DataError, match="no grouping 'nope'"):
        tables.indicator_table(demo_place, "mt_minutes", grouping_id="nope")
    with pytest.raises(DataError, match="no indicator 'nope'"):
        tables.indicator_table(demo_place, "nope")


@pytest.mark.slow
def test_attribution_and_source_line_come_from_provenance(demo_place):
    text = tables.attribution_text(demo_place)
    assert text.count(OS_ATTRIBUTION) == 1 and text.count(ONS_ATTRIBUTION) == 1
    line = tables.source_line(demo_place, demo_place.indicator("mt_minutes"))
    assert line.startswith("Source: Road travel time") and "MIT" in line


# --- the tables pages show and download: one rounding rule, whole numbers whole ---------

MINUTES = Indicator("t", "Minutes", "minutes", "time", "low_is_good")


@pytest.mark.slow
def test_benchmark_table_counts_areas_in_whole_numbers_and_rounds_as_sentences(demo_place):
    result = compare_groups(demo_place, "mt_minutes", "lad")
    table = tables.benchmark_table(result, result.table.head(5))
    assert str(table["Areas"].dtype) == "Int64" and pd.isna(table["Areas"].iloc[-1])
    assert "227.0" not in table.to_csv()
    values = table["Minutes to the nearest thrombectomy centre (minutes)"].dropna()
    assert (values.round(1) == values).all()


def test_findings_table_rounds_like_its_sentences_and_keeps_small_q_values():
    row = dict.fromkeys(FINDING_COLUMNS, "")
    row.update(rank=1, effect=126.85, lower=120.04, upper=130.96, areas=227.0,
               affected=40.23, q_value=0.000043, store_q_value=0.00031, tested=True,
               then_effect=float("nan"))  # fmt: skip
    table = tables.findings_table(pd.DataFrame([row]), MINUTES)
    shown = pd.Series([126.85]).round(1).iloc[0]  # as the card and sentence show it
    assert table["Difference (minutes)"].iloc[0] == shown
    assert table["Areas"].iloc[0] == 227 and str(table["Areas"].dtype) == "Int64"
    q = table["q value (false discovery rate)"].iloc[0]
    assert q == pytest.approx(0.000043) and not math.isclose(q, 0.0)
    assert table["q value across every indicator and boundary"].iloc[0] == pytest.approx(0.00031)
    assert table["Tested or what-if"].iloc[0] == "Tested difference"


def test_a_scale_in_brackets_is_not_bracketed_twice():
    ratio = Indicator("r", "Standardised admission ratio", "(England = 100)", "ratio")
    row = dict.fromkeys(FINDING_COLUMNS, "")
    row.update(rank=1, effect=7.2, lower=1.0, upper=9.0, areas=3, affected=1.0, q_value=0.01)
    table = tables.findings_table(pd.DataFrame([row]), ratio)
    assert "Difference (England = 100)" in table.columns
