"""What residents and councillors read, on the real demo (issue 22's points, page by page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from insight.explain import place_search_hint

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 120

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def built(demo_place):
    return demo_place


def run_page(page: str, **query) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    return app.run()


def test_a_search_no_finding_matches_says_where_the_word_is(demo_place):
    hint = place_search_hint(demo_place, "Northamptonshire", "isdn")
    assert hint.startswith("No finding shown here mentions “Northamptonshire”. It is in the")
    assert "local authorities — North Northamptonshire, West Northamptonshire" in hint
    app = run_page("pages/lottery.py", indicator="mt_minutes", grouping="isdn")
    assert not app.exception
    app.text_input[0].input("Atlantis").run()
    assert not app.exception
    assert any(c.value.startswith("0 of ") for c in app.caption)
    hint = " ".join(i.value for i in app.info).replace("\\", "")
    assert "No finding shown here mentions “Atlantis”" in hint
    assert "no area of this place is named so" in hint


def test_your_area_says_what_a_small_area_name_is_once_and_capitals_stay():
    app = run_page("pages/your-area.py", postcode="NN1 1AA")
    assert not app.exception
    captions = [c.value.replace("\\", "") for c in app.caption]
    said = [c for c in captions if "is a neighbourhood of about 1,500 people" in c]
    assert len(said) == 1 and said[0].startswith("Northampton 021C")
    app = run_page("pages/your-area.py", postcode="NN1 1AA", boundary="subicb")
    assert not app.exception
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "sub-ICB location" in text and "sub-icb location" not in text


def test_an_unknown_postcode_names_no_internal_version():
    app = run_page("pages/your-area.py", postcode="ZZ9 9ZZ")
    assert not app.exception
    message = " ".join(e.value for e in app.error).replace("\\", "")
    assert "not in the ONS postcode directory we hold" in message
    assert "version" not in message


def test_the_accessibility_statement_is_linked_from_every_page_and_names_the_audit():
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.secrets["place_insight"] = {"contact": "access@council.example.gov.uk"}
    app.switch_page("pages/accessibility.py")
    app.run()
    assert not app.exception
    assert app.title[0].value == "Accessibility statement"
    headings = [h.value for h in app.header]
    for section in ("How accessible this dashboard is", "Feedback and contact information",
                    "Enforcement procedure", "How we tested this dashboard"):  # fmt: skip
        assert section in headings
    text = " ".join(m.value for m in app.markdown)
    assert "access@council.example.gov.uk" in text and "WCAG" in text and "2.2" in text
    for page in ("app.py", "pages/your-area.py", "pages/present.py"):
        other = run_page(page)
        links = [link.label for link in other.sidebar.get("page_link")]
        assert "Accessibility statement" in links


def test_your_area_keeps_counts_per_small_area_out_of_its_cards():
    app = run_page("pages/your-area.py", postcode="CF10 1EP")
    assert not app.exception
    cards = [m.value for m in app.markdown if m.value.startswith("**")]
    assert cards and not any("Stroke admissions a year" in c for c in cards)
    assert not any(m.value == "no data" for m in app.metric)
    captions = " ".join(c.value for c in app.caption).replace("\\", "")
    assert "Stroke admissions a year is a count for your small area, not a rate" in captions


def test_own_data_card_writes_a_scale_under_its_figure_and_points_not_percent(ward_place):
    app = run_page("pages/your-area.py", place=ward_place.id, postcode="NN1 1AA")
    assert not app.exception
    values = [m.value for m in app.metric]
    assert not any("(England" in v for v in values)
    assert "(England = 100)" in " ".join(c.value for c in app.caption).replace("\\", "")
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "percentage points" in text
    assert not re.search(r"\d% (more|less) than", text)  # a difference of shares is in points
    assert ") (" not in text
