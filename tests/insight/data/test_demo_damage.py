"""A damaged demo cache is said to be damaged before anything is rebuilt."""

from __future__ import annotations

import logging

import pytest

from insight.data import demo
from insight.data.store import place_dir
from insight.model import DEMO_ID


class Rebuilt(Exception):
    """Stands for the (half-minute) rebuild: the test stops there."""


def test_a_deleted_data_file_is_reported_before_the_rebuild(demo_copy, monkeypatch, caplog):
    folder = place_dir(DEMO_ID)
    data_files = sorted(p for p in folder.iterdir() if p.is_symlink())
    gone = data_files[0]
    gone.unlink()
    assert gone.name in (demo.damage() or "")
    monkeypatch.setattr(demo, "_build", lambda *_: (_ for _ in ()).throw(Rebuilt()))
    said: list[str] = []
    with caplog.at_level(logging.WARNING, logger="place_insight"), pytest.raises(Rebuilt):
        demo.load_demo(progress=lambda _, message: said.append(message))
    assert "damaged" in caplog.text and gone.name in caplog.text
    assert said[0] == "The cached demo place is damaged: rebuilding it"


def test_a_whole_demo_is_not_damaged(demo_copy):
    assert demo.damage() is None
