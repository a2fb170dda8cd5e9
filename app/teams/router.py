from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.deps import API_PREFIX, CurrentAccount, SessionDep
from app.pagination import Page, PageDep, PageRead
from app.teams import service
from app.teams.models import MembershipStatus
from app.teams.schemas import (
    LeadCreate,
    MemberRead,
    MembershipRead,
    MyTeamRead,
    TeamCreate,
    TeamDutyRead,
    TeamHours,
    TeamMessageCreate,
    TeamMessageSent,
    TeamRead,
)
from app.types import Id

router = APIRouter(prefix=API_PREFIX, tags=["organisations and teams"])

FromDate = Annotated[date, Query(alias="from")]
ToDate = Annotated[date, Query(alias="to")]


@router.post("/teams", response_model=TeamRead, status_code=status.HTTP_201_CREATED)
def create_team(session: SessionDep, account: CurrentAccount, body: TeamCreate):
    """A coordinator's team of their district, or an organisation admin's team of their
    organisation in a district it serves."""
    return service.create_team(session, account, body)


@router.get("/teams", response_model=PageRead[TeamRead])
def list_teams(
    session: SessionDep,
    account: CurrentAccount,
    page: PageDep,
    district_id: Id | None = None,
    organisation_id: Id | None = None,
):
    """Any signed-in caller: which teams there are (name, district, organisation)."""
    items, total = service.list_teams(
        session,
        account,
        district_id=district_id,
        organisation_id=organisation_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=items, total=total)


# /volunteers/me/teams: a volunteer's own teams (with the volunteers' paths, by meaning).
@router.get("/volunteers/me/teams", response_model=PageRead[MyTeamRead])
def my_teams(session: SessionDep, account: CurrentAccount, page: PageDep):
    """The caller's teams, requests to join included (volunteers only), by name."""
    teams = service.my_teams(session, account)
    return Page(
        items=[
            MyTeamRead(
                team=TeamRead.model_validate(team),
                status=MembershipStatus(member.status),
                is_lead=member.is_lead,
                requested_at=member.requested_at,
            )
            for team, member in teams[page.offset : page.offset + page.limit]
        ],
        total=len(teams),
    )


@router.get("/teams/{team_id}", response_model=TeamRead)
def get_team(session: SessionDep, account: CurrentAccount, team_id: Id):
    return service.get_team(session, account, team_id)


@router.post(
    "/teams/{team_id}/leads", response_model=MemberRead, status_code=status.HTTP_201_CREATED
)
def add_lead(session: SessionDep, account: CurrentAccount, team_id: Id, body: LeadCreate):
    """A coordinator or organisation admin makes a volunteer of the team's district a
    lead (an approved member, made one if need be). The lead stays a volunteer: same
    account, same tokens, with a grant on this team."""
    member = service.add_lead(session, account, team_id, body.volunteer_id)
    return service.member_view(session, member)


@router.post(
    "/teams/{team_id}/join", response_model=MembershipRead, status_code=status.HTTP_201_CREATED
)
def join_team(session: SessionDep, account: CurrentAccount, team_id: Id):
    """A volunteer of the team's district asks to join (409 when already in it or asking,
    or of another district); a lead, coordinator or organisation admin approves."""
    return service.request_to_join(session, account, team_id)


@router.delete("/teams/{team_id}/join", status_code=status.HTTP_204_NO_CONTENT)
def leave_team(session: SessionDep, account: CurrentAccount, team_id: Id):
    """The volunteer leaves the team, or withdraws their request to join."""
    service.leave_team(session, account, team_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/teams/{team_id}/members", response_model=PageRead[MemberRead])
def list_members(
    session: SessionDep,
    account: CurrentAccount,
    team_id: Id,
    page: PageDep,
    status: MembershipStatus | None = None,
):
    """Leads, coordinators and organisation admins: names and standing, nothing more."""
    items, total = service.list_members(
        session, account, team_id, status=status, limit=page.limit, offset=page.offset
    )
    return Page(items=items, total=total)


@router.post("/teams/{team_id}/members/{volunteer_id}/approve", response_model=MemberRead)
def approve_member(session: SessionDep, account: CurrentAccount, team_id: Id, volunteer_id: Id):
    member = service.approve_member(session, account, team_id, volunteer_id)
    return service.member_view(session, member)


@router.delete(
    "/teams/{team_id}/members/{volunteer_id}/approve", status_code=status.HTTP_204_NO_CONTENT
)
def remove_member(session: SessionDep, account: CurrentAccount, team_id: Id, volunteer_id: Id):
    """Turns a request to join down, or takes a member off the team (a lead off it:
    coordinators and organisation admins only)."""
    service.remove_member(session, account, team_id, volunteer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/teams/{team_id}/duties", response_model=PageRead[TeamDutyRead])
def team_duties(
    session: SessionDep,
    account: CurrentAccount,
    team_id: Id,
    from_date: FromDate,
    to_date: ToDate,
    page: PageDep,
):
    """The approved members' published duties dated `from`..`to` (station time; a year
    at most), by time."""
    duties = service.team_duties(session, account, team_id, start=from_date, end=to_date)
    return Page(items=duties[page.offset : page.offset + page.limit], total=len(duties))


@router.get("/teams/{team_id}/hours", response_model=TeamHours)
def team_hours(
    session: SessionDep, account: CurrentAccount, team_id: Id, from_date: FromDate, to_date: ToDate
):
    """The approved members' verified hours on duties dated `from`..`to`."""
    return service.team_hours(session, account, team_id, start=from_date, end=to_date)


@router.post(
    "/teams/{team_id}/messages",
    response_model=TeamMessageSent,
    status_code=status.HTTP_202_ACCEPTED,
)
def send_team_message(
    session: SessionDep, account: CurrentAccount, team_id: Id, body: TeamMessageCreate
):
    """A lead, coordinator or organisation admin writes to the team's approved members
    (e-mail for those who hear by it, webhook event `team.message`); delivered shortly."""
    recipients = service.send_team_message(
        session, account, team_id, subject=body.subject, body=body.body
    )
    return TeamMessageSent(recipients=recipients)
