"""ui.loaders: findings come from the place's findings store when it is current; only a pair
it does not hold is worked out; a store that no longer matches the place is not read."""

from __future__ import annotations

import json

import pytest

from insight.analysis import findings as engine
from insight.analysis import scan
from insight.analysis.findings import Bar, Finding, FindingChart, Findings
from insight.data import findings_store
from insight.data.catalogue import place_ref
from ui import loaders, places

pytestmark = pytest.mark.slow


def stored_finding() -> Finding:
    """A finding no engine would make, so that seeing it proves it came from the store."""
    return Finding(
        rank=1, kind="border", label="Difference at a boundary", indicator="mt_minutes",
        grouping="isdn", group_code="from-the-store", group_name="From the store",
        other_code="b", other_name="B", effect=1.5, lower=1.0, upper=2.0, interval="95% CI",
        value=3.0, benchmark=None, benchmark_label="", areas=2, affected=float("nan"),
        affected_label="", score=3.0, p_value=0.01, q_value=0.02, sentence="From the store.",
        area_codes=("E01000001",), other_area_codes=(),
        chart=FindingChart("sides", "Title", (Bar("a", 1.0, "finding"),), unit="minutes"),
    )  # fmt: skip


@pytest.fixture
def fresh_caches():
    loaders.forget_places()
    yield
    loaders.forget_places()


def test_findings_come_from_the_store_and_only_missing_pairs_are_worked_out(
    demo_copy, fresh_caches, monkeypatch
) -> None:
    ref = place_ref("demo")
    records = scan.finding_records(Findings("mt_minutes", "isdn", (stored_finding(),)))
    findings_store.write_findings(
        "demo", content_hash=ref.content_hash, engine=scan.ENGINE_VERSION, records=records,
        tasks=[{"indicator": "mt_minutes", "grouping": "isdn", "status": "ok", "findings": 1},
               {"indicator": "admissions", "grouping": "lad", "status": "ok", "findings": 0}],
        schema=scan.STORE_SCHEMA,
    )  # fmt: skip
    asked = []

    def worked_out(place, indicator, grouping, **kwargs):
        asked.append((indicator, grouping))
        return Findings(indicator, grouping, ())

    monkeypatch.setattr(engine, "findings", worked_out)
    found = loaders.ranked_findings("demo", "mt_minutes", "isdn")
    assert [f.group_code for f in found] == ["from-the-store"]
    assert loaders.ranked_findings("demo", "admissions", "lad").empty  # stored, none found
    assert asked == []
    assert loaders.ranked_findings("demo", "ivt_minutes", "lad").empty
    assert asked == [("ivt_minutes", "lad")]  # not in the store: worked out

    # A rescan written by another process is seen at once.
    findings_store.write_findings(
        "demo", content_hash=ref.content_hash, engine=scan.ENGINE_VERSION, records=[],
        tasks=[{"indicator": "mt_minutes", "grouping": "isdn", "status": "ok", "findings": 0}],
        schema=scan.STORE_SCHEMA,
    )  # fmt: skip
    assert loaders.ranked_findings("demo", "mt_minutes", "isdn").empty
    assert asked == [("ivt_minutes", "lad")]


def test_a_store_for_another_version_of_the_place_is_not_read(
    demo_copy, fresh_caches, monkeypatch
) -> None:
    records = scan.finding_records(Findings("mt_minutes", "isdn", (stored_finding(),)))
    findings_store.write_findings(
        "demo", content_hash="another version", engine=scan.ENGINE_VERSION, records=records,
        tasks=[{"indicator": "mt_minutes", "grouping": "isdn", "status": "ok", "findings": 1}],
        schema=scan.STORE_SCHEMA,
    )  # fmt: skip
    stamp = findings_store.read_stamp("demo")
    assert json.dumps(stamp)  # the store is there...
    monkeypatch.setattr(engine, "findings", lambda place, i, g, **kwargs: Findings(i, g, ()))
    assert places.stored_findings("demo") is None  # ...but stale: never read
    assert loaders.ranked_findings("demo", "mt_minutes", "isdn").empty
