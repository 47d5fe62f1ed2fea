"""Present: meeting mode. One finding per slide in large type, ready for a committee.

The slides are the strongest findings across every indicator and grouping (the default,
tested differences first), the ranked findings of one indicator and grouping, or the
items added to "your presentation" from other pages (opened on the slide added last, and
in the URL, ``?deck=own&items=...``, so that its link shares it). Previous / next with the
buttons or the arrow keys; the slide number is in the URL (``?slide=3``); the whole deck
downloads as PowerPoint, PDF or PNG images. The deck is
:func:`insight.service.decks.present_deck`; which slide is shown, the slide, its controls
and downloads are :mod:`ui.presentation`.
"""

import datetime as dt

import streamlit as st

from insight.errors import InsightError
from insight.explain import DECK_TITLES, escape_markdown
from insight.present.slides import Slide
from insight.service.decks import FINDINGS, OWN, STRONGEST, present_deck
from ui import loaders, presentation, state
from ui.frame import frame

LIMITS = ["3", "5", "10"]

place = frame("Present")
today = f"{dt.date.today().day} {dt.date.today():%B %Y}"
from_link = presentation.say_from_link(place)  # a presentation that came with a link
own_items = presentation.presentation_items()
best = loaders.strongest_findings(place.id)
added_elsewhere = presentation.wants_own_deck()  # just added on another page: show it
if added_elsewhere:
    state.put("deck", OWN)

# Settings
with st.sidebar:
    st.header("Presentation")
    sources = [FINDINGS, OWN] if best is None else [STRONGEST, FINDINGS, OWN]
    asked_for_pair = any(name in st.query_params for name in ("indicator", "grouping"))
    source = state.select(
        "Show",
        "deck",
        sources,
        OWN if from_link else FINDINGS if asked_for_pair else sources[0],
        move=added_elsewhere,
        format_func=lambda s: DECK_TITLES[s] + (f" ({len(own_items)})" if s == OWN else ""),
        container=st.sidebar,
    )
    if source == FINDINGS:
        featured_indicator, featured_grouping = place.featured_pair()
        indicator_id = state.select_indicator(place, featured_indicator)
        grouping_id = state.select_grouping(place, "Boundaries", featured_grouping)
    limit = 0
    if source != OWN:
        limit = int(
            state.select(
                "Findings", "limit", LIMITS, "5", format_func="Top {}".format, container=st.sidebar
            )
        )
    st.caption("Keys: → next slide, ← previous slide.")
presentation.put_items(own_items)  # the link shares the presentation, whichever deck is shown

# Compute: the deck, and the slide shown
try:
    pair = (
        loaders.ranked_findings(place.id, indicator_id, grouping_id) if source == FINDINGS else None
    )
    deck = present_deck(source, strongest=best, pair=pair, items=own_items, limit=limit)
except InsightError as error:
    st.error(escape_markdown(str(error)))
    st.stop()
if deck.total == 0:
    presentation.say_empty(place, deck)
    st.stop()
current = presentation.current_slide(deck)


def build(position: int) -> Slide:
    """Slide ``position`` (0-based) of the deck shown (drawn once, then cached)."""
    if deck.source == STRONGEST:
        return loaders.strongest_slide(place.id, position, today)
    if deck.source == FINDINGS:
        return loaders.finding_slide(place.id, deck.indicator, deck.grouping, position, today)
    return loaders.item_slide(place.id, deck.items[position], today)


try:
    slide = build(current - 1)
except InsightError as error:
    st.error(escape_markdown(str(error)))
    st.stop()

# Render
presentation.show_slide(slide, current, deck.total)
presentation.slide_controls(deck, current)
presentation.deck_downloads(deck.stem, lambda: [build(p) for p in range(deck.total)])
