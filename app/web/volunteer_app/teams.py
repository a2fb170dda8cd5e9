"""Teams in the volunteer app: /app/teams lists my teams (pending or approved, a lead's
badge, Leave) and the teams of my district I may ask to join; below it a lead's pages
of one team: /app/teams/{id} its members and requests to join (Approve / Decline),
/duties the members' duties of a week, /seats its open adopted seats (Assign a member),
/hours the members' verified hours, /message a message to the team.

Leads are volunteers (a TeamMember row with is_lead), so these are app pages, and the
lead-page guard is team_service.led_team: a team the caller does not lead is "not
found", as in the API. A member who does not lead sees on /app/teams/{id} only the
team's name, district and their own status.

The same services as the API's /teams/... (app.teams.service) and the adoptions'
(app.teams.adoptions): the pages only read forms, say refusals in the page's language
next to what they concern, and render.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.db import utcnow
from app.deps import SessionDep
from app.districts.models import District
from app.errors import Conflict, InvalidInput, NotFound
from app.organisations.models import Organisation
from app.settings import get_settings
from app.teams import adoptions as adoption_service
from app.teams import service as team_service
from app.teams.adoption_schemas import OpenAdoptedSeatRead
from app.teams.models import MembershipStatus, Team
from app.teams.schemas import TeamMessageCreate
from app.teams.service import MemberView
from app.types import FIRST_YEAR, LAST_YEAR
from app.web import i18n
from app.web.pages import gettext_for, redirect, render
from app.web.volunteer_app.common import (
    AppPageRoute,
    AppVolunteer,
    check_csrf,
    local_time,
    volunteer_account,
    volunteer_of,
)
from app.web.volunteer_app.forms import Translate, field_of
from app.web.volunteer_app.hours import hours_text

router = APIRouter(prefix="/app", route_class=AppPageRoute, include_in_schema=False)

MAX_ID = 2**31 - 1  # ids are 32-bit keys on PostgreSQL
TeamId = Annotated[int, Path(ge=1, le=MAX_ID)]
VolunteerId = Annotated[int, Path(ge=1, le=MAX_ID)]
ShiftId = Annotated[int, Path(ge=1, le=MAX_ID)]

# A phone's page, not an archive: the teams of a district one may join, a team's
# members (a volunteer team is tens of people, a large one a few hundred).
JOINABLE_SHOWN = 100
MEMBERS_SHOWN = 500
# How far ahead a lead sees the team's open adopted seats (they are reserved for the
# members until UROSTER_ADOPTION_RELEASE_HOURS before the start; later ones are
# usually not on a published roster yet).
SEATS_AHEAD = timedelta(days=14)
# What the API takes of a team message (app.teams.schemas.TeamMessageCreate).
SUBJECT_MAX, BODY_MAX = 200, 5000


# -- my teams, and teams to join ---------------------------------------------------------------


def names_of(session: Session, teams: list[Team]) -> tuple[dict[int, str], dict[int, str]]:
    """(district id -> name, organisation id -> name) of the teams."""
    districts = dict(
        session.execute(
            select(District.id, District.name).where(
                District.id.in_({t.district_id for t in teams})
            )
        ).all()
    )
    organisations = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_({t.organisation_id for t in teams if t.organisation_id})
            )
        ).all()
    )
    return districts, organisations


def team_view(team: Team, districts: dict[int, str], organisations: dict[int, str]) -> dict:
    return {
        "id": team.id,
        "name": team.name,
        "district": districts.get(team.district_id, ""),
        "organisation": organisations.get(team.organisation_id) if team.organisation_id else None,
    }


def teams_page(
    request: Request,
    session: Session,
    account: Account,
    *,
    problem: tuple[int, str] | None = None,
    status: int = 200,
):
    """`problem`: a refused join or leave, (the team's id, the message said next to it)."""
    _ = gettext_for(request)
    volunteer = volunteer_of(session, account)
    mine = team_service.my_teams(session, account)
    my_ids = {team.id for team, _member in mine}
    joinable: list[Team] = []
    if volunteer.district_id is not None:
        listed, _total = team_service.list_teams(
            session, account, district_id=volunteer.district_id, limit=JOINABLE_SHOWN, offset=0
        )
        joinable = [team for team in listed if team.id not in my_ids]
    districts, organisations = names_of(session, [t for t, _m in mine] + joinable)
    notices = {
        "requested": _("You asked to join. A lead of the team will decide; it shows here."),
        "left": _("You are no longer in the team."),
        "withdrawn": _("Your request to join was taken back."),
    }
    context = {
        "account": account,
        "mine": [
            team_view(team, districts, organisations)
            | {
                "pending": member.status == MembershipStatus.pending,
                "is_lead": member.is_lead and member.status == MembershipStatus.approved,
            }
            for team, member in mine
        ],
        "joinable": [team_view(team, districts, organisations) for team in joinable],
        "has_district": volunteer.district_id is not None,
        "problem": problem,
        "notice": notices.get(request.query_params.get("done", "")),
    }
    return render(request, "app/teams/list.html", context, status=status)


@router.get("/teams")
def my_teams(request: Request, session: SessionDep, account: AppVolunteer):
    return teams_page(request, session, account)


def my_status(session: Session, account: Account, team_id: int) -> str | None:
    """My membership's status in the team (pending, approved), or None."""
    for team, member in team_service.my_teams(session, account):
        if team.id == team_id:
            return member.status
    return None


def join_problem(_: Translate, reason: str | None, status: str | None) -> str:
    """What a refused request to join says: by the service's reason, and for "already
    in it" by where I stand."""
    if status == MembershipStatus.pending:
        return _("You have asked to join this team already; a lead will decide.")
    if status == MembershipStatus.approved:
        return _("You are in this team already.")
    if reason == "other_district":
        return _("This team belongs to another district; you may join your district's teams.")
    return _("This team cannot be joined right now.")


@router.post("/teams/{team_id}/join")
def join_team(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    team_id: TeamId,
    csrf_token: Annotated[str | None, Form()] = None,
):
    check_csrf(request, csrf_token)
    try:
        team_service.request_to_join(session, account, team_id)
    except Conflict as refused:
        session.rollback()
        message = join_problem(
            gettext_for(request), refused.extra.get("reason"), my_status(session, account, team_id)
        )
        return teams_page(request, session, account, problem=(team_id, message), status=409)
    return redirect("/app/teams?done=requested")


@router.post("/teams/{team_id}/leave")
def leave_team(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    team_id: TeamId,
    csrf_token: Annotated[str | None, Form()] = None,
):
    """Leaves a team (a lead stops leading), or takes back a request to join it. A
    second tap, after the first went through, is said on the page."""
    check_csrf(request, csrf_token)
    status = my_status(session, account, team_id)
    if status is None:
        _ = gettext_for(request)
        problem = (team_id, _("You are not in this team (any more)."))
        return teams_page(request, session, account, problem=problem, status=404)
    team_service.leave_team(session, account, team_id)
    done = "withdrawn" if status == MembershipStatus.pending else "left"
    return redirect(f"/app/teams?done={done}")


# -- one team: a member's view, or the lead's members and requests -----------------------------


@dataclass
class LedTeam:
    """The team on a lead's page, with what every lead page shows at its top."""

    team: Team
    district: str
    organisation: str | None

    def context(self) -> dict[str, Any]:
        return {
            "team": {
                "id": self.team.id,
                "name": self.team.name,
                "district": self.district,
                "organisation": self.organisation,
            }
        }


def led(session: Session, account: Account, team_id: int) -> LedTeam:
    """The lead-page guard: the team the caller leads, else NotFound (a 404 page)."""
    team = team_service.led_team(session, account, team_id)
    districts, organisations = names_of(session, [team])
    view = team_view(team, districts, organisations)
    return LedTeam(team, view["district"], view["organisation"])


def lead_page(
    request: Request, template: str, team: LedTeam, account: Account, status: int = 200, **more
):
    """A lead page of `team`; `section` (in `more`) marks the current sub-page link."""
    context = {"account": account} | team.context() | more
    return render(request, f"app/teams/{template}", context, status=status)


def members_of(session: Session, account: Account, team_id: int) -> list[MemberView]:
    members, _total = team_service.list_members(
        session, account, team_id, limit=MEMBERS_SHOWN, offset=0
    )
    return members


def members_page(
    request: Request,
    session: Session,
    account: Account,
    team: LedTeam,
    *,
    problem: tuple[int, str] | None = None,
    status: int = 200,
):
    """`problem`: a refused approve or decline, (the volunteer's id, the message)."""
    _ = gettext_for(request)
    language = i18n.language(request)
    zone = get_settings().default_timezone
    members = members_of(session, account, team.team.id)

    def view(member) -> dict:
        return {
            "volunteer_id": member.volunteer_id,
            "name": member.name,
            "is_lead": member.is_lead,
            "requested": local_time(member.requested_at, zone, language),
        }

    notices = {
        "approved": _("The volunteer is a member of the team now."),
        "declined": _("The request was declined."),
    }
    return lead_page(
        request,
        "members.html",
        team,
        account,
        status,
        section="members",
        pending=[view(m) for m in members if m.status == MembershipStatus.pending],
        approved=[view(m) for m in members if m.status == MembershipStatus.approved],
        problem=problem,
        notice=notices.get(request.query_params.get("done", "")),
    )


@router.get("/teams/{team_id}")
def team_page(request: Request, session: SessionDep, account: AppVolunteer, team_id: TeamId):
    try:
        team = led(session, account, team_id)
    except NotFound:
        return member_view(request, session, account, team_id)
    return members_page(request, session, account, team)


def member_view(request: Request, session: Session, account: Account, team_id: int):
    """A member who does not lead the team: its name, district and their own status;
    anyone else (another team's lead too): not found."""
    for team, member in team_service.my_teams(session, account):
        if team.id == team_id:
            districts, organisations = names_of(session, [team])
            context = {
                "account": account,
                "team": team_view(team, districts, organisations),
                "pending": member.status == MembershipStatus.pending,
            }
            return render(request, "app/teams/member.html", context)
    raise NotFound(f"Team {team_id} not found.")


def decision_problem(_: Translate, reason: str | None) -> str:
    """What a refused approve or decline says: the request is gone (taken back, or
    decided in another tab), or its volunteer moved to another district meanwhile."""
    if reason == "other_district":
        return _("This volunteer has moved to another district and cannot join this team.")
    return _("This request is no longer open.")


def decide(
    request: Request,
    session: Session,
    account: Account,
    team_id: int,
    volunteer_id: int,
    csrf_token: str | None,
    act: Callable[[], object],
    done: str,
) -> Response:
    """Approve or decline, behind the lead guard; a request gone in the meantime (the
    volunteer took it back) is said next to where it stood."""
    check_csrf(request, csrf_token)
    team = led(session, account, team_id)
    try:
        act()
    except (Conflict, NotFound) as refused:
        session.rollback()
        message = decision_problem(gettext_for(request), refused.extra.get("reason"))
        status = 409 if isinstance(refused, Conflict) else 404
        return members_page(
            request, session, account, team, problem=(volunteer_id, message), status=status
        )
    return redirect(f"/app/teams/{team_id}?done={done}")


@router.post("/teams/{team_id}/members/{volunteer_id}/approve")
def approve(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    team_id: TeamId,
    volunteer_id: VolunteerId,
    csrf_token: Annotated[str | None, Form()] = None,
):
    return decide(
        request, session, account, team_id, volunteer_id, csrf_token,
        lambda: team_service.approve_member(session, account, team_id, volunteer_id),
        "approved",
    )  # fmt: skip


@router.post("/teams/{team_id}/members/{volunteer_id}/decline")
def decline(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    team_id: TeamId,
    volunteer_id: VolunteerId,
    csrf_token: Annotated[str | None, Form()] = None,
):
    """Declines a request to join (only pending ones are offered here: removing a
    member is the coordinator's, in the console)."""

    def decline_request() -> None:
        pending = {
            m.volunteer_id
            for m in members_of(session, account, team_id)
            if m.status == MembershipStatus.pending
        }
        if volunteer_id not in pending:
            raise Conflict("Only a request to join can be declined.", reason="not_pending")
        team_service.remove_member(session, account, team_id, volunteer_id)

    return decide(
        request, session, account, team_id, volunteer_id, csrf_token, decline_request, "declined"
    )


# -- the team's duties of a week ---------------------------------------------------------------


def week_of(today: date, which: str) -> tuple[date, date]:
    """(Monday, Sunday) of this week or the next."""
    monday = today - timedelta(days=today.weekday())
    if which == "next":
        monday += timedelta(days=7)
    return monday, monday + timedelta(days=6)


def local_day(day: date, language: str) -> str:
    """A day as the pages write it: "12月8日 周二" or "Tue 8 Dec"."""
    if language == "zh":
        return format_date(day, "M月d日 EEE", locale="zh_CN")
    return format_date(day, "EEE d MMM", locale="en_GB")


def local_today() -> date:
    """Today in the service's home timezone (the days the team's pages speak of)."""
    return utcnow().astimezone(ZoneInfo(get_settings().default_timezone)).date()


@router.get("/teams/{team_id}/duties")
def team_duties(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    team_id: TeamId,
    week: str = "this",
):
    """The members' duties of this week (or `?week=next`), Monday to Sunday as dated at
    their stations; any other `week` reads as this week."""
    team = led(session, account, team_id)
    language = i18n.language(request)
    which = "next" if week == "next" else "this"
    monday, sunday = week_of(local_today(), which)
    duties = team_service.team_duties(session, account, team_id, start=monday, end=sunday)
    return lead_page(
        request,
        "duties.html",
        team,
        account,
        section="duties",
        week=which,
        first_day=local_day(monday, language),
        last_day=local_day(sunday, language),
        duties=[
            {
                "name": duty.name,
                "station": duty.station_name,
                "starts": local_time(duty.starts_at, duty.station_timezone, language),
                "ends": local_time(duty.ends_at, duty.station_timezone, language, "time"),
            }
            for duty in duties
        ],
    )


# -- open adopted seats, and assigning a member to one ----------------------------------------


def assign_problem(_: Translate, reason: str | None) -> str:
    """What a refused assignment says, by the service's reason: the seat's own state,
    or the validator's hard rule the member would break."""
    messages = {
        "adopted_seats_taken": _("The team's seats on this shift were filled in the meantime."),
        "already_assigned": _("This member is on this shift already."),
        "started": _("This shift has started; no one can be put on it any more."),
        "not_published": _("This week's roster is not published yet."),
        "not_member": _("Choose a member of the team from the list."),
        "not_adopted": _("This shift has no open seat adopted by the team."),
        "inactive": _("This member is not an active volunteer of a district now."),
        "other_district": _("This member has moved to another district."),
        "station_closed": _("This station is closed."),
        "retired": _("This shift is no longer offered."),
        "availability": _("This member cannot take this seat: outside the times they can serve."),
        "skills": _(
            "This member cannot take this seat: it is kept for volunteers with other skills."
        ),
        "shift_kind": _(
            "This member cannot take this seat: they may not serve this kind of shift."
        ),
        "travel_limit": _("This member cannot take this seat: the station is too far from home."),
        "no_overlap": _("This member cannot take this seat: they have another duty at that time."),
        "minimum_rest": _(
            "This member cannot take this seat: too little rest next to another of their duties."
        ),
        "shifts_per_day": _("This member cannot take this seat: too many shifts on one day."),
        "weekly_hours": _("This member cannot take this seat: over their hours this week."),
        "weekly_shifts": _("This member cannot take this seat: over their shifts this week."),
        "consecutive_days": _(
            "This member cannot take this seat: more days in a row than their limit."
        ),
    }
    return messages.get(
        reason or "", _("This member cannot take this seat: it breaks one of their limits.")
    )


def seats_page(
    request: Request,
    session: Session,
    account: Account,
    team: LedTeam,
    *,
    problem: tuple[int, str] | None = None,
    chosen: str = "",
    status: int = 200,
):
    """`problem`: a refused assignment, (the shift's id, the message said next to its
    member field); `chosen`: the member chosen for it, kept."""
    _ = gettext_for(request)
    language = i18n.language(request)
    now = utcnow()
    seats = adoption_service.open_adopted_seats(
        session, account, team.team.id, start=now, end=now + SEATS_AHEAD
    )
    members = [
        {"volunteer_id": m.volunteer_id, "name": m.name}
        for m in members_of(session, account, team.team.id)
        if m.status == MembershipStatus.approved
    ]
    notices = {"assigned": _("The member is on the seat now; it shows in their duties.")}
    return lead_page(
        request,
        "seats.html",
        team,
        account,
        status,
        section="seats",
        seats=[seat_view(seat, language) for seat in seats],
        members=members,
        problem=problem,
        chosen=chosen,
        notice=notices.get(request.query_params.get("done", "")),
    )


def seat_view(seat: OpenAdoptedSeatRead, language: str) -> dict:
    zone = seat.station_timezone
    return {
        "shift_id": seat.shift_id,
        "station": seat.station_name,
        "starts": local_time(seat.starts_at, zone, language),
        "ends": local_time(seat.ends_at, zone, language, "time"),
        "open": seat.open_seats,
        "reserved": seat.reserved,
        "released": local_time(seat.released_at, zone, language),
    }


@router.get("/teams/{team_id}/seats")
def adopted_seats(request: Request, session: SessionDep, account: AppVolunteer, team_id: TeamId):
    return seats_page(request, session, account, led(session, account, team_id))


def chosen_member(raw: str) -> int | None:
    """The member chosen in the form's select, or None when none (or garbage) is."""
    text = raw.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        return None
    return int(text)


@router.post("/teams/{team_id}/seats/{shift_id}/assign")
async def assign(
    request: Request,
    session: SessionDep,
    team_id: TeamId,
    shift_id: ShiftId,
    volunteer_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    """A lead puts a member on an adopted seat. The account, the locks and the write run
    in one worker-thread call, as a volunteer's sign-up does (common.take_in_one_thread),
    so a row lock is never held while waiting for another thread."""

    def attempt() -> Response:
        account = volunteer_account(request, session)
        check_csrf(request, csrf_token)
        team = led(session, account, team_id)
        _ = gettext_for(request)
        member = chosen_member(volunteer_id)
        if member is None:
            problem = (shift_id, _("Choose a member of the team from the list."))
            return seats_page(
                request, session, account, team, problem=problem, chosen=volunteer_id, status=422
            )
        try:
            adoption_service.assign_member(session, account, team_id, shift_id, member)
        except (Conflict, NotFound) as refused:
            session.rollback()
            reason = refused.extra.get("reason")
            if isinstance(refused, NotFound) and reason is None:
                # A member who left, or a shift no longer offered: not a page of its own.
                reason = "not_adopted"
            problem = (shift_id, assign_problem(_, reason))
            status = 409 if isinstance(refused, Conflict) else 404
            return seats_page(
                request, session, account, team, problem=problem, chosen=volunteer_id, status=status
            )
        return redirect(f"/app/teams/{team_id}/seats?done=assigned")

    return await run_in_threadpool(attempt)


# -- the members' verified hours ---------------------------------------------------------------


def read_day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def period_problem(_: Translate, message: str) -> str:
    """The service's period rule (team_service.check_period) in the page's language."""
    if message.startswith("must not lie before"):
        return _("Must not lie before the start of the period.")
    if message.startswith("at most"):
        return _("A period is at most {days} days.").format(days=team_service.LONGEST_PERIOD_DAYS)
    return _("Enter a date between the years {first} and {last}.").format(
        first=FIRST_YEAR, last=LAST_YEAR - 1
    )


@router.get("/teams/{team_id}/hours")
def team_hours(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    team_id: TeamId,
    from_day: Annotated[str, Query(alias="from")] = "",
    to_day: Annotated[str, Query(alias="to")] = "",
):
    """The members' verified hours of a period (`from`, `to`: days, both included; by
    default this year to today). A bad day is said next to its field."""
    team = led(session, account, team_id)
    _ = gettext_for(request)
    language = i18n.language(request)
    today = local_today()
    raw = {"from": from_day, "to": to_day}
    defaults = {"from": date(today.year, 1, 1), "to": today}
    days: dict[str, date] = {}
    errors: dict[str, str] = {}
    for field, value in raw.items():
        if not value.strip():
            days[field] = defaults[field]
        elif (day := read_day(value)) is None:
            errors[field] = _("Enter a date, e.g. 2026-01-31.")
        else:
            days[field] = day
    report = None
    if not errors:
        try:
            report = team_service.team_hours(
                session, account, team_id, start=days["from"], end=days["to"]
            )
        except InvalidInput as refused:
            for error in refused.extra["errors"]:
                field = field_of(error["loc"])
                errors.setdefault(field if field in raw else "to", period_problem(_, error["msg"]))
    return lead_page(
        request,
        "hours.html",
        team,
        account,
        422 if errors else 200,
        section="hours",
        values={f: raw[f] if raw[f].strip() else days[f].isoformat() for f in raw},
        errors=errors,
        rows=[
            {"name": m.name, "hours": hours_text(m.hours, language)}
            for m in (report.members if report else [])
        ],
        total=hours_text(report.total_hours if report else 0, language),
        today=today.isoformat(),
    )


# -- a message to the team ---------------------------------------------------------------------


def message_form(
    request: Request,
    team: LedTeam,
    account: Account,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
):
    _ = gettext_for(request)
    sent = None
    if request.query_params.get("done") == "sent":
        count = request.query_params.get("count", "")
        sent = _("Your message was sent to {count} of the team's members.").format(
            count=int(count) if count.isdigit() else 0
        )
    return lead_page(
        request,
        "message.html",
        team,
        account,
        status,
        section="message",
        values=values or {"subject": "", "body": ""},
        errors=errors or {},
        notice=sent,
        subject_max=SUBJECT_MAX,
        body_max=BODY_MAX,
    )


def message_problem(_: Translate, field: str) -> str:
    if field == "subject":
        return _("Enter a subject of one line, at most {count} characters.").format(
            count=SUBJECT_MAX
        )
    return _("Write the message, at most {count} characters.").format(count=BODY_MAX)


@router.get("/teams/{team_id}/message")
def message_page(request: Request, session: SessionDep, account: AppVolunteer, team_id: TeamId):
    return message_form(request, led(session, account, team_id), account)


@router.post("/teams/{team_id}/message")
def send_message(
    request: Request,
    session: SessionDep,
    account: AppVolunteer,
    team_id: TeamId,
    # Longer than the message may be, so that a too long text is said next to its
    # field (and kept) rather than refused as a whole.
    subject: Annotated[str, Form(max_length=4 * SUBJECT_MAX)] = "",
    body: Annotated[str, Form(max_length=4 * BODY_MAX)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
):
    """A message to the team's approved members, through the notification channels;
    the API's rules of a message (TeamMessageCreate) decide what may be sent."""
    check_csrf(request, csrf_token)
    team = led(session, account, team_id)
    _ = gettext_for(request)
    errors: dict[str, str] = {}
    try:
        message = TeamMessageCreate(subject=subject, body=body)
    except ValidationError as refused:
        # The schema's own fields: ("body",) is the message's body here, not the request's.
        for e in refused.errors():
            field = str(e["loc"][0])
            if field == "body" and e["type"] == "value_error":
                # app.types.MessageText refused a control character (a NUL above all):
                # said apart from the length, since it is invisible.
                problem = _("The message holds a character that cannot be sent; remove it.")
            else:
                problem = message_problem(_, field)
            errors.setdefault(field, problem)
    if errors:
        values = {"subject": subject, "body": body}
        return message_form(request, team, account, values=values, errors=errors, status=422)
    count = team_service.send_team_message(
        session, account, team_id, subject=message.subject, body=message.body
    )
    query = urlencode({"done": "sent", "count": count})
    return redirect(f"/app/teams/{team_id}/message?{query}")
