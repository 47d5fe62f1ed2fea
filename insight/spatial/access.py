"""Access to services: nearest service, boundary penalty, floating catchments.

Costs are a matrix of areas (rows) by services (columns), in minutes where a travel
time matrix exists and in kilometres of straight line otherwise (:func:`straight_line_km`).

The two-step floating catchment area ratio (:func:`two_step_fca`, Luo and Wang 2003)
and its enhanced form with distance-decay bands (:func:`enhanced_two_step_fca`, Luo
and Qi 2009) follow PySAL ``access`` (``Access.two_stage_fca`` and
``Access.enhanced_two_stage_fca``) and agree with it to rounding; see
``tests/insight/test_access.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


#: Distance-decay bands of the enhanced 2SFCA (Luo and Qi 2009), as PySAL ``access``
#: uses by default: cost up to 10 weighs 1, up to 20 weighs 0.68, up to 30 weighs 0.22,
#: beyond 30 nothing.
E2SFCA_BANDS: dict[float, float] = {10.0: 1.0, 20.0: 0.68, 30.0: 0.22}


@dataclass(frozen=True)
class FloatingCatchment:
    """Supply-to-demand ratios of a two-step floating catchment calculation.

    Attributes
    ----------
    ratio : numpy.ndarray
        Per area: the sum over the services it can reach of each service's supply
        per unit of demand (weighted by distance decay in the enhanced form). Zero
        where no service is within reach.
    service_ratio : numpy.ndarray
        Per service: its supply divided by the (weighted) demand within its catchment
        (``R_j``); NaN where no demand is within reach.
    demand_reached : numpy.ndarray
        Per service: the (weighted) demand within its catchment.
    services : numpy.ndarray
        Service codes, in the order of the cost columns.
    """

    ratio: np.ndarray
    service_ratio: np.ndarray
    demand_reached: np.ndarray
    services: np.ndarray


def step_weights(costs: pd.DataFrame | np.ndarray, bands: Mapping[float, float]) -> np.ndarray:
    """Distance-decay weights by band, as ``access.weights.step_fn``.

    A cost gets the weight of the smallest band limit it does not exceed; costs
    above the largest limit, and missing costs, get 0.

    Parameters
    ----------
    costs : pandas.DataFrame or numpy.ndarray
        Areas by services.
    bands : mapping of float to float
        Upper limit of each band to its weight, e.g. :data:`E2SFCA_BANDS`.

    Returns
    -------
    numpy.ndarray
        Weights, the shape of ``costs``.

    Raises
    ------
    DataError
        If there are no bands or a weight is negative.

    Examples
    --------
    >>> step_weights(np.array([[5.0, 10.0, 15.0, 31.0]]), E2SFCA_BANDS).tolist()
    [[1.0, 1.0, 0.68, 0.0]]
    """
    if not bands:
        raise DataError("bands is empty; give at least one {upper limit: weight}.")
    negative = {k: v for k, v in bands.items() if v < 0}
    if negative:
        raise DataError(f"band weights must not be negative; got {negative}.")
    matrix = np.asarray(costs, dtype=float)
    weights = np.zeros_like(matrix)
    assigned = np.zeros(matrix.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        for limit, weight in sorted(bands.items()):
            inside = ~assigned & (matrix <= limit)
            weights[inside] = weight
            assigned |= inside
    return weights


def two_step_fca(
    costs: pd.DataFrame,
    demand: np.ndarray | pd.Series | list[float],
    supply: np.ndarray | pd.Series | list[float] | None = None,
    *,
    max_cost: float | None = None,
    weight: Callable[[np.ndarray], np.ndarray] | Mapping[float, float] | None = None,
) -> FloatingCatchment:
    """Two-step floating catchment area (2SFCA) supply-to-demand ratio.

    Step 1: for each service *j*, ``R_j = S_j / sum_i D_i f(c_ij)`` over the areas
    within ``max_cost``. Step 2: for each area *i*, ``A_i = sum_j R_j f(c_ij)`` over
    the services within ``max_cost``. ``f`` is 1 in the classic method, a
    distance-decay weight otherwise (see :func:`enhanced_two_step_fca`).

    Parameters
    ----------
    costs : pandas.DataFrame
        Areas (rows) by services (columns), minutes or km; NaN means unreachable.
    demand : array-like
        Demand of each area (population, admissions); missing counts as 0.
    supply : array-like, optional
        Supply of each service (beds, doctors); 1 each by default.
    max_cost : float, optional
        Catchment size; costs above it are out of reach (``<=`` is inside, as in
        ``access``). Without it every service reaches every area with a cost.
    weight : callable or mapping, optional
        Distance decay: a function of the cost matrix returning weights, or bands
        ``{upper limit: weight}`` (see :func:`step_weights`).

    Returns
    -------
    FloatingCatchment

    Raises
    ------
    DataError
        If the lengths of ``demand`` or ``supply`` do not match the costs, or a
        demand or supply is negative.

    Notes
    -----
    PySAL ``access`` leaves an area with no service in reach out of its result
    (NaN once joined); here its ratio is 0, which is what it has.

    Examples
    --------
    Two areas of 100 and 300 people, one clinic 5 minutes from the first and 20 from
    the second, another clinic 40 minutes from both; a 30-minute catchment:

    >>> import pandas as pd
    >>> costs = pd.DataFrame({"near": [5.0, 20.0], "far": [40.0, 40.0]})
    >>> result = two_step_fca(costs, [100, 300], [2, 1], max_cost=30)
    >>> result.service_ratio.tolist()  # 2 / 400 people; nobody within 30 of "far"
    [0.005, nan]
    >>> result.ratio.tolist()
    [0.005, 0.005]
    """
    matrix = costs.to_numpy(dtype=float)
    n_areas, n_services = matrix.shape
    d = _per(demand, n_areas, "demand", "areas")
    s = np.ones(n_services) if supply is None else _per(supply, n_services, "supply", "services")
    if weight is None:
        f = np.where(np.isnan(matrix), 0.0, 1.0)
    elif callable(weight):
        f = np.nan_to_num(np.asarray(weight(matrix), dtype=float), nan=0.0)
    else:
        f = step_weights(matrix, weight)
    if max_cost is not None:
        with np.errstate(invalid="ignore"):
            f = np.where(matrix <= max_cost, f, 0.0)
    reached = d @ f
    with np.errstate(divide="ignore", invalid="ignore"):
        service_ratio = np.where(reached > 0, s / reached, np.nan)
    ratio = f @ np.nan_to_num(service_ratio, nan=0.0)
    return FloatingCatchment(
        ratio=ratio,
        service_ratio=service_ratio,
        demand_reached=reached,
        services=np.asarray(costs.columns, dtype=object),
    )


def enhanced_two_step_fca(
    costs: pd.DataFrame,
    demand: np.ndarray | pd.Series | list[float],
    supply: np.ndarray | pd.Series | list[float] | None = None,
    *,
    bands: Mapping[float, float] = E2SFCA_BANDS,
    max_cost: float | None = None,
) -> FloatingCatchment:
    """Enhanced two-step floating catchment (E2SFCA): 2SFCA with distance-decay bands.

    Both steps weight each area-service pair by the band its cost falls in
    (default :data:`E2SFCA_BANDS`, Luo and Qi's 10/20/30-minute bands with weights
    1, 0.68 and 0.22, as PySAL ``access`` uses by default).

    Parameters
    ----------
    costs : pandas.DataFrame
        Areas by services.
    demand : array-like
        Demand of each area.
    supply : array-like, optional
        Supply of each service (1 each by default).
    bands : mapping of float to float
        Upper limit of each band to its weight; beyond the last band nothing is reached.
    max_cost : float, optional
        An extra cut-off, applied with the bands.

    Returns
    -------
    FloatingCatchment

    Raises
    ------
    DataError
        As :func:`two_step_fca`, or if a band weight is negative.

    Examples
    --------
    >>> import pandas as pd
    >>> costs = pd.DataFrame({"clinic": [5.0, 15.0, 25.0]})
    >>> result = enhanced_two_step_fca(costs, [100, 100, 100])
    >>> round(float(result.service_ratio[0]), 6)  # 1 / (100 + 68 + 22)
    0.005263
    >>> [round(float(x), 6) for x in result.ratio]
    [0.005263, 0.003579, 0.001158]
    """
    return two_step_fca(costs, demand, supply, max_cost=max_cost, weight=dict(bands))


def _per(values, length: int, name: str, what: str) -> np.ndarray:
    array = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").to_numpy(float)
    if array.size != length:
        raise DataError(f"{name} has {array.size} values but there are {length} {what}.")
    array = np.nan_to_num(array, nan=0.0)
    if (array < 0).any():
        position = int(np.flatnonzero(array < 0)[0])
        raise DataError(
            f"{name} at position {position} is {array[position]}; it must not be negative."
        )
    return array
