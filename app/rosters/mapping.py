"""Database rows -> solver dataclasses: the only bridge between app/ and solver/.

Volunteers' weekly availability is wall-clock time in the service's default timezone
(`UROSTER_DEFAULT_TIMEZONE`). A volunteer is available only inside their weekly
windows (none: never), unless their record says `any_time`, which is what an
imported list without an availability column means.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

import solver
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.settings import Settings, get_settings
from app.shifts import service as shift_service
from app.shifts.models import Shift
from app.stations.models import Station
from app.types import week_monday
from app.volunteers.models import AvailabilityMode, Volunteer, VolunteerStatus, with_availability

EARTH_RADIUS_KM = 6371.0
# Duties this close to a shift can break a rule together with it: 72 h of rest plus
# a 24 h shift, seven consecutive days; and a week's weekly limits.
NEIGHBOURHOOD = timedelta(days=8)
LIVE_STATUSES = (
    AssignmentStatus.scheduled,
    AssignmentStatus.checked_in,
    AssignmentStatus.completed,
)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def minutes_between(lat1: float, lon1: float, lat2: float, lon2: float, speed_kmh: float) -> int:
    """Whole minutes of travel, rounded up, at `speed_kmh` in a straight line."""
    return math.ceil(distance_km(lat1, lon1, lat2, lon2) / speed_kmh * 60)


def travel_minutes(volunteer: Volunteer, station: Station, speed_kmh: float) -> int | None:
    if volunteer.home_lat is None or volunteer.home_lon is None:
        return None
    home = (volunteer.home_lat, volunteer.home_lon)
    return minutes_between(*home, station.lat, station.lon, speed_kmh)


def solver_shift(shift: Shift) -> solver.Shift:
    # In the station's timezone, so that the solver's explanations read local times.
    zone = ZoneInfo(shift.station.timezone)
    local_start = shift.starts_at.astimezone(zone)
    return solver.Shift(
        id=shift.id,
        station=shift.station_id,
        start=local_start,
        end=shift.ends_at.astimezone(zone),
        min_headcount=shift.min_volunteers,
        max_headcount=shift.max_volunteers,
        skill_needs={r["skill"]: r["count"] for r in shift.skill_requirements},
        priority=shift.priority,
        day=local_start.date(),
    )


def _windows(
    volunteer: Volunteer, days: Sequence[date], zone: ZoneInfo
) -> tuple[solver.AvailabilityWindow, ...]:
    """Concrete windows for the given days; windows that touch are merged so that an
    overnight shift fits "Sat 20:00-24:00" followed by "Sun 00:00-06:00". Where a
    preferred stretch touches an available one, one more (not preferred) window spans
    both, so that a shift across the two is available; the solver takes a preferred
    window first when one covers the shift (solver.Volunteer.available_for)."""
    by_weekday: dict[int, list] = {}
    for window in volunteer.weekly:
        by_weekday.setdefault(window.weekday, []).append(window)
    spans: list[list] = []
    for day in days:
        for window in sorted(by_weekday.get(day.isoweekday(), []), key=lambda w: w.start):
            start = datetime.combine(day, time.fromisoformat(window.start), tzinfo=zone)
            if window.end == "24:00":
                end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
            else:
                end = datetime.combine(day, time.fromisoformat(window.end), tzinfo=zone)
            preferred = window.preference == "preferred"
            if spans and spans[-1][1] == start and spans[-1][2] == preferred:
                spans[-1][1] = end
            else:
                spans.append([start, end, preferred])
    runs: list[list] = []  # touching spans of either kind, and how many they join
    for start, end, _preferred in spans:
        if runs and runs[-1][1] == start:
            runs[-1][1], runs[-1][2] = end, runs[-1][2] + 1
        else:
            runs.append([start, end, 1])
    mixed = [(start, end, False) for start, end, joined in runs if joined > 1]
    return tuple(solver.AvailabilityWindow(s, e, preferred=p) for s, e, p in [*spans, *mixed])


def solver_volunteer(
    volunteer: Volunteer,
    first_day: date,
    last_day: date,
    settings: Settings,
    fixed_duties: Sequence[solver.FixedDuty] = (),
) -> solver.Volunteer:
    # One day of margin on each side: shifts that cross midnight at the week's edges.
    days = [first_day + timedelta(days=i) for i in range(-1, (last_day - first_day).days + 2)]
    unavailable = {
        day
        for exception in volunteer.exceptions
        for day in days
        if exception.start_date <= day <= exception.end_date
    }

    def minutes(hours: float | None) -> int | None:
        return None if hours is None else round(hours * 60)

    return solver.Volunteer(
        id=volunteer.id,
        skills=frozenset(volunteer.skills),
        availability=None
        if volunteer.availability_mode == AvailabilityMode.any_time
        else _windows(volunteer, days, ZoneInfo(settings.default_timezone)),
        unavailable_dates=frozenset(unavailable),
        max_minutes_per_week=minutes(volunteer.max_hours_per_week),
        max_shifts_per_week=volunteer.max_shifts_per_week,
        max_consecutive_days=volunteer.max_consecutive_days,
        min_rest_minutes=minutes(volunteer.min_rest_hours) or 0,
        max_travel_minutes=volunteer.max_travel_minutes or settings.default_max_travel_minutes,
        preferred_stations=frozenset(volunteer.preferred_station_ids or ()),
        fixed_duties=tuple(fixed_duties),
    )


def neighbouring_duties(
    session: Session, district_id: int, week: str, volunteer_ids: Iterable[int]
) -> dict[int, list[solver.FixedDuty]]:
    """The volunteers' live published duties of other rosters around the week: the
    neighbouring weeks' Sunday night and Monday morning, runs of working days. The
    solver keeps rest, overlap and consecutive days with them but never changes,
    counts or explains them."""
    monday = datetime.combine(week_monday(week), time(), tzinfo=UTC)
    rows = session.execute(
        select(Assignment.volunteer_id, Shift)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Roster, Roster.id == Assignment.roster_id)
        .where(
            Assignment.volunteer_id.in_(list(volunteer_ids)),
            Assignment.status.in_(LIVE_STATUSES),
            Roster.status == RosterStatus.published,
            ~((Roster.district_id == district_id) & (Roster.week == week)),
            Shift.cancelled_at.is_(None),
            Shift.ends_at > monday - NEIGHBOURHOOD,
            Shift.starts_at < monday + timedelta(days=7) + NEIGHBOURHOOD,
        )
    ).all()
    duties: dict[int, list[solver.FixedDuty]] = defaultdict(list)
    for volunteer_id, shift in rows:
        local = solver_shift(shift)
        duties[volunteer_id].append(solver.FixedDuty(local.start, local.end, local.on_day))
    return duties


def volunteer_problem(
    volunteer: Volunteer, shifts: Sequence[Shift], settings: Settings
) -> solver.Problem:
    """One volunteer and a few shifts: enough to check a single assignment."""
    solver_shifts = [solver_shift(s) for s in shifts]
    days = [s.on_day for s in solver_shifts]
    first_day, last_day = min(days), max(days)
    stations = {s.station_id: s.station for s in shifts}
    travel: dict[tuple[solver.Id, solver.Id], int] = {
        (volunteer.id, station_id): minutes
        for station_id, station in stations.items()
        if (minutes := travel_minutes(volunteer, station, settings.travel_speed_kmh)) is not None
    }
    return solver.Problem(
        shifts=tuple(solver_shifts),
        volunteers=(solver_volunteer(volunteer, first_day, last_day, settings),),
        travel_minutes=travel,
        first_day=first_day,
        last_day=last_day,
    )


def added_violations(
    problem: solver.Problem, held: Sequence[solver.Assignment], new: solver.Assignment
) -> list[solver.Violation]:
    """The hard-rule violations that `new` adds to `held`, those about `new` first.

    An older breach (a coordinator's deliberate manual assignment, say) does not
    block every later change, but making it worse does.
    """
    before = Counter(solver.validate(problem, held).violations)
    after = solver.validate(problem, [*held, new]).violations
    added = list((Counter(after) - before).elements())
    added.sort(key=lambda v: (v.shift != new.shift, v.volunteer != new.volunteer))
    return added


def week_shifts(session: Session, district_id: int, week: str) -> list[Shift]:
    return list(
        session.scalars(
            select(Shift)
            .join(Station)
            .where(Station.district_id == district_id)
            .where(shift_service.in_service())
            .where(shift_service.week_condition(session, week))
            .order_by(Shift.starts_at, Shift.id)
        )
    )


def district_volunteers(
    session: Session, district_id: int, only: Collection[int] | None = None
) -> list[Volunteer]:
    """The district's active volunteers (of them, those in `only`), availability loaded."""
    query = select(Volunteer).where(
        Volunteer.district_id == district_id, Volunteer.status == VolunteerStatus.active
    )
    if only is not None:
        query = query.where(Volunteer.id.in_(only))
    return list(session.scalars(query.options(*with_availability()).order_by(Volunteer.id)))


def published_roster(
    session: Session, district_id: int, week: str, *, lock: bool = False
) -> Roster | None:
    """The district-week's published roster. With `lock`, a shared row lock holds off a
    concurrent publish (which locks it for update) until this transaction ends."""
    query = select(Roster).where(
        Roster.district_id == district_id,
        Roster.week == week,
        Roster.status == RosterStatus.published,
    )
    if not lock:
        return session.scalar(query)
    roster = session.scalar(query.with_for_update(read=True))
    if roster is not None and roster.status != RosterStatus.published:
        # A publish committed while we waited for the lock: take the new roster.
        roster = session.scalar(query.with_for_update(read=True))
    return roster


def live_assignments(session: Session, roster_id: int) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.roster_id == roster_id, Assignment.status.in_(LIVE_STATUSES))
            .order_by(Assignment.id)
        )
    )


def build_problem(
    session: Session,
    district_id: int,
    week: str,
    *,
    time_limit_seconds: float,
    keep: Iterable[Assignment] = (),
    previous: Iterable[Assignment] = (),
    settings: Settings | None = None,
    only_volunteers: Collection[int] | None = None,
    shifts: Sequence[Shift] | None = None,
) -> solver.Problem:
    """The district-week as a solver problem.

    `keep` are assignments to pin (manual and pinned ones); `previous` is the last
    published roster, which the solver changes as little as it can. `only_volunteers`
    leaves the others out: each volunteer's rules concern their own duties only, so a
    few volunteers' checks need no more than them. `shifts` are the week's shifts when
    the caller has read them already.
    """
    settings = settings or get_settings()
    if shifts is None:
        shifts = week_shifts(session, district_id, week)
    monday = week_monday(week)
    first_day, last_day = monday, monday + timedelta(days=6)
    volunteers = district_volunteers(session, district_id, only_volunteers)
    fixed = neighbouring_duties(session, district_id, week, (v.id for v in volunteers))
    stations = {s.station_id: s.station for s in shifts}
    travel: dict[tuple[solver.Id, solver.Id], int] = {
        (v.id, station.id): minutes
        for v in volunteers
        for station in stations.values()
        if (minutes := travel_minutes(v, station, settings.travel_speed_kmh)) is not None
    }
    shift_ids = {s.id for s in shifts}
    volunteer_ids = {v.id for v in volunteers}

    def in_problem(assignments: Iterable[Assignment]) -> tuple[solver.Assignment, ...]:
        return tuple(
            {
                solver.Assignment(volunteer=a.volunteer_id, shift=a.shift_id)
                for a in assignments
                if a.shift_id in shift_ids and a.volunteer_id in volunteer_ids
            }
        )

    return solver.Problem(
        shifts=tuple(solver_shift(s) for s in shifts),
        volunteers=tuple(
            solver_volunteer(v, first_day, last_day, settings, fixed.get(v.id, ()))
            for v in volunteers
        ),
        travel_minutes=travel,
        pinned=in_problem(keep),
        previous=in_problem(previous),
        first_day=first_day - timedelta(days=1),
        last_day=last_day + timedelta(days=1),
        time_limit_seconds=time_limit_seconds,
        workers=settings.solver_workers,
    )
