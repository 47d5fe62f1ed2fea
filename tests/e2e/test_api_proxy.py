"""The API's recipe in ``deploy/``: ``python -m insight serve-api`` behind nginx with a rate
limit. Answers pass through unchanged; beyond the limit an address gets 429 as JSON with
the fix; anything but GET is refused as JSON.

Runs where nginx is installed (``scripts/test`` installs it as root)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import httpx
import pytest
from harness import free_port, linked_data_dir

from insight.data.store import place_dir

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import api as api_recipe  # noqa: E402

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
        reason="nginx is not installed (apt-get install nginx; scripts/test does it as root)",
    ),
]


def test_the_api_behind_nginx_is_rate_limited(tmp_path, demo_place) -> None:
    data = linked_data_dir(tmp_path / "data", place_dir(demo_place.id))
    listen = f"127.0.0.1:{free_port()}"
    base = f"http://{listen}/api/v1"
    with (
        api_recipe.start(listen=listen, api_port=free_port(), data=data,
                         run_dir=tmp_path / "run", rate=2, burst=3),
        httpx.Client(timeout=30) as client,
    ):  # fmt: skip
        first = client.get(f"{base}/places")
        assert first.status_code == 200 and first.json()[0]["id"] == "demo"
        assert first.headers["cache-control"] == "public, max-age=300"
        answers = [client.get(f"{base}/places") for _ in range(12)]
        refused = [a for a in answers if a.status_code == 429]
        assert refused and answers[0].status_code == 200
        assert refused[0].json()["error"]["fix"].startswith("Wait a second and try again")
        assert refused[0].headers["retry-after"] == "1"
        posted = client.post(f"{base}/places", content=b"{}")
        assert posted.status_code in (405, 429) and "error" in posted.json()
        elsewhere = client.get(f"http://{listen}/etc/passwd")
        assert elsewhere.status_code in (404, 429) and "error" in elsewhere.json()
