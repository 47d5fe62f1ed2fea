"""One number, one place: every surface shows the benchmark, group values and funnel outliers
the engine worked out, for every demo indicator and grouping.

Surfaces compared with the engine (:func:`insight.analysis.benchmark.compare_groups`) and
with each other: the Compare page (AppTest), its CSV download, ``python -m insight compare
--json``, the funnel findings of ``python -m insight findings --format json`` and of the
engine, the charts of the slides (their numbers and their text alternative), the area slide,
and the Postcode lottery page (AppTest).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from insight.analysis.benchmark import compare_groups
from insight.analysis.findings import findings
from insight.analysis.profile import area_summary
from insight.cli import main
from insight.explain import fmt_value
from insight.present import files, slides, tables
from insight.spatial.index import AreaIndex

pytestmark = pytest.mark.slow

APP = str(Path(__file__).resolve().parents[1] / "app.py")
INDICATORS = ["admissions", "ivt_minutes", "mt_minutes", "outcome_lvo", "outcome_nlvo",
              "ivt_penalty_icb", "ivt_penalty_isdn", "mt_penalty_icb", "mt_penalty_isdn"]  # fmt: skip
GROUPINGS = ["lad", "county", "lad11", "subicb", "icb", "isdn", "ambulance"]
EVERY = [(i, g) for i in INDICATORS for g in GROUPINGS]


@pytest.fixture(scope="module")
def index(demo_place) -> AreaIndex:
    return AreaIndex(demo_place.areas)


def test_the_demo_has_the_indicators_and_groupings_checked(demo_place) -> None:
    assert list(demo_place.indicators) == INDICATORS
    assert list(demo_place.groupings) == GROUPINGS


def cli_json(capsys, *argv: str):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("indicator_id", "grouping_id"), EVERY)
def test_compare_command_findings_and_csv_agree(demo_place, capsys, indicator_id, grouping_id):
    engine = compare_groups(demo_place, indicator_id, grouping_id)
    table = engine.table.set_index("code")
    outliers = set(engine.outliers["code"])

    # python -m insight compare --json
    record = cli_json(
        capsys, "compare", "--indicator", indicator_id, "--grouping", grouping_id, "--json"
    )
    assert record["benchmark"]["value"] == pytest.approx(engine.benchmark)
    assert record["benchmark"]["label"] == engine.benchmark_name
    cli_values = {g["code"]: np.nan if g["value"] is None else g["value"] for g in record["groups"]}
    assert cli_values == pytest.approx(table["value"].to_dict(), nan_ok=True)  # null: no value
    assert {g["code"] for g in record["groups"] if g["funnel"] in ("high", "low")} == outliers

    # python -m insight findings --kinds funnel --format json
    rows = cli_json(
        capsys, "findings", "--indicator", indicator_id, "--grouping", grouping_id,
        "--kinds", "funnel", "--format", "json",
    )  # fmt: skip
    assert {row["group_code"] for row in rows} == outliers
    count = demo_place.indicator(indicator_id).kind == "count"
    for row in rows:
        expected = table.loc[row["group_code"], "expected" if count else "value"]
        value = table.loc[row["group_code"], "count" if count else "value"]
        assert row["value"] == pytest.approx(value)
        assert row["benchmark"] == pytest.approx(expected if count else engine.benchmark)

    # The Compare page's download: every group, then the benchmark, as CSV
    frame = pd.read_csv(io.BytesIO(files.to_csv(tables.benchmark_table(engine, engine.table))))
    value_column = frame.columns[3]
    decimals = demo_place.indicator(indicator_id).decimals  # the one rounding rule (render)
    downloaded = frame.iloc[:-1].set_index("Code")[value_column]
    assert np.allclose(
        downloaded.to_numpy(dtype=float),
        table["value"].reindex(downloaded.index).round(decimals).to_numpy(dtype=float),
        equal_nan=True,
    )
    assert frame.iloc[-1]["Name"] == engine.benchmark_name
    assert frame.iloc[-1][value_column] == pytest.approx(round(engine.benchmark, decimals))
    marked = frame.iloc[:-1]
    marked = set(marked.loc[marked["Funnel plot"].str.contains("99.8%"), "Code"])
    assert marked == outliers


@pytest.mark.parametrize("indicator_id", INDICATORS)
def test_slide_charts_draw_the_compare_numbers(demo_place, index, indicator_id) -> None:
    grouping_id = "lad"
    engine = compare_groups(demo_place, indicator_id, grouping_id)
    indicator = demo_place.indicator(indicator_id)
    found = findings(demo_place, indicator_id, grouping_id, kinds=["funnel"], index=index)
    for finding in found:
        groups = finding.chart.groups.set_index("code")["value"]
        assert groups.to_dict() == pytest.approx(
            engine.table.dropna(subset=["value"]).set_index("code")["value"].to_dict()
        )
        assert finding.chart.reference[1] == engine.benchmark
    if found.items:
        slide = slides.finding_slide(demo_place, found.items[0], index)
        assert fmt_value(engine.benchmark, indicator) in slide.alt
    # the area slide's group and benchmark are Compare's
    summary = area_summary(demo_place, "E01027210", indicator_id, grouping_id)
    group = engine.subset([summary.group_code]).table.iloc[0]
    assert summary.group_value == pytest.approx(group["value"], nan_ok=True)
    assert summary.benchmark == engine.benchmark


def run_page(page: str, **query: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


@pytest.mark.parametrize("indicator_id", INDICATORS)
def test_compare_page_shows_the_engine_values(demo_place, indicator_id) -> None:
    engine = compare_groups(demo_place, indicator_id, "lad")
    app = run_page("pages/compare.py", indicator=indicator_id, grouping="lad", group="E06000062")
    shown = app.dataframe[-1].value  # the "Table" tab: the groups shown, then the benchmark
    value_column = shown.columns[3]
    decimals = demo_place.indicator(indicator_id).decimals  # the one rounding rule (render)
    groups = shown.iloc[:-1].set_index("Code")
    assert groups.index[0] == "E06000062"
    expected = engine.table.set_index("code").loc[groups.index, "value"].round(decimals)
    assert np.allclose(groups[value_column], expected, equal_nan=True)
    assert shown.iloc[-1][value_column] == pytest.approx(round(engine.benchmark, decimals))
    text = " ".join(m.value for m in app.markdown).replace("\\", "")  # Markdown escapes
    assert fmt_value(engine.benchmark, demo_place.indicator(indicator_id)) in text


@pytest.mark.parametrize(
    ("indicator_id", "grouping_id"), [("mt_minutes", "lad"), ("admissions", "lad")]
)
def test_lottery_page_lists_the_funnel_outliers_compare_marks(
    demo_place, indicator_id, grouping_id
) -> None:
    engine = compare_groups(demo_place, indicator_id, grouping_id)
    app = run_page("pages/lottery.py", indicator=indicator_id, grouping=grouping_id)
    table = app.dataframe[-1].value  # "As a table": every finding shown
    funnel = table[table["Kind"] == "Group unlike the rest"]
    assert set(funnel["Code"]) == set(engine.outliers["code"])
