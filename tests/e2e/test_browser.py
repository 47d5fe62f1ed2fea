"""The whole app in a real browser: Playwright driving Debian's chromium.

Starts ``streamlit run app.py`` on a free port, then clicks through every page as a
resident, councillor and officer would, failing on any Streamlit exception box or
console error. Screenshots of every page, at desktop and phone width, are saved to
``tests/artifacts/`` for people to look at.

Skips, saying why, only when no chromium is installed (``scripts/test`` installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

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
PAGES = {
    "home": "",
    "your-area": "your-area?postcode=NN1+1AA",
    "map": "map",
    "compare": "compare",
    "lottery": "lottery",
    "present": "present",
    "data": "data",
}
VIEWPORTS = {"desktop": {"width": 1400, "height": 1000}, "phone": {"width": 390, "height": 844}}

if not Path(CHROMIUM).exists():
    pytest.skip(
        "Debian chromium is not installed (apt-get install chromium; scripts/test does it as root)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server(demo_place):
    """A Streamlit server on the demo place (already built by the demo_place fixture)."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError("streamlit did not start: " + process.stdout.read().decode()[-2000:])
    yield base
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Page:
    """A browser page that records console errors and failed requests."""

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

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.page.close()


@pytest.fixture()
def desktop(browser):
    page = Page(browser, VIEWPORTS["desktop"])
    yield page
    page.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_cleanly_and_is_saved_as_a_screenshot(server, browser, name, viewport):
    page = Page(browser, VIEWPORTS[viewport])
    try:
        page.open(server + PAGES[name])
        page.assert_healthy()
        assert page.page.locator("h1").count() >= 1
        page.screenshot(f"{name}-{viewport}")
    finally:
        page.close()


def test_resident_enters_nn1_1aa_and_sees_west_northamptonshire(server, desktop):
    desktop.open(server)
    desktop.page.get_by_role("textbox", name="Your postcode").fill("nn1 1aa")
    desktop.page.get_by_role("button", name="Show my area").click()
    desktop.page.wait_for_function("location.pathname.endsWith('/your-area')", timeout=30_000)
    desktop.settle()
    main = desktop.page.locator("[data-testid='stMain']")
    sync_api.expect(main).to_contain_text("West Northamptonshire", timeout=30_000)
    sync_api.expect(main).to_contain_text("minutes")
    assert "postcode=" in desktop.page.url
    desktop.assert_healthy()


def test_bad_postcode_gets_a_message_not_a_traceback(server, desktop):
    desktop.open(server + "your-area")
    desktop.page.get_by_role("textbox", name="Postcode").fill("hello")
    desktop.page.get_by_role("button", name="Show my area").click()
    desktop.settle()
    sync_api.expect(desktop.page.locator("[data-testid='stAlert']")).to_contain_text(
        "not a UK postcode"
    )
    desktop.assert_healthy()


def test_map_indicator_change_and_area_click_open_a_card(server, desktop):
    desktop.open(server + "map?scope=group&group=E06000062")
    sidebar = desktop.page.locator("[data-testid='stSidebar']")
    sidebar.get_by_role("combobox", name="Indicator").click()
    desktop.page.get_by_role("option", name="Minutes to the nearest thrombectomy centre").click()
    desktop.settle()
    assert "indicator=mt_minutes" in desktop.page.url
    heading = desktop.page.get_by_role("heading", name="Minutes to the nearest thrombectomy centre")
    sync_api.expect(heading.first).to_be_visible()
    canvas = desktop.page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.wait_for(timeout=30_000)
    desktop.page.wait_for_timeout(3_000)  # let deck.gl fetch the geometry and draw
    box = canvas.bounding_box()
    # Headless chromium draws deck.gl in software; under load a click can land before the
    # picking pass is ready and is dropped, so try a few times (a person would click again).
    for attempt in range(4):
        desktop.page.mouse.click(
            box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 10 * attempt
        )
        try:
            desktop.page.wait_for_function("location.search.includes('area=E0')", timeout=8_000)
            break
        except sync_api.TimeoutError:
            continue
    else:
        pytest.fail("clicking an area on the map never selected it")
    desktop.settle()
    sync_api.expect(desktop.page.locator("[data-testid='stMain']")).to_contain_text(
        "Local authority:"
    )
    desktop.assert_healthy()
    desktop.screenshot("map-area-card-desktop")


def test_a_shared_url_reproduces_the_view(server, desktop):
    desktop.open(
        server
        + "map?indicator=ivt_minutes&scope=local&grouping=lad&group=E06000061&scheme=equal_interval"
    )
    sidebar = desktop.page.locator("[data-testid='stSidebar']")
    indicator = sidebar.get_by_role("combobox", name="Indicator")
    sync_api.expect(indicator).to_have_value("Minutes to the nearest clot-busting stroke unit")
    sync_api.expect(sidebar.get_by_role("combobox", name="Colour bands")).to_have_value(
        "Equal intervals"
    )
    sync_api.expect(desktop.page.locator("[data-testid='stMain']")).to_contain_text(
        "North Northamptonshire"
    )
    desktop.assert_healthy()
