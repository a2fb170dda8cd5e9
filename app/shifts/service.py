from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.districts import service as district_service
from app.pagination import Page, PageParams, paginate
from app.shifts.models import Shift
from app.shifts.schemas import ShiftCreate
from app.stations import service as station_service
from app.stations.models import ShiftTemplate, Station
from app.types import week_monday


def local_to_utc(day: date, hhmm: str, timezone: str) -> datetime:
    """The UTC instant of a wall-clock time at a station.

    zoneinfo resolves DST: an ambiguous time (clocks going back) is its first
    occurrence; a time that does not exist (clocks going forward) keeps the offset
    before the change, so the shift starts at the same elapsed time after midnight.
    """
    local = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def shifts_from_template(template: ShiftTemplate, week: str) -> list[dict]:
    monday = week_monday(week)
    timezone = template.station.timezone
    rows = []
    for weekday in template.weekdays:
        day = monday + timedelta(days=weekday - 1)
        end_day = day + timedelta(days=1) if template.overnight else day
        rows.append(
            {
                "station_id": template.station_id,
                "template_id": template.id,
                "starts_at": local_to_utc(day, template.start, timezone),
                "ends_at": local_to_utc(end_day, template.end, timezone),
                "min_volunteers": template.min_volunteers,
                "max_volunteers": template.max_volunteers,
                "skill_requirements": template.skill_requirements,
                "priority": template.priority,
            }
        )
    return rows


def generate_week(
    session: Session, account: Account, district_id: int, week: str
) -> tuple[int, int]:
    """Creates the week's shifts from the district's active templates: (created, existing)."""
    district_service.get_district_in_scope(session, account, district_id)
    templates = session.scalars(
        select(ShiftTemplate)
        .join(Station)
        .where(
            Station.district_id == district_id,
            Station.is_active.is_(True),
            ShiftTemplate.is_active.is_(True),
        )
    ).all()
    rows = [row for template in templates for row in shifts_from_template(template, week)]
    if not rows:
        return 0, 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # ON CONFLICT DO NOTHING on (template_id, starts_at): a rerun, or a racing request,
    # inserts nothing twice; RETURNING tells which rows this call created.
    statement = (
        insert(Shift)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["template_id", "starts_at"])
        .returning(Shift.id)
    )
    created = len(session.execute(statement).all())
    return created, len(rows) - created


def create_shift(session: Session, account: Account, data: ShiftCreate) -> Shift:
    station = station_service.get_station_in_scope(session, account, data.station_id)
    shift = Shift(
        station_id=station.id,
        **data.model_dump(exclude={"station_id", "skill_requirements"}),
        skill_requirements=[r.model_dump() for r in data.skill_requirements],
    )
    session.add(shift)
    session.flush()
    return shift


def list_shifts(
    session: Session,
    params: PageParams,
    *,
    district_id: int | None = None,
    station_id: int | None = None,
    week: str | None = None,
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
) -> Page[Shift]:
    query = select(Shift).join(Station).order_by(Shift.starts_at, Shift.id)
    if district_id is not None:
        query = query.where(Station.district_id == district_id)
    if station_id is not None:
        query = query.where(Shift.station_id == station_id)
    if week is not None:
        query = query.where(week_condition(session, week))
    if starts_from is not None:
        query = query.where(Shift.starts_at >= starts_from)
    if starts_to is not None:
        query = query.where(Shift.starts_at < starts_to)
    return paginate(session, query, params)


def week_condition(session: Session, week: str) -> ColumnElement[bool]:
    """Shifts that start inside the ISO week in their own station's local time."""
    monday = week_monday(week)
    timezones = session.scalars(select(Station.timezone).distinct()).all()
    return or_(
        false(),
        *(
            and_(
                Station.timezone == timezone,
                Shift.starts_at >= local_to_utc(monday, "00:00", timezone),
                Shift.starts_at < local_to_utc(monday + timedelta(days=7), "00:00", timezone),
            )
            for timezone in timezones
        ),
    )
