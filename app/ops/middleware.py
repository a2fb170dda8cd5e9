"""Protections every request passes through, as pure ASGI middleware.

Pure ASGI (not BaseHTTPMiddleware) so that a body is never buffered here: the size
limit must act while the body streams in, before anything reads it whole.
"""

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem
from app.settings import get_settings

API_PREFIX = "/api/v1"
IMPORT_PATH = f"{API_PREFIX}/volunteers/import"
# The console's import form carries the chosen file and, after a check, the checked
# file again (base64, 4/3 of its size) so that it need not be chosen twice.
CONSOLE_IMPORT_PATH = "/console/volunteers/import"
# Room for the multipart framing around the CSV file (boundaries, part headers).
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def response_headers(path: str) -> dict[str, str]:
    """Headers every response carries; the 500 handler, which Starlette calls outside
    the middleware stack, adds them too."""
    headers = {"X-Content-Type-Options": "nosniff"}
    if path.startswith(API_PREFIX):
        # API answers carry personal data or tokens: no shared or browser cache keeps them.
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeadersMiddleware:
    """`nosniff` on every response, `no-store` on /api/v1 unless the handler chose its
    own Cache-Control (the calendar feed sends `private, no-store`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in response_headers(scope["path"]).items()
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((name, value) for name, value in extra if name not in present),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit. An HTTPException,
    so that FastAPI lets it through its body parsing (which turns other errors into a
    400) to `body_too_large_handler`."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"The request body is larger than the limit of {limit:,} bytes.",
            # The rest of the body is never read: the connection cannot be reused.
            headers={"Connection": "close"},
        )


class BodySizeLimitMiddleware:
    """413 for a body over the limit, before it is read whole.

    A declared Content-Length over the limit is refused at once, without calling the
    app. A body without one (chunked) is counted as it streams; the request fails with
    413 as soon as the count passes the limit. `limit_for(path)` is asked per request,
    so a path with its own larger limit (the CSV import) can pass.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await refuse(scope, receive, send, BodyTooLarge(limit))
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as exc:
            # Read outside FastAPI's body parsing (a handler reading the stream itself).
            if started:
                raise
            await refuse(scope, receive, send, exc)


def too_large_problem(exc: BodyTooLarge) -> Response:
    # The same problem type as the importer's own 413 (errors.PayloadTooLarge).
    return problem(413, exc.detail, slug="payload-too-large", headers=exc.headers)


async def body_too_large_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return too_large_problem(exc)


async def refuse(scope: Scope, receive: Receive, send: Send, exc: BodyTooLarge) -> None:
    await too_large_problem(exc)(scope, receive, send)


def body_limit_for(path: str) -> int:
    """The general limit, or the CSV import's own (checked again by the importer)."""
    settings = get_settings()
    if path == IMPORT_PATH:
        return max(settings.max_body_bytes, settings.import_max_bytes + MULTIPART_OVERHEAD_BYTES)
    if path == CONSOLE_IMPORT_PATH:
        return max(
            settings.max_body_bytes,
            settings.import_max_bytes * 7 // 3 + MULTIPART_OVERHEAD_BYTES,
        )
    return settings.max_body_bytes
