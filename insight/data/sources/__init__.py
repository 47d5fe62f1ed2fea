"""Readers for the files officers bring: boundaries, lookups, indicators and services.

A place is described by one ``place.toml`` (see :mod:`insight.data.sources.config` for the
schema) and built with :func:`build_from_toml`, or from uploaded files with
:func:`build_from_uploads`. Both validate every file, return a :class:`BuildReport`, and
save the place atomically under ``data/places/<id>/``.

Modules, one concept each:

``config``      the TOML schema, checked
``tables``      CSV / XLSX reading, column finding, number parsing
``boundaries``  GeoJSON, GeoPackage, zipped Shapefile, GeoParquet to areas in EPSG:27700
``groupings``   lookup tables, majority of ONS postcodes, columns of the boundary file
``indicators``  Fingertips exports, wide and long tables
``services``    service lists located by coordinates or postcode
``report``      the validation report
``build``       putting a place together
``uploads``     the same from uploaded bytes, with a size limit

Examples
--------
>>> from insight.sources import build_from_toml
>>> place, report = build_from_toml("tests/insight/sources/data/place.toml")  # doctest: +SKIP
>>> print(report.as_text())  # doctest: +SKIP
"""

from insight.data.sources.build import build_from_toml, build_place
from insight.data.sources.config import PlaceConfig, parse_config, read_config
from insight.data.sources.report import BuildReport
from insight.data.sources.uploads import (
    MAX_UPLOAD_BYTES,
    build_from_uploads,
    check_upload_size,
    config_to_toml,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "BuildReport",
    "PlaceConfig",
    "build_from_toml",
    "build_from_uploads",
    "build_place",
    "check_upload_size",
    "config_to_toml",
    "parse_config",
    "read_config",
]
