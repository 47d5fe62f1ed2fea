"""Places on disk: atomic save, load, and the format check.

A place is stored as a folder under ``data/places/<id>/`` (or ``data/cache/demo/`` for the
embedded demo) holding:

``place.json``
    Metadata: format version, id, title, area level, indicators, groupings, services,
    provenance.
``areas.parquet``
    GeoParquet of the small areas in EPSG:27700 with ``code``, ``name``, one
    ``<grouping>_code`` / ``<grouping>_name`` pair per grouping and one column per indicator.
``services.parquet``
    GeoParquet of service points (optional).
``costs.parquet``
    Travel time in minutes from every area (rows, in ``areas`` order) to every service
    (columns, by service code). Optional: without it access is straight-line distance.

``findings.parquet``
    The findings store (:mod:`insight.data.findings_store`), written by
    ``python -m insight scan`` beside the rest; not part of the place's content.

Folders are written to a temporary sibling and renamed into place, so a failed build
never leaves a half-written place and never overwrites a good one.

:func:`content_hash` fingerprints what a place is made of (its ``place.json`` and data
files), so that what was worked out from one version of a place is never used for another.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

import geopandas as gpd
import pandas as pd

from insight.errors import DataError, PlaceNotFoundError
from insight.model import DEMO_ID, Grouping, Indicator, Layer, Place, ServiceType

#: Version of the folder layout and ``place.json``; a place written with another is rebuilt
#: (the demo) or refused with a message (officers' places).
FORMAT_VERSION = 1

#: The files a place is made of, in the order they are hashed (those present).
CONTENT_FILES: tuple[str, ...] = (
    "place.json", "areas.parquet", "services.parquet", "costs.parquet",
)  # fmt: skip


def data_dir() -> Path:
    """Folder holding place configs and the cache (``$PLACE_INSIGHT_DATA`` or ``./data``)."""
    override = os.environ.get("PLACE_INSIGHT_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "data"


def place_dir(place_id: str) -> Path:
    """Folder where place ``place_id`` is stored."""
    if place_id == DEMO_ID:
        return data_dir() / "cache" / DEMO_ID
    return data_dir() / "places" / place_id


def save_place(
    place: Place, folder: Path, extra_meta: dict | None = None, sources: Path | None = None
) -> None:
    """Write ``place`` to ``folder`` atomically (temporary sibling, then rename).

    Parameters
    ----------
    place : Place
        The place to write.
    folder : pathlib.Path
        Destination; replaced only once everything has been written.
    extra_meta : dict, optional
        More keys for ``place.json`` (e.g. the package versions the demo was built from).
    sources : pathlib.Path, optional
        A folder copied into the place as ``sources/`` (e.g. the uploaded files a place
        was built from), written with the rest so it is replaced atomically too.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        place.areas.to_parquet(staging / "areas.parquet", index=False)
        if place.services is not None:
            place.services.to_parquet(staging / "services.parquet", index=False)
        if place.costs is not None:
            place.costs.to_parquet(staging / "costs.parquet", index=False)
        meta = {
            "format": FORMAT_VERSION,
            "id": place.id,
            "title": place.title,
            "area_level": place.area_level,
            "default_grouping": place.default_grouping,
            "benchmark_name": place.benchmark_name,
            "featured": list(place.featured) if place.featured else None,
            "indicators": [asdict(i) for i in place.indicators.values()],
            "groupings": [asdict(g) for g in place.groupings.values()],
            "service_types": [asdict(s) for s in place.service_types.values()],
            "provenance": [asdict(layer) for layer in place.provenance],
            "quality": place.quality,
            **(extra_meta or {}),
        }
        (staging / "place.json").write_text(json.dumps(meta, indent=2, default=str))
        if sources is not None:
            shutil.copytree(sources, staging / "sources")
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
        staging.rename(folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_meta(folder: Path) -> dict | None:
    """Return the ``place.json`` of ``folder``, or None when there is none."""
    meta = folder / "place.json"
    if not meta.is_file():
        return None
    return json.loads(meta.read_text())


def read_place(folder: Path) -> Place:
    """Read a place written by :func:`save_place`.

    Raises
    ------
    PlaceNotFoundError
        If ``folder`` holds no place.
    """
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
    areas = gpd.read_parquet(folder / "areas.parquet")
    services = None
    if (folder / "services.parquet").is_file():
        services = gpd.read_parquet(folder / "services.parquet")
    costs = None
    if (folder / "costs.parquet").is_file():
        costs = pd.read_parquet(folder / "costs.parquet")
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
    )


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
            for block in iter(lambda handle=handle: handle.read(1 << 20), b""):
                digest.update(block)
    found = digest.hexdigest()
    with _hashes_lock:
        if len(_hashes) > 64:
            _hashes.clear()
        _hashes[key] = found
    return found
