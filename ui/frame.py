"""The frame every page draws first: page config, the sidebar (page links, place picker), the place.

The app uses Streamlit's own multipage mode: ``app.py`` is the Home page and every script in
``pages/`` is a page whose URL is its file name (``pages/your-area.py`` is ``/your-area``).
There is no ``st.navigation``: in this mode Streamlit runs only the requested page's script,
also for a deep link opened as the very first request after a server start. So nothing may
live in ``app.py`` that another page needs; it lives here, and each page starts with::

    place = frame("Map")

Streamlit's own page list is hidden (``client.showSidebarNavigation = false``); the sidebar
links below replace it, with our titles, icons and order, and keep the place in the URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import streamlit as st

from insight.data.catalogue import list_places
from insight.model import Place
from insight.service.places import place_labels
from ui import opening, presentation, scan_progress, state, upload_gate

APP_NAME = "Place Insight"
FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.png"
CAPTION = "Place Insight: open data, worked out on this computer. Nothing is sent anywhere."


class PageLink(NamedTuple):
    """One page of the app: its script (relative to ``app.py``), title and icon."""

    script: str
    title: str
    icon: str


#: The pages in the order of the sidebar. The URL of each is its file name without ``.py``
#: (Home, ``app.py``, is the root URL).
PAGES = (
    PageLink("app.py", "Home", ":material/home:"),
    PageLink("pages/your-area.py", "Your area", ":material/location_on:"),
    PageLink("pages/map.py", "Map", ":material/map:"),
    PageLink("pages/compare.py", "Compare", ":material/bar_chart:"),
    PageLink("pages/lottery.py", "Postcode lottery", ":material/casino:"),
    PageLink("pages/present.py", "Present", ":material/slideshow:"),
    PageLink("pages/data.py", "Data and methods", ":material/info:"),
    PageLink("pages/accessibility.py", "Accessibility statement", ":material/accessibility:"),
)


def frame(title: str) -> Place:
    """Set up a page: config, sidebar links, the place picker; return the current place.

    Call it first in every page script (before any other ``st`` command), so that a page
    opened directly by its URL looks and behaves like one reached from Home.

    Parameters
    ----------
    title : str
        The page's title, for the browser tab (Home passes :data:`APP_NAME`).

    Returns
    -------
    Place
        The place chosen in the URL (``?place=``) or the sidebar, the demo by default.
    """
    upload_gate.install()  # once per process: no session uploads unless the app allows it
    st.set_page_config(
        page_title=title if title == APP_NAME else f"{title} · {APP_NAME}",
        page_icon=str(FAVICON),
        layout="wide",
    )
    places = place_labels(list_places())
    with st.sidebar:
        links = st.container()  # drawn above the picker, filled once the place is known
        place_id = state.select(
            "Place",
            "place",
            list(places),
            opening.current_place_id(),
            format_func=lambda pid: places[pid],
        )
        st.caption(CAPTION)
    with links:
        for page in PAGES:
            st.page_link(
                page.script, label=page.title, icon=page.icon, query_params={"place": place_id}
            )
    place = opening.place()
    presentation.keep_items(place)  # "your presentation" survives a reload, on every page
    scan_progress.progress_bar(place.id)  # while the place's findings are being checked
    return place
