"""Wording and number formatting."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from insight import explain, stats
from insight.model import Indicator
from insight.stats import RecentTrend

MINUTES = Indicator("t", "Minutes to the nearest unit", "minutes", "time", "low_is_good")


def test_numbers_have_separators_and_never_show_nan_or_minus_zero():
    assert explain.fmt_number(1234567.891, 2) == "1,234,567.89"
    assert explain.fmt_number(math.nan) == "no data"
    assert explain.fmt_number(None) == "no data"
    assert explain.fmt_number(-0.01, 1) == "0.0"


def test_comparison_says_direction_amount_and_judgement():
    assert explain.comparison_sentence(MINUTES, 20.0, 25.0, "the average") == (
        "5.0 minutes less than the average (25.0 minutes), which is better."
    )
    assert "Not enough data" in explain.comparison_sentence(MINUTES, math.nan, 3.0, "x")
    assert explain.comparison_sentence(MINUTES, 3.01, 3.0, "x").startswith("About the same")


def test_markdown_escaping_neutralises_links_and_html():
    text = explain.escape_markdown("[click](javascript:alert(1)) <img src=x>")
    assert "](" not in text  # no link
    assert "\\<img" in text and "<" not in text.replace("\\<", "")  # no tag: each < escaped
    assert explain.escape_markdown("a\n\n# b") == "a \\# b"  # stays on its line


# --- recent trends ------------------------------------------------------------------------


def test_every_trend_reason_has_words() -> None:
    assert set(explain.TREND_REASON_WORDS) == set(stats.TREND_REASONS)


@pytest.mark.parametrize(
    ("marker", "polarity", "words"),
    [
        ("increasing", "low_is_good", "increasing and getting worse"),
        ("increasing", "high_is_good", "increasing and getting better"),
        ("decreasing", "low_is_good", "decreasing and getting better"),
        ("decreasing", "high_is_good", "decreasing and getting worse"),
        ("increasing", "neutral", "increasing"),
        ("decreasing", "neutral", "decreasing"),
        ("no significant change", "low_is_good", "no significant change"),
        ("could not be calculated", "high_is_good", "could not be calculated"),
    ],
)
def test_trend_words_are_fingertips_words(marker, polarity, words) -> None:
    reason = "significant" if marker in ("increasing", "decreasing") else "not significant"
    trend = RecentTrend(marker, reason)
    assert explain.trend_words(trend, Indicator("x", "X", "%", "proportion", polarity)) == words


def test_no_trend_words_without_sampling_variation() -> None:
    minutes = Indicator("t", "Minutes to a unit", "minutes", "time", "low_is_good", "2022")
    assert explain.trend_words(None, minutes) is None
    for text in (
        explain.one_period_sentence(minutes),
        explain.trend_sentence(None, minutes, "Abington", ["2021", "2022"]),
    ):
        for word in ("trend", "increasing", "decreasing", "significant", "better", "worse"):
            assert word not in text.lower()
    admissions = Indicator("a", "Admissions", "a year", "count", period="2017-2019 (yearly mean)")
    assert explain.one_period_sentence(admissions) == (
        "These figures are for one period (2017–19), so there is no trend to show."
    )


def test_no_sub_minute_gap_is_rated_better_or_worse_on_any_surface():
    # CF10 1EP: 42 seconds on a 13.7-minute drive was "worse"; one rule says about the same
    for value, other in ((14.4, 13.7), (13.0, 13.7), (80.9, 80.0), (2.2, 1.3)):
        sentence = explain.comparison_sentence(MINUTES, value, other, "the neighbours")
        assert sentence.startswith("About the same"), sentence
        assert explain.size_rating(MINUTES, value, other) == "About the same"
        across = explain.across_sentence(MINUTES, other, value, "Harborough", 3)
        assert "about the same" in across and "more than here" not in across
    assert explain.comparison_sentence(MINUTES, 14.7, 13.7, "x").endswith("which is worse.")
    # the share still applies to long drives: 3.6 minutes on 83.5 is under 5%
    assert explain.size_rating(MINUTES, 79.9, 83.5) == "About the same"
    # other kinds keep the share alone (no minute to feel)
    share = Indicator("p", "Share", "%", "proportion", "low_is_good")
    assert "worse" in explain.comparison_sentence(share, 2.6, 2.0, "x")
    assert "minute" in explain.about_the_same_rule([MINUTES])
    assert "minute" not in explain.about_the_same_rule([share])


def test_differences_are_percentage_points_and_scales_are_not_units():
    share = Indicator("p", "Share", "%", "proportion", "low_is_good")
    across = explain.across_sentence(share, 13.4, 11.3, "Kettering", 5)
    assert across.endswith("11.3%, 2.1 percentage points less than here.")
    ratio = Indicator("r", "Admission ratio", "(England = 100)", "ratio", "low_is_good")
    sentence = explain.comparison_sentence(ratio, 107.7, 100.5, "the average")
    assert sentence.startswith("7.2 points more than the average, at 100.5 (England = 100)")


def test_welsh_areas_read_local_health_boards():
    title = "Extra minutes to a clot-busting unit if limited to your own integrated care board"
    assert explain.in_nation_words(title, "W01001234").endswith("your own local health board")
    assert explain.in_nation_words(title, "E01027210") == title
    assert explain.in_nation_words("Sub-ICB location", "W01001234") == "Local health board"


def test_no_brackets_inside_brackets():
    share = Indicator("p", "Share", "%", "proportion", "low_is_good")
    sentence = explain.comparison_sentence(share, 13.4, 10.6, "the wards (the 39 areas with data)")
    assert sentence.startswith("2.8 percentage points more than the wards (the 39 areas with")
    assert "data), at 10.6%, which is worse" in sentence and ") (" not in sentence


def test_html_text_leaves_no_markup_and_one_line():
    text = explain.html_text("<img src=x onerror=alert(1)>\n\n**bold** [a](b)")
    assert "<" not in text and ">" not in text and "\n" not in text
    assert "*" not in text and "[" not in text and "(" not in text


def test_benchmark_summary_says_the_benchmark_then_each_group_escaped():
    shown = pd.DataFrame(
        {"name": ["*Leeds*"], "value": [20.0], "lower": [float("nan")],
         "upper": [float("nan")], "rating": ["better"]}
    )  # fmt: skip
    lines = explain.benchmark_summary(shown, MINUTES, "England", 25.0).split("\n")
    assert lines[0] == "- England\\: 25\\.0 minutes\\."
    assert lines[1].startswith("- \\*Leeds\\*") and len(lines) == 2


@pytest.mark.parametrize(
    ("by", "can_write", "who"),
    [
        ("a@council.gov.uk", True, "by a@council.gov.uk"),
        ("a@council.gov.uk", False, "by an officer"),  # visitors never read an email
        ("this computer (no sign-in)", False, "on the computer running this dashboard"),
        ("", True, "on the computer running this dashboard"),
    ],
)
def test_provenance_sentence_names_an_officer_only_to_officers(by, can_write, who):
    upload = {"by": by, "at": "2026-05-01T10:00:00", "how": "upload", "files": [{}]}
    assert explain.provenance_sentence(upload, can_write) == (
        f"This place was uploaded {who} on 2026-05-01, from 1 file."
    )
    built = explain.provenance_sentence({"how": "toml"}, can_write)
    assert built.startswith("This place was built on the command line") and "unknown date" in built


def test_finding_labels_by_rank_name_both_groups_of_a_border_only():
    table = pd.DataFrame(
        {"rank": [2.0, 1.0], "label": ["Step at a border", "Funnel outlier"],
         "group_name": ["A", "C"], "other_name": ["B", ""]}
    )  # fmt: skip
    assert explain.finding_labels(table) == {
        2: "2. Step at a border: A / B",
        1: "1. Funnel outlier: C",
    }


# Data and methods (pages/data.py)


def test_place_summary_counts_each_part_and_names_services_only_when_there_are_some():
    assert explain.place_summary("Demo", 34753, "LSOA", 9, 5, 120) == (
        "**Demo**: 34,753 areas (LSOA), 9 indicators, 5 kinds of boundary, 120 service points."
    )
    # no services: the sentence ends after the boundaries; a count of 1 reads in the singular
    assert explain.place_summary("Wards", 1, "ward", 1, 1) == (
        "**Wards**: 1 area (ward), 1 indicator, 1 kind of boundary."
    )
    assert explain.place_summary("W", 41, "ward", 2, 2, 1).endswith(", 1 service point.")
    assert explain.place_summary("W", 41, "ward", 2, 2, 0).endswith(", 0 service points.")


def test_place_summary_escapes_the_names_from_the_place_file():
    line = explain.place_summary("[x](http://evil.example)", 3, "*ward*", 1, 1)
    assert line.startswith("**\\[x\\]\\(http") and "(\\*ward\\*)" in line
    assert "http" + explain.WORD_JOINER + "\\://" in line  # not made a link


def test_indicator_facts_say_which_way_is_better_for_each_polarity():
    for polarity, words in [("low_is_good", "lower"), ("high_is_good", "higher"),
                            ("neutral", "neither (no judgement)")]:  # fmt: skip
        indicator = Indicator("i", "I", "%", "proportion", polarity, period="2023", source="OHID")
        assert explain.indicator_facts(indicator, 1, 1) == [
            "Unit: %; period: 2023",
            "Source: OHID",
            f"Which way is better: {words}",
            "Areas with a value: 1 of 1",
        ]
    assert explain.indicator_facts(MINUTES, 0, 34753)[-1] == "Areas with a value: 0 of 34,753"


def test_postcodes_placed_counts_the_file_and_names_its_column_escaped():
    assert explain.postcodes_placed(2, 3, "postcode") == (
        "2 of 3 postcodes placed (column 'postcode')."
    )
    assert explain.postcodes_placed(1, 1, "pc") == "1 of 1 postcode placed (column 'pc')."
    assert explain.postcodes_placed(0, 1, "pc").startswith("0 of 1 postcode placed")
    assert explain.postcodes_placed(1200, 50000, "pc").startswith("1,200 of 50,000 postcodes")
    hostile = explain.postcodes_placed(1, 2, "http://evil.example")
    assert "http" + explain.WORD_JOINER + "\\://" in hostile  # not made a link


def test_a_public_visitor_reads_how_officers_add_places_and_why_not_here():
    reason = "This is a public dashboard: visitors can read everything but change nothing."
    text = explain.own_data_read_only(reason)
    assert text.startswith(
        "Officers add their own places (their boundaries, lookups, indicators and services) "
        "to this dashboard. This is a public dashboard\\: visitors"
    )
    assert "officers only" in explain.BATCH_LOOKUP_PUBLIC
    assert "`python -m insight lookup --file FILE.csv --out OUT.csv`" in explain.BATCH_LOOKUP_PUBLIC


def test_an_officer_reads_who_is_signed_in_without_a_link():
    assert explain.signed_in_as("Ann Smith") == "Signed in as Ann Smith."
    assert explain.signed_in_as("ann@council.gov.uk") == (
        f"Signed in as ann{explain.WORD_JOINER}\\@council\\.gov\\.uk."
    )


def test_upload_intro_states_the_limits_in_whole_megabytes():
    text = explain.upload_intro(12, 50 * 2**20, 100 * 2**20, 180.0)
    assert text.startswith("Upload your boundary file (GeoJSON, GeoPackage, zipped Shapefile")
    assert text.endswith(
        "Up to 12 files, each up to 50 MB and 100 MB in all; a build may take 180 seconds."
    )
    assert "Up to 1 file, each up to 1 MB and 2 MB in all; a build may take 30 seconds." in (
        explain.upload_intro(1, 2**20 + 5, 2 * 2**20, 29.6)
    )


def test_an_upload_says_what_it_is_doing_and_what_it_built_escaped():
    assert explain.UPLOAD_BUILDING == "Building your place…"
    assert (
        explain.upload_scanning("Ann's wards") == "Looking for postcode lotteries in Ann's wards…"
    )
    assert explain.built_label("Ann's wards") == "Built Ann's wards"
    assert explain.built_sentence("Ann's wards", 41) == "Built **Ann's wards** (41 areas)."
    assert explain.built_sentence("One", 1) == "Built **One** (1 area)."
    assert explain.built_sentence("*x*", 1200) == "Built **\\*x\\*** (1,200 areas)."
    assert explain.built_label("[x](y)") == "Built \\[x\\]\\(y\\)"
