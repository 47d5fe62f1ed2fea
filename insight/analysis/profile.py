"""One area's profile: every indicator against its neighbours, its group, the place, and
the nearest areas just across a boundary.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import shapely

from insight import explain
from insight.analysis.benchmark import (
    GroupComparison,
    benchmark_coverage,
    compare_groups,
    mean_of,
)
from insight.errors import DataError
from insight.model import NEAR_BOUNDARY_KM, Place
from insight.spatial.index import AreaIndex


@dataclass(frozen=True)
class Across:
    """The nearest areas in the next group over.

    Attributes
    ----------
    grouping_id : str
        The boundary crossed.
    code, name : str
        The group across the boundary.
    rows : numpy.ndarray
        Rows (in ``place.areas``) of the nearest areas in that group.
    distance_km : float
        Distance from the area to the nearest of them.
    """

    grouping_id: str
    code: str
    name: str
    rows: np.ndarray
    distance_km: float


@dataclass(frozen=True)
class AreaSummary:
    """One area on one indicator against its group and the benchmark (the area slide).

    Attributes
    ----------
    code, name : str
        The area.
    group_code, group_name : str
        Its group in the grouping asked for.
    value, group_value, benchmark : float
        The area's value, its group's (:func:`insight.analysis.benchmark.compare_groups`,
        as on Compare) and the benchmark's.
    benchmark_name : str
        What the benchmark is called.
    """

    code: str
    name: str
    group_code: str
    group_name: str
    value: float
    group_value: float
    benchmark: float
    benchmark_name: str


def area_summary(place: Place, area_code: str, indicator_id: str, grouping_id: str) -> AreaSummary:
    """Area ``area_code`` on ``indicator_id`` against its group and the benchmark.

    Raises
    ------
    DataError
        If the area, indicator or grouping is unknown.

    Examples
    --------
    >>> area_summary(place, "E01027210", "mt_minutes", "lad").group_name  # doctest: +SKIP
    'West Northamptonshire'
    """
    indicator = place.indicator(indicator_id)
    grouping = place.grouping(grouping_id)
    rows = np.flatnonzero((place.areas["code"].astype(str) == str(area_code)).to_numpy())
    if rows.size == 0:
        raise DataError(
            f"Place {place.id!r} has no area with code {area_code!r}; use a code from the "
            f"'code' column of its areas."
        )
    area = place.areas.iloc[int(rows[0])]
    group_code = area[grouping.code_column]
    comparison = compare_groups(place, indicator.id, grouping_id)
    chosen = comparison.subset([group_code]).table
    value = pd.to_numeric(pd.Series([area[indicator.id]]), errors="coerce").iloc[0]
    return AreaSummary(
        code=str(area_code),
        name=str(area["name"]) if pd.notna(area["name"]) else str(area_code),
        group_code=str(group_code),
        group_name=str(area[grouping.name_column])
        if pd.notna(area[grouping.name_column])
        else str(group_code),
        value=float(value),
        group_value=float(chosen["value"].iloc[0]) if len(chosen) else float("nan"),
        benchmark=comparison.benchmark,
        benchmark_name=comparison.benchmark_name,
    )


def across_boundary(
    place: Place, index: AreaIndex, row: int, grouping_id: str, k: int = 5
) -> Across | None:
    """The ``k`` nearest areas that lie in another group of ``grouping_id``.

    "Nearest" is by distance between area outlines, so for an area on a border these are
    the areas just across it. Returns None if every area is in the same group.
    """
    grouping = place.grouping(grouping_id)
    areas = place.areas
    # The group of every area, kept by the index: no column of the areas is converted or
    # scanned per call, only the few areas near this one.
    codes = index.codes(grouping.code_column)
    own = codes[row]
    groups = index.rows_by_group(grouping.code_column)
    if not (set(groups) - {str(own)} if pd.notna(own) else groups):
        return None
    geometry = areas.geometry.iloc[row]
    tree = index.tree
    # Widen the search until enough areas of another group are found.
    for radius in (2_000, 10_000, 50_000, 400_000):
        hits = np.sort(tree.query(geometry.buffer(radius), predicate="intersects"))
        found = codes[hits]
        other = pd.notna(found).astype(bool)
        if pd.notna(own):
            other[other] = found[other] != own
        candidates = hits[other]
        if len(candidates) >= 1:
            break
    shapes = tree.geometries
    distances = shapely.distance(shapes[candidates], geometry)
    nearest_group = codes[candidates[np.argmin(distances)]]
    same = candidates[codes[candidates] == nearest_group]
    same_distances = shapely.distance(shapes[same], geometry)
    order = np.argsort(same_distances)[:k]
    # Only areas near this one: the mean of far ones is not "just across" anything.
    order = order[same_distances[order] <= max(NEAR_BOUNDARY_KM * 1000, same_distances[order[0]])]
    chosen = same[order]
    return Across(
        grouping_id=grouping_id,
        code=str(nearest_group),
        name=str(areas[grouping.name_column].iloc[int(chosen[0])]),
        rows=chosen,
        distance_km=float(np.min(same_distances)) / 1000,
    )


def area_profile(
    place: Place,
    index: AreaIndex,
    row: int,
    grouping_id: str | None = None,
    comparisons: Callable[[str, str], GroupComparison] | None = None,
    elsewhere: tuple[str, float] | None = None,
) -> pd.DataFrame:
    """Every indicator of area ``row`` compared four ways, with sentences.

    Parameters
    ----------
    place : Place
        The place.
    index : AreaIndex
        The place's spatial index (for the neighbours and the areas across the boundary).
    row : int
        Row of the area in ``place.areas``.
    grouping_id : str, optional
        The group to compare with (default: the place's default grouping).
    comparisons : callable, optional
        ``comparisons(indicator_id, grouping_id)``: every group benchmarked, as
        :func:`~insight.analysis.benchmark.compare_groups` gives it. The same for every
        area, so a caller that keeps them (the app's loaders) passes them in; by default
        they are worked out here (about a second nationally, for all indicators).
    elsewhere : (str, float), optional
        A nation without figures near the area and how far (km) it is
        (:func:`insight.data.postcodes.elsewhere_near`): when it is nearer than any other
        group, the profile says the nearest boundary is with it.

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``indicator``, ``title``, ``value``, ``neighbours``,
        ``group``, ``group_lower``, ``group_upper`` (its 95% interval, or for values that are
        not sampled the spread of its middle 80% of areas), ``group_rating`` (the group
        against the benchmark), ``overall`` and ``overall_name`` (the benchmark), ``across`` (mean of the nearest areas across the boundary),
        ``headline``, ``sentences`` (list of str, plain English) and ``value_text`` (words
        to show instead of the value, where the value alone would mislead; else "").
        Boundary penalties (indicators with ``within``) are said as the what-if they are.
        "Just across the boundary" is said only of another group within
        :data:`NEAR_BOUNDARY_KM` of the area; titles and sentences of a Welsh area say
        local health boards (:func:`insight.explain.in_nation_words`).
    """
    grouping_id = grouping_id or place.default_grouping
    grouping = place.grouping(grouping_id)
    area = place.areas.iloc[row]
    group_name = str(area[grouping.name_column])
    neighbours = index.neighbours(row)
    across = across_boundary(place, index, row, grouping_id)
    if across is not None and across.distance_km > NEAR_BOUNDARY_KM:
        across = None
    beyond = None
    if elsewhere is not None and (across is None or elsewhere[1] < across.distance_km):
        beyond = explain.beyond_sentence(elsewhere[0])
    code = str(area["code"])
    rows = []
    for indicator in place.indicators.values():
        value = float(area[indicator.id]) if pd.notna(area[indicator.id]) else float("nan")
        benchmarking = (comparisons or partial(compare_groups, place))(indicator.id, grouping_id)
        table = benchmarking.table
        chosen = table[table["code"].to_numpy() == area[grouping.code_column]]
        group = chosen.iloc[0] if len(chosen) else None
        neighbour_mean = mean_of(place, indicator, neighbours)
        across_mean = mean_of(place, indicator, across.rows) if across is not None else np.nan
        group_value = float(group["value"]) if group is not None else float("nan")
        sentences = [
            explain.comparison_sentence(
                indicator, value, neighbour_mean, f"the {len(neighbours)} neighbouring areas"
            ),
            explain.comparison_sentence(
                indicator, value, group_value, f"the average for {group_name}"
            ),
            explain.comparison_sentence(
                indicator,
                value,
                benchmarking.benchmark,
                f"the average for {benchmarking.benchmark_name}",
            ),
        ]
        if beyond is not None:
            sentences.append(beyond)
        if across is not None:
            sentences.append(
                explain.across_sentence(
                    indicator, value, across_mean, across.name, len(across.rows)
                )
            )
        value_text = ""
        note = str(area.get("travel_note") or "")
        # A defect of the source: withheld (with the reason), as are outcomes modelled from it.
        if note and (indicator.service or indicator.kind == "modelled"):
            value_text, sentences = "Withheld", [note]
        elif indicator.within and place.service_type_of(indicator):
            value_text, sentences = _what_if(place, row, indicator, value)
        rows.append(
            {
                "indicator": indicator.id,
                "title": explain.in_nation_words(indicator.title, code),
                "value": value,
                "value_text": explain.in_nation_words(value_text, code),
                "neighbours": neighbour_mean,
                "group": group_value,
                "group_lower": float(group["lower"]) if group is not None else float("nan"),
                "group_upper": float(group["upper"]) if group is not None else float("nan"),
                "group_rating": group["rating"] if group is not None else "Not compared",
                "overall": benchmarking.benchmark,
                "overall_name": benchmarking.benchmark_name,
                "across": across_mean,
                "headline": explain.indicator_sentence(indicator, value, str(area["name"])),
                "sentences": [explain.in_nation_words(t, code) for t in sentences],
            }
        )
    return pd.DataFrame(rows)


def area_values(place: Place, row: int) -> list[tuple[str, str]]:
    """Every indicator of area ``row`` as a card lists it: its title and its value in words.

    The words are those of :func:`area_profile`: "Withheld" where the source is defective,
    "No thrombectomy centre in your stroke network" where a what-if has no value because
    the group has no such service (never a bare "no data"), in the area's nation's words.

    Examples
    --------
    >>> area_values(place, row)[0]  # doctest: +SKIP
    ('Stroke admissions a year', '2.3 admissions a year')
    """
    area = place.areas.iloc[row]
    code = str(area["code"])
    note = str(area.get("travel_note") or "")
    listed = []
    for indicator in place.indicators.values():
        value = float(area[indicator.id]) if pd.notna(area[indicator.id]) else float("nan")
        text = explain.fmt_value(value, indicator)
        if note and indicator.service:
            text = "Withheld"
        elif indicator.within and place.service_type_of(indicator):
            text = _what_if(place, row, indicator, value, whose="its")[0] or text
        listed.append(
            (explain.in_nation_words(indicator.title, code), explain.in_nation_words(text, code))
        )
    return listed


def nation_note(
    place: Place,
    row: int,
    table: pd.DataFrame,
    coverages: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """What Your area says once when an area is compared with another nation's average
    (a Welsh area with England's, where the source has no Welsh figures); "" otherwise.

    Parameters
    ----------
    place : Place
        The place.
    row : int
        The area's row.
    table : pandas.DataFrame
        Its profile (:func:`area_profile`).
    coverages : mapping, optional
        :func:`~insight.analysis.benchmark.benchmark_coverage` of each indicator, by id,
        when the caller keeps them (the same for every area; default: worked out here).

    Examples
    --------
    >>> nation_note(place, cardiff, table)  # doctest: +SKIP
    'Your area is in Wales, but some figures here are compared with the average for England: ...'
    """
    nation = explain.nation_of(str(place.areas["code"].iloc[row]))
    if nation is None or table.empty:
        return ""
    others = table[~table["overall_name"].astype(str).str.contains(nation, regex=False)]
    others = others[others["overall_name"].isin(list(explain.NATIONS.values()))]
    if others.empty:
        return ""
    reasons = [
        coverages[i][1]
        if coverages is not None
        else benchmark_coverage(place, place.indicator(i))[1]
        for i in others["indicator"].tolist()
    ]
    return explain.nation_benchmark_note(nation, others["overall_name"].tolist(), reasons)


def _what_if(
    place: Place, row: int, indicator, value: float, whose: str = "your"
) -> tuple[str, list[str]]:
    """A boundary penalty for one area, in what-if sentences (and the card's words when the
    value alone would mislead: "no data" where the area's group has no such service)."""
    service = place.service_type_of(indicator)
    grouping = place.grouping(indicator.within)
    services = place.services
    capable = services[service].fillna(False).astype(bool).to_numpy()
    minutes = place.costs.iloc[row].to_numpy(dtype=float)
    usable = capable & np.isfinite(minutes)
    if not usable.any():
        return "", ["No travel time to any such service is known for this area."]
    nearest = int(np.flatnonzero(usable)[np.argmin(minutes[usable])])
    own = (
        services[grouping.code_column].to_numpy(dtype=object)
        == place.areas[grouping.code_column].iloc[row]
    )
    words = {
        "service": place.service_types[service].singular,
        "services": place.service_types[service].title.lower(),
        "grouping": explain.lower_first(grouping.title),
        "group": str(place.areas[grouping.name_column].iloc[row]),
        "nearest": str(services["name"].iloc[nearest]),
        "nearest_group": str(services[grouping.name_column].iloc[nearest]),
        "minutes": float(minutes[nearest]),
    }
    # A caveat on the group (e.g. one network in the source, several in practice) is said
    # with every what-if that depends on it.
    caveat = grouping.note_for(place.areas[grouping.code_column].iloc[row])
    if not (usable & own).any():
        card, sentence = (
            explain.no_service_in_group_card(**words, whose=whose),
            (explain.no_service_in_group_sentence(**words)),
        )
    elif not math.isfinite(value) or value < 0.05:
        return "", [explain.no_penalty_sentence(**words)]
    else:
        card, sentence = "", explain.what_if_sentence(**words, extra=value)
    return card, [f"{sentence} {caveat}".strip()]


def nearest_services(place: Place, row: int, k: int = 3) -> pd.DataFrame:
    """The ``k`` nearest services of each type to area ``row``.

    Uses the travel-time matrix when the place has one (minutes), else straight-line km.

    Returns
    -------
    pandas.DataFrame
        ``Service``, ``Minutes by road`` or ``Distance (km)``, and ``Type``, nearest first.
    """
    if place.services is None or place.services.empty:
        return pd.DataFrame()
    services = place.services
    if place.costs is not None:
        cost = place.costs.iloc[row].to_numpy(dtype=float)
        column = "Minutes by road"
    else:
        point = place.areas.geometry.iloc[row].representative_point()
        cost = services.geometry.distance(point).to_numpy() / 1000
        column = "Distance (km)"
    tables = []
    types = place.service_types or {}
    for type_id, service_type in types.items():
        capable = services[type_id].astype(bool).to_numpy() & ~np.isnan(cost)
        order = np.flatnonzero(capable)[np.argsort(cost[capable])][:k]
        tables.append(
            pd.DataFrame(
                {  # the minutes next to the name: what a phone shows without scrolling
                    "Service": services["name"].to_numpy()[order],
                    column: np.round(cost[order], 1),
                    "Type": service_type.singular,
                }
            )
        )
    if not tables:
        order = np.argsort(cost)[:k]
        tables.append(
            pd.DataFrame(
                {"Service": services["name"].to_numpy()[order], column: np.round(cost[order], 1)}
            )
        )
    return pd.concat(tables, ignore_index=True)
