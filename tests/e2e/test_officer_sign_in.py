"""The officer flow in a real browser against a real OpenID Connect provider on 127.0.0.1.

A public dashboard (``mode = "public"``) with Streamlit's ``st.login`` pointed at the test
provider (``oidc_provider.py``, built with Authlib). A visitor sees no upload form; an
account that is not on the allow-list signs in and is refused, with the reason; an officer
on the list signs in, uploads a place, and it opens on the map, with who uploaded it kept.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from harness import (
    VIEWPORTS,
    Page,
    free_port,
    linked_data_dir,
    streamlit_server,
)
from oidc_provider import oidc_provider, secrets_toml

from insight.data.sources import config_to_toml
from insight.data.store import place_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hostile import BASE, base_files  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
OFFICER = "ann@council.gov.uk"
REFUSED = "eve@evil.example"
UPLOAD = "[data-testid='stFileUploader']"


def as_shown(text: str) -> re.Pattern:
    """``text`` as the page shows it: an e-mail address carries an invisible word joiner
    before its ``@`` (insight.explain.escape_markdown: so it is not made a mailto: link)."""
    return re.compile(re.escape(text).replace("@", "\u2060?@"))


@pytest.fixture(scope="module")
def public_app(tmp_path_factory, demo_place):
    """A public-mode app with sign-in set up, its data folder, and the provider."""
    folder = tmp_path_factory.mktemp("signin")
    data = linked_data_dir(folder / "data", place_dir(demo_place.id))
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    with oidc_provider(free_port()) as provider:
        secrets = folder / "secrets.toml"
        secrets.write_text(secrets_toml(base, provider, "public", [OFFICER]))
        with streamlit_server(
            port=port,
            args=("--secrets.files", str(secrets)),
            env={"PLACE_INSIGHT_DATA": str(data)},
        ):
            yield base, provider, data, folder


def sign_in(page: Page, base: str, email: str, sync_api) -> None:
    """From the Data page: the sign-in button, the provider's form, back on the app."""
    page.open(base + "data")
    page.page.get_by_role("button", name="Sign in as an officer").click()
    page.page.wait_for_selector("text=Council sign-in", timeout=30_000)
    page.page.get_by_label("Email").fill(email)
    page.page.get_by_role("button", name="Sign in").click()
    page.page.wait_for_url(base + "**", timeout=30_000)
    page.settle()
    page.open(base + "data")


def test_visitor_refused_account_and_officer_upload(public_app, browser, sync_api):
    base, provider, data, folder = public_app
    page = Page(browser, VIEWPORTS["desktop"])
    try:
        # A visitor: everything to read, nothing to change, told how officers sign in.
        page.open(base + "data")
        main = page.page.locator("[data-testid='stMain']")
        sync_api.expect(main).to_contain_text("Officers sign in with their council account")
        assert page.page.locator(UPLOAD).count() == 0
        page.screenshot("data-public-visitor-desktop", heading="Use your own data")
        page.assert_healthy()

        # An account that is not on the list signs in, and is refused with the reason.
        sign_in(page, base, REFUSED, sync_api)
        sync_api.expect(main).to_contain_text(
            as_shown(f"{REFUSED} is not on this dashboard's list of officers"), timeout=30_000
        )
        assert page.page.locator(UPLOAD).count() == 0
        page.page.get_by_role("button", name="Sign out").click()
        page.page.wait_for_url(base + "**", timeout=30_000)
        page.settle()

        # An officer on the list signs in and adds a place.
        sign_in(page, base, OFFICER, sync_api)
        sync_api.expect(main).to_contain_text(as_shown(f"Signed in as {OFFICER}"), timeout=30_000)
        page.screenshot("data-signed-in-officer-desktop", heading="Use your own data")
        files = folder / "upload"
        files.mkdir()
        for name, content in base_files().items():
            (files / name).write_bytes(content)
        config = dict(BASE, place={"id": "ann-wards", "title": "Ann's test wards"})
        toml = page.page.get_by_role("textbox", name="place.toml")
        toml.fill(config_to_toml(config))
        # the own-data uploader: the last on the page (the batch postcode lookup comes first)
        page.page.locator(UPLOAD).last.locator("input[type=file]").set_input_files(
            sorted(str(p) for p in files.iterdir())
        )
        for name in base_files():
            sync_api.expect(page.page.locator(UPLOAD).last).to_contain_text(name, timeout=30_000)
        page.page.get_by_role("button", name="Check and build").click()
        sync_api.expect(main).to_contain_text("Built Ann", timeout=120_000)
        page.assert_healthy()

        meta = json.loads(next((data / "places" / "ann-wards").glob("v-*/place.json")).read_text())
        assert meta["upload"]["by"] == OFFICER and meta["upload"]["how"] == "upload"
        assert provider.sign_ins == [REFUSED, OFFICER]

        page.open(base + "map?place=ann-wards")
        sync_api.expect(main.locator("h1")).to_have_text("Map")
        sync_api.expect(main).to_contain_text("Value")
        page.open(base + "data?place=ann-wards")
        sync_api.expect(main).to_contain_text(as_shown(f"uploaded by {OFFICER}"))
        page.assert_healthy()
    finally:
        page.close()

    # A visitor in a fresh browser: the place is there to read, the uploader is not, and
    # who uploaded it is not shown.
    visitor = Page(browser, VIEWPORTS["phone"])
    try:
        visitor.open(base + "data?place=ann-wards")
        main = visitor.page.locator("[data-testid='stMain']")
        sync_api.expect(main).to_contain_text("uploaded by an officer")
        assert visitor.page.locator(UPLOAD).count() == 0
        visitor.screenshot("data-public-visitor-phone", heading="Sources and licences")
        visitor.assert_healthy()
    finally:
        visitor.close()
