"""Cached loaders: the only place the app caches anything.

Every cache is keyed by hashable arguments (a place id, indicator and grouping ids...).
``st.cache_resource`` holds the read-only objects shared by every session: the Place, its
spatial index and the drawn maps (nothing here or in the pages changes them).
``st.cache_data`` holds tables, findings and slides (each caller gets its own copy).

Findings come from the place's findings store (:mod:`insight.data.findings_store`, written
by ``python -m insight scan`` and by every build) when it is current for the version of the
place this process has loaded; only a pair the store does not hold is worked out here.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from insight import service
from insight.analysis import benchmark, findings, inequality, profile, scan, similar, trend
from insight.data import demo, findings_store, postcodes
from insight.data.catalogue import list_places
from insight.data.sources import BuildReport
from insight.data.store import content_hash, data_dir, place_dir, version_of
from insight.errors import InsightError
from insight.explain import (
    DEMO_NOT_READY,
    PLACE_UNAVAILABLE,
    escape_markdown,
    pin_label,
    pin_sentence,
)
from insight.model import DEMO_ID, Place
from insight.present import maps, slides
from insight.spatial.index import AreaIndex
from ui import access, state

APP_ROOT = Path(__file__).resolve().parent.parent
STATIC_MAPS = APP_ROOT / "static" / "maps"


@st.cache_resource(show_spinner=False, max_entries=4)
def _place(place_id: str) -> Place:
    loaded = service.open_place(place_id, rebuild=False)
    # The place lives as long as the server: move it out of the garbage collector's sight,
    # so that no collection (each one holding the interpreter, and with it the server's
    # event loop, for a third of a second on the demo) walks its objects again. No
    # collection first: that alone would cost the first visitor 0.2 s, to free a little
    # start-up garbage. (PLACE_INSIGHT_GC_FREEZE=0 turns this off, for bench/load.py.)
    if os.environ.get("PLACE_INSIGHT_GC_FREEZE", "1") != "0":
        gc.freeze()
    return loaded


def place_at(place_id: str, indicator_id: str, period: str | None) -> Place:
    """The place with ``period``'s values of one indicator on its areas (shared: read only);
    the place itself for the latest period (None)."""
    return _place_at(place_id, indicator_id, period)


@st.cache_resource(show_spinner=False, max_entries=16)
def _place_at(place_id: str, indicator_id: str, period: str | None) -> Place:
    """The place as it was in ``period`` of one indicator (see
    :func:`insight.analysis.trend.at_period`); the place itself for the latest (None)."""
    return service.Places.place_at(PLACES, place_id, indicator_id, period)


@st.cache_resource(show_spinner=False, max_entries=4)
def _content(place_id: str) -> str:
    """Content hash of the version of the place loaded by :func:`_place`."""
    _place(place_id)
    return content_hash(place_dir(place_id))


@st.cache_resource(show_spinner=False, max_entries=4)
def _index(place_id: str) -> AreaIndex:
    return AreaIndex.for_place(_place(place_id))


@st.cache_resource(show_spinner=False, max_entries=8)
def _demo_ready(version: str | None) -> bool:
    """Whether the demo on disk is current and whole (asked once per version of it)."""
    return demo.is_current()


_VERSIONS: dict[str, str | None] = {}
_VERSIONS_LOCK = threading.Lock()


def current_place_id() -> str:
    """The place chosen in the URL (``?place=``), the demo by default."""
    return state.get("place", list(list_places()), DEMO_ID)


def _notice_replacement(place_id: str) -> None:
    """Forget what was worked out from a place another process has replaced since."""
    version = version_of(place_dir(place_id))
    with _VERSIONS_LOCK:
        known = _VERSIONS.get(place_id)
        _VERSIONS[place_id] = version
    if known is not None and known != version:
        forget_places()


def place() -> Place:
    """The current Place, building the demo first (with a progress bar) when allowed.

    On a public dashboard visitors never cause a build: if the demo has not been built on
    the server, the page says so (the administrator runs ``python -m insight build``).
    Problems opening a place (damaged files, folders that cannot be written) are shown as
    a message, never a traceback.
    """
    place_id = current_place_id()
    _notice_replacement(place_id)
    if place_id == DEMO_ID and not _demo_ready(version_of(place_dir(DEMO_ID))):
        if access.current().mode == "public":
            _LOG.warning("%s", demo.NOT_BUILT)
            st.info(DEMO_NOT_READY)
            st.stop()
        _build_demo()
    try:
        return _place(place_id)
    except InsightError as error:
        st.error(escape_markdown(shown_to_visitor(str(error))))
        st.stop()
    except OSError as error:
        st.error(escape_markdown(shown_to_visitor(_os_message(error))))
        st.stop()


_LOG = logging.getLogger("place_insight")
_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/'\"`]+/)*([^\s/'\"`]+)")


def shown_to_visitor(message: str) -> str:
    """What this visitor is told of a problem opening a place.

    Someone who may not write (a visitor of a public dashboard) reads no server path and
    no administrator's command: the sentence :data:`insight.explain.PLACE_UNAVAILABLE`,
    with the whole message in the server's log. An officer reads the message with every
    path cut to the file's name (the data folder named as such).

    Parameters
    ----------
    message : str
        The error's message.

    Returns
    -------
    str
        The text to show.
    """
    _LOG.warning("Could not open a place: %s", message)
    if not access.current().can_write:
        return PLACE_UNAVAILABLE
    message = message.replace(str(data_dir().resolve()), "the data folder")
    return _PATH.sub(r"\1", message)


def _build_demo() -> None:
    try:
        with st.status(
            "Building the demo place: a one-off, a few minutes on a small computer",
            expanded=True,
        ) as status:
            bar = st.progress(0.0)
            demo.load_demo(
                progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message)
            )
            status.update(
                label="Looking for postcode lotteries across every boundary: the bar shows "
                "how many indicator and boundary pairs are done"
            )
            scan_into_store(DEMO_ID, bar)
            status.update(label="Demo place built", state="complete", expanded=False)
    except OSError as error:
        st.error(escape_markdown(_os_message(error)))
        st.stop()
    forget_places()


def _os_message(error: OSError) -> str:
    where = error.filename or "the data folder"
    return (
        f"Place Insight cannot use {where}: {error.strerror or error}. The folder must be "
        "readable (and writable, to build places) by the user running the app; or point "
        "PLACE_INSIGHT_DATA at a folder that is."
    )


def scan_into_store(place_id: str, bar) -> service.ScanOutcome:
    """Scan the pairs a place's findings store lacks, in this process, into the store
    (:func:`insight.service.scan_place`): what a build in the app does after the place is
    written. ``bar`` is an ``st.progress`` element."""
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
    """The codes of a place's areas (to check ``?area=`` against)."""
    return frozenset(_place(place_id).areas["code"].astype(str))


@st.cache_data(show_spinner=False, max_entries=512)
def _outline(place_id: str, code: str) -> dict | None:
    return maps.selection_outline(_place(place_id), code)


def with_selected(
    area_map: maps.AreaMap, place: Place, code: str | None, pin: maps.Pin | None = None
):
    """:func:`insight.present.maps.with_selected`, the area's outline worked out once."""
    outline = _outline(place.id, code) if code else None
    return maps.with_selected(area_map, place, code, outline=outline, pin=pin)


def _served(result: maps.AreaMap) -> maps.AreaMap:
    """The map with its files in ``static/maps``, or inline if that folder is read-only."""
    try:
        maps.save_files(result.files, STATIC_MAPS)
    except OSError:
        return maps.inline(result)
    return result


def area_map(
    place_id: str,
    indicator_id: str,
    scheme: str,
    scope: tuple[str, tuple[str, ...]] | None,
    outline: str | None,
    services: tuple[str, ...],
    period: str | None = None,
) -> maps.AreaMap:
    """A choropleth (see :func:`insight.present.maps.area_map`), its files in ``static/maps``.

    ``scope`` is ``(grouping id, group codes)`` or None for everything; ``period`` one of
    the indicator's earlier periods (None: the latest).
    """
    return _served(_area_map(place_id, indicator_id, scheme, scope, outline, services, period))


@st.cache_resource(show_spinner="Drawing the map…", max_entries=128)
def _area_map(
    place_id: str,
    indicator_id: str,
    scheme: str,
    scope: tuple[str, tuple[str, ...]] | None,
    outline: str | None,
    services: tuple[str, ...],
    period: str | None = None,
) -> maps.AreaMap:
    """A choropleth (see :func:`insight.present.maps.area_map`), its files in ``static/maps``.

    ``scope`` is ``(grouping id, group codes)`` or None for everything.
    """
    current = _place_at(place_id, indicator_id, period)
    rows = None
    if scope is not None:
        grouping_id, codes = scope
        column = current.grouping(grouping_id).code_column
        rows = current.areas.index[current.areas[column].isin(codes)].to_numpy()
    ratings = benchmark.area_ratings(current, indicator_id) if scheme == "benchmark" else None
    return maps.area_map(
        current,
        indicator_id,
        ratings=ratings,
        scheme=scheme,
        area_rows=rows,
        outline_grouping=outline,
        index=_index(place_id),
        service_types=services,
    )


@st.cache_data(show_spinner=False, max_entries=64)
def touching(place_id: str, grouping_id: str, code: str) -> list[str]:
    """Codes of the groups touching ``code`` (see :meth:`AreaIndex.touching_groups`)."""
    grouping = _place(place_id).grouping(grouping_id)
    return _index(place_id).touching_groups(grouping.code_column, code)


def locate(place_id: str, postcode: str) -> postcodes.PostcodeLocation:
    """Find a postcode's area (errors propagate for the page to show)."""
    return service.locate(place_id, postcode, places=PLACES)


def lookup_file(place_id: str, content: bytes, name: str) -> tuple[pd.DataFrame, str]:
    """The batch lookup of a file of postcodes (:func:`insight.service.lookup_file`), with
    the place's shared index. Not cached: it is quick (50,000 rows in seconds) and the file
    is private."""
    return service.lookup_file(place_id, content, name, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=8)
def benchmark_notes(place_id: str) -> str:
    """What each benchmark leaves out, one sentence per indicator where it leaves out some
    (see :func:`insight.analysis.benchmark.benchmark_coverage`); "" when none does."""
    current = _place(place_id)
    notes = {
        benchmark.benchmark_coverage(current, indicator)[1]
        for indicator in current.indicators.values()
    }
    return " ".join(sorted(n for n in notes if n))


def postcode_pin(place: Place) -> tuple[maps.Pin, str] | None:
    """The pin at the postcode in the URL (``?postcode=``) and the sentence saying where it
    is, or None when there is none or it cannot be placed (Your area reports why)."""
    postcode = state.get("postcode")
    if not postcode:
        return None
    try:
        found = locate(place.id, postcode)
    except InsightError:
        return None
    pin = maps.Pin(found.easting, found.northing, pin_label(found.postcode), found.area_code)
    return pin, pin_sentence(found.postcode, found.area_name)


def default_group(place: Place, grouping_id: str) -> str:
    """The group to start from: the one holding the searched postcode, else the place's
    example group (:meth:`insight.model.Place.example_group`)."""
    grouping = place.grouping(grouping_id)
    postcode = state.get("postcode")
    if postcode:
        try:
            found = locate(place.id, postcode)
            return str(place.areas.iloc[found.area_index][grouping.code_column])
        except InsightError:
            pass  # a bad postcode is reported on the Your area page, not here
    return place.example_group(grouping_id)


@st.cache_data(show_spinner=False, max_entries=64)
def compare_groups(
    place_id: str, indicator_id: str, grouping_id: str, period: str | None = None
) -> benchmark.GroupComparison:
    """Every group benchmarked (see :func:`insight.analysis.benchmark.compare_groups`), in
    ``period`` of the indicator (None: the latest)."""
    return service.compare_groups(place_id, indicator_id, grouping_id, period, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=256)
def area_trend(place_id: str, indicator_id: str, code: str) -> trend.TrendResult:
    """One area's series and recent trend (see :func:`insight.analysis.trend.area_trends`)."""
    return trend.area_trends(_place(place_id), indicator_id, [code])


@st.cache_data(show_spinner=False, max_entries=128)
def group_trend(place_id: str, indicator_id: str, grouping_id: str, code: str) -> trend.TrendResult:
    """One group's series and recent trend (see :func:`insight.analysis.trend.group_trend`)."""
    return trend.group_trend(_place(place_id), indicator_id, grouping_id, code)


@st.cache_resource(show_spinner=False, max_entries=128)
def _comparison(place_id: str, indicator_id: str, grouping_id: str) -> benchmark.GroupComparison:
    # Shared, read-only: the area profiles of every visitor read the same comparisons.
    return service.Places.comparison(PLACES, place_id, indicator_id, grouping_id)


@st.cache_data(show_spinner=False, max_entries=64)
def similar_groups(place_id: str, grouping_id: str, code: str) -> similar.Neighbours:
    """A group's statistical neighbours (see :func:`insight.analysis.similar.similar_groups`)."""
    return similar.similar_groups(_place(place_id), grouping_id, code)


@st.cache_data(show_spinner=False, max_entries=64)
def map_average(
    place_id: str,
    indicator_id: str,
    scope: tuple[str, tuple[str, ...]] | None,
    period: str | None = None,
) -> tuple[float, str | None]:
    """The average a map states, by the engine's one rule: nationally the benchmark of
    Compare and Your area (and its name); for the groups of ``scope``, the average of their
    areas as a group's is worked out (name None)."""
    if scope is None:
        result = compare_groups(place_id, indicator_id, scope_grouping(place_id), period)
        return result.benchmark, result.benchmark_name
    current = _place_at(place_id, indicator_id, period)
    grouping = current.grouping(scope[0])
    rows = current.areas[grouping.code_column].isin(list(scope[1])).to_numpy().nonzero()[0]
    return benchmark.mean_of(current, current.indicator(indicator_id), rows), None


def scope_grouping(place_id: str) -> str:
    """Any grouping of the place: the benchmark does not depend on it."""
    return _place(place_id).default_grouping


@st.cache_data(show_spinner=False, max_entries=64)
def inequality_by_deprivation(
    place_id: str, indicator_id: str, grouping_id: str | None, code: str | None
) -> inequality.Inequality:
    """An indicator by deprivation fifth (see :func:`insight.analysis.inequality.inequality`)."""
    return service.inequality_result(place_id, indicator_id, grouping_id, code, places=PLACES)


@st.cache_data(show_spinner=False, max_entries=16)
def deprivation_quantiles(place_id: str) -> pd.Series:
    """Each area's deprivation fifth of the whole place, by area code (0: no value)."""
    place = _place(place_id)
    return pd.Series(inequality.deprivation_quantiles(place), index=place.areas["code"])


@st.cache_data(show_spinner=False, max_entries=64)
def spine(place_id: str, grouping_id: str, code: str) -> pd.DataFrame:
    """Spine chart data (see :func:`insight.analysis.benchmark.spine`)."""
    return benchmark.spine(_place(place_id), grouping_id, code)


@st.cache_data(show_spinner=False, max_entries=256)
def area_profile(place_id: str, row: int, grouping_id: str) -> pd.DataFrame:
    """One area's profile (see :func:`insight.analysis.profile.area_profile`), told when
    its nearest boundary is with a nation the place has no figures for (Scotland)."""
    current = _place(place_id)
    try:
        elsewhere = postcodes.elsewhere_near(current.areas.geometry.iloc[row])
    except InsightError:  # no postcode directory: no word on other nations, the rest stands
        elsewhere = None
    return profile.area_profile(
        current,
        _index(place_id),
        row,
        grouping_id,
        comparisons=lambda i, g: _comparison(place_id, i, g),
        elsewhere=elsewhere,
    )


def nation_note(place_id: str, row: int, grouping_id: str) -> str:
    """Why a Welsh area is compared with England (see
    :func:`insight.analysis.profile.nation_note`); "" when it is not."""
    return profile.nation_note(_place(place_id), row, area_profile(place_id, row, grouping_id))


@st.cache_data(show_spinner=False, max_entries=256)
def nearest_services(place_id: str, row: int) -> pd.DataFrame:
    """Nearest services of each type (see :func:`insight.analysis.profile.nearest_services`)."""
    return profile.nearest_services(_place(place_id), row)


def build_report(place: Place) -> str | None:
    """The text of the build report stored with a place built from files, if any."""
    if "report" not in place.quality:
        return None
    return BuildReport.from_dict(place.quality).as_text()


@st.cache_resource(show_spinner=False, max_entries=4)
def _stored_findings(
    place_id: str, version: str, store: tuple[int, int] | None
) -> scan.StoredFindings | None:
    """The place's findings store if it is current for ``version`` of the place (read once
    per version of the place and of the store file)."""
    return None if store is None else service.read_stored(place_id, version)


def stored_findings(place_id: str) -> scan.StoredFindings | None:
    """The current findings store of the place, or None (a ``stat`` of the store per call,
    so a new scan written by another process is seen)."""
    return _stored_findings(place_id, _content(place_id), findings_store.store_version(place_id))


@st.cache_data(show_spinner="Looking for postcode lotteries across every boundary…", max_entries=32)
def _computed_findings(place_id: str, indicator_id: str, grouping_id: str) -> findings.Findings:
    return service.Places.computed(PLACES, place_id, indicator_id, grouping_id, None)


@st.cache_data(show_spinner="Looking for postcode lotteries across every boundary…", max_entries=16)
def _findings_at(
    place_id: str, indicator_id: str, grouping_id: str, period: str
) -> findings.Findings:
    return service.Places.computed(PLACES, place_id, indicator_id, grouping_id, period)


def ranked_findings(
    place_id: str, indicator_id: str, grouping_id: str, period: str | None = None
) -> findings.Findings:
    """Ranked findings (:func:`insight.service.pair_findings`): from the findings store at
    once (an earlier ``period`` too: the scan covers every period), else worked out here
    (seconds nationally). Shared: do not change them."""
    return service.pair_findings(place_id, indicator_id, grouping_id, period, places=PLACES)


@st.cache_resource(show_spinner=False, max_entries=4)
def _strongest(place_id: str, version: str, store: tuple[int, int]) -> findings.Strongest | None:
    best = service.strongest_findings(place_id, places=PLACES)
    return best if best.pairs else None


def strongest_findings(place_id: str) -> findings.Strongest | None:
    """The strongest findings across every indicator × grouping of the place's findings
    store (:func:`insight.service.strongest_findings`), or None without a current store.
    Shared: do not change them."""
    store = findings_store.store_version(place_id)
    return None if store is None else _strongest(place_id, _content(place_id), store)


@st.cache_resource(show_spinner="Drawing the finding…", max_entries=64)
def finding_map(
    place_id: str, indicator_id: str, grouping_id: str, rank: int, period: str | None = None
) -> maps.AreaMap:
    """Map of one finding (see :func:`insight.present.maps.flag_map`), files in ``static/maps``."""
    return _served(_finding_map(place_id, indicator_id, grouping_id, rank, period))


@st.cache_resource(show_spinner="Drawing the finding…", max_entries=64)
def _finding_map(
    place_id: str, indicator_id: str, grouping_id: str, rank: int, period: str | None = None
) -> maps.AreaMap:
    finding = ranked_findings(place_id, indicator_id, grouping_id, period).by_rank(rank)
    return maps.flag_map(_place_at(place_id, indicator_id, period), finding, _index(place_id))


def _with_png(slide: slides.Slide) -> slides.Slide:
    """The slide with its picture rendered once (PNG at twice screen resolution)."""
    slide.figure = slide.png(dpi=2 * slides.PNG_DPI)
    return slide


@st.cache_data(show_spinner=False, max_entries=64)
def slide_panels(png: bytes) -> tuple[bytes, bytes]:
    """A slide's map and chart as two pictures (:func:`~slides.picture_panels`), cut once."""
    return slides.picture_panels(png)


@st.cache_data(show_spinner="Drawing the slide…", max_entries=64)
def finding_slide(
    place_id: str, indicator_id: str, grouping_id: str, position: int, day: str
) -> slides.Slide:
    """Slide ``position`` (0-based) of the ranked findings (:func:`~slides.finding_slide`)."""
    found = ranked_findings(place_id, indicator_id, grouping_id)
    finding = sorted(found, key=lambda f: f.rank)[position]
    return _with_png(slides.finding_slide(_place(place_id), finding, _index(place_id), date=day))


@st.cache_data(show_spinner="Drawing the slide…", max_entries=64)
def strongest_slide(place_id: str, position: int, day: str) -> slides.Slide:
    """Slide ``position`` (0-based) of the strongest findings across every pair."""
    finding = strongest_findings(place_id).items[position]
    return _with_png(slides.finding_slide(_place(place_id), finding, _index(place_id), date=day))


@st.cache_data(show_spinner="Drawing the slide…", max_entries=64)
def item_slide(place_id: str, item: dict, day: str) -> slides.Slide:
    """The slide of one item of the user's presentation (:func:`~slides.item_slide`)."""
    return _with_png(
        slides.item_slide(
            _place(place_id),
            item,
            lambda i, g: ranked_findings(place_id, i, g),
            _index(place_id),
            date=day,
        )
    )


class _CachedPlaces(service.Places):
    """The service's places, answered from this module's Streamlit caches."""

    def place(self, place_id: str) -> Place:
        return _place(place_id)

    def place_at(self, place_id: str, indicator_id: str, period: str | None) -> Place:
        return _place_at(place_id, indicator_id, period)

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
        if period is not None:
            return _findings_at(place_id, indicator_id, grouping_id, period)
        return _computed_findings(place_id, indicator_id, grouping_id)


#: What the service's use cases read in the app: this module's caches.
PLACES = _CachedPlaces()
