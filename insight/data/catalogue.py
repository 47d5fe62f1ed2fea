"""The place catalogue: which places exist, and opening one by id."""

from __future__ import annotations

from insight.data import demo
from insight.data.store import data_dir, place_dir, read_meta, read_place, verify
from insight.errors import DamagedPlaceError, PlaceNotFoundError
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


def load_place(place_id: str = DEMO_ID, progress=None, rebuild: bool = True) -> Place:
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
