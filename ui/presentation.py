"""The user's own presentation: items added from any page, kept for this session and in
its URL, shown and exported by Present.

An item is a :class:`~insight.present.slides.SlideItem` (an area and an indicator, or a
postcode-lottery finding), kept in this session's state: a list a councillor builds up
while browsing. Every page writes the items to its URL (:func:`keep_items`, in the form of
:mod:`insight.present.links`), so that a reload keeps the presentation and its link shares
it. Slides are made from items by :func:`insight.service.item_slide`.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from insight.model import Place
from insight.present import links
from insight.present.slides import SlideItem
from ui import state

_KEY = "presentation"
_ADDED = "presentation_added"
_FROM_LINK = "presentation_from_link"
#: URL parameter holding the items of the user's presentation.
ITEMS = "items"


def presentation_items() -> list[SlideItem]:
    """The items added to this session's presentation, in the order they were added.

    Returns
    -------
    list of SlideItem
        A copy of the list: change the presentation with the functions of this module.
    """
    return list(st.session_state.get(_KEY, []))


def add_to_presentation(item: SlideItem, *, open_deck: bool = True) -> bool:
    """Add an item to this session's presentation.

    Parameters
    ----------
    item : SlideItem
        An area and an indicator, or a finding (:meth:`SlideItem.of_finding`).
    open_deck : bool, default True
        Present, opened next, shows the user's presentation (False when adding from
        Present's own findings: it stays on them). Either way the presentation, when shown
        next, opens on this item's slide.

    Returns
    -------
    bool
        False when the same item is already there (it is not added twice).

    Examples
    --------
    >>> add_to_presentation(SlideItem("area", "mt_minutes", "lad", area_code="E01027210"))
    ... # doctest: +SKIP
    True
    """
    items = st.session_state.setdefault(_KEY, [])
    if item in items:
        return False
    items.append(item)
    st.session_state[_ADDED] = {"item": item, "open_deck": open_deck}  # Present opens on it
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


def replace_presentation(items: Sequence[SlideItem]) -> None:
    """Make ``items`` this session's presentation (nothing counts as just added)."""
    st.session_state[_KEY] = list(items)
    st.session_state.pop(_ADDED, None)


def remove_from_presentation(position: int) -> None:
    """Remove the item at ``position`` (0-based); out-of-range positions are ignored."""
    items = st.session_state.get(_KEY, [])
    if 0 <= position < len(items):
        del items[position]


def add_button(
    item: SlideItem,
    *,
    key: str,
    label: str = "Add to presentation",
    open_deck: bool = True,
) -> None:
    """A button that adds ``item`` to the presentation and says so (for any page).

    Parameters
    ----------
    item : SlideItem
        As :func:`add_to_presentation`.
    key : str
        Widget key, unique on the page.
    label : str
        Button label.
    open_deck : bool, default True
        As :func:`add_to_presentation`.
    """
    already = item in st.session_state.get(_KEY, [])
    if st.button(
        "In your presentation" if already else label,
        key=key,
        icon=":material/check:" if already else ":material/slideshow:",
        disabled=already,
        help="Open the Present page to show or download your presentation.",
    ):
        add_to_presentation(item, open_deck=open_deck)
        st.toast("Added to your presentation: open Present to show it.")
        st.rerun()


# --- in the URL ---------------------------------------------------------------------------


def shared_items() -> tuple[list[SlideItem] | None, str | None]:
    """The presentation a link carries (URL parameter ``items``), read and checked.

    Only a value this session did not write itself counts (a link opened, a shared
    address): the session's own presentation is already in its memory.

    Returns
    -------
    (list of SlideItem or None, str or None)
        The items, or None when the URL brings none; and a sentence for the page when the
        parameter cannot be read (then the items are None).
    """
    text = state.from_outside(ITEMS)
    if text is None:
        return None, None
    try:
        return links.decode_items(text), None
    except ValueError as error:
        return None, str(error)


def put_items(items: Sequence[SlideItem]) -> None:
    """Write the presentation's items to the URL (remove them when ``items`` is empty)."""
    state.put(ITEMS, links.encode_items(items) if items else None)


def keep_items(place: Place) -> None:
    """Keep the presentation in the URL of every page, so that it survives a reload and
    moving between pages (the frame calls this on every run).

    A presentation in the URL that this session did not write (a reload, which starts a new
    session, or a link someone sent) becomes the session's own; how many of its slides fit
    the place (and any problem reading it) is kept for Present to say once
    (:func:`take_from_link`). The session's presentation is then written to the URL.
    """
    shared, problem = shared_items()
    if problem:
        st.session_state[_FROM_LINK] = {"problem": problem}
    elif shared is not None:
        fitting = [item for item in shared if links.fits(place, item)]
        replace_presentation(fitting)
        st.session_state[_FROM_LINK] = {"slides": len(shared), "fitting": len(fitting)}
    put_items(presentation_items())


def take_from_link() -> dict | None:
    """What :func:`keep_items` found in a link since Present last asked, once: ``slides``
    and ``fitting`` (how many fit this place), or ``problem`` (a sentence); None if nothing."""
    return st.session_state.pop(_FROM_LINK, None)
