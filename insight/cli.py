"""Command line: ``python -m insight build | lookup | ...``.

Every command prints plain text by default and JSON with ``--json``; bad input exits
with status 2 and the message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from insight.errors import InsightError
from insight.place import DEMO_ID, Place, load_place

Handler = Callable[[argparse.Namespace], int]


def _progress_bar():
    from tqdm import tqdm

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


def _add_place(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--place", default=DEMO_ID, help="place id (default: the demo)")


def cmd_build(args: argparse.Namespace) -> int:
    """Build the demo cache, or a place from a TOML file."""
    if args.config:
        from insight.sources import build_from_toml

        place, report = build_from_toml(args.config, progress=_progress_bar())
        print(report.as_text())
        print(
            f"Built place {place.id!r} ({len(place.areas):,} areas). Open it with ?place={place.id}"
        )
        return 0
    from insight import demo

    place = demo.load_demo(progress=_progress_bar(), force=args.force)
    print(f"Demo place ready: {len(place.areas):,} areas, {len(place.services):,} stroke units.")
    for key, value in place.quality.items():
        print(f"  {key.replace('_', ' ')}: {value:,}")
    return 0


def lookup_record(place: Place, postcode: str) -> dict:
    """Everything the ``lookup`` command reports for one postcode, as a dict."""
    from insight.geocode import locate

    found = locate(place, postcode)
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
    }
    if "lad" in place.groupings:
        record["lad_code"] = area["lad_code"]
        record["lad_name"] = area["lad_name"]
    return record


def cmd_lookup(args: argparse.Namespace) -> int:
    """Print the area of a postcode, its groupings and every indicator."""
    from insight.explain import fmt_value

    place = open_place(args.place)
    record = lookup_record(place, args.postcode)
    if args.json:
        print(json.dumps(record, indent=2, default=str))
        return 0
    print(f"{record['postcode']} is in {record['area_name']} ({record['area_code']}).")
    if record["placed_in_nearest_area"]:
        print("  (just outside the simplified boundaries: placed in the nearest area)")
    for grouping in record["groupings"].values():
        print(f"  {grouping['title']}: {grouping['name']} ({grouping['code']})")
    print()
    for indicator_id, value in record["indicators"].items():
        indicator = place.indicators[indicator_id]
        print(f"  {indicator.title}: {fmt_value(value, indicator)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m insight``."""
    parser = argparse.ArgumentParser(prog="python -m insight", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build the demo cache or a place from a TOML file")
    build.add_argument("config", nargs="?", help="place.toml (default: build the demo)")
    build.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    build.set_defaults(handler=cmd_build)

    lookup = commands.add_parser("lookup", help="the area of a postcode and its indicators")
    lookup.add_argument("postcode")
    lookup.add_argument("--json", action="store_true", help="print JSON")
    _add_place(lookup)
    lookup.set_defaults(handler=cmd_lookup)

    for register in _extra_commands():
        register(commands, _add_place)
    return parser


def _extra_commands() -> list[Callable]:
    """Subcommands contributed by other modules (``register_cli(commands, add_place)``)."""
    import importlib

    found = []
    for name in ("insight.lottery", "insight.export"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        if hasattr(module, "register_cli"):
            found.append(module.register_cli)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except InsightError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    except FileNotFoundError as error:
        print(f"Error: file not found: {error.filename}", file=sys.stderr)
        return 2
