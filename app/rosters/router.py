from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from app.cover import service as cover_service
from app.deps import API_PREFIX, CoordinatorAccount, SessionDep
from app.pagination import PageDep, PageRead
from app.rosters import history, recruitment, service
from app.rosters.models import ACTIVE_JOB_STATUSES, Assignment, Roster
from app.rosters.schemas import (
    AssignmentRead,
    HistoryItemRead,
    ManualAssignment,
    RosterProgress,
    RosterRead,
    RosterRequest,
    RosterStats,
    UnfilledRead,
)
from app.types import Id, IsoWeek

router = APIRouter(prefix=API_PREFIX, tags=["rosters"])


def _read(session: Session, roster: Roster, fill: service.ShiftFill | None = None) -> RosterRead:
    running = roster.job_status in ACTIVE_JOB_STATUSES
    return RosterRead(
        id=roster.id,
        district_id=roster.district_id,
        week=roster.week,
        status=roster.status,
        progress=RosterProgress.model_validate(roster.progress)
        if running and roster.progress is not None
        else None,
        stats=RosterStats.model_validate(service.stats(session, roster, fill)),
        error=roster.error,
        job_kind=roster.job_kind,
        job_status=roster.job_status,
        attempts=roster.attempts,
        changed_volunteer_ids=roster.changed_volunteer_ids or [],
        created_at=roster.created_at,
        finished_at=roster.finished_at,
        published_at=roster.published_at,
    )


def _assignment(a: Assignment) -> AssignmentRead:
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


def _location(roster: Roster) -> dict[str, str]:
    return {"Location": f"{API_PREFIX}/rosters/{roster.id}"}


@router.post(
    "/rosters",
    response_model=RosterRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"model": RosterRead, "description": "A job for this week is under way"}},
)
def request_roster(
    session: SessionDep, account: CoordinatorAccount, body: RosterRequest, response: Response
):
    """Queues a solve of the district-week (its shifts are generated first if none
    exist). While one is queued or solving, the same request returns that one (200)."""
    roster, created = service.request_roster(session, account, body)
    response.status_code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
    response.headers.update(_location(roster))
    return _read(session, roster)


@router.get("/rosters", response_model=list[RosterRead])
def list_rosters(
    session: SessionDep,
    account: CoordinatorAccount,
    district_id: Id,
    week: Annotated[IsoWeek | None, Query()] = None,
):
    rosters = service.list_rosters(session, account, district_id, week)
    fills = service.shift_fills(session, rosters)
    return [_read(session, r, fills[r.id]) for r in rosters]


@router.get("/rosters/{roster_id}", response_model=RosterRead)
def read_roster(session: SessionDep, account: CoordinatorAccount, roster_id: Id):
    service.refresh_jobs(session)
    return _read(session, service.get_roster(session, account, roster_id))


@router.get("/rosters/{roster_id}/assignments", response_model=list[AssignmentRead])
def list_assignments(session: SessionDep, account: CoordinatorAccount, roster_id: Id):
    roster = service.get_roster(session, account, roster_id)
    return [_assignment(a) for a in service.roster_assignments(session, roster)]


@router.get("/rosters/{roster_id}/unfilled", response_model=list[UnfilledRead])
def list_unfilled(session: SessionDep, account: CoordinatorAccount, roster_id: Id):
    """Every seat still open, with the solver's reasons and its short-notice cover."""
    seats = service.unfilled(session, service.get_roster(session, account, roster_id))
    covers = cover_service.cover_views(session, [seat["shift_id"] for seat in seats])
    return [seat | {"cover": covers.get(seat["shift_id"])} for seat in seats]


@router.get("/rosters/{roster_id}/history", response_model=PageRead[HistoryItemRead])
def roster_history(session: SessionDep, account: CoordinatorAccount, roster_id: Id, page: PageDep):
    """What changed since publication (sign-ups, additions, repairs, swaps,
    cancellations), newest first; empty for a roster never published."""
    items = history.roster_history(session, service.get_roster(session, account, roster_id))
    return PageRead[HistoryItemRead](
        items=items[page.offset : page.offset + page.limit], total=len(items)
    )


@router.post("/rosters/{roster_id}/publish", response_model=RosterRead)
def publish(session: SessionDep, account: CoordinatorAccount, roster_id: Id):
    """Publishes a draft; the district-week's earlier published roster is superseded."""
    return _read(session, service.publish(session, account, roster_id))


@router.post(
    "/rosters/{roster_id}/repair", response_model=RosterRead, status_code=status.HTTP_202_ACCEPTED
)
def repair(session: SessionDep, account: CoordinatorAccount, roster_id: Id, response: Response):
    """Refills cancelled and empty seats of a published roster, keeping every other
    assignment; `changed_volunteer_ids` then lists whose duties changed."""
    roster = service.request_repair(session, account, roster_id)
    response.headers.update(_location(roster))
    return _read(session, roster)


@router.get("/rosters/{roster_id}/export.csv", response_class=Response)
def export(session: SessionDep, account: CoordinatorAccount, roster_id: Id):
    roster = service.get_roster(session, account, roster_id)
    return Response(
        service.export_csv(session, roster),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="roster-{roster.id}-{roster.week}.csv"'
        },
    )


@router.post(
    "/rosters/{roster_id}/assignments",
    response_model=AssignmentRead,
    status_code=status.HTTP_201_CREATED,
)
def add_assignment(
    session: SessionDep, account: CoordinatorAccount, roster_id: Id, body: ManualAssignment
):
    """Adds a volunteer by hand; 409 names the hard rule it would break."""
    return _assignment(service.add_assignment(session, account, roster_id, body))


@router.delete(
    "/rosters/{roster_id}/assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT
)
def remove_assignment(
    session: SessionDep, account: CoordinatorAccount, roster_id: Id, assignment_id: Id
):
    """Removes an assignment; the seat reopens."""
    service.remove_assignment(session, account, roster_id, assignment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/rosters/{roster_id}/recruitment",
    response_model=recruitment.RecruitmentRead,
    responses={200: {"content": {"text/csv": {}}}},
)
def recruitment_advice(
    session: SessionDep,
    account: CoordinatorAccount,
    roster_id: Id,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
):
    """Whom to recruit: the fewest volunteer profiles (skills, weekday, hours, a station
    they live near) that fill the most of the roster's open seats, as the solver's own
    rules decide. 409 while the roster has no solution. `?format=csv`: one row per
    profile, for a recruitment drive. The advice is kept per roster version."""
    advice = recruitment.roster_advice(session, account, roster_id)
    if format == "csv":
        return Response(
            recruitment.advice_csv(advice),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="recruitment-{roster_id}.csv"'},
        )
    return advice
