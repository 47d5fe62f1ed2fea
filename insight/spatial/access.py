"""Access to services: nearest service and boundary penalty.

Costs are a matrix of areas (rows) by services (columns), in minutes where a travel
time matrix exists and in kilometres of straight line otherwise (:func:`straight_line_km`).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from insight.errors import DataError


@dataclass(frozen=True)
class NearestService:
    """Nearest service of each area.

    Attributes
    ----------
    cost : numpy.ndarray
        Cost (minutes or km) to the nearest allowed service; NaN where none is allowed.
    service : numpy.ndarray
        Code of that service (object array; None where none is allowed).
    """

    cost: np.ndarray
    service: np.ndarray


def straight_line_km(areas: gpd.GeoDataFrame, services: gpd.GeoDataFrame) -> pd.DataFrame:
    """Straight-line distance in km from each area's inner point to each service.

    Parameters
    ----------
    areas, services : geopandas.GeoDataFrame
        In the same projected CRS in metres (EPSG:27700); ``services`` needs ``code``.

    Returns
    -------
    pandas.DataFrame
        Areas (rows, in order) by service code (columns).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> areas = gpd.GeoDataFrame(geometry=[box(0, 0, 2000, 2000)], crs=27700)
    >>> units = gpd.GeoDataFrame({"code": ["A"]}, geometry=[Point(4000, 1000)], crs=27700)
    >>> float(straight_line_km(areas, units).iloc[0, 0])
    3.0
    """
    if areas.crs != services.crs:
        raise DataError(
            f"Areas are in {areas.crs} but services are in {services.crs}; "
            "reproject both to EPSG:27700 first."
        )
    origin = areas.geometry.representative_point()
    ox, oy = origin.x.to_numpy()[:, None], origin.y.to_numpy()[:, None]
    sx, sy = services.geometry.x.to_numpy()[None, :], services.geometry.y.to_numpy()[None, :]
    km = np.hypot(ox - sx, oy - sy) / 1000.0
    return pd.DataFrame(km, columns=services["code"].to_numpy())


def nearest_service(
    costs: pd.DataFrame, allowed: np.ndarray | pd.Series | None = None
) -> NearestService:
    """Nearest service for every area.

    Parameters
    ----------
    costs : pandas.DataFrame
        Areas by services, as from a travel-time matrix or :func:`straight_line_km`.
    allowed : array of bool, optional
        Either one flag per service (column), e.g. "can give thrombectomy", or a
        matrix of flags the shape of ``costs`` (per area, per service).

    Returns
    -------
    NearestService

    Examples
    --------
    >>> import pandas as pd
    >>> costs = pd.DataFrame({"A": [10.0, 40.0], "B": [30.0, 20.0]})
    >>> nearest_service(costs).cost.tolist()
    [10.0, 20.0]
    >>> nearest_service(costs, allowed=[False, True]).service.tolist()
    ['B', 'B']
    """
    matrix = costs.to_numpy(dtype=float, copy=True)
    if allowed is not None:
        mask = np.asarray(allowed, dtype=bool)
        if mask.ndim == 1:
            if mask.shape[0] != matrix.shape[1]:
                raise DataError(
                    f"allowed has {mask.shape[0]} flags but there are {matrix.shape[1]} services."
                )
            mask = np.broadcast_to(mask[None, :], matrix.shape)
        matrix[~mask] = np.nan
    has_any = ~np.all(np.isnan(matrix), axis=1)
    best = np.full(matrix.shape[0], -1)
    best[has_any] = np.nanargmin(matrix[has_any], axis=1)
    cost = np.full(matrix.shape[0], np.nan)
    cost[has_any] = matrix[has_any, best[has_any]]
    codes = np.asarray(costs.columns, dtype=object)
    service = np.where(has_any, codes[np.maximum(best, 0)], None)
    return NearestService(cost=cost, service=service)


def boundary_penalty(
    costs: pd.DataFrame,
    area_group: pd.Series | np.ndarray,
    service_group: pd.Series | np.ndarray,
    capable: np.ndarray | pd.Series | None = None,
) -> np.ndarray:
    """Extra cost of using only services inside one's own group.

    The penalty of an area is the cost to the nearest capable service in the same
    group (authority, commissioner, network...) minus the cost to the nearest capable
    service anywhere. It is never negative.

    Parameters
    ----------
    costs : pandas.DataFrame
        Areas by services.
    area_group : array-like
        Group code of each area (row).
    service_group : array-like
        Group code of each service (column).
    capable : array of bool, optional
        Which services offer what is being measured (default: all).

    Returns
    -------
    numpy.ndarray
        Penalty per area; NaN where the area's group has no capable service (the
        penalty is then undefined, not zero) or the area has no group.

    Examples
    --------
    >>> import pandas as pd
    >>> costs = pd.DataFrame({"A": [10.0, 40.0], "B": [30.0, 20.0]})
    >>> boundary_penalty(costs, ["north", "north"], ["south", "north"]).tolist()
    [20.0, 0.0]
    """
    area_group = np.asarray(area_group, dtype=object)
    service_group = np.asarray(service_group, dtype=object)
    capable_mask = (
        np.ones(costs.shape[1], dtype=bool) if capable is None else np.asarray(capable, dtype=bool)
    )
    overall = nearest_service(costs, capable_mask).cost
    own = np.full(costs.shape[0], np.nan)
    matrix = costs.to_numpy(dtype=float)
    for group in pd.unique(area_group[pd.notna(area_group)]):
        rows = area_group == group
        cols = capable_mask & (service_group == group)
        if cols.any():
            own[rows] = nearest_service(pd.DataFrame(matrix[np.ix_(rows, cols)])).cost
    return np.maximum(own - overall, 0.0)
