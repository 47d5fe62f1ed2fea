"""The public recipe of ``deploy/``: two app processes behind Debian's nginx, in a browser.

``deploy/cluster.py`` starts two Streamlit processes in public mode sharing one places
folder, and nginx in front of them on 127.0.0.1 (websockets, sticky route cookie,
failover). An officer signs in through the proxy (the test's OpenID Connect provider) and
uploads a place through whichever process the proxy chose; the place then opens in both
processes. One process is stopped: new visitors are still served, and the health check
still answers.

Runs where nginx is installed (``scripts/test`` installs it as root) and chromium is.
"""

from __future__ import annotations

import re
import shutil
import sys
import urllib.request
from pathlib import Path

import pytest
from harness import VIEWPORTS, Page, free_port, linked_data_dir
from oidc_provider import oidc_provider, secrets_toml

from insight.data.sources import config_to_toml
from insight.data.store import place_dir

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "tests"))
import cluster  # noqa: E402
from hostile import BASE, base_files  # noqa: E402

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
        reason="nginx is not installed (apt-get install nginx; scripts/test does it as root)",
    ),
]
OFFICER = "ann@council.gov.uk"
UPLOAD = "[data-testid='stFileUploader']"


def health(url: str) -> int:
    with urllib.request.urlopen(url + "_stcore/health", timeout=10) as response:
        return response.status


def test_two_processes_behind_nginx(tmp_path, demo_place, browser, sync_api):
    data = linked_data_dir(tmp_path / "data", place_dir(demo_place.id))
    listen = f"127.0.0.1:{free_port()}"
    proxy = f"http://{listen}/"
    with oidc_provider(free_port()) as provider:
        secrets = tmp_path / "secrets.toml"  # one file, one cookie secret, every process
        secrets.write_text(secrets_toml(proxy, provider, "public", [OFFICER]))
        with cluster.start(
            listen=listen,
            ports=[free_port(), free_port()],
            data=data,
            run_dir=tmp_path / "run",
            secrets=secrets,
        ) as running:
            assert health(proxy) == 200
            page = Page(browser, VIEWPORTS["desktop"])
            try:
                # A visitor through the proxy: the public dashboard, websockets and all.
                page.open(proxy + "your-area?postcode=NN1+1AA")
                main = page.page.locator("[data-testid='stMain']")
                sync_api.expect(main).to_contain_text("West Northamptonshire", timeout=60_000)
                page.assert_healthy()

                # An officer signs in through the proxy and uploads a place through
                # whichever process the route cookie chose.
                page.open(proxy + "data")
                assert page.page.locator(UPLOAD).count() == 0
                page.page.get_by_role("button", name="Sign in as an officer").click()
                page.page.wait_for_selector("text=Council sign-in", timeout=30_000)
                page.page.get_by_label("Email").fill(OFFICER)
                page.page.get_by_role("button", name="Sign in").click()
                page.page.wait_for_url(proxy + "**", timeout=30_000)
                page.settle()
                page.open(proxy + "data")
                sync_api.expect(main).to_contain_text(
                    # an address is shown with a word joiner before its @ (not a mailto: link)
                    re.compile("Signed in as ann\u2060?@council\\.gov\\.uk"),
                    timeout=30_000,
                )
                folder = tmp_path / "upload"
                folder.mkdir()
                for name, content in base_files().items():
                    (folder / name).write_bytes(content)
                config = dict(BASE, place={"id": "shared-wards", "title": "Shared test wards"})
                page.page.get_by_role("textbox", name="place.toml").fill(config_to_toml(config))
                page.page.locator(UPLOAD).last.locator("input[type=file]").set_input_files(
                    sorted(str(p) for p in folder.iterdir())
                )
                for name in base_files():
                    sync_api.expect(page.page.locator(UPLOAD).last).to_contain_text(name)
                page.page.get_by_role("button", name="Check and build").click()
                sync_api.expect(main).to_contain_text("Built Shared", timeout=120_000)
                page.assert_healthy()
            finally:
                page.close()

            # The place, built by one process, opens in each (the same places folder).
            for i in range(2):
                direct = Page(browser, VIEWPORTS["desktop"])
                try:
                    direct.open(running.app_url(i) + "map?place=shared-wards")
                    picker = direct.page.locator("[data-testid='stSidebar']").get_by_role(
                        "combobox", name="Place"
                    )
                    sync_api.expect(picker).to_have_value("Shared test wards")
                    direct.assert_healthy()
                finally:
                    direct.close()

            # One process stops: new sessions are still served through the proxy.
            running.apps[0].terminate()
            running.apps[0].wait(timeout=30)
            assert health(proxy) == 200
            for visit in range(3):  # fresh visitors: new route cookies, some for the dead one
                visitor = Page(browser, VIEWPORTS["phone"])
                try:
                    visitor.open(proxy + "map?place=shared-wards")
                    sync_api.expect(visitor.page.locator("[data-testid='stMain'] h1")).to_have_text(
                        "Map"
                    )
                    visitor.assert_healthy()
                    if visit == 0:
                        visitor.screenshot("proxy-map-after-one-process-stopped-phone")
                finally:
                    visitor.close()
