"""The one ranking rule: tested differences before what-ifs, people counted before nobody,
and error control across the whole findings store."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from insight import cli
from insight.analysis import scan
from insight.analysis.findings import Finding, FindingChart, ranking_key, strongest
from insight.errors import DataError
from insight.stats import benjamini_hochberg


def finding(kind: str = "border", *, affected: float = 100.0, score: float = 1.0, **fields):
    base = dict(
        rank=1, kind=kind, label=kind, indicator="i", grouping="g", group_code="A",
        group_name="A", other_code="B", other_name="B", effect=1.0, lower=0.5, upper=1.5,
        interval="95% CI", value=2.0, benchmark=1.0, benchmark_label="B", areas=5,
        affected=affected, affected_label="people", score=score, p_value=0.001,
        q_value=0.01, sentence="s", area_codes=("a1",), other_area_codes=("b1",),
        chart=FindingChart("sides", "t", ()),
    )  # fmt: skip
    base["tested"] = kind != "penalty"
    base.update(fields)
    return Finding(**base)


def test_tested_differences_come_before_what_ifs_whatever_their_size() -> None:
    small_test = finding("border", score=1.0)
    huge_what_if = finding("penalty", score=1e9)
    assert small_test.tested and not huge_what_if.tested
    assert sorted([huge_what_if, small_test], key=ranking_key) == [small_test, huge_what_if]


def test_a_finding_that_counts_nobody_never_ranks_above_one_that_counts_people() -> None:
    nobody = finding("penalty", affected=math.nan, score=1e9)
    zero = finding("penalty", affected=0.0, score=1e8)
    some = finding("penalty", affected=27.0, score=1.0)
    assert not nobody.counted and not zero.counted and some.counted
    assert sorted([nobody, zero, some], key=ranking_key)[0] is some


def test_what_closing_the_gap_means_in_people_leads_where_it_is_known() -> None:
    more_lives = finding(opportunity=2.0, score=1.0)
    fewer_lives = finding(opportunity=0.5, score=100.0)
    unknown = finding(score=1e6)
    ordered = sorted([unknown, fewer_lives, more_lives], key=ranking_key)
    assert ordered == [more_lives, fewer_lives, unknown]


def test_within_a_tier_the_bigger_gap_in_people_leads_and_closed_gaps_come_last() -> None:
    big, small = finding(score=10.0), finding(score=2.0)
    closed = finding(score=100.0, change="closed")
    assert sorted([closed, small, big], key=ranking_key) == [big, small, closed]


def test_strongest_applies_the_store_rule_dedupes_area_findings_and_drops_closed() -> None:
    passing = finding(store_q_value=0.01, score=5.0)
    failing = finding(store_q_value=0.2, score=50.0)
    closed = finding(change="closed", store_q_value=math.nan)
    count = finding("funnel", rated=False, store_q_value=0.001, score=1e9)
    spatial_lad = finding("spatial", grouping="lad", store_q_value=0.01, score=3.0)
    spatial_icb = replace(spatial_lad, grouping="icb")
    what_if = finding("penalty", score=1e6, p_value=math.nan, q_value=math.nan)
    best = strongest([passing, failing, closed, count, spatial_lad, spatial_icb, what_if])
    assert list(best) == [passing, spatial_lad, what_if]
    assert best.held_back == 1 and best.pairs == 3  # (i, g), (i, lad), (i, icb)
    table = best.table
    assert list(table["position"]) == [1, 2, 3] and list(table["tested"]) == [True, True, False]
    assert {"indicator", "grouping", "rank", "affected"} <= set(table.columns)
    assert len(strongest([passing, what_if], top=1)) == 1
    with pytest.raises(DataError, match="alpha"):
        strongest([], alpha=2)


def test_store_q_values_are_benjamini_hochberg_over_every_test_of_the_store() -> None:
    tasks = [
        {"indicator": "i", "grouping": "g", "period": "", "status": "ok",
         "tests": {"border": 30, "funnel": 10, "spatial": 1000}},
        {"indicator": "i", "grouping": "h", "period": "", "status": "ok",
         "tests": {"border": 20, "funnel": 10, "spatial": 1000}},
        {"indicator": "i", "grouping": "g", "period": "2019", "status": "ok",
         "tests": {"border": 30}},
    ]  # fmt: skip
    record = {"indicator": "i", "period": "", "change": "", "area_codes": ["x"]}
    records = [
        {**record, "grouping": "g", "kind": "border", "p_value": 1e-5},
        {**record, "grouping": "g", "kind": "spatial", "p_value": 1e-4},
        {**record, "grouping": "h", "kind": "spatial", "p_value": 1e-4},  # the same areas
        {**record, "grouping": "h", "kind": "penalty", "p_value": math.nan},
        {**record, "grouping": "g", "kind": "border", "p_value": 1e-3, "period": "2019"},
    ]
    # borders and funnels of both pairs, the areas once: 30 + 10 + 20 + 10 + 1000
    assert scan.store_q_values(records, tasks) == 1070
    expected = benjamini_hochberg([1e-5, 1e-4], tests=1070)
    assert records[0]["store_q_value"] == pytest.approx(expected[0])
    assert records[1]["store_q_value"] == records[2]["store_q_value"] == pytest.approx(expected[1])
    assert math.isnan(records[3]["store_q_value"]) and math.isnan(records[4]["store_q_value"])


def test_benjamini_hochberg_with_tests_not_given_is_never_smaller() -> None:
    rng = np.random.default_rng(3)
    p = np.sort(rng.uniform(0, 1, 200))
    full = benjamini_hochberg(p)
    kept = benjamini_hochberg(p[:20], tests=200)
    assert np.all(kept >= full[:20] - 1e-12)
    with pytest.raises(ValueError, match="at least"):
        benjamini_hochberg([0.1, 0.2], tests=1)


@pytest.mark.slow
def test_the_demos_strongest_findings_lead_with_tested_differences_of_many_pairs(
    demo_place, demo_store
) -> None:
    best = demo_store.strongest()
    first = best.items[:10]
    assert all(f.tested for f in first[:3]), [f.label for f in first[:3]]
    assert len({(f.indicator, f.grouping) for f in first}) > 1
    for tier in (True, False):
        tier_counted = [f.counted for f in best.items if f.tested is tier]
        assert tier_counted == sorted(tier_counted, reverse=True)
    tested = [f for f in best.items if f.tested]
    assert all(f.store_q_value <= 0.05 for f in tested)
    assert all(f.rated for f in best.items)  # never a raw count, such as admissions a year
    pairs = len(demo_place.indicators) * len(demo_place.groupings)
    assert best.pairs == pairs  # every pair of the demo, found something or not


@pytest.mark.slow
def test_the_first_few_strongest_are_those_of_the_whole_ranking(demo_store) -> None:
    """Home asks for three: ranked over what the store's columns say of each finding
    (without making every finding first), they are the first of the full ranking, and the
    same objects the pair's own findings hold."""
    full = scan.StoredFindings(demo_store.stored).strongest()
    assert len(full.items) > 100
    for top in (1, 3, 10, 100, len(full.items), len(full.items) + 5):
        fresh = scan.StoredFindings(demo_store.stored)
        first = fresh.strongest(top)
        assert [(f.indicator, f.grouping, f.rank) for f in first.items] == [
            (f.indicator, f.grouping, f.rank) for f in full.items[:top]
        ]
        assert [f.sentence for f in first.items] == [f.sentence for f in full.items[:top]]
        assert (first.held_back, first.pairs, first.alpha) == (
            full.held_back, full.pairs, full.alpha,
        )  # fmt: skip
        for item in first.items[:3]:
            assert item in fresh.findings(item.indicator, item.grouping).items


@pytest.mark.slow
def test_findings_all_prints_the_same_rows_in_the_same_order(
    demo_place, demo_store, capsys
) -> None:
    assert cli.main(["findings", "--all", "--top", "10", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    best = demo_store.strongest(10)
    assert [(r["indicator"], r["grouping"], r["rank"]) for r in rows] == [
        (f.indicator, f.grouping, f.rank) for f in best
    ]
    assert [r["position"] for r in rows] == list(range(1, len(rows) + 1))
    assert not any(r["tested"] is False for r in rows[:3])  # no what-if among the first 3
    counted = [r["affected"] is not None and r["affected"] > 0 for r in rows]
    for tier in (True, False):  # within a family, nobody counted never above people counted
        flags = [c for c, r in zip(counted, rows, strict=True) if r["tested"] is tier]
        assert flags == sorted(flags, reverse=True)
    assert len({(r["indicator"], r["grouping"]) for r in rows}) > 1
    assert cli.main(["findings", "--all", "--top", "3"]) == 0
    text = capsys.readouterr().out
    pairs = len(demo_place.indicators) * len(demo_place.groupings)
    assert f"across {pairs} indicator × boundary pairs" in text
    assert text.index(best.items[0].sentence) < text.index(best.items[1].sentence)
