"""Scan an uploaded place in a process of its own, bounded in time and memory:
``python -m insight.service.scan_worker PLACE_ID [INDICATOR GROUPING]``.

:func:`insight.service.scanning.scan_in_worker` starts this (through
:func:`insight.data.bounded.run`) after an upload is built, and when a page opens a pair
of an uploaded place that its findings store lacks, so that neither runs unbounded in the
server's process. Without a pair it scans every pair the store lacks, one indicator at a
time, writing the store after each: when a limit stops it, what was scanned is kept. Scans
of one place take turns (a lock in the data folder), so none overwrites another's store.
"""

from __future__ import annotations

import fcntl
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from insight.analysis import scan
from insight.data import bounded
from insight.data.store import work_dir
from insight.service.places import Places, Progress
from insight.service.scanning import scan_place


@contextmanager
def _scan_lock(place_id: str) -> Iterator[None]:
    """One scan of a place at a time, across processes (the kernel lets go when one dies)."""
    folder = work_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"scan-{place_id}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def scan_missing(
    place_id: str, pair: tuple[str, str] | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Scan what the place's findings store lacks (only ``pair``'s periods when given).

    Returns
    -------
    dict
        ``tasks``: how many tasks were scanned; ``failed``: how many of them failed.
    """
    step = progress or (lambda fraction, message: None)
    places = Places(rebuild=False)
    place = places.place(place_id)
    batches: list[tuple[list[str], list[str] | None]]
    if pair is None:
        batches = [([i], None) for i in dict.fromkeys(t.indicator for t in scan.scan_tasks(place))]
    else:
        batches = [([pair[0]], [pair[1]])]
    scanned = failed = 0
    with _scan_lock(place_id):
        for n, (indicators, groupings) in enumerate(batches):

            def within(fraction: float, message: str, n: int = n) -> None:
                step((n + fraction) / len(batches), message)

            outcome = scan_place(
                place, indicators, groupings, workers=0, only_missing=True, places=places,
                progress=within,
            )  # fmt: skip
            scanned += len(outcome.result.results)
            failed += len(outcome.result.failures)
    return {"tasks": scanned, "failed": failed}


def main(argv: list[str]) -> int:
    """Scan ``argv[0]`` (and only the pair ``argv[1:3]`` when given); see
    :func:`insight.data.bounded.child` for the exit status."""
    pair = (argv[1], argv[2]) if len(argv) == 3 else None
    return bounded.child(lambda progress: scan_missing(argv[0], pair, progress))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
