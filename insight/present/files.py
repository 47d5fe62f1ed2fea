"""CSV, XLSX and GeoJSON of exactly what is shown, protected (see :mod:`insight.present.tables`)."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from insight.errors import DataError
from insight.model import Place
from insight.present.tables import DEFAULT_THRESHOLD, export_metadata, neutralise, protect

#: Control characters that XLSX cannot hold.
_ILLEGAL_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


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
