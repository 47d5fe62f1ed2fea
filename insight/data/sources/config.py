"""The place configuration: ``place.toml`` (or the same structure as a dict), checked.

A configuration names the files a place is built from. :func:`read_config` reads a TOML
file; :func:`parse_config` checks a dict of the same shape (what an upload form gives).
Both return a :class:`PlaceConfig` whose paths are resolved against the folder of the
configuration, or raise :class:`~insight.errors.ConfigError` naming the section, the key,
the bad value and the allowed values.

The schema (every key not marked required is optional)::

    [place]
    id = "northants-wards"          # required: lower-case letters, digits, - and _
    title = "Northamptonshire wards"
    benchmark_name = "Northamptonshire"
    default_grouping = "lad"        # default: the first grouping

    [areas]
    path = "wards.geojson"          # required: GeoJSON, GeoPackage, zipped Shapefile, GeoParquet
    code = "WD23CD"                 # default: detected (ONS ..CD columns)
    name = "WD23NM"                 # default: the ..NM column that goes with the code
    layer = "wards"                 # GeoPackage layer or Shapefile inside a zip
    level = "ward"                  # default: from the codes (E05 = ward, E01 = LSOA...)

    [[groupings]]
    id = "lad"                      # required: lower-case letters, digits and _
    title = "Local authority"
    plural = "local authorities"
    path = "ward_to_lad.csv"        # a lookup CSV/XLSX ...
    sheet = "Sheet1"
    area_code = "WD23CD"            # default: the column holding the area codes
    code = "LAD23CD"                # default: the only other ..CD column
    name = "LAD23NM"
    # from = "postcodes"            # ... or the majority of ONS postcodes in each area
    # from = "areas"                # ... or columns `code` / `name` of the boundary file

    [[indicators]]
    path = "fingertips_export.csv"  # required
    format = "fingertips"           # "fingertips", "wide" or "long"; default: detected
    sheet = "Sheet1"
    area_code = "Ward code"
    indicator_column = "indicator"  # long format only
    value_column = "value"          # long format only
    columns = { "Households in fuel poverty" = { id = "fuel_poverty", kind = "proportion" } }

    [[services]]
    id = "libraries"                # required
    title = "Libraries"
    singular = "library"
    path = "libraries.csv"          # required
    name = "Library name"
    code = "Library ID"
    postcode = "Postcode"           # or latitude + longitude, or easting + northing
    penalty = ["lad"]               # groupings for a boundary penalty (default: the
                                    # default grouping; [] for none)

Every file section also takes ``source``, ``licence``, ``vintage`` and ``attribution``
for the Data & methods page.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from insight.data.policy import check_title
from insight.errors import ConfigError
from insight.model import DEMO_ID, KINDS, POLARITIES, ROLES

#: Columns every place's areas (and services) have: no indicator or service may take them.
RESERVED_COLUMNS = frozenset({"code", "name", "geometry"})
#: Longest text value of a configuration, and longest path.
MAX_TEXT = 2_000
MAX_PATH = 1_000
PLACE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

PROVENANCE_KEYS = ("source", "licence", "vintage", "attribution")
TOP_KEYS = ("place", "areas", "groupings", "indicators", "services")
PLACE_KEYS = ("id", "title", "benchmark_name", "default_grouping", "description")
AREAS_KEYS = ("path", "code", "name", "layer", "level", "title", *PROVENANCE_KEYS)
GROUPING_KEYS = (
    "id",
    "title",
    "plural",
    "description",
    "path",
    "from",
    "sheet",
    "area_code",
    "code",
    "name",
    *PROVENANCE_KEYS,
)
GROUPING_FROM = ("postcodes", "areas")
INDICATOR_KEYS = (
    "path",
    "format",
    "sheet",
    "area_code",
    "columns",
    "indicator_column",
    "value_column",
    "period",
    "title",
    *PROVENANCE_KEYS,
)
INDICATOR_FORMATS = ("fingertips", "wide", "long")
COLUMN_KEYS = (
    "id",
    "title",
    "unit",
    "kind",
    "polarity",
    "period",
    "source",
    "description",
    "numerator",
    "denominator",
    "lower",
    "upper",
    "decimals",
    "multiplier",
    "role",
)
SERVICE_KEYS = (
    "id",
    "title",
    "singular",
    "path",
    "sheet",
    "name",
    "code",
    "postcode",
    "latitude",
    "longitude",
    "easting",
    "northing",
    "penalty",
    *PROVENANCE_KEYS,
)


@dataclass(frozen=True)
class Provenance:
    """Where a file comes from, for the Data & methods page.

    Attributes
    ----------
    source, licence, vintage, attribution : str
        As given in the section (blank when not given).
    """

    source: str = ""
    licence: str = ""
    vintage: str = ""
    attribution: str = ""


@dataclass(frozen=True)
class AreasConfig:
    """The ``[areas]`` section: the boundary file.

    Attributes
    ----------
    path : pathlib.Path
        Boundary file, resolved.
    code, name : str or None
        Columns of the area code and name (None: detect).
    layer : str or None
        GeoPackage layer or Shapefile inside a zip.
    level : str or None
        What one area is (None: detect from the codes).
    title : str or None
        Name of the layer for the provenance list.
    provenance : Provenance
    """

    path: Path
    code: str | None = None
    name: str | None = None
    layer: str | None = None
    level: str | None = None
    title: str | None = None
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class GroupingConfig:
    """One ``[[groupings]]`` entry.

    Attributes
    ----------
    id, title, plural, description : str
        As :class:`insight.model.Grouping`.
    source : str
        ``"lookup"`` (a file), ``"postcodes"`` or ``"areas"``.
    path : pathlib.Path or None
        Lookup file, for ``source == "lookup"``.
    sheet, area_code, code, name : str or None
        Sheet and columns of the lookup (None: detect).
    provenance : Provenance
    """

    id: str
    title: str
    plural: str
    description: str
    source: str
    path: Path | None = None
    sheet: str | None = None
    area_code: str | None = None
    code: str | None = None
    name: str | None = None
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class IndicatorsConfig:
    """One ``[[indicators]]`` entry: a file of indicator values.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    format : str or None
        ``"fingertips"``, ``"wide"`` or ``"long"`` (None: detect).
    sheet, area_code : str or None
        Sheet and area code column (None: first sheet; detect).
    columns : dict of str to dict
        Indicator metadata keyed by the indicator as the file names it (column header,
        long-format indicator name, or Fingertips Indicator ID / Name). When given, only
        these indicators are read.
    indicator_column, value_column : str or None
        Long format only.
    period : str or None
        Period of every indicator of the file (unless a column says otherwise).
    title : str or None
        Name of the file for the provenance list.
    provenance : Provenance
    """

    path: Path
    format: str | None = None
    sheet: str | None = None
    area_code: str | None = None
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    indicator_column: str | None = None
    value_column: str | None = None
    period: str | None = None
    title: str | None = None
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class ServicesConfig:
    """One ``[[services]]`` entry: a list of service points of one type.

    Attributes
    ----------
    id, title, singular : str
        As :class:`insight.model.ServiceType`.
    path : pathlib.Path
        CSV or XLSX list.
    sheet, name, code, postcode, latitude, longitude, easting, northing : str or None
        Sheet and columns (None: detect from the headers).
    penalty : tuple of str or None
        Grouping ids to work out a boundary penalty for (None: the default grouping).
    provenance : Provenance
    """

    id: str
    title: str
    singular: str
    path: Path
    sheet: str | None = None
    name: str | None = None
    code: str | None = None
    postcode: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    easting: str | None = None
    northing: str | None = None
    penalty: tuple[str, ...] | None = None
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class PlaceConfig:
    """A checked place configuration.

    Attributes
    ----------
    id, title : str
        Place id (URL-safe) and title.
    benchmark_name : str
        What the whole place is called in comparisons.
    default_grouping : str
        Grouping shown first.
    description : str
        A sentence about the place.
    areas : AreasConfig
    groupings : tuple of GroupingConfig
    indicators : tuple of IndicatorsConfig
    services : tuple of ServicesConfig
    origin : str
        Where the configuration came from (file name), for messages.
    base_dir : pathlib.Path
        Folder relative paths were resolved against.
    """

    id: str
    title: str
    benchmark_name: str
    default_grouping: str
    description: str
    areas: AreasConfig
    groupings: tuple[GroupingConfig, ...]
    indicators: tuple[IndicatorsConfig, ...]
    services: tuple[ServicesConfig, ...]
    origin: str
    base_dir: Path

    def files(self) -> list[Path]:
        """Every file the configuration names, in build order."""
        paths = [self.areas.path]
        paths += [g.path for g in self.groupings if g.path is not None]
        paths += [i.path for i in self.indicators]
        paths += [s.path for s in self.services]
        return paths


def read_config(path: str | Path) -> PlaceConfig:
    """Read and check a ``place.toml`` file.

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file; paths inside it are relative to its folder.

    Returns
    -------
    PlaceConfig

    Raises
    ------
    ConfigError
        The file is missing, is not valid TOML, or breaks the schema (the message names
        the section, key, value and what is allowed).

    Examples
    --------
    >>> config = read_config("tests/insight/sources/data/place.toml")  # doctest: +SKIP
    >>> config.id  # doctest: +SKIP
    'northants-wards'
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"Configuration file {str(path)!r} does not exist. Check the path "
            f"(relative paths start from {Path.cwd()}), e.g. "
            "`python -m insight build data/my-place/place.toml`."
        )
    try:
        data = loads_toml(path.read_text(encoding="utf-8-sig"), path.name)
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path.name} is not a UTF-8 text file. Save it as UTF-8 text (a .toml file)."
        ) from None
    return parse_config(data, path.resolve().parent, origin=path.name)


def loads_toml(text: str, name: str) -> dict[str, Any]:
    """Parse the text of a ``place.toml``, with a message naming ``name`` when it is not TOML.

    Parameters
    ----------
    text : str
        The file's text.
    name : str
        The file, as the message names it (``place.toml``, ``the uploaded place.toml``).

    Returns
    -------
    dict
        The parsed tables.

    Raises
    ------
    ConfigError
        If the text is not TOML, or nests arrays or tables too deeply to read.

    Examples
    --------
    >>> loads_toml('place = {id = "x"}', "place.toml")
    {'place': {'id': 'x'}}
    >>> loads_toml("a = " + "[" * 5000 + "]" * 5000, "place.toml")
    Traceback (most recent call last):
    ...
    insight.errors.ConfigError: place.toml nests arrays or tables too deeply to read ...
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"{name} is not valid TOML: {error}. Check quotes around text values and "
            'that each table header is on its own line, e.g. [place] then id = "my-place".'
        ) from None
    except RecursionError:  # tomllib recurses once per level of [[[...]]] or {a={b=...}}
        raise ConfigError(
            f"{name} nests arrays or tables too deeply to read (thousands of levels). A "
            "place.toml needs at most three levels; start from the example in the README "
            '("Your own data").'
        ) from None


def parse_config(
    data: Mapping[str, Any], base_dir: str | Path, origin: str = "configuration"
) -> PlaceConfig:
    """Check a configuration dict (the structure of ``place.toml``).

    Parameters
    ----------
    data : mapping
        Keys ``place``, ``areas``, ``groupings``, ``indicators``, ``services``.
    base_dir : str or pathlib.Path
        Folder that relative paths are resolved against.
    origin : str
        Name used in messages (e.g. the TOML file name).

    Returns
    -------
    PlaceConfig

    Raises
    ------
    ConfigError
        Unknown keys (the allowed ones listed), missing required keys, wrong types,
        ids that are not URL-safe, or values outside the allowed set.

    Examples
    --------
    >>> config = parse_config(
    ...     {"place": {"id": "wards", "title": "Wards"}, "areas": {"path": "w.geojson"},
    ...      "groupings": [{"id": "lad", "from": "postcodes"}]}, "/tmp")
    >>> config.areas.path.name, config.groupings[0].source
    ('w.geojson', 'postcodes')
    """
    base = Path(base_dir)
    _keys(data, TOP_KEYS, "the top level", origin)
    place = _table(data, "place", "[place]", origin, required=True)
    _keys(place, PLACE_KEYS, "[place]", origin)
    place_id = _required_text(place, "id", "[place]", origin)
    if place_id == DEMO_ID:
        raise ConfigError(
            f"{origin}: [place] id {place_id!r} is reserved for the embedded demo. "
            'Choose another id, e.g. id = "northants-wards".'
        )
    if not PLACE_ID.match(place_id):
        raise ConfigError(
            f"{origin}: [place] id {place_id!r} cannot be used in a web address. Use 1 to 63 "
            "lower-case letters, digits, '-' or '_', starting with a letter or digit, "
            f'e.g. id = "{_slug(place_id, "-") or "my-place"}".'
        )
    title = check_title(
        _text(place, "title", "[place]", origin) or place_id, where=f"{origin}: [place] title"
    )

    areas_table = _table(data, "areas", "[areas]", origin, required=True)
    _keys(areas_table, AREAS_KEYS, "[areas]", origin)
    areas = AreasConfig(
        path=_path(areas_table, "[areas]", origin, base),
        code=_text(areas_table, "code", "[areas]", origin),
        name=_text(areas_table, "name", "[areas]", origin),
        layer=_text(areas_table, "layer", "[areas]", origin),
        level=_text(areas_table, "level", "[areas]", origin),
        title=_text(areas_table, "title", "[areas]", origin),
        provenance=_provenance(areas_table, "[areas]", origin),
    )

    groupings = tuple(
        _grouping(entry, f"[[groupings]] number {n}", origin, base)
        for n, entry in enumerate(_array(data, "groupings", origin), start=1)
    )
    if not groupings:
        raise ConfigError(
            f"{origin} has no [[groupings]]: a place needs at least one boundary to compare "
            'across. Add one, e.g.\n[[groupings]]\nid = "lad"\ntitle = "Local authority"\n'
            'from = "postcodes"'
        )
    _unique([g.id for g in groupings], "[[groupings]]", origin)

    indicators = tuple(
        _indicators(entry, f"[[indicators]] number {n}", origin, base)
        for n, entry in enumerate(_array(data, "indicators", origin), start=1)
    )
    services = tuple(
        _services(entry, f"[[services]] number {n}", origin, base, [g.id for g in groupings])
        for n, entry in enumerate(_array(data, "services", origin), start=1)
    )
    _unique([s.id for s in services], "[[services]]", origin)

    grouping_ids = [g.id for g in groupings]
    default = _text(place, "default_grouping", "[place]", origin) or grouping_ids[0]
    if default not in grouping_ids:
        raise ConfigError(
            f"{origin}: [place] default_grouping {default!r} is not one of the groupings: "
            f"{', '.join(grouping_ids)}."
        )
    return PlaceConfig(
        id=place_id,
        title=title,
        benchmark_name=_text(place, "benchmark_name", "[place]", origin) or "the whole place",
        default_grouping=default,
        description=_text(place, "description", "[place]", origin) or "",
        areas=areas,
        groupings=groupings,
        indicators=indicators,
        services=services,
        origin=origin,
        base_dir=base,
    )


def _grouping(entry: Any, where: str, origin: str, base: Path) -> GroupingConfig:
    entry = _as_table(entry, where, origin)
    _keys(entry, GROUPING_KEYS, where, origin)
    grouping_id = _identifier(entry, where, origin)
    where = f"[[groupings]] {grouping_id!r}"
    source = _text(entry, "from", where, origin)
    has_path = "path" in entry
    if source is not None and source not in GROUPING_FROM:
        raise ConfigError(
            f"{origin}: {where} has from = {source!r}; allowed values: "
            f"{', '.join(repr(v) for v in GROUPING_FROM)}, or give a lookup file with path = ..."
        )
    if source and has_path:
        raise ConfigError(
            f"{origin}: {where} has both path and from = {source!r}. Keep one: path for a "
            "lookup file, or from for a grouping worked out without one."
        )
    if source is None and not has_path:
        raise ConfigError(
            f"{origin}: {where} says nothing about where the groups come from. Add "
            'path = "lookup.csv" (a lookup table), from = "postcodes" (local authority from '
            'the ONS postcodes in each area) or from = "areas" (columns of the boundary file).'
        )
    if source == "areas" and not _text(entry, "code", where, origin):
        raise ConfigError(
            f"{origin}: {where} has from = 'areas' but no code: name the column of the "
            'boundary file holding the group codes, e.g. code = "LAD23CD".'
        )
    title = _text(entry, "title", where, origin)
    if title is None:
        title = (
            "Local authority"
            if source == "postcodes"
            else grouping_id.replace("_", " ").capitalize()
        )
    plural = _text(entry, "plural", where, origin)
    if plural is None:
        plural = "local authorities" if title == "Local authority" else f"{title.lower()}s"
    description = _text(entry, "description", where, origin)
    if description is None:
        description = {
            "postcodes": "Local authority of most of the ONS postcodes inside each area.",
            "areas": "From the boundary file.",
        }.get(source or "", "")
    return GroupingConfig(
        id=grouping_id,
        title=title,
        plural=plural,
        description=description,
        source=source or "lookup",
        path=_path(entry, where, origin, base) if has_path else None,
        sheet=_text(entry, "sheet", where, origin),
        area_code=_text(entry, "area_code", where, origin),
        code=_text(entry, "code", where, origin),
        name=_text(entry, "name", where, origin),
        provenance=_provenance(entry, where, origin),
    )


def _indicators(entry: Any, where: str, origin: str, base: Path) -> IndicatorsConfig:
    entry = _as_table(entry, where, origin)
    _keys(entry, INDICATOR_KEYS, where, origin)
    path = _path(entry, where, origin, base)
    where = f"[[indicators]] {path.name!r}"
    fmt = _text(entry, "format", where, origin)
    if fmt is not None and fmt not in INDICATOR_FORMATS:
        raise ConfigError(
            f"{origin}: {where} has format = {fmt!r}; allowed values: "
            f"{', '.join(repr(v) for v in INDICATOR_FORMATS)} (or leave it out to detect it)."
        )
    columns_raw = entry.get("columns", {})
    if not isinstance(columns_raw, Mapping):
        raise ConfigError(
            f"{origin}: {where} columns must be a table of column name to settings, e.g. "
            'columns = { "Households in fuel poverty" = { id = "fuel_poverty" } }, '
            f"not {columns_raw!r}."
        )
    columns: dict[str, dict[str, Any]] = {}
    for column, meta in columns_raw.items():
        spot = f"{where} columns.{column!r}"
        if isinstance(meta, str):
            meta = {"id": meta}
        meta = _as_table(meta, spot, origin)
        _keys(meta, COLUMN_KEYS, spot, origin)
        for key in (
            "id",
            "title",
            "unit",
            "period",
            "source",
            "description",
            "numerator",
            "denominator",
            "lower",
            "upper",
        ):
            _text(meta, key, spot, origin)
        if "id" in meta:
            _identifier(meta, spot, origin, reserved=RESERVED_COLUMNS)
        kind = meta.get("kind")
        if kind is not None and kind not in KINDS:
            raise ConfigError(
                f"{origin}: {spot} has kind = {kind!r}; allowed values: {', '.join(KINDS)}."
            )
        polarity = meta.get("polarity")
        if polarity is not None and polarity not in POLARITIES:
            raise ConfigError(
                f"{origin}: {spot} has polarity = {polarity!r}; allowed values: "
                f"{', '.join(POLARITIES)}."
            )
        role = meta.get("role")
        if role is not None and role not in ROLES:
            raise ConfigError(
                f"{origin}: {spot} has role = {role!r}; allowed values: {', '.join(ROLES)} "
                "(the place's deprivation measure, e.g. an IMD score)."
            )
        for key, kinds in (("decimals", (int,)), ("multiplier", (int, float))):
            if key in meta and (isinstance(meta[key], bool) or not isinstance(meta[key], kinds)):
                raise ConfigError(
                    f"{origin}: {spot} {key} must be a number, not {repr(meta[key])[:40]}."
                )
        if "decimals" in meta and not 0 <= meta["decimals"] <= 6:
            raise ConfigError(
                f"{origin}: {spot} decimals must be a whole number from 0 to 6, not "
                f"{repr(meta['decimals'])[:40]}."
            )
        if "multiplier" in meta and not (
            math.isfinite(meta["multiplier"]) and 0 < meta["multiplier"] <= 1e9
        ):
            raise ConfigError(
                f"{origin}: {spot} multiplier must be a number above 0 (e.g. 100 for a "
                f"percentage, 1000 for per 1,000), not {repr(meta['multiplier'])[:40]}."
            )
        columns[str(column)] = dict(meta)
    return IndicatorsConfig(
        path=path,
        format=fmt,
        sheet=_text(entry, "sheet", where, origin),
        area_code=_text(entry, "area_code", where, origin),
        columns=columns,
        indicator_column=_text(entry, "indicator_column", where, origin),
        value_column=_text(entry, "value_column", where, origin),
        period=_text(entry, "period", where, origin),
        title=_text(entry, "title", where, origin),
        provenance=_provenance(entry, where, origin),
    )


def _services(
    entry: Any, where: str, origin: str, base: Path, groupings: list[str]
) -> ServicesConfig:
    entry = _as_table(entry, where, origin)
    _keys(entry, SERVICE_KEYS, where, origin)
    taken = RESERVED_COLUMNS | {f"{g}_{part}" for g in groupings for part in ("code", "name")}
    service_id = _identifier(entry, where, origin, reserved=taken)
    where = f"[[services]] {service_id!r}"
    for first, second in (("latitude", "longitude"), ("easting", "northing")):
        if (first in entry) != (second in entry):
            given, missing = (first, second) if first in entry else (second, first)
            raise ConfigError(
                f"{origin}: {where} gives {given} but not {missing}: give both columns, "
                "or use postcode instead."
            )
    penalty = entry.get("penalty")
    if penalty is not None:
        if isinstance(penalty, str):
            penalty = [penalty]
        if not isinstance(penalty, list) or not all(isinstance(p, str) for p in penalty):
            raise ConfigError(
                f"{origin}: {where} penalty must be a list of grouping ids, e.g. "
                f'penalty = ["lad"], not {penalty!r}.'
            )
        unknown = [p for p in penalty if p not in groupings]
        if unknown:
            raise ConfigError(
                f"{origin}: {where} penalty names {', '.join(map(repr, unknown))}, which "
                f"is not a grouping; groupings: {', '.join(groupings)}."
            )
        penalty = tuple(penalty)
    title = _text(entry, "title", where, origin) or service_id.replace("_", " ").capitalize()
    singular = _text(entry, "singular", where, origin)
    if singular is None:
        singular = title.lower()[:-1] if title.lower().endswith("s") else title.lower()
    return ServicesConfig(
        id=service_id,
        title=title,
        singular=singular,
        path=_path(entry, where, origin, base),
        sheet=_text(entry, "sheet", where, origin),
        name=_text(entry, "name", where, origin),
        code=_text(entry, "code", where, origin),
        postcode=_text(entry, "postcode", where, origin),
        latitude=_text(entry, "latitude", where, origin),
        longitude=_text(entry, "longitude", where, origin),
        easting=_text(entry, "easting", where, origin),
        northing=_text(entry, "northing", where, origin),
        penalty=penalty,
        provenance=_provenance(entry, where, origin),
    )


def _keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str, origin: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{origin}: {where} has an unknown key {key!r}.{hint} "
                f"Allowed keys: {', '.join(allowed)}."
            )


def _table(
    data: Mapping[str, Any], key: str, where: str, origin: str, required: bool = False
) -> Mapping[str, Any]:
    if key not in data:
        if required:
            example = {
                "place": '[place]\nid = "my-place"\ntitle = "My place"',
                "areas": '[areas]\npath = "wards.geojson"',
            }[key]
            raise ConfigError(f"{origin} has no {where} section; add one, e.g.\n{example}")
        return {}
    return _as_table(data[key], where, origin)


def _as_table(value: Any, where: str, origin: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{origin}: {where} must be a table of key = value settings, not {value!r}."
        )
    return value


def _array(data: Mapping[str, Any], key: str, origin: str) -> list[Any]:
    value = data.get(key, [])
    if isinstance(value, Mapping):
        raise ConfigError(
            f"{origin}: write [[{key}]] (double brackets, one per entry), not [{key}]."
        )
    if not isinstance(value, list):
        raise ConfigError(f"{origin}: {key} must be a list of [[{key}]] tables, not {value!r}.")
    return value


def _text(table: Mapping[str, Any], key: str, where: str, origin: str) -> str | None:
    """The text of ``key``, stripped and checked; None when the key is left out."""
    if key not in table:
        return None
    return _required_text(table, key, where, origin)


def _required_text(table: Mapping[str, Any], key: str, where: str, origin: str) -> str:
    """The text of ``key``, stripped and checked; a missing key is a ConfigError."""
    if key not in table:
        raise ConfigError(f'{origin}: {where} needs {key} = "...".')
    value = table[key]
    if not isinstance(value, str):
        shown = repr(value)[:60]
        raise ConfigError(
            f'{origin}: {where} {key} must be text in quotes, e.g. {key} = "...", not {shown}.'
        )
    if not value.strip():
        raise ConfigError(f"{origin}: {where} {key} is empty; give a value or leave the key out.")
    if len(value) > MAX_TEXT:
        raise ConfigError(
            f"{origin}: {where} {key} is {len(value):,} characters long; keep it under "
            f"{MAX_TEXT:,}."
        )
    for char in value:
        if char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co"):
            raise ConfigError(
                f"{origin}: {where} {key} holds an invisible or control character "
                f"(U+{ord(char):04X}). Type the text again without it."
            )
    return value.strip()


def _identifier(
    table: Mapping[str, Any], where: str, origin: str, reserved: set[str] | frozenset = frozenset()
) -> str:
    value = _required_text(table, "id", where, origin)
    if not IDENTIFIER.match(value):
        raise ConfigError(
            f"{origin}: {where} id {value[:80]!r} cannot be used as a column name or in a web "
            "address. Use lower-case letters, digits and '_', starting with a letter, "
            f'e.g. id = "{_slug(value, "_") or "my_id"}".'
        )
    if value in reserved:
        raise ConfigError(
            f"{origin}: {where} id {value!r} is the name of a column every place already "
            f"has ({', '.join(sorted(reserved)[:8])}). Choose another, e.g. "
            f'id = "{value}_value".'
        )
    return value


def _path(table: Mapping[str, Any], where: str, origin: str, base: Path) -> Path:
    value = _required_text(table, "path", where, origin)
    if len(value) > MAX_PATH or any(len(part) > 255 for part in Path(value).parts):
        raise ConfigError(
            f"{origin}: {where} path {value[:60]!r}... is too long for a file name "
            f'({len(value):,} characters). Give the file a short name, e.g. path = "wards.geojson".'
        )
    path = Path(value)
    return path if path.is_absolute() else base / path


def _provenance(table: Mapping[str, Any], where: str, origin: str) -> Provenance:
    return Provenance(*(_text(table, key, where, origin) or "" for key in PROVENANCE_KEYS))


def _unique(ids: list[str], where: str, origin: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise ConfigError(
                f"{origin}: two {where} entries have id {value!r}; every id must be different."
            )
        seen.add(value)


def _slug(text: str, separator: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", separator, text.lower()).strip(separator)
    if separator == "_" and slug[:1].isdigit():
        slug = f"i_{slug}"
    return slug[:63]
