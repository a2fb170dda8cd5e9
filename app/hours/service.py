"""Verified service hours: credited at check-out, corrected by coordinators, reported.

Hours come only from presence (the kiosk's check-in and check-out, or a
coordinator's correction), never from the plan. A kiosk entry counts the part of the
recorded presence that falls within the shift: arriving 30 minutes early to check in
or forgetting to check out until the evening does not add hours. A correction
counts the times the coordinator gives, as given.
"""

import csv
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, CursorResult, Row, and_, exists, or_, select, update
from sqlalchemy.orm import Bundle, Session

from app.accounts.models import Account
from app.db import utcnow, write_after_read
from app.districts import service as district_service
from app.errors import Conflict, InvalidInput, NotFound
from app.exports import spreadsheet_safe
from app.hours.models import HoursCorrection, HoursSource, ServiceHours
from app.hours.schemas import (
    CorrectionRead,
    EntryRow,
    HoursCorrectionCreate,
    HoursEntryRead,
    HoursReport,
    KioskRecord,
    MyHours,
    MyHoursEntry,
    StationHoursRow,
    VolunteerHoursRow,
)
from app.rosters import service as roster_service
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.settings import get_settings
from app.shifts.models import Shift
from app.stations.models import Station
from app.types import FIRST_YEAR, LAST_YEAR
from app.volunteers.models import Volunteer

# Rosters whose assignments may carry hours: a published roster later superseded by a
# re-published one still holds what really happened.
HOURS_ROSTERS = (RosterStatus.published, RosterStatus.superseded)
# Corrections may not be dated ahead of the server's clock by more than this.
CLOCK_SKEW = timedelta(seconds=60)


def hours_between(start: datetime, end: datetime) -> float:
    return round(max(0.0, (end - start).total_seconds()) / 3600, 2)


# -- no-shows ----------------------------------------------------------------------


def no_show_rule(now: datetime) -> ColumnElement[bool]:
    """The rule of a no-show, on Shift and Roster (the duty's, joined by the caller):
    the shift is over and its roster is published, and was so before the shift
    started (nobody misses a duty that was published only after its shift had
    started: a roster re-solved and re-published mid-week). A scheduled duty for
    which it holds is a no-show, whether or not mark_no_shows has stored it yet."""
    return and_(
        Shift.ends_at <= now,
        Roster.status == RosterStatus.published,
        or_(Roster.published_at.is_(None), Roster.published_at <= Shift.starts_at),
    )


def _due_no_shows(
    now: datetime, station_id: int | None, volunteer_id: int | None, district_id: int | None
) -> list[ColumnElement[bool]]:
    """The criteria of the scheduled duties (of this scope) that `no_show_rule` makes no-shows."""
    of_duty = (
        select(Shift.id)
        .join(Roster, Roster.id == Assignment.roster_id)
        .where(Shift.id == Assignment.shift_id, no_show_rule(now))
    )
    if station_id is not None:
        of_duty = of_duty.where(Shift.station_id == station_id)
    if district_id is not None:
        of_duty = of_duty.where(
            Shift.station_id.in_(select(Station.id).where(Station.district_id == district_id))
        )
    criteria = [Assignment.status == AssignmentStatus.scheduled, exists(of_duty)]
    if volunteer_id is not None:
        criteria.append(Assignment.volunteer_id == volunteer_id)
    return criteria


def mark_no_shows(
    session: Session,
    now: datetime,
    *,
    station_id: int | None = None,
    volunteer_id: int | None = None,
    district_id: int | None = None,
) -> int:
    """Scheduled duties of published rosters whose shift is over become `no_show`.

    There is no clock-driven job for this: the sweep runs where the outcome is read
    (the kiosk board, my hours, the hours report, a correction), limited to what
    that read covers, so the state is right whenever somebody looks. Returns how
    many duties changed. Reads sweep with `sweep_no_shows`.
    """
    statement = (
        update(Assignment)
        .where(*_due_no_shows(now, station_id, volunteer_id, district_id))
        .values(status=AssignmentStatus.no_show)
        .execution_options(synchronize_session="fetch")
    )
    # An UPDATE without RETURNING gives a CursorResult; Session.execute is typed for
    # any statement (sqlalchemy/sqlalchemy#12913), hence the cast.
    result = cast("CursorResult[Any]", session.execute(statement))
    return result.rowcount or 0


def sweep_no_shows(
    session: Session,
    now: datetime,
    *,
    station_id: int | None = None,
    volunteer_id: int | None = None,
    district_id: int | None = None,
) -> None:
    """mark_no_shows for a read (a GET may not write; app.db.write_after_read): when
    there is a duty to mark, it is marked once the read has committed. The read
    itself counts such duties as no-shows by the rule (`no_show_rule`). Most reads find
    none, and then write nothing: they never wait for the write lock."""
    due = select(Assignment.id).where(*_due_no_shows(now, station_id, volunteer_id, district_id))
    if session.scalar(due.limit(1)) is not None:
        write_after_read(
            session,
            lambda writing: mark_no_shows(
                writing,
                now,
                station_id=station_id,
                volunteer_id=volunteer_id,
                district_id=district_id,
            ),  # fmt: skip
        )


# -- crediting and correcting ------------------------------------------------------


def entry_of(session: Session, assignment_id: int) -> ServiceHours | None:
    return session.scalar(select(ServiceHours).where(ServiceHours.assignment_id == assignment_id))


def kiosk_hours(assignment: Assignment) -> float | None:
    """The recorded presence within the shift, in hours; None until checked out."""
    if assignment.check_in_at is None or assignment.check_out_at is None:
        return None
    shift = assignment.shift
    return hours_between(
        max(assignment.check_in_at, shift.starts_at), min(assignment.check_out_at, shift.ends_at)
    )


def credit_kiosk_hours(session: Session, assignment: Assignment) -> ServiceHours:
    """Called at check-out. A coordinator's earlier correction is left as it stands."""
    existing = entry_of(session, assignment.id)
    if existing is not None:
        return existing
    entry = ServiceHours(
        assignment_id=assignment.id,
        volunteer_id=assignment.volunteer_id,
        station_id=assignment.shift.station_id,
        check_in_at=assignment.check_in_at,
        check_out_at=assignment.check_out_at,
        hours=kiosk_hours(assignment),
        source=HoursSource.kiosk,
    )
    session.add(entry)
    session.flush()
    return entry


def correct_hours(
    session: Session, account: Account, assignment_id: int, data: HoursCorrectionCreate
) -> HoursEntryRead:
    """Sets an assignment's verified times; what they replace is kept beside them.

    Also the way to credit a duty the kiosk missed (a no-show that was there, a
    forgotten check-out): the duty becomes `completed`.
    """
    now = utcnow()
    assignment, roster = roster_service.locked_assignment(session, assignment_id)
    if (
        assignment is None
        or roster is None
        or not district_service.in_scope(account, roster.district_id)
    ):
        raise NotFound(f"Assignment {assignment_id} not found.")
    if roster.status not in HOURS_ROSTERS:
        raise Conflict(
            f"Assignment {assignment_id} belongs to a {roster.status} roster; hours are kept "
            "for published duties only.",
            reason="not_published",
        )
    if assignment.status == AssignmentStatus.cancelled:
        raise Conflict(f"Assignment {assignment_id} was cancelled.", reason="cancelled")
    if data.check_out_at > now + CLOCK_SKEW:
        raise InvalidInput([{"loc": ["body", "check_out_at"], "msg": "lies in the future"}])
    _check_fits_duty(assignment.shift, data)
    mark_no_shows(session, now, volunteer_id=assignment.volunteer_id)
    hours = hours_between(data.check_in_at, data.check_out_at)
    entry = entry_of(session, assignment.id)
    session.add(
        HoursCorrection(
            assignment_id=assignment.id,
            previous_check_in_at=entry.check_in_at if entry else None,
            previous_check_out_at=entry.check_out_at if entry else None,
            previous_hours=entry.hours if entry else None,
            check_in_at=data.check_in_at,
            check_out_at=data.check_out_at,
            hours=hours,
            reason=data.reason,
            corrected_by=account.id,
            corrected_at=now,
        )
    )
    if entry is None:
        entry = ServiceHours(
            assignment_id=assignment.id,
            volunteer_id=assignment.volunteer_id,
            station_id=assignment.shift.station_id,
        )
        session.add(entry)
    entry.check_in_at, entry.check_out_at = data.check_in_at, data.check_out_at
    entry.hours, entry.source = hours, HoursSource.correction
    assignment.status = AssignmentStatus.completed
    session.flush()
    return entry_read(session, assignment, entry)


def duty_timezone(session: Session, account: Account, assignment_id: int) -> str:
    """The timezone of the assignment's station, in which its times are read and typed;
    404 when the assignment lies outside the caller's districts."""
    row = session.execute(
        select(Roster.district_id, Station.timezone)
        .join(Assignment, Assignment.roster_id == Roster.id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
        .where(Assignment.id == assignment_id)
    ).first()
    if row is None or not district_service.in_scope(account, row.district_id):
        raise NotFound(f"Assignment {assignment_id} not found.")
    return row.timezone


def _check_fits_duty(shift: Shift, data: HoursCorrectionCreate) -> None:
    """A correction describes this duty: on its local day (an overnight duty's two
    days), and no longer than the shift plus the slack a late check-out may need."""
    zone = ZoneInfo(shift.station.timezone)
    first_day, last_day = (
        shift.starts_at.astimezone(zone).date(),
        shift.ends_at.astimezone(zone).date(),
    )
    errors = []
    for field in ("check_in_at", "check_out_at"):
        day = getattr(data, field).astimezone(zone).date()
        if not first_day <= day <= last_day:
            days = first_day.isoformat() if first_day == last_day else f"{first_day} or {last_day}"
            errors.append(
                {
                    "loc": ["body", field],
                    "msg": f"must lie on the duty's day, {days} (station time)",
                }
            )
    slack_hours = get_settings().hours_correction_slack_hours
    longest = shift.ends_at - shift.starts_at + timedelta(hours=slack_hours)
    if data.check_out_at - data.check_in_at > longest:
        errors.append(
            {
                "loc": ["body", "check_out_at"],
                "msg": f"lasts longer than the shift plus {slack_hours:g} h "
                f"({longest.total_seconds() / 3600:g} h in all)",
            }
        )
    if errors:
        raise InvalidInput(errors)


def entry_read(session: Session, assignment: Assignment, entry: ServiceHours) -> HoursEntryRead:
    corrections = session.scalars(
        select(HoursCorrection)
        .where(HoursCorrection.assignment_id == assignment.id)
        .order_by(HoursCorrection.id)
    )
    return HoursEntryRead(
        assignment_id=assignment.id,
        volunteer_id=assignment.volunteer_id,
        station_id=entry.station_id,
        status=assignment.status,
        check_in_at=entry.check_in_at,
        check_out_at=entry.check_out_at,
        hours=entry.hours,
        source=entry.source,
        original=KioskRecord(
            check_in_at=assignment.check_in_at, check_out_at=assignment.check_out_at
        ),
        corrections=[CorrectionRead.model_validate(c, from_attributes=True) for c in corrections],
    )


# -- reading -----------------------------------------------------------------------


def my_hours(session: Session, volunteer: Volunteer) -> MyHours:
    sweep_no_shows(session, utcnow(), volunteer_id=volunteer.id)
    rows = session.execute(
        select(ServiceHours, Shift, Station)
        .join(Assignment, Assignment.id == ServiceHours.assignment_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == ServiceHours.station_id)
        .where(ServiceHours.volunteer_id == volunteer.id)
        .order_by(ServiceHours.check_in_at, ServiceHours.id)
    ).all()
    entries = [
        MyHoursEntry(
            assignment_id=entry.assignment_id,
            station_id=station.id,
            station_name=station.name,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            check_in_at=entry.check_in_at,
            check_out_at=entry.check_out_at,
            hours=entry.hours,
            corrected=entry.source == HoursSource.correction,
        )
        for entry, shift, station in rows
    ]
    return MyHours(total_hours=round(sum(e.hours for e in entries), 2), entries=entries)


def _check_period(from_date: date, to_date: date) -> None:
    errors = []
    if to_date < from_date:
        errors.append({"loc": ["query", "to"], "msg": "must not lie before from"})
    for loc, value in (("from", from_date), ("to", to_date)):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            errors.append(
                {"loc": ["query", loc], "msg": f"must lie between {FIRST_YEAR} and {LAST_YEAR}"}
            )
    if errors:
        raise InvalidInput(errors)


def _local_date(instant: datetime, timezone: str) -> date:
    return instant.astimezone(ZoneInfo(timezone)).date()


def hours_report(
    session: Session,
    account: Account,
    district_id: int,
    from_date: date,
    to_date: date,
    *,
    detail: bool,
    entries: slice = slice(None),
) -> HoursReport:
    """Verified hours served at the district's stations on duties dated `from`..`to`
    (inclusive; a duty's date is its shift's start date in the station's timezone).
    With `detail`, the entries too, by date: those of `entries` (a page of them)."""
    district = district_service.get_district_in_scope(session, account, district_id)
    _check_period(from_date, to_date)
    now = utcnow()
    sweep_no_shows(session, now, district_id=district.id)
    served = _served(session, district.id, from_date, to_date)
    no_shows = _missed(session, district.id, from_date, to_date, now)

    totals: dict[int, VolunteerHoursRow] = {}
    for entry, _shift, _station, volunteer in served:
        row = totals.setdefault(volunteer.id, _empty_row(volunteer))
        row.total_hours += entry.hours
        row.duties += 1
    for volunteer in no_shows:
        totals.setdefault(volunteer.id, _empty_row(volunteer)).no_shows += 1
    for row in totals.values():
        row.total_hours = round(row.total_hours, 2)
    stations: dict[int, StationHoursRow] = {}
    for entry, _shift, station, _volunteer in served:
        at = stations.setdefault(
            station.id,
            StationHoursRow(
                station_id=station.id,
                code=station.code,
                name=station.name,
                total_hours=0.0,
                duties=0,
            ),
        )
        at.total_hours += entry.hours
        at.duties += 1
    for at in stations.values():
        at.total_hours = round(at.total_hours, 2)
    return HoursReport(
        district_id=district.id,
        from_date=from_date,
        to_date=to_date,
        total_hours=round(sum(entry.hours for entry, *_ in served), 2),
        volunteers=[totals[volunteer_id] for volunteer_id in sorted(totals)],
        stations=sorted(stations.values(), key=lambda row: row.code),
        entries=_entry_rows(session, served[entries]) if detail else None,
    )


def entry_order(
    session: Session, account: Account, district_id: int, from_date: date, to_date: date
) -> list[int]:
    """The assignments of the period's entries in the order `hours_report` gives them."""
    district = district_service.get_district_in_scope(session, account, district_id)
    _check_period(from_date, to_date)
    return [entry.assignment_id for entry, *_ in _served(session, district.id, from_date, to_date)]


def district_hours(
    session: Session, account: Account, district_id: int, from_date: date, to_date: date
) -> float:
    """The total of `hours_report` alone, without reading every entry's records."""
    district = district_service.get_district_in_scope(session, account, district_id)
    _check_period(from_date, to_date)
    rows = session.execute(
        select(ServiceHours.hours, Shift.starts_at, Station.timezone)
        .join(Assignment, Assignment.id == ServiceHours.assignment_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
        .where(*_in_district_and_period(district.id, from_date, to_date))
    )
    return round(
        sum(
            hours
            for hours, starts_at, timezone in rows
            if from_date <= _local_date(starts_at, timezone) <= to_date
        ),
        2,
    )


def volunteer_hours(
    session: Session, volunteer_ids: Iterable[int], from_date: date, to_date: date
) -> dict[int, float]:
    """Verified hours of each of these volunteers on duties dated `from`..`to`, at any
    station (dated as in hours_report); a volunteer without any is left out."""
    return {
        v: hours for v, (hours, _) in served_by(session, volunteer_ids, from_date, to_date).items()
    }


def served_by(
    session: Session, volunteer_ids: Iterable[int], from_date: date, to_date: date
) -> dict[int, tuple[float, int]]:
    """Of each of these volunteers, (verified hours, duties with verified hours) on
    duties dated `from`..`to` at any station (dated as in hours_report); a volunteer
    without any is left out. What a team's or an organisation's report counts."""
    ids = list(volunteer_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ServiceHours.volunteer_id, ServiceHours.hours, Shift.starts_at, Station.timezone)
        .join(Assignment, Assignment.id == ServiceHours.assignment_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
        .where(ServiceHours.volunteer_id.in_(ids), *_in_period(from_date, to_date))
    ).all()
    served: dict[int, tuple[float, int]] = {}
    for volunteer_id, hours, starts_at, timezone in rows:
        if from_date <= _local_date(starts_at, timezone) <= to_date:
            total, duties = served.get(volunteer_id, (0.0, 0))
            served[volunteer_id] = (round(total + hours, 2), duties + 1)
    return served


def station_hours_of(
    session: Session, volunteer_id: int, from_date: date, to_date: date
) -> list[StationHoursRow]:
    """One volunteer's verified hours per station (any district) on duties dated
    `from`..`to` (dated as in hours_report), by station code: what a certificate says."""
    rows = session.execute(
        select(ServiceHours.hours, Shift.starts_at, Station)
        .join(Assignment, Assignment.id == ServiceHours.assignment_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
        .where(ServiceHours.volunteer_id == volunteer_id, *_in_period(from_date, to_date))
    ).all()
    stations: dict[int, StationHoursRow] = {}
    for hours, starts_at, station in rows:
        if not from_date <= _local_date(starts_at, station.timezone) <= to_date:
            continue
        at = stations.setdefault(
            station.id,
            StationHoursRow(
                station_id=station.id, code=station.code, name=station.name, total_hours=0.0,
                duties=0,
            ),
        )  # fmt: skip
        at.total_hours += hours
        at.duties += 1
    for at in stations.values():
        at.total_hours = round(at.total_hours, 2)
    return sorted(stations.values(), key=lambda row: row.code)


def first_service_date(session: Session, volunteer_id: int) -> date | None:
    """The date (station time) of the volunteer's first duty with verified hours."""
    first = session.execute(
        select(Shift.starts_at, Station.timezone)
        .join(Assignment, Assignment.shift_id == Shift.id)
        .join(ServiceHours, ServiceHours.assignment_id == Assignment.id)
        .join(Station, Station.id == Shift.station_id)
        .where(ServiceHours.volunteer_id == volunteer_id)
        .order_by(Shift.starts_at)
        .limit(1)
    ).first()
    return _local_date(first.starts_at, first.timezone) if first else None


# What a report says of a volunteer: not the whole record of hundreds of them.
VOLUNTEER_NAME: Bundle[Any] = Bundle("volunteer", Volunteer.id, Volunteer.name)


def _empty_row(volunteer: Row) -> VolunteerHoursRow:
    return VolunteerHoursRow(
        volunteer_id=volunteer.id, name=volunteer.name, total_hours=0.0, duties=0, no_shows=0
    )


def _in_period(from_date: date, to_date: date) -> tuple:
    # A UTC window wide enough for any timezone; exact local dates are checked after.
    return (
        Shift.starts_at >= datetime.combine(from_date, time(), tzinfo=UTC) - timedelta(days=1),
        Shift.starts_at < datetime.combine(to_date, time(), tzinfo=UTC) + timedelta(days=2),
    )


def _in_district_and_period(district_id: int, from_date: date, to_date: date) -> tuple:
    return (Station.district_id == district_id, *_in_period(from_date, to_date))


# The columns a report reads: a report of hundreds of entries need not load whole rows.
SERVED_ENTRY: Bundle[Any] = Bundle(
    "entry",
    ServiceHours.id,
    ServiceHours.assignment_id,
    ServiceHours.hours,
    ServiceHours.check_in_at,
    ServiceHours.check_out_at,
    ServiceHours.source,
)
SERVED_SHIFT: Bundle[Any] = Bundle("shift", Shift.starts_at, Shift.ends_at)
SERVED_STATION: Bundle[Any] = Bundle(
    "station", Station.id, Station.code, Station.name, Station.timezone
)


def _served(session: Session, district_id: int, from_date: date, to_date: date) -> list:
    """(entry, shift, station, volunteer) of the district's duties in the period, each
    with the columns of SERVED_* and VOLUNTEER_NAME."""
    rows = session.execute(
        select(SERVED_ENTRY, SERVED_SHIFT, SERVED_STATION, VOLUNTEER_NAME)
        .select_from(ServiceHours)
        .join(Assignment, Assignment.id == ServiceHours.assignment_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
        .join(Volunteer, Volunteer.id == ServiceHours.volunteer_id)
        .where(*_in_district_and_period(district_id, from_date, to_date))
        .order_by(Shift.starts_at, ServiceHours.id)
    ).all()
    return [
        row
        for row in rows
        if from_date <= _local_date(row.shift.starts_at, row.station.timezone) <= to_date
    ]


def _missed(
    session: Session, district_id: int, from_date: date, to_date: date, now: datetime
) -> list:
    """The volunteer (id, name) of each no-show of the district in the period, those
    that sweep_no_shows has yet to store included."""
    rows = session.execute(
        select(VOLUNTEER_NAME, Shift.starts_at, Station.timezone)
        .join(Assignment, Assignment.volunteer_id == Volunteer.id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
        .join(Roster, Roster.id == Assignment.roster_id)
        .where(
            *_in_district_and_period(district_id, from_date, to_date),
            or_(
                Assignment.status == AssignmentStatus.no_show,
                and_(Assignment.status == AssignmentStatus.scheduled, no_show_rule(now)),
            ),
            Roster.status.in_(HOURS_ROSTERS),
        )
    ).all()
    return [
        volunteer
        for volunteer, starts_at, timezone in rows
        if from_date <= _local_date(starts_at, timezone) <= to_date
    ]


def _entry_rows(session: Session, served: list) -> list[EntryRow]:
    ids = [entry.assignment_id for entry, *_ in served]
    reasons = _latest_reasons(session, ids)
    kiosk_records = {
        assignment_id: KioskRecord(check_in_at=check_in_at, check_out_at=check_out_at)
        for assignment_id, check_in_at, check_out_at in session.execute(
            select(Assignment.id, Assignment.check_in_at, Assignment.check_out_at).where(
                Assignment.id.in_(ids)
            )
        )
    }
    return [
        EntryRow(
            assignment_id=entry.assignment_id,
            volunteer_id=volunteer.id,
            name=volunteer.name,
            station_id=station.id,
            station_code=station.code,
            station_name=station.name,
            timezone=station.timezone,
            date=_local_date(shift.starts_at, station.timezone),
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            check_in_at=entry.check_in_at,
            check_out_at=entry.check_out_at,
            hours=entry.hours,
            corrected=entry.source == HoursSource.correction,
            correction_reason=reasons.get(entry.assignment_id),
            original=kiosk_records.get(entry.assignment_id),
        )
        for entry, shift, station, volunteer in served
    ]


def _latest_reasons(session: Session, assignment_ids: Iterable[int]) -> dict[int, str]:
    ids = list(assignment_ids)
    reasons: dict[int, str] = {}
    if ids:
        for assignment_id, reason in session.execute(
            select(HoursCorrection.assignment_id, HoursCorrection.reason)
            .where(HoursCorrection.assignment_id.in_(ids))
            .order_by(HoursCorrection.id)
        ):
            reasons[assignment_id] = reason  # the last one holds
    return reasons


# -- CSV ---------------------------------------------------------------------------


VOLUNTEER_COLUMNS = ["volunteer_id", "name", "total_hours", "duties", "no_shows"]
ENTRY_COLUMNS = [
    "assignment_id", "volunteer_id", "name", "station_code", "station_name", "date",
    "shift_start", "shift_end", "check_in", "check_out", "timezone", "hours", "corrected",
    "correction_reason",
]  # fmt: skip


def report_csv(report: HoursReport) -> str:
    """One row per volunteer, or with entries one row per verified entry (times local)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if report.entries is None:
        writer.writerow(VOLUNTEER_COLUMNS)
        for v in report.volunteers:
            writer.writerow(
                [
                    v.volunteer_id,
                    spreadsheet_safe(v.name),
                    f"{v.total_hours:.2f}",
                    v.duties,
                    v.no_shows,
                ]
            )
        return out.getvalue()
    writer.writerow(ENTRY_COLUMNS)
    for e in report.entries:
        zone = ZoneInfo(e.timezone)

        def local(instant: datetime, zone: ZoneInfo = zone) -> str:
            return instant.astimezone(zone).isoformat(timespec="minutes")

        writer.writerow(
            [
                e.assignment_id,
                e.volunteer_id,
                spreadsheet_safe(e.name),
                spreadsheet_safe(e.station_code),
                spreadsheet_safe(e.station_name),
                e.date.isoformat(),
                local(e.starts_at),
                local(e.ends_at),
                local(e.check_in_at),
                local(e.check_out_at),
                e.timezone,
                f"{e.hours:.2f}",
                "yes" if e.corrected else "no",
                spreadsheet_safe(e.correction_reason or ""),
            ]  # fmt: skip
        )
    return out.getvalue()
