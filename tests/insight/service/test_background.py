"""The background scan of a place's findings store: the featured pair first and written at
once, the progress and the time left as the scan goes, one scan per process whatever the
sessions, one process at a time, and a restart mid-scan that keeps what was written and
scans only the rest."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from insight.analysis import scan
from insight.data import findings_store, store
from insight.data.catalogue import place_ref
from insight.service import Places, background
from insight.service.background import BackgroundScans, first_pairs, scan_order

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from scanning_grid import Clock, Gate, grid_place  # noqa: E402


@pytest.fixture
def grid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private data folder holding the grid place, no findings store."""
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(tmp_path))
    monkeypatch.setattr(background, "CHECKPOINT_S", 0.0)  # write after every pair
    store.save_place(grid_place(), store.place_dir("grid"))
    return "grid"


def stored_pairs(place_id: str) -> set[tuple[str, str, str]]:
    stored = findings_store.read_findings(
        place_id, engine=scan.ENGINE_VERSION, content_hash=place_ref(place_id).content_hash
    )
    return set() if stored is None else {(t["indicator"], t["grouping"], "") for t in stored.tasks}


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = threading.Event()
    timer = threading.Timer(timeout, deadline.set)
    timer.start()
    try:
        while not condition():
            assert not deadline.wait(0.02), "timed out"
    finally:
        timer.cancel()


def test_the_featured_pair_comes_first_and_what_ifs_last():
    place = grid_place()
    assert [t.key for t in first_pairs(place)] == [("v", "half", "")]
    order = [t.key[:2] for t in scan_order(place)]
    # then the other grouping of the featured indicator (it counts people), then the rest
    assert order == [("v", "half"), ("v", "quarter"), ("w", "half"), ("w", "quarter")]


def test_the_demo_scans_its_featured_pair_first_and_boundary_penalties_last(demo_place):
    order = scan_order(demo_place)
    assert len(order) == len(scan.scan_tasks(demo_place))
    assert order[0].key[:2] == demo_place.featured_pair()
    what_ifs = [n for n, t in enumerate(order) if demo_place.indicator(t.indicator).within]
    assert what_ifs == list(range(len(order) - len(what_ifs), len(order)))


def test_progress_counts_the_pairs_written_and_estimates_from_the_pace(grid, monkeypatch):
    gate, clock = Gate(monkeypatch), Clock()
    places, scans = Places(rebuild=False), BackgroundScans(clock=clock)
    try:
        start = scans.start(grid, places)
        assert (start.checked, start.total, start.running) == (0, 4, True)
        assert start.seconds_left is None  # no pace measured yet
        # the featured pair is written as soon as it is found: Home can show it
        clock.now += 5.0
        gate.let()
        wait_until(lambda: scans.progress(grid, places).checked == 1)
        assert stored_pairs(grid) == {("v", "half", "")}
        assert scans.progress(grid, places).seconds_left is None  # the first pair loads too
        clock.now += 2.0
        gate.let()
        wait_until(lambda: scans.progress(grid, places).checked == 2)
        halfway = scans.progress(grid, places)
        assert halfway.seconds_left == pytest.approx(2 * 2.0)  # two left at 2 s a pair
        assert halfway.fraction == pytest.approx(0.5) and not halfway.complete
        gate.let(2)
        wait_until(lambda: not scans.progress(grid, places).running)
        done = scans.progress(grid, places)
        assert done.complete and done.checked == 4 and done.failed == 0
        assert done.seconds_left is None
        assert stored_pairs(grid) == {t.key for t in scan.scan_tasks(places.place(grid))}
    finally:
        scans.stop()


def test_one_scan_per_process_whatever_the_sessions(grid, monkeypatch):
    gate = Gate(monkeypatch, held=False)
    places, scans = Places(rebuild=False), BackgroundScans()
    sessions = [threading.Thread(target=scans.start, args=(grid, places)) for _ in range(6)]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join()
    wait_until(lambda: not scans.progress(grid, places).running)
    assert sorted(gate.calls) == sorted(set(gate.calls)) and len(gate.calls) == 4
    scans.start(grid, places)  # a later visitor: nothing left to scan, nothing started
    assert len(gate.calls) == 4 and scans.progress(grid, places).complete


def test_a_restart_mid_scan_keeps_what_was_written_and_scans_only_the_rest(grid, monkeypatch):
    gate = Gate(monkeypatch)
    places, first = Places(rebuild=False), BackgroundScans()
    first.start(grid, places)
    job = first._jobs[(grid, places.version(grid))]
    gate.let(2)
    wait_until(lambda: first.progress(grid, places).checked == 2)
    first.stop(timeout=0)  # the process ends after the pair under way
    gate.let()
    job.thread.join(30)
    written = stored_pairs(grid)
    assert len(written) == 3 and not job.running
    gate.held = False
    calls_before = len(gate.calls)
    restarted, again = BackgroundScans(), Places(rebuild=False)
    assert restarted.start(grid, again).checked == 3
    wait_until(lambda: not restarted.progress(grid, again).running)
    assert stored_pairs(grid) == {t.key for t in scan.scan_tasks(again.place(grid))}
    assert len(gate.calls) == calls_before + 1  # only the pair never written


def test_another_process_scanning_is_followed_and_taken_over_when_it_ends(grid, monkeypatch):
    gate = Gate(monkeypatch, held=False)
    elsewhere = findings_store.claim_scan(grid)  # another server process holds the scan
    assert elsewhere is not None
    monkeypatch.setattr(background, "FOLLOW_S", 0.05)
    places, scans = Places(rebuild=False), BackgroundScans()
    try:
        following = scans.start(grid, places)
        assert following.running and following.checked == 0
        threading.Event().wait(0.3)
        assert gate.calls == []  # this process leaves the scan to the other
        elsewhere.release()  # the other process ends: this one takes over
        wait_until(lambda: not scans.progress(grid, places).running)
        assert scans.progress(grid, places).complete and len(gate.calls) == 4
    finally:
        scans.stop()


def test_a_page_waiting_for_a_pair_gets_it_next(grid, monkeypatch):
    gate = Gate(monkeypatch)
    places, scans = Places(rebuild=False), BackgroundScans()
    try:
        scans.start(grid, places)
        gate.let()  # the featured pair
        wait_until(lambda: scans.progress(grid, places).checked == 1)
        got: list[bool] = []
        page = threading.Thread(
            target=lambda: got.append(scans.wait_for(grid, places, "w", "quarter", timeout=30))
        )
        page.start()
        wait_until(lambda: ("w", "quarter", "") in scans._jobs[(grid, places.version(grid))].urgent)
        gate.let(2)  # the pair under way when the page asked, then the page's
        page.join(30)
        assert got == [True] and ("w", "quarter", "") in stored_pairs(grid)
        assert gate.calls == [("v", "half"), ("v", "quarter"), ("w", "quarter")]  # not w × half
        gate.let()
    finally:
        scans.stop()


def test_no_scan_runs_to_wait_for_when_the_store_is_complete(grid, monkeypatch):
    Gate(monkeypatch, held=False)
    places, scans = Places(rebuild=False), BackgroundScans()
    scans.start(grid, places)
    wait_until(lambda: not scans.progress(grid, places).running)
    assert scans.wait_for(grid, places, "w", "half", timeout=0.1)
    fresh = BackgroundScans()  # a restart with a whole store: no thread, nothing to wait for
    assert fresh.start(grid, places).complete and not fresh.progress(grid, places).running
