"""Indicator values from the files officers have: Fingertips exports, wide and long tables.

Three layouts, detected from the header when ``format`` is not given:

``fingertips``
    The CSV that Fingertips' "download data" gives (``Indicator ID``, ``Area Code``,
    ``Value``, ``Lower CI 95.0 limit``, ``Count``, ``Denominator``, ``Time period``...).
    One indicator per Indicator ID, from the most recent period; persons, all ages and
    rows without a category breakdown are preferred.
``wide``
    One row per area, one column per indicator (CSV or XLSX).
``long``
    One row per area and indicator: ``code``, ``indicator``, ``value`` (and optionally
    ``period``, ``lower``, ``upper``, ``numerator``, ``denominator``).

Every indicator becomes one column of the areas named by its id, with ``<id>_lower``,
``<id>_upper``, ``<id>_numerator`` and ``<id>_denominator`` beside it where the file
gives them: the values of its latest period. When a Fingertips export or a long table
has several periods of an indicator, every period is kept as well, as its series
(:attr:`IndicatorData.series`, stored with the place as :attr:`insight.model.Place.series`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from insight.data.sources.config import IndicatorsConfig
from insight.data.sources.report import BuildReport, FileRead, Match, Problem, ProblemList
from insight.data.sources.tables import (
    code_column,
    codes,
    find_column,
    match_column,
    numbers,
    read_table,
    share_numeric,
)
from insight.errors import DataError
from insight.model import SERIES_COLUMNS, Indicator

FINGERTIPS_REQUIRED = ("Indicator ID", "Indicator Name", "Area Code", "Time period", "Value")
FINGERTIPS_SOURCE = "OHID Fingertips (fingertips.phe.org.uk)"
OGL = "Open Government Licence v3.0"
ENGLAND = "E92000001"
#: Parts an indicator may have beside its value, and the column suffix each gets.
PARTS = ("lower", "upper", "numerator", "denominator")

_LONG_INDICATOR = ("indicator", "indicator name", "indicator_name", "measure", "variable")
_LONG_VALUE = ("value", "val")
_LONG_PARTS = {
    "period": ("period", "time period", "year", "date"),
    "lower": ("lower", "lower ci", "lci", "lower ci 95.0 limit", "lower_ci"),
    "upper": ("upper", "upper ci", "uci", "upper ci 95.0 limit", "upper_ci"),
    "numerator": ("numerator", "count"),
    "denominator": ("denominator", "population"),
}


@dataclass
class IndicatorData:
    """One indicator read from a file.

    Attributes
    ----------
    indicator : Indicator
        Its metadata (column names filled in for the parts it has).
    values : pandas.DataFrame
        Indexed by area code: column ``indicator.id`` and any of ``<id>_lower``,
        ``<id>_upper``, ``<id>_numerator``, ``<id>_denominator``.
    file : str
        The file it came from.
    series : pandas.DataFrame or None
        Every period of the indicator for the areas of the place, columns
        :data:`~insight.model.SERIES_COLUMNS`; None when the file has one period.
    """

    indicator: Indicator
    values: pd.DataFrame
    file: str
    series: pd.DataFrame | None = None


@dataclass
class _Rows:
    """Parsed rows of one indicator before matching: index = spreadsheet row."""

    code: pd.Series
    value: pd.Series
    parts: dict[str, pd.Series] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # part -> column name in file


def read_indicators(
    config: IndicatorsConfig, areas: gpd.GeoDataFrame, report: BuildReport
) -> list[IndicatorData]:
    """Read every indicator of one ``[[indicators]]`` file.

    Parameters
    ----------
    config : IndicatorsConfig
        The entry.
    areas : geopandas.GeoDataFrame
        The areas (``code``), to match against.
    report : BuildReport
        Where rows read, matches and bad values are recorded.

    Returns
    -------
    list of IndicatorData

    Raises
    ------
    DataError
        The file cannot be read; a column named in the configuration (or required by the
        format) is missing; no indicator column is found; no row matches an area.

    Examples
    --------
    >>> from pathlib import Path
    >>> from insight.data.sources.config import IndicatorsConfig
    >>> config = IndicatorsConfig(Path("fingertips_export.csv"), format="fingertips")
    >>> found = read_indicators(config, place.areas, BuildReport())  # doctest: +SKIP
    >>> [item.indicator.id for item in found]  # doctest: +SKIP
    ['fingertips_93227', 'fingertips_93105']
    """
    table = read_table(config.path, config.sheet, role="indicators")
    fmt = config.format or detect_format(table)
    label = {"fingertips": "Fingertips export", "wide": "wide table", "long": "long table"}[fmt]
    report.files.append(FileRead(table.attrs["file"], "indicators", label, int(len(table))))
    reader = {"fingertips": _fingertips, "wide": _wide, "long": _long}[fmt]
    return reader(table, config, areas, report)


def detect_format(table: pd.DataFrame) -> str:
    """``"fingertips"``, ``"long"`` or ``"wide"``, from the header of ``table``.

    Examples
    --------
    >>> detect_format(pd.DataFrame(columns=["code", "indicator", "value"]))
    'long'
    >>> detect_format(pd.DataFrame(columns=["Ward code", "Fuel poverty"]))
    'wide'
    """
    columns = list(table.columns)
    if all(match_column(columns, [c]) for c in ("Indicator ID", "Area Code", "Value")):
        return "fingertips"
    if match_column(columns, _LONG_INDICATOR) and match_column(columns, _LONG_VALUE):
        return "long"
    return "wide"


# --- Fingertips ---------------------------------------------------------------------------


def _fingertips(
    table: pd.DataFrame, config: IndicatorsConfig, areas: gpd.GeoDataFrame, report: BuildReport
) -> list[IndicatorData]:
    file = table.attrs["file"]
    matched = {name: match_column(table.columns, [name]) for name in FINGERTIPS_REQUIRED}
    required = {name: column for name, column in matched.items() if column is not None}
    missing = [name for name in FINGERTIPS_REQUIRED if name not in required]
    if missing:
        raise DataError(
            f"{file}: this is not a complete Fingertips export: column(s) "
            f"{', '.join(map(repr, missing))} are missing. Columns found: "
            f"{', '.join(map(repr, table.columns))}. Download it again from Fingertips "
            '("Download" > "data for this indicator"), or set format = "wide" or '
            '"long" if it is another kind of table.'
        )
    col: dict[str, str | None] = {
        **required,
        **{
            name: match_column(table.columns, [name])
            for name in (
                "Area Type",
                "Sex",
                "Age",
                "Category Type",
                "Time period Sortable",
                "Lower CI 95.0 limit",
                "Upper CI 95.0 limit",
                "Count",
                "Denominator",
                "Compared to England value or percentiles",
            )
        },
    }
    for label, pattern in (
        ("Lower CI 95.0 limit", r"^lower ci 95(\.0)? limit$"),
        ("Upper CI 95.0 limit", r"^upper ci 95(\.0)? limit$"),
    ):
        col[label] = col[label] or next(
            (c for c in table.columns if re.match(pattern, str(c).strip().lower())), None
        )
    area_codes = set(areas["code"])
    ids = codes(table[required["Indicator ID"]])
    names = codes(table[required["Indicator Name"]])
    wanted = _fingertips_wanted(ids, names, config, file)
    area_key = codes(table[required["Area Code"]])
    results: list[IndicatorData] = []
    for indicator_id in wanted:
        rows = table[(ids == indicator_id) & area_key.isin(area_codes)]
        name = names[ids == indicator_id].iloc[0]
        meta = config.columns.get(indicator_id) or config.columns.get(name) or {}
        if rows.empty:
            types = _area_types(table[ids == indicator_id], col["Area Type"])
            report.notes.append(
                f"{file}: indicator {indicator_id} ({name}) has no rows for these areas "
                f"(area types in the file: {types}); left out."
            )
            continue
        rows, history, order, choice = _fingertips_rows(rows, col)
        if choice:
            report.notes.append(f"{file}: indicator {indicator_id} ({name}): {choice}.")
        period = rows[required["Time period"]].iloc[0]
        parsed = _Rows(
            code=codes(rows[required["Area Code"]]),
            value=numbers(rows, required["Value"], report.not_numbers, report.notes),
            columns={"value": required["Value"]},
        )
        for part, source in (
            ("lower", "Lower CI 95.0 limit"),
            ("upper", "Upper CI 95.0 limit"),
            ("numerator", "Count"),
            ("denominator", "Denominator"),
        ):
            column = col[source]
            if column and (rows[column].str.strip() != "").any():
                parsed.parts[part] = numbers(rows, column, report.not_numbers)
                parsed.columns[part] = column
        england = _england_value(table, ids == indicator_id, period, rows, col)
        defaults = {
            "id": f"fingertips_{re.sub(r'[^a-z0-9]+', '_', indicator_id.lower())}",
            "title": name,
            "period": period,
            "source": config.provenance.source or f"{FINGERTIPS_SOURCE}, indicator {indicator_id}",
            "polarity": _polarity_from_comparisons(rows, col, parsed.value, england),
            "description": (
                f"Fingertips indicator {indicator_id}: {name}."
                + (f" England: {england:,.1f}." if england is not None else "")
            ),
        }
        if england == 100 and "ratio" in name.lower():
            defaults["unit"] = "(England = 100)"
        match = _matching_fingertips(table, ids == indicator_id, rows, col, area_codes)
        found = _finish(file, {**defaults, **meta}, parsed, areas, report, match)
        parts = {
            "value": required["Value"],
            "lower": parsed.columns.get("lower"),
            "upper": parsed.columns.get("upper"),
            "numerator": parsed.columns.get("numerator"),
            "denominator": parsed.columns.get("denominator"),
        }
        earlier = history[history[required["Time period"]] != period]
        results.append(
            _with_series(
                found, earlier, required["Time period"], order, parts, required["Area Code"], report
            )
        )
    if not results:
        types = _area_types(table, col["Area Type"])
        raise DataError(
            f"{file}: no row of the Fingertips export is for an area of this place. Column "
            f"{col['Area Code']!r} holds codes such as "
            f"{', '.join(pd.unique(area_key[area_key != ''])[:3])} (area types: {types}); the "
            f"areas have codes such as {', '.join(sorted(area_codes)[:3])}. Download the data "
            "again choosing the same area type as the boundaries (e.g. Ward)."
        )
    return results


def _fingertips_wanted(
    ids: pd.Series, names: pd.Series, config: IndicatorsConfig, file: str
) -> list[str]:
    present = list(pd.unique(ids[ids != ""]))
    if not config.columns:
        return present
    by_name = dict(zip(names, ids, strict=False))
    wanted = []
    for key in config.columns:
        if key in present:
            wanted.append(key)
        elif key in by_name:
            wanted.append(by_name[key])
        else:
            raise DataError(
                f"{file}: columns names indicator {key!r}, which is not in the export. "
                f"Indicator IDs in the file: {', '.join(present[:20])}. Use the Indicator ID "
                "(or the exact Indicator Name) as the key."
            )
    return wanted


def _fingertips_rows(
    rows: pd.DataFrame, col: dict[str, str | None]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, str]:
    """The rows of one indicator to use: no category, persons, all ages; those of the
    latest period, those of every period, the order of each row's period, and what was
    chosen (a note)."""
    said = []
    if col["Category Type"]:
        plain = rows[rows[col["Category Type"]].str.strip() == ""]
        if len(plain):
            rows = plain
    for column, preferred, what in (
        (col["Sex"], "Persons", "sex"),
        (col["Age"], "All ages", "age"),
    ):
        if column is None:
            continue
        options = rows[column].value_counts()
        if len(options) <= 1:
            continue
        choice = preferred if preferred in options.index else str(options.index[0])
        rows = rows[rows[column] == choice]
        said.append(
            f"{what} {choice!r} used (file also has {', '.join(o for o in options.index if o != choice)})"
        )
    if col["Time period Sortable"] and share_numeric(rows[col["Time period Sortable"]]) == 1:
        order = pd.to_numeric(rows[col["Time period Sortable"]], errors="coerce")
    else:
        order = _label_order(rows[col["Time period"]])
    periods = rows.loc[order == order.max(), col["Time period"]]
    latest = periods.iloc[0]
    others = pd.unique(rows.loc[rows[col["Time period"]] != latest, col["Time period"]])
    if len(others):
        said.append(
            f"latest period {latest!r} on the map and in comparisons; all "
            f"{len(others) + 1} periods kept as its series"
        )
    return rows[rows[col["Time period"]] == latest], rows, order, "; ".join(said)


def _label_order(labels: pd.Series) -> pd.Series:
    """Sort keys of period labels: the numbers when every label is one ("2021"), else
    their rank in text order ("2019/20" < "2020/21")."""
    as_numbers = pd.to_numeric(labels, errors="coerce")
    if as_numbers.notna().all():
        return as_numbers.astype(float)
    ranks = {label: n for n, label in enumerate(sorted(pd.unique(labels)), start=1)}
    return labels.map(ranks).astype(float)


def _area_types(rows: pd.DataFrame, column: str | None) -> str:
    if column is None:
        return "not given"
    return ", ".join(pd.unique(rows[column][rows[column] != ""])[:6]) or "not given"


def _england_value(
    table: pd.DataFrame,
    of_indicator: pd.Series,
    period: str,
    rows: pd.DataFrame,
    col: dict[str, str | None],
) -> float | None:
    england = table[of_indicator & (codes(table[col["Area Code"]]) == ENGLAND)]
    england = england[england[col["Time period"]] == period]
    for column in (col["Sex"], col["Age"], col["Category Type"]):
        if column and len(england):
            wanted = rows[column].iloc[0]
            england = england[england[column] == wanted]
    if england.empty:
        return None
    value = pd.to_numeric(england[col["Value"]].iloc[0], errors="coerce")
    return None if pd.isna(value) else float(value)


def _polarity_from_comparisons(
    rows: pd.DataFrame, col: dict[str, str | None], values: pd.Series, england: float | None
) -> str:
    """``high_is_good`` / ``low_is_good`` from Fingertips' Better/Worse against England."""
    column = col["Compared to England value or percentiles"]
    if column is None or england is None:
        return "neutral"
    verdict = rows[column].str.lower()
    better = verdict.str.startswith("better")
    worse = verdict.str.startswith("worse")
    higher = values > england
    lower = values < england
    high_good = int((better & higher).sum() + (worse & lower).sum())
    low_good = int((better & lower).sum() + (worse & higher).sum())
    if high_good > low_good:
        return "high_is_good"
    if low_good > high_good:
        return "low_is_good"
    return "neutral"


def _matching_fingertips(
    table: pd.DataFrame,
    of_indicator: pd.Series,
    used: pd.DataFrame,
    col: dict[str, str | None],
    area_codes: set[str],
) -> list[str]:
    """Codes of the same area type as the matched rows that are not areas of the place."""
    same = table[of_indicator & (table[col["Time period"]] == used[col["Time period"]].iloc[0])]
    if col["Area Type"]:
        same = same[same[col["Area Type"]].isin(set(used[col["Area Type"]]))]
    keys = codes(same[col["Area Code"]])
    return sorted(set(keys[~keys.isin(area_codes) & (keys != "")]))


def _kind_from_name(name: str) -> str | None:
    lower = name.lower()
    if "ratio" in lower:
        return "ratio"
    if re.search(r"\brate\b|per 1,?000|per 100,?000", lower):
        return "rate"
    if re.search(r"%|percent|proportion|prevalence", lower):
        return "proportion"
    return None


# --- wide ---------------------------------------------------------------------------------


def _wide(
    table: pd.DataFrame, config: IndicatorsConfig, areas: gpd.GeoDataFrame, report: BuildReport
) -> list[IndicatorData]:
    file = table.attrs["file"]
    where = f"[[indicators]] {file!r}"
    area_column = code_column(table, set(areas["code"]), f"area_code in {where}", config.area_code)
    keys = codes(table[area_column])
    if not keys.isin(set(areas["code"])).any():
        raise DataError(
            f"{file}: no value of the area code column {area_column!r} is an area of this "
            f"place (the file has codes such as {', '.join(pd.unique(keys)[:3])}; the areas "
            f"have {', '.join(sorted(areas['code'])[:3])}). Check area_code in {where}."
        )
    if config.columns:
        chosen = {
            find_column(table, c, "indicator", f"the key of columns in {where}"): meta
            for c, meta in config.columns.items()
        }
    else:
        chosen = _numeric_columns(table, area_column, file, where, report)
    results = []
    for column, meta in chosen.items():
        parsed = _Rows(
            code=keys,
            value=numbers(table, column, report.not_numbers, report.notes),
            columns={"value": column},
        )
        for part in PARTS:
            if part in meta:
                source = find_column(table, meta[part], part, f"{part} in columns.{column!r}")
                parsed.parts[part] = numbers(table, source, report.not_numbers)
                parsed.columns[part] = source
        defaults = {
            "id": _slug(column),
            "title": column,
            "period": config.period or "",
            "source": config.provenance.source or file,
        }
        results.append(_finish(file, {**defaults, **meta}, parsed, areas, report))
    return results


def _numeric_columns(
    table: pd.DataFrame, area_column: str, file: str, where: str, report: BuildReport
) -> dict[str, dict[str, Any]]:
    chosen: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    for column in table.columns:
        if (
            column == area_column
            or re.search(r"(CD|NM)$", str(column))
            or re.search(r"\b(name|code)\b", str(column), re.IGNORECASE)
        ):
            continue
        if share_numeric(table[column]) >= 0.5:
            chosen[column] = {}
        else:
            skipped.append(column)
    if skipped:
        report.notes.append(
            f"{file}: columns that are mostly not numbers were not read as "
            f"indicators: {', '.join(map(repr, skipped))}."
        )
    if not chosen:
        raise DataError(
            f"{file}: no column of numbers found to read as an indicator (besides the area "
            f"code column {area_column!r}). Columns found: "
            f"{', '.join(map(repr, table.columns))}. Name the indicator columns with "
            f'columns = {{ "<column>" = {{ id = "..." }} }} in {where}.'
        )
    return chosen


# --- long ---------------------------------------------------------------------------------


def _long(
    table: pd.DataFrame, config: IndicatorsConfig, areas: gpd.GeoDataFrame, report: BuildReport
) -> list[IndicatorData]:
    file = table.attrs["file"]
    where = f"[[indicators]] {file!r}"
    area_column = code_column(table, set(areas["code"]), f"area_code in {where}", config.area_code)
    name_column = _long_column(
        table, config.indicator_column, _LONG_INDICATOR, "indicator", f"indicator_column in {where}"
    )
    value_column = _long_column(
        table, config.value_column, _LONG_VALUE, "value", f"value_column in {where}"
    )
    optional = {part: match_column(table.columns, names) for part, names in _LONG_PARTS.items()}
    labels = codes(table[name_column])
    present = list(pd.unique(labels[labels != ""]))
    if config.columns:
        unknown = [k for k in config.columns if k not in present]
        if unknown:
            raise DataError(
                f"{file}: columns names indicator {unknown[0]!r}, which is not in column "
                f"{name_column!r}. Indicators in the file: {', '.join(map(repr, present[:20]))}."
            )
        present = list(config.columns)
    results = []
    for label in present:
        rows = table[labels == label]
        meta = config.columns.get(label, {})
        period = config.period or ""
        # The earlier periods' rows, the period column and each row's period order.
        series: tuple[pd.DataFrame, str, pd.Series] | None = None
        period_column = optional["period"]
        if period_column:
            order = _label_order(rows[period_column])
            periods = pd.unique(rows[period_column])
            period = rows.loc[order == order.max(), period_column].iloc[0]
            if len(periods) > 1:
                series = (rows[rows[period_column] != period], period_column, order)
                rows = rows[rows[period_column] == period]
                report.notes.append(
                    f"{file}: indicator {label!r}: latest period {period!r} on the map and "
                    f"in comparisons; all {len(periods)} periods kept as its series."
                )
        parsed = _Rows(
            code=codes(rows[area_column]),
            value=numbers(rows, value_column, report.not_numbers, report.notes),
            columns={"value": value_column},
        )
        for part in PARTS:
            column = optional[part]
            if column:
                parsed.parts[part] = numbers(rows, column, report.not_numbers)
                parsed.columns[part] = column
        defaults = {
            "id": _slug(label),
            "title": label,
            "period": period,
            "source": config.provenance.source or file,
        }
        found = _finish(file, {**defaults, **meta}, parsed, areas, report)
        if series is not None:
            history, period_column, order = series
            parts = {"value": value_column} | {p: optional[p] for p in PARTS}
            found = _with_series(found, history, period_column, order, parts, area_column, report)
        results.append(found)
    return results


def _long_column(
    table: pd.DataFrame, given: str | None, names: tuple[str, ...], role: str, setting: str
) -> str:
    if given:
        return find_column(table, given, role, setting)
    found = match_column(table.columns, names)
    if found is None:
        raise DataError(
            f"{table.attrs['file']}: a long table needs a column naming the {role} (looked "
            f"for {', '.join(map(repr, names))}). Columns found: "
            f'{", ".join(map(repr, table.columns))}. Set {setting}, or format = "wide" '
            "if each indicator has its own column."
        )
    return found


# --- shared -------------------------------------------------------------------------------


def _finish(
    file: str,
    meta: dict,
    rows: _Rows,
    areas: gpd.GeoDataFrame,
    report: BuildReport,
    not_in_areas: list[str] | None = None,
) -> IndicatorData:
    """Check values, match codes with the areas and build the Indicator."""
    indicator_id = meta["id"]
    kind = meta.get("kind")
    multiplier = meta.get("multiplier")
    numerator, denominator = rows.parts.get("numerator"), rows.parts.get("denominator")
    for part in ("numerator", "denominator"):
        if part in rows.parts:
            _negative(file, rows, part, report.negative_counts)
    if kind == "count" and "value" in rows.columns:
        rows.value = _negative_values(
            file, rows.value, rows.columns["value"], report.negative_counts
        )
    scale = None
    if numerator is not None and denominator is not None:
        scale = _scale(rows.value, rows.parts["numerator"], rows.parts["denominator"])
    if kind is None:
        kind = _kind_from_name(meta["title"]) or _kind_from_scale(scale, rows.value)
    if multiplier is None:
        multiplier = (
            scale
            or _multiplier_from_title(meta["title"])
            or (100.0 if kind == "proportion" and rows.value.max(skipna=True) > 1 else 1.0)
        )
    if kind == "proportion" and numerator is not None and denominator is not None:
        over = rows.parts["numerator"] > rows.parts["denominator"]
        for row in over[over].index:
            report.numerator_over_denominator.add(
                Problem(
                    file,
                    int(row),
                    rows.columns["numerator"],
                    f"{rows.parts['numerator'][row]:g} > {rows.parts['denominator'][row]:g}",
                    f"numerator larger than denominator ({rows.columns['denominator']!r})",
                )
            )

    frame = pd.DataFrame({"code": rows.code, indicator_id: rows.value})
    names = {}
    for part, values in rows.parts.items():
        frame[f"{indicator_id}_{part}"] = values
        names[part] = f"{indicator_id}_{part}"
    frame = frame[frame["code"] != ""]
    area_codes = set(areas["code"])
    match = Match(file, f"indicator {indicator_id}", 0, int(len(areas)))
    match.duplicates.extend(sorted(frame.loc[frame["code"].duplicated(), "code"].unique()))
    frame = frame.drop_duplicates("code").set_index("code")
    inside = frame.index.isin(list(area_codes))
    match.matched = int(inside.sum())
    match.areas_without_row.extend(sorted(area_codes - set(frame.index)))
    outside = not_in_areas if not_in_areas is not None else sorted(frame.index[~inside])
    match.codes_not_in_areas.extend(outside)
    report.matches.append(match)
    if match.matched == 0:
        raise DataError(
            f"{file}: no row of indicator {meta['title']!r} is for an area of this place "
            f"(codes such as {', '.join(list(frame.index[:3]))}; the areas have "
            f"{', '.join(sorted(area_codes)[:3])}). Check the area code column."
        )
    unit = meta.get("unit")
    if unit is None:
        unit = _default_unit(kind, multiplier)
    indicator = Indicator(
        id=indicator_id,
        title=meta["title"],
        unit=unit,
        kind=kind,
        polarity=meta.get("polarity") or "neutral",
        period=str(meta.get("period") or ""),
        source=meta.get("source", file),
        description=meta.get("description", ""),
        numerator=names.get("numerator"),
        denominator=names.get("denominator"),
        lower=names.get("lower"),
        upper=names.get("upper"),
        decimals=int(meta.get("decimals", 1)),
        multiplier=float(multiplier),
        role=meta.get("role"),
    )
    return IndicatorData(indicator, frame[frame.index.isin(list(area_codes))], file)


def _with_series(
    found: IndicatorData,
    earlier: pd.DataFrame,
    period_column: str,
    order: pd.Series,
    parts: dict[str, str | None],
    area_column: str,
    report: BuildReport,
) -> IndicatorData:
    """``found`` with its series: the rows of the ``earlier`` periods and the latest
    period's values (exactly those on the areas), for the areas of the place.

    Parameters
    ----------
    found : IndicatorData
        The indicator with its latest period's values.
    earlier : pandas.DataFrame
        The file's rows of the indicator's other periods (same choice of sex, age...).
    period_column, area_column : str
        The columns of the period label and the area code.
    order : pandas.Series
        Sort key of each row's period (indexed like the file's rows).
    parts : dict
        The file's column of ``value``, ``lower``, ``upper``, ``numerator`` and
        ``denominator`` (None where it has none).
    report : BuildReport
        Where cells that are not numbers are counted.

    Returns
    -------
    IndicatorData
        With ``series`` and ``indicator.periods`` set when there are several periods.
    """
    indicator = found.indicator
    file = earlier.attrs.get("file", found.file)
    old = pd.DataFrame(
        {
            "area_code": codes(earlier[area_column]).to_numpy(),
            "period": earlier[period_column].astype(str).to_numpy(),
            "period_order": order.reindex(earlier.index).to_numpy(dtype=float),
        }
    )
    for part, column in parts.items():
        if column is None:
            old[part] = np.nan
            continue
        values = numbers(earlier, column, report.not_numbers)
        if part in ("numerator", "denominator") or (part == "value" and indicator.kind == "count"):
            values = _negative_values(file, values, column, report.negative_counts)
        old[part] = values.to_numpy()
    old = old[old["area_code"].isin(set(found.values.index))]
    old = old.drop_duplicates(["area_code", "period"])
    latest_order = float(order.max())
    latest = pd.DataFrame(
        {
            "area_code": found.values.index.to_numpy(),
            "period": indicator.period,
            "period_order": latest_order,
            "value": found.values[indicator.id].to_numpy(dtype=float),
        }
    )
    for part in PARTS:
        column = getattr(indicator, part)
        latest[part] = found.values[column].to_numpy(dtype=float) if column else np.nan
    series = pd.concat([old, latest], ignore_index=True)
    series.insert(0, "indicator", indicator.id)
    series = series.sort_values(["period_order", "area_code"], kind="stable")
    periods = series.drop_duplicates("period")["period"].tolist()
    if len(periods) < 2:
        return found
    indicator = replace(indicator, periods=tuple(periods))
    series = series[list(SERIES_COLUMNS)].reset_index(drop=True)
    return IndicatorData(indicator, found.values, found.file, series)


def _negative(file: str, rows: _Rows, part: str, problems: ProblemList) -> None:
    rows.parts[part] = _negative_values(file, rows.parts[part], rows.columns[part], problems)


def _negative_values(file: str, values: pd.Series, column: str, problems: ProblemList) -> pd.Series:
    negative = values < 0
    for row in negative[negative].index:
        problems.add(
            Problem(file, int(row), column, f"{values[row]:g}", "a count cannot be negative")
        )
    return values.mask(negative)


def _scale(value: pd.Series, numerator: pd.Series, denominator: pd.Series) -> float | None:
    """Multiplier from value = multiplier * numerator / denominator, when it is a power of 10."""
    crude = numerator / denominator.where(denominator > 0)
    ratio = (value / crude.where(crude > 0)).replace([np.inf, -np.inf], np.nan).dropna()
    if ratio.empty or (ratio <= 0).all():
        return None
    power = math.log10(float(ratio[ratio > 0].median()))
    nearest = round(power)
    if abs(power - nearest) < 0.3 and 0 <= nearest <= 6:
        return float(10**nearest)
    return None


def _multiplier_from_title(title: str) -> float | None:
    """The ``N`` of "per N" in a title, e.g. 100000 for "rate per 100,000"."""
    found = re.search(r"per\s+(\d[\d,]*)", title.lower())
    return float(found.group(1).replace(",", "")) if found else None


def _kind_from_scale(scale: float | None, values: pd.Series) -> str:
    if scale is None:
        return "value"
    if scale in (1.0, 100.0) and values.max(skipna=True) <= scale:
        return "proportion"
    return "rate"


def _default_unit(kind: str, multiplier: float) -> str:
    if kind == "proportion":
        return "%" if multiplier == 100 else "proportion"
    if kind == "rate":
        return f"per {multiplier:,.0f}" if multiplier > 1 else "rate"
    if kind == "ratio":
        return "ratio"
    return ""


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")[:50].strip("_")
    if not slug or slug[0].isdigit():
        slug = f"i_{slug}"
    return slug
