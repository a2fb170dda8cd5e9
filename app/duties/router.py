from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.db import utcnow
from app.deps import (
    API_PREFIX,
    CurrentAccount,
    SessionDep,
    VolunteerAccount,
    get_current_account,
    require_volunteer,
)
from app.duties import calendar, service
from app.duties.schemas import CalendarFeedRead, CancelRequest, DutyRead, OpenShiftRead
from app.pagination import PageDep, PageRead
from app.settings import get_settings, public_url
from app.types import Id, Instant
from app.volunteers import service as volunteer_service
from app.volunteers.models import Volunteer

router = APIRouter(prefix=API_PREFIX, tags=["duties"])

CALENDAR_MEDIA_TYPE = "text/calendar; charset=utf-8"
CALENDAR_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "RFC 5545 calendar"}
}


@router.get("/volunteers/me/assignments", response_model=PageRead[DutyRead])
def list_my_duties(
    session: SessionDep,
    account: VolunteerAccount,
    page: PageDep,
    starts_from: Annotated[Instant | None, Query(alias="from")] = None,
    starts_to: Annotated[Instant | None, Query(alias="to")] = None,
):
    """My duties in published rosters, by start time; `from`/`to` bound the start."""
    volunteer = volunteer_service.volunteer_of(session, account)
    return service.list_duties(
        session, volunteer, page, starts_from=starts_from, starts_to=starts_to
    )


@router.post("/assignments/{assignment_id}/cancel", response_model=DutyRead)
def cancel_assignment(
    session: SessionDep, account: CurrentAccount, assignment_id: Id, body: CancelRequest
):
    """The volunteer cancels their own duty, or a coordinator one of their districts."""
    return DutyRead.of(service.cancel(session, account, assignment_id, body.reason))


@router.get("/shifts/open", response_model=PageRead[OpenShiftRead])
def list_open_shifts(session: SessionDep, account: VolunteerAccount, page: PageDep):
    """Published future shifts with a free seat that I may take."""
    volunteer = volunteer_service.volunteer_of(session, account)
    return service.open_shifts(session, volunteer, page)


# The sign-up route is async on purpose. A sync route holds the seat lock (SQLite's
# write lock, taken by the first query; PostgreSQL's row lock) while it waits for more
# worker threads: for its sync dependencies and for the response serialisation. In a
# burst every worker thread sits blocked behind that lock, the holder never gets a
# thread, and requests stall until the 30 s busy timeout ("database is locked").
# Here authentication, counting and insert run in one worker-thread call, the response
# is built on the event loop, and the commit runs outside the thread limit.
_bearer = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)


@router.post(
    "/shifts/{shift_id}/signup", response_model=DutyRead, status_code=status.HTTP_201_CREATED
)
async def sign_up(
    session: SessionDep, token: Annotated[str | None, Depends(_bearer)], shift_id: Id
):
    """Takes a free seat (volunteers); 409 names the reason (`reason`) when it cannot."""

    def take_seat() -> DutyRead:
        account = require_volunteer(get_current_account(session, token))
        return DutyRead.of(service.sign_up(session, account, shift_id))

    return await run_in_threadpool(take_seat)


def _calendar_response(session: Session, volunteer: Volunteer) -> Response:
    body = calendar.duties_calendar(
        service.calendar_duties(session, volunteer),
        volunteer_id=volunteer.id,
        name="U-Roster duties",
        now=utcnow(),
    )
    return Response(
        body,
        media_type=CALENDAR_MEDIA_TYPE,
        headers={
            "Content-Disposition": 'inline; filename="uroster-duties.ics"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/volunteers/me/calendar.ics", response_class=Response, responses=CALENDAR_RESPONSE)
def my_calendar(session: SessionDep, account: VolunteerAccount):
    return _calendar_response(session, volunteer_service.volunteer_of(session, account))


@router.post("/volunteers/me/calendar-feed", response_model=CalendarFeedRead)
def rotate_calendar_feed(request: Request, session: SessionDep, account: VolunteerAccount):
    """A new secret feed URL for calendar apps; the previous URL stops working. It is
    built from UROSTER_PUBLIC_URL, never from the request's Host header."""
    volunteer = volunteer_service.volunteer_of(session, account)
    token = service.rotate_calendar_feed(session, volunteer)
    path = request.app.url_path_for("calendar_feed", feed_token=token)
    return CalendarFeedRead(url=public_url(get_settings()) + path)


@router.get(
    "/calendar/{feed_token}.ics",
    name="calendar_feed",
    response_class=Response,
    responses=CALENDAR_RESPONSE,
)
def calendar_feed(session: SessionDep, feed_token: str):
    """The same calendar, for apps that cannot send a token: the URL is the secret."""
    return _calendar_response(session, service.volunteer_for_feed(session, feed_token))
