"""Run Place Insight as a public dashboard: N Streamlit processes behind Debian's nginx.

    python deploy/cluster.py --processes 2 --listen 127.0.0.1:8080 --data /srv/place-insight/data

What it does, in order (stop everything with Ctrl-C or SIGTERM):

1. builds the demo place if it is missing or stale (``python -m insight build``), so that no
   visitor ever causes a build;
2. starts ``--processes`` Streamlit processes on ``127.0.0.1:<first-port + i>``, each in
   public mode (``PLACE_INSIGHT_MODE=public``), sharing ``--data`` (the places) and the
   app's ``static/`` folder (map geometry), with the settings of a public server (no file
   watcher, no error details, loopback only);
3. renders ``deploy/nginx.conf.template`` into ``--run-dir`` and starts nginx in the
   foreground on ``--listen``: websockets, sticky sessions (a route cookie), failover when
   a process is down, map files served from disk.

Officer sign-in (optional) is set up in the secrets file given with ``--secrets``
(the same file, with the same ``cookie_secret``, for every process). For a permanent
installation run this under a service manager (it stops all it started on SIGTERM); the
README's "Deploy a public dashboard" explains it. ``start()`` is what the proxy test uses.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
MIME_TYPES = "/etc/nginx/mime.types"

#: Streamlit settings of a public process (on top of .streamlit/config.toml).
STREAMLIT_FLAGS = (
    "--server.headless=true",
    "--server.address=127.0.0.1",
    "--server.fileWatcherType=none",
    "--server.runOnSave=false",
    "--server.enableXsrfProtection=true",
    "--server.enableStaticServing=true",
    "--client.showErrorDetails=none",
    "--client.toolbarMode=viewer",
    "--runner.postScriptGC=false",
    "--runner.magicEnabled=false",
    "--browser.gatherUsageStats=false",
)


@dataclass
class Cluster:
    """The running processes: app ports and processes, nginx, and where things are."""

    listen: str
    ports: list[int]
    apps: list[subprocess.Popen] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    run_dir: Path = Path(".")

    @property
    def url(self) -> str:
        return f"http://{self.listen}/"

    def app_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}/"


def render_nginx(listen: str, ports: list[int], run_dir: Path, static_dir: Path) -> str:
    """The nginx configuration for ``ports`` behind ``listen``."""
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in ports
    )
    text = TEMPLATE.read_text()
    for key, value in {
        "run_dir": str(run_dir),
        "mime_types": MIME_TYPES,
        "access_log": "off",
        "upstream_servers": servers,
        "listen": listen,
        "static_dir": str(static_dir),
    }.items():
        text = text.replace("{" + key + "}", value)
    return text


def _wait_for_port(port: int, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the process for port {port} stopped ({process.returncode})")
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on port {port} after {timeout_s:.0f} s")
        time.sleep(0.2)


def start_app(
    port: int,
    data: Path,
    secrets: Path | None,
    log: Path,
    extra_env: dict | None = None,
    extra_flags: tuple[str, ...] = (),
) -> subprocess.Popen:
    """One public Streamlit process on ``127.0.0.1:port``."""
    command = [sys.executable, "-m", "streamlit", "run", "app.py", f"--server.port={port}"]
    command += [*STREAMLIT_FLAGS, *extra_flags]
    if secrets is not None:
        command.append(f"--secrets.files={secrets}")
    env = {
        **os.environ,
        "PLACE_INSIGHT_MODE": "public",
        "PLACE_INSIGHT_DATA": str(data),
        **(extra_env or {}),
    }
    with open(log, "ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def start_nginx(config: Path, run_dir: Path) -> subprocess.Popen:
    """nginx in the foreground with ``config`` (its pid, logs and temp files in ``run_dir``)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    with open(run_dir / "nginx-stderr.log", "ab") as out:
        return subprocess.Popen(
            [nginx, "-e", str(run_dir / "nginx-error.log"), "-p", str(run_dir), "-c", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def build_demo(data: Path) -> None:
    """Build the demo into ``data`` if needed: the administrator's step, never a visitor's."""
    subprocess.run(
        [sys.executable, "-m", "insight", "build"],
        cwd=ROOT,
        env={**os.environ, "PLACE_INSIGHT_DATA": str(data)},
        check=True,
    )


@contextlib.contextmanager
def start(
    *,
    processes: int = 2,
    listen: str = "127.0.0.1:8080",
    first_port: int = 8501,
    data: Path,
    run_dir: Path,
    secrets: Path | None = None,
    ports: list[int] | None = None,
    timeout_s: float = 90,
    extra_env: dict | None = None,
    extra_flags: tuple[str, ...] = (),
) -> Iterator[Cluster]:
    """Start the app processes and nginx; stop them all when the block ends."""
    run_dir.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(listen, ports or [first_port + i for i in range(processes)], run_dir=run_dir)
    try:
        for i, port in enumerate(cluster.ports):
            cluster.apps.append(start_app(port, data, secrets, run_dir / f"app-{i}.log", extra_env))
        for port, process in zip(cluster.ports, cluster.apps, strict=True):
            _wait_for_port(port, process, timeout_s)
        config = run_dir / "nginx.conf"
        config.write_text(render_nginx(listen, cluster.ports, run_dir, ROOT / "static"))
        cluster.nginx = start_nginx(config, run_dir)
        host, _, port = listen.rpartition(":")
        _wait_for_port(int(port), cluster.nginx, 30)
        yield cluster
    finally:
        stop(cluster)


def stop(cluster: Cluster) -> None:
    """Stop nginx and every app process (each by its own process id)."""
    for process in [cluster.nginx, *cluster.apps]:
        if process is None or process.poll() is not None:
            continue
        process.send_signal(signal.SIGTERM)
    for process in [cluster.nginx, *cluster.apps]:
        if process is None:
            continue
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2, help="Streamlit processes (2)")
    parser.add_argument("--listen", default="127.0.0.1:8080", help="nginx address:port")
    parser.add_argument("--first-port", type=int, default=8501, help="first app port (8501)")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="places folder")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "deploy" / "run")
    parser.add_argument("--secrets", type=Path, help="secrets.toml with [auth] for sign-in")
    parser.add_argument("--no-build", action="store_true", help="do not build the demo first")
    args = parser.parse_args(argv)
    if not args.no_build:
        build_demo(args.data)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with start(
        processes=args.processes,
        listen=args.listen,
        first_port=args.first_port,
        data=args.data.resolve(),
        run_dir=args.run_dir.resolve(),
        secrets=args.secrets.resolve() if args.secrets else None,
    ) as cluster:
        print(f"Place Insight (public) at {cluster.url} with {len(cluster.ports)} processes.")
        with contextlib.suppress(KeyboardInterrupt):
            while not stopping and cluster.nginx.poll() is None:
                time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
