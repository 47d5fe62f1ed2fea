"""Area boundaries from the files officers download: GeoJSON, GeoPackage, zipped Shapefile, GeoParquet.

:func:`read_boundaries` reads a boundary file, finds the code and name columns (ONS
conventions: ``WD23CD`` / ``WD23NM``, ``LSOA21CD`` / ``LSOA21NM``...), reprojects to
British National Grid (EPSG:27700), repairs invalid geometries with ``make_valid``, drops
empty ones, merges features that share a code, and works out what one area is (ward,
LSOA...) from the codes.
"""

from __future__ import annotations

import difflib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from insight.data.sources.report import BuildReport, FileRead
from insight.data.sources.tables import codes as clean_codes
from insight.errors import DataError
from insight.model import BNG

FORMATS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".zip": "zipped Shapefile",
    ".shp": "Shapefile",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
}
_ONS_CODE = re.compile(r"^([A-Za-z]+)(\d{2})?CD$")
#: Level of an area from the first three characters of its ONS code.
LEVELS = {
    "E00": "output area",
    "W00": "output area",
    "E01": "neighbourhood (LSOA)",
    "W01": "neighbourhood (LSOA)",
    "E02": "neighbourhood (MSOA)",
    "W02": "neighbourhood (MSOA)",
    "E05": "ward",
    "W05": "ward",
    "S13": "ward",
    "N08": "ward",
    "E06": "local authority",
    "E07": "local authority",
    "E08": "local authority",
    "E09": "local authority",
    "W06": "local authority",
    "S12": "local authority",
    "N09": "local authority",
    "E14": "constituency",
    "W07": "constituency",
    "E58": "electoral division",
    "S01": "data zone",
}
#: ONS column prefixes in order of preference when several code columns are unique.
_PREFERRED = ("WD", "LSOA", "MSOA", "OA", "ED", "PCON", "LAD", "LTLA", "UTLA", "CTYUA")
_GENERIC_CODES = ("code", "area code", "areacode", "area_code", "geography code", "id")
_GENERIC_NAMES = ("name", "area name", "areaname", "area_name", "geography")
#: Bounds of British National Grid that real UK areas fall inside (metres).
_GB_BOUNDS = (-100_000, -100_000, 800_000, 1_300_000)


@dataclass
class Boundaries:
    """Areas read from a boundary file.

    Attributes
    ----------
    areas : geopandas.GeoDataFrame
        ``code``, ``name``, geometry (EPSG:27700), plus the columns asked for with
        ``keep``; sorted by code, one row per code.
    code_column, name_column : str
        The columns of the file the codes and names came from.
    level : str
        What one area is, e.g. "ward".
    format : str
        The format and declared CRS, e.g. "GeoJSON, EPSG:4326".
    """

    areas: gpd.GeoDataFrame
    code_column: str
    name_column: str | None
    level: str
    format: str


def read_boundaries(
    path: Path,
    code: str | None = None,
    name: str | None = None,
    layer: str | None = None,
    level: str | None = None,
    keep: tuple[str, ...] = (),
    report: BuildReport | None = None,
) -> Boundaries:
    """Read a boundary file into areas in EPSG:27700.

    Parameters
    ----------
    path : pathlib.Path
        GeoJSON, GeoPackage, zipped Shapefile, Shapefile or GeoParquet.
    code, name : str, optional
        Columns of the area code and name; detected when not given (ONS ``..CD`` /
        ``..NM``, then ``code`` / ``name``). Without a name column the code is the name.
    layer : str, optional
        GeoPackage layer, or Shapefile inside a zip, when there are several.
    level : str, optional
        What one area is; detected from the codes when not given (``E05`` = ward).
    keep : tuple of str
        More columns to keep (e.g. group codes used by ``from = "areas"`` groupings).
    report : BuildReport, optional
        Where to count rows read, repaired and empty geometries, duplicates.

    Returns
    -------
    Boundaries

    Raises
    ------
    DataError
        Missing file, unsupported or unreadable format, no CRS declared, coordinates that
        contradict the CRS, no code column (the columns found are listed), geometries
        that are not polygons, or no area left.

    Examples
    --------
    >>> result = read_boundaries(Path("tests/insight/sources/data/wards.geojson"))  # doctest: +SKIP
    >>> result.level, result.code_column  # doctest: +SKIP
    ('ward', 'WD23CD')
    """
    report = report if report is not None else BuildReport()
    raw, fmt = _read(path, layer)
    file = path.name
    if len(raw) == 0:
        raise DataError(
            f"{file}: the boundary file has no features. Export the boundaries again, "
            "with the areas selected."
        )
    if raw.crs is not None:
        fmt = f"{fmt}, {_crs_label(raw.crs)}"
    raw = _finite_shapes(raw, file, report)
    raw = _finite_shapes(_with_bng(raw, file, fmt), file, report)
    report.files.append(FileRead(file, "areas", fmt, int(len(raw))))

    code_column = _code_column(raw, file, code)
    name_column = _name_column(raw, file, code_column, name)
    for column in keep:
        if column not in raw.columns:
            _missing_column(
                raw,
                file,
                column,
                "grouping code or name",
                "code / name of the [[groupings]] entry with from = 'areas'",
            )
    table = gpd.GeoDataFrame(
        {
            "code": clean_codes(raw[code_column]),
            "name": clean_codes(raw[name_column]) if name_column else clean_codes(raw[code_column]),
            **{column: raw[column] for column in keep},
        },
        geometry=raw.geometry.to_numpy(),
        crs=BNG,
    )
    if name_column is None:
        report.notes.append(f"{file}: no name column found; the area codes are used as names.")
    else:
        table.loc[table["name"] == "", "name"] = table["code"]

    blank = table["code"] == ""
    if blank.all():
        raise DataError(
            f"{file}: every value of the code column {code_column!r} is blank. Choose the "
            "column holding the area codes with code = ... in [areas]."
        )
    if blank.any():
        report.areas_without_code = int(blank.sum())
        table = table[~blank]

    table = _polygons(table, file, report)
    table = _merge_duplicates(table, report)
    if table.empty:
        raise DataError(
            f"{file}: no area has a geometry (all {len(raw):,} are empty). Export the "
            "boundaries again with their shapes."
        )
    table = table.sort_values("code").reset_index(drop=True)
    found_level = level or detect_level(table["code"], code_column)
    return Boundaries(table, code_column, name_column, found_level, fmt)


def detect_level(area_codes: pd.Series, code_column: str = "") -> str:
    """What one area is, from the most common ONS code prefix (or the column name).

    Examples
    --------
    >>> detect_level(pd.Series(["E05013456", "E05013457"]))
    'ward'
    >>> detect_level(pd.Series(["X1", "X2"]), "WD23CD")
    'ward'
    >>> detect_level(pd.Series(["X1"]), "id")
    'area'
    """
    prefixes = area_codes.astype(str).str[:3].value_counts()
    if len(prefixes) and prefixes.index[0] in LEVELS:
        return LEVELS[prefixes.index[0]]
    match = _ONS_CODE.match(code_column)
    if match:
        by_prefix = {
            "WD": "ward",
            "LSOA": "neighbourhood (LSOA)",
            "MSOA": "neighbourhood (MSOA)",
            "OA": "output area",
            "LAD": "local authority",
            "ED": "electoral division",
        }
        return by_prefix.get(match.group(1).upper(), "area")
    return "area"


def _read(path: Path, layer: str | None) -> tuple[gpd.GeoDataFrame, str]:
    file = path.name
    if not path.is_file():
        raise DataError(
            f"The boundary file {str(path)!r} does not exist. Check [areas] path (it is "
            "relative to the place configuration) and the spelling of the file name."
        )
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataError(
            f"{file}: boundary files of type {suffix or '(none)'!r} are not supported. Use "
            f"one of: {', '.join(FORMATS)} (GeoJSON, GeoPackage, zipped Shapefile, GeoParquet)."
        )
    fmt = FORMATS[suffix]
    if suffix in (".parquet", ".geoparquet"):
        return _read_parquet(path), fmt
    source = str(path)
    if suffix == ".zip":
        source = _shapefile_in_zip(path, layer)
        layer = None
    elif suffix == ".shp":
        _check_sidecars(
            {p.name.lower() for p in path.parent.iterdir() if p.stem == path.stem},
            path.stem,
            file,
        )
    elif suffix == ".gpkg":
        layer = _gpkg_layer(path, layer)
    try:
        raw = gpd.read_file(source, layer=layer, engine="pyogrio", on_invalid="ignore")
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.GeometryError,
        pyogrio.errors.FieldError,
    ) as error:
        raise DataError(
            f"{file}: could not read the boundary file as {fmt} ({error}). Check that it is "
            f"a complete {fmt} file (open it in QGIS) and export it again if not."
        ) from None
    except UnicodeDecodeError:
        raise DataError(
            f"{file}: the boundary file's text is not UTF-8 (names with accents, say, saved "
            f"as Latin-1). Save it again as {fmt} with UTF-8 encoding (QGIS: Export, Save "
            "Features As, Encoding UTF-8)."
        ) from None
    except (MemoryError, OSError, shapely.errors.GEOSException) as error:
        raise DataError(
            f"{file}: could not read the boundary file as {fmt} ({type(error).__name__}: "
            f"{str(error)[:200]}). Check it in QGIS and export it again."
        ) from None
    return raw, fmt


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except ValueError as error:
        raise DataError(
            f"{path.name}: could not read the file as GeoParquet ({error}). It may be a "
            "plain Parquet table without geometry; write it with geopandas.to_parquet or "
            "export GeoParquet from QGIS."
        ) from None
    except Exception as error:  # pyarrow raises several kinds for a file that is not Parquet
        raise DataError(
            f"{path.name}: could not read the file as GeoParquet ({type(error).__name__}: "
            f"{error}). Export it again as GeoParquet."
        ) from None


def _shapefile_in_zip(path: Path, layer: str | None) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
    except zipfile.BadZipFile:
        raise DataError(
            f"{path.name}: the file is not a readable zip archive. Download it again, or "
            "zip the Shapefile's .shp, .shx, .dbf and .prj files together."
        ) from None
    shapes = [m for m in members if m.lower().endswith(".shp")]
    if not shapes:
        raise DataError(
            f"{path.name}: the zip holds no Shapefile (.shp). Files inside: "
            f"{', '.join(members[:10]) or '(none)'}. Zip the .shp, .shx, .dbf and .prj "
            "files of the boundaries together."
        )
    if len(shapes) > 1:
        chosen = [s for s in shapes if layer and Path(s).stem == layer]
        if not chosen:
            raise DataError(
                f"{path.name}: the zip holds {len(shapes)} Shapefiles: "
                f"{', '.join(Path(s).stem for s in shapes)}. Choose one with layer = ... in "
                "[areas]."
            )
        shapes = chosen
    shape = shapes[0]
    stem = shape[:-4]
    present = {m.lower() for m in members if m[:-4] == stem or m.rsplit(".", 1)[0] == stem}
    _check_sidecars(
        {Path(m).name for m in present},
        Path(stem).name.lower(),
        f"{Path(shape).name} inside {path.name}",
    )
    return f"/vsizip/{path.resolve()}/{shape}"


def _check_sidecars(present: set[str], stem: str, where: str) -> None:
    present = {p.lower() for p in present}
    stem = stem.lower()
    for suffix, what in ((".shx", "shape index"), (".dbf", "attribute table")):
        if f"{stem}{suffix}" not in present:
            raise DataError(
                f"{where}: the Shapefile has no {suffix} file ({what}). A Shapefile is "
                "several files: keep the .shp, .shx, .dbf and .prj together (zip them)."
            )
    if f"{stem}.prj" not in present:
        raise DataError(
            f"{where}: the Shapefile has no .prj file, so its coordinate system (CRS) is not "
            "declared. Add the .prj file that came with it, or export it again from QGIS "
            "with the CRS set (e.g. EPSG:27700, British National Grid)."
        )


def _gpkg_layer(path: Path, layer: str | None) -> str | None:
    try:
        layers = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as error:
        raise DataError(
            f"{path.name}: could not read the file as a GeoPackage ({error}). Export it "
            "again from QGIS."
        ) from None
    names = [str(n) for n, _ in layers]
    if layer is not None:
        if layer not in names:
            raise DataError(
                f"{path.name}: there is no layer {layer!r}. Layers found: "
                f"{', '.join(map(repr, names))}. Set layer = one of these in [areas]."
            )
        return layer
    polygons = [str(n) for n, kind in layers if kind and "polygon" in str(kind).lower()]
    if len(names) == 1:
        return names[0]
    if len(polygons) == 1:
        return polygons[0]
    raise DataError(
        f"{path.name}: the GeoPackage has {len(names)} layers: "
        f"{', '.join(map(repr, names))}. Choose one with layer = ... in [areas]."
    )


def _finite_shapes(raw: gpd.GeoDataFrame, file: str, report: BuildReport) -> gpd.GeoDataFrame:
    """Blank the shapes with coordinates that are not finite numbers (NaN, infinite, or
    made infinite by the change of CRS); they are then dropped, and reported, as empty."""
    geometry = raw.geometry.to_numpy()
    coordinates, owner = shapely.get_coordinates(geometry, return_index=True)
    bad_rows = np.unique(owner[~np.isfinite(coordinates).all(axis=1)])
    if len(bad_rows) == 0:
        return raw
    geometry = geometry.copy()
    geometry[bad_rows] = None
    report.notes.append(
        f"{file}: {len(bad_rows):,} shapes have coordinates that are not finite numbers "
        "(NaN or out of range); those areas are left out."
    )
    return raw.set_geometry(gpd.GeoSeries(geometry, index=raw.index, crs=raw.crs))


def _with_bng(raw: gpd.GeoDataFrame, file: str, fmt: str) -> gpd.GeoDataFrame:
    if raw.crs is None:
        raise DataError(
            f"{file}: the {fmt} file declares no coordinate reference system (CRS), so its "
            "coordinates cannot be placed on the map. Export it again with the CRS set "
            "(e.g. EPSG:27700 British National Grid or EPSG:4326 WGS84)."
        )
    bounds = raw.total_bounds
    crs_label = _crs_label(raw.crs)
    if (
        raw.crs.is_geographic
        and np.all(np.isfinite(bounds))
        and (np.abs(bounds[[0, 2]]).max() > 180 or np.abs(bounds[[1, 3]]).max() > 90)
    ):
        raise DataError(
            f"{file}: the coordinates ({bounds[0]:,.0f}, {bounds[1]:,.0f}) look like metres "
            f"(British National Grid?), but the file says they are degrees ({crs_label}). "
            'GeoJSON without a "crs" member is WGS84 by definition: export it again as '
            "EPSG:4326, or as a GeoPackage that keeps EPSG:27700."
        )
    if not raw.crs.is_geographic and np.all(np.isfinite(bounds)) and (np.abs(bounds).max() <= 180):
        raise DataError(
            f"{file}: the coordinates ({bounds[0]:.3f}, {bounds[1]:.3f}) look like degrees "
            f"of longitude and latitude, but the file says they are in {crs_label}. Set the "
            "CRS to EPSG:4326 (WGS84) in QGIS (Layer > Set CRS, not Reproject) and export again."
        )
    areas = raw.to_crs(BNG)
    moved = areas.total_bounds
    if np.all(np.isfinite(moved)) and (
        moved[0] < _GB_BOUNDS[0]
        or moved[1] < _GB_BOUNDS[1]
        or moved[2] > _GB_BOUNDS[2]
        or moved[3] > _GB_BOUNDS[3]
    ):
        raise DataError(
            f"{file}: with the declared CRS ({crs_label}) the areas fall outside the United "
            f"Kingdom (British National Grid bounds {moved[0]:,.0f}, {moved[1]:,.0f} to "
            f"{moved[2]:,.0f}, {moved[3]:,.0f}). The declared CRS is probably wrong: set the "
            "right one in QGIS and export again."
        )
    return areas


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _code_column(raw: gpd.GeoDataFrame, file: str, given: str | None) -> str:
    columns = [c for c in raw.columns if c != raw.geometry.name]
    if given is not None:
        found = _lookup(columns, given)
        if found is None:
            _missing_column(raw, file, given, "area code", "code in [areas]")
        return found
    candidates = [c for c in columns if _ONS_CODE.match(str(c))]
    unique = [c for c in candidates if raw[c].notna().all() and raw[c].is_unique]
    if len(unique) == 1:
        return unique[0]
    if len(unique) > 1:
        ranked = sorted(unique, key=lambda c: _rank(str(c)))
        if _rank(ranked[0]) < _rank(ranked[1]):
            return ranked[0]
        raise DataError(
            f"{file}: several columns could be the area code: "
            f"{', '.join(map(repr, ranked))}. Choose one with code = ... in [areas]."
        )
    if candidates:
        return candidates[0]
    generic = _lookup(columns, *_GENERIC_CODES)
    if generic is not None:
        return generic
    raise DataError(
        f"{file}: no area code column found. Looked for ONS code columns (ending in CD, e.g. "
        f"WD23CD) and 'code'. Columns found: {', '.join(map(repr, columns)) or '(none)'}. "
        'Set code = "<column>" in [areas].'
    )


def _rank(column: str) -> int:
    match = _ONS_CODE.match(column)
    prefix = match.group(1).upper() if match else ""
    return _PREFERRED.index(prefix) if prefix in _PREFERRED else len(_PREFERRED)


def _name_column(
    raw: gpd.GeoDataFrame, file: str, code_column: str, given: str | None
) -> str | None:
    columns = [c for c in raw.columns if c != raw.geometry.name]
    if given is not None:
        found = _lookup(columns, given)
        if found is None:
            _missing_column(raw, file, given, "area name", "name in [areas]")
        return found
    match = _ONS_CODE.match(code_column)
    if match:
        paired = _lookup(columns, f"{code_column[:-2]}NM")
        if paired is not None:
            return paired
    return _lookup(columns, *_GENERIC_NAMES)


def _lookup(columns: list, *wanted: str) -> str | None:
    keyed = {str(c).strip().lower(): c for c in columns}
    for name in wanted:
        if name.strip().lower() in keyed:
            return keyed[name.strip().lower()]
    return None


def _missing_column(
    raw: gpd.GeoDataFrame, file: str, wanted: str, role: str, setting: str
) -> NoReturn:
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    close = difflib.get_close_matches(wanted, columns, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise DataError(
        f"{file}: there is no {role} column {wanted!r}.{hint} Columns found: "
        f"{', '.join(map(repr, columns))}. Set {setting} to one of these."
    )


def _polygons(table: gpd.GeoDataFrame, file: str, report: BuildReport) -> gpd.GeoDataFrame:
    geometry = table.geometry.to_numpy()
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    kinds = pd.Series(shapely.get_type_id(geometry))
    polygonal = kinds.isin([3, 6]).to_numpy()  # Polygon, MultiPolygon
    collections = (kinds == 7).to_numpy()
    bad = ~(empty | polygonal | collections)
    if bad.any():
        names = table.geometry[bad].geom_type.value_counts()
        found = ", ".join(f"{n:,} {kind}" for kind, n in names.items())
        examples = ", ".join(table["code"].to_numpy()[bad][:5])
        raise DataError(
            f"{file}: areas must be polygons, but the file also holds {found} (areas "
            f"{examples}). Use a boundary file of polygons (not points or lines, e.g. "
            "centroids), or remove the other features in QGIS."
        )
    if empty.any():
        report.empty_geometries_dropped.extend(table["code"].to_numpy()[empty])
        table = table[~empty].copy()
        geometry = table.geometry.to_numpy()
    invalid = ~shapely.is_valid(geometry)
    if invalid.any():
        report.invalid_geometries_repaired.extend(table["code"].to_numpy()[invalid])
        geometry = geometry.copy()
        geometry[invalid] = _make_valid(geometry[invalid])
    geometry = np.array([_polygonal_part(g) for g in geometry], dtype=object)
    lost = shapely.is_empty(geometry)
    if lost.any():
        report.empty_geometries_dropped.extend(table["code"].to_numpy()[lost])
    table = table.set_geometry(gpd.GeoSeries(geometry, index=table.index, crs=BNG))
    return table[~lost]


def _make_valid(geometry: np.ndarray) -> np.ndarray:
    """``shapely.make_valid``, one shape at a time when GEOS gives up on one (it is blanked)."""
    try:
        return shapely.make_valid(geometry)
    except shapely.errors.GEOSException:
        repaired = np.empty(len(geometry), dtype=object)
        for i, shape in enumerate(geometry):
            try:
                repaired[i] = shapely.make_valid(shape)
            except shapely.errors.GEOSException:
                repaired[i] = shapely.Polygon()
        return repaired


def _polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygons of a geometry (collections from ``make_valid`` keep only their areas)."""
    kind = shapely.get_type_id(geometry)
    if kind in (3, 6):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if shapely.get_type_id(p) in (3, 6)]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def _merge_duplicates(table: gpd.GeoDataFrame, report: BuildReport) -> gpd.GeoDataFrame:
    repeated = table["code"].duplicated(keep=False)
    if not repeated.any():
        return table
    report.duplicate_area_codes.extend(sorted(table.loc[repeated, "code"].unique()))
    merged = table.dissolve(by="code", aggfunc="first", as_index=False)
    return merged[table.columns]
