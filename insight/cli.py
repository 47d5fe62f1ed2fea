"""Command line: every ``python -m insight`` command.

Every command prints plain text by default and JSON with ``--json`` (or ``--format json``);
bad input exits with status 2 and the message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import sys
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from distributed import Client, LocalCluster
from tqdm import tqdm

from insight import explain
from insight.analysis import benchmark as benchmarks
from insight.analysis import scan, similar
from insight.analysis.findings import FINDING_KINDS, Findings, findings
from insight.analysis.penalty import PENALTY_THRESHOLD, penalty_summary
from insight.analysis.trend import area_trends
from insight.data import demo, findings_store, postcodes, store
from insight.data.catalogue import load_place, place_ref
from insight.data.sources import build_from_toml
from insight.data.sources.config import PLACE_ID
from insight.errors import DataError, InsightError, PlaceNotFoundError
from insight.model import DEMO_ID, Place
from insight.present.export import FORMATS, SLIDE_FORMATS, export_bytes
from insight.present.files import to_csv
from insight.present.tables import DEFAULT_THRESHOLD
from insight.spatial.index import AreaIndex


def _progress_bar():
    bars = []  # created on the first call, so a cache hit prints nothing

    def update(fraction: float, message: str) -> None:
        if not bars:
            bars.append(
                tqdm(total=100, unit="%", file=sys.stderr, bar_format="{l_bar}{bar}| {elapsed}")
            )
        bar = bars[0]
        bar.set_description(message[:50])
        bar.update(max(0, round(fraction * 100) - bar.n))
        if fraction >= 1:
            bar.close()

    return update


def open_place(place_id: str) -> Place:
    """Load a place for a command, showing build progress on stderr."""
    return load_place(place_id, progress=_progress_bar())


def _json_safe(value: Any) -> Any:
    """``value`` with numpy scalars made plain and non-finite floats made null."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _print_json(value: Any) -> None:
    print(json.dumps(_json_safe(value), indent=2, default=str))


# --------------------------------------------------------------------------------------
# build, lookup
# --------------------------------------------------------------------------------------


def cmd_build(args: argparse.Namespace) -> int:
    """Build the demo cache, or a place from a TOML file; then scan what is not in its store."""
    if args.config:
        place, report = build_from_toml(args.config, progress=_progress_bar())
        print(report.as_text())
        print(
            f"Built place {place.id!r} ({len(place.areas):,} areas). Open it with ?place={place.id}"
        )
    else:
        place = demo.load_demo(progress=_progress_bar(), force=args.force)
        print(
            f"Demo place ready: {len(place.areas):,} areas, {len(place.services):,} stroke units."
        )
        for key, value in place.quality.items():
            print(f"  {key.replace('_', ' ')}: {value:,}")
    if args.no_scan:
        return 0
    outcome = scan_place(
        place, workers=args.workers, scheduler=args.scheduler, only_missing=True,
        progress=_progress_bar(),
    )  # fmt: skip
    return _report_scan(outcome)


def lookup_record(place: Place, postcode: str, index: AreaIndex | None = None) -> dict:
    """Everything the ``lookup`` command reports for one postcode, as a dict."""
    found = postcodes.locate(place, postcode, index)
    area = place.areas.iloc[found.area_index]
    record = {
        "postcode": found.postcode,
        "easting": found.easting,
        "northing": found.northing,
        "postcode_lad_code": found.lad_code,
        "lsoa_code": found.area_code,
        "lsoa_name": found.area_name,
        "area_code": found.area_code,
        "area_name": found.area_name,
        "placed_in_nearest_area": found.nearest_only,
        "groupings": {
            g.id: {"title": g.title, "code": area[g.code_column], "name": area[g.name_column]}
            for g in place.groupings.values()
        },
        "indicators": {
            i.id: (None if area[i.id] != area[i.id] else float(area[i.id]))
            for i in place.indicators.values()
        },
        "warnings": explain.lookup_warnings(place, found),
    }
    if "lad" in place.groupings:
        # The postcode's own authority (the ONS directory's), which its area lies in.
        record["lad_code"] = found.lad_code or area["lad_code"]
        record["lad_name"] = place.group_names("lad").get(record["lad_code"], area["lad_name"])
    return record


def cmd_restore(args: argparse.Namespace) -> int:
    """Make a place's previous version current again (after a bad replacement)."""
    _check_place_id(args.place_id)
    version = store.restore_previous(store.place_dir(args.place_id))
    print(f"Place {args.place_id!r} is back to its previous version ({version}).")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove a place built from officers' files (never the demo)."""
    _check_place_id(args.place_id)
    folder = store.place_dir(args.place_id)
    if store.read_meta(folder) is None and not folder.exists():
        raise PlaceNotFoundError(f"There is no place called {args.place_id!r} to remove.")
    store.remove_place(folder)
    print(f"Removed place {args.place_id!r}.")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Remove the temporary folders of builds that were killed."""
    removed = store.clean_stale()
    print(f"Removed {len(removed)} temporary folder(s) of stopped builds.")
    return 0


def _check_place_id(place_id: str) -> None:
    if place_id == DEMO_ID or not PLACE_ID.match(place_id):
        raise DataError(
            f"{place_id[:80]!r} is not the id of a place built from officers' files "
            "(the demo is rebuilt with `python -m insight build --force`)."
        )


def cmd_lookup(args: argparse.Namespace) -> int:
    """Print the area of a postcode, or write the areas of a file of postcodes."""
    if args.file:
        if not args.out:
            raise DataError("A batch lookup needs --out, the CSV file to write.")
        out = Path(args.out)
        _check_writable(out)
        file = Path(args.file)
        if not file.is_file():
            raise DataError(
                f"Cannot read {args.file!r}: there is no such file; give the path of a CSV."
            )
        rows, column = postcodes.postcode_rows(file.read_bytes(), file.name, args.column)
        place = open_place(args.place)
        table = postcodes.lookup_table(place, rows[column].tolist(), inputs=rows)
        _write(out, to_csv(table, dependent_columns=[]))
        problems = int((table["problem"] != "").sum())
        print(f"Wrote {out}: {len(table):,} rows, {len(table) - problems:,} placed, "
              f"{problems:,} with a problem (see its 'problem' column).")  # fmt: skip
        return 0
    if not args.postcode:
        raise DataError('Give a postcode (e.g. "NN1 1AA") or --file FILE.csv --out OUT.csv.')
    place = open_place(args.place)
    record = lookup_record(place, args.postcode)
    if args.json:
        _print_json(record)
        return 0
    print(f"{record['postcode']} is in {record['area_name']} ({record['area_code']}).")
    for warning in record["warnings"]:
        print(f"  Note: {warning}")
    for grouping in record["groupings"].values():
        print(f"  {grouping['title']}: {grouping['name']} ({grouping['code']})")
    print()
    for indicator_id, value in record["indicators"].items():
        indicator = place.indicators[indicator_id]
        print(f"  {indicator.title}: {explain.fmt_value(value, indicator)}")
    return 0


# --------------------------------------------------------------------------------------
# compare, findings, penalty
# --------------------------------------------------------------------------------------


def compare_record(
    place: Place,
    indicator_id: str,
    grouping_id: str,
    group: str | None,
    comparators: str = "touching",
    count: int = similar.DEFAULT_COUNT,
    neighbours_file: str | None = None,
) -> dict:
    """The Compare page's table as a dict (see ``python -m insight compare``).

    With a ``group``, the table is that group and its comparators: the groups touching
    it (``comparators="touching"``, the page's default), or its most similar groups
    (``"similar"``: the ``count`` nearest on the place's profile, or the neighbours listed
    for it in ``neighbours_file``); then the record also has ``"method"`` and
    ``"comparators"`` (each with its rank and distance).
    """
    result = benchmarks.compare_groups(place, indicator_id, grouping_id)
    table = result.table
    record: dict[str, Any] = {}
    if group is not None and comparators == "similar":
        if neighbours_file:
            sets = similar.read_neighbours(neighbours_file, place, grouping_id)
            found = similar.chosen_neighbours(
                sets, place, grouping_id, group, Path(neighbours_file).name
            )
        else:
            found = similar.similar_groups(place, grouping_id, group, count)
        table = result.subset([group, *found.codes]).table
        record = {"method": found.method, "variables": list(found.variables),
                  "comparators": found.records()}  # fmt: skip
    elif group is not None:
        column = place.grouping(grouping_id).code_column
        touching = AreaIndex.for_place(place).touching_groups(column, group)
        table = result.subset([group, *touching]).table  # the Compare page's default
    return {
        "indicator": indicator_id,
        "grouping": grouping_id,
        "benchmark": {"label": result.benchmark_name, "value": result.benchmark},
        "groups": [
            {
                "code": row.code,
                "name": row.name,
                "value": row.value,
                "lower": row.lower,
                "upper": row.upper,
                "funnel": row.funnel,
            }
            for row in table.itertuples()
        ],
        **record,
    }


def cmd_compare(args: argparse.Namespace) -> int:
    """Print each group's value, interval and funnel status against the benchmark."""
    place = open_place(args.place)
    if (args.similar or args.neighbours) and not args.group:
        raise DataError(
            "--similar and --neighbours need --group (the group to find neighbours of)."
        )
    comparators = "similar" if args.similar or args.neighbours else "touching"
    record = compare_record(
        place, args.indicator, args.grouping, args.group, comparators, args.count, args.neighbours
    )
    if args.json:
        _print_json(record)
        return 0
    indicator = place.indicator(args.indicator)
    benchmark = record["benchmark"]
    print(
        f"{indicator.title} by {explain.lower_first(place.grouping(args.grouping).title)}; "
        f"{benchmark['label']}: {explain.fmt_value(benchmark['value'], indicator)}"
    )
    label = explain.interval_label(indicator)
    for row in record["groups"]:
        print(
            f"  {row['name']} ({row['code']}): {explain.fmt_value(row['value'], indicator)} "
            f"{explain.fmt_interval(row['lower'], row['upper'], indicator.decimals, label)}"
            f"  funnel: {row['funnel']}"
        )
    if "method" in record:
        print(f"How the comparators were chosen: {record['method']}")
        for row in record["comparators"]:
            distance = "" if row["distance"] is None else f"  distance {row['distance']:.2f}"
            print(f"  {row['rank']}. {row['name']} ({row['code']}){distance}")
    return 0


def cmd_findings(args: argparse.Namespace) -> int:
    """Print the ranked findings as text, CSV or JSON."""
    place = open_place(args.place)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if list(kinds) == list(FINDING_KINDS) and args.materiality is None:
        place.indicator(args.indicator), place.grouping(args.grouping)
        found = ranked_findings(place, args.indicator, args.grouping)  # the store, if current
        if args.limit is not None:
            found = Findings(found.indicator, found.grouping, found.items[: max(args.limit, 0)])
    else:
        found = findings(
            place, args.indicator, args.grouping, kinds=kinds, materiality=args.materiality,
            limit=args.limit,
        )  # fmt: skip
    table = found.table
    if args.format == "csv":
        out = table.copy()
        for column in ("area_codes", "other_area_codes"):
            out[column] = out[column].map(lambda codes: ";".join(map(str, codes)))
        # one cell each: "icb:1.00;ambulance:0.60" and "icb:E54000030:E54000031"
        out["shared_borders"] = out["shared_borders"].map(
            lambda items: ";".join(f"{s['grouping']}:{s['share']:.2f}" for s in items)
        )
        out["same_steps"] = out["same_steps"].map(
            lambda items: ";".join(":".join(s.values()) for s in items)
        )
        out.to_csv(sys.stdout, index=False)
        return 0
    if args.format == "json":
        _print_json(table.to_dict(orient="records"))
        return 0
    ind, grp = place.indicator(args.indicator), place.grouping(args.grouping)
    count = "no findings" if table.empty else explain.plural(len(table), "finding")
    print(f"{ind.title} by {explain.lower_first(grp.title)}: {count}")
    for finding in found:
        print(f"\n{finding.rank}. [{finding.label}] {finding.sentence}")
    return 0


def cmd_penalty(args: argparse.Namespace) -> int:
    """Print the boundary penalty summary as text or JSON."""
    place = open_place(args.place)
    summary = penalty_summary(place, args.service, args.grouping, args.threshold)
    if args.json:
        _print_json(summary)
        return 0
    grp = place.grouping(args.grouping)
    stype = place.service_types[args.service]
    print(explain.penalty_summary_text(summary, stype, grp))
    return 0


def trend_record(place: Place, indicator_id: str, area: str | None = None) -> dict:
    """Every area's series and recent trend as a dict (see ``python -m insight trend``).

    Parameters
    ----------
    place : Place
        The place.
    indicator_id : str
        The indicator.
    area : str, optional
        Only this area (default: every area).

    Returns
    -------
    dict
        ``indicator``, ``periods``, ``areas`` (each: ``area_code``, ``area_name``,
        ``series`` of ``period``, ``value``, ``lower``, ``upper``, and ``recent_trend`` in
        Fingertips' words, null for values with no sampling variation) and ``benchmark``
        (its ``label``, ``series`` and ``recent_trend``).

    Raises
    ------
    DataError
        An unknown indicator or area (the message names it and those there are).
    """
    result = area_trends(place, indicator_id, None if area is None else [area])
    indicator = result.indicator

    def points(rows) -> list[dict]:
        return [
            {"period": r.period, "value": r.value, "lower": r.lower, "upper": r.upper}
            for r in rows.itertuples()
        ]

    words = {
        row.code: explain.trend_words(result.trend_of(row.code), indicator)
        for row in result.trends.itertuples()
    }
    return {
        "indicator": indicator.id,
        "periods": list(result.periods),
        "areas": [
            {
                "area_code": code,
                "area_name": rows["name"].iloc[0],
                "series": points(rows),
                "recent_trend": words[code],
            }
            for code, rows in result.series.groupby("code", sort=False)
        ],
        "benchmark": {
            "label": result.benchmark_name,
            "series": points(result.benchmark),
            "recent_trend": explain.trend_words(result.benchmark_trend, indicator),
        },
    }


def cmd_trend(args: argparse.Namespace) -> int:
    """Print every area's series and Fingertips' recent trend (a table, or JSON)."""
    place = open_place(args.place)
    record = trend_record(place, args.indicator, args.area)
    if args.json:
        _print_json(record)
        return 0
    indicator = place.indicator(args.indicator)
    periods = record["periods"]
    print(explain.titled_with_unit(indicator.title, explain.unit_label(indicator)))
    if len(periods) < 2:
        print(explain.one_period_sentence(indicator))
    rows = [(f"{a['area_name']} ({a['area_code']})", a) for a in record["areas"]]
    rows.append((explain.average_label(record["benchmark"]["label"]), record["benchmark"]))
    width = min(max(len(name) for name, _ in rows), 48)
    columns = [max(len(p), 8) for p in periods]
    print(
        f"{'':<{width}}  "
        + "  ".join(f"{p:>{w}}" for p, w in zip(periods, columns, strict=True))
        + ("  recent trend" if indicator.sampled else "")
    )
    for name, row in rows:
        values = "  ".join(
            f"{explain.fmt_value(point['value'], indicator, with_unit=False):>{w}}"
            for point, w in zip(row["series"], columns, strict=True)
        )
        trend = f"  {row['recent_trend']}" if row["recent_trend"] else ""
        print(f"{name[:width]:<{width}}  {values}{trend}")
    return 0


# --------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------


def _format_of(requested: str | None, out: Path) -> str:
    chosen = (requested or out.suffix.lstrip(".")).lower()
    if chosen == "zip":
        chosen = "png"
    if chosen not in FORMATS:
        given = requested if requested else f"the extension of {str(out)!r}"
        raise DataError(
            f"Export format {given!r} is not one of {', '.join(FORMATS)}; pass --format."
            if requested
            else f"Cannot tell the format from {given}; pass --format with one of "
            f"{', '.join(FORMATS)}."
        )
    return chosen


def _check_writable(out: Path) -> None:
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise DataError(f"Cannot write {str(out)!r}: it is a folder; give a file name.")
    if not folder.is_dir():
        raise DataError(
            f"Cannot write {str(out)!r}: the folder {str(folder)!r} does not exist; "
            f"create it or choose another --out."
        )


def _write(out: Path, content: bytes) -> None:
    try:
        out.write_bytes(content)
    except OSError as error:
        raise DataError(
            f"Cannot write {str(out)!r}: {error.strerror or error}; choose a folder you can "
            f"write to with --out."
        ) from None


def cmd_export(args: argparse.Namespace) -> int:
    """Write the findings as slides, or the indicator's table, to ``--out``."""
    out = Path(args.out)
    fmt = _format_of(args.format, out)
    _check_writable(out)
    if args.limit is not None and args.limit < 1:
        raise DataError(f"--limit must be at least 1, got {args.limit}.")
    place = open_place(args.place)
    indicator_id = args.indicator or next(iter(place.indicators))
    grouping_id = args.grouping or place.default_grouping
    index = AreaIndex.for_place(place)
    found = (
        ranked_findings(place, indicator_id, grouping_id, index=index)
        if fmt in SLIDE_FORMATS
        else None
    )
    content = export_bytes(
        place, indicator_id, grouping_id, fmt, limit=args.limit, threshold=args.threshold,
        findings=found, index=index,
    )  # fmt: skip
    _write(out, content)
    print(f"Wrote {out} ({fmt}, {len(content):,} bytes).")
    return 0


# --------------------------------------------------------------------------------------
# scan: the findings store
# --------------------------------------------------------------------------------------


def default_workers() -> int:
    """Local worker processes a scan starts by default: one per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(
    workers: int | None = None, scheduler: str | None = None, timeout: float = 30
) -> Iterator[Any]:
    """Where a scan runs: a Dask client, or None for this process.

    Parameters
    ----------
    workers : int, optional
        Without ``scheduler``: how many local worker processes to start (default
        :func:`default_workers`; 0 runs the scan in this process, without Dask). With
        ``scheduler``: wait until that many workers have joined before starting.
    scheduler : str, optional
        Address of an existing ``dask.distributed`` scheduler, e.g. ``tcp://10.0.0.5:8786``.
    timeout : float
        Seconds to keep trying to reach the scheduler.

    Raises
    ------
    DataError
        If the scheduler cannot be reached, or the workers do not join within two minutes.
    """
    if workers is not None and workers < 0:
        raise DataError(f"--workers must be 0 or more, got {workers}.")
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{timeout}s")
        except (OSError, TimeoutError) as error:
            raise DataError(
                f"Cannot reach the Dask scheduler at {scheduler} ({error}). Check the address "
                f"(tcp://HOST:PORT, as `dask scheduler` prints it) and that it is running."
            ) from None
        try:
            if workers:
                try:
                    client.wait_for_workers(workers, timeout=120)
                except TimeoutError:
                    raise DataError(
                        f"Fewer than {workers} workers joined the Dask scheduler at {scheduler} "
                        f"within two minutes; start them with `dask worker {scheduler}`."
                    ) from None
            yield client
        finally:
            client.close()
        return
    if workers == 0:
        yield None
        return
    with (
        _bare_main_module(),
        LocalCluster(
            n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        yield client


@contextmanager
def _bare_main_module() -> Iterator[None]:
    """While local Dask workers run, give them a ``__main__`` with nothing to run.

    Local workers are started with multiprocessing's *spawn*, which runs the parent's
    ``__main__`` again in each worker when it is a script file. ``python -m insight`` is
    safe (a module, guarded), but a host whose ``__main__`` is a script without a guard is
    not: after Streamlit has run ``app.py`` in this process (AppTest does), each worker
    would run the whole app, building and scanning the demo, before taking a task.
    """
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if main is None or getattr(main, "__file__", None) is None or spec is not None:
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class ScanOutcome:
    """What :func:`scan_place` did: the scan's result and where the store was written."""

    def __init__(self, place: Place, result: scan.ScanResult, path: Path | None, kept: int):
        self.place = place
        self.result = result
        self.path = path
        self.kept = kept


def scan_place(
    place: Place | str,
    indicators: Sequence[str] | None = None,
    groupings: Sequence[str] | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    only_missing: bool = False,
    progress=None,
) -> ScanOutcome:
    """Scan a stored place and write its findings store (see ``python -m insight scan``).

    Pairs scanned replace those in the store; the others are kept while the store is
    current (same place content, same engine), and dropped when it is not.

    Parameters
    ----------
    place : Place or str
        The place (as loaded) or its id (loaded here, the demo built first if needed).
    indicators, groupings : sequence of str, optional
        Only these (default: all).
    workers, scheduler
        Where to run (:func:`dask_client`).
    only_missing : bool
        Scan only the pairs the current store does not hold (what a build does).
    progress : callable, optional
        ``progress(fraction, message)``.
    """
    if isinstance(place, str):
        place = open_place(place)
    ref = place_ref(place.id)
    tasks = scan.scan_tasks(place, indicators, groupings)
    previous = findings_store.read_findings(
        place.id, engine=scan.ENGINE_VERSION, content_hash=ref.content_hash
    )
    if only_missing and previous is not None:
        done = previous.done()
        tasks = [t for t in tasks if t.key not in done]
    if not tasks:
        return ScanOutcome(place, scan.ScanResult((), 0.0, "nowhere"), None, len(previous.tasks))
    with dask_client(workers, scheduler) as client:
        result = scan.scan(ref, tasks, client=client, progress=progress)
    records, entries = scan.store_content(place, result, previous)
    path = findings_store.write_findings(
        place.id, content_hash=ref.content_hash, engine=scan.ENGINE_VERSION, records=records,
        tasks=entries, schema=scan.STORE_SCHEMA,
    )  # fmt: skip
    return ScanOutcome(place, result, path, len(entries) - len(result.results))


def _report_scan(outcome: ScanOutcome) -> int:
    """Print what a scan did; 1 when a task failed (the store holds the rest)."""
    result = outcome.result
    if outcome.path is None:
        print(f"The findings store of {outcome.place.id!r} is current ({outcome.kept} pairs).")
        return 0
    found = sum(len(r.records) for r in result.results)
    print(
        f"Scanned {explain.plural(len(result.results), 'indicator × grouping pair')} of "
        f"{outcome.place.id!r} in {result.seconds:.1f} s ({result.where}): "
        f"{explain.plural(found, 'finding')}."
    )
    if outcome.kept:
        print(f"Kept {explain.plural(outcome.kept, 'pair')} from the current store.")
    print(f"Findings store: {outcome.path}")
    for failure in result.failures:
        print(f"Error: {failure.task} failed: {failure.error}", file=sys.stderr)
    if result.failures:
        print(
            f"{explain.plural(len(result.failures), 'pair')} failed and are not in the store "
            f"(the pages work them out when asked); the rest were written.",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan every indicator × grouping of a place into its findings store."""
    outcome = scan_place(
        args.place, args.indicator, args.grouping, workers=args.workers,
        scheduler=args.scheduler, progress=_progress_bar(),
    )  # fmt: skip
    return _report_scan(outcome)


def ranked_findings(place: Place, indicator_id: str, grouping_id: str, index=None) -> Findings:
    """The findings of a pair with the engine's defaults: from the place's findings store
    when it is current and holds the pair, else worked out now."""
    try:
        ref = place_ref(place.id)
    except InsightError:
        ref = None
    if ref is not None:
        stored = findings_store.read_findings(
            place.id, engine=scan.ENGINE_VERSION, content_hash=ref.content_hash
        )
        if stored is not None:
            found = scan.StoredFindings(stored).findings(indicator_id, grouping_id)
            if found is not None:
                return found
    return findings(place, indicator_id, grouping_id, index=index)


# --------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------


def _add_place(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--place", default=DEMO_ID, help="place id (default: the demo)")


def _add_where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run on this existing dask.distributed scheduler's workers",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=(
            f"local worker processes (default: one per CPU, here {default_workers()}; 0: in "
            "this process); with --scheduler, wait for N workers to join"
        ),
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m insight``."""
    parser = argparse.ArgumentParser(prog="python -m insight", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build the demo cache or a place from a TOML file")
    build.add_argument("config", nargs="?", help="place.toml (default: build the demo)")
    build.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    build.add_argument(
        "--no-scan", action="store_true", help="do not scan the place into its findings store"
    )
    _add_where(build)
    build.set_defaults(handler=cmd_build)

    scanner = commands.add_parser(
        "scan",
        help="work out every indicator × grouping's findings into the place's findings store",
        description=(
            "Work out the findings of every indicator × grouping of a place (or those given) "
            "and write them to its findings store (findings.parquet in the place's folder), "
            "which the app, slides, exports and the findings command read. Runs on local "
            "worker processes, in this process (--workers 0), or on an existing Dask cluster "
            "(--scheduler). Exit status 1 when a pair failed: the others are still written."
        ),
    )
    scanner.add_argument(
        "--indicator", nargs="+", action="extend", metavar="ID", help="only these indicators"
    )
    scanner.add_argument(
        "--grouping", nargs="+", action="extend", metavar="ID", help="only these groupings"
    )
    _add_where(scanner)
    _add_place(scanner)
    scanner.set_defaults(handler=cmd_scan)

    restore = commands.add_parser(
        "restore", help="go back to the previous version of a place (kept as a backup)"
    )
    restore.add_argument("place_id")
    restore.set_defaults(handler=cmd_restore)

    remove = commands.add_parser("remove", help="remove a place built from officers' files")
    remove.add_argument("place_id")
    remove.set_defaults(handler=cmd_remove)

    clean = commands.add_parser("clean", help="remove temporary folders of stopped builds")
    clean.set_defaults(handler=cmd_clean)

    lookup = commands.add_parser(
        "lookup", help="the area of a postcode (or of every postcode in a file) and its indicators"
    )
    lookup.add_argument("postcode", nargs="?", help='a postcode, e.g. "NN1 1AA"')
    lookup.add_argument("--json", action="store_true", help="print JSON")
    lookup.add_argument("--file", help="a CSV or XLSX file with a column of postcodes")
    lookup.add_argument("--column", help="the postcode column of --file (default: 'postcode')")
    lookup.add_argument("--out", help="the CSV file a batch lookup writes")
    _add_place(lookup)
    lookup.set_defaults(handler=cmd_lookup)

    compare = commands.add_parser(
        "compare", help="each group's value, interval and funnel status (the Compare page)"
    )
    compare.add_argument("--indicator", required=True, help="indicator id, e.g. mt_minutes")
    compare.add_argument("--grouping", required=True, help="grouping id, e.g. lad")
    compare.add_argument(
        "--group", help="only this group and those that touch it (the Compare page's default)"
    )
    compare.add_argument(
        "--similar",
        action="store_true",
        help="with --group: compare with its most similar groups, not those that touch it",
    )
    compare.add_argument(
        "--count", type=int, default=similar.DEFAULT_COUNT, help="how many similar groups"
    )
    compare.add_argument(
        "--neighbours",
        metavar="FILE",
        help="with --group: a CSV of neighbour sets (columns group, neighbour, rank), e.g. CIPFA's",
    )
    compare.add_argument("--json", action="store_true", help="print JSON")
    _add_place(compare)
    compare.set_defaults(handler=cmd_compare)

    found = commands.add_parser(
        "findings",
        aliases=["flags"],
        help="ranked postcode-lottery findings for one indicator and grouping",
    )
    found.add_argument("--indicator", required=True, help="indicator id, e.g. mt_minutes")
    found.add_argument("--grouping", required=True, help="grouping id, e.g. isdn")
    found.add_argument("--format", choices=("text", "csv", "json"), default="text")
    found.add_argument("--limit", type=int, default=None, help="show only the first N findings")
    found.add_argument(
        "--kinds",
        default=",".join(FINDING_KINDS),
        help=f"comma-separated kinds of finding (default: {','.join(FINDING_KINDS)})",
    )
    found.add_argument(
        "--materiality",
        type=float,
        default=None,
        help="smallest border difference worth reporting, in the indicator's units",
    )
    _add_place(found)
    found.set_defaults(handler=cmd_findings)

    trend = commands.add_parser(
        "trend", help="every area's series and Fingertips' recent trend of one indicator"
    )
    trend.add_argument("--indicator", required=True, help="indicator id, e.g. fingertips_90323")
    trend.add_argument("--area", help="only this area (its code)")
    trend.add_argument("--json", action="store_true", help="print JSON")
    _add_place(trend)
    trend.set_defaults(handler=cmd_trend)

    penalty = commands.add_parser(
        "penalty", help="extra journey if limited to services in one's own group"
    )
    penalty.add_argument("--service", required=True, help="service type id, e.g. mt")
    penalty.add_argument("--grouping", required=True, help="grouping id, e.g. isdn")
    penalty.add_argument(
        "--threshold",
        type=float,
        default=PENALTY_THRESHOLD,
        help=f"minutes above which a penalty counts (default {PENALTY_THRESHOLD:g})",
    )
    penalty.add_argument("--json", action="store_true", help="print JSON")
    _add_place(penalty)
    penalty.set_defaults(handler=cmd_penalty)

    export = commands.add_parser(
        "export",
        help="findings as slides (pptx, pdf, png) or an indicator as data (csv, xlsx, geojson)",
        description=(
            "Write the ranked postcode-lottery findings of an indicator as slides "
            "(pptx, pdf, or png: a zip of one image per slide), or the indicator for every "
            "area with its grouping as data (csv, xlsx, geojson in WGS84)."
        ),
    )
    export.add_argument("--indicator", help="indicator id (default: the place's first)")
    export.add_argument("--grouping", help="grouping id (default: the place's default)")
    export.add_argument(
        "--format", help=f"one of {', '.join(FORMATS)} (default: from the extension of --out)"
    )
    export.add_argument("--out", required=True, help="file to write")
    export.add_argument("--limit", type=int, default=5, help="most slides (default 5)")
    export.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="suppress counts from 1 up to below this (default 5)",
    )
    _add_place(export)
    export.set_defaults(handler=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; return the exit status (0 done, 2 bad input or a folder not writable).

    Never a traceback: errors raised on purpose print their message; a reader that goes
    away (``| head``, ``| true``) ends the command quietly; a folder that cannot be written
    says which and what to do.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except BrokenPipeError:
        _detach_stdout()
        return 0
    except InsightError as error:
        _error(f"Error: {error}")
        return 2
    except PermissionError as error:
        where = error.filename or "a file"
        _error(
            f"Error: cannot write {where}: permission denied. Run as a user who may write "
            "there, or point PLACE_INSIGHT_DATA at a folder you can write to."
        )
        return 2
    except FileNotFoundError as error:
        _error(f"Error: file not found: {error.filename}")
        return 2
    except OSError as error:
        _error(f"Error: {error.strerror or error}: {error.filename or ''}".rstrip(": "))
        return 2
    except KeyboardInterrupt:
        return 130


def _error(message: str) -> None:
    with contextlib.suppress(OSError):
        print(message, file=sys.stderr)


def _detach_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so Python's exit flush stays quiet."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
