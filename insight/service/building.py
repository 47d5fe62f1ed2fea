"""Building places: from an officer's uploaded files (the Data page), from a ``place.toml``
(``python -m insight build``), and the demo. Each build is followed by a scan of what the
place's findings store lacks (:func:`insight.service.scan_place`), which the caller runs
with its own progress display."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from insight.data import demo, policy, store
from insight.data.sources import BuildReport, build_from_toml, uploads
from insight.data.sources.config import PLACE_ID
from insight.errors import DataError, PlaceNotFoundError
from insight.model import DEMO_ID, Place
from insight.service.places import Progress

__all__ = [
    "EXAMPLE_CONFIG",
    "MAX_CONFIG_CHARS",
    "UPLOAD_LIMITS",
    "build_demo",
    "build_file",
    "build_upload",
    "check_upload",
    "clean_stopped_builds",
    "remove_place",
    "restore_place",
]

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
