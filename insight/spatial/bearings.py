"""Bearings for maps: place names from the area names, and the areas around a view.

A map without tiles has no place names of its own. The names come from the data already
on the machine: English and Welsh small-area names are the name of their (2011) district
followed by a code (``"Northampton 012A"``), so the part before the code names a town or
district, and the middle of its areas is where its label goes. Where the area names carry
no such code (officers' own wards), the names of the place's default grouping stand in.
"""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from insight.model import Place
from insight.spatial.index import AreaIndex

#: The code at the end of an LSOA or MSOA name: ``012A`` or ``012``.
AREA_CODE = re.compile(r"\d{3}[A-Z]?")
#: Size of the map the labels are spaced for (pixels) and of one label's letters.
MAP_PIXELS = (800, 560)
CHARACTER_PIXELS = 7.5
LABEL_HEIGHT_PIXELS = 20
LABEL_PADDING_PIXELS = 10
#: How many place names a map shows at most: nationally (the largest towns) and locally.
NATIONAL_LABELS = 40
LOCAL_LABELS = 12
#: Columns of :func:`town_labels`.
LABEL_COLUMNS = ["name", "areas", "easting", "northing", "lon", "lat", "anchor"]
#: Share of the view's width, at each side, where names run inwards from their point
#: (``"end"`` in the east, ``"start"`` in the west) so they stay on a narrow map.
EDGE_SHARE = 0.2


def town_names(names: pd.Series) -> pd.Series | None:
    """The town part of small-area names: the name without its trailing code.

    Parameters
    ----------
    names : pandas.Series
        Area names.

    Returns
    -------
    pandas.Series or None
        The names without the code, or None when most names carry no code (they name
        the areas themselves, as officers' wards do, not a town with numbered parts).

    Examples
    --------
    >>> town_names(pd.Series(["Northampton 012A", "Isles of Scilly 001A"])).tolist()
    ['Northampton', 'Isles of Scilly']
    >>> town_names(pd.Series(["Abington", "Castle"])) is None
    True
    """
    # Plain Python over the last word: pandas' regular expressions over Arrow strings
    # take seconds for the 35,000 areas of England and Wales.
    towns = []
    for name in names.tolist():  # a list: iterating Arrow strings one by one is slow
        parts = str(name).rsplit(None, 1)
        coded = len(parts) == 2 and AREA_CODE.fullmatch(parts[1]) is not None
        towns.append(parts[0] if coded else None)
    if sum(t is not None for t in towns) < max(1, 0.5 * len(towns)):
        return None
    return pd.Series(towns, index=names.index, dtype=object)


def _label_names(place: Place, rows: np.ndarray) -> pd.Series | None:
    """A place name for each of some areas: its town, else its default grouping's group name."""
    towns = town_names(place.areas["name"].iloc[rows])
    if towns is not None:
        return towns
    grouping = place.groupings.get(place.default_grouping) or next(
        iter(place.groupings.values()), None
    )
    if grouping is None or grouping.name_column not in place.areas:
        return None
    return place.areas[grouping.name_column].iloc[rows].astype(object)


def metres_per_pixel(
    bounds: tuple[float, float, float, float], map_pixels: tuple[int, int] = MAP_PIXELS
) -> float:
    """Metres on the ground per pixel of a map fitted to ``bounds`` (grid metres).

    As :func:`insight.present.maps.view_for` fits a view: the tighter of width and height,
    with half a zoom level of margin.
    """
    minx, miny, maxx, maxy = bounds
    width, height = map_pixels
    return max((maxx - minx) / width, (maxy - miny) / height, 1.0) * math.sqrt(2)


def town_labels(
    place: Place,
    rows: np.ndarray | None = None,
    *,
    limit: int | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    map_pixels: tuple[int, int] = MAP_PIXELS,
) -> pd.DataFrame:
    """Place names to write on a map of some areas, largest first, never overlapping.

    Each town (the name part of its areas' names, see :func:`town_names`) is placed at
    the middle of its drawn areas: the area centre (the middle of its
    bounding box) nearest the mean of their centres (so
    the label sits on the town, not in a gap of a crescent-shaped district). Towns are
    taken by number of drawn areas, largest first; a town whose label would overlap a
    larger one's at the map's first zoom is left out, so labels never pile up.

    Parameters
    ----------
    place : Place
        The place.
    rows : array of int, optional
        Rows of ``place.areas`` drawn (default: all of them, the national map).
    limit : int, optional
        Most labels: default :data:`NATIONAL_LABELS` for all areas, else
        :data:`LOCAL_LABELS`.
    bounds : tuple of float, optional
        The map's view in grid metres (minx, miny, maxx, maxy): towns whose label point
        falls outside are left out. Default: the bounds of the drawn areas.
    map_pixels : (int, int)
        Width and height of the map the labels are spaced for.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LABEL_COLUMNS`: ``name``, ``areas`` (drawn areas of that town),
        ``easting``/``northing`` (the place's grid), ``lon``/``lat`` (WGS84) and
        ``anchor``, which end of the name is at its point (``"middle"``; ``"end"`` or
        ``"start"`` near the east or west edge, so names run inwards on a narrow map).

    Examples
    --------
    >>> town_labels(place, limit=3)["name"].tolist()  # doctest: +SKIP
    ['Birmingham', 'Leeds', 'Sheffield']
    """
    national = rows is None
    rows = np.arange(len(place.areas)) if national else np.asarray(rows, dtype=int)
    limit = (NATIONAL_LABELS if national else LOCAL_LABELS) if limit is None else limit
    names = _label_names(place, rows)
    empty = pd.DataFrame({c: pd.Series(dtype=float) for c in LABEL_COLUMNS})
    if names is None or len(rows) == 0 or limit <= 0:
        return empty
    geometry = place.areas.geometry.to_numpy()[rows]
    # The middle of each area's bounding box: small areas, and a thirtieth of the time
    # of exact centroids nationally.
    box = shapely.bounds(geometry)
    table = pd.DataFrame(
        {
            "name": names.to_numpy(),
            "x": (box[:, 0] + box[:, 2]) / 2,
            "y": (box[:, 1] + box[:, 3]) / 2,
        }
    )
    table = table.dropna(subset=["name"])
    table = table[table["name"].astype(str).str.strip() != ""]
    if table.empty:
        return empty
    grouped = table.groupby("name", sort=False)
    table["dx"] = table["x"] - grouped["x"].transform("mean")
    table["dy"] = table["y"] - grouped["y"].transform("mean")
    table["off"] = np.hypot(table["dx"], table["dy"])
    middle = table.loc[table.groupby("name", sort=False)["off"].idxmin(), ["name", "x", "y"]]
    middle["areas"] = middle["name"].map(grouped.size())
    middle = middle.sort_values(["areas", "name"], ascending=[False, True])
    view = tuple(bounds) if bounds is not None else tuple(shapely.total_bounds(geometry))
    inside = (
        (middle["x"] >= view[0])
        & (middle["x"] <= view[2])
        & (middle["y"] >= view[1])
        & (middle["y"] <= view[3])
    )
    middle = middle[inside]
    scale = metres_per_pixel(view, map_pixels)
    edge = (view[2] - view[0]) * EDGE_SHARE
    chosen: list[tuple[str, int, float, float, str]] = []
    boxes: list[tuple[float, float, float, float]] = []  # each chosen name's, in metres
    for name, x, y, areas in middle[["name", "x", "y", "areas"]].itertuples(index=False):
        width = (len(str(name)) * CHARACTER_PIXELS + LABEL_PADDING_PIXELS) * scale
        height = (LABEL_HEIGHT_PIXELS + LABEL_PADDING_PIXELS / 2) * scale
        anchor = "end" if x > view[2] - edge else "start" if x < view[0] + edge else "middle"
        centre = x - width / 2 if anchor == "end" else x + width / 2 if anchor == "start" else x
        if any(
            abs(centre - ox) < (width + ow) / 2 and abs(y - oy) < (height + oh) / 2
            for ox, oy, ow, oh in boxes
        ):
            continue
        boxes.append((centre, y, width, height))
        chosen.append((str(name), int(areas), x, y, anchor))
        if len(chosen) >= limit:
            break
    if not chosen:
        return empty
    result = pd.DataFrame(chosen, columns=["name", "areas", "easting", "northing", "anchor"])
    points = gpd.GeoSeries(
        gpd.points_from_xy(result["easting"], result["northing"]), crs=place.areas.crs
    ).to_crs(4326)
    result["lon"] = points.x.to_numpy()
    result["lat"] = points.y.to_numpy()
    return result[LABEL_COLUMNS]


def areas_around(
    index: AreaIndex, rows: np.ndarray, margin: float = 0.15
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The areas around some areas, within a view that fits them with a margin.

    Parameters
    ----------
    index : AreaIndex
        The place's spatial index.
    rows : array of int
        Rows of the areas the map is about.
    margin : float
        Margin added on every side, as a share of the larger side of their bounds.

    Returns
    -------
    rows : numpy.ndarray
        Rows of the other areas that reach into the view, sorted.
    bounds : tuple of float
        The view (minx, miny, maxx, maxy) in the areas' grid.
    """
    rows = np.asarray(rows, dtype=int)
    geometry = index.areas.geometry.to_numpy()
    if len(rows) == 0:
        return np.array([], dtype=int), (0.0, 0.0, 0.0, 0.0)
    minx, miny, maxx, maxy = shapely.total_bounds(geometry[rows])
    pad = margin * max(maxx - minx, maxy - miny, 1.0)
    view = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    found = index.tree.query(shapely.box(*view), predicate="intersects")
    return np.setdiff1d(found, rows), tuple(float(v) for v in view)
