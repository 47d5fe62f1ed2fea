"""The tables pages show and download: one rounding rule, whole numbers whole."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from insight.analysis.benchmark import compare_groups
from insight.analysis.findings import FINDING_COLUMNS
from insight.model import Indicator
from ui import render

MINUTES = Indicator("t", "Minutes", "minutes", "time", "low_is_good")


@pytest.mark.slow
def test_benchmark_table_counts_areas_in_whole_numbers_and_rounds_as_sentences(demo_place):
    result = compare_groups(demo_place, "mt_minutes", "lad")
    table = render.benchmark_table(result, result.table.head(5))
    assert str(table["Areas"].dtype) == "Int64" and pd.isna(table["Areas"].iloc[-1])
    assert "227.0" not in table.to_csv()
    values = table["Minutes to the nearest thrombectomy centre (minutes)"].dropna()
    assert (values.round(1) == values).all()


def test_findings_table_rounds_like_its_sentences_and_keeps_small_q_values():
    row = dict.fromkeys(FINDING_COLUMNS, "")
    row.update(rank=1, effect=126.85, lower=120.04, upper=130.96, areas=227.0,
               affected=40.23, q_value=0.000043, store_q_value=0.00031, tested=True,
               then_effect=float("nan"))  # fmt: skip
    table = render.findings_table(pd.DataFrame([row]), MINUTES)
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
    table = render.findings_table(pd.DataFrame([row]), ratio)
    assert "Difference (England = 100)" in table.columns
