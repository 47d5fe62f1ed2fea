"""Wording and number formatting."""

from __future__ import annotations

import math

from insight import explain
from insight.model import Indicator

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
