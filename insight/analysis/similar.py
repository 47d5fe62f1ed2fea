"""Similar areas: a group's statistical neighbours on a profile of the place's indicators.

Peer tools compare an authority with "places like us" as well as with the ones next door:
CIPFA's nearest neighbours (about 40 socio-economic variables, standardised, weighted,
Euclidean distance) and ONS's (a handful of census and deprivation variables) are the
best known. Place Insight works the same way on what the place itself holds:

* the profile is every indicator of the place (the latest period), each group's value
  worked out exactly as Compare does (:func:`insight.analysis.benchmark.compare_groups`);
  what-if indicators (``within``: a boundary penalty) are left out, they describe a rule,
  not the place; so are modelled outcomes (kind ``"modelled"``), worked out from the
  travel times already in the profile (they would count those journeys twice);
* each variable is standardised across the groups (a z-score: minus the mean of the
  groups, divided by their standard deviation), so minutes and percentages weigh alike;
  a variable with no spread, or with values for fewer than three groups, is dropped;
* the distance between two groups is Euclidean over the variables both have, scaled up
  by (variables in the profile / variables both have) so that a missing value neither
  brings groups closer nor pushes them apart;
* every variable weighs the same (CIPFA weights its variables; nothing here says which
  of a place's indicators should count for more).

Officers may instead bring their own neighbour sets (e.g. CIPFA's) as a CSV file with
the columns ``group``, ``neighbour`` and ``rank`` (:func:`read_neighbours`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from insight import explain
from insight.analysis.benchmark import compare_groups
from insight.errors import DataError
from insight.model import Place

__all__ = [
    "DEFAULT_COUNT",
    "NEIGHBOUR_COLUMNS",
    "Neighbours",
    "chosen_neighbours",
    "group_profile",
    "read_neighbours",
    "similar_groups",
]

#: How many similar groups are shown unless asked otherwise (CIPFA publishes 15; a
#: comparison chart stays readable with fewer).
DEFAULT_COUNT = 5
#: Columns of an officer's neighbour file, and the other names accepted for each.
NEIGHBOUR_COLUMNS: dict[str, tuple[str, ...]] = {
    "group": ("group", "group code", "group_code", "code", "authority", "authority code"),
    "neighbour": ("neighbour", "neighbour code", "neighbour_code", "neighbor", "neighbor code"),
    "rank": ("rank", "order", "position"),
}
#: Fewest groups a variable needs values for to be part of the profile.
MIN_GROUPS = 3


@dataclass(frozen=True)
class Neighbours:
    """The groups most like one group.

    Attributes
    ----------
    grouping : str
        The grouping's id.
    code : str
        The group they are neighbours of.
    table : pandas.DataFrame
        One row per neighbour, nearest first: ``code``, ``name``, ``rank`` (1 = nearest),
        ``distance`` (NaN for neighbours from a file) and ``shared`` (how many profile
        variables both groups have; NaN for a file).
    variables : tuple of str
        Indicator ids of the profile (empty for neighbours from a file).
    method : str
        One sentence on how the neighbours were found, for the page and the output.
    """

    grouping: str
    code: str
    table: pd.DataFrame
    variables: tuple[str, ...]
    method: str

    @property
    def codes(self) -> list[str]:
        """The neighbours' codes, nearest first."""
        return [str(c) for c in self.table["code"]]

    def records(self) -> list[dict]:
        """The neighbours as plain dicts (``code``, ``name``, ``rank``, ``distance``)."""
        return [
            {
                "code": str(row.code),
                "name": str(row.name),
                "rank": int(row.rank),
                "distance": None if pd.isna(row.distance) else round(float(row.distance), 4),
            }
            for row in self.table.itertuples()
        ]


def profile_indicators(place: Place) -> list[str]:
    """Ids of the indicators a profile uses: all but the what-ifs (``within``) and the
    modelled outcomes (worked out from travel times the profile has already)."""
    return [
        i.id
        for i in place.indicators.values()
        if i.within is None and i.kind != "modelled" and i.id in place.areas.columns
    ]


def group_profile(
    place: Place, grouping_id: str, indicators: list[str] | None = None
) -> pd.DataFrame:
    """Every group's value on every profile indicator, as Compare works them out.

    Parameters
    ----------
    place : Place
        The place.
    grouping_id : str
        The grouping.
    indicators : list of str, optional
        Indicator ids (default: :func:`profile_indicators`).

    Returns
    -------
    pandas.DataFrame
        Index: every group's code; one column per indicator (NaN where a group has none).

    Examples
    --------
    >>> group_profile(place, "county").columns.tolist()  # doctest: +SKIP
    ['admissions', 'ivt_minutes', 'mt_minutes']
    """
    ids = profile_indicators(place) if indicators is None else list(indicators)
    codes = place.group_names(grouping_id).index
    columns = {}
    for indicator_id in ids:
        table = compare_groups(place, indicator_id, grouping_id).table
        columns[indicator_id] = table.set_index("code")["value"].astype(float).reindex(codes)
    return pd.DataFrame(columns, index=codes)


def standardise(profile: pd.DataFrame) -> pd.DataFrame:
    """Z-scores across groups, dropping variables with no spread or too few groups."""
    keep = [
        c
        for c in profile.columns
        if profile[c].notna().sum() >= MIN_GROUPS and profile[c].std(ddof=1) > 0
    ]
    kept = profile[keep]
    return (kept - kept.mean()) / kept.std(ddof=1)


def distances(scores: pd.DataFrame, code: str) -> pd.DataFrame:
    """Distance from group ``code`` to every other group over standardised ``scores``.

    Euclidean over the variables both groups have, scaled by (all variables / shared
    variables); NaN where they share none.

    Returns
    -------
    pandas.DataFrame
        Index: the other groups' codes; columns ``distance`` and ``shared``.
    """
    z = scores.to_numpy(float)
    own = z[scores.index.get_loc(code)]
    diff = z - own
    present = np.isfinite(diff)
    shared = present.sum(axis=1)
    squares = np.where(present, diff**2, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.where(shared > 0, np.sqrt(squares * z.shape[1] / shared), np.nan)
    table = pd.DataFrame({"distance": distance, "shared": shared}, index=scores.index)
    return table.drop(index=code)


def similar_groups(
    place: Place,
    grouping_id: str,
    code: str,
    count: int = DEFAULT_COUNT,
    indicators: list[str] | None = None,
) -> Neighbours:
    """The ``count`` groups most like ``code`` on the place's profile.

    Parameters
    ----------
    place : Place
        The place.
    grouping_id : str
        The grouping (e.g. ``"lad"``).
    code : str
        The group's code.
    count : int, default :data:`DEFAULT_COUNT`
        How many neighbours.
    indicators : list of str, optional
        The profile's indicators (default: :func:`profile_indicators`).

    Returns
    -------
    Neighbours
        Nearest first; ties broken by code.

    Raises
    ------
    DataError
        If the group is unknown, or the place has no indicator to build a profile from.

    Examples
    --------
    >>> similar_groups(place, "county", "E06000062").codes  # doctest: +SKIP
    ['E10000024', ...]
    """
    names = place.group_names(grouping_id)
    if code not in names.index:
        raise DataError(
            f"No {place.grouping(grouping_id).title.lower()} has the code {code!r} in place "
            f"{place.id!r} (codes such as {', '.join(map(str, names.index[:3]))})."
        )
    if len(names) < MIN_GROUPS:
        raise DataError(
            f"Place {place.id!r} has {len(names)} {place.grouping(grouping_id).plural}: similar "
            f"areas need at least {MIN_GROUPS} to compare a profile across."
        )
    scores = standardise(group_profile(place, grouping_id, indicators))
    if scores.shape[1] == 0:
        raise DataError(
            f"Place {place.id!r} has no indicator that varies between its "
            f"{place.grouping(grouping_id).plural}: similar areas cannot be worked out."
        )
    table = distances(scores, code).dropna(subset=["distance"])
    table = table.rename_axis("code").reset_index()
    table = table.sort_values(["distance", "code"], kind="stable").head(count)
    table["name"] = [str(names.get(c, c)) for c in table["code"]]
    table["rank"] = np.arange(1, len(table) + 1)
    variables = tuple(scores.columns)
    titles = [place.indicators[v].title for v in variables]
    return Neighbours(
        grouping_id,
        code,
        table[["code", "name", "rank", "distance", "shared"]].reset_index(drop=True),
        variables,
        explain.similar_method(titles, place.grouping(grouping_id).plural),
    )


def read_neighbours(path: str | Path, place: Place, grouping_id: str) -> pd.DataFrame:
    """An officer's neighbour sets (e.g. CIPFA's), checked against the grouping's codes.

    Parameters
    ----------
    path : str or pathlib.Path
        A CSV file with one row per (group, neighbour): columns ``group`` (the group's
        code), ``neighbour`` (a neighbour's code) and ``rank`` (1 = nearest). Other names
        accepted for each are in :data:`NEIGHBOUR_COLUMNS`; other columns are ignored.
    place : Place
        The place.
    grouping_id : str
        The grouping whose codes the file uses.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``neighbour``, ``rank`` (int), sorted by group and rank.

    Raises
    ------
    DataError
        Naming the file, column and value: a file that cannot be read, a missing column,
        a rank that is not a whole number from 1, a code the grouping does not have, or a
        neighbour listed twice for one group.

    Examples
    --------
    >>> read_neighbours("cipfa.csv", place, "county").head(1)  # doctest: +SKIP
           group  neighbour  rank
    0  E06000062  E10000021     1
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise DataError(f"Cannot read the neighbour file {path}: {error}.") from error
    lowered = {str(c).strip().lower(): c for c in raw.columns}
    found = {}
    for column, aliases in NEIGHBOUR_COLUMNS.items():
        match = next((lowered[a] for a in aliases if a in lowered), None)
        if match is None:
            raise DataError(
                f"{path}: no column {column!r} (the file has "
                f"{', '.join(map(repr, raw.columns)) or 'no columns'}). A neighbour file "
                "needs the columns group, neighbour and rank: one row per neighbour of a group."
            )
        found[column] = raw[match].astype(str).str.strip()
    table = pd.DataFrame(found)
    ranks = pd.to_numeric(table["rank"], errors="coerce")
    bad = ranks.isna() | (ranks < 1) | (ranks % 1 != 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: column 'rank' row {row + 2} has {table['rank'].iloc[row]!r}; a rank is "
            "a whole number from 1 (the nearest neighbour)."
        )
    table["rank"] = ranks.astype(int)
    codes = set(map(str, place.group_names(grouping_id).index))
    title = place.grouping(grouping_id).title.lower()
    for column in ("group", "neighbour"):
        unknown = table.loc[~table[column].isin(codes), column]
        if not unknown.empty:
            row = int(unknown.index[0])
            raise DataError(
                f"{path}: column {column!r} row {row + 2} has {unknown.iloc[0]!r}, which is not "
                f"a {title} code of place {place.id!r} (codes such as "
                f"{', '.join(sorted(codes)[:3])}). Use the codes of the grouping {grouping_id!r}."
            )
    twice = table.duplicated(["group", "neighbour"])
    if twice.any():
        row = int(np.flatnonzero(twice.to_numpy())[0])
        raise DataError(
            f"{path}: {table['neighbour'].iloc[row]!r} is listed twice as a neighbour of "
            f"{table['group'].iloc[row]!r} (row {row + 2}); keep one row."
        )
    return table.sort_values(["group", "rank"], kind="stable").reset_index(drop=True)


def chosen_neighbours(
    table: pd.DataFrame, place: Place, grouping_id: str, code: str, source: str
) -> Neighbours:
    """The neighbours of ``code`` in an officer's file (:func:`read_neighbours`).

    Raises
    ------
    DataError
        If the file lists no neighbour for ``code``.
    """
    rows = table[table["group"] == code]
    if rows.empty:
        raise DataError(
            f"{source}: no row has {code!r} in column 'group'; the file lists neighbours of "
            f"{', '.join(sorted(table['group'].unique())[:3])}."
        )
    names = place.group_names(grouping_id)
    result = pd.DataFrame(
        {
            "code": rows["neighbour"].to_numpy(),
            "name": [str(names.get(c, c)) for c in rows["neighbour"]],
            "rank": rows["rank"].to_numpy(),
            "distance": np.nan,
            "shared": np.nan,
        }
    )
    return Neighbours(grouping_id, code, result, (), explain.chosen_method(source))
