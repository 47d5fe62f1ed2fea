"""The read-only JSON API: validate, call the service, answer.

Every answer is computed by the same :mod:`insight.service` functions as the command line's
``--json`` output and the app's pages, so the numbers are the same. Public-safe by
construction: only GET; every id is checked against the place's own lists before anything
is worked out (the error names the values allowed); postcodes are checked by their
pattern; list answers are capped; errors are JSON with the fix, never a traceback or a
path; no CORS unless origins are configured (``PLACE_INSIGHT_API_CORS``).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from insight import service
from insight.analysis import benchmark
from insight.analysis import findings as engine
from insight.api import models
from insight.errors import (
    InsightError,
    InvalidPostcodeError,
    PlaceNotFoundError,
    PostcodeError,
)
from insight.model import Place

__all__ = ["API_PREFIX", "MAX_TOP", "ApiError", "create_app"]

#: Every address of this version of the API starts with this.
API_PREFIX = "/api/v1"
#: Most findings, or trend areas, one answer holds.
MAX_TOP = 500
#: Longest id, code or postcode read from a request (longer: refused, never looked up).
MAX_ID = 100
#: What a postcode looks like (any case and spacing); the rest is refused before lookup.
POSTCODE = re.compile(r"^\s*[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}\s*$")
#: Environment variable: comma-separated origins allowed to call the API from a browser.
CORS_ENV = "PLACE_INSIGHT_API_CORS"

log = logging.getLogger("insight.api")
T = TypeVar("T")


class ApiError(Exception):
    """A request refused, with its status, what was wrong, the fix and the values allowed."""

    def __init__(
        self, status: int, message: str, fix: str, allowed: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.fix, self.allowed = status, message, fix, allowed


def _shown(value: str) -> str:
    """A value from a request, shortened and made printable, to quote in an error."""
    text = "".join(c if c.isprintable() else "?" for c in value[:60])
    return repr(text + ("…" if len(value) > 60 else ""))


def _error(status: int, message: str, fix: str, allowed: list[str] | None = None):
    body = {"status": status, "message": message, "fix": fix, "allowed": allowed}
    return JSONResponse({"error": body}, status_code=status)


class _ApiPlaces(service.Places):
    """The service's places for a long-running API process: a place replaced on disk is
    opened again; comparisons and findings worked out are kept (a bounded number)."""

    def __init__(self) -> None:
        super().__init__(rebuild=False)
        self._kept: OrderedDict[tuple, Any] = OrderedDict()
        self._kept_lock = threading.Lock()

    def place(self, place_id: str) -> Place:
        with self._lock:
            opened = place_id in self._places
        if opened and self._version_on_disk(place_id) != self._versions.get(place_id):
            with self._lock:  # replaced by a build since: forget what came from it
                self._places.pop(place_id, None)
                self._indexes.pop(place_id, None)
            with self._kept_lock:
                for key in [k for k in self._kept if k[1] == place_id]:
                    del self._kept[key]
        return super().place(place_id)

    def _keep(self, key: tuple, work: Callable[[], T]) -> T:
        with self._kept_lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        value = work()
        with self._kept_lock:
            self._kept[key] = value
            while len(self._kept) > 256:
                self._kept.popitem(last=False)
        return value

    def comparison(
        self, place_id: str, indicator_id: str, grouping_id: str
    ) -> benchmark.GroupComparison:
        return self._keep(
            ("comparison", place_id, indicator_id, grouping_id),
            lambda: super(_ApiPlaces, self).comparison(place_id, indicator_id, grouping_id),
        )

    def computed(
        self, place_id: str, indicator_id: str, grouping_id: str, period: str | None
    ) -> engine.Findings:
        return self._keep(
            ("computed", place_id, indicator_id, grouping_id, period),
            lambda: super(_ApiPlaces, self).computed(place_id, indicator_id, grouping_id, period),
        )


# Parameters, described once (the OpenAPI schema shows these descriptions).
PlaceId = Annotated[str, Path(max_length=MAX_ID, description="A place id from /places.")]
IndicatorId = Annotated[
    str, Query(max_length=MAX_ID, description="An indicator id of the place (see the place).")
]
GroupingId = Annotated[
    str, Query(max_length=MAX_ID, description="A grouping id of the place (see the place).")
]


def create_app(places: service.Places | None = None) -> FastAPI:
    """The API as an ASGI application (``uvicorn --factory insight.api:create_app``).

    Parameters
    ----------
    places : Places, optional
        Where the places come from (default: opened from the data folder, never built,
        re-opened when replaced on disk).

    Returns
    -------
    FastAPI

    Examples
    --------
    >>> from fastapi.testclient import TestClient  # doctest: +SKIP
    >>> TestClient(create_app()).get("/api/v1/places").json()[0]["id"]  # doctest: +SKIP
    'demo'
    """
    source = places or _ApiPlaces()
    app = FastAPI(
        title="Place Insight API",
        version="1",
        summary="How outcomes and services vary between small areas, and where the "
        "postcode lotteries are: the numbers of the Place Insight pages, read-only.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # the interactive pages load scripts from the internet
        redoc_url=None,
    )
    origins = [o.strip() for o in os.environ.get(CORS_ENV, "").split(",") if o.strip()]
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET"])
    _handlers(app)
    errors: dict[int | str, dict[str, Any]] = {
        404: {"model": models.ErrorAnswer, "description": "No such place or group."},
        422: {"model": models.ErrorAnswer, "description": "A parameter is not allowed."},
    }

    def place_of(place_id: str) -> Place:
        known = service.list_places()
        if place_id not in known:
            raise ApiError(
                404, f"There is no place {_shown(place_id)}.",
                f"Use one of the place ids listed at {API_PREFIX}/places.", sorted(known),
            )  # fmt: skip
        try:
            return source.place(place_id)
        except PlaceNotFoundError:
            raise ApiError(
                503, f"Place {place_id!r} has not been built on this server yet.",
                "Try again later; the administrator builds it with `python -m insight build`.",
            ) from None  # fmt: skip

    def check(value: str, allowed: list[str], what: str, parameter: str) -> None:
        if value not in allowed:
            raise ApiError(
                422, f"{_shown(value)} is not {what} of this place.",
                f"Give {parameter} one of the values allowed.", allowed,
            )  # fmt: skip

    def check_pair(place: Place, indicator: str, grouping: str) -> None:
        check(indicator, list(place.indicators), "an indicator", "indicator")
        check(grouping, list(place.groupings), "a grouping", "grouping")

    @app.get(f"{API_PREFIX}/places", response_model=list[models.PlaceSummary], tags=["places"])
    def places_list() -> list[dict[str, str]]:
        """Every place this server holds (the demo first)."""
        return [{"id": k, "title": v} for k, v in service.list_places().items()]

    @app.get(
        f"{API_PREFIX}/places/{{place_id}}", response_model=models.PlaceDetail,
        responses=errors, tags=["places"],
    )  # fmt: skip
    def place_detail(place_id: PlaceId) -> dict[str, Any]:
        """A place: its indicators and groupings (the ids every other address takes)."""
        place_of(place_id)
        return service.json_safe(service.place_record(place_id, places=source))

    @app.get(
        f"{API_PREFIX}/places/{{place_id}}/indicators",
        response_model=list[models.IndicatorInfo], responses=errors, tags=["places"],
    )  # fmt: skip
    def indicators(place_id: PlaceId) -> list[dict[str, Any]]:
        """The indicators of a place."""
        return place_detail(place_id)["indicators"]

    @app.get(
        f"{API_PREFIX}/places/{{place_id}}/groupings",
        response_model=list[models.GroupingInfo], responses=errors, tags=["places"],
    )  # fmt: skip
    def groupings(place_id: PlaceId) -> list[dict[str, Any]]:
        """The groupings of a place (local authorities, commissioners...)."""
        return place_detail(place_id)["groupings"]

    @app.get(
        f"{API_PREFIX}/places/{{place_id}}/groupings/{{grouping_id}}",
        response_model=models.GroupingDetail, responses=errors, tags=["places"],
    )  # fmt: skip
    def grouping(
        place_id: PlaceId,
        grouping_id: Annotated[str, Path(max_length=MAX_ID, description="A grouping id.")],
    ) -> dict[str, Any]:
        """One grouping with every group in it (their codes are what `group` takes)."""
        place = place_of(place_id)
        if grouping_id not in place.groupings:
            raise ApiError(
                404, f"Place {place_id!r} has no grouping {_shown(grouping_id)}.",
                "Use one of the grouping ids allowed.", list(place.groupings),
            )  # fmt: skip
        return service.json_safe(service.grouping_record(place_id, grouping_id, places=source))

    @app.get(
        f"{API_PREFIX}/places/{{place_id}}/compare", response_model=models.Comparison,
        response_model_exclude_none=False, responses=errors, tags=["figures"],
    )  # fmt: skip
    def compare(
        place_id: PlaceId,
        indicator: IndicatorId,
        grouping: GroupingId,
        group: Annotated[
            str | None,
            Query(
                max_length=MAX_ID,
                description="Only this group (its code) and the groups that touch it, as the "
                "Compare page shows by default.",
            ),
        ] = None,
    ) -> dict[str, Any]:
        """Every group's value, interval and funnel status against the benchmark (the
        Compare page's table; ``python -m insight compare --json``)."""
        place = place_of(place_id)
        check_pair(place, indicator, grouping)
        if group is not None:
            codes = place.areas[place.grouping(grouping).code_column].astype(str)
            if group not in set(codes):
                raise ApiError(
                    404, f"There is no {place.grouping(grouping).title.lower()} "
                    f"{_shown(group)} in place {place_id!r}.",
                    f"Use a group code listed at {API_PREFIX}/places/{place_id}/groupings/"
                    f"{grouping}.",
                )  # fmt: skip
        record = service.compare_record(place_id, indicator, grouping, group, places=source)
        return service.json_safe(record)

    @app.get(
        f"{API_PREFIX}/places/{{place_id}}/findings", response_model=models.FindingsAnswer,
        responses=errors, tags=["findings"],
    )  # fmt: skip
    def findings(
        place_id: PlaceId,
        indicator: Annotated[
            str | None,
            Query(max_length=MAX_ID, description="An indicator id (with grouping): one pair."),
        ] = None,
        grouping: Annotated[
            str | None,
            Query(max_length=MAX_ID, description="A grouping id (with indicator): one pair."),
        ] = None,
        period: Annotated[
            str | None,
            Query(
                max_length=MAX_ID,
                description="One of the indicator's earlier periods (one pair only; default "
                "the latest).",
            ),
        ] = None,
        top: Annotated[
            int, Query(ge=1, le=MAX_TOP, description=f"Most findings (1 to {MAX_TOP}).")
        ] = 100,
    ) -> dict[str, Any]:
        """The ranked postcode-lottery findings of one indicator × grouping (from the
        findings store, else worked out), or, with neither, the strongest across every pair
        the place's findings store holds (tested differences first; error control across the
        store: the rows of ``findings --all``)."""
        place = place_of(place_id)
        if (indicator is None) != (grouping is None):
            raise ApiError(
                422, "Give both indicator and grouping (one pair's findings) or neither "
                "(the strongest across every pair).", "Add the missing parameter, or remove the one given.",
            )  # fmt: skip
        if indicator is None or grouping is None:
            if period is not None:
                raise ApiError(
                    422, "A period is for one pair's findings.",
                    "Give indicator and grouping too, or leave period out.",
                )  # fmt: skip
            best = service.strongest_findings(place_id, places=source)
            rows, total = best.table.head(top).to_dict(orient="records"), len(best)
        else:
            check_pair(place, indicator, grouping)
            if period is not None:
                earlier = [p for p in place.indicator(indicator).periods if p]
                check(period, earlier, "a period of that indicator", "period")
            pair = service.pair_findings(place_id, indicator, grouping, period, places=source)
            rows = [service.finding_record(f) for f in pair.items[:top]]
            total = len(pair)
        return {
            "place": place_id, "indicator": indicator, "grouping": grouping, "period": period,
            "total": total, "findings": [service.json_safe(row) for row in rows],
        }  # fmt: skip

    @app.get(
        f"{API_PREFIX}/places/{{place_id}}/trend", response_model=models.Trend,
        responses=errors, tags=["figures"],
    )  # fmt: skip
    def trend(
        place_id: PlaceId,
        indicator: IndicatorId,
        area: Annotated[
            str | None, Query(max_length=MAX_ID, description="Only this area (its code).")
        ] = None,
        offset: Annotated[int, Query(ge=0, description="Areas to skip (paging).")] = 0,
        limit: Annotated[
            int, Query(ge=1, le=MAX_TOP, description=f"Most areas (1 to {MAX_TOP}).")
        ] = 100,
    ) -> dict[str, Any]:
        """Each area's series and Fingertips' recent trend (``python -m insight trend
        --json``), a page of areas at a time, or one area."""
        place = place_of(place_id)
        check(indicator, list(place.indicators), "an indicator", "indicator")
        if area is not None:
            if area not in set(place.areas["code"].astype(str)):
                raise ApiError(
                    404, f"Place {place_id!r} has no area {_shown(area)}.",
                    f"Use an area code: {API_PREFIX}/places/{place_id}/lookup/{{postcode}} "
                    "gives the area of a postcode.",
                )  # fmt: skip
            record = service.trend_record(place_id, indicator, area, places=source)
            return service.json_safe({**record, "total_areas": 1})
        codes = place.areas["code"].astype(str).iloc[offset : offset + limit].tolist()
        record = service.trend_record(place_id, indicator, areas=codes, places=source)
        return service.json_safe({**record, "total_areas": len(place.areas)})

    @app.get(
        f"{API_PREFIX}/places/{{place_id}}/lookup/{{postcode}}", response_model=models.Lookup,
        responses=errors, tags=["lookup"],
    )  # fmt: skip
    def lookup(
        place_id: PlaceId,
        postcode: Annotated[
            str, Path(max_length=16, description="A UK postcode, e.g. NN1 1AA (any case).")
        ],
    ) -> dict[str, Any]:
        """The area of a postcode, the groups it is in and every indicator's value there
        (``python -m insight lookup --json``)."""
        place_of(place_id)
        if not POSTCODE.match(postcode):
            raise ApiError(
                422, f"{_shown(postcode)} is not a UK postcode.",
                "A postcode looks like NN1 1AA or SW1A 2AA: check the letters and numbers.",
            )  # fmt: skip
        try:
            return service.json_safe(service.lookup_record(place_id, postcode, places=source))
        except InvalidPostcodeError as error:
            raise ApiError(422, str(error), "Check the letters and numbers.") from None
        except PostcodeError as error:
            raise ApiError(404, str(error), "Try another postcode in the place's area.") from None

    return app


def _handlers(app: FastAPI) -> None:
    """Every error as JSON with the fix; never a traceback, a path or the raw input."""

    @app.exception_handler(ApiError)
    async def refused(request: Request, error: ApiError) -> JSONResponse:
        return _error(error.status, error.message, error.fix, error.allowed)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            where = ".".join(str(p) for p in item.get("loc", ())[1:]) or "the request"
            problems.append(f"{where}: {item.get('msg', 'not allowed')}")
        return _error(
            422, "The request's parameters are not allowed: " + "; ".join(problems) + ".",
            f"See {API_PREFIX}/openapi.json for each parameter's values.",
        )  # fmt: skip

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 405:
            return _error(405, "This API is read-only.", "Use GET.")
        if error.status_code == 404:
            return _error(
                404, "There is nothing at this address.",
                f"Addresses start with {API_PREFIX}/places; see {API_PREFIX}/openapi.json.",
            )  # fmt: skip
        return _error(error.status_code, "The request was refused.", "Check the address.")

    @app.exception_handler(InsightError)
    async def engine_refused(request: Request, error: InsightError) -> JSONResponse:
        # Ids are checked before the engine is asked; what it still refuses is said
        # without its message (which may name files on the server).
        log.warning("refused %s: %s", request.url.path, error)
        return _error(
            422, "The figures asked for cannot be worked out for these parameters.",
            f"Check the parameters against {API_PREFIX}/places/{{place_id}}.",
        )  # fmt: skip

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> JSONResponse:
        log.exception("failed %s", request.url.path)
        return _error(500, "Something went wrong on the server.", "Try again later.")
