"""Scanning what a place's findings store lacks: in this process, on local Dask worker
processes, or on an existing ``dask.distributed`` cluster (see
:mod:`insight.analysis.scan`)."""

from __future__ import annotations

import logging
import os
import sys
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster

from insight.analysis import scan
from insight.data import findings_store
from insight.data.catalogue import place_ref
from insight.errors import DataError
from insight.model import Place
from insight.service.places import Places, Progress

__all__ = ["ScanOutcome", "dask_client", "default_workers", "scan_place", "write_scanned"]


def default_workers() -> int:
    """Local worker processes a scan starts by default: one per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: float = 30,
    *,
    scheduler_port: int = 0,
    dashboard: str | None = None,
) -> Iterator[Any]:
    """Where a scan runs: a Dask client, or None for this process.

    Parameters
    ----------
    workers : int, optional
        Without ``scheduler``: how many local worker processes to start (default
        :func:`default_workers`; 0 runs the scan in this process, without Dask). With
        ``scheduler``: wait until that many workers have joined before starting.
    scheduler : str, optional
        Address of an existing ``dask.distributed`` scheduler, e.g. ``tcp://10.0.0.5:8786``.
    timeout : float
        Seconds to keep trying to reach the scheduler.
    scheduler_port : int
        Port of the local cluster's scheduler on 127.0.0.1 (default 0: any free port).
    dashboard : str, optional
        Address of the local cluster's Dask dashboard, e.g. ``127.0.0.1:8787`` (default:
        none).

    Raises
    ------
    DataError
        If the scheduler cannot be reached, or the workers do not join within two minutes.
    """
    if workers is not None and workers < 0:
        raise DataError(f"--workers must be 0 or more, got {workers}.")
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{timeout}s")
        except (OSError, TimeoutError) as error:
            raise DataError(
                f"Cannot reach the Dask scheduler at {scheduler} ({error}). Check the address "
                f"(tcp://HOST:PORT, as `dask scheduler` prints it) and that it is running."
            ) from None
        try:
            if workers:
                try:
                    client.wait_for_workers(workers, timeout=120)
                except TimeoutError:
                    raise DataError(
                        f"Fewer than {workers} workers joined the Dask scheduler at {scheduler} "
                        f"within two minutes; start them with `dask worker {scheduler}`."
                    ) from None
            yield client
        finally:
            client.close()
        return
    if workers == 0:
        yield None
        return
    with (
        _bare_main_module(),
        LocalCluster(
            n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
            host="127.0.0.1", scheduler_port=scheduler_port, dashboard_address=dashboard,
            # CRITICAL, not ERROR: when the cluster closes under load a worker's last
            # heartbeat can find the scheduler gone and log a traceback at ERROR after the
            # scan has finished ("Failed to communicate with scheduler during heartbeat").
            # A task's own error still reaches the scan through its future.
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        yield client


@contextmanager
def _bare_main_module() -> Iterator[None]:
    """While local Dask workers run, give them a ``__main__`` with nothing to run.

    Local workers are started with multiprocessing's *spawn*, which runs the parent's
    ``__main__`` again in each worker when it is a script file. ``python -m insight`` is
    safe (a module, guarded), but a host whose ``__main__`` is a script without a guard is
    not: after Streamlit has run ``app.py`` in this process (AppTest does), each worker
    would run the whole app, building and scanning the demo, before taking a task.
    """
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if main is None or getattr(main, "__file__", None) is None or spec is not None:
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class ScanOutcome:
    """What :func:`scan_place` did: the scan's result and where the store was written."""

    def __init__(self, place: Place, result: scan.ScanResult, path: Path | None, kept: int):
        self.place = place
        self.result = result
        self.path = path
        self.kept = kept


def scan_place(
    place: Place | str,
    indicators: Sequence[str] | None = None,
    groupings: Sequence[str] | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    only_missing: bool = False,
    progress: Progress | None = None,
    places: Places | None = None,
    scheduler_port: int = 0,
    dashboard: str | None = None,
) -> ScanOutcome:
    """Scan a stored place and write its findings store (see ``python -m insight scan``).

    Pairs scanned replace those in the store; the others are kept while the store is
    current (same place content, same engine), and dropped when it is not.

    Parameters
    ----------
    place : Place or str
        The place (as loaded) or its id (opened with ``places``, the demo built first if
        needed).
    indicators, groupings : sequence of str, optional
        Only these (default: all).
    workers, scheduler, scheduler_port, dashboard
        Where to run (:func:`dask_client`).
    only_missing : bool
        Scan only the pairs the current store does not hold (what a build does).
    progress : callable, optional
        ``progress(fraction, message)``.
    places : Places, optional
        Where a place given by id is opened (default: from disk, here).

    Returns
    -------
    ScanOutcome

    Raises
    ------
    DataError
        Unknown indicators or groupings, a scheduler that cannot be reached.

    Examples
    --------
    >>> outcome = scan_place("demo", workers=0, only_missing=True)  # doctest: +SKIP
    """
    if isinstance(place, str):
        place = (places or Places()).place(place)
    ref = place_ref(place.id)
    tasks = scan.scan_tasks(place, indicators, groupings)
    previous = findings_store.read_findings(
        place.id, engine=scan.ENGINE_VERSION, content_hash=ref.content_hash
    )
    if only_missing and previous is not None:
        done = previous.done()
        tasks = [t for t in tasks if t.key not in done]
    if not tasks:
        kept = len(previous.tasks) if previous is not None else 0
        return ScanOutcome(place, scan.ScanResult((), 0.0, "nowhere"), None, kept)
    with dask_client(
        workers, scheduler, scheduler_port=scheduler_port, dashboard=dashboard
    ) as client:
        result = scan.scan(ref, tasks, client=client, progress=progress)
    path, stored = write_scanned(place, ref.content_hash, result)
    return ScanOutcome(place, result, path, stored - len(result.results))


def write_scanned(place: Place, content_hash: str, result: scan.ScanResult) -> tuple[Path, int]:
    """Merge a scan's results into the place's findings store and write it (atomically).

    The store is read again under its lock (:func:`insight.data.findings_store.writing`),
    so pairs another process wrote while this scan ran are kept.

    Parameters
    ----------
    place : Place
        The place scanned.
    content_hash : str
        Content hash of the version scanned (taken before the scan started).
    result : ScanResult
        What was scanned.

    Returns
    -------
    path : pathlib.Path
        The store.
    pairs : int
        How many indicator × grouping (× period) the store now holds.

    Raises
    ------
    DataError
        If the place's folder cannot be written.
    """
    with findings_store.writing(place.id):
        previous = findings_store.read_findings(
            place.id, engine=scan.ENGINE_VERSION, content_hash=content_hash
        )
        records, entries = scan.store_content(place, result, previous)
        path = findings_store.write_findings(
            place.id, content_hash=content_hash, engine=scan.ENGINE_VERSION, records=records,
            tasks=entries, schema=scan.STORE_SCHEMA,
        )  # fmt: skip
    return path, len(entries)
