"""ui.presentation: the session's own deck of findings and areas, added from any page.

A tiny Streamlit script runs through AppTest so ``st.session_state`` is Streamlit's own: it
runs the calls the test puts in ``st.session_state["calls"]`` and leaves each result (or the
ValueError message) in ``st.session_state["results"]``.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

AREA = {"kind": "area", "indicator": "mt_minutes", "grouping": "lad", "area_code": "E01027210"}
FINDING = {
    "kind": "finding",
    "indicator": "mt_minutes",
    "grouping": "isdn",
    "finding_kind": "border",
    "group_code": "E54000001",
    "other_code": "E54000002",
}
OUTLIER = {**FINDING, "finding_kind": "funnel", "other_code": None}


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


def items(app: AppTest) -> list[dict]:
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
    assert call(app, ("add_to_presentation", dict(FINDING))) == [False]
    assert items(app) == [FINDING]


def test_a_finding_without_other_code_is_a_different_item(app):
    assert call(app, ("add_to_presentation", FINDING), ("add_to_presentation", OUTLIER)) == [
        True,
        True,
    ]
    assert items(app)[1]["other_code"] is None


def test_values_are_kept_as_text(app):
    call(app, ("add_to_presentation", {**AREA, "area_code": 12345}))
    assert items(app)[0]["area_code"] == "12345"
    assert call(app, ("add_to_presentation", {**AREA, "area_code": "12345"})) == [False]


def test_items_returned_are_copies(app):
    call(app, ("add_to_presentation", AREA))
    listed = items(app)
    listed[0]["area_code"] = "changed"
    listed.clear()
    assert items(app) == [AREA]


def test_remove_takes_out_one_item_and_ignores_positions_out_of_range(app):
    call(app, ("add_to_presentation", AREA), ("add_to_presentation", FINDING))
    call(app, ("remove_from_presentation", 0))
    assert items(app) == [FINDING]
    call(app, ("remove_from_presentation", 5), ("remove_from_presentation", -1))
    assert items(app) == [FINDING]
    call(app, ("remove_from_presentation", 0))
    assert items(app) == []


@pytest.mark.parametrize(
    ("item", "missing"),
    [
        ({k: v for k, v in AREA.items() if k != "area_code"}, "area_code"),
        ({**AREA, "indicator": ""}, "indicator"),
        ({k: v for k, v in FINDING.items() if k != "group_code"}, "group_code"),
        ({k: v for k, v in FINDING.items() if k != "grouping"}, "grouping"),
    ],
)
def test_an_item_missing_a_key_raises_a_value_error_naming_it(app, item, missing):
    (result,) = call(app, ("add_to_presentation", item))
    assert result.startswith("ValueError: ")
    assert f"lacks {missing};" in result  # the one message (SlideItem.from_mapping)
    assert items(app) == []


def test_an_unknown_kind_raises_a_value_error_naming_the_kinds(app):
    (result,) = call(app, ("add_to_presentation", {**FINDING, "kind": "flag"}))
    assert result.startswith("ValueError: ") and "'flag'" in result
    assert "area" in result and "finding" in result
    (result,) = call(app, ("add_to_presentation", {"indicator": "mt_minutes"}))
    assert result.startswith("ValueError: ") and "None" in result


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


def test_the_add_button_refuses_a_bad_item(app):
    app.session_state["button"] = {"kind": "area", "indicator": "mt_minutes"}
    app.run()
    # The page stops with an error and draws no button. Which fields are missing is checked
    # above through add_to_presentation: .streamlit/config.toml (showErrorDetails = "none")
    # keeps an exception's text out of the page, so it is not on the page to read here.
    assert app.exception and not app.button
    assert "error" in app.exception[0].message


# --- in the URL ---------------------------------------------------------------------------


def test_items_go_into_a_url_and_come_back_the_same():
    from ui.presentation import decode_items, encode_items

    odd = {**FINDING, "group_code": "a.b~c%d e/f", "other_code": "ü", "area_code": "E01.2"}
    for deck in ([AREA], [AREA, FINDING, OUTLIER], [odd], []):
        text = encode_items(deck)
        # a finding's area (which of a group's findings it is) comes back, None when not kept
        kept = [{**i, "area_code": i.get("area_code")} for i in deck]
        assert decode_items(text) == kept
        assert text.count("~") == max(len(deck) - 1, 0)  # "~" only between items
    assert encode_items([AREA, OUTLIER]) == (
        "a.mt_minutes.lad.E01027210~f.mt_minutes.isdn.funnel.E54000001.."
    )
    # a link made before findings kept one of their areas still opens
    assert decode_items("f.mt_minutes.isdn.funnel.E54000001.") == [{**OUTLIER, "area_code": None}]


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
def test_a_url_not_written_by_the_app_is_refused_with_a_reason(text, problem):
    from ui.presentation import decode_items

    with pytest.raises(ValueError, match="could not be opened") as error:
        decode_items(text)
    assert problem in str(error.value)


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


def test_replacing_the_presentation_checks_the_items_and_forgets_the_last_added(app):
    call(app, ("add_to_presentation", AREA), ("replace_presentation", [FINDING, OUTLIER]))
    assert items(app) == [FINDING, OUTLIER]
    assert call(app, ("take_just_added",)) == [None]
    (result,) = call(app, ("replace_presentation", [{"kind": "area"}]))
    assert result.startswith("ValueError: ")


def test_fits_checks_the_items_names_against_the_place(demo_place):
    from ui.presentation import fits

    code = demo_place.areas["code"].iloc[0]
    assert fits(demo_place, {**AREA, "area_code": code})
    assert not fits(demo_place, {**AREA, "area_code": "nowhere"})
    assert not fits(demo_place, {**AREA, "area_code": code, "indicator": "nope"})
    isdn = list(demo_place.group_names("isdn").index)
    assert fits(demo_place, {**FINDING, "group_code": isdn[0], "other_code": isdn[1]})
    assert fits(demo_place, {**OUTLIER, "group_code": isdn[0]})
    assert not fits(demo_place, {**FINDING, "group_code": isdn[0], "other_code": "nope"})
