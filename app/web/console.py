"""The coordinators' console: sign in and out, and the dashboard of a district-week.

URLs and the English names of the main controls are fixed in shared/UI.md.
"""

from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.accounts.models import Account, Role
from app.deps import SessionDep
from app.districts import service as district_service
from app.districts.models import District
from app.errors import NotAuthenticated, NotFound, NotPermitted
from app.hours import service as hours_service
from app.ratelimit import RateLimited, client_ip, limit_sign_in
from app.rosters import circle
from app.rosters import service as roster_service
from app.rosters.models import Roster, RosterStatus
from app.settings import get_settings
from app.types import week_monday
from app.web import session as web_session
from app.web.pages import PageRoute, gettext_for, redirect, render

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)
# Who signs in here. An organisation's admin sees its teams and organisation only
# (app/web/teams.py, organisations.py); the districts' pages are the office's.
CONSOLE_ROLES = (Role.admin, Role.coordinator, Role.org_admin)
OFFICE_ROLES = (Role.admin, Role.coordinator)


def any_console_account(request: Request, session: SessionDep) -> Account:
    """The signed-in admin, coordinator or organisation admin; anyone else goes to the
    sign-in form (or, signed in as a volunteer, is refused)."""
    account = web_session.signed_in_account(session, request)
    if account is None:
        raise NotAuthenticated()
    if account.role not in CONSOLE_ROLES:
        _ = gettext_for(request)
        raise NotPermitted(_("The console is for coordinators and administrators."))
    return account


def console_account(request: Request, session: SessionDep) -> Account:
    """The signed-in admin or coordinator: the districts' pages."""
    account = any_console_account(request, session)
    if account.role not in OFFICE_ROLES:
        _ = gettext_for(request)
        raise NotPermitted(_("This page is for the district offices; use Teams and Organisation."))
    return account


AnyConsoleAccount = Annotated[Account, Depends(any_console_account)]
ConsoleAccount = Annotated[Account, Depends(console_account)]


def check_csrf(request: Request, sent: str | None) -> None:
    if not web_session.csrf_valid(request, sent):
        _ = gettext_for(request)
        raise NotPermitted(_("This form has expired. Go back, reload the page and try again."))


def _safe_next(target: str | None) -> str:
    """Only a path of the console itself, never another site (an open redirect)."""
    if not target:
        return "/console"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console"):
        return "/console"
    return target


# -- signing in and out -------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, session: SessionDep, next: str | None = None):
    if web_session.signed_in_account(session, request) is not None:
        return redirect(_safe_next(next))
    return render(request, "console/login.html", {"next": _safe_next(next), "username": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
):
    _ = gettext_for(request)
    check_csrf(request, csrf_token)
    error = None
    try:
        limit_sign_in(request)
        token, _account = account_service.sign_in(
            session,
            username,
            password,
            client_ip=client_ip(request),
            roles=CONSOLE_ROLES,
            idle_minutes=get_settings().session_idle_minutes,
        )
    except NotAuthenticated:
        error = _("Wrong email, phone or password.")
    except NotPermitted:
        error = _("Volunteers sign in to the volunteer app, not the console.")
    except RateLimited as limited:
        error = _("Too many attempts. Try again in {seconds} seconds.").format(
            seconds=limited.extra["retry_after"]
        )
    if error is not None:
        context = {"next": _safe_next(next), "username": username, "error": error}
        return render(request, "console/login.html", context, status=400)
    response = redirect(_safe_next(next))
    web_session.start(response, token)
    return response


def sign_out(
    request: Request, session: Session, csrf_token: str | None, login_path: str
) -> Response:
    """Ends the session's token (the console's and the app's sign-out)."""
    token = web_session.session_token(request)
    if token is not None:
        check_csrf(request, csrf_token)
        account_service.revoke_token(session, token)
    response = redirect(login_path)
    web_session.end(response)
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str | None, Form()] = None,
):
    return sign_out(request, session, csrf_token, "/console/login")


# -- dashboard ------------------------------------------------------------------------------


def visible_districts(session: Session, account: Account) -> list[District]:
    scope = district_service.visible_district_ids(account)
    query = select(District).order_by(District.code)
    if scope is not None:
        query = query.where(District.id.in_(scope))
    return list(session.scalars(query))


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_choices(today: date) -> list[str]:
    """Last week, this week and the next four: what an office plans and looks back on."""
    return [iso_week(today + timedelta(weeks=n)) for n in range(-1, 5)]


def current_roster(
    session: Session, account: Account, district_id: int, week: str
) -> Roster | None:
    """The published roster of the district-week, else the newest other one."""
    rosters = roster_service.list_rosters(session, account, district_id, week)
    published = [r for r in rosters if r.status == RosterStatus.published]
    return published[0] if published else (rosters[0] if rosters else None)


@router.get("")
def dashboard(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    district: int | None = None,
    week: str | None = None,
):
    if account.role == Role.org_admin:  # an organisation's admin starts at its page
        if account.organisation_id is None:
            raise NotFound("This organisation admin has no organisation.")
        return redirect(f"/console/organisations/{account.organisation_id}")
    districts = visible_districts(session, account)
    today = datetime.now(ZoneInfo(get_settings().default_timezone)).date()
    weeks = week_choices(today)
    context: dict = {"account": account, "districts": districts, "weeks": weeks}
    if not districts:
        return render(request, "console/dashboard.html", context)
    chosen = (
        district_service.get_district_in_scope(session, account, district)
        if district is not None
        else districts[0]
    )
    if week not in weeks:
        week = iso_week(today)
    roster = current_roster(session, account, chosen.id, week)
    figures, open_seats, priorities = None, [], {}
    if roster is not None:
        fill = roster_service.shift_fill(session, roster)
        figures = roster_service.stats(session, roster, fill)
        open_seats = roster_service.unfilled(session, roster, fill)
        priorities = {shift.id: shift.priority for shift in fill.shifts}
    by_priority: dict[int, int] = {}
    for seat in open_seats:
        priority = priorities[seat["shift_id"]]
        by_priority[priority] = by_priority.get(priority, 0) + seat["missing"]
    monday = week_monday(week)
    hours = hours_service.district_hours(
        session, account, chosen.id, monday, monday + timedelta(days=6)
    )
    context |= {
        "district": chosen,
        "week": week,
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "roster": roster,
        "figures": figures,
        "open_by_priority": sorted(by_priority.items(), reverse=True),
        "hours": hours,
        "travel": circle.duties_within_limit(session, chosen.id, week),
    }
    return render(request, "console/dashboard.html", context)
