"""The volunteer's account pages: sign in and out, register (or claim an imported
record with an invitation code), and settings (language, password, withdrawal).

The same services as the API: account_service.sign_in, volunteer_service.register,
account_service.change_password, duty_service.withdraw_volunteer.
"""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request

from app.accounts import service as account_service
from app.accounts.models import Role
from app.deps import SessionDep
from app.errors import NotAuthenticated, NotPermitted
from app.kiosks.ratelimit import RateLimited, client_ip, limit_sign_in
from app.settings import get_settings
from app.web import session as web_session
from app.web.pages import gettext_for, redirect, render
from app.web.volunteer_app.common import AppPageRoute, check_csrf

router = APIRouter(prefix="/app", route_class=AppPageRoute, include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a page of the app itself, never another site (an open redirect)."""
    if not target:
        return "/app"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not (parts.path == "/app" or parts.path.startswith("/app/")):
        return "/app"
    return target


def too_many(request: Request, limited: RateLimited) -> str:
    _ = gettext_for(request)
    return _("Too many attempts. Try again in {seconds} seconds.").format(
        seconds=limited.extra["retry_after"]
    )


# -- signing in and out -------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, session: SessionDep, next: str | None = None):
    account = web_session.signed_in_account(session, request)
    if account is not None and account.role == Role.volunteer:
        return redirect(safe_next(next))
    return render(request, "app/login.html", {"next": safe_next(next), "phone": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    phone: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
):
    _ = gettext_for(request)
    check_csrf(request, csrf_token)
    error = None
    console = False
    try:
        limit_sign_in(request)
        token, _account = account_service.sign_in(
            session,
            phone,
            password,
            client_ip=client_ip(request),
            roles=(Role.volunteer,),
            idle_minutes=get_settings().session_idle_minutes,
        )
    except NotAuthenticated:
        error = _("Wrong phone number or password.")
    except NotPermitted:
        error = _("Coordinators and administrators sign in to the console.")
        console = True
    except RateLimited as limited:
        error = too_many(request, limited)
    if error is not None:
        context = {"next": safe_next(next), "phone": phone, "error": error, "console": console}
        return render(request, "app/login.html", context, status=400)
    response = redirect(safe_next(next))
    web_session.start(response, token)
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str | None, Form()] = None,
):
    token = web_session.session_token(request)
    if token is not None:
        check_csrf(request, csrf_token)
        account_service.revoke_token(session, token)
    response = redirect("/app/login")
    web_session.end(response)
    return response
