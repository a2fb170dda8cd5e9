from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.districts import service as district_service
from app.errors import Conflict, NotFound
from app.pagination import Page, PageParams, paginate
from app.settings import get_settings
from app.stations.models import ShiftTemplate, Station
from app.stations.schemas import ShiftTemplateCreate, StationCreate, StationUpdate
from app.volunteers.models import Volunteer


def readable(session: Session, account: Account) -> ColumnElement[bool]:
    """The stations (and so shifts) a caller may read: an admin all of them, a
    coordinator those of their districts, a volunteer the active ones of their own
    district. Use it where Station is in the query."""
    if account.role == Role.admin:
        return true()
    if account.role == Role.coordinator:
        return Station.district_id.in_(account.district_ids)
    if account.role == Role.volunteer:
        district_id = session.scalar(
            select(Volunteer.district_id).where(Volunteer.account_id == account.id)
        )
        if district_id is not None:
            return (Station.district_id == district_id) & Station.is_active.is_(True)
    return false()


def check_district_filter(session: Session, account: Account, district_id: int | None) -> None:
    """A coordinator who filters by a district outside theirs gets 404, as everywhere."""
    if district_id is not None and account.role == Role.coordinator:
        district_service.get_district_in_scope(session, account, district_id)


def get_station(session: Session, account: Account, station_id: int) -> Station:
    """The station, or 404 when it is unknown or the caller may not read it."""
    station = session.scalar(
        select(Station).where(Station.id == station_id, readable(session, account))
    )
    if station is None:
        raise NotFound(f"Station {station_id} not found.")
    return station


def get_station_in_scope(session: Session, account: Account, station_id: int) -> Station:
    """The station, or 404 when it is unknown or outside the coordinator's districts."""
    station = session.get(Station, station_id)
    if station is None or not district_service.in_scope(account, station.district_id):
        raise NotFound(f"Station {station_id} not found.")
    return station


def _add_unique_code(session: Session, station: Station) -> None:
    # Added inside the savepoint: a refused station leaves the session with it, and the
    # session stays usable (the console shows the form again).
    code = station.code
    try:
        with session.begin_nested():
            session.add(station)
            session.flush()
    except IntegrityError:
        raise Conflict(f"A station with code {code!r} already exists.") from None


def create_station(session: Session, account: Account, data: StationCreate) -> Station:
    district_service.get_district_in_scope(session, account, data.district_id)
    station = Station(
        **data.model_dump(exclude={"timezone"}),
        timezone=data.timezone or get_settings().default_timezone,
    )
    _add_unique_code(session, station)
    return station


def list_stations(
    session: Session,
    account: Account,
    params: PageParams,
    *,
    district_id: int | None,
    kind: str | None,
    active: bool | None,
) -> Page[Station]:
    check_district_filter(session, account, district_id)
    query = select(Station).where(readable(session, account)).order_by(Station.id)
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
