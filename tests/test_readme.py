"""The README's commands work as written: each documented ``python -m insight`` line that is
quick (no build or scan of the whole demo) is run on the real demo and the example place."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from insight.cli import main
from insight.data.sources import build_from_toml
from insight.data.store import place_dir

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
