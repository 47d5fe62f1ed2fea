"""Peak memory of the batch postcode lookup on the whole ONS directory (issue 23, point 9).

    nice -n 10 python bench/bench_lookup_memory.py            # all England and Wales postcodes
    nice -n 10 python bench/bench_lookup_memory.py --whole    # and the unstreamed path, compared
    nice -n 10 python bench/bench_lookup_memory.py --rows 200000   # a seeded sample, quicker

Writes every postcode of England and Wales in the installed ONS directory (2,406,090 in
the 2026 package, the directory the demo reads) to a CSV with one ``postcode`` column,
then runs ``python -m insight lookup --file IN --out OUT`` under ``/usr/bin/time -v`` and
reports its maximum resident set size (target: under 1 GB) and wall time. ``--whole``
also runs the lookup of the whole file as one table (``lookup_csv`` with
``chunk_rows=None``, what the lookup did before it streamed) under the same measure, and
checks the two CSV files are the same bytes. Prints one JSON line of figures.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 1024
WHOLE = (
    "import sys; from pathlib import Path; from insight import service\n"
    "with open(sys.argv[2], 'wb') as out:\n"
    "    service.lookup_csv('demo', Path(sys.argv[1]), out, chunk_rows=None)\n"
)


def write_directory(path: Path, rows: int | None, seed: int) -> int:
    """Every England and Wales postcode of the directory (or a seeded sample) as a CSV."""
    sys.path.insert(0, str(ROOT))
    from insight.data import postcodes

    table = postcodes.all_postcodes()
    chosen = table[table["lad_code"].fillna("").str.match(r"^[EW]")][["postcode"]]
    if rows is not None:
        chosen = chosen.sample(n=rows, random_state=seed)
    chosen.to_csv(path, index=False)
    return len(chosen)


def measured(command: list[str]) -> dict[str, float]:
    """Run ``command`` under ``/usr/bin/time -v``: its peak RSS (MB) and wall seconds."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", *command],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"{command} failed:\n{done.stderr[-2000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", done.stderr)
    seconds = 0.0
    for part in wall.group(1).split(":") if wall else []:
        seconds = seconds * 60 + float(part)
    return {"peak_mb": int(peak.group(1)) / 1024 if peak else float("nan"), "wall_s": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="a seeded sample of this many postcodes")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--whole", action="store_true", help="also the unstreamed path")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="place-insight-lookup-") as folder:
        source = Path(folder) / "postcodes.csv"
        rows = write_directory(source, args.rows, args.seed)
        load_start = os.getloadavg()
        out = Path(folder) / "streamed.csv"
        command = [sys.executable, "-m", "insight", "lookup", "--file", str(source)]
        streamed = measured([*command, "--out", str(out)])
        figures = {
            "lookup_rows": rows,
            "lookup_peak_mb": round(streamed["peak_mb"]),
            "lookup_wall_s": round(streamed["wall_s"], 1),
            "lookup_target_mb": TARGET_MB,
        }
        if args.whole:
            whole_out = Path(folder) / "whole.csv"
            whole = measured([sys.executable, "-c", WHOLE, str(source), str(whole_out)])
            figures["lookup_whole_peak_mb"] = round(whole["peak_mb"])
            figures["lookup_whole_wall_s"] = round(whole["wall_s"], 1)
            figures["lookup_identical"] = filecmp.cmp(out, whole_out, shallow=False)
        figures["loadavg_start"], figures["loadavg_end"] = load_start, os.getloadavg()
    print(
        f"{rows:,} postcodes: peak {figures['lookup_peak_mb']} MB "
        f"(target under {TARGET_MB} MB), {figures['lookup_wall_s']} s"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
