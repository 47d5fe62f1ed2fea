"""The README's commands work as written: each documented ``python -m insight`` line that is
quick (no build or scan of the whole demo) is run on the real demo and the example place."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from insight.analysis import scan
from insight.cli import main
from insight.data.catalogue import load_place
from insight.data.sources import build_from_toml
from insight.data.store import place_dir
from insight.service import read_stored

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "data" / "example" / "place.toml"
#: Commands that build or scan a whole place: minutes, run by the lead's own checks.
SLOW = {"build", "scan"}
#: Commands that serve until stopped (tests/insight/api/ starts the API as written).
SERVING = {"serve-api"}

pytestmark = pytest.mark.slow


def documented_commands() -> list[str]:
    """The lines of the README's block of ``python -m insight`` commands."""
    block = re.search(r"```bash\n(python -m insight build .*?)```", README, re.S)
    assert block, "the README has no block of python -m insight commands"
    return [line for line in block.group(1).splitlines() if line.startswith("python -m insight")]


def as_written(line: str, folder: Path) -> list[str]:
    """A README line as someone would type it: the comment and optional ``[...]`` parts
    left out, the first of ``a|b`` choices, ``FILE`` a file in ``folder``."""
    code = line.split("  #")[0]
    code = re.sub(r"\s*\[[^\[\]]*\]", "", code)
    words = shlex.split(code)[3:]  # after "python -m insight"
    words = [w.split("|")[0] for w in words]
    return [str(folder / "out.csv") if w == "FILE" else w for w in words]


@pytest.fixture(scope="module")
def data(tmp_path_factory, demo_place):
    """A data folder with the demo linked in and the README's example place built."""
    root = tmp_path_factory.mktemp("data")
    (root / "cache").mkdir()
    (root / "cache" / "demo").symlink_to(place_dir(demo_place.id), target_is_directory=True)
    postcodes = place_dir(demo_place.id).parent / "postcodes"
    if postcodes.is_dir():
        (root / "cache" / "postcodes").symlink_to(postcodes, target_is_directory=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLACE_INSIGHT_DATA", str(root))
        build_from_toml(EXAMPLE)
    return root


def test_the_readme_documents_every_command():
    names = {line.split()[3] for line in documented_commands()}
    assert {"lookup", "compare", "findings", "penalty", "trend", "export"} <= names


@pytest.mark.parametrize(
    "line",
    [c for c in documented_commands() if c.split()[3] not in SLOW | SERVING],
    ids=lambda c: c[18:60],
)
def test_a_readme_command_works_as_written(line, data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(data))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clients.csv").write_text("postcode\nNN1 1AA\nCF10 1EP\n", encoding="utf-8")
    assert main(as_written(line, tmp_path)) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert out.strip() or any(tmp_path.glob("*.csv"))


def cluster_recipe() -> list[str]:
    """The README's commands for a scan on an existing Dask cluster (comments left out)."""
    block = re.search(r"```bash\n(PYTHONPATH=\$PWD dask scheduler .*?)```", README, re.S)
    assert block, "the README has no cluster recipe"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_cluster_recipe_works_as_written(data, tmp_path):
    """The scheduler, a worker and ``scan --scheduler`` as the README writes them, in a
    shell in this checkout, on loopback: HOST is 127.0.0.1, the port a free one, the shared
    folder this test's, one worker; the scan of the example place writes its store."""
    port = str(free_port())
    scheduler, worker, scan_line = (
        line.replace("HOST", "127.0.0.1").replace("8786", port).replace("/shared/data", str(data))
        for line in cluster_recipe()
    )
    assert "--workers 4" in scan_line and "dask worker" in worker
    scan_line = scan_line.replace("--workers 4", "--workers 1").replace(
        "  #", " --place northants-wards  #"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PLACE_INSIGHT_DATA")}
    started = []
    try:
        for n, line in enumerate((scheduler, worker)):
            log = (tmp_path / f"dask-{n}.log").open("w")
            started.append(subprocess.Popen(
                ["bash", "-c", line], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            ))  # fmt: skip
        done = subprocess.run(
            ["bash", "-c", scan_line], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
    finally:
        for process in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    logs = "".join(p.read_text() for p in tmp_path.glob("dask-*.log"))
    assert done.returncode == 0, done.stdout + done.stderr + logs
    assert f"Dask at tcp://127.0.0.1:{port} (1 workers)" in done.stdout, done.stdout
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLACE_INSIGHT_DATA", str(data))
        stored = read_stored("northants-wards")
        place = load_place("northants-wards")
    assert stored is not None and len(stored) > 0
    assert {t.key for t in scan.scan_tasks(place)} <= stored.stored.done()
