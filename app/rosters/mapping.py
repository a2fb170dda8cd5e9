"""Database rows -> solver dataclasses: the only bridge between app/ and solver/.

Volunteers' weekly availability is wall-clock time in the service's default timezone
(`UROSTER_DEFAULT_TIMEZONE`). A volunteer is available only inside their weekly
windows (none: never), unless their record says `any_time`, which is what an
imported list without an availability column means.

Adopted seats (app/teams/adoptions.py) become `solver.Reservation`s of the shifts
that start later than now + `UROSTER_ADOPTION_RELEASE_HOURS`, for the team's approved
members; a released shift carries none, and its seats are anyone's.
"""

import dataclasses
import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

import solver
from app.db import utcnow
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.settings import Settings, get_settings
from app.shifts import service as shift_service
from app.shifts.models import Shift
from app.stations.models import Station
from app.teams.models import Adoption, MembershipStatus, Team, TeamMember
from app.types import minutes_of_day, week_monday
from app.volunteers.models import AvailabilityMode, Volunteer, VolunteerStatus, with_availability
from solver.rules.reserved_seats import reserved_for

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


def solver_shift(shift: Shift, reservations: Sequence[solver.Reservation] = ()) -> solver.Shift:
    # In the station's timezone, so that the solver's explanations read local times.
    zone = ZoneInfo(shift.station.timezone)
    local_start = shift.starts_at.astimezone(zone)
    return solver.Shift(
        reservations=tuple(reservations),
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


# -- adopted seats ---------------------------------------------------------------------


def adoption_covers(adoption: Adoption, shift: Shift) -> bool:
    """The adoption holds seats of the shift: same station, and the shift starts on one
    of its weekdays inside start-end (local time; an end not after the start runs past
    midnight, and a start after midnight then belongs to the day before)."""
    if adoption.station_id != shift.station_id:
        return False
    local = shift.starts_at.astimezone(ZoneInfo(shift.station.timezone))
    minute = local.hour * 60 + local.minute
    start, end = minutes_of_day(adoption.start), minutes_of_day(adoption.end)
    weekday = local.isoweekday()
    if start < end:
        return weekday in adoption.weekdays and start <= minute < end
    if minute >= start:
        return weekday in adoption.weekdays
    return minute < end and (weekday - 2) % 7 + 1 in adoption.weekdays


@dataclass(frozen=True)
class AdoptedSeats:
    """A team's adopted seats on one shift; `members` are its approved members."""

    team: Team
    seats: int
    members: frozenset[int]
    release_at: datetime  # from then on the seats are anyone's

    def reserved(self, now: datetime) -> bool:
        return now < self.release_at

    def reservation(self) -> solver.Reservation:
        return solver.Reservation(self.team.id, self.members, self.seats, name=self.team.name)


def adopted_seats(
    session: Session, shifts: Iterable[Shift], settings: Settings | None = None
) -> dict[int, list[AdoptedSeats]]:
    """Per shift id, the teams that adopted seats of it, released or not. A team's
    adoptions on one shift add up; all teams together get at most the shift's max
    headcount, the earliest adoption first. Three queries however many shifts."""
    settings = settings or get_settings()
    shifts = list(shifts)
    stations = {s.station_id for s in shifts}
    if not stations:
        return {}
    adoptions = list(
        session.scalars(
            select(Adoption).where(Adoption.station_id.in_(stations)).order_by(Adoption.id)
        )
    )
    if not adoptions:
        return {}
    team_ids = {a.team_id for a in adoptions}
    teams = {t.id: t for t in session.scalars(select(Team).where(Team.id.in_(team_ids)))}
    members: dict[int, set[int]] = defaultdict(set)
    for team_id, volunteer_id in session.execute(
        select(TeamMember.team_id, TeamMember.volunteer_id).where(
            TeamMember.team_id.in_(team_ids), TeamMember.status == MembershipStatus.approved
        )
    ):
        members[team_id].add(volunteer_id)
    release = timedelta(hours=settings.adoption_release_hours)
    out: dict[int, list[AdoptedSeats]] = {}
    for shift in shifts:
        wanted: dict[int, int] = {}  # team id -> seats, in adoption order
        for adoption in adoptions:
            if adoption_covers(adoption, shift):
                wanted[adoption.team_id] = wanted.get(adoption.team_id, 0) + adoption.seats
        left = shift.max_volunteers
        found = []
        for team_id, seats in wanted.items():
            seats = min(seats, left)
            if seats > 0:
                left -= seats
                found.append(
                    AdoptedSeats(
                        teams[team_id],
                        seats,
                        frozenset(members[team_id]),
                        shift.starts_at - release,
                    )
                )
        if found:
            out[shift.id] = found
    return out


def reservations(
    session: Session,
    shifts: Iterable[Shift],
    now: datetime,
    settings: Settings | None = None,
    held: Mapping[int, Collection[int]] | None = None,
) -> dict[int, tuple[solver.Reservation, ...]]:
    """The solver's reservations of the shifts: adopted seats not yet released at `now`.
    `held` (shift id -> volunteer ids that stay on it whatever the solver does: pinned
    or published duties) shrinks them so those people fit: an adoption made after they
    were placed reserves the seats they leave, it does not make them wrong."""
    out: dict[int, tuple[solver.Reservation, ...]] = {}
    by_id = {s.id: s for s in shifts}
    for shift_id, adopted in adopted_seats(session, by_id.values(), settings).items():
        kept = [a.reservation() for a in adopted if a.reserved(now)]
        if held and held.get(shift_id):
            kept = fit_reservations(by_id[shift_id].max_volunteers, kept, held[shift_id])
        if kept:
            out[shift_id] = tuple(kept)
    return out


def fit_reservations(
    max_headcount: int, kept: Sequence[solver.Reservation], on: Collection[int]
) -> list[solver.Reservation]:
    """The reservations with fewer seats where the people `on` the shift need them."""
    out: list[solver.Reservation] = []
    for r in kept:
        outside = sum(1 for v in on if v not in r.members)
        seats = min(r.seats, max_headcount - outside)
        if seats > 0:
            out.append(dataclasses.replace(r, seats=seats))
    everyone = frozenset().union(*(r.members for r in out)) if out else frozenset()
    room = max_headcount - sum(1 for v in on if v not in everyone)
    while out and sum(r.seats for r in out) > room:
        last = out[-1]
        if last.seats > 1:
            out[-1] = dataclasses.replace(last, seats=last.seats - 1)
        else:
            out.pop()
    return out


def reserved_seat_violation(
    shift: Shift,
    adopted: Sequence[AdoptedSeats],
    holder_ids: Sequence[int],
    volunteer_id: int,
    now: datetime,
) -> solver.Violation | None:
    """The refusal when `volunteer_id` joining `holder_ids` on the shift would take a
    seat still reserved for a team they are not an approved member of, else None."""
    live = [a for a in adopted if a.reserved(now)]
    if not live:
        return None
    candidate = solver_shift(shift, [a.reservation() for a in live])
    teams = reserved_for(candidate, holder_ids, volunteer_id)
    if not teams:
        return None
    zone = ZoneInfo(shift.station.timezone)
    release = min(a.release_at for a in live).astimezone(zone)
    return solver.Violation(
        "reserved_seats",
        f"the free seats are reserved for team {' and '.join(teams)} until "
        f"{release:%a %Y-%m-%d %H:%M}; only the team's members may take them before then",
        volunteer_id,
        shift.id,
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
    return weeks_shifts(session, district_id, [week])


def weeks_shifts(session: Session, district_id: int, weeks: Collection[str]) -> list[Shift]:
    """The district's shifts in service in any of the ISO weeks, by start."""
    if not weeks:
        return []
    return list(
        session.scalars(
            select(Shift)
            .join(Station)
            .where(*in_weeks(session, district_id, weeks))
            .order_by(Shift.starts_at, Shift.id)
        )
    )


def in_weeks(session: Session, district_id: int, weeks: Collection[str]) -> list[ColumnElement]:
    """The conditions of weeks_shifts, for a query that joins Shift to Station."""
    return [
        Station.district_id == district_id,
        shift_service.in_service(),
        shift_service.weeks_condition(session, weeks),
    ]


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
    held: Iterable[Assignment] = (),
    now: datetime | None = None,
) -> solver.Problem:
    """The district-week as a solver problem.

    `keep` are assignments to pin (manual and pinned ones); `previous` is the last
    published roster, which the solver changes as little as it can. `only_volunteers`
    leaves the others out: each volunteer's rules concern their own duties only, so a
    few volunteers' checks need no more than them. `shifts` are the week's shifts when
    the caller has read them already.

    Shifts starting later than `now` + the release time carry their teams' reserved
    seats, made smaller where people who stay on a shift whatever the solver does
    (`keep`, and `held`: a repair's published duties) need them.
    """
    settings = settings or get_settings()
    keep, held = list(keep), list(held)
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

    staying: dict[int, set[int]] = defaultdict(set)
    for a in [*keep, *held]:
        staying[a.shift_id].add(a.volunteer_id)
    reserved = reservations(session, shifts, now or utcnow(), settings, staying)
    return solver.Problem(
        shifts=tuple(solver_shift(s, reserved.get(s.id, ())) for s in shifts),
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
