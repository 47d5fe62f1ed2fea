"""Small reprojections to WGS84 (a pin, one area's outline) on one long-lived thread.

pyproj keeps a PROJ transformer per thread, and making one costs about 30 ms of CPU.
Streamlit runs every page run on a thread of its own, so a page that reprojected a pin or
an outline with ``to_crs`` paid those 30 ms on every visit. Here they run on one thread
kept for the life of the process (started again in a forked child): the transformer is
made once. The coordinates are those ``GeoSeries.to_crs(4326)`` gives (the same
transformer, always x then y).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from pyproj import CRS, Transformer

_LOCK = threading.Lock()
_WORKER: dict[int, ThreadPoolExecutor] = {}
#: Transformers by source CRS, used on the worker thread only.
_TRANSFORMERS: dict[str, Transformer] = {}


def _forget_after_fork() -> None:
    global _LOCK
    _LOCK = threading.Lock()
    _WORKER.clear()
    _TRANSFORMERS.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _worker() -> ThreadPoolExecutor:
    with _LOCK:
        pid = os.getpid()
        if pid not in _WORKER:
            _WORKER.clear()
            _WORKER[pid] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wgs84")
        return _WORKER[pid]


def _project(geometry: np.ndarray, crs: CRS | str) -> np.ndarray:
    key = crs.srs if isinstance(crs, CRS) else str(crs)  # no call into PROJ on the way
    transformer = _TRANSFORMERS.get(key)
    if transformer is None:
        transformer = Transformer.from_crs(CRS.from_user_input(crs), CRS(4326), always_xy=True)
        _TRANSFORMERS[key] = transformer

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)


def to_wgs84(geometry: np.ndarray | Sequence[shapely.Geometry], crs: CRS | str) -> np.ndarray:
    """Geometries reprojected from ``crs`` to WGS84 (longitude, latitude).

    Parameters
    ----------
    geometry : array-like of shapely.Geometry
        Two-dimensional geometries (a pin, an outline: a few at a time).
    crs : pyproj.CRS or str
        Their coordinate reference system (e.g. ``place.areas.crs``).

    Returns
    -------
    numpy.ndarray
        The geometries in EPSG:4326, as ``GeoSeries.to_crs(4326)`` gives them.

    Examples
    --------
    >>> point = to_wgs84([shapely.Point(529090, 179645)], "EPSG:27700")[0]
    >>> round(point.x, 2), round(point.y, 2)
    (-0.13, 51.5)
    """
    geometry = np.asarray(geometry, dtype=object)
    return _worker().submit(_project, geometry, crs).result()
