from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.deps import API_PREFIX, CoordinatorAccount, CurrentAccount, SessionDep
from app.pagination import PageDep, PageRead
from app.stations import service
from app.stations.schemas import (
    ShiftTemplateCreate,
    ShiftTemplateRead,
    StationCreate,
    StationKind,
    StationRead,
    StationUpdate,
)
from app.types import Id

router = APIRouter(prefix=API_PREFIX, tags=["stations"])


@router.post("/stations", response_model=StationRead, status_code=status.HTTP_201_CREATED)
def create_station(session: SessionDep, account: CoordinatorAccount, body: StationCreate):
    return service.create_station(session, account, body)


@router.get("/stations", response_model=PageRead[StationRead])
def list_stations(
    session: SessionDep,
    account: CurrentAccount,
    page: PageDep,
    district_id: Id | None = None,
    kind: Annotated[StationKind | None, Query()] = None,
    active: bool | None = None,
):
    return service.list_stations(
        session, account, page, district_id=district_id, kind=kind, active=active
    )


@router.get("/stations/{station_id}", response_model=StationRead)
def get_station(session: SessionDep, account: CurrentAccount, station_id: Id):
    return service.get_station(session, account, station_id)


@router.patch("/stations/{station_id}", response_model=StationRead)
def update_station(
    session: SessionDep, account: CoordinatorAccount, station_id: Id, body: StationUpdate
):
    return service.update_station(session, account, station_id, body)


@router.delete("/stations/{station_id}", status_code=status.HTTP_204_NO_CONTENT)
def deactivate_station(session: SessionDep, account: CoordinatorAccount, station_id: Id):
    """Deactivates the station: it keeps its history but gets no new shifts."""
    service.deactivate_station(session, account, station_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/stations/{station_id}/shift-templates",
    response_model=ShiftTemplateRead,
    status_code=status.HTTP_201_CREATED,
)
def create_template(
    session: SessionDep, account: CoordinatorAccount, station_id: Id, body: ShiftTemplateCreate
):
    return service.create_template(session, account, station_id, body)


@router.get("/stations/{station_id}/shift-templates", response_model=PageRead[ShiftTemplateRead])
def list_templates(session: SessionDep, account: CoordinatorAccount, station_id: Id, page: PageDep):
    return service.list_templates(session, account, station_id, page)


@router.delete(
    "/stations/{station_id}/shift-templates/{template_id}", status_code=status.HTTP_204_NO_CONTENT
)
def deactivate_template(
    session: SessionDep, account: CoordinatorAccount, station_id: Id, template_id: Id
):
    """Stops the template from generating new shifts; shifts made already stay."""
    service.deactivate_template(session, account, station_id, template_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
