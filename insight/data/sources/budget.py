"""Check a file against the limits of a build from its headers, before reading it.

A small file can expand to a great deal: a zip whose entries unpack to gigabytes, an
``.xlsx`` (a zip of XML) with a sheet of millions of cells, a GeoParquet whose compressed
columns decode to gigabytes, a CSV of ten thousand columns. :func:`check_file` reads only
what each format says about itself (zip directory, Parquet footer, the first line of a CSV,
GeoPackage layer counts) and refuses, with a message naming the file, the figure, the limit
and the fix, anything over :class:`~insight.data.policy.Limits` before it is expanded.
"""

from __future__ import annotations

import csv
import io
import stat
import zipfile
from pathlib import Path, PurePosixPath

import openpyxl
import pyarrow.parquet as pq
import pyogrio

from insight.data.policy import Limits
from insight.errors import DataError, LimitError

ZIP_SUFFIXES = (".zip",)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".geoparquet")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
#: How far into a text file the header line may run.
HEADER_BYTES = 1024 * 1024


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


def check_file(path: Path, limits: Limits, role: str = "file") -> None:
    """Refuse ``path`` if its headers show it is over ``limits``.

    Parameters
    ----------
    path : pathlib.Path
        The file (a missing file is left to the reader, which says so).
    limits : Limits
        File size, expanded size, archive entries, rows and columns.
    role : str
        What the file is, for messages.

    Raises
    ------
    LimitError
        Over a limit (the message names the figure, the limit and what to do).
    DataError
        A zip entry that would land outside its folder, or a link inside a zip.
    """
    try:
        size = path.stat().st_size
    except OSError:
        return
    name = path.name
    if size > limits.file_bytes:
        raise LimitError(
            f"{name}: the {role} is {_mb(size)}, over the {_mb(limits.file_bytes)} limit of a "
            "file. Use generalised (simplified) boundaries, keep only the areas of your "
            "place, or split the file."
        )
    suffix = path.suffix.lower()
    if suffix in ZIP_SUFFIXES or suffix in EXCEL_SUFFIXES:
        _check_zip(path, limits, excel=suffix in EXCEL_SUFFIXES)
    elif suffix in PARQUET_SUFFIXES:
        _check_parquet(path, limits, role)
    elif suffix in TEXT_SUFFIXES:
        _check_text(path, limits, role, "\t" if suffix == ".tsv" else ",")
    elif suffix == ".gpkg":
        _check_gpkg(path, limits)


def check_entry_name(archive: str, entry: str) -> None:
    """Refuse a zip entry name that would land outside the archive's folder.

    Examples
    --------
    >>> check_entry_name("wards.zip", "wards/wards.shp")
    >>> check_entry_name("wards.zip", "../../etc/passwd")
    Traceback (most recent call last):
    ...
    insight.errors.DataError: wards.zip: the entry '../../etc/passwd' points outside ...
    """
    pure = PurePosixPath(entry.replace("\\", "/"))
    if (
        pure.is_absolute()
        or ".." in pure.parts
        or (pure.parts and ":" in pure.parts[0])
        or "\x00" in entry
    ):
        raise DataError(
            f"{archive}: the entry {entry[:200]!r} points outside the archive's folder, which "
            "is not allowed. Zip the files again from their own folder."
        )


def _check_zip(path: Path, limits: Limits, excel: bool) -> None:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: the reader says so, in its own words
    if len(entries) > limits.archive_entries:
        raise LimitError(
            f"{name}: the archive holds {len(entries):,} files, over the limit of "
            f"{limits.archive_entries:,}. Zip only the files of the boundaries."
        )
    total = 0
    for entry in entries:
        check_entry_name(name, entry.filename)
        mode = entry.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise DataError(
                f"{name}: the entry {entry.filename[:200]!r} is a link, which is not allowed. "
                "Zip the files themselves."
            )
        if not excel and entry.filename.lower().endswith(".zip"):
            raise DataError(
                f"{name}: the archive holds another archive ({entry.filename[:200]!r}). Zip the "
                "boundary files themselves, once."
            )
        total += entry.file_size
        if total > limits.expanded_bytes:
            what = "the workbook's sheets" if excel else "its files"
            raise LimitError(
                f"{name}: {what} would expand to more than {_mb(limits.expanded_bytes)} "
                f"(the limit), from a {_mb(path.stat().st_size)} file. Keep only the rows and "
                "columns of your place, or build it on the command line."
            )
    if excel:
        widest = _excel_header_width(path)
        if widest > limits.columns:
            raise LimitError(
                f"{name}: a sheet has {widest:,} columns, over the limit of "
                f"{limits.columns:,}. Keep only the columns you need (or use the long "
                "format: one row per area and indicator)."
            )
        cells = _excel_cells(path)
        if cells and cells > limits.rows * min(limits.columns, 50):
            raise LimitError(
                f"{name}: a sheet spans {cells:,} cells, more than this server reads "
                f"({limits.rows * min(limits.columns, 50):,}). Delete the empty rows and "
                "columns, or save only the sheet you need as CSV."
            )


def _excel_header_width(path: Path) -> int:
    """Columns of the widest first row of the workbook's sheets (0 when it cannot be read).

    The first row only, streamed (openpyxl's read-only mode, through defusedxml): the
    ``<dimension>`` a sheet declares may be missing or untrue.
    """
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # not a workbook openpyxl can open: the reader says so later
        return 0
    try:
        widest = 0
        for sheet in book.worksheets:
            for row in sheet.iter_rows(min_row=1, max_row=1, values_only=True):
                cells = [i for i, value in enumerate(row) if value not in (None, "")]
                widest = max(widest, cells[-1] + 1 if cells else 0)
        return widest
    except Exception:  # a damaged sheet: the reader says what is wrong with it
        return 0
    finally:
        book.close()


def _excel_cells(path: Path) -> int:
    """The largest ``<dimension ref="A1:Z99">`` of the workbook's sheets, in cells (0: none)."""
    largest = 0
    with zipfile.ZipFile(path) as archive:
        for entry in archive.infolist():
            if not entry.filename.startswith("xl/worksheets/") or not entry.filename.endswith(
                ".xml"
            ):
                continue
            with archive.open(entry) as handle:
                head = handle.read(4096).decode("utf-8", errors="replace")
            start = head.find("<dimension ref=")
            if start < 0:
                continue
            ref = head[start + 16 : head.find('"', start + 16)]
            largest = max(largest, _ref_cells(ref))
    return largest


def _ref_cells(ref: str) -> int:
    """Cells in a range such as ``A1:XFD1048576`` (0 when it cannot be read).

    Examples
    --------
    >>> _ref_cells("A1:C10"), _ref_cells("B2"), _ref_cells("nonsense")
    (30, 1, 0)
    """

    def split(cell: str) -> tuple[int, int] | None:
        letters = "".join(c for c in cell if c.isalpha()).upper()
        digits = "".join(c for c in cell if c.isdigit())
        if not letters or not digits:
            return None
        column = 0
        for letter in letters:
            column = column * 26 + (ord(letter) - 64)
        return column, int(digits)

    parts = ref.split(":")
    corners = [corner for corner in map(split, parts) if corner is not None]
    if not corners or len(corners) < len(parts):
        return 0
    if len(corners) == 1:
        return 1
    (c1, r1), (c2, r2) = corners[0], corners[-1]
    return (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1)


def _check_parquet(path: Path, limits: Limits, role: str) -> None:
    name = path.name
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:  # pyarrow raises several kinds for a file that is not Parquet
        return  # the reader says what is wrong with it
    if meta.num_rows > limits.rows:
        raise LimitError(
            f"{name}: the {role} has {meta.num_rows:,} rows, over the limit of "
            f"{limits.rows:,}. Keep only the areas of your place."
        )
    if meta.num_columns > limits.columns:
        raise LimitError(
            f"{name}: the {role} has {meta.num_columns:,} columns, over the limit of "
            f"{limits.columns:,}. Keep only the columns you need."
        )
    expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if expanded > limits.expanded_bytes:
        raise LimitError(
            f"{name}: the {role} decompresses to {_mb(expanded)}, over the "
            f"{_mb(limits.expanded_bytes)} limit. Simplify the boundaries or keep only the "
            "areas of your place."
        )


def _check_text(path: Path, limits: Limits, role: str, separator: str) -> None:
    name = path.name
    with open(path, "rb") as handle:
        head = handle.read(HEADER_BYTES)
        line_end = head.find(b"\n")
        if line_end < 0 and len(head) == HEADER_BYTES:
            raise LimitError(
                f"{name}: the first line of the {role} is longer than "
                f"{_mb(HEADER_BYTES)}, so it cannot be a header row. Check the file is a CSV "
                "with one row per line."
            )
        first = head[: line_end if line_end >= 0 else len(head)].decode("utf-8", errors="replace")
        try:
            header = next(csv.reader(io.StringIO(first), delimiter=separator), [])
        except csv.Error:
            header = first.split(separator)
        if len(header) > limits.columns:
            raise LimitError(
                f"{name}: the {role} has {len(header):,} columns, over the limit of "
                f"{limits.columns:,}. Keep only the columns you need (or use the long "
                "format: one row per area and indicator)."
            )
        lines = head.count(b"\n")
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
            if lines > limits.rows + 1:
                break
    if lines > limits.rows + 1:
        raise LimitError(
            f"{name}: the {role} has more than {limits.rows:,} rows, the limit. Keep only "
            "the rows of your place."
        )


def _check_gpkg(path: Path, limits: Limits) -> None:
    name = path.name
    try:
        layers = pyogrio.list_layers(path)
    except Exception:  # pyogrio raises several kinds for a file that is not a GeoPackage
        return  # the reader says what is wrong with it
    for layer_name, _ in layers:
        try:
            info = pyogrio.read_info(path, layer=layer_name)
        except Exception:  # an unreadable layer is reported by the reader
            continue
        if info.get("features", 0) > limits.rows:
            raise LimitError(
                f"{name}: layer {layer_name!r} has {info['features']:,} features, over the "
                f"limit of {limits.rows:,}. Keep only the areas of your place."
            )
        if len(info.get("fields", ())) > limits.columns:
            raise LimitError(
                f"{name}: layer {layer_name!r} has {len(info['fields']):,} columns, over the "
                f"limit of {limits.columns:,}. Keep only the columns you need."
            )
