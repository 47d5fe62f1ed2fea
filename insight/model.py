"""The data model: a Place with its areas, groupings, services and indicators, and the
rules about them (which service an indicator measures, the featured indicator).

How a place is stored on disk is :mod:`insight.data.store`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias, get_args

import geopandas as gpd
import pandas as pd

from insight.errors import DataError

BNG = "EPSG:27700"
DEMO_ID = "demo"
#: Who made a place when nobody signed in (``Place.upload["by"]``): the command line, or
#: the loopback-only app.
THIS_COMPUTER = "this computer (no sign-in)"
#: How near (km) the nearest areas of another group must be for "just across the boundary":
#: a boundary farther away than this is not the one a resident lives by.
NEAR_BOUNDARY_KM = 3.0
#: The group pages start from on the demo: West Northamptonshire, the running example.
EXAMPLE_GROUP = "E06000062"

KINDS: tuple[str, ...] = (
    "count", "rate", "proportion", "time", "ratio", "distance", "value", "modelled",
)  # fmt: skip
#: Kinds whose values vary by chance: intervals, funnels and significance apply to them only.
SAMPLED_KINDS: tuple[str, ...] = ("count", "rate", "proportion", "ratio")
#: Whether a higher value is better, worse or neither.
Polarity: TypeAlias = Literal["high_is_good", "low_is_good", "neutral"]
POLARITIES: tuple[Polarity, ...] = get_args(Polarity)
#: What an indicator may be declared as, besides a measure to compare: ``"deprivation"``,
#: the place's deprivation measure (an IMD score: higher is more deprived; or a rank,
#: declared ``polarity = "high_is_good"``: 1 is the most deprived).
ROLES: tuple[str, ...] = ("deprivation",)
#: Columns of a place's series (:attr:`Place.series`): one row per indicator, area and period.
SERIES_COLUMNS: tuple[str, ...] = (
    "indicator", "area_code", "period", "period_order",
    "value", "lower", "upper", "numerator", "denominator",
)  # fmt: skip

#: Columns of :attr:`Place.outlines`: one row per group of every grouping.
OUTLINE_COLUMNS: tuple[str, ...] = ("code_column", "name_column", "code", "name", "geometry")


@dataclass(frozen=True)
class Indicator:
    """Metadata of one indicator; its values are the column ``id`` of the areas.

    Attributes
    ----------
    id : str
        Column name on the areas and the key used in URLs.
    title : str
        Plain-English title, e.g. "Minutes to the nearest thrombectomy centre".
    unit : str
        Unit for labels, e.g. "minutes", "admissions a year", "%".
    kind : str
        One of :data:`KINDS`.
    polarity : str
        One of :data:`POLARITIES`: whether a higher value is better, worse or neither.
    period, source : str
        When the values refer to and where they come from.
    description : str
        How the value is worked out, in a sentence or two.
    numerator, denominator : str or None
        Columns holding the count and the population behind a rate or proportion.
    lower, upper : str or None
        Columns holding a published 95% interval, where the source gives one.
    decimals : int
        Decimal places to show.
    multiplier : float
        Scale of a rate or proportion (100 for a percentage, 100,000 for a rate per 100,000).
    weight : str or None
        Column whose values weight averages of this indicator (people or admissions).
    service : str or None
        The service type a travel time measures the journey to (e.g. ``"mt"``).
    within : str or None
        For a boundary penalty: the grouping whose services alone may be used (a what-if:
        the extra journey if people could only use services in their own group).
    periods : tuple of str
        Every period the place keeps values of (in :attr:`Place.series`), oldest first;
        empty when only one period is known (``period``, the one on the areas). The last
        is ``period``.
    outcome : str or None
        For a modelled stroke outcome (kind ``"modelled"``): the stroke type it is for,
        ``"lvo"`` (large-vessel) or ``"nlvo"`` (:mod:`insight.outcomes`).
    role : str or None
        One of :data:`ROLES` when the indicator is declared as such (e.g. the place's
        deprivation measure), else None.
    """

    id: str
    title: str
    unit: str
    kind: str = "value"
    polarity: Polarity = "neutral"
    period: str = ""
    source: str = ""
    description: str = ""
    numerator: str | None = None
    denominator: str | None = None
    lower: str | None = None
    upper: str | None = None
    decimals: int = 1
    multiplier: float = 1.0
    weight: str | None = None
    service: str | None = None
    within: str | None = None
    periods: tuple[str, ...] = ()
    outcome: str | None = None
    role: str | None = None

    @property
    def has_series(self) -> bool:
        """Whether the place keeps several periods of this indicator (a time series)."""
        return len(self.periods) > 1

    @property
    def sampled(self) -> bool:
        """Whether values vary by chance (counts, rates, proportions, ratios), so intervals,
        funnels and "more than chance" apply. Times, distances, modelled outcomes and other
        values worked out from a fixed matrix or a model do not: they are compared by their
        size and spread."""
        return self.kind in SAMPLED_KINDS

    @property
    def rated(self) -> bool:
        """Whether a value can be called better or worse: it has a polarity, and is not a
        count with nothing to divide it by (more admissions where more people live)."""
        if self.polarity == "neutral":
            return False
        return not (self.kind == "count" and not self.denominator)

    @property
    def percentage(self) -> bool:
        """Whether values are percentages (differences are then percentage points)."""
        return self.unit.strip() == "%"

    def __post_init__(self) -> None:
        # place.json stores the periods as a list; keep them a tuple (hashable).
        object.__setattr__(self, "periods", tuple(str(p) for p in self.periods))
        if self.kind not in KINDS:
            raise DataError(
                f"Indicator {self.id!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}."
            )
        if self.polarity not in POLARITIES:
            raise DataError(
                f"Indicator {self.id!r}: polarity {self.polarity!r} is not one of "
                f"{', '.join(POLARITIES)}."
            )
        if self.role is not None and self.role not in ROLES:
            raise DataError(
                f"Indicator {self.id!r}: role {self.role!r} is not one of {', '.join(ROLES)}."
            )


@dataclass(frozen=True)
class Grouping:
    """A boundary that can create a postcode lottery (authority, commissioner...).

    The codes and names live on the areas as ``<id>_code`` and ``<id>_name``.

    Attributes
    ----------
    id : str
        Key used in URLs and column names, e.g. ``lad``.
    title : str
        Singular plain-English title, e.g. "Local authority".
    plural : str
        Plural title, e.g. "local authorities".
    description : str
        Where the grouping comes from.
    notes : tuple of (str, str)
        Group code and a caveat said wherever that group's figures are (e.g. a group the
        source treats as one that works as several in practice).
    """

    id: str
    title: str
    plural: str = ""
    description: str = ""
    notes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # place.json stores the notes as lists; keep them a tuple of pairs (hashable).
        object.__setattr__(self, "notes", tuple((str(c), str(n)) for c, n in self.notes))

    def note_for(self, code: str) -> str:
        """What a reader must know about group ``code`` of this grouping ("" for most)."""
        return dict(self.notes).get(str(code), "")

    @property
    def code_column(self) -> str:
        """Name of the column of group codes on the areas."""
        return f"{self.id}_code"

    @property
    def name_column(self) -> str:
        """Name of the column of group names on the areas."""
        return f"{self.id}_name"


@dataclass(frozen=True)
class ServiceType:
    """A kind of service point, e.g. stroke units able to give clot-busting drugs.

    Attributes
    ----------
    id : str
        Key, e.g. ``ivt``; services of this type have ``True`` in column ``id``.
    title : str
        Plural plain-English name, e.g. "clot-busting stroke units".
    singular : str
        Singular name used in sentences, e.g. "clot-busting unit".
    """

    id: str
    title: str
    singular: str


@dataclass(frozen=True)
class Layer:
    """Provenance of one layer of a place.

    Attributes
    ----------
    name : str
        What the layer is, e.g. "LSOA boundaries (December 2011, super generalised)".
    source : str
        Package or file it was read from, with version where there is one.
    licence : str
        Licence, e.g. "Open Government Licence v3.0".
    vintage : str
        The date or period the data describe.
    attribution : str
        Attribution text required by the licence.
    """

    name: str
    source: str
    licence: str
    vintage: str
    attribution: str = ""


@dataclass
class Place:
    """One configured study region.

    Attributes
    ----------
    id, title : str
        Identifier (used in URLs and the cache) and display title.
    area_level : str
        What one area is, singular, e.g. "neighbourhood (LSOA)" or "ward".
    areas : geopandas.GeoDataFrame
        Small areas in EPSG:27700 (see module docstring for the columns).
    indicators : dict of str to Indicator
        Indicator metadata, in display order.
    groupings : dict of str to Grouping
        Grouping metadata, in display order.
    services : geopandas.GeoDataFrame or None
        Service points with ``code``, ``name`` and one boolean column per service type.
    service_types : dict of str to ServiceType
        The kinds of service in ``services``.
    costs : pandas.DataFrame or None
        Travel minutes, areas (rows, same order as ``areas``) by service code (columns).
    provenance : list of Layer
        Source, licence and vintage of every layer.
    quality : dict
        The validation report of the build (counts of what was read, matched, repaired).
    default_grouping : str
        The grouping pages start with.
    benchmark_name : str
        What the whole place is called when it is the benchmark.
    featured : (str, str) or None
        Indicator and grouping whose findings lead the Home page.
    upload : dict
        Who added the place and when, and the files it was built from (``by``, ``at``,
        ``files``: name, bytes, SHA-256); empty for the demo.
    series : pandas.DataFrame or None
        Every period of the indicators that have several (:attr:`Indicator.periods`): one
        row per indicator, area and period, columns :data:`SERIES_COLUMNS` (``period_order``
        sorts the periods; ``lower``, ``upper`` a published 95% interval; NaN where the
        source has none). None when no indicator has more than one period. The latest
        period's values are also the indicator's columns on the areas.
    outlines : geopandas.GeoDataFrame or None
        The shape of every group of every grouping, dissolved from its areas once, when the
        place is saved (columns :data:`OUTLINE_COLUMNS`: the grouping's code and name
        columns, the group's code and name, its geometry), so no map waits for a dissolve.
        None for places saved before outlines were kept (they are then dissolved on use).
    """

    id: str
    title: str
    area_level: str
    areas: gpd.GeoDataFrame
    indicators: dict[str, Indicator]
    groupings: dict[str, Grouping]
    services: gpd.GeoDataFrame | None = None
    service_types: dict[str, ServiceType] = field(default_factory=dict)
    costs: pd.DataFrame | None = None
    provenance: list[Layer] = field(default_factory=list)
    quality: dict = field(default_factory=dict)
    default_grouping: str = "lad"
    benchmark_name: str = "England and Wales"
    featured: tuple[str, str] | None = None
    upload: dict = field(default_factory=dict)
    series: pd.DataFrame | None = None
    outlines: gpd.GeoDataFrame | None = None

    def series_of(self, indicator_id: str) -> pd.DataFrame:
        """The rows of :attr:`series` of one indicator (no rows when it has one period).

        Raises
        ------
        DataError
            If the place has no such indicator.

        Examples
        --------
        >>> place.series_of("fingertips_93105").columns.tolist()[:4]  # doctest: +SKIP
        ['indicator', 'area_code', 'period', 'period_order']
        """
        indicator = self.indicator(indicator_id)
        if self.series is None or not indicator.has_series:
            return pd.DataFrame(columns=list(SERIES_COLUMNS))
        return self.series[self.series["indicator"] == indicator.id]

    @property
    def deprivation(self) -> Indicator | None:
        """The indicator declared as the place's deprivation measure (``role =
        "deprivation"``), or None when the place has none."""
        return next((i for i in self.indicators.values() if i.role == "deprivation"), None)

    def indicator(self, indicator_id: str) -> Indicator:
        """Return the indicator ``indicator_id``.

        Raises
        ------
        DataError
            If the place has no such indicator; the message lists the ones it has.
        """
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise DataError(
                f"Place {self.id!r} has no indicator {indicator_id!r}; "
                f"choose one of: {', '.join(self.indicators)}."
            ) from None

    def grouping(self, grouping_id: str) -> Grouping:
        """Return the grouping ``grouping_id``.

        Raises
        ------
        DataError
            If the place has no such grouping; the message lists the ones it has.
        """
        try:
            return self.groupings[grouping_id]
        except KeyError:
            raise DataError(
                f"Place {self.id!r} has no grouping {grouping_id!r}; "
                f"choose one of: {', '.join(self.groupings)}."
            ) from None

    def service_type_of(self, indicator: Indicator) -> str | None:
        """The service type a travel-time indicator measures, or None.

        The one rule: a ``time`` indicator that names its ``service``, or (for officers'
        own indicators) whose id starts with a service type's id and an underscore
        (``mt_minutes`` measures ``mt``; the longest matching type wins), on a place with
        services of that type and a travel cost matrix.

        Examples
        --------
        >>> place.service_type_of(place.indicator("mt_minutes"))  # doctest: +SKIP
        'mt'
        """
        if indicator.kind != "time" or self.costs is None or self.services is None:
            return None
        if indicator.service:
            return indicator.service if indicator.service in self.services.columns else None
        for service_id in sorted(self.service_types, key=len, reverse=True):
            if indicator.id.startswith(f"{service_id}_") and service_id in self.services.columns:
                return service_id
        return None

    def featured_pair(self) -> tuple[str, str]:
        """The indicator and grouping whose findings lead the Home page.

        The place's ``featured`` pair when both still exist, else its first indicator with
        a polarity (or its first indicator) by its default grouping.
        """
        if (
            self.featured
            and self.featured[0] in self.indicators
            and self.featured[1] in self.groupings
        ):
            return self.featured[0], self.featured[1]
        polar = [i.id for i in self.indicators.values() if i.polarity != "neutral"]
        return (polar or list(self.indicators))[0], self.default_grouping

    def example_group(self, grouping_id: str) -> str:
        """The group pages start from when nothing else says which: West Northamptonshire
        (our running example) where the grouping has it, else the first group by name."""
        codes = self.group_names(grouping_id).index
        return EXAMPLE_GROUP if EXAMPLE_GROUP in codes else str(codes[0])

    def group_at(
        self,
        grouping_id: str,
        *,
        area_code: str | None = None,
        from_grouping: str | None = None,
        from_group: str | None = None,
    ) -> str | None:
        """The group of ``grouping_id`` where a view was, when its boundaries change.

        The group holding ``area_code`` when that is one of the areas; else the group most
        of the areas of group ``from_group`` (of grouping ``from_grouping``) lie in (ties go
        to the first code in sort order). So West Northamptonshire, viewed by integrated
        care board, becomes NHS Northamptonshire, and Leicestershire by local authority the
        district holding most of its areas.

        Parameters
        ----------
        grouping_id : str
            The new grouping.
        area_code : str, optional
            The selected area, if any.
        from_grouping, from_group : str, optional
            The grouping and group shown before.

        Returns
        -------
        str or None
            A group code of ``grouping_id``, or None when nothing says where the view was.

        Examples
        --------
        >>> import geopandas as gpd
        >>> areas = gpd.GeoDataFrame({"code": ["a", "b", "c"],
        ...     "lad_code": ["L1", "L2", "L2"], "lad_name": ["One", "Two", "Two"],
        ...     "cty_code": ["C", "C", "C"], "cty_name": ["County"] * 3})
        >>> place = Place("p", "P", "area", areas, {},
        ...     {"lad": Grouping("lad", "LA"), "cty": Grouping("cty", "County")})
        >>> place.group_at("lad", area_code="a")
        'L1'
        >>> place.group_at("lad", from_grouping="cty", from_group="C")
        'L2'
        >>> place.group_at("lad", area_code="nowhere") is None
        True
        """
        column = self.grouping(grouping_id).code_column
        areas = self.areas
        if area_code is not None:
            found = areas.loc[areas["code"].astype(str) == str(area_code), column].dropna()
            if len(found):
                return str(found.iloc[0])
        if from_grouping in self.groupings and from_group is not None:
            inside = areas[self.groupings[from_grouping].code_column].astype(str) == str(from_group)
            counts = areas.loc[inside, column].dropna().astype(str).value_counts()
            if len(counts):
                top = counts[counts == counts.max()]
                return str(sorted(top.index)[0])
        return None

    def group_names(self, grouping_id: str) -> pd.Series:
        """Names of the groups of ``grouping_id``, indexed by group code, sorted by name."""
        grouping = self.grouping(grouping_id)
        table = self.areas[[grouping.code_column, grouping.name_column]].dropna()
        names = table.drop_duplicates(grouping.code_column).set_index(grouping.code_column)
        return names[grouping.name_column].sort_values()
