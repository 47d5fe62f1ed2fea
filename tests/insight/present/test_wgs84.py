"""Small reprojections to WGS84 on the process's own thread for them."""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import shapely

from insight.present import wgs84


def test_the_coordinates_are_those_of_to_crs_from_any_thread():
    shapes = np.array(
        [shapely.Point(529090, 179645), shapely.box(450000, 250000, 452000, 251500)], dtype=object
    )
    expected = gpd.GeoSeries(shapes, crs=27700).to_crs(4326).to_numpy()
    found: list[np.ndarray] = []
    threads = [
        threading.Thread(target=lambda: found.append(wgs84.to_wgs84(shapes, "EPSG:27700")))
        for _ in range(4)
    ]  # as Streamlit runs each page on a new thread
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 4
    for shapes_found in found:
        for got, want in zip(shapes_found, expected, strict=True):
            assert np.array_equal(shapely.get_coordinates(got), shapely.get_coordinates(want))
