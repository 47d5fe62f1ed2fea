"""Slides and decks, once for every front end: a slide of a pair's findings, of the
strongest findings across every pair, or of an item of a user's presentation
(:class:`~insight.present.slides.SlideItem`), a whole deck as a file, and which slides a
deck shown in meeting mode has (:class:`Deck`, :func:`present_deck`).

Each is a plain function of a place id and the ids of what is asked (see
:mod:`insight.present.slides` for how the slides are drawn).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from insight.analysis.findings import Finding, Findings, Strongest
from insight.errors import DataError
from insight.present import slides
from insight.present.export import deck_bytes
from insight.service.findings import pair_findings
from insight.service.places import Places

__all__ = [
    "DECK_SOURCES",
    "FINDINGS",
    "OWN",
    "STRONGEST",
    "Deck",
    "deck",
    "deck_bytes",
    "finding_slide",
    "item_slide",
    "present_deck",
]

#: The decks meeting mode shows: the strongest findings across every indicator and grouping,
#: the ranked findings of one indicator and grouping, or the user's own presentation.
STRONGEST, FINDINGS, OWN = "strongest", "findings", "own"
DECK_SOURCES: tuple[str, ...] = (STRONGEST, FINDINGS, OWN)


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


@dataclass(frozen=True)
class Deck:
    """The slides of a deck shown in meeting mode: which deck, and what each slide is of.

    Attributes
    ----------
    source : str
        One of :data:`DECK_SOURCES`.
    items : tuple of SlideItem
        Each slide's item, in order: the user's own items, or the item of each finding
        shown (:meth:`SlideItem.of_finding`, what "Add to presentation" adds).
    findings : tuple of Finding
        The findings shown, in order (finding decks; empty for the user's own).
    indicator, grouping : str
        The indicator and grouping of a pair's findings (:data:`FINDINGS`; "" otherwise).
    """

    source: str
    items: tuple[slides.SlideItem, ...]
    findings: tuple[Finding, ...] = ()
    indicator: str = ""
    grouping: str = ""

    @property
    def total(self) -> int:
        """How many slides."""
        return len(self.items)

    @property
    def key(self) -> tuple[str, ...]:
        """What the deck is: another deck opens at its first slide. The user's own
        presentation stays one deck as slides are added and removed."""
        if self.source == OWN:
            return (OWN,)
        if self.source == STRONGEST:
            return (STRONGEST, str(self.total))
        return (FINDINGS, self.indicator, self.grouping, str(self.total))

    @property
    def stem(self) -> str:
        """The name its files are downloaded under (without the extension)."""
        if self.source == OWN:
            return "place-insight-presentation"
        if self.source == STRONGEST:
            return "place-insight-strongest"
        return f"place-insight-{self.indicator}-{self.grouping}"


def present_deck(
    source: str,
    *,
    strongest: Strongest | None = None,
    pair: Findings | None = None,
    items: Sequence[slides.SlideItem] = (),
    limit: int = 5,
) -> Deck:
    """The deck meeting mode shows: the first ``limit`` of the strongest findings or of a
    pair's, or the user's own items.

    Parameters
    ----------
    source : str
        One of :data:`DECK_SOURCES`.
    strongest : Strongest, optional
        The strongest findings across every pair (:func:`insight.service.strongest_findings`),
        for :data:`STRONGEST`.
    pair : Findings, optional
        A pair's ranked findings (:func:`insight.service.pair_findings`), for :data:`FINDINGS`.
    items : sequence of SlideItem
        The user's own presentation, for :data:`OWN`.
    limit : int, default 5
        Most slides of a deck of findings.

    Returns
    -------
    Deck

    Raises
    ------
    DataError
        An unknown ``source``, or a deck of findings without its findings.

    Examples
    --------
    >>> item = slides.SlideItem("area", "mt_minutes", "lad", area_code="E01027210")
    >>> own = present_deck(OWN, items=[item])
    >>> own.total, own.key, own.stem
    (1, ('own',), 'place-insight-presentation')
    >>> present_deck(STRONGEST).total
    Traceback (most recent call last):
    ...
    insight.errors.DataError: A deck of the strongest findings needs them (strongest=...).
    """
    if source == OWN:
        return Deck(OWN, tuple(items))
    if source not in DECK_SOURCES:
        raise DataError(f"Deck {source!r} is not one of {', '.join(DECK_SOURCES)}.")
    found = strongest if source == STRONGEST else pair
    if found is None:
        what = "the strongest findings" if source == STRONGEST else "a pair's findings"
        name = "strongest" if source == STRONGEST else "pair"
        raise DataError(f"A deck of {what} needs them ({name}=...).")
    shown = tuple(found.items[: min(limit, len(found))])
    return Deck(
        source,
        tuple(slides.SlideItem.of_finding(f) for f in shown),
        shown,
        indicator=pair.indicator if source == FINDINGS and pair is not None else "",
        grouping=pair.grouping if source == FINDINGS and pair is not None else "",
    )
