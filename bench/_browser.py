"""A Streamlit server and a real browser for the map benchmarks.

:class:`Server` runs ``streamlit run <script>`` on a free port in its own process group and
reads its peak memory before stopping it; :func:`open_browser` launches Debian's chromium
through Playwright (never ``playwright install``); :func:`visit` opens one URL in a fresh
browser context (empty HTTP cache), counts what the browser receives through the Chrome
DevTools Protocol (HTTP bodies as sent, gzip included, and websocket frames) and times how
long until the chart has drawn (coloured pixels on its canvas).
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
#: A chart counts as drawn when at least MIN_INK of its pixels are ink (not white or light
#: grey) and that share stays within STABLE_TOLERANCE for STABLE_SAMPLES screenshots
#: spanning at least STABLE_S seconds.
MIN_INK = 0.02
STABLE_TOLERANCE = 0.002
STABLE_SAMPLES = 3
STABLE_S = 1.0
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from ``/proc/<pid>/task/*/children``)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                queue.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def _vm_hwm_kb(pid: int) -> int:
    """Peak resident set size (``VmHWM``) of one process, in kB (0 if it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    """``streamlit run script`` on a free local port; use as a context manager.

    Parameters
    ----------
    script : Path
        The Streamlit script.
    cwd : Path
        Working folder of the server.
    env : dict, optional
        Extra environment variables.
    """

    def __init__(self, script: Path, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.script, self.cwd = script, cwd
        self.env = {**os.environ, **(env or {})}
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen[bytes] | None = None
        self.peak_rss_mb: float | None = None
        self._log_file: Any = None

    def __enter__(self) -> Server:
        self._log_file = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(self.script),
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--server.runOnSave",
                "false",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=self.cwd,
            env=self.env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped together, by our pid
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_healthy(self, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                urllib.request.urlopen(self.url + "_stcore/health", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"streamlit did not start ({self.script}):\n{self.output()[-3000:]}")

    def output(self) -> str:
        """What the server printed so far."""
        if self._log_file is None:
            return ""
        self._log_file.seek(0)
        return self._log_file.read().decode(errors="replace")

    def peak_rss(self) -> float:
        """Peak RSS (MB) of the server and its children, summed (``VmHWM`` from ``/proc``)."""
        if self.process is None:
            return 0.0
        return sum(_vm_hwm_kb(pid) for pid in _descendants(self.process.pid)) / 1024

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.peak_rss_mb = self.peak_rss()
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


@contextmanager
def open_browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright; closed (with its processes) on exit."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError("Debian chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class _Request:
    url: str
    start: float
    end: float | None = None
    wire_bytes: int = 0
    body_bytes: int = 0
    encoding: str = ""


@dataclass
class Traffic:
    """Everything one page received, from Chrome DevTools Protocol network events."""

    requests: dict[str, _Request] = field(default_factory=dict)
    ws_bytes: int = 0
    ws_frames: int = 0
    ws_extensions: str = ""

    def attach(self, cdp: Any) -> None:
        """Listen to the network events of a CDP session (``Network.enable`` sent here)."""
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.dataReceived", self._data)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.on("Network.webSocketHandshakeResponseReceived", self._handshake)
        cdp.send("Network.enable")

    def _sent(self, event: dict) -> None:
        self.requests[event["requestId"]] = _Request(event["request"]["url"], time.perf_counter())

    def _response(self, event: dict) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            headers = {k.lower(): v for k, v in event["response"].get("headers", {}).items()}
            request.encoding = headers.get("content-encoding", "")

    def _data(self, event: dict) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            request.body_bytes += int(event.get("dataLength", 0))

    def _finished(self, event: dict) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            request.end = time.perf_counter()
            request.wire_bytes = int(event.get("encodedDataLength", 0))

    def _failed(self, event: dict) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            request.end = time.perf_counter()

    def _frame(self, event: dict) -> None:
        response = event["response"]
        payload = response.get("payloadData", "")
        if response.get("opcode") == 2:  # binary frames arrive base64-encoded
            self.ws_bytes += len(base64.b64decode(payload))
        else:
            self.ws_bytes += len(payload.encode())
        self.ws_frames += 1

    def _handshake(self, event: dict) -> None:
        headers = {k.lower(): v for k, v in event["response"].get("headers", {}).items()}
        self.ws_extensions = headers.get("sec-websocket-extensions", "")

    def matching(self, part: str) -> list[_Request]:
        """Requests whose URL contains ``part``."""
        return [r for r in self.requests.values() if part in r.url]

    def pending(self, part: str) -> int:
        """How many requests whose URL contains ``part`` have not finished."""
        return sum(r.end is None for r in self.matching(part))


def _ink_share(png: bytes) -> float:
    """Share of pixels that are coloured or dark (not white, light grey or transparent)."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    ink = (spread > 30) | (rgb.max(axis=2) < 160)
    return float(ink.mean()) if ink.size else 0.0


@dataclass
class Visit:
    """What one page visit received and how long it took to draw.

    Attributes
    ----------
    drawn_s : float
        Seconds from navigation until the chart had drawn (see :func:`_drawn_at`).
    geometry_s : float or None
        Seconds until the last request for ``data_part`` finished (None if there was none).
    geometry_wire, geometry_raw : int
        Bytes of the ``data_part`` requests on the wire and decoded.
    ws_bytes, ws_frames : int
        Websocket payload bytes and frames received.
    frontend_wire : int
        Everything else over HTTP (Streamlit's page, scripts, fonts): the same for any page.
    files : list of dict
        Each ``data_part`` request: ``url``, ``wire``, ``raw``, ``encoding``.
    ws_extensions : str
        Negotiated websocket extensions (``permessage-deflate`` would compress frames).
    samples : list of (float, float)
        Screenshots taken while waiting: seconds from navigation and ink share.
    """

    drawn_s: float
    geometry_s: float | None
    geometry_wire: int
    geometry_raw: int
    ws_bytes: int
    ws_frames: int
    frontend_wire: int
    files: list[dict[str, Any]]
    ws_extensions: str
    samples: list[tuple[float, float]]

    @property
    def map_bytes(self) -> int:
        """What the map view costs: its static files plus the websocket traffic."""
        return self.geometry_wire + self.ws_bytes


def _stable_run(samples: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The trailing samples whose ink is within :data:`STABLE_TOLERANCE` of the last one."""
    first = len(samples)
    while first > 0 and abs(samples[first - 1][1] - samples[-1][1]) <= STABLE_TOLERANCE:
        first -= 1
    return samples[first:]


def _drawn_at(
    page: Any, chart: str, traffic: Traffic, wait_for: str | None, start: float, deadline: float
) -> tuple[float, list[tuple[float, float]]]:
    """Seconds from ``start`` (``time.perf_counter()``) until the chart finished drawing.

    Polls screenshots of the chart once it is on the page (and, if ``wait_for`` is given,
    once at least one request for it has been made and all have finished). The chart is drawn
    when its ink share (see :func:`_ink_share`) is at least :data:`MIN_INK` and then stays
    the same for at least :data:`STABLE_SAMPLES` screenshots spanning :data:`STABLE_S` seconds;
    the time is that of the first of those screenshots (when it returned: an element
    screenshot waits for the browser to paint, so it cannot come early). Also returns the
    samples taken, as (seconds from start, ink share; -1 for a failed screenshot).
    """
    locator = page.locator(chart).first
    samples: list[tuple[float, float]] = []
    while time.monotonic() < deadline:
        ready = locator.count() > 0 and (
            wait_for is None or (traffic.matching(wait_for) and traffic.pending(wait_for) == 0)
        )
        if ready:
            try:
                ink = _ink_share(locator.screenshot(timeout=30_000))
            except Exception:  # noqa: S110 - re-rendered mid-screenshot: sample again
                ink = -1.0
            samples.append((round(time.perf_counter() - start, 2), round(ink, 4)))
            stable = _stable_run(samples)
            if (
                len(stable) >= STABLE_SAMPLES
                and stable[0][1] >= MIN_INK
                and stable[-1][0] - stable[0][0] >= STABLE_S
            ):
                return stable[0][0], samples
        page.wait_for_timeout(200)
    raise TimeoutError(f"{chart} did not finish drawing in the time allowed: {samples[-5:]}")


def _settle(page: Any, traffic: Traffic, timeout_ms: int) -> None:
    """Wait until the script has finished (twice: a run can ask for another) and frames stop."""
    for _ in range(2):
        page.wait_for_timeout(700)
        page.wait_for_selector(IDLE, timeout=timeout_ms)
    frames = -1
    while frames != traffic.ws_frames:
        frames = traffic.ws_frames
        page.wait_for_timeout(1000)


def visit(
    browser: Any,
    url: str,
    chart: str,
    data_part: str = "/app/static/",
    wait_for: str | None = None,
    timeout_s: float = 300,
) -> Visit:
    """Open ``url`` in a fresh context and measure it.

    Parameters
    ----------
    browser : playwright Browser
        From :func:`open_browser`.
    url : str
        The page.
    chart : str
        CSS selector of the element to watch for drawing (screenshot for ink).
    data_part : str
        URL fragment of the chart's data files (``/app/static/``); the map view's bytes are
        these plus websocket frames.
    wait_for : str, optional
        URL fragment of files the chart must have fetched before it can have drawn.
    timeout_s : float
        Give up after this long.
    """
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        traffic = Traffic()
        traffic.attach(context.new_cdp_session(page))
        start = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        drawn_s, samples = _drawn_at(page, chart, traffic, wait_for, start, deadline)
        _settle(page, traffic, int(timeout_s * 1000))
        ends = [r.end for r in traffic.matching(data_part) if r.end is not None]
        files = [
            {
                "url": r.url.split("/app/")[-1],
                "wire": r.wire_bytes,
                "raw": r.body_bytes,
                "encoding": r.encoding,
            }
            for r in traffic.matching(data_part)
        ]
        others = [r for r in traffic.requests.values() if data_part not in r.url]
        return Visit(
            drawn_s=drawn_s,
            geometry_s=(max(ends) - start) if ends else None,
            geometry_wire=sum(f["wire"] for f in files),
            geometry_raw=sum(f["raw"] for f in files),
            ws_bytes=traffic.ws_bytes,
            ws_frames=traffic.ws_frames,
            frontend_wire=sum(r.wire_bytes for r in others),
            files=files,
            ws_extensions=traffic.ws_extensions,
            samples=samples,
        )
    finally:
        context.close()
