"""What the JSON API answers, field by field (the OpenAPI schema is made from these).

Fields of an indicator, a grouping and a finding are described by the engine's own
docstrings (their numpydoc ``Attributes``), so the schema says what the code says and a
field added to :class:`insight.analysis.findings.Finding` is served, described, at once.
"""

from __future__ import annotations

import inspect
import re
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from insight.analysis.findings import FINDING_COLUMNS, Finding
from insight.model import Grouping, Indicator

__all__ = [
    "Comparison",
    "ErrorAnswer",
    "FindingRow",
    "FindingsAnswer",
    "GroupingDetail",
    "GroupingInfo",
    "IndicatorInfo",
    "Lookup",
    "PlaceDetail",
    "PlaceSummary",
    "Trend",
    "attribute_docs",
]


def attribute_docs(cls: type) -> dict[str, str]:
    """Each attribute's description in the numpydoc ``Attributes`` section of ``cls``.

    ``a, b : type`` lines give both names the description that follows.

    Examples
    --------
    >>> attribute_docs(Grouping)["plural"]
    'Plural title, e.g. "local authorities".'
    """
    text = inspect.getdoc(cls) or ""
    section = re.search(r"^Attributes\n-+\n(.*?)(?:\n\S[^\n]*\n-+\n|\Z)", text, re.S | re.M)
    docs: dict[str, str] = {}
    names: list[str] = []
    for line in (section.group(1) if section else "").splitlines():
        if line and not line.startswith(" "):
            names = [n.strip() for n in line.split(" : ")[0].split(",")]
            for name in names:
                docs[name] = ""
        elif line.strip():
            for name in names:
                docs[name] = f"{docs[name]} {line.strip()}".strip()
    return docs


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------


class ErrorBody(_Answer):
    status: int = Field(description="The HTTP status code, repeated.")
    message: str = Field(description="What was wrong with the request, in a sentence.")
    fix: str = Field(description="What to do instead.")
    allowed: list[str] | None = Field(
        None, description="The values accepted where a value was not one of them."
    )


class ErrorAnswer(_Answer):
    error: ErrorBody = Field(description="Why the request was refused.")


# --------------------------------------------------------------------------------------
# places, indicators, groupings
# --------------------------------------------------------------------------------------


class PlaceSummary(_Answer):
    id: str = Field(description="The place's id, used in every other address.")
    title: str = Field(description="The place's plain-English title.")


_IND = attribute_docs(Indicator)
_GRP = attribute_docs(Grouping)


class IndicatorInfo(_Answer):
    id: str = Field(description=_IND["id"])
    title: str = Field(description=_IND["title"])
    unit: str = Field(description=_IND["unit"])
    kind: str = Field(description=_IND["kind"])
    polarity: str = Field(description=_IND["polarity"])
    period: str = Field(description="When the values refer to (the latest period).")
    periods: list[str] = Field(description=_IND["periods"])
    source: str = Field(description="Where the values come from.")
    description: str = Field(description=_IND["description"])
    decimals: int = Field(description=_IND["decimals"])
    what_if: bool = Field(
        description="A boundary penalty: the extra journey if people could only use "
        "services in their own group (a what-if, never a measured outcome)."
    )


class GroupingInfo(_Answer):
    id: str = Field(description=_GRP["id"])
    title: str = Field(description=_GRP["title"])
    plural: str = Field(description=_GRP["plural"])
    description: str = Field(description=_GRP["description"])
    groups: int = Field(description="How many groups the place has of this grouping.")


class GroupInfo(_Answer):
    code: str = Field(description="The group's code (e.g. an ONS code).")
    name: str = Field(description="The group's name.")


class GroupingDetail(GroupingInfo):
    members: list[GroupInfo] = Field(description="Every group, by name.")


class PlaceDetail(_Answer):
    id: str = Field(description="The place's id.")
    title: str = Field(description="The place's plain-English title.")
    area_level: str = Field(description="What one area is (e.g. LSOA, ward).")
    areas: int = Field(description="How many areas the place has.")
    benchmark: str = Field(description="What every group is compared with (e.g. England).")
    default_grouping: str = Field(description="The grouping the pages start from.")
    indicators: list[IndicatorInfo] = Field(description="Every indicator of the place.")
    groupings: list[GroupingInfo] = Field(description="Every grouping of the place.")


# --------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------


class BenchmarkValue(_Answer):
    label: str = Field(description="What the benchmark is (e.g. England).")
    value: float | None = Field(description="The benchmark's value (null: none).")


class GroupValue(_Answer):
    code: str = Field(description="The group's code.")
    name: str = Field(description="The group's name.")
    value: float | None = Field(description="The group's value (null: no value).")
    lower: float | None = Field(
        description="Lower limit of the group's interval (a 95% confidence interval for "
        "values that vary by chance; the spread of its areas for a fixed value)."
    )
    upper: float | None = Field(description="Upper limit of the group's interval.")
    funnel: str = Field(
        description="Where the group lies on the funnel plot: 'high' or 'low' (outside the "
        "99.8% limits), 'within', or why there is no funnel for this indicator."
    )


class Comparator(_Answer):
    code: str = Field(description="The comparator group's code.")
    name: str = Field(description="The comparator group's name.")
    rank: int = Field(description="1 for the most similar.")
    distance: float | None = Field(
        description="Distance on the place's standardised profile (null: a neighbour "
        "listed by the officer's file)."
    )


class Comparison(_Answer):
    indicator: str = Field(description="The indicator's id.")
    grouping: str = Field(description="The grouping's id.")
    benchmark: BenchmarkValue = Field(description="What every group is compared with.")
    groups: list[GroupValue] = Field(
        description="Every group (or the group asked for and its comparators)."
    )
    method: str | None = Field(
        None, description="How the comparators were chosen (similar groups only)."
    )
    variables: list[str] | None = Field(
        None, description="The indicators the similarity was measured on (similar only)."
    )
    comparators: list[Comparator] | None = Field(
        None, description="The comparators, most similar first (similar only)."
    )


# --------------------------------------------------------------------------------------
# findings
# --------------------------------------------------------------------------------------

_FINDING = attribute_docs(Finding)
_HINTS = typing.get_type_hints(Finding)


def _field_type(name: str) -> Any:
    """The JSON type of a finding's column, from its annotation: numbers, text, lists of
    codes; anything else (lists of records such as ``shared_borders``) as it comes."""
    hint = _HINTS[name]
    if hint in (int, str, bool):
        return hint
    if hint is float or hint == float | None:
        return float | None  # NaN (unknown, not tested) is null
    if typing.get_args(hint) == (str, Ellipsis):
        return list[str]
    return Any


def _finding_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {
        "position": (
            int | None,
            Field(
                default=None,
                description="Place in the list of the strongest findings across every "
                "indicator and grouping (null for one pair's findings, ranked by `rank`).",
            ),
        ),
        "indicator": (str, Field(description=_FINDING["indicator"])),
        "grouping": (str, Field(description=_FINDING["grouping"])),
    }
    for name in FINDING_COLUMNS:
        fields[name] = (_field_type(name), Field(description=_FINDING.get(name, "")))
    return fields


FindingRow = create_model(
    "FindingRow",
    __config__=ConfigDict(extra="forbid"),
    __doc__="One postcode-lottery finding, with every figure any surface shows of it.",
    **_finding_fields(),
)


class FindingsAnswer(_Answer):
    place: str = Field(description="The place's id.")
    indicator: str | None = Field(description="The indicator (null: every indicator).")
    grouping: str | None = Field(description="The grouping (null: every grouping).")
    period: str | None = Field(description="The period (null: the latest).")
    total: int = Field(description="How many findings there are before `top` is applied.")
    findings: list[FindingRow] = Field(  # type: ignore[valid-type]
        description="The findings, best first: one pair's by `rank`; across every pair, the "
        "strongest first by `position` (tested differences before what-ifs)."
    )


# --------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------


class TrendPoint(_Answer):
    period: str = Field(description="The period.")
    value: float | None = Field(description="The value in that period (null: none).")
    lower: float | None = Field(description="Lower limit of its 95% interval (null: none).")
    upper: float | None = Field(description="Upper limit of its 95% interval (null: none).")


class AreaTrend(_Answer):
    area_code: str = Field(description="The area's code.")
    area_name: str = Field(description="The area's name.")
    series: list[TrendPoint] = Field(description="The area's value in each period.")
    recent_trend: str | None = Field(
        description="Fingertips' recent trend in words (null: values with no sampling "
        "variation, or too few periods)."
    )


class BenchmarkTrend(_Answer):
    label: str = Field(description="What the benchmark is.")
    series: list[TrendPoint] = Field(description="The benchmark's value in each period.")
    recent_trend: str | None = Field(description="Its recent trend in words (null: none).")


class Trend(_Answer):
    indicator: str = Field(description="The indicator's id.")
    periods: list[str] = Field(description="Every period, oldest first.")
    total_areas: int = Field(description="How many areas there are before paging.")
    areas: list[AreaTrend] = Field(description="One page of areas (see offset and limit).")
    benchmark: BenchmarkTrend = Field(description="The benchmark's series and trend.")


# --------------------------------------------------------------------------------------
# lookup
# --------------------------------------------------------------------------------------


class LookupGroup(_Answer):
    title: str = Field(description="The grouping's title.")
    code: str | None = Field(description="The code of the group the postcode is in.")
    name: str | None = Field(description="The name of that group.")


class Lookup(_Answer):
    postcode: str = Field(description="The postcode, tidied (e.g. 'NN1 1AA').")
    easting: float = Field(description="Its easting (British National Grid, metres).")
    northing: float = Field(description="Its northing (British National Grid, metres).")
    postcode_lad_code: str | None = Field(
        description="The local authority the ONS postcode directory gives it."
    )
    lsoa_code: str = Field(description="The code of the area it is in (same as area_code).")
    lsoa_name: str = Field(description="The name of that area (same as area_name).")
    area_code: str = Field(description="The code of the area it is in.")
    area_name: str = Field(description="The name of that area.")
    placed_in_nearest_area: bool = Field(
        description="The postcode's point lies in no area; it was placed in the nearest."
    )
    groupings: dict[str, LookupGroup] = Field(
        description="The group it is in of each grouping, by grouping id."
    )
    indicators: dict[str, float | None] = Field(
        description="The value of every indicator in its area, by indicator id."
    )
    warnings: list[str] = Field(description="What to bear in mind about this answer.")
    lad_code: str | None = Field(None, description="Its local authority's code.")
    lad_name: str | None = Field(None, description="Its local authority's name.")
