"""A place: one study region with its areas, groupings, services and indicators.

A place is stored on disk as a folder under ``data/places/<id>/`` (or
``data/cache/demo/`` for the embedded demo) holding:

``place.json``
    Metadata: id, title, area level, indicators, groupings, services, provenance.
``areas.parquet``
    GeoParquet of the small areas in EPSG:27700 with ``code``, ``name``, one
    ``<grouping>_code`` / ``<grouping>_name`` pair per grouping and one column per indicator.
``services.parquet``
    GeoParquet of service points (optional).
``costs.parquet``
    Travel time in minutes from every area (rows, in ``areas`` order) to every service
    (columns, by service code). Optional: without it access is straight-line distance.

Folders are written to a temporary sibling and renamed into place, so a failed build
never leaves a half-written place and never overwrites a good one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from insight.errors import DataError, PlaceNotFoundError

BNG = "EPSG:27700"
DEMO_ID = "demo"
FORMAT_VERSION = 1

Kind = Literal["count", "rate", "proportion", "time", "ratio", "distance", "value"]
Polarity = Literal["high_is_good", "low_is_good", "neutral"]
KINDS: tuple[str, ...] = ("count", "rate", "proportion", "time", "ratio", "distance", "value")
POLARITIES: tuple[str, ...] = ("high_is_good", "low_is_good", "neutral")


@dataclass(frozen=True)
class Indicator:
    """Metadata of one indicator; its values are the column ``id`` of the areas.

    Attributes
    ----------
    id : str
        Column name on the areas and the key used in URLs.
    title : str
        Plain-English title, e.g. "Minutes to the nearest thrombectomy centre".
    unit : str
        Unit for labels, e.g. "minutes", "admissions a year", "%".
    kind : str
        One of :data:`KINDS`.
    polarity : str
        One of :data:`POLARITIES`: whether a higher value is better, worse or neither.
    period, source : str
        When the values refer to and where they come from.
    description : str
        How the value is worked out, in a sentence or two.
    numerator, denominator : str or None
        Columns holding the count and the population behind a rate or proportion.
    lower, upper : str or None
        Columns holding a published 95% interval, where the source gives one.
    decimals : int
        Decimal places to show.
    multiplier : float
        Scale of a rate or proportion (100 for a percentage, 100,000 for a rate per 100,000).
    """

    id: str
    title: str
    unit: str
    kind: str = "value"
    polarity: str = "neutral"
    period: str = ""
    source: str = ""
    description: str = ""
    numerator: str | None = None
    denominator: str | None = None
    lower: str | None = None
    upper: str | None = None
    decimals: int = 1
    multiplier: float = 1.0
    weight: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DataError(
                f"Indicator {self.id!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}."
            )
        if self.polarity not in POLARITIES:
            raise DataError(
                f"Indicator {self.id!r}: polarity {self.polarity!r} is not one of "
                f"{', '.join(POLARITIES)}."
            )


@dataclass(frozen=True)
class Grouping:
    """A boundary that can create a postcode lottery (authority, commissioner...).

    The codes and names live on the areas as ``<id>_code`` and ``<id>_name``.

    Attributes
    ----------
    id : str
        Key used in URLs and column names, e.g. ``lad``.
    title : str
        Singular plain-English title, e.g. "Local authority".
    plural : str
        Plural title, e.g. "local authorities".
    description : str
        Where the grouping comes from.
    """

    id: str
    title: str
    plural: str = ""
    description: str = ""

    @property
    def code_column(self) -> str:
        """Name of the column of group codes on the areas."""
        return f"{self.id}_code"

    @property
    def name_column(self) -> str:
        """Name of the column of group names on the areas."""
        return f"{self.id}_name"


@dataclass(frozen=True)
class ServiceType:
    """A kind of service point, e.g. stroke units able to give clot-busting drugs.

    Attributes
    ----------
    id : str
        Key, e.g. ``ivt``; services of this type have ``True`` in column ``id``.
    title : str
        Plural plain-English name, e.g. "clot-busting stroke units".
    singular : str
        Singular name used in sentences, e.g. "clot-busting unit".
    """

    id: str
    title: str
    singular: str


@dataclass(frozen=True)
class Layer:
    """Provenance of one layer of a place.

    Attributes
    ----------
    name : str
        What the layer is, e.g. "LSOA boundaries (December 2011, super generalised)".
    source : str
        Package or file it was read from, with version where there is one.
    licence : str
        Licence, e.g. "Open Government Licence v3.0".
    vintage : str
        The date or period the data describe.
    attribution : str
        Attribution text required by the licence.
    """

    name: str
    source: str
    licence: str
    vintage: str
    attribution: str = ""


@dataclass
class Place:
    """One configured study region.

    Attributes
    ----------
    id, title : str
        Identifier (used in URLs and the cache) and display title.
    area_level : str
        What one area is, singular, e.g. "neighbourhood (LSOA)" or "ward".
    areas : geopandas.GeoDataFrame
        Small areas in EPSG:27700 (see module docstring for the columns).
    indicators : dict of str to Indicator
        Indicator metadata, in display order.
    groupings : dict of str to Grouping
        Grouping metadata, in display order.
    services : geopandas.GeoDataFrame or None
        Service points with ``code``, ``name`` and one boolean column per service type.
    service_types : dict of str to ServiceType
        The kinds of service in ``services``.
    costs : pandas.DataFrame or None
        Travel minutes, areas (rows, same order as ``areas``) by service code (columns).
    provenance : list of Layer
        Source, licence and vintage of every layer.
    quality : dict
        The validation report of the build (counts of what was read, matched, repaired).
    default_grouping : str
        The grouping pages start with.
    benchmark_name : str
        What the whole place is called when it is the benchmark.
    featured : (str, str) or None
        Indicator and grouping whose findings lead the Home page.
    """

    id: str
    title: str
    area_level: str
    areas: gpd.GeoDataFrame
    indicators: dict[str, Indicator]
    groupings: dict[str, Grouping]
    services: gpd.GeoDataFrame | None = None
    service_types: dict[str, ServiceType] = field(default_factory=dict)
    costs: pd.DataFrame | None = None
    provenance: list[Layer] = field(default_factory=list)
    quality: dict = field(default_factory=dict)
    default_grouping: str = "lad"
    benchmark_name: str = "England and Wales"
    featured: tuple[str, str] | None = None

    def indicator(self, indicator_id: str) -> Indicator:
        """Return the indicator ``indicator_id``.

        Raises
        ------
        DataError
            If the place has no such indicator; the message lists the ones it has.
        """
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise DataError(
                f"Place {self.id!r} has no indicator {indicator_id!r}; "
                f"choose one of: {', '.join(self.indicators)}."
            ) from None

    def grouping(self, grouping_id: str) -> Grouping:
        """Return the grouping ``grouping_id``.

        Raises
        ------
        DataError
            If the place has no such grouping; the message lists the ones it has.
        """
        try:
            return self.groupings[grouping_id]
        except KeyError:
            raise DataError(
                f"Place {self.id!r} has no grouping {grouping_id!r}; "
                f"choose one of: {', '.join(self.groupings)}."
            ) from None

    def group_names(self, grouping_id: str) -> pd.Series:
        """Names of the groups of ``grouping_id``, indexed by group code, sorted by name."""
        grouping = self.grouping(grouping_id)
        table = self.areas[[grouping.code_column, grouping.name_column]].dropna()
        names = table.drop_duplicates(grouping.code_column).set_index(grouping.code_column)
        return names[grouping.name_column].sort_values()


def data_dir() -> Path:
    """Folder holding place configs and the cache (``$PLACE_INSIGHT_DATA`` or ``./data``)."""
    override = os.environ.get("PLACE_INSIGHT_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "data"


def place_dir(place_id: str) -> Path:
    """Folder where place ``place_id`` is stored."""
    if place_id == DEMO_ID:
        return data_dir() / "cache" / DEMO_ID
    return data_dir() / "places" / place_id


def list_places() -> dict[str, str]:
    """Ids and titles of the places that can be opened, the demo first.

    Returns
    -------
    dict of str to str
        Place id to title. The demo is listed even before it has been built.
    """
    places = {DEMO_ID: "England and Wales stroke services (demo)"}
    root = data_dir() / "places"
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if folder.name.startswith("."):
                continue  # a build in progress or an old copy being replaced
            meta = folder / "place.json"
            if meta.is_file():
                places[folder.name] = json.loads(meta.read_text())["title"]
    return places


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


def load_place(place_id: str = DEMO_ID, progress=None) -> Place:
    """Open place ``place_id``, building the demo first if it is not cached yet.

    Parameters
    ----------
    place_id : str, default "demo"
        The demo, or the id of a place built with ``python -m insight build place.toml``.
    progress : callable, optional
        ``progress(fraction, message)``, called while the demo is being built.

    Returns
    -------
    Place

    Raises
    ------
    PlaceNotFoundError
        If no place with that id has been built; the message lists those that have.

    Examples
    --------
    >>> place = load_place("demo")  # doctest: +SKIP
    >>> len(place.areas)  # doctest: +SKIP
    34753
    """
    if place_id == DEMO_ID:
        from insight import demo

        return demo.load_demo(progress=progress)
    folder = place_dir(place_id)
    if read_meta(folder) is None:
        known = ", ".join(list_places())
        raise PlaceNotFoundError(
            f"There is no place called {place_id!r}. Places available: {known}. "
            f"Build a new one with `python -m insight build path/to/place.toml`."
        )
    return read_place(folder)
