"""First start and restart of the app, measured in a real browser (for ``bench/run.py``).

A first start is ``streamlit run app.py`` on an empty data folder: the demo is built (its
postcode index too) and its findings scanned. It is timed from the start command until a
fresh browser shows Home's first finding, then until the background scan is done (the
progress bar gone). The baseline is the same code with the private flag
``PLACE_INSIGHT_BENCH_SCAN_BEFORE_HOME=1``: every pair scanned before Home opens, as the app
did before, in the same run on the same machine. A restart is a new server process on the
data folder the first start left: Home's server time (``page_after_restart``, AppTest) and a
fresh browser's first finding.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _browser import VIEWPORT, Server

ROOT = Path(__file__).resolve().parent.parent
#: The link under every finding on Home: a finding is on the screen.
FINDING = "See this finding on the map"
#: The start of the progress bar's label (``insight.explain.scan_progress_sentence``).
PROGRESS = "Looking for postcode lotteries:"
#: ``insight.service.background.SCAN_BEFORE_HOME``: the old first start, for the baseline.
SCAN_BEFORE_HOME = "PLACE_INSIGHT_BENCH_SCAN_BEFORE_HOME"
TIMEOUT_S = 3600


def first_findings(browser: Any, url: str, timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    """Open ``url`` in a fresh browser context and wait for Home's first finding.

    Returns the seconds from navigation, whether the progress bar was on the page then,
    and the page and its context (still open: the caller closes the context).
    """
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
    page.get_by_text(FINDING).first.wait_for(timeout=timeout_s * 1000)
    seconds = time.perf_counter() - start
    partial = page.get_by_text(PROGRESS).first.is_visible()
    return {"seconds": seconds, "partial": partial, "page": page, "context": context}


def first_start(browser: Any, folder: Path, baseline: bool) -> dict[str, float | bool]:
    """``streamlit run app.py`` on the empty data ``folder``: seconds from the command to
    the server answering, to Home's first finding, and to the scan being done."""
    env = {"PLACE_INSIGHT_DATA": str(folder)}
    if baseline:
        env[SCAN_BEFORE_HOME] = "1"
    started = time.perf_counter()
    with Server(ROOT / "app.py", ROOT, env=env) as server:
        healthy = time.perf_counter() - started
        seen = first_findings(browser, server.url)
        findings_s = time.perf_counter() - started
        try:  # the frame's fragment runs the page again once the scan is done: the bar goes
            seen["page"].get_by_text(PROGRESS).first.wait_for(
                state="hidden", timeout=TIMEOUT_S * 1000
            )
        finally:
            seen["context"].close()
        complete_s = time.perf_counter() - started
    return {
        "server_up_s": round(healthy, 2),
        "findings_s": round(findings_s, 2),
        "partial_at_first": seen["partial"],
        "complete_s": round(complete_s, 2),
    }


def restart(browser: Any, folder: Path, repeats: int) -> list[float]:
    """Seconds from navigation to Home's first finding in a fresh browser, each time the
    first request of a new server process on ``folder``."""
    runs = []
    for _ in range(repeats):
        with Server(ROOT / "app.py", ROOT, env={"PLACE_INSIGHT_DATA": str(folder)}) as server:
            seen = first_findings(browser, server.url, timeout_s=300)
            seen["context"].close()
            runs.append(round(seen["seconds"], 2))
    return runs


def measure(
    browser: Any, repeats: int, server_time: Callable[[Path], list[dict]]
) -> dict[str, Any]:
    """First start (and its baseline), then restarts on the folder each left.

    ``server_time(folder)`` gives ``page_after_restart`` probe results for Home on that
    data folder (``script_ms``: frame() to the end of Home's first run in a fresh process).
    """
    results: dict[str, Any] = {}
    details: dict[str, Any] = {}
    for name, baseline in (("first_start", False), ("first_start_baseline", True)):
        with tempfile.TemporaryDirectory(prefix="place-insight-first-start-") as folder:
            data = Path(folder)
            started = first_start(browser, data, baseline)
            runs = restart(browser, data, repeats)
            server = server_time(data) if not baseline else []
        details[name] = {**started, "restart_first_findings_runs_s": runs, "server": server}
        suffix = "_baseline" if baseline else ""
        results[f"first_start_findings{suffix}_s"] = started["findings_s"]
        results[f"first_start_complete{suffix}_s"] = started["complete_s"]
        results[f"restart_first_findings{suffix}_s"] = float(statistics.median(runs))
        if server:
            results["restart_home_server_ms"] = float(
                statistics.median(r["script_ms"] for r in server)
            )
    results["first_start_findings_ratio"] = (
        results["first_start_findings_s"] / results["first_start_findings_baseline_s"]
    )
    return {**results, "details": {"first_start": details}}
