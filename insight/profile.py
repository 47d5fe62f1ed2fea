"""One area's profile: every indicator against its neighbours, its group, the place, and
the nearest areas just across a boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from insight import compare, explain, geocode
from insight.place import Place


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


def neighbour_rows(place: Place, row: int) -> np.ndarray:
    """Rows of the areas that touch area ``row`` (share at least a point), itself excluded."""
    tree = geocode.place_tree(place)
    geometry = place.areas.geometry.iloc[row]
    hits = tree.query(geometry.buffer(1.0), predicate="intersects")
    return np.setdiff1d(hits, [row])


def across_boundary(place: Place, row: int, grouping_id: str, k: int = 5) -> Across | None:
    """The ``k`` nearest areas that lie in another group of ``grouping_id``.

    "Nearest" is by distance between area outlines, so for an area on a border these are
    the areas just across it. Returns None if every area is in the same group.
    """
    grouping = place.grouping(grouping_id)
    areas = place.areas
    own = areas[grouping.code_column].iloc[row]
    others = np.flatnonzero(
        (areas[grouping.code_column] != own).to_numpy()
        & areas[grouping.code_column].notna().to_numpy()
    )
    if len(others) == 0:
        return None
    geometry = areas.geometry.iloc[row]
    tree = geocode.place_tree(place)
    # Widen the search until enough areas of another group are found.
    for radius in (2_000, 10_000, 50_000, 400_000):
        candidates = np.intersect1d(
            tree.query(geometry.buffer(radius), predicate="intersects"), others
        )
        if len(candidates) >= 1:
            break
    distances = shapely.distance(areas.geometry.to_numpy()[candidates], geometry)
    nearest_group = areas[grouping.code_column].to_numpy()[candidates[np.argmin(distances)]]
    same = candidates[areas[grouping.code_column].to_numpy()[candidates] == nearest_group]
    same_distances = shapely.distance(areas.geometry.to_numpy()[same], geometry)
    chosen = same[np.argsort(same_distances)[:k]]
    return Across(
        grouping_id=grouping_id,
        code=str(nearest_group),
        name=str(areas[grouping.name_column].to_numpy()[chosen[0]]),
        rows=chosen,
        distance_km=float(np.min(same_distances)) / 1000,
    )


def area_profile(place: Place, row: int, grouping_id: str | None = None) -> pd.DataFrame:
    """Every indicator of area ``row`` compared four ways, with sentences.

    Parameters
    ----------
    place : Place
        The place.
    row : int
        Row of the area in ``place.areas``.
    grouping_id : str, optional
        The group to compare with (default: the place's default grouping).

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``indicator``, ``title``, ``value``, ``neighbours``,
        ``group``, ``group_lower``, ``group_upper``, ``group_rating`` (the group against the
        place), ``overall``, ``across`` (mean of the nearest areas across the boundary),
        ``headline`` and ``sentences`` (list of str, plain English).
    """
    grouping_id = grouping_id or place.default_grouping
    grouping = place.grouping(grouping_id)
    area = place.areas.iloc[row]
    group_name = str(area[grouping.name_column])
    neighbours = neighbour_rows(place, row)
    across = across_boundary(place, row, grouping_id)
    rows = []
    for indicator in place.indicators.values():
        values = place.areas[indicator.id]
        value = float(area[indicator.id]) if pd.notna(area[indicator.id]) else float("nan")
        benchmarking = compare.benchmark_groups(
            place, indicator.id, grouping_id, codes=[area[grouping.code_column]]
        )
        group = benchmarking.table.iloc[0] if len(benchmarking.table) else None
        neighbour_mean = float(values.iloc[neighbours].mean()) if len(neighbours) else float("nan")
        across_mean = float(values.iloc[across.rows].mean()) if across is not None else float("nan")
        group_value = float(group["value"]) if group is not None else float("nan")
        sentences = [
            explain.comparison_sentence(
                indicator, value, neighbour_mean, f"the {len(neighbours)} neighbouring areas"
            ),
            explain.comparison_sentence(
                indicator, value, group_value, f"the average area in {group_name}"
            ),
            explain.comparison_sentence(
                indicator,
                value,
                benchmarking.benchmark,
                f"the average area in {place.benchmark_name}",
            ),
        ]
        if across is not None:
            sentences.append(
                explain.across_sentence(
                    indicator, value, across_mean, across.name, len(across.rows)
                )
            )
        rows.append(
            {
                "indicator": indicator.id,
                "title": indicator.title,
                "value": value,
                "neighbours": neighbour_mean,
                "group": group_value,
                "group_lower": float(group["lower"]) if group is not None else float("nan"),
                "group_upper": float(group["upper"]) if group is not None else float("nan"),
                "group_rating": group["rating"] if group is not None else "Not compared",
                "overall": benchmarking.benchmark,
                "across": across_mean,
                "headline": explain.indicator_sentence(indicator, value, str(area["name"])),
                "sentences": sentences,
            }
        )
    return pd.DataFrame(rows)


def nearest_services(place: Place, row: int, k: int = 3) -> pd.DataFrame:
    """The ``k`` nearest services of each type to area ``row``.

    Uses the travel-time matrix when the place has one (minutes), else straight-line km.

    Returns
    -------
    pandas.DataFrame
        ``Service``, ``Type``, and ``Minutes by road`` or ``Distance (km)``, nearest first.
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
                {
                    "Service": services["name"].to_numpy()[order],
                    "Type": service_type.singular,
                    column: np.round(cost[order], 1),
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
