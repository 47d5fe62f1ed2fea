"""Every number means what it says, pinned on real demo data (issue: "Every number means
what it says"): what-if penalties, networks without a centre, withheld travel times,
percentage points, benchmarks named for their coverage, counts never rated."""

from __future__ import annotations

import pytest

from insight.analysis import benchmark, findings, profile
from insight.data import postcodes
from insight.explain import FINDING_KINDS, comparison_sentence
from insight.model import Indicator
from insight.spatial.index import AreaIndex

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index(demo_place) -> AreaIndex:
    return AreaIndex(demo_place.areas)


def cards(place, index, postcode: str):
    found = postcodes.locate(place, postcode, index)
    table = profile.area_profile(place, index, found.area_index, "lad")
    return table.set_index("indicator")


def test_norwich_thrombectomy_cards_say_the_network_has_no_centre(demo_place, index):
    table = cards(demo_place, index, "NR1 3QU")
    for indicator_id, group in (("mt_penalty_isdn", "stroke network"), ("mt_penalty_icb", "")):
        row = table.loc[indicator_id]
        assert row["value_text"].startswith("No thrombectomy centre in your")
        (sentence,) = row["sentences"]
        assert "has no thrombectomy centre" in sentence and "79.9 minutes away" in sentence
        assert "no data" not in sentence.lower()
        assert group in sentence
    for indicator_id in ("ivt_penalty_isdn", "ivt_penalty_icb"):
        (sentence,) = table.loc[indicator_id, "sentences"]
        assert sentence.startswith("No extra time: your nearest clot-busting stroke unit")


def test_penalty_findings_are_worded_as_what_ifs_with_both_journeys(demo_place, index):
    found = findings.findings(demo_place, "mt_minutes", "isdn", kinds=["penalty"], index=index)
    assert FINDING_KINDS["penalty"].startswith("What if")
    for finding in found:
        assert finding.label.startswith("What if")
        assert finding.sentence.startswith(
            "What if patients could only use thrombectomy centres in their own stroke network?"
        )
        assert "would grow from" in finding.sentence
        assert "(from " not in finding.sentence  # the old "(from 31 to 161 minutes ...)"


def test_travel_time_defects_are_withheld_with_the_reason(demo_place, index):
    areas = demo_place.areas
    row = int(areas.index[areas["name"] == "Central Bedfordshire 033D"][0])
    assert areas["mt_minutes"].isna().iloc[row]  # never shown as if sound
    note = areas["travel_note"].iloc[row]
    assert note.startswith("Travel times withheld") and "91.7" in note
    table = profile.area_profile(demo_place, index, row, "lad").set_index("indicator")
    assert table.loc["mt_minutes", "value_text"] == "Withheld"
    assert table.loc["mt_minutes", "sentences"] == [note]
    assert demo_place.quality["areas_with_travel_times_withheld"] == 2
    swansea = areas.loc[areas["name"] == "Swansea 025H", "travel_note"].iloc[0]
    assert "11 of the 125 stroke units" in swansea


def test_benchmark_label_for_admissions_is_england(demo_place):
    comparison = benchmark.compare_groups(demo_place, "admissions", "isdn")
    assert comparison.benchmark_name == "England"
    assert "Wales has no figures for stroke admissions a year" in comparison.method
    assert set(comparison.table["rating"]) == {"Not compared"}  # a count is never rated


def test_percentages_differ_in_percentage_points_and_numbers_agree():
    share = Indicator("p", "Households in fuel poverty", "%", "proportion", "low_is_good")
    sentence = comparison_sentence(share, 8.8, 24.3, "the neighbours")
    assert sentence.startswith("15.5 percentage points less than the neighbours (24.3%)")
    count = Indicator("a", "Admissions", "admissions a year", "count")
    sentence = comparison_sentence(count, 2.34, 1.26, "the neighbours")
    # 2.3 shown, 1.3 shown: the difference shown is 1.0, not 1.1
    assert sentence.startswith("1.0 admissions a year more than the neighbours (1.3 admissions")
    assert "better" not in sentence and "worse" not in sentence
