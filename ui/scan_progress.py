"""The background scan of a place's findings on every page: started once per server process
(:data:`insight.service.background.SCANS`), shown as a progress bar at the top of every
page until it is done, and waited for by a page that needs a pair not yet checked.

The bar is a fragment that looks at the scan's progress every few seconds while the scan
runs; when it ends, the whole page runs again once (Home then shows the findings of every
pair) and nothing polls any more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from insight.explain import WAITING_FOR_PAIR, scan_progress_sentence
from insight.service.background import SCANS, ScanProgress
from ui import access
from ui.places import PLACES

#: Seconds between two looks at the scan's progress while it runs.
EVERY_S = 3.0


def progress(place_id: str) -> ScanProgress:
    """How far the scan of the place's findings has got, starting it first when it is
    needed and this visitor may write (never on a public dashboard's visitors' behalf)."""
    if access.current().can_write:
        return SCANS.start(place_id, PLACES)
    return SCANS.progress(place_id, PLACES)


@st.fragment(run_every=EVERY_S)
def _bar(place_id: str) -> None:
    now = SCANS.progress(place_id, PLACES)
    if not now.running:
        st.rerun()  # the whole page once more, with every pair; the polling stops
    st.progress(now.fraction, text=scan_progress_sentence(now.checked, now.total, now.seconds_left))


def progress_bar(place_id: str) -> ScanProgress:
    """Draw the scan's progress bar while the scan runs (nothing once it is done).

    Returns
    -------
    ScanProgress
        The progress when the page started.
    """
    now = progress(place_id)
    if now.running:
        _bar(place_id)
    return now


@contextmanager
def waiting(place_id: str, indicator_id: str, grouping_id: str, period: str = "") -> Iterator[None]:
    """A spinner saying so while a page waits for a pair the background scan has not
    checked yet (:func:`insight.service.pair_findings` waits for it); nothing otherwise."""
    stored = PLACES.stored(place_id)
    missing = stored is None or stored.findings(indicator_id, grouping_id, period) is None
    if missing and SCANS.progress(place_id, PLACES).running:
        with st.spinner(WAITING_FOR_PAIR):
            yield
    else:
        yield
