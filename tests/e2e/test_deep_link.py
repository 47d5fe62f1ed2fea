"""A page URL as the very first request after a server start gets the whole app frame.

Streamlit runs a page of ``pages/`` on its own for such a request (``app.py`` does not run
first), so each page draws the frame itself (``ui/frame.py``). Every test here starts its own
fresh server and opens the deep link before anything else has touched it.
"""

from __future__ import annotations

import contextlib

import pytest
from harness import VIEWPORTS, Page, streamlit_server

from ui.frame import PAGES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LINKS = [page.title for page in PAGES]


def assert_frame(page: Page, sync_api, title: str) -> None:
    """The page title, our sidebar links and the place picker; not Streamlit's own list."""
    browser_page = page.page
    sync_api.expect(browser_page).to_have_title(f"{title} · Place Insight")
    heading = browser_page.locator("[data-testid='stMain'] h1").first
    sync_api.expect(heading).to_have_text(title)
    sidebar = browser_page.locator("[data-testid='stSidebar']")
    links = sidebar.locator("[data-testid='stPageLink-NavLink']")
    # Each link's text is its icon's name (a ligature) then its label.
    assert [text.strip().splitlines()[-1] for text in links.all_inner_texts()] == LINKS
    for href in [links.nth(i).get_attribute("href") for i in range(links.count())]:
        assert href.endswith("?place=demo"), href
    sync_api.expect(sidebar.get_by_role("combobox", name="Place")).to_have_value(
        "England and Wales stroke services (demo)"
    )
    sync_api.expect(sidebar).to_contain_text("Nothing is sent anywhere.")
    assert browser_page.locator("[data-testid='stSidebarNav']").count() == 0


#: The first requests the tests below make, one fresh server each.
FIRST_REQUESTS = 3


@pytest.fixture(scope="module")
def fresh_servers(demo_place):
    """Servers nothing has talked to yet (the demo place is already built and cached),
    started together so that they boot side by side rather than one per test."""
    with contextlib.ExitStack() as stack:
        started = [stack.enter_context(streamlit_server(wait=False)) for _ in range(FIRST_REQUESTS)]
        yield [wait() for wait in started]


@pytest.fixture()
def fresh_server(fresh_servers):
    """One of :func:`fresh_servers`, used by this test alone."""
    if not fresh_servers:
        pytest.fail(f"more tests here than FIRST_REQUESTS ({FIRST_REQUESTS}) fresh servers")
    return fresh_servers.pop()


def test_map_as_first_request_has_the_frame_and_its_links_work(fresh_server, browser, sync_api):
    page = Page(browser, VIEWPORTS["desktop"])
    try:
        page.open(fresh_server + "map")
        assert_frame(page, sync_api, "Map")
        assert page.page.url.startswith(fresh_server + "map?")  # the view's state, kept in the URL
        sidebar = page.page.locator("[data-testid='stSidebar']")
        sync_api.expect(sidebar.get_by_role("combobox", name="Indicator")).to_be_visible()
        page.assert_healthy()

        sidebar.get_by_role("link", name="Compare").click()
        page.page.wait_for_function("location.pathname.endsWith('/compare')", timeout=30_000)
        page.settle()
        assert_frame(page, sync_api, "Compare")
        assert "place=demo" in page.page.url
        page.assert_healthy()
    finally:
        page.close()


@pytest.mark.parametrize(
    ("path", "title", "expected"),
    [
        ("your-area?postcode=NN1%201AA", "Your area", "West Northamptonshire"),
        ("compare", "Compare", "95% CI"),
    ],
)
def test_another_page_as_first_request_has_the_frame(
    fresh_server, browser, sync_api, path, title, expected
):
    page = Page(browser, VIEWPORTS["desktop"])
    try:
        page.open(fresh_server + path)
        assert_frame(page, sync_api, title)
        main = page.page.locator("[data-testid='stMain']")
        sync_api.expect(main).to_contain_text(expected, timeout=30_000)
        page.assert_healthy()
    finally:
        page.close()
