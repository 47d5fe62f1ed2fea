"""Static figures for slides, print and downloads: matplotlib in the Analysis Function style.

Everything here is drawn without a browser, so exports work on any server: charts with
matplotlib in the UK Government Analysis Function style (the ``afcharts`` matplotlib
style and palette), maps with geopandas in British National Grid.

Meaning is never carried by colour alone. On maps every group is named on the map and in
the legend, and the areas of a finding are hatched and outlined; on charts every bar is
named on the axis and carries its value as text.

Figures are built with :class:`matplotlib.figure.Figure` (never ``pyplot``), so they
are safe to build in a web server's threads and need no display.
"""

from __future__ import annotations

import contextlib
import io
import math
import textwrap
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import afcharts
import geopandas as gpd
import matplotlib as mpl
import matplotlib.font_manager as font_manager
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox
from shapely import ops

from insight.analysis.findings import Finding
from insight.analysis.profile import AreaSummary
from insight.errors import DataError
from insight.explain import (
    average_label,
    fmt_interval,
    fmt_number,
    fmt_value,
    lower_first,
    plural,
    unit_label,
)
from insight.model import Indicator, Place
from insight.present import charts, maps
from insight.spatial.index import AreaIndex, dissolve

__all__ = [
    "FIGURE_SIZE",
    "FONT_FAMILY",
    "af_style",
    "area_alt",
    "area_figure",
    "border_map",
    "finding_alt",
    "finding_figure",
    "text_width",
    "to_png",
    "wrap_to_width",
]

#: The afcharts matplotlib style file (Analysis Function chart style).
STYLE_FILE = Path(afcharts.__file__).resolve().parent / "afcharts.mplstyle"
#: Size in inches of a finding figure (map and chart): the picture area of a 16:9 slide.
FIGURE_SIZE: tuple[float, float] = (1776 / 144, 626 / 144)

DARK_BLUE, DARK_PINK, DARK_GREY = (charts.CATEGORICAL[i] for i in (0, 2, 4))
#: Colours of the two sides of a finding (the finding's, the other): the Analysis Function
#: "duo" pair, in the roles of :data:`insight.present.charts.FINDING_ROLE_COLOURS`.
SIDE_COLOURS: tuple[str, str] = (
    charts.FINDING_ROLE_COLOURS["finding"],
    charts.FINDING_ROLE_COLOURS["other"],
)
#: The colour of the one area or group a slide is about when it is not a finding.
FOCUS_COLOUR = DARK_BLUE
#: Grey of everything that is context, not the finding (Analysis Function focus grey).
CONTEXT_GREY = charts.FOCUS[1] if len(charts.FOCUS) > 1 else "#BFBFBF"
CONTEXT_FILL = charts.FINDING_ROLE_COLOURS["around"]
TEXT_COLOUR = "#0B0C0C"
MUTED_TEXT = "#505A5F"

_STYLE_LOCK = threading.RLock()
#: Longest text laid out on a figure or slide (longer text is cut).
MAX_TEXT = 2_000
_PREFERRED_FONTS = ("Arial", "Liberation Sans", "Helvetica", "DejaVu Sans")


def _first_installed_font() -> str:
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in _PREFERRED_FONTS if name in installed), "DejaVu Sans")


#: Sans-serif family used for figures and slides: Arial, or its metric twin Liberation Sans.
FONT_FAMILY = _first_installed_font()

_RC = {
    # Names come from officers' files: "$5 or $10" is text, never mathematics to typeset.
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.titlepad": 10,
    "axes.labelsize": 13,
    "xtick.labelsize": 12.5,
    "ytick.labelsize": 13,
    "legend.fontsize": 12,
    "hatch.linewidth": 1.1,
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


@contextlib.contextmanager
def af_style() -> Iterator[None]:
    """Draw in the Analysis Function style (``afcharts``) with slide-sized type.

    Matplotlib's settings are global, so this also holds a lock: figures built by two
    sessions at once do not mix their settings.

    Examples
    --------
    >>> with af_style():
    ...     figure = Figure(figsize=(4, 3))
    """
    with _STYLE_LOCK, mpl.style.context([str(STYLE_FILE), _RC]):
        yield


def to_png(figure: Figure, dpi: float = 144) -> bytes:
    """Render ``figure`` to PNG bytes (no display needed).

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    dpi : float, default 144
        Dots per inch: 144 renders a 13.33 x 7.5 inch slide at 1920 x 1080.

    Returns
    -------
    bytes

    Examples
    --------
    >>> to_png(Figure(figsize=(1, 1)), dpi=10)[:4]
    b'\\x89PNG'
    """
    buffer = io.BytesIO()
    # Font families are resolved when drawing, so the style must hold while rendering too.
    with af_style():
        figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


# --------------------------------------------------------------------------------------
# Data behind the figures
# --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _rows(place: Place, codes: Sequence[str]) -> np.ndarray:
    """Positional rows of ``codes`` in ``place.areas`` (unknown codes are skipped)."""
    if not len(codes):
        return np.array([], dtype=int)
    positions = pd.Index(place.areas["code"].astype(str)).get_indexer(list(codes))
    return positions[positions >= 0]


def _group_name(place: Place, grouping_id: str, code: str) -> str:
    names = place.group_names(grouping_id)
    return str(names.get(code, code))


def _pale(colour: str, amount: float) -> str:
    """``colour`` mixed with white: ``amount`` of the colour, the rest white."""
    rgb = np.array(to_rgb(colour))
    return to_hex(1 - amount * (1 - rgb))


def text_width(text: str, fontsize: float, *, bold: bool = False) -> float:
    """Width in inches of one line of ``text`` in the figure font at ``fontsize`` points.

    Examples
    --------
    >>> 0.5 < text_width("Place Insight", 14) < 2.0
    True
    """
    renderer = RendererAgg(10, 10, 72)
    prop = font_manager.FontProperties(
        family=[FONT_FAMILY, "DejaVu Sans"], size=fontsize, weight="bold" if bold else "normal"
    )
    width, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return width / 72


def wrap_to_width(text: str, width: float, fontsize: float, *, bold: bool = False) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` inches at ``fontsize`` points.

    Parameters
    ----------
    text : str
        The text; existing line breaks are kept.
    width : float
        Line width in inches.
    fontsize : float
        Size in points.
    bold : bool, default False
        Whether the text is bold.

    Returns
    -------
    list of str
        The lines. A single word wider than ``width`` gets a line of its own.

    Examples
    --------
    >>> wrap_to_width("one two three four", 0.9, 14)
    ['one two', 'three four']
    """
    lines: list[str] = []
    text = text[:MAX_TEXT]  # a name of megabytes must not take minutes to lay out
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}" if current else word
            if current and text_width(trial, fontsize, bold=bold) > width:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return lines


def _wrap(text: str, width: int) -> str:
    text = text[:MAX_TEXT]
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


@dataclass(frozen=True)
class _Side:
    """One group drawn on a map: its shading, the areas of the finding and the labels."""

    code: str
    name: str
    colour: str
    area_codes: tuple[str, ...]
    hatch: str
    areas_label: str
    legend: str = ""


@dataclass(frozen=True)
class _Bar:
    label: str
    value: float
    colour: str
    lower: float = math.nan
    upper: float = math.nan
    bold: bool = False


# --------------------------------------------------------------------------------------
# Maps
# --------------------------------------------------------------------------------------


def border_map(
    place: Place,
    index: AreaIndex,
    grouping_id: str,
    group_code: str,
    other_code: str | None = None,
    area_codes: Sequence[str] = (),
    other_area_codes: Sequence[str] = (),
    *,
    indicator_id: str | None = None,
    areas_label: str = "Areas of the finding",
    other_areas_label: str | None = None,
    other_legend: str = "",
    ax: Axes | None = None,
    size: tuple[float, float] = (6.0, 4.35),
) -> Figure:
    """A static map of one group (or two that share a border) and the areas of a finding.

    The group is shaded orange and the other group dark blue (the Analysis Function duo
    colours), both named on the map; the areas of the finding are hatched and outlined;
    the groups around them are light grey with their names in grey; a scale bar gives
    the distance. Where the indicator measures access to a kind of service (``mt_minutes``
    and thrombectomy centres) those services are drawn and named.

    Parameters
    ----------
    place : Place
        The place.
    index : AreaIndex
        The place's spatial index (for the group outlines).
    grouping_id : str
        The grouping whose groups are drawn.
    group_code : str
        The main group.
    other_code : str, optional
        The group across the border, if any.
    area_codes, other_area_codes : sequence of str
        Areas of the finding in each group; hatched and outlined.
    indicator_id : str, optional
        The indicator of the finding (chooses the services drawn).
    areas_label, other_areas_label : str
        Legend entries of the hatched areas.
    other_legend : str
        Legend entry of the other group when none of its areas is hatched (default its
        name).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; by default a new figure of ``size`` inches.
    size : tuple of float
        Width and height in inches of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Raises
    ------
    DataError
        If the grouping or a group code is unknown.

    Examples
    --------
    >>> figure = border_map(place, AreaIndex.for_place(place), "lad", "E06000062", "E07000131")  # doctest: +SKIP
    """
    with af_style():
        if ax is None:
            figure = _new_figure(size)
            ax = _map_axes(figure, (0.0, 1.0))
        sides = [
            _Side(
                group_code,
                _group_name(place, grouping_id, group_code),
                SIDE_COLOURS[0],
                tuple(area_codes),
                "////",
                areas_label,
            )
        ]
        if other_code is not None and other_code != "":
            sides.append(
                _Side(
                    other_code,
                    _group_name(place, grouping_id, other_code),
                    SIDE_COLOURS[1],
                    tuple(other_area_codes),
                    "\\\\\\\\",
                    other_areas_label or areas_label,
                    other_legend,
                )
            )
        _draw_map(ax, place, index, grouping_id, sides, indicator_id)
        return ax.figure


def _draw_map(
    ax: Axes,
    place: Place,
    index: AreaIndex,
    grouping_id: str,
    sides: list[_Side],
    indicator_id: str | None,
    *,
    callout: str | None = None,
    zoom: bool = True,
) -> None:
    """Draw groups and hatched areas on ``ax``; ``zoom`` frames the hatched areas, not the groups."""
    shapes = maps.group_shapes(place, index, grouping_id)
    by_code = shapes.set_index("code")
    for side in sides:
        if side.code not in by_code.index:
            grouping = place.grouping(grouping_id)
            raise DataError(
                f"There is no {grouping.title.lower()} with code {side.code!r} in place "
                f"{place.id!r}; use one of the codes in the {grouping.code_column} column."
            )
    main = shapely.union_all([by_code.loc[s.code, "geometry"] for s in sides])
    area_rows = [_rows(place, side.area_codes) for side in sides]
    found_all = [
        dissolve(place.areas.geometry.iloc[rows]) if len(rows) else None for rows in area_rows
    ]
    bounds = main.bounds
    if zoom and any(f is not None for f in found_all):
        focus = shapely.union_all([f for f in found_all if f is not None])
        bounds = _padded(focus.bounds, 0.45, 12_000.0)
    x0, x1, y0, y1 = _extent(ax, bounds)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    view = shapely.box(x0, y0, x1, y1)
    tolerance = (x1 - x0) / 1500
    context = shapes[shapes.intersects(view) & ~shapes["code"].isin([s.code for s in sides])]

    def clip(geometry):
        return shapely.simplify(
            shapely.intersection(geometry, view.buffer(tolerance * 20)), tolerance
        )

    def draw(geometry, **style) -> None:
        gpd.GeoSeries([geometry], crs=shapes.crs).plot(ax=ax, **style)

    if not context.empty:
        gpd.GeoSeries([clip(g) for g in context.geometry], crs=shapes.crs).plot(
            ax=ax, facecolor=CONTEXT_FILL, edgecolor=CONTEXT_GREY, linewidth=0.8, zorder=1
        )
    for side in sides:
        draw(
            clip(by_code.loc[side.code, "geometry"]),
            facecolor=_pale(side.colour, 0.22),
            edgecolor=side.colour,
            linewidth=1.6,
            zorder=2,
        )
    handles: list[Any] = []
    labels: list[str] = []
    found_shapes = []
    for side, rows, whole in zip(sides, area_rows, found_all, strict=True):
        group_patch = Patch(facecolor=_pale(side.colour, 0.22), edgecolor=side.colour)
        if whole is None:
            handles.append(group_patch)
            labels.append(side.legend or side.name)
            continue
        found = shapely.simplify(whole, tolerance / 3)
        found_shapes.append(found)
        draw(
            found,
            facecolor="white",
            edgecolor=side.colour,
            hatch=side.hatch,
            linewidth=2.0,
            zorder=3,
        )
        hatched = Patch(facecolor="white", edgecolor=side.colour, hatch=side.hatch)
        handles.append((group_patch, hatched))
        labels.append(f"{side.name}, with {_areas_phrase(side.areas_label, len(rows))} hatched")
        if callout is not None and len(rows) == 1:
            labels[-1] = f"{side.name}, with {callout} hatched"
    if len(sides) == 2:
        shared = shapely.intersection(
            by_code.loc[sides[0].code, "geometry"].boundary,
            by_code.loc[sides[1].code, "geometry"].buffer(max(tolerance * 3, 60)),
        )
        if not shared.is_empty:
            draw(shapely.simplify(shared, tolerance), color=TEXT_COLOUR, linewidth=2.8, zorder=4)
            handles.append(Line2D([], [], color=TEXT_COLOUR, linewidth=2.8))
            labels.append("The border")
    placer = _LabelPlacer(ax)
    _scale_bar(ax, (x0, x1, y0, y1), placer)
    if callout is not None and found_shapes:
        _callout(callout, found_shapes[0].representative_point(), (x0, x1, y0, y1), placer)
    services = _services_in_view(place, indicator_id, view)
    if services is not None:
        for x, y in zip(services.geometry.x, services.geometry.y, strict=False):
            placer.block(x, y)
    avoid = shapely.union_all(found_shapes).buffer(2 * tolerance) if found_shapes else None
    for side in sides:
        _label_group(
            placer, side.name, by_code.loc[side.code, "geometry"], view, tolerance, avoid=avoid
        )
    service = _draw_services(ax, place, services, main, placer)
    if service is not None:
        handles.append(service[0])
        labels.append(service[1])
    context_order = context.assign(
        visible=[shapely.intersection(g, view).area for g in context.geometry]
    ).sort_values("visible", ascending=False)
    for name, geometry in zip(context_order["name"], context_order["geometry"], strict=False):
        _label_group(placer, str(name), geometry, view, tolerance, muted=True, avoid=main)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.legend(
        handles=handles,
        labels=labels,
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0.4)},
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        ncols=1,
        frameon=False,
        fontsize=11.5,
        handlelength=2.6,
        handleheight=1.1,
        borderaxespad=0.15,
        labelspacing=0.35,
    )


#: Horizontal spans (figure fractions) of the map and the chart in a finding figure.
MAP_SPAN: tuple[float, float] = (0.0, 0.49)
CHART_SPAN: tuple[float, float] = (0.52, 1.0)
#: Most services named on one map.
MAX_NAMED = 4
#: Height in inches kept under a map for its legend (four lines).
LEGEND_HEIGHT = 1.05


def _new_figure(size: tuple[float, float]) -> Figure:
    """A figure with its own Agg canvas (measurable and renderable without pyplot)."""
    figure = Figure(figsize=size)
    FigureCanvasAgg(figure)
    return figure


def _map_axes(figure: Figure, span: tuple[float, float]) -> Axes:
    """Axes for a map across ``span`` of the figure, with room for the legend below."""
    height = figure.get_size_inches()[1]
    bottom = min(LEGEND_HEIGHT / height, 0.4)
    return figure.add_axes((span[0], bottom, span[1] - span[0], 1 - bottom))


def _fit_axes(ax: Axes, span: tuple[float, float], margin: float = 0.06) -> None:
    """Move ``ax`` so that it and its labels fill ``span`` of the figure, title on top.

    Matplotlib's layout engines cannot mix with the fixed-aspect map, so the chart is
    fitted by measuring its labels and moving it (a few times: the labels move with it).
    The title is then aligned with the left edge of the labels, as the Analysis Function
    style asks.
    """
    figure = ax.figure
    width, height = figure.get_size_inches()
    pad_x, pad_y = margin / width, margin / height
    renderer = figure.canvas.get_renderer()
    title = ax.title
    title_height = 0.0
    if title.get_text():
        extent = title.get_window_extent(renderer).transformed(figure.transFigure.inverted())
        title_height = extent.height + mpl.rcParams["axes.titlepad"] / 72 / height
        title.set_visible(False)
    for _ in range(3):
        tight = ax.get_tightbbox(renderer).transformed(figure.transFigure.inverted())
        box = ax.get_position()
        left = box.x0 + (span[0] + pad_x - tight.x0)
        right = box.x1 + (span[1] - pad_x - tight.x1)
        bottom = box.y0 + (pad_y - tight.y0)
        top = box.y1 + (1 - pad_y - title_height - tight.y1)
        if right - left < 0.1 or top - bottom < 0.1:
            break
        ax.set_position((left, bottom, right - left, top - bottom))
    if title.get_text():
        box = ax.get_position()
        title.set_x((span[0] + pad_x - box.x0) / box.width)
        title.set_horizontalalignment("left")
        title.set_visible(True)


def _padded(
    bounds: tuple[float, float, float, float], fraction: float, minimum: float
) -> tuple[float, float, float, float]:
    """``bounds`` grown by ``fraction`` of their size on every side, at least ``minimum`` wide."""
    minx, miny, maxx, maxy = bounds
    width = max(maxx - minx, minimum)
    height = max(maxy - miny, minimum)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = width * (0.5 + fraction), height * (0.5 + fraction)
    return cx - half_w, cy - half_h, cx + half_w, cy + half_h


def _extent(
    ax: Axes, bounds: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Limits around ``bounds`` (with a margin) with the aspect ratio of the axes box."""
    minx, miny, maxx, maxy = bounds
    width, height = max(maxx - minx, 2_000.0), max(maxy - miny, 2_000.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    box = ax.get_position()
    figure_width, figure_height = ax.figure.get_size_inches()
    aspect = (box.width * figure_width) / max(box.height * figure_height, 1e-6)
    width, height = width * 1.08, height * 1.08
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    return cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2


def _callout(
    text: str,
    point: Any,
    box: tuple[float, float, float, float],
    placer: _LabelPlacer,
) -> None:
    """Name one small area in a box with a leader line, towards the emptier side."""
    x0, x1, y0, y1 = box
    dx = -1 if point.x > (x0 + x1) / 2 else 1
    dy = -1 if point.y > (y0 + y1) / 2 else 1
    offsets = [
        (dx * 60, dy * 50, "center", "center"),
        (dx * 90, 0, "center", "center"),
        (0, dy * 60, "center", "center"),
        (-dx * 60, dy * 50, "center", "center"),
    ]
    placer.place(
        point.x,
        point.y,
        _wrap(text, 24),
        offsets,
        required=True,
        fontsize=12.5,
        fontweight="bold",
        color=TEXT_COLOUR,
        arrowprops={"arrowstyle": "-", "color": TEXT_COLOUR, "linewidth": 1.5},
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": TEXT_COLOUR},
        zorder=7,
    )


def _areas_phrase(label: str, count: int) -> str:
    """ "the 9 areas along the border" from "Areas along the border" and 9."""
    rest = label.split(" ", 1)[1] if label.lower().startswith("areas ") else label.lower()
    return f"the {plural(count, 'area')} {rest}" if rest != label.lower() else f"{rest} ({count:,})"


class _LabelPlacer:
    """Place labels on a map without overlapping each other or leaving the frame.

    Each label tries a few positions around its anchor and is dropped (or, when
    ``required``, kept at its first position) if none is free.
    """

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        self.renderer = ax.figure.canvas.get_renderer()
        self.frame = ax.get_window_extent(self.renderer)
        self.boxes: list[Any] = []

    def block(self, x: float, y: float, points: float = 8.0) -> None:
        """Keep labels off a point (a service marker), ``points`` around it."""
        cx, cy = self.ax.transData.transform((x, y))
        pixels = points * self.ax.figure.dpi / 72
        self.boxes.append(Bbox.from_extents(cx - pixels, cy - pixels, cx + pixels, cy + pixels))

    def block_artist(self, artist: Any) -> None:
        self.boxes.append(artist.get_window_extent(self.renderer))

    def place(
        self,
        x: float,
        y: float,
        text: str,
        offsets: Sequence[tuple[float, float, str, str]],
        *,
        required: bool = False,
        avoid: Any = None,
        **style: Any,
    ) -> bool:
        first = None
        to_data = self.ax.transData.inverted()
        for dx, dy, ha, va in offsets:
            label = self.ax.annotate(
                text,
                xy=(x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                annotation_clip=False,
                **style,
            )
            box = label.get_window_extent(self.renderer)
            inside = (
                box.x0 >= self.frame.x0
                and box.x1 <= self.frame.x1
                and box.y0 >= self.frame.y0
                and box.y1 <= self.frame.y1
            )
            clear = inside and not any(box.overlaps(other) for other in self.boxes)
            if clear and avoid is not None:
                (bx0, by0), (bx1, by1) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
                clear = not shapely.box(bx0, by0, bx1, by1).intersects(avoid)
            if clear:
                self.boxes.append(box)
                if first is not None:
                    first.remove()
                return True
            if required and first is None and inside:
                first = label
            else:
                label.remove()
        if first is not None:
            self.boxes.append(first.get_window_extent(self.renderer))
            return True
        return False


_AROUND = [(0, 0, "center", "center")] + [
    (round(r * math.cos(a)), round(r * math.sin(a)), "center", "center")
    for r in (18, 36, 60)
    for a in np.linspace(0, 2 * math.pi, 8, endpoint=False)
]
_NEXT_TO_POINT = [
    (0, 9, "center", "bottom"),
    (0, -11, "center", "top"),
    (10, 0, "left", "center"),
    (-10, 0, "right", "center"),
    (10, 8, "left", "bottom"),
    (-10, 8, "right", "bottom"),
    (10, -8, "left", "top"),
    (-10, -8, "right", "top"),
]


def _label_group(
    placer: _LabelPlacer,
    name: str,
    geometry: Any,
    view: Any,
    tolerance: float,
    *,
    muted: bool = False,
    avoid: Any = None,
) -> None:
    """Name a group at the middle of its biggest visible part (a halo keeps it legible).

    ``avoid`` (the hatched areas) is cut out first, so the name does not cover them.
    """
    visible = shapely.intersection(geometry, view)
    if avoid is not None and not muted:
        trimmed = shapely.difference(visible, avoid)
        if not trimmed.is_empty and trimmed.area > 0.3 * visible.area:
            visible = trimmed
    if visible.is_empty or (muted and visible.area < 0.03 * view.area):
        return
    parts = [p for p in getattr(visible, "geoms", [visible]) if p.geom_type == "Polygon"]
    if not parts:
        return
    largest = max(parts, key=lambda p: p.area)
    try:
        point = ops.polylabel(largest, tolerance=tolerance * 5)
    except Exception:  # noqa: BLE001 - polylabel fails on degenerate rings
        point = largest.representative_point()
    placer.place(
        point.x,
        point.y,
        _wrap(name, 16 if muted else 18),
        _AROUND,
        required=not muted,
        avoid=avoid,
        fontsize=10.5 if muted else 14.5,
        fontweight="normal" if muted else "bold",
        fontstyle="italic" if muted else "normal",
        color=MUTED_TEXT if muted else TEXT_COLOUR,
        path_effects=[patheffects.withStroke(linewidth=3 if muted else 4.5, foreground="white")],
        zorder=5 if muted else 6,
        linespacing=1.05,
    )


def _services_in_view(place: Place, indicator_id: str | None, view: Any) -> gpd.GeoDataFrame | None:
    """The services an indicator measures access to that fall inside the map, if any."""
    if indicator_id is None:
        return None
    type_id = place.service_type_of(place.indicator(indicator_id))
    if type_id is None:
        return None
    x0, y0, x1, y1 = view.bounds
    services = place.services[place.services[type_id].astype(bool)].cx[x0:x1, y0:y1]
    if services.empty:
        return None
    return services.assign(_type=type_id)


def _draw_services(
    ax: Axes, place: Place, services: gpd.GeoDataFrame | None, main: Any, placer: _LabelPlacer
) -> tuple[Any, str] | None:
    """Services as triangles, named where there is room (the nearest the finding first)."""
    if services is None:
        return None
    type_id = str(services["_type"].iloc[0])
    ax.scatter(
        services.geometry.x,
        services.geometry.y,
        marker="^",
        s=170,
        color=DARK_PINK,
        edgecolor="white",
        linewidth=1.5,
        zorder=8,
    )
    # Name only the services in (or right by) the groups of the finding, nearest first:
    # the others are context, and their names would bury the map.
    distance = services.distance(main).to_numpy()
    named = [i for i in np.argsort(distance, kind="stable") if distance[i] <= 2_000][:MAX_NAMED]
    for position in named:
        row = services.iloc[int(position)]
        placer.place(
            row.geometry.x,
            row.geometry.y,
            _short_service_name(str(row["name"])),
            _NEXT_TO_POINT,
            fontsize=10.5,
            fontweight="bold",
            color=DARK_PINK,
            path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
            zorder=8,
            linespacing=1.0,
        )
    marker = Line2D(
        [],
        [],
        marker="^",
        linestyle="none",
        markersize=11,
        markerfacecolor=DARK_PINK,
        markeredgecolor="white",
    )
    return marker, place.service_types[type_id].title


def _short_service_name(name: str) -> str:
    """A hospital name short enough for a map label, wrapped on two lines at most."""
    for suffix in (" NHS Foundation Trust", " NHS Trust", " Foundation Trust"):
        name = name.replace(suffix, "")
    lines = textwrap.wrap(name, width=20, break_long_words=False)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])[:20].rstrip() + "…"]
    return "\n".join(lines)


def _scale_bar(
    ax: Axes, box: tuple[float, float, float, float], placer: _LabelPlacer | None = None
) -> None:
    x0, x1, y0, y1 = box
    target = (x1 - x0) / 5
    steps = [0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500]
    km = max((s for s in steps if s * 1000 <= target), default=steps[0])
    left = x0 + 0.03 * (x1 - x0)
    bottom = y0 + 0.04 * (y1 - y0)
    ax.plot(
        [left, left + km * 1000],
        [bottom, bottom],
        color=TEXT_COLOUR,
        linewidth=3,
        solid_capstyle="butt",
        zorder=9,
        path_effects=[patheffects.withStroke(linewidth=5, foreground="white")],
    )
    text = ax.text(
        left + km * 500,
        bottom + 0.015 * (y1 - y0),
        f"{fmt_number(km, 0 if km >= 1 else 1)} km",
        ha="center",
        va="bottom",
        fontsize=11,
        color=TEXT_COLOUR,
        path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
        zorder=9,
    )
    if placer is not None:
        placer.block_artist(text)
        placer.block(left + km * 500, bottom, points=4)


# --------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chart:
    """What a finding's chart shows, worked out once for the drawing and its alt text."""

    title: str
    bars: tuple[_Bar, ...]
    alt: str
    unit: str
    decimals: int
    reference: tuple[str, float] | None = None
    note: str = ""
    ranked: pd.DataFrame | None = None


def _bar_text(value: float, decimals: int, unit: str) -> str:
    text = fmt_number(value, decimals)
    return f"{text}%" if unit == "%" else text


def _draw_bars(ax: Axes, chart: _Chart) -> None:
    """Horizontal bars, named on the axis, each with its value written at its end."""
    bars = list(chart.bars)
    positions = np.arange(len(bars))[::-1]
    values = np.array([b.value for b in bars], dtype=float)
    shown = np.nan_to_num(values, nan=0.0)
    ax.barh(positions, shown, color=[b.colour for b in bars], height=0.62, zorder=2)
    highs = [b.upper if math.isfinite(b.upper) else b.value for b in bars]
    top = np.nanmax([*highs, 0.0]) if bars else 1.0
    low = min(np.nanmin([*(b.lower for b in bars if math.isfinite(b.lower)), 0.0]), 0.0)
    span = (top - low) or 1.0
    for position, bar in zip(positions, bars, strict=False):
        if (
            math.isfinite(bar.lower)
            and math.isfinite(bar.upper)
            and bar.lower <= bar.value <= bar.upper
        ):
            ax.errorbar(
                bar.value,
                position,
                xerr=[[bar.value - bar.lower], [bar.upper - bar.value]],
                fmt="none",
                ecolor=TEXT_COLOUR,
                elinewidth=2,
                capsize=7,
                capthick=2,
                zorder=3,
            )
        end = bar.upper if math.isfinite(bar.upper) else bar.value
        text = _bar_text(bar.value, chart.decimals, chart.unit)
        if not math.isfinite(bar.value):
            text = "no data"
            end = 0.0
        if math.isfinite(bar.lower) and math.isfinite(bar.upper):
            text += (
                f"  ({_bar_text(bar.lower, chart.decimals, chart.unit)} to "
                f"{_bar_text(bar.upper, chart.decimals, chart.unit)})"
            )
        ax.text(
            max(end, 0.0) + 0.025 * span,
            position,
            text,
            va="center",
            ha="left",
            fontsize=14,
            fontweight="bold",
            color=TEXT_COLOUR,
            zorder=4,
        )
    ax.set_yticks(positions)
    ax.set_yticklabels([b.label if "\n" in b.label else _wrap(b.label, 26) for b in bars])
    for tick, bar in zip(ax.get_yticklabels(), bars, strict=False):
        if bar.bold:
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(low - (0.02 * span if low < 0 else 0), top + 0.42 * span)
    ax.grid(axis="x", zorder=0)
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color=DARK_GREY, linewidth=1, zorder=2)
    ax.set_xlabel(_wrap(chart.unit if chart.unit != "%" else "per cent", 40))
    if chart.reference is not None:
        name, value = chart.reference
        ax.axvline(value, color=DARK_GREY, linestyle=(0, (4, 3)), linewidth=1.6, zorder=3)
        ax.text(
            value,
            positions.max() + 0.55,
            f"{_wrap(name, 24)}: {_bar_text(value, chart.decimals, chart.unit)}",
            ha="left",
            va="bottom",
            fontsize=11,
            color=DARK_GREY,
            path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
        )
    ax.set_ylim(-0.6, len(bars) - 0.4 + (0.5 if chart.reference is not None else 0))


def _draw_ranked(ax: Axes, chart: _Chart) -> None:
    """Every group's value in rank order as grey dots; the groups of the finding named."""
    ranked = chart.ranked
    assert ranked is not None
    x = np.arange(1, len(ranked) + 1)
    colours = ranked["colour"].fillna(CONTEXT_GREY).to_numpy()
    highlighted = ranked["colour"].notna().to_numpy()
    ax.scatter(x[~highlighted], ranked["value"][~highlighted], s=28, color=CONTEXT_GREY, zorder=2)
    ax.scatter(
        x[highlighted],
        ranked["value"][highlighted],
        s=140,
        color=colours[highlighted],
        edgecolor=TEXT_COLOUR,
        linewidth=1.2,
        zorder=4,
    )
    span = float(np.nanmax(ranked["value"]) - np.nanmin(ranked["value"])) or 1.0
    for position, row in zip(x[highlighted], ranked[highlighted].itertuples(), strict=False):
        ax.annotate(
            f"{_wrap(str(row.name), 22)}\n{_bar_text(row.value, chart.decimals, chart.unit)}",
            xy=(position, row.value),
            xytext=(
                -40 if position > len(x) / 2 else 40,
                30 if row.value < ranked["value"].median() else -30,
            ),
            textcoords="offset points",
            ha="right" if position > len(x) / 2 else "left",
            va="center",
            fontsize=12.5,
            fontweight="bold",
            color=TEXT_COLOUR,
            arrowprops={"arrowstyle": "-", "color": TEXT_COLOUR, "linewidth": 1.2},
            zorder=5,
        )
    if chart.reference is not None:
        name, value = chart.reference
        ax.axhline(value, color=DARK_GREY, linestyle=(0, (4, 3)), linewidth=1.6, zorder=1)
        ax.text(
            1,
            value + 0.02 * span,
            f"{name}: {_bar_text(value, chart.decimals, chart.unit)}",
            fontsize=11,
            color=DARK_GREY,
            va="bottom",
            zorder=5,
            path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
        )
    ax.set_xlabel(f"Rank, lowest to highest ({len(x)} in all)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(_wrap(chart.unit, 30))
    ax.set_xlim(0, len(x) + 1)
    ax.margins(y=0.1)


def _draw_chart(ax: Axes, chart: _Chart) -> None:
    if chart.ranked is not None:
        _draw_ranked(ax, chart)
    else:
        _draw_bars(ax, chart)
    span = (CHART_SPAN[1] - CHART_SPAN[0]) * ax.figure.get_size_inches()[0] - 0.2
    title = "\n".join(wrap_to_width(chart.title, span, 14.5, bold=True))
    # The centre title, moved to the left edge of the labels by _fit_axes.
    ax.set_title(title, loc="center", fontsize=14.5, color=TEXT_COLOUR, ha="left", x=0.0)
    if chart.note:
        ax.annotate(
            _wrap(chart.note, 70),
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -48),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=11.5,
            color=MUTED_TEXT,
        )


_ROLE_COLOURS = {"finding": SIDE_COLOURS[0], "other": SIDE_COLOURS[1], "context": CONTEXT_GREY}


def _chart_of(finding: Finding, indicator: Indicator) -> _Chart:
    """The drawable chart of a finding: its numbers as the analysis gave them, in colour."""
    chart = finding.chart
    decimals = 0 if chart.kind == "bands" else indicator.decimals
    bars = tuple(
        _Bar(
            _wrap(bar.label, 24)
            if chart.kind == "sides" and bar.role != "difference"
            else bar.label,
            bar.value,
            DARK_GREY if bar.role == "difference" else _ROLE_COLOURS.get(bar.role, CONTEXT_GREY),
            bar.lower,
            bar.upper,
            bold=bar.role == "finding" and chart.kind != "bands",
        )
        for bar in chart.bars
    )
    ranked = None
    if chart.kind == "groups":
        ranked = chart.groups.copy()
        ranked["colour"] = None
        ranked.loc[ranked["code"] == finding.group_code, "colour"] = SIDE_COLOURS[0]
        if len(ranked) <= 8:
            bars = tuple(
                _Bar(
                    str(r.name), float(r.value), r.colour or CONTEXT_GREY, bold=r.colour is not None
                )
                for r in ranked.iloc[::-1].itertuples()
            )
            ranked = None
    return _Chart(chart.title, bars, _chart_alt(finding, indicator), chart.unit, decimals,
                  chart.reference, ranked=ranked)  # fmt: skip


def _chart_alt(finding: Finding, indicator: Indicator) -> str:
    """Text alternative of a finding's chart, from the same numbers."""
    chart = finding.chart
    if chart.kind == "bands":
        return (
            f"Bar chart of the {plural(finding.areas, 'area')} of the finding by extra minutes: "
            + "; ".join(f"{b.label.lower()}: {int(b.value):,}" for b in chart.bars)
            + "."
        )
    if chart.kind == "groups":
        groups = chart.groups
        row = groups[groups["code"] == finding.group_code]
        position = int(row.index[0]) + 1 if not row.empty else 0
        value = float(row["value"].iloc[0]) if not row.empty else math.nan
        label, reference = chart.reference or ("", math.nan)
        return (
            f"Chart of {lower_first(chart.title)}, lowest to highest; {finding.group_name} is "
            f"{fmt_value(value, indicator)}, number {position} of {len(groups)}, against "
            f"{fmt_value(reference, indicator)} ({label})."
        )
    parts = [
        f"{b.label} {fmt_value(b.value, indicator)} "
        f"{fmt_interval(b.lower, b.upper, indicator.decimals, finding.interval)}"
        if b.role == "difference"
        else f"{b.label} {fmt_value(b.value, indicator)}"
        for b in chart.bars
    ]
    return f"Bar chart of {lower_first(chart.title)}: " + "; ".join(parts) + "."


def _finding_labels(finding: Finding) -> str:
    return {
        "border": "Areas along the border",
        "penalty": "Areas losing over the threshold",
        "funnel": "Areas of the finding",
    }.get(finding.kind, "Areas of the cluster")


def _other_group(place: Place, index: AreaIndex, finding: Finding) -> tuple[str, str]:
    """The group drawn beside the finding's (across the border, or where the nearest
    service is for a penalty) and its legend entry; ``("", "")`` for none."""
    other = finding.other_code
    if finding.kind not in ("border", "penalty") or not other:
        return "", ""
    if other not in set(maps.group_shapes(place, index, finding.grouping)["code"]):
        return "", ""
    if finding.kind == "border":
        return other, ""
    service = place.service_type_of(place.indicator(finding.indicator))
    what = place.service_types[service].singular if service else "service"
    return other, f"{finding.other_name}, where their nearest {what} is"


# --------------------------------------------------------------------------------------
# Finding and area figures
# --------------------------------------------------------------------------------------


def finding_figure(
    place: Place,
    finding: Finding,
    index: AreaIndex,
    *,
    size: tuple[float, float] = FIGURE_SIZE,
) -> Figure:
    """The picture of one postcode-lottery finding: its map on the left, its chart on the right.

    Parameters
    ----------
    place : Place
        The place the finding was worked out on.
    finding : Finding
        The finding; its chart's numbers are drawn as they are.
    index : AreaIndex
        The place's spatial index (for the group outlines).
    size : tuple of float
        Width and height in inches (default: the picture area of a slide).

    Returns
    -------
    matplotlib.figure.Figure
        The chart is, by kind: ``border``, the averages of the areas along the border on
        each side and their difference with its 95% interval; ``penalty``, the areas by
        extra travel time; ``funnel``, every group's value with this one highlighted;
        ``spatial``, the areas of the finding against the rest of the group and the place.

    Raises
    ------
    DataError
        If the finding's grouping or group is not in the place.

    Examples
    --------
    >>> figure = finding_figure(place, found.items[0], AreaIndex.for_place(place))  # doctest: +SKIP
    """
    indicator = place.indicator(finding.indicator)
    chart = _chart_of(finding, indicator)
    areas_label = _finding_labels(finding)
    if finding.kind == "penalty":
        areas_label = "Areas of the finding"
    with af_style():
        figure = _new_figure(size)
        map_ax = _map_axes(figure, MAP_SPAN)
        chart_ax = figure.add_axes((0.6, 0.2, 0.35, 0.6))
        other, other_legend = _other_group(place, index, finding)
        border_map(
            place,
            index,
            finding.grouping,
            finding.group_code,
            other or None,
            finding.area_codes,
            finding.other_area_codes,
            indicator_id=finding.indicator,
            areas_label=areas_label,
            other_legend=other_legend,
            ax=map_ax,
        )
        _draw_chart(chart_ax, chart)
        _fit_axes(chart_ax, CHART_SPAN)
    return figure


def finding_alt(place: Place, finding: Finding, index: AreaIndex) -> str:
    """Text alternative of :func:`finding_figure`: what the map and the chart show.

    Parameters
    ----------
    place : Place
        The place.
    finding : Finding
        The finding.
    index : AreaIndex
        The place's spatial index.

    Returns
    -------
    str

    Examples
    --------
    >>> finding_alt(place, found.items[0], AreaIndex.for_place(place))  # doctest: +SKIP
    'Map of Thames Valley and Wessex (stroke networks); ...'
    """
    indicator = place.indicator(finding.indicator)
    grouping = place.grouping(finding.grouping)
    count = len(finding.area_codes)
    if finding.kind == "border" and finding.other_code:
        where = (
            f"Map of {finding.group_name} and {finding.other_name} ({grouping.plural}) and the "
            f"border between them; the {plural(count, 'area')} along the border in "
            f"{finding.group_name} and the {plural(len(finding.other_area_codes), 'area')} in "
            f"{finding.other_name} are hatched."
        )
    else:
        where = (
            f"Map of {finding.group_name} ({grouping.title.lower()}) and the "
            f"{grouping.plural} around it; {_finding_labels(finding).lower()} "
            f"({plural(count, 'area')}) are hatched."
        )
        _, other_legend = _other_group(place, index, finding)
        if other_legend:
            where += f" Also shaded: {other_legend}."
    return f"{where} {_chart_alt(finding, indicator)}"


def _area_chart(summary: AreaSummary, indicator: Indicator) -> _Chart:
    bars = (
        _Bar(summary.name, summary.value, FOCUS_COLOUR, bold=True),
        _Bar(f"{summary.group_name} average", summary.group_value, CONTEXT_GREY),
        _Bar(average_label(summary.benchmark_name), summary.benchmark, CONTEXT_GREY),
    )
    return _Chart(
        indicator.title, bars, area_alt(summary, indicator), unit_label(indicator),
        indicator.decimals,
    )  # fmt: skip


def area_figure(
    place: Place,
    summary: AreaSummary,
    indicator_id: str,
    grouping_id: str,
    index: AreaIndex,
    *,
    size: tuple[float, float] = FIGURE_SIZE,
) -> Figure:
    """The picture of one area: its group on a map with the area named, and one chart.

    Parameters
    ----------
    place : Place
        The place.
    summary : AreaSummary
        The area against its group and the benchmark
        (:func:`insight.analysis.profile.area_summary`).
    indicator_id : str
        Indicator shown.
    grouping_id : str
        Grouping whose group (the area's) is drawn.
    index : AreaIndex
        The place's spatial index.
    size : tuple of float
        Width and height in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Map (the area hatched and named, its group shaded, the neighbouring groups in
        grey) and bars of the area's value, its group's and the benchmark's.

    Examples
    --------
    >>> summary = area_summary(place, "E01027210", "mt_minutes", "lad")  # doctest: +SKIP
    >>> figure = area_figure(place, summary, "mt_minutes", "lad", index)  # doctest: +SKIP
    """
    indicator = place.indicator(indicator_id)
    chart = _area_chart(summary, indicator)
    with af_style():
        figure = _new_figure(size)
        map_ax = _map_axes(figure, MAP_SPAN)
        chart_ax = figure.add_axes((0.6, 0.2, 0.35, 0.6))
        side = _Side(
            summary.group_code, summary.group_name, FOCUS_COLOUR, (summary.code,), "////",
            "The area",
        )  # fmt: skip
        _draw_map(
            map_ax, place, index, grouping_id, [side], indicator_id, callout=summary.name,
            zoom=False,
        )  # fmt: skip
        _draw_chart(chart_ax, chart)
        _fit_axes(chart_ax, CHART_SPAN)
    return figure


def area_alt(summary: AreaSummary, indicator: Indicator) -> str:
    """Text alternative of :func:`area_figure`.

    Examples
    --------
    >>> area_alt(summary, place.indicator("mt_minutes"))  # doctest: +SKIP
    'Map of West Northamptonshire with the area Northampton 021A hatched and named. ...'
    """
    return (
        f"Map of {summary.group_name} with the area {summary.name} hatched and named. "
        f"Bar chart of {indicator.title.lower()}: {summary.name} "
        f"{fmt_value(summary.value, indicator)}, {summary.group_name} average "
        f"{fmt_value(summary.group_value, indicator)}, {average_label(summary.benchmark_name)} "
        f"{fmt_value(summary.benchmark, indicator)}."
    )
