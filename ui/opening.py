"""Opening the place a page shows: the one in the URL, the demo built first (with a
progress bar) where visitors may build, and a message instead of a traceback when a place
cannot be opened."""

from __future__ import annotations

import logging
import os
import threading

import streamlit as st

from insight import service
from insight.data import demo
from insight.errors import InsightError
from insight.explain import DEMO_NOT_READY, escape_markdown, folder_problem
from insight.model import DEMO_ID, Place
from ui import access, loaders, places, state

_VERSIONS: dict[str, str | None] = {}
_VERSIONS_LOCK = threading.Lock()


def current_place_id() -> str:
    """The place chosen in the URL (``?place=``), the demo by default."""
    return state.get("place", list(service.list_places()), DEMO_ID) or DEMO_ID


def _notice_replacement(place_id: str) -> None:
    """Forget what was worked out from a place another process has replaced since."""
    version = service.place_version(place_id)
    with _VERSIONS_LOCK:
        known, _VERSIONS[place_id] = _VERSIONS.get(place_id), version
    if known is not None and known != version:
        loaders.forget_places()


def place() -> Place:
    """The current Place, building the demo first (with a progress bar) when allowed.

    On a public dashboard visitors never cause a build: if the demo has not been built on
    the server, the page says so (the administrator runs ``python -m insight build``).
    Problems opening a place (damaged files, folders that cannot be written) are shown as
    a message (:func:`insight.service.problem_shown`), never a traceback.
    """
    place_id = current_place_id()
    _notice_replacement(place_id)
    if place_id == DEMO_ID and not loaders.demo_ready(service.place_version(DEMO_ID)):
        if access.current().mode == "public":
            logging.getLogger("place_insight").warning("%s", demo.NOT_BUILT)
            st.info(DEMO_NOT_READY)
            st.stop()
        _build_demo()
    try:
        return places.open_place(place_id)
    except InsightError as error:
        _stop(str(error))
    except OSError as error:
        _stop(folder_problem(error.filename, error.strerror or str(error)))


def _stop(problem: str) -> None:
    st.error(escape_markdown(service.problem_shown(problem, access.current().can_write)))
    st.stop()


def _build_demo() -> None:
    try:
        with st.status(
            "Building the demo place: a one-off, a few minutes on a small computer",
            expanded=True,
        ) as status:
            bar = st.progress(0.0)
            service.building.build_demo(
                progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message)
            )
            if os.environ.get(service.background.SCAN_BEFORE_HOME) == "1":  # bench baseline
                status.update(
                    label="Looking for postcode lotteries across every boundary: the bar shows "
                    "how many indicator and boundary pairs are done"
                )
                loaders.scan_into_store(DEMO_ID, bar)
            # else the frame starts the background scan (ui.scan_progress): the featured pair
            # first, Home opening meanwhile
            status.update(label="Demo place built", state="complete", expanded=False)
    except OSError as error:
        st.error(escape_markdown(folder_problem(error.filename, error.strerror or str(error))))
        st.stop()
    loaders.forget_places()
