"""``ui/`` holds only functions that use Streamlit: what does not belongs in ``insight``
(sentences in ``explain``, tables in ``present``, use cases in ``service``), where the
command line and the API can use it too (issue 20).

A top-level function of a ``ui`` module uses Streamlit when it names ``streamlit`` (``st``,
or anything imported from ``streamlit``: a widget, a cache decorator, a type of its
runtime), or names another top-level function, class or object of ``ui`` that does (a
cached loader, ``PLACES``...): a cache key's helper, which works out the key and calls the
cached function, uses Streamlit that way. Classes and module-level objects count only as
what a function may name; the rule is about functions.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "ui"

#: Functions of ``ui`` that use Streamlit without naming it or a ``ui`` name that does. Keep
#: it tiny: every entry says why it is Streamlit's and not the engine's.
ALLOWED: dict[str, str] = {
    "ui.upload_gate._forget": (
        "Streamlit's runtime calls it when a session ends (the patch install() puts on the "
        "upload route): it forgets that session's upload grant"
    ),
}


@dataclass
class Symbol:
    """A top-level name of a ui module: whether it is a function, whether it names
    Streamlit itself, and the ui names it refers to."""

    function: bool
    line: int
    direct: bool = False
    refs: set[tuple[str, str]] = field(default_factory=set)


def _imports(tree: ast.Module, package: str) -> dict[str, tuple[str, str | None]]:
    """Local name → (module, name) of the module's imports of ``package`` and Streamlit
    (name None: the local name is a module)."""
    names: dict[str, tuple[str, str | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "streamlit":
                    names[alias.asname or "streamlit"] = ("streamlit", None)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            root = node.module.split(".")[0]
            for alias in node.names:
                local = alias.asname or alias.name
                if root == "streamlit":
                    names[local] = ("streamlit", None)
                elif node.module == package:
                    names[local] = (f"{package}.{alias.name}", None)
                elif root == package:
                    names[local] = (node.module, alias.name)
    return names


def module_symbols(path: Path, module: str) -> dict[tuple[str, str], Symbol]:
    """Every top-level function, class and assigned name of one module, read with ``ast``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module.split(".")[0]
    imported = _imports(tree, package)
    top: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            top[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            top.update({t.id: node for t in targets if isinstance(t, ast.Name)})
    symbols = {}
    for name, node in top.items():
        symbol = Symbol(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef), node.lineno)
        for inner in ast.walk(node):  # decorators and annotations included
            if isinstance(inner, ast.Name):
                module_of, imported_name = imported.get(inner.id, ("", None))
                if module_of == "streamlit":
                    symbol.direct = True
                elif imported_name is not None:
                    symbol.refs.add((module_of, imported_name))
                elif inner.id in top and inner.id != name:
                    symbol.refs.add((module, inner.id))
            elif isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name):
                module_of, imported_name = imported.get(inner.value.id, ("", ""))
                if module_of.startswith(f"{package}.") and imported_name is None:
                    symbol.refs.add((module_of, inner.attr))
        symbols[(module, name)] = symbol
    return symbols


def not_streamlit(
    folder: Path, package: str = "ui", allowed: dict[str, str] | None = None
) -> list[str]:
    """``module.function:line`` of every top-level function of the package's modules that
    uses no Streamlit, directly or through the package's own names, and is not allowed."""
    symbols: dict[tuple[str, str], Symbol] = {}
    for path in sorted(folder.glob("*.py")):
        symbols.update(module_symbols(path, f"{package}.{path.stem}"))
    users = {key for key, symbol in symbols.items() if symbol.direct}
    while more := {k for k, s in symbols.items() if k not in users and s.refs & users}:
        users |= more
    return [
        f"{module}.{name}:{symbol.line}"
        for (module, name), symbol in symbols.items()
        if symbol.function and (module, name) not in users
        if f"{module}.{name}" not in (ALLOWED if allowed is None else allowed)
    ]


def test_every_function_of_ui_uses_streamlit() -> None:
    wrong = not_streamlit(UI)
    assert not wrong, (
        f"These functions of ui/ use no Streamlit: {wrong}. Move them to insight (sentences "
        "to explain, tables to present, use cases to service) or, if they are Streamlit's "
        "after all, say why in ALLOWED."
    )


def test_the_allowed_functions_are_still_there() -> None:
    """An entry for a function that has gone (or now names Streamlit) is removed."""
    symbols: dict[tuple[str, str], Symbol] = {}
    for path in sorted(UI.glob("*.py")):
        symbols.update(module_symbols(path, f"ui.{path.stem}"))
    for name in ALLOWED:
        module, _, function = name.rpartition(".")
        assert (module, function) in symbols, f"{name} is in ALLOWED but not in ui/"
    assert not_streamlit(UI, allowed={}) == [
        f"{n}:{symbols[tuple(n.rsplit('.', 1))].line}"  # type: ignore[index]
        for n in ALLOWED
    ], "an allowed function now uses Streamlit: take it out of ALLOWED"


def test_the_checker_finds_a_pure_function_and_sees_streamlit_through_other_names(
    tmp_path: Path,
) -> None:
    (tmp_path / "cached.py").write_text(
        "import streamlit as st\n"
        "from streamlit.runtime import Runtime\n"
        "from pkg.other import helper\n"
        "from pkg import other\n\n"
        "@st.cache_data\n"
        "def _load(key):\n    return key\n\n"
        "def key_helper(place):\n    return _load(place.id)  # a cache key's helper\n\n"
        "def widget():\n    st.write('x')\n\n"
        "def runtime_user(runtime: Runtime):\n    return runtime\n\n"
        "def through_module():\n    return other.drawn()\n\n"
        "def through_name():\n    return helper()\n\n"
        "def sentence(n):\n    return f'{n} areas'\n\n"
        "PANELS = st.cache_data(len)\n\n"
        "def through_object(x):\n    return PANELS(x)\n"
    )
    (tmp_path / "other.py").write_text(
        "import streamlit as st\n\n"
        "def drawn():\n    st.markdown('y')\n\n"
        "def helper():\n    return 1\n"
    )
    found = not_streamlit(tmp_path, package="pkg", allowed={})
    assert found == ["pkg.cached.through_name:22", "pkg.cached.sentence:25", "pkg.other.helper:6"]
    assert not_streamlit(tmp_path, package="pkg", allowed={"pkg.other.helper": "why"}) == [
        "pkg.cached.through_name:22",
        "pkg.cached.sentence:25",
    ]
