"""The command line carries the modelled stroke outcomes: lookup, compare and the what-ifs."""

from __future__ import annotations

import json

import pytest

from insight.cli import main

pytestmark = pytest.mark.slow


def cli_json(capsys, *argv: str):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_lookup_carries_outcomes_better_near_a_thrombectomy_centre(demo_place, capsys):
    norwich = cli_json(capsys, "lookup", "NR1 3QU", "--json")["indicators"]
    coventry = cli_json(capsys, "lookup", "CV2 2DX", "--json")["indicators"]
    assert norwich["mt_minutes"] > 60 and coventry["mt_minutes"] < 20
    assert 25 < norwich["outcome_lvo"] < coventry["outcome_lvo"] < 60
    for found in (norwich, coventry):
        assert 55 < found["outcome_nlvo"] < 75


def test_compare_outcome_has_no_funnel(demo_place, capsys):
    result = cli_json(
        capsys, "compare", "--indicator", "outcome_lvo", "--grouping", "lad", "--json"
    )
    assert result["groups"] and {g["funnel"] for g in result["groups"]} == {"n/a"}


def test_penalty_what_if_is_said_in_outcomes(demo_place, capsys):
    summary = cli_json(capsys, "penalty", "--service", "mt", "--grouping", "isdn", "--json")
    assert summary["independent_lives_over_threshold"] > 0
    assert "fewer stroke patients a year" in summary["independent_lives_sentence"]
    assert main(["penalty", "--service", "mt", "--grouping", "isdn"]) == 0
    assert "expected to live independently" in capsys.readouterr().out
