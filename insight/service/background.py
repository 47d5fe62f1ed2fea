"""Scanning a place's findings store in the background, the pairs Home needs first.

A first start used to scan every indicator × grouping before Home could show its strongest
findings (minutes on a small computer). Instead, a server process starts one background
scan per place and version (:data:`SCANS`, :meth:`BackgroundScans.start`): the featured pair
first (what Home, the Postcode lottery and Present open with), then the rest in the order
of :func:`scan_order`, merging what it found into the store as it goes (each write atomic,
under the store's lock: a reader sees the old store or the new one, and a restart mid-scan
keeps everything written so far and scans only what is missing). The pages read the store
as it grows and say how far the scan has got (:class:`ScanProgress`: pairs checked, pairs in
all, time left at the pace measured so far).

Only one process scans a place at a time (:func:`insight.data.findings_store.claim_scan`);
the others follow the store's progress and take over if that process ends first.

This module is plain Python: a front end decides when to start a scan (the app: when a
visitor who may write opens a place whose store lacks pairs) and how to show its progress.
A place built from uploaded files is never scanned here: its scan runs in a worker bounded
like its build (:mod:`insight.service.limited`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from insight.analysis import scan
from insight.data import findings_store
from insight.data.catalogue import place_ref
from insight.errors import InsightError
from insight.model import Place
from insight.service.limited import is_uploaded
from insight.service.places import Places
from insight.service.scanning import write_scanned

__all__ = [
    "SCANS",
    "SCAN_BEFORE_HOME",
    "BackgroundScans",
    "ScanProgress",
    "first_pairs",
    "scan_order",
    "seconds_left",
]

_LOG = logging.getLogger("place_insight")

#: Write what was found at least this often (seconds) while scanning...
CHECKPOINT_S = 10.0
#: ...but keep the writing under about this share of the scan's time (the whole store is
#: merged again on every write: under 2 s for the demo's 63 pairs).
WRITE_SHARE = 0.2
#: Environment variable that, set to ``1``, makes the app's first start scan every pair
#: before Home opens, as it used to (only ``bench/run.py`` sets it, for its baseline).
SCAN_BEFORE_HOME = "PLACE_INSIGHT_BENCH_SCAN_BEFORE_HOME"
#: How often (seconds) a process that is not scanning looks at the store and tries to take
#: the scan over (the scanning process may have ended).
FOLLOW_S = 2.0

Key = tuple[str, str, str]


def first_pairs(place: Place) -> list[scan.Task]:
    """The pairs a first start scans before anything else: the featured pair
    (:meth:`insight.model.Place.featured_pair`), which Home shows when nothing else is
    stored, and the Postcode lottery and Present open with.

    Examples
    --------
    >>> [str(t) for t in first_pairs(place)]  # doctest: +SKIP
    ['mt_minutes × isdn']
    """
    indicator_id, grouping_id = place.featured_pair()
    return [scan.Task(indicator_id, grouping_id)]


def scan_order(place: Place) -> list[scan.Task]:
    """Every task of the place's scan (:func:`insight.analysis.scan.scan_tasks`), in the
    order a background scan takes them.

    :func:`first_pairs` first; then the latest period of the other pairs, in the order in
    which their findings can lead the strongest list (:data:`insight.explain.RANKING_RULE`):
    tested indicators before what-ifs (boundary penalties), indicators whose findings count
    people (a weight) before those that do not, then the featured indicator and the
    featured grouping before the others, then the place's order; earlier periods last.

    Examples
    --------
    >>> order = scan_order(place)  # doctest: +SKIP
    >>> order[0] == first_pairs(place)[0]  # doctest: +SKIP
    True
    """
    tasks = scan.scan_tasks(place)
    first = {t.key for t in first_pairs(place)}
    featured_indicator, featured_grouping = place.featured_pair()

    def rank(numbered: tuple[int, scan.Task]) -> tuple:
        number, task = numbered
        indicator = place.indicator(task.indicator)
        return (
            task.key not in first,
            bool(task.period),
            indicator.within is not None,
            indicator.weight is None,
            task.indicator != featured_indicator,
            task.grouping != featured_grouping,
            number,
        )

    return [task for _, task in sorted(enumerate(tasks), key=rank)]


def seconds_left(remaining: int, pace: float | None) -> float | None:
    """Time the ``remaining`` pairs take at ``pace`` seconds a pair (None: not known yet).

    Examples
    --------
    >>> seconds_left(10, 2.5), seconds_left(3, None), seconds_left(0, None)
    (25.0, None, 0.0)
    """
    if remaining <= 0:
        return 0.0
    return None if pace is None else remaining * pace


@dataclass(frozen=True)
class ScanProgress:
    """How far the scan of a place's findings store has got.

    Attributes
    ----------
    place_id : str
        The place.
    checked : int
        Pairs (indicator × grouping, × earlier period where there are several) in the store,
        found or failed.
    total : int
        Pairs a whole scan checks.
    running : bool
        Whether a scan is under way (in this process or another).
    seconds_left : float or None
        Time the rest should take at the pace measured so far (None: not known yet).
    failed : int
        Pairs that could not be checked (their error is in the store).
    """

    place_id: str
    checked: int
    total: int
    running: bool
    seconds_left: float | None = None
    failed: int = 0

    @property
    def complete(self) -> bool:
        """Every pair is in the store."""
        return self.checked >= self.total

    @property
    def fraction(self) -> float:
        """Share of the pairs checked, 0 to 1."""
        return 1.0 if self.total <= 0 else min(self.checked / self.total, 1.0)


def _store_counts(place_id: str, version: str, wanted: set[Key]) -> tuple[int, int]:
    """Pairs of ``wanted`` the store holds for ``version`` of the place, and how many of
    those failed (the store's footer only: cheap)."""
    stamp = findings_store.read_stamp(place_id)
    if (
        stamp is None
        or stamp.get("format") != findings_store.STORE_FORMAT
        or stamp.get("engine") != scan.ENGINE_VERSION
        or stamp.get("content_hash") != version
    ):
        return 0, 0
    held = {
        (t["indicator"], t["grouping"], t.get("period") or ""): t["status"]
        for t in stamp.get("tasks", [])
    }
    found = {k: v for k, v in held.items() if k in wanted}
    return len(found), sum(v != "ok" for v in found.values())


class _Loaded:
    """The version of a place a front end holds, as the scan's place source: the scan reads
    the place already in memory instead of opening a second copy."""

    def __init__(self, places: Places, place_id: str, version: str) -> None:
        self._places, self._place_id = places, place_id
        self.key = f"{place_id}@{version}@background"

    def load(self) -> Place:
        return self._places.place(self._place_id)


class _Job:
    """The background scan of one version of one place, in this process."""

    def __init__(
        self, place_id: str, version: str, places: Places, clock: Callable[[], float]
    ) -> None:
        self.place_id, self.version, self.places, self._clock = place_id, version, places, clock
        place = places.place(place_id)
        self.order = scan_order(place)
        self.first = {t.key for t in first_pairs(place)}
        self.wanted = {t.key for t in self.order}
        self.changed = threading.Condition()
        self.urgent: list[Key] = []
        self.running = False
        self.scanning = False  # this process holds the claim
        self.stopping = False
        self.error: str | None = None
        self.checked, self.failed = _store_counts(place_id, version, self.wanted)
        self._pace: float | None = None  # seconds a pair, as measured here
        self._seen: tuple[float, int] | None = None  # first look at another's progress
        self.thread: threading.Thread | None = None

    # what the pages ask ------------------------------------------------------------------

    def progress(self) -> ScanProgress:
        with self.changed:
            if not self.scanning and self.checked < len(self.wanted):
                self._follow()
            remaining = len(self.wanted) - self.checked
            return ScanProgress(
                self.place_id, self.checked, len(self.wanted), self.running,
                seconds_left(remaining, self._pace) if self.running else None, self.failed,
            )  # fmt: skip

    def _follow(self) -> None:
        """Catch up with the store another process is writing (the pace from its growth)."""
        checked, failed = _store_counts(self.place_id, self.version, self.wanted)
        now = self._clock()
        if self._seen is None or checked < self._seen[1]:
            self._seen = (now, checked)
        elif checked > self._seen[1]:
            self._pace = (now - self._seen[0]) / (checked - self._seen[1])
        if (checked, failed) != (self.checked, self.failed):
            self.checked, self.failed = checked, failed
            self.changed.notify_all()

    def held(self, key: Key) -> bool:
        """Whether the store holds ``key`` (found or failed) for this version."""
        return key in self._held_keys()

    def _held_keys(self) -> set[Key]:
        stamp = findings_store.read_stamp(self.place_id)
        if stamp is None or stamp.get("content_hash") != self.version:
            return set()
        return {(t["indicator"], t["grouping"], t.get("period") or "") for t in stamp["tasks"]}

    def want(self, key: Key) -> None:
        """Scan ``key`` next (a page is waiting for it)."""
        with self.changed:
            if key in self.wanted and key not in self.urgent:
                self.urgent.append(key)

    # the thread --------------------------------------------------------------------------

    def start(self) -> None:
        self.running = True
        self.thread = threading.Thread(
            target=self._run, name=f"place-insight-scan-{self.place_id}", daemon=True
        )
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.stopping:
                claim = findings_store.claim_scan(self.place_id)
                if claim is not None:
                    try:
                        self._scan()
                    finally:
                        claim.release()
                    return
                with self.changed:  # another process scans: follow it, ready to take over
                    self._follow()
                    if self.checked >= len(self.wanted):
                        return
                    self.changed.wait(FOLLOW_S)
        except InsightError as error:
            self.error = str(error)
            _LOG.warning("The background scan of %s stopped: %s", self.place_id, error)
        except Exception as error:  # never take the server down; say so in its log
            self.error = f"{type(error).__name__}: {error}"
            _LOG.exception("The background scan of %s failed", self.place_id)
        finally:
            with self.changed:
                self.running = self.scanning = False
                self.changed.notify_all()

    def _scan(self) -> None:
        with self.changed:
            self.scanning = True
        place = self.places.place(self.place_id)
        held = self._held_keys()  # the failed too: a restart retries them, this scan does not
        done = {k for k in held if k in self.wanted}
        pending = [t for t in self.order if t.key not in done]
        source = _Loaded(self.places, self.place_id, self.version)
        results: list[scan.TaskResult] = []
        last_write, write_cost = self._clock(), 0.0
        finished, since = 0, None
        try:
            while pending and not self.stopping:
                if place_ref(self.place_id).content_hash != self.version:
                    return  # the place was replaced: its new version gets its own scan
                task = self._next(pending)
                results.append(scan.run_task(source, task.indicator, task.grouping, task.period))
                finished += 1
                now = self._clock()
                if since is None:  # the first pair also loads the index: not the pace
                    since = now
                else:
                    with self.changed:
                        self._pace = (now - since) / (finished - 1)
                urgent = task.key in self.first or task.key in self.urgent
                due = now - last_write >= max(CHECKPOINT_S, write_cost / WRITE_SHARE)
                if urgent or due or not pending or self.stopping:
                    started = self._clock()
                    write_scanned(
                        place, self.version,
                        scan.ScanResult(tuple(results), now - last_write, "this process"),
                    )  # fmt: skip
                    results = []
                    last_write = self._clock()
                    write_cost = last_write - started
                    checked, failed = _store_counts(self.place_id, self.version, self.wanted)
                    with self.changed:
                        self.checked, self.failed = checked, failed
                        self.urgent = [k for k in self.urgent if k in {t.key for t in pending}]
                        self.changed.notify_all()
        finally:
            scan.release(source.key)

    def _next(self, pending: list[scan.Task]) -> scan.Task:
        with self.changed:
            for key in self.urgent:
                for number, task in enumerate(pending):
                    if task.key == key:
                        return pending.pop(number)
        return pending.pop(0)


class BackgroundScans:
    """The background scans of this process: at most one per place and version.

    Parameters
    ----------
    clock : callable, optional
        Seconds, for the pace (default :func:`time.monotonic`).

    Examples
    --------
    >>> scans = BackgroundScans()
    >>> progress = scans.start("demo", places)  # doctest: +SKIP
    >>> progress.checked, progress.total  # doctest: +SKIP
    (0, 63)
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._jobs: dict[tuple[str, str], _Job] = {}

    def _job(self, place_id: str, places: Places, start: bool) -> _Job | None:
        version = places.version(place_id)
        if version is None:
            return None
        with self._lock:
            job = self._jobs.get((place_id, version))
            if job is None and start:
                job = _Job(place_id, version, places, self._clock)
                self._jobs = {k: v for k, v in self._jobs.items() if k[0] != place_id}
                self._jobs[(place_id, version)] = job
                if job.checked < len(job.wanted) and not is_uploaded(places.place(place_id)):
                    job.start()  # an upload's own scan runs in a bounded worker instead
            return job

    def start(self, place_id: str, places: Places) -> ScanProgress:
        """Start scanning what the place's store lacks, unless this process already does
        (or did, for this version of the place), or the place was uploaded; its progress.

        Parameters
        ----------
        place_id : str
            The place.
        places : Places
            Where the place comes from (the front end's caches: the scan reads the place
            already in memory).

        Returns
        -------
        ScanProgress
        """
        job = self._job(place_id, places, start=True)
        if job is None:
            return ScanProgress(place_id, 0, 0, False)
        return job.progress()

    def progress(self, place_id: str, places: Places) -> ScanProgress:
        """How far the place's scan has got, without starting one (from the store when
        this process has not started one).

        Returns
        -------
        ScanProgress
        """
        job = self._job(place_id, places, start=False)
        if job is not None:
            return job.progress()
        version = places.version(place_id)
        if version is None:
            return ScanProgress(place_id, 0, 0, False)
        wanted = {t.key for t in scan.scan_tasks(places.place(place_id))}
        checked, failed = _store_counts(place_id, version, wanted)
        return ScanProgress(place_id, checked, len(wanted), False, None, failed)

    def wait_for(
        self,
        place_id: str,
        places: Places,
        indicator: str,
        grouping: str,
        period: str = "",
        timeout: float = 60.0,
    ) -> bool:
        """Wait until the store holds one pair, asking the scan to take it next.

        Returns at once when no scan of the place runs in this process (the caller then
        works the pair out itself).

        Returns
        -------
        bool
            Whether the store holds the pair.
        """
        job = self._job(place_id, places, start=False)
        key = (indicator, grouping, period)
        if job is None:
            return False
        job.want(key)
        deadline = self._clock() + timeout
        with job.changed:
            while not job.held(key):
                left = deadline - self._clock()
                if not job.running or left <= 0:
                    return job.held(key)
                job.changed.wait(min(left, FOLLOW_S))
        return True

    def stop(self, timeout: float = 60.0) -> None:
        """Stop every scan of this process after its current pair, writing what it found
        (for tests and an orderly shutdown)."""
        with self._lock:
            jobs = list(self._jobs.values())
            self._jobs = {}
        for job in jobs:
            with job.changed:
                job.stopping = True
                job.changed.notify_all()
        for job in jobs:
            if job.thread is not None:
                job.thread.join(timeout)


#: This process's background scans (one per place and version, whatever the sessions).
SCANS = BackgroundScans()
