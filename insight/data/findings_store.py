"""The findings store: every finding worked out for a place, in one Parquet file beside it.

``python -m insight scan`` writes ``findings.parquet`` into the place's folder
(:func:`insight.data.store.place_dir`): one row per finding, and in the file's metadata the
stamp that says what it was worked out from:

``format``
    :data:`STORE_FORMAT`, the layout of this file.
``place``, ``content_hash``
    The place and :func:`insight.data.store.content_hash` of the version scanned.
``engine``
    The version of the engine that worked the findings out (given by the caller, who
    knows it: :data:`insight.analysis.scan.ENGINE_VERSION`).
``tasks``
    Every indicator × grouping (× earlier period) scanned: ``indicator``, ``grouping``,
    ``period`` ("" for the latest), ``status`` (``"ok"``
    or ``"failed"``), ``findings`` (how many) and ``error`` (what went wrong, or None).
    A pair scanned with no findings is in the store (status ok, none found); a pair that
    failed or was never scanned is not.

This module deals in plain tables and records: what a finding is, and how its rows become
one again, is :mod:`insight.analysis.scan`'s business (``data`` never imports ``analysis``).

A stale store is never read: :func:`read_findings` returns None unless the format, the
engine and the place's content hash all match. The file is written to a temporary name in
the same folder and renamed over the old one, so a reader (another server process) sees the
old store or the new one, never half of one; a rebuilt place (a new folder) has none.
Writers that merge their pairs into the store hold :func:`writing` (a lock file beside the
store) from reading the old store to renaming the new one, so two scans writing at once (two
server processes, or the app and ``python -m insight scan``) never drop each other's pairs;
:func:`claim_scan` lets one process at a time scan a place in the background.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from insight.data.store import SCAN_TEMP_PREFIX, content_hash, owner_tag, place_dir
from insight.errors import DataError, InsightError

__all__ = [
    "SCAN_LOCK_FILE",
    "STORE_FILE",
    "WRITE_LOCK_FILE",
    "ScanClaim",
    "claim_scan",
    "STORE_FORMAT",
    "StoredTable",
    "read_findings",
    "read_stamp",
    "store_path",
    "store_version",
    "write_findings",
    "writing",
]

#: Version of the layout of ``findings.parquet``.
STORE_FORMAT = 2
#: Name of the store in a place's folder.
STORE_FILE = "findings.parquet"
#: Key of the stamp in the Parquet file's metadata.
STAMP_KEY = b"place_insight"
#: Lock file held while a store is read, merged and written again (:func:`writing`).
WRITE_LOCK_FILE = ".findings.lock"
#: Lock file held by the one process scanning a place in the background (:func:`claim_scan`).
SCAN_LOCK_FILE = ".scan.lock"


def _lock_file(place_id: str, name: str) -> int:
    folder = place_dir(place_id)
    try:
        return os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise DataError(
            f"Cannot write the findings store in {folder}: {error.strerror or error}."
        ) from None


@contextmanager
def writing(place_id: str) -> Iterator[None]:
    """Hold the lock of the store of ``place_id`` (waiting for it): one writer at a time,
    across processes, from reading the old store to writing the new one.

    The lock is the operating system's (``flock``), so a writer that dies releases it.

    Raises
    ------
    DataError
        If the place's folder cannot be written.
    """
    handle = _lock_file(place_id, WRITE_LOCK_FILE)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


class ScanClaim:
    """The right to scan a place in the background, held until :meth:`release` (or until
    the process ends: the operating system releases it then)."""

    def __init__(self, handle: int) -> None:
        self._handle: int | None = handle

    def release(self) -> None:
        """Give the claim up (again: nothing)."""
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None


def claim_scan(place_id: str) -> ScanClaim | None:
    """Claim the background scan of ``place_id`` for this process, without waiting.

    Returns
    -------
    ScanClaim or None
        The claim, or None when another process holds it.

    Raises
    ------
    DataError
        If the place's folder cannot be written.

    Examples
    --------
    >>> claim = claim_scan("demo")  # doctest: +SKIP
    >>> claim.release()  # doctest: +SKIP
    """
    handle = _lock_file(place_id, SCAN_LOCK_FILE)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        return None
    return ScanClaim(handle)


def store_path(place_id: str) -> Path:
    """Where the findings store of place ``place_id`` is (whether or not it exists)."""
    return place_dir(place_id) / STORE_FILE


def store_version(place_id: str) -> tuple[int, int] | None:
    """Modification time (ns) and size of the store file, or None when there is none.

    Cheap (one ``stat``): callers that keep a store in memory use it to notice a new one.
    """
    try:
        stat = store_path(place_id).stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@dataclass(frozen=True)
class StoredTable:
    """A current findings store, read.

    Attributes
    ----------
    place_id, content_hash, engine : str
        Its stamp (see the module docstring).
    tasks : list of dict
        Every indicator × grouping (× earlier period) scanned, in order.
    table : pyarrow.Table
        One row per finding, with ``indicator``, ``grouping`` and ``period`` ("" for the
        latest period) columns.
    """

    place_id: str
    content_hash: str
    engine: str
    tasks: list[dict[str, Any]]
    table: pa.Table = field(repr=False)

    def done(self) -> set[tuple[str, str, str]]:
        """The (indicator, grouping, period) scanned without error (period "": the latest)."""
        return {
            (t["indicator"], t["grouping"], t.get("period") or "")
            for t in self.tasks
            if t["status"] == "ok"
        }

    def rows(self, indicator: str, grouping: str, period: str = "") -> list[dict[str, Any]]:
        """The rows of one indicator, grouping and period ("": the latest), in stored order
        (None and NaN kept apart)."""
        positions = self._positions.get((indicator, grouping, period))
        return [] if positions is None else self.table.take(positions).to_pylist()

    @cached_property
    def _positions(self) -> dict[tuple[str, str, str], list[int]]:
        """Row numbers of each (indicator, grouping, period), found in one pass: filtering
        the whole table once per pair cost more than the rows themselves (a restart's first
        Home read every pair of the store)."""
        columns = [self.table[name].to_pylist() for name in ("indicator", "grouping")]
        if "period" in self.table.column_names:
            columns.append(self.table["period"].to_pylist())
        else:
            columns.append([""] * self.table.num_rows)
        positions: dict[tuple[str, str, str], list[int]] = {}
        for row, key in enumerate(zip(*columns, strict=True)):
            positions.setdefault(key, []).append(row)
        return positions


def write_findings(
    place_id: str,
    *,
    content_hash: str,
    engine: str,
    records: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    schema: pa.Schema | None = None,
) -> Path:
    """Write the findings store of a place, atomically (temporary file, then rename).

    Parameters
    ----------
    place_id : str
        The place; its folder must exist.
    content_hash : str
        Content hash of the version of the place the records were worked out from (taken
        before the scan started: if the place changed since, the store is stale at once
        and never read).
    engine : str
        Version of the engine that worked them out.
    records : list of dict
        One per finding, each with ``indicator`` and ``grouping``; values are written as
        they are (None as null, NaN as NaN).
    tasks : list of dict
        ``indicator``, ``grouping``, ``period`` (optional, "" for the latest), ``status``,
        ``findings``, ``error`` of everything scanned.
    schema : pyarrow.Schema, optional
        The columns and their types (inferred from ``records`` when not given).

    Returns
    -------
    pathlib.Path
        The store.

    Raises
    ------
    DataError
        If the place has no folder, or the folder cannot be written.
    """
    folder = place_dir(place_id)
    if not folder.is_dir():
        raise DataError(
            f"Place {place_id!r} is not stored in {folder}; build it before scanning it."
        )
    for task in tasks:
        missing = {"indicator", "grouping", "status"} - set(task)
        if missing:
            raise DataError(f"Task {task!r} lacks {', '.join(sorted(missing))}.")
    stamp = {
        "format": STORE_FORMAT,
        "place": place_id,
        "content_hash": content_hash,
        "engine": engine,
        "tasks": [
            {
                "indicator": t["indicator"],
                "grouping": t["grouping"],
                "period": t.get("period") or "",
                "status": t["status"],
                "findings": int(t.get("findings", 0)),
                "error": t.get("error"),
                "tests": {str(k): int(v) for k, v in (t.get("tests") or {}).items()},
            }
            for t in tasks
        ],
    }
    table = pa.Table.from_pylist(records, schema=schema)
    for column in ("indicator", "grouping"):
        if column not in table.column_names:
            raise DataError(f"Findings records need a {column!r} column.")
    metadata = dict(table.schema.metadata or {})
    metadata[STAMP_KEY] = json.dumps(stamp).encode()
    table = table.replace_schema_metadata(metadata)
    # Named after this process, so `clean` knows a killed scan's file from a running one's.
    handle, temporary = tempfile.mkstemp(
        prefix=f"{SCAN_TEMP_PREFIX}{owner_tag()}-", suffix=".tmp", dir=folder
    )
    os.close(handle)
    try:
        pq.write_table(table, temporary, compression="zstd")
        os.chmod(temporary, 0o644)  # readable by every server process, like the place
        os.replace(temporary, folder / STORE_FILE)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise DataError(
            f"Cannot write the findings store in {folder}: {error.strerror or error}."
        ) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return folder / STORE_FILE


def read_stamp(place_id: str) -> dict[str, Any] | None:
    """The stamp of the store of ``place_id`` (its footer only), or None when there is none
    or it cannot be read."""
    path = store_path(place_id)
    if not path.is_file():
        return None
    try:
        metadata = pq.read_metadata(path).metadata or {}
        return json.loads(metadata[STAMP_KEY])
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None


def read_findings(
    place_id: str, *, engine: str, content_hash: str | None = None
) -> StoredTable | None:
    """The findings store of ``place_id`` if it is current, else None.

    Current means: written in :data:`STORE_FORMAT`, by engine ``engine``, from the version
    of the place whose content hash is ``content_hash`` (by default the place as it is on
    disk now). Anything else (no store, another format or engine, a place changed or
    rebuilt since, an unreadable file) gives None: a stale store is never read.

    Parameters
    ----------
    place_id : str
        The place.
    engine : str
        The engine version the caller works with.
    content_hash : str, optional
        The version of the place the caller has in memory.
    """
    if content_hash is None:
        try:
            content_hash = _current_hash(place_id)
        except InsightError:
            return None
    for _ in range(2):  # once more if the file was replaced between footer and table
        stamp = read_stamp(place_id)
        if (
            stamp is None
            or stamp.get("format") != STORE_FORMAT
            or stamp.get("engine") != engine
            or stamp.get("place") != place_id
            or stamp.get("content_hash") != content_hash
        ):
            return None
        try:
            table = pq.read_table(store_path(place_id))
        except (OSError, pa.ArrowException):
            return None
        if json.loads((table.schema.metadata or {}).get(STAMP_KEY, b"{}")) == stamp:
            return StoredTable(
                place_id=place_id,
                content_hash=content_hash,
                engine=engine,
                tasks=stamp["tasks"],
                table=table.replace_schema_metadata(None),
            )
    return None


def _current_hash(place_id: str) -> str:
    return content_hash(place_dir(place_id))
