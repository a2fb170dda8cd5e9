"""One error family, one shape: RFC 9457 problem details (application/problem+json)."""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("uroster")

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://uroster.example/problems/"


class AppError(Exception):
    status: int = 400
    slug: str = "bad-request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class BadRequest(AppError):
    status, slug = 400, "bad-request"


class NotAuthenticated(AppError):
    status, slug = 401, "not-authenticated"

    def __init__(self, detail: str = "Missing, expired or revoked credentials.", **extra: Any):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extra)


class NotPermitted(AppError):
    status, slug = 403, "not-permitted"


class NotFound(AppError):
    status, slug = 404, "not-found"


class Conflict(AppError):
    status, slug = 409, "conflict"


class PayloadTooLarge(AppError):
    status, slug = 413, "payload-too-large"


class InvalidInput(AppError):
    """422 with `errors: [{loc, msg}]`, for rules checked outside the request schema."""

    status, slug = 422, "validation-error"

    def __init__(self, errors: list[dict[str, Any]], detail: str = "The request is not valid."):
        super().__init__(detail, errors=errors)


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    title = HTTPStatus(status).phrase
    body = {
        "type": PROBLEM_TYPE_BASE + (slug or title.lower().replace(" ", "-")),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def validation_message(msg: str) -> str:
    """Pydantic's message without its "Value error, " prefix, which tells a client nothing."""
    return msg.removeprefix("Value error, ")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem(exc.status, exc.detail, slug=exc.slug, headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(err.get("loc", ())), "msg": validation_message(err.get("msg", "invalid"))}
            for err in exc.errors()
        ]
        return problem(422, "The request is not valid.", slug="validation-error", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No resource at {request.url.path}."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # Input the schemas let through but the database refuses (PostgreSQL: a NUL
        # character in text, a number beyond a column's range): bad input, not a crash.
        log.warning("the database refused a value: %s", exc.orig)
        return problem(
            400,
            "The request holds a value the database cannot store (a NUL character in "
            "text, or a number out of range).",
            slug="unstorable-value",
        )

    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        # The database refused a connection (PostgreSQL's max_connections reached, or
        # it is down) or dropped one, or a lock wait ran out: not this request's fault,
        # and worth a retry shortly. The request's transaction did not commit.
        log.warning("database unavailable: %s", exc.orig)
        return problem(
            503,
            "The database is busy or out of reach; try again in a few seconds.",
            slug="service-unavailable",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        from app.ops.middleware import response_headers  # (it imports this module)

        request_id = getattr(request.state, "request_id", None)
        log.error("unhandled error (request_id=%s)", request_id, exc_info=exc)
        # Starlette answers a 500 outside the middleware stack, so set the headers here.
        headers = response_headers(request.url.path)
        if request_id:
            headers["X-Request-ID"] = request_id
        return problem(
            500,
            "An unexpected error occurred; it has been logged. Quote the request id when "
            "reporting it.",
            slug="internal-error",
            headers=headers,
            request_id=request_id,
        )
