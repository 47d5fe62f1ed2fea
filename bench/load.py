"""Load through the proxy: concurrent Streamlit sessions on the public recipe of ``deploy/``.

    python bench/load.py                       # 10, 25 and 50 sessions on 2 processes
    python bench/load.py --sessions 50 --processes 2 --gc-round 25

Starts ``deploy/cluster.py`` (N public Streamlit processes behind nginx, on 127.0.0.1) on
the demo place, warms each process with one visit of each page (the first visit builds the
national map and the findings; timed as ``load_cold_visit_s``), then for each round starts
that many sessions at once. A session is what a browser does, without the browser:

1. ``GET /`` through the proxy (the route cookie, as a browser gets it);
2. a Streamlit websocket session (``/_stcore/stream``, the protobuf messages of the
   ``streamlit`` package): *Your area* for a postcode (a different real postcode for each
   session), until the script has finished, and then the map files it names, fetched
   through the proxy (compressed, as a browser would);
3. in the same session, *Map* of the whole country, and its map files.

Seconds to content are from the request to the last byte of the last map file of that page.
Meanwhile ``/_stcore/health`` is polled through the proxy every 0.25 s, and every app
process's CPU time and peak memory are read from ``/proc``.

An error is an exception box or an error message on the page (e.g. a postcode not found),
a session that does not finish in ``--timeout`` seconds, a closed websocket, or an HTTP
status over 399. ``--gc-round N`` adds one round with
Streamlit's default garbage collection after every run (``runner.postScriptGC``), which the
shipped configuration turns off, to show what it costs.

Two scenarios: ``council`` (postcodes of one authority and its neighbours, what a
council's public dashboard sees) and ``national`` (anywhere in England and Wales: each
visitor's authority map is drawn for the first time, the worst case). Writes flat keys into
``bench/results.json`` (``load_sessions``, ``load_p95_s``, ``load_errors``,
``load_peak_mb_per_process`` for the largest round of the first scenario, ``load_national_*``
for the other) and every round under ``details.load``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "deploy"))
import cluster  # noqa: E402

RESULTS = BENCH / "results.json"
SEED = 20240601
TARGET = {"sessions": 50, "p95_s": 5.0, "errors": 0}
_STATIC = re.compile(r'"(app/static/[^"]+)"')


@dataclass
class Visit:
    page: str
    seconds: float = 0.0
    script_seconds: float = 0.0
    map_bytes: int = 0
    error: str | None = None


@dataclass
class Round:
    sessions: int
    gc_after_runs: bool = False
    visits: list[Visit] = field(default_factory=list)
    health_s: list[float] = field(default_factory=list)
    health_failures: int = 0
    wall_s: float = 0.0
    cpu_s: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        times = sorted(v.seconds for v in self.visits if v.error is None)
        scripts = sorted(v.script_seconds for v in self.visits if v.error is None)
        errors = [v.error for v in self.visits if v.error] + (
            [f"health check failed {self.health_failures} times"] if self.health_failures else []
        )
        by_page = {}
        for page in ("your-area", "map"):
            chosen = sorted(v.seconds for v in self.visits if v.page == page and not v.error)
            if chosen:
                by_page[page] = {"p50_s": _pct(chosen, 50), "p95_s": _pct(chosen, 95)}
        return {
            "sessions": self.sessions,
            "gc_after_runs": self.gc_after_runs,
            "visits": len(self.visits),
            "p50_s": _pct(times, 50),
            "p95_s": _pct(times, 95),
            "max_s": times[-1] if times else None,
            "script_p95_s": _pct(scripts, 95),
            "by_page": by_page,
            "errors": len(errors),
            "error_examples": errors[:5],
            "wall_s": round(self.wall_s, 2),
            "server_cpu_s": [round(c, 2) for c in self.cpu_s],
            "peak_mb_per_process": [round(m) for m in self.peak_mb],
            "health_p50_s": _pct(sorted(self.health_s), 50),
            "health_max_s": round(max(self.health_s), 3) if self.health_s else None,
            "health_failures": self.health_failures,
            "map_mb_received": round(sum(v.map_bytes for v in self.visits) / 1e6, 1),
        }


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))
    return round(values[index], 3)


# --------------------------------------------------------------------------------------
# One session: Streamlit's websocket protocol, as the browser speaks it
# --------------------------------------------------------------------------------------


async def run_page(ws, client: httpx.AsyncClient, base: str, page: str, query: str) -> Visit:
    """Ask for ``page`` in an open session; wait for the run to finish; fetch its map files."""
    visit = Visit(page)
    started = time.perf_counter()
    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.page_name = page
    await ws.send(message.SerializeToString())
    files: list[str] = []
    while True:
        forward = ForwardMsg()
        forward.ParseFromString(await ws.recv())
        kind = forward.WhichOneof("type")
        if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                visit.error = f"{page}: exception {element.exception.message[:100]}"
            elif which == "alert" and element.alert.format == element.alert.ERROR:
                visit.error = f"{page}: error shown: {element.alert.body[:100]}"
            elif which == "deck_gl_json_chart":
                files += _STATIC.findall(element.deck_gl_json_chart.json)
        elif kind == "script_finished":
            if forward.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                break
            if forward.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                visit.error = f"{page}: compile error"
                break
            files = []  # ended early to run again: its elements are replaced
    visit.script_seconds = time.perf_counter() - started
    for path in dict.fromkeys(files):  # each file once, as a browser (it caches them)
        async with client.stream("GET", base + path) as response:
            if response.status_code >= 400:
                visit.error = f"{page}: {path} gave HTTP {response.status_code}"
            async for chunk in response.aiter_raw():  # compressed, as sent
                visit.map_bytes += len(chunk)
    visit.seconds = time.perf_counter() - started
    return visit


async def session(base: str, postcode: str, timeout_s: float) -> list[Visit]:
    """A visitor: the home page, Your area for a postcode, then the national map."""
    async with httpx.AsyncClient(
        timeout=timeout_s, headers={"Accept-Encoding": "gzip"}, http2=False
    ) as client:
        visits = [Visit("your-area"), Visit("map")]
        try:
            started = time.perf_counter()
            home = await client.get(base)
            home.raise_for_status()
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            url = base.replace("http://", "ws://") + "_stcore/stream"
            async with websockets.connect(
                url,
                subprotocols=["streamlit"],
                origin=base.rstrip("/"),
                additional_headers={"Cookie": cookie},
                max_size=None,
                open_timeout=timeout_s,
            ) as ws:
                page_start = time.perf_counter() - started
                query = f"place=demo&postcode={postcode.replace(' ', '+')}"
                visits[0] = await asyncio.wait_for(
                    run_page(ws, client, base, "your-area", query), timeout_s
                )
                visits[0].seconds += page_start  # the page itself, then the websocket
                visits[1] = await asyncio.wait_for(
                    run_page(ws, client, base, "map", "place=demo&scope=national"), timeout_s
                )
        except Exception as error:  # every failure of a session is counted, not raised
            reason = f"{type(error).__name__}: {str(error)[:100]}"
            for visit in visits:
                if visit.seconds == 0 and visit.error is None:
                    visit.error = reason
        return visits


async def poll_health(base: str, samples: list[float], failures: list[int], stop: asyncio.Event):
    async with httpx.AsyncClient(timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                response = await client.get(base + "_stcore/health")
                if response.status_code != 200:
                    failures.append(response.status_code)
            except Exception:
                failures.append(0)
            samples.append(time.perf_counter() - started)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.25)


async def run_round(base: str, postcodes: list[str], sessions: int, timeout_s: float) -> Round:
    result = Round(sessions)
    stop = asyncio.Event()
    failures: list[int] = []
    health = asyncio.create_task(poll_health(base, result.health_s, failures, stop))
    started = time.perf_counter()
    chosen = [postcodes[i % len(postcodes)] for i in range(sessions)]
    outcomes = await asyncio.gather(*(session(base, p, timeout_s) for p in chosen))
    result.wall_s = time.perf_counter() - started
    stop.set()
    await health
    result.health_failures = len(failures)
    result.visits = [visit for visits in outcomes for visit in visits]
    return result


# --------------------------------------------------------------------------------------
# The servers
# --------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


#: Where the visitors' postcodes come from: a council's own area and its neighbours (West
#: Northamptonshire: what a council's public dashboard sees), or anywhere in England and
#: Wales (the national demo, every visitor in another authority: the worst case).
SCENARIOS = {"council": "E06000062", "national": ""}


def sample_postcodes(count: int, around: str = "") -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "postcodes.txt"
        command = [sys.executable, str(BENCH / "_probe.py"), "sample", str(path), str(count)]
        subprocess.run([*command, str(SEED), around], check=True, capture_output=True)
        return json.loads(path.read_text())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(
    rounds: list[int],
    processes: int,
    timeout_s: float,
    postcodes: list[str],
    data: Path,
    streamlit_defaults: bool = False,
) -> tuple[list[Round], float]:
    """Start a cluster, warm it, and run each round; returns the rounds and the cold visit.

    ``streamlit_defaults`` runs the processes as Streamlit would by default (a full garbage
    collection after every run) and without freezing the places out of the collector's
    sight: what the app did before, to show what blocked the event loop.
    """
    flags = ("--runner.postScriptGC=true",) if streamlit_defaults else ()
    env = {"PLACE_INSIGHT_GC_FREEZE": "0"} if streamlit_defaults else None
    with tempfile.TemporaryDirectory(prefix="place-insight-load-") as folder:
        listen = f"127.0.0.1:{free_port()}"
        with cluster.start(
            listen=listen,
            ports=[free_port() for _ in range(processes)],
            data=data,
            run_dir=Path(folder),
            extra_flags=flags,
            extra_env=env,
        ) as running:
            cold = []
            for i in range(processes):  # warm every process: the first visit builds caches
                started = time.perf_counter()
                visits = asyncio.run(session(running.app_url(i), postcodes[-1], 600))
                cold.append(time.perf_counter() - started)
                bad = [v.error for v in visits if v.error]
                if bad:
                    raise RuntimeError(f"warm-up visit failed: {bad}")
            done = []
            for sessions in rounds:
                pids = [p.pid for p in running.apps]
                before = [cpu_seconds(pid) for pid in pids]
                result = asyncio.run(run_round(running.url, postcodes, sessions, timeout_s))
                result.gc_after_runs = streamlit_defaults
                result.cpu_s = [cpu_seconds(pid) - b for pid, b in zip(pids, before, strict=True)]
                result.peak_mb = [peak_mb(pid) for pid in pids]
                done.append(result)
                print(json.dumps(result.summary()), flush=True)
            return done, max(cold)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="10,25,50", help="comma-separated rounds")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120, help="seconds per page")
    parser.add_argument(
        "--scenarios", default="council,national", help=f"from {', '.join(SCENARIOS)}"
    )
    parser.add_argument(
        "--defaults-round",
        type=int,
        default=0,
        help="sessions of one more round with Streamlit's default post-run GC (council)",
    )
    args = parser.parse_args(argv)
    rounds = [int(n) for n in args.sessions.split(",") if n.strip()]
    scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]

    results: dict[str, tuple[list[Round], float]] = {}
    with tempfile.TemporaryDirectory(prefix="place-insight-load-data-") as folder:
        data = Path(folder)
        (data / "cache").mkdir()
        for name in ("demo", "postcodes"):
            (data / "cache" / name).symlink_to(ROOT / "data" / "cache" / name)
        cluster.build_demo(data)  # the administrator's step; nothing when the cache is current
        load_before = os.getloadavg()
        samples = {name: sample_postcodes(max(rounds) + 1, SCENARIOS[name]) for name in scenarios}
        for name in scenarios:
            print(f"scenario {name}", flush=True)
            results[name] = measure(rounds, args.processes, args.timeout, samples[name], data)
        if args.defaults_round:
            print("scenario council, Streamlit's defaults", flush=True)
            results["defaults"] = measure(
                [args.defaults_round],
                args.processes,
                args.timeout,
                samples.get("council") or sample_postcodes(args.defaults_round + 1, "E06000062"),
                data,
                streamlit_defaults=True,
            )
        load_after = os.getloadavg()

    primary = scenarios[0]
    largest = max(results[primary][0], key=lambda r: r.sessions).summary()
    flat = {
        "load_sessions": largest["sessions"],
        "load_processes": args.processes,
        "load_postcodes": primary,
        "load_p50_s": largest["p50_s"],
        "load_p95_s": largest["p95_s"],
        "load_errors": largest["errors"],
        "load_peak_mb_per_process": max(largest["peak_mb_per_process"]),
        "load_server_cpu_s": round(sum(largest["server_cpu_s"]), 1),
        "load_health_max_s": largest["health_max_s"],
        "load_cold_visit_s": round(results[primary][1], 2),
    }
    for name, (rounds_done, _) in results.items():
        if name == primary:
            continue
        top = max(rounds_done, key=lambda r: r.sessions).summary()
        flat[f"load_{name}_sessions"] = top["sessions"]
        flat[f"load_{name}_p95_s"] = top["p95_s"]
        flat[f"load_{name}_errors"] = top["errors"]
        flat[f"load_{name}_health_max_s"] = top["health_max_s"]
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    details = existing.get("details", {})
    details["load"] = {
        "scenarios": {name: [r.summary() for r in rs] for name, (rs, _) in results.items()},
        "cold_visit_s": {name: round(cold, 2) for name, (_, cold) in results.items()},
        "target": TARGET,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "loadavg_start": load_before,
        "loadavg_end": load_after,
        "command": "python bench/load.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    existing.update(flat)
    existing["details"] = details
    RESULTS.write_text(json.dumps(existing, indent=2))

    print()
    print(f"{'scenario':>10} {'sessions':>8} {'p50 s':>7} {'p95 s':>7} {'errors':>6} "
          f"{'cpu s':>7} {'peak MB':>8} {'health max s':>12}")  # fmt: skip
    for name, (rounds_done, _) in results.items():
        for r in rounds_done:
            row = r.summary()
            print(
                f"{name:>10} {row['sessions']:>8} {row['p50_s'] or 0:7.2f} "
                f"{row['p95_s'] or 0:7.2f} {row['errors']:6d} {sum(row['server_cpu_s']):7.1f} "
                f"{max(row['peak_mb_per_process']):8.0f} {row['health_max_s'] or 0:12.2f}"
            )
    met = (
        largest["sessions"] >= TARGET["sessions"]
        and (largest["p95_s"] or 1e9) < TARGET["p95_s"]
        and largest["errors"] == TARGET["errors"]
    )
    print(
        f"\nTarget ({primary} postcodes): {TARGET['sessions']} sessions on {args.processes} "
        f"processes, p95 under {TARGET['p95_s']} s, no errors: {'met' if met else 'NOT met'}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
