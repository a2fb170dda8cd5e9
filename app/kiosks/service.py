"""Kiosks: device keys bound to a station, the duty board, check-in and check-out.

A kiosk acts only on its own station's assignments of published rosters, and only
around the current local day: the board shows that day, and check-ins and check-outs
(also late ones, queued while the kiosk was offline) must have happened on it.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.security import new_token, token_digest
from app.db import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.hours import service as hours_service
from app.kiosks.masking import mask_name
from app.kiosks.models import Kiosk
from app.kiosks.schemas import DutyBoard, DutyEntry, KioskActionRead, StationRef
from app.pagination import Page, PageParams, paginate
from app.rosters import service as roster_service
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.shifts.models import Shift
from app.shifts.schemas import MAX_SHIFT_LENGTH
from app.stations import service as station_service
from app.stations.models import Station
from app.volunteers.models import Volunteer

CHECK_IN_OPENS = timedelta(minutes=30)
# Tablet clocks drift; a record this far ahead of the server is taken as "now".
CLOCK_SKEW = timedelta(seconds=60)
MAX_KEY_LENGTH = 100


# -- keys --------------------------------------------------------------------------


def create_kiosk(
    session: Session, account: Account, station_id: int, name: str
) -> tuple[Kiosk, str]:
    """A new kiosk and its key; the key is returned here and never again."""
    station = station_service.get_station_in_scope(session, account, station_id)
    key = new_token()  # 256 random bits
    kiosk = Kiosk(
        station_id=station.id, name=name, key_hash=token_digest(key), created_by=account.id
    )
    session.add(kiosk)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # pragma: no cover - a 256-bit collision
        raise Conflict("Could not create the kiosk; try again.") from None
    return kiosk, key


def list_kiosks(
    session: Session, account: Account, station_id: int, params: PageParams
) -> Page[Kiosk]:
    station = station_service.get_station_in_scope(session, account, station_id)
    query = select(Kiosk).where(Kiosk.station_id == station.id).order_by(Kiosk.id)
    return paginate(session, query, params)


def revoke_kiosk(session: Session, account: Account, station_id: int, kiosk_id: int) -> None:
    """Effective at once: every request looks the key up. Revoking twice is harmless."""
    station = station_service.get_station_in_scope(session, account, station_id)
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None or kiosk.station_id != station.id:
        raise NotFound(f"Kiosk {kiosk_id} not found at station {station_id}.")
    if kiosk.revoked_at is None:
        kiosk.revoked_at = utcnow()
        kiosk.revoked_by = account.id
        session.flush()


def kiosk_for_key(session: Session, key: str) -> Kiosk | None:
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    kiosk = session.scalar(select(Kiosk).where(Kiosk.key_hash == token_digest(key)))
    if kiosk is None or kiosk.revoked_at is not None:
        return None
    return kiosk


def _station(session: Session, kiosk: Kiosk) -> Station:
    # A foreign key, and stations are deactivated, never deleted: the row is there.
    return session.get_one(Station, kiosk.station_id)


# -- the local day -----------------------------------------------------------------


def local_day(station: Station, instant: datetime) -> tuple[datetime, datetime]:
    """The station's local calendar day around `instant`, as [start, end) instants."""
    zone = ZoneInfo(station.timezone)
    day = instant.astimezone(zone).date()
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start, end


def _on_today(station: Station, instant: datetime, now: datetime) -> bool:
    start, end = local_day(station, now)
    return start <= instant < end


# -- the board ---------------------------------------------------------------------


def _entry(assignment: Assignment, volunteer: Volunteer, status: str | None = None) -> dict:
    shift = assignment.shift
    return dict(
        assignment_id=assignment.id,
        volunteer_name=mask_name(volunteer.name),
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        status=status or assignment.status,
        checked_in=assignment.check_in_at is not None,
        checked_out=assignment.check_out_at is not None,
        check_in_at=assignment.check_in_at,
        check_out_at=assignment.check_out_at,
        check_in_opens_at=shift.starts_at - CHECK_IN_OPENS,
    )


def duty_board(session: Session, kiosk: Kiosk, at: datetime | None) -> DutyBoard:
    """Who is on duty at `at` (default now) and who comes later that local day.

    `at` must lie on the station's current local day: a kiosk sees today only. Ended
    shifts whose volunteer checked in but not out stay on duty, so they can check out.
    """
    now = utcnow()
    station = _station(session, kiosk)
    at = now if at is None else at
    if not _on_today(station, at, now):
        raise InvalidInput(
            [{"loc": ["query", "at"], "msg": "must lie on the station's current day"}]
        )
    # Lazy sweep: shifts that ended without a check-in become no_show when read (the
    # board shows them so at once; they are stored so after this read).
    hours_service.sweep_no_shows(session, now, station_id=station.id)
    day_start, day_end = local_day(station, at)
    is_no_show = and_(
        Assignment.status == AssignmentStatus.scheduled, hours_service.no_show_rule(now)
    )
    rows = session.execute(
        select(Assignment, Volunteer, is_no_show)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Roster, Roster.id == Assignment.roster_id)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .where(
            Shift.station_id == station.id,
            Roster.status == RosterStatus.published,
            Assignment.status != AssignmentStatus.cancelled,
            Shift.starts_at < day_end,
            Shift.ends_at > day_start,
            # Implied by the line above (no shift is longer), and what lets the index
            # on (station_id, starts_at) find the day's shifts without reading the
            # station's whole history.
            Shift.starts_at > day_start - MAX_SHIFT_LENGTH,
        )
        .order_by(Shift.starts_at, Shift.ends_at, Assignment.id)
    ).all()
    on_duty: list[DutyEntry] = []
    upcoming: list[DutyEntry] = []
    for assignment, volunteer, no_show in rows:
        shift = assignment.shift
        status = AssignmentStatus.no_show if no_show else assignment.status
        still_to_check_out = assignment.check_in_at is not None and assignment.check_out_at is None
        if shift.starts_at <= at < shift.ends_at or (shift.ends_at <= at and still_to_check_out):
            on_duty.append(DutyEntry(**_entry(assignment, volunteer, status)))
        elif shift.starts_at > at:
            upcoming.append(DutyEntry(**_entry(assignment, volunteer, status)))
    return DutyBoard(
        station=StationRef(id=station.id, name=station.name, timezone=station.timezone),
        at=at,
        on_duty=on_duty,
        next=upcoming,
    )


# -- check-in and check-out --------------------------------------------------------


def _kiosk_assignment(session: Session, kiosk: Kiosk, assignment_id: int) -> Assignment:
    """The assignment, locked; 404 unless it is on a published roster at the kiosk's station."""
    assignment, roster = roster_service.locked_assignment(session, assignment_id)
    if (
        assignment is None
        or roster is None
        or roster.status != RosterStatus.published
        or assignment.shift.station_id != kiosk.station_id
    ):
        raise NotFound(f"Assignment {assignment_id} is not on this station's roster.")
    if assignment.status == AssignmentStatus.cancelled:
        raise Conflict(f"Assignment {assignment_id} was cancelled.", reason="cancelled")
    return assignment


def _action_time(station: Station, at: datetime | None, now: datetime) -> datetime:
    """When the action happened: `at` for records queued offline, else now."""
    if at is None:
        return now
    if at > now + CLOCK_SKEW:
        raise InvalidInput([{"loc": ["body", "at"], "msg": "lies in the future"}])
    at = min(at, now)
    if not _on_today(station, at, now):
        raise InvalidInput(
            [{"loc": ["body", "at"], "msg": "must lie on the station's current day"}]
        )
    return at


def _read(session: Session, assignment: Assignment) -> KioskActionRead:
    # A foreign key, and withdrawal erases a volunteer's data but keeps the row.
    volunteer = session.get_one(Volunteer, assignment.volunteer_id)
    credited = hours_service.entry_of(session, assignment.id)
    return KioskActionRead(
        **_entry(assignment, volunteer), hours=credited.hours if credited else None
    )


def _local_hhmm(station: Station, instant: datetime) -> str:
    return instant.astimezone(ZoneInfo(station.timezone)).strftime("%H:%M")


def check_in(
    session: Session, kiosk: Kiosk, assignment_id: int, at: datetime | None
) -> KioskActionRead:
    """From 30 minutes before the start until the end. A second call changes nothing."""
    now = utcnow()
    assignment = _kiosk_assignment(session, kiosk, assignment_id)
    if assignment.check_in_at is not None:
        return _read(session, assignment)
    station = _station(session, kiosk)
    at = _action_time(station, at, now)
    shift = assignment.shift
    opens = shift.starts_at - CHECK_IN_OPENS
    if at < opens:
        raise Conflict(
            f"Check-in opens at {_local_hhmm(station, opens)}, 30 minutes before the shift.",
            reason="too_early",
        )
    if at > shift.ends_at:
        raise Conflict(
            f"The shift ended at {_local_hhmm(station, shift.ends_at)}.", reason="shift_over"
        )
    assignment.check_in_at = at
    # A late record may arrive after the sweep called the duty a no-show.
    if assignment.status in (AssignmentStatus.scheduled, AssignmentStatus.no_show):
        assignment.status = AssignmentStatus.checked_in
    session.flush()
    return _read(session, assignment)


def check_out(
    session: Session, kiosk: Kiosk, assignment_id: int, at: datetime | None
) -> KioskActionRead:
    """After the check-in, on the same day; credits the service hours. Idempotent."""
    now = utcnow()
    assignment = _kiosk_assignment(session, kiosk, assignment_id)
    if assignment.check_out_at is not None:
        return _read(session, assignment)
    if assignment.check_in_at is None:
        raise Conflict(
            f"Assignment {assignment_id} has not checked in yet.", reason="not_checked_in"
        )
    station = _station(session, kiosk)
    at = _action_time(station, at, now)
    if at < assignment.check_in_at:
        raise Conflict("The check-out lies before the check-in.", reason="before_check_in")
    assignment.check_out_at = at
    if assignment.status == AssignmentStatus.checked_in:
        assignment.status = AssignmentStatus.completed
    hours_service.credit_kiosk_hours(session, assignment)
    session.flush()
    return _read(session, assignment)
