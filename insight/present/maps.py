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
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from insight.analysis.findings import Finding
from insight.errors import DataError
from insight.explain import (
    AROUND_FINDING_LABEL,
    fmt_number,
    fmt_value,
    service_group_line,
    service_hover,
)
from insight.model import Place
from insight.present import charts, wgs84
from insight.spatial import bearings
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
#: Place names: dark letters on a white, slightly see-through background. deck.gl draws its
#: letters from a font on the machine (nothing is fetched); its default font is kept: in
#: Streamlit's deck.gl, naming another font family, or a halo drawn as an outline, gave
#: unreadable specks in headless Chromium.
TOWN_TEXT_COLOUR = [30, 30, 30, 255]
TOWN_TEXT_PIXELS = 13
PIN_TEXT_PIXELS = 15
#: Where the pin's label sits above its point, and the radius of its ring (pixels).
PIN_LABEL_OFFSET = 26
PIN_RADIUS = 11
HALO_COLOUR = [255, 255, 255, 215]
#: The pin: a white disc with a thick black ring and a black dot (not a colour: a shape).
PIN_RING = [0, 0, 0, 255]
PIN_FILL = [255, 255, 255, 255]
#: The areas around a finding: very light grey with thin grey outlines.
AROUND_FILL = [242, 242, 242, 255]  # SIDE_COLOURS["around"]
AROUND_LINE = [190, 190, 190, 255]


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


def _display_geometry(
    geometry: gpd.GeoSeries, detail: str, tolerance: float | None = None
) -> np.ndarray:
    default, decimals = DETAIL[detail]
    tolerance = default if tolerance is None else tolerance
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
    shape = wgs84.to_wgs84(chosen.geometry.to_numpy(), chosen.crs)  # not per page run
    return json.loads(gpd.GeoDataFrame(geometry=shape, index=chosen.index, crs=4326).to_json())


def with_selected(
    area_map: AreaMap,
    place: Place,
    code: str | None,
    outline: dict | None = None,
    pin: Pin | None = None,
) -> pdk.Deck:
    """The deck of ``area_map`` with area ``code`` outlined in black, and a pin if given
    (unchanged if neither).

    Kept apart from :func:`area_map` so that selecting an area, or pinning a postcode,
    costs a few small layers, not a rebuild of the whole map. ``outline`` is
    :func:`selection_outline` of the area when the caller has it already (it is worked
    out here otherwise).
    """
    if outline is None and code:
        outline = selection_outline(place, code)
    extra = []
    if outline is not None:
        extra.append(
            pdk.Layer(
                "GeoJsonLayer",
                data=outline,
                id="selected",
                stroked=True,
                filled=False,
                get_line_color=[0, 0, 0],
                line_width_min_pixels=3,
            )
        )
    deck = area_map.deck
    below = list(deck.layers)
    if pin is not None:
        pinned = pin_layers(place, pin)
        below = _names_clear_of_pin(below, pinned, deck.initial_view_state.zoom)
        extra.extend(pinned)
    if not extra:
        return deck
    return pdk.Deck(
        layers=[*below, *extra],
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
    return AreaMap(deck, area_map.classification, area_map.table, {}, area_map.services)


def served(area_map: AreaMap, folder: Path) -> AreaMap:
    """The map with its files written into ``folder`` (:func:`save_files`), from where the
    app serves them; the map with its geometry inline (:func:`inline`) when the folder
    cannot be written."""
    try:
        save_files(area_map.files, folder)
    except OSError:
        return inline(area_map)
    return area_map


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
    services : pandas.DataFrame
        The services drawn, by name (``Service``, ``Type`` and the group each is in):
        the text alternative of the markers. Empty when none is drawn.
    """

    deck: pdk.Deck
    classification: Classification
    table: pd.DataFrame
    files: dict[str, bytes]
    services: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class Pin:
    """A point to pin on a map, such as the postcode looked up.

    Attributes
    ----------
    easting, northing : float
        Where, in the place's grid (the CRS of ``place.areas``).
    label : str
        The words beside the pin, e.g. ``"Your postcode NN1 1AA"``
        (:func:`insight.explain.pin_label`).
    area_code : str
        The area the point is in (its row of the map's table says so), if known.
    """

    easting: float
    northing: float
    label: str
    area_code: str = ""


def pin_layers(place: Place, pin: Pin) -> list[pdk.Layer]:
    """The pin: a white disc with a thick black ring, a black dot, and its label above.

    A shape and words, not a colour, so it reads on every band of the choropleth.
    """
    # On the process's own thread for reprojections (wgs84): not 30 ms of PROJ per visit.
    point = wgs84.to_wgs84([shapely.Point(pin.easting, pin.northing)], place.areas.crs)
    data = pd.DataFrame(
        {
            "lon": shapely.get_x(point),
            "lat": shapely.get_y(point),
            "name": [pin.label],
            "value": [""],
            "band": [""],
        }
    )
    common = {"data": data, "get_position": ["lon", "lat"]}
    return [
        pdk.Layer(
            "ScatterplotLayer",
            id="pin",
            **common,
            get_fill_color=PIN_FILL,
            get_line_color=PIN_RING,
            stroked=True,
            line_width_min_pixels=4,
            # Fixed pixel sizes through the min/max clamps (radius_units="pixels" blanked
            # the whole map in Streamlit's deck.gl).
            get_radius=10,
            radius_min_pixels=PIN_RADIUS,
            radius_max_pixels=PIN_RADIUS,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="pin-dot",
            **common,
            get_fill_color=PIN_RING,
            get_radius=10,
            radius_min_pixels=4,
            radius_max_pixels=4,
        ),
        pdk.Layer(
            "TextLayer",
            id="pin-label",
            **common,
            get_text="name",
            get_size=PIN_TEXT_PIXELS,
            get_color=[0, 0, 0, 255],
            get_pixel_offset=[0, -PIN_LABEL_OFFSET],
            font_weight=700,
            background=True,
            get_background_color=[255, 255, 255, 240],
            get_border_color=[0, 0, 0, 255],
            get_border_width=1,
            background_padding=[4, 2, 4, 2],
        ),
    ]


def town_layer(towns: pd.DataFrame) -> list[pdk.Layer]:
    """Place names (:func:`insight.spatial.bearings.town_labels`): bold text on white."""
    if towns.empty:
        return []
    data = pd.DataFrame(
        {
            "lon": towns["lon"],
            "lat": towns["lat"],
            "text": [str(n) for n in towns["name"].tolist()],
            # The larger town wins where two labels would overlap once zoomed out.
            "priority": np.clip(towns["areas"].to_numpy(dtype=int), 0, 1000),
            # Names near the east or west edge run inwards, not off a narrow (phone) map.
            "anchor": towns["anchor"].astype(str).tolist(),
        }
    )
    return [
        pdk.Layer(
            "TextLayer",
            data=data,
            id="place-names",
            get_position=["lon", "lat"],
            get_text="text",
            get_size=TOWN_TEXT_PIXELS,
            get_color=TOWN_TEXT_COLOUR,
            get_text_anchor="anchor",
            font_weight=700,
            background=True,
            get_background_color=HALO_COLOUR,
            background_padding=[3, 1, 3, 1],
            pickable=False,
            # Spaced for the first view by the engine; when zoomed out, the browser hides
            # the smaller of two overlapping names (deck.gl's collision filter).
            extensions=[{"@@type": "CollisionFilterExtension"}],
            get_collision_priority="priority",
        )
    ]


def _names_clear_of_pin(
    layers: list[pdk.Layer], pin_layer: list[pdk.Layer], zoom: float
) -> list[pdk.Layer]:
    """The layers with any place name under the pin moved off it at the first zoom: below
    the pin if it sits on the ring, above the pin's label if it sits under that label.

    The name's point moves (by as many metres as those pixels are at the first zoom), not
    its pixel offset: deck.gl's collision filter drops a name drawn with an offset.
    """
    names = next((layer for layer in layers if layer.id == "place-names"), None)
    if names is None or not pin_layer:
        return layers
    point = pin_layer[0].data[0]  # pydeck keeps records
    label = str(point["name"])
    pixels_per_degree = 512 * 2**zoom / 360
    stretch = 1 / math.cos(math.radians(point["lat"]))  # Web Mercator, near the pin
    char = 0.62  # width of a letter of deck.gl's default (monospace) font, per pixel of size
    moved = []
    for row in names.data:
        dx = (row["lon"] - point["lon"]) * pixels_per_degree
        dy = -(row["lat"] - point["lat"]) * pixels_per_degree * stretch  # screen y is down
        half = len(str(row["text"])) * char * TOWN_TEXT_PIXELS / 2 + 4
        on_ring = abs(dx) < half + PIN_RADIUS and abs(dy) < TOWN_TEXT_PIXELS / 2 + PIN_RADIUS
        label_half = len(label) * char * PIN_TEXT_PIXELS / 2 + 6
        on_label = (
            abs(dx) < half + label_half
            and abs(dy + PIN_LABEL_OFFSET) < (TOWN_TEXT_PIXELS + PIN_TEXT_PIXELS) / 2 + 4
        )
        target = dy
        if on_ring:
            target = PIN_RADIUS + TOWN_TEXT_PIXELS
        elif on_label:
            target = -PIN_LABEL_OFFSET - PIN_TEXT_PIXELS - 6
        lat = point["lat"] - target / (pixels_per_degree * stretch)
        moved.append({**row, "lat": lat} if target != dy else row)
    names = copy.copy(names)
    names.data = moved
    return [names if layer.id == "place-names" else layer for layer in layers]


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
    pin: Pin | None = None,
    place_names: bool = True,
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
    pin : Pin, optional
        A point to pin (the postcode looked up); the table's ``Pin`` column names its
        area. (:func:`with_selected` adds a pin to a map already drawn, more cheaply.)
    place_names : bool
        Write the names of the largest towns of the areas drawn
        (:func:`insight.spatial.bearings.town_labels`).

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
            "name": [str(n) for n in areas["name"].tolist()],  # Streamlit escapes tooltip values
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
            place, index or AreaIndex.for_place(place), outline_grouping, areas, detail
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
    service_bounds = areas.total_bounds if not national else None
    layers.extend(service_layers(place, service_types, service_bounds, outline_grouping))
    if place_names:  # over the service markers, which would hide their letters
        layers.extend(town_layer(bearings.town_labels(place, None if national else rows)))
    bounds = gpd.GeoSeries(areas.geometry, crs=place.areas.crs).to_crs(4326).total_bounds
    view = view_for(tuple(bounds))
    if pin is not None:
        pinned = pin_layers(place, pin)
        layers = _names_clear_of_pin(layers, pinned, view.zoom) + pinned
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=view,
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
    if pin is not None:
        table["Pin"] = np.where(table["Code"] == pin.area_code, pin.label, "")
    services = service_table(place, service_types, service_bounds, outline_grouping)
    return AreaMap(deck, classification, table, files, services)


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
    names = pd.DataFrame({"name": [str(n) for n in shown["name"].tolist()]})
    return feature_collection(shapely.boundary(geometry), names)


def _drawn_services(
    place: Place, service_types: tuple[str, ...], bounds=None, only: str | None = None
) -> list[tuple[int, str, gpd.GeoDataFrame]]:
    """``(position, type, services)`` for each type drawn, each service once.

    Later types are the more specialised (a thrombectomy centre also gives clot-busting
    drugs): each service is drawn once, as its most specialised type. With ``bounds``
    (grid metres), only services within 30 km of them; with ``only``, only services of
    that type (still marked as their most specialised type, so a marker looks the same
    on every map).
    """
    if place.services is None or not service_types:
        return []
    services = place.services
    if only is not None:
        if only not in services.columns:
            return []
        services = services[services[only].fillna(False).astype(bool).to_numpy()]
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        pad = 30_000
        services = services.cx[minx - pad : maxx + pad, miny - pad : maxy + pad]
    drawn = np.zeros(len(services), dtype=bool)
    chosen = []
    for i, type_id in reversed(list(enumerate(service_types))):
        if type_id not in services.columns:
            continue
        has_type = services[type_id].fillna(False).astype(bool).to_numpy() & ~drawn
        drawn |= has_type
        if has_type.any():
            chosen.append((i, type_id, services[has_type]))
    return chosen[::-1]


def _singular(place: Place, type_id: str) -> str:
    service_type = place.service_types.get(type_id)
    return service_type.singular if service_type else type_id


def service_table(
    place: Place,
    service_types: tuple[str, ...],
    bounds=None,
    grouping_id: str | None = None,
    only: str | None = None,
) -> pd.DataFrame:
    """The services :func:`service_layers` draws, as a table: the markers' text alternative.

    Columns ``Service``, ``Type``, ``Marker`` (its letter on the map) and, with
    ``grouping_id``, the grouping's title (the group each service is in), sorted by type
    then name.
    """
    rows = []
    grouping = place.groupings.get(grouping_id) if grouping_id else None
    for _, type_id, chosen in _drawn_services(place, service_types, bounds, only):
        table = pd.DataFrame(
            {
                "Service": [str(n) for n in chosen["name"].tolist()],
                "Type": _singular(place, type_id),
                "Marker": service_letter(type_id),
            }
        )
        if grouping is not None:
            table[grouping.title] = _group_names(chosen, grouping)
        rows.append(table.sort_values("Service"))
    if not rows:
        return pd.DataFrame()
    return pd.concat(rows, ignore_index=True)


def _group_names(services: gpd.GeoDataFrame, grouping) -> list[str]:
    if grouping is None or grouping.name_column not in services.columns:
        return [""] * len(services)
    return ["" if pd.isna(n) else str(n) for n in services[grouping.name_column].tolist()]


def service_letter(type_id: str) -> str:
    """The letters beside a service type's markers on a local map ("MT", "IVT")."""
    return type_id.upper()[:3]


def service_colour(position: int) -> str:
    """Colour of the markers of the service type at ``position`` of the place's types."""
    return charts.CATEGORICAL[(position + 1) % len(charts.CATEGORICAL)]


def service_layers(
    place: Place,
    service_types: tuple[str, ...],
    bounds=None,
    grouping_id: str | None = None,
    only: str | None = None,
) -> list[pdk.Layer]:
    """Point and label layers for services of the given types.

    Each type gets its own colour *and* a letter label (never colour alone); pointing at
    a marker shows the service's full name and type (and, with ``grouping_id``, the group
    it is in). ``only`` draws only services of that type (see :func:`service_table`).
    """
    layers = []
    grouping = place.groupings.get(grouping_id) if grouping_id else None
    for i, type_id, chosen in _drawn_services(place, service_types, bounds, only):
        wgs84 = chosen.to_crs(4326)
        groups = _group_names(chosen, grouping)
        data = pd.DataFrame(
            {
                "lon": wgs84.geometry.x,
                "lat": wgs84.geometry.y,
                # Streamlit escapes tooltip values.
                "name": [
                    service_hover(str(n), _singular(place, type_id))
                    for n in chosen["name"].tolist()
                ],
                "value": [service_group_line(grouping.title, g) if g else "" for g in groups],
                "band": "",
                "letter": service_letter(type_id),
            }
        )
        colour = _hex_to_rgb(service_colour(i))
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


#: Most areas drawn one by one around a finding; beyond this (a finding about two large
#: groups) the groups of the place's default grouping are drawn instead (a few hundred
#: kilobytes, not several megabytes).
MAX_AROUND_AREAS = 2000


def _around_file(place: Place, index: AreaIndex, around: gpd.GeoDataFrame, grouping, view) -> bytes:
    """GeoJSON of the areas around a finding (or of their groups, when there are many),
    simplified to a pixel of the first view, named for the tooltip."""
    tolerance = max(DETAIL["local"][0], bearings.metres_per_pixel(view))
    if len(around) > MAX_AROUND_AREAS:
        default = place.groupings.get(place.default_grouping)
        if default is not None:
            codes = set(around[default.code_column].dropna())
            groups = index.group_shapes(default.code_column, default.name_column, codes)
            properties = pd.DataFrame(
                {
                    "name": [str(n) for n in groups["name"].tolist()],
                    "value": AROUND_FINDING_LABEL,
                    "band": default.title,
                }
            )
            geometry = _display_geometry(groups.geometry, "local", tolerance)
            return feature_collection(geometry, properties)
    properties = pd.DataFrame(
        {
            "name": [str(n) for n in around["name"].tolist()],
            "value": AROUND_FINDING_LABEL,
            "band": ["" if pd.isna(g) else str(g) for g in around[grouping.name_column].tolist()],
        }
    )
    geometry = _display_geometry(around.geometry, "local", tolerance)
    return feature_collection(geometry, properties)


#: Colours of the two sides of a finding (and of the areas around them).
SIDE_COLOURS = {
    "flagged": charts.FINDING_ROLE_COLOURS["finding"],
    "other": charts.FINDING_ROLE_COLOURS["other"],
    "context": charts.FINDING_ROLE_COLOURS["context"],
    "around": charts.FINDING_ROLE_COLOURS["around"],
}


def flag_map(
    place: Place, finding: Finding, index: AreaIndex, static_url: str = "app/static/maps"
) -> AreaMap:
    """A map of one postcode-lottery finding: its areas, those across the border, the groups,
    and their surroundings.

    The areas of the finding are orange, the areas it is compared with (across the border)
    dark blue, the rest of both groups grey; the areas around them, within the view, very
    light grey with thin outlines; the largest towns named; and, for a finding about
    journeys to a kind of service, those services marked and named. The legend and
    tooltips say which is which, so colour is not the only cue.

    Parameters
    ----------
    place : Place
        The place.
    finding : Finding
        The finding (:func:`insight.analysis.findings.findings`).
    index : AreaIndex
        The place's spatial index (for the group outlines and the areas around).
    static_url : str
        Where the browser fetches the map files from.

    Returns
    -------
    AreaMap
        Its ``table`` lists the areas of the two groups; ``services`` the services drawn.
    """
    grouping_id = finding.grouping
    grouping = place.grouping(grouping_id)
    areas = place.areas
    groups = [finding.group_code]
    if finding.other_code and finding.other_code in index.rows_by_group(grouping.code_column):
        groups.append(finding.other_code)
    in_groups = areas[grouping.code_column].isin(groups).to_numpy()
    shown_rows = np.flatnonzero(in_groups)
    shown = areas.iloc[shown_rows]
    around_rows, view = bearings.areas_around(index, shown_rows)
    around = areas.iloc[around_rows]
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
        "around": AROUND_FINDING_LABEL,
    }
    properties = pd.DataFrame(
        {
            "code": shown["code"].to_numpy(),
            "name": [str(n) for n in shown["name"].tolist()],  # Streamlit escapes tooltip values
            "value": [labels[r] for r in role],
            "band": [str(g) for g in shown[grouping.name_column].tolist()],
            "fill": [_hex_to_rgb(SIDE_COLOURS[r]) for r in role],
        }
    )
    # Simplified to half a pixel of the first view: two large groups are thousands of areas.
    tolerance = max(DETAIL["local"][0], bearings.metres_per_pixel(view) / 2)
    geometry = _display_geometry(shown.geometry, "local", tolerance)
    content = feature_collection(geometry, properties)
    files = {write_name(content): content}
    outline = group_outlines(place, index, grouping_id, shown, "local")
    files[write_name(outline)] = outline
    layers = []
    if len(around):
        around_content = _around_file(place, index, around, grouping, view)
        files[write_name(around_content)] = around_content
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                data=f"{static_url}/{write_name(around_content)}",
                id="around",
                pickable=True,
                stroked=True,
                filled=True,
                get_fill_color=AROUND_FILL,
                get_line_color=AROUND_LINE,
                line_width_min_pixels=0.5,
            )
        )
    layers += [
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
    shown_bounds = tuple(shapely.total_bounds(shown.geometry.to_numpy()))
    towns = bearings.town_labels(
        place, np.concatenate([shown_rows, around_rows]), bounds=shown_bounds
    )
    indicator = place.indicators.get(finding.indicator)
    service_type = place.service_type_of(indicator) if indicator is not None else None
    all_types = tuple(place.service_types)
    services = pd.DataFrame()
    if service_type is not None:
        layers += service_layers(place, all_types, view, grouping_id, only=service_type)
        services = service_table(place, all_types, view, grouping_id, only=service_type)
    layers += town_layer(towns)  # over the service markers, which would hide their letters
    bounds = shown.to_crs(4326).total_bounds
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=view_for(tuple(bounds)),
        map_provider="carto",
        map_style=BLANK_STYLE_URL,
        tooltip={"html": "<b>{name}</b><br/>{band}<br/>{value}", "style": {"fontSize": "14px"}},
    )
    present = [r for r in ("flagged", "other", "context") if (role == r).any()]
    classes = [present.index(r) for r in role]
    if len(around):
        present.append("around")
        classes += [len(present) - 1] * len(around)
    classification = Classification(
        "finding",
        np.array(classes),
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
    return AreaMap(deck, classification, table, files, services)
