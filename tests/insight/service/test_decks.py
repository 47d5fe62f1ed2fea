"""insight.service.decks: which slides a deck shown in meeting mode has."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from insight.errors import DataError
from insight.present.slides import SlideItem
from insight.service.decks import FINDINGS, OWN, STRONGEST, present_deck


def finding(group: str, other: str = "", areas: tuple[str, ...] = ("E01",)) -> SimpleNamespace:
    return SimpleNamespace(
        indicator="mt_minutes", grouping="isdn", kind="border" if other else "funnel",
        group_code=group, other_code=other, area_codes=areas,
    )  # fmt: skip


FOUND = [finding("A", "B"), finding("C"), finding("D", "E", ()), finding("F")]
AREA = SlideItem("area", "mt_minutes", "lad", area_code="E01027210")


class Found(SimpleNamespace):
    def __len__(self) -> int:
        return len(self.items)


def test_a_deck_of_findings_is_the_first_few_each_with_the_item_that_adds_it() -> None:
    pair = Found(indicator="mt_minutes", grouping="isdn", items=tuple(FOUND))
    deck = present_deck(FINDINGS, pair=pair, limit=3)
    assert deck.total == 3 and deck.findings == tuple(FOUND[:3])
    assert deck.items[0] == SlideItem(
        "finding", "mt_minutes", "isdn", finding_kind="border", group_code="A",
        other_code="B", area_code="E01",
    )  # fmt: skip
    assert deck.items[2].area_code == "" and deck.items[1].other_code == ""
    assert deck.key == (FINDINGS, "mt_minutes", "isdn", "3")
    assert deck.stem == "place-insight-mt_minutes-isdn"
    assert present_deck(FINDINGS, pair=pair, limit=10).total == 4  # no more than there are


def test_the_strongest_deck_and_the_users_own() -> None:
    best = Found(items=tuple(FOUND))
    deck = present_deck(STRONGEST, strongest=best, limit=5)
    assert deck.total == 4 and deck.key == (STRONGEST, "4")
    assert deck.stem == "place-insight-strongest" and deck.indicator == ""
    own = present_deck(OWN, items=[AREA, AREA], limit=0)
    assert own.items == (AREA, AREA) and own.findings == ()
    # the user's presentation stays one deck as it grows or shrinks (Present keeps its slide)
    assert own.key == present_deck(OWN, items=[]).key == (OWN,)
    assert own.stem == "place-insight-presentation"


def test_a_deck_without_its_findings_or_of_no_known_kind_is_refused() -> None:
    with pytest.raises(DataError, match="strongest=..."):
        present_deck(STRONGEST)
    with pytest.raises(DataError, match="pair=..."):
        present_deck(FINDINGS, strongest=Found(items=()))
    with pytest.raises(DataError, match="'slides' is not one of strongest, findings, own"):
        present_deck("slides")
