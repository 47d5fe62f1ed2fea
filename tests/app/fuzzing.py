"""What the fuzz tests check on a page run: no exception, no traceback, no link it did not make.

Streamlit renders Markdown in many places: ``st.markdown`` and captions, headings, alerts,
and the labels and help texts of widgets, tabs and expanders. Text from a visitor or an
uploaded file must reach those as text. :func:`problems` walks every element of an AppTest
run and reports, for each string a browser would read as Markdown, any link, image,
autolink or HTML tag that is not escaped; for Plotly figures, any raw tag; for maps, any
data URL that is not one of the app's own static files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from google.protobuf.message import Message

#: Fields Streamlit renders as Markdown (the rest are shown as plain text or are ids).
MARKDOWN_FIELDS = {"body", "label", "help"}
#: Element types whose ``body`` is not Markdown.
PLAIN_BODIES = {"Metric", "Code", "Text", "Json", "Exception"}

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
#: Links Markdown makes from its syntax: an escaped character is not syntax, so these are
#: looked for with escaped characters left out.
_LINKS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\]\s*\(",  # [text](url) and ![alt](src)
        r"\]\s*\[",  # [text][ref]
        r"^\s*\[[^\]]*\]\s*:",  # [ref]: url
        r"<\s*https?:",  # <http://...>
        r"<\s*/?\s*(a|img|script|iframe|object|embed|link|meta)\b",  # (the app styles its own HTML)
        r"javascript:|data:",
    )
]
#: Links GitHub's autolinker makes from the text once Markdown has removed the escapes
#: (the backslashes go, the characters stay): escaping does not stop these.
_AUTOLINKS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"https?://",  # bare URL
        r"\bwww\.",  # www.example.org
        r"[\w.+-]+@[\w-]+\.\w",  # email
        r"(mailto|xmpp):[\w.+-]+@",
    )
]
_HTML_ATTRIBUTES = re.compile(r"\b(href|src|onerror|onload)\s*=", re.IGNORECASE)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"/|site-packages")


def strings(message: Message, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string field of a protobuf message, with its dotted field path."""
    for field, value in message.ListFields():
        name = f"{path}.{field.name}" if path else field.name
        items = value if field.is_repeated else [value]
        for item in items:
            if isinstance(item, Message):
                yield from strings(item, name)
            elif isinstance(item, str):
                yield name, item


def walk(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def link_in_markdown(source: str, allow_html: bool = False) -> str | None:
    """The first link, image, autolink or tag Markdown would make of ``source`` (or None)."""
    syntax = _ESCAPED.sub("", source)
    shown = _ESCAPED.sub(r"\1", source)
    for pattern, text in [(p, syntax) for p in _LINKS] + [(p, shown) for p in _AUTOLINKS]:
        for line in text.splitlines() or [text]:
            found = pattern.search(line)
            if found:
                return found.group(0)
    text = syntax
    if allow_html and _HTML_ATTRIBUTES.search(text):
        return _HTML_ATTRIBUTES.search(text).group(0)
    return None


def problems(app) -> list[str]:
    """Everything wrong with an AppTest run: exceptions, tracebacks, links not made by the app."""
    found = [f"exception: {e.message[:200]}" for e in app.exception]
    for node in walk(app._tree):
        proto = getattr(node, "proto", None)
        if not isinstance(proto, Message):
            continue
        kind = type(proto).__name__
        allow_html = bool(getattr(proto, "allow_html", False))
        for name, value in strings(proto):
            if TRACEBACK.search(value) and kind != "Code":
                found.append(f"traceback text in {kind}.{name}: {value[:200]!r}")
            field = name.rsplit(".", 1)[-1]
            if field in MARKDOWN_FIELDS and not (field == "body" and kind in PLAIN_BODIES):
                link = link_in_markdown(value, allow_html)
                if link:
                    found.append(f"{kind}.{name} makes {link!r}: {value[:200]!r}")
            elif kind == "PlotlyChart" and field == "spec":
                tag = re.search(r"<\s*/?\s*(a|img|script|iframe)\b|href\s*=", value, re.I)
                if tag:
                    found.append(f"Plotly figure holds {tag.group(0)!r}")
            elif kind == "DeckGlJsonChart" and field == "json":
                found += _deck_problems(value)
    return found


def _deck_problems(spec: str) -> list[str]:
    deck = json.loads(spec)
    bad = []
    style = deck.get("mapStyle")
    if style not in (None, "app/static/blank.json"):
        bad.append(f"map style from {style!r}")
    for layer in deck.get("layers", []):
        data = layer.get("data")
        if isinstance(data, str) and not data.startswith("app/static/"):
            bad.append(f"map layer data from {data[:100]!r}")
    return bad
