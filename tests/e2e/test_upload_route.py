"""Streamlit's own upload route, pushed at by an anonymous visitor of a public server.

No uploader is drawn for visitors of a public dashboard, but Streamlit answers
``PUT /_stcore/upload_file/<session>/<file>`` for any live session. A real server in public
mode: a visitor opens a session (Streamlit's websocket protocol, as a browser speaks it),
then pushes files straight at the route. Every one is refused with 403 and the server's
memory stays flat. (The per-session cap of sessions that may upload: tests/ui/test_upload_gate.py.)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import websockets.sync.client
from harness import free_port, streamlit_process
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from insight.data.policy import MB

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import cluster  # noqa: E402

pytestmark = [pytest.mark.e2e]
FILE = b"x" * (20 * MB)
NGINX = "/usr/sbin/nginx"


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def open_session(base: str, client: httpx.Client):
    """A visitor's session: the page, the websocket, one run of Home; its session id."""
    client.get(base).raise_for_status()
    client.get(base + "_stcore/health").raise_for_status()  # sets the XSRF cookie
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws = websockets.sync.client.connect(
        base.replace("http://", "ws://") + "_stcore/stream",
        subprotocols=["streamlit"],
        origin=base.rstrip("/"),
        additional_headers={"Cookie": cookie},
        max_size=None,
        open_timeout=30,
    )
    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_name = ""
    ws.send(message.SerializeToString())
    session_id = None
    while True:
        forward = ForwardMsg()
        forward.ParseFromString(ws.recv(timeout=90))
        kind = forward.WhichOneof("type")
        if kind == "new_session":
            session_id = forward.new_session.initialize.session_id
        if kind == "script_finished":
            break
    assert session_id
    return ws, session_id


def push(base: str, client: httpx.Client, session_id: str) -> int:
    """One file PUT at the upload route, as Streamlit's uploader sends it (with the XSRF
    token, which any visitor reads from their own cookie); its HTTP status."""
    response = client.put(
        f"{base}_stcore/upload_file/{session_id}/{uuid.uuid4()}",
        files={"file": ("big.csv", FILE, "text/csv")},
        headers={"X-Xsrftoken": client.cookies["_streamlit_xsrf"]},
    )
    # A refusal must be the gate's (not XSRF, not an unknown session).
    assert response.status_code == 204 or "Upload refused" in response.text, response.text
    return response.status_code


def test_public_server_refuses_every_upload_and_memory_stays_flat(tmp_path):
    env = {"PLACE_INSIGHT_MODE": "public", "PLACE_INSIGHT_DATA": str(tmp_path / "data")}
    with (
        streamlit_process(port=free_port(), env=env) as (base, process),
        httpx.Client(timeout=60) as client,
    ):
        ws, session_id = open_session(base, client)
        try:
            before = rss_mb(process.pid)
            statuses = [push(base, client, session_id) for _ in range(10)]
            after = rss_mb(process.pid)
        finally:
            ws.close()
    assert statuses == [403] * 10
    # 10 files of 20 MB were pushed; none was read, let alone kept.
    assert after - before < 40, (before, after)


@pytest.mark.skipif(
    shutil.which("nginx") is None and not Path(NGINX).exists(),
    reason="nginx is not installed (apt-get install nginx; scripts/test does it as root)",
)
def test_the_nginx_recipe_refuses_anonymous_uploads(tmp_path):
    """deploy/nginx.conf.template: no sign-in cookie, no upload (before any process sees it)."""
    port, upstream = free_port(), free_port()  # nothing listens upstream: 502 if passed on
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        cluster.render_nginx(f"127.0.0.1:{port}", [upstream], tmp_path, ROOT / "static")
    )
    nginx = subprocess.Popen([shutil.which("nginx") or NGINX, "-c", str(conf), "-p", str(tmp_path)])
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=10) as client:
            for _ in range(50):
                try:
                    client.get(base + "/_stcore/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            for path in ("/_stcore/upload_file/s/f", "/data/_stcore/upload_file/s/f"):
                assert client.put(base + path, content=FILE[:1000]).status_code == 403
            signed_in = client.put(
                base + "/_stcore/upload_file/s/f",
                content=b"x",
                cookies={"_streamlit_user": "an officer"},
            )
            assert signed_in.status_code == 502  # passed on to the (absent) app
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
