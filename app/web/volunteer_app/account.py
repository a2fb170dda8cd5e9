"""The volunteer's account pages: sign in and out, register (or claim an imported
record with an invitation code), and settings (language, notifications, password,
withdrawal).

The same services as the API: account_service.sign_in, volunteer_service.register,
notification preferences.update, account_service.change_password,
duty_service.withdraw_volunteer.
"""

import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import passwords
from app.accounts import service as account_service
from app.accounts.models import Account, Role
from app.deps import SessionDep
from app.districts import service as district_service
from app.duties import service as duty_service
from app.errors import Conflict, InvalidInput, NotAuthenticated, NotPermitted
from app.notifications import preferences
from app.pagination import PageParams
from app.ratelimit import RateLimited, client_ip, limit_sign_in
from app.settings import get_settings
from app.stations.models import ShiftTemplate, Station
from app.volunteers import service as volunteer_service
from app.volunteers.schemas import VolunteerRegister
from app.web import session as web_session
from app.web.console import sign_out
from app.web.pages import gettext_for, redirect, render
from app.web.password_advice import password_problem
from app.web.stations import map_context, with_map
from app.web.volunteer_app import notification_form
from app.web.volunteer_app.common import (
    AppPageRoute,
    AppVolunteer,
    check_csrf,
    volunteer_account,
    volunteer_of,
)
from app.web.volunteer_app.forms import (
    LIMITS,
    NotANumber,
    Translate,
    field_message,
    limit_fields,
    messages_for,
    optional_number,
    skill_labels,
)

router = APIRouter(prefix="/app", route_class=AppPageRoute, include_in_schema=False)
EVERYTHING = PageParams(limit=500, offset=0)


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
    _ = gettext_for(request)
    notices = {
        "withdrawn": _(
            "You have withdrawn. Your personal data was erased. Thank you for your service!"
        )
    }
    context = {
        "next": safe_next(next),
        "phone": "",
        "notice": notices.get(request.query_params.get("done", "")),
    }
    return render(request, "app/login.html", context)


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
    return sign_out(request, session, csrf_token, "/app/login")


# -- registering ----------------------------------------------------------------------------

REGISTER_FIELDS = ("name", "phone", "invitation_code", "district_id", "other_skills", "lat", "lon")


def known_skills(session: Session) -> list[str]:
    """The skills the stations' weekly shifts ask for (nothing personal), to tick."""
    needed = {
        requirement["skill"]
        for requirements in session.scalars(
            select(ShiftTemplate.skill_requirements).where(ShiftTemplate.is_active.is_(True))
        )
        for requirement in requirements or ()
    }
    return sorted(needed)


def register_page(
    request: Request,
    session: Session,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
):
    stations = session.scalars(
        select(Station).where(Station.is_active.is_(True)).order_by(Station.id)
    ).all()
    values = values or {}
    skills = known_skills(session)
    context = {
        "values": {field: values.get(field, "") for field in REGISTER_FIELDS}
        | {
            "skills": values.get("skills", []),
            "accept": values.get("accept", False),
            "limits": values.get("limits", {}),
        },
        "errors": errors or {},
        "districts": district_service.list_districts(session, EVERYTHING).items,
        "skills": skills,
        "skill_labels": skill_labels(gettext_for(request)),
        "limit_fields": limit_fields(gettext_for(request)),
        "min_length": passwords.MIN_LENGTH,
        "stations": [{"name": s.name, "lat": s.lat, "lon": s.lon} for s in stations],
        **map_context(),
    }
    return with_map(render(request, "app/register.html", context, status=status))


def parse_limits(form: Mapping[str, str], errors: dict[str, str], _: Translate) -> dict:
    limits: dict[str, float | int | None] = {}
    for field in LIMITS:
        try:
            limits[field] = optional_number(
                form.get(field, ""), whole=field != "max_hours_per_week"
            )
        except NotANumber:
            errors[field] = field_message(_, field)
    return limits


@router.get("/register")
def register_form(request: Request, session: SessionDep):
    return register_page(request, session)


@router.post("/register")
async def register(request: Request, session: SessionDep):
    # Read by hand: the skills arrive as a list of ticked boxes, the rest as text.
    form = await request.form()
    texts = {key: str(value)[:1000] for key, value in form.items() if isinstance(value, str)}
    return await run_in_threadpool(
        register_volunteer, request, session, texts, [str(s) for s in form.getlist("skills")]
    )


def register_volunteer(request: Request, session: Session, form: dict[str, str], ticked: list[str]):
    _ = gettext_for(request)
    check_csrf(request, form.get("csrf_token"))
    errors: dict[str, str] = {}
    skills = sorted(
        {*ticked, *(s for s in re.split(r"[\s,，、;]+", form.get("other_skills", "")) if s)}
    )
    limits = parse_limits(form, errors, _)
    home = None
    lat, lon = form.get("lat", "").strip(), form.get("lon", "").strip()
    try:
        lat_value, lon_value = optional_number(lat), optional_number(lon)
        if (lat_value is None) != (lon_value is None):
            errors["home"] = field_message(_, "home")
        elif lat_value is not None:
            home = {"lat": lat_value, "lon": lon_value}
    except NotANumber:
        errors["home"] = field_message(_, "home")
    code = form.get("invitation_code", "").strip()
    district = form.get("district_id", "")
    password = form.get("password", "")
    body: dict[str, Any] = {
        "name": form.get("name", ""),
        "phone": form.get("phone", ""),
        "password": password,
        "accept_privacy_notice": form.get("accept_privacy_notice") == "yes",
    }
    # Claiming an imported record keeps what the coordinator imported unless given here.
    optional = {
        "invitation_code": code or None,
        "district_id": int(district) if district.isdigit() else None,
        "skills": skills or None,
        "home": home,
        **limits,
    }
    body |= {k: v for k, v in optional.items() if v is not None or not code}
    if not code and body["skills"] is None:
        body["skills"] = []
    problem = password_problem(_, password, [body["name"], body["phone"]])
    if problem is not None:
        errors["password"], errors["password_detail"] = problem
    if not errors:
        try:
            data = VolunteerRegister.model_validate(body)
        except ValidationError as invalid:
            errors |= messages_for(_, invalid.errors())
    if not errors:
        try:
            limit_sign_in(request)  # the API's POST /volunteers counts the same way
            volunteer = volunteer_service.register(session, data, client_ip=client_ip(request))
        except InvalidInput as invalid:
            session.rollback()
            errors = messages_for(_, invalid.extra["errors"])
        except Conflict:
            session.rollback()
            errors = {
                "phone": _(
                    "This phone number is registered already. Sign in, or ask your coordinator."
                )
            }
        except RateLimited as limited:
            session.rollback()
            errors = {"form": too_many(request, limited)}
    if errors:
        if "password" in errors and "password_detail" not in errors:
            errors["password_detail"] = ""
        values = {key: form.get(key, "") for key in REGISTER_FIELDS} | {
            "skills": skills,
            "accept": body["accept_privacy_notice"],
            "limits": {field: form.get(field, "") for field in LIMITS},
        }
        return register_page(request, session, values=values, errors=errors, status=422)
    account = session.get_one(Account, volunteer.account_id)
    token = account_service.issue_token(
        session, account, idle_minutes=get_settings().session_idle_minutes
    )
    response = redirect("/app/availability?done=registered")
    web_session.start(response, token)
    return response


# -- settings --------------------------------------------------------------------------------


def settings_page(
    request: Request,
    session: Session,
    account: Account,
    *,
    errors: dict[str, str] | None = None,
    notifications: notification_form.NotificationValues | None = None,
    status: int = 200,
):
    _ = gettext_for(request)
    notices = {
        "password": _("Your password was changed. Other devices were signed out."),
        "language": _("The language was saved."),
        "notifications": _("Your notification settings were saved."),
    }
    volunteer = volunteer_of(session, account)
    if notifications is None:
        current = preferences.settings_of(session, volunteer.id)
        notifications = notification_form.values_of(current)
    context = {
        "account": account,
        "errors": errors or {},
        "min_length": passwords.MIN_LENGTH,
        "notice": notices.get(request.query_params.get("done", "")),
        "notifications": notifications,
        "email_address": volunteer.email,
        "lead_labels": notification_form.lead_labels(_),
        "kinds": [kind.value for kind in notification_form.KINDS_ON_PAGE],
    }
    return render(request, "app/settings.html", context, status=status)


@router.get("/settings")
def settings(request: Request, session: SessionDep, account: AppVolunteer):
    return settings_page(request, session, account)


@router.post("/settings/notifications")
async def save_notifications(request: Request, session: SessionDep):
    # Read by hand: lead times and kinds arrive as lists of ticked boxes.
    form = await request.form()
    texts = {key: str(value)[:1000] for key, value in form.items() if isinstance(value, str)}
    leads = [str(value) for value in form.getlist("reminder")][:20]
    kinds = [str(value) for value in form.getlist("kind")][:20]
    return await run_in_threadpool(change_notifications, request, session, texts, leads, kinds)


def change_notifications(
    request: Request, session: Session, form: dict[str, str], leads: list[str], kinds: list[str]
):
    account = volunteer_account(request, session)
    check_csrf(request, form.get("csrf_token"))
    _ = gettext_for(request)
    volunteer = volunteer_of(session, account)
    current = preferences.settings_of(session, volunteer.id)
    typed = notification_form.read_form(form, leads, kinds, current)
    change, errors = notification_form.changes(typed, current, _)
    if change is None:
        return settings_page(
            request, session, account, errors=errors, notifications=typed, status=422
        )
    preferences.update(session, volunteer.id, change)
    return redirect("/app/settings?done=notifications#notifications-title")


@router.post("/settings/password")
def change_password(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    errors: dict[str, str] = {}
    phone = volunteer_of(session, account).phone
    problem = password_problem(_, new_password, [account.email, account.name, phone])
    if problem is not None:
        errors["new_password"], errors["new_password_detail"] = problem
    else:
        try:
            limit_sign_in(request)
            account_service.change_password(
                session, account, current_password, new_password, client_ip=client_ip(request)
            )
        except InvalidInput:
            session.rollback()
            errors["current_password"] = _("Your current password is not correct.")
        except RateLimited as limited:
            session.rollback()
            errors["current_password"] = too_many(request, limited)
    if errors:
        return settings_page(request, session, account, errors=errors, status=422)
    # The change ends every session of the account, this one included: a new one.
    token = account_service.issue_token(
        session, account, idle_minutes=get_settings().session_idle_minutes
    )
    response = redirect("/app/settings?done=password")
    web_session.start(response, token)
    return response


@router.post("/withdraw")
def withdraw(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    confirm: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    if confirm != "yes":
        errors = {"confirm": _("Tick the box to confirm that you want to withdraw.")}
        return settings_page(request, session, account, errors=errors, status=422)
    duty_service.withdraw_volunteer(session, volunteer_of(session, account))
    response = redirect("/app/login?done=withdrawn")
    web_session.end(response)
    return response
