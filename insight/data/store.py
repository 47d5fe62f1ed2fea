"""Places on disk: atomic replace (one pointer swap), integrity check on load, cleanup.

A place lives in a folder ``data/places/<id>/`` (``data/cache/demo/`` for the embedded
demo) holding complete *versions* and a pointer to the current one::

    data/places/northants-wards/
        CURRENT                         {"version": "v-20260501T101500-...", "previous": "v-..."}
        v-20260501T101500-123456789-ab12cd/
            place.json                  metadata, and a manifest of every file (bytes, SHA-256)
            areas.parquet               GeoParquet of the small areas in EPSG:27700 ...
            services.parquet            service points (optional)
            costs.parquet               travel minutes, areas by services (optional)
            series.parquet              every period of indicators with several (optional)
            outlines.parquet            every group of every grouping, dissolved once
            sources/                    the files it was built from, with place.toml
        v-20260420T090000-.../          the previous version, kept as a backup
        .tmp-<host>-<pid>-<random>/     a version being written

A build writes a new version under a ``.tmp-`` name, renames it to its ``v-`` name once
complete, and then replaces ``CURRENT`` with one ``os.replace``: a kill at any instant
leaves either the old place or the new one, never neither. Readers check every file against
the manifest (:class:`~insight.errors.DamagedPlaceError` names the file and the fix), so a
damaged or incomplete place is reported, never loaded silently. Temporary folders of builds
that were killed are removed by :func:`clean_stale`.

``findings.parquet`` (beside ``CURRENT``) is the findings store
(:mod:`insight.data.findings_store`), written by ``python -m insight scan``; it is not part
of a version, and :func:`content_hash` (of the current version's files) tells when it is
stale.

Folders written by earlier versions of Place Insight (``place.json`` directly in the
place's folder, no manifest) are still read; the next save moves them to this layout.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import pandas as pd

from insight.errors import DamagedPlaceError, DataError, PlaceNotFoundError
from insight.model import DEMO_ID, Grouping, Indicator, Layer, Place, ServiceType
from insight.spatial.index import AreaIndex

#: Version of ``place.json``; a place written with another is rebuilt (the demo) or
#: refused with a message (officers' places).
FORMAT_VERSION = 1

#: The files a place is made of, in the order they are hashed (those present).
CONTENT_FILES: tuple[str, ...] = (
    "place.json", "areas.parquet", "services.parquet", "costs.parquet", "series.parquet",
    "outlines.parquet",
)  # fmt: skip
POINTER = "CURRENT"
VERSION_PREFIX = "v-"
STAGING_PREFIX = ".tmp-"
#: Data files of a place (``place.json`` lists those present in its manifest).
DATA_FILES = (
    "areas.parquet", "services.parquet", "costs.parquet", "series.parquet", "outlines.parquet",
)  # fmt: skip
#: Temporary folders older than this are removed even when their owner cannot be checked
#: (another machine sharing the folder, or the layout of earlier versions).
STALE_AFTER_S = 24 * 3600


def data_dir() -> Path:
    """Folder holding place configs and the cache (``$PLACE_INSIGHT_DATA`` or ``./data``)."""
    override = os.environ.get("PLACE_INSIGHT_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "data"


def place_dir(place_id: str) -> Path:
    """Folder where place ``place_id`` is stored (its versions and the pointer)."""
    if place_id == DEMO_ID:
        return data_dir() / "cache" / DEMO_ID
    return data_dir() / "places" / place_id


def work_dir() -> Path:
    """Folder for the temporary files of builds (``data/tmp``), on the same disk as places."""
    return data_dir() / "tmp"


# --------------------------------------------------------------------------------------
# Temporary folders: named after the process that owns them, so a dead owner is visible
# --------------------------------------------------------------------------------------


#: Prefix of a findings store being written (``findings_store.STORE_FILE``): a killed scan
#: leaves one behind, named after its process like the other temporary files.
SCAN_TEMP_PREFIX = ".findings.parquet-"


def owner_tag() -> str:
    """This process's tag in temporary names: host (letters and digits) and process id."""
    return _owner_tag()


def _owner_tag() -> str:
    host = "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:40] or "host"
    return f"{host}-{os.getpid()}"


def temporary_dir(parent: Path, kind: str = STAGING_PREFIX) -> Path:
    """A new empty folder in ``parent`` named after this process (cleaned if it dies).

    Parameters
    ----------
    parent : pathlib.Path
        Where to make it (created if needed).
    kind : str
        Name prefix: :data:`STAGING_PREFIX` for a version being written, ``"job-"`` for
        an upload being built.
    """
    parent.mkdir(parents=True, exist_ok=True)
    folder = parent / f"{kind}{_owner_tag()}-{secrets.token_hex(4)}"
    folder.mkdir()
    return folder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _is_stale(path: Path, prefix: str, now: float) -> bool:
    rest = path.name[len(prefix) :]
    parts = rest.rsplit("-", 2)  # host (may hold '-' replaced by '_'), pid, random
    try:
        age = now - path.stat().st_mtime
    except OSError:
        return False
    if len(parts) == 3 and parts[1].isdigit():
        host, pid = parts[0], int(parts[1])
        if host == _owner_tag().rsplit("-", 1)[0]:
            return not _pid_alive(pid)  # this machine: its owner is known to be gone
    return age > STALE_AFTER_S


@contextlib.contextmanager
def build_lock(place_id: str) -> Iterator[None]:
    """Hold the right to build place ``place_id`` (one build of an id at a time).

    An exclusive lock on ``tmp/build-<id>.lock`` in the data folder (the kernel lets go of
    it when the process ends, however it ends). A second build of the same id, in any process on this machine,
    is refused at once rather than racing the first to install its version.

    Raises
    ------
    DataError
        If another build of this place is running.
    """
    folder = work_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"build-{place_id}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataError(
                f"Another build of place {place_id!r} is running; this one was not started. "
                "Wait for it to finish, then build again if you still need to."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def clean_stale(root: Path | None = None, now: float | None = None) -> list[Path]:
    """Remove the temporary folders of builds (and files of scans) whose process has died.

    Looks in every place's folder (``.tmp-*``, and ``.findings.parquet-*.tmp`` left by a
    killed scan), in ``data/tmp`` (upload jobs) and, for
    folders left by earlier versions (``data/places/.<id>-*``), removes those a day old.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    root = root or data_dir()
    now = time.time() if now is None else now
    removed: list[Path] = []
    candidates: list[tuple[Path, str]] = []
    for parent in (root / "places", root / "cache"):
        if not parent.is_dir():
            continue
        for folder in parent.iterdir():
            if folder.name.startswith(".") and folder.is_dir():
                candidates.append((folder, "."))  # the layout of earlier versions
            elif folder.is_dir():
                candidates += [(f, STAGING_PREFIX) for f in folder.glob(f"{STAGING_PREFIX}*")]
                candidates += [(f, f".{POINTER}-") for f in folder.glob(f".{POINTER}-*")]
                candidates += [
                    (f, SCAN_TEMP_PREFIX) for f in folder.glob(f"{SCAN_TEMP_PREFIX}*.tmp")
                ]
    if (root / "tmp").is_dir():
        candidates += [(f, "job-") for f in (root / "tmp").glob("job-*")]
    for path, prefix in candidates:
        if _is_stale(path, prefix, now):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()
            if not path.exists():
                removed.append(path)
    return removed


# --------------------------------------------------------------------------------------
# The pointer
# --------------------------------------------------------------------------------------


class _Pointer(NamedTuple):
    """What ``CURRENT`` says: the current version's folder name, and the one it replaced."""

    version: str
    previous: str | None


def _is_version_name(value: object) -> bool:
    """Whether ``value`` can name a version: a ``v-`` folder directly in the place's folder."""
    return (
        isinstance(value, str)
        and value.startswith(VERSION_PREFIX)
        and "/" not in value
        and "\\" not in value
    )


def _read_pointer(folder: Path) -> _Pointer | None:
    """The pointer of the place in ``folder`` (None: there is none); a previous version it
    names that could not be a version folder is left out (nothing to go back to)."""
    path = folder / POINTER
    try:
        pointer = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValueError:  # not JSON, or not text (UnicodeDecodeError)
        pointer = None
    if not isinstance(pointer, dict) or not _is_version_name(pointer.get("version")):
        raise DamagedPlaceError(
            f"{path} is damaged (it should name the current version of the place). {_fix(folder)}"
        )
    previous = pointer.get("previous")
    return _Pointer(pointer["version"], previous if _is_version_name(previous) else None)


def current_dir(folder: Path) -> Path | None:
    """The folder of the current version of the place stored in ``folder`` (None: none)."""
    pointer = _read_pointer(folder)
    if pointer is not None:
        return folder / pointer.version
    if (folder / "place.json").is_file():
        return folder  # the layout of earlier versions
    return None


def version_of(folder: Path) -> str | None:
    """A short name of the current version (changes whenever the place is replaced)."""
    try:
        pointer = _read_pointer(folder)
    except DamagedPlaceError:
        return "damaged"
    if pointer is not None:
        return pointer.version
    meta = folder / "place.json"
    try:
        return f"legacy-{meta.stat().st_mtime_ns}"
    except OSError:
        return None


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _swap_pointer(folder: Path, version: str, previous: str | None) -> None:
    temporary = folder / f".{POINTER}-{_owner_tag()}-{secrets.token_hex(4)}"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump({"version": version, "previous": previous}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / POINTER)  # the one atomic step
    _fsync_dir(folder)


def _new_version_name() -> str:
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now / 1e9))
    return f"{VERSION_PREFIX}{stamp}-{now % 1_000_000_000:09d}-{secrets.token_hex(3)}"


def install(version_dir: Path, folder: Path) -> str:
    """Make a complete version folder the current version of the place in ``folder``.

    ``version_dir`` (written by :func:`write_version`) is renamed into ``folder`` and the
    pointer swapped in one ``os.replace``. Versions older than the one replaced are removed;
    the one replaced is kept as a backup (:func:`restore_previous`).

    Returns
    -------
    str
        The new version's name.
    """
    folder.mkdir(parents=True, exist_ok=True)
    name = _new_version_name()
    target = folder / name
    try:
        os.rename(version_dir, target)
    except OSError as error:
        if error.errno != 18:  # EXDEV: another disk; copy next to the place first
            raise
        staging = temporary_dir(folder)
        shutil.rmtree(staging)
        shutil.copytree(version_dir, staging)
        os.rename(staging, target)
        shutil.rmtree(version_dir, ignore_errors=True)
    _fsync_dir(folder)
    try:
        old = _read_pointer(folder)
    except DamagedPlaceError:
        old = None
    previous = old.version if old else None
    _swap_pointer(folder, name, previous)
    _prune(folder, keep={name} if previous is None else {name, previous})
    return name


def _prune(folder: Path, keep: set[str]) -> None:
    """Remove versions older than every kept one, and files of the earlier layout."""
    oldest_kept = min(keep)
    for entry in folder.iterdir():
        old = entry.name.startswith(VERSION_PREFIX) and entry.name < oldest_kept
        if old and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
    for legacy in ("place.json", *DATA_FILES):
        with contextlib.suppress(FileNotFoundError):
            (folder / legacy).unlink()
    if (folder / "sources").is_dir() and not (folder / "sources").is_symlink():
        shutil.rmtree(folder / "sources", ignore_errors=True)


def restore_previous(folder: Path) -> str:
    """Go back to the version a place had before its last replacement.

    Raises
    ------
    PlaceNotFoundError
        No previous version is kept.
    """
    pointer = _read_pointer(folder)
    previous = pointer.previous if pointer else None
    if pointer is None or previous is None or not (folder / previous / "place.json").is_file():
        raise PlaceNotFoundError(
            f"No earlier version of the place in {folder} is kept, so there is nothing to go "
            "back to; rebuild it with `python -m insight build`."
        )
    _swap_pointer(folder, previous, pointer.version)
    return previous


def remove_place(folder: Path) -> None:
    """Remove a place: first its pointer (it disappears at once), then its files."""
    with contextlib.suppress(FileNotFoundError):
        (folder / POINTER).unlink()
    with contextlib.suppress(FileNotFoundError):
        (folder / "place.json").unlink()
    shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------------------
# Writing and reading
# --------------------------------------------------------------------------------------


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def write_version(
    place: Place, target: Path, extra_meta: dict | None = None, sources: Path | None = None
) -> None:
    """Write every file of ``place`` into the empty folder ``target``, manifest included."""
    place.areas.to_parquet(target / "areas.parquet", index=False)
    if place.services is not None:
        place.services.to_parquet(target / "services.parquet", index=False)
    if place.costs is not None:
        place.costs.to_parquet(target / "costs.parquet", index=False)
    if place.series is not None and len(place.series):
        place.series.to_parquet(target / "series.parquet", index=False)
    outlines(place).to_parquet(target / "outlines.parquet", index=False)
    files = {
        name: {"bytes": (target / name).stat().st_size, "sha256": _digest(target / name)}
        for name in DATA_FILES
        if (target / name).is_file()
    }
    meta = {
        "format": FORMAT_VERSION,
        "id": place.id,
        "title": place.title,
        "area_level": place.area_level,
        "default_grouping": place.default_grouping,
        "benchmark_name": place.benchmark_name,
        "featured": list(place.featured) if place.featured else None,
        "indicators": [_indicator_meta(i) for i in place.indicators.values()],
        "groupings": [asdict(g) for g in place.groupings.values()],
        "service_types": [asdict(s) for s in place.service_types.values()],
        "provenance": [asdict(layer) for layer in place.provenance],
        "quality": place.quality,
        "upload": place.upload or None,
        "files": files,
        **(extra_meta or {}),
    }
    if sources is not None:
        shutil.copytree(sources, target / "sources")
    with open(target / "place.json", "w", encoding="utf-8") as handle:
        handle.write(json.dumps(meta, indent=2, default=str))
        handle.flush()
        os.fsync(handle.fileno())
    for name in files:
        with open(target / name, "rb") as handle:
            os.fsync(handle.fileno())


def outlines(place: Place) -> gpd.GeoDataFrame:
    """The place's :attr:`~insight.model.Place.outlines`, dissolved from its areas when it
    has none yet (seconds nationally: once, when it is saved, not on every map)."""
    if place.outlines is not None:
        return place.outlines
    columns = [
        (g.code_column, g.name_column)
        for g in place.groupings.values()
        if {g.code_column, g.name_column} <= set(place.areas.columns)
    ]
    return AreaIndex(place.areas).outline_table(columns)


def _indicator_meta(indicator: Indicator) -> dict:
    """An indicator as ``place.json`` keeps it; ``periods`` only when there are several,
    so a place without series is written byte for byte as before (same content hash)."""
    meta = asdict(indicator)
    if not meta["periods"]:
        del meta["periods"]
    if meta["role"] is None:
        del meta["role"]
    return meta


def save_place(
    place: Place, folder: Path, extra_meta: dict | None = None, sources: Path | None = None
) -> None:
    """Write ``place`` as the new current version in ``folder`` (atomic; see the module).

    Parameters
    ----------
    place : Place
        The place to write.
    folder : pathlib.Path
        The place's folder (e.g. :func:`place_dir`); its current version is replaced only
        once everything has been written.
    extra_meta : dict, optional
        More keys for ``place.json`` (e.g. the package versions the demo was built from).
    sources : pathlib.Path, optional
        A folder copied into the version as ``sources/`` (e.g. the files a place was built
        from), so it is replaced with the rest.
    """
    clean_stale()
    staging = temporary_dir(folder)
    try:
        write_version(place, staging, extra_meta, sources)
        install(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _fix(folder: Path) -> str:
    if folder.name == DEMO_ID and folder.parent.name == "cache":
        return "Rebuild it with `python -m insight build --force`."
    fix = f"Rebuild it with `python -m insight build` from its place.toml (id {folder.name!r})"
    try:
        pointer = json.loads((folder / POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pointer = None
    if (
        isinstance(pointer, dict)
        and _is_version_name(pointer.get("previous"))
        and (folder / pointer["previous"]).is_dir()
    ):
        fix += (
            f", or go back to its previous version with `python -m insight restore {folder.name}`"
        )
    return fix + "."


def read_meta(folder: Path) -> dict | None:
    """The ``place.json`` of the current version in ``folder``, or None when there is none.

    Raises
    ------
    DamagedPlaceError
        The pointer names a version that is missing, or ``place.json`` is not readable.
    """
    current = current_dir(folder)
    if current is None:
        return None
    meta = current / "place.json"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DamagedPlaceError(
            f"The place in {folder} is incomplete: {meta} is missing. {_fix(folder)}"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise DamagedPlaceError(f"{meta} is damaged (not readable JSON). {_fix(folder)}") from None
    if not isinstance(data, dict):
        raise DamagedPlaceError(f"{meta} is damaged (not a JSON object). {_fix(folder)}")
    return data


def verify(folder: Path, meta: dict | None = None, digests: bool = True) -> None:
    """Check the current version in ``folder`` against its manifest.

    Parameters
    ----------
    folder : pathlib.Path
        The place's folder.
    meta : dict, optional
        Its ``place.json`` (read when not given).
    digests : bool, default True
        Compare SHA-256 digests too (False: only that each file is there, at its size).

    Raises
    ------
    DamagedPlaceError
        A file of the manifest is missing, of another size, or changed; the message names it.
    """
    meta = meta if meta is not None else read_meta(folder)
    current = current_dir(folder)
    if meta is None or current is None:
        raise PlaceNotFoundError(f"No place is stored in {folder}.")
    manifest = meta.get("files")
    if manifest is None:
        if not (current / "areas.parquet").is_file():
            raise DamagedPlaceError(
                f"The place in {folder} is incomplete: areas.parquet is missing. {_fix(folder)}"
            )
        return  # written by an earlier version: no manifest to check against
    for name, expected in manifest.items():
        path = current / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise DamagedPlaceError(
                f"The place in {folder} is incomplete: {name} is missing. {_fix(folder)}"
            ) from None
        if size != expected.get("bytes") or (digests and _digest(path) != expected.get("sha256")):
            raise DamagedPlaceError(
                f"The place in {folder} is damaged: {name} has changed since it was saved "
                f"({size:,} bytes, expected {expected.get('bytes', 0):,}). {_fix(folder)}"
            )


def read_place(folder: Path) -> Place:
    """Read the current version of the place in ``folder``, checked against its manifest.

    Raises
    ------
    PlaceNotFoundError
        If ``folder`` holds no place.
    DamagedPlaceError
        A file is missing, cut short or changed, or cannot be read.
    DataError
        The place was written in another format.
    """
    for attempt in range(2):
        version = version_of(folder)
        try:
            return _read_current(folder)
        except (DamagedPlaceError, FileNotFoundError) as error:
            # Replaced while being read (another process swapped the pointer): read again.
            if attempt == 0 and version_of(folder) != version:
                continue
            if isinstance(error, DamagedPlaceError):
                raise
            raise DamagedPlaceError(
                f"The place in {folder} is incomplete: {Path(error.filename or '?').name} is "
                f"missing. {_fix(folder)}"
            ) from None
    raise AssertionError("unreachable")


def _read_current(folder: Path) -> Place:
    meta = read_meta(folder)
    if meta is None:
        raise PlaceNotFoundError(
            f"No place is stored in {folder}; build it with `python -m insight build`."
        )
    version = meta.get("format")
    if version != FORMAT_VERSION:
        raise DataError(
            f"The place stored in {folder} has format {version!r}, but this version of Place "
            f"Insight reads format {FORMAT_VERSION}; rebuild it with `python -m insight build`."
        )
    verify(folder, meta)
    current = current_dir(folder)
    if current is None:  # removed since its place.json was read
        raise PlaceNotFoundError(
            f"No place is stored in {folder}; build it with `python -m insight build`."
        )
    try:
        areas = gpd.read_parquet(current / "areas.parquet")
        services = None
        if (current / "services.parquet").is_file():
            services = gpd.read_parquet(current / "services.parquet")
        costs = None
        if (current / "costs.parquet").is_file():
            costs = pd.read_parquet(current / "costs.parquet")
        series = None  # places written before series were kept have none
        if (current / "series.parquet").is_file():
            series = pd.read_parquet(current / "series.parquet")
        shapes = None  # nor outlines: maps then dissolve the groups they draw
        if (current / "outlines.parquet").is_file():
            shapes = gpd.read_parquet(current / "outlines.parquet")
        return Place(
            id=meta["id"],
            title=meta["title"],
            area_level=meta["area_level"],
            areas=areas,
            indicators={i["id"]: Indicator(**i) for i in meta["indicators"]},
            groupings={g["id"]: Grouping(**g) for g in meta["groupings"]},
            services=services,
            service_types={s["id"]: ServiceType(**s) for s in meta.get("service_types", [])},
            costs=costs,
            provenance=[Layer(**layer) for layer in meta.get("provenance", [])],
            quality=meta.get("quality", {}),
            default_grouping=meta.get("default_grouping", "lad"),
            benchmark_name=meta.get("benchmark_name", "the whole place"),
            featured=tuple(meta["featured"]) if meta.get("featured") else None,
            upload=meta.get("upload") or {},
            series=series,
            outlines=shapes,
        )
    except FileNotFoundError:
        raise
    except (KeyError, TypeError, ValueError, OSError) as error:
        raise DamagedPlaceError(
            f"The place in {folder} cannot be read ({type(error).__name__}: "
            f"{str(error)[:200]}). {_fix(folder)}"
        ) from None


_hashes: dict[tuple, str] = {}
_hashes_lock = threading.Lock()


def content_hash(folder: Path) -> str:
    """SHA-256 of the files a place in ``folder`` is made of (:data:`CONTENT_FILES`).

    Two folders with the same files byte for byte have the same hash, wherever they are;
    any change to the metadata or the data gives another. The result is remembered in
    this process for as long as the files' inodes, sizes and change times are unchanged, so
    asking again costs a few ``stat`` calls.

    Raises
    ------
    PlaceNotFoundError
        If ``folder`` holds no place.
    """
    folder = current_dir(folder) or folder  # the version CURRENT points at
    present = [(name, folder / name) for name in CONTENT_FILES if (folder / name).is_file()]
    if not present or present[0][0] != "place.json":
        raise PlaceNotFoundError(
            f"No place is stored in {folder}; build it with `python -m insight build`."
        )
    key = (str(folder.resolve()),) + tuple(
        (name, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns)
        for name, s in ((n, p.stat()) for n, p in present)
    )
    with _hashes_lock:
        known = _hashes.get(key)
    if known is not None:
        return known
    digest = hashlib.sha256()
    for name, path in present:
        digest.update(f"{name}\0{path.stat().st_size}\0".encode())
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    found = digest.hexdigest()
    with _hashes_lock:
        if len(_hashes) > 64:
            _hashes.clear()
        _hashes[key] = found
    return found
