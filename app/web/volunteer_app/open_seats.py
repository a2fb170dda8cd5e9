"""Open seats that fit me, nearest first, with the station's distance from home; sign
up in one tap through the API's race-safe sign-up (duty_service.sign_up); seats I
cannot take say why, from the rule the service names."""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.cover import service as cover_service
from app.db import utcnow
from app.deps import SessionDep
from app.duties import service as duty_service
from app.errors import Conflict, NotFound
from app.rosters.translate import distance_km
from app.settings import get_settings
from app.stations.models import Station
from app.volunteers.models import Volunteer
from app.web import i18n
from app.web.pages import gettext_for, redirect, render
from app.web.volunteer_app.common import (
    AppPageRoute,
    AppVolunteer,
    check_csrf,
    local_time,
    take_in_one_thread,
    volunteer_of,
)
from app.web.volunteer_app.forms import Translate

router = APIRouter(prefix="/app", route_class=AppPageRoute, include_in_schema=False)
ShiftId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # ids are 32-bit keys on PostgreSQL


def rule_reason(_: Translate, rule: str, volunteer: Volunteer) -> str:
    """Why a seat does not fit, from the hard rule taking it would break."""
    if rule == "weekly_hours" and volunteer.max_hours_per_week is not None:
        return _("over your {hours} h this week").format(hours=f"{volunteer.max_hours_per_week:g}")
    if rule == "weekly_shifts" and volunteer.max_shifts_per_week is not None:
        return _("over your {count} shifts this week").format(count=volunteer.max_shifts_per_week)
    if rule == "travel_limit":
        # The volunteer's own limit, else the district's 15-minute service circle.
        limit = volunteer.max_travel_minutes or get_settings().default_max_travel_minutes
        return _("more than {minutes} minutes from your home").format(minutes=limit)
    reasons = {
        "availability": _("outside the times you can serve"),
        "skills": _("the free seats are kept for volunteers with other skills"),
        "reserved_seats": _(
            "the free seats are kept for a team's members until shortly before the shift"
        ),
        "no_overlap": _("at the same time as another of your duties"),
        "minimum_rest": _("too little rest next to another of your duties"),
        "consecutive_days": _("more days in a row than your limit"),
        "shifts_per_day": _("more shifts on one day than allowed"),
    }
    return reasons.get(rule, _("does not fit your limits"))


def signup_problem(_: Translate, reason: str | None, volunteer: Volunteer) -> str:
    """What a refused sign-up says, by the service's reason."""
    messages = {
        "full": _("Sorry, someone else has just taken the last seat of this shift."),
        "already_assigned": _("You are on this shift already."),
        "started": _("This shift has started; it cannot be signed up for any more."),
        "not_published": _("This week's roster is not published yet."),
        "station_closed": _("This station is closed."),
        "retired": _("This shift is no longer offered."),
        "inactive": _("Choose your district under Availability first."),
        "other_district": _("This shift belongs to another district."),
    }
    if reason in messages:
        return messages[reason]
    return _("You cannot take this seat: {why}.").format(
        why=rule_reason(_, reason or "", volunteer)
    )


def seat_view(seat, station: Station, volunteer: Volunteer, language: str) -> dict:
    distance = None
    if volunteer.home_lat is not None and volunteer.home_lon is not None:
        distance = distance_km(volunteer.home_lat, volunteer.home_lon, station.lat, station.lon)
    return {
        "id": seat.id,
        "station": station.name,
        "address": station.address,
        "starts": local_time(seat.starts_at, station.timezone, language),
        "ends": local_time(seat.ends_at, station.timezone, language, "time"),
        "free": seat.free_seats,
        "distance": distance,
        "start_at": seat.starts_at,
    }


def open_page(
    request: Request,
    session: Session,
    account: Account,
    *,
    problem: str | None = None,
    status: int = 200,
):
    _ = gettext_for(request)
    language = i18n.language(request)
    volunteer = volunteer_of(session, account)
    seats = duty_service.open_seats(session, volunteer)
    stations = {
        s.id: s
        for s in session.scalars(
            select(Station).where(Station.id.in_({seat.station_id for seat, _ in seats}))
        )
    }
    offered = cover_service.offered_shift_ids(session, volunteer.id)
    fitting, other = [], []
    for seat, violation in seats:
        view = seat_view(seat, stations[seat.station_id], volunteer, language)
        if violation is None:
            fitting.append(view | {"offered": seat.id in offered})
        else:
            other.append(view | {"why": rule_reason(_, violation.rule, volunteer)})
    # Seats offered to me at short notice first, then nearest; without a home, soonest.
    fitting.sort(key=lambda s: (not s["offered"], s["distance"] or 0, s["start_at"]))
    notices = {"declined": _("Thank you for saying so; the seat goes to others.")}
    context = {
        "account": account,
        "notice": notices.get(request.query_params.get("done", "")),
        "fitting": fitting,
        "other": other,
        "problem": problem,
        "has_home": volunteer.home_lat is not None,
        "has_district": volunteer.district_id is not None,
    }
    return render(request, "app/open.html", context, status=status)


@router.get("/open")
def open_seats(request: Request, session: SessionDep, account: AppVolunteer):
    return open_page(request, session, account)


@router.post("/open/{shift_id}/signup")
async def sign_up(
    request: Request,
    session: SessionDep,
    shift_id: ShiftId,
    csrf_token: Annotated[str | None, Form()] = None,
):
    def refused(account: Account, conflict: Conflict) -> Response:
        _ = gettext_for(request)
        volunteer = volunteer_of(session, account)
        problem = signup_problem(_, conflict.extra.get("reason"), volunteer)
        return open_page(request, session, account, problem=problem, status=409)

    return await take_in_one_thread(
        request, session, csrf_token,
        lambda session, account: duty_service.sign_up(session, account, shift_id),
        refused, "/app?done=signed-up",
    )  # fmt: skip


@router.post("/open/{shift_id}/decline")
def decline(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    shift_id: ShiftId,
    csrf_token: Annotated[str | None, Form()] = None,
):
    """No to a seat offered at short notice: the next volunteers hear of it sooner."""
    check_csrf(request, csrf_token)
    try:
        cover_service.decline(session, account, shift_id, utcnow())
    except NotFound:
        _ = gettext_for(request)
        problem = _("This offer is no longer open.")
        return open_page(request, session, account, problem=problem, status=404)
    return redirect("/app/open?done=declined")
