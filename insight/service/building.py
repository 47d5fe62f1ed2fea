"""Building places: from an officer's uploaded files (the Data page), from a ``place.toml``
(``python -m insight build``), and the demo. Each build is followed by a scan of what the
place's findings store lacks: an upload's in a worker process within the limits of an
upload (:func:`upload_place`, :func:`scan_upload`), the others with
:func:`insight.service.scan_place`, which the caller runs with its own progress display."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from insight.data import demo, policy, store
from insight.data.sources import BuildReport, build_from_toml, uploads
from insight.data.sources.config import PLACE_ID
from insight.errors import DataError, InsightError, PlaceNotFoundError
from insight.model import DEMO_ID, Place
from insight.service.limited import scan_in_worker
from insight.service.places import Progress

__all__ = [
    "EXAMPLE_CONFIG",
    "MAX_CONFIG_CHARS",
    "UPLOAD_LIMITS",
    "Upload",
    "UploadedFile",
    "build_demo",
    "build_file",
    "build_upload",
    "PlaceData",
    "check_upload",
    "clean_stopped_builds",
    "describe_place",
    "scan_upload",
    "upload_place",
    "remove_place",
    "restore_place",
]

_log = logging.getLogger("place_insight")

#: What one upload may hold (files, sizes, build time and memory).
UPLOAD_LIMITS: policy.Limits = policy.UPLOAD_LIMITS
#: The ``place.toml`` the upload form starts from.
EXAMPLE_CONFIG: str = uploads.EXAMPLE_CONFIG
#: Longest ``place.toml`` taken from the form.
MAX_CONFIG_CHARS: int = uploads.MAX_CONFIG_CHARS


def check_upload(
    access: policy.Access, sizes: Mapping[str, int], limits: policy.Limits = UPLOAD_LIMITS
) -> None:
    """Refuse an upload before reading it: who may not write, or files over the limits.

    Parameters
    ----------
    access : Access
        Who is asking (:func:`ui.access.current` in the app).
    sizes : mapping of str to int
        Each file's name and size in bytes.
    limits : Limits, default UPLOAD_LIMITS

    Raises
    ------
    AccessError
        ``access`` may not add or replace places (the message says why).
    DataError
        Too many files, or a file or all of them too large (the message names the limit).

    Examples
    --------
    >>> check_upload(access, {"areas.csv": 2_000})  # doctest: +SKIP
    """
    policy.require_write(access)
    uploads.check_upload(sizes, limits)


def build_upload(
    config: str,
    files: Mapping[str, bytes],
    *,
    progress: Progress | None = None,
    replace: bool = False,
    who: str = policy.THIS_COMPUTER,
    signed_in: bool = False,
    limits: policy.Limits = UPLOAD_LIMITS,
) -> tuple[Place, BuildReport]:
    """Build and save a place from uploaded files (see
    :func:`insight.data.sources.uploads.build_from_uploads`), in a separate process bounded
    by ``limits``.

    Parameters
    ----------
    config : str
        The text of a ``place.toml`` whose paths are the names of ``files``.
    files : mapping of str to bytes
        Each uploaded file's name and content.
    progress : callable, optional
        ``progress(fraction, message)``.
    replace : bool, default False
        Replace a place that has this id already.
    who : str
        Who uploads (stored with the place).
    signed_in : bool
        ``who`` signed in (needed to replace someone else's place).
    limits : Limits, default UPLOAD_LIMITS

    Returns
    -------
    place : Place
    report : BuildReport

    Raises
    ------
    DataError
        A file or the configuration is wrong (the message names the file, column, value
        and fix), or the build went over its limits.

    Examples
    --------
    >>> place, report = build_upload(EXAMPLE_CONFIG, files)  # doctest: +SKIP
    """
    return uploads.build_from_uploads(
        config, files, progress=progress, replace=replace, who=who, signed_in=signed_in,
        limits=limits,
    )  # fmt: skip


def scan_upload(
    place_id: str, progress: Progress | None = None, limits: policy.Limits = UPLOAD_LIMITS
) -> str:
    """Scan what an uploaded place's findings store lacks, in a worker process within
    ``limits`` (:func:`insight.service.limited.scan_in_worker`).

    Returns
    -------
    str
        ``""`` when every pair was scanned; else why the scan stopped (a limit, a failure)
        and what that means: the place is saved and usable either way, and a pair the
        store lacks is worked out when it is opened, within the same limits.

    Examples
    --------
    >>> scan_upload("my-wards")  # doctest: +SKIP
    ''
    """
    try:
        scan_in_worker(place_id, progress=progress, limits=limits)
    except InsightError as error:
        _log.warning("scan of uploaded place %s stopped: %s", place_id, error)
        return str(error)
    return ""


class UploadedFile(Protocol):
    """A file from the upload form (Streamlit's ``UploadedFile``): name, size, content."""

    name: str
    size: int

    def getvalue(self) -> bytes:
        """The file's content."""
        ...


@dataclass(frozen=True)
class Upload:
    """What :func:`upload_place` built: the place, its build report, and how its scan went.

    Attributes
    ----------
    place : Place
    report : BuildReport
    scan_stopped : str
        ``""`` when the scan covered every pair; else why it stopped (see
        :func:`scan_upload`).
    """

    place: Place
    report: BuildReport
    scan_stopped: str


def upload_place(
    access: policy.Access,
    config: str,
    files: Sequence[UploadedFile],
    *,
    replace: bool = False,
    progress: Progress | None = None,
    scanning: Callable[[Place], None] | None = None,
    limits: policy.Limits = UPLOAD_LIMITS,
) -> Upload:
    """The upload form's whole pipeline: check who asks and the files' sizes (before
    reading them), build the place in a bounded worker (:func:`build_upload`), then scan
    it in another (:func:`scan_upload`).

    Parameters
    ----------
    access : Access
        Who is asking, as they are now (a session may have signed out since the form
        was shown).
    config : str
        The text of the ``place.toml``.
    files : sequence of UploadedFile
        The uploaded files.
    replace : bool, default False
        Replace a place that has this id already.
    progress : callable, optional
        ``progress(fraction, message)``, for the build and then for the scan.
    scanning : callable, optional
        Called with the place once it is built, as its scan starts.
    limits : Limits, default UPLOAD_LIMITS

    Returns
    -------
    Upload

    Raises
    ------
    AccessError
        ``access`` may not add or replace places.
    DataError
        The upload is refused or its build failed (the message names the file and the
        fix); nothing was saved.

    Examples
    --------
    >>> done = upload_place(access, EXAMPLE_CONFIG, uploaded)  # doctest: +SKIP
    >>> done.place.id, done.scan_stopped  # doctest: +SKIP
    ('my-wards', '')
    """
    check_upload(access, {f.name: f.size for f in files}, limits)
    place, report = build_upload(
        config, {f.name: f.getvalue() for f in files}, progress=progress, replace=replace,
        who=access.who, signed_in=access.signed_in, limits=limits,
    )  # fmt: skip
    if scanning is not None:
        scanning(place)
    return Upload(place, report, scan_upload(place.id, progress, limits))


def build_file(path: str | Path, progress: Progress | None = None) -> tuple[Place, BuildReport]:
    """Build and save a place from a ``place.toml`` (see
    :func:`insight.data.sources.build_from_toml`).

    Raises
    ------
    DataError
        A file or the configuration is wrong (the message names the file and the fix).

    Examples
    --------
    >>> place, report = build_file("data/example/place.toml")  # doctest: +SKIP
    """
    return build_from_toml(path, progress=progress)


def build_demo(progress: Progress | None = None, force: bool = False) -> Place:
    """Build the demo place from the installed packages, unless it is current (``force``:
    build it again).

    Examples
    --------
    >>> demo_place = build_demo()  # doctest: +SKIP
    """
    return demo.load_demo(progress=progress, force=force)


@dataclass(frozen=True)
class PlaceData:
    """What a place is made of, for the Data and methods page (:func:`describe_place`).

    Attributes
    ----------
    sources : pandas.DataFrame
        One row per layer: ``Layer``, ``Source``, ``Licence``, ``Vintage``.
    attributions : list of str
        The attribution statements the licences ask for, once each.
    with_values : dict of str to int
        Each indicator's number of areas with a value.
    boundaries : pandas.DataFrame
        One row per grouping: ``Boundary``, ``Groups`` (how many), ``Where it comes from``.
    quality : pandas.DataFrame or None
        The build's data-quality checks (``Check``, ``Result`` as text); None when none
        were stored.
    """

    sources: pd.DataFrame
    attributions: list[str]
    with_values: dict[str, int]
    boundaries: pd.DataFrame
    quality: pd.DataFrame | None


def describe_place(place: Place) -> PlaceData:
    """Where a place's data come from, how much of it there is, and its quality checks.

    Examples
    --------
    >>> data = describe_place(place)  # doctest: +SKIP
    >>> data.sources.columns.tolist()  # doctest: +SKIP
    ['Layer', 'Source', 'Licence', 'Vintage']
    """
    sources = pd.DataFrame(
        [
            {"Layer": layer.name, "Source": layer.source, "Licence": layer.licence,
             "Vintage": layer.vintage}
            for layer in place.provenance
        ],
        columns=["Layer", "Source", "Licence", "Vintage"],
    )  # fmt: skip
    boundaries = pd.DataFrame(
        [
            {"Boundary": g.title, "Groups": place.areas[g.code_column].nunique(),
             "Where it comes from": g.description}
            for g in place.groupings.values()
        ],
        columns=["Boundary", "Groups", "Where it comes from"],
    )  # fmt: skip
    quality = None
    if place.quality:
        quality = pd.DataFrame(
            [
                {"Check": key.replace("_", " ").capitalize(), "Result": str(value)}
                for key, value in place.quality.items()
                if not isinstance(value, (list, dict))
            ],
            columns=["Check", "Result"],
        )
    return PlaceData(
        sources=sources,
        attributions=sorted({la.attribution for la in place.provenance if la.attribution}),
        with_values={i: int(place.areas[i].notna().sum()) for i in place.indicators},
        boundaries=boundaries,
        quality=quality,
    )


def _check_place_id(place_id: str) -> None:
    if place_id == DEMO_ID or not PLACE_ID.match(place_id):
        raise DataError(
            f"{place_id[:80]!r} is not the id of a place built from officers' files "
            "(the demo is rebuilt with `python -m insight build --force`)."
        )


def restore_place(place_id: str) -> str:
    """Make a place's previous version current again (after a bad replacement).

    Returns
    -------
    str
        The version now current.

    Raises
    ------
    DataError
        Not the id of a place built from files, or no previous version is kept.

    Examples
    --------
    >>> restore_place("northants-wards")  # doctest: +SKIP
    """
    _check_place_id(place_id)
    return store.restore_previous(store.place_dir(place_id))


def remove_place(place_id: str) -> None:
    """Remove a place built from officers' files (never the demo).

    Raises
    ------
    DataError
        Not the id of a place built from files.
    PlaceNotFoundError
        No such place.

    Examples
    --------
    >>> remove_place("northants-wards")  # doctest: +SKIP
    """
    _check_place_id(place_id)
    folder = store.place_dir(place_id)
    if store.read_meta(folder) is None and not folder.exists():
        raise PlaceNotFoundError(f"There is no place called {place_id!r} to remove.")
    store.remove_place(folder)


def clean_stopped_builds() -> list[Path]:
    """Remove the temporary folders of builds that were killed; return them.

    Examples
    --------
    >>> removed = clean_stopped_builds()  # doctest: +SKIP
    """
    return store.clean_stale()
