"""Typed exceptions whose messages tell the user what went wrong and how to fix it.

Every message names the file (or input), the column or row, the bad value and the fix,
so that pages can show it with ``st.error`` as it stands and the command line can print it.
"""

from __future__ import annotations

from defusedxml import DefusedXmlException


class InsightError(Exception):
    """Base class for every error Place Insight raises on purpose."""


class DataError(InsightError, ValueError):
    """Input data that cannot be used as it stands (a file, a column or a value)."""


class PlaceNotFoundError(InsightError, LookupError):
    """A place id that is neither the demo nor a place that has been built."""


class PostcodeError(InsightError, ValueError):
    """Base class for a postcode that cannot be placed on the map.

    Attributes
    ----------
    postcode : str
        The text as the user typed it.
    """

    def __init__(self, message: str, postcode: str) -> None:
        super().__init__(message)
        self.postcode = postcode


class InvalidPostcodeError(PostcodeError):
    """Text that is not shaped like a UK postcode at all."""


class UnknownPostcodeError(PostcodeError):
    """A well-formed postcode that is not in the ONS postcode directory."""


class NoCoordinatesError(PostcodeError):
    """A postcode in the directory with no grid reference (terminated or non-geographic)."""


class OutsidePlaceError(PostcodeError):
    """A real postcode whose location falls outside every area of the place."""


class OutsideCoverageError(OutsidePlaceError):
    """A real postcode outside England and Wales (Scotland, Northern Ireland, the Channel
    Islands, the Isle of Man): never placed in an English or Welsh area by proximity."""


class ConfigError(DataError):
    """A place configuration (``place.toml`` or its dict equivalent) that cannot be used."""


class LimitError(DataError):
    """Input over one of the limits of a build: size, rows, columns, files, time or memory."""


class UploadTooLargeError(LimitError):
    """An uploaded file larger than the limit the app accepts."""


class AccessError(DataError):
    """Something this visitor may not do here (e.g. add a place on a public dashboard)."""


class DamagedPlaceError(DataError):
    """A place on disk that is incomplete or damaged (a file missing, cut short or changed)."""


def excel_is_unsafe(error: BaseException) -> bool:
    """Whether reading a workbook stopped on defusedxml's refusal (entities, DTDs).

    Parameters
    ----------
    error : BaseException
        What openpyxl (or pandas) raised; openpyxl wraps defusedxml's exception.

    Returns
    -------
    bool
        True when defusedxml's refusal is the error or any of its causes.

    Examples
    --------
    >>> from defusedxml import EntitiesForbidden
    >>> wrapped = ValueError("could not read worksheets")
    >>> wrapped.__context__ = EntitiesForbidden("lol", None, None, None, None, None)
    >>> excel_is_unsafe(wrapped), excel_is_unsafe(ValueError("bad zip"))
    (True, False)
    """
    seen: BaseException | None = error
    for _ in range(20):  # causes chain; never loop on a cycle
        if seen is None:
            return False
        if isinstance(seen, DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
