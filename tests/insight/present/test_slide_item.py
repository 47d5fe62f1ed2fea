"""SlideItem: the one definition of a presentation item, read from the mappings the pages
build and the presentation's URL gives back."""

from __future__ import annotations

import pytest

from insight.errors import DataError
from insight.present.slides import ITEM_FIELDS, ITEM_KINDS, ITEM_REQUIRED, SlideItem


def test_an_item_is_read_from_a_mapping_of_its_kinds_fields() -> None:
    item = SlideItem.from_mapping(
        {"kind": "finding", "indicator": "mt_minutes", "grouping": "isdn", "group_code": "x",
         "finding_kind": None, "other_code": 7, "area_code": "E01", "extra": "ignored"}
    )  # fmt: skip
    assert item == SlideItem(
        "finding", "mt_minutes", "isdn", group_code="x", other_code="7", area_code="E01"
    )
    assert hash(item) == hash(SlideItem.from_mapping({**vars(item)}))  # a cache key
    assert set(ITEM_FIELDS) == set(ITEM_REQUIRED) == set(ITEM_KINDS)
    for kind in ITEM_KINDS:
        assert set(ITEM_REQUIRED[kind]) <= set(ITEM_FIELDS[kind])


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"kind": "chart", "indicator": "i", "grouping": "g"}, "kind 'chart' is not one of"),
        ({"indicator": "i", "grouping": "g"}, "kind None is not one of area, finding"),
        ({"kind": "area", "indicator": "i", "grouping": "g"}, "lacks area_code"),
        ({"kind": "finding", "indicator": "i", "grouping": ""}, "lacks grouping, group_code"),
    ],
)
def test_an_incomplete_item_says_what_it_lacks(mapping, message) -> None:
    with pytest.raises(DataError, match=message):
        SlideItem.from_mapping(mapping)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "chart", "indicator": "i", "grouping": "g"}, "kind 'chart' is not one of"),
        ({"kind": "area", "indicator": "i", "grouping": "g"}, "lacks area_code"),
        ({"kind": "finding", "indicator": "", "grouping": "g"}, "lacks indicator, group_code"),
    ],
)
def test_an_item_made_by_hand_is_checked_too(fields, message) -> None:
    with pytest.raises(DataError, match=message):
        SlideItem(**fields)
