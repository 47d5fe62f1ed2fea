"""Opening places, and where every use case gets a place and what is worked out from it.

:class:`Places` is the one object the use cases ask for a place, one period of it, its
spatial index, its findings store and the findings worked out when the store lacks them.
This class keeps what it opened for its own life (one command, one API process); the app
subclasses it so that the same questions are answered from Streamlit's caches. The use
cases (:mod:`insight.service.findings`, :mod:`insight.service.queries`...) hold the logic
once; a front end only chooses which :class:`Places` they use.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

from insight.analysis import benchmark, scan, trend
from insight.analysis import findings as engine
from insight.data import demo, findings_store
from insight.data.catalogue import list_places, load_place
from insight.data.policy import title_key
from insight.data.store import content_hash, data_dir, place_dir, version_of
from insight.errors import DataError, InsightError
from insight.explain import PLACE_UNAVAILABLE
from insight.model import Place
from insight.service.limited import is_uploaded, scan_in_worker
from insight.spatial.index import AreaIndex

__all__ = [
    "Places",
    "demo_ready",
    "list_places",
    "open_place",
    "place_content",
    "place_version",
    "problem_shown",
    "read_stored",
    "store_version",
]

Progress = Callable[[float, str], None]


def open_place(place_id: str, progress: Progress | None = None, rebuild: bool = True) -> Place:
    """Open a stored place by id (see :func:`insight.data.catalogue.load_place`).

    Parameters
    ----------
    place_id : str
        The demo, or a place built from files.
    progress : callable, optional
        ``progress(fraction, message)`` while the demo is being built.
    rebuild : bool, default True
        Build the demo when it is missing or stale (False: say so instead).

    Returns
    -------
    Place

    Raises
    ------
    PlaceNotFoundError
        No such place (the message lists those there are).

    Examples
    --------
    >>> place = open_place("demo")  # doctest: +SKIP
    """
    return load_place(place_id, progress=progress, rebuild=rebuild)


def demo_ready() -> bool:
    """Whether the demo on disk is current and whole (else opening it builds it first).

    Examples
    --------
    >>> isinstance(demo_ready(), bool)  # doctest: +SKIP
    True
    """
    return demo.is_current()


def place_version(place_id: str) -> str | None:
    """A short name of the stored version of a place: it changes whenever another process
    replaces the place (a build, a restore); None when there is none.

    Examples
    --------
    >>> place_version("no-such-place") is None  # doctest: +SKIP
    True
    """
    return version_of(place_dir(place_id))


def place_content(place_id: str) -> str:
    """Content hash of the stored place (see :func:`insight.data.store.content_hash`).

    Raises
    ------
    PlaceNotFoundError
        No such place.
    """
    return content_hash(place_dir(place_id))


def store_version(place_id: str) -> tuple[int, int] | None:
    """What tells versions of the place's findings store file apart (None: no store): a
    ``stat``, so a store written by another process is seen at once."""
    return findings_store.store_version(place_id)


_LOG = logging.getLogger("place_insight")
_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/'\"`]+/)*([^\s/'\"`]+)")


def problem_shown(message: str, can_write: bool) -> str:
    """What someone is told of a problem opening a place.

    Someone who may not write (a visitor of a public dashboard) reads no server path and
    no administrator's command: the sentence :data:`insight.explain.PLACE_UNAVAILABLE`,
    with the whole message in the server's log. An officer reads the message with every
    path cut to the file's name (the data folder named as such).

    Parameters
    ----------
    message : str
        The error's message.
    can_write : bool
        Whether the reader may build places here (an officer).

    Returns
    -------
    str
        The text to show.

    Examples
    --------
    >>> problem_shown("Cannot read /srv/secret/place.json.", can_write=True)
    'Cannot read place.json.'
    >>> problem_shown("Cannot read /srv/secret/place.json.", can_write=False) == PLACE_UNAVAILABLE
    True
    """
    _LOG.warning("Could not open a place: %s", message)
    if not can_write:
        return PLACE_UNAVAILABLE
    message = message.replace(str(data_dir().resolve()), "the data folder")
    return _PATH.sub(r"\1", message)


def read_stored(place_id: str, version: str | None = None) -> scan.StoredFindings | None:
    """The place's findings store if it is current for ``version`` of the place, else None.

    Parameters
    ----------
    place_id : str
        The place.
    version : str, optional
        Content hash of the version of the place the caller holds (default: as on disk).

    Returns
    -------
    StoredFindings or None
        None when there is no store, or it was worked out from another version of the
        place or by another engine (a stale store is never read).

    Examples
    --------
    >>> stored = read_stored("demo")  # doctest: +SKIP
    """
    stored = findings_store.read_findings(
        place_id, engine=scan.ENGINE_VERSION, content_hash=version
    )
    return None if stored is None else scan.StoredFindings(stored)


class Places:
    """Where the use cases get places from: opened once each, kept for this object's life.

    Parameters
    ----------
    progress : callable, optional
        ``progress(fraction, message)`` while the demo is being built.
    rebuild : bool, default True
        Build the demo when it is missing or stale (False: say so instead).

    Examples
    --------
    >>> places = Places()
    >>> places.place("demo").id  # doctest: +SKIP
    'demo'
    """

    def __init__(self, progress: Progress | None = None, rebuild: bool = True) -> None:
        self._progress = progress
        self._rebuild = rebuild
        self._lock = threading.Lock()
        self._places: dict[str, Place] = {}
        self._indexes: dict[str, AreaIndex] = {}
        self._versions: dict[str, str | None] = {}
        self._stored: dict[tuple, scan.StoredFindings | None] = {}

    def place(self, place_id: str) -> Place:
        """The place (shared: read only)."""
        with self._lock:
            known = self._places.get(place_id)
        if known is None:
            known = open_place(place_id, progress=self._progress, rebuild=self._rebuild)
            version = self._version_on_disk(place_id)
            with self._lock:
                self._places[place_id] = known
                self._versions[place_id] = version
        return known

    @staticmethod
    def _version_on_disk(place_id: str) -> str | None:
        try:
            return content_hash(place_dir(place_id))
        except InsightError:
            return None

    def place_at(self, place_id: str, indicator_id: str, period: str | None) -> Place:
        """The place with ``period``'s values of one indicator (None: the place itself)."""
        return trend.at_period(self.place(place_id), indicator_id, period)

    def index(self, place_id: str) -> AreaIndex:
        """The spatial index of the place's areas."""
        with self._lock:
            known = self._indexes.get(place_id)
        if known is None:
            known = AreaIndex.for_place(self.place(place_id))
            with self._lock:
                self._indexes[place_id] = known
        return known

    def version(self, place_id: str) -> str | None:
        """Content hash of the version of the place opened here (None: not a stored one)."""
        self.place(place_id)
        with self._lock:
            return self._versions.get(place_id)

    def stored(self, place_id: str) -> scan.StoredFindings | None:
        """The place's findings store if current for the version opened here, else None
        (a ``stat`` of the store per call, so a new scan written meanwhile is seen)."""
        version = self.version(place_id)
        store = findings_store.store_version(place_id)
        if version is None or store is None:
            return None
        key = (place_id, version, store)
        with self._lock:
            if key in self._stored:
                return self._stored[key]
        found = read_stored(place_id, version)
        with self._lock:
            self._stored = {k: v for k, v in self._stored.items() if k[0] != place_id}
            self._stored[key] = found
        return found

    def comparison(
        self, place_id: str, indicator_id: str, grouping_id: str
    ) -> benchmark.GroupComparison:
        """Every group benchmarked in the latest period (shared: read only)."""
        return benchmark.compare_groups(self.place(place_id), indicator_id, grouping_id)

    def computed(
        self, place_id: str, indicator_id: str, grouping_id: str, period: str | None
    ) -> engine.Findings:
        """The pair's findings worked out now, with the engine's defaults.

        A place built from uploaded files is scanned for the pair in a worker process
        within the limits of an upload (:func:`insight.service.limited.scan_in_worker`),
        and its findings read from the store it writes: never in this process.

        Raises
        ------
        LimitError
            The worker went over the limits of an upload (the message says what to do).
        """
        place = self.place(place_id)
        if not is_uploaded(place):
            return engine.findings(
                self.place_at(place_id, indicator_id, period),
                indicator_id,
                grouping_id,
                index=self.index(place_id),
            )
        scan_in_worker(place_id, (indicator_id, grouping_id))
        stored = self.stored(place_id)
        found = stored.findings(indicator_id, grouping_id, period or "") if stored else None
        if found is None:  # the place was replaced meanwhile, or the pair failed
            raise DataError(
                f"The findings of {indicator_id} by {grouping_id} could not be worked out "
                f"for {place.title}. Open the place again; if it goes on failing, scan it on "
                f"the command line (python -m insight scan --place {place_id})."
            )
        return found


def place_labels(places: dict[str, str]) -> dict[str, str]:
    """Titles for a list of places (:func:`list_places`), each one different from the
    others (the app's place picker tells its options apart by them).

    Titles are checked when a place is built, but places written by earlier versions may
    share a title (or nearly): those get their id added, so that no place can pass for
    another.

    Examples
    --------
    >>> place_labels({"demo": "England", "a": "My wards", "b": "My  Wards"})
    {'demo': 'England', 'a': 'My wards [a]', 'b': 'My  Wards [b]'}
    """
    keys: dict[str, list[str]] = {}
    for place_id, title in places.items():
        keys.setdefault(title_key(title), []).append(place_id)
    return {
        place_id: title if len(keys[title_key(title)]) == 1 else f"{title} [{place_id}]"
        for place_id, title in places.items()
    }
