"""Tables officers download: CSV and Excel files, read as text so every bad value can be named.

Every table is read with all cells as text (blank cells as ``""``) and its index set to
the row number a spreadsheet shows (the header is row 1), so a problem can be reported as
"libraries.csv row 14, column 'Postcode': 'NN1 1A'".
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from insight.data.sources.report import Problem, ProblemList
from insight.errors import DataError, excel_is_unsafe

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
#: Values that mean "withheld" or "not available" in official statistics.
MISSING_MARKERS = frozenset(
    {
        "",
        "-",
        "..",
        ".",
        "*",
        "x",
        "c",
        "n/a",
        "na",
        "nan",
        "null",
        "none",
        "#n/a",
        ":",
        "z",
        "u",
        "~",
        "suppressed",
    }
)
#: Largest value an indicator may hold: anything larger (1e309 is read as infinity) is not
#: a plausible figure for a small area and would overflow sums, so it is refused as a value.
LARGEST = 1e12
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def read_table(path: Path, sheet: str | None = None, role: str = "table") -> pd.DataFrame:
    """Read a CSV, TSV or Excel file with every cell as text.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    sheet : str, optional
        Excel sheet (default: the first).
    role : str
        What the file is for, used in messages ("lookup", "indicators"...).

    Returns
    -------
    pandas.DataFrame
        Columns as in the header (surrounding spaces removed), cells as ``str`` with
        blanks as ``""``, indexed by spreadsheet row number (first data row is 2).
        ``attrs["file"]`` holds the file name.

    Raises
    ------
    DataError
        Missing file, a type that is not a table, an unreadable or empty file, or a
        sheet that does not exist (the sheets found are listed).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "t.csv").write_text("code,value\\nE05000001,1.5\\n")
    >>> table = read_table(folder / "t.csv")
    >>> table.loc[2, "value"]
    '1.5'
    """
    name = path.name
    if not path.is_file():
        raise DataError(
            f"The {role} file {str(path)!r} does not exist. Check the path (it is relative to "
            "the place configuration) and the spelling of the file name."
        )
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        hint = " Save it from Excel as .xlsx." if suffix == ".xls" else ""
        raise DataError(
            f"{name}: the {role} file type {suffix or '(none)'!r} is not supported.{hint} "
            f"Use one of: {', '.join(TABLE_SUFFIXES)}."
        )
    if suffix in (".xlsx", ".xlsm"):
        table = _read_excel(path, sheet, role)
    else:
        table = _read_text(path, "\t" if suffix == ".tsv" else ",", role)
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise DataError(
            f"{name}: the {role} file has a header but no rows of data. Check you exported the "
            "data, not just the column names."
        )
    table.index = pd.RangeIndex(2, len(table) + 2)
    table.attrs["file"] = name
    return table


def _read_text(path: Path, separator: str, role: str) -> pd.DataFrame:
    last_error: Exception | None = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return pd.read_csv(
                path,
                sep=separator,
                dtype=str,
                keep_default_na=False,
                encoding=encoding,
                skipinitialspace=True,
            )
        except UnicodeDecodeError as error:
            last_error = error
        except pd.errors.EmptyDataError:
            raise DataError(
                f"{path.name}: the {role} file is empty. Export it again with a header row "
                "and data."
            ) from None
        except pd.errors.ParserError as error:
            raise DataError(
                f"{path.name}: the {role} file could not be read as comma-separated values "
                f"({error}). Open it in a spreadsheet and save it again as CSV (UTF-8)."
            ) from None
    raise DataError(
        f"{path.name}: the {role} file is in a text encoding that could not be read "
        f"({last_error}). Save it again as CSV (UTF-8)."
    )


def _read_excel(path: Path, sheet: str | None, role: str) -> pd.DataFrame:
    # openpyxl parses the workbook's XML with defusedxml (a requirement): a workbook that
    # declares XML entities (an "entity expansion" that could fill memory) is refused.
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as error:  # openpyxl raises many kinds for a file that is not xlsx
        raise _excel_error(path, role, error) from None
    with book:
        sheets = [str(s) for s in book.sheet_names]
        if sheet is None:
            chosen: str | int = 0
        elif sheet in sheets:
            chosen = sheet
        else:
            raise DataError(
                f"{path.name}: there is no sheet {sheet!r}. Sheets in the workbook: "
                f"{', '.join(map(repr, sheets))}. Set sheet = one of these."
            )
        try:
            raw = pd.read_excel(book, sheet_name=chosen, dtype=object, header=0)
        except Exception as error:  # the sheet's own XML is read only now
            raise _excel_error(path, role, error) from None
    raw = raw.dropna(how="all")
    return raw.apply(lambda column: column.map(_cell_text)).astype(object)


def _excel_error(path: Path, role: str, error: BaseException) -> DataError:
    """The message for a workbook that could not be read (never the server's path)."""
    if excel_is_unsafe(error):
        return DataError(
            f"{path.name}: the {role} file declares XML entities, which Place Insight does "
            "not read (they can expand a small file into gigabytes). Open it in Excel and "
            "save it again as .xlsx, or save the sheet as CSV (UTF-8)."
        )
    reason = str(error).replace(str(path), path.name).splitlines()[0][:200]
    return DataError(
        f"{path.name}: the {role} file could not be read as an Excel workbook "
        f"({type(error).__name__}: {reason}). Open it in Excel and save it again as .xlsx."
    )


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value).strip()


def find_column(table: pd.DataFrame, wanted: str, role: str, setting: str) -> str:
    """The column of ``table`` called ``wanted``, ignoring case and spaces.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`read_table`.
    wanted : str
        The column name the configuration gives.
    role : str
        What the column is for, e.g. "area code".
    setting : str
        Where the name was set, e.g. "[[groupings]] 'lad' area_code", for the fix.

    Returns
    -------
    str
        The column name as it appears in the table.

    Raises
    ------
    DataError
        No such column; the message lists the columns found and a close match.

    Examples
    --------
    >>> table = pd.DataFrame({"Ward Code": ["E05000001"]})
    >>> table.attrs["file"] = "t.csv"
    >>> find_column(table, "ward code", "area code", "area_code")
    'Ward Code'
    """
    found = match_column(table.columns, [wanted])
    if found is not None:
        return found
    columns = [str(c) for c in table.columns]
    close = difflib.get_close_matches(wanted, columns, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise DataError(
        f"{table.attrs.get('file', 'the file')}: there is no {role} column {wanted!r}.{hint} "
        f"Columns found: {', '.join(map(repr, columns))}. Set {setting} to one of these."
    )


def match_column(columns: Iterable[str], candidates: Iterable[str]) -> str | None:
    """The first of ``columns`` whose name equals one of ``candidates`` (case and space blind).

    Examples
    --------
    >>> match_column(["Name", "Post Code"], ["postcode", "post code"])
    'Post Code'
    """
    keyed = {_key(c): c for c in columns}
    for candidate in candidates:
        if _key(candidate) in keyed:
            return keyed[_key(candidate)]
    return None


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", " ", str(text)).strip().lower()


def codes(series: pd.Series) -> pd.Series:
    """Area codes as clean text: surrounding spaces removed, blanks as ``""``.

    Examples
    --------
    >>> codes(pd.Series([" E05000001 ", None])).tolist()
    ['E05000001', '']
    """
    return series.map(lambda v: "" if v is None or v != v else str(v).strip()).astype(object)


def parse_number(text: object) -> float | None:
    """A number from a cell, or None when the cell is not a number.

    Thousands separators, a trailing ``%`` and a leading ``£`` are allowed. Blank and
    suppression markers (``..``, ``*``, ``c``...) give NaN, which is missing, not bad.

    Examples
    --------
    >>> parse_number("1,234.5"), parse_number("12%"), parse_number("c"), parse_number("abc")
    (1234.5, 12.0, nan, None)

    Infinity and numbers beyond :data:`LARGEST` are not values either:

    >>> parse_number("1e309"), parse_number(float("inf")), parse_number("inf")
    (None, None, None)
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        number = float(text)
        if math.isnan(number):
            return number
        return number if abs(number) <= LARGEST else None
    value = str(text).strip()
    if value.lower() in MISSING_MARKERS:
        return float("nan")
    cleaned = value.replace(",", "").replace("£", "").rstrip("%").strip()
    if _NUMBER.match(cleaned):
        number = float(cleaned)
        return number if abs(number) <= LARGEST else None  # 1e309 is infinity: refused
    return None


def numbers(
    table: pd.DataFrame,
    column: str,
    problems: ProblemList,
    notes: list[str] | None = None,
    reason: str = "not a number",
) -> pd.Series:
    """Column ``column`` of ``table`` as floats; each cell that is not a number is reported.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`read_table` (indexed by row number).
    column : str
        The column.
    problems : ProblemList
        Where cells that are not numbers are added (they become NaN).
    notes : list of str, optional
        Where a note is added when the column holds suppression markers (``c``, ``..``,
        ``*``...), which are treated as missing rather than as bad values.
    reason : str
        Reason recorded with each problem.

    Returns
    -------
    pandas.Series
        float64, same index as ``table``.
    """
    file = table.attrs.get("file", "")
    values = np.full(len(table), np.nan)
    markers: dict[str, int] = {}
    for i, (row, cell) in enumerate(table[column].items()):
        number = parse_number(cell)
        if number is None:
            cleaned = str(cell).replace(",", "").replace("£", "").rstrip("%").strip()
            why = (
                "too large to be a value (infinite, or over 10^12)"
                if (_NUMBER.match(cleaned) or isinstance(cell, float))
                else reason
            )
            problems.add(Problem(file, int(row), column, str(cell)[:200], why))
        else:
            values[i] = number
            text = str(cell).strip()
            if text and np.isnan(number):
                markers[text] = markers.get(text, 0) + 1
    if markers and notes is not None:
        shown = ", ".join(f"{m!r} ({n:,})" for m, n in markers.items())
        notes.append(
            f"{file} column {column!r}: suppressed or not-available markers "
            f"treated as missing: {shown}."
        )
    return pd.Series(values, index=table.index, name=column)


def share_numeric(series: pd.Series) -> float:
    """Share of the non-blank cells of ``series`` that are numbers (0 when all are blank)."""
    present = [v for v in series if str(v).strip().lower() not in MISSING_MARKERS]
    if not present:
        return 0.0
    return sum(parse_number(v) is not None for v in present) / len(present)


def code_column(
    table: pd.DataFrame, area_codes: set[str], setting: str, given: str | None = None
) -> str:
    """The column of ``table`` holding area codes: ``given``, or the one matching most areas.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`read_table`.
    area_codes : set of str
        Codes of the areas of the place.
    setting : str
        The configuration key that names the column, for the fix.
    given : str, optional
        The column the configuration names.

    Returns
    -------
    str

    Raises
    ------
    DataError
        ``given`` is not a column; or (when detecting) no column holds any area code —
        the message lists the columns and shows example codes from both sides.
    """
    if given is not None:
        return find_column(table, given, "area code", setting)
    best, best_hits = None, 0
    for column in table.columns:
        hits = codes(table[column]).isin(area_codes).sum()
        if hits > best_hits:
            best, best_hits = column, hits
    if best is None:
        sample = ", ".join(sorted(area_codes)[:3])
        columns = ", ".join(map(repr, table.columns))
        raise DataError(
            f"{table.attrs.get('file', 'the file')}: no column holds area codes of this place "
            f"(such as {sample}). Columns found: {columns}. Set {setting} to the column of "
            "area codes, and check the file is for the same areas and year of boundaries."
        )
    return str(best)
