"""The user's own presentation: items added from any page, kept for this session and in
its URL, shown and exported by Present; and Present's own state and drawing: which slide
of which deck is shown (:func:`current_slide`), the slide, its controls and downloads.

An item is a :class:`~insight.present.slides.SlideItem` (an area and an indicator, or a
postcode-lottery finding), kept in this session's state: a list a councillor builds up
while browsing. Every page writes the items to its URL (:func:`keep_items`, in the form of
:mod:`insight.present.links`), so that a reload keeps the presentation and its link shares
it. Slides are made from items by :func:`insight.service.item_slide`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from insight import explain
from insight.model import Place
from insight.present import links, slides
from insight.present.slides import Slide, SlideItem
from insight.service.decks import FINDINGS, OWN, STRONGEST, Deck
from ui import loaders, state

_KEY = "presentation"
_ADDED = "presentation_added"
_FROM_LINK = "presentation_from_link"
#: Present's memory: the deck shown last (its key), and whether Present has been shown.
_SHOWN = "present_deck"
_SEEN = "present_seen"
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


# --- Present: the deck shown ----------------------------------------------------------------


def say_from_link(place: Place) -> bool:
    """Say, once, what the link that opened this session brought (:func:`take_from_link`):
    a warning when it could not be read, else how many of its slides are shown.

    Returns
    -------
    bool
        Whether a presentation came with the link (then Present shows it).
    """
    from_link = take_from_link()
    if from_link and from_link.get("problem"):
        st.warning(explain.escape_markdown(from_link["problem"]))
        return False
    if from_link:
        if from_link["fitting"] < from_link["slides"]:
            left_out = from_link["slides"] - from_link["fitting"]
            st.info(explain.escape_markdown(explain.deck_link_left_out(left_out, place.title)))
        elif from_link["fitting"]:
            st.info(explain.escape_markdown(explain.deck_opened_from_link(from_link["fitting"])))
    return bool(from_link)


def say_empty(place: Place, deck: Deck) -> None:
    """Present's title and what it says when the deck has no slides."""
    st.title("Present")
    if deck.source == STRONGEST:
        st.info(explain.deck_no_findings())
    elif deck.source == FINDINGS:
        grouping = place.grouping(deck.grouping)
        st.info(explain.deck_no_findings(place.indicator(deck.indicator).title, grouping.plural))
    else:
        st.info(explain.DECK_EMPTY)


def current_slide(deck: Deck) -> int:
    """The number (from 1) of the slide Present shows, written to the URL (``?slide=``).

    The user's presentation opens on the slide just added (:func:`take_just_added`);
    another deck than the one shown last starts at its first slide; otherwise the slide is
    the URL's (a shared link's), 1 when it is not one of the deck's.
    """
    just_added = take_just_added() if deck.source == OWN else None
    if just_added is not None:
        st.session_state[_SHOWN] = deck.key
        state.put("slide", str(just_added + 1))
    elif st.session_state.get(_SHOWN) != deck.key:
        st.session_state[_SHOWN] = deck.key
        if st.session_state.get(_SEEN):
            state.put("slide", "1")
    st.session_state[_SEEN] = True
    numbers = [str(n) for n in range(1, deck.total + 1)]
    current = int(state.get("slide", numbers, "1") or "1")
    state.put("slide", str(current))
    return current


#: The slide's type, and which picture shows: the whole one on a wide screen, its map and
#: chart one above the other on a phone (the containers ``slide_wide`` and ``slide_narrow``).
SLIDE_CSS = """<style>
h1.slide-title{color:#12436D;font-weight:700;font-size:clamp(1.1rem,1.7vw,1.7rem)!important;
line-height:1.25!important;margin:0!important;padding:0!important}
.slide-sentence{font-size:clamp(1.25rem,2.6vw,2.6rem)!important;line-height:1.3!important;
margin:.3rem 0 1rem 0;color:#0B0C0C}
.slide-count{color:#505A5F;font-size:1rem;text-align:right;margin:0}
@media (max-width:640px){.st-key-slide_wide{display:none!important}}
@media (min-width:641px){.st-key-slide_narrow{display:none!important}}
</style>"""


def show_slide(slide: Slide, number: int, total: int) -> None:
    """One slide in large type: its title and number, its sentence, its picture (on a phone
    its map and its chart one above the other, each twice the size the whole picture would
    be there), where its numbers come from, and the picture in words."""
    st.markdown(SLIDE_CSS, unsafe_allow_html=True)
    head, count = st.columns([6, 1])
    head.markdown(
        f'<h1 class="slide-title">{explain.html_text(slide.title)}</h1>', unsafe_allow_html=True
    )
    count.markdown(
        f'<div class="slide-count">Slide {number} of {total}</div>', unsafe_allow_html=True
    )
    st.markdown(
        f'<div class="slide-sentence">{explain.html_text(slide.sentence)}</div>',
        unsafe_allow_html=True,
    )
    with st.container(key="slide_wide"):
        st.image(slide.png(), alt=slide.alt, width="stretch")
    with st.container(key="slide_narrow"):
        map_panel, chart_panel = loaders.slide_panels(slide.png())
        st.image(map_panel, alt=slide.alt, width="stretch")
        st.image(
            chart_panel,
            alt="The chart of this slide (described with the map above).",
            width="stretch",
        )
    escape = explain.escape_markdown
    st.caption(f"{escape(slide.source)} {escape(slide.attribution)} Produced {slide.date}.")
    with st.expander("What the map and chart show (text description)"):
        st.markdown(escape(slide.alt))


def slide_controls(deck: Deck, current: int) -> None:
    """Previous and next (also the arrow keys), and between them "Add to presentation" (a
    deck of findings) or "Remove this slide" (the user's own)."""
    previous, middle, following = st.columns([1, 2, 1])
    previous.button(
        "Previous",
        icon=":material/arrow_back:",
        key="slide_previous",
        on_click=state.put,
        args=("slide", str(current - 1)),
        disabled=current <= 1,
        shortcut="Left",
        width="stretch",
    )
    following.button(
        "Next",
        icon=":material/arrow_forward:",
        icon_position="right",
        key="slide_next",
        on_click=state.put,
        args=("slide", str(current + 1)),
        disabled=current >= deck.total,
        shortcut="Right",
        width="stretch",
        type="primary",
    )
    with middle:
        if deck.source != OWN:
            add_button(deck.items[current - 1], key=f"add_{current}", open_deck=False)
        elif st.button("Remove this slide", icon=":material/delete:", key=f"remove_{current}"):
            remove_from_presentation(current - 1)
            state.put("slide", str(max(1, current - 1)))
            st.rerun()


def deck_downloads(stem: str, deck_slides: Callable[[], list[Slide]]) -> None:
    """The whole deck as PowerPoint, PDF and PNG images, each built when its button is
    pressed (``deck_slides()`` gives the slides)."""
    st.subheader("Download the presentation")
    pptx_col, pdf_col, png_col = st.columns(3)
    pptx_col.download_button(
        "PowerPoint (.pptx)",
        data=lambda: slides.slides_to_pptx(deck_slides()),
        file_name=f"{stem}.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        icon=":material/slideshow:",
        key="download_pptx",
        on_click="ignore",
    )
    pdf_col.download_button(
        "PDF",
        data=lambda: slides.slides_to_pdf(deck_slides()),
        file_name=f"{stem}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key="download_pdf",
        on_click="ignore",
    )
    png_col.download_button(
        "Images (.zip of PNG, 1920 × 1080)",
        data=lambda: slides.slides_to_png_zip(deck_slides(), stem="slide"),
        file_name=f"{stem}-png.zip",
        mime="application/zip",
        icon=":material/image:",
        key="download_png",
        on_click="ignore",
    )
    st.caption(
        "Every slide carries its source, the licence attribution and the date. The PowerPoint "
        "keeps the text editable; each picture has a text description for screen readers."
    )
