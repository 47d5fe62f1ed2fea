"""Boundary penalties: the extra journey if people could only use services in their own group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from insight import explain, outcomes
from insight.errors import DataError
from insight.model import Grouping, Place
from insight.spatial import access

__all__ = ["PENALTY_THRESHOLD", "Penalties", "boundary_penalties", "penalty_summary"]

#: Areas with a boundary penalty above this many minutes are findings.
PENALTY_THRESHOLD = 10.0


@dataclass(frozen=True)
class Penalties:
    """The boundary penalty of every area (in ``place.areas`` order).

    Attributes
    ----------
    minutes : numpy.ndarray
        Extra minutes if only services in the area's own group could be used; NaN where
        the group has no such service.
    other_group : numpy.ndarray
        The group of the area's nearest capable service (object array).
    usual : numpy.ndarray
        Minutes to the nearest capable service anywhere (the journey today).
    """

    minutes: np.ndarray
    other_group: np.ndarray
    usual: np.ndarray

    def __iter__(self):  # (minutes, other_group), as the summary and findings unpack them
        return iter((self.minutes, self.other_group))


def boundary_penalties(place: Place, service: str, grouping: Grouping) -> Penalties:
    """Boundary penalty of every area, and the group of its nearest capable service.

    The penalty is a what-if: the extra minutes to the nearest service of type ``service``
    inside the area's own group, against the nearest anywhere
    (:func:`insight.spatial.access.boundary_penalty`). NaN where the own group has none.

    Parameters
    ----------
    place : Place
        A place with services and a travel cost matrix.
    service : str
        Service type id, e.g. ``"mt"``.
    grouping : Grouping
        The boundary; the services need its ``<id>_code`` column.

    Returns
    -------
    Penalties
        Minutes per area, the group of each area's nearest capable service, and the
        usual journey.

    Raises
    ------
    DataError
        If the services lack the grouping's column.
    """

    services = place.services
    column = grouping.code_column
    if column not in services.columns:
        raise DataError(
            f"The services of place {place.id!r} have no {column!r} column, so the boundary "
            f"penalty by {grouping.id!r} cannot be worked out; groupings on the services: "
            f"{', '.join(c[:-5] for c in services.columns if c.endswith('_code')) or 'none'}."
        )
    capable = services[service].fillna(False).astype(bool).to_numpy()
    penalty = access.boundary_penalty(
        place.costs, place.areas[column].to_numpy(dtype=object),
        services[column].to_numpy(dtype=object), capable,
    )  # fmt: skip
    nearest = access.nearest_service(place.costs, capable)
    group_of = dict(zip(services["code"], services[column], strict=True))
    other = np.array([group_of.get(code) for code in nearest.service], dtype=object)
    return Penalties(penalty, other, np.asarray(nearest.cost, dtype=float))


# --------------------------------------------------------------------------------------
# Boundary penalty summary
# --------------------------------------------------------------------------------------


def penalty_summary(
    place: Place, service: str, grouping: str, threshold: float = PENALTY_THRESHOLD
) -> dict[str, Any]:
    """How much being limited to one's own group adds to the journey, in figures.

    Parameters
    ----------
    place : Place
        A place with services and a travel cost matrix.
    service : str
        Service type id, e.g. ``"mt"`` (thrombectomy centres).
    grouping : str
        Grouping id, e.g. ``"isdn"``; the services need its ``<id>_code`` column.
    threshold : float, default 10
        Minutes above which a penalty counts.

    Returns
    -------
    dict
        ``service``, ``grouping``, ``threshold_minutes``, ``areas`` (all areas),
        ``areas_with_penalty`` (areas whose group has a unit, so the penalty is
        defined), ``areas_with_no_unit_in_group``, ``areas_over_threshold`` (over the
        threshold, whatever it is), ``share_over_threshold`` (of all areas),
        ``share_over_threshold_where_defined``, ``max_minutes``, ``mean`` (over areas
        where defined), ``mean_over_threshold``, ``admissions_over_threshold`` (sum of the
        ``admissions`` column, or of the first count indicator, in those areas; None
        when the place has none), ``independent_lives_over_threshold`` (stroke patients a
        year fewer expected to live independently in those areas if the what-if came
        true, modelled: :func:`insight.outcomes.lives_for_delay`; None where there is no
        outcome model) and ``by_group`` (areas over the threshold per group).

    Raises
    ------
    DataError
        If the place has no services or costs, the service type or grouping is
        unknown, or the services lack the grouping's column.

    Examples
    --------
    >>> from insight.data.catalogue import load_place
    >>> summary = penalty_summary(load_place("demo"), "mt", "isdn")  # doctest: +SKIP
    >>> round(summary["share_over_threshold"], 3)  # doctest: +SKIP
    0.131
    """
    if place.services is None or place.costs is None:
        raise DataError(
            f"Place {place.id!r} has no services with travel costs, so there is no boundary "
            "penalty to work out."
        )
    if service not in place.service_types or service not in place.services.columns:
        raise DataError(
            f"Place {place.id!r} has no service type {service!r}; choose one of: "
            f"{', '.join(place.service_types) or 'none'}."
        )
    grp = place.grouping(grouping)
    penalties = boundary_penalties(place, service, grp)
    penalty = penalties.minutes
    defined = np.isfinite(penalty)
    over = np.nan_to_num(penalty, nan=0.0) > threshold
    count = _count_column(place)
    admissions = None
    if count is not None:
        admissions = float(np.nansum(place.areas[count].to_numpy(dtype=float)[over]))
    groups = place.areas[grp.code_column].to_numpy(dtype=object)
    by_group = pd.Series(groups[over]).value_counts().sort_index()
    names = place.group_names(grp.id)
    n = len(penalty)
    lives = None
    if stroke_model_applies(place, service) and over.any():
        lives = outcomes.lives_for_delay(
            service, penalties.usual[over], penalty[over], admissions_of(place)[over]
        )
        lives = None if not np.isfinite(lives) else round(lives, 2)
    return {
        "service": service,
        "grouping": grp.id,
        "threshold_minutes": float(threshold),
        "areas": int(n),
        "areas_with_penalty": int(defined.sum()),
        "areas_with_no_unit_in_group": int((~defined).sum()),
        "areas_over_threshold": int(over.sum()),
        "share_over_threshold": float(over.sum() / n) if n else float("nan"),
        "share_over_threshold_where_defined": (
            float(over.sum() / defined.sum()) if defined.any() else float("nan")
        ),
        "max_minutes": round(float(np.nanmax(penalty)), 2) if defined.any() else float("nan"),
        "mean": round(float(np.nanmean(penalty)), 2) if defined.any() else float("nan"),
        "mean_over_threshold": round(float(penalty[over].mean()), 2)
        if over.any()
        else float("nan"),
        "admissions_over_threshold": None if admissions is None else round(admissions, 1),
        "independent_lives_over_threshold": lives,
        "independent_lives_sentence": ""
        if lives is None
        else explain.penalty_lives_sentence(lives),
        "by_group": {
            str(code): {"name": str(names.get(code, code)), "areas_over_threshold": int(k)}
            for code, k in by_group.items()
        },
    }


def stroke_model_applies(place: Place, service: str | None) -> bool:
    """Whether journeys to ``service`` can be turned into modelled stroke outcomes: the
    place carries the modelled stroke outcome indicators and admissions (the demo), and the
    service is a thrombolysis unit or thrombectomy centre."""
    modelled = any(i.kind == "modelled" and i.outcome for i in place.indicators.values())
    return modelled and service in ("ivt", "mt") and "admissions" in place.areas.columns


def admissions_of(place: Place) -> np.ndarray:
    """Stroke admissions a year of every area (NaN where unknown)."""
    return pd.to_numeric(place.areas["admissions"], errors="coerce").to_numpy(dtype=float)


def _count_column(place: Place) -> str | None:
    if "admissions" in place.areas.columns:
        return "admissions"
    for ind in place.indicators.values():
        if ind.kind == "count" and ind.id in place.areas.columns:
            return ind.id
    return None
