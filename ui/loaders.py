"""Cached loaders: the only place the app caches anything.

``st.cache_resource`` holds each Place (one copy shared by every session) and derived
objects keyed by hashable arguments; the first build of the demo shows its progress.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from insight import compare, demo, geocode, maps
from insight import profile as area_profile
from insight.errors import InsightError
from insight.place import DEMO_ID, Place, list_places, load_place
from ui import state

APP_ROOT = Path(__file__).resolve().parent.parent
STATIC_MAPS = APP_ROOT / "static" / "maps"


@st.cache_resource(show_spinner=False, max_entries=4)
def _place(place_id: str) -> Place:
    return load_place(place_id)


def current_place_id() -> str:
    """The place chosen in the URL (``?place=``), the demo by default."""
    return state.get("place", list(list_places()), DEMO_ID)


def place() -> Place:
    """The current Place, building the demo first (with a progress bar) when needed."""
    place_id = current_place_id()
    if place_id == DEMO_ID and not demo.is_current():
        with st.status(
            "Building the demo place: a one-off, about half a minute", expanded=True
        ) as status:
            bar = st.progress(0.0)
            demo.load_demo(
                progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message)
            )
            status.update(label="Demo place built", state="complete", expanded=False)
        _place.clear()
    try:
        return _place(place_id)
    except InsightError as error:
        st.error(str(error))
        st.stop()


def forget_place(place_id: str) -> None:
    """Drop cached copies after a place has been rebuilt."""
    _place.clear()


@st.cache_resource(show_spinner="Drawing the map…", max_entries=32)
def area_map(
    place_id: str,
    indicator_id: str,
    scheme: str,
    scope: tuple[str, str, tuple[str, ...]] | None,
    outline: str | None,
    services: tuple[str, ...],
) -> maps.AreaMap:
    """A choropleth (see :func:`insight.maps.area_map`), its files written to ``static/maps``.

    ``scope`` is ``(grouping id, grouping column, group codes)`` or None for everything.
    """
    current = _place(place_id)
    rows = None
    if scope is not None:
        grouping_id, _, codes = scope
        column = current.grouping(grouping_id).code_column
        rows = current.areas.index[current.areas[column].isin(codes)].to_numpy()
    ratings = compare.area_ratings(current, indicator_id) if scheme == "benchmark" else None
    result = maps.area_map(
        current,
        indicator_id,
        ratings=ratings,
        scheme=scheme,
        area_rows=rows,
        outline_grouping=outline,
        service_types=services,
    )
    maps.save_files(result.files, STATIC_MAPS)
    return result


@st.cache_resource(show_spinner=False, max_entries=64)
def touching(place_id: str, grouping_id: str, code: str) -> list[str]:
    """Codes of the groups touching ``code`` (see :func:`insight.maps.touching_groups`)."""
    return maps.touching_groups(_place(place_id), grouping_id, code)


def locate(place_id: str, postcode: str) -> geocode.PostcodeLocation:
    """Find a postcode's area (errors propagate for the page to show)."""
    return geocode.locate(_place(place_id), postcode)


def default_group(place: Place, grouping_id: str) -> str:
    """The group to start from: the one in the URL, else the one holding the searched postcode.

    Falls back to West Northamptonshire on the demo (our running example), else the first group.
    """
    grouping = place.grouping(grouping_id)
    codes = place.group_names(grouping_id).index
    postcode = state.get("postcode")
    if postcode:
        try:
            found = locate(place.id, postcode)
            return str(place.areas.iloc[found.area_index][grouping.code_column])
        except InsightError:
            pass  # a bad postcode is reported on the Your area page, not here
    return "E06000062" if "E06000062" in codes else str(codes[0])


@st.cache_resource(show_spinner=False, max_entries=64)
def benchmark(place_id: str, indicator_id: str, grouping_id: str) -> compare.Benchmarking:
    """All groups benchmarked (see :func:`insight.compare.benchmark_groups`)."""
    return compare.benchmark_groups(_place(place_id), indicator_id, grouping_id)


@st.cache_resource(show_spinner=False, max_entries=64)
def funnel(place_id: str, indicator_id: str, grouping_id: str) -> compare.Funnel:
    """Funnel plot data (see :func:`insight.compare.funnel`)."""
    return compare.funnel(_place(place_id), indicator_id, grouping_id)


@st.cache_resource(show_spinner=False, max_entries=64)
def spine(place_id: str, grouping_id: str, code: str):
    """Spine chart data (see :func:`insight.compare.spine`)."""
    return compare.spine(_place(place_id), grouping_id, code)


@st.cache_data(show_spinner=False, max_entries=256)
def profile(place_id: str, row: int, grouping_id: str):
    """One area's profile (see :func:`insight.profile.area_profile`)."""
    return area_profile.area_profile(_place(place_id), row, grouping_id)


@st.cache_data(show_spinner=False, max_entries=256)
def nearest_services(place_id: str, row: int):
    """Nearest services of each type (see :func:`insight.profile.nearest_services`)."""
    return area_profile.nearest_services(_place(place_id), row)


def build_report(place: Place) -> str | None:
    """The text of the build report stored with a place built from files, if any."""
    from insight.sources import BuildReport

    if "report" not in place.quality:
        return None
    return BuildReport.from_dict(place.quality).as_text()


@st.cache_resource(
    show_spinner="Looking for postcode lotteries across every boundary…", max_entries=32
)
def flags(place_id: str, indicator_id: str, grouping_id: str):
    """Ranked findings (see :func:`insight.lottery.flags`); a few seconds nationally, so cached."""
    from insight import lottery

    return lottery.flags(_place(place_id), indicator_id, grouping_id)


@st.cache_resource(show_spinner="Drawing the finding…", max_entries=64)
def flag_map(place_id: str, indicator_id: str, grouping_id: str, rank: int) -> maps.AreaMap:
    """Map of one finding (see :func:`insight.maps.flag_map`), its files written to ``static/maps``."""
    table = flags(place_id, indicator_id, grouping_id)
    result = maps.flag_map(_place(place_id), table[table["rank"] == rank].iloc[0], grouping_id)
    maps.save_files(result.files, STATIC_MAPS)
    return result


def featured(place: Place) -> tuple[str, str]:
    """The indicator and grouping whose findings the Home page leads with."""
    if (
        place.featured
        and place.featured[0] in place.indicators
        and place.featured[1] in place.groupings
    ):
        return place.featured[0], place.featured[1]
    polar = [i.id for i in place.indicators.values() if i.polarity != "neutral"]
    return (polar or list(place.indicators))[0], place.default_grouping


def _with_png(slide):
    """The slide with its picture rendered once (PNG at twice screen resolution)."""
    from insight import export

    slide.figure = slide.png(dpi=2 * export.PNG_DPI)
    return slide


@st.cache_data(show_spinner="Drawing the slide…", max_entries=64)
def finding_slide(place_id: str, indicator_id: str, grouping_id: str, position: int, day: str):
    """Slide ``position`` (0-based) of the ranked findings (see :func:`insight.export.finding_slide`)."""
    from insight import export

    row = flags(place_id, indicator_id, grouping_id).sort_values("rank").iloc[position]
    return _with_png(
        export.finding_slide(_place(place_id), row, indicator_id, grouping_id, date=day)
    )


@st.cache_data(show_spinner="Drawing the slide…", max_entries=64)
def item_slide(place_id: str, item: dict, day: str):
    """The slide of one item of the user's presentation (see :func:`insight.export.item_slide`)."""
    from insight import export

    return _with_png(
        export.item_slide(_place(place_id), item, lambda i, g: flags(place_id, i, g), date=day)
    )
