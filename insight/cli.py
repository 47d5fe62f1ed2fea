"""Command line: every ``python -m insight`` command.

Every command prints plain text by default and JSON with ``--json`` (or ``--format json``);
bad input exits with status 2 and the message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import uvicorn
from tqdm import tqdm

from insight import explain, service
from insight.analysis.findings import FINDING_KINDS
from insight.analysis.penalty import PENALTY_THRESHOLD
from insight.analysis.similar import DEFAULT_COUNT
from insight.errors import DataError, InsightError
from insight.model import DEMO_ID
from insight.present.export import FORMATS
from insight.present.tables import DEFAULT_THRESHOLD


def _progress_bar():
    bars: list[tqdm] = []  # created on the first call, so a cache hit prints nothing

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


def _places() -> service.Places:
    """Where a command's places come from: opened once, the demo's build progress on stderr."""
    return service.Places(progress=_progress_bar())


def _print_json(value: Any) -> None:
    print(json.dumps(service.json_safe(value), indent=2, default=str))


# --------------------------------------------------------------------------------------
# build, lookup
# --------------------------------------------------------------------------------------


def cmd_build(args: argparse.Namespace) -> int:
    """Build the demo cache, or a place from a TOML file; then scan what is not in its store."""
    if args.config:
        place, report = service.building.build_file(args.config, progress=_progress_bar())
        print(report.as_text())
        print(
            f"Built place {place.id!r} ({len(place.areas):,} areas). Open it with ?place={place.id}"
        )
    else:
        place = service.building.build_demo(progress=_progress_bar(), force=args.force)
        print(
            f"Demo place ready: {len(place.areas):,} areas, "
            f"{len(place.services if place.services is not None else ()):,} stroke units."
        )
        for key, value in place.quality.items():
            print(f"  {key.replace('_', ' ')}: {value:,}")
    if args.no_scan:
        return 0
    outcome = service.scan_place(
        place, workers=args.workers, scheduler=args.scheduler, only_missing=True,
        progress=_progress_bar(), scheduler_port=args.scheduler_port, dashboard=args.dashboard,
    )  # fmt: skip
    return _report_scan(outcome)


def cmd_restore(args: argparse.Namespace) -> int:
    """Make a place's previous version current again (after a bad replacement)."""
    version = service.building.restore_place(args.place_id)
    print(f"Place {args.place_id!r} is back to its previous version ({version}).")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove a place built from officers' files (never the demo)."""
    service.building.remove_place(args.place_id)
    print(f"Removed place {args.place_id!r}.")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Remove the temporary folders of builds that were killed."""
    removed = service.building.clean_stopped_builds()
    print(f"Removed {len(removed)} temporary folder(s) of stopped builds.")
    return 0


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
        if out.resolve() == file.resolve():
            raise DataError(f"--out {args.out!r} is the input file; write to another file.")
        partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")  # renamed when complete
        try:
            with partial.open("wb") as handle:  # piece by piece: any length in bounded memory
                rows, problems = service.lookup_csv(
                    args.place, file, handle, args.column, places=_places()
                )
            partial.replace(out)
        except OSError as error:
            raise DataError(
                f"Cannot write {str(out)!r}: {error.strerror or error}; choose a folder you "
                "can write to with --out."
            ) from None
        finally:
            partial.unlink(missing_ok=True)
        print(f"Wrote {out}: {rows:,} rows, {rows - problems:,} placed, "
              f"{problems:,} with a problem (see its 'problem' column).")  # fmt: skip
        return 0
    if not args.postcode:
        raise DataError('Give a postcode (e.g. "NN1 1AA") or --file FILE.csv --out OUT.csv.')
    places = _places()
    record = service.lookup_record(args.place, args.postcode, places=places)
    place = places.place(args.place)
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


def cmd_compare(args: argparse.Namespace) -> int:
    """Print each group's value, interval and funnel status against the benchmark."""
    if (args.similar or args.neighbours) and not args.group:
        raise DataError(
            "--similar and --neighbours need --group (the group to find neighbours of)."
        )
    comparators = "similar" if args.similar or args.neighbours else "touching"
    places = _places()
    record = service.compare_record(
        args.place, args.indicator, args.grouping, args.group, comparators, args.count,
        args.neighbours, places=places,
    )  # fmt: skip
    place = places.place(args.place)
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


def cmd_inequality(args: argparse.Namespace) -> int:
    """Print an indicator by deprivation quantile and its slope index of inequality."""
    if args.group and not args.grouping:
        raise DataError("--group needs --grouping (e.g. --grouping lad --group E06000062).")
    places = _places()
    record = service.inequality_record(
        args.place, args.indicator, args.grouping, args.group, args.quantiles, places=places
    )
    if args.json:
        _print_json(record)
        return 0
    indicator = places.place(args.place).indicator(args.indicator)
    label = explain.interval_label(indicator)
    print(record["sentence"])
    for row in record["quantiles"]:
        interval = explain.fmt_interval(row["lower"], row["upper"], indicator.decimals, label)
        print(f"  {row['label']}: {explain.fmt_value(row['value'], indicator)} {interval}")
    print(f"How this is worked out: {record['method']}")
    return 0


def cmd_findings(args: argparse.Namespace) -> int:
    """Print the ranked findings as text, CSV or JSON."""
    places = _places()
    if args.all:
        return _print_strongest(args, places)
    if not (args.indicator and args.grouping):
        raise DataError(
            "findings needs --indicator and --grouping (one pair), or --all (the strongest "
            "findings across every indicator and grouping)."
        )
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    found = service.pair_findings(
        args.place, args.indicator, args.grouping, kinds=kinds, materiality=args.materiality,
        limit=args.limit, places=places,
    )  # fmt: skip
    place = places.place(args.place)
    table = found.table
    if args.format != "text":
        _print_table(table, args.format)
        return 0
    ind, grp = place.indicator(args.indicator), place.grouping(args.grouping)
    count = "no findings" if table.empty else explain.plural(len(table), "finding")
    print(f"{ind.title} by {explain.lower_first(grp.title)}: {count}")
    for finding in found:
        print(f"\n{finding.rank}. [{finding.label}] {finding.sentence}")
    return 0


def cmd_penalty(args: argparse.Namespace) -> int:
    """Print the boundary penalty summary as text or JSON."""
    places = _places()
    summary = service.penalty_record(
        args.place, args.service, args.grouping, args.threshold, places=places
    )
    place = places.place(args.place)
    if args.json:
        _print_json(summary)
        return 0
    grp = place.grouping(args.grouping)
    stype = place.service_types[args.service]
    print(explain.penalty_summary_text(summary, stype, grp))
    return 0


def cmd_trend(args: argparse.Namespace) -> int:
    """Print every area's series and Fingertips' recent trend (a table, or JSON)."""
    places = _places()
    record = service.trend_record(args.place, args.indicator, args.area, places=places)
    place = places.place(args.place)
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
    content = service.export(
        args.place, args.indicator, args.grouping, fmt, limit=args.limit,
        threshold=args.threshold, places=_places(),
    )  # fmt: skip
    _write(out, content)
    print(f"Wrote {out} ({fmt}, {len(content):,} bytes).")
    return 0


# --------------------------------------------------------------------------------------
# scan: the findings store
# --------------------------------------------------------------------------------------


def _report_scan(outcome: service.ScanOutcome) -> int:
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
    outcome = service.scan_place(
        args.place, args.indicator, args.grouping, workers=args.workers,
        scheduler=args.scheduler, progress=_progress_bar(), places=_places(),
        scheduler_port=args.scheduler_port, dashboard=args.dashboard,
    )  # fmt: skip
    return _report_scan(outcome)


def cmd_serve_api(args: argparse.Namespace) -> int:
    """Serve the read-only JSON API (``/api/v1``) with uvicorn until stopped."""
    if not 0 < args.port < 65536:
        raise DataError(f"--port must be between 1 and 65535, got {args.port}.")
    # By name, not imported: the command line and the API are sibling front ends.
    uvicorn.run(
        "insight.api:create_app", factory=True, host=args.host, port=args.port,
        server_header=False, log_level="info",
    )  # fmt: skip
    return 0


def _print_table(table: pd.DataFrame, form: str) -> None:
    """A findings table as CSV (codes joined by ";") or JSON records, on stdout."""
    if form == "json":
        _print_json(table.to_dict(orient="records"))
        return
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
    for column in ("placebo_steps", "ring_steps"):
        out[column] = out[column].map(lambda steps: ";".join(f"{v:.6g}" for v in steps))
    out.to_csv(sys.stdout, index=False)


def _print_strongest(args: argparse.Namespace, places: service.Places) -> int:
    """``findings --all``: the strongest findings across every pair of the store (the pairs
    it lacks scanned into it first, in this process)."""
    top = args.top if args.top is not None else args.limit
    best = service.strongest_findings(
        args.place, top, scan_missing=True, places=places, progress=_progress_bar()
    )
    place = places.place(args.place)
    if args.format != "text":
        _print_table(best.table, args.format)
        return 0
    count = "no findings" if not len(best) else explain.plural(len(best), "finding")
    print(
        f"The strongest findings of {place.title} across "
        f"{explain.plural(best.pairs, 'indicator × boundary pair')}: {count}"
    )
    for position, finding in enumerate(best, start=1):
        where = explain.finding_where(
            place.indicator(finding.indicator).title, place.grouping(finding.grouping).title
        )
        print(f"\n{position}. [{finding.label}; {where}] {finding.sentence}")
    if best.held_back:
        print("\n" + explain.held_back_sentence(best.held_back))
    return 0


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
            f"local worker processes (default: one per CPU, here {service.default_workers()}; 0: in "
            "this process); with --scheduler, wait for N workers to join"
        ),
    )
    parser.add_argument(
        "--scheduler-port",
        type=int,
        default=0,
        metavar="PORT",
        help="port of the local cluster's scheduler on 127.0.0.1 (default: any free port)",
    )
    parser.add_argument(
        "--dashboard",
        metavar="HOST:PORT",
        help="serve the local cluster's Dask dashboard there, e.g. 127.0.0.1:8787 (default: none)",
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
    compare.add_argument("--count", type=int, default=DEFAULT_COUNT, help="how many similar groups")
    compare.add_argument(
        "--neighbours",
        metavar="FILE",
        help="with --group: a CSV of neighbour sets (columns group, neighbour, rank), e.g. CIPFA's",
    )
    compare.add_argument("--json", action="store_true", help="print JSON")
    _add_place(compare)
    compare.set_defaults(handler=cmd_compare)

    unequal = commands.add_parser(
        "inequality",
        help="an indicator by deprivation fifth, and its slope index of inequality",
    )
    unequal.add_argument("--indicator", required=True, help="indicator id, e.g. fuel_poverty")
    unequal.add_argument("--grouping", help="grouping id of --group, e.g. lad")
    unequal.add_argument(
        "--group", help="only the areas of this group (quantiles stay the place's)"
    )
    unequal.add_argument(
        "--quantiles", type=int, choices=(5, 10), default=5, help="fifths (5) or tenths (10)"
    )
    unequal.add_argument("--json", action="store_true", help="print JSON")
    _add_place(unequal)
    unequal.set_defaults(handler=cmd_inequality)

    found = commands.add_parser(
        "findings",
        aliases=["flags"],
        help="ranked postcode-lottery findings for one indicator and grouping, or across all",
    )
    found.add_argument("--indicator", help="indicator id, e.g. mt_minutes")
    found.add_argument("--grouping", help="grouping id, e.g. isdn")
    found.add_argument(
        "--all",
        action="store_true",
        help="the strongest findings across every indicator and grouping of the findings "
        "store (tested differences first; error control across the whole store)",
    )
    found.add_argument("--top", type=int, default=None, help="with --all: the first N")
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

    api = commands.add_parser(
        "serve-api",
        help="serve the read-only JSON API (/api/v1, described by /api/v1/openapi.json)",
        description=(
            "Serve the read-only JSON API: places, indicators, groupings, compare, findings, "
            "trend and postcode lookup under /api/v1, described by /api/v1/openapi.json. "
            "Put it behind a reverse proxy with a rate limit (deploy/api.py) when "
            "it is public; PLACE_INSIGHT_API_CORS lists browser origins allowed to call it."
        ),
    )
    api.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    api.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    api.set_defaults(handler=cmd_serve_api)
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
