"""Shared fixtures: the demo place is built and scanned once per test run (about a minute).

``scripts/test`` runs the suite on two pytest-xdist workers (a file's tests stay on one):
each worker has its own session, so the demo's build and scan are serialised by a lock
file that every worker of the run shares; the second worker then finds them done.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from insight.analysis.scan import ENGINE_VERSION, StoredFindings
from insight.data import findings_store
from insight.data.catalogue import place_ref
from insight.data.demo import load_demo
from insight.data.postcodes import index_dir
from insight.data.store import CONTENT_FILES, current_dir, place_dir
from insight.model import DEMO_ID, Place
from insight.service import scan_place


@contextlib.contextmanager
def one_worker_at_a_time(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[None]:
    """Hold the lock ``name`` shared by every xdist worker of this run (their temporary
    folders share a parent; without xdist the lock is simply free)."""
    root = tmp_path_factory.getbasetemp()
    shared = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def demo_place(tmp_path_factory) -> Place:
    """The real embedded demo place (England and Wales LSOAs, stroke units), with its
    findings store complete: the pairs it lacks are scanned first (on local Dask workers;
    about a minute when none is current). Whichever worker gets here first builds and
    scans; every test then reads one store that no longer changes, so two surfaces read
    in one test (the API and the command line, say) see the same store-wide q-values."""
    with one_worker_at_a_time(tmp_path_factory, "demo"):
        place = load_demo()
        scan_place(place, only_missing=True)
    return place


def copy_demo(root: Path) -> Path:
    """Make ``root`` a data folder holding the real demo place (built already): its data
    files and the postcode index linked, ``place.json`` copied (so it has the real demo's
    content hash until changed), in the flat layout the store still reads. Returns ``root``."""
    real = current_dir(place_dir(DEMO_ID)) or place_dir(DEMO_ID)  # the version in use
    postcodes = index_dir()
    folder = root / "cache" / DEMO_ID
    folder.mkdir(parents=True)
    for name in CONTENT_FILES:
        if name == "place.json":
            shutil.copy2(real / name, folder / name)
        elif (real / name).is_file():
            (folder / name).symlink_to(real / name)
    if postcodes.is_dir():
        (root / "cache" / "postcodes").mkdir()
        (root / "cache" / "postcodes" / postcodes.name).symlink_to(postcodes)
    return root


@pytest.fixture
def demo_copies(demo_place):
    """:func:`copy_demo`, for tests that need several data folders holding the demo."""
    return copy_demo


@pytest.fixture
def demo_copy(demo_place, tmp_path, monkeypatch) -> Path:
    """A private data folder (``PLACE_INSIGHT_DATA``) holding the real demo place
    (:func:`copy_demo`): a findings store written there leaves the shared cache alone."""
    root = copy_demo(tmp_path / "data")
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(root))
    return root


@pytest.fixture(scope="session")
def demo_store(demo_place):
    """The demo's findings store (complete: see :func:`demo_place`), read. Tests that read
    the strongest findings across every pair (Home, ``findings --all``) use it."""
    stored = findings_store.read_findings(
        DEMO_ID, engine=ENGINE_VERSION, content_hash=place_ref(DEMO_ID).content_hash
    )
    assert stored is not None, "the demo's findings store was not written"
    return StoredFindings(stored)
