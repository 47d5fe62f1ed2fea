"""Ranked findings on the demo: one Finding carries everything, funnels agree with Compare."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insight.analysis import benchmark, findings, scan
from insight.errors import DataError
from insight.explain import FINDING_KINDS, gap_change_sentence

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_findings(demo_place) -> findings.Findings:
    return findings.findings(demo_place, "mt_minutes", "isdn")


def test_findings_for_thrombectomy_by_network(demo_findings) -> None:
    found = demo_findings
    assert len(found) > 0 and not found.empty
    assert [f.rank for f in found] == list(range(1, len(found) + 1))
    assert list(found) == sorted(found, key=findings.ranking_key)  # the one ranking rule
    assert {f.kind for f in found} <= set(findings.FINDING_KINDS)
    assert "penalty" in {f.kind for f in found}
    for finding in found:
        assert finding.label == FINDING_KINDS[finding.kind]
        assert (finding.indicator, finding.grouping) == ("mt_minutes", "isdn")
        assert finding.group_name in finding.sentence, finding.sentence
        assert finding.other_name in finding.sentence, finding.sentence
        assert "nan" not in finding.sentence.lower()
        # travel times are not samples: no confidence interval, no chance, in any sentence
        assert "95% CI" not in finding.sentence and "chance" not in finding.sentence
        assert finding.interval in ("likely range", "range")
        assert "minutes" in finding.sentence
        assert math.isfinite(finding.effect) and finding.lower <= finding.effect <= finding.upper
        assert finding.areas >= 1
        assert len(finding.area_codes) == (0 if finding.kind == "funnel" else finding.areas)
        # Wales: no admissions (NaN); an area with none in the years counted: 0
        assert finding.affected >= 0 or math.isnan(finding.affected)
        assert ("come from" in finding.sentence) == (not math.isnan(finding.affected))
        assert finding.chart.bars or finding.chart.groups is not None
    assert len(found.border_table) > 20 and found.border_table["tested"].sum() > 20


def test_table_is_the_findings_row_for_row(demo_findings) -> None:
    table = demo_findings.table
    assert list(table.columns) == list(findings.FINDING_COLUMNS)
    assert table["rank"].tolist() == [f.rank for f in demo_findings]
    assert table["sentence"].tolist() == [f.sentence for f in demo_findings]
    assert table["effect"].tolist() == [f.effect for f in demo_findings]
    first = demo_findings.by_rank(1)
    assert first is demo_findings.items[0]
    with pytest.raises(DataError, match="no finding ranked 999"):
        demo_findings.by_rank(999)


def test_penalty_chart_counts_every_area_of_the_finding(demo_findings) -> None:
    penalties = [f for f in demo_findings if f.kind == "penalty"]
    assert penalties
    for finding in penalties:
        assert finding.chart.kind == "bands"
        assert sum(bar.value for bar in finding.chart.bars) == finding.areas
        assert finding.benchmark is None
        assert finding.sentence.startswith("If patients could only use") or "if" in finding.sentence


@pytest.mark.parametrize(
    ("indicator_id", "grouping_id"),
    [("mt_minutes", "lad"), ("admissions", "lad"), ("ivt_minutes", "icb")],
)
def test_funnel_findings_are_the_groups_compare_marks(demo_place, indicator_id, grouping_id):
    found = findings.findings(demo_place, indicator_id, grouping_id, kinds=["funnel"])
    comparison = benchmark.compare_groups(demo_place, indicator_id, grouping_id)
    assert sorted(f.group_code for f in found) == sorted(comparison.outliers["code"])
    table = comparison.table.set_index("code")
    for finding in found:
        row = table.loc[finding.group_code]
        if demo_place.indicator(indicator_id).kind == "count":
            assert finding.value == pytest.approx(row["count"])
            assert finding.benchmark == pytest.approx(row["expected"])
        else:
            assert finding.value == pytest.approx(row["value"])
            assert finding.benchmark == pytest.approx(comparison.benchmark)
            assert finding.effect == pytest.approx(row["value"] - comparison.benchmark)
        assert np.sign(finding.effect) == (1 if row["funnel"] == "high" else -1)


def test_border_findings_carry_both_sides(demo_place) -> None:
    found = findings.findings(demo_place, "mt_penalty_isdn", "isdn", kinds=["border"])
    assert len(found) >= 5
    for finding in found:
        finding_bar, other_bar, gap = finding.chart.bars
        assert finding_bar.value == pytest.approx(finding.value)
        assert other_bar.value == pytest.approx(finding.benchmark)
        assert gap.value == pytest.approx(finding.effect)
        assert finding.effect == pytest.approx(finding.value - finding.benchmark, abs=1e-6)


def test_findings_reject_unknown_ids(demo_place) -> None:
    with pytest.raises(DataError, match="choose one of: admissions"):
        findings.findings(demo_place, "nope", "isdn")
    with pytest.raises(DataError, match="choose one of: lad"):
        findings.findings(demo_place, "mt_minutes", "nope")
    with pytest.raises(DataError, match="choose from: border"):
        findings.findings(demo_place, "mt_minutes", "isdn", kinds=["borders"])


def test_count_indicator_funnels_compare_with_the_count_expected(demo_place) -> None:
    found = findings.findings(demo_place, "admissions", "isdn", kinds=["funnel", "penalty"])
    assert all(f.kind == "funnel" for f in found)
    assert all("nan" not in f.sentence for f in found)
    assert all("expected" in f.benchmark_label for f in found)


# --------------------------------------------------------------------------------------
# A border gap over time: the same border engine on an earlier period
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def border_now(demo_place) -> findings.Findings:
    return findings.findings(demo_place, "mt_minutes", "lad", kinds=("border",))


def test_a_border_that_was_the_same_then_shows_no_clear_change(
    demo_place, border_now, with_earlier_period
) -> None:
    """Same values in both periods: the same gap then as now, to the last digit."""
    place = with_earlier_period(demo_place, "mt_minutes", {}, "2018")
    found = findings.findings(place, "mt_minutes", "lad", kinds=("border",))
    assert len(found) == len(border_now) > 0
    for item, alone in zip(found, border_now, strict=True):
        assert item.change == "no clear change" and item.then_period == "2018"
        assert item.then_effect == pytest.approx(item.effect, abs=1e-9)
        assert (item.then_lower, item.then_upper) == pytest.approx((item.lower, item.upper))
        added = gap_change_sentence(
            demo_place.indicator("mt_minutes"), item.change, "2018", item.then_effect
        )
        assert "about as wide as in 2018" in added and f" {added}" in item.sentence
        assert item.sentence.replace(f" {added}", "") == alone.sentence


def test_a_gap_that_was_not_there_then_has_opened(
    demo_place, border_now, with_earlier_period
) -> None:
    """Earlier, the finding's border areas were like those across: the gap has opened."""
    top = border_now.items[0]
    across = demo_place.areas.set_index("code").loc[list(top.other_area_codes), "mt_minutes"]
    place = with_earlier_period(
        demo_place, "mt_minutes", dict.fromkeys(top.area_codes, float(across.mean())), "2018"
    )
    found = findings.findings(place, "mt_minutes", "lad", kinds=("border",))
    item = next(
        f for f in found if (f.group_code, f.other_code) == (top.group_code, top.other_code)
    )
    assert item.then_lower <= 0 <= item.then_upper and abs(item.then_effect) < abs(item.effect)
    assert item.change == "opened"
    assert "The gap has opened since 2018" in item.sentence
    # every surface reads the same: the store round trip keeps the change and its sentence
    back = scan.findings_from_records("mt_minutes", "lad", scan.finding_records(found))
    assert back.by_rank(item.rank).record() == item.record()


def test_one_period_places_say_nothing_about_change(border_now) -> None:
    assert {f.change for f in border_now} == {""}
    assert all(math.isnan(f.then_effect) for f in border_now)
    assert "since" not in " ".join(f.sentence for f in border_now)


@pytest.mark.parametrize(
    ("now", "then", "expected"),
    [
        ((3.0, 2.0, 4.0), (0.2, -0.8, 1.2), "opened"),
        ((3.0, 2.0, 4.0), (1.2, 0.7, 1.7), "widened"),
        ((1.2, 0.7, 1.7), (3.0, 2.0, 4.0), "narrowed"),
        ((3.0, 2.0, 4.0), (-2.0, -3.0, -1.0), "reversed"),
        ((3.0, 2.0, 4.0), (2.6, 1.6, 3.6), "no clear change"),
        ((3.0, 2.0, 4.0), (math.nan, math.nan, math.nan), ""),
    ],
)
def test_gap_change_words_follow_the_two_intervals(now, then, expected) -> None:
    assert findings.gap_change(*now, *then) == expected


def test_a_gap_that_was_there_then_and_is_gone_now_is_a_closed_finding(
    demo_place, border_now, with_earlier_period
) -> None:
    """A border with no finding today, given a large step in the earlier period, is listed
    as a gap that has closed, about the side that was worse off then."""
    table = border_now.border_table
    quiet = table[table["tested"] & ~table["flagged"]]
    quiet = quiet[(quiet["n_a"] >= 8) & (quiet["n_b"] >= 8)].iloc[0]
    earlier = demo_place.areas.set_index("code").loc[list(quiet["codes_b"]), "mt_minutes"]
    place = with_earlier_period(demo_place, "mt_minutes", (earlier + 40.0).to_dict(), "2018")
    found = findings.findings(place, "mt_minutes", "lad", kinds=("border",))
    closed = [f for f in found if f.change == "closed"]
    item = next(f for f in closed if (f.group_code, f.other_code) == (quiet.group_b, quiet.group_a))
    assert item.then_effect > 30 and item.lower <= 0 <= item.upper  # clear then, not now
    assert item.sentence.startswith(
        f"The gap along the border between {quiet.name_b} and {quiet.name_a} has closed since 2018"
    )
    assert "bigger step" not in item.sentence  # today's step is no finding
    # listed after every border that is a finding today
    open_ranks = [f.rank for f in found if f.change != "closed"]
    assert item.rank > max(open_ranks)
    # and the current findings are those of the place without the earlier period
    assert [f.group_code for f in found if f.change != "closed"] == [
        f.group_code for f in border_now
    ]
