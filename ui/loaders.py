"""Cached loaders: the only place the app caches anything, one line over each use case of
:mod:`insight.service`, keyed by ids. ``st.cache_resource`` holds what every session shares,
read only (a Place, its index, drawn maps); ``st.cache_data`` tables, findings and slides (a
copy each). :data:`PLACES` answers the service's questions from these caches.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from insight import service
from insight.analysis import benchmark, findings, inequality, similar, trend
from insight.data import postcodes
from insight.model import Place
from insight.present import maps, slides
from ui import scan_progress, state
from ui.places import PLACES

STATIC_MAPS = Path(__file__).resolve().parent.parent / "static" / "maps"
#: Slides are shown at twice the resolution of their files (sharp on any screen).
SCREEN_DPI = 2 * slides.PNG_DPI
_Scope = tuple[str, tuple[str, ...]] | None


def place_at(place_id: str, indicator_id: str, period: str | None) -> Place:
    """The place with ``period``'s values of one indicator (shared: read only)."""
    return PLACES.place_at(place_id, indicator_id, period)


@st.cache_resource(show_spinner=False, max_entries=8)
def demo_ready(version: str | None) -> bool:
    """Whether the demo on disk is current and whole (asked once per version of it)."""
    return service.demo_ready()


def scan_into_store(place_id: str, bar: DeltaGenerator) -> service.ScanOutcome:
    """:func:`insight.service.scan_place` of the pairs the store lacks, ``bar`` showing how far."""
    return service.scan_place(
        place_id, only_missing=True, workers=0,
        progress=lambda fraction, message: bar.progress(
            min(fraction, 1.0), text=f"Looking for postcode lotteries: {message}"
        ),
    )  # fmt: skip


def forget_places() -> None:
    """Drop every cached place and what was worked out from it (after a build)."""
    st.cache_resource.clear()
    st.cache_data.clear()


@st.cache_resource(show_spinner=False, max_entries=8)
def area_codes(place_id: str) -> frozenset[str]:
    return service.area_codes(place_id, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=512)
def _outline(place_id: str, code: str) -> dict | None:
    return service.selection_outline(place_id, code, places=PLACES)


def with_selected(area_map: maps.AreaMap, place: Place, code: str | None, pin=None):
    """:func:`insight.present.maps.with_selected`, the area's outline worked out once."""
    outline = _outline(place.id, code) if code else None
    return maps.with_selected(area_map, place, code, outline=outline, pin=pin)


@st.cache_resource(show_spinner="Drawing the map…", max_entries=128)
def area_map(
    place_id: str, indicator_id: str, scheme: str, scope: _Scope, outline: str | None,
    services: tuple[str, ...], period: str | None = None,
) -> maps.AreaMap:  # fmt: skip
    """:func:`insight.service.area_map`, its files served from ``static/maps``."""
    drawn = service.area_map(
        place_id, indicator_id, scheme, scope, outline, services, period, places=PLACES
    )
    return maps.served(drawn, STATIC_MAPS)


@st.cache_data(show_spinner=False, max_entries=64)
def touching(place_id: str, grouping_id: str, code: str) -> list[str]:
    return service.touching(place_id, grouping_id, code, places=PLACES)


def locate(place_id: str, postcode: str) -> postcodes.PostcodeLocation:
    return service.locate(place_id, postcode, places=PLACES)


def lookup_file(place_id: str, content: bytes, name: str) -> tuple[pd.DataFrame, str]:
    # Not cached: it is quick (50,000 rows in seconds) and the file is private.
    return service.lookup_file(place_id, content, name, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=8)
def benchmark_notes(place_id: str) -> str:
    return service.benchmark_notes(place_id, places=PLACES)


@st.cache_resource(show_spinner=False, max_entries=4)
def _benchmark_coverages(place_id: str) -> dict[str, tuple[str, str]]:
    # Shared, read only: the same for every area of the place.
    return service.benchmark_coverages(place_id, places=PLACES)


@st.cache_resource(show_spinner=False, max_entries=4)
def _elsewhere_by_area(place_id: str) -> dict[int, tuple[str, float]]:
    # Shared, read only: every area's nearest other nation, worked out once per place.
    return service.elsewhere_by_area(place_id, places=PLACES)


def postcode_pin(place: Place) -> tuple[maps.Pin, str] | None:
    """The pin at the postcode in the URL (``?postcode=``) and where it is, or None."""
    return service.postcode_pin(place.id, state.get("postcode"), places=PLACES)


def default_group(place: Place, grouping_id: str) -> str:
    """The group holding the postcode in the URL, else the place's example group."""
    return service.default_group(place.id, grouping_id, state.get("postcode"), places=PLACES)


@st.cache_data(show_spinner=False, max_entries=64)
def compare_groups(
    place_id: str, indicator_id: str, grouping_id: str, period: str | None = None
) -> benchmark.GroupComparison:
    return service.compare_groups(place_id, indicator_id, grouping_id, period, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=256)
def area_trend(place_id: str, indicator_id: str, code: str) -> trend.TrendResult:
    return service.area_trend(place_id, indicator_id, code, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=128)
def group_trend(place_id: str, indicator_id: str, grouping_id: str, code: str) -> trend.TrendResult:
    return service.group_trend(place_id, indicator_id, grouping_id, code, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=64)
def similar_groups(place_id: str, grouping_id: str, code: str) -> similar.Neighbours:
    return service.similar_groups(place_id, grouping_id, code, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=64)
def map_average(
    place_id: str, indicator_id: str, scope: _Scope, period: str | None = None
) -> tuple[float, str | None]:
    return service.map_average(place_id, indicator_id, scope, period, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=64)
def inequality_by_deprivation(
    place_id: str, indicator_id: str, grouping_id: str | None, code: str | None
) -> inequality.Inequality:
    return service.inequality_result(place_id, indicator_id, grouping_id, code, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=16)
def deprivation_quantiles(place_id: str) -> pd.Series:
    return service.deprivation_quantiles(place_id, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=64)
def spine(place_id: str, grouping_id: str, code: str) -> pd.DataFrame:
    return service.spine(place_id, grouping_id, code, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=1024)
def area_profile(place_id: str, row: int, grouping_id: str) -> pd.DataFrame:
    """One area's profile, kept per area (every postcode of the area reads it again)."""
    return service.area_profile(
        place_id, row, grouping_id, places=PLACES, elsewhere=_elsewhere_by_area(place_id)
    )


@st.cache_data(show_spinner=False, max_entries=1024)
def nation_note(place_id: str, row: int, grouping_id: str) -> str:
    shown = area_profile(place_id, row, grouping_id)
    coverages = _benchmark_coverages(place_id)
    return service.nation_note(place_id, row, shown, places=PLACES, coverages=coverages)


@st.cache_data(show_spinner=False, max_entries=256)
def nearest_services(place_id: str, row: int) -> pd.DataFrame:
    return service.nearest_services(place_id, row, places=PLACES)


def build_report(place: Place) -> str | None:
    return service.build_report(place.id, places=PLACES)


def ranked_findings(
    place_id: str, indicator_id: str, grouping_id: str, period: str | None = None
) -> findings.Findings:
    """:func:`insight.service.pair_findings` (shared), a spinner until the scan checks the pair."""
    with scan_progress.waiting(place_id, indicator_id, grouping_id, period or ""):
        return service.pair_findings(place_id, indicator_id, grouping_id, period, places=PLACES)


@st.cache_resource(show_spinner=False, max_entries=8)
def _strongest(
    place_id: str, version: str, store: tuple[int, int], top: int | None
) -> findings.Strongest | None:
    best = service.strongest_findings(place_id, top, places=PLACES)
    return best if best.pairs else None


def strongest_findings(place_id: str, top: int | None = None) -> findings.Strongest | None:
    """:func:`insight.service.strongest_findings` (shared), None without a current store."""
    store = service.store_version(place_id)
    return None if store is None else _strongest(place_id, PLACES.version(place_id), store, top)


@st.cache_resource(show_spinner="Drawing the finding…", max_entries=64)
def finding_map(
    place_id: str, indicator_id: str, grouping_id: str, rank: int, period: str | None = None
) -> maps.AreaMap:
    """:func:`insight.service.finding_map`, its files served from ``static/maps``."""
    drawn = service.finding_map(place_id, indicator_id, grouping_id, rank, period, places=PLACES)
    return maps.served(drawn, STATIC_MAPS)


slide_panels = st.cache_data(show_spinner=False, max_entries=64)(slides.picture_panels)


@st.cache_data(show_spinner="Drawing the slide…", max_entries=64)
def finding_slide(
    place_id: str, indicator_id: str, grouping_id: str, position: int, day: str
) -> slides.Slide:
    """Slide ``position`` (0-based) of a pair's ranked findings."""
    found = sorted(ranked_findings(place_id, indicator_id, grouping_id), key=lambda f: f.rank)
    return service.finding_slide(
        place_id, found[position], date=day, picture_dpi=SCREEN_DPI, places=PLACES
    )


@st.cache_data(show_spinner="Drawing the slide…", max_entries=64)
def strongest_slide(place_id: str, position: int, day: str) -> slides.Slide:
    """Slide ``position`` (0-based) of the strongest findings across every pair."""
    finding = strongest_findings(place_id).items[position]  # type: ignore[union-attr]
    return service.finding_slide(place_id, finding, date=day, picture_dpi=SCREEN_DPI, places=PLACES)


@st.cache_data(show_spinner="Drawing the slide…", max_entries=64)
def item_slide(place_id: str, item: slides.SlideItem, day: str) -> slides.Slide:
    """The slide of one item of the user's presentation."""
    return service.item_slide(place_id, item, date=day, picture_dpi=SCREEN_DPI, places=PLACES)
