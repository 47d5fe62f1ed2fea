"""The user's own presentation: items added from any page, shown and exported by Present.

An item is a small dict, kept in this session's state (never in the URL: it is a list
a councillor builds up while browsing):

``{"kind": "area", "indicator": "mt_minutes", "grouping": "lad", "area_code": "E01027210"}``
    One area and one indicator, compared with its group.
``{"kind": "finding", "indicator": "mt_minutes", "grouping": "isdn", "finding_kind": "border",
"group_code": "...", "other_code": "..."}``
    One postcode-lottery finding (``other_code`` for borders only).

Slides are made from items by :func:`insight.present.slides.item_slide`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from insight.present.slides import ITEM_KINDS

_KEY = "presentation"
_REQUIRED = {
    "area": ("indicator", "grouping", "area_code"),
    "finding": ("indicator", "grouping", "group_code"),
}


def _check(item: Mapping[str, Any]) -> dict[str, Any]:
    kind = item.get("kind")
    if kind not in ITEM_KINDS:
        raise ValueError(f"Presentation item kind {kind!r} is not one of {', '.join(ITEM_KINDS)}.")
    missing = [k for k in _REQUIRED[kind] if not item.get(k)]
    if missing:
        raise ValueError(
            f"A {kind} item needs {', '.join(_REQUIRED[kind])}; missing {', '.join(missing)}."
        )
    return {k: (str(v) if v is not None else None) for k, v in item.items()}


def presentation_items() -> list[dict[str, Any]]:
    """The items added to this session's presentation, in the order they were added.

    Returns
    -------
    list of dict
        Copies: change the presentation with the functions of this module.
    """
    return [dict(item) for item in st.session_state.get(_KEY, [])]


def add_to_presentation(item: Mapping[str, Any]) -> bool:
    """Add an item (see the module docstring) to this session's presentation.

    Parameters
    ----------
    item : mapping
        ``kind`` ("area" or "finding"), ``indicator``, ``grouping``, and ``area_code`` for an
        area or ``group_code`` (with ``finding_kind`` and ``other_code``) for a finding.

    Returns
    -------
    bool
        False when the same item is already there (it is not added twice).

    Raises
    ------
    ValueError
        If the kind is unknown or a required key is missing.

    Examples
    --------
    >>> add_to_presentation({"kind": "area", "indicator": "mt_minutes", "grouping": "lad",
    ...                      "area_code": "E01027210"})  # doctest: +SKIP
    True
    """
    checked = _check(item)
    items = st.session_state.setdefault(_KEY, [])
    if checked in items:
        return False
    items.append(checked)
    return True


def remove_from_presentation(position: int) -> None:
    """Remove the item at ``position`` (0-based); out-of-range positions are ignored."""
    items = st.session_state.get(_KEY, [])
    if 0 <= position < len(items):
        del items[position]


def add_button(item: Mapping[str, Any], *, key: str, label: str = "Add to presentation") -> None:
    """A button that adds ``item`` to the presentation and says so (for any page).

    Parameters
    ----------
    item : mapping
        As :func:`add_to_presentation`.
    key : str
        Widget key, unique on the page.
    label : str
        Button label.
    """
    checked = _check(item)
    already = checked in st.session_state.get(_KEY, [])
    if st.button(
        "In your presentation" if already else label,
        key=key,
        icon=":material/check:" if already else ":material/slideshow:",
        disabled=already,
        help="Open the Present page to show or download your presentation.",
    ):
        add_to_presentation(checked)
        st.toast("Added to your presentation: open Present to show it.")
        st.rerun()
