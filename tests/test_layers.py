"""The layer contract of DESIGN.md, and the code style rules, hold for the whole tree."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

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


def test_mypy_finds_no_type_errors_in_insight(tmp_path: Path) -> None:
    """mypy checks ``insight/`` with the settings in pyproject.toml ([tool.mypy]: untyped
    third-party packages are Any). It runs here with every error code on: an error is allowed
    only in a module whose [[tool.mypy.overrides]] disables its code (known errors, to
    clear), and an override whose module has no such error left fails too, so that a module
    once cleared is checked in full from then on."""
    pytest.importorskip("mypy", reason="mypy is not installed (it is in requirements-dev.txt)")
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    overrides = settings.pop("overrides", [])
    allowed = {
        module: set(override["disable_error_code"])
        for override in overrides
        if "disable_error_code" in override
        for module in _as_list(override["module"])
    }
    config = tmp_path / "mypy.toml"
    config.write_text(
        _toml_table("[tool.mypy]", settings)
        + "".join(
            _toml_table("[[tool.mypy.overrides]]", override)
            for override in overrides
            if "disable_error_code" not in override
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config)]
        + ["--cache-dir", str(ROOT / ".mypy_cache" / "every-code")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    error = re.compile(r"^(\S+\.py):\d+: error: .*\[([a-z-]+)\]$")
    found = [
        (line, _module_of(match[1]), match[2])
        for line in result.stdout.splitlines()
        if (match := error.match(line))
    ]
    assert result.returncode in (0, 1) and (result.returncode == 0) == (not found), (
        result.stdout[-3000:] + result.stderr[-3000:]
    )
    unexpected = [line for line, module, code in found if code not in allowed.get(module, set())]
    stale = [
        module
        for module, codes in allowed.items()
        if not any(m == module and code in codes for _, m, code in found)
    ]
    assert not unexpected, (
        "\n".join(unexpected[:60])
        + "\nFix these (run `python -m mypy`); pyproject.toml's [tool.mypy] says how it checks."
    )
    assert not stale, (
        f"{', '.join(stale)} no longer have the errors their [[tool.mypy.overrides]] in "
        "pyproject.toml allow: remove those overrides, so that the modules are checked in full."
    )


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _module_of(path: str) -> str:
    """``insight/data/store.py`` -> ``insight.data.store`` (a package's ``__init__``: the package)."""
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _toml_table(header: str, table: dict[str, Any]) -> str:
    """One TOML table of the plain values a mypy configuration holds."""

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, list):
            return "[" + ", ".join(map(value, item)) + "]"
        return json.dumps(item)

    return f"{header}\n" + "".join(f"{key} = {value(item)}\n" for key, item in table.items()) + "\n"


def test_vulture_finds_no_dead_code() -> None:
    """vulture finds no unused function, class, method, attribute or variable in the app's
    code (pyproject.toml [tool.vulture]: insight/, ui/, pages/, app.py; confidence 60 and up).
    Code only tests use is dead too: vulture does not read tests/. Names used where vulture
    cannot see (a library reading an attribute we set, a model field FastAPI serialises) are
    in vulture_whitelist.py, each with its reason."""
    pytest.importorskip(
        "vulture", reason="vulture is not installed (it is in requirements-dev.txt)"
    )
    result = subprocess.run(
        [sys.executable, "-m", "vulture"], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    fix = (
        "\nDelete the dead code (and the tests that only test it). If a name is used where "
        "vulture cannot see, add it to vulture_whitelist.py with the reason."
    )
    assert result.returncode == 0, (
        "vulture found dead code:\n" + result.stdout + result.stderr + fix
    )


def test_the_vulture_whitelist_names_only_what_the_code_has() -> None:
    """Every name vulture_whitelist.py vouches for is still in the app's code: a name left
    there after its code is deleted would hide the next dead code of that name."""
    whitelist = ast.parse((ROOT / "vulture_whitelist.py").read_text(encoding="utf-8"))
    listed = {node.attr for node in ast.walk(whitelist) if isinstance(node, ast.Attribute)}
    files = [
        ROOT / "app.py",
        *(p for d in ("insight", "ui", "pages") for p in (ROOT / d).rglob("*.py")),
    ]
    names: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
    stale = sorted(listed - names)
    assert not stale, (
        f"vulture_whitelist.py lists {', '.join(stale)}, which no code in insight/, ui/, "
        "pages/ or app.py has any more: remove them from the whitelist."
    )


#: What the page scripts and app.py may import of this project: the app's own package, the
#: service (the use cases), and the words, errors and drawings they show. Never the engine
#: (analysis, data, spatial, stats, model) nor another front end (the CLI, the API).
PAGE_IMPORTS = ("ui", "insight.service", "insight.explain", "insight.errors", "insight.present")
FIRST_PARTY = ("insight", "ui", "pages", "app")


def first_party_imports(path: Path) -> list[str]:
    """Every module of this project ``path`` imports (``from x import y``: ``x.y`` when ``y``
    may be a module, so ``from insight import analysis`` is seen)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return [n for n in names if n.split(".")[0] in FIRST_PARTY]


def allowed_in_pages(name: str) -> bool:
    return any(name == a or name.startswith(f"{a}.") for a in PAGE_IMPORTS)


@pytest.mark.parametrize(
    "script", [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))], ids=lambda p: p.name
)
def test_pages_and_app_import_only_ui_and_the_service(script: Path) -> None:
    """The page scripts and app.py are outside import-linter's reach (not a package, and
    ``your-area.py`` is no module name), so their imports are read here."""
    wrong = [n for n in first_party_imports(script) if not allowed_in_pages(n)]
    assert not wrong, f"{script.name} imports {wrong}; go through ui or insight.service"


def test_the_page_import_rule_sees_engine_imports(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "import streamlit as st\nfrom insight import analysis\nimport insight.data.store\n"
        "from insight.explain import plural\nfrom ui import loaders\nfrom insight.cli import main\n"
    )
    assert [n for n in first_party_imports(page) if not allowed_in_pages(n)] == [
        "insight.analysis",
        "insight.data.store",
        "insight.cli.main",
    ]


def test_test_files_have_unique_names() -> None:
    """The test folders have no ``__init__.py``, so pytest imports each test file by its
    name alone: two files of one name stop the whole run at collection."""
    names = [path.name for path in (ROOT / "tests").rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
