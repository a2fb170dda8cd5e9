from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.districts import service as district_service
from app.errors import Conflict, NotFound
from app.pagination import Page, PageParams, paginate
from app.settings import get_settings
from app.stations.models import ShiftTemplate, Station
from app.stations.schemas import ShiftTemplateCreate, StationCreate, StationUpdate


def get_station(session: Session, station_id: int) -> Station:
    station = session.get(Station, station_id)
    if station is None:
        raise NotFound(f"Station {station_id} not found.")
    return station


def get_station_in_scope(session: Session, account: Account, station_id: int) -> Station:
    """The station, or 404 when it is unknown or outside the coordinator's districts."""
    station = session.get(Station, station_id)
    if station is None or not district_service.in_scope(account, station.district_id):
        raise NotFound(f"Station {station_id} not found.")
    return station


def _flush_unique_code(session: Session, code: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"A station with code {code!r} already exists.") from None


def create_station(session: Session, account: Account, data: StationCreate) -> Station:
    district_service.get_district_in_scope(session, account, data.district_id)
    station = Station(
        **data.model_dump(exclude={"timezone"}),
        timezone=data.timezone or get_settings().default_timezone,
    )
    session.add(station)
    _flush_unique_code(session, data.code)
    return station


def list_stations(
    session: Session,
    params: PageParams,
    *,
    district_id: int | None,
    kind: str | None,
    active: bool | None,
) -> Page[Station]:
    query = select(Station).order_by(Station.id)
    if district_id is not None:
        query = query.where(Station.district_id == district_id)
    if kind is not None:
        query = query.where(Station.kind == kind)
    if active is not None:
        query = query.where(Station.is_active == active)
    return paginate(session, query, params)


def update_station(
    session: Session, account: Account, station_id: int, data: StationUpdate
) -> Station:
    station = get_station_in_scope(session, account, station_id)
    # An explicit null leaves a field as it is; there is nothing on a station to clear.
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "district_id" in changes:
        district_service.get_district_in_scope(session, account, changes["district_id"])
    for field, value in changes.items():
        setattr(station, field, value)
    session.flush()
    return station


def deactivate_station(session: Session, account: Account, station_id: int) -> None:
    station = get_station_in_scope(session, account, station_id)
    station.is_active = False


def create_template(
    session: Session, account: Account, station_id: int, data: ShiftTemplateCreate
) -> ShiftTemplate:
    station = get_station_in_scope(session, account, station_id)
    template = ShiftTemplate(
        station_id=station.id,
        **data.model_dump(exclude={"weekdays", "skill_requirements"}),
        weekdays=sorted(data.weekdays),
        skill_requirements=[r.model_dump() for r in data.skill_requirements],
    )
    session.add(template)
    session.flush()
    return template


def list_templates(
    session: Session, account: Account, station_id: int, params: PageParams
) -> Page[ShiftTemplate]:
    station = get_station_in_scope(session, account, station_id)
    query = (
        select(ShiftTemplate)
        .where(ShiftTemplate.station_id == station.id)
        .order_by(ShiftTemplate.id)
    )
    return paginate(session, query, params)


def deactivate_template(
    session: Session, account: Account, station_id: int, template_id: int
) -> None:
    station = get_station_in_scope(session, account, station_id)
    template = session.get(ShiftTemplate, template_id)
    if template is None or template.station_id != station.id:
        raise NotFound(f"Shift template {template_id} not found.")
    template.is_active = False
