"""Build a place from uploaded files (the Data & methods page), exactly as from ``place.toml``.

The page passes the uploaded files as bytes with a configuration of the same structure as
``place.toml`` (a dict, or the text of an uploaded ``place.toml``) whose paths are the file
names. :func:`build_from_uploads` then, in this order, and before anything is saved:

1. checks the upload against :class:`~insight.data.policy.Limits`: number of files, the size
   of each and of all together, plain file names, paths that are names of uploaded files
   (so a configuration cannot reach any other file on the server);
2. checks the place: a plain title unlike any other place's, the cap on places, and that a
   place with the same id is replaced only when asked (by a signed-in officer when it is
   someone else's; :func:`~insight.data.policy.check_replace`);
3. builds it in a separate process (:mod:`insight.data.sources.worker`) limited in time and
   memory, from files checked from their headers before they are read
   (:mod:`insight.data.sources.budget`);
4. installs the result with one pointer swap (:func:`insight.data.store.install`), with who
   uploaded it, when, and the name, size and SHA-256 of every file (``Place.upload``).

Temporary files live in ``data/tmp/job-<host>-<pid>-...`` and are removed afterwards, or
by :func:`insight.data.store.clean_stale` if the server was killed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from insight import errors
from insight.data import bounded
from insight.data.catalogue import list_places
from insight.data.policy import THIS_COMPUTER, UPLOAD_LIMITS, Limits, check_new_place, check_replace
from insight.data.sources.build import build_place, file_record
from insight.data.sources.config import loads_toml, parse_config
from insight.data.sources.report import BuildReport
from insight.data.store import (
    build_lock,
    clean_stale,
    install,
    place_dir,
    read_meta,
    read_place,
    temporary_dir,
    work_dir,
    write_version,
)
from insight.errors import (
    ConfigError,
    DamagedPlaceError,
    DataError,
    LimitError,
    UploadTooLargeError,
)
from insight.model import Place

#: Largest file the upload form accepts, in bytes (50 MB).
MAX_UPLOAD_BYTES = UPLOAD_LIMITS.file_bytes
#: Largest uploaded place.toml text.
MAX_CONFIG_CHARS = 200_000

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
            f"{name[:200]} is {size / 1024 / 1024:.1f} MB, over the {limit / 1024 / 1024:.0f} MB "
            "upload limit. Use generalised (simplified) boundaries, e.g. ONS 'BGC' rather "
            "than 'BFC', keep only the areas of your place, or zip the file; or build the "
            "place on the command line with `python -m insight build place.toml`, which "
            "has no limit."
        )


def check_upload(files: Mapping[str, int], limits: Limits = UPLOAD_LIMITS) -> None:
    """Refuse an upload over the limits before reading any of it: names, count, sizes.

    Parameters
    ----------
    files : mapping of str to int
        File name to size in bytes (what the upload form knows before reading).
    limits : Limits

    Raises
    ------
    ConfigError
        A file name that is not a plain name.
    UploadTooLargeError
        Too many files, one too large, or all together too large.
    """
    if len(files) > limits.files:
        raise UploadTooLargeError(
            f"{len(files)} files were uploaded; one place takes at most {limits.files}. "
            "Upload only the files your place.toml names (zip a Shapefile's parts together)."
        )
    for name, size in files.items():
        _check_name(name)
        check_upload_size(name, size, limits.file_bytes)
    total = sum(files.values())
    if total > limits.total_bytes:
        raise UploadTooLargeError(
            f"The files uploaded come to {total / 1024 / 1024:.1f} MB, over the "
            f"{limits.total_bytes / 1024 / 1024:.0f} MB limit of one upload. Keep only the "
            "areas of your place, or build it on the command line."
        )


def build_from_uploads(
    config: Mapping[str, Any] | str,
    files: Mapping[str, bytes],
    progress: Callable[[float, str], None] | None = None,
    save: bool = True,
    replace: bool = False,
    *,
    who: str = THIS_COMPUTER,
    signed_in: bool = False,
    limits: Limits = UPLOAD_LIMITS,
    isolate: bool = True,
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
    who : str
        Who is uploading: a signed-in officer's email, or
        :data:`~insight.data.policy.THIS_COMPUTER`. Stored with the place.
    signed_in : bool
        ``who`` signed in (needed to replace a place someone else added).
    limits : Limits, default UPLOAD_LIMITS
    isolate : bool, default True
        Build in a separate process bounded by ``limits.seconds`` and
        ``limits.memory_bytes``. False builds in this process (tests).

    Returns
    -------
    place : Place
    report : BuildReport

    Raises
    ------
    UploadTooLargeError
        Too many files, or too large.
    insight.errors.ConfigError
        A file name is unsafe, the configuration names a file that was not uploaded, the
        place id is taken (and ``replace`` is False, or the place is someone else's and
        ``signed_in`` is False), the title is like another place's, or the configuration
        breaks the schema.
    insight.errors.LimitError
        A file expands past the limits, or the build takes too long or too much memory.
    insight.errors.DataError
        As :func:`insight.data.sources.build_from_toml`.

    Examples
    --------
    >>> config = {"place": {"id": "my-wards", "title": "My wards"},
    ...           "areas": {"path": "wards.geojson"},
    ...           "groupings": [{"id": "lad", "from": "postcodes"}]}
    >>> place, report = build_from_uploads(config, {"wards.geojson": data})  # doctest: +SKIP
    """
    check_upload({name: len(content) for name, content in files.items()}, limits)
    data = _as_dict(config)
    _check_paths(data, files)
    clean_stale()
    job = temporary_dir(work_dir(), "job-")
    held = contextlib.ExitStack()
    try:
        sources = job / "sources"
        sources.mkdir()
        for name, content in files.items():
            (sources / name).write_bytes(content)
        (sources / "place.toml").write_text(config_to_toml(data), encoding="utf-8")
        parsed = parse_config(data, sources, origin="the uploaded place.toml")
        if save:  # one build of an id at a time: a second is told, not "Built"
            held.enter_context(build_lock(parsed.id))
            _check_place(parsed.id, parsed.title, who, replace, signed_in, limits)
        upload = {
            "by": who,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "how": "upload",
            "files": [file_record(Path(name), content) for name, content in files.items()],
        }
        if isolate:
            report = _build_in_worker(job, upload, limits, progress)
        else:
            report = build_job(job, upload, limits, progress)
        if not save:
            return read_place(job / "built"), report
        _check_place(parsed.id, parsed.title, who, replace, signed_in, limits)  # again: races
        install(job / "built", place_dir(parsed.id))
        return read_place(place_dir(parsed.id)), report
    except errors.InsightError as error:
        # Readers' messages may hold the job's folder (its name holds the host and process
        # id): the officer reads the uploaded file's name instead.
        text = str(error)
        for folder, said in ((job / "sources", ""), (job, "the upload")):
            text = text.replace(f"{folder}/", said).replace(str(folder), said or "the upload")
        if text == str(error):
            raise
        try:
            rewritten = type(error)(text)
        except TypeError:
            rewritten = DataError(text)
        raise rewritten from None
    finally:
        held.close()
        shutil.rmtree(job, ignore_errors=True)


def _check_place(
    place_id: str, title: str, who: str, replace: bool, signed_in: bool, limits: Limits
) -> None:
    try:
        existing = read_meta(place_dir(place_id))
    except DamagedPlaceError:
        existing = {"title": f"{place_id} (damaged)"}
    check_replace(place_id, existing, who, replace, signed_in)
    check_new_place(place_id, title, list_places(), limits)


def build_job(
    job: Path,
    upload: dict,
    limits: Limits,
    progress: Callable[[float, str], None] | None = None,
) -> BuildReport:
    """Build the place of an upload job folder (``sources/place.toml``) into ``job/built``.

    This is what :mod:`insight.data.sources.worker` runs in its own process.
    """
    sources = job / "sources"
    text = (sources / "place.toml").read_text(encoding="utf-8")
    parsed = parse_config(
        loads_toml(text, "The uploaded place.toml"), sources, origin="the uploaded place.toml"
    )
    place, report = build_place(parsed, progress, save=False, limits=limits, upload=upload)
    built = job / "built"
    built.mkdir()
    write_version(place, built, sources=sources)
    return report


def _build_in_worker(
    job: Path, upload: dict, limits: Limits, progress: Callable[[float, str], None] | None
) -> BuildReport:
    """Run :func:`build_job` in ``python -m insight.data.sources.worker``, within limits."""
    (job / "job.json").write_text(
        json.dumps({"upload": upload, "limits": limits.as_dict()}), encoding="utf-8"
    )
    outcome = bounded.run(
        "insight.data.sources.worker", [str(job)], limits, progress,
        too_slow=(
            f"Building this place took longer than {limits.seconds or 0:.0f} seconds, the "
            "limit of an upload, so it was stopped and nothing was saved. Upload smaller "
            "files (fewer areas, simplified boundaries), or build it on the command line."
        ),
        too_big=lambda status: _memory_message(limits, exit_status=status),
    )  # fmt: skip
    if "result" in outcome:
        return BuildReport.from_dict(outcome["result"])
    raise _error(outcome["error"], limits)


def _memory_message(limits: Limits, exit_status: int | None = None) -> str:
    gigabytes = (limits.memory_bytes or 0) / 1024**3
    if exit_status is None:  # seen passing the limit, or a MemoryError in the worker
        what = (
            f"needed more than the {gigabytes:.1f} GB of memory an upload may use, so it was "
            "stopped"
        )
    else:  # it ended without a word: the kernel's refusal of memory is the likely cause
        what = (
            f"stopped without finishing (exit status {exit_status}): it probably needed more "
            f"than the {gigabytes:.1f} GB of memory an upload may use"
        )
    return (
        f"Building this place {what}, and nothing was saved. Upload smaller files (fewer areas "
        "or indicators, simplified boundaries), or build it on the command line."
    )


def _error(raised: Mapping[str, str], limits: Limits) -> errors.InsightError:
    """The error a worker reported, as the same class where it is one of ours."""
    kind = getattr(errors, str(raised.get("type")), None)
    message = str(raised.get("message", ""))
    if isinstance(kind, type) and issubclass(kind, errors.DataError):
        try:
            return kind(message)
        except TypeError:
            pass
    if raised.get("type") == "MemoryError":
        return LimitError(_memory_message(limits))
    return DataError(
        f"The build failed: {message[:300]} Check the files in QGIS or a spreadsheet and "
        "upload them again; if it goes on failing, build it with `python -m insight build` "
        "to see the details."
    )


def _shown(name: str) -> str:
    return repr(name[:80]) + ("..." if len(name) > 80 else "")


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _SAFE_NAME.match(name) or ".." in name:
        raise ConfigError(
            f"Uploaded file name {_shown(str(name))} cannot be used: use a plain file name of "
            "letters, digits, spaces, '.', '_', '-' and brackets (no folders), e.g. "
            "wards.geojson."
        )


def _as_dict(config: Mapping[str, Any] | str) -> dict[str, Any]:
    if isinstance(config, str):
        if len(config) > MAX_CONFIG_CHARS:
            raise ConfigError(
                f"The uploaded place.toml is {len(config):,} characters long; a place.toml "
                f"needs far fewer (at most {MAX_CONFIG_CHARS:,})."
            )
        return loads_toml(config, "The uploaded place.toml")
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
                f"{where} path {_shown(path)} is not one of the uploaded files ({uploaded}). "
                "Upload it, or change path to the name of an uploaded file (no folders)."
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
