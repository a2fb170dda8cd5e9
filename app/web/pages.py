"""Rendering pages: one Jinja2 environment per language, the headers every page
carries, and the route class that turns service errors into HTML pages."""

from collections.abc import Callable, Coroutine, Iterable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.errors import AppError, NotAuthenticated
from app.web import i18n, session

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_HEADERS = {
    # Everything from this server; no inline script or style, no framing.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def route_paths(routes: Iterable[Any]) -> set[str]:
    """Every path the app serves; included routers nest theirs (FastAPI >= 0.16x)."""
    paths: set[str] = set()
    for route in routes:
        if (path := getattr(route, "path", None)) is not None:
            paths.add(path)
        if (inner := getattr(route, "original_router", None)) is not None:
            paths |= route_paths(inner.routes)
    return paths


def page_paths(app: Any) -> set[str]:
    if not hasattr(app.state, "page_paths"):
        app.state.page_paths = route_paths(app.routes)
    return app.state.page_paths


def gettext_for(request: Request) -> Callable[[str], str]:
    return i18n.translations(i18n.language(request)).gettext


def with_query(request: Request, **changes: str) -> str:
    """This page's URL with some query parameters changed (the language links)."""
    query = dict(request.query_params) | changes
    return f"{request.url.path}?{urlencode(query)}"


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    language = i18n.language(request)
    if not session.session_token(request):
        session.prepare_login_csrf(request)
    body = (
        environment(language)
        .get_template(template)
        .render(
            request=request,
            lang=language,
            csrf_token=session.csrf_token(request),
            csrf_field=session.CSRF_FIELD,
            with_query=lambda **changes: with_query(request, **changes),
            # The console's sections link to the pages that exist.
            page_paths=page_paths(request.app),
            **(context or {}),
        )
    )
    response = HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)
    if i18n.requested_language(request):
        response.set_cookie(
            i18n.LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", path="/"
        )
    if not session.session_token(request):
        session.remember_login_csrf(request, response)
    return response


def redirect(url: str) -> RedirectResponse:
    # 303: the browser follows a POST's answer with a GET.
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


class PageRoute(APIRoute):
    """Service errors on a page are pages too: a 404 reads as a page that does not
    exist, an expired session leads back to the sign-in form of the page's area (the
    console's here; the volunteer app's route class names its own)."""

    sign_in_path = "/console/login"
    error_template = "console/error.html"

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except NotAuthenticated:
                return redirect(f"{self.sign_in_path}?{urlencode({'next': request.url.path})}")
            except AppError as error:
                _ = gettext_for(request)
                if error.status == 404:
                    # The services speak English; a missing page is said in the page's language.
                    title = _("Not found")
                    detail = _("This page does not exist, or it lies outside your districts.")
                else:
                    title, detail = _("Not allowed"), error.detail
                context = {"title": title, "detail": detail}
                return render(request, self.error_template, context, status=error.status)

        return page_handler
