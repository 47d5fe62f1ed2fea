"""Build a place from a configuration: boundaries, groupings, indicators, services, report.

The result has the same structure as the embedded demo (see :mod:`insight.model`), so
every page, the lottery engine and the exports work on it unchanged. Without a travel
time matrix, access to services is measured in straight-line kilometres.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from insight.data import postcodes as geocode
from insight.data.catalogue import list_places
from insight.data.policy import COMMAND_LINE_LIMITS, THIS_COMPUTER, Limits, check_new_place
from insight.data.sources.boundaries import read_boundaries
from insight.data.sources.budget import check_file
from insight.data.sources.config import GroupingConfig, PlaceConfig, Provenance, read_config
from insight.data.sources.groupings import grouping_columns
from insight.data.sources.indicators import OGL, IndicatorData, read_indicators
from insight.data.sources.report import BuildReport
from insight.data.sources.services import combine_services, read_services
from insight.data.store import build_lock, current_dir, place_dir, read_place, save_place
from insight.errors import DataError, LimitError
from insight.model import BNG, Grouping, Indicator, Layer, Place, ServiceType
from insight.spatial import access

Progress = Callable[[float, str], None]
NOT_STATED = "not stated"


def build_from_toml(
    path: str | Path,
    progress: Progress | None = None,
    save: bool = True,
    limits: Limits = COMMAND_LINE_LIMITS,
) -> tuple[Place, BuildReport]:
    """Build the place a ``place.toml`` describes, and save it.

    Parameters
    ----------
    path : str or pathlib.Path
        The configuration; file paths inside it are relative to its folder.
    progress : callable, optional
        ``progress(fraction, message)`` called as each step starts.
    save : bool, default True
        Write the place to ``data/places/<id>/`` (atomically: a failed build never
        replaces a good place). False only checks and returns it.
    limits : Limits, default COMMAND_LINE_LIMITS
        Sizes, rows and columns a file may have (checked from its headers first).

    Returns
    -------
    place : Place
    report : BuildReport
        Also stored as ``place.quality``.

    Raises
    ------
    insight.errors.ConfigError
        The configuration is missing, not TOML, or breaks the schema.
    insight.errors.DataError
        A file named in it cannot be used (the message names the file, column, value, fix).

    Examples
    --------
    >>> place, report = build_from_toml("tests/insight/sources/data/place.toml")  # doctest: +SKIP
    >>> print(report.as_text())  # doctest: +SKIP
    """
    config = read_config(path)
    sources = Path(path).resolve().parent
    current = current_dir(place_dir(config.id))
    keep_sources = current is not None and sources == current.resolve() / "sources"
    with build_lock(config.id) if save else contextlib.nullcontext():
        return build_place(
            config, progress, save=save, sources=sources if keep_sources else None, limits=limits
        )


def build_place(
    config: PlaceConfig,
    progress: Progress | None = None,
    save: bool = True,
    sources: Path | None = None,
    limits: Limits = COMMAND_LINE_LIMITS,
    upload: dict | None = None,
    require_indicators: bool = True,
) -> tuple[Place, BuildReport]:
    """Build (and by default save) a place from a checked configuration.

    Parameters
    ----------
    config : PlaceConfig
        From :func:`~insight.data.sources.config.read_config` or
        :func:`~insight.data.sources.config.parse_config`.
    progress : callable, optional
        ``progress(fraction, message)``.
    save : bool, default True
        Write the place to ``place_dir(config.id)``.
    sources : pathlib.Path, optional
        A folder of source files saved with the place as ``sources/``.
    limits : Limits, default COMMAND_LINE_LIMITS
        What a file may hold, checked from its headers before it is read; names longer
        than ``limits.name_chars`` are cut (and reported).
    upload : dict, optional
        Who built the place, when, from which files (``Place.upload``); by default the
        command line on this computer.
    require_indicators : bool, default True
        Refuse a place with no indicator holding a value (no page could show it). False
        only to check boundaries and groupings on their own, without saving.

    Returns
    -------
    place : Place
        When saved, the place as read back from disk (what the app opens).
    report : BuildReport

    Raises
    ------
    insight.errors.LimitError
        A file is over ``limits``.
    insight.errors.DataError
        As :func:`build_from_toml`; also a place with no indicator holding a value, or a
        title like that of another place (when saving).

    Examples
    --------
    >>> from insight.data.sources.config import parse_config
    >>> config = parse_config({"place": {"id": "w"}, "areas": {"path": "wards.gpkg"},
    ...                        "groupings": [{"id": "lad", "from": "postcodes"}]}, ".")
    >>> place, report = build_place(config, save=False)  # doctest: +SKIP
    """
    step = progress or (lambda fraction, message: None)
    report = BuildReport(place_id=config.id, title=config.title)
    provenance: list[Layer] = []
    if save:
        check_new_place(config.id, config.title, list_places(), limits)
    _check_budget(config, limits)

    step(0.02, f"Reading boundaries ({config.areas.path.name})")
    keep = tuple(
        dict.fromkeys(
            column
            for g in config.groupings
            if g.source == "areas"
            for column in (g.code, g.name)
            if column
        )
    )
    boundaries = read_boundaries(
        config.areas.path,
        config.areas.code,
        config.areas.name,
        config.areas.layer,
        config.areas.level,
        keep,
        report,
    )
    areas = boundaries.areas
    report.area_level = boundaries.level
    report.areas = int(len(areas))
    provenance.append(
        _layer(
            config.areas.title or f"{boundaries.level.capitalize()} boundaries",
            config.areas.path.name,
            config.areas.provenance,
        )
    )

    groupings: dict[str, Grouping] = {}
    for n, entry in enumerate(config.groupings):
        step(0.15 + 0.2 * n / len(config.groupings), f"Grouping areas: {entry.title}")
        columns = grouping_columns(entry, areas, report)
        grouping = Grouping(entry.id, entry.title, entry.plural, entry.description)
        areas[grouping.code_column] = columns.codes.to_numpy()
        areas[grouping.name_column] = columns.names.to_numpy()
        groupings[grouping.id] = grouping
        provenance.extend(_grouping_layers(entry))
    areas = areas.drop(
        columns=[c for c in keep if c in areas.columns and c not in _grouping_columns(groupings)]
    )

    indicators: dict[str, Indicator] = {}
    series: list[pd.DataFrame] = []
    origins: dict[str, str] = {column: "the areas" for column in areas.columns}
    for n, file_config in enumerate(config.indicators):
        step(
            0.35 + 0.3 * n / max(len(config.indicators), 1),
            f"Reading indicators ({file_config.path.name})",
        )
        found = read_indicators(file_config, areas, report)
        for item in found:
            _check_periods(item.indicator, file_config.path.name, limits)
            _check_columns(item, origins)
            indicators[item.indicator.id] = item.indicator
            areas = _join(areas, item.values)
            if item.series is not None:
                series.append(item.series)
        titles = ", ".join(i.indicator.title for i in found)
        licence = OGL if file_config.format == "fingertips" or _is_fingertips(found) else ""
        provenance.append(
            _layer(
                file_config.title or f"Indicators: {titles}",
                file_config.path.name,
                file_config.provenance,
                licence,
                vintage=", ".join(
                    sorted({i.indicator.period for i in found if i.indicator.period})
                ),
            )
        )

    services = None
    service_types: dict[str, ServiceType] = {}
    if config.services:
        lists = []
        for n, service_config in enumerate(config.services):
            step(0.65 + 0.2 * n / len(config.services), f"Locating {service_config.title.lower()}")
            lists.append((service_config, read_services(service_config, report)))
            service_types[service_config.id] = ServiceType(
                service_config.id, service_config.title, service_config.singular
            )
            provenance.append(
                _layer(service_config.title, service_config.path.name, service_config.provenance)
            )
        step(0.87, "Working out distances to services")
        services = combine_services(lists, areas, list(groupings.values()), report)
        for item in _access_indicators(config, areas, services, groupings):
            _check_columns(item, origins)
            indicators[item.indicator.id] = item.indicator
            areas = _join(areas, item.values)
        provenance.append(
            Layer(
                "Straight-line distances from each area to services",
                "worked out by Place Insight",
                NOT_STATED,
                "",
                "",
            )
        )

    if require_indicators or save:
        _check_usable(indicators, areas, config)
    _shorten_names(areas, ("name", *_grouping_name_columns(groupings)), limits, "areas", report)
    if services is not None:
        _shorten_names(services, ("name",), limits, "services", report)
    place = Place(
        id=config.id,
        title=config.title,
        area_level=boundaries.level,
        areas=gpd.GeoDataFrame(areas, geometry="geometry", crs=BNG),
        indicators=indicators,
        groupings=groupings,
        services=services,
        service_types=service_types,
        costs=None,
        series=pd.concat(series, ignore_index=True) if series else None,
        provenance=provenance,
        quality={},
        default_grouping=config.default_grouping,
        benchmark_name=config.benchmark_name,
        upload=upload if upload is not None else command_line_upload(config),
    )
    place.quality = report.as_dict()
    if save:
        step(0.95, "Saving")
        save_place(place, place_dir(config.id), sources=sources)
        place = read_place(place_dir(config.id))  # exactly what the app will open
    step(1.0, "Done")
    return place, report


def command_line_upload(config: PlaceConfig) -> dict:
    """Provenance of a place built on this computer: who, when, from which files."""
    return {
        "by": THIS_COMPUTER,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "how": "command line",
        "files": [file_record(path) for path in config.files() if path.is_file()],
    }


def file_record(path: Path, content: bytes | None = None) -> dict:
    """Name, size and SHA-256 of a file a place was built from."""
    data = content if content is not None else path.read_bytes()
    return {"name": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _check_budget(config: PlaceConfig, limits: Limits) -> None:
    """Every file against the limits, from its headers, before any is read."""
    roles = [(config.areas.path, "boundary file")]
    roles += [(g.path, "lookup") for g in config.groupings if g.path is not None]
    roles += [(i.path, "indicators file") for i in config.indicators]
    roles += [(s.path, "services file") for s in config.services]
    for path, role in roles:
        check_file(path, limits, role)


def _check_usable(
    indicators: dict[str, Indicator], areas: gpd.GeoDataFrame, config: PlaceConfig
) -> None:
    """Refuse a place on which no page could show anything."""
    usable = [
        i
        for i in indicators
        if i in areas.columns and np.isfinite(pd.to_numeric(areas[i], errors="coerce")).any()
    ]
    if not usable:
        where = (
            "it has no [[indicators]] or [[services]]"
            if not config.indicators and not config.services
            else "no indicator has a value for any of its areas"
        )
        raise DataError(
            f"{config.origin}: place {config.id!r} has no indicator to show: {where}. Add an "
            "[[indicators]] file with a number per area, e.g.\n[[indicators]]\npath = "
            '"values.csv"\nformat = "wide"'
        )


def _grouping_name_columns(groupings: dict[str, Grouping]) -> list[str]:
    return [g.name_column for g in groupings.values()]


def _check_periods(indicator: Indicator, file: str, limits: Limits) -> None:
    """Refuse an indicator with more periods than ``limits.periods`` (any file format)."""
    if len(indicator.periods) > limits.periods:
        raise LimitError(
            f"{file}: indicator {indicator.title[:80]!r} has {len(indicator.periods):,} "
            f"periods, over the limit of {limits.periods:,} for one indicator. Keep only the "
            "periods you need (e.g. the latest ten years) in the file and upload it again, or "
            "build the place on the command line."
        )


def _shorten_names(
    table: pd.DataFrame, columns: Iterable[str], limits: Limits, what: str, report: BuildReport
) -> None:
    """Cut names longer than ``limits.name_chars`` (with an ellipsis), and report it."""
    for column in columns:
        if column not in table.columns:
            continue
        text = table[column].astype(str)
        long = text.str.len() > limits.name_chars
        if long.any():
            table.loc[long, column] = text[long].str.slice(0, limits.name_chars - 1) + "…"
            report.notes.append(
                f"{long.sum():,} {what} names in {column!r} were longer than "
                f"{limits.name_chars} characters and were cut short."
            )


def _grouping_columns(groupings: dict[str, Grouping]) -> set[str]:
    return {c for g in groupings.values() for c in (g.code_column, g.name_column)}


def _grouping_layers(entry: GroupingConfig) -> list[Layer]:
    if entry.source == "postcodes":
        version = geocode.package_version()
        return [
            Layer(
                f"{entry.title}: ONS postcode directory (majority of postcodes per area)",
                f"{geocode.POSTCODE_PACKAGE} {version}",
                OGL,
                version,
                "Source: Office for National Statistics licensed under the Open "
                "Government Licence v.3.0",
            )
        ]
    if entry.path is None:  # from = "areas": columns of the boundary file, no file of its own
        return []
    return [_layer(f"{entry.title} lookup", entry.path.name, entry.provenance)]


def _layer(name: str, file: str, given: Provenance, licence: str = "", vintage: str = "") -> Layer:
    return Layer(
        name=name,
        source=given.source or file,
        licence=given.licence or licence or NOT_STATED,
        vintage=given.vintage or vintage,
        attribution=given.attribution,
    )


def _is_fingertips(found: list[IndicatorData]) -> bool:
    return any(i.indicator.source.startswith("OHID Fingertips") for i in found)


def _check_columns(item: IndicatorData, origins: dict[str, str]) -> None:
    """Refuse an indicator whose columns clash with columns already on the areas."""
    for column in item.values.columns:
        if column in origins:
            raise DataError(
                f"{item.file}: indicator {item.indicator.title!r} would be stored in column "
                f"{column!r}, which {origins[column]} already use. Give it another id with "
                f'columns = {{ "<column or indicator>" = {{ id = "another_id" }} }} in its '
                "[[indicators]] entry."
            )
    for column in item.values.columns:
        origins[column] = item.file


def _join(areas: gpd.GeoDataFrame, values: pd.DataFrame) -> gpd.GeoDataFrame:
    extra = values.reindex(areas["code"].to_numpy())
    extra.index = areas.index
    return pd.concat([areas, extra], axis=1)


def _access_indicators(
    config: PlaceConfig,
    areas: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    groupings: dict[str, Grouping],
) -> list[IndicatorData]:
    """Distance to the nearest service of each type, and boundary penalties (km)."""
    km = access.straight_line_km(gpd.GeoDataFrame(areas, geometry="geometry", crs=BNG), services)
    found = []
    for entry in config.services:
        capable = services[entry.id].to_numpy(dtype=bool)
        nearest = access.nearest_service(km, capable).cost
        indicator = Indicator(
            f"{entry.id}_km",
            f"Distance to the nearest {entry.singular}",
            "km",
            "distance",
            "low_is_good",
            "",
            f"{entry.path.name} (straight line)",
            f"Straight-line distance from the middle of the area to the nearest {entry.singular}.",
        )
        found.append(
            IndicatorData(
                indicator,
                pd.DataFrame({indicator.id: nearest}, index=areas["code"].to_numpy()),
                entry.path.name,
            )
        )
        for group_id in entry.penalty if entry.penalty is not None else (config.default_grouping,):
            grouping = groupings[group_id]
            penalty = access.boundary_penalty(
                km, areas[grouping.code_column], services[grouping.code_column], capable
            )
            indicator = Indicator(
                f"{entry.id}_penalty_{group_id}",
                f"Extra km to a {entry.singular} when limited to your own {grouping.title.lower()}",
                "km",
                "distance",
                "low_is_good",
                "",
                f"{entry.path.name} (straight line)",
                f"Extra straight-line kilometres if only {entry.title.lower()} inside your own "
                f"{grouping.title.lower()} may be used, compared with the nearest anywhere. "
                f"Blank where the {grouping.title.lower()} has none.",
                within=group_id,  # a what-if: its findings are what-ifs, never tested ones
            )
            found.append(
                IndicatorData(
                    indicator,
                    pd.DataFrame({indicator.id: penalty}, index=areas["code"].to_numpy()),
                    entry.path.name,
                )
            )
    return found
