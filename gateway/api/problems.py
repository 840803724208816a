"""RFC 9457 problem documents: the only shape in which the gateway says no.

Every feature raises ``Refusal(code, ...)`` (``gateway/refusals.py``); the handlers registered
here turn it, FastAPI's validation errors, Starlette's HTTP errors and any unexpected exception
into ``application/problem+json`` with a title in the client's language and a stable ``code``.
Open311 routes alone answer in the spec's own error list (``gateway/api/open311.py``).
Nothing internal (stack trace, host name, registry text) is ever put into a document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.catalogue import DisplayLanguage
from gateway.api import problem_titles as problem_titles  # registers the gateway's own codes
from gateway.api.language import negotiate
from gateway.refusals import PROBLEM_CODES, Refusal, check_raise_sites
from gateway.store.errors import DatabaseError, is_database_unavailable

PROBLEM_JSON = "application/problem+json"

log = structlog.get_logger()


class FieldError(BaseModel):
    """One invalid field: where it is (a JSON pointer into the request) and why."""

    pointer: str = Field(description="JSON pointer to the field, e.g. /form/parcel_number")
    reason: str = Field(description="why the value was refused")


class ProblemDocument(BaseModel):
    """An RFC 9457 problem document with the gateway's extension members."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI that identifies the kind of problem")
    title: str = Field(description="short summary in the client's language")
    status: int = Field(description="the HTTP status code")
    detail: str | None = Field(None, description="explanation of this occurrence")
    code: str = Field(description="stable dotted code, e.g. registry.civil.unavailable")
    request_id: str | None = Field(None, description="the gateway's id of this HTTP request")
    errors: list[FieldError] | None = Field(None, description="the invalid fields, if any")


PROBLEM_RESPONSE: dict[str, Any] = {
    "model": ProblemDocument,
    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}},
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting problem documents for ``statuses``."""
    return {status: {**PROBLEM_RESPONSE, "description": "Problem"} for status in statuses}


def render(refusal: Refusal, request: Request, language: DisplayLanguage) -> JSONResponse:
    """The one RFC 9457 document of a refusal, whichever feature raised it."""
    body: dict[str, Any] = {
        "type": f"urn:ekomunat:problem:{refusal.code}",
        "title": PROBLEM_CODES.title(refusal.code, language),
        "status": refusal.status,
        "code": refusal.code,
        "request_id": getattr(request.state, "request_id", None),
    }
    detail = refusal.detail_in(language)
    if detail:
        body["detail"] = detail
    errors = refusal.errors_in(language)
    if errors:
        body["errors"] = [
            FieldError(pointer=pointer, reason=reason).model_dump() for pointer, reason in errors
        ]
    body.update(refusal.extra)
    headers = {"Content-Language": language, **refusal.headers}
    return JSONResponse(body, status_code=refusal.status, media_type=PROBLEM_JSON, headers=headers)


def request_language(request: Request) -> DisplayLanguage:
    """The language chosen for this request, by the handler if it knew better, else negotiated."""
    chosen: DisplayLanguage | None = getattr(request.state, "language", None)
    if chosen is not None:
        return chosen
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


def _pointer(location: Sequence[Any]) -> str:
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in location]
    return "/" + "/".join(parts)


async def _on_refusal(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refusal)
    return render(exc, request, request_language(request))


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    sources = {error["loc"][0] for error in errors if error.get("loc")}
    if any(error.get("type") == "json_invalid" for error in errors):
        code = "request.body.malformed"
    elif "body" in sources:
        code = "request.payload.invalid"
    elif sources <= {"header"} and sources:
        code = "request.header.invalid"
    else:
        code = "request.query.invalid"
    field_errors = [
        (_pointer(error["loc"][1:]) if error.get("loc") else "/", error["msg"]) for error in errors
    ]
    return render(Refusal(code, errors=field_errors), request, request_language(request))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {
        404: "resource.not_found",
        405: "method.not_allowed",
        415: "media_type.unsupported",
        401: "auth.unauthenticated",
        403: "auth.forbidden",
    }.get(exc.status_code)
    if code is None:
        code = "request.query.invalid" if 400 <= exc.status_code < 500 else "internal.error"
    refusal = Refusal(code, status=exc.status_code, headers=dict(exc.headers or {}))
    return render(refusal, request, request_language(request))


STORE_RETRY_AFTER_S = 5
"""What a client waits before retrying while the database is away: about what a PostgreSQL
failover takes (bench/results/drills/), and short enough for a portal to retry once."""


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that is away (a failover, a restart) is the gateway's 503, not a crash:
    nothing was accepted, the client may retry, and a load balancer keeps the instance."""
    if not is_database_unavailable(exc):
        return await _on_unexpected(request, exc)
    log.warning("http.request.store_unavailable", error_type=type(exc).__name__)
    refusal = Refusal("store.unavailable", retry_after_s=STORE_RETRY_AFTER_S)
    return render(refusal, request, request_language(request))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("http.request.crashed", error_type=type(exc).__name__)
    return render(Refusal("internal.error"), request, request_language(request))


def document_input_refusals(app: FastAPI) -> None:
    """List the 400 problem on every operation that takes parameters or a body.

    A malformed query, path, header or JSON body is refused with 400 (``_on_validation_error``)
    before any handler runs, so no route declares it itself; without this the published
    document would not say so, and a client generated from it would not expect it.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            for path_item in document.get("paths", {}).values():
                for operation in path_item.values():
                    if operation.get("parameters") or operation.get("requestBody"):
                        operation["responses"].setdefault("400", _INPUT_REFUSAL)
        return app.openapi_schema or build()

    # FastAPI's documented way to extend the schema it generates is to replace this method.
    app.openapi = openapi  # type: ignore[method-assign]


_INPUT_REFUSAL: dict[str, Any] = {
    "description": "a malformed parameter or body (request.query.invalid, "
    "request.header.invalid, request.body.malformed)",
    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}},
}


def install_problem_handlers(app: FastAPI) -> None:
    """Register the one renderer; first refuse to start if any raise site's code is unknown."""
    check_raise_sites()
    app.add_exception_handler(Refusal, _on_refusal)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(DatabaseError, _on_database_error)
    app.add_exception_handler(Exception, _on_unexpected)
