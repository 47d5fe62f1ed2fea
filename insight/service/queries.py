"""Compare, trend, lookup and export, once for every front end: each a plain function of
a place id (and the ids of what is asked), its place from :class:`Places`.

The ``*_record`` functions give what ``python -m insight ... --json`` prints and the JSON
API answers (plain dicts; :func:`json_safe` makes them valid JSON).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from insight import explain
from insight.analysis import benchmark, inequality, penalty, similar, trend
from insight.analysis.findings import Finding
from insight.analysis.penalty import PENALTY_THRESHOLD
from insight.data import postcodes
from insight.model import Indicator
from insight.present.export import SLIDE_FORMATS, export_bytes
from insight.present.files import to_csv
from insight.present.tables import DEFAULT_THRESHOLD
from insight.service.findings import pair_findings
from insight.service.places import Places

__all__ = [
    "compare_groups",
    "compare_record",
    "export",
    "finding_record",
    "grouping_record",
    "json_safe",
    "locate",
    "lookup_file",
    "lookup_record",
    "lookup_table",
    "penalty_record",
    "place_record",
    "trend_record",
]


def json_safe(value: Any) -> Any:
    """``value`` with numpy scalars made plain and non-finite floats made null.

    Examples
    --------
    >>> json_safe({"a": float("nan"), "b": np.int64(2)})
    {'a': None, 'b': 2}
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------------------------
# a place: its indicators and groupings
# --------------------------------------------------------------------------------------


def _indicator_record(indicator: Indicator) -> dict[str, Any]:
    return {
        "id": indicator.id,
        "title": indicator.title,
        "unit": indicator.unit,
        "kind": indicator.kind,
        "polarity": indicator.polarity,
        "period": indicator.period,
        "periods": list(indicator.periods),
        "source": indicator.source,
        "description": indicator.description,
        "decimals": indicator.decimals,
        "what_if": indicator.within is not None,
    }


def place_record(place_id: str, *, places: Places | None = None) -> dict[str, Any]:
    """A place, its indicators and its groupings, as a dict.

    Parameters
    ----------
    place_id : str
        The place.
    places : Places, optional
        Where the place comes from (default: opened here).

    Returns
    -------
    dict
        ``id``, ``title``, ``area_level``, ``areas`` (how many), ``benchmark``,
        ``default_grouping``, ``indicators`` and ``groupings`` (each grouping with how many
        ``groups`` it has).

    Raises
    ------
    PlaceNotFoundError
        No such place.

    Examples
    --------
    >>> [i["id"] for i in place_record("demo")["indicators"]][:2]  # doctest: +SKIP
    ['admissions', 'ivt_minutes']
    """
    place = (places or Places()).place(place_id)
    return {
        "id": place.id,
        "title": place.title,
        "area_level": place.area_level,
        "areas": len(place.areas),
        "benchmark": place.benchmark_name,
        "default_grouping": place.default_grouping,
        "indicators": [_indicator_record(i) for i in place.indicators.values()],
        "groupings": [
            {
                "id": g.id,
                "title": g.title,
                "plural": g.plural,
                "description": g.description,
                "groups": int(place.areas[g.code_column].nunique()),
            }
            for g in place.groupings.values()
        ],
    }


def grouping_record(place_id: str, grouping_id: str, *, places: Places | None = None) -> dict:
    """One grouping of a place with every group in it (code and name, by name).

    Raises
    ------
    DataError
        An unknown grouping (the message names those there are).

    Examples
    --------
    >>> grouping_record("demo", "icb")["members"][0]["name"]  # doctest: +SKIP
    """
    place = (places or Places()).place(place_id)
    grouping = place.grouping(grouping_id)
    names = place.group_names(grouping_id)
    return {
        "id": grouping.id,
        "title": grouping.title,
        "plural": grouping.plural,
        "description": grouping.description,
        "groups": len(names),
        "members": [{"code": str(code), "name": str(name)} for code, name in names.items()],
    }


def finding_record(finding: Finding) -> dict[str, Any]:
    """One finding as a flat dict: its ``indicator`` and ``grouping``, then every column
    of :data:`insight.analysis.findings.FINDING_COLUMNS` (what ``findings --format json``
    prints for each).

    Examples
    --------
    >>> finding_record(found.items[0])["rank"]  # doctest: +SKIP
    1
    """
    return {"indicator": finding.indicator, "grouping": finding.grouping, **finding.record()}


# --------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------


def compare_groups(
    place_id: str,
    indicator_id: str,
    grouping_id: str,
    period: str | None = None,
    *,
    places: Places | None = None,
) -> benchmark.GroupComparison:
    """Every group benchmarked (see :func:`insight.analysis.benchmark.compare_groups`), in
    ``period`` of the indicator (None: the latest).

    Parameters
    ----------
    place_id, indicator_id, grouping_id : str
        The place, indicator and grouping.
    period : str, optional
        One of the indicator's earlier periods (None: the latest).
    places : Places, optional
        Where the place comes from (default: opened here).

    Returns
    -------
    GroupComparison

    Raises
    ------
    DataError
        An unknown indicator, grouping or period.

    Examples
    --------
    >>> compare_groups("demo", "mt_minutes", "lad").benchmark_name  # doctest: +SKIP
    'England and Wales'
    """
    places = places or Places()
    return benchmark.compare_groups(
        places.place_at(place_id, indicator_id, period), indicator_id, grouping_id
    )


def compare_record(
    place_id: str,
    indicator_id: str,
    grouping_id: str,
    group: str | None = None,
    comparators: str = "touching",
    count: int = similar.DEFAULT_COUNT,
    neighbours_file: str | None = None,
    *,
    places: Places | None = None,
) -> dict[str, Any]:
    """The Compare page's table as a dict (``python -m insight compare --json``).

    With a ``group``, the table is that group and its comparators: the groups touching
    it (``comparators="touching"``, the page's default), or its most similar groups
    (``"similar"``: the ``count`` nearest on the place's profile, or the neighbours listed
    for it in ``neighbours_file``); then the record also has ``"method"``, ``"variables"``
    and ``"comparators"`` (each with its rank and distance).

    Parameters
    ----------
    place_id, indicator_id, grouping_id : str
        The place, indicator and grouping.
    group : str, optional
        Only this group and its comparators.
    comparators : {"touching", "similar"}
        Which comparators ``group`` is shown with.
    count : int
        How many similar groups.
    neighbours_file : str, optional
        A CSV of neighbour sets (columns group, neighbour, rank), e.g. CIPFA's.
    places : Places, optional
        Where the place comes from (default: opened here).

    Returns
    -------
    dict
        ``indicator``, ``grouping``, ``benchmark`` (``label``, ``value``) and ``groups``
        (each ``code``, ``name``, ``value``, ``lower``, ``upper``, ``funnel``).

    Raises
    ------
    DataError
        An unknown indicator, grouping or group, or a neighbours file that cannot be read.

    Examples
    --------
    >>> compare_record("demo", "mt_minutes", "lad")["benchmark"]  # doctest: +SKIP
    """
    places = places or Places()
    place = places.place(place_id)
    result = places.comparison(place_id, indicator_id, grouping_id)
    table = result.table
    record: dict[str, Any] = {}
    if group is not None and comparators == "similar":
        if neighbours_file:
            sets = similar.read_neighbours(neighbours_file, place, grouping_id)
            found = similar.chosen_neighbours(
                sets, place, grouping_id, group, Path(neighbours_file).name
            )
        else:
            found = similar.similar_groups(place, grouping_id, group, count)
        table = result.subset([group, *found.codes]).table
        record = {"method": found.method, "variables": list(found.variables),
                  "comparators": found.records()}  # fmt: skip
    elif group is not None:
        column = place.grouping(grouping_id).code_column
        touching = places.index(place_id).touching_groups(column, group)
        table = result.subset([group, *touching]).table  # the Compare page's default
    return {
        "indicator": indicator_id,
        "grouping": grouping_id,
        "benchmark": {"label": result.benchmark_name, "value": result.benchmark},
        "groups": [
            {
                "code": row.code,
                "name": row.name,
                "value": row.value,
                "lower": row.lower,
                "upper": row.upper,
                "funnel": row.funnel,
            }
            for row in table.itertuples()
        ],
        **record,
    }


# --------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------


def inequality_result(
    place_id: str,
    indicator_id: str,
    grouping_id: str | None = None,
    group: str | None = None,
    quantiles: int = 5,
    *,
    places: Places | None = None,
) -> inequality.Inequality:
    """An indicator by deprivation quantile (see
    :func:`insight.analysis.inequality.inequality`).

    Raises
    ------
    DataError
        The place has no deprivation measure, or an unknown indicator or group.
    """
    places = places or Places()
    return inequality.inequality(
        places.place(place_id), indicator_id, grouping_id, group, quantiles
    )


def inequality_record(
    place_id: str,
    indicator_id: str,
    grouping_id: str | None = None,
    group: str | None = None,
    quantiles: int = 5,
    *,
    places: Places | None = None,
) -> dict[str, Any]:
    """An indicator by deprivation quantile and its slope index of inequality, as a dict
    (``python -m insight inequality --json``).

    Returns
    -------
    dict
        ``indicator``, ``deprivation`` (the measure's id), ``where``, ``grouping``,
        ``group``, ``method``, ``sentence``, ``quantiles`` (each ``quantile``, ``label``,
        ``areas``, ``population``, ``value``, ``lower``, ``upper``) and ``sii`` (``sii``,
        ``lower``, ``upper``, ``rii``, ``rii_lower``, ``rii_upper``, ``confidence``,
        ``repetitions``; null when a quantile has no value).

    Examples
    --------
    >>> inequality_record("northants-wards", "child_poverty")["sii"]["sii"]  # doctest: +SKIP
    -25.4
    """
    result = inequality_result(place_id, indicator_id, grouping_id, group, quantiles, places=places)
    slope = result.slope
    return {
        "indicator": indicator_id,
        "deprivation": result.deprivation.id,
        "where": result.where,
        "grouping": grouping_id if group is not None else None,
        "group": group,
        "method": result.method,
        "sentence": explain.inequality_sentence(result),
        "quantiles": [
            {
                "quantile": int(row.quantile),
                "label": row.label,
                "areas": int(row.areas),
                "population": row.population,
                "value": row.value,
                "lower": row.lower,
                "upper": row.upper,
            }
            for row in result.table.itertuples()
        ],
        "sii": None
        if slope is None
        else {
            "sii": slope.sii,
            "lower": slope.sii_lower,
            "upper": slope.sii_upper,
            "rii": slope.rii,
            "rii_lower": slope.rii_lower,
            "rii_upper": slope.rii_upper,
            "confidence": slope.confidence,
            "repetitions": slope.repetitions,
        },
    }


def trend_record(
    place_id: str,
    indicator_id: str,
    area: str | None = None,
    *,
    areas: Sequence[str] | None = None,
    places: Places | None = None,
) -> dict[str, Any]:
    """Every area's series and recent trend as a dict (``python -m insight trend --json``).

    Parameters
    ----------
    place_id : str
        The place.
    indicator_id : str
        The indicator.
    area : str, optional
        Only this area (default: every area).
    areas : sequence of str, optional
        Only these areas, in this order (a page of them; default: every area).
    places : Places, optional
        Where the place comes from (default: opened here).

    Returns
    -------
    dict
        ``indicator``, ``periods``, ``areas`` (each: ``area_code``, ``area_name``,
        ``series`` of ``period``, ``value``, ``lower``, ``upper``, and ``recent_trend`` in
        Fingertips' words, null for values with no sampling variation) and ``benchmark``
        (its ``label``, ``series`` and ``recent_trend``).

    Raises
    ------
    DataError
        An unknown indicator or area (the message names it and those there are).

    Examples
    --------
    >>> trend_record("demo", "mt_minutes")["periods"]  # doctest: +SKIP
    """
    places = places or Places()
    codes = [area] if area is not None else None if areas is None else list(areas)
    result = trend.area_trends(places.place(place_id), indicator_id, codes)
    indicator = result.indicator

    def points(rows: pd.DataFrame) -> list[dict[str, Any]]:
        return [
            {"period": r.period, "value": r.value, "lower": r.lower, "upper": r.upper}
            for r in rows.itertuples()
        ]

    words = {
        row.code: explain.trend_words(result.trend_of(row.code), indicator)
        for row in result.trends.itertuples()
    }
    return {
        "indicator": indicator.id,
        "periods": list(result.periods),
        "areas": [
            {
                "area_code": code,
                "area_name": rows["name"].iloc[0],
                "series": points(rows),
                "recent_trend": words[code],
            }
            for code, rows in result.series.groupby("code", sort=False)
        ],
        "benchmark": {
            "label": result.benchmark_name,
            "series": points(result.benchmark),
            "recent_trend": explain.trend_words(result.benchmark_trend, indicator),
        },
    }


# --------------------------------------------------------------------------------------
# lookup
# --------------------------------------------------------------------------------------


def locate(
    place_id: str, postcode: str, *, places: Places | None = None
) -> postcodes.PostcodeLocation:
    """Find a postcode's area (see :func:`insight.data.postcodes.locate`).

    Raises
    ------
    PostcodeError
        A postcode that is malformed, unknown, or outside the place.

    Examples
    --------
    >>> locate("demo", "NN1 1AA").area_code  # doctest: +SKIP
    """
    places = places or Places()
    return postcodes.locate(places.place(place_id), postcode, places.index(place_id))


def lookup_record(place_id: str, postcode: str, *, places: Places | None = None) -> dict[str, Any]:
    """Everything ``python -m insight lookup`` reports for one postcode, as a dict.

    Parameters
    ----------
    place_id : str
        The place.
    postcode : str
        A postcode, in any case and spacing.
    places : Places, optional
        Where the place comes from (default: opened here).

    Returns
    -------
    dict
        The postcode, where it is, its area, the groups it is in and every indicator's
        value there, and any warnings.

    Raises
    ------
    PostcodeError
        A postcode that is malformed, unknown, or outside the place.

    Examples
    --------
    >>> lookup_record("demo", "NN1 1AA")["area_code"]  # doctest: +SKIP
    """
    places = places or Places()
    place = places.place(place_id)
    found = locate(place_id, postcode, places=places)
    area = place.areas.iloc[found.area_index]
    record = {
        "postcode": found.postcode,
        "easting": found.easting,
        "northing": found.northing,
        "postcode_lad_code": found.lad_code,
        "lsoa_code": found.area_code,
        "lsoa_name": found.area_name,
        "area_code": found.area_code,
        "area_name": found.area_name,
        "placed_in_nearest_area": found.nearest_only,
        "groupings": {
            g.id: {"title": g.title, "code": area[g.code_column], "name": area[g.name_column]}
            for g in place.groupings.values()
        },
        "indicators": {
            i.id: (None if area[i.id] != area[i.id] else float(area[i.id]))
            for i in place.indicators.values()
        },
        "warnings": explain.lookup_warnings(place, found),
    }
    if "lad" in place.groupings:
        # The postcode's own authority (the ONS directory's), which its area lies in.
        record["lad_code"] = found.lad_code or area["lad_code"]
        record["lad_name"] = place.group_names("lad").get(record["lad_code"], area["lad_name"])
    return record


def lookup_table(
    place_id: str,
    texts: Sequence[str],
    rows: pd.DataFrame | None = None,
    *,
    places: Places | None = None,
) -> pd.DataFrame:
    """The areas of many postcodes (see :func:`insight.data.postcodes.lookup_table`).

    Examples
    --------
    >>> lookup_table("demo", ["NN1 1AA", "nonsense"])["problem"].tolist()  # doctest: +SKIP
    """
    places = places or Places()
    return postcodes.lookup_table(places.place(place_id), list(texts), places.index(place_id), rows)


def lookup_file(
    place_id: str,
    content: bytes,
    name: str,
    column: str | None = None,
    *,
    places: Places | None = None,
) -> tuple[pd.DataFrame, str]:
    """The areas of every postcode in a CSV or XLSX file (the batch lookup).

    Parameters
    ----------
    place_id : str
        The place.
    content : bytes
        The file's content.
    name : str
        The file's name (its extension says how to read it).
    column : str, optional
        The postcode column (default: ``postcode``, or the only column).
    places : Places, optional
        Where the place comes from (default: opened here).

    Returns
    -------
    table : pandas.DataFrame
        The file's rows with each postcode's area, groupings and indicators, and a
        ``problem`` column ("" when placed).
    column : str
        The postcode column read.

    Raises
    ------
    DataError
        A file that cannot be read, or without the column (the message names it).

    Examples
    --------
    >>> table, column = lookup_file("demo", csv_bytes, "postcodes.csv")  # doctest: +SKIP
    """
    rows, column = postcodes.postcode_rows(content, name, column)
    return lookup_table(place_id, rows[column].tolist(), rows, places=places), column


def lookup_chunks(
    place_id: str,
    source: Path,
    column: str | None = None,
    *,
    chunk_rows: int = postcodes.CHUNK_ROWS,
    places: Places | None = None,
) -> tuple[str, Iterator[pd.DataFrame]]:
    """The batch lookup of a file of any length, ``chunk_rows`` postcodes at a time: the
    tables :func:`lookup_file` gives for the whole file, cut into consecutive pieces (so a
    whole postcode directory holds one piece in memory at a time).

    Parameters
    ----------
    place_id : str
        The place.
    source : pathlib.Path
        A CSV or XLSX file (its extension says which).
    column : str, optional
        The postcode column (default: ``postcode``, or the like).
    chunk_rows : int
        Rows per piece.
    places : Places, optional
        Where the place comes from (default: opened here).

    Returns
    -------
    column : str
        The postcode column read.
    tables : iterator of pandas.DataFrame
        The pieces, in the file's order.

    Raises
    ------
    DataError
        A file that cannot be read, or without the column (the message names it).

    Examples
    --------
    >>> column, tables = lookup_chunks("demo", Path("clients.csv"))  # doctest: +SKIP
    >>> sum(len(t) for t in tables)  # doctest: +SKIP
    2406090
    """
    places = places or Places()
    place, index = places.place(place_id), places.index(place_id)
    column, rows = postcodes.postcode_chunks(source, source.name, column, chunk_rows)
    tables = (postcodes.lookup_table(place, chunk[column].tolist(), index, chunk) for chunk in rows)
    return column, tables


def lookup_csv(
    place_id: str,
    source: Path,
    out: BinaryIO,
    column: str | None = None,
    *,
    chunk_rows: int = postcodes.CHUNK_ROWS,
    places: Places | None = None,
) -> tuple[int, int]:
    """Write the batch lookup of a file to ``out`` as CSV, piece by piece
    (:func:`lookup_chunks`): byte for byte the CSV of the whole table at once.

    Returns
    -------
    rows : int
        Postcodes looked up.
    problems : int
        Of which not placed (their ``problem`` column says why).

    Examples
    --------
    >>> with open("placed.csv", "wb") as out:  # doctest: +SKIP
    ...     lookup_csv("demo", Path("clients.csv"), out)
    (2406090, 12)
    """
    _, tables = lookup_chunks(place_id, source, column, chunk_rows=chunk_rows, places=places)
    rows = problems = 0
    for n, table in enumerate(tables):
        content = to_csv(table, dependent_columns=[])
        if n:  # every piece but the first without the byte-order mark and header
            content = content[len(to_csv(table.iloc[:0], dependent_columns=[])) :]
        out.write(content)
        rows += len(table)
        problems += int((table["problem"] != "").sum())
    return rows, problems


# --------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------


def export(
    place_id: str,
    indicator_id: str | None,
    grouping_id: str | None,
    fmt: str,
    *,
    limit: int | None = 5,
    threshold: float = DEFAULT_THRESHOLD,
    places: Places | None = None,
) -> bytes:
    """The findings as slides, or the indicator's table as data, as a file's bytes (see
    :func:`insight.present.export.export_bytes`).

    Parameters
    ----------
    place_id : str
        The place.
    indicator_id, grouping_id : str or None
        The pair (None: the place's first indicator, its default grouping).
    fmt : str
        One of :data:`insight.present.export.FORMATS`.
    limit : int or None, default 5
        Most slides.
    threshold : float, default 5
        Counts from 1 up to below this are suppressed in the data formats.
    places : Places, optional
        Where the place comes from (default: opened here).

    Returns
    -------
    bytes

    Raises
    ------
    DataError
        An unknown format, indicator or grouping, or no findings to present.

    Examples
    --------
    >>> export("demo", "mt_minutes", "isdn", "csv")[:3]  # doctest: +SKIP
    b'\\xef\\xbb\\xbf'
    """
    places = places or Places()
    place = places.place(place_id)
    indicator_id = indicator_id or next(iter(place.indicators))
    grouping_id = grouping_id or place.default_grouping
    found = (
        pair_findings(place_id, indicator_id, grouping_id, places=places)
        if fmt in SLIDE_FORMATS
        else None
    )
    return export_bytes(
        place, indicator_id, grouping_id, fmt, limit=limit, threshold=threshold,
        findings=found, index=places.index(place_id),
    )  # fmt: skip


# --------------------------------------------------------------------------------------
# penalty
# --------------------------------------------------------------------------------------


def penalty_record(
    place_id: str,
    service_type: str,
    grouping_id: str,
    threshold: float = PENALTY_THRESHOLD,
    *,
    places: Places | None = None,
) -> dict[str, Any]:
    """The boundary penalty in figures (see :func:`insight.analysis.penalty.penalty_summary`).

    Parameters
    ----------
    place_id : str
        The place.
    service_type : str
        Service type id, e.g. ``"mt"``.
    grouping_id : str
        Grouping id, e.g. ``"isdn"``.
    threshold : float, default 10
        Minutes above which a penalty counts.
    places : Places, optional
        Where the place comes from (default: opened here).

    Returns
    -------
    dict

    Raises
    ------
    DataError
        An unknown service type or grouping.

    Examples
    --------
    >>> summary = penalty_record("demo", "mt", "isdn")  # doctest: +SKIP
    """
    places = places or Places()
    return penalty.penalty_summary(places.place(place_id), service_type, grouping_id, threshold)
