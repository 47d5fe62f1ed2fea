"""Build a place from uploaded files (the Data & methods page), exactly as from ``place.toml``.

The page passes the uploaded files as bytes with a configuration of the same structure as
``place.toml`` (a dict, or the text of an uploaded ``place.toml``) whose paths are the file
names. :func:`build_from_uploads` checks sizes and names, writes the files to a temporary
folder, runs the same build and validation as the command line, and saves the place with
its files (and the configuration, as ``place.toml``) under ``sources/`` so that it
survives a restart and can be rebuilt with ``python -m insight build``.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from insight.data.sources.build import build_place
from insight.data.sources.config import parse_config
from insight.data.sources.report import BuildReport
from insight.data.store import place_dir, read_meta
from insight.errors import ConfigError, UploadTooLargeError
from insight.model import Place

#: Largest file the upload form accepts, in bytes (50 MB).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

#: A starting point for the upload form: a ward place with one lookup and one indicator file.
EXAMPLE_CONFIG = """[place]
id = "my-wards"
title = "My council's wards"

[areas]
path = "wards.geojson"        # code and name columns are found from ONS names (WD23CD, WD23NM)

[[groupings]]
id = "lad"
title = "Local authority"
from = "postcodes"            # or: path = "ward_to_lad.csv"

[[indicators]]
path = "fingertips_export.csv"
format = "fingertips"
"""
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,200}$")


def check_upload_size(name: str, size: int, limit: int = MAX_UPLOAD_BYTES) -> None:
    """Refuse a file larger than ``limit`` bytes, with a message saying what to do.

    Parameters
    ----------
    name : str
        File name, for the message.
    size : int
        Its size in bytes.
    limit : int, default MAX_UPLOAD_BYTES
        The limit.

    Raises
    ------
    UploadTooLargeError
        ``size`` is over ``limit``.

    Examples
    --------
    >>> check_upload_size("wards.geojson", 1_000)
    >>> check_upload_size("wards.geojson", 60 * 1024 * 1024)
    Traceback (most recent call last):
    ...
    insight.errors.UploadTooLargeError: wards.geojson is 60.0 MB, over the 50 MB upload limit. ...
    """
    if size > limit:
        raise UploadTooLargeError(
            f"{name} is {size / 1024 / 1024:.1f} MB, over the {limit / 1024 / 1024:.0f} MB "
            "upload limit. Use generalised (simplified) boundaries, e.g. ONS 'BGC' rather "
            "than 'BFC', keep only the areas of your place, or zip the file; or build the "
            "place on the command line with `python -m insight build place.toml`, which "
            "has no limit."
        )


def build_from_uploads(
    config: Mapping[str, Any] | str,
    files: Mapping[str, bytes],
    progress: Callable[[float, str], None] | None = None,
    save: bool = True,
    replace: bool = False,
) -> tuple[Place, BuildReport]:
    """Build a place from uploaded files and a configuration; save it with its files.

    Parameters
    ----------
    config : mapping or str
        The structure of ``place.toml`` as a dict, or the text of a ``place.toml``.
        Every ``path`` must be the name of one of ``files``.
    files : mapping of str to bytes
        Uploaded file name to content, e.g. ``{f.name: f.getvalue() for f in uploads}``.
        Extra files (such as the ``.shx``/``.dbf``/``.prj`` of a Shapefile) are kept too.
    progress : callable, optional
        ``progress(fraction, message)``.
    save : bool, default True
        Save the place to ``data/places/<id>/`` with the files under ``sources/``.
        False only validates (the report is still returned).
    replace : bool, default False
        Replace a place that already has this id. Without it, an existing id is refused
        so an upload never overwrites a place by accident.

    Returns
    -------
    place : Place
    report : BuildReport

    Raises
    ------
    UploadTooLargeError
        A file is over :data:`MAX_UPLOAD_BYTES`.
    insight.errors.ConfigError
        A file name is unsafe, the configuration names a file that was not uploaded, the
        place id is taken (and ``replace`` is False), or the configuration breaks the schema.
    insight.errors.DataError
        As :func:`insight.data.sources.build_from_toml`.

    Examples
    --------
    >>> config = {"place": {"id": "my-wards", "title": "My wards"},
    ...           "areas": {"path": "wards.geojson"},
    ...           "groupings": [{"id": "lad", "from": "postcodes"}]}
    >>> place, report = build_from_uploads(config, {"wards.geojson": data})  # doctest: +SKIP
    """
    for name, content in files.items():
        _check_name(name)
        check_upload_size(name, len(content))
    data = _as_dict(config)
    _check_paths(data, files)
    folder = Path(tempfile.mkdtemp(prefix="place-upload-"))
    try:
        for name, content in files.items():
            (folder / name).write_bytes(content)
        (folder / "place.toml").write_text(config_to_toml(data), encoding="utf-8")
        parsed = parse_config(data, folder, origin="the uploaded configuration")
        existing = read_meta(place_dir(parsed.id))
        if save and existing is not None and not replace:
            raise ConfigError(
                f"A place with id {parsed.id!r} already exists ({existing.get('title', '')!r}). "
                "Choose another id in [place], or choose to replace it."
            )
        return build_place(parsed, progress, save=save, sources=folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check_name(name: str) -> None:
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ConfigError(
            f"Uploaded file name {name!r} cannot be used: use a plain file name of letters, "
            "digits, spaces, '.', '_', '-' and brackets (no folders), e.g. wards.geojson."
        )


def _as_dict(config: Mapping[str, Any] | str) -> dict[str, Any]:
    if isinstance(config, str):
        try:
            return tomllib.loads(config)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(
                f"The uploaded place.toml is not valid TOML: {error}. Check quotes around "
                "text values."
            ) from None
    return dict(config)


def _check_paths(data: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
    named = []
    areas = data.get("areas")
    if isinstance(areas, Mapping) and "path" in areas:
        named.append(("[areas]", areas["path"]))
    for section in ("groupings", "indicators", "services"):
        entries = data.get(section)
        if isinstance(entries, list):
            named += [
                (f"[[{section}]]", e["path"])
                for e in entries
                if isinstance(e, Mapping) and "path" in e
            ]
    for where, path in named:
        if not isinstance(path, str):
            continue  # parse_config reports the type
        if path not in files:
            uploaded = ", ".join(sorted(files)) or "none"
            raise ConfigError(
                f"{where} path {path!r} is not one of the uploaded files ({uploaded}). Upload "
                "it, or change path to the name of an uploaded file (no folders)."
            )


def config_to_toml(data: Mapping[str, Any]) -> str:
    """Write a configuration dict as ``place.toml`` text (the inverse of ``tomllib.loads``).

    Examples
    --------
    >>> text = config_to_toml({"place": {"id": "x"}, "groupings": [{"id": "lad"}]})
    >>> tomllib.loads(text)
    {'place': {'id': 'x'}, 'groupings': [{'id': 'lad'}]}
    """
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            lines.append(f"[{_key(key)}]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in value.items()]
            lines.append("")
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for entry in value:
                lines.append(f"[[{_key(key)}]]")
                lines += [f"{_key(k)} = {_value(v)}" for k, v in entry.items()]
                lines.append("")
        else:
            lines.insert(0, f"{_key(key)} = {_value(value)}")
    return "\n".join(lines)


def _key(key: str) -> str:
    return key if re.match(r"^[A-Za-z0-9_-]+$", key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise ConfigError(f"Configuration value {value!r} cannot be written to TOML.")
