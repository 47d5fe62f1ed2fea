"""Every page through Streamlit's AppTest, on the real demo place.

Each test opens its page the way a deep link does as the very first request after a server
start: ``app.py`` is the entry script, the page is chosen before the first run, and nothing
else has run in the session. So every page must draw the shared frame itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from insight import cli
from insight.explain import FAMILY_HEADINGS, FINDING_FAMILIES, escape_markdown
from ui.frame import CAPTION, PAGES

APP = str(Path(__file__).resolve().parents[2] / "app.py")

pytestmark = pytest.mark.slow
TIMEOUT = 120


def run_page(page: str, **query) -> AppTest:
    """Open ``page`` (a script path relative to app.py) as the first request of a session."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        app.query_params[key] = value
    if page != "app.py":
        app.switch_page(page)  # before any run: like typing /map into a fresh browser
    return app.run()


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [e.message for e in app.exception]


@pytest.fixture(scope="module", autouse=True)
def built(demo_place):
    return demo_place


def test_home_explains_and_offers_a_postcode_box():
    app = run_page("app.py")
    assert_clean(app)
    assert app.title[0].value == "Place Insight"
    assert app.text_input[0].label == "Your postcode"


def test_your_area_finds_nn1_1aa_in_west_northamptonshire():
    app = run_page("pages/your-area.py", postcode="NN1 1AA")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown)
    assert "West Northamptonshire" in text
    assert "minutes" in text


def test_your_area_typed_postcode_then_bad_postcode_shows_error_not_traceback():
    app = run_page("pages/your-area.py")
    assert_clean(app)
    app.text_input[0].input("nn11aa")
    app.button[0].click().run()
    assert_clean(app)
    assert "NN1 1AA" in app.subheader[0].value
    app.text_input[0].input("not a postcode")
    app.button[0].click().run()
    assert_clean(app)
    assert "is not a UK postcode" in app.error[0].value


def test_map_national_then_change_indicator():
    app = run_page("pages/map.py")
    assert_clean(app)
    indicator = app.sidebar.selectbox(key="w_indicator")
    indicator.select("mt_minutes").run()
    assert_clean(app)
    assert app.subheader[0].value == "Minutes to the nearest thrombectomy centre"
    assert (
        app.query_params["indicator"] == ["mt_minutes"]
        or app.query_params["indicator"] == "mt_minutes"
    )


def test_map_local_view_of_an_authority_and_its_neighbours():
    app = run_page("pages/map.py", scope="local", group="E06000062", indicator="mt_minutes")
    assert_clean(app)
    assert "West Northamptonshire and the" in app.caption[0].value


def test_home_shows_the_three_strongest_findings_across_everything_as_the_cli_does(
    demo_store, capsys
):
    """Home's first three are ``findings --all``'s first three: tested differences first,
    labelled as such, each with a link to its own indicator and boundary."""
    assert cli.main(["findings", "--all", "--top", "3", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["tested"] for row in rows] == [True, True, True]
    app = run_page("app.py")
    assert_clean(app)
    text = [m.value for m in app.markdown]
    positions = [text.index(escape_markdown(row["sentence"])) for row in rows]
    assert positions == sorted(positions)  # the same three, in the same order
    labels = [t for t in text if t.startswith(f"**{FINDING_FAMILIES[True]}**")]
    assert len(labels) == 3


def test_map_benchmark_scheme_falls_back_with_a_reason_for_travel_times():
    app = run_page("pages/map.py", indicator="mt_minutes", scheme="benchmark", scope="group")
    assert_clean(app)
    assert "not rated against the benchmark" in app.info[0].value


def test_map_area_in_url_opens_its_card():
    app = run_page("pages/map.py", scope="group", group="E06000062", area="E01027153")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown)
    assert "Northampton 021C" in text and "Local authority: West Northamptonshire" in " ".join(
        c.value for c in app.caption
    )


def test_compare_defaults_to_an_authority_and_its_neighbours_with_intervals():
    app = run_page("pages/compare.py", indicator="admissions")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown)
    assert "West Northamptonshire" in text and "95% CI" in text
    assert "Harborough" in text  # touches West Northamptonshire
    table = app.dataframe[-1].value  # the benchmarking table (the last tab)
    assert {"Lower 95% CI", "Upper 95% CI", "Compared with England"} <= set(table.columns)
    assert table["Name"].iloc[0] == "West Northamptonshire"


def test_compare_travel_times_by_size_and_spread_with_no_funnel():
    """Road travel times are not samples: no confidence interval, no funnel, no chance."""
    app = run_page("pages/compare.py", indicator="mt_minutes")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "middle 80% of its areas" in text and "95% CI" not in text
    assert "longer than England" in text or "shorter than England" in text
    assert any("No funnel plot" in i.value for i in app.info)
    table = app.dataframe[-1].value
    assert {"10th centile of its areas", "Funnel plot"} <= set(table.columns)
    assert set(table["Funnel plot"].dropna()) == {"Does not apply (not sampled)"}


def test_compare_changing_the_indicator_changes_the_sentences():
    app = run_page("pages/compare.py")
    app.sidebar.selectbox(key="w_indicator").select("ivt_minutes").run()
    assert_clean(app)
    assert any("clot-busting" in column for column in app.dataframe[-1].value.columns)


def test_lottery_ranks_findings_and_filters_them():
    app = run_page("pages/lottery.py", indicator="mt_minutes", grouping="isdn")
    assert_clean(app)
    # The what-ifs (boundary penalties) are among these findings: the page does not claim
    # that every finding was tested against chance.
    intro = app.markdown[0].value
    assert "they are not tests" in intro and "Each finding has been tested" not in intro
    # the first finding is a tested difference (the what-ifs come after), with its interval
    assert any(m.value.startswith(f"**{FINDING_FAMILIES[True]}**") for m in app.markdown)
    assert "range: " in " ".join(c.value for c in app.caption).lower()
    assert app.caption[0].value.endswith("findings shown, strongest first.")
    captions = " ".join(c.value for c in app.caption)
    assert "Findings are ranked by one rule: tested differences before what-ifs" in captions
    # tested differences are listed before the what-ifs, each under its own heading
    headings = [h.value for h in app.subheader]
    if "Tested differences" in headings:
        assert headings.index("Tested differences") < headings.index(FAMILY_HEADINGS[False])
    app.text_input[0].input("London").run()
    assert_clean(app)
    shown = app.dataframe[-1].value
    assert len(shown) >= 1
    assert (
        shown["Name"].str.contains("London").any()
        or shown["Compared with"].str.contains("London").any()
    )


def test_lottery_opens_on_the_strongest_findings_across_everything(demo_place, demo_store):
    app = run_page("pages/lottery.py")
    assert_clean(app)
    best = demo_store.strongest()
    assert app.selectbox(key="w_view").value == "all"
    pairs = len(demo_place.indicators) * len(demo_place.groupings)
    assert f"across {pairs} indicator and boundary pairs" in app.caption[0].value
    first = best.items[0]
    assert first.tested
    assert any(escape_markdown(first.sentence) in m.value for m in app.markdown)
    headings = [h.value for h in app.subheader]
    assert headings.index("Tested differences") < headings.index(FAMILY_HEADINGS[False])
    table = app.dataframe[-1].value
    assert list(table["Tested or what-if"][:3]) == ["Tested difference"] * 3
    # a search with no result says so, and where else to look
    app.text_input[0].input("Atlantis").run()
    assert_clean(app)
    assert any("No finding shown here mentions “Atlantis”" in i.value for i in app.info)


def test_data_page_lists_sources_licences_and_quality():
    app = run_page("pages/data.py")
    assert_clean(app)
    sources = app.dataframe[0].value
    assert {"Open Government Licence v3.0", "MIT"} <= set(sources["Licence"])
    assert any("Crown copyright" in c.value for c in app.caption)


@pytest.mark.parametrize("page", [p.script for p in PAGES])
def test_a_deep_link_as_first_request_draws_the_frame(page):
    app = run_page(page, place="demo")
    assert_clean(app)
    title = next(p.title for p in PAGES if p.script == page)
    if page == "pages/present.py":  # a slide deck: its heading is the slide's title
        assert any('class="slide-title"' in m.value for m in app.markdown)
    else:
        assert app.title[0].value == ("Place Insight" if page == "app.py" else title)
    links = app.sidebar.get("page_link")
    assert [link.label for link in links] == [p.title for p in PAGES]
    assert [link.proto.query_string for link in links] == ["place=demo"] * len(PAGES)
    assert app.sidebar.selectbox(key="w_place").label == "Place"
    assert any(c.value == CAPTION for c in app.sidebar.caption)


def test_home_postcode_box_switches_to_your_area_with_place_and_postcode():
    app = run_page("app.py")
    app.text_input[0].input("nn1 1aa")
    app.button[0].click().run()
    assert_clean(app)
    assert app.title[0].value == "Your area"
    assert app.query_params["postcode"] in ("nn1 1aa", ["nn1 1aa"])
    assert "NN1 1AA" in app.subheader[0].value


def test_data_page_has_the_glossary_and_the_batch_lookup():
    app = run_page("pages/data.py")
    assert_clean(app)
    headers = [h.value for h in app.header]
    assert "Glossary" in headers and "Look up many postcodes" in headers
    text = " ".join(m.value for m in app.markdown)
    assert "Boundary penalty \\(a what\\-if\\)" in text  # escaped Markdown
    assert "never rated better or worse" in text


def test_your_area_norwich_boundary_cards_say_there_is_no_centre():
    app = run_page("pages/your-area.py", postcode="NR1 3QU")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    # written out in full, as words that wrap, not as a metric a phone cuts short
    assert "No thrombectomy centre in your stroke network</p>" in text
    assert "No thrombectomy centre" not in " ".join(m.value for m in app.metric)
    assert "has no thrombectomy centre, so every journey to one leaves it" in text
    assert "glossary" in text


def test_your_area_berwick_names_scotland_and_no_far_neighbour():
    app = run_page("pages/your-area.py", postcode="TD15 1AA")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "Your nearest boundary is with Scotland, where we have no figures" in text
    assert "Just across the boundary in Cumberland" not in text


def test_your_area_cardiff_speaks_of_local_health_boards_and_why_england():
    app = run_page("pages/your-area.py", postcode="CF10 1EP")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "local health board" in text and "integrated care board" not in text
    notes = " ".join(i.value for i in app.info).replace("\\", "")
    assert "Your area is in Wales, but some figures here are compared with" in notes
    # 42 seconds more than the neighbours is not "worse"
    assert "0.7 minutes more than the 9 neighbouring areas" not in text
    assert "About the same as the 9 neighbouring areas" in text


def test_compare_with_similar_groups_names_them_their_distance_and_the_method():
    app = run_page(
        "pages/compare.py", indicator="mt_minutes", grouping="county", group="E06000062",
        comparators="similar",
    )  # fmt: skip
    assert_clean(app)
    captions = " ".join(c.value for c in app.caption).replace("\\", "")
    assert "Similar counties and unitary authorities: the nearest on a profile of" in captions
    neighbours = app.dataframe[0].value
    assert list(neighbours["Rank"]) == [1, 2, 3, 4, 5]
    assert list(app.multiselect[0].value) == list(neighbours["Code"])
    assert neighbours["Distance (standardised; 0 = the same)"].is_monotonic_increasing


def test_the_national_map_states_compares_benchmark_and_the_funnel_says_who_has_figures(
    demo_place,
):
    from insight.analysis.benchmark import compare_groups
    from insight.explain import fmt_value

    indicator = demo_place.indicator("mt_minutes")
    result = compare_groups(demo_place, "mt_minutes", "lad")
    shown = fmt_value(result.benchmark, indicator)
    app = run_page("pages/map.py", indicator="mt_minutes")
    assert_clean(app)
    captions = " ".join(c.value for c in app.caption).replace("\\", "")
    assert f"Average for {result.benchmark_name}: {shown}" in captions
    app = run_page("pages/compare.py", indicator="mt_minutes")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert f"{result.benchmark_name} ({shown})" in text
    # one authority alone: the Map's average is Compare's figure for it (41.9, not 41.7)
    group = result.subset(["E06000062"]).table.iloc[0]
    app = run_page("pages/map.py", indicator="mt_minutes", scope="group", group="E06000062")
    captions = " ".join(c.value for c in app.caption).replace("\\", "")
    assert f"Average of the areas shown: {fmt_value(group['value'], indicator)}" in captions
    # admissions: Wales has none, and the funnel's caption says so
    app = run_page("pages/compare.py", indicator="admissions")
    captions = " ".join(c.value for c in app.caption).replace("\\", "")
    assert "Every local authority in England (Wales has no figures for this)" in captions
    # a count with nothing to divide it by: the funnel says what its limits mean, in words
    assert "has no population to divide it by" in captions and "never called" in captions


def test_lottery_says_how_sure_a_border_step_is():
    app = run_page("pages/lottery.py", indicator="mt_minutes", grouping="lad")
    assert_clean(app)
    picker = app.selectbox(key="finding_box")
    border = next(o for o in picker.options if "Difference at a boundary" in o)
    picker.set_value(int(border.split(".")[0])).run()  # the picker's values are ranks
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown)
    assert "How sure is this?" in text
    assert "Moving the border 1 to 3 rows of areas into either side" in text
    assert "Measured with only the areas touching the border" in text


def test_map_card_says_why_a_what_if_has_no_value_as_your_area_does():
    # Daventry 009D: its integrated care board has no thrombectomy centre
    app = run_page("pages/map.py", scope="group", group="E06000062", area="E01027025")
    assert_clean(app)
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "No thrombectomy centre in its integrated care board" in text
    lines = [line for line in text.split("- ") if "thrombectomy centre if limited" in line]
    assert lines and not any("no data" in line for line in lines)
