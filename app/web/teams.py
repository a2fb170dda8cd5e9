"""The console's teams: the list of a district's (or an organisation's) teams with the
form for a new one, and one team's page: its members and those asking to join
(approve, remove, make a lead), the seats it adopts at stations, its members' duties
this week, their verified hours, and a message to the team.

Coordinators see their districts' teams, an organisation's admin its organisation's,
the admin every team. Every handler calls app.teams.service with the signed-in account
as the API does, so who reaches which team is decided there (app/teams/access.py);
a team outside the caller's reach is a page that does not exist.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.deps import SessionDep
from app.districts import service as district_service
from app.districts.models import District
from app.errors import Conflict, InvalidInput
from app.hours import groups
from app.organisations import service as organisation_service
from app.organisations.models import Organisation
from app.settings import get_settings
from app.stations import service as station_service
from app.stations.models import Station
from app.teams import adoptions as adoption_service
from app.teams import service as team_service
from app.teams.adoption_schemas import AdoptionCreate
from app.teams.models import Adoption, MembershipStatus, Team
from app.teams.schemas import TeamCreate, TeamDutyRead, TeamHours, TeamMessageCreate
from app.types import Id
from app.web.console import AnyConsoleAccount, ConsoleAccount, check_csrf, visible_districts
from app.web.organisations import (
    ALL,
    Errors,
    Text,
    Translate,
    all_districts,
    hours_csv,
    month_so_far,
    parse_period,
    period_errors,
    today,
)
from app.web.pages import PageRoute, gettext_for, redirect, render
from app.web.stations import _station_page, field_errors, weekday_labels

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

MESSAGE_LIMIT = 5000  # TeamMessageCreate's body; the form says so before sending


def notice_text(_: Translate, notice: str | None, count: str | None = None) -> str | None:
    return {
        "team-created": _("The team was created."),
        "approved": _("The member was approved."),
        "removed": _("The volunteer was taken off the team."),
        "lead": _("The member is a lead of the team now."),
        "sent": _("The message was sent. Recipients: {count}.").format(count=count or 0),
    }.get(notice or "")


# -- the list -------------------------------------------------------------------------------


def own_organisation(session: Session, account: Account) -> Organisation | None:
    if account.role != Role.org_admin or account.organisation_id is None:
        return None
    return session.get(Organisation, account.organisation_id)


def team_districts(session: Session, account: Account) -> list[District]:
    """The districts the caller makes teams in: a coordinator's, the admin's (all), an
    organisation admin's (those its organisation serves)."""
    organisation = own_organisation(session, account)
    if organisation is not None:
        return sorted(organisation.districts, key=lambda d: d.code)
    return visible_districts(session, account) if account.role != Role.org_admin else []


def _list_page(
    request: Request,
    session: Session,
    account: Account,
    *,
    district: int | None,
    organisation: int | None,
    values: dict[str, Any] | None = None,
    errors: Errors | None = None,
    status: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request)
    districts = team_districts(session, account)
    own = own_organisation(session, account)
    if own is not None:
        organisation = own.id  # an organisation's admin sees its own teams only
        organisations = [own]
    else:
        organisations = organisation_service.list_organisations(
            session, account, limit=ALL, offset=0
        )[0]
    if account.role == Role.coordinator:
        # A coordinator looks at one of their districts at a time (404 for another's).
        if district is None and districts:
            district = districts[0].id
        if district is not None:
            district_service.get_district_in_scope(session, account, district)
    teams: list[Team] = []
    total = 0
    if account.role != Role.coordinator or district is not None:
        teams, total = team_service.list_teams(
            session, account, district_id=district, organisation_id=organisation,
            limit=ALL, offset=0,
        )  # fmt: skip
    names = {d.id: d.name for d in all_districts(session)}
    context = {
        "account": account,
        "teams": teams,
        "total": total,
        "districts": districts,
        "district": district,
        "district_names": names,
        "organisations": organisations,
        "organisation": organisation,
        "organisation_names": {o.id: o.name for o in organisations},
        "values": values
        or {
            "district_id": str(district or (districts[0].id if districts else "")),
            "organisation_id": str(organisation or ""),
        },
        "errors": errors or {},
        "notice": notice_text(_, request.query_params.get("done")),
    }
    return render(request, "console/teams/list.html", context, status)


@router.get("/teams")
def team_list(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    district: Id | None = None,
    organisation: Id | None = None,
):
    return _list_page(request, session, account, district=district, organisation=organisation)


def team_errors(_: Translate, invalid: InvalidInput, *, organisation_field: bool) -> Errors:
    """The service's refusals of a new team next to the fields (an organisation's admin
    has no organisation field: its own is meant, and the district is what to change)."""
    errors: Errors = {}
    for error in invalid.extra["errors"]:
        message = str(error.get("msg", ""))
        if message.startswith("unknown organisation"):
            errors.setdefault("organisation_id", _("Choose an organisation from the list."))
        elif message.endswith("does not serve this district"):
            field = "organisation_id" if organisation_field else "district_id"
            errors.setdefault(field, _("The organisation does not serve this district."))
        else:
            errors.setdefault("district_id", _("Choose a district from the list."))
    return errors


@router.post("/teams")
def create_team(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    name: Text = "",
    district_id: Text = "",
    organisation_id: Text = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    values = {"name": name, "district_id": district_id, "organisation_id": organisation_id}
    own = own_organisation(session, account)
    fields: dict[str, Any] = {"name": name.strip(), "district_id": district_id or None}
    if own is not None:
        fields["organisation_id"] = own.id
    elif organisation_id:
        fields["organisation_id"] = organisation_id
    errors: Errors = {}
    try:
        data = TeamCreate.model_validate(fields)
        team = team_service.create_team(session, account, data)
    except ValidationError as invalid:
        errors = field_errors(
            _,
            [dict(error) for error in invalid.errors()],
            {"name": "name", "district_id": "district_id", "organisation_id": "organisation_id"},
        )
        if "district_id" in errors:
            errors["district_id"] = _("Choose a district from the list.")
        if "organisation_id" in errors:
            errors["organisation_id"] = _("Choose an organisation from the list.")
    except InvalidInput as invalid:
        errors = team_errors(_, invalid, organisation_field=own is None)
    except Conflict:
        errors = {"name": _("The district has a team of this name already.")}
    if errors:
        session.rollback()
        return _list_page(
            request, session, account, district=None, organisation=None, values=values,
            errors=errors, status=400,
        )  # fmt: skip
    return redirect(f"/console/teams/{team.id}?done=team-created")


# -- one team -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdoptionRow:
    adoption: Adoption
    station: Station
    days: str


def team_adoptions(session: Session, team: Team, days: list[str]) -> list[AdoptionRow]:
    """The seats the team adopts (the caller oversees the team: checked before)."""
    rows = session.execute(
        select(Adoption, Station)
        .join(Station, Station.id == Adoption.station_id)
        .where(Adoption.team_id == team.id)
        .order_by(Station.code, Adoption.start, Adoption.id)
    ).all()
    return [
        AdoptionRow(adoption, station, ", ".join(days[d - 1] for d in adoption.weekdays))
        for adoption, station in rows
    ]


def duty_rows(duties: list[TeamDutyRead], days: list[str]) -> list[dict[str, Any]]:
    """The duties with their times in their station's timezone, as the station shows them."""
    rows = []
    for duty in duties:
        zone = ZoneInfo(duty.station_timezone)
        starts = duty.starts_at.astimezone(zone)
        rows.append(
            {"row": duty, "starts": starts, "ends": duty.ends_at.astimezone(zone),
             "day": days[starts.isoweekday() - 1]}
        )  # fmt: skip
    return rows


def open_seat_rows(
    session: Session, account: Account, team: Team, days: list[str]
) -> list[dict[str, Any]]:
    """The team's adopted seats still to fill in the next four weeks (the lead's list in
    the app), in station time, with whether they are still kept for its members."""
    rows = []
    for seat in adoption_service.open_adopted_seats(session, account, team.id):
        zone = ZoneInfo(seat.station_timezone)
        starts = seat.starts_at.astimezone(zone)
        rows.append(
            {"row": seat, "starts": starts, "ends": seat.ends_at.astimezone(zone),
             "day": days[starts.isoweekday() - 1],
             "released": seat.released_at.astimezone(zone)}
        )  # fmt: skip
    return rows


def this_week() -> tuple[date, date]:
    monday = today() - timedelta(days=today().weekday())
    return monday, monday + timedelta(days=6)


def _team_page(
    request: Request,
    session: Session,
    account: Account,
    team_id: int,
    *,
    message: dict[str, str] | None = None,
    message_errors: Errors | None = None,
    status: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request)
    team = team_service.led_team(session, account, team_id)  # 404 outside the caller's reach
    members, member_total = team_service.list_members(session, account, team.id, limit=ALL)
    monday, sunday = this_week()
    duties = team_service.team_duties(session, account, team.id, start=monday, end=sunday)
    first, last, hours_errors = parse_period(
        _, request.query_params.get("from"), request.query_params.get("to"), month_so_far()
    )
    hours: TeamHours | None = None
    if not hours_errors:
        try:
            hours = team_service.team_hours(session, account, team.id, start=first, end=last)
        except InvalidInput as invalid:
            hours_errors = period_errors(_, invalid)
    district = session.get(District, team.district_id)
    organisation = session.get(Organisation, team.organisation_id) if team.organisation_id else None
    days = weekday_labels(_)
    period = {
        "from": request.query_params.get("from") or first.isoformat(),
        "to": request.query_params.get("to") or last.isoformat(),
    }
    context = {
        "account": account,
        "team": team,
        "district": district,
        "organisation": organisation,
        # Leads first, then by name (the service's order); those asking to join apart.
        "members": [m for m in members if m.status == MembershipStatus.approved],
        "pending": [m for m in members if m.status != MembershipStatus.approved],
        "member_total": member_total,
        "adoptions": team_adoptions(session, team, days),
        "duties": duty_rows(duties, days),
        "open_seats": open_seat_rows(session, account, team, days),
        "monday": monday,
        "sunday": sunday,
        "hours": None if hours_errors else hours,
        "period": period,
        "period_action": f"/console/teams/{team.id}",
        "hours_errors": hours_errors,
        "csv_url": f"/console/teams/{team.id}/hours.csv?{urlencode(period)}",
        "message": message or {},
        "message_errors": message_errors or {},
        "message_limit": MESSAGE_LIMIT,
        "notice": notice_text(
            _, request.query_params.get("done"), request.query_params.get("count")
        ),
    }
    return render(request, "console/teams/detail.html", context, status)


@router.get("/teams/{team_id}")
def team_page(request: Request, session: SessionDep, account: AnyConsoleAccount, team_id: Id):
    return _team_page(request, session, account, team_id)


@router.post("/teams/{team_id}/members/{volunteer_id}/approve")
def approve_member(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    team_id: Id,
    volunteer_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    team_service.approve_member(session, account, team_id, volunteer_id)
    return redirect(f"/console/teams/{team_id}?done=approved#members")


@router.post("/teams/{team_id}/members/{volunteer_id}/remove")
def remove_member(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    team_id: Id,
    volunteer_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    team_service.remove_member(session, account, team_id, volunteer_id)
    return redirect(f"/console/teams/{team_id}?done=removed#members")


@router.post("/teams/{team_id}/leads")
def make_lead(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    team_id: Id,
    volunteer_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    csrf_token: Annotated[str | None, Form()] = None,
):
    """A member of the team becomes a lead (the button stands by each member)."""
    check_csrf(request, csrf_token)
    team_service.add_lead(session, account, team_id, volunteer_id)
    return redirect(f"/console/teams/{team_id}?done=lead#members")


@router.post("/teams/{team_id}/message")
def send_message(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    team_id: Id,
    subject: Text = "",
    body: Annotated[str, Form(max_length=20_000)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    team = team_service.led_team(session, account, team_id)
    try:
        data = TeamMessageCreate(subject=subject, body=body)
    except ValidationError as invalid:
        errors = field_errors(
            _, [dict(error) for error in invalid.errors()], {"subject": "subject", "body": "body"}
        )
        values = {"subject": subject, "body": body}
        return _team_page(
            request, session, account, team.id, message=values, message_errors=errors,
            status=400,
        )  # fmt: skip
    count = team_service.send_team_message(
        session, account, team.id, subject=data.subject, body=data.body
    )
    return redirect(f"/console/teams/{team.id}?done=sent&count={count}#message")


# -- hours as CSV ---------------------------------------------------------------------------


@router.get("/teams/{team_id}/hours.csv")
def team_hours_csv(
    request: Request,
    session: SessionDep,
    account: AnyConsoleAccount,
    team_id: Id,
    from_: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    to: Annotated[str | None, Query(max_length=20)] = None,
):
    """The team's members' verified hours; a period that cannot be read goes back to
    the team's page, which names the problem next to the field."""
    _ = gettext_for(request)
    team = team_service.led_team(session, account, team_id)
    first, last, errors = parse_period(_, from_, to, month_so_far())
    if errors:
        return _team_page(request, session, account, team.id, status=400)
    try:
        report = groups.team_report(session, account, team.id, first, last)
    except InvalidInput:
        return _team_page(request, session, account, team.id, status=400)
    return hours_csv(f"team-{team.id}-hours-{first}-{last}.csv", report)


# -- a station's adoptions (a section of the station's page, app/web/stations.py) ----------

ADOPTION_FIELDS = {name: name for name in ("team_id", "weekdays", "start", "end", "seats")}


def adoption_section(
    request: Request,
    session: Session,
    account: Account,
    station: Station,
    values: dict[str, Any] | None = None,
    errors: Errors | None = None,
) -> dict[str, Any]:
    """The station page's "Adoptions": the teams' adopted seats there, and the form for
    another (the teams of the station's district to choose from)."""
    _ = gettext_for(request)
    days = weekday_labels(_)
    adoptions = adoption_service.list_adoptions(session, account, station.id)
    teams, _total = team_service.list_teams(
        session, account, district_id=station.district_id, limit=ALL, offset=0
    )
    names = {team.id: team.name for team in teams}
    return {
        "adoptions": [
            {
                "row": a,
                "team": names.get(a.team_id, ""),
                "days": ", ".join(days[d - 1] for d in a.weekdays),
            }
            for a in adoptions
        ],
        "adoption_teams": teams,
        "adoption": values
        or {"weekdays": ["6"], "start": "09:00", "end": "12:00", "seats": "2", "team_id": ""},
        "adoption_errors": errors or {},
        "adoption_release_hours": f"{get_settings().adoption_release_hours:g}",
    }


@router.post("/stations/{station_id}/adoptions")
def create_adoption(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    station_id: Id,
    team_id: Text = "",
    weekdays: Annotated[list[str] | None, Form(max_length=7)] = None,
    start: Text = "",
    end: Text = "",
    seats: Text = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    _ = gettext_for(request)
    station = station_service.get_station_in_scope(session, account, station_id)
    values: dict[str, Any] = {
        "team_id": team_id, "weekdays": weekdays or [], "start": start, "end": end, "seats": seats,
    }  # fmt: skip
    fields: dict[str, Any] = {"weekdays": weekdays or []} | {
        name: value.strip()
        for name, value in (("team_id", team_id), ("start", start), ("end", end), ("seats", seats))
        if value.strip()
    }
    errors: Errors = {}
    try:
        data = AdoptionCreate.model_validate(fields)
        adoption_service.create_adoption(session, account, station.id, data)
    except ValidationError as invalid:
        errors = field_errors(_, [dict(error) for error in invalid.errors()], ADOPTION_FIELDS)
    except InvalidInput as invalid:
        errors = adoption_errors(_, invalid)
    if "team_id" in errors:
        errors["team_id"] = _("Choose a team from the list.")
    if errors:
        session.rollback()
        section = adoption_section(request, session, account, station, values, errors)
        return _station_page(request, session, account, station, adoptions=section, status=400)
    return redirect(f"/console/stations/{station.id}#adoptions")


def adoption_errors(_: Translate, invalid: InvalidInput) -> Errors:
    """The service's refusals of an adoption next to the fields they name."""
    errors: Errors = {}
    for error in invalid.extra["errors"]:
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        field = loc[0] if loc and loc[0] in ADOPTION_FIELDS else "team_id"
        errors.setdefault(field, str(error.get("msg", "")))
    return errors


@router.post("/stations/{station_id}/adoptions/{adoption_id}/remove")
def remove_adoption(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    station_id: Id,
    adoption_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    adoption_service.delete_adoption(session, account, station_id, adoption_id)
    return redirect(f"/console/stations/{station_id}#adoptions")
