from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.deps import API_PREFIX, CoordinatorAccount, CurrentAccount, SessionDep
from app.pagination import PageDep, PageRead
from app.rosters import service as roster_service
from app.shifts import service
from app.shifts.schemas import GenerateRequest, GenerateResult, ShiftCreate, ShiftRead
from app.types import Id, Instant, IsoWeek

router = APIRouter(prefix=API_PREFIX, tags=["shifts"])


@router.post("/shifts/generate", response_model=GenerateResult)
def generate_shifts(session: SessionDep, account: CoordinatorAccount, body: GenerateRequest):
    """Creates the ISO week's shifts from the district's templates; safe to repeat."""
    generated = service.generate_week(session, account, body.district_id, body.week)
    return GenerateResult.model_validate(generated, from_attributes=True)


@router.post("/shifts", response_model=ShiftRead, status_code=status.HTTP_201_CREATED)
def create_shift(session: SessionDep, account: CoordinatorAccount, body: ShiftCreate):
    """An ad hoc shift, for events and peak days outside the weekly pattern."""
    return service.create_shift(session, account, body)


@router.get("/shifts", response_model=PageRead[ShiftRead])
def list_shifts(
    session: SessionDep,
    account: CurrentAccount,
    page: PageDep,
    district_id: Id | None = None,
    station_id: Id | None = None,
    week: Annotated[IsoWeek | None, Query()] = None,
    starts_from: Annotated[Instant | None, Query(alias="from")] = None,
    starts_to: Annotated[Instant | None, Query(alias="to")] = None,
):
    """Coordinators see their districts' shifts, volunteers those of their own
    district's active stations; removed shifts are not listed."""
    found = service.list_shifts(
        session,
        account,
        page,
        district_id=district_id,
        station_id=station_id,
        week=week,
        starts_from=starts_from,
        starts_to=starts_to,
    )
    assigned = roster_service.published_seat_counts(session, [s.id for s in found.items])
    items = [
        ShiftRead.model_validate(s, from_attributes=True).model_copy(
            update={"assigned": assigned.get(s.id, 0)}
        )
        for s in found.items
    ]
    return PageRead[ShiftRead](items=items, total=found.total)


@router.delete("/shifts/{shift_id}", status_code=status.HTTP_204_NO_CONTENT)
def cancel_shift(session: SessionDep, account: CoordinatorAccount, shift_id: Id):
    """Removes a shift that has not started: it leaves lists, rosters and open seats,
    and its duties are cancelled with the reason "shift cancelled"."""
    service.cancel_shift(session, account, shift_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
