"""Ranked postcode-lottery findings: one :class:`Finding` type, computed once for every surface.

:func:`findings` ranks everything worth a look for one indicator and one grouping:

``border``
    Border discontinuities (:func:`insight.analysis.borders.border_discontinuities`),
    about the side that is worse off; ``effect`` is that side minus the other. For an
    indicator with an earlier period, each says how its gap changed since
    (:func:`gap_change`), and a border whose gap was a finding then and has clearly closed
    since is a finding too (``change == "closed"``, listed after today's findings).
``penalty``
    For a travel-time indicator of a service type (:meth:`Place.service_type_of`), areas
    where using only services inside one's own group would add more than
    ``penalty_threshold`` minutes, one finding per (own group, group of the nearest
    service); ``effect`` is the (weighted) mean extra minutes and ``lower``/``upper``
    their range. This is a what-if, and every sentence says so.
``funnel``
    Groups that :func:`insight.analysis.benchmark.compare_groups` places outside the
    99.8% funnel limits: the same groups the Compare page marks.
``spatial``
    (Not for a boundary-penalty what-if.) Single areas, or small groups of touching areas, unlike the areas around them
    (:func:`insight.spatial.outliers.neighbour_outliers`: each area against the mean of its
    neighbours, Benjamini-Hochberg over every area); ``effect`` is the areas' level minus
    that of the areas around them, and its 95% interval excludes zero on the same side;
    a difference the words would call "about the same" is not a finding.

Two families, kept apart everywhere (:attr:`Finding.tested`): *tested differences* (a test
with error control stands behind each) and *what-ifs* (``penalty`` findings, and every
finding about a what-if indicator such as a boundary penalty's extra minutes: a
counterfactual journey, not something people get today). :func:`ranking_key` is the one ranking
rule, within a pair (:func:`findings`) and across every pair of a store
(:func:`strongest`): tested differences before what-ifs, findings that count people before
those that count nobody, then what closing the gap would mean in people a year
(:attr:`Finding.opportunity`) where that is known, then the size of the gap in people
(:attr:`Finding.score`).

A :class:`Finding` carries everything any surface shows: its kind and label, the groups,
effect and interval, the value it is compared with, areas and people affected, the
sentence, the areas to draw and the numbers of its chart. The Postcode lottery page, Home,
Present, the slides, the data files and ``python -m insight findings`` all render the same
``Finding`` objects.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from insight import explain, outcomes
from insight.analysis import inequality, trend
from insight.analysis.benchmark import MIN_AREAS, compare_groups
from insight.analysis.borders import _codes_of, border_discontinuities, shared_borders
from insight.analysis.penalty import (
    PENALTY_THRESHOLD,
    admissions_of,
    boundary_penalties,
    stroke_model_applies,
)
from insight.analysis.shared import Shared
from insight.errors import DataError
from insight.model import Grouping, Indicator, Place
from insight.spatial.contiguity import Contiguity, values_of
from insight.spatial.index import AreaIndex
from insight.spatial.outliers import neighbour_outliers

__all__ = [
    "FINDING_COLUMNS",
    "FINDING_KINDS",
    "GAP_CHANGES",
    "Bar",
    "Finding",
    "FindingChart",
    "Findings",
    "PER_INDICATOR_KINDS",
    "Strongest",
    "WHAT_IF_KINDS",
    "findings",
    "gap_change",
    "local_outliers_of",
    "opportunity_of",
    "ranking_key",
    "strongest",
]

#: Kinds of finding, in the order they are worked out.
FINDING_KINDS: tuple[str, ...] = ("border", "penalty", "funnel", "spatial")

#: Kinds that are what-ifs (no test stands behind them); the other kinds are tested
#: differences, unless their indicator is itself a what-if (:attr:`Indicator.within`).
WHAT_IF_KINDS: frozenset[str] = frozenset({"penalty"})

#: Kinds whose test is about areas of an indicator, whatever the grouping: the same
#: finding appears under every grouping and is counted and shown once across a store.
PER_INDICATOR_KINDS: frozenset[str] = frozenset(FINDING_KINDS) - {"border", "penalty", "funnel"}

#: Columns of :attr:`Findings.table`, in order.
FINDING_COLUMNS: tuple[str, ...] = (
    "rank", "kind", "label", "tested", "rated", "group_code", "group_name", "other_code", "other_name",
    "effect", "lower", "upper", "interval", "value", "benchmark", "benchmark_label",
    "areas", "affected", "affected_label", "score", "p_value", "q_value", "store_q_value",
    "then_period", "then_effect", "then_lower", "then_upper", "change",
    "adjusted_effect", "adjusted_lower", "adjusted_upper", "sentence",
    "area_codes", "other_area_codes", "shared_borders", "same_steps",
    "step", "placebo_steps", "placebo_share", "ring_steps", "opportunity",
    "opportunity_label",
)  # fmt: skip

#: How a border's gap changed since an earlier period (:func:`gap_change`).
GAP_CHANGES: tuple[str, ...] = (
    "closed", "opened", "widened", "narrowed", "reversed", "no clear change",
)  # fmt: skip


@dataclass(frozen=True)
class Bar:
    """One bar of a finding's chart.

    Attributes
    ----------
    label : str
        What the bar is, in words.
    value : float
        Its length, in the chart's unit.
    role : str
        ``"finding"`` (the areas or group the finding is about), ``"other"`` (what they
        are compared with), ``"context"`` (the rest) or ``"difference"`` (the gap, with
        its interval).
    lower, upper : float
        Interval of a ``"difference"`` bar (NaN otherwise).
    """

    label: str
    value: float
    role: str
    lower: float = math.nan
    upper: float = math.nan


@dataclass(frozen=True)
class FindingChart:
    """The numbers of a finding's chart, worked out with the finding.

    Attributes
    ----------
    kind : str
        ``"sides"`` (a border: both sides and the gap), ``"bands"`` (a penalty: areas by
        extra minutes; values are numbers of areas), ``"groups"`` (a funnel outlier: every
        group's value) or ``"cluster"`` (areas unlike their neighbours: their level, that of
        the areas around them and the difference, with its interval).
    title : str
        The chart's title.
    bars : tuple of Bar
        The bars, top to bottom (empty for ``"groups"`` with many groups).
    reference : (str, float) or None
        A reference line (the benchmark), with its label.
    groups : pandas.DataFrame or None
        ``"groups"`` only: ``code``, ``name``, ``value`` of every group, lowest first.
    unit : str
        Unit of the values, for the axis.
    """

    kind: str
    title: str
    bars: tuple[Bar, ...]
    reference: tuple[str, float] | None = None
    groups: pd.DataFrame | None = None
    unit: str = ""


@dataclass(frozen=True)
class Finding:
    """One postcode-lottery finding, with everything any surface shows of it.

    Attributes
    ----------
    rank : int
        1 for the finding most worth a look.
    kind, label : str
        One of :data:`FINDING_KINDS`, and its words (:data:`insight.explain.FINDING_KINDS`).
    indicator, grouping : str
        Ids of the indicator and grouping it was worked out for.
    group_code, group_name : str
        The group it is about.
    other_code, other_name : str
        What it is compared with: the group across the border, the group of the nearest
        service, the benchmark (code ``""``), or "the areas around them".
    effect, lower, upper : float
        Size of the difference in the indicator's units (positive means more, longer or
        higher) and its interval.
    interval : str
        What ``lower``/``upper`` are: ``"95% CI"`` (values that vary by chance),
        ``"likely range"`` (a travel time or other fixed value: how far the gap could be
        off given how neighbouring areas vary) or ``"range"`` (a penalty's fewest to most
        extra minutes across its areas).
    value : float
        The value of the finding's areas or group.
    benchmark : float or None
        The value the sentence compares ``value`` with (the other side, the benchmark, the
        expected count, the areas around), or None (a penalty is compared with a journey).
    benchmark_label : str
        What ``benchmark`` is.
    areas : int
        Number of areas affected.
    affected : float
        People or admissions affected (NaN when unknown).
    affected_label : str
        What ``affected`` counts, e.g. "stroke admissions a year" ("" when unknown).
    score : float
        Size of the gap in people: ``|effect| / spread * affected``, where ``spread`` is the
        standard deviation of the indicator across the place's areas (so that gaps in
        minutes, percentages or counts rank on one scale), with ``areas`` times the mean
        weight of an area where ``affected`` is unknown.
    p_value, q_value : float
        The test behind the finding where there is one (NaN for what-ifs); ``q_value`` is
        the Benjamini-Hochberg q-value among the tests of its indicator and grouping.
    sentence : str
        The plain-English sentence.
    area_codes, other_area_codes : tuple of str
        Areas affected and those compared with, to draw it on a map.
    chart : FindingChart
        The numbers of its chart.
    then_period : str
        A border finding of an indicator with several periods: the earlier period its gap
        is compared with (:func:`insight.analysis.trend.comparison_period`); "" otherwise.
    then_effect, then_lower, then_upper : float
        The same border's gap in ``then_period`` (the same areas, the same side minus the
        other) and its interval; NaN when not compared.
    change : str
        How the gap changed since then, one of :data:`GAP_CHANGES` (:func:`gap_change`);
        "" when not compared. ``"closed"``: a border that was a finding in ``then_period``
        and is not now (its effect, interval and sentence are today's, about the side
        that was worse off then).
    adjusted_effect, adjusted_lower, adjusted_upper : float
        A border finding's step once deprivation is allowed for (the same border contrast
        on the indicator with what the place's deprivation measure predicts taken out:
        :func:`insight.analysis.inequality.adjusted_values`) and its interval; NaN when
        the place has no deprivation measure, or for other kinds of finding.
    shared_borders : tuple of (str, float)
        A border finding: the other groupings of the place that run along the same stretch,
        as (grouping id, share of the border's touching pairs of areas that lie across a
        border of that grouping too), largest first, those with a share of at least
        :data:`insight.analysis.borders.SHARED_BORDER_SHARE` only
        (:func:`insight.analysis.borders.shared_borders`); empty otherwise.
    same_steps : tuple of (str, str, str)
        A border finding read from a scan's store: the border findings of the same
        indicator in the other groupings of ``shared_borders`` that are the same step (the
        same sides of the same stretch, the same way round), as (grouping id, group code,
        other code); linked by :func:`insight.analysis.scan.link_same_steps`. Empty when
        worked out for one grouping alone.
    step : float
        A border finding: the step at the border after allowing for a steady gradient
        across it (what the test is on), the finding's side minus the other; NaN otherwise.
    placebo_steps, placebo_share : tuple of float, float
        A border finding, how sure: the steps of the border moved 1, 2 and 3 rows of areas
        into the other side, then into the finding's side (the same engine, the same way
        round as ``step``; NaN where too few areas are left), and the share of them at
        least as big as ``step`` (:func:`insight.analysis.borders.border_discontinuities`);
        empty and NaN otherwise.
    ring_steps : tuple of float
        A border finding: the step measured with the areas within 1, 2 and 3 rows of the
        border on each side, the same way round; empty otherwise.
    opportunity : float
        What closing the gap would mean, in people a year (:func:`opportunity_of`): for
        stroke travel times and modelled stroke outcomes, patients a year expected to live
        independently (:mod:`insight.outcomes`); for a penalty, what the what-if would cost
        in them; for an indicator with a denominator, the gap times the denominator. NaN
        where there is neither an outcome model nor a denominator.
    opportunity_label : str
        ``opportunity`` in words ("" where it is NaN).
    tested : bool
        True for a tested difference; False for a what-if (a kind of
        :data:`WHAT_IF_KINDS`, or any finding about a what-if indicator).
    rated : bool
        Whether its indicator can be called better or worse
        (:attr:`insight.model.Indicator.rated`): False for a count with nothing to divide it
        by (more admissions where more people live) or an indicator with no better
        direction. Such a finding is shown with its own indicator, never among the
        strongest across everything (:func:`strongest`): it says nothing about whether
        people get better or worse.
    store_q_value : float
        The q-value under the error control across the whole findings store
        (Benjamini-Hochberg over every test of every indicator and grouping: see
        :func:`insight.analysis.scan.store_q_values`); NaN for a what-if, or a finding
        worked out outside a store.
    """

    rank: int
    kind: str
    label: str
    indicator: str
    grouping: str
    group_code: str
    group_name: str
    other_code: str
    other_name: str
    effect: float
    lower: float
    upper: float
    interval: str
    value: float
    benchmark: float | None
    benchmark_label: str
    areas: int
    affected: float
    affected_label: str
    score: float
    p_value: float
    q_value: float
    sentence: str
    area_codes: tuple[str, ...]
    other_area_codes: tuple[str, ...]
    chart: FindingChart = field(repr=False, compare=False)
    then_period: str = ""
    then_effect: float = math.nan
    then_lower: float = math.nan
    then_upper: float = math.nan
    change: str = ""
    adjusted_effect: float = math.nan
    adjusted_lower: float = math.nan
    adjusted_upper: float = math.nan
    shared_borders: tuple[tuple[str, float], ...] = ()
    same_steps: tuple[tuple[str, str, str], ...] = ()
    step: float = math.nan
    placebo_steps: tuple[float, ...] = ()
    placebo_share: float = math.nan
    ring_steps: tuple[float, ...] = ()
    opportunity: float = math.nan
    opportunity_label: str = ""
    tested: bool = True
    rated: bool = True
    store_q_value: float = math.nan

    @property
    def counted(self) -> bool:
        """True when the finding counts people (``affected`` known and above zero)."""
        return math.isfinite(self.affected) and self.affected > 0

    def record(self) -> dict[str, Any]:
        """The finding as a flat dict of :data:`FINDING_COLUMNS` (lists for the codes, the
        shared borders and the same steps; each of the last two a dict per item)."""
        # Every column is a plain value or a tuple turned into a list below: no deep copy.
        data = {column: getattr(self, column) for column in FINDING_COLUMNS}
        data["area_codes"] = list(self.area_codes)
        data["other_area_codes"] = list(self.other_area_codes)
        data["shared_borders"] = [
            {"grouping": grouping, "share": float(share)} for grouping, share in self.shared_borders
        ]
        data["same_steps"] = [
            {"grouping": grouping, "group_code": group, "other_code": other}
            for grouping, group, other in self.same_steps
        ]
        data["placebo_steps"] = [float(v) for v in self.placebo_steps]
        data["ring_steps"] = [float(v) for v in self.ring_steps]
        return {column: data[column] for column in FINDING_COLUMNS}


@dataclass(frozen=True)
class Findings:
    """The ranked findings of one indicator and grouping.

    Attributes
    ----------
    indicator, grouping : str
        What they were worked out for.
    items : tuple of Finding
        Best first.
    border_table : pandas.DataFrame or None
        Every border tested (:func:`insight.analysis.borders.border_discontinuities`),
        where borders were worked out.
    tests : dict of str to int
        How many tests stand behind each tested kind (borders tested, groups placed on the
        funnel, areas tested for being unlike their neighbours): the number of hypotheses
        the error control across a store counts.
    """

    indicator: str
    grouping: str
    items: tuple[Finding, ...]
    border_table: pd.DataFrame | None = None
    tests: dict[str, int] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def empty(self) -> bool:
        """True when nothing was found."""
        return not self.items

    def by_rank(self, rank: int) -> Finding:
        """The finding ranked ``rank``.

        Raises
        ------
        DataError
            If there is no such finding.
        """
        for item in self.items:
            if item.rank == rank:
                return item
        raise DataError(f"There is no finding ranked {rank}; there are {len(self.items)}.")

    @property
    def table(self) -> pd.DataFrame:
        """The findings as a table, one row each, columns :data:`FINDING_COLUMNS`."""
        if not self.items:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
        return pd.DataFrame.from_records([item.record() for item in self.items])


def findings(
    place: Place,
    indicator: str | Indicator,
    grouping: str | Grouping,
    *,
    kinds: Sequence[str] = FINDING_KINDS,
    alpha: float = 0.05,
    materiality: float | None = None,
    min_areas: int = MIN_AREAS,
    penalty_threshold: float = PENALTY_THRESHOLD,
    limit: int | None = None,
    index: AreaIndex | None = None,
    outliers: pd.DataFrame | None = None,
    shared: Shared | None = None,
) -> Findings:
    """Everything worth a look for one indicator and one grouping, ranked.

    Parameters
    ----------
    place : Place
        The place.
    indicator : str or Indicator
        Indicator id (or the indicator).
    grouping : str or Grouping
        Grouping id (or the grouping).
    kinds : sequence of str
        Which kinds of finding to work out (default all of :data:`FINDING_KINDS`).
    alpha : float, default 0.05
        False discovery rate for borders and spatial outliers.
    materiality : float, optional
        Smallest border difference worth reporting, in the indicator's units.
    min_areas : int, default 5
        Fewest areas on each side of a border to test.
    penalty_threshold : float, default 10
        Minutes of boundary penalty above which areas are a finding.
    limit : int, optional
        Keep only the first ``limit`` findings.
    index : AreaIndex, optional
        The place's spatial index (made here when not given).
    outliers : pandas.DataFrame, optional
        :func:`local_outliers_of` this indicator on the index's contiguity with the same
        ``alpha``, when the caller
        has it already (a scan works it out once per indicator, not once per grouping:
        see :func:`local_outliers_of`). Worked out here when not given.
    shared : Shared, optional
        Work kept from other pairs of the same place (the shapes of the grouping's
        borders, the other boundaries along them, the boundary penalties of a service by
        the grouping): a scan passes one per place and worker
        (:mod:`insight.analysis.scan`). The findings are the same without it.

    Returns
    -------
    Findings
        Best first.

    Raises
    ------
    DataError
        If the indicator, grouping or a kind is unknown (the message lists the
        choices), or the indicator's column is missing.

    Examples
    --------
    >>> found = findings(place, "mt_minutes", "isdn")  # doctest: +SKIP
    >>> found.items[0].sentence  # doctest: +SKIP
    'If patients could only use thrombectomy centres in their own stroke network, ...'
    """
    ind = indicator if isinstance(indicator, Indicator) else place.indicator(indicator)
    grp = grouping if isinstance(grouping, Grouping) else place.grouping(grouping)
    unknown = [k for k in kinds if k not in FINDING_KINDS]
    if unknown:
        raise DataError(
            f"Unknown kind of finding {unknown[0]!r}; choose from: {', '.join(FINDING_KINDS)}."
        )
    for column in (ind.id, grp.code_column):
        if column not in place.areas.columns:
            raise DataError(f"Place {place.id!r} has no column {column!r} on its areas.")
    shared = shared if shared is not None else Shared()
    context = _Context.build(place, ind, grp)
    graph = None
    if "border" in kinds or "spatial" in kinds:
        graph = (index or AreaIndex.for_place(place)).contiguity
    records: list[dict[str, Any]] = []
    tests: dict[str, int] = {}
    border_table = None
    if "border" in kinds:
        border_table = border_discontinuities(
            place.areas, ind.id, grp.code_column,
            weight=ind.weight if ind.weight in place.areas.columns else None,
            min_areas=min_areas, materiality=materiality, alpha=alpha, graph=graph,
            names=context.names, indicator=ind, weight_label=context.weight_label,
            shared=shared,
        )  # fmt: skip
        tests["border"] = int(border_table["tested"].sum()) if len(border_table) else 0
        border_records = _border_findings(context, border_table)
        _allow_for_deprivation(place, context, border_records, graph, min_areas, alpha, shared)
        records += border_records
        records += _compare_with_earlier(
            place, context, border_records, border_table, graph, min_areas, alpha, shared
        )
        borders = [r for r in records if r["kind"] == "border"]
        _name_shared_borders(place, grp, graph, borders, shared)
    if "penalty" in kinds:
        records += _penalty_findings(place, context, penalty_threshold, shared)
    if "funnel" in kinds:
        funnel_records, tests["funnel"] = _funnel_findings(place, context)
        records += funnel_records
    if "spatial" in kinds and not ind.within:
        # A boundary penalty is a what-if that steps at the group's border by design: its
        # areas unlike their neighbours would be that border again, not odd areas.
        if outliers is None:
            outliers = local_outliers_of(place, ind, graph, alpha)
        tests["spatial"] = int(np.isfinite(outliers["p_value"].to_numpy(dtype=float)).sum())
        records += _spatial_findings(place, context, graph, outliers, shared)
    typical = context.typical_weight
    spread = context.spread
    position = {code: i for i, code in enumerate(context.codes)}
    _ask_outcomes_once(place, ind, records)
    for record in records:
        if record["interval"] == "95% CI" and not ind.sampled:
            record["interval"] = "likely range"
        rows = (
            np.array([position[c] for c in record["area_codes"] if c in position], dtype=int)
            if record["area_codes"]
            else context.rows_of(record["group_code"])
        )
        record["sentence"] += context.coverage_note(rows)
        if "opportunity" not in record:
            record["opportunity"] = opportunity_of(place, ind, record, rows)
        if np.isfinite(record["opportunity"]):
            what_if = record["kind"] == "penalty"
            label = explain.opportunity_label(ind, record["opportunity"], what_if=what_if)
            record["opportunity_label"] = label
            record["sentence"] += f" {explain.opportunity_sentence(label, what_if=what_if)}"
        caveat = grp.note_for(record["group_code"]) if record["kind"] == "penalty" else ""
        if caveat:
            record["sentence"] += f" {caveat}"
        size = abs(record["effect"]) / spread
        if record["kind"] == "funnel" and ind.kind == "count" and not ind.denominator:
            size /= max(record["areas"], 1)  # a count's gap is the group's total: per area
        if np.isfinite(record["affected"]):
            record["score"] = size * record["affected"]
        else:
            record["score"] = size * record["areas"] * (typical if np.isfinite(typical) else 1.0)
    unranked = [
        Finding(rank=0, label=explain.FINDING_KINDS[r["kind"]], indicator=ind.id,
                grouping=grp.id, affected_label=context.weight_label or "",
                tested=r["kind"] not in WHAT_IF_KINDS and ind.within is None,
                rated=ind.rated, **r)
        for r in records
    ]  # fmt: skip
    unranked.sort(key=ranking_key)
    if limit is not None:
        unranked = unranked[: max(int(limit), 0)]
    items = tuple(replace(f, rank=rank) for rank, f in enumerate(unranked, start=1))
    return Findings(ind.id, grp.id, items, border_table, tests)


def ranking_key(finding: Finding) -> tuple[Any, ...]:
    """The one ranking rule of findings, best first (sort by this key).

    1. Today's findings before gaps that have closed since an earlier period (good news,
       not lotteries).
    2. Tested differences before what-ifs.
    3. Findings that count people before those that count nobody (no figures for the
       people affected: a what-if about nobody never leads).
    4. What closing the gap would mean in people a year (:attr:`Finding.opportunity`,
       where an outcome model or a denominator says it), largest first, before findings
       where it is not known.
    5. The size of the gap in people (:attr:`Finding.score`: the gap against the
       indicator's spread, times the people affected), largest first; then the number of
       areas.

    Parameters
    ----------
    finding : Finding
        A finding.

    Returns
    -------
    tuple
        A key that sorts the best finding first.

    Examples
    --------
    >>> sorted(found, key=ranking_key)[0].tested  # doctest: +SKIP
    True
    """
    score = finding.score if math.isfinite(finding.score) else -math.inf
    known = math.isfinite(finding.opportunity)
    return (
        finding.change == "closed",
        not finding.tested,
        not finding.counted,
        not known,
        -finding.opportunity if known else 0.0,
        -score,
        -finding.areas,
    )


@dataclass(frozen=True)
class Strongest:
    """The strongest findings across every indicator × grouping (:func:`strongest`).

    Attributes
    ----------
    items : tuple of Finding
        Best first (:func:`ranking_key`); each keeps its ``rank`` within its own indicator
        and grouping (what links to it use).
    alpha : float
        The false discovery rate across the store.
    held_back : int
        Tested findings of a single indicator and grouping that do not pass the error
        control across the whole store, left out.
    pairs : int
        Indicator × grouping pairs the findings were drawn from.
    """

    items: tuple[Finding, ...]
    alpha: float
    held_back: int
    pairs: int

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def table(self) -> pd.DataFrame:
        """One row per finding, best first: ``position`` (in this list across everything),
        ``indicator``, ``grouping``, then :data:`FINDING_COLUMNS` (``rank`` within its own
        indicator and grouping, what links to it use)."""
        columns = ["position", "indicator", "grouping", *FINDING_COLUMNS]
        rows = [
            {"position": position, "indicator": item.indicator, "grouping": item.grouping,
             **item.record()}
            for position, item in enumerate(self.items, start=1)
        ]  # fmt: skip
        if not rows:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        return pd.DataFrame.from_records(rows, columns=columns)


def strongest(
    found: Iterable[Finding],
    *,
    alpha: float = 0.05,
    top: int | None = None,
    pairs: int | None = None,
) -> Strongest:
    """Rank the findings of many indicators and groupings together, best first.

    The findings of a store's latest period (:meth:`insight.analysis.scan.StoredFindings.latest`)
    are ranked by :func:`ranking_key`, after four rules: a gap that has closed is not a
    lottery, and a finding about an indicator that is never called better or worse
    (:attr:`Finding.rated`: a count with nothing to divide it by, such as admissions a year)
    says nothing about what people get, so both are left out; a tested difference is kept only when it passes the error
    control across the whole store (``store_q_value <= alpha``; a finding worked out
    outside a store, with no such q-value, is kept on its own pair's control); and a finding
    that several groupings repeat (the areas of an indicator unlike their neighbours, which
    every grouping finds; a group or a border whose areas are the same in two groupings) is
    kept once, under the first grouping it appears in.

    Parameters
    ----------
    found : iterable of Finding
        Findings of any indicators and groupings, in the place's order.
    alpha : float, default 0.05
        False discovery rate across the store.
    top : int, optional
        Keep only the first ``top``.
    pairs : int, optional
        How many indicator × grouping pairs were looked at (default: those with findings).

    Returns
    -------
    Strongest
        The ranked findings, and how many were held back.

    Raises
    ------
    DataError
        If ``alpha`` is not between 0 and 1.

    Examples
    --------
    >>> best = strongest(stored.latest(), top=10)  # doctest: +SKIP
    >>> [f.tested for f in best.items[:3]]  # doctest: +SKIP
    [True, True, True]
    """
    if not 0 < alpha < 1:
        raise DataError(f"alpha must be between 0 and 1, got {alpha!r}.")
    kept: list[Finding] = []
    seen: set[tuple[Any, ...]] = set()
    looked_at: set[tuple[str, str]] = set()
    held_back = 0
    for item in found:
        looked_at.add((item.indicator, item.grouping))
        if item.change == "closed" or not item.rated:
            continue
        if item.tested and math.isfinite(item.store_q_value) and item.store_q_value > alpha:
            held_back += 1
            continue
        key = _repeat_key(item)
        if key in seen:
            continue
        seen.add(key)
        kept.append(item)
    kept.sort(key=ranking_key)
    if top is not None:
        kept = kept[: max(int(top), 0)]
    return Strongest(tuple(kept), float(alpha), held_back, pairs or len(looked_at))


def _repeat_key(item: Finding) -> tuple[Any, ...]:
    """What makes two findings of different groupings the same finding: the same indicator
    and kind about the same areas (or, for a group, the same group code), with the same
    effect; the areas alone for a kind about areas of an indicator."""
    if item.kind in PER_INDICATOR_KINDS:
        return (item.indicator, item.kind, frozenset(item.area_codes))
    areas = frozenset(item.area_codes) or item.group_code
    return (item.indicator, item.kind, areas, item.other_code, round(item.effect, 9))


@dataclass
class _Context:
    """What every kind of finding needs: values, weights, groups and words."""

    place: Place
    indicator: Indicator
    grouping: Grouping
    values: np.ndarray
    weights: np.ndarray | None
    weight_label: str | None
    groups: np.ndarray
    names: dict[str, str]
    codes: np.ndarray
    area_names: np.ndarray

    @classmethod
    def build(cls, place: Place, ind: Indicator, grp: Grouping) -> _Context:
        areas = place.areas
        values = values_of(areas, ind.id, "indicator")
        weights, label = None, None
        if ind.weight and ind.weight in areas.columns:
            weights = values_of(areas, ind.weight, "weight")
            weighting = place.indicators.get(ind.weight)
            label = explain.lower_first(weighting.title) if weighting else ind.weight
        elif ind.kind == "count":
            weights = values
            label = explain.lower_first(ind.title)
        names = {str(k): str(v) for k, v in place.group_names(grp.id).items()}
        codes = _codes_of(areas)
        area_names = (
            areas["name"].astype(str).to_numpy(dtype=object) if "name" in areas.columns else codes
        )
        return cls(
            place, ind, grp, values, weights, label, areas[grp.code_column].to_numpy(dtype=object),
            names, codes, area_names,
        )  # fmt: skip

    def name(self, code: Any) -> str:
        return self.names.get(str(code), str(code))

    def affected(self, rows: np.ndarray) -> float:
        """Total weight of ``rows``; NaN without weights or when none of theirs is known."""
        if self.weights is None or not np.isfinite(self.weights[rows]).any():
            return float("nan")
        return float(np.nansum(self.weights[rows]))

    def coverage_note(self, rows: np.ndarray) -> str:
        """A sentence saying so when people affected are known for only part of ``rows``."""
        if self.weights is None or rows.size == 0 or not self.weight_label:
            return ""
        known = int(np.isfinite(self.weights[rows]).sum())
        if known == rows.size:
            return ""
        return " " + explain.coverage_sentence(self.weight_label, known, int(rows.size))

    @property
    def typical_weight(self) -> float:
        """Mean weight of an area, to rank findings whose areas have no known weight."""
        if self.weights is None or not np.isfinite(self.weights).any():
            return float("nan")
        return float(np.nanmean(self.weights))

    def rows_of(self, group: Any) -> np.ndarray:
        return np.flatnonzero(self.groups == group)

    @property
    def spread(self) -> float:
        """Standard deviation of the indicator across the areas (1 when it has none), so
        that gaps of different indicators rank on one scale."""
        finite = self.values[np.isfinite(self.values)]
        spread = float(np.std(finite)) if finite.size > 1 else 0.0
        return spread if spread > 0 else 1.0


def _record(**fields: Any) -> dict[str, Any]:
    """A finding's fields (all but rank, label, ids and score), with defaults."""
    base = {
        "other_code": "", "other_name": "", "interval": "95% CI", "benchmark": None,
        "benchmark_label": "", "p_value": float("nan"), "q_value": float("nan"),
        "area_codes": (), "other_area_codes": (), "then_period": "",
        "then_effect": math.nan, "then_lower": math.nan, "then_upper": math.nan, "change": "",
        "adjusted_effect": math.nan, "adjusted_lower": math.nan, "adjusted_upper": math.nan,
        "shared_borders": (), "same_steps": (), "step": math.nan, "placebo_steps": (),
        "placebo_share": math.nan, "ring_steps": (),
    }  # fmt: skip
    base.update(fields)
    base["area_codes"] = tuple(str(c) for c in base["area_codes"])
    base["other_area_codes"] = tuple(str(c) for c in base["other_area_codes"])
    return base


# --------------------------------------------------------------------------------------
# What a gap means for people
# --------------------------------------------------------------------------------------


def opportunity_of(
    place: Place, indicator: Indicator, record: dict[str, Any], rows: np.ndarray
) -> float:
    """What closing a finding's gap would mean, in people a year (NaN where unknown, and
    where the finding's areas are the better off).

    * a modelled stroke outcome: the finding's stroke admissions a year x the share of that
      stroke type treated x the gap (:func:`insight.outcomes.independent_lives`);
    * a travel time to a stroke service (and its boundary penalty): the same, with the gap
      in minutes turned into a difference in outcome by the model at the shorter journey
      (:func:`insight.outcomes.lives_for_delay`);
    * an indicator with a denominator: the gap (in the indicator's own scale) x the
      denominator of the finding's areas.

    Parameters
    ----------
    place : Place
        The place.
    indicator : Indicator
        The finding's indicator.
    record : dict
        The finding's fields (``effect``, ``value``, ``benchmark``, ``affected``).
    rows : numpy.ndarray
        Positions of the finding's areas.

    Returns
    -------
    float
    """
    effect = float(record["effect"])
    gap = abs(effect)
    if not np.isfinite(gap) or indicator.polarity == "neutral":
        return math.nan
    # Only where the finding's areas are the worse off: closing the gap of areas already
    # better off than those around them would help the others, who are not counted here.
    if (effect > 0) != (indicator.polarity == "low_is_good"):
        return math.nan
    if indicator.kind == "modelled" and indicator.outcome in outcomes.TREATED_SHARE:
        admissions = float(record["affected"])
        if not np.isfinite(admissions):
            return math.nan
        change = {indicator.outcome: gap / (indicator.multiplier or 1.0)}
        return float(outcomes.independent_lives(admissions, change))
    service = indicator.service
    if indicator.kind == "time" and stroke_model_applies(place, service):
        delay = _delay_of(record, gap)
        if delay is None:
            return math.nan
        return outcomes.lives_for_delay(service, delay[0], gap, delay[1])
    if indicator.denominator and indicator.denominator in place.areas.columns and rows.size:
        denominator = pd.to_numeric(place.areas[indicator.denominator], errors="coerce")
        total = float(np.nansum(denominator.to_numpy(dtype=float)[rows]))
        if total > 0:
            return gap / (indicator.multiplier or 1.0) * total
    return math.nan


def _delay_of(record: dict[str, Any], gap: float) -> tuple[float, float] | None:
    """The shorter journey and the admissions of a travel-time finding whose gap
    :func:`opportunity_of` turns into people (None when either is unknown)."""
    admissions = float(record["affected"])
    value = float(record["value"])
    other = record["benchmark"]
    shorter = min(value, float(other)) if other is not None else value - gap
    if not (np.isfinite(admissions) and np.isfinite(shorter)):
        return None
    return max(shorter, 0.0), admissions


def _ask_outcomes_once(place: Place, indicator: Indicator, records: list[dict[str, Any]]) -> None:
    """Ask the outcome model about every journey :func:`opportunity_of` will ask about for
    these records, in one call: it keeps the answers (:func:`insight.outcomes.outcome_change`),
    so the findings' own calls, one by one, cost nothing more."""
    service = indicator.service
    if indicator.kind != "time" or not stroke_model_applies(place, service):
        return
    journeys = []
    for record in records:
        if "opportunity" in record:
            continue
        gap = abs(float(record["effect"]))
        if np.isfinite(gap):
            delay = _delay_of(record, gap)
            if delay is not None:
                journeys.append((delay[0], gap))
    if len(journeys) > 1:
        minutes, extra = np.array(journeys, dtype=float).T
        outcomes.outcome_change(str(service), minutes, extra)


# --------------------------------------------------------------------------------------
# Borders
# --------------------------------------------------------------------------------------


def _border_findings(context: _Context, borders: pd.DataFrame) -> list[dict[str, Any]]:
    ind = context.indicator
    return [
        _border_record(context, row, explain.worse_side(ind, row.difference))
        for row in borders[borders["flagged"]].itertuples()
    ]


def _name_shared_borders(
    place: Place,
    grouping: Grouping,
    graph: Contiguity,
    records: list[dict[str, Any]],
    shared: Shared,
) -> None:
    """Write on each border record the other groupings that run along its stretch
    (:func:`shared_borders`, worked out once for every border of the grouping, and kept
    in ``shared``) and add a sentence saying so."""
    if not records:
        return

    def work_out() -> dict[tuple[str, str], tuple[tuple[str, float], ...]]:
        others = {
            g.id: place.areas[g.code_column]
            for g in place.groupings.values()
            if g.id != grouping.id and g.code_column in place.areas.columns
        }
        return shared_borders(graph, place.areas[grouping.code_column], others)

    # The groupings' columns are the same in every period of a place.
    along = shared.get(("shared borders", place.id, grouping.id, id(graph)), work_out)
    for record in records:
        a, b = sorted((str(record["group_code"]), str(record["other_code"])))
        listed = along.get((a, b), ())
        if not listed:
            continue
        record["shared_borders"] = listed
        words = [(explain.grouping_words(place.grouping(g)), share) for g, share in listed]
        record["sentence"] += " " + explain.shared_border_sentence(words)


def _side_gap(row: Any, side: str) -> tuple[float, float, float]:
    """A border's difference and interval as ``side`` (``"a"`` or ``"b"``) minus the other
    (the table's ``difference`` is b minus a)."""
    if side == "b":
        return row.difference, row.lower, row.upper
    return -row.difference, -row.upper, -row.lower


def _border_record(context: _Context, row: Any, side: str) -> dict[str, Any]:
    """The finding of one border (a row of :func:`border_discontinuities`), about ``side``
    (``"a"`` or ``"b"``): its effect is that side minus the other."""
    ind = context.indicator
    effect, lower, upper = _side_gap(row, side)
    sign = 1.0 if side == "b" else -1.0  # the table's steps are b minus a
    if side == "b":
        group, other = (row.group_b, row.name_b), (row.group_a, row.name_a)
        n, n_other, weight = row.n_b, row.n_a, row.weight_b
        value, other_value = row.mean_b, row.mean_a
        codes, other_codes = row.codes_b, row.codes_a
    else:
        group, other = (row.group_a, row.name_a), (row.group_b, row.name_b)
        n, n_other, weight = row.n_a, row.n_b, row.weight_a
        value, other_value = row.mean_a, row.mean_b
        codes, other_codes = row.codes_a, row.codes_b
    weighted = ind.weight is not None or ind.kind == "count"
    chart = FindingChart(
        kind="sides",
        title=explain.border_chart_title(ind),
        bars=(
            Bar(explain.side_label(group[1], int(n)), float(value), "finding"),
            Bar(explain.side_label(other[1], int(n_other)), float(other_value), "other"),
            Bar("Difference (95% CI)", float(effect), "difference", float(lower), float(upper)),
        ),
        unit=explain.unit_label(ind),
    )
    return _record(
        kind="border",
        group_code=group[0],
        group_name=group[1],
        other_code=other[0],
        other_name=other[1],
        effect=float(effect),
        lower=float(lower),
        upper=float(upper),
        value=float(value),
        benchmark=float(other_value),
        benchmark_label=f"the areas across the border in {other[1]}",
        areas=int(n),
        affected=float(weight) if weighted else float("nan"),
        p_value=row.p_value,
        q_value=row.q_value,
        sentence=row.sentence,
        area_codes=codes,
        other_area_codes=other_codes,
        chart=chart,
        step=sign * float(row.step),
        placebo_steps=tuple(sign * float(v) for v in row.placebo_steps),
        placebo_share=float(row.placebo_share),
        ring_steps=tuple(sign * float(v) for v in row.ring_steps),
    )


def gap_change(
    effect: float,
    lower: float,
    upper: float,
    then_effect: float,
    then_lower: float,
    then_upper: float,
) -> str:
    """How a border's gap changed between an earlier period and now.

    The change ``effect - then_effect`` is tested against the two intervals taken as
    independent 95% intervals (standard error = half-width / 1.96): estimates of the same
    areas in two periods are positively correlated, so this errs towards "no clear change".

    Parameters
    ----------
    effect, lower, upper : float
        The gap now (the finding's side minus the other) and its interval.
    then_effect, then_lower, then_upper : float
        The same gap in the earlier period.

    Returns
    -------
    str
        ``"no clear change"`` when the change is within what chance (or, for a value
        without sampling variation, the variation between neighbouring areas) explains;
        else ``"opened"`` (no clear gap then), ``"reversed"`` (a clear gap the other way
        then), ``"widened"`` or ``"narrowed"``; "" when either gap is missing.

    Examples
    --------
    >>> gap_change(3.0, 2.0, 4.0, 0.2, -0.8, 1.2)
    'opened'
    >>> gap_change(3.0, 2.0, 4.0, 1.2, 0.7, 1.7)
    'widened'
    >>> gap_change(3.0, 2.0, 4.0, 2.6, 1.6, 3.6)
    'no clear change'
    """
    values = (effect, lower, upper, then_effect, then_lower, then_upper)
    if not all(math.isfinite(float(v)) for v in values):
        return ""
    spread = ((upper - lower) / 2 / 1.96) ** 2 + ((then_upper - then_lower) / 2 / 1.96) ** 2
    if spread <= 0 or abs(effect - then_effect) < 1.96 * math.sqrt(spread):
        return "no clear change"
    if then_lower <= 0 <= then_upper:
        return "opened"
    if (then_effect > 0) != (effect > 0):
        return "reversed"
    return "widened" if abs(effect) > abs(then_effect) else "narrowed"


def _compare_with_earlier(
    place: Place,
    context: _Context,
    records: list[dict[str, Any]],
    borders: pd.DataFrame,
    graph: Contiguity | None,
    min_areas: int,
    alpha: float,
    shared: Shared,
) -> list[dict[str, Any]]:
    """Add to each border finding how its gap changed since the comparison period (the
    same border engine on that period's values), and a sentence saying so; return the
    borders whose gap was a finding then and has clearly closed since (``borders``: every
    border tested now)."""
    ind = context.indicator
    then = trend.comparison_period(ind)
    if then is None:
        return []
    earlier = trend.at_period(place, ind.id, then)
    table = border_discontinuities(
        earlier.areas, ind.id, context.grouping.code_column,
        weight=ind.weight if ind.weight in place.areas.columns else None,
        min_areas=min_areas, alpha=alpha, graph=graph, names=context.names,
        indicator=earlier.indicator(ind.id), weight_label=context.weight_label,
        robustness="none", shared=shared,
    )  # fmt: skip
    rows = _tested_pairs(table)
    for record in records:
        group, other = record["group_code"], record["other_code"]
        if (other, group) in rows:  # the finding's group is side b
            gap = _side_gap(rows[(other, group)], "b")
        elif (group, other) in rows:
            gap = _side_gap(rows[(group, other)], "a")
        else:
            continue
        change = _compared(record, then, gap)
        if change:
            sentence = explain.gap_change_sentence(ind, change, then, gap[0])
            record["sentence"] += f" {sentence}"
    return _closed_gaps(context, borders, table, then)


def _allow_for_deprivation(
    place: Place,
    context: _Context,
    records: list[dict[str, Any]],
    graph: Contiguity | None,
    min_areas: int,
    alpha: float,
    shared: Shared,
) -> None:
    """Add to each border finding its step once deprivation is allowed for, and a
    sentence on whether deprivation explains it (nothing when the place has no measure).

    The indicator's areas are residualised on the place's deprivation across every area
    (:func:`insight.analysis.inequality.adjusted_values`) and the same border contrast is
    run on the residuals; each finding reads its border's gap, the same side minus the
    other, from that."""
    if not records:
        return
    ind = context.indicator
    adjusted = inequality.adjusted_values(place, ind.id)
    if adjusted is None:
        return
    table = border_discontinuities(
        place.areas, adjusted.to_numpy(float), context.grouping.code_column,
        weight=ind.weight if ind.weight in place.areas.columns else None,
        min_areas=min_areas, alpha=alpha, graph=graph, names=context.names,
        indicator=ind, weight_label=context.weight_label, shared=shared,
    )  # fmt: skip
    rows = _tested_pairs(table)
    rank = pd.Series(inequality.deprivation_rank(place), index=_codes_of(place.areas))
    for record in records:
        group, other = record["group_code"], record["other_code"]
        if (other, group) in rows:
            gap = _side_gap(rows[(other, group)], "b")
        elif (group, other) in rows:
            gap = _side_gap(rows[(group, other)], "a")
        else:
            continue
        record.update(adjusted_effect=float(gap[0]), adjusted_lower=float(gap[1]),
                      adjusted_upper=float(gap[2]))  # fmt: skip
        # Lower rank is more deprived; a tenth of the range apart counts as a difference.
        here = rank.reindex(list(record["area_codes"])).mean()
        there = rank.reindex(list(record["other_area_codes"])).mean()
        more_deprived = None
        if np.isfinite(here) and np.isfinite(there) and abs(here - there) >= 0.1:
            more_deprived = record["group_name"] if here < there else record["other_name"]
        sentence = explain.adjusted_border_sentence(
            ind, effect=record["effect"], adjusted=gap[0], lower=gap[1], upper=gap[2],
            more_deprived=more_deprived,
        )  # fmt: skip
        record["sentence"] += f" {sentence}"


def _tested_pairs(borders: pd.DataFrame) -> dict[tuple[str, str], Any]:
    """The tested borders of a :func:`border_discontinuities` table, by (a, b) codes."""
    return {(str(r.group_a), str(r.group_b)): r for r in borders.itertuples() if r.tested}


def _compared(record: dict[str, Any], period: str, gap: tuple[float, float, float]) -> str:
    """How a border finding's gap changed since ``period``, whose gap (effect, lower,
    upper) was ``gap``; both are written on the record when they can be compared."""
    change = gap_change(record["effect"], record["lower"], record["upper"], *gap)
    if change:
        record.update(
            then_period=period,
            then_effect=float(gap[0]),
            then_lower=float(gap[1]),
            then_upper=float(gap[2]),
            change=change,
        )
    return change


def _closed_gaps(
    context: _Context, borders: pd.DataFrame, earlier: pd.DataFrame, then: str
) -> list[dict[str, Any]]:
    """Borders flagged in ``then`` (``earlier``) and tested but not flagged now, whose gap
    has narrowed by more than its two intervals allow: findings that say it has closed,
    about the side that was worse off then."""
    ind = context.indicator
    now = _tested_pairs(borders)
    closed = []
    for was in earlier[earlier["flagged"]].itertuples():
        row = now.get((str(was.group_a), str(was.group_b)))
        if row is None or row.flagged:
            continue
        side = explain.worse_side(ind, was.difference)
        record = _border_record(context, row, side)
        if _compared(record, then, _side_gap(was, side)) != "narrowed" or not (
            record["lower"] <= 0 <= record["upper"]
        ):
            continue  # not clearly closed: still a gap, or no clear change since
        record.update(
            change="closed",
            sentence=explain.closed_gap_sentence(
                ind, subject=record["group_name"], other=record["other_name"],
                areas=record["areas"], then_period=then, then_effect=record["then_effect"],
                effect=record["effect"], lower=record["lower"], upper=record["upper"],
            ),
        )  # fmt: skip
        closed.append(record)
    return closed


# --------------------------------------------------------------------------------------
# Boundary penalties
# --------------------------------------------------------------------------------------


def _penalty_findings(
    place: Place, context: _Context, threshold: float, shared: Shared
) -> list[dict[str, Any]]:
    service = place.service_type_of(context.indicator)
    if service is None:
        return []
    # The same for every indicator of the service (travel costs do not change by period).
    penalties = shared.get(
        ("penalties", place.id, service, context.grouping.id),
        lambda: boundary_penalties(place, service, context.grouping),
    )
    penalty, other = penalties.minutes, penalties.other_group
    over = np.nan_to_num(penalty, nan=0.0) > threshold
    if not over.any():
        return []
    frame = pd.DataFrame(
        {"row": np.flatnonzero(over), "group": context.groups[over], "other": other[over]}
    )
    stype = place.service_types[service]
    grouping_word = explain.lower_first(context.grouping.title)
    records = []
    for (group, other_group), part in frame.groupby(["group", "other"], sort=True):
        rows = part["row"].to_numpy()
        values = penalty[rows]
        if context.weights is not None and np.nansum(context.weights[rows]) > 0:
            weights = np.nan_to_num(context.weights[rows], nan=0.0)
            mean = float(np.sum(values * weights) / np.sum(weights))
        else:
            mean = float(np.mean(values))
        mean = float(np.clip(mean, values.min(), values.max()))  # rounding of float32 costs
        usual = _weighted_mean(penalties.usual[rows], context.weights, rows)
        affected = context.affected(rows)
        cost = math.nan
        if stroke_model_applies(place, service):
            cost = outcomes.lives_for_delay(
                service, penalties.usual[rows], values, admissions_of(place)[rows]
            )
        name, other_name = context.name(group), context.name(other_group)
        chart = FindingChart(
            kind="bands",
            title=explain.penalty_chart_title(stype.singular, len(rows), context.grouping.title),
            bars=tuple(
                Bar(label, float(count), "finding")
                for label, count in explain.minute_bands(values, threshold)
            ),
            unit="areas",
        )
        records.append(
            _record(
                kind="penalty",
                group_code=group,
                group_name=name,
                other_code=other_group,
                other_name=other_name,
                effect=mean,
                lower=float(values.min()),
                upper=float(values.max()),
                interval="range",
                value=mean,
                areas=int(rows.size),
                affected=affected,
                sentence=explain.penalty_sentence(
                    group_name=name,
                    other_name=other_name,
                    areas=int(rows.size),
                    mean=mean,
                    lowest=float(values.min()),
                    highest=float(values.max()),
                    service=stype.singular,
                    grouping=grouping_word,
                    affected=affected,
                    weight_label=context.weight_label,
                    decimals=context.indicator.decimals,  # as the card shows the minutes
                    usual=usual,
                ),
                area_codes=context.codes[rows].tolist(),
                chart=chart,
                opportunity=cost,
            )  # fmt: skip
        )
    return records


# --------------------------------------------------------------------------------------
# Funnel outliers: the groups Compare marks outside the 99.8% limits
# --------------------------------------------------------------------------------------


def _funnel_findings(place: Place, context: _Context) -> tuple[list[dict[str, Any]], int]:
    """The funnel outliers, and how many groups were placed on the funnel (tested)."""
    ind = context.indicator
    comparison = compare_groups(place, ind.id, context.grouping.id)
    tested = int(np.isfinite(comparison.table["z"].to_numpy(dtype=float)).sum())
    every = comparison.table.dropna(subset=["value"])
    groups = every[["code", "name", "value"]].sort_values("value", kind="stable")
    reference = (explain.average_label(comparison.benchmark_name), comparison.benchmark)
    records = []
    for row in comparison.outliers.itertuples():
        rows = context.rows_of(row.code)
        affected = context.affected(rows)
        chart = FindingChart(
            kind="groups",
            title=explain.groups_chart_title(ind, len(groups), context.grouping.plural),
            bars=(),
            reference=reference,
            groups=groups.reset_index(drop=True),
            unit=explain.unit_label(ind) + (" per area" if ind.kind == "count" else ""),
        )
        common = {
            "kind": "funnel", "group_code": row.code, "group_name": row.name,
            "other_name": comparison.benchmark_name, "areas": int(row.areas),
            "affected": affected, "p_value": float(2 * _norm_sf(abs(row.z))), "chart": chart,
        }  # fmt: skip
        if ind.kind == "count" and not (ind.numerator and ind.denominator):
            observed, expected = float(row.count), float(row.expected)
            low, high = (
                (row.lower - comparison.benchmark) * row.areas,
                (row.upper - comparison.benchmark) * row.areas,
            )
            sentence = explain.count_funnel_sentence(
                ind, group_name=row.name, benchmark_name=comparison.benchmark_name,
                areas=int(row.areas), observed=observed, expected=expected, lower=low,
                upper=high,
            )  # fmt: skip
            records.append(
                _record(
                    **common,
                    effect=observed - expected,
                    lower=float(low),
                    upper=float(high),
                    value=observed,
                    benchmark=expected,
                    benchmark_label=f"expected from its share of areas in {comparison.benchmark_name}",
                    sentence=sentence,
                )  # fmt: skip
            )
            continue
        effect = float(row.value - comparison.benchmark)
        low, high = float(row.lower - comparison.benchmark), float(row.upper - comparison.benchmark)
        sentence = explain.funnel_sentence(
            ind, group_name=row.name, benchmark_name=comparison.benchmark_name,
            areas=int(row.areas), difference=effect, lower=low, upper=high,
            value=float(row.value), benchmark=comparison.benchmark,
            affected=affected if ind.kind not in ("proportion", "rate") else None,
            weight_label=context.weight_label,
        )  # fmt: skip
        records.append(
            _record(
                **common,
                effect=effect,
                lower=low,
                upper=high,
                value=float(row.value),
                benchmark=comparison.benchmark,
                benchmark_label=comparison.benchmark_name,
                sentence=sentence,
            )  # fmt: skip
        )
    return records, tested


def _weighted_mean(values: np.ndarray, weights: np.ndarray | None, rows: np.ndarray) -> float:
    """Mean of ``values`` weighted by ``weights[rows]`` where any is known, else plain."""
    if weights is not None and np.nansum(weights[rows]) > 0:
        w = np.nan_to_num(weights[rows], nan=0.0)
        return float(np.sum(values * w) / np.sum(w))
    return float(np.mean(values))


def _norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


# --------------------------------------------------------------------------------------
# Spatial outliers
# --------------------------------------------------------------------------------------


def local_outliers_of(
    place: Place,
    indicator: Indicator,
    graph: Contiguity,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Every area of an indicator against its neighbours, as :func:`findings` works it out
    (it depends on the indicator, not on the grouping).

    The indicator's meaning decides how its values vary by chance
    (:func:`insight.spatial.outliers.neighbour_outliers`): counts, rates and ratios as
    Poisson counts (with the numerator and denominator where the place has them; a count
    with no denominator is itself the count), proportions as binomial shares (numerator and
    denominator needed), and everything else (travel times, modelled values, or a sampled
    indicator without its numerator and denominator) not at all: then only the real spread
    between neighbouring areas decides.

    Parameters
    ----------
    place : Place
        The place.
    indicator : Indicator
        The indicator.
    graph : Contiguity
        The place's contiguity.
    alpha : float, default 0.05
        False discovery rate.

    Returns
    -------
    pandas.DataFrame
        :func:`insight.spatial.outliers.neighbour_outliers`.
    """
    areas = place.areas
    values = values_of(areas, indicator.id, "indicator")
    columns = [c for c in (indicator.numerator, indicator.denominator) if c]
    counted = len(columns) == 2 and all(c in areas.columns for c in columns)
    model, numerator, denominator, multiplier = "none", None, None, 1.0
    if indicator.kind == "count" and not indicator.denominator:
        model = "poisson"
    elif indicator.kind in ("count", "rate", "ratio") and counted:
        model, multiplier = "poisson", float(indicator.multiplier)
    elif indicator.kind == "proportion" and counted:
        model, multiplier = "binomial", float(indicator.multiplier)
    if (
        counted
        and model != "none"
        and not (indicator.kind == "count" and not indicator.denominator)
    ):
        numerator = values_of(areas, indicator.numerator, "numerator")
        denominator = values_of(areas, indicator.denominator, "denominator")
    return neighbour_outliers(
        areas, values, graph=graph, model=model, numerator=numerator,
        denominator=denominator, multiplier=multiplier, alpha=alpha,
    )  # fmt: skip


def _spatial_findings(
    place: Place,
    context: _Context,
    graph: Contiguity,
    outliers: pd.DataFrame,
    shared: Shared,
) -> list[dict[str, Any]]:
    """One finding per group of touching areas flagged the same way (higher or lower), or
    per area where the group's own comparison is not clear (see :func:`_group_difference`).

    Everything but the group a finding is placed in depends on the indicator alone: it is
    worked out once per ``outliers`` table (kept in ``shared``, with the table, for the
    next grouping of the same indicator) and placed in this grouping's groups here."""
    ind = context.indicator
    key = ("spatial", place.id, ind.id, ind.period, id(outliers))
    kept, found = shared.get(key, lambda: (outliers, _spatial_parts(context, graph, outliers)))
    if kept is not outliers:  # another table under a reused id: never the case while kept
        found = _spatial_parts(context, graph, outliers)
    return [_spatial_record(context, part) for part in found]


def _spatial_parts(
    context: _Context, graph: Contiguity, outliers: pd.DataFrame
) -> list[dict[str, Any]]:
    """The groups of touching areas (or single areas) of :func:`_spatial_findings`, with
    every figure of their findings (:func:`_spatial_part`): what does not depend on the
    grouping."""
    flagged = outliers["flagged"].to_numpy()
    if not flagged.any():
        return []
    direction = outliers["direction"].to_numpy()
    adjacency = graph.sparse
    # Counts, rates and shares are tested on a variance-stabilised scale: area by area.
    grouped = outliers.attrs.get("model", "none") == "none"
    parts = []
    for side in ("higher", "lower"):
        members = np.flatnonzero(flagged & (direction == side))
        if members.size == 0:
            continue
        count, component = connected_components(adjacency[members][:, members], directed=False)
        for k in range(count):
            rows = members[component == k]
            part = (
                _spatial_part(context, adjacency, outliers, rows)
                if rows.size > 1 and grouped
                else None
            )
            if part is None:  # alone, or the group's comparison is not clear: area by area
                parts += [_spatial_part(context, adjacency, outliers, np.array([r])) for r in rows]
            else:
                parts.append(part)
    return [p for p in parts if p is not None]


def _spatial_part(
    context: _Context, adjacency: sparse.csr_matrix, outliers: pd.DataFrame, rows: np.ndarray
) -> dict[str, Any] | None:
    """The figures of the finding of areas ``rows`` (touching, flagged the same way), or
    None when their difference from the areas around them has an interval that includes
    zero, or is one the words call "about the same" (:func:`insight.explain.is_negligible`:
    under 5% of the areas around, or under a minute for a travel time)."""
    ind = context.indicator
    values = context.values
    around = np.setdiff1d(np.unique(adjacency[rows].indices), rows)
    around = around[np.isfinite(values[around])]
    if around.size == 0:
        return None
    if rows.size == 1:
        row = int(rows[0])
        effect, lower, upper, outside, p_value, q_value = (
            float(outliers[column].iat[row])
            for column in ("difference", "lower", "upper", "around", "p_value", "q_value")
        )
        # The area's level on the test's scale (its value, unless counted by chance).
        inside = outside + effect
    else:
        effect, lower, upper, p_value, inside, outside = _group_difference(rows, around, outliers)
        q_value = float(outliers["q_value"].iloc[rows].max())
    if not (lower > 0 or upper < 0) or (effect > 0) != (lower > 0):
        return None
    if explain.is_negligible(effect, outside, ind.decimals, ind):
        return None  # clear, but a difference every sentence would call "about the same"
    other_name = "the areas around it" if rows.size == 1 else "the areas around them"
    return {
        "rows": rows, "around": around, "effect": effect, "lower": lower, "upper": upper,
        "inside": inside, "outside": outside, "p_value": p_value, "q_value": q_value,
        "affected": context.affected(rows), "other_name": other_name,
        "example": context.area_names[rows[np.argmax(np.abs(values[rows] - outside))]],
        "area_codes": context.codes[rows].tolist(),
        "other_area_codes": context.codes[around].tolist(),
        "chart": FindingChart(
            kind="cluster",
            title=f"{ind.title}: compared with the areas around",
            bars=(
                Bar(f"The {explain.plural(len(rows), 'area')} of the finding", inside, "finding"),
                Bar(f"The {explain.plural(len(around), 'area')} around", outside, "other"),
                Bar("Difference (95% CI)", effect, "difference", lower, upper),
            ),
            unit=explain.unit_label(ind),
        ),
    }  # fmt: skip


def _spatial_record(context: _Context, part: dict[str, Any]) -> dict[str, Any]:
    """The finding of a :func:`_spatial_part`, placed in the group of this grouping most
    of its areas are in."""
    rows = part["rows"]
    if rows.size == 1:  # the mode of one code is that code
        code = context.groups[int(rows[0])]
        group = "" if pd.isna(code) else code
    else:
        group = _most_common(context.groups[rows])
    name = context.name(group)
    ind = context.indicator
    return _record(
        kind="spatial",
        group_code=group,
        group_name=name,
        other_name=part["other_name"],
        effect=part["effect"],
        lower=part["lower"],
        upper=part["upper"],
        value=part["inside"],
        benchmark=part["outside"],
        benchmark_label=part["other_name"],
        areas=int(rows.size),
        affected=part["affected"],
        p_value=part["p_value"],
        q_value=part["q_value"],
        sentence=explain.spatial_sentence(
            ind, group_name=name, other_name=part["other_name"], areas=int(rows.size),
            example=str(part["example"]), difference=part["effect"], lower=part["lower"],
            upper=part["upper"], affected=part["affected"], weight_label=context.weight_label,
        ),
        area_codes=part["area_codes"],
        other_area_codes=part["other_area_codes"],
        chart=part["chart"],
    )  # fmt: skip


def _most_common(codes: np.ndarray) -> Any:
    """The code most of ``codes`` have, the first in order among ties ("" when none is
    known): ``Series.dropna().mode().iloc[0]``, counted without pandas (a scan asks it for
    every group of touching areas of every pair).

    Examples
    --------
    >>> _most_common(np.array(["E07", None, "E06", "E07", "E06"], dtype=object))
    'E06'
    >>> _most_common(np.array([None, float("nan")], dtype=object))
    ''
    """
    known = [code for code in codes.tolist() if not pd.isna(code)]
    if not known:
        return ""
    if not all(isinstance(code, str) for code in known):  # mixed kinds: pandas' own order
        return pd.Series(known, dtype=object).mode().iloc[0]
    counts = Counter(known)
    most = max(counts.values())
    return min(code for code, count in counts.items() if count == most)


def _group_difference(
    rows: np.ndarray, around: np.ndarray, outliers: pd.DataFrame
) -> tuple[float, float, float, float, float, float]:
    """Mean of touching flagged areas minus the mean of the areas around them.

    On the scale the test used (the areas' level and the surroundings' level as
    :func:`neighbour_outliers` reports them), with the variance of a difference of two
    means of independent areas, each area's variance being that of its own test's
    difference divided by ``1 + 1/k`` (its chance and real spread). Returns the
    difference, its 95% interval, its two-sided p-value and both means.
    """
    table = outliers.iloc[np.concatenate([rows, around])]
    value = table["value"].to_numpy(dtype=float)
    k = np.maximum(table["neighbours"].to_numpy(dtype=float), 1.0)
    var = (table["se"].to_numpy(dtype=float) ** 2) / (1.0 + 1.0 / k)
    inside_v, outside_v = value[: rows.size], value[rows.size :]
    known = np.isfinite(var)
    inside_var = var[: rows.size][known[: rows.size]]
    outside_var = var[rows.size :][known[rows.size :]]
    if inside_var.size == 0 or outside_var.size == 0:
        return (math.nan,) * 6
    inside, outside = float(np.nanmean(inside_v)), float(np.nanmean(outside_v))
    effect = inside - outside
    se = math.sqrt(
        float(np.mean(inside_var)) / rows.size + float(np.mean(outside_var)) / around.size
    )
    half = 1.959963984540054 * se
    p_value = float(2 * _norm_sf(abs(effect) / se)) if se > 0 else 0.0
    return effect, effect - half, effect + half, p_value, inside, outside
