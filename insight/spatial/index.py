"""Spatial lookups over one set of areas, each built once on first use.

An :class:`AreaIndex` belongs to whoever made it (the app keeps one per place in
``ui/loaders.py``; a command makes one per run): nothing is attached to the shared
:class:`~insight.model.Place`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from insight.errors import DataError
from insight.model import OUTLINE_COLUMNS, Place
from insight.spatial.contiguity import Contiguity, contiguity


class AreaIndex:
    """The spatial index, contiguity graph and group outlines of a set of areas.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        The areas (a place's ``areas``), in a projected CRS.
    outlines : geopandas.GeoDataFrame, optional
        Group shapes already dissolved (a place's ``outlines``, made by
        :meth:`outline_table`): :meth:`group_shapes` serves those groupings at once.

    Attributes
    ----------
    tree : shapely.STRtree
        R-tree of the area geometries, by row position.
    contiguity : Contiguity
        Queen contiguity of the areas (islands joined to their nearest area): the one
        definition of "touching" used everywhere.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> areas = gpd.GeoDataFrame(
    ...     {"code": ["a", "b", "c"], "g_code": ["X", "X", "Y"], "g_name": ["x", "x", "y"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)], crs=27700)
    >>> index = AreaIndex(areas)
    >>> index.touching_groups("g_code", "X")
    ['Y']
    """

    def __init__(self, areas: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame | None = None) -> None:
        self.areas = areas
        self._shapes: dict[tuple[str, str], gpd.GeoDataFrame] = {}
        if outlines is not None:
            for key, shapes in outlines.groupby(["code_column", "name_column"], sort=False):
                table = shapes[["code", "name", "geometry"]].sort_values("code")
                self._shapes[key] = gpd.GeoDataFrame(
                    table.reset_index(drop=True), geometry="geometry", crs=areas.crs
                )
        self._rows: dict[str, dict[str, np.ndarray]] = {}
        self._trees: dict[tuple[str, str], shapely.STRtree] = {}
        self._codes: dict[str, np.ndarray] = {}
        self._groups: dict[tuple[tuple[str, str], str], object] = {}

    @classmethod
    def for_place(cls, place: Place) -> AreaIndex:
        """The index of a place's areas, with the group outlines it keeps.

        Examples
        --------
        >>> index = AreaIndex.for_place(place)  # doctest: +SKIP
        """
        return cls(place.areas, place.outlines)

    @cached_property
    def tree(self) -> shapely.STRtree:
        """R-tree of the area geometries."""
        return shapely.STRtree(self.areas.geometry.to_numpy())

    @cached_property
    def contiguity(self) -> Contiguity:
        """Queen contiguity graph of the areas."""
        return contiguity(self.areas)

    def neighbours(self, row: int) -> np.ndarray:
        """Rows of the areas touching area ``row`` in the contiguity graph."""
        return self.contiguity.neighbours(row)

    def touching_groups(self, code_column: str, code: str) -> list[str]:
        """Codes of the groups with an area touching an area of group ``code``.

        Two groups touch when one of their areas is a neighbour of one of the other's in
        :attr:`contiguity` (so an island group, like the Isles of Scilly, touches the group
        its nearest area is in). Sorted, ``code`` itself excluded.

        Raises
        ------
        DataError
            If no area is in group ``code``.
        """
        groups = self.areas[code_column].to_numpy(dtype=object)
        rows = np.flatnonzero(groups == code)
        if rows.size == 0:
            raise DataError(f"No area is in the group with code {code!r} ({code_column}).")
        near = np.unique(self.contiguity.sparse[rows].indices)
        found = {str(g) for g in groups[near] if isinstance(g, str) and g != code}
        return sorted(found)

    def codes(self, code_column: str) -> np.ndarray:
        """The column ``code_column`` of the areas as an object array (kept for reuse)."""
        if code_column not in self._codes:
            self._codes[code_column] = self.areas[code_column].to_numpy(dtype=object)
        return self._codes[code_column]

    def rows_by_group(self, code_column: str) -> dict[str, np.ndarray]:
        """Row positions of the areas of each group of ``code_column``."""
        if code_column not in self._rows:
            codes = self.areas[code_column]
            valid = codes.notna().to_numpy()
            positions = pd.Series(np.flatnonzero(valid)).groupby(codes[valid].to_numpy())
            self._rows[code_column] = {str(k): v.to_numpy() for k, v in positions}
        return self._rows[code_column]

    def group_tree(self, code_column: str, code: str) -> shapely.STRtree:
        """R-tree of the areas of one group (positions within :meth:`rows_by_group`)."""
        key = (code_column, code)
        if key not in self._trees:
            rows = self.rows_by_group(code_column)[code]
            self._trees[key] = shapely.STRtree(self.areas.geometry.to_numpy()[rows])
        return self._trees[key]

    def group_shapes(
        self, code_column: str, name_column: str, codes: Iterable[str] | None = None
    ) -> gpd.GeoDataFrame:
        """One (multi)polygon per group, with ``code`` and ``name``, in the areas' CRS, by code.

        With ``codes``, only those groups: each is dissolved on its own (and kept), so a map
        of two groups does not wait for every group of a national grouping (seconds).
        """
        key = (code_column, name_column)
        if key not in self._shapes and codes is None:
            areas = self.areas[[code_column, name_column, "geometry"]].dropna()
            parts = [
                (code, group[name_column].iloc[0], self._dissolved(key, code, group))
                for code, group in areas.groupby(code_column, sort=True)
            ]
            self._shapes[key] = gpd.GeoDataFrame(
                pd.DataFrame(parts, columns=["code", "name", "geometry"]), crs=self.areas.crs
            )
        if key in self._shapes:
            shapes = self._shapes[key]
            if codes is None:
                return shapes
            return shapes[shapes["code"].isin(set(codes))].reset_index(drop=True)
        areas = self.areas[[code_column, name_column, "geometry"]].dropna()
        wanted = sorted(set(codes) & set(areas[code_column]))
        chosen = areas[areas[code_column].isin(wanted)]
        parts = [
            (code, group[name_column].iloc[0], self._dissolved(key, code, group))
            for code, group in chosen.groupby(code_column, sort=True)
        ]
        return gpd.GeoDataFrame(
            pd.DataFrame(parts, columns=["code", "name", "geometry"]), crs=self.areas.crs
        )

    def outline_table(self, columns: Iterable[tuple[str, str]]) -> gpd.GeoDataFrame:
        """Every group of each ``(code_column, name_column)`` dissolved, as one table.

        What a place keeps as :attr:`~insight.model.Place.outlines` (columns
        :data:`~insight.model.OUTLINE_COLUMNS`), so that maps never wait for a dissolve.

        Parameters
        ----------
        columns : iterable of (str, str)
            The code and name columns of each grouping.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per group, in the areas' CRS.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> areas = gpd.GeoDataFrame(
        ...     {"code": ["a", "b"], "g_code": ["X", "X"], "g_name": ["x", "x"]},
        ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=27700)
        >>> AreaIndex(areas).outline_table([("g_code", "g_name")])["geometry"].iloc[0].area
        2.0
        """
        tables = []
        for code_column, name_column in columns:
            shapes = self.group_shapes(code_column, name_column)
            tables.append(
                shapes.assign(code_column=code_column, name_column=name_column)[
                    list(OUTLINE_COLUMNS)
                ]
            )
        if not tables:
            return gpd.GeoDataFrame(
                pd.DataFrame(columns=list(OUTLINE_COLUMNS)), geometry="geometry", crs=self.areas.crs
            )
        return gpd.GeoDataFrame(
            pd.concat(tables, ignore_index=True), geometry="geometry", crs=self.areas.crs
        )

    def _dissolved(self, key: tuple[str, str], code: str, group: gpd.GeoDataFrame):
        """The union of one group's areas, worked out once."""
        found = self._groups.get((key, code))
        if found is None:
            found = dissolve(group.geometry)
            self._groups[(key, code)] = found
        return found


def dissolve(geometry: gpd.GeoSeries):
    """Union of a group's areas: fast coverage union, or snapped union where areas overlap."""
    try:
        return shapely.coverage_union_all(geometry.to_numpy())
    except shapely.errors.GEOSException:
        # Generalised boundaries sometimes overlap by a few centimetres; snap to 1 m.
        return shapely.union_all(geometry.to_numpy(), grid_size=1.0)
