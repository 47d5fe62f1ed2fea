"""Shared fixtures: the demo place is built once per test session (about half a minute)."""

from __future__ import annotations

import pytest

from insight.data.demo import load_demo
from insight.model import Place


@pytest.fixture(scope="session")
def demo_place() -> Place:
    """The real embedded demo place (England and Wales LSOAs, stroke units)."""

    return load_demo()
