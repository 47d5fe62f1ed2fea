"""``python -m insight trend``: every area's series and Fingertips' recent trend, on a small
own-data place with six yearly periods (the example wards and ``fingertips_trends.csv``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from insight import explain, stats
from insight.analysis.benchmark import compare_groups
from insight.analysis.trend import area_trends
from insight.cli import main
from insight.data.catalogue import load_place
from insight.data.sources.build import build_place
from insight.data.sources.config import parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"
PLACE = "trend-wards"
OBESITY = "fingertips_90323"


@pytest.fixture(scope="module")
def trend_data(tmp_path_factory) -> Path:
    """A data folder holding the saved place (``PLACE_INSIGHT_DATA`` points at it)."""
    root = tmp_path_factory.mktemp("data")
    config = {
        "place": {"id": PLACE, "title": "Trend wards", "benchmark_name": "the wards"},
        "areas": {"path": str(EXAMPLE / "wards.geojson")},
        "groupings": [
            {"id": "lad", "title": "Local authority", "path": str(EXAMPLE / "ward_to_lad.csv")}
        ],
        "indicators": [{"path": str(EXAMPLE / "fingertips_trends.csv"), "format": "fingertips"}],
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLACE_INSIGHT_DATA", str(root))
        build_place(parse_config(config, EXAMPLE, origin="place.toml"))
    return root


@pytest.fixture
def in_trend_data(trend_data, monkeypatch) -> Path:
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(trend_data))
    return trend_data


def test_trend_json_is_every_area_series_and_its_recent_trend(in_trend_data, capsys) -> None:
    assert main(["trend", "--place", PLACE, "--indicator", OBESITY, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    place = load_place(PLACE)
    result = area_trends(place, OBESITY)
    assert record["indicator"] == OBESITY
    assert record["periods"] == ["2017/18", "2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]
    assert len(record["areas"]) == len(place.areas)
    first = record["areas"][0]
    assert set(first) == {"area_code", "area_name", "series", "recent_trend"}
    assert first["area_code"] == "E05900001" and first["area_name"] == "Northampton ward 1"
    assert [p["period"] for p in first["series"]] == record["periods"]
    assert set(first["series"][0]) == {"period", "value", "lower", "upper"}
    series = result.area_series("E05900001")
    assert [p["value"] for p in first["series"]] == pytest.approx(series["value"].tolist())
    # Year 6 obesity: lower is better, so a rise is "getting worse" (Fingertips' words).
    words = {a["area_code"]: a["recent_trend"] for a in record["areas"]}
    assert words["E05900001"] == "increasing and getting worse"
    assert words["E05900004"] == "decreasing and getting better"
    assert words["E05900006"] == "could not be calculated"
    allowed = {"no significant change", "could not be calculated"} | {
        f"{m} and getting {d}" for m in ("increasing", "decreasing") for d in ("better", "worse")
    }
    assert set(words.values()) <= allowed
    # The benchmark is named as Compare names it (one ward's latest value is suppressed).
    assert record["benchmark"]["label"] == compare_groups(place, OBESITY, "lad").benchmark_name
    assert record["benchmark"]["label"] == "the wards (the 40 areas with data)"
    assert record["benchmark"]["recent_trend"] in allowed


def test_trend_for_one_area_and_as_a_table(in_trend_data, capsys) -> None:
    code = "E05900007"
    argv = ["trend", "--place", PLACE, "--indicator", "fingertips_92302", "--area", code]
    assert main([*argv, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [a["area_code"] for a in record["areas"]] == [code]
    assert record["areas"][0]["recent_trend"] == "increasing and getting worse"
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "2017/18" in text and "2022/23" in text and "recent trend" in text
    assert f"({code})" in text and "increasing and getting worse" in text
    assert explain.average_label("the wards") in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--indicator", "nope"], "has no indicator 'nope'; choose one of: fingertips_90323"),
        (
            ["--indicator", OBESITY, "--area", "E0599"],
            "has no area 'E0599'; choose one of: E05900001, E05900002",
        ),
    ],
)
def test_trend_errors_name_the_value_and_the_choices(in_trend_data, capsys, extra, message):
    assert main(["trend", "--place", PLACE, *extra]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.out == ""


def test_trend_command_line_exits_2_without_a_traceback(trend_data) -> None:
    env = {**os.environ, "PLACE_INSIGHT_DATA": str(trend_data)}
    done = subprocess.run(
        [sys.executable, "-m", "insight", "trend", "--place", PLACE, "--indicator", OBESITY,
         "--area", "nowhere"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no area 'nowhere'" in done.stderr and "Traceback" not in done.stderr


def test_the_markers_are_the_engines(in_trend_data) -> None:
    place = load_place(PLACE)
    result = area_trends(place, OBESITY)
    markers = set(result.trends["marker"])
    assert markers <= set(stats.TREND_MARKERS) and "increasing" in markers
