"""What the browser tests share: a fresh Streamlit server, Debian's chromium, a watched page.

Used by the ``conftest.py`` fixtures and the tests of this folder. Nothing here is a test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
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
VIEWPORTS = {"desktop": {"width": 1400, "height": 1000}, "phone": {"width": 390, "height": 844}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(
    timeout_s: float = 60,
    *,
    port: int | None = None,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    wait: bool = True,
) -> Iterator[Any]:
    """A fresh ``streamlit run app.py`` on a free port; yields its base URL (ending in /).

    It waits for the port to accept connections without sending any HTTP request, so the
    first request the server sees is the test's own (as after a real restart). ``args``
    are more ``streamlit run`` options (e.g. ``--secrets.files``); ``env`` more environment.
    With ``wait=False`` it yields at once a function that waits and returns the URL, so
    that several servers can start side by side.
    """
    with streamlit_process(timeout_s, port=port, args=args, env=env, wait=wait) as (base, _):
        yield base


@contextlib.contextmanager
def streamlit_process(
    timeout_s: float = 60,
    *,
    port: int | None = None,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    wait: bool = True,
) -> Iterator[tuple[Any, subprocess.Popen]]:
    """As :func:`streamlit_server`, yielding the base URL (or, with ``wait=False``, a
    function that waits for it) and the process (to stop it)."""
    port = port or free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / f"streamlit-{port}.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            *args,
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    deadline = time.time() + timeout_s

    def listening() -> str:
        while True:
            if process.poll() is not None:
                tail = (ARTIFACTS / f"streamlit-{port}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"streamlit stopped ({process.returncode}): {tail}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return f"http://127.0.0.1:{port}/"
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"streamlit did not listen on port {port}") from None
                time.sleep(0.3)

    try:
        yield (listening() if wait else listening), process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def linked_data_dir(folder: Path, demo_folder: Path) -> Path:
    """A ``PLACE_INSIGHT_DATA`` folder in ``folder`` holding the built demo (linked, never
    rebuilt) and the postcode index, and no other place."""
    (folder / "cache").mkdir(parents=True, exist_ok=True)
    (folder / "cache" / "demo").symlink_to(demo_folder, target_is_directory=True)
    (folder / "cache" / "postcodes").symlink_to(
        demo_folder.parent / "postcodes", target_is_directory=True
    )
    return folder


class Page:
    """A browser page that records console errors, failed and off-machine requests."""

    def __init__(self, browser, viewport: dict) -> None:
        self.page = browser.new_page(viewport=viewport)
        self.console_errors: list[str] = []
        self.bad_responses: list[str] = []
        self.external: list[str] = []
        self.page.on(
            "console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None
        )
        self.page.on(
            "response", lambda r: self.bad_responses.append(r.url) if r.status >= 400 else None
        )
        self.page.on("request", self._request)

    def _request(self, request) -> None:
        if not request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            self.external.append(request.url)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.settle()

    def settle(self, timeout_ms: int = 90_000) -> None:
        """Wait until Streamlit has finished running the script (and any rerun it asked for)."""
        idle = "[data-testid='stApp'][data-test-script-state='notRunning']"
        for _ in range(2):  # a run can end by asking for another (st.rerun, URL state)
            self.page.wait_for_timeout(700)
            self.page.wait_for_selector(idle, timeout=timeout_ms)
        self.page.wait_for_timeout(300)

    def assert_healthy(self) -> None:
        exceptions = self.page.locator("[data-testid='stException']")
        assert exceptions.count() == 0, exceptions.first.inner_text()
        # Deep links make Streamlit's frontend probe <page>/_stcore/health before the root:
        # those 404s are Streamlit's own and harmless. Anything else is a failure.
        unexpected = [u for u in self.bad_responses if "/_stcore/" not in u]
        assert not unexpected, unexpected
        probe_errors = len(self.bad_responses) - len(unexpected)
        other_errors = [e for e in self.console_errors if "Failed to load resource" not in e]
        assert not other_errors, other_errors
        assert len(self.console_errors) - len(other_errors) <= probe_errors, self.console_errors
        assert not self.external, f"requests left the machine: {self.external}"

    def screenshot(self, name: str, heading: str | None = None) -> None:
        """Save a screenshot; with ``heading``, scrolled so that heading is at the top."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if heading is not None:
            self.page.get_by_role("heading", name=heading).first.evaluate(
                "element => element.scrollIntoView({block: 'start'})"
            )
            self.page.wait_for_timeout(300)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.page.close()
