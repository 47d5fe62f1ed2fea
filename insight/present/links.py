"""A user's presentation in a link: its items (:class:`~insight.present.slides.SlideItem`)
as the text of one URL parameter, and back, checked.

Each item is a short text of fields separated by ``.``, items separated by ``~``:
``a.mt_minutes.lad.E01027210`` (an area) or
``f.mt_minutes.isdn.border.east-midlands.london.E01000001`` (a finding: its kind, group,
the group across the border and one of its areas, empty when it has none); a field holding
``.``, ``~`` or ``%`` is percent-encoded. Readable, and short enough for dozens of slides.

The app writes its session's presentation here (``ui.presentation``), so that a link
shares it; the command line and the API can read the same text
(:func:`insight.service.decks.deck`).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, unquote

from insight import explain
from insight.model import Place
from insight.present.slides import ITEM_FIELDS, SlideItem

#: The letter that starts each kind of item in a link.
LETTERS = {"area": "a", "finding": "f"}
#: Most slides a presentation in a link may have, and the longest text it may be.
MAX_ITEMS = 60
MAX_URL_CHARS = 8_000
#: The longest field of an item a link may carry.
MAX_FIELD = 200


def _field(value: str) -> str:
    """One field as written in a link: percent-encoded, ``.`` and ``~`` too."""
    return quote(value, safe="").replace(".", "%2E").replace("~", "%7E")


def encode_items(items: Sequence[SlideItem]) -> str:
    """The items as the text of a URL parameter (see the module docstring).

    Parameters
    ----------
    items : sequence of SlideItem
        The presentation's items, in order.

    Returns
    -------
    str
        ``""`` for no items.

    Examples
    --------
    >>> encode_items([SlideItem("area", "mt_minutes", "lad", area_code="E01027210"),
    ...               SlideItem("finding", "mt_minutes", "isdn", finding_kind="border",
    ...                         group_code="a.b")])
    'a.mt_minutes.lad.E01027210~f.mt_minutes.isdn.border.a%2Eb..'
    """
    return "~".join(
        ".".join([LETTERS[item.kind], *(_field(getattr(item, f)) for f in ITEM_FIELDS[item.kind])])
        for item in items
    )


def decode_items(text: str) -> list[SlideItem]:
    """The items of a URL parameter written by :func:`encode_items`, checked.

    Parameters
    ----------
    text : str
        The parameter's value, from anyone: it is checked, never trusted.

    Returns
    -------
    list of SlideItem

    Raises
    ------
    ValueError
        Its message says, in words for the page, what is wrong (too long, too many slides,
        a slide not in the form the app writes).

    Examples
    --------
    >>> decode_items("a.mt_minutes.lad.E01027210")[0].area_code
    'E01027210'
    >>> decode_items("x.y")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: The presentation in this link could not be opened: it is not in the form ...
    """
    if not text:
        return []
    if len(text) > MAX_URL_CHARS:
        raise ValueError(explain.deck_link_problem("long"))
    parts = text.split("~")
    if len(parts) > MAX_ITEMS:
        raise ValueError(explain.deck_link_problem("many", limit=MAX_ITEMS))
    kinds = {letter: kind for kind, letter in LETTERS.items()}
    items = []
    for number, part in enumerate(parts, start=1):
        letter, *values = part.split(".")
        kind = kinds.get(letter)
        if kind == "finding" and len(values) == len(ITEM_FIELDS[kind]) - 1:
            values.append("")  # a link made before a finding kept one of its areas
        if kind is None or len(values) != len(ITEM_FIELDS[kind]):
            raise ValueError(explain.deck_link_problem("form", slide=number))
        try:
            values = [unquote(v, errors="strict") if "%" in v else v for v in values]
        except UnicodeDecodeError:
            values = ["\x00"]  # not text: refused below
        if any(len(v) > MAX_FIELD or not v.isprintable() for v in values):
            raise ValueError(explain.deck_link_problem("form", slide=number))
        try:
            items.append(
                SlideItem.from_mapping(
                    {"kind": kind, **dict(zip(ITEM_FIELDS[kind], values, strict=True))}
                )
            )
        except ValueError:
            raise ValueError(explain.deck_link_problem("item", slide=number)) from None
    return items


def fits(place: Place, item: SlideItem) -> bool:
    """Whether an item names this place's indicator, grouping and areas or groups.

    Examples
    --------
    >>> fits(place, SlideItem("area", "mt_minutes", "lad", area_code="E01027210"))  # doctest: +SKIP
    True
    """
    if item.indicator not in place.indicators or item.grouping not in place.groupings:
        return False
    if item.kind == "area":
        return bool((place.areas["code"].astype(str) == item.area_code).any())
    groups = place.group_names(item.grouping).index
    return item.group_code in groups and (not item.other_code or item.other_code in groups)
