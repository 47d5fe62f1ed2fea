"""The modelled stroke outcomes on the pages: Your area says them in words beside the minutes
and links to the method; Data and methods states every assumption with its source."""

from __future__ import annotations

import pytest

from tests.app.test_pages import assert_clean, run_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def built(demo_place):
    return demo_place


def test_your_area_says_the_modelled_outcome_and_links_to_the_method():
    app = run_page("pages/your-area.py", postcode="NR1 3QU")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "If you had a stroke here, a typical patient with a large-vessel stroke" in text
    assert "would live independently afterwards (a modelled estimate" in text
    assert "percentage points less than the average for England" in text
    assert "chance" not in text.split("If you had a stroke here")[1][:200]
    assert any("How this is modelled" in link.label for link in app.get("page_link"))


def test_data_page_states_the_pathway_timings_and_their_source():
    app = run_page("pages/data.py")
    assert_clean(app)
    assert "Modelled stroke outcomes" in [h.value for h in app.header]
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "not measured outcomes" in text
    assert "79 minutes from the stroke beginning to calling an ambulance" in text
    assert "muster_workshop_web_app_1" in text
