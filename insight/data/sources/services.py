"""Service points from officers' lists: located by latitude/longitude, easting/northing or postcode.

:func:`read_services` reads one ``[[services]]`` list (CSV or XLSX) and places every row:
by easting/northing or latitude/longitude where the file has them, otherwise by postcode
through the offline ONS postcode directory. Rows that cannot be placed are reported and
left out. :func:`combine_services` merges the lists into the services table of a place:
one row per service, a flag column per service type, and the groupings of the area each
service is in.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from insight.data import postcodes as geocode
from insight.data.sources.config import ServicesConfig
from insight.data.sources.report import BuildReport, FileRead, Problem, ServiceCount
from insight.data.sources.tables import find_column, match_column, parse_number, read_table
from insight.errors import (
    DataError,
    InvalidPostcodeError,
    NoCoordinatesError,
    UnknownPostcodeError,
)
from insight.model import BNG, Grouping

#: Services this close (metres) to an area but outside every area are put in the nearest one
#: (boundaries are often generalised or clipped to the coast).
SERVICE_SNAP_M = 250.0
#: Latitude and longitude that UK services fall inside.
UK_LATITUDE = (49.0, 61.5)
UK_LONGITUDE = (-9.0, 2.5)
#: Easting and northing limits of British National Grid (metres).
GRID_EASTING = (0.0, 700_000.0)
GRID_NORTHING = (0.0, 1_300_000.0)

_POSTCODE = ("postcode", "post code", "postal code", "pcd", "pcds", "post_code")
_LATITUDE = ("latitude", "lat")
_LONGITUDE = ("longitude", "long", "lon", "lng")
_EASTING = ("easting", "eastings", "x", "bng_e", "oseast1m", "grid easting")
_NORTHING = ("northing", "northings", "y", "bng_n", "osnrth1m", "grid northing")
_NAME = ("name", "site name", "service name", "organisation name", "location name", "title")
_CODE = ("code", "id", "site code", "service code", "organisation code", "ods code", "reference")


def read_services(config: ServicesConfig, report: BuildReport) -> gpd.GeoDataFrame:
    """Read and locate one list of services.

    Parameters
    ----------
    config : ServicesConfig
        The ``[[services]]`` entry.
    report : BuildReport
        Where rows read, located and not located are recorded.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``name``, ``postcode`` (blank when not given), ``located_by`` and point
        geometry in EPSG:27700, one row per located service.

    Raises
    ------
    DataError
        The file cannot be read; a named column is missing; the file has no name column
        or no way of locating rows; or no row at all could be located.

    Examples
    --------
    >>> from pathlib import Path
    >>> from insight.data.sources.config import ServicesConfig
    >>> config = ServicesConfig("libraries", "Libraries", "library", Path("libraries.csv"))
    >>> read_services(config, BuildReport())  # doctest: +SKIP
    """
    table = read_table(config.path, config.sheet, role="services")
    file = table.attrs["file"]
    where = f"[[services]] {config.id!r}"
    columns = _location_columns(table, config, where)
    name = _column(table, config.name, _NAME + (f"{config.singular} name",), "name", where) or next(
        (c for c in table.columns if "name" in str(c).lower()), None
    )
    if name is None:
        raise DataError(
            f"{file}: no column of service names found (looked for "
            f"{', '.join(map(repr, _NAME))}). Columns found: "
            f'{", ".join(map(repr, table.columns))}. Set name = "<column>" in {where}.'
        )
    code = _column(table, config.code, _CODE, "code", where)
    count = ServiceCount(
        file,
        config.id,
        int(len(table)),
        0,
        {"easting/northing": 0, "latitude/longitude": 0, "postcode": 0},
    )
    xs = np.full(len(table), np.nan)
    ys = np.full(len(table), np.nan)
    how = np.full(len(table), "", dtype=object)
    for i, (row, record) in enumerate(table.iterrows()):
        found, problem = _locate(record, columns)
        if found is None:
            report.services_not_located.add(Problem(file, int(row), *problem))
            continue
        xs[i], ys[i], how[i] = found
        count.by[how[i]] += 1
    located = how != ""
    count.located = int(located.sum())
    report.files.append(FileRead(file, f"services {config.id}", _label(columns), int(len(table))))
    report.services.append(count)
    if not located.any():
        first = (
            report.services_not_located.problems[-1]
            if report.services_not_located.problems
            else None
        )
        raise DataError(
            f"{file}: none of the {len(table):,} services could be placed on the map"
            + (f" (e.g. {first})" if first else "")
            + ". Check the location columns: latitude/longitude in degrees (WGS84), "
            "easting/northing in metres (British National Grid), or UK postcodes."
        )
    numbered = np.array([f"{config.id}-{n}" for n in range(1, len(table) + 1)], dtype=object)
    codes = table[code].astype(str).str.strip().to_numpy(dtype=object) if code else numbered
    codes = np.where(codes == "", numbered, codes)
    postcode = columns.get("postcode")
    result = gpd.GeoDataFrame(
        {
            "code": codes[located],
            "name": table[name].astype(str).str.strip().to_numpy()[located],
            "postcode": (
                table[postcode].astype(str).str.strip().to_numpy()[located]
                if postcode
                else np.full(int(located.sum()), "", dtype=object)
            ),
            "located_by": how[located],
        },
        geometry=shapely.points(xs[located], ys[located]),
        crs=BNG,
    )
    repeated = result["code"].duplicated(keep=False)
    if repeated.any():
        report.notes.append(
            f"{file}: codes used by more than one row were made unique with a suffix: "
            f"{', '.join(sorted(result.loc[repeated, 'code'].unique())[:10])}."
        )
        result["code"] = result["code"] + result.groupby("code").cumcount().map(
            lambda n: "" if n == 0 else f"-{n + 1}"
        )
    return result


def _column(
    table: pd.DataFrame, given: str | None, names: tuple[str, ...], role: str, where: str
) -> str | None:
    if given:
        return find_column(table, given, role, f"{role} in {where}")
    return match_column(table.columns, names)


def _location_columns(table: pd.DataFrame, config: ServicesConfig, where: str) -> dict[str, str]:
    found = {
        "latitude": _column(table, config.latitude, _LATITUDE, "latitude", where),
        "longitude": _column(table, config.longitude, _LONGITUDE, "longitude", where),
        "easting": _column(table, config.easting, _EASTING, "easting", where),
        "northing": _column(table, config.northing, _NORTHING, "northing", where),
        "postcode": _column(table, config.postcode, _POSTCODE, "postcode", where),
    }
    columns = {k: v for k, v in found.items() if v is not None}
    for first, second in (("latitude", "longitude"), ("easting", "northing")):
        if (first in columns) != (second in columns):
            columns.pop(first, None)
            columns.pop(second, None)
    if not columns:
        raise DataError(
            f"{table.attrs['file']}: no way to place the services on a map: the file needs "
            "latitude and longitude, easting and northing, or a postcode column. Columns "
            f"found: {', '.join(map(repr, table.columns))}. Name them in {where}, e.g. "
            'postcode = "Post Code".'
        )
    return columns


def _label(columns: dict[str, str]) -> str:
    ways = []
    if "easting" in columns:
        ways.append("easting/northing")
    if "latitude" in columns:
        ways.append("latitude/longitude")
    if "postcode" in columns:
        ways.append("postcode")
    return "list located by " + " or ".join(ways)


def _locate(
    record: pd.Series, columns: dict[str, str]
) -> tuple[tuple[float, float, str] | None, tuple[str, str, str]]:
    """(easting, northing, method) of one row, or None and (column, value, reason)."""
    problem: tuple[str, str, str] | None = None
    if "easting" in columns:
        east, north = (record[columns["easting"]], record[columns["northing"]])
        x, y = parse_number(east), parse_number(north)
        if _present(east) or _present(north):
            if x is None or y is None or np.isnan(x) or np.isnan(y):
                problem = (columns["easting"], f"{east}, {north}", "easting/northing not numbers")
            elif not (
                GRID_EASTING[0] <= x <= GRID_EASTING[1]
                and GRID_NORTHING[0] <= y <= GRID_NORTHING[1]
            ):
                problem = (
                    columns["easting"],
                    f"{east}, {north}",
                    "outside British National Grid (easting 0-700,000, northing "
                    "0-1,300,000 metres)",
                )
            else:
                return (x, y, "easting/northing"), ("", "", "")
    if "latitude" in columns:
        lat_text, lon_text = record[columns["latitude"]], record[columns["longitude"]]
        lat, lon = parse_number(lat_text), parse_number(lon_text)
        if _present(lat_text) or _present(lon_text):
            if lat is None or lon is None or np.isnan(lat) or np.isnan(lon):
                problem = (
                    columns["latitude"],
                    f"{lat_text}, {lon_text}",
                    "latitude/longitude not numbers",
                )
            elif _inside(lat, UK_LATITUDE) and _inside(lon, UK_LONGITUDE):
                x, y = _to_grid(lon, lat)
                return (x, y, "latitude/longitude"), ("", "", "")
            elif _inside(lon, UK_LATITUDE) and _inside(lat, UK_LONGITUDE):
                problem = (
                    columns["latitude"],
                    f"{lat_text}, {lon_text}",
                    "latitude and longitude look swapped",
                )
            else:
                problem = (
                    columns["latitude"],
                    f"{lat_text}, {lon_text}",
                    "outside the UK (latitude 49 to 61.5, longitude -9 to 2.5)",
                )
    if "postcode" in columns:
        text = str(record[columns["postcode"]]).strip()
        if text:
            try:
                found = geocode.find_postcode(text)
            except InvalidPostcodeError:
                return None, (columns["postcode"], text, "not a UK postcode")
            except UnknownPostcodeError:
                return None, (columns["postcode"], text, "not in the ONS postcode directory")
            except NoCoordinatesError:
                return None, (
                    columns["postcode"],
                    text,
                    "closed or non-geographic postcode with no map location",
                )
            return (found.easting, found.northing, "postcode"), ("", "", "")
        if problem is None:
            problem = (columns["postcode"], "", "no postcode")
    if problem is None:
        first = next(iter(columns.values()))
        problem = (first, "", "no location given")
    return None, problem


def _present(value: object) -> bool:
    return str(value).strip() != ""


def _inside(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _to_grid(lon: float, lat: float) -> tuple[float, float]:

    transformer = _TRANSFORMERS.get("wgs84")
    if transformer is None:
        transformer = _TRANSFORMERS["wgs84"] = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = transformer.transform(lon, lat)
    return float(x), float(y)


_TRANSFORMERS: dict = {}


def combine_services(
    lists: list[tuple[ServicesConfig, gpd.GeoDataFrame]],
    areas: gpd.GeoDataFrame,
    groupings: list[Grouping],
    report: BuildReport,
) -> gpd.GeoDataFrame:
    """One services table from several lists: a flag per service type, groupings added.

    A code that appears in several lists (when the lists have a code column) is one
    service with several flags, like a stroke unit that gives both treatments.

    Parameters
    ----------
    lists : list of (ServicesConfig, geopandas.GeoDataFrame)
        Each list as from :func:`read_services`.
    areas : geopandas.GeoDataFrame
        The areas with their grouping columns.
    groupings : list of Grouping
        The groupings whose ``<id>_code`` / ``<id>_name`` columns are copied.
    report : BuildReport
        Services outside every area are recorded against their list.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``name``, one bool column per service type, ``postcode``,
        ``located_by``, ``area_code``, grouping columns, geometry (EPSG:27700).
    """
    type_ids = [config.id for config, _ in lists]
    frames = []
    for config, frame in lists:
        frame = frame.copy()
        for type_id in type_ids:
            frame[type_id] = type_id == config.id
        frames.append(frame)
    services = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=BNG)
    shared = services["code"].duplicated(keep=False)
    if shared.any():
        report.notes.append(
            f"{services.loc[shared, 'code'].nunique():,} services are in more than one list "
            f"and were merged into one service with several types: "
            f"{', '.join(sorted(services.loc[shared, 'code'].unique())[:10])}."
        )
        flags = services.groupby("code", sort=False)[type_ids].any()
        services = services.drop_duplicates("code").reset_index(drop=True)
        services[type_ids] = flags.loc[services["code"]].to_numpy()
    services[type_ids] = services[type_ids].astype(bool)

    row = _area_of(services.geometry.to_numpy(), areas.geometry.to_numpy())
    inside = row >= 0
    services["area_code"] = np.where(inside, areas["code"].to_numpy()[np.maximum(row, 0)], None)
    for grouping in groupings:
        for column in (grouping.code_column, grouping.name_column):
            values = areas[column].to_numpy(dtype=object)[np.maximum(row, 0)]
            services[column] = np.where(inside, values, None)
    by_type = {count.service_type: count for count in report.services}
    for config, _ in lists:
        outside = services.loc[~inside & services[config.id], "code"]
        if config.id in by_type:
            by_type[config.id].outside_areas.extend(outside)
    ordered = [
        "code",
        "name",
        *type_ids,
        "postcode",
        "located_by",
        "area_code",
        *[c for g in groupings for c in (g.code_column, g.name_column)],
    ]
    return services[[*ordered, "geometry"]]


def _area_of(points: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Row of the area each point is in (or within :data:`SERVICE_SNAP_M`), else -1."""
    tree = shapely.STRtree(polygons)
    result = np.full(len(points), -1)
    point_idx, area_idx = tree.query(points, predicate="intersects")
    if len(point_idx):
        first = pd.Series(area_idx).groupby(point_idx).min()
        result[first.index.to_numpy()] = first.to_numpy()
    missing = np.flatnonzero(result < 0)
    if len(missing):
        near_point, near_area = tree.query_nearest(points[missing], max_distance=SERVICE_SNAP_M)
        if len(near_point):
            first = pd.Series(near_area).groupby(near_point).min()
            result[missing[first.index.to_numpy()]] = first.to_numpy()
    return result
