"""The findings store: written atomically beside its place, read back exactly, and never read
when stale (another engine, another format, a changed or rebuilt place, an unreadable file)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pyarrow as pa
import pytest
from shapely.geometry import box

from insight.data import findings_store, store
from insight.data.catalogue import PlaceRef, place_ref
from insight.errors import DataError, PlaceNotFoundError
from insight.model import Grouping, Indicator, Place

ENGINE = "test-engine-1"
SCHEMA = pa.schema(
    [("indicator", pa.string()), ("grouping", pa.string()), ("rank", pa.int64()),
     ("benchmark", pa.float64()), ("codes", pa.list_(pa.string()))]
)  # fmt: skip


def tiny_place(value: float = 2.0) -> Place:
    areas = gpd.GeoDataFrame(
        {"code": ["a", "b"], "name": ["A", "B"], "g_code": ["X", "Y"], "g_name": ["Ex", "Why"],
         "v": [1.0, value]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs=27700,
    )  # fmt: skip
    return Place(
        "tiny", "Tiny", "area", areas, {"v": Indicator("v", "Value", "units")},
        {"g": Grouping("g", "Group", "groups")},
    )  # fmt: skip


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data folder holding the place ``tiny``."""
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(tmp_path))
    store.save_place(tiny_place(), store.place_dir("tiny"))
    return tmp_path


RECORDS = [
    {"indicator": "v", "grouping": "g", "rank": 1, "benchmark": None, "codes": ["a"]},
    {"indicator": "v", "grouping": "g", "rank": 2, "benchmark": math.nan, "codes": []},
]
TASKS = [
    {"indicator": "v", "grouping": "g", "status": "ok", "findings": 2, "error": None},
    {"indicator": "w", "grouping": "g", "status": "failed", "findings": 0, "error": "Boom: no"},
]


def write(records=RECORDS, tasks=TASKS, engine=ENGINE, content=None) -> Path:
    return findings_store.write_findings(
        "tiny", content_hash=content or place_ref("tiny").content_hash, engine=engine,
        records=records, tasks=tasks, schema=SCHEMA,
    )  # fmt: skip


def test_written_beside_the_place_and_read_back_exactly(data: Path) -> None:
    path = write()
    assert path == store.place_dir("tiny") / "findings.parquet" == findings_store.store_path("tiny")
    stored = findings_store.read_findings("tiny", engine=ENGINE)
    assert stored is not None and stored.place_id == "tiny" and stored.engine == ENGINE
    # the latest period, and no tests counted (tasks written without them)
    assert stored.tasks == [{**t, "period": "", "tests": {}} for t in TASKS]
    assert stored.done() == {("v", "g", "")}  # a failed pair is not in the store
    rows = stored.rows("v", "g")
    assert rows[0] == RECORDS[0]  # None stays None (null)...
    assert math.isnan(rows[1]["benchmark"]) and rows[1]["codes"] == []  # ...and NaN stays NaN
    assert stored.rows("w", "g") == []
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary left
    assert findings_store.store_version("tiny") is not None
    # The store is not part of the place's content: writing it changes no hash.
    assert place_ref("tiny").content_hash == stored.content_hash


def test_a_stale_store_is_never_read(data: Path) -> None:
    write()
    assert findings_store.read_findings("tiny", engine="another engine") is None
    assert findings_store.read_findings("tiny", engine=ENGINE, content_hash="0" * 64) is None
    # The place changes (rebuilt with another value): its old store is stale, then gone.
    old = place_ref("tiny").content_hash
    write(content=old)
    meta = store.current_dir(store.place_dir("tiny")) / "place.json"  # the version in use
    meta.write_text(meta.read_text().replace('"Tiny"', '"Tiny, renamed"'))
    assert place_ref("tiny").content_hash != old
    assert findings_store.read_findings("tiny", engine=ENGINE) is None
    # Rebuilt: a new version behind CURRENT. The old store stays on disk until the next scan
    # rewrites it, but its stamp names the old content, so it is never read.
    store.save_place(tiny_place(3.0), store.place_dir("tiny"))
    assert findings_store.read_stamp("tiny")["content_hash"] == old
    assert findings_store.read_findings("tiny", engine=ENGINE) is None


def test_another_store_format_or_a_broken_file_is_not_read(data: Path, monkeypatch) -> None:
    path = write()
    monkeypatch.setattr(findings_store, "STORE_FORMAT", findings_store.STORE_FORMAT + 1)
    assert findings_store.read_findings("tiny", engine=ENGINE) is None
    monkeypatch.undo()
    path.write_bytes(b"not parquet")
    assert findings_store.read_stamp("tiny") is None
    assert findings_store.read_findings("tiny", engine=ENGINE) is None


def test_a_failed_write_leaves_the_old_store(data: Path) -> None:
    path = write()
    before = path.read_bytes()
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        write(records=[{"indicator": "v", "grouping": "g", "rank": "not a number"}])
    assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]
    with pytest.raises(DataError, match="lacks status"):
        write(tasks=[{"indicator": "v", "grouping": "g"}])


def test_no_store_without_the_place(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(tmp_path))
    assert findings_store.read_findings("nowhere", engine=ENGINE) is None
    with pytest.raises(DataError, match="build it before scanning"):
        findings_store.write_findings(
            "nowhere", content_hash="x", engine=ENGINE, records=[], tasks=[]
        )


def test_content_hash_is_the_bytes_wherever_they_are(data: Path, tmp_path: Path) -> None:
    folder = store.current_dir(store.place_dir("tiny"))  # the version CURRENT points at
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    for name in store.CONTENT_FILES:
        if (folder / name).is_file():
            (copy / name).write_bytes((folder / name).read_bytes())
    assert store.content_hash(copy) == store.content_hash(folder)
    (copy / "areas.parquet").write_bytes((copy / "areas.parquet").read_bytes() + b" ")
    assert store.content_hash(copy) != store.content_hash(folder)
    with pytest.raises(PlaceNotFoundError):
        store.content_hash(tmp_path / "nothing")


def test_a_place_ref_opens_only_its_own_version(data: Path) -> None:
    ref = place_ref("tiny")
    assert ref.key == f"tiny@{ref.content_hash}"
    assert ref.load().areas["v"].tolist() == [1.0, 2.0]
    meta = store.current_dir(store.place_dir("tiny")) / "place.json"  # the version in use
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "title": "Changed"}))
    with pytest.raises(DataError, match="not the version being scanned"):
        ref.load()
    with pytest.raises(PlaceNotFoundError):
        PlaceRef("nowhere", "x").load()
