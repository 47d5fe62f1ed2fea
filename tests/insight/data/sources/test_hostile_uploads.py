"""Hostile own data: every class of bad input is refused with a message or built safely,
never a traceback; uploads are bounded in size, time and memory; nothing saved is touched.

The corpus is ``tests/hostile.py`` (``OWN_DATA``), one case per kind of input seen to
break builds: reserved ids, look-alike titles, paths out of the upload, unreadable and
non-finite geometries, archives and Parquet files that expand to gigabytes, tables of
10,000 columns or 400,000 rows, infinite values, a place with no indicator...
"""

from __future__ import annotations

import contextlib
import copy
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from insight.data.catalogue import list_places
from insight.data.policy import UPLOAD_LIMITS, Limits, check_new_place
from insight.data.sources import build_from_uploads, build_place, parse_config
from insight.data.store import build_lock, place_dir, read_place, version_of
from insight.errors import ConfigError, DataError, InsightError, LimitError

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from hostile import BASE, DEEP_TOML, OWN_DATA, base_files  # noqa: E402

#: Cases whose input must be refused (the rest may build, with what was dropped reported).
MUST_REFUSE = {
    "place id", "title", "reserved id", "indicator metadata", "archive", "table", "indicators",
    "toml", "path", "encoding", "periods",
}  # fmt: skip


@pytest.mark.parametrize("case", OWN_DATA, ids=[f"{c.klass}: {c.name}" for c in OWN_DATA])
def test_hostile_own_data_is_refused_with_a_message_or_built_safely(case, tmp_path, data_root):
    config, files = case.make()
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    try:
        parsed = parse_config(config, tmp_path, origin="place.toml")
        place, report = build_place(parsed, save=False, limits=UPLOAD_LIMITS)
        check_new_place(parsed.id, parsed.title, list_places(), UPLOAD_LIMITS)  # when saving
    except InsightError as error:
        message = str(error)
        assert message and "Traceback" not in message and len(message) < 3000
        return
    assert case.klass not in MUST_REFUSE, f"{case.name} was built"
    for indicator in place.indicators:
        values = place.areas[indicator].to_numpy(dtype=float)
        assert not np.isinf(values).any(), f"{indicator} holds infinity"
        assert np.isfinite(values).any(), f"{indicator} has no value"
    for column in ("name", *(g.name_column for g in place.groupings.values())):
        assert place.areas[column].astype(str).str.len().max() <= UPLOAD_LIMITS.name_chars
    assert np.isfinite(place.areas.total_bounds).all()
    assert report.as_text()


@pytest.fixture
def saved(data_root):
    """A good uploaded place, to check that later hostile uploads never touch it."""
    place, _ = build_from_uploads(copy.deepcopy(BASE), base_files(), isolate=False)
    return place


@pytest.mark.parametrize(
    "name",
    ["zip bomb (300 MB of zeros)", "10,000 columns", "NaN coordinates", "no indicators at all"],
)
def test_hostile_upload_over_a_good_place_leaves_it_untouched(saved, name):
    case = next(c for c in OWN_DATA if c.name == name)
    config, files = case.make()
    config["place"] = dict(BASE["place"])
    before = version_of(place_dir(saved.id))
    with contextlib.suppress(InsightError):
        build_from_uploads(config, files, replace=True, isolate=False)
    if name == "NaN coordinates":  # builds: the bad shape left out and reported
        assert version_of(place_dir(saved.id)) != before
        assert len(read_place(place_dir(saved.id)).areas) == len(saved.areas) - 1
    else:
        assert version_of(place_dir(saved.id)) == before
        assert len(read_place(place_dir(saved.id)).areas) == len(saved.areas)


def test_a_place_toml_nested_20000_levels_is_refused_with_a_message(data_root, tmp_path):
    with pytest.raises(ConfigError, match="The uploaded place.toml nests .* too deeply"):
        build_from_uploads(DEEP_TOML, base_files(), isolate=False)
    # The command line: the same message, exit status 2, no traceback.
    (tmp_path / "place.toml").write_text(DEEP_TOML)
    done = subprocess.run(
        [sys.executable, "-m", "insight", "build", str(tmp_path / "place.toml"), "--no-scan"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "place.toml nests arrays or tables too deeply" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("name", "said"),
    [("Excel entity expansion", "declares XML entities"), ("Latin-1 GeoJSON", "not UTF-8")],
)
def test_unsafe_or_mis_encoded_files_are_named_with_the_fix(name, said, tmp_path, data_root):
    config, files = next(c for c in OWN_DATA if c.name == name).make()
    for file, content in files.items():
        (tmp_path / file).write_bytes(content)
    with pytest.raises(InsightError) as raised:
        build_place(parse_config(config, tmp_path, origin="place.toml"), save=False)
    message = str(raised.value)
    assert said in message and "save it again" in message.lower(), message
    assert str(tmp_path) not in message  # the file's name, never where it is on the server


def test_the_column_limit_applies_to_excel_as_to_csv(tmp_path, data_root):
    config, files = next(c for c in OWN_DATA if c.name == "601 columns in Excel").make()
    for file, content in files.items():
        (tmp_path / file).write_bytes(content)
    with pytest.raises(LimitError, match="values.xlsx: a sheet has 601 columns, over the limit"):
        build_place(parse_config(config, tmp_path, origin="place.toml"), limits=UPLOAD_LIMITS)


@pytest.mark.parametrize(
    ("name", "file", "periods"),
    [
        ("5,000 periods in CSV", "periods.csv", "5,000"),
        ("101 periods in Excel", "periods.xlsx", "101"),
    ],
)
def test_the_period_limit_applies_to_every_format(name, file, periods, tmp_path, data_root):
    config, files = next(c for c in OWN_DATA if c.name == name).make()
    for each, content in files.items():
        (tmp_path / each).write_bytes(content)
    with pytest.raises(LimitError) as raised:
        build_place(parse_config(config, tmp_path, origin="place.toml"), limits=UPLOAD_LIMITS)
    message = str(raised.value)
    assert message.startswith(f"{file}: indicator 'Fuel poverty' has {periods} periods"), message
    assert "over the limit of 100" in message and "Keep only the periods you need" in message


def test_an_upload_of_5000_periods_is_refused_by_the_build_worker(data_root):
    """Through the upload path (the bounded worker): the officer reads the file and the fix;
    nothing is saved, so no scan of 5,000 periods ever starts."""
    config, files = next(c for c in OWN_DATA if c.name == "5,000 periods in CSV").make()
    with pytest.raises(LimitError, match=r"^periods\.csv: indicator 'Fuel poverty' has 5,000"):
        build_from_uploads(config, files)
    assert not place_dir("hostile").exists() or version_of(place_dir("hostile")) is None


def test_a_second_build_of_one_id_is_told_and_does_not_report_built(data_root):
    # The first build holds the place's lock until it has installed its version.
    refused = pytest.raises(DataError, match="Another build of place 'hostile' is running")
    with build_lock(BASE["place"]["id"]), refused:
        build_from_uploads(copy.deepcopy(BASE), base_files(), isolate=False)
    assert not place_dir("hostile").exists() or version_of(place_dir("hostile")) is None
    place, _ = build_from_uploads(copy.deepcopy(BASE), base_files(), isolate=False)  # then free
    assert place.id == "hostile"


def test_upload_counts_and_sizes_are_capped_before_anything_is_read(data_root):
    limits = Limits(files=3, total_bytes=20_000)
    files = base_files()
    with pytest.raises(LimitError, match="4 files were uploaded; one place takes at most 3"):
        build_from_uploads(BASE, {**files, "extra.csv": b"x"}, limits=limits, isolate=False)
    with pytest.raises(LimitError, match="limit of one upload"):
        build_from_uploads(BASE, files, limits=limits, isolate=False)


def test_paths_are_confined_to_the_uploaded_files(data_root):
    config = copy.deepcopy(BASE)
    config["areas"] = {"path": "/etc/passwd"}
    with pytest.raises(ConfigError, match="is not one of the uploaded files"):
        build_from_uploads(config, base_files(), isolate=False)


def test_an_upload_build_runs_in_a_worker_bounded_in_time(data_root):
    with pytest.raises(LimitError, match="took longer than 0 seconds"):
        build_from_uploads(BASE, base_files(), limits=Limits(seconds=0.3))
    assert not place_dir("hostile").exists() or version_of(place_dir("hostile")) is None


def test_an_upload_build_runs_in_a_worker_bounded_in_memory(data_root):
    # The worker holds ~270 MB once its libraries are loaded: over a 150 MB limit, it is
    # stopped by the watch on its resident memory, well before the time limit.
    started = time.monotonic()
    with pytest.raises(LimitError, match=r"more than the 0\.1 GB of memory an upload may use"):
        build_from_uploads(BASE, base_files(), limits=Limits(memory_bytes=150 * 1024 * 1024))
    assert time.monotonic() - started < 60
    assert not place_dir("hostile").exists() or version_of(place_dir("hostile")) is None


def test_an_upload_is_built_in_the_worker_with_who_and_when(data_root):
    steps = []
    place, _ = build_from_uploads(
        BASE, base_files(), progress=lambda f, m: steps.append(f), who="ann@council.gov.uk",
        signed_in=True,
    )  # fmt: skip
    assert steps and steps[-1] == 1.0
    assert place.upload["by"] == "ann@council.gov.uk" and place.upload["how"] == "upload"
    assert {f["name"] for f in place.upload["files"]} == set(base_files())
    assert all(len(f["sha256"]) == 64 for f in place.upload["files"])
    assert read_place(place_dir(place.id)).upload == place.upload
