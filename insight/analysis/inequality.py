"""Inequality by deprivation: an indicator by deprivation quintile, and its slope index.

A place declares one of its indicators as its deprivation measure (``role =
"deprivation"`` in the column's settings; :attr:`insight.model.Place.deprivation`), e.g.
the IMD score of each area. Then:

* every area is put in a deprivation quantile (fifths by default) of the **whole place**,
  by the rank of its deprivation (1 = the most deprived fifth, as Fingertips numbers
  them), so "the most deprived fifth" means the same inside any group;
* the indicator's value in each quantile is worked out exactly as a group's value on
  Compare (:func:`insight.analysis.benchmark.compare_groups`: pooled totals with Wilson or
  Byar's intervals, weighted means...), over the areas of one group or of the place;
* the slope and relative indices of inequality (:func:`insight.stats.slope_index`, as
  PHEindicatormethods' ``phe_sii``) summarise the gradient: the modelled gap between the
  least and the most deprived ends, positive when the value rises as deprivation falls.

:func:`adjusted_values` gives the indicator with what deprivation predicts taken out (a
weighted regression across all areas on the deprivation rank), used to ask whether a
step at a border is "just deprivation".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from insight import explain, stats
from insight.analysis.benchmark import compare_groups
from insight.errors import DataError
from insight.model import Grouping, Indicator, Place

__all__ = [
    "Inequality",
    "adjusted_values",
    "deprivation_quantiles",
    "deprivation_rank",
    "inequality",
]

#: Id of the temporary grouping the quantiles are compared as.
_QUANTILE_GROUPING = "deprivation_quantile"


@dataclass(frozen=True)
class Inequality:
    """An indicator by deprivation quantile, with its slope and relative indices.

    Attributes
    ----------
    indicator : Indicator
        What is measured.
    deprivation : Indicator
        The place's deprivation measure.
    where : str
        The areas it covers: the place's benchmark name or a group's name.
    table : pandas.DataFrame
        One row per quantile, most deprived first: ``quantile`` (1 = most deprived),
        ``label``, ``areas``, ``population`` (what the SII weighs by), ``value``,
        ``lower``, ``upper`` (as on Compare).
    slope : stats.SlopeIndex or None
        None when a quantile has no value (the SII needs every quantile).
    method : str
        How the figures were worked out, in a sentence.
    """

    indicator: Indicator
    deprivation: Indicator
    where: str
    table: pd.DataFrame
    slope: stats.SlopeIndex | None
    method: str


def _deprivation_of(place: Place) -> Indicator:
    found = place.deprivation
    if found is None:
        raise DataError(
            f"Place {place.id!r} has no deprivation measure. Declare one in place.toml: add "
            'role = "deprivation" to the settings of a column holding an IMD score (higher '
            'is more deprived), or of an IMD rank with polarity = "high_is_good" (1 is the '
            "most deprived). The README says how to add the IMD."
        )
    return found


def deprivation_score(place: Place) -> np.ndarray:
    """Each area's deprivation measure, turned so that higher is more deprived (a rank
    declared ``polarity = "high_is_good"`` is negated); NaN where missing."""
    measure = _deprivation_of(place)
    score = pd.to_numeric(place.areas[measure.id], errors="coerce").to_numpy(float)
    return -score if measure.polarity == "high_is_good" else score


def deprivation_rank(place: Place) -> np.ndarray:
    """Each area's place in the place's deprivation, 0 (most deprived) to 1 (least);
    NaN where the measure is missing. Ties share their mean rank."""
    score = pd.Series(-deprivation_score(place))
    rank = score.rank(method="average", pct=True).to_numpy(float)
    count = np.isfinite(rank).sum()
    # pct ranks run 1/n..1; centre them so the most deprived is near 0.
    return (rank * count - 0.5) / count if count else rank


def deprivation_quantiles(place: Place, quantiles: int = 5) -> np.ndarray:
    """Each area's deprivation quantile of the whole place: 1 (most deprived) to
    ``quantiles``; 0 where the measure is missing."""
    rank = deprivation_rank(place)
    found = np.floor(np.nan_to_num(rank, nan=-1.0) * quantiles).astype(int) + 1
    return np.where(np.isfinite(rank), np.clip(found, 1, quantiles), 0)


def _populations(place: Place, indicator: Indicator, rows: np.ndarray) -> float:
    """What a quantile's weight in the SII is: its denominator, the indicator's weights,
    or its number of areas (small areas have about the same number of people)."""
    for column in (indicator.denominator, indicator.weight):
        if column and column in place.areas.columns:
            values = pd.to_numeric(place.areas[column].iloc[rows], errors="coerce")
            if values.notna().any() and values.sum() > 0:
                return float(values.sum())
    return float(rows.size)


def inequality(
    place: Place,
    indicator_id: str,
    grouping_id: str | None = None,
    group: str | None = None,
    quantiles: int = 5,
    seed: int = 0,
    repetitions: int = 10_000,
) -> Inequality:
    """An indicator by deprivation quantile, over the place or one group's areas.

    Parameters
    ----------
    place : Place
        The place (it must declare a deprivation measure).
    indicator_id : str
        The indicator.
    grouping_id, group : str, optional
        Only the areas of this group (quantiles stay those of the whole place).
    quantiles : int, default 5
        Fifths (5) or tenths (10).
    seed, repetitions : int
        Of the simulated limits of the SII (:func:`insight.stats.slope_index`).

    Returns
    -------
    Inequality

    Raises
    ------
    DataError
        If the place has no deprivation measure, the indicator is the measure itself, or
        the group is unknown or has no areas.

    Examples
    --------
    >>> inequality(place, "child_poverty").slope.sii  # doctest: +SKIP
    -12.3
    """
    indicator = place.indicator(indicator_id)
    measure = _deprivation_of(place)
    if indicator.id == measure.id:
        raise DataError(
            f"{indicator.title!r} is the place's deprivation measure: choose another indicator."
        )
    if quantiles not in (5, 10):
        raise DataError(f"Quantiles must be 5 (fifths) or 10 (tenths), not {quantiles!r}.")
    quantile = deprivation_quantiles(place, quantiles)
    keep = np.ones(len(place.areas), dtype=bool)
    where = place.benchmark_name
    if group is not None:
        grouping = place.grouping(grouping_id or place.default_grouping)
        names = place.group_names(grouping.id)
        if group not in names.index:
            raise DataError(
                f"No {grouping.title.lower()} has the code {group!r} in place {place.id!r}."
            )
        keep = np.array(place.areas[grouping.code_column].astype(str) == str(group))
        where = str(names[group])
    keep &= quantile > 0
    if not keep.any():
        raise DataError(f"No area of {where} has a deprivation value.")
    labels = [explain.quantile_label(q, quantiles) for q in range(1, quantiles + 1)]
    areas = place.areas.loc[keep].copy()
    areas[f"{_QUANTILE_GROUPING}_code"] = quantile[keep].astype(str)
    areas[f"{_QUANTILE_GROUPING}_name"] = [labels[q - 1] for q in quantile[keep]]
    local = replace(
        place,
        areas=areas.reset_index(drop=True),
        groupings={_QUANTILE_GROUPING: Grouping(_QUANTILE_GROUPING, "Deprivation quantile")},
    )
    result = compare_groups(local, indicator.id, _QUANTILE_GROUPING).table
    table = result.set_index("code").reindex([str(q) for q in range(1, quantiles + 1)])
    rows_of = {q: np.flatnonzero(quantile[keep] == q) for q in range(1, quantiles + 1)}
    frame = pd.DataFrame(
        {
            "quantile": np.arange(1, quantiles + 1),
            "label": labels,
            "areas": [int(rows_of[q].size) for q in range(1, quantiles + 1)],
            "population": [
                _populations(local, indicator, rows_of[q]) for q in range(1, quantiles + 1)
            ],
            "value": table["value"].to_numpy(float),
            "lower": table["lower"].to_numpy(float),
            "upper": table["upper"].to_numpy(float),
        }
    )
    slope = _slope(local, indicator, frame, quantile[keep], seed, repetitions)
    return Inequality(
        indicator, measure, where, frame, slope,
        explain.inequality_method(measure, quantiles, indicator.sampled),
    )  # fmt: skip


def _slope(
    place: Place,
    indicator: Indicator,
    frame: pd.DataFrame,
    quantile: np.ndarray,
    seed: int,
    repetitions: int,
) -> stats.SlopeIndex | None:
    """The SII of ``frame``, with each quantile's standard error from its interval (a
    sampled indicator) or from the spread between its areas (a fixed value)."""
    ok = frame[["value", "population"]].notna().all(axis=1) & (frame["population"] > 0)
    if not ok.all() or (frame["areas"] < 2).any():
        return None
    values = frame["value"].to_numpy(float)
    kind = "normal"
    scale = 1.0
    if indicator.sampled and frame[["lower", "upper"]].notna().all(axis=None):
        lower, upper = frame["lower"].to_numpy(float), frame["upper"].to_numpy(float)
        if indicator.numerator and indicator.denominator:
            kind = "proportion" if indicator.kind == "proportion" else "rate"
            scale = indicator.multiplier if kind == "proportion" else 1.0
        positive = (lower > 0).all() and (kind != "proportion" or (upper < scale).all())
        if kind != "normal" and not positive:
            kind, scale = "normal", 1.0  # a zero or 100% quantile: no log or logit scale
        return stats.slope_index(
            values / scale, frame["population"], lower=lower / scale, upper=upper / scale,
            value_type=kind, multiplier=scale, seed=seed, repetitions=repetitions,
        )  # fmt: skip
    column = pd.to_numeric(place.areas[indicator.id], errors="coerce").to_numpy(float)
    errors = []
    for q in frame["quantile"]:
        v = column[quantile == q]
        v = v[np.isfinite(v)]
        errors.append(float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else np.nan)
    if not np.isfinite(errors).all():
        return None
    return stats.slope_index(
        values, frame["population"], se=errors, seed=seed, repetitions=repetitions
    )


def adjusted_values(place: Place, indicator_id: str) -> pd.Series | None:
    """The indicator with what deprivation predicts taken out, or None without a measure.

    A weighted least-squares fit across every area of the value on the deprivation
    measure (:func:`deprivation_score`, standardised) and its square, weighted by the
    indicator's weight or denominator where it has one; the result is each area's
    residual plus the overall mean, so it stays on the indicator's scale. NaN where
    either is missing. (The measure itself, not its rank: a rank would turn a jump in
    deprivation at a border into a curve a quadratic cannot follow.)

    Examples
    --------
    >>> adjusted_values(place, "child_poverty").head(2)  # doctest: +SKIP
    """
    measure = place.deprivation
    if measure is None or measure.id == indicator_id:
        return None
    indicator = place.indicator(indicator_id)
    value = pd.to_numeric(place.areas[indicator.id], errors="coerce").to_numpy(float)
    score = deprivation_score(place)
    finite = np.isfinite(score)
    if finite.sum() < 4 or np.nanstd(score) == 0:
        return None
    z = (score - np.nanmean(score)) / np.nanstd(score)
    weights = np.ones(value.size)
    for column in (indicator.weight, indicator.denominator):
        if column and column in place.areas.columns:
            given = pd.to_numeric(place.areas[column], errors="coerce").to_numpy(float)
            if np.isfinite(given).any():
                weights = np.where(np.isfinite(given) & (given > 0), given, np.nan)
                break
    ok = np.isfinite(value) & np.isfinite(z) & np.isfinite(weights)
    if ok.sum() < 4:
        return None
    design = np.column_stack([np.ones(ok.sum()), z[ok], z[ok] ** 2])
    root = np.sqrt(weights[ok])
    coef = np.linalg.lstsq(design * root[:, None], value[ok] * root, rcond=None)[0]
    fitted = np.column_stack([np.ones(value.size), z, z**2]) @ coef
    mean = float(np.average(value[ok], weights=weights[ok]))
    adjusted = np.where(ok, value - fitted + mean, np.nan)
    return pd.Series(adjusted, index=place.areas.index, name=indicator.id)
