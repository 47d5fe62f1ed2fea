"""The command line: every command, its JSON, and its errors (exit status 2, no traceback)."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from pptx import Presentation

from insight import cli, service
from insight.analysis import benchmark, scan, similar
from insight.analysis import findings as engine
from insight.cli import main
from insight.data import findings_store, postcodes, store
from insight.data.catalogue import load_place
from insight.errors import InsightError
from insight.present import files

pytestmark = pytest.mark.slow


def test_compare_json_is_the_compare_table(demo_place, capsys) -> None:
    assert main(["compare", "--indicator", "mt_minutes", "--grouping", "lad", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    comparison = benchmark.compare_groups(demo_place, "mt_minutes", "lad")
    assert record["indicator"] == "mt_minutes" and record["grouping"] == "lad"
    assert record["benchmark"] == {
        "label": comparison.benchmark_name,
        "value": pytest.approx(comparison.benchmark),
    }
    assert [g["code"] for g in record["groups"]] == comparison.table["code"].tolist()
    assert set(record["groups"][0]) == {"code", "name", "value", "lower", "upper", "funnel"}
    assert {g["funnel"] for g in record["groups"]} <= {"high", "low", "within", "n/a"}
    outliers = {g["code"] for g in record["groups"] if g["funnel"] in ("high", "low")}
    assert outliers == set(comparison.outliers["code"])


def test_compare_group_is_the_group_and_those_touching_it(demo_place, capsys) -> None:
    assert main(["compare", "--indicator", "admissions", "--grouping", "lad", "--group",
                 "E06000062", "--json"]) == 0  # fmt: skip
    record = json.loads(capsys.readouterr().out)
    codes = [g["code"] for g in record["groups"]]
    assert codes[0] == "E06000062" and "E07000131" in codes and len(codes) <= 12
    assert main(["compare", "--indicator", "admissions", "--grouping", "lad"]) == 0
    assert "funnel:" in capsys.readouterr().out


def test_compare_similar_is_the_group_and_its_statistical_neighbours(demo_place, capsys, tmp_path):
    assert main(["compare", "--indicator", "mt_minutes", "--grouping", "county", "--group",
                 "E06000062", "--similar", "--count", "4", "--json"]) == 0  # fmt: skip
    record = json.loads(capsys.readouterr().out)
    found = similar.similar_groups(demo_place, "county", "E06000062", 4)
    assert [g["code"] for g in record["groups"]][0] == "E06000062"
    assert {g["code"] for g in record["groups"][1:]} == set(found.codes)
    assert [c["code"] for c in record["comparators"]] == found.codes
    assert record["method"] == found.method and "3 indicators" in record["method"]
    assert record["comparators"][0]["distance"] <= record["comparators"][-1]["distance"]
    # An officer's own neighbour set (e.g. CIPFA's) instead of the profile's.
    path = tmp_path / "cipfa.csv"
    path.write_text("group,neighbour,rank\nE06000062,E10000024,1\nE06000062,E10000018,2\n")
    assert main(["compare", "--indicator", "mt_minutes", "--grouping", "county", "--group",
                 "E06000062", "--neighbours", str(path), "--json"]) == 0  # fmt: skip
    record = json.loads(capsys.readouterr().out)
    assert [c["code"] for c in record["comparators"]] == ["E10000024", "E10000018"]
    path.write_text("group,neighbour,rank\nE06000062,Leicestershire,1\n")
    assert main(["compare", "--indicator", "mt_minutes", "--grouping", "county", "--group",
                 "E06000062", "--neighbours", str(path)]) == 2  # fmt: skip
    assert "'Leicestershire'" in capsys.readouterr().err


def test_compare_text_names_what_its_limits_are(demo_place, capsys) -> None:
    # A travel time from a fixed matrix has no sampling error: its limits are the spread of
    # a group's areas, never a "95% CI" (the Compare page's own words).
    assert main(["compare", "--indicator", "mt_minutes", "--grouping", "county"]) == 0
    times = capsys.readouterr().out
    assert "95% CI" not in times and "middle 80% of its areas" in times
    assert main(["compare", "--indicator", "admissions", "--grouping", "county"]) == 0
    assert "95% CI" in capsys.readouterr().out


@pytest.mark.slow
def test_cli_penalty_json(demo_place, capsys) -> None:
    assert main(["penalty", "--service", "mt", "--grouping", "isdn", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("share_over_threshold", "max_minutes", "admissions_over_threshold",
                "areas_over_threshold", "areas_with_no_unit_in_group", "mean"):  # fmt: skip
        assert key in summary
    assert summary["share_over_threshold"] == pytest.approx(0.131, abs=0.002)


@pytest.mark.slow
def test_cli_findings_formats(demo_place, capsys) -> None:
    assert main(["findings", "--indicator", "mt_minutes", "--grouping", "isdn", "--limit", "3",
                 "--kinds", "penalty,funnel"]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert text.startswith("Minutes to the nearest thrombectomy centre by stroke network")
    assert "1. [" in text and "4. [" not in text
    assert main(["flags", "--indicator", "mt_minutes", "--grouping", "isdn", "--format", "json",
                 "--limit", "2", "--kinds", "penalty"]) == 0  # fmt: skip
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 2 and records[0]["kind"] == "penalty"
    assert "benchmark" in records[0] and records[0]["benchmark"] is None  # a what-if journey
    assert main(["flags", "--indicator", "mt_minutes", "--grouping", "isdn", "--format", "csv",
                 "--limit", "2", "--kinds", "penalty"]) == 0  # fmt: skip
    csv = capsys.readouterr().out.splitlines()
    assert csv[0].startswith("rank,kind,label,tested,rated,group_code,group_name") and len(csv) == 3
    assert csv[1].split(",")[3:5] == ["False", "True"]  # a what-if, about a rated indicator


@pytest.mark.slow
def test_cli_bad_ids_exit_2(demo_place, capsys) -> None:
    assert main(["flags", "--indicator", "nope", "--grouping", "isdn"]) == 2
    assert "no indicator 'nope'" in capsys.readouterr().err
    assert main(["penalty", "--service", "xx", "--grouping", "isdn"]) == 2
    assert "no service type 'xx'" in capsys.readouterr().err


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
def test_cli_exports_findings_as_slides(demo_place, tmp_path, capsys, fmt):
    out = tmp_path / f"deck.{fmt}"
    status, stdout, stderr = run_cli(
        "--indicator", "mt_minutes", "--grouping", "isdn", "--out", str(out), "--limit", "1",
        capsys=capsys,
    )  # fmt: skip
    assert status == 0, stderr
    if fmt == "pptx":
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


def test_lookup_json_has_the_postcodes_own_authority_and_warnings(demo_place, capsys) -> None:
    assert main(["lookup", "NG7 2PS", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["lad_code"] == "E06000018" and record["lad_name"] == "Nottingham"
    assert record["groupings"]["lad"]["code"] == record["lad_code"]
    assert record["warnings"] == []
    assert main(["lookup", "CA6 5AA"]) == 2
    assert "CA6 5AA is in Scotland" in capsys.readouterr().err


def test_lookup_names_the_county_or_the_unitary(demo_place, capsys) -> None:
    # Loughborough is in Charnwood, a district of Leicestershire; Leicester is a unitary.
    for postcode, lad, county in [
        ("LE11 3TU", "Charnwood", {"code": "E10000018", "name": "Leicestershire"}),
        ("LE1 7RH", "Leicester", {"code": "E06000016", "name": "Leicester"}),
        ("TN1 1YB", "Tunbridge Wells", {"code": "E10000016", "name": "Kent"}),
    ]:
        assert main(["lookup", postcode, "--json"]) == 0
        record = json.loads(capsys.readouterr().out)
        assert record["lad_name"] == lad
        assert {k: record["groupings"]["county"][k] for k in ("code", "name")} == county
    assert main(["lookup", "LE11 3TU"]) == 0
    assert "County or unitary authority: Leicestershire (E10000018)" in capsys.readouterr().out


def test_batch_lookup_keeps_every_row_and_names_each_problem(demo_place, tmp_path, capsys):
    source = tmp_path / "clients.csv"
    source.write_text(
        'Client,Post code\n1,NN1 1AA\n2,=HYPERLINK("http://x")\n3,CA6 5AA\n4,cf101aa\n',
        encoding="utf-8",
    )
    out = tmp_path / "placed.csv"
    argv = ["lookup", "--file", str(source), "--column", "Post code", "--out", str(out)]
    assert main(argv) == 0
    assert "4 rows, 2 placed, 2 with a problem" in capsys.readouterr().out
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert table["Client"].tolist() == ["1", "2", "3", "4"]
    assert table["Post code"].iloc[1].startswith("'=")  # a formula is never run
    assert table["lad_name"].tolist()[0] == "West Northamptonshire"
    assert table["isdn_name"].iloc[3] == "Wales"
    assert table["problem"].iloc[0] == "" and "Scotland" in table["problem"].iloc[2]
    assert {"lsoa_code", "lad_code", "mt_minutes", "admissions"} <= set(table.columns)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_batch_lookup_in_pieces_writes_the_csv_of_the_whole_table(demo_place, tmp_path, suffix):
    """A file looked up 7 rows at a time (CSV read in chunks; XLSX cut after reading) gives
    the very bytes of the whole table at once: real postcodes across England and Wales,
    Scotland, typos, formulas, blanks and repeats, and small counts suppressed in some
    pieces only."""
    keys = postcodes._ready_lookup().keys
    rng = np.random.default_rng(23)
    sample = [k.decode() for k in keys[rng.choice(len(keys), 120, replace=False)]]
    texts = [*sample, "CA6 5AA", "nonsense", '=HYPERLINK("http://x")', "", "nn11aa", sample[0]]
    rng.shuffle(texts)
    rows = pd.DataFrame({"Client": [str(n) for n in range(len(texts))], "Post code": texts})
    source = tmp_path / f"clients{suffix}"
    if suffix == ".csv":
        rows.to_csv(source, index=False)
    else:
        rows.to_excel(source, index=False)
    whole, column = service.lookup_file("demo", source.read_bytes(), source.name, "Post code")
    assert column == "Post code" and len(whole) == len(texts)
    # Some rows suppressed (admissions under 5), so pieces differ in their columns' types.
    expected = files.to_csv(whole, dependent_columns=[])
    assert b"[c]" in expected
    written = io.BytesIO()
    counted = service.lookup_csv("demo", source, written, "Post code", chunk_rows=7)
    assert written.getvalue() == expected
    assert counted == (len(whole), int((whole["problem"] != "").sum()))


def test_batch_lookup_errors_name_the_file_and_column(demo_place, tmp_path, capsys):
    source = tmp_path / "clients.csv"
    source.write_text("Client,Where\n1,NN1 1AA\n", encoding="utf-8")
    assert main(["lookup", "--file", str(source), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "has no column called postcode" in err and "Client, Where" in err
    assert main(["lookup", "--file", str(tmp_path / "none.csv"), "--out", "x.csv"]) == 2
    assert "no such file" in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# scan: the findings store, in this process and on a real Dask cluster
# --------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "example" / "place.toml"
#: Pairs the cluster test scans: every kind of finding and chart (ivt_minutes by icb), a
#: count (admissions), and an indicator whose column is missing (its task fails).
SCANNED = (["admissions", "ivt_minutes", "broken"], ["icb"])


def add_broken_indicator(root: Path) -> None:
    """Give the demo in ``root`` an indicator whose column does not exist (its tasks fail),
    saved as a new version of the place (so its manifest is right)."""
    folder = root / "cache" / "demo"
    meta = store.read_meta(folder)
    place = store.read_place(folder)
    first = next(iter(place.indicators.values()))
    place.indicators["broken"] = dataclasses.replace(first, id="broken", title="Broken")
    store.save_place(place, folder, extra_meta={"stamp": meta["stamp"]})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def dask_cluster(env: dict[str, str], logs: Path) -> Iterator[str]:
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (free ports),
    each in its own process group, stopped (the groups killed) when done."""
    address = f"tcp://127.0.0.1:{free_port()}"
    dask = [sys.executable, "-m", "dask"]
    commands = [
        [*dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
         "--no-dashboard"],
        *[
            [*dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers",
             "1", "--no-dashboard", "--name", f"test-worker-{n}", "--death-timeout", "60"]
            for n in range(2)
        ],
    ]  # fmt: skip
    processes: list[subprocess.Popen] = []
    try:
        for n, command in enumerate(commands):
            log = (logs / f"dask-{n}.log").open("w")
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            )
        yield address
    finally:
        for process in reversed(processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def stored_store(root: Path) -> tuple[dict, list]:
    """The stamp and the rows (NaN as text, so equal when equal) of the demo's store."""
    table = pq.read_table(root / "cache" / "demo" / findings_store.STORE_FILE)
    stamp = json.loads(table.schema.metadata[findings_store.STAMP_KEY])
    return stamp, repr(table.replace_schema_metadata(None).to_pylist())


@pytest.mark.slow
def test_scan_on_a_dask_cluster_writes_the_store_a_single_process_writes(
    demo_copies, tmp_path, monkeypatch, capsys
) -> None:
    """Two ``dask worker`` processes scan the demo; each loads the place once; the pairs that
    fail are reported with their indicator and grouping and the rest is written; the store
    is the one a scan in a single process writes, byte for byte in its rows."""
    indicators, groupings = SCANNED
    cluster_root = demo_copies(tmp_path / "cluster")
    single_root = demo_copies(tmp_path / "single")
    for root in (cluster_root, single_root):
        add_broken_indicator(root)
    outcomes = []
    original = service.scan_place

    def spy(*args, **kwargs):
        outcomes.append(original(*args, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(service, "scan_place", spy)
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(cluster_root))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with dask_cluster(env, tmp_path) as address:
        status = main(["scan", "--scheduler", address, "--workers", "2",
                       "--indicator", *indicators, "--grouping", *groupings])  # fmt: skip
    out, err = capsys.readouterr()
    assert status == 1, err
    assert f"Dask at {address} (2 workers)" in out
    assert "Error: broken × icb failed: DataError: indicator 'broken' is not a column" in err
    assert "the rest were written" in err
    results = outcomes[0].result.results
    workers = {r.worker for r in results}
    assert len(workers) == 2  # both workers ran tasks...
    for worker in workers:  # ...and each loaded the place once
        assert sum(r.loaded_place for r in results if r.worker == worker) == 1
    assert os.getpid() not in {int(w.rsplit(":", 1)[1]) for w in workers}

    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(single_root))
    status = main(["scan", "--workers", "0", "--indicator", *indicators,
                   "--grouping", *groupings])  # fmt: skip
    out, err = capsys.readouterr()
    assert status == 1 and "(this process)" in out
    cluster_stamp, cluster_rows = stored_store(cluster_root)
    single_stamp, single_rows = stored_store(single_root)
    assert cluster_stamp == single_stamp
    assert [(t["indicator"], t["grouping"], t["status"]) for t in single_stamp["tasks"]] == [
        (i, g, "failed" if i == "broken" else "ok") for i in indicators for g in groupings
    ]
    assert cluster_rows == single_rows
    assert "'kind': 'border'" in single_rows and "'chart_kind': 'cluster'" in single_rows


@pytest.mark.slow
def test_build_scans_and_the_commands_read_the_store(tmp_path, monkeypatch, capsys) -> None:
    """Building a place scans it; a second build finds the store current; ``findings`` reads
    the store; a partial scan replaces only its pairs."""
    root = tmp_path / "data"
    (root / "cache" / "postcodes").mkdir(parents=True)
    real_index = postcodes.build_index()
    (root / "cache" / "postcodes" / real_index.name).symlink_to(real_index)
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(root))
    assert main(["build", str(EXAMPLE), "--workers", "0"]) == 0
    out = capsys.readouterr().out
    assert "Findings store:" in out and "(this process)" in out
    place = load_place("northants-wards")
    stored = findings_store.read_findings("northants-wards", engine=scan.ENGINE_VERSION)
    assert stored is not None
    earlier = {  # every period of the indicators with several, not only the latest
        (i.id, g, p) for i in place.indicators.values() for g in place.groupings
        for p in i.periods if p != i.period
    }  # fmt: skip
    assert earlier  # the example's Fingertips exports have several periods
    latest = {(i, g, "") for i in place.indicators for g in place.groupings}
    assert stored.done() == latest | earlier
    assert main(["build", str(EXAMPLE), "--workers", "0"]) == 0  # rebuilt: scanned again
    assert "Findings store:" in capsys.readouterr().out
    # A partial scan keeps the other pairs of the current store.
    indicator = next(iter(place.indicators))
    assert main(["scan", "--place", "northants-wards", "--workers", "0",
                 "--indicator", indicator]) == 0  # fmt: skip
    out = capsys.readouterr().out
    scanned = scan.scan_tasks(place, [indicator])  # each grouping, in each period
    assert f"Kept {len(stored.tasks) - len(scanned)} pairs" in out
    after = findings_store.read_findings("northants-wards", engine=scan.ENGINE_VERSION)
    assert after.tasks == stored.tasks
    # findings --all on a place whose store is gone scans it first, and says so as it goes.
    findings_store.store_path("northants-wards").unlink()
    assert main(["findings", "--all", "--place", "northants-wards", "--top", "3"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"\b1/\d+ \S+ × \S+: ", err), err[-500:]
    assert findings_store.read_findings("northants-wards", engine=scan.ENGINE_VERSION)
    # The findings command reads the store: the engine is not asked.
    monkeypatch.setattr(engine, "findings", lambda *a, **k: pytest.fail("worked out, not read"))
    assert main(["findings", "--place", "northants-wards", "--indicator", indicator,
                 "--grouping", place.default_grouping, "--format", "json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out) == []


def test_scan_errors_are_clear(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(tmp_path))
    assert main(["scan", "--place", "nowhere", "--workers", "0"]) == 2
    assert "There is no place called 'nowhere'" in capsys.readouterr().err
    with (
        pytest.raises(InsightError, match="--workers must be 0 or more"),
        service.dask_client(workers=-1),
    ):
        pass
    with (
        pytest.raises(InsightError, match="Cannot reach the Dask scheduler at tcp://127.0.0.1"),
        service.dask_client(scheduler=f"tcp://127.0.0.1:{free_port()}", timeout=2),
    ):
        pass


def test_a_reader_that_goes_away_ends_the_command_quietly(demo_place) -> None:
    # `python -m insight lookup "NN1 1AA" --json | true`: the pipe closes before the answer.
    reader_gone = subprocess.run(
        f"{sys.executable} -m insight lookup 'NN1 1AA' --json | true",
        shell=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
        timeout=300, check=False,
    )  # fmt: skip
    assert "Traceback" not in reader_gone.stderr and "Error" not in reader_gone.stderr
    # And a findings table piped into `head -1`.
    head = subprocess.run(
        f"{sys.executable} -m insight findings --indicator mt_minutes --grouping isdn "
        "--format csv | head -1",
        shell=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
        timeout=300, check=False,
    )  # fmt: skip
    assert head.stdout.startswith("rank,") or "," in head.stdout
    assert "Traceback" not in head.stderr


def test_a_folder_that_cannot_be_written_says_which(demo_place, tmp_path, monkeypatch, capsys):
    # As root (CI) chmod stops nothing, so the refusal is the one the operating system gives.
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "out.csv"))

    parser = cli.build_parser()
    parser._subparsers._group_actions[0].choices["export"].set_defaults(handler=refuse)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    status = cli.main(["export", "--indicator", "mt_minutes", "--out", str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert f"cannot write {tmp_path / 'out.csv'}: permission denied" in err
    assert "PLACE_INSIGHT_DATA" in err


def test_local_workers_never_run_a_script_that_is_the_main_module(tmp_path, monkeypatch):
    # After AppTest has run app.py in this process, __main__ is that script: spawned Dask
    # workers would run it again (building the demo in each) unless given a bare one.
    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    page = type(sys)("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    with service.dask_client(workers=1) as client:
        assert client.submit(int, "7").result(timeout=120) == 7
    assert not marker.exists()
    assert sys.modules["__main__"] is page


def test_the_local_cluster_listens_where_it_is_told():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with service.scanning.dask_client(1, scheduler_port=port, dashboard=None) as client:
        assert client.scheduler.address == f"tcp://127.0.0.1:{port}"
    args = cli.build_parser().parse_args(["scan", "--scheduler-port", "9786", "--dashboard", ":0"])
    assert (args.scheduler_port, args.dashboard) == (9786, ":0")
