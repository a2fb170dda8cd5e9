"""Database rows -> solver objects, without a database: the one place in app/ that
makes `solver.Problem`, `solver.Shift`, `solver.Volunteer`, `solver.Assignment` and
`solver.Reservation`. Nothing here takes a session or runs SQL; the rows come from
app/rosters/queries.py (or a caller's own reads) with what is translated loaded
already (a volunteer's availability: `with_availability`), and the settings and dates
are arguments. app/rosters/mapping.py's build_problem reads and translates a
district-week.

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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import solver
from app.rosters.models import Assignment
from app.settings import Settings
from app.shifts.models import Shift
from app.stations.models import Station
from app.teams.models import Adoption, Team
from app.types import minutes_of_day, week_monday
from app.volunteers.models import AvailabilityMode, Volunteer
from solver.model.rules.reserved_seats import reserved_for

EARTH_RADIUS_KM = 6371.0


# -- travel ----------------------------------------------------------------------------


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


def travel(
    volunteers: Iterable[Volunteer], stations: Iterable[Station], speed_kmh: float
) -> dict[tuple[solver.Id, solver.Id], int]:
    """The problem's travel minutes, (volunteer id, station id) -> minutes; a volunteer
    without a home has none (their travel is not limited)."""
    stations = list(stations)
    return {
        (v.id, station.id): minutes
        for v in volunteers
        for station in stations
        if (minutes := travel_minutes(v, station, speed_kmh)) is not None
    }


# -- shifts and duties -----------------------------------------------------------------


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


def fixed_duties_by_volunteer(
    rows: Iterable[tuple[int, Shift]],
) -> dict[int, list[solver.FixedDuty]]:
    """Per volunteer id, their duties of other rosters (queries.neighbouring_duties'
    rows): the solver keeps rest, overlap and consecutive days with them but never
    changes, counts or explains them."""
    duties: dict[int, list[solver.FixedDuty]] = defaultdict(list)
    for volunteer_id, shift in rows:
        local = solver_shift(shift)
        duties[volunteer_id].append(solver.FixedDuty(local.start, local.end, local.on_day))
    return duties


def assignment(volunteer_id: solver.Id, shift_id: solver.Id) -> solver.Assignment:
    return solver.Assignment(volunteer=volunteer_id, shift=shift_id)


def assignments(rows: Iterable[Assignment]) -> list[solver.Assignment]:
    """The rows as the solver's assignments, in their order, duplicates kept."""
    return [assignment(a.volunteer_id, a.shift_id) for a in rows]


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
class Adoptions:
    """The adoptions at some stations as adopted_seats reads them (queries.adoptions_at):
    earliest first, with their teams by id and each team's approved members (volunteer
    ids) by team id."""

    adoptions: Sequence[Adoption] = ()
    teams: Mapping[int, Team] = field(default_factory=dict)
    members: Mapping[int, Collection[int]] = field(default_factory=dict)


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
    shifts: Iterable[Shift], adoptions: Adoptions, settings: Settings
) -> dict[int, list[AdoptedSeats]]:
    """Per shift id, the teams that adopted seats of it, released or not, from the
    adoptions at the shifts' stations (queries.adoptions_at). A team's adoptions on one
    shift add up; all teams together get at most the shift's max headcount, the
    earliest adoption first."""
    if not adoptions.adoptions:
        return {}
    release = timedelta(hours=settings.adoption_release_hours)
    out: dict[int, list[AdoptedSeats]] = {}
    for shift in shifts:
        wanted: dict[int, int] = {}  # team id -> seats, in adoption order
        for adoption in adoptions.adoptions:
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
                        adoptions.teams[team_id],
                        seats,
                        frozenset(adoptions.members.get(team_id, ())),
                        shift.starts_at - release,
                    )
                )
        if found:
            out[shift.id] = found
    return out


def reservations(
    shifts: Iterable[Shift],
    adopted: Mapping[int, Sequence[AdoptedSeats]],
    now: datetime,
    held: Mapping[int, Collection[int]] | None = None,
) -> dict[int, tuple[solver.Reservation, ...]]:
    """The solver's reservations of the shifts: their adopted seats (adopted_seats) not
    yet released at `now`. `held` (shift id -> volunteer ids that stay on it whatever
    the solver does: pinned or published duties) shrinks them so those people fit: an
    adoption made after they were placed reserves the seats they leave, it does not
    make them wrong."""
    out: dict[int, tuple[solver.Reservation, ...]] = {}
    by_id = {s.id: s for s in shifts}
    for shift_id, seats in adopted.items():
        kept = [a.reservation() for a in seats if a.reserved(now)]
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


# -- volunteers ------------------------------------------------------------------------


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


def template_volunteer(settings: Settings) -> solver.Volunteer:
    """What a recruit is held to: the district's defaults for a new registration (the
    service circle as travel limit; no weekly hours, shifts or rest of their own)."""
    return solver.Volunteer(id="recruit", max_travel_minutes=settings.default_max_travel_minutes)


# -- problems --------------------------------------------------------------------------


def week_problem(
    week: str,
    shifts: Sequence[Shift],
    volunteers: Sequence[Volunteer],
    *,
    neighbouring: Iterable[tuple[int, Shift]],
    adoptions: Adoptions,
    keep: Sequence[Assignment],
    previous: Iterable[Assignment],
    held: Sequence[Assignment],
    now: datetime,
    settings: Settings,
) -> solver.Problem:
    """The district-week as a solver problem, from its rows (mapping.build_problem says
    what each one is): the week's `shifts`, the district's `volunteers` with their
    `neighbouring` duties of other rosters, and the `adoptions` at the shifts' stations.

    Assignments of `keep` and `previous` outside those shifts and volunteers are left
    out; a volunteer's two rows for one shift count once.
    """
    monday = week_monday(week)
    first_day, last_day = monday, monday + timedelta(days=6)
    fixed = fixed_duties_by_volunteer(neighbouring)
    stations = {s.station_id: s.station for s in shifts}
    shift_ids = {s.id for s in shifts}
    volunteer_ids = {v.id for v in volunteers}

    def in_problem(rows: Iterable[Assignment]) -> tuple[solver.Assignment, ...]:
        return tuple(
            {
                solver.Assignment(volunteer=a.volunteer_id, shift=a.shift_id)
                for a in rows
                if a.shift_id in shift_ids and a.volunteer_id in volunteer_ids
            }
        )

    staying: dict[int, set[int]] = defaultdict(set)
    for a in [*keep, *held]:
        staying[a.shift_id].add(a.volunteer_id)
    adopted = adopted_seats(shifts, adoptions, settings)
    reserved = reservations(shifts, adopted, now, staying)
    return solver.Problem(
        shifts=tuple(solver_shift(s, reserved.get(s.id, ())) for s in shifts),
        volunteers=tuple(
            solver_volunteer(v, first_day, last_day, settings, fixed.get(v.id, ()))
            for v in volunteers
        ),
        travel_minutes=travel(volunteers, stations.values(), settings.travel_speed_kmh),
        pinned=in_problem(keep),
        previous=in_problem(previous),
        first_day=first_day - timedelta(days=1),
        last_day=last_day + timedelta(days=1),
    )


def own_duties_problem(
    volunteer: solver.Volunteer,
    duties: Iterable[solver.Shift],
    travel_to: Mapping[tuple[solver.Id, solver.Id], int],
    first_day: date,
    last_day: date,
) -> solver.Problem:
    """A problem of one volunteer and their duties, against which a seat is checked
    (app/duties SeatCheck): the rules over a volunteer's own duties need no one else."""
    return solver.Problem(
        shifts=tuple(duties),
        volunteers=(volunteer,),
        travel_minutes=travel_to,
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
