"""Scans of a place built from uploaded files, run within the limits of an upload.

An upload's build runs in a worker process bounded in time and memory
(:mod:`insight.data.bounded`); so do its scans: the one that follows the build
(:func:`insight.service.building.scan_upload`) and, when that one was stopped, each pair a
page opens later that the findings store lacks (:meth:`insight.service.Places.computed`).
The server's own process never scans an uploaded place.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from insight import errors
from insight.data import bounded
from insight.data.policy import UPLOAD_LIMITS, Limits
from insight.errors import DataError, LimitError
from insight.model import Place

__all__ = ["is_uploaded", "scan_in_worker"]

Progress = Callable[[float, str], None]


def is_uploaded(place: Place) -> bool:
    """Whether ``place`` was built from files uploaded through the app (so its scans run
    within the limits of an upload; the demo and command-line builds are scanned here).

    Examples
    --------
    >>> is_uploaded(Place.example())  # doctest: +SKIP
    False
    """
    return (place.upload or {}).get("how") == "upload"


def scan_in_worker(
    place_id: str,
    pair: tuple[str, str] | None = None,
    progress: Progress | None = None,
    limits: Limits = UPLOAD_LIMITS,
) -> dict[str, int]:
    """Scan what a place's findings store lacks in ``python -m insight.service.scan_worker``,
    within ``limits`` (see :mod:`insight.service.scan_worker`).

    Parameters
    ----------
    place_id : str
        A stored place.
    pair : tuple of str, optional
        ``(indicator, grouping)``: only this pair, in every period (default: every pair,
        one indicator at a time, the store written after each).
    progress : callable, optional
        ``progress(fraction, message)``.
    limits : Limits, default UPLOAD_LIMITS
        Its time (``seconds``) and memory (``memory_bytes``).

    Returns
    -------
    dict
        ``tasks`` scanned and how many ``failed`` (reported in the store, per pair).

    Raises
    ------
    LimitError
        A limit stopped it: the message says which, that the place is still there to use,
        and what to do. What was scanned before it stopped is in the store.
    DataError
        The scan could not start (the place cannot be opened).

    Examples
    --------
    >>> scan_in_worker("my-wards")  # doctest: +SKIP
    {'tasks': 12, 'failed': 0}
    """
    what = (
        "Looking for postcode lotteries in this place"
        if pair is None
        else f"Working out the findings of {pair[0]} by {pair[1]}"
    )
    after = (
        "The place is saved and can be used: the findings found so far are kept, and each "
        "indicator and boundary not yet scanned is worked out when you open it (within the "
        "same limits)"
        if pair is None
        else "The rest of the place can still be used: open another indicator or boundary"
    )
    fix = (
        "For a full scan, use fewer periods or indicators in the upload, or scan it on the "
        f"command line (python -m insight scan --place {place_id})."
    )
    gigabytes = (limits.memory_bytes or 0) / 1024**3
    too_big = (
        f"{what} needed more than the {gigabytes:.1f} GB of memory a place built from "
        f"uploaded files may use, so it was stopped. {after}. {fix}"
    )
    outcome = bounded.run(
        "insight.service.scan_worker", [place_id, *(pair or ())], limits, progress,
        too_slow=(
            f"{what} took longer than {limits.seconds or 0:.0f} seconds, the limit for a "
            f"place built from uploaded files, so it was stopped. {after}. {fix}"
        ),
        too_big=lambda status: too_big,
    )  # fmt: skip
    if "result" in outcome:
        return {k: int(v) for k, v in outcome["result"].items()}
    raised = outcome["error"]
    kind = getattr(errors, str(raised.get("type")), None)
    message = str(raised.get("message", ""))
    if raised.get("type") == "MemoryError":
        raise LimitError(too_big)
    if isinstance(kind, type) and issubclass(kind, DataError):
        error: DataError | None = None
        with contextlib.suppress(TypeError):  # a class that takes other arguments
            error = kind(message)
        if error is not None:
            raise error
    raise DataError(f"{what} failed ({message[:200] or raised.get('type')}). {fix}")
