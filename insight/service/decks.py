"""Slides and decks, once for every front end: a slide of a pair's findings, of the
strongest findings across every pair, or of an item of a user's presentation
(:class:`~insight.present.slides.SlideItem`), and a whole deck as a file.

Each is a plain function of a place id and the ids of what is asked (see
:mod:`insight.present.slides` for how the slides are drawn).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from insight.analysis.findings import Finding
from insight.present import slides
from insight.present.export import deck_bytes
from insight.service.findings import pair_findings
from insight.service.places import Places

__all__ = ["deck", "deck_bytes", "finding_slide", "item_slide"]


def _drawn(slide: slides.Slide, picture_dpi: float | None) -> slides.Slide:
    """The slide, its picture rendered once as PNG at ``picture_dpi`` when given (what a
    screen shows again and again), else left a figure."""
    if picture_dpi is not None:
        slide.figure = slide.png(dpi=picture_dpi)
    return slide


def finding_slide(
    place_id: str,
    finding: Finding,
    *,
    date: dt.date | str | None = None,
    picture_dpi: float | None = None,
    places: Places | None = None,
) -> slides.Slide:
    """The slide of one finding of the place (see :func:`insight.present.slides.finding_slide`):
    one of a pair's (:func:`insight.service.pair_findings`) or of the strongest across every
    pair (:func:`insight.service.strongest_findings`).

    Parameters
    ----------
    place_id : str
        The place.
    finding : Finding
        The finding.
    date : datetime.date or str, optional
        Date shown on the slide (default today).
    picture_dpi : float, optional
        Render the picture once, as PNG at this resolution (default: keep the figure).
    places : Places, optional
        Where the place and its index come from (default: opened here).

    Returns
    -------
    Slide

    Raises
    ------
    DataError
        The finding names an indicator, grouping or group the place lacks.

    Examples
    --------
    >>> best = strongest_findings("demo").items[0]  # doctest: +SKIP
    >>> finding_slide("demo", best).sentence == best.sentence  # doctest: +SKIP
    True
    """
    places = places or Places()
    place = places.place(place_id)
    slide = slides.finding_slide(place, finding, places.index(place_id), date=date)
    return _drawn(slide, picture_dpi)


def item_slide(
    place_id: str,
    item: slides.SlideItem,
    *,
    date: dt.date | str | None = None,
    picture_dpi: float | None = None,
    places: Places | None = None,
) -> slides.Slide:
    """The slide of one item of a user's presentation (see
    :func:`insight.present.slides.item_slide`).

    Raises
    ------
    DataError
        The item names what the place lacks, or a finding no longer found.

    Examples
    --------
    >>> item = slides.SlideItem("area", "mt_minutes", "lad", area_code="E01027210")
    >>> item_slide("demo", item).title  # doctest: +SKIP
    """
    places = places or Places()
    slide = slides.item_slide(
        places.place(place_id),
        item,
        lambda i, g: pair_findings(place_id, i, g, places=places),
        places.index(place_id),
        date=date,
    )
    return _drawn(slide, picture_dpi)


def deck(
    place_id: str,
    items: Sequence[slides.SlideItem],
    fmt: str = "pptx",
    *,
    date: dt.date | str | None = None,
    places: Places | None = None,
) -> bytes:
    """A user's presentation as a file: a slide per item (:func:`item_slide`), in order.

    Parameters
    ----------
    place_id : str
        The place.
    items : sequence of SlideItem
        The items, e.g. read from a presentation's link
        (:func:`insight.present.links.decode_items`).
    fmt : {"pptx", "pdf", "png"}
        PowerPoint, PDF, or a zip of PNG images (:func:`insight.present.export.deck_bytes`).
    date : datetime.date or str, optional
        Date shown on the slides (default today).
    places : Places, optional
        Where the place, its findings and its index come from (default: opened here).

    Returns
    -------
    bytes

    Raises
    ------
    DataError
        No items, an unknown format, or an item the place cannot draw (as
        :func:`item_slide`).

    Examples
    --------
    >>> item = slides.SlideItem("area", "mt_minutes", "lad", area_code="E01027210")
    >>> deck("demo", [item], "pdf")[:4]  # doctest: +SKIP
    b'%PDF'
    """
    places = places or Places()
    return deck_bytes([item_slide(place_id, i, date=date, places=places) for i in items], fmt)
