"""Findings, once for every front end: from the place's findings store when it holds them
(any period: a scan covers every period), else worked out now; and the findings a search
keeps (:func:`filter_findings`, :func:`search_findings`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from insight.analysis import findings as engine
from insight.analysis import scan
from insight.analysis.findings import FINDING_KINDS, Finding, Findings, Strongest
from insight.service.background import SCANS
from insight.service.places import Places, Progress
from insight.service.scanning import scan_place

__all__ = ["filter_findings", "pair_findings", "search_findings", "strongest_findings"]

#: Longest wait (seconds) for a pair the background scan is checking, before working it out.
WAIT_S = 60.0


def pair_findings(
    place_id: str,
    indicator_id: str,
    grouping_id: str,
    period: str | None = None,
    *,
    kinds: Sequence[str] | None = None,
    materiality: float | None = None,
    limit: int | None = None,
    places: Places | None = None,
) -> Findings:
    """The ranked findings of one indicator × grouping (see
    :func:`insight.analysis.findings.findings`).

    With the engine's defaults they come from the place's findings store when it is
    current and holds the pair (an earlier ``period`` too); while this process scans the
    place in the background (:mod:`insight.service.background`), from the store as soon as
    that scan has checked the pair (it takes it next); else they are worked out now
    (seconds nationally). Other ``kinds`` or a ``materiality`` are always worked out.

    Parameters
    ----------
    place_id, indicator_id, grouping_id : str
        The place and the pair.
    period : str, optional
        One of the indicator's earlier periods (None: the latest).
    kinds : sequence of str, optional
        Only these kinds of finding (default: every kind).
    materiality : float, optional
        Smallest border difference worth reporting, in the indicator's units.
    limit : int, optional
        Only the first ``limit`` findings.
    places : Places, optional
        Where the place and its store come from (a front end's caches; default: opened
        here).

    Returns
    -------
    Findings
        Shared with the front end's cache: do not change them.

    Raises
    ------
    DataError
        An unknown indicator, grouping or period (the message names those there are).

    Examples
    --------
    >>> found = pair_findings("demo", "mt_minutes", "isdn")  # doctest: +SKIP
    """
    places = places or Places()
    place = places.place(place_id)
    place.indicator(indicator_id), place.grouping(grouping_id)  # unknown ids: a clear error
    if (kinds is not None and list(kinds) != list(FINDING_KINDS)) or materiality is not None:
        return engine.findings(
            places.place_at(place_id, indicator_id, period), indicator_id, grouping_id,
            kinds=list(FINDING_KINDS if kinds is None else kinds), materiality=materiality,
            limit=limit,
        )  # fmt: skip
    stored = places.stored(place_id)
    found = stored.findings(indicator_id, grouping_id, period or "") if stored else None
    if found is None and SCANS.wait_for(
        place_id, places, indicator_id, grouping_id, period or "", timeout=WAIT_S
    ):  # the background scan of this process takes the pair next: not worked out twice
        stored = places.stored(place_id)
        found = stored.findings(indicator_id, grouping_id, period or "") if stored else None
    if found is None:
        found = places.computed(place_id, indicator_id, grouping_id, period)
    if limit is not None:
        found = Findings(found.indicator, found.grouping, found.items[: max(limit, 0)])
    return found


def strongest_findings(
    place_id: str,
    top: int | None = None,
    *,
    scan_missing: bool = False,
    places: Places | None = None,
    progress: Progress | None = None,
) -> Strongest:
    """The strongest findings across every indicator × grouping of a place's findings store
    (:func:`insight.analysis.findings.strongest`): tested differences first, error control
    across the whole store, a finding that coinciding groupings repeat shown once.

    Parameters
    ----------
    place_id : str
        The place.
    top : int, optional
        Only the first ``top`` findings.
    scan_missing : bool, default False
        Scan the pairs the store lacks first, in this process (what ``findings --all``
        does); otherwise a place without a current store has no findings here.
    places : Places, optional
        Where the place and its store come from (default: opened here).
    progress : callable, optional
        ``progress(fraction, message)`` of the scan ``scan_missing`` starts (a store that
        lacks many pairs takes minutes: the command line shows it).

    Returns
    -------
    Strongest
        Best first; shared with the front end's cache: do not change them.

    Examples
    --------
    >>> best = strongest_findings("demo", top=10)  # doctest: +SKIP
    >>> [f.tested for f in best.items[:3]]  # doctest: +SKIP
    [True, True, True]
    """
    places = places or Places()
    place = places.place(place_id)
    stored = places.stored(place_id)
    if scan_missing:
        wanted = {t.key for t in scan.scan_tasks(place, periods=False)}
        if stored is None or not wanted <= stored.stored.done():
            scan_place(place, workers=0, only_missing=True, places=places, progress=progress)
            stored = places.stored(place_id)
    if stored is None:
        return engine.strongest([], top=top, pairs=0)
    return stored.strongest(top)


def filter_findings(findings: pd.DataFrame, kinds: Sequence[str], search: str) -> pd.DataFrame:
    """The findings of the chosen kinds whose groups' names or sentence contain ``search``
    (any case; all of those kinds when it is blank).

    Parameters
    ----------
    findings : pandas.DataFrame
        Findings as a table (:attr:`insight.analysis.findings.Findings.table`).
    kinds : sequence of str
        The kinds kept (keys of :data:`insight.analysis.findings.FINDING_KINDS`).
    search : str
        Text to look for.

    Examples
    --------
    >>> table = pd.DataFrame({"kind": ["border", "funnel"], "group_name": ["Leeds", "York"],
    ...     "other_name": ["Bradford", ""], "sentence": ["", ""]})
    >>> filter_findings(table, ["border", "funnel"], " bradford ")["group_name"].tolist()
    ['Leeds']
    """
    shown = findings[findings["kind"].isin(list(kinds))]
    if search.strip():
        needle = search.strip().lower()
        text = (
            shown["group_name"].fillna("")
            + " "
            + shown["other_name"].fillna("")
            + " "
            + shown["sentence"].fillna("")
        )
        shown = shown[text.str.lower().str.contains(needle, regex=False)]
    return shown


def search_findings(
    items: Sequence[Finding], search: str, where: Callable[[Finding], str]
) -> list[tuple[int, Finding]]:
    """``(position, finding)`` (from 1) of the findings whose groups' names, or indicator
    and boundary (``where(finding)``), contain ``search`` (any case); all when it is blank.

    Examples
    --------
    >>> best = strongest_findings("demo")  # doctest: +SKIP
    >>> search_findings(best.items, "", lambda f: f.indicator)[0][0]  # doctest: +SKIP
    1
    """
    needle = search.strip().lower()
    return [
        (position, finding)
        for position, finding in enumerate(items, start=1)
        if not needle
        or needle in f"{finding.group_name} {finding.other_name} {where(finding)}".lower()
    ]
