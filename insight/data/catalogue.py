"""The place catalogue: which places exist, opening one by id, and naming one exact version
of a place (:class:`PlaceRef`) so that another process or machine can open that version."""

from __future__ import annotations

from dataclasses import dataclass

from insight.data import demo
from insight.data.store import content_hash, data_dir, place_dir, read_meta, read_place, verify
from insight.errors import DamagedPlaceError, DataError, PlaceNotFoundError
from insight.model import DEMO_ID, Place

#: The demo's title in the place picker.
DEMO_TITLE = "England and Wales stroke services (demo)"


def list_places() -> dict[str, str]:
    """Ids and titles of the places that can be opened, the demo first.

    Returns
    -------
    dict of str to str
        Place id to title. The demo is listed even before it has been built.
    """
    places = {DEMO_ID: DEMO_TITLE}
    root = data_dir() / "places"
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if folder.name.startswith(".") or not folder.is_dir():
                continue  # a build in progress, or the folders of earlier versions
            try:
                meta = read_meta(folder)
                if meta is not None:
                    verify(folder, meta, digests=False)  # files there, at their sizes
            except DamagedPlaceError:
                places[folder.name] = f"{folder.name} (damaged)"
                continue
            if meta is not None:
                places[folder.name] = str(meta.get("title") or folder.name)
    return places


def load_place(
    place_id: str = DEMO_ID, progress: demo.Progress | None = None, rebuild: bool = True
) -> Place:
    """Open place ``place_id``, building the demo first if it is not cached yet.

    Parameters
    ----------
    place_id : str, default "demo"
        The demo, or the id of a place built with ``python -m insight build place.toml``.
    progress : callable, optional
        ``progress(fraction, message)``, called while the demo is being built.
    rebuild : bool, default True
        Build the demo when it is missing, stale or damaged (False: say so instead).

    Returns
    -------
    Place

    Raises
    ------
    PlaceNotFoundError
        If no place with that id has been built; the message lists those that have.
    DamagedPlaceError
        The place on disk is incomplete or damaged (the message names the file and the fix).

    Examples
    --------
    >>> place = load_place("demo")  # doctest: +SKIP
    >>> len(place.areas)  # doctest: +SKIP
    34753
    """
    if place_id == DEMO_ID:
        return demo.load_demo(progress=progress, rebuild=rebuild)
    folder = place_dir(place_id)
    if read_meta(folder) is None:
        known = ", ".join(list_places())
        raise PlaceNotFoundError(
            f"There is no place called {place_id!r}. Places available: {known}. "
            f"Build a new one with `python -m insight build path/to/place.toml`."
        )
    return read_place(folder)


@dataclass(frozen=True)
class PlaceRef:
    """One version of a place, by id and content hash: what a scan sends to its workers.

    It is a few bytes to send; :meth:`load` opens the place from the data folder of the
    process that calls it (``$PLACE_INSIGHT_DATA`` or ``./data`` there), and refuses a copy
    whose content differs, so a worker on another machine never scans another version.

    Attributes
    ----------
    place_id : str
        The place.
    content_hash : str
        :func:`insight.data.store.content_hash` of the version meant.
    """

    place_id: str
    content_hash: str

    @property
    def key(self) -> str:
        """``<id>@<hash>``: what a worker keeps the loaded place under."""
        return f"{self.place_id}@{self.content_hash}"

    def load(self) -> Place:
        """Read this version of the place from this process's data folder (never builds).

        Raises
        ------
        PlaceNotFoundError
            If the place is not stored here.
        DataError
            If the copy stored here is another version.
        """
        folder = place_dir(self.place_id)
        before = content_hash(folder)
        if before == self.content_hash:
            place = read_place(folder)
            if content_hash(folder) == before:  # not replaced while it was being read
                return place
        raise DataError(
            f"The copy of place {self.place_id!r} in {folder} is not the version being scanned "
            f"(content {content_hash(folder)[:12]}, expected {self.content_hash[:12]}). Give every "
            f"worker the same place folder (a shared or copied data folder, "
            f"PLACE_INSIGHT_DATA), then scan again."
        )


def place_ref(place_id: str = DEMO_ID) -> PlaceRef:
    """The current version of a stored place (see :class:`PlaceRef`; never builds).

    Raises
    ------
    PlaceNotFoundError
        If the place has not been built.
    """
    return PlaceRef(place_id, content_hash(place_dir(place_id)))
