"""My duties: the upcoming ones of published rosters, cancelling one with a reason,
and adding them to a calendar (a one-duty .ics download, or the secret feed URL).

The same services as the API's /volunteers/me/assignments, /assignments/{id}/cancel,
/volunteers/me/calendar-feed: duty_service and app.duties.calendar.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.db import utcnow
from app.deps import SessionDep
from app.duties import calendar
from app.duties import service as duty_service
from app.duties.router import CALENDAR_MEDIA_TYPE
from app.duties.schemas import CancelRequest
from app.errors import Conflict
from app.settings import get_settings, public_url
from app.swaps import service as swap_service
from app.web import i18n
from app.web.pages import gettext_for, redirect, render
from app.web.volunteer_app.common import (
    AppPageRoute,
    AppVolunteer,
    check_csrf,
    local_time,
    volunteer_of,
)

router = APIRouter(prefix="/app", route_class=AppPageRoute, include_in_schema=False)

MAX_ID = 2**31 - 1  # ids are 32-bit keys on PostgreSQL
DutyId = Annotated[int, Path(ge=1, le=MAX_ID)]


def duty_view(assignment, language: str) -> dict:
    shift = assignment.shift
    station = shift.station
    return {
        "id": assignment.id,
        "station": station.name,
        "address": station.address,
        "map_url": f"https://www.openstreetmap.org/?mlat={station.lat:.5f}&mlon={station.lon:.5f}"
        f"#map=17/{station.lat:.5f}/{station.lon:.5f}",
        "starts": local_time(shift.starts_at, station.timezone, language),
        "ends": local_time(shift.ends_at, station.timezone, language, "time"),
        "started": shift.starts_at <= utcnow(),
        "status": assignment.status,
    }


def duties_page(
    request: Request,
    session: Session,
    account: Account,
    *,
    problem: tuple[int, str] | None = None,
    swap_problem: tuple[int, str] | None = None,
    reason: str = "",
    status: int = 200,
):
    """`problem`: a refused cancel, `swap_problem`: a refused swap offer or withdrawal,
    each (the duty's id, the message said next to it)."""
    _ = gettext_for(request)
    language = i18n.language(request)
    volunteer = volunteer_of(session, account)
    duties = duty_service.upcoming_duties(session, volunteer)
    others = duty_service.co_volunteers(session, duties)
    notices = {
        "cancelled": _("The duty was cancelled. Thank you for telling us in time."),
        "signed-up": _("You have taken the seat. Thank you!"),
        "offered": _(
            "Your duty is offered for a swap. It stays yours until someone takes it over."
        ),
        "withdrawn": _("You took the offer back; the duty stays yours."),
        "taken-over": _("The duty is yours now. Thank you for stepping in!"),
    }
    context = {
        "account": account,
        "duties": [duty_view(d, language) | {"others": others[d.id]} for d in duties],
        "problem": problem,
        "swap_problem": swap_problem,
        # duty id -> its open swap offer's id (the duty shows "Offered for swap")
        "offers": swap_service.live_offers_by_duty(session, volunteer),
        "reason": reason,
        "notice": notices.get(request.query_params.get("done", "")),
    }
    return render(request, "app/duties.html", context, status=status)


@router.get("")
def my_duties(request: Request, session: SessionDep, account: AppVolunteer):
    return duties_page(request, session, account)


@router.post("/duties/{assignment_id}/cancel")
def cancel_duty(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    assignment_id: DutyId,
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    try:
        body = CancelRequest(reason=reason)
    except ValidationError:
        message = _("Say in a few words why you cannot come (at most 500 characters).")
        return duties_page(
            request, session, account, problem=(assignment_id, message), reason=reason, status=422
        )
    try:
        duty_service.cancel(session, account, assignment_id, body.reason)
    except Conflict as refused:
        session.rollback()
        messages = {
            "started": _(
                "This duty has started; it can no longer be cancelled here. Call your coordinator."
            ),
            "cancelled": _("This duty is cancelled already."),
        }
        message = messages.get(
            refused.extra.get("reason", ""), _("This duty can no longer be cancelled.")
        )
        return duties_page(
            request, session, account, problem=(assignment_id, message), reason=reason, status=409
        )
    return redirect("/app?done=cancelled")


# -- calendar --------------------------------------------------------------------------------


@router.get("/duties/{assignment_id}/calendar")
def duty_calendar_page(
    request: Request, session: SessionDep, account: AppVolunteer, assignment_id: DutyId
):
    volunteer = volunteer_of(session, account)
    duty = duty_service.my_duty(session, volunteer, assignment_id)
    context = {
        "account": account,
        "duty": duty_view(duty, i18n.language(request)),
        "feed_url": None,
    }
    return render(request, "app/calendar.html", context)


@router.get("/duties/{assignment_id}/duty.ics")
def duty_ics(session: SessionDep, account: AppVolunteer, assignment_id: DutyId):
    volunteer = volunteer_of(session, account)
    duty = duty_service.my_duty(session, volunteer, assignment_id)
    body = calendar.duties_calendar(
        [duty], volunteer_id=volunteer.id, name="U-Roster duty", now=utcnow()
    )
    return Response(
        body,
        media_type=CALENDAR_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="uroster-duty-{duty.id}.ics"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/duties/{assignment_id}/calendar")
def rotate_feed(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    assignment_id: DutyId,
    csrf_token: Annotated[str | None, Form()] = None,
):
    """A new secret feed URL (the previous one stops working), shown on the duty's
    calendar page it was asked from."""
    check_csrf(request, csrf_token)
    volunteer = volunteer_of(session, account)
    duty = duty_service.my_duty(session, volunteer, assignment_id)
    token = duty_service.rotate_calendar_feed(session, volunteer)
    url = public_url(get_settings()) + request.app.url_path_for("calendar_feed", feed_token=token)
    context = {"account": account, "duty": duty_view(duty, i18n.language(request)), "feed_url": url}
    return render(request, "app/calendar.html", context)
