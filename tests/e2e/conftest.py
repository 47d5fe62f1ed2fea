"""Fixtures of the browser tests: Debian's chromium through Playwright, a Streamlit server.

Every test here skips, saying why, only when no chromium is installed (``scripts/test``
installs it as root) or the playwright package is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import CHROMIUM, LAUNCH_ARGS, VIEWPORTS, Page, streamlit_server


@pytest.fixture(scope="session", autouse=True)
def sync_api():
    """Playwright's sync API, once chromium is known to be there (set up before the rest)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "Debian chromium is not installed "
            "(apt-get install chromium; scripts/test does it as root)"
        )
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="session")
def browser(sync_api):
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def server(demo_place):
    """A Streamlit server on the demo place (already built by the demo_place fixture)."""
    with streamlit_server() as base:
        yield base


@pytest.fixture()
def desktop(browser):
    page = Page(browser, VIEWPORTS["desktop"])
    yield page
    page.close()
