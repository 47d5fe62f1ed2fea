"""One export for every format: the findings as slides, or the indicator as data."""

from __future__ import annotations

from collections.abc import Sequence

from insight.analysis.findings import Findings
from insight.errors import DataError
from insight.model import Place
from insight.present.files import to_csv, to_geojson, to_xlsx
from insight.present.slides import (
    Slide,
    findings_to_slides,
    slides_to_pdf,
    slides_to_png_zip,
    slides_to_pptx,
)
from insight.present.tables import DEFAULT_THRESHOLD, indicator_table
from insight.spatial.index import AreaIndex

#: Formats of ``python -m insight export``: slides, then data.
FORMATS: tuple[str, ...] = ("pptx", "pdf", "png", "csv", "xlsx", "geojson")
#: The formats that hold slides (the rest hold data).
SLIDE_FORMATS: tuple[str, ...] = ("pptx", "pdf", "png")


def deck_bytes(slides: Sequence[Slide], fmt: str) -> bytes:
    """Slides as a file: PowerPoint (``pptx``), PDF (``pdf``) or a zip of PNG images
    (``png``; ``slide-01.png``...).

    Raises
    ------
    DataError
        If ``fmt`` is not one of :data:`SLIDE_FORMATS`, or there are no slides.

    Examples
    --------
    >>> deck_bytes(slides, "pdf")[:4]  # doctest: +SKIP
    b'%PDF'
    """
    if fmt not in SLIDE_FORMATS:
        raise DataError(f"Slide format {fmt!r} is not one of {', '.join(SLIDE_FORMATS)}.")
    if fmt == "pptx":
        return slides_to_pptx(slides)
    if fmt == "pdf":
        return slides_to_pdf(slides)
    return slides_to_png_zip(slides, stem="slide")


def export_bytes(
    place: Place,
    indicator_id: str,
    grouping_id: str,
    fmt: str,
    *,
    limit: int | None = 5,
    threshold: float = DEFAULT_THRESHOLD,
    findings: Findings | None = None,
    index: AreaIndex | None = None,
) -> bytes:
    """The content of ``python -m insight export`` for one format.

    Parameters
    ----------
    place : Place
        The place.
    indicator_id, grouping_id : str
        Indicator and grouping.
    fmt : str
        One of :data:`FORMATS`: ``pptx``, ``pdf`` and ``png`` (a zip of PNGs) hold the
        ranked findings as slides; ``csv``, ``xlsx`` and ``geojson`` the indicator for
        every area with the grouping's columns.
    limit : int or None, default 5
        Most slides.
    threshold : float, default 5
        Suppression threshold of the data formats.
    findings : Findings, optional
        The ranked findings (:func:`insight.analysis.findings.findings`); needed for the
        slide formats, ignored by the data formats.
    index : AreaIndex, optional
        The place's spatial index, for the slides' maps.

    Returns
    -------
    bytes

    Raises
    ------
    DataError
        If the format, indicator or grouping is unknown, or there are no findings to
        present.

    Examples
    --------
    >>> export_bytes(place, "mt_minutes", "isdn", "csv")[:12]  # doctest: +SKIP
    b'\\xef\\xbb\\xbfArea code'
    """
    if fmt not in FORMATS:
        raise DataError(f"Export format {fmt!r} is not one of {', '.join(FORMATS)}.")
    place.indicator(indicator_id)
    grouping = place.grouping(grouping_id)
    if fmt in SLIDE_FORMATS:
        if findings is None or len(findings) == 0:
            raise DataError(
                f"No postcode-lottery findings for {place.indicator(indicator_id).title!r} "
                f"by {grouping.plural}: there is nothing to present. Try another indicator "
                f"or grouping, or export the data as csv, xlsx or geojson."
            )
        return deck_bytes(findings_to_slides(place, findings, limit, index), fmt)
    others = [g for g in place.groupings if g != grouping_id]
    table = indicator_table(
        place, indicator_id, grouping_id=[grouping_id, *others], geometry=fmt == "geojson"
    )
    if fmt == "csv":
        return to_csv(table, threshold=threshold)
    if fmt == "xlsx":
        return to_xlsx(table, threshold=threshold)
    return to_geojson(table, threshold=threshold)
