"""Wording and number formatting."""

from __future__ import annotations

import math

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
