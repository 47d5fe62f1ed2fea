"""The examples in the docstrings of the pure modules are true (run as doctests)."""

from __future__ import annotations

import doctest

import pytest

from insight import explain, model, stats
from insight.analysis import shared
from insight.api import models as api_models
from insight.data import demo, postcodes
from insight.present import links, slides, tables
from insight.service import areas, decks, findings, maps, places, queries
from insight.spatial import bearings, contiguity, index


@pytest.mark.parametrize(
    "module",
    [
        explain,
        stats,
        index,
        bearings,
        contiguity,
        shared,
        postcodes,
        model,
        demo,
        places,
        queries,
        areas,
        maps,
        decks,
        api_models,
        links,
        slides,
        tables,
        findings,
    ],  # fmt: skip
)
def test_docstring_examples_hold(module) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
