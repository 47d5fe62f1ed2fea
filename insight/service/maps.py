"""Maps, once for every front end: an indicator's choropleth, one finding's map, the
outline of a selected area, and the average a map states.

Each is a plain function of a place id and the ids of what is asked (see
:mod:`insight.present.maps` for how the maps are drawn).
"""

from __future__ import annotations

from typing import Any

from insight.analysis import benchmark
from insight.present import maps as drawing
from insight.service.findings import pair_findings
from insight.service.places import Places
from insight.service.queries import compare_groups

__all__ = ["area_map", "finding_map", "map_average", "selection_outline"]

#: Which groups a map shows: ``(grouping id, group codes)``, or None for every area.
Scope = tuple[str, tuple[str, ...]] | None


def area_map(
    place_id: str,
    indicator_id: str,
    scheme: str,
    scope: Scope,
    outline: str | None,
    services: tuple[str, ...],
    period: str | None = None,
    *,
    places: Places | None = None,
) -> drawing.AreaMap:
    """A choropleth of one indicator (see :func:`insight.present.maps.area_map`).

    Parameters
    ----------
    place_id, indicator_id : str
        The place and the indicator.
    scheme : str
        One of :data:`insight.present.maps.SCHEMES` (``"benchmark"``: each area rated
        against the benchmark, :func:`insight.analysis.benchmark.area_ratings`).
    scope : (str, tuple of str) or None
        Only the areas of these groups of this grouping (None: every area).
    outline : str or None
        A grouping whose boundaries are drawn.
    services : tuple of str
        The service types drawn.
    period : str, optional
        One of the indicator's earlier periods (None: the latest).
    places : Places, optional
        Where the place and its index come from (default: opened here).

    Returns
    -------
    AreaMap
        Its files not yet written anywhere (:func:`insight.present.maps.served`).

    Raises
    ------
    DataError
        An unknown indicator, grouping or period.

    Examples
    --------
    >>> drawn = area_map("demo", "mt_minutes", "quantiles", None, None, ())  # doctest: +SKIP
    """
    places = places or Places()
    current = places.place_at(place_id, indicator_id, period)
    rows = None
    if scope is not None:
        grouping_id, codes = scope
        column = current.grouping(grouping_id).code_column
        rows = current.areas.index[current.areas[column].isin(codes)].to_numpy()
    ratings = benchmark.area_ratings(current, indicator_id) if scheme == "benchmark" else None
    return drawing.area_map(
        current,
        indicator_id,
        ratings=ratings,
        scheme=scheme,
        area_rows=rows,
        outline_grouping=outline,
        index=places.index(place_id),
        service_types=services,
    )


def selection_outline(
    place_id: str, code: str, *, places: Places | None = None
) -> dict[str, Any] | None:
    """The outline of a selected area (see :func:`insight.present.maps.selection_outline`)."""
    return drawing.selection_outline((places or Places()).place(place_id), code)


def finding_map(
    place_id: str,
    indicator_id: str,
    grouping_id: str,
    rank: int,
    period: str | None = None,
    *,
    places: Places | None = None,
) -> drawing.AreaMap:
    """The map of one finding of a pair, by its rank (see
    :func:`insight.present.maps.flag_map`).

    Parameters
    ----------
    place_id, indicator_id, grouping_id : str
        The place and the pair.
    rank : int
        The finding's rank among the pair's findings
        (:func:`insight.service.pair_findings`).
    period : str, optional
        One of the indicator's earlier periods (None: the latest).
    places : Places, optional
        Where the place, its findings and its index come from (default: opened here).

    Returns
    -------
    AreaMap
        Its files not yet written anywhere (:func:`insight.present.maps.served`).

    Raises
    ------
    DataError
        An unknown indicator, grouping or period, or no finding of that rank.

    Examples
    --------
    >>> drawn = finding_map("demo", "mt_minutes", "isdn", 1)  # doctest: +SKIP
    """
    places = places or Places()
    finding = pair_findings(place_id, indicator_id, grouping_id, period, places=places).by_rank(
        rank
    )
    current = places.place_at(place_id, indicator_id, period)
    return drawing.flag_map(current, finding, places.index(place_id))


def map_average(
    place_id: str,
    indicator_id: str,
    scope: Scope,
    period: str | None = None,
    *,
    places: Places | None = None,
) -> tuple[float, str | None]:
    """The average a map states, by the engine's one rule: for every area, the benchmark
    of Compare and Your area (and its name); for the groups of ``scope``, the average of
    their areas as a group's is worked out (name None).

    Examples
    --------
    >>> value, name = map_average("demo", "mt_minutes", None)  # doctest: +SKIP
    >>> name  # doctest: +SKIP
    'England and Wales'
    """
    places = places or Places()
    if scope is None:
        # Any grouping: the benchmark does not depend on it.
        grouping_id = places.place(place_id).default_grouping
        result = compare_groups(place_id, indicator_id, grouping_id, period, places=places)
        return result.benchmark, result.benchmark_name
    current = places.place_at(place_id, indicator_id, period)
    grouping = current.grouping(scope[0])
    rows = current.areas[grouping.code_column].isin(list(scope[1])).to_numpy().nonzero()[0]
    return benchmark.mean_of(current, current.indicator(indicator_id), rows), None
