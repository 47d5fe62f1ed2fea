"""Every period of officers' indicators is kept: the latest on the areas (as before), all of
them as the place's series, saved with the place (``series.parquet``, in the manifest)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, build, config

from insight.data.sources.build import build_place
from insight.data.sources.config import parse_config
from insight.data.store import CONTENT_FILES, content_hash, current_dir, place_dir, read_place
from insight.errors import DamagedPlaceError
from insight.model import SERIES_COLUMNS

TRENDS = DATA / "fingertips_trends.csv"
PERIODS = ("2017/18", "2018/19", "2019/20", "2020/21", "2021/22", "2022/23")


def trends_config(place_id: str = "test-wards") -> dict:
    data = config(indicators=[{"path": str(TRENDS), "format": "fingertips"}])
    data["place"]["id"] = place_id
    return data


def test_a_fingertips_export_keeps_every_period() -> None:
    place, report = build(trends_config())
    obesity = place.indicators["fingertips_90323"]
    assert obesity.periods == PERIODS and obesity.period == "2022/23" and obesity.has_series
    assert obesity.kind == "proportion" and obesity.polarity == "low_is_good"
    harm = place.indicators["fingertips_92302"]
    assert harm.kind == "rate" and harm.multiplier == 100_000 and harm.periods == PERIODS
    series = place.series
    assert list(series.columns) == list(SERIES_COLUMNS)
    assert set(series["area_code"]) <= set(place.areas["code"])
    assert (series.groupby(["indicator", "period"]).size() == len(place.areas)).all()
    # The order of the periods is Fingertips' "Time period Sortable".
    first = series[series["indicator"] == obesity.id].drop_duplicates("period")
    assert first["period_order"].tolist() == [float(f"{y}0000") for y in range(2017, 2023)]
    assert any("all 6 periods kept as its series" in note for note in report.notes)


def test_the_latest_period_is_what_the_areas_have_and_earlier_ones_are_the_files() -> None:
    place, _ = build(trends_config())
    raw = pd.read_csv(TRENDS, dtype={"Indicator ID": str})
    raw = raw[(raw["Indicator ID"] == "90323") & (raw["Area Type"] == "Ward")]
    series = place.series_of("fingertips_90323").set_index(["area_code", "period"])
    areas = place.areas.set_index("code")
    latest = series.xs("2022/23", level="period")
    np.testing.assert_allclose(
        latest["value"], areas.loc[latest.index, "fingertips_90323"], equal_nan=True
    )
    np.testing.assert_allclose(
        latest["numerator"], areas.loc[latest.index, "fingertips_90323_numerator"], equal_nan=True
    )
    first = raw[raw["Time period"] == "2017/18"].set_index("Area Code")
    kept = series.xs("2017/18", level="period").loc[first.index]
    np.testing.assert_allclose(kept["value"], first["Value"])
    np.testing.assert_allclose(kept["lower"], first["Lower CI 95.0 limit"])
    np.testing.assert_allclose(kept["upper"], first["Upper CI 95.0 limit"])
    np.testing.assert_allclose(kept["denominator"], first["Denominator"])
    # The suppressed latest value stays missing, with its denominator.
    suppressed = latest.loc[place.areas["code"].iloc[5]]
    assert np.isnan(suppressed["value"]) and suppressed["denominator"] > 0


def test_a_long_table_with_a_period_column_keeps_every_period(tmp_path) -> None:
    codes = pd.read_csv(DATA / "ward_to_lad.csv")["WD23CD"][:41]
    rows = [
        {"code": code, "indicator": "Falls", "period": year, "value": value, "count": value,
         "denominator": 100}
        for code in codes
        for year, value in (("2021", 5), ("2023", 7), ("2022", 6))
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "falls.csv", index=False)
    place, _ = build(config(indicators=[{"path": str(tmp_path / "falls.csv"), "format": "long"}]))
    falls = place.indicators["falls"]
    assert falls.period == "2023" and (place.areas["falls"] == 7).all()
    assert falls.periods == ("2021", "2022", "2023")
    by_period = place.series_of("falls").groupby("period")["value"].mean()
    assert by_period.to_dict() == {"2021": 5, "2022": 6, "2023": 7}


def test_one_period_means_no_series() -> None:
    place, _ = build(config(indicators=[{"path": str(DATA / "long_indicators.csv")}]))
    assert place.series is None
    assert all(not i.periods and not i.has_series for i in place.indicators.values())
    assert place.series_of(next(iter(place.indicators))).empty


def test_the_series_is_saved_hashed_and_checked(data_root) -> None:
    built = build_place(parse_config(trends_config("trend-wards"), DATA, origin="place.toml"))[0]
    folder = place_dir("trend-wards")
    version = current_dir(folder)
    meta = json.loads((version / "place.json").read_text())
    assert "series.parquet" in meta["files"] and "series.parquet" in CONTENT_FILES
    assert meta["indicators"][0]["periods"] == list(PERIODS)
    again = read_place(folder)
    pd.testing.assert_frame_equal(again.series, built.series)
    assert again.indicators == built.indicators
    before = content_hash(folder)
    (version / "series.parquet").write_bytes((version / "series.parquet").read_bytes() + b" ")
    assert content_hash(folder) != before
    with pytest.raises(DamagedPlaceError, match="series.parquet"):
        read_place(folder)


def test_a_place_without_series_is_written_as_before(data_root) -> None:
    data = config(indicators=[{"path": str(DATA / "long_indicators.csv")}])
    data["place"]["id"] = "flat-wards"
    build_place(parse_config(data, DATA, origin="place.toml"))
    version = current_dir(place_dir("flat-wards"))
    meta = json.loads((version / "place.json").read_text())
    assert not (version / "series.parquet").exists() and "series.parquet" not in meta["files"]
    assert all("periods" not in indicator for indicator in meta["indicators"])
    assert read_place(place_dir("flat-wards")).series is None
