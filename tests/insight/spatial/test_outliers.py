"""Local Moran outliers: agreement with esda, clusters with FDR control, bad arguments."""

from __future__ import annotations

import geopandas as gpd
import libpysal
import numpy as np
import pytest
from esda.crand import njit
from esda.moran import Moran_Local
from shapely.geometry import box

from insight.errors import DataError
from insight.spatial import outliers


def grid(nx: int, ny: int, **columns) -> gpd.GeoDataFrame:
    """An nx by ny lattice of unit squares, row by row, with codes c0, c1, ..."""
    cells = [box(x, y, x + 1, y + 1) for y in range(ny) for x in range(nx)]
    data = {"code": [f"c{i}" for i in range(nx * ny)], **columns}
    return gpd.GeoDataFrame(data, geometry=cells, crs=27700)


def test_local_outliers_agree_with_esda() -> None:

    rng = np.random.default_rng(3)
    values = rng.normal(size=225)
    values[::7] = np.nan  # missing values are left out, as if absent
    areas = grid(15, 15, v=values)
    ours = outliers.local_outliers(areas, "v", permutations=99, seed=7)
    kept = areas[~np.isnan(values)].reset_index(drop=True)
    weights = libpysal.weights.Queen.from_dataframe(kept, use_index=False, silence_warnings=True)
    theirs = Moran_Local(kept["v"].to_numpy(), weights, permutations=99, seed=7)
    present = ~np.isnan(values)
    np.testing.assert_allclose(ours["local_i"].to_numpy()[present], theirs.Is)
    expected = [outliers.QUADRANTS[q] for q in theirs.q]
    assert ours["quadrant"].to_numpy()[present].tolist() == expected
    if getattr(njit, "__module__", "").startswith("libpysal"):  # esda without numba
        np.testing.assert_array_equal(ours["p_sim"].to_numpy()[present], theirs.p_sim)
    assert ours.loc[~present, "label"].eq("").all()


def test_local_outliers_find_clusters_and_an_outlier_with_fdr_control() -> None:
    xs = np.tile(np.arange(20), 20)
    values = np.where(xs < 10, 2.0, -2.0) + np.random.default_rng(0).normal(0, 0.5, size=400)
    values[15 + 20 * 10] = 3.0  # one high area deep in the low half
    result = outliers.local_outliers(grid(20, 20, v=values), "v", permutations=999, seed=1)
    assert result.loc[215, "label"] == "High-Low" and bool(result.loc[215, "outlier"])
    assert result.loc[result["flagged"], "label"].isin(["High-High", "Low-Low", "High-Low"]).all()
    assert (result.loc[xs < 8, "label"] == "High-High").mean() > 0.8
    assert (result["q_value"] >= result["p_value"] - 1e-12).all()
    assert (result.loc[result["flagged"], "q_value"] < 0.05).all()
    assert result.attrs["tested"] == 400


def test_local_outliers_flag_nothing_in_pure_noise() -> None:
    values = np.random.default_rng(5).normal(size=400)
    result = outliers.local_outliers(grid(20, 20, v=values), "v", permutations=199, seed=2)
    assert result["flagged"].sum() <= 2


def test_local_outliers_reject_bad_arguments() -> None:
    areas = grid(3, 3, v=np.arange(9.0))
    with pytest.raises(DataError, match="at least 19"):
        outliers.local_outliers(areas, "v", permutations=5)
    with pytest.raises(DataError, match="numeric columns are: v"):
        outliers.local_outliers(areas, "w")
