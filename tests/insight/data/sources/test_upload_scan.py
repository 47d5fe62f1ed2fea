"""The scan after an upload, and a pair of an uploaded place opened later, run in a worker
process within the limits of an upload (time and memory), never in the server's process:
a limit stops them with a message, and the place stays usable."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from insight import service
from insight.analysis import findings as engine
from insight.analysis import scan
from insight.data.policy import Limits, decide
from insight.errors import LimitError
from insight.service import building, limited, places

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from hostile import BASE, base_files  # noqa: E402

OFFICER = decide("officer", auth_configured=False, email=None, logged_in=False,
                 server_address="127.0.0.1")  # fmt: skip


@dataclass
class Uploaded:
    """What the upload form hands over (Streamlit's UploadedFile)."""

    name: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    def getvalue(self) -> bytes:
        return self.content


def uploaded() -> list[Uploaded]:
    return [Uploaded(name, content) for name, content in base_files().items()]


def toml() -> str:
    return building.uploads.config_to_toml(BASE)


@pytest.fixture
def nothing_scanned_here(monkeypatch):
    """Scanning or working findings out in this process fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("scanned in the server's process")

    monkeypatch.setattr(engine, "findings", refuse)
    monkeypatch.setattr(scan, "run_task", refuse)


def test_an_upload_is_built_then_scanned_in_bounded_workers(data_root, nothing_scanned_here):
    labels = []
    done = building.upload_place(
        OFFICER, toml(), uploaded(), scanning=lambda place: labels.append(place.id)
    )
    assert done.scan_stopped == "" and labels == ["hostile"]
    stored = service.read_stored("hostile")
    wanted = {t.key for t in scan.scan_tasks(done.place)}
    assert stored is not None and wanted <= stored.stored.done()


def test_a_scan_stopped_by_its_time_limit_says_so_and_the_place_stays_usable(
    data_root, nothing_scanned_here, monkeypatch
):
    place, _ = building.build_upload(toml(), base_files())
    # 2 s: the worker is stopped before it has even imported the engine.
    said = building.scan_upload(place.id, limits=Limits(seconds=2))
    assert said.startswith(
        "Looking for postcode lotteries in this place took longer than 2 seconds, the limit"
    ), said
    assert "The place is saved and can be used" in said
    assert f"python -m insight scan --place {place.id}" in said
    assert service.read_stored(place.id) is None  # nothing scanned, nothing written

    # The place opens, and a pair it lacks is worked out on demand, in a worker...
    indicator, grouping = next(iter(place.indicators)), next(iter(place.groupings))
    found = service.pair_findings(place.id, indicator, grouping)
    assert found.indicator == indicator
    stored = service.read_stored(place.id)
    assert stored is not None and (indicator, grouping, "") in stored.stored.done()
    assert stored.findings(indicator, grouping).items == found.items

    # ...within the same kind of limits, with a message when one stops it.
    monkeypatch.setattr(places, "scan_in_worker",
                        functools.partial(limited.scan_in_worker, limits=Limits(seconds=2)))  # fmt: skip
    monkeypatch.setattr(places, "read_stored", lambda *args: None)  # as if the store were gone
    with pytest.raises(LimitError, match=f"Working out the findings of {indicator} by "
                       f"{grouping} took longer than 2 seconds"):  # fmt: skip
        service.pair_findings(place.id, indicator, grouping)


def test_a_scan_over_its_memory_limit_is_stopped_with_a_message(data_root):
    place, _ = building.build_upload(toml(), base_files())
    said = building.scan_upload(place.id, limits=Limits(memory_bytes=150 * 1024 * 1024))
    assert "needed more than the 0.1 GB of memory" in said and "can be used" in said
