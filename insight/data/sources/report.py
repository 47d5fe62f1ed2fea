"""The validation report of a build: what was read, matched, repaired and rejected.

Every build of a place returns a :class:`BuildReport`. The command line prints
:meth:`BuildReport.as_text`; the place stores :meth:`BuildReport.as_dict` as its
``quality`` so the app can show it later (:meth:`BuildReport.from_dict` reads it back).

Long lists (unmatched codes, bad values) keep their full count but only the first
:data:`KEEP` examples, so a national lookup with thousands of rows for other areas does
not bloat the place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

#: How many codes or problems of one kind are kept as examples (the count is always exact).
KEEP = 100
#: How many of them :meth:`BuildReport.as_text` prints.
SHOW = 10


@dataclass
class CodeList:
    """Codes of one kind (e.g. areas with no row in a file): exact count, first few codes.

    Attributes
    ----------
    count : int
        How many codes there are in all.
    codes : list of str
        The first :data:`KEEP` of them.

    Examples
    --------
    >>> codes = CodeList()
    >>> codes.extend(["E05000001", "E05000002"])
    >>> codes.count, codes.shown()
    (2, 'E05000001, E05000002')
    """

    count: int = 0
    codes: list[str] = field(default_factory=list)

    def extend(self, codes: Iterable[object]) -> None:
        """Add ``codes`` (any iterable of values, converted to text)."""
        for code in codes:
            self.count += 1
            if len(self.codes) < KEEP:
                self.codes.append(str(code))

    def shown(self, limit: int = SHOW) -> str:
        """The first ``limit`` codes, comma separated, saying how many more there are."""
        text = ", ".join(self.codes[:limit])
        if self.count > limit:
            text += f" ... and {self.count - limit:,} more"
        return text


@dataclass
class Problem:
    """One bad value that did not stop the build.

    Attributes
    ----------
    file : str
        File name.
    row : int or None
        Row as a spreadsheet shows it (the header is row 1), where there is one.
    column : str
        Column (or field) holding the value.
    value : str
        The value as it appears in the file.
    reason : str
        What is wrong with it, in plain words.
    """

    file: str
    row: int | None
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file} row {self.row}" if self.row is not None else self.file
        return f"{where}, column {self.column!r}: {self.value!r} ({self.reason})"


@dataclass
class ProblemList:
    """Problems of one kind: exact count and the first :data:`KEEP` examples.

    Attributes
    ----------
    count : int
        How many problems there are in all.
    problems : list of Problem
        The first :data:`KEEP` of them.
    """

    count: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        """Count ``problem`` and keep it if there is room."""
        self.count += 1
        if len(self.problems) < KEEP:
            self.problems.append(problem)


@dataclass
class FileRead:
    """One input file and how many rows (or features) were read from it.

    Attributes
    ----------
    file : str
        File name, relative to the configuration.
    role : str
        What it was read for, e.g. "areas", "grouping lad", "indicators", "services libraries".
    format : str
        Format recognised, e.g. "GeoJSON (EPSG:4326)", "Fingertips export", "wide CSV".
    rows : int
        Rows or features read.
    """

    file: str
    role: str
    format: str
    rows: int


@dataclass
class Match:
    """How the area codes of one file matched the areas.

    Attributes
    ----------
    file : str
        File name (or "ONS postcode directory").
    role : str
        What the file gives, e.g. "grouping lad" or "indicator fingertips_93105".
    matched : int
        Areas that found a row.
    areas : int
        Areas in the place.
    areas_without_row : CodeList
        Area codes the file has no row for.
    codes_not_in_areas : CodeList
        Codes in the file that are not areas of the place (ignored).
    duplicates : CodeList
        Codes with more than one row (the first row was used).
    """

    file: str
    role: str
    matched: int
    areas: int
    areas_without_row: CodeList = field(default_factory=CodeList)
    codes_not_in_areas: CodeList = field(default_factory=CodeList)
    duplicates: CodeList = field(default_factory=CodeList)


@dataclass
class ServiceCount:
    """How the rows of one service file were located.

    Attributes
    ----------
    file : str
        File name.
    service_type : str
        Service type id the rows belong to.
    rows : int
        Rows read.
    located : int
        Rows given a map position.
    by : dict of str to int
        Rows located by each method ("postcode", "latitude/longitude", "easting/northing").
    outside_areas : CodeList
        Codes of located services outside every area (kept, with no grouping).
    """

    file: str
    service_type: str
    rows: int
    located: int
    by: dict[str, int] = field(default_factory=dict)
    outside_areas: CodeList = field(default_factory=CodeList)


@dataclass
class BuildReport:
    """Validation report of one build of a place.

    Attributes
    ----------
    place_id, title : str
        The place built.
    area_level : str
        What one area is, e.g. "ward".
    areas : int
        Areas in the place after empty geometries were dropped and duplicates merged.
    files : list of FileRead
        Every file read, with the rows read from it.
    matches : list of Match
        For every lookup and indicator file: areas matched, codes unmatched on either
        side and duplicate codes.
    invalid_geometries_repaired : CodeList
        Areas whose geometry was invalid and was repaired with ``make_valid``.
    empty_geometries_dropped : CodeList
        Codes of areas with no geometry (or none left after repair), dropped.
    duplicate_area_codes : CodeList
        Area codes on more than one feature of the boundary file; their shapes were merged.
    areas_without_code : int
        Features of the boundary file with a blank code, dropped.
    not_numbers : ProblemList
        Indicator values (value, interval, numerator or denominator) that are not numbers;
        they are treated as missing.
    negative_counts : ProblemList
        Negative numerators, denominators or counts; treated as missing.
    numerator_over_denominator : ProblemList
        Proportions whose numerator is larger than the denominator (kept, flagged).
    services : list of ServiceCount
        For every service file: rows read, located, how, and outside the areas.
    services_not_located : ProblemList
        Service rows that could not be placed (bad or unknown postcodes, coordinates
        missing or out of range); they are left out.
    notes : list of str
        Decisions the build took that a reader should know about (rows chosen from a
        Fingertips export, columns skipped, names filled in).
    """

    place_id: str = ""
    title: str = ""
    area_level: str = ""
    areas: int = 0
    files: list[FileRead] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    invalid_geometries_repaired: CodeList = field(default_factory=CodeList)
    empty_geometries_dropped: CodeList = field(default_factory=CodeList)
    duplicate_area_codes: CodeList = field(default_factory=CodeList)
    areas_without_code: int = 0
    not_numbers: ProblemList = field(default_factory=ProblemList)
    negative_counts: ProblemList = field(default_factory=ProblemList)
    numerator_over_denominator: ProblemList = field(default_factory=ProblemList)
    services: list[ServiceCount] = field(default_factory=list)
    services_not_located: ProblemList = field(default_factory=ProblemList)
    notes: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        """Number of problems that did not stop the build (0 for a clean build)."""
        unmatched = sum(m.areas_without_row.count + m.duplicates.count for m in self.matches)
        return (
            unmatched
            + self.invalid_geometries_repaired.count
            + self.empty_geometries_dropped.count
            + self.duplicate_area_codes.count
            + self.areas_without_code
            + self.not_numbers.count
            + self.negative_counts.count
            + self.numerator_over_denominator.count
            + self.services_not_located.count
            + sum(s.outside_areas.count for s in self.services)
        )

    def summary(self) -> dict[str, int]:
        """The headline counts as a flat dict of plain ints.

        Examples
        --------
        >>> BuildReport(areas=3).summary()["areas"]
        3
        """
        return {
            "areas": self.areas,
            "files_read": len(self.files),
            "rows_read": sum(f.rows for f in self.files),
            "areas_unmatched": sum(m.areas_without_row.count for m in self.matches),
            "codes_not_in_areas": sum(m.codes_not_in_areas.count for m in self.matches),
            "duplicate_codes": sum(m.duplicates.count for m in self.matches)
            + self.duplicate_area_codes.count,
            "invalid_geometries_repaired": self.invalid_geometries_repaired.count,
            "empty_geometries_dropped": self.empty_geometries_dropped.count,
            "values_not_numbers": self.not_numbers.count,
            "negative_counts": self.negative_counts.count,
            "numerators_over_denominators": self.numerator_over_denominator.count,
            "services_located": sum(s.located for s in self.services),
            "services_not_located": self.services_not_located.count,
            "services_outside_areas": sum(s.outside_areas.count for s in self.services),
        }

    def as_dict(self) -> dict[str, Any]:
        """The whole report as JSON-ready data (stored as ``place.quality``).

        The flat counts of :meth:`summary` come first, at the top level, so a page that
        shows ``place.quality`` as a list of numbers keeps working; the details follow
        under ``"report"``.

        Examples
        --------
        >>> data = BuildReport(place_id="x", areas=2).as_dict()
        >>> data["areas"], data["report"]["place_id"]
        (2, 'x')
        """
        return {**self.summary(), "report": asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildReport:
        """Rebuild a report from :meth:`as_dict` output (e.g. ``place.quality``).

        Examples
        --------
        >>> report = BuildReport(place_id="x", areas=2)
        >>> BuildReport.from_dict(report.as_dict()) == report
        True
        """
        raw = dict(data.get("report", data))

        def codes(value: dict | None) -> CodeList:
            return CodeList(**value) if value else CodeList()

        def problems(value: dict | None) -> ProblemList:
            if not value:
                return ProblemList()
            return ProblemList(value["count"], [Problem(**p) for p in value["problems"]])

        return cls(
            place_id=raw.get("place_id", ""),
            title=raw.get("title", ""),
            area_level=raw.get("area_level", ""),
            areas=raw.get("areas", 0),
            files=[FileRead(**f) for f in raw.get("files", [])],
            matches=[
                Match(
                    m["file"],
                    m["role"],
                    m["matched"],
                    m["areas"],
                    codes(m.get("areas_without_row")),
                    codes(m.get("codes_not_in_areas")),
                    codes(m.get("duplicates")),
                )
                for m in raw.get("matches", [])
            ],
            invalid_geometries_repaired=codes(raw.get("invalid_geometries_repaired")),
            empty_geometries_dropped=codes(raw.get("empty_geometries_dropped")),
            duplicate_area_codes=codes(raw.get("duplicate_area_codes")),
            areas_without_code=raw.get("areas_without_code", 0),
            not_numbers=problems(raw.get("not_numbers")),
            negative_counts=problems(raw.get("negative_counts")),
            numerator_over_denominator=problems(raw.get("numerator_over_denominator")),
            services=[
                ServiceCount(
                    s["file"],
                    s["service_type"],
                    s["rows"],
                    s["located"],
                    dict(s.get("by", {})),
                    codes(s.get("outside_areas")),
                )
                for s in raw.get("services", [])
            ],
            services_not_located=problems(raw.get("services_not_located")),
            notes=list(raw.get("notes", [])),
        )

    def as_text(self) -> str:
        """The report as plain text, for the command line and the Data & methods page.

        Examples
        --------
        >>> print(BuildReport(place_id="x", title="X", area_level="ward", areas=2).as_text())
        ... # doctest: +ELLIPSIS
        Place 'x' (X): 2 areas (ward)
        ...
        """
        lines = [
            f"Place {self.place_id!r} ({self.title}): {self.areas:,} areas ({self.area_level})"
        ]
        lines.append("")
        lines.append("Files read")
        for f in self.files:
            lines.append(f"  {f.file} [{f.role}, {f.format}]: {f.rows:,} rows")

        lines.append("")
        lines.append("Boundaries")
        lines.append(
            _count_line(
                "invalid geometries repaired (make_valid)", self.invalid_geometries_repaired
            )
        )
        lines.append(_count_line("empty geometries dropped", self.empty_geometries_dropped))
        lines.append(_count_line("duplicate area codes (shapes merged)", self.duplicate_area_codes))
        if self.areas_without_code:
            lines.append(f"  features without a code (dropped): {self.areas_without_code:,}")

        if self.matches:
            lines.append("")
            lines.append("Matching area codes")
        for m in self.matches:
            lines.append(f"  {m.file} [{m.role}]: {m.matched:,} of {m.areas:,} areas matched")
            if m.areas_without_row.count:
                lines.append(
                    f"    areas with no row ({m.areas_without_row.count:,}): "
                    f"{m.areas_without_row.shown()}"
                )
            if m.codes_not_in_areas.count:
                lines.append(
                    f"    codes in the file that are not areas, ignored "
                    f"({m.codes_not_in_areas.count:,}): {m.codes_not_in_areas.shown()}"
                )
            if m.duplicates.count:
                lines.append(
                    f"    duplicate codes, first row used ({m.duplicates.count:,}): "
                    f"{m.duplicates.shown()}"
                )

        lines.append("")
        lines.append("Indicator values")
        for label, problems in (
            ("values that are not numbers (treated as missing)", self.not_numbers),
            ("negative counts (treated as missing)", self.negative_counts),
            ("numerators larger than denominators", self.numerator_over_denominator),
        ):
            lines.extend(_problem_lines(label, problems))

        if self.services or self.services_not_located.count:
            lines.append("")
            lines.append("Services")
        for s in self.services:
            how = ", ".join(f"{n:,} by {method}" for method, n in s.by.items() if n)
            lines.append(
                f"  {s.file} [{s.service_type}]: {s.located:,} of {s.rows:,} located"
                + (f" ({how})" if how else "")
            )
            if s.outside_areas.count:
                lines.append(
                    f"    outside every area, kept without a grouping "
                    f"({s.outside_areas.count:,}): {s.outside_areas.shown()}"
                )
        if self.services or self.services_not_located.count:
            lines.extend(
                _problem_lines("services not located (left out)", self.services_not_located)
            )

        if self.notes:
            lines.append("")
            lines.append("Notes")
            lines.extend(f"  - {note}" for note in self.notes)
        lines.append("")
        lines.append(f"{self.warnings:,} warnings." if self.warnings else "No problems found.")
        return "\n".join(lines)


def _count_line(label: str, codes: CodeList) -> str:
    if not codes.count:
        return f"  {label}: 0"
    return f"  {label}: {codes.count:,} ({codes.shown()})"


def _problem_lines(label: str, problems: ProblemList) -> list[str]:
    lines = [f"  {label}: {problems.count:,}"]
    lines.extend(f"    {p}" for p in problems.problems[:SHOW])
    if problems.count > SHOW:
        lines.append(f"    ... and {problems.count - SHOW:,} more")
    return lines
