"""The pages' session (the console's and the volunteer app's): a cookie carrying a
bearer token of the API's own token store, so that signing out, a password change or
a coordinator's deactivation ends it exactly as it ends an API token; and the CSRF
token of every form.

The cookie is HttpOnly (no script reads it) and SameSite=Strict (no other site's
page sends it); it is Secure whenever the public address is https. A form's CSRF
token is derived from the session token (SHA-256 of a label and the token): only a
page of this site, rendered for this session, can know it. Before signing in, a
random token in its own cookie plays that part (double submit).
"""

import hashlib
import hmac
import secrets

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from app.accounts import service as account_service
from app.accounts.models import Account
from app.settings import get_settings, public_url

SESSION_COOKIE = "uroster_session"
LOGIN_CSRF_COOKIE = "uroster_csrf"
CSRF_FIELD = "csrf_token"
VOLUNTEER_APP = "/app"


def _secure() -> bool:
    return public_url(get_settings()).startswith("https://")


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def signed_in_account(session: Session, request: Request) -> Account | None:
    token = session_token(request)
    return account_service.account_for_token(session, token) if token else None


def start(response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(get_settings().token_ttl_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=_secure(),
        path="/",
    )


def end(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def csrf_token(request: Request) -> str:
    """The token this request's forms carry: bound to the session, or before signing
    in to the login cookie (set by `remember_login_csrf`)."""
    token = session_token(request)
    if token:
        return hashlib.sha256(f"uroster-csrf\0{token}".encode()).hexdigest()
    return request.state.login_csrf


def login_csrf_path(request: Request) -> str:
    """Where the pre-sign-in token is sent: the console's sign-in form, or every page of
    the volunteer app (its registration form is a form before signing in too)."""
    path = request.url.path
    return (
        VOLUNTEER_APP
        if path == VOLUNTEER_APP or path.startswith(f"{VOLUNTEER_APP}/")
        else ("/console/login")
    )


def remember_login_csrf(request: Request, response: Response) -> None:
    if not request.cookies.get(LOGIN_CSRF_COOKIE):
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            request.state.login_csrf,
            httponly=True,
            samesite="strict",
            secure=_secure(),
            path=login_csrf_path(request),
        )


def prepare_login_csrf(request: Request) -> None:
    request.state.login_csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def csrf_valid(request: Request, sent: str | None) -> bool:
    if not sent:
        return False
    if session_token(request):
        expected = csrf_token(request)
    else:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    return bool(expected) and hmac.compare_digest(sent, expected)
