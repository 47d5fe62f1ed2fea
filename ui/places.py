"""The service's places in the app: each place, its index, its findings store, its
comparisons and the findings worked out for it, held in Streamlit's caches and shared by
every session (read only).

:data:`PLACES` is the :class:`insight.service.Places` every use case of the app is given
(:mod:`ui.loaders`), so that what one use case works out another reads again.
"""

from __future__ import annotations

import gc
import os

import streamlit as st

from insight import service
from insight.analysis import benchmark, findings, scan
from insight.model import Place
from insight.spatial.index import AreaIndex


@st.cache_resource(show_spinner=False, max_entries=4)
def open_place(place_id: str) -> Place:
    """The stored place (:func:`insight.service.open_place`; never built here), shared."""
    loaded = service.open_place(place_id, rebuild=False)
    # The place lives as long as the server: move it out of the garbage collector's sight,
    # so that no collection (each one holding the interpreter, and with it the server's
    # event loop, for a third of a second on the demo) walks its objects again. No
    # collection first: that alone would cost the first visitor 0.2 s, to free a little
    # start-up garbage. (PLACE_INSIGHT_GC_FREEZE=0 turns this off, for bench/load.py.)
    if os.environ.get("PLACE_INSIGHT_GC_FREEZE", "1") != "0":
        gc.freeze()
    return loaded


@st.cache_resource(show_spinner=False, max_entries=16)
def place_at(place_id: str, indicator_id: str, period: str | None) -> Place:
    """The place with ``period``'s values of one indicator on its areas (shared: read only);
    the place itself for the latest period (None)."""
    return service.Places.place_at(PLACES, place_id, indicator_id, period)


@st.cache_resource(show_spinner=False, max_entries=4)
def _content(place_id: str) -> str:
    """Content hash of the version of the place loaded by :func:`open_place`."""
    open_place(place_id)
    return service.place_content(place_id)


@st.cache_resource(show_spinner=False, max_entries=4)
def _index(place_id: str) -> AreaIndex:
    return AreaIndex.for_place(open_place(place_id))


@st.cache_resource(show_spinner=False, max_entries=128)
def _comparison(place_id: str, indicator_id: str, grouping_id: str) -> benchmark.GroupComparison:
    # Shared, read-only: the area profiles of every visitor read the same comparisons.
    return service.Places.comparison(PLACES, place_id, indicator_id, grouping_id)


@st.cache_resource(show_spinner=False, max_entries=4)
def _stored_findings(
    place_id: str, version: str, store: tuple[int, int] | None
) -> scan.StoredFindings | None:
    """The findings store current for ``version`` of the place (read once per version of
    the place and of the store file)."""
    return None if store is None else service.read_stored(place_id, version)


def stored_findings(place_id: str) -> scan.StoredFindings | None:
    """The current findings store of the place, or None (a ``stat`` of it per call, so a
    new scan written by another process is seen)."""
    return _stored_findings(place_id, _content(place_id), service.store_version(place_id))


@st.cache_data(show_spinner="Looking for postcode lotteries across every boundary…", max_entries=32)
def _computed_findings(
    place_id: str, indicator_id: str, grouping_id: str, period: str | None
) -> findings.Findings:
    return service.Places.computed(PLACES, place_id, indicator_id, grouping_id, period)


class CachedPlaces(service.Places):
    """The service's places, answered from this module's Streamlit caches."""

    def place(self, place_id: str) -> Place:
        return open_place(place_id)

    def place_at(self, place_id: str, indicator_id: str, period: str | None) -> Place:
        return place_at(place_id, indicator_id, period)

    def index(self, place_id: str) -> AreaIndex:
        return _index(place_id)

    def version(self, place_id: str) -> str | None:
        return _content(place_id)

    def stored(self, place_id: str) -> scan.StoredFindings | None:
        return stored_findings(place_id)

    def comparison(
        self, place_id: str, indicator_id: str, grouping_id: str
    ) -> benchmark.GroupComparison:
        return _comparison(place_id, indicator_id, grouping_id)

    def computed(
        self, place_id: str, indicator_id: str, grouping_id: str, period: str | None
    ) -> findings.Findings:
        return _computed_findings(place_id, indicator_id, grouping_id, period)


#: What the service's use cases read in the app: these caches.
PLACES = CachedPlaces()
