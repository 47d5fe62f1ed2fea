"""insight.present.links: a presentation's items in a link, and back, checked."""

from __future__ import annotations

import dataclasses

import pytest

from insight.present.links import decode_items, encode_items, fits
from insight.present.slides import SlideItem

AREA = SlideItem("area", "mt_minutes", "lad", area_code="E01027210")
FINDING = SlideItem(
    "finding", "mt_minutes", "isdn", finding_kind="border", group_code="E54000001",
    other_code="E54000002",
)  # fmt: skip
OUTLIER = dataclasses.replace(FINDING, finding_kind="funnel", other_code="")


def test_items_go_into_a_url_and_come_back_the_same() -> None:
    odd = dataclasses.replace(FINDING, group_code="a.b~c%d e/f", other_code="ü", area_code="E01.2")
    for deck in ([AREA], [AREA, FINDING, OUTLIER], [odd], []):
        text = encode_items(deck)
        assert decode_items(text) == deck
        assert text.count("~") == max(len(deck) - 1, 0)  # "~" only between items
    assert encode_items([AREA, OUTLIER]) == (
        "a.mt_minutes.lad.E01027210~f.mt_minutes.isdn.funnel.E54000001.."
    )
    # a link made before findings kept one of their areas still opens
    assert decode_items("f.mt_minutes.isdn.funnel.E54000001.") == [OUTLIER]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("x.mt_minutes.lad.E01", "not in the form the app writes (slide 1)"),
        ("a.mt_minutes.lad.E01~a.mt_minutes.lad", "not in the form the app writes (slide 2)"),
        ("a.mt_minutes.lad.E01.extra", "not in the form"),
        ("a.%C3%28.lad.E01", "not in the form"),  # not UTF-8
        ("a.%0A.lad.E01", "not in the form"),  # a control character
        ("a." + "x" * 201 + ".lad.E01", "not in the form"),
        ("a..lad.E01", "slide 1 does not say what to show"),
        ("f.mt_minutes.isdn.border..", "slide 1 does not say what to show"),
        ("a.i.g.c~" * 60 + "a.i.g.c", "more slides than a presentation can hold (60)"),
        ("a.i.g." + "c" * 8000, "longer than any link the app writes"),
    ],
)
def test_a_url_not_written_by_the_app_is_refused_with_a_reason(text, problem) -> None:
    with pytest.raises(ValueError, match="could not be opened") as error:
        decode_items(text)
    assert problem in str(error.value)


def test_fits_checks_the_items_names_against_the_place(demo_place) -> None:
    code = demo_place.areas["code"].iloc[0]
    assert fits(demo_place, dataclasses.replace(AREA, area_code=code))
    assert not fits(demo_place, dataclasses.replace(AREA, area_code="nowhere"))
    assert not fits(demo_place, dataclasses.replace(AREA, area_code=code, indicator="nope"))
    isdn = list(demo_place.group_names("isdn").index)
    assert fits(demo_place, dataclasses.replace(FINDING, group_code=isdn[0], other_code=isdn[1]))
    assert fits(demo_place, dataclasses.replace(OUTLIER, group_code=isdn[0]))
    assert not fits(demo_place, dataclasses.replace(FINDING, group_code=isdn[0], other_code="nope"))
