"""What every page of the volunteer app shares: its route class (errors and sign-in
of the app, not the console's), the signed-in volunteer, CSRF, and local times.

Built on the console's base (app.web.pages, session, i18n): the same session cookie
bound to the API's token store, the same CSRF tokens and catalogues.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.deps import SessionDep
from app.errors import Conflict, NotAuthenticated, NotPermitted
from app.volunteers import service as volunteer_service
from app.volunteers.models import Volunteer
from app.web import session as web_session
from app.web.console import check_csrf
from app.web.pages import PageRoute, gettext_for, redirect

__all__ = [
    "AppPageRoute",
    "AppVolunteer",
    "check_csrf",
    "local_time",
    "take_in_one_thread",
    "volunteer_of",
]


class AppPageRoute(PageRoute):
    sign_in_path = "/app/login"
    error_template = "app/error.html"


def volunteer_account(request: Request, session: SessionDep) -> Account:
    """The signed-in volunteer; anyone else goes to the sign-in form, and a coordinator
    or admin (the same session cookie) is sent to the console."""
    account = web_session.signed_in_account(session, request)
    if account is None:
        raise NotAuthenticated()
    if account.role != Role.volunteer:
        _ = gettext_for(request)
        raise NotPermitted(_("The volunteer app is for volunteers; coordinators use the console."))
    return account


AppVolunteer = Annotated[Account, Depends(volunteer_account)]


def volunteer_of(session: Session, account: Account) -> Volunteer:
    return volunteer_service.volunteer_of(session, account)


def local_time(instant: datetime, timezone: str, language: str, pattern: str = "full") -> str:
    """A moment as read at the station: "12月8日 周二 09:00" or "Tue 8 Dec 09:00"."""
    patterns = {
        ("full", "zh"): "M月d日 EEE HH:mm",
        ("full", "en"): "EEE d MMM HH:mm",
        ("time", "zh"): "HH:mm",
        ("time", "en"): "HH:mm",
        ("month", "zh"): "y年M月",
        ("month", "en"): "MMMM y",
    }
    return format_datetime(
        instant,
        patterns[pattern, language],
        tzinfo=ZoneInfo(timezone),
        locale="zh_CN" if language == "zh" else "en_GB",
    )


async def take_in_one_thread(
    request: Request,
    session: Session,
    csrf_token: str | None,
    take: Callable[[Session, Account], object],
    refused_page: Callable[[Account, Conflict], Response],
    done_url: str,
) -> Response:
    """A seat taken from a form: the account, the locks and the write run in one
    worker-thread call, as in the API's sign-up (app/duties/router.py), so that a row
    lock is never held while waiting for another thread. A refusal is rolled back and
    answered with `refused_page`."""

    def attempt() -> Response | None:
        account = volunteer_account(request, session)
        check_csrf(request, csrf_token)
        try:
            take(session, account)
        except Conflict as refused:
            session.rollback()
            return refused_page(account, refused)
        return None

    page = await run_in_threadpool(attempt)
    return page if page is not None else redirect(done_url)
