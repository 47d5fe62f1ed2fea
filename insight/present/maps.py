"""Map builders: classified choropleths as pydeck decks whose geometry travels as a file.

The browser receives area geometry as a static GeoJSON file (written here, served by
Streamlit's static file serving and cached by the browser), not through the websocket;
coordinates are simplified as a coverage (neighbours keep sharing borders) and rounded
to what the zoom level can show. No basemap tiles: the map style is a local, empty style
and the authority outlines are drawn from the data.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from insight.analysis.findings import Finding
from insight.errors import DataError
from insight.explain import fmt_number, fmt_value
from insight.model import Place
from insight.present import charts
from insight.spatial.index import AreaIndex

SCHEMES = {
    "quantiles": "Quantiles (equal numbers of areas)",
    "natural_breaks": "Natural breaks (Fisher-Jenks)",
    "equal_interval": "Equal intervals",
    "benchmark": "Compared with the benchmark (needs intervals)",
}
#: Simplification tolerance (metres) and decimal places of longitude/latitude by view.
# Nationally one pixel is about 2 km, so 800 m simplification and ~100 m rounding are invisible.
DETAIL = {"national": (800.0, 3), "local": (25.0, 5)}
NO_DATA_COLOUR = "#FFFFFF"
OUTLINE_COLOUR = [61, 61, 61]
BLANK_STYLE_URL = "app/static/blank.json"


@dataclass(frozen=True)
class Classification:
    """Classes of an indicator's values for a map.

    Attributes
    ----------
    scheme : str
        One of :data:`SCHEMES`.
    classes : numpy.ndarray
        Class of each value (0-based); -1 for no data.
    labels : list of str
        Legend label of each class.
    colours : list of str
        Hex colour of each class.
    note : str
        Anything the reader should know (e.g. why a scheme fell back to another).
    """

    scheme: str
    classes: np.ndarray
    labels: list[str]
    colours: list[str]
    note: str = ""

    def legend(self) -> list[tuple[str, str, int]]:
        """``(colour, label, number of areas)`` for each class, then "No data" if any."""
        counts = np.bincount(self.classes[self.classes >= 0], minlength=len(self.labels))
        rows = [
            (c, label, int(n))
            for c, label, n in zip(self.colours, self.labels, counts, strict=False)
        ]
        missing = int((self.classes < 0).sum())
        if missing:
            rows.append((NO_DATA_COLOUR, "No data", missing))
        return rows


def classify(
    values: pd.Series | np.ndarray,
    scheme: str = "quantiles",
    k: int = 5,
    *,
    decimals: int = 1,
    ratings: pd.Series | np.ndarray | None = None,
) -> Classification:
    """Put values into ``k`` classes for a choropleth.

    Parameters
    ----------
    values : array-like
        Indicator values (NaN allowed: class -1).
    scheme : str
        One of :data:`SCHEMES`.
    k : int
        Number of classes (2 to 5: the Analysis Function sequential palette has five).
    decimals : int
        Decimal places in legend labels.
    ratings : array-like of str, optional
        Benchmark ratings (``Better``/``Similar``/``Worse`` ...) for ``scheme="benchmark"``.

    Returns
    -------
    Classification

    Raises
    ------
    DataError
        For an unknown scheme (the message lists the allowed ones).

    Examples
    --------
    >>> c = classify([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "equal_interval", k=2)
    >>> c.classes.tolist()
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    >>> c.labels
    ['1.0 to 5.5', '5.5 to 10.0']
    """
    if scheme not in SCHEMES:
        raise DataError(f"Map classification {scheme!r} is not one of: {', '.join(SCHEMES)}.")
    values = np.asarray(values, dtype=float)
    valid = ~np.isnan(values)
    classes = np.full(values.shape, -1)
    if scheme == "benchmark":
        if ratings is None:
            fallback = classify(values, "quantiles", k, decimals=decimals)
            return Classification(
                "quantiles",
                fallback.classes,
                fallback.labels,
                fallback.colours,
                "Areas are not rated against the benchmark on this indicator (it is not "
                "sampled, or is a count with nothing to divide it by): shown in quantiles "
                "instead.",
            )
        ratings = np.asarray(ratings, dtype=object)
        order = [r for r in charts.RATING_ORDER if r in set(ratings[pd.notna(ratings)])]
        for i, rating in enumerate(order):
            classes[ratings == rating] = i
        return Classification(scheme, classes, order, [charts.RATING_COLOURS[r] for r in order])
    distinct = np.unique(values[valid])
    if len(distinct) == 0:
        return Classification(scheme, classes, [], [], "No area has a value.")
    k = int(max(1, min(k, 5, len(distinct))))
    if k == 1:
        classes[valid] = 0
        label = fmt_number(distinct[0], decimals)
        return Classification(scheme, classes, [label], charts.sequential(1))
    data = values[valid]
    if scheme == "quantiles":
        bins = mapclassify.Quantiles(data, k=k).bins
    elif scheme == "natural_breaks":
        sampled = mapclassify.FisherJenksSampled if len(data) > 3000 else mapclassify.FisherJenks
        kwargs = {"pct": min(1.0, 3000 / len(data))} if len(data) > 3000 else {}
        bins = sampled(data, k=k, **kwargs).bins
    else:
        bins = mapclassify.EqualInterval(data, k=k).bins
    bins = np.unique(bins)
    bins[-1] = max(bins[-1], data.max())
    classes[valid] = np.searchsorted(bins, data, side="left")
    lows = np.concatenate([[data.min()], bins[:-1]])
    labels = [
        f"{fmt_number(lo, decimals)} to {fmt_number(hi, decimals)}"
        for lo, hi in zip(lows, bins, strict=False)
    ]
    return Classification(scheme, classes, labels, charts.sequential(len(bins)))


def _hex_to_rgb(colour: str) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)]


def _display_geometry(geometry: gpd.GeoSeries, detail: str) -> np.ndarray:
    tolerance, decimals = DETAIL[detail]
    simple = shapely.coverage_simplify(geometry.to_numpy(), tolerance)
    wgs84 = gpd.GeoSeries(simple, crs=geometry.crs).to_crs(4326).to_numpy()
    return shapely.transform(wgs84, lambda xy: np.round(xy, decimals))


def feature_collection(geometry: np.ndarray, properties: pd.DataFrame) -> bytes:
    """A compact GeoJSON FeatureCollection (no whitespace) of geometries and properties."""
    geometry_json = shapely.to_geojson(geometry)
    records = properties.to_dict(orient="records")
    parts = [
        '{{"type":"Feature","geometry":{},"properties":{}}}'.format(
            g, json.dumps(p, separators=(",", ":"), ensure_ascii=False, default=_json_default)
        )
        for g, p in zip(geometry_json, records, strict=False)
    ]
    return ('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}").encode()


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    raise TypeError(f"cannot write {type(value).__name__} to GeoJSON")


def selection_outline(place: Place, code: str | None) -> dict | None:
    """GeoJSON (WGS84) of area ``code``'s shape, for :func:`with_selected` (None: no such area)."""
    chosen = place.areas[place.areas["code"] == code] if code else place.areas.iloc[:0]
    if chosen.empty:
        return None
    return json.loads(chosen[["geometry"]].to_crs(4326).to_json())


def with_selected(
    area_map: AreaMap, place: Place, code: str | None, outline: dict | None = None
) -> pdk.Deck:
    """The deck of ``area_map`` with area ``code`` outlined in black (unchanged if None).

    Kept apart from :func:`area_map` so that selecting an area costs one small layer,
    not a rebuild of the whole map. ``outline`` is :func:`selection_outline` of the area
    when the caller has it already (it is worked out here otherwise).
    """
    if outline is None:
        outline = selection_outline(place, code)
    if outline is None:
        return area_map.deck
    outline = pdk.Layer(
        "GeoJsonLayer",
        data=outline,
        id="selected",
        stroked=True,
        filled=False,
        get_line_color=[0, 0, 0],
        line_width_min_pixels=3,
    )
    deck = area_map.deck
    return pdk.Deck(
        layers=[*deck.layers, outline],
        initial_view_state=deck.initial_view_state,
        map_provider=deck.map_provider,
        map_style=deck.map_style,
        tooltip=deck._tooltip,
    )


def write_name(content: bytes) -> str:
    """Content-addressed file name for a static file.

    Names by hash let the browser cache each file for good and several sessions share it.
    """
    return hashlib.sha1(content).hexdigest()[:16] + ".geojson"


#: Most bytes of map files kept in the static folder; the least recently written go first.
MAX_STATIC_BYTES = 1024 * 1024 * 1024


def save_files(files: dict[str, bytes], folder: Path, max_bytes: int = MAX_STATIC_BYTES) -> None:
    """Write the static files of an :class:`AreaMap` into ``folder`` (skipping existing ones).

    The folder is a cache shared by every session and server process (names are content
    hashes). When a write takes it over ``max_bytes``, the oldest other files are removed,
    so visitors choosing ever more views cannot fill the disk.

    Raises
    ------
    OSError
        The folder cannot be written (the caller sends the geometry inline instead).
    """
    folder.mkdir(parents=True, exist_ok=True)
    wrote = False
    for name, content in files.items():
        # A compressed twin first, for a proxy that serves it as it is (nginx gzip_static):
        # the national map is ~10 MB, ~1 MB compressed once, not once per visit.
        for suffix in (".gz", ""):
            target = folder / f"{name}{suffix}"
            if target.exists():
                continue
            staging = folder / f".{name}{suffix}.{os.getpid()}.tmp"
            staging.write_bytes(gzip.compress(content, 6, mtime=0) if suffix else content)
            staging.replace(target)
            wrote = True
    if wrote:
        _trim(folder, keep=set(files), max_bytes=max_bytes)


def _trim(folder: Path, keep: set[str], max_bytes: int) -> None:
    entries = []
    for path in folder.glob("*.geojson"):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= max_bytes:
            break
        if path.name in keep:
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            total -= size
        with contextlib.suppress(OSError):
            path.with_name(path.name + ".gz").unlink()


def inline(area_map: AreaMap) -> AreaMap:
    """The same map with its geometry inside the deck instead of in static files.

    For a server whose static folder cannot be written: slower (the geometry travels over
    the websocket on every view), but the map is drawn.
    """
    layers = []
    for layer in area_map.deck.layers:
        data = getattr(layer, "data", None)
        name = data.rsplit("/", 1)[-1] if isinstance(data, str) else None
        if name in area_map.files:
            layer = copy.copy(layer)
            layer.data = json.loads(area_map.files[name])
        layers.append(layer)
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=area_map.deck.initial_view_state,
        map_provider=area_map.deck.map_provider,
        map_style=area_map.deck.map_style,
        tooltip=area_map.deck._tooltip,
    )
    return AreaMap(deck, area_map.classification, area_map.table, {})


def view_for(
    bounds: tuple[float, float, float, float], width_px: int = 800, height_px: int = 560
) -> pdk.ViewState:
    """A view state that fits WGS84 ``bounds`` (minx, miny, maxx, maxy) in the map."""
    minx, miny, maxx, maxy = bounds
    lon_span = max(maxx - minx, 1e-4)
    lat_span = max(maxy - miny, 1e-4) / math.cos(math.radians((miny + maxy) / 2))
    # Half a zoom level of margin: the map is often narrower than assumed.
    zoom = (
        math.log2(min(width_px * 360 / (lon_span * 512), height_px * 360 / (lat_span * 512))) - 0.5
    )
    return pdk.ViewState(
        longitude=(minx + maxx) / 2,
        latitude=(miny + maxy) / 2,
        zoom=max(3.5, min(zoom, 13)),
        min_zoom=4,
        max_zoom=15,
    )


@dataclass(frozen=True)
class AreaMap:
    """A choropleth ready to show.

    Attributes
    ----------
    deck : pydeck.Deck
        The map (area layer id ``"areas"``).
    classification : Classification
        Classes and legend.
    table : pandas.DataFrame
        The mapped values as a table (the map's text alternative).
    files : dict of str to bytes
        Static files the deck refers to, by file name; the caller serves them.
    """

    deck: pdk.Deck
    classification: Classification
    table: pd.DataFrame
    files: dict[str, bytes]


def area_map(
    place: Place,
    indicator_id: str,
    *,
    scheme: str = "quantiles",
    area_rows: np.ndarray | None = None,
    outline_grouping: str | None = None,
    index: AreaIndex | None = None,
    service_types: tuple[str, ...] = (),
    ratings: pd.Series | None = None,
    static_url: str = "app/static/maps",
) -> AreaMap:
    """Build a classified choropleth of one indicator.

    Parameters
    ----------
    place : Place
        The place.
    indicator_id : str
        Indicator to map.
    scheme : str
        Classification, one of :data:`SCHEMES`.
    area_rows : array of int, optional
        Rows of ``place.areas`` to draw (default: all, national detail).
    index : AreaIndex, optional
        The place's spatial index, for the outlines (made here when not given).
    outline_grouping : str, optional
        Grouping whose boundaries are drawn over the areas.
    service_types : tuple of str
        Service types whose points are drawn.
    ratings : pandas.Series, optional
        Benchmark rating per area, for ``scheme="benchmark"``.
    static_url : str
        URL prefix under which the caller serves ``AreaMap.files``.

    Returns
    -------
    AreaMap
    """
    indicator = place.indicator(indicator_id)
    national = area_rows is None
    rows = np.arange(len(place.areas)) if national else np.asarray(area_rows)
    areas = place.areas.iloc[rows]
    values = areas[indicator_id].to_numpy(dtype=float)
    rating_values = None if ratings is None else np.asarray(ratings)[rows]
    classification = classify(values, scheme, decimals=indicator.decimals, ratings=rating_values)
    fills = [_hex_to_rgb(c) for c in classification.colours] + [_hex_to_rgb(NO_DATA_COLOUR)]
    fill = np.array(fills)[classification.classes]
    label = [fmt_value(v, indicator) for v in values]
    class_label = [
        classification.labels[c] if c >= 0 else "No data" for c in classification.classes
    ]
    properties = pd.DataFrame(
        {
            "code": areas["code"].to_numpy(),
            "name": [str(n) for n in areas["name"]],  # Streamlit escapes tooltip values
            "value": label,
            # The band is in the legend; nationally it would add a megabyte for nothing.
            **({} if national else {"band": class_label}),
            "fill": fill.tolist(),
        }
    )
    detail = "national" if national else "local"
    geometry = _display_geometry(areas.geometry, detail)
    files: dict[str, bytes] = {}
    content = feature_collection(geometry, properties)
    area_file = write_name(content)
    files[area_file] = content
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            data=f"{static_url}/{area_file}",
            id="areas",
            pickable=True,
            stroked=not national,
            filled=True,
            get_fill_color="properties.fill",
            get_line_color=[255, 255, 255],
            line_width_min_pixels=0.3,
            auto_highlight=True,
            highlight_color=[255, 221, 0, 200],
        )
    ]
    if outline_grouping:
        outline = group_outlines(
            place, index or AreaIndex(place.areas), outline_grouping, areas, detail
        )
        name = write_name(outline)
        files[name] = outline
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                data=f"{static_url}/{name}",
                id="outlines",
                stroked=True,
                filled=False,
                get_line_color=OUTLINE_COLOUR,
                line_width_min_pixels=1.2,
                pickable=False,
            )
        )
    layers.extend(
        service_layers(place, service_types, areas.total_bounds if not national else None)
    )
    bounds = gpd.GeoSeries(areas.geometry, crs=place.areas.crs).to_crs(4326).total_bounds
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=view_for(tuple(bounds)),
        map_provider="carto",
        map_style=BLANK_STYLE_URL,
        tooltip={
            "html": "<b>{name}</b><br/>{value}" + ("" if national else "<br/>{band}"),
            "style": {"fontSize": "14px"},
        },
    )
    table = pd.DataFrame(
        {
            "Code": areas["code"].to_numpy(),
            "Name": areas["name"].to_numpy(),
            indicator.title: values,
            "Map band": class_label,
        }
    )
    return AreaMap(deck, classification, table, files)


def group_shapes(place: Place, index: AreaIndex, grouping_id: str) -> gpd.GeoDataFrame:
    """One (multi)polygon per group of ``grouping_id`` (see :meth:`AreaIndex.group_shapes`)."""
    grouping = place.grouping(grouping_id)
    return index.group_shapes(grouping.code_column, grouping.name_column)


def group_outlines(
    place: Place, index: AreaIndex, grouping_id: str, areas: gpd.GeoDataFrame, detail: str
) -> bytes:
    """GeoJSON of the group boundaries that cross the drawn areas."""
    grouping = place.grouping(grouping_id)
    codes = set(areas[grouping.code_column].dropna())
    shown = index.group_shapes(grouping.code_column, grouping.name_column, codes)
    geometry = _display_geometry(shown.geometry, detail)
    names = pd.DataFrame({"name": [str(n) for n in shown["name"]]})
    return feature_collection(shapely.boundary(geometry), names)


def service_layers(place: Place, service_types: tuple[str, ...], bounds=None) -> list[pdk.Layer]:
    """Point and label layers for services of the given types.

    Each type gets its own colour *and* a letter label (never colour alone).
    """
    if place.services is None or not service_types:
        return []
    services = place.services
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        pad = 30_000
        services = services.cx[minx - pad : maxx + pad, miny - pad : maxy + pad]
    layers = []
    wgs84 = services.to_crs(4326)
    drawn = np.zeros(len(wgs84), dtype=bool)
    # Later types are the more specialised (a thrombectomy centre also gives clot-busting
    # drugs): draw each service once, as its most specialised type.
    for i, type_id in reversed(list(enumerate(service_types))):
        has_type = wgs84[type_id].astype(bool).to_numpy() & ~drawn
        drawn |= has_type
        chosen = wgs84[has_type]
        if chosen.empty:
            continue
        service_type = place.service_types.get(type_id)
        data = pd.DataFrame(
            {
                "lon": chosen.geometry.x,
                "lat": chosen.geometry.y,
                "name": [str(n) for n in chosen["name"]],
                "value": service_type.singular if service_type else type_id,
                "band": "",
                "letter": type_id.upper()[:3],
            }
        )
        colour = _hex_to_rgb(charts.CATEGORICAL[(i + 1) % len(charts.CATEGORICAL)])
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=data,
                id=f"services-{type_id}",
                get_position=["lon", "lat"],
                get_fill_color=colour,
                get_line_color=[255, 255, 255],
                stroked=True,
                line_width_min_pixels=1.5,
                radius_min_pixels=(3 + 2 * i) if bounds is None else (6 + 3 * i),
                radius_max_pixels=14,
                get_radius=1500,
                pickable=True,
            )
        )
        if bounds is None:
            continue  # national view: letters would hide the map; sizes and the key tell types apart
        layers.append(
            pdk.Layer(
                "TextLayer",
                data=data,
                id=f"labels-{type_id}",
                get_position=["lon", "lat"],
                get_text="letter",
                get_size=12,
                get_color=[0, 0, 0],
                get_pixel_offset=[0, -16 - 3 * i],
                font_weight=700,
                background=True,
                get_background_color=[255, 255, 255, 220],
            )
        )
    return layers


#: Colours of the two sides of a finding (and of the areas around them).
SIDE_COLOURS = {
    "flagged": charts.CATEGORICAL[3],
    "other": charts.CATEGORICAL[0],
    "context": "#D6D6D6",
}


def flag_map(
    place: Place, finding: Finding, index: AreaIndex, static_url: str = "app/static/maps"
) -> AreaMap:
    """A map of one postcode-lottery finding: its areas, those across the border, the groups.

    The areas of the finding are orange, the areas it is compared with (across the border)
    dark blue, the rest of both groups light grey; the legend and tooltips say which is which,
    so colour is not the only cue.

    Parameters
    ----------
    place : Place
        The place.
    finding : Finding
        The finding (:func:`insight.analysis.findings.findings`).
    index : AreaIndex
        The place's spatial index (for the group outlines).
    static_url : str
        Where the browser fetches the map files from.
    """
    grouping_id = finding.grouping
    grouping = place.grouping(grouping_id)
    areas = place.areas
    groups = [finding.group_code]
    if finding.other_code in set(areas[grouping.code_column]):
        groups.append(finding.other_code)
    shown = areas[areas[grouping.code_column].isin(groups)]
    flagged = set(finding.area_codes) or set(
        shown.loc[shown[grouping.code_column] == groups[0], "code"]
    )
    other = set(finding.other_area_codes)
    role = np.where(
        shown["code"].isin(flagged),
        "flagged",
        np.where(shown["code"].isin(other), "other", "context"),
    )
    labels = {
        "flagged": f"Areas of {finding.group_name} in this finding",
        "other": f"Areas just across, in {finding.other_name}",
        "context": "Other areas of these groups",
    }
    properties = pd.DataFrame(
        {
            "code": shown["code"].to_numpy(),
            "name": [str(n) for n in shown["name"]],  # Streamlit escapes tooltip values
            "value": [labels[r] for r in role],
            "band": [str(g) for g in shown[grouping.name_column]],
            "fill": [_hex_to_rgb(SIDE_COLOURS[r]) for r in role],
        }
    )
    content = feature_collection(_display_geometry(shown.geometry, "local"), properties)
    files = {write_name(content): content}
    outline = group_outlines(place, index, grouping_id, shown, "local")
    files[write_name(outline)] = outline
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            data=f"{static_url}/{write_name(content)}",
            id="areas",
            pickable=True,
            stroked=True,
            filled=True,
            get_fill_color="properties.fill",
            get_line_color=[255, 255, 255],
            line_width_min_pixels=0.3,
        ),
        pdk.Layer(
            "GeoJsonLayer",
            data=f"{static_url}/{write_name(outline)}",
            id="outlines",
            stroked=True,
            filled=False,
            get_line_color=[0, 0, 0],
            line_width_min_pixels=2,
        ),
    ]
    bounds = shown.to_crs(4326).total_bounds
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=view_for(tuple(bounds)),
        map_provider="carto",
        map_style=BLANK_STYLE_URL,
        tooltip={"html": "<b>{name}</b><br/>{band}<br/>{value}", "style": {"fontSize": "14px"}},
    )
    present = [r for r in ("flagged", "other", "context") if (role == r).any()]
    classification = Classification(
        "finding",
        np.array([present.index(r) for r in role]),
        [labels[r] for r in present],
        [SIDE_COLOURS[r] for r in present],
    )
    table = pd.DataFrame(
        {
            "Code": shown["code"].to_numpy(),
            "Name": shown["name"].to_numpy(),
            grouping.title: shown[grouping.name_column].to_numpy(),
            "In the map as": [labels[r] for r in role],
        }
    )
    return AreaMap(deck, classification, table, files)
