"""Adoptions of a station's seats, and a team's lead filling them (app/teams/adoptions.py)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.deps import API_PREFIX, CoordinatorAccount, CurrentAccount, SessionDep
from app.pagination import PageDep, PageRead
from app.rosters.models import Assignment
from app.rosters.schemas import AssignmentRead
from app.teams import adoptions as service
from app.teams.adoption_schemas import (
    AdoptionCreate,
    AdoptionRead,
    OpenAdoptedSeatRead,
    TeamAssignmentCreate,
)
from app.types import Id, Instant

router = APIRouter(prefix=API_PREFIX, tags=["teams"])


@router.post(
    "/stations/{station_id}/adoptions",
    response_model=AdoptionRead,
    status_code=status.HTTP_201_CREATED,
)
def create_adoption(
    session: SessionDep, account: CoordinatorAccount, station_id: Id, body: AdoptionCreate
):
    return service.create_adoption(session, account, station_id, body)


@router.get("/stations/{station_id}/adoptions", response_model=PageRead[AdoptionRead])
def list_adoptions(session: SessionDep, account: CoordinatorAccount, station_id: Id, page: PageDep):
    adoptions = service.list_adoptions(session, account, station_id)
    return {
        "items": adoptions[page.offset : page.offset + page.limit],
        "total": len(adoptions),
    }


@router.delete(
    "/stations/{station_id}/adoptions/{adoption_id}", status_code=status.HTTP_204_NO_CONTENT
)
def delete_adoption(
    session: SessionDep, account: CoordinatorAccount, station_id: Id, adoption_id: Id
):
    service.delete_adoption(session, account, station_id, adoption_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/teams/{team_id}/open-seats", response_model=PageRead[OpenAdoptedSeatRead])
def open_seats(
    session: SessionDep,
    account: CurrentAccount,
    team_id: Id,
    page: PageDep,
    starts_from: Annotated[Instant | None, Query(alias="from")] = None,
    starts_to: Annotated[Instant | None, Query(alias="to")] = None,
):
    """The team's adopted seats a member may still take (reserved or released)."""
    seats = service.open_adopted_seats(session, account, team_id, start=starts_from, end=starts_to)
    return {"items": seats[page.offset : page.offset + page.limit], "total": len(seats)}


@router.post(
    "/teams/{team_id}/assignments",
    response_model=AssignmentRead,
    status_code=status.HTTP_201_CREATED,
)
def assign_member(
    session: SessionDep, account: CurrentAccount, team_id: Id, body: TeamAssignmentCreate
):
    """The team's lead puts an approved member on one of the team's adopted seats."""
    assignment = service.assign_member(session, account, team_id, body.shift_id, body.volunteer_id)
    return _assignment_read(assignment)


def _assignment_read(a: Assignment) -> AssignmentRead:
    return AssignmentRead(
        id=a.id,
        roster_id=a.roster_id,
        shift_id=a.shift_id,
        station_id=a.shift.station_id,
        volunteer_id=a.volunteer_id,
        starts_at=a.shift.starts_at,
        ends_at=a.shift.ends_at,
        status=a.status,
        source=a.source,
        pinned=a.pinned,
    )
