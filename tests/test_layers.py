"""The layer contract of DESIGN.md, and the code style rules, hold for the whole tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_imports_only_go_down_the_layers() -> None:
    """import-linter reads the contracts from pyproject.toml: layers, present ↛ data, no
    Streamlit in insight."""
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_ruff_finds_nothing_first_party_imports_at_the_top() -> None:
    """ruff (lint rules in pyproject.toml, PLC0415 among them) passes on the whole tree."""
    if shutil.which("ruff") is None:
        pytest.skip("ruff is not installed (it is in requirements-dev.txt)")
    result = subprocess.run(["ruff", "check", "."], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
