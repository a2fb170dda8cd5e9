"""The rules of one volunteer: those that forbid a shift whatever else they work
(`static_violation`), and those over their shifts together, one checker each, keyed
by rule name (`VOLUNTEER_RULES`).

A checker reads a volunteer's `Duties` and yields what they break, each broken rule
once per place it breaks (a week, a day, a pair of shifts). They read only the
Problem, in plain Python, and share no code with the CP-SAT model (solver/model/rules/), so
a modelling mistake cannot hide itself. `volunteer_violations` runs them all;
a test can run one on fixed assignments without a solve.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from solver.problem import Assignment, Id, Problem, Shift, Volunteer


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    volunteer: Id | None = None
    shift: Id | None = None


def day_name(day: date) -> str:
    return day.strftime("%a %Y-%m-%d")


def iso_week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


def saturday_of(day: date) -> date:
    """The Saturday of the weekend holding `day`."""
    return day - timedelta(days=day.weekday() - 5)


def runs(worked: Sequence[bool], value: bool) -> list[tuple[int, int]]:
    """Maximal runs [start, end) of `value` in `worked`."""
    found, start = [], None
    for i, w in enumerate(worked):
        if w == value and start is None:
            start = i
        elif w != value and start is not None:
            found.append((start, i))
            start = None
    if start is not None:
        found.append((start, len(worked)))
    return found


def static_violation(problem: Problem, v: Volunteer, s: Shift) -> Violation | None:
    """The first rule that forbids v on s whatever else they work, or None."""
    # called for every volunteer x shift pair of a year, millions on the largest benchmark
    # instance (figures: BENCHMARKS-HISTORY.md, "static_violation's fast path"), so the
    # commonest cases (nothing forbidden, always available) skip the look-ups
    if problem.forbidden and Assignment(v.id, s.id) in forbidden_set(problem):
        return Violation("forbidden", "assignment is forbidden", v.id, s.id)
    if s.on_day in v.unavailable_dates:
        return Violation("availability", f"unavailable on {day_name(s.on_day)}", v.id, s.id)
    if v.availability is not None and v.available_for(s.start, s.end) is None:
        return Violation("availability", "not available for the shift times", v.id, s.id)
    missing = s.required_skills - v.skills
    if missing:
        return Violation("skills", f"lacks required skill {sorted(missing)[0]}", v.id, s.id)
    if s.kind is not None and v.max_shifts_per_kind.get(s.kind, 1) == 0:
        return Violation("shift_kind", f"may not work {s.kind} shifts", v.id, s.id)
    travel = problem.travel(v.id, s.station)
    if v.max_travel_minutes is not None and travel is not None and travel > v.max_travel_minutes:
        return Violation(
            "travel_limit", f"lives {travel} min away, limit {v.max_travel_minutes} min", v.id, s.id
        )
    for d in v.fixed_duties:
        held = f"a duty held outside this roster ({d.start:%a %Y-%m-%d %H:%M}-{d.end:%H:%M})"
        if s.start < d.end and d.start < s.end:
            return Violation("no_overlap", f"overlaps {held}", v.id, s.id)
        gap = max(d.start - s.end, s.start - d.end)
        if gap < timedelta(minutes=v.min_rest_minutes):
            return Violation(
                "minimum_rest",
                f"only {int(gap.total_seconds() // 60)} min rest next to {held}, "
                f"needs {v.min_rest_minutes}",
                v.id,
                s.id,
            )
    return None


def forbidden_set(problem: Problem) -> frozenset[Assignment]:
    cached = problem.__dict__.get("_forbidden_set")
    if cached is None:
        cached = frozenset(problem.forbidden)
        object.__setattr__(problem, "_forbidden_set", cached)
    return cached


class Duties:
    """One volunteer's shifts, as every checker reads them: by start, and by day."""

    def __init__(self, problem: Problem, volunteer: Volunteer, shifts: Iterable[Shift]) -> None:
        self.problem = problem
        self.volunteer = volunteer
        self.shifts = sorted(shifts, key=lambda s: (s.start, s.end, str(s.id)))

    @cached_property
    def by_day(self) -> dict[date, list[Shift]]:
        days: dict[date, list[Shift]] = defaultdict(list)
        for s in self.shifts:
            days[s.on_day].append(s)
        return days


Checker = Callable[[Duties], Iterator[Violation]]


def _close_pairs(duties: Duties, within: timedelta) -> Iterator[tuple[Shift, Shift]]:
    """Every two shifts (a starting no later than b) with b starting before a's end
    plus `within`."""
    mine = duties.shifts
    for i, a in enumerate(mine):
        for b in mine[i + 1 :]:
            if b.start >= a.end + within:
                break  # later shifts start later still
            yield a, b


def no_overlap(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    for a, b in _close_pairs(duties, timedelta(0)):
        if b.start < a.end and a.start < b.end:
            yield Violation("no_overlap", f"{a.id!r} overlaps {b.id!r}", v.id, b.id)


def minimum_rest(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    if not v.min_rest_minutes:
        return
    for a, b in _close_pairs(duties, timedelta(minutes=v.min_rest_minutes)):
        if b.start >= a.end:
            gap = int((b.start - a.end).total_seconds() // 60)
            yield Violation(
                "minimum_rest",
                f"only {gap} min rest between {a.id!r} and {b.id!r}, needs {v.min_rest_minutes}",
                v.id,
                b.id,
            )


def shifts_per_day(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    if v.max_shifts_per_day is None:
        return
    for day, ss in duties.by_day.items():
        if len(ss) > v.max_shifts_per_day:
            message = f"{len(ss)} shifts on {day_name(day)}, max {v.max_shifts_per_day}"
            yield Violation("shifts_per_day", message, v.id)


def weekly_hours(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    if v.max_minutes_per_week is None:
        return
    minutes: Counter[tuple[int, int]] = Counter()
    for s in duties.shifts:
        minutes[iso_week(s.on_day)] += s.minutes
    for week, total in minutes.items():
        if total > v.max_minutes_per_week:
            message = f"{total} min in week {week[1]}, max {v.max_minutes_per_week}"
            yield Violation("weekly_hours", message, v.id)


def weekly_shifts(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    if v.max_shifts_per_week is None:
        return
    count = Counter(iso_week(s.on_day) for s in duties.shifts)
    for week, n in count.items():
        if n > v.max_shifts_per_week:
            message = f"{n} shifts in week {week[1]}, max {v.max_shifts_per_week}"
            yield Violation("weekly_shifts", message, v.id)


def total_minutes(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    if v.max_total_minutes is None and v.min_total_minutes is None:
        return
    total = sum(s.minutes for s in duties.shifts)
    if v.max_total_minutes is not None and total > v.max_total_minutes:
        message = f"{total} min in total, max {v.max_total_minutes}"
        yield Violation("total_minutes", message, v.id)
    if v.min_total_minutes is not None and total < v.min_total_minutes:
        message = f"{total} min in total, min {v.min_total_minutes}"
        yield Violation("total_minutes", message, v.id)


def shift_kind(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    if not v.max_shifts_per_kind:
        return
    kinds = Counter(s.kind for s in duties.shifts if s.kind is not None)
    for kind, n in kinds.items():
        limit = v.max_shifts_per_kind.get(kind)
        if limit is not None and n > limit:
            yield Violation("shift_kind", f"{n} {kind} shifts, max {limit}", v.id)


def succession(duties: Duties) -> Iterator[Violation]:
    forbidden = duties.problem.forbidden_successions
    if not forbidden:
        return
    v, by_day = duties.volunteer, duties.by_day
    for s in duties.shifts:
        for t in by_day.get(s.on_day + timedelta(days=1), ()):
            if (s.kind, t.kind) in forbidden:
                message = f"{t.kind} on {day_name(t.on_day)} may not follow {s.kind}"
                yield Violation("succession", message, v.id, t.id)


def consecutive_days(duties: Duties) -> Iterator[Violation]:
    """At most max_consecutive_days in a row. Fixed duties' days are worked too, also
    outside the horizon; a run breaks the limit only when a day of this roster (not
    already fixed) is in it."""
    v, by_day, days = duties.volunteer, duties.by_day, duties.problem.days()
    if v.max_consecutive_days is None or not (days or by_day):
        return
    fixed = v.fixed_days
    every = sorted(fixed | set(by_day) | set(days))
    span = [every[0] + timedelta(days=i) for i in range((every[-1] - every[0]).days + 1)]
    for i, j in runs([d in by_day or d in fixed for d in span], True):
        if j - i > v.max_consecutive_days and any(
            d in by_day and d not in fixed for d in span[i:j]
        ):
            run = f"{j - i} days in a row from {day_name(span[i])}"
            message = f"{run}, max {v.max_consecutive_days}"
            yield Violation("consecutive_days", message, v.id)


def _min_runs(
    duties: Duties, value: bool, limit: int | None, rule: str, label: str
) -> Iterator[Violation]:
    """Runs of working days (`value` True) or days off shorter than `limit`; runs
    touching either end of the horizon are exempt (Curtois & Qu reading)."""
    if limit is None:
        return
    days = duties.problem.days()
    worked = [d in duties.by_day for d in days]
    for i, j in runs(worked, value):
        if i > 0 and j < len(days) and j - i < limit:
            message = f"{j - i} {label} in a row from {day_name(days[i])}, min {limit}"
            yield Violation(rule, message, duties.volunteer.id)


def min_consecutive_days(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    yield from _min_runs(duties, True, v.min_consecutive_days, "consecutive_days", "working days")


def min_consecutive_days_off(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    yield from _min_runs(
        duties, False, v.min_consecutive_days_off, "consecutive_days_off", "days off"
    )


def weekends(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    if v.max_weekends is None:
        return
    worked = {saturday_of(d) for d in duties.by_day if d.weekday() >= 5}
    if len(worked) > v.max_weekends:
        message = f"{len(worked)} weekends worked, max {v.max_weekends}"
        yield Violation("weekends", message, v.id)


def night_shifts(duties: Duties) -> Iterator[Violation]:
    v = duties.volunteer
    if v.max_night_shifts_per_week is None:
        return
    count = Counter(iso_week(s.on_day) for s in duties.shifts if s.is_night)
    for week, n in count.items():
        if n > v.max_night_shifts_per_week:
            message = f"{n} night shifts in week {week[1]}, max {v.max_night_shifts_per_week}"
            yield Violation("night_shifts", message, v.id)


# In the order volunteer_violations reports them.
VOLUNTEER_RULES: dict[str, Checker] = {
    "no_overlap": no_overlap,
    "minimum_rest": minimum_rest,
    "shifts_per_day": shifts_per_day,
    "weekly_hours": weekly_hours,
    "weekly_shifts": weekly_shifts,
    "total_minutes": total_minutes,
    "shift_kind": shift_kind,
    "succession": succession,
    "consecutive_days": consecutive_days,
    "min_consecutive_days": min_consecutive_days,
    "min_consecutive_days_off": min_consecutive_days_off,
    "weekends": weekends,
    "night_shifts": night_shifts,
}
