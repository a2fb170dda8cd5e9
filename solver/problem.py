"""Input types of the solver: plain dataclasses, checked when built.

The instance arrives through `Problem`, how to search for it through
`solver.options.SolveOptions`; the solver never reads the environment or the clock.
Times are aware datetimes; durations are whole minutes. The calendar day of a shift
(used by the day-level rules: consecutive days, weekends, successions, one shift per
day, day requests) is `Shift.day`, which defaults to the local date of the shift start
in the start's own timezone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn

Id = int | str


def _fail(what: str, message: str) -> NoReturn:
    raise ValueError(f"{what}: {message}")


def _whole(what: str, name: str, value: object, least: int = 0) -> None:
    """`value` must be an int (not a bool: JSON's true is no count) of at least `least`."""
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(what, f"{name} must be a whole number, got {value!r}")
    if value < least:
        _fail(what, f"{name} must be >= {least}, got {value}")


def limit(least: int = 0, default: int | None = None) -> Any:
    """A volunteer's whole-number limit (None: not applied): a field declared with it is
    checked when the volunteer is built (at least `least`) and read and written by
    `solver.io` under its own name, so a new limit is one line here."""
    return field(default=default, metadata={"least": least})


def _id(what: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        _fail(what, f"id must be a string or an integer, got {value!r}")


def _aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.tzinfo.utcoffset(value) is not None


@dataclass(frozen=True)
class AvailabilityWindow:
    """A time span a volunteer can work; `preferred` marks the times they like best."""

    start: datetime
    end: datetime
    preferred: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.start, datetime) and isinstance(self.end, datetime)):
            _fail("availability window", "start and end must be datetimes")
        if not isinstance(self.preferred, bool):
            _fail("availability window", f"preferred must be true or false, got {self.preferred!r}")
        if not (_aware(self.start) and _aware(self.end)):
            _fail("availability window", "start and end must be timezone-aware datetimes")
        if self.end <= self.start:
            _fail("availability window", f"end {self.end} is not after start {self.start}")

    def covers(self, start: datetime, end: datetime) -> bool:
        return self.start <= start and end <= self.end


@dataclass(frozen=True)
class Reservation:
    """Seats of a shift kept for the members of a team (an adoption): people outside
    the team fill at most `max_headcount - seats` of the shift. `members` are the
    team's volunteer ids (ids not in the problem are fine: a member who is not
    available simply is not there); `name` is how explanations name the team
    (default: its id)."""

    team: Id
    members: frozenset[Id]
    seats: int
    name: str = ""

    def __post_init__(self) -> None:
        what = f"reservation of team {self.team!r}"
        _id(what, self.team)
        object.__setattr__(self, "members", frozenset(self.members))
        for member in self.members:
            _id(f"{what}: member", member)
        _whole(what, "seats", self.seats, least=1)
        if not isinstance(self.name, str):
            _fail(what, f"name must be a string, got {self.name!r}")

    @property
    def label(self) -> str:
        return self.name or str(self.team)


@dataclass(frozen=True)
class Shift:
    """One shift at one station.

    `min_headcount` is the staffing target (soft, weighted by priority or by
    `under_weight`); `max_headcount` is a hard cap. `skill_needs` asks for that many
    seats filled by holders of each skill (soft); a skill seat can only be taken by
    someone holding the skill (hard). `required_skills` must be held by everyone on
    the shift (hard). `kind` is an optional label (e.g. "night", or a benchmark shift
    type) used by per-kind limits, forbidden successions and day requests.
    `over_weight` penalises each person beyond `min_headcount` (0 by default).
    `reservations` keep seats for teams' members (see `Reservation` and
    `rules.reserved_seats`).
    """

    id: Id
    station: Id
    start: datetime
    end: datetime
    min_headcount: int = 1
    max_headcount: int = 1
    skill_needs: Mapping[str, int] = field(default_factory=dict)
    required_skills: frozenset[str] = frozenset()
    priority: int = 3
    kind: str | None = None
    day: date | None = None
    under_weight: int | None = None
    over_weight: int = 0
    reservations: tuple[Reservation, ...] = ()

    def __post_init__(self) -> None:
        what = f"shift {self.id!r}"
        _id(what, self.id)
        _id(f"{what}: station", self.station)
        if not (isinstance(self.start, datetime) and isinstance(self.end, datetime)):
            _fail(what, "start and end must be datetimes")
        if not (_aware(self.start) and _aware(self.end)):
            _fail(what, "start and end must be timezone-aware datetimes")
        if self.end <= self.start:
            _fail(what, f"end {self.end} is not after start {self.start}")
        if (self.end - self.start) % timedelta(minutes=1):
            _fail(what, "start and end must be whole minutes apart")
        _whole(what, "min_headcount", self.min_headcount)
        _whole(what, "max_headcount", self.max_headcount)
        if self.min_headcount > self.max_headcount:
            _fail(
                what,
                f"need 0 <= min_headcount ({self.min_headcount}) "
                f"<= max_headcount ({self.max_headcount})",
            )
        if not isinstance(self.skill_needs, Mapping):
            _fail(what, f"skill_needs must map skills to counts, got {self.skill_needs!r}")
        needs = dict(self.skill_needs)
        for skill, count in needs.items():
            _whole(what, f"skill need {skill!r}", count)
        if sum(needs.values()) > self.max_headcount:
            _fail(
                what, f"skill needs {needs} add up to more than max_headcount {self.max_headcount}"
            )
        _whole(what, "priority", self.priority, least=1)
        if self.priority > 5:
            _fail(what, f"priority must be 1..5, got {self.priority}")
        if self.under_weight is not None:
            _whole(what, "under_weight", self.under_weight)
        _whole(what, "over_weight", self.over_weight)
        object.__setattr__(self, "reservations", tuple(self.reservations))
        if not all(isinstance(r, Reservation) for r in self.reservations):
            _fail(what, "reservations must be Reservation values")
        teams = [r.team for r in self.reservations]
        if len(set(teams)) != len(teams):
            _fail(what, "a team reserves seats twice")
        reserved = sum(r.seats for r in self.reservations)
        if reserved > self.max_headcount:
            _fail(what, f"reserved seats ({reserved}) exceed max_headcount {self.max_headcount}")
        object.__setattr__(self, "skill_needs", {k: v for k, v in needs.items() if v > 0})
        object.__setattr__(self, "required_skills", frozenset(self.required_skills))
        if self.day is None:
            object.__setattr__(self, "day", self.start.date())

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds()) // 60

    def under_cover_weight(self, weights: Weights) -> int:
        """The penalty per missing person: `under_weight`, else coverage x priority."""
        return (
            self.under_weight if self.under_weight is not None else weights.coverage * self.priority
        )

    @property
    def on_day(self) -> date:
        assert self.day is not None  # set in __post_init__
        return self.day

    @property
    def is_night(self) -> bool:
        """Whether the shift works any time between `NIGHT_START` and `NIGHT_END` on
        the clock of its start's time zone."""
        zone = self.start.tzinfo
        end = self.end.astimezone(zone)
        day = self.start.date()
        while day <= end.date():
            night_start = datetime.combine(day, NIGHT_START, zone)
            night_end = datetime.combine(day, NIGHT_END, zone)
            if self.start < night_end and end > night_start:
                return True
            day += timedelta(days=1)
        return False


# The night of the night-shift limit (`Volunteer.max_night_shifts_per_week`).
NIGHT_START, NIGHT_END = time(0, 0), time(6, 0)


@dataclass(frozen=True)
class FixedDuty:
    """A duty the volunteer holds outside this problem, in a neighbouring week's roster
    say: not decided here, but no shift may overlap it or cut the rest next to it, and
    its day counts as worked for the consecutive-days limit. `day` defaults to the
    date of the start, as for a shift."""

    start: datetime
    end: datetime
    day: date | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.start, datetime) and isinstance(self.end, datetime)):
            _fail("fixed duty", "start and end must be datetimes")
        if not (_aware(self.start) and _aware(self.end)):
            _fail("fixed duty", "start and end must be timezone-aware datetimes")
        if self.end <= self.start:
            _fail("fixed duty", f"end {self.end} is not after start {self.start}")
        if self.day is None:
            object.__setattr__(self, "day", self.start.date())
        elif not isinstance(self.day, date):
            _fail("fixed duty", f"day must be a date, got {self.day!r}")

    @property
    def on_day(self) -> date:
        assert self.day is not None  # set in __post_init__
        return self.day


@dataclass(frozen=True)
class Volunteer:
    """A volunteer and the personal limits the roster must respect.

    `availability=None` means available at any time; otherwise a shift must lie
    inside one window. Limits left at None are not applied. The fields after
    `preferred_stations` are general calendar rules (used by the Curtois & Qu
    benchmark); volunteers from the app usually leave them unset. `fixed_duties` are
    the volunteer's duties outside the problem that rest, overlap and consecutive days
    must respect.
    """

    id: Id
    skills: frozenset[str] = frozenset()
    availability: tuple[AvailabilityWindow, ...] | None = None
    unavailable_dates: frozenset[date] = frozenset()
    max_minutes_per_week: int | None = limit()
    max_shifts_per_week: int | None = limit()
    max_consecutive_days: int | None = limit(least=1)
    min_rest_minutes: int = limit(default=0)
    max_travel_minutes: int | None = limit()
    preferred_stations: frozenset[Id] = frozenset()
    # general calendar rules
    max_shifts_per_day: int | None = limit()
    min_total_minutes: int | None = limit()
    max_total_minutes: int | None = limit()
    max_shifts_per_kind: Mapping[str, int] = field(default_factory=dict)
    min_consecutive_days: int | None = limit(least=1)
    min_consecutive_days_off: int | None = limit(least=1)
    max_weekends: int | None = limit()
    max_night_shifts_per_week: int | None = limit()
    # duties held outside this problem (see FixedDuty)
    fixed_duties: tuple[FixedDuty, ...] = ()

    def __post_init__(self) -> None:
        what = f"volunteer {self.id!r}"
        _id(what, self.id)
        object.__setattr__(self, "fixed_duties", tuple(self.fixed_duties))
        if not all(isinstance(d, FixedDuty) for d in self.fixed_duties):
            _fail(what, "fixed_duties must be FixedDuty values")
        if not isinstance(self.max_shifts_per_kind, Mapping):
            _fail(
                what,
                f"max_shifts_per_kind must map kinds to counts, got {self.max_shifts_per_kind!r}",
            )
        object.__setattr__(self, "skills", frozenset(self.skills))
        object.__setattr__(self, "unavailable_dates", frozenset(self.unavailable_dates))
        object.__setattr__(self, "preferred_stations", frozenset(self.preferred_stations))
        object.__setattr__(self, "max_shifts_per_kind", dict(self.max_shifts_per_kind))
        if self.availability is not None:
            object.__setattr__(self, "availability", tuple(self.availability))
        if not all(isinstance(day, date) for day in self.unavailable_dates):
            _fail(
                what,
                f"unavailable_dates must be dates, got {sorted(map(repr, self.unavailable_dates))}",
            )
        for name, least in VOLUNTEER_LIMITS.items():
            if (value := getattr(self, name)) is not None:
                _whole(what, name, value, least=least)
        if (
            self.min_total_minutes is not None
            and self.max_total_minutes is not None
            and self.min_total_minutes > self.max_total_minutes
        ):
            _fail(what, "min_total_minutes is above max_total_minutes")
        for kind, most in self.max_shifts_per_kind.items():
            _whole(what, f"max_shifts_per_kind {kind!r}", most)

    @property
    def fixed_days(self) -> frozenset[date]:
        return frozenset(d.on_day for d in self.fixed_duties)

    def available_for(self, start: datetime, end: datetime) -> AvailabilityWindow | None:
        """The window holding [start, end] (a preferred one first), or None."""
        if self.availability is None:
            return AvailabilityWindow(start, end, preferred=False)
        best = None
        for window in self.availability:
            if window.covers(start, end) and (best is None or window.preferred):
                best = window
        return best


# The volunteers' whole-number limits (fields declared with `limit`): name -> least value.
VOLUNTEER_LIMITS = {f.name: f.metadata["least"] for f in fields(Volunteer) if "least" in f.metadata}


@dataclass(frozen=True)
class Assignment:
    volunteer: Id
    shift: Id


@dataclass(frozen=True)
class DayRequest:
    """A wish to work (`on=True`) or not to work on a day, optionally a given shift kind.

    An "on" request costs `weight` when the volunteer does not work (that kind) that
    day; an "off" request costs `weight` when they do.
    """

    volunteer: Id
    day: date
    on: bool
    weight: int = 1
    kind: str | None = None

    def __post_init__(self) -> None:
        what = f"day request of {self.volunteer!r}"
        if not isinstance(self.on, bool):
            _fail(what, f"on must be true or false, got {self.on!r}")
        _whole(what, "weight", self.weight)


@dataclass(frozen=True)
class Weights:
    """Penalty per unit for each soft goal, in decreasing order of importance.

    coverage: per missing person times shift priority (1..5) unless the shift sets
    its own under_weight; skill_need: per unfilled skill seat; preference: per
    assignment outside preferred times / stations; request: multiplier of day-request
    weights; fairness: per percentage point of the highest load (assigned minutes
    over stated capacity); travel: per travel minute; change: per assignment added or
    removed against the previous roster.
    """

    coverage: int = 100_000
    skill_need: int = 10_000
    preference: int = 100
    request: int = 1
    fairness: int = 20
    travel: int = 1
    change: int = 1

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            _whole("weights", name, value)


@dataclass(frozen=True)
class Problem:
    shifts: tuple[Shift, ...]
    volunteers: tuple[Volunteer, ...]
    travel_minutes: Mapping[tuple[Id, Id], int] = field(default_factory=dict)
    pinned: tuple[Assignment, ...] = ()
    forbidden: tuple[Assignment, ...] = ()
    previous: tuple[Assignment, ...] = ()
    requests: tuple[DayRequest, ...] = ()
    forbidden_successions: frozenset[tuple[str, str]] = frozenset()
    first_day: date | None = None
    last_day: date | None = None
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shifts", tuple(self.shifts))
        object.__setattr__(self, "volunteers", tuple(self.volunteers))
        object.__setattr__(self, "pinned", tuple(self.pinned))
        object.__setattr__(self, "forbidden", tuple(self.forbidden))
        object.__setattr__(self, "previous", tuple(self.previous))
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(
            self, "forbidden_successions", frozenset((a, b) for a, b in self.forbidden_successions)
        )
        object.__setattr__(self, "travel_minutes", dict(self.travel_minutes))
        shift_ids = [s.id for s in self.shifts]
        volunteer_ids = [v.id for v in self.volunteers]
        if len(set(shift_ids)) != len(shift_ids):
            _fail("problem", "shift ids are not unique")
        if len(set(volunteer_ids)) != len(volunteer_ids):
            _fail("problem", "volunteer ids are not unique")
        shifts, volunteers = set(shift_ids), set(volunteer_ids)
        for name in ("pinned", "forbidden", "previous"):
            for a in getattr(self, name):
                if a.volunteer not in volunteers:
                    _fail(f"{name} assignment", f"unknown volunteer {a.volunteer!r}")
                if a.shift not in shifts:
                    _fail(f"{name} assignment", f"unknown shift {a.shift!r}")
        if set(self.pinned) & set(self.forbidden):
            _fail("problem", "an assignment is both pinned and forbidden")
        for r in self.requests:
            if r.volunteer not in volunteers:
                _fail("day request", f"unknown volunteer {r.volunteer!r}")
        for (v, _station), minutes in self.travel_minutes.items():
            if v not in volunteers:
                _fail("travel minutes", f"unknown volunteer {v!r}")
            _whole(f"travel minutes of {v!r}", "minutes", minutes)
        days = [s.on_day for s in self.shifts]
        if days:
            first = min(days) if self.first_day is None else self.first_day
            last = max(days) if self.last_day is None else self.last_day
            object.__setattr__(self, "first_day", first)
            object.__setattr__(self, "last_day", last)
            if min(days) < first or max(days) > last:
                _fail("problem", "a shift lies outside first_day..last_day")

    # -- look-ups shared by model, validator and explanations -----------------
    def shift(self, shift_id: Id) -> Shift:
        return self._shift_index()[shift_id]

    def volunteer(self, volunteer_id: Id) -> Volunteer:
        return self._volunteer_index()[volunteer_id]

    def _shift_index(self) -> dict[Id, Shift]:
        cached = self.__dict__.get("_shift_by_id")
        if cached is None:
            cached = {s.id: s for s in self.shifts}
            object.__setattr__(self, "_shift_by_id", cached)
        return cached

    def _volunteer_index(self) -> dict[Id, Volunteer]:
        cached = self.__dict__.get("_volunteer_by_id")
        if cached is None:
            cached = {v.id: v for v in self.volunteers}
            object.__setattr__(self, "_volunteer_by_id", cached)
        return cached

    def travel(self, volunteer_id: Id, station: Id) -> int | None:
        """Travel minutes, or None when unknown (unknown travel is neither limited nor costed)."""
        return self.travel_minutes.get((volunteer_id, station))

    def days(self) -> list[date]:
        if self.first_day is None or self.last_day is None:
            return []
        n = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(n)]
