"""Every error leaves the service as ``{"error": {"code": "...", "message": "..."}}``.

Domain errors (index.errors) map to 4xx/5xx codes with their own helpful messages; request
validation errors name the field; anything unexpected is logged here and answered with a
generic 500, so no stack trace leaves the server.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.holder import ServiceClosed
from index.errors import (
    BackendError,
    CiteqaError,
    DocumentError,
    IndexLocked,
    IndexMismatch,
    IndexNotFound,
    InvalidInput,
    ModelError,
    QuestionTooLong,
    StorageFull,
    TooManyPassages,
)

logger = logging.getLogger("citeqa.api")

# Domain error -> (HTTP status, stable code); the first matching class wins.
DOMAIN_ERRORS: tuple[tuple[type[CiteqaError], int, str], ...] = (
    (QuestionTooLong, 422, "question_too_long"),
    (TooManyPassages, 422, "k_too_large"),
    (InvalidInput, 422, "invalid_input"),
    (DocumentError, 422, "document_error"),
    (IndexLocked, 409, "index_locked"),
    (StorageFull, 507, "storage_full"),
    (IndexNotFound, 503, "index_not_found"),
    (IndexMismatch, 503, "index_mismatch"),
    (ModelError, 503, "model_error"),
    (BackendError, 503, "backend_unavailable"),
    (ServiceClosed, 503, "not_ready"),
)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    507: "storage_full",
    422: "validation_error",
    503: "unavailable",
}


class ApiError(StarletteHTTPException):
    """A request the service refuses, with a stable ``code`` clients can branch on."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.message = message


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def domain_status(exc: CiteqaError) -> tuple[int, str]:
    for cls, status, code in DOMAIN_ERRORS:
        if isinstance(exc, cls):
            return status, code
    return 500, "internal_error"


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_message(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        where = _location(tuple(error.get("loc", ())))
        what = error.get("msg", "is not valid")
        if error.get("type") == "string_pattern_mismatch" and where == "question":
            what = "the question is empty; ask something, e.g. 煤炭依赖是怎么降下来的"
        problems.append(f"{where}: {what}")
    more = len(exc.errors()) - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, exc.message, exc.headers)
    code = _STATUS_CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 400 and message == "There was an error parsing the body":
        code, message = "malformed_body", "the request body could not be read; send UTF-8 JSON"
    elif exc.status_code == 400 and message.startswith("Invalid multipart"):
        code, message = (
            "malformed_body",
            (
                "the upload is not valid multipart form data: a part is malformed, or its headers "
                "(its file name, say) are over 8 KB; send each file as a 'files' form field"
            ),
        )
    elif exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {request.method} {request.url.path}; " + (
            "see /docs"
            if request.app.docs_url
            else "the API is described at /openapi.json, which needs an API key on this "
            "server (and /docs and /redoc are off: they cannot send one)"
        )
    elif exc.status_code == 405:
        allowed = allowed_methods(request)
        message = (
            f"{request.url.path} does not accept {request.method}; it takes {', '.join(allowed)}"
        )
        return error_response(405, code, message, {"Allow": ", ".join(allowed)})
    return error_response(exc.status_code, code, message, exc.headers)


def method_table(routers: Sequence[APIRouter]) -> list[tuple[re.Pattern[str], set[str]]]:
    """(path pattern, methods) of every route, for the Allow header of a 405."""
    return [
        (route.path_regex, set(route.methods or ()))
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
    ]


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (routes are one per method)."""
    table = getattr(request.app.state, "methods", [])
    path = request.url.path
    return sorted({m for pattern, methods in table if pattern.match(path) for m in methods})


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "validation_error", validation_message(exc))


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CiteqaError)
    status, code = domain_status(exc)
    if status >= 500:
        logger.error("%s %s: %s", request.method, request.url.path, exc)
    state = getattr(request.app.state, "citeqa", None)  # its folders are shown by short names
    message = state.redact(str(exc)) if state is not None else str(exc)
    return error_response(status, code, message)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error in %s %s", request.method, request.url.path)
    return error_response(
        500, "internal_error", "an unexpected error occurred; it has been logged on the server"
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(CiteqaError, _on_domain_error)
    app.add_exception_handler(Exception, _on_unexpected)
