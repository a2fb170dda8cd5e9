from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.cover import service as cover
from app.db import utcnow
from app.districts import service as district_service
from app.errors import Conflict, NotFound
from app.notifications import changes as change_notices
from app.pagination import Page, PageParams, paginate
from app.rosters.models import Assignment, AssignmentStatus
from app.shifts.models import Shift
from app.shifts.schemas import ShiftCreate
from app.stations import service as station_service
from app.stations.models import ShiftTemplate, Station
from app.types import week_monday

SHIFT_CANCELLED = "shift cancelled"


def local_to_utc(day: date, hhmm: str, timezone: str) -> datetime:
    """The UTC instant of a wall-clock time at a station.

    An ambiguous time (clocks going back) is its first occurrence. A time that does
    not exist (clocks going forward) moves to the first instant after the gap, when
    the clocks show a time again: a shift planned at 01:30 on the morning the clocks
    jump from 01:00 to 02:00 starts at 02:00.
    """
    zone = ZoneInfo(timezone)
    local = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=zone)  # fold=0: first
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # In a gap: fold=1 reads it with the offset after the change, fold=0 with the one
    # before, and the change lies between the two instants they give.
    low, high = local.replace(fold=1).astimezone(UTC), instant
    after = zone.utcoffset(high.astimezone(zone))
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


@dataclass(frozen=True)
class SkippedShift:
    template_id: int
    date: date
    reason: str


def shifts_from_template(
    template: ShiftTemplate, week: str
) -> tuple[list[dict], list[SkippedShift]]:
    """The week's shifts of one template, and the days it yields none (a shift that a
    daylight-saving change leaves without time)."""
    monday = week_monday(week)
    timezone = template.station.timezone
    rows, skipped = [], []
    for weekday in template.weekdays:
        day = monday + timedelta(days=weekday - 1)
        end_day = day + timedelta(days=1) if template.overnight else day
        starts_at = local_to_utc(day, template.start, timezone)
        ends_at = local_to_utc(end_day, template.end, timezone)
        if ends_at <= starts_at:
            skipped.append(
                SkippedShift(
                    template.id,
                    day,
                    f"{template.start}-{template.end} falls in the time the clocks skip in "
                    f"{timezone} on {day.isoformat()}",
                )
            )
            continue
        rows.append(
            {
                "station_id": template.station_id,
                "template_id": template.id,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "min_volunteers": template.min_volunteers,
                "max_volunteers": template.max_volunteers,
                "skill_requirements": template.skill_requirements,
                "priority": template.priority,
            }
        )
    return rows, skipped


@dataclass
class Generated:
    created: int = 0
    existing: int = 0
    skipped: list[SkippedShift] = field(default_factory=list)


def generate_week(session: Session, account: Account, district_id: int, week: str) -> Generated:
    """Creates the week's shifts from the district's active templates."""
    district_service.get_district_in_scope(session, account, district_id)
    templates = session.scalars(
        select(ShiftTemplate)
        .join(Station)
        .where(
            Station.district_id == district_id,
            Station.is_active.is_(True),
            ShiftTemplate.is_active.is_(True),
        )
        .order_by(ShiftTemplate.id)
    ).all()
    result = Generated()
    rows = []
    for template in templates:
        made, skipped = shifts_from_template(template, week)
        rows += made
        result.skipped += skipped
    if not rows:
        return result
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # ON CONFLICT DO NOTHING on (template_id, starts_at): a rerun, or a racing request,
    # inserts nothing twice (nor brings back a cancelled shift); RETURNING tells which
    # rows this call created.
    statement = (
        insert(Shift)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["template_id", "starts_at"])
        .returning(Shift.id)
    )
    result.created = len(session.execute(statement).all())
    result.existing = len(rows) - result.created
    return result


def create_shift(session: Session, account: Account, data: ShiftCreate) -> Shift:
    station = station_service.get_station_in_scope(session, account, data.station_id)
    shift = Shift(
        station_id=station.id,
        **data.model_dump(exclude={"station_id", "skill_requirements"}),
        skill_requirements=[r.model_dump() for r in data.skill_requirements],
    )
    session.add(shift)
    session.flush()
    # An ad hoc shift added to a published week close to its start needs people now.
    cover.open_seat_cover(session, shift, utcnow())
    return shift


def in_service() -> ColumnElement[bool]:
    """Shifts that rosters fill and volunteers see: not cancelled, at an active station,
    ad hoc or from an active template. Use it where Station is in the query."""
    return and_(
        Shift.cancelled_at.is_(None),
        Station.is_active.is_(True),
        or_(
            Shift.template_id.is_(None),
            Shift.template_id.in_(
                select(ShiftTemplate.id).where(ShiftTemplate.is_active.is_(True))
            ),
        ),
    )


def cancel_shift(session: Session, account: Account, shift_id: int) -> None:
    """Takes a shift out of lists, rosters and open seats; its duties are cancelled.

    The row stays: assignments and hours point at it, and regenerating the week must
    not bring it back. A started shift belongs to the record of what happened and is
    corrected through hours, not removed.
    """
    shift = session.scalar(select(Shift).where(Shift.id == shift_id).with_for_update(of=Shift))
    if (
        shift is None
        or shift.cancelled_at is not None
        or not district_service.in_scope(account, shift.station.district_id)
    ):
        raise NotFound(f"Shift {shift_id} not found.")
    now = utcnow()
    if shift.starts_at <= now:
        raise Conflict(
            f"Shift {shift_id} started at {shift.starts_at.isoformat()}; a started shift "
            "cannot be removed.",
            reason="started",
        )
    shift.cancelled_at = now
    on_duty = session.scalars(
        select(Assignment).where(
            Assignment.shift_id == shift.id, Assignment.status == AssignmentStatus.scheduled
        )
    ).all()
    session.execute(
        update(Assignment)
        .where(Assignment.id.in_([a.id for a in on_duty]))
        .values(
            status=AssignmentStatus.cancelled,
            cancelled_at=now,
            cancelled_by=account.id,
            cancel_reason=SHIFT_CANCELLED,
        )
        .execution_options(synchronize_session="fetch")
    )
    # Those on it in a published roster hear of it (a draft's people do not).
    change_notices.duties_changed(
        session, change_notices.Cause.shift_cancelled, change_notices.by_volunteer(taken=on_duty)
    )


def list_shifts(
    session: Session,
    account: Account,
    params: PageParams,
    *,
    district_id: int | None = None,
    station_id: int | None = None,
    week: str | None = None,
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
) -> Page[Shift]:
    station_service.check_district_filter(session, account, district_id)
    query = (
        select(Shift)
        .join(Station)
        .where(station_service.readable(session, account), Shift.cancelled_at.is_(None))
        .order_by(Shift.starts_at, Shift.id)
    )
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
    return weeks_condition(session, [week])


def weeks_condition(session: Session, weeks: Iterable[str]) -> ColumnElement[bool]:
    """Shifts that start inside any of the ISO weeks in their own station's local time
    (one query for the timezones, however many weeks)."""
    timezones = session.scalars(select(Station.timezone).distinct()).all()
    return or_(
        false(),
        *(
            and_(
                Station.timezone == timezone,
                Shift.starts_at >= local_to_utc(monday, "00:00", timezone),
                Shift.starts_at < local_to_utc(monday + timedelta(days=7), "00:00", timezone),
            )
            for monday in sorted({week_monday(week) for week in weeks})
            for timezone in timezones
        ),
    )
