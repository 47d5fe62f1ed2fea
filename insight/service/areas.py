"""Areas and groups, once for every front end: an area's profile and nearest services, a
group's neighbours (touching or similar), spine and series, and where a postcode is.

Each is a plain function of a place id and the ids of what is asked, its place from
:class:`~insight.service.places.Places` (the app's caches, or opened here).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from insight.analysis import benchmark, inequality, profile, similar, trend
from insight.data import postcodes
from insight.data.sources import BuildReport
from insight.errors import InsightError
from insight.explain import pin_label, pin_sentence
from insight.present import maps
from insight.service.places import Places
from insight.service.queries import locate

__all__ = [
    "area_codes",
    "area_profile",
    "area_trend",
    "benchmark_coverages",
    "benchmark_notes",
    "build_report",
    "default_group",
    "deprivation_quantiles",
    "elsewhere_by_area",
    "group_trend",
    "nation_note",
    "nearest_services",
    "postcode_pin",
    "similar_groups",
    "spine",
    "touching",
]


def area_codes(place_id: str, *, places: Places | None = None) -> frozenset[str]:
    """The codes of a place's areas (to check an area asked for against).

    Examples
    --------
    >>> "E01027153" in area_codes("demo")  # doctest: +SKIP
    True
    """
    return frozenset((places or Places()).place(place_id).areas["code"].astype(str))


def touching(
    place_id: str, grouping_id: str, code: str, *, places: Places | None = None
) -> list[str]:
    """Codes of the groups touching group ``code`` (see
    :meth:`insight.spatial.index.AreaIndex.touching_groups`).

    Raises
    ------
    DataError
        An unknown grouping.

    Examples
    --------
    >>> touching("demo", "lad", "E06000062")[:2]  # doctest: +SKIP
    """
    places = places or Places()
    column = places.place(place_id).grouping(grouping_id).code_column
    return places.index(place_id).touching_groups(column, code)


def similar_groups(
    place_id: str, grouping_id: str, code: str, *, places: Places | None = None
) -> similar.Neighbours:
    """A group's statistical neighbours (see :func:`insight.analysis.similar.similar_groups`).

    Raises
    ------
    DataError
        An unknown grouping or group, or too few indicators to compare on.
    """
    return similar.similar_groups((places or Places()).place(place_id), grouping_id, code)


def area_trend(
    place_id: str, indicator_id: str, code: str, *, places: Places | None = None
) -> trend.TrendResult:
    """One area's series and recent trend (see :func:`insight.analysis.trend.area_trends`).

    Raises
    ------
    DataError
        An unknown indicator or area.
    """
    return trend.area_trends((places or Places()).place(place_id), indicator_id, [code])


def group_trend(
    place_id: str, indicator_id: str, grouping_id: str, code: str, *, places: Places | None = None
) -> trend.TrendResult:
    """One group's series and recent trend (see :func:`insight.analysis.trend.group_trend`).

    Raises
    ------
    DataError
        An unknown indicator, grouping or group.
    """
    place = (places or Places()).place(place_id)
    return trend.group_trend(place, indicator_id, grouping_id, code)


def spine(
    place_id: str, grouping_id: str, code: str, *, places: Places | None = None
) -> pd.DataFrame:
    """A group's every indicator against the benchmark (see
    :func:`insight.analysis.benchmark.spine`)."""
    return benchmark.spine((places or Places()).place(place_id), grouping_id, code)


def deprivation_quantiles(place_id: str, *, places: Places | None = None) -> pd.Series:
    """Each area's deprivation fifth of the whole place, by area code (0: no value; see
    :func:`insight.analysis.inequality.deprivation_quantiles`)."""
    place = (places or Places()).place(place_id)
    return pd.Series(inequality.deprivation_quantiles(place), index=place.areas["code"])


def elsewhere_by_area(
    place_id: str, *, places: Places | None = None
) -> dict[int, tuple[str, float]]:
    """Every area of a place that has a nation without figures (Scotland) within
    :data:`insight.data.postcodes.ELSEWHERE_NEAR_KM`: that nation and how far it is (km),
    by the area's row (see :func:`insight.data.postcodes.elsewhere_near_all`). Worked out
    for all areas at once, so a caller that keeps it answers each area's profile without
    searching the postcode directory again.

    Returns
    -------
    dict
        ``{row: (nation, km)}``; empty without a postcode directory.

    Examples
    --------
    >>> elsewhere_by_area("demo").get(0) is None  # doctest: +SKIP
    True
    """
    place = (places or Places()).place(place_id)
    try:
        return postcodes.elsewhere_near_all(place.areas.geometry.to_numpy())
    except InsightError:  # no postcode directory: no word on other nations, the rest stands
        return {}


def area_profile(
    place_id: str,
    row: int,
    grouping_id: str,
    *,
    places: Places | None = None,
    elsewhere: Mapping[int, tuple[str, float]] | None = None,
) -> pd.DataFrame:
    """One area's profile (see :func:`insight.analysis.profile.area_profile`), told when its
    nearest boundary is with a nation the place has no figures for (Scotland).

    Parameters
    ----------
    place_id : str
        The place.
    row : int
        The area's row in ``place.areas``.
    grouping_id : str
        The grouping the area is compared within.
    places : Places, optional
        Where the place and its comparisons come from (default: opened here).
    elsewhere : mapping, optional
        :func:`elsewhere_by_area` of the place, when the caller keeps it (default: this
        area's alone is looked up here).

    Returns
    -------
    pandas.DataFrame
        One row per indicator.

    Examples
    --------
    >>> area_profile("demo", 0, "lad")["indicator"].tolist()[:1]  # doctest: +SKIP
    ['admissions']
    """
    places = places or Places()
    place = places.place(place_id)
    if elsewhere is not None:
        near = elsewhere.get(row)
    else:
        try:
            near = postcodes.elsewhere_near(place.areas.geometry.iloc[row])
        except InsightError:  # no postcode directory: no word on other nations
            near = None
    return profile.area_profile(
        place,
        places.index(place_id),
        row,
        grouping_id,
        comparisons=lambda i, g: places.comparison(place_id, i, g),
        elsewhere=near,
    )


def benchmark_coverages(
    place_id: str, *, places: Places | None = None
) -> dict[str, tuple[str, str]]:
    """What each indicator's benchmark covers, by indicator id (see
    :func:`insight.analysis.benchmark.benchmark_coverage`): the same for every area, so a
    caller keeps it once per place.

    Examples
    --------
    >>> benchmark_coverages("demo")["admissions"][0]  # doctest: +SKIP
    'England'
    """
    place = (places or Places()).place(place_id)
    return {i.id: benchmark.benchmark_coverage(place, i) for i in place.indicators.values()}


def nation_note(
    place_id: str,
    row: int,
    shown: pd.DataFrame,
    *,
    places: Places | None = None,
    coverages: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """Why a Welsh area is compared with England (see
    :func:`insight.analysis.profile.nation_note`); "" when it is not. ``shown`` is the
    area's profile (:func:`area_profile`); ``coverages`` :func:`benchmark_coverages`, when
    the caller keeps it (default: worked out here)."""
    return profile.nation_note((places or Places()).place(place_id), row, shown, coverages)


def nearest_services(place_id: str, row: int, *, places: Places | None = None) -> pd.DataFrame:
    """Nearest services of each type to an area (see
    :func:`insight.analysis.profile.nearest_services`)."""
    return profile.nearest_services((places or Places()).place(place_id), row)


def benchmark_notes(place_id: str, *, places: Places | None = None) -> str:
    """What each benchmark leaves out, one sentence per indicator where it leaves out some
    (see :func:`insight.analysis.benchmark.benchmark_coverage`); "" when none does."""
    notes = {note for _, note in benchmark_coverages(place_id, places=places).values()}
    return " ".join(sorted(n for n in notes if n))


def build_report(place_id: str, *, places: Places | None = None) -> str | None:
    """The text of the build report stored with a place built from files (None: none)."""
    place = (places or Places()).place(place_id)
    if "report" not in place.quality:
        return None
    return BuildReport.from_dict(place.quality).as_text()


def postcode_pin(
    place_id: str, postcode: str | None, *, places: Places | None = None
) -> tuple[maps.Pin, str] | None:
    """The map pin at a postcode and the sentence saying where it is; None when there is no
    postcode or it cannot be placed (the page that asked for it reports why).

    Examples
    --------
    >>> postcode_pin("demo", None) is None
    True
    """
    if not postcode:
        return None
    try:
        found = locate(place_id, postcode, places=places)
    except InsightError:
        return None
    pin = maps.Pin(found.easting, found.northing, pin_label(found.postcode), found.area_code)
    return pin, pin_sentence(found.postcode, found.area_name)


def default_group(
    place_id: str, grouping_id: str, postcode: str | None = None, *, places: Places | None = None
) -> str:
    """The group to start from: the one holding ``postcode`` when it can be placed, else
    the place's example group (:meth:`insight.model.Place.example_group`).

    Raises
    ------
    DataError
        An unknown grouping.
    """
    places = places or Places()
    place = places.place(place_id)
    column = place.grouping(grouping_id).code_column
    if postcode:
        try:
            found = locate(place_id, postcode, places=places)
            return str(place.areas.iloc[found.area_index][column])
        except InsightError:
            pass  # a bad postcode is reported on the Your area page, not here
    return place.example_group(grouping_id)
