"""Slides: one message each, written as PPTX, PDF and PNG with the same layout."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR
from pptx.util import Inches, Pt

from insight.analysis.findings import Finding, Findings
from insight.analysis.profile import area_summary
from insight.errors import DataError
from insight.explain import comparison_sentence, indicator_sentence
from insight.model import Place
from insight.present import figures
from insight.present.tables import _today, attribution_text, source_line
from insight.spatial.index import AreaIndex

# --------------------------------------------------------------------------------------
# Slides
# --------------------------------------------------------------------------------------


@dataclass
class Slide:
    """One slide: one message, one picture, and where the numbers come from.

    Attributes
    ----------
    title : str
        Short heading, e.g. "Difference at the border: Harborough and West Northamptonshire".
    sentence : str
        The message in one plain-English sentence, shown in large type; it is also the
        slide's text alternative.
    figure : matplotlib.figure.Figure or bytes
        The picture (map and chart), as a figure or PNG bytes, sized for the picture
        area (:data:`insight.present.figures.FIGURE_SIZE`, 12.33 x 4.35 inches).
    source : str
        Source and licences line.
    attribution : str
        Attribution the licences require ("Contains OS data © Crown copyright...").
    date : str
        Date the slide was produced, e.g. "5 June 2025".
    alt : str
        Text alternative of the picture (what the map and chart show).
    notes : str
        Speaker notes.
    """

    title: str
    sentence: str
    figure: Figure | bytes
    source: str
    attribution: str
    date: str
    alt: str = ""
    notes: str = ""

    def png(self, dpi: float = 144) -> bytes:
        """The picture as PNG bytes (rendered from the figure when it is one)."""
        if isinstance(self.figure, bytes | bytearray):
            return bytes(self.figure)
        return figures.to_png(self.figure, dpi=dpi)


def picture_panels(png: bytes) -> tuple[bytes, bytes]:
    """A slide's picture cut in two, its map and its chart, as PNG bytes each.

    Every slide's picture has its map across :data:`~insight.present.figures.MAP_SPAN`
    of the width and its chart across :data:`~insight.present.figures.CHART_SPAN`; cut
    between them, each can be shown at the full width of a phone, one above the other,
    at about twice the size the whole picture would have there.

    Parameters
    ----------
    png : bytes
        The picture (:meth:`Slide.png`).

    Returns
    -------
    (bytes, bytes)
        The map and the chart.

    Examples
    --------
    >>> picture = figures.to_png(figures._new_figure((4, 1)))
    >>> [Image.open(io.BytesIO(p)).size for p in picture_panels(picture)]
    [(291, 144), (285, 144)]
    """
    picture = Image.open(io.BytesIO(png))
    cut = round(picture.width * (figures.MAP_SPAN[1] + figures.CHART_SPAN[0]) / 2)
    parts = []
    for box in ((0, 0, cut, picture.height), (cut, 0, picture.width, picture.height)):
        out = io.BytesIO()
        picture.crop(box).save(out, format="PNG")
        parts.append(out.getvalue())
    return parts[0], parts[1]


def _finding_title(finding: Finding) -> str:
    if finding.kind == "border" and finding.other_name:
        return f"{finding.label}: {finding.group_name} and {finding.other_name}"
    return f"{finding.label}: {finding.group_name}"


def finding_slide(
    place: Place,
    finding: Finding,
    index: AreaIndex | None = None,
    *,
    date: dt.date | str | None = None,
) -> Slide:
    """The slide of one postcode-lottery finding.

    Parameters
    ----------
    place : Place
        The place the finding was worked out on.
    finding : Finding
        The finding (:func:`insight.analysis.findings.findings`).
    index : AreaIndex, optional
        The place's spatial index, for the group outlines (made here when not given).
    date : datetime.date or str, optional
        Date shown on the slide (default today).

    Returns
    -------
    Slide
        Map of the border or area with the areas of the finding hatched, its chart, its
        sentence, source, attribution and date.

    Raises
    ------
    DataError
        If the finding's indicator, grouping or group is not in the place.

    Examples
    --------
    >>> slide = finding_slide(place, found.items[0])  # doctest: +SKIP
    """
    indicator = place.indicator(finding.indicator)
    index = index or AreaIndex.for_place(place)
    figure = figures.finding_figure(place, finding, index)
    alt = figures.finding_alt(place, finding, index)
    return Slide(
        title=_finding_title(finding),
        sentence=finding.sentence,
        figure=figure,
        source=source_line(place, indicator),
        attribution=attribution_text(place),
        date=_today(date),
        alt=alt,
        notes=f"{finding.sentence}\n\n{alt}\n\n{indicator.title}: {indicator.description}",
    )


def findings_to_slides(
    place: Place,
    found: Findings,
    limit: int | None = 5,
    index: AreaIndex | None = None,
    *,
    date: dt.date | str | None = None,
) -> list[Slide]:
    """One slide per finding, in rank order, for the first ``limit`` findings.

    Parameters
    ----------
    place : Place
        The place.
    found : Findings
        Ranked findings (:func:`insight.analysis.findings.findings`).
    limit : int or None, default 5
        Most slides to make; None for all.
    index : AreaIndex, optional
        The place's spatial index (made here when not given).
    date : datetime.date or str, optional
        Date shown on the slides (default today).

    Returns
    -------
    list of Slide
        Empty when there are no findings.

    Raises
    ------
    DataError
        If ``limit`` is below 1, or as :func:`finding_slide`.

    Examples
    --------
    >>> slides = findings_to_slides(place, found, limit=3)  # doctest: +SKIP
    >>> slides_to_pptx(slides)[:2]  # doctest: +SKIP
    b'PK'
    """
    if limit is not None and (not isinstance(limit, int | np.integer) or limit < 1):
        raise DataError(f"limit must be a whole number of at least 1, got {limit!r}.")
    chosen = sorted(found, key=lambda f: f.rank)
    if limit is not None:
        chosen = chosen[: int(limit)]
    index = index or AreaIndex.for_place(place)
    day = _today(date)
    return [finding_slide(place, finding, index, date=day) for finding in chosen]


def area_slide(
    place: Place,
    area_code: str,
    indicator_id: str,
    grouping_id: str | None = None,
    index: AreaIndex | None = None,
    *,
    date: dt.date | str | None = None,
) -> Slide:
    """A slide for one area and one indicator (any area view: "add to presentation").

    Parameters
    ----------
    place : Place
        The place.
    area_code : str
        Code of the area.
    indicator_id : str
        Indicator shown.
    grouping_id : str, optional
        Grouping the area is compared within (default the place's default grouping).
    index : AreaIndex, optional
        The place's spatial index (made here when not given).
    date : datetime.date or str, optional
        Date shown on the slide (default today).

    Returns
    -------
    Slide
        The area's value against its group's (as on Compare) and the benchmark, a map of
        the group with the area hatched and named, and the source line.

    Raises
    ------
    DataError
        If the area, indicator or grouping is unknown.

    Examples
    --------
    >>> slide = area_slide(place, "E01027210", "mt_minutes", "lad")  # doctest: +SKIP
    """
    grouping_id = grouping_id or place.default_grouping
    indicator = place.indicator(indicator_id)
    summary = area_summary(place, area_code, indicator_id, grouping_id)
    value = summary.value if math.isfinite(summary.value) else None
    sentence = f"{indicator_sentence(indicator, value, summary.name)} " + comparison_sentence(
        indicator, value, summary.group_value, f"the average for {summary.group_name}"
    )
    index = index or AreaIndex.for_place(place)
    figure = figures.area_figure(place, summary, indicator_id, grouping_id, index)
    alt = figures.area_alt(summary, indicator)
    return Slide(
        title=f"{summary.name}, {summary.group_name}: {indicator.title.lower()}",
        sentence=sentence,
        figure=figure,
        source=source_line(place, indicator),
        attribution=attribution_text(place),
        date=_today(date),
        alt=alt,
        notes=f"{sentence}\n\n{alt}\n\n{indicator.title}: {indicator.description}",
    )


#: Kinds of presentation item (see :class:`SlideItem`).
ITEM_KINDS: tuple[str, ...] = ("area", "finding")
#: The fields of each kind of item, in order (the order of an item in a URL).
ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "area": ("indicator", "grouping", "area_code"),
    "finding": ("indicator", "grouping", "finding_kind", "group_code", "other_code", "area_code"),
}
#: The fields each kind of item cannot do without.
ITEM_REQUIRED: dict[str, tuple[str, ...]] = {
    "area": ("indicator", "grouping", "area_code"),
    "finding": ("indicator", "grouping", "group_code"),
}


@dataclass(frozen=True)
class SlideItem:
    """One item of a user's presentation: an area, or a postcode-lottery finding.

    The one definition of an item: the pages add items (:meth:`of_finding` for a finding),
    the presentation keeps them (``ui.presentation``) and links them
    (:mod:`insight.present.links`), and :func:`item_slide` draws them. An item is checked
    when it is made (a kind of :data:`ITEM_KINDS`, its required fields given); a mapping of
    its fields is read with :meth:`from_mapping`.

    Attributes
    ----------
    kind : str
        One of :data:`ITEM_KINDS`.
    indicator, grouping : str
        The indicator and grouping of the slide.
    area_code : str
        An area item's area; for a finding item, one of the finding's areas (its first),
        which tells apart findings of one kind in one group ("" for any: links made before
        it was kept).
    group_code, finding_kind, other_code : str
        A finding item's group, its kind ("" for any) and the group across the border
        (borders only; "" otherwise).

    Examples
    --------
    >>> SlideItem.from_mapping({"kind": "area", "indicator": "mt_minutes", "grouping": "lad",
    ...                         "area_code": "E01027210"}).area_code
    'E01027210'
    """

    kind: str
    indicator: str
    grouping: str
    area_code: str = ""
    group_code: str = ""
    finding_kind: str = ""
    other_code: str = ""

    def __post_init__(self) -> None:
        """Check the item as :meth:`from_mapping` does (an item made by hand included)."""
        if self.kind not in ITEM_KINDS:
            raise DataError(
                f"Presentation item kind {self.kind!r} is not one of {', '.join(ITEM_KINDS)}."
            )
        missing = [k for k in ITEM_REQUIRED[self.kind] if not getattr(self, k)]
        if missing:
            raise DataError(f"Presentation item {self!r} lacks {', '.join(missing)}.")

    @classmethod
    def of_finding(cls, finding: Finding) -> SlideItem:
        """The item of one postcode-lottery finding: its indicator, grouping, kind, group,
        the group across the border (borders) and its first area (which tells apart
        findings of one kind in one group).

        Examples
        --------
        >>> SlideItem.of_finding(best.items[0]).kind  # doctest: +SKIP
        'finding'
        """
        return cls(
            "finding",
            finding.indicator,
            finding.grouping,
            finding_kind=finding.kind,
            group_code=str(finding.group_code),
            other_code=str(finding.other_code or ""),
            area_code=str(finding.area_codes[0]) if finding.area_codes else "",
        )

    @classmethod
    def from_mapping(cls, item: Mapping[str, Any]) -> SlideItem:
        """The item a mapping describes (fields other than its kind's are ignored).

        Raises
        ------
        DataError
            If the kind is not one of :data:`ITEM_KINDS` or a required field is missing
            (the message names them).
        """
        kind = item.get("kind")
        if kind not in ITEM_KINDS:
            raise DataError(
                f"Presentation item kind {kind!r} is not one of {', '.join(ITEM_KINDS)}."
            )
        needed = ITEM_REQUIRED[kind]
        missing = [k for k in needed if not item.get(k)]
        if missing:
            article = "an" if kind[0] in "aeiou" else "a"
            raise DataError(
                f"Presentation item {dict(item)!r} lacks {', '.join(missing)}; {article} "
                f"{kind} item needs {', '.join(needed)}."
            )
        return cls(kind, **{f: str(item.get(f) or "") for f in ITEM_FIELDS[kind]})


def item_slide(
    place: Place,
    item: SlideItem,
    findings: Callable[[str, str], Findings] | Findings | None = None,
    index: AreaIndex | None = None,
    *,
    date: dt.date | str | None = None,
) -> Slide:
    """The slide of one item a user added to their presentation.

    Parameters
    ----------
    place : Place
        The place.
    item : SlideItem
        The item.
    findings : callable or Findings, optional
        For finding items: the findings of the item's indicator and grouping, or a function
        ``findings(indicator_id, grouping_id)`` returning them (e.g. a cached loader).
    index : AreaIndex, optional
        The place's spatial index (made here when not given).
    date : datetime.date or str, optional
        Date shown on the slide (default today).

    Returns
    -------
    Slide

    Raises
    ------
    DataError
        If a finding item comes without findings, or its finding is no longer among them.

    Examples
    --------
    >>> item_slide(place, SlideItem("area", "mt_minutes", "lad", area_code="E01027210"))
    ... # doctest: +SKIP
    """
    chosen = item
    indicator_id, grouping_id = chosen.indicator, chosen.grouping
    if chosen.kind == "area":
        return area_slide(place, chosen.area_code, indicator_id, grouping_id, index, date=date)
    if findings is None:
        raise DataError("A finding item needs the findings of its indicator and grouping.")
    found = findings(indicator_id, grouping_id) if callable(findings) else findings
    for finding in found:
        if (
            finding.group_code == chosen.group_code
            and (not chosen.finding_kind or finding.kind == chosen.finding_kind)
            and (not chosen.other_code or finding.other_code == chosen.other_code)
            and (not chosen.area_code or chosen.area_code in finding.area_codes)
        ):
            return finding_slide(place, finding, index, date=date)
    raise DataError(
        f"The finding for {chosen.group_code!r} ({chosen.finding_kind or 'any kind'}) "
        f"is no longer among the findings of {indicator_id!r} by {grouping_id!r}; remove it "
        f"from the presentation."
    )


# --------------------------------------------------------------------------------------
# Slide layout (shared by PPTX, PDF and PNG)
# --------------------------------------------------------------------------------------

#: Slide size in inches: 16:9, rendered at 144 dpi as 1920 x 1080 pixels.
SLIDE_WIDTH, SLIDE_HEIGHT = 1920 / 144, 1080 / 144
PNG_DPI = 144
_MARGIN = 0.5
_TEXT_WIDTH = SLIDE_WIDTH - 2 * _MARGIN
_TITLE_TOP, _TITLE_SIZE = 0.28, 20
_SENTENCE_TOP = 0.82
_PICTURE_TOP = 2.56
_PICTURE_HEIGHT = figures.FIGURE_SIZE[1]
_FOOTER_TOP = _PICTURE_TOP + _PICTURE_HEIGHT + 0.08
_FOOTER_SIZE = 10.5
_DATE_WIDTH = 2.3
_SENTENCE_SIZES = (32, 30, 28, 26, 24, 22, 20, 18)
_LINE = 1.18
_DARK_BLUE = figures.DARK_BLUE
_TEXT = figures.TEXT_COLOUR
_MUTED = figures.MUTED_TEXT


@dataclass(frozen=True)
class _Layout:
    """Where each part of a slide goes (inches from the top left) and at what size."""

    title_lines: list[str]
    sentence_size: float
    sentence_lines: list[str]
    footer_lines: list[str]


def _layout(slide: Slide) -> _Layout:
    title_lines = figures.wrap_to_width(slide.title, _TEXT_WIDTH - 1.2, _TITLE_SIZE, bold=True)
    if len(title_lines) > 1:
        title_lines = [title_lines[0], " ".join(title_lines[1:])]
    room = _PICTURE_TOP - _SENTENCE_TOP - 0.2 - (len(title_lines) - 1) * 0.34
    chosen = _SENTENCE_SIZES[-1]
    # Measured text runs a little wider on screen than in the metrics: keep 2% spare.
    lines = figures.wrap_to_width(slide.sentence, 0.98 * _TEXT_WIDTH, chosen)
    for size in _SENTENCE_SIZES:
        trial = figures.wrap_to_width(slide.sentence, 0.98 * _TEXT_WIDTH, size)
        if len(trial) * size * _LINE / 72 <= room:
            chosen, lines = size, trial
            break
    return _Layout(title_lines, chosen, lines, _footer_lines(slide))


def _footer_lines(slide: Slide) -> list[str]:
    """Source line (beside the date), then the attribution across the whole width."""
    lines = figures.wrap_to_width(slide.source, _TEXT_WIDTH - _DATE_WIDTH, _FOOTER_SIZE)
    if slide.attribution:
        lines.extend(figures.wrap_to_width(slide.attribution, _TEXT_WIDTH, _FOOTER_SIZE))
    return lines


def _date_text(slide: Slide) -> str:
    return f"Produced {slide.date}"


def _render(slide: Slide, number: int, total: int, picture_dpi: float = PNG_DPI) -> Figure:
    """Draw a whole slide with matplotlib (for PDF and PNG); the picture at ``picture_dpi``."""

    layout = _layout(slide)
    with figures.af_style():
        figure = Figure(figsize=(SLIDE_WIDTH, SLIDE_HEIGHT))
        FigureCanvasAgg(figure)

        def y(inches: float) -> float:
            return 1 - inches / SLIDE_HEIGHT

        def x(inches: float) -> float:
            return inches / SLIDE_WIDTH

        figure.text(
            x(_MARGIN),
            y(_TITLE_TOP),
            "\n".join(layout.title_lines),
            fontsize=_TITLE_SIZE,
            fontweight="bold",
            color=_DARK_BLUE,
            va="top",
            linespacing=1.15,
        )
        figure.text(
            x(SLIDE_WIDTH - _MARGIN),
            y(_TITLE_TOP),
            f"{number} of {total}",
            fontsize=14,
            color=_MUTED,
            va="top",
            ha="right",
        )
        top = _SENTENCE_TOP + (len(layout.title_lines) - 1) * 0.34
        figure.text(
            x(_MARGIN),
            y(top),
            "\n".join(layout.sentence_lines),
            fontsize=layout.sentence_size,
            color=_TEXT,
            va="top",
            linespacing=_LINE,
        )
        picture = Image.open(io.BytesIO(slide.png(dpi=picture_dpi))).convert("RGB")
        width = figures.FIGURE_SIZE[0]
        # A picture drawn at another resolution is resampled once, here, rather than by
        # matplotlib while drawing.
        target = (round(width * picture_dpi), round(_PICTURE_HEIGHT * picture_dpi))
        if picture.size != target:
            picture = picture.resize(target, Image.Resampling.LANCZOS)
        ax = figure.add_axes(
            (
                x(_MARGIN),
                y(_PICTURE_TOP + _PICTURE_HEIGHT),
                width / SLIDE_WIDTH,
                _PICTURE_HEIGHT / SLIDE_HEIGHT,
            )
        )
        ax.imshow(np.asarray(picture), interpolation="none")
        ax.set_axis_off()
        figure.add_artist(_rule(x(_MARGIN), x(SLIDE_WIDTH - _MARGIN), y(_FOOTER_TOP - 0.02)))
        figure.text(
            x(_MARGIN),
            y(_FOOTER_TOP + 0.04),
            "\n".join(layout.footer_lines),
            fontsize=_FOOTER_SIZE,
            color=_MUTED,
            va="top",
            linespacing=1.2,
        )
        figure.text(
            x(SLIDE_WIDTH - _MARGIN),
            y(_FOOTER_TOP + 0.04),
            _date_text(slide),
            fontsize=_FOOTER_SIZE,
            color=_MUTED,
            va="top",
            ha="right",
            linespacing=1.2,
        )
    return figure


def _rule(x0: float, x1: float, y: float):

    return Line2D([x0, x1], [y, y], color="#BFBFBF", linewidth=1.0)


def _check_slides(slides: Sequence[Slide]) -> list[Slide]:
    slides = list(slides)
    if not slides:
        raise DataError("There are no slides to export: add a finding or an area first.")
    for position, slide in enumerate(slides, start=1):
        if not isinstance(slide, Slide):
            raise DataError(f"Item {position} is a {type(slide).__name__}, not a Slide.")
    return slides


def slides_to_png(slides: Sequence[Slide], dpi: float = PNG_DPI) -> list[bytes]:
    """Each slide as a PNG, 1920 x 1080 pixels at the default ``dpi``.

    Parameters
    ----------
    slides : sequence of Slide
        The slides.
    dpi : float, default 144
        Resolution (144 gives 1920 x 1080).

    Returns
    -------
    list of bytes

    Raises
    ------
    DataError
        If there are no slides.

    Examples
    --------
    >>> images = slides_to_png(slides)  # doctest: +SKIP
    """
    slides = _check_slides(slides)
    total = len(slides)
    images = []
    for number, slide in enumerate(slides, start=1):
        images.append(figures.to_png(_render(slide, number, total, dpi), dpi=dpi))
    return images


def slides_to_png_zip(slides: Sequence[Slide], stem: str = "slide") -> bytes:
    """A zip of one PNG per slide (``slide-01.png``, ...), for a single download.

    Examples
    --------
    >>> content = slides_to_png_zip(slides)  # doctest: +SKIP
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, image in enumerate(slides_to_png(slides), start=1):
            archive.writestr(f"{stem}-{number:02d}.png", image)
    return buffer.getvalue()


def slides_to_pdf(slides: Sequence[Slide], title: str = "Place Insight findings") -> bytes:
    """A PDF with one 16:9 page per slide, laid out as the PowerPoint.

    Parameters
    ----------
    slides : sequence of Slide
        The slides.
    title : str
        Document title in the PDF's properties.

    Returns
    -------
    bytes

    Raises
    ------
    DataError
        If there are no slides.

    Examples
    --------
    >>> slides_to_pdf(slides)[:5]  # doctest: +SKIP
    b'%PDF-'
    """

    slides = _check_slides(slides)
    buffer = io.BytesIO()
    total = len(slides)
    with (
        figures.af_style(),
        PdfPages(buffer, metadata={"Title": title, "Creator": "Place Insight"}) as pdf,
    ):
        for number, slide in enumerate(slides, start=1):
            pdf.savefig(_render(slide, number, total, 2 * PNG_DPI))
    return buffer.getvalue()


def slides_to_pptx(slides: Sequence[Slide], title: str = "Place Insight findings") -> bytes:
    """A PowerPoint (16:9) with one slide per :class:`Slide`: real, editable text.

    Each slide has its title in the title placeholder (so screen readers and the
    outline see it), the sentence in large type, the picture with its text
    alternative, and the source, attribution and date in a footer; the sentence and
    the description of the picture are also in the speaker notes.

    Parameters
    ----------
    slides : sequence of Slide
        The slides.
    title : str
        Title in the file's properties.

    Returns
    -------
    bytes

    Raises
    ------
    DataError
        If there are no slides.

    Examples
    --------
    >>> from pptx import Presentation
    >>> deck = Presentation(io.BytesIO(slides_to_pptx(slides)))  # doctest: +SKIP
    """

    slides = _check_slides(slides)
    deck = Presentation()
    deck.slide_width = Inches(SLIDE_WIDTH)
    deck.slide_height = Inches(SLIDE_HEIGHT)
    deck.core_properties.title = title
    deck.core_properties.author = "Place Insight"
    title_only = deck.slide_layouts[5]
    font = "Arial"

    def colour(hex_colour: str) -> RGBColor:
        return RGBColor.from_string(hex_colour.lstrip("#").upper())

    def fill(frame, lines: list[str] | str, size: float, rgb: str, bold: bool = False) -> None:
        frame.word_wrap = True
        frame.auto_size = None
        for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
            setattr(frame, side, 0)
        paragraph = frame.paragraphs[0]
        # Points, not a multiple: PowerPoint's "single" spacing is already 1.2 lines,
        # matplotlib's is the font size; points make the two layouts match.
        paragraph.line_spacing = Pt(size * (_LINE if size > 14 else 1.2))
        run = paragraph.add_run()
        run.text = lines if isinstance(lines, str) else " ".join(lines)
        run.font.size = Pt(size)
        run.font.name = font
        run.font.bold = bold
        run.font.color.rgb = colour(rgb)

    total = len(slides)
    for number, slide in enumerate(slides, start=1):
        layout = _layout(slide)
        page = deck.slides.add_slide(title_only)
        heading = page.shapes.title
        heading.left, heading.top = Inches(_MARGIN), Inches(_TITLE_TOP)
        heading.width, heading.height = (
            Inches(_TEXT_WIDTH - 1.2),
            Inches(0.36 * len(layout.title_lines)),
        )
        heading.text_frame.text = ""
        heading.text_frame.vertical_anchor = MSO_ANCHOR.TOP
        fill(heading.text_frame, slide.title, _TITLE_SIZE, _DARK_BLUE, bold=True)
        heading.text_frame.paragraphs[0].alignment = 1  # left
        counter = page.shapes.add_textbox(
            Inches(SLIDE_WIDTH - _MARGIN - 1.2), Inches(_TITLE_TOP), Inches(1.2), Inches(0.3)
        )
        counter.name = "Slide number"
        fill(counter.text_frame, f"{number} of {total}", 14, _MUTED)
        counter.text_frame.paragraphs[0].alignment = 3  # right
        top = _SENTENCE_TOP + (len(layout.title_lines) - 1) * 0.34
        sentence = page.shapes.add_textbox(
            Inches(_MARGIN), Inches(top), Inches(_TEXT_WIDTH), Inches(_PICTURE_TOP - top - 0.05)
        )
        sentence.name = "Sentence"
        fill(sentence.text_frame, slide.sentence, layout.sentence_size, _TEXT)
        picture = page.shapes.add_picture(
            io.BytesIO(slide.png(dpi=2 * PNG_DPI)),
            Inches(_MARGIN),
            Inches(_PICTURE_TOP),
            width=Inches(figures.FIGURE_SIZE[0]),
            height=Inches(_PICTURE_HEIGHT),
        )
        picture.name = "Map and chart"
        picture._element.nvPicPr.cNvPr.set("descr", slide.alt or slide.sentence)
        footer = page.shapes.add_textbox(
            Inches(_MARGIN),
            Inches(_FOOTER_TOP + 0.02),
            Inches(_TEXT_WIDTH),
            Inches(SLIDE_HEIGHT - _FOOTER_TOP - 0.08),
        )
        footer.name = "Source and attribution"
        fill(footer.text_frame, [slide.source], _FOOTER_SIZE, _MUTED)
        # The source line stops short of the date on its right, as in the PDF and PNG.
        footer.text_frame.paragraphs[0]._p.get_or_add_pPr().set(
            "marR", str(int(Inches(_DATE_WIDTH)))
        )
        if slide.attribution:
            paragraph = footer.text_frame.add_paragraph()
            paragraph.line_spacing = Pt(_FOOTER_SIZE * 1.2)
            run = paragraph.add_run()
            run.text = slide.attribution
            run.font.size, run.font.name = Pt(_FOOTER_SIZE), font
            run.font.color.rgb = colour(_MUTED)
        dated = page.shapes.add_textbox(
            Inches(SLIDE_WIDTH - _MARGIN - _DATE_WIDTH),
            Inches(_FOOTER_TOP + 0.02),
            Inches(_DATE_WIDTH),
            Inches(0.2),
        )
        dated.name = "Date"
        fill(dated.text_frame, _date_text(slide), _FOOTER_SIZE, _MUTED)
        dated.text_frame.paragraphs[0].alignment = 3  # right
        page.notes_slide.notes_text_frame.text = slide.notes or slide.sentence
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
