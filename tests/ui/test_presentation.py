"""ui.presentation: the session's own deck of findings and areas, added from any page, and
kept in the URL.

A tiny Streamlit script runs through AppTest so ``st.session_state`` and ``st.query_params``
are Streamlit's own: it runs the calls the test puts in ``st.session_state["calls"]`` and
leaves each result (or the ValueError message) in ``st.session_state["results"]``.
"""

from __future__ import annotations

import dataclasses

import pytest
from streamlit.testing.v1 import AppTest

from insight.present.slides import SlideItem
from insight.service.decks import FINDINGS, OWN, Deck

AREA = SlideItem("area", "mt_minutes", "lad", area_code="E01027210")
FINDING = SlideItem(
    "finding", "mt_minutes", "isdn", finding_kind="border", group_code="E54000001",
    other_code="E54000002",
)  # fmt: skip
OUTLIER = dataclasses.replace(FINDING, finding_kind="funnel", other_code="")


def script() -> None:
    import streamlit as st

    from ui import presentation

    results = []
    for name, args in st.session_state.pop("calls", []):
        try:
            results.append(getattr(presentation, name)(*args))
        except ValueError as error:
            results.append(f"ValueError: {error}")
    if "button" in st.session_state:  # an "Add to presentation" button, as a page draws it
        presentation.add_button(st.session_state["button"], key="add")
    st.session_state["results"] = results


@pytest.fixture()
def app() -> AppTest:
    return AppTest.from_function(script, default_timeout=30)


def call(app: AppTest, *calls: tuple) -> list:
    """Run ``calls`` (``(function name, *args)``) in one script run; return their results."""
    app.session_state["calls"] = [(name, args) for name, *args in calls]
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app.session_state["results"]


def items(app: AppTest) -> list[SlideItem]:
    return call(app, ("presentation_items",))[0]


def test_a_new_session_has_an_empty_presentation(app):
    assert items(app) == []


def test_items_are_added_in_order(app):
    assert call(app, ("add_to_presentation", AREA), ("add_to_presentation", FINDING)) == [
        True,
        True,
    ]
    assert items(app) == [AREA, FINDING]


def test_the_same_item_is_not_added_twice(app):
    assert call(app, ("add_to_presentation", FINDING)) == [True]
    assert call(app, ("add_to_presentation", dataclasses.replace(FINDING))) == [False]
    assert items(app) == [FINDING]


def test_a_finding_without_other_code_is_a_different_item(app):
    assert call(app, ("add_to_presentation", FINDING), ("add_to_presentation", OUTLIER)) == [
        True,
        True,
    ]
    assert items(app) == [FINDING, OUTLIER]


def test_items_returned_are_a_copy_of_the_list(app):
    call(app, ("add_to_presentation", AREA))
    items(app).clear()
    assert items(app) == [AREA]


def test_remove_takes_out_one_item_and_ignores_positions_out_of_range(app):
    call(app, ("add_to_presentation", AREA), ("add_to_presentation", FINDING))
    call(app, ("remove_from_presentation", 0))
    assert items(app) == [FINDING]
    call(app, ("remove_from_presentation", 5), ("remove_from_presentation", -1))
    assert items(app) == [FINDING]
    call(app, ("remove_from_presentation", 0))
    assert items(app) == []


def test_the_add_button_adds_once_then_says_it_is_there(app):
    app.session_state["button"] = FINDING
    call(app)
    button = app.button(key="add")
    assert button.label == "Add to presentation" and not button.disabled
    button.click()
    call(app)  # the click adds the item and reruns (AppTest keeps only the rerun's output)
    button = app.button(key="add")
    assert button.label == "In your presentation" and button.disabled
    assert items(app) == [FINDING]


def test_the_item_added_last_is_taken_once(app):
    call(app, ("add_to_presentation", AREA), ("add_to_presentation", FINDING))
    assert call(app, ("wants_own_deck",), ("take_just_added",), ("take_just_added",)) == [
        True,
        1,
        None,
    ]
    assert call(app, ("wants_own_deck",)) == [False]


def test_an_item_added_then_removed_is_not_opened(app):
    call(app, ("add_to_presentation", AREA), ("remove_from_presentation", 0))
    assert call(app, ("wants_own_deck",), ("take_just_added",)) == [False, None]


def test_replacing_the_presentation_forgets_the_last_added(app):
    call(app, ("add_to_presentation", AREA), ("replace_presentation", [FINDING, OUTLIER]))
    assert items(app) == [FINDING, OUTLIER]
    assert call(app, ("take_just_added",)) == [None]


# --- in the URL ---------------------------------------------------------------------------


def test_shared_items_reads_only_what_this_session_did_not_write():
    app = AppTest.from_function(script, default_timeout=30)
    app.query_params["items"] = "a.mt_minutes.lad.E01027210"
    assert call(app, ("shared_items",)) == [([AREA], None)]
    call(app, ("put_items", [AREA]))
    assert call(app, ("shared_items",)) == [(None, None)]  # its own
    call(app, ("put_items", []))
    assert "items" not in app.query_params


def test_shared_items_says_what_is_wrong_with_a_bad_value():
    app = AppTest.from_function(script, default_timeout=30)
    app.query_params["items"] = "<script>"
    ((shared, problem),) = call(app, ("shared_items",))
    assert shared is None and "could not be opened" in problem


def test_a_link_becomes_the_sessions_presentation_with_what_did_not_fit(demo_place):
    code = str(demo_place.areas["code"].iloc[0])
    app = AppTest.from_function(script, default_timeout=30)
    app.query_params["items"] = f"a.mt_minutes.lad.{code}~a.no_such.lad.{code}"
    call(app, ("keep_items", demo_place))
    assert items(app) == [dataclasses.replace(AREA, area_code=code)]
    assert call(app, ("take_from_link",), ("take_from_link",)) == [
        {"slides": 2, "fitting": 1},
        None,
    ]
    assert app.query_params["items"] in ([f"a.mt_minutes.lad.{code}"], f"a.mt_minutes.lad.{code}")


# --- Present: the slide shown -------------------------------------------------------------


def slide_param(app: AppTest) -> str:
    value = app.query_params["slide"]
    return value[0] if isinstance(value, list) else value


def test_the_slide_shown_comes_from_the_url_and_a_new_deck_starts_at_one(app):
    other = dataclasses.replace(AREA, area_code="E01000002")
    three = Deck(FINDINGS, (FINDING, OUTLIER, AREA), indicator="mt_minutes", grouping="isdn")
    app.query_params["slide"] = "3"  # a shared link's slide
    assert call(app, ("current_slide", three)) == [3]
    assert call(app, ("current_slide", three)) == [3]  # the same deck: stays
    app.query_params["slide"] = "9"  # not one of the deck's: the one shown stays
    assert call(app, ("current_slide", three)) == [3] and slide_param(app) == "3"
    own = Deck(OWN, (AREA, other))
    assert call(app, ("current_slide", own)) == [1]  # another deck: its first slide
    fresh = AppTest.from_function(script, default_timeout=30)
    fresh.query_params["slide"] = "9"  # a link's slide the deck does not have: the first
    assert call(fresh, ("current_slide", three)) == [1] and slide_param(fresh) == "1"


def test_the_users_presentation_opens_on_the_slide_just_added(app):
    other = dataclasses.replace(AREA, area_code="E01000002")
    call(app, ("add_to_presentation", AREA), ("add_to_presentation", other))
    deck = Deck(OWN, (AREA, other))
    assert call(app, ("current_slide", deck)) == [2] and slide_param(app) == "2"
    app.query_params["slide"] = "1"  # then the user's to move
    assert call(app, ("current_slide", deck)) == [1]
