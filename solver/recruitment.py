"""Recruitment advice: whom to recruit so that a solved roster's open seats get filled.

`advise(problem, solution)` answers the fewest volunteers, described as *profiles*
(skills, one weekday, a start-end window, a station they live within the service
circle of), that would fill as many of the roster's open seats as any number of
such volunteers can. It is a covering problem over candidate profiles, solved with
CP-SAT like the roster itself, and pure like the rest of `solver/`: the time limit,
seed and workers come in `SolveOptions`.

Candidate profiles come from the open seats: per weekday and station with an open
seat, the widest one (every skill the open seats nearby ask for, their hours from
the first start to the last end), since a recruit with more skills or hours can do
all a narrower one can; each recruit found is then described by the skills and
hours of the seats they take (`narrowest`). A profile's volunteer is a synthetic
`Volunteer` living at the station, available on that weekday in that window only
and held to the limits of `like` (weekly hours and shifts, rest, overlap...), so
"how many seats one such volunteer can take" is decided by the solver's own rules
(`solver.model.rules`), on a side problem that holds one copy of the volunteer per
possible recruit and the open seats only.

The advice keeps everyone already on the roster where they are (but for someone
sitting without the skill on a skill seat, whom a recruit with it replaces): a
recruit who would take a volunteer's seat so that the volunteer fills another is
not considered.

Honest by construction: the advice comes with a roster (`Advice.roster`), the given
one plus the advised volunteers on the seats they were counted for, and that roster
has passed `validate`. Solving again with `Advice.problem_with_recruits(problem)`
can therefore reach at least the promised seats.
"""

from __future__ import annotations

import dataclasses
import functools
import time as clock
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from ortools.sat.python import cp_model

from solver.check.validate import skill_matching, validate, volunteer_violations
from solver.model.rules import LINKED, STATIC
from solver.model.rules.reserved_seats import room_for_outsiders
from solver.model.variables import Variables
from solver.options import SolveOptions
from solver.problem import Assignment, AvailabilityWindow, Id, Problem, Shift, Volunteer
from solver.solution import Solution

# The district plan's service circle: a recruit lives within 15 minutes of a station.
CIRCLE_MINUTES = 15
# What a recruit is held to when the caller gives no template: no weekly limits, but
# the no-overlap rule still keeps one person to one seat at a time.
ANYONE = Volunteer(id="recruit")


@dataclass(frozen=True)
class Profile:
    """`volunteers_needed` people like this fill `seats_filled` open seats.

    `start_minute` and `end_minute` count minutes from midnight of the weekday in
    the stations' local time (`zone`); an end past 1440 runs into the next day.
    `weekday` is ISO (1 = Monday)."""

    skills: frozenset[str]
    weekday: int
    start_minute: int
    end_minute: int
    near_station: Id
    volunteers_needed: int
    seats_filled: int
    zone: tzinfo | None = field(default=None, compare=False)

    @property
    def start(self) -> str:
        return _clock_text(self.start_minute)

    @property
    def end(self) -> str:
        return _clock_text(self.end_minute)


@dataclass(frozen=True)
class Advice:
    """The profiles to recruit, the open seats they fill, and the roster that proves it.

    `roster` is the given roster with the advised volunteers (`volunteers(problem)`)
    on the seats they were counted for, minus the people they displace (someone
    without the skill who sat on a skill seat); it has passed `validate` on
    `problem_with_recruits(problem)`."""

    open_seats: int
    profiles: tuple[Profile, ...]
    roster: tuple[Assignment, ...]
    status: str
    wall_seconds: float
    circle_minutes: int = CIRCLE_MINUTES
    station_travel: Mapping[tuple[Id, Id], int] = field(default_factory=dict)
    like: Volunteer = ANYONE

    @property
    def seats_filled(self) -> int:
        return sum(p.seats_filled for p in self.profiles)

    @property
    def volunteers_needed(self) -> int:
        return sum(p.volunteers_needed for p in self.profiles)

    def volunteers(self, problem: Problem) -> tuple[Volunteer, ...]:
        """One synthetic volunteer per advised recruit, ids `recruit-<profile>-<n>`."""
        return tuple(
            recruit(problem, p, recruit_id(i, n), self.circle_minutes, self.like)
            for i, p in enumerate(self.profiles)
            for n in range(p.volunteers_needed)
        )

    def problem_with_recruits(self, problem: Problem) -> Problem:
        """The problem with the advised volunteers added, their travel included."""
        recruits = self.volunteers(problem)
        homes = [p.near_station for p in self.profiles for _ in range(p.volunteers_needed)]
        travel = dict(problem.travel_minutes)
        for v, home in zip(recruits, homes, strict=True):
            travel.update(
                travel_from_home(problem, v.id, home, self.station_travel, self.circle_minutes)
            )
        return dataclasses.replace(
            problem, volunteers=(*problem.volunteers, *recruits), travel_minutes=travel
        )


def _clock_text(minute: int) -> str:
    """ "HH:MM"; midnight at the end of the day reads "24:00", later times wrap."""
    if minute == 24 * 60:
        return "24:00"
    minute %= 24 * 60
    return f"{minute // 60:02d}:{minute % 60:02d}"


def recruit_id(profile: int, n: int) -> str:
    return f"recruit-{profile}-{n}"


# -- the open seats of a roster ------------------------------------------------


@dataclass(frozen=True)
class OpenSeats:
    """What adding people to one shift can fill.

    `skill[k]` skill seats no one on the shift holds in a best matching, `plain`
    seats below the minimum headcount beyond those, `room` people the maximum
    headcount still admits, and `displaceable`: people on the shift who sit on no
    skill seat and may leave it (not pinned, no minimum of their own), whom a skill
    holder can replace when the shift is full."""

    shift: Shift
    skill: Mapping[str, int]
    plain: int
    room: int
    displaceable: tuple[Id, ...]

    @property
    def count(self) -> int:
        return sum(self.skill.values()) + self.plain

    @property
    def most_newcomers(self) -> int:
        return self.room + len(self.displaceable)


def open_seats(problem: Problem, assignments: Iterable[Assignment]) -> dict[Id, OpenSeats]:
    """Open seats per shift: the people a shift still needs, skill seats included.

    A shift short of both people and skill holders needs max(short of headcount,
    open skill seats) people: a newcomer holding the skill fills one of each."""
    on_shift: dict[Id, list[Volunteer]] = defaultdict(list)
    for a in assignments:
        on_shift[a.shift].append(problem.volunteer(a.volunteer))
    pinned = set(problem.pinned)
    out = {}
    for s in problem.shifts:
        here = on_shift[s.id]
        matched = skill_matching(s, [v.skills for v in here])
        skill = dict(s.skill_needs)
        for seat_skill in matched.values():
            skill[seat_skill] -= 1
        skill = {k: n for k, n in skill.items() if n > 0}
        short = max(0, s.min_headcount - len(here))
        plain = max(0, short - sum(skill.values()))
        # Recruits belong to no team: seats still reserved for a team (an adoption)
        # are not theirs, so the room is what people outside every team may still
        # take, and a team's member is never displaced (that would free a reserved
        # seat for an outsider).
        members = frozenset().union(*(r.members for r in s.reservations))
        displaceable = tuple(
            v.id
            for i, v in enumerate(here)
            if i not in matched
            and Assignment(v.id, s.id) not in pinned
            and may_leave(v)
            and v.id not in members
        )
        room = room_for_outsiders(s, [v.id for v in here])
        seats = OpenSeats(s, skill, plain, room, displaceable)
        if seats.count:
            out[s.id] = seats
    return out


def may_leave(v: Volunteer) -> bool:
    """Taking a shift away never breaks a limit, only a minimum (Curtois & Qu's
    rules; the app sets none): someone with a minimum stays where they are."""
    return (
        v.min_total_minutes is None
        and v.min_consecutive_days is None
        and v.min_consecutive_days_off is None
    )


# -- candidate profiles --------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    skills: frozenset[str]
    weekday: int
    start_minute: int
    end_minute: int
    home: Id
    zone: tzinfo | None

    def as_profile(self, volunteers: int, seats: int) -> Profile:
        return Profile(
            self.skills,
            self.weekday,
            self.start_minute,
            self.end_minute,
            self.home,
            volunteers,
            seats,
            self.zone,
        )


def minutes_into_day(s: Shift) -> tuple[int, int]:
    """The shift's hours as minutes from midnight of its (local) day."""
    midnight = datetime.combine(s.on_day, datetime.min.time(), tzinfo=s.start.tzinfo)
    start = int((s.start - midnight).total_seconds()) // 60
    return start, start + s.minutes


def seat_skill_sets(seats: OpenSeats) -> list[frozenset[str]]:
    """The skills a newcomer needs for each kind of open seat of a shift."""
    need = seats.shift.required_skills
    sets = [need | {k} for k in seats.skill]
    if seats.plain:
        sets.append(need)
    return sets


def reachable(
    home: Id, station: Id, station_travel: Mapping[tuple[Id, Id], int], circle: int
) -> bool:
    """Someone living at `home` lives within the circle of `station`; travel between
    two stations that the caller does not know is taken as out of reach, so the
    advice never counts on it."""
    if home == station:
        return True
    minutes = station_travel.get((home, station))
    return minutes is not None and minutes <= circle


def candidate_profiles(
    problem: Problem,
    seats: Mapping[Id, OpenSeats],
    station_travel: Mapping[tuple[Id, Id], int],
    circle: int,
) -> list[Candidate]:
    """Per weekday and home station (every station with an open seat): the widest
    profile, every skill asked for nearby that day and the hours from the first open
    seat nearby to the end of the last. A recruit with more skills or a wider window
    can do all a narrower one can, so the fewest recruits are found among these; each
    recruit is then described by the skills and hours of the seats they take
    (`narrowest`), which is what an office asks for."""
    homes = sorted({o.shift.station for o in seats.values()}, key=str)
    by_day: dict[tuple[int, tzinfo | None], list[OpenSeats]] = defaultdict(list)
    for o in seats.values():
        by_day[o.shift.on_day.isoweekday(), o.shift.start.tzinfo].append(o)
    out = []
    for (weekday, zone), day_seats in sorted(by_day.items(), key=lambda kv: kv[0][0]):
        near = {
            home: frozenset(
                o.shift.id
                for o in day_seats
                if reachable(home, o.shift.station, station_travel, circle)
            )
            for home in homes
        }
        for home in widest_homes(near):
            mine = [o for o in day_seats if o.shift.id in near[home]]
            hours = [minutes_into_day(o.shift) for o in mine]
            skills = frozenset().union(*(k for o in mine for k in seat_skill_sets(o)))
            start, end = min(h[0] for h in hours), max(h[1] for h in hours)
            out.append(Candidate(skills, weekday, start, end, home, zone))
    return out


def widest_homes(near: Mapping[Id, frozenset[Id]]) -> list[Id]:
    """The homes whose open seats nearby no other home's include: a recruit living
    at a home within reach of more seats can do all one living at the other can (the
    widest profile there holds every skill and hour of the other's), so the other
    home only makes the covering search longer. Of homes with the same seats nearby
    the first stays."""
    homes = [h for h in near if near[h]]
    return [
        h
        for i, h in enumerate(homes)
        if not any(
            near[h] < near[g] or (near[h] == near[g] and j < i)
            for j, g in enumerate(homes)
            if g != h
        )
    ]


def narrowest(candidate: Candidate, seats: Sequence[tuple[Shift, str | None]]) -> Candidate:
    """The profile of one recruit: the skills of the seats they take (the shift's
    required skills, and the seat's skill for a skill seat), the hours from the
    first seat's start to the last one's end, the candidate's weekday and home."""
    skills = frozenset().union(*(s.required_skills | ({k} if k else set()) for s, k in seats))
    hours = [minutes_into_day(s) for s, _ in seats]
    return dataclasses.replace(
        candidate,
        skills=skills,
        start_minute=min(h[0] for h in hours),
        end_minute=max(h[1] for h in hours),
    )


def recruit(
    problem: Problem, profile: Profile | Candidate, id: Id, circle: int, like: Volunteer
) -> Volunteer:
    """A volunteer of this profile: `like`'s limits, the profile's skills, available
    on the profile's weekday of every week of the horizon in its window, nothing else.
    A minimum of `like` is dropped: a recruit is not made to work."""
    windows = []
    for day in problem.days():
        if day.isoweekday() == profile.weekday:
            midnight = datetime.combine(day, datetime.min.time(), tzinfo=profile.zone)
            windows.append(
                AvailabilityWindow(
                    midnight + timedelta(minutes=profile.start_minute),
                    midnight + timedelta(minutes=profile.end_minute),
                )
            )
    return dataclasses.replace(
        like,
        id=id,
        skills=profile.skills,
        availability=tuple(windows),
        unavailable_dates=frozenset(),
        max_travel_minutes=circle,
        preferred_stations=frozenset(),
        min_total_minutes=None,
        min_consecutive_days=None,
        min_consecutive_days_off=None,
        fixed_duties=(),
    )


def travel_from_home(
    problem: Problem,
    volunteer: Id,
    home: Id,
    station_travel: Mapping[tuple[Id, Id], int],
    circle: int,
) -> dict[tuple[Id, Id], int]:
    """A recruit's travel to every station: none to the home station, the stations'
    own travel to the others, one minute beyond the circle where it is unknown (the
    solver does not limit unknown travel; a recruit must not count on it)."""
    stations = {s.station for s in problem.shifts}
    return {
        (volunteer, st): 0 if st == home else station_travel.get((home, st), circle + 1)
        for st in stations
    }


# -- the covering model --------------------------------------------------------


def side_problem(
    problem: Problem,
    seats: Mapping[Id, OpenSeats],
    candidates: Sequence[Candidate],
    station_travel: Mapping[tuple[Id, Id], int],
    circle: int,
    like: Volunteer,
) -> tuple[Problem, list[int]]:
    """The open seats as shifts (skill needs = open skill seats, maximum headcount =
    newcomers the shift admits) and, per candidate, as many copies of its recruit as
    open seats it may take: the solver's rules then decide what each copy can do.
    Returns the problem and the candidate index of each copy."""
    shifts = []
    for o in seats.values():
        cap = o.most_newcomers
        if not cap:
            continue
        skill = dict(o.skill)
        while sum(skill.values()) > cap:  # more open skill seats than newcomers fit
            k = max(skill, key=lambda k: (skill[k], k))
            skill[k] -= 1
        shifts.append(
            dataclasses.replace(
                o.shift, min_headcount=0, max_headcount=cap, skill_needs=skill, reservations=()
            )
        )
    bare = dataclasses.replace(
        problem,
        shifts=tuple(shifts),
        volunteers=(),
        travel_minutes={},
        pinned=(),
        forbidden=(),
        previous=(),
        requests=(),
    )
    volunteers, travel, owner = [], {}, []
    for ci, c in enumerate(candidates):
        probe = recruit(bare, c, f"c{ci}", circle, like)
        reach = travel_from_home(bare, probe.id, c.home, station_travel, circle)
        with_probe = dataclasses.replace(bare, volunteers=(probe,), travel_minutes=reach)
        fits = sum(
            s.max_headcount for s in shifts if all(rule(with_probe, probe, s) for rule in STATIC)
        )
        for n in range(min(fits, sum(o.count for o in seats.values()))):
            v = dataclasses.replace(probe, id=f"c{ci}-{n}")
            volunteers.append(v)
            travel.update(travel_from_home(bare, v.id, c.home, station_travel, circle))
            owner.append(ci)
    return dataclasses.replace(bare, volunteers=tuple(volunteers), travel_minutes=travel), owner


def advise(
    problem: Problem,
    solution: Solution,
    station_travel: Mapping[tuple[Id, Id], int] | None = None,
    circle_minutes: int = CIRCLE_MINUTES,
    like: Volunteer = ANYONE,
    options: SolveOptions = SolveOptions(),
) -> Advice:
    """The fewest recruits, as profiles, that fill the most of `solution`'s open seats.

    `station_travel[(a, b)]` is the travel minutes from station a to station b (a
    recruit living at a); without it a recruit only serves their home station.
    `like` gives the recruits' limits (weekly hours and shifts, rest...). Seats
    filled come first, then the number of recruits. A profile has one weekday, so
    each weekday is a covering problem of its own, solved in turn with an equal
    share of the time left (`options`' time limit, seed and workers; its method is
    not read)."""
    if not solution.has_roster:
        raise ValueError(f"no roster to advise on: the solution is {solution.status}")
    started = clock.perf_counter()
    travel = dict(station_travel or {})
    seats = open_seats(problem, solution.assignments)
    days: dict[tuple[int, tzinfo | None], list[Candidate]] = defaultdict(list)
    for c in candidate_profiles(problem, seats, travel, circle_minutes):
        days[c.weekday, c.zone].append(c)
    recruits: list[tuple[Candidate, list[tuple[Shift, str | None]]]] = []
    statuses = []
    # The last tenth of the time is kept for assembling the advice and validating its
    # roster, which fits in it on the district benchmark (figures:
    # BENCHMARKS-HISTORY.md, "Recruitment's last tenth").
    deadline = started + 0.9 * options.time_limit_seconds
    for i, ((weekday, zone), candidates) in enumerate(days.items()):
        day_seats = {
            sid: o
            for sid, o in seats.items()
            if (o.shift.on_day.isoweekday(), o.shift.start.tzinfo) == (weekday, zone)
        }
        status, found = cover(
            problem,
            day_seats,
            candidates,
            travel,
            circle_minutes,
            like,
            functools.partial(share_of_time_left, deadline, len(days) - i),
            options.seed,
            options.workers,
        )
        statuses.append(status)
        recruits.extend(found)
    # the weakest day's status: OPTIMAL only if every day's covering is proven
    order = ("OPTIMAL", "FEASIBLE", "UNKNOWN", "INFEASIBLE", "MODEL_INVALID")
    status = max(statuses, key=order.index, default="OPTIMAL")
    return assemble(
        problem, solution, seats, recruits, status, started, circle_minutes, travel, like
    )


def share_of_time_left(deadline: float, days_left: int) -> float:
    return max(0.0, deadline - clock.perf_counter()) / days_left


def cover(
    problem: Problem,
    seats: Mapping[Id, OpenSeats],
    candidates: Sequence[Candidate],
    travel: Mapping[tuple[Id, Id], int],
    circle: int,
    like: Volunteer,
    time_limit: Callable[[], float],
    seed: int,
    workers: int,
) -> tuple[str, list[tuple[Candidate, list[tuple[Shift, str | None]]]]]:
    """One day's covering problem: CP-SAT's status and, per recruit used, their
    candidate and the seats they take (the shift, and the skill of a skill seat).
    `time_limit()` is asked once the model is built: the day's share of what is left."""
    side, owner = side_problem(problem, seats, candidates, travel, circle, like)
    model = cp_model.CpModel()
    variables = Variables(model, side, STATIC)
    for rule in LINKED:
        rule(variables)
    filled = newcomers_fill_seats(variables, seats)
    used = copies_used(variables, owner)
    homes = homes_used(owner, used)
    total = sum(o.count for o in seats.values())
    # Seats first, then recruits, then homes (fewer profiles to ask for): each level
    # outweighs everything below it.
    per_recruit = len(homes) + 1
    per_seat = per_recruit * (len(owner) + 1)
    model.minimize(per_seat * (total - sum(filled)) + per_recruit * sum(used) + sum(homes))
    quick = greedy_cover(variables, owner, seats)
    for (vi, si), x in variables.x.items():
        model.add_hint(x, (vi, si) in quick)
    search = cp_model.CpSolver()
    search.parameters.max_time_in_seconds = time_limit()
    search.parameters.random_seed = seed
    search.parameters.num_workers = workers
    status = search.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # No solution in time (a big day's model may not even get through presolve):
        # the greedy covering stands, its status says that nothing proved it good.
        by_greedy: dict[int, list[tuple[Shift, str | None]]] = defaultdict(list)
        for vi, si in sorted(quick):
            by_greedy[vi].append((side.shifts[si], quick[vi, si]))
        return search.status_name(status), [
            (candidates[owner[vi]], taken) for vi, taken in sorted(by_greedy.items())
        ]
    by_copy: dict[int, list[tuple[Shift, str | None]]] = defaultdict(list)
    for vi, si in variables.x:
        if search.boolean_value(variables.x[vi, si]):
            s = side.shifts[si]
            skill = next(
                (
                    k
                    for k in sorted(s.skill_needs)
                    if (vi, si, k) in variables.seat
                    and search.boolean_value(variables.seat[vi, si, k])
                ),
                None,
            )
            by_copy[vi].append((s, skill))
    return search.status_name(status), [
        (candidates[owner[vi]], taken) for vi, taken in sorted(by_copy.items())
    ]


def greedy_cover(
    variables: Variables, owner: Sequence[int], seats: Mapping[Id, OpenSeats]
) -> dict[tuple[int, int], str | None]:
    """A quick covering, the search's starting hint and its fallback when it finds
    nothing in time: seat by seat (skill seats first, shifts by start), a recruit
    already counted who can still take it under every hard rule, else the next copy of
    the candidate within reach of the most seats. Returns the seat taken per (copy,
    shift): its skill for a skill seat, None for a plain one. Copies of a candidate are
    taken in order, as `copies_used` asks."""
    p = variables.problem
    reach: dict[int, int] = defaultdict(int)
    for vi, _ in variables.x:
        reach[owner[vi]] += 1
    taken: dict[tuple[int, int], str | None] = {}
    mine: dict[int, list[Shift]] = defaultdict(list)
    next_copy: dict[int, int] = {}  # per candidate, its first copy not yet counted
    for vi in reversed(range(len(owner))):
        next_copy[owner[vi]] = vi
    order = sorted(range(len(p.shifts)), key=lambda si: (p.shifts[si].start, str(p.shifts[si].id)))
    for si in order:
        s = p.shifts[si]
        o = seats[s.id]
        wanted: list[str | None] = [k for k, n in sorted(s.skill_needs.items()) for _ in range(n)]
        wanted += [None] * min(o.plain, o.room, s.max_headcount - len(wanted))
        for skill in wanted:
            fits = [
                vi
                for vi in variables.volunteers_on[si]
                if (vi, si) not in taken and (skill is None or skill in p.volunteers[vi].skills)
            ]
            counted = [vi for vi in fits if mine[vi]]
            fresh = sorted(
                (vi for vi in fits if next_copy.get(owner[vi]) == vi),
                key=lambda vi: (-reach[owner[vi]], vi),
            )
            for vi in counted + fresh:
                if not volunteer_violations(
                    p, p.volunteers[vi], [*mine[vi], s], include_static=False
                ):
                    break
            else:
                continue
            if not mine[vi]:
                later = [c for c in range(vi + 1, len(owner)) if owner[c] == owner[vi]]
                next_copy[owner[vi]] = later[0] if later else -1
            taken[vi, si] = skill
            mine[vi].append(s)
    return taken


def newcomers_fill_seats(variables: Variables, seats: Mapping[Id, OpenSeats]) -> list:
    """Every recruit on a shift fills an open seat there: a skill seat (the skills
    rule matches holders to the open skill seats) or a plain one, and plain seats only
    while the shift has room, since displacing someone for a plain seat fills
    nothing. Returns the number of recruits per shift, i.e. the seats they fill."""
    m, p = variables.model, variables.problem
    filled = []
    for si, s in enumerate(p.shifts):
        xs = [variables.x[vi, si] for vi in variables.volunteers_on[si]]
        if not xs:
            continue
        o = seats[s.id]
        on_skill_seats = [
            variables.seat[vi, si, k]
            for vi in variables.volunteers_on[si]
            for k in s.skill_needs
            if (vi, si, k) in variables.seat
        ]
        m.add(sum(xs) - sum(on_skill_seats) <= min(o.plain, o.room))
        filled.append(sum(xs))
    return filled


def copies_used(variables: Variables, owner: Sequence[int]) -> list:
    """used[copy] = the copy takes some seat; copies of a candidate are used in
    order, which removes their symmetry."""
    m = variables.model
    used: list[cp_model.IntVar] = []
    for vi in range(len(variables.problem.volunteers)):
        u = m.new_bool_var(f"used_{vi}")
        xs = [variables.x[vi, si] for si in variables.shifts_of[vi]]
        for x in xs:
            m.add_implication(x, u)
        m.add(sum(xs) >= u)
        if vi and owner[vi - 1] == owner[vi]:
            m.add_implication(u, used[vi - 1])
        used.append(u)
    return used


def homes_used(owner: Sequence[int], used: Sequence[cp_model.IntVar]) -> list:
    """Per candidate (one home on this day), whether any of its copies is used: its
    first one is, as copies are used in order (`copies_used`)."""
    first: dict[int, cp_model.IntVar] = {}
    for vi, ci in enumerate(owner):
        first.setdefault(ci, used[vi])
    return list(first.values())


def assemble(
    problem: Problem,
    solution: Solution,
    seats: Mapping[Id, OpenSeats],
    found: Sequence[tuple[Candidate, list[tuple[Shift, str | None]]]],
    status: str,
    started: float,
    circle: int,
    travel: Mapping[tuple[Id, Id], int],
    like: Volunteer,
) -> Advice:
    """Profiles from the recruits found, and the roster that proves them: the given
    one, the recruits named as `Advice.volunteers` names them, and for each recruit on
    a full shift one displaceable person taken off (the recruit holds the skill of a
    seat that person sat on without it)."""
    by_profile: dict[Candidate, list[list[tuple[Shift, str | None]]]] = defaultdict(list)
    for candidate, taken in found:
        by_profile[narrowest(candidate, taken)].append(taken)
    profiles: list[Profile] = []
    recruits: list[Assignment] = []
    in_order = sorted(
        by_profile.items(),
        key=lambda kv: (kv[0].weekday, kv[0].start_minute, str(kv[0].home), sorted(kv[0].skills)),
    )
    for pi, (candidate, people) in enumerate(in_order):
        profiles.append(candidate.as_profile(len(people), sum(len(t) for t in people)))
        for n, taken in enumerate(people):
            recruits.extend(Assignment(recruit_id(pi, n), s.id) for s, _ in taken)
    roster = list(solution.assignments)
    newcomers: dict[Id, int] = defaultdict(int)
    for a in recruits:
        newcomers[a.shift] += 1
    for sid, count in newcomers.items():
        o = seats[sid]
        for gone in o.displaceable[: max(0, count - o.room)]:
            roster.remove(Assignment(gone, sid))
    roster.extend(recruits)
    advice = Advice(
        open_seats=sum(o.count for o in seats.values()),
        profiles=tuple(profiles),
        roster=tuple(roster),
        status=status,
        wall_seconds=clock.perf_counter() - started,
        circle_minutes=circle,
        station_travel=dict(travel),
        like=like,
    )
    check_promise(problem, solution, advice)
    return advice


def check_promise(problem: Problem, solution: Solution, advice: Advice) -> None:
    """The advice's roster breaks no rule and leaves the promised seats fewer open;
    anything else is a bug here, as for every roster the solver returns."""
    grown = advice.problem_with_recruits(problem)
    report = validate(grown, advice.roster)
    assert report.ok, f"recruitment roster breaks {report.violations[:3]}"
    before = sum(o.count for o in open_seats(problem, solution.assignments).values())
    after = sum(o.count for o in open_seats(grown, advice.roster).values())
    assert before - after >= advice.seats_filled, (
        f"recruitment roster fills {before - after} seats, promised {advice.seats_filled}"
    )
