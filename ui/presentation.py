"""The user's own presentation: items added from any page, shown and exported by Present.

An item is a small dict, kept in this session's state (a list a councillor builds up
while browsing); Present also writes the items to its URL (:func:`encode_items`), so that
the presentation can be shared by its link:

``{"kind": "area", "indicator": "mt_minutes", "grouping": "lad", "area_code": "E01027210"}``
    One area and one indicator, compared with its group.
``{"kind": "finding", "indicator": "mt_minutes", "grouping": "isdn", "finding_kind": "border",
"group_code": "...", "other_code": "..."}``
    One postcode-lottery finding (``other_code`` for borders only).

Slides are made from items by :func:`insight.present.slides.item_slide`.

In a URL each item is a short text of fields separated by ``.``, items separated by ``~``:
``a.mt_minutes.lad.E01027210`` (an area) or ``f.mt_minutes.isdn.border.east-midlands.london``
(a finding); a field holding ``.``, ``~`` or ``%`` is percent-encoded. Readable, and
short enough for dozens of slides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

import streamlit as st

from insight import explain
from insight.model import Place
from insight.present.slides import ITEM_FIELDS, SlideItem

_KEY = "presentation"
_ADDED = "presentation_added"
#: Fields of each kind of item in a URL, after its letter.
_FIELDS = ITEM_FIELDS
_LETTERS = {"area": "a", "finding": "f"}
#: Most slides a presentation in a URL may have, and the longest text it may be.
MAX_ITEMS = 60
MAX_URL_CHARS = 8_000
_MAX_FIELD = 200


def _check(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item as kept: checked (:meth:`SlideItem.from_mapping`; a DataError is a
    ValueError), its values as text."""
    SlideItem.from_mapping(item)
    return {k: (str(v) if v is not None else None) for k, v in item.items()}


def presentation_items() -> list[dict[str, Any]]:
    """The items added to this session's presentation, in the order they were added.

    Returns
    -------
    list of dict
        Copies: change the presentation with the functions of this module.
    """
    return [dict(item) for item in st.session_state.get(_KEY, [])]


def add_to_presentation(item: Mapping[str, Any], *, open_deck: bool = True) -> bool:
    """Add an item (see the module docstring) to this session's presentation.

    Parameters
    ----------
    item : mapping
        ``kind`` ("area" or "finding"), ``indicator``, ``grouping``, and ``area_code`` for an
        area or ``group_code`` (with ``finding_kind`` and ``other_code``) for a finding.
    open_deck : bool, default True
        Present, opened next, shows the user's presentation (False when adding from
        Present's own findings: it stays on them). Either way the presentation, when shown
        next, opens on this item's slide.

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
    st.session_state[_ADDED] = {"item": checked, "open_deck": open_deck}  # Present opens on it
    return True


def wants_own_deck() -> bool:
    """Whether an item was added on another page since Present last showed the presentation
    (then Present shows the user's presentation rather than the top findings)."""
    added = st.session_state.get(_ADDED) or {}
    return bool(added.get("open_deck")) and added.get("item") in st.session_state.get(_KEY, [])


def take_just_added() -> int | None:
    """The position (0-based) of the item added last, once: Present opens on its slide.

    Returns
    -------
    int or None
        None when nothing was added since Present last showed the presentation, or the
        item has been removed since.
    """
    added = (st.session_state.pop(_ADDED, None) or {}).get("item")
    items = st.session_state.get(_KEY, [])
    return items.index(added) if added in items else None


def replace_presentation(items: Sequence[Mapping[str, Any]]) -> None:
    """Make ``items`` (checked as :func:`add_to_presentation`) this session's presentation."""
    st.session_state[_KEY] = [_check(item) for item in items]
    st.session_state.pop(_ADDED, None)


def _field(value: Any) -> str:
    return (
        quote("" if value is None else str(value), safe="").replace(".", "%2E").replace("~", "%7E")
    )


def encode_items(items: Sequence[Mapping[str, Any]]) -> str:
    """The items as the text of a URL parameter (see the module docstring).

    Examples
    --------
    >>> encode_items([{"kind": "area", "indicator": "mt_minutes", "grouping": "lad",
    ...                "area_code": "E01027210"},
    ...               {"kind": "finding", "indicator": "mt_minutes", "grouping": "isdn",
    ...                "finding_kind": "border", "group_code": "a.b", "other_code": None}])
    'a.mt_minutes.lad.E01027210~f.mt_minutes.isdn.border.a%2Eb..'
    """
    return "~".join(
        ".".join([_LETTERS[item["kind"]], *(_field(item.get(f)) for f in _FIELDS[item["kind"]])])
        for item in (_check(i) for i in items)
    )


def decode_items(text: str) -> list[dict[str, Any]]:
    """The items of a URL parameter written by :func:`encode_items`, checked.

    Parameters
    ----------
    text : str
        The parameter's value, from anyone: it is checked, never trusted.

    Returns
    -------
    list of dict

    Raises
    ------
    ValueError
        Its message says, in words for the page, what is wrong (too long, too many slides,
        a slide not in the form the app writes).

    Examples
    --------
    >>> decode_items("a.mt_minutes.lad.E01027210")
    [{'kind': 'area', 'indicator': 'mt_minutes', 'grouping': 'lad', 'area_code': 'E01027210'}]
    >>> decode_items("x.y")
    Traceback (most recent call last):
    ...
    ValueError: The presentation in this link could not be opened: it is not in the form ...
    """
    if not text:
        return []
    if len(text) > MAX_URL_CHARS:
        raise ValueError(explain.deck_link_problem("long"))
    parts = text.split("~")
    if len(parts) > MAX_ITEMS:
        raise ValueError(explain.deck_link_problem("many", limit=MAX_ITEMS))
    kinds = {letter: kind for kind, letter in _LETTERS.items()}
    items = []
    for number, part in enumerate(parts, start=1):
        letter, *values = part.split(".")
        kind = kinds.get(letter)
        if kind == "finding" and len(values) == len(_FIELDS[kind]) - 1:
            values.append("")  # a link made before a finding kept one of its areas
        if kind is None or len(values) != len(_FIELDS[kind]):
            raise ValueError(explain.deck_link_problem("form", slide=number))
        try:
            values = [unquote(v, errors="strict") if "%" in v else v for v in values]
        except UnicodeDecodeError:
            values = ["\x00"]  # not text: refused below
        if any(len(v) > _MAX_FIELD or not v.isprintable() for v in values):
            raise ValueError(explain.deck_link_problem("form", slide=number))
        item = {
            "kind": kind,
            **{f: (v or None) for f, v in zip(_FIELDS[kind], values, strict=True)},
        }
        try:
            items.append(_check(item))
        except ValueError:
            raise ValueError(explain.deck_link_problem("item", slide=number)) from None
    return items


def fits(place: Place, item: Mapping[str, Any]) -> bool:
    """Whether an item names this place's indicator, grouping and areas or groups."""
    indicator, grouping = item.get("indicator"), item.get("grouping")
    if indicator not in place.indicators or grouping not in place.groupings:
        return False
    if item["kind"] == "area":
        return bool((place.areas["code"].astype(str) == item["area_code"]).any())
    groups = place.group_names(grouping).index
    return item["group_code"] in groups and (
        not item.get("other_code") or item["other_code"] in groups
    )


def remove_from_presentation(position: int) -> None:
    """Remove the item at ``position`` (0-based); out-of-range positions are ignored."""
    items = st.session_state.get(_KEY, [])
    if 0 <= position < len(items):
        del items[position]


def add_button(
    item: Mapping[str, Any],
    *,
    key: str,
    label: str = "Add to presentation",
    open_deck: bool = True,
) -> None:
    """A button that adds ``item`` to the presentation and says so (for any page).

    Parameters
    ----------
    item : mapping
        As :func:`add_to_presentation`.
    key : str
        Widget key, unique on the page.
    label : str
        Button label.
    open_deck : bool, default True
        As :func:`add_to_presentation`.
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
        add_to_presentation(checked, open_deck=open_deck)
        st.toast("Added to your presentation: open Present to show it.")
        st.rerun()
