"""Run the read-only JSON API publicly: ``python -m insight serve-api`` behind nginx.

    python deploy/api.py --listen 0.0.0.0:8081 --data /srv/place-insight/data

Builds the demo first if needed (never on a request), starts the API on
``127.0.0.1:--api-port``, renders ``deploy/nginx-api.conf.template`` into ``--run-dir``
and runs nginx in the foreground on ``--listen``: GET only, ``--rate`` requests a second
per address (bursts of ``--burst``), 429 as JSON beyond. Stop with Ctrl-C or SIGTERM.
``start()`` is what ``tests/e2e/test_api_proxy.py`` uses.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # noqa: E402  (deploy/ is a folder of scripts, not a package)

ROOT = cluster.ROOT
TEMPLATE = Path(__file__).resolve().parent / "nginx-api.conf.template"


def render_nginx(listen: str, api_port: int, run_dir: Path, rate: int, burst: int) -> str:
    """The nginx configuration of the API on ``api_port`` behind ``listen``."""
    text = TEMPLATE.read_text()
    values = {"run_dir": str(run_dir), "listen": listen, "api_port": str(api_port),
              "rate": str(rate), "burst": str(burst)}  # fmt: skip
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


@contextlib.contextmanager
def start(
    *,
    listen: str,
    api_port: int,
    data: Path,
    run_dir: Path,
    rate: int = 10,
    burst: int = 20,
    timeout_s: float = 60,
) -> Iterator[tuple[subprocess.Popen, subprocess.Popen]]:
    """Start the API and nginx; stop both (each by its own process id) when the block ends."""
    run_dir.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen] = []
    try:
        with open(run_dir / "api.log", "ab") as log:
            api = subprocess.Popen(
                [sys.executable, "-m", "insight", "serve-api", "--host", "127.0.0.1",
                 "--port", str(api_port)],
                cwd=ROOT, env={**os.environ, "PLACE_INSIGHT_DATA": str(data)},
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        processes.append(api)
        cluster._wait_for_port(api_port, api, timeout_s)
        config = run_dir / "nginx-api.conf"
        config.write_text(render_nginx(listen, api_port, run_dir, rate, burst))
        nginx = cluster.start_nginx(config, run_dir)
        processes.append(nginx)
        cluster._wait_for_port(int(listen.rpartition(":")[2]), nginx, 30)
        yield api, nginx
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:8081", help="nginx address:port")
    parser.add_argument("--api-port", type=int, default=8001, help="the API's own port (8001)")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="places folder")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "deploy" / "run-api")
    parser.add_argument("--rate", type=int, default=10, help="requests a second per address")
    parser.add_argument("--burst", type=int, default=20, help="requests at once per address")
    parser.add_argument("--no-build", action="store_true", help="do not build the demo first")
    args = parser.parse_args(argv)
    if not args.no_build:
        cluster.build_demo(args.data)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with start(
        listen=args.listen, api_port=args.api_port, data=args.data.resolve(),
        run_dir=args.run_dir.resolve(), rate=args.rate, burst=args.burst,
    ) as (api, nginx):  # fmt: skip
        print(f"Place Insight API at http://{args.listen}/api/v1/places")
        with contextlib.suppress(KeyboardInterrupt):
            while not stopping and nginx.poll() is None and api.poll() is None:
                time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
