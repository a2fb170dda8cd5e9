"""Time windows: the sub-problem that re-plans a span of days, everything else kept.

A window problem is the original problem cut to some days: the days to re-plan
are free, enough days on each side are kept (pinned) that the consecutive-day
rules see across the cut, and every horizon-wide limit (total minutes, shifts per
kind, weekends) is reduced by what is worked outside the window. It is an
ordinary `Problem`, solved by the ordinary CP-SAT run; `solver.people` uses it as one
of its neighbourhoods.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from solver.check.rules import saturday_of
from solver.problem import Assignment, Id, Problem, Shift, Volunteer

Pair = tuple[Id, Id]

# Share of the LNS day windows placed around an open seat, the rest anywhere (for the
# softer goals): mostly around one, since all of them around one and all anywhere both
# did worse on the benchmark's hard instances (figures: BENCHMARKS-HISTORY.md,
# "OPEN_SEAT_WINDOWS").
OPEN_SEAT_WINDOWS = 0.7


def window_start(rng: random.Random, n_days: int, width: int, open_day: int | None) -> int:
    """First day (0-based) of a window of `width` days, one containing `open_day`
    (the day of an open seat) `OPEN_SEAT_WINDOWS` of the time when there is one."""
    if open_day is None or rng.random() >= OPEN_SEAT_WINDOWS:
        return rng.randrange(0, n_days - width + 1)
    return rng.randrange(max(0, open_day - width + 1), min(open_day, n_days - width) + 1)


def window_problem(
    problem: Problem,
    roster: set[Pair],
    free_start: date,
    free_end: date,
    context: int,
    free_people: set[Id] | None = None,
) -> tuple[Problem, Callable[[Volunteer, Shift], bool], list[Assignment]]:
    """The sub-problem re-planning days [free_start, free_end] (inclusive), for
    `free_people` (default: everyone), with exact horizon-wide limits.

    Returns the problem, the candidate filter and the incumbent inside the window.
    """
    # The context must outlast every run limit, or a run could cross it unseen.
    longest_run_limit = max(
        (
            max(
                v.max_consecutive_days or 0,
                v.min_consecutive_days or 0,
                v.min_consecutive_days_off or 0,
            )
            for v in problem.volunteers
        ),
        default=0,
    )
    context = max(context, 1 + longest_run_limit)
    # The free days are days of the horizon, so the problem has a first and last day.
    assert problem.first_day is not None and problem.last_day is not None
    first = max(problem.first_day, free_start - timedelta(days=context))
    last = min(problem.last_day, free_end + timedelta(days=context))
    # Never cut a weekend in two: its half outside would be counted by nobody.
    if first.weekday() == 6 and first > problem.first_day:
        first -= timedelta(days=1)
    if last.weekday() == 5 and last < problem.last_day:
        last += timedelta(days=1)
    shifts = [s for s in problem.shifts if first <= s.on_day <= last]
    in_window = {s.id for s in shifts}
    minutes: Counter[Id] = Counter()
    kinds: dict[Id, Counter[str]] = defaultdict(Counter)
    weekends: dict[Id, set[date]] = defaultdict(set)
    window_weekends = {saturday_of(s.on_day) for s in shifts if s.on_day.weekday() >= 5}
    for vid, sid in roster:
        if sid in in_window:
            continue
        s = problem.shift(sid)
        minutes[vid] += s.minutes
        if s.kind is not None:
            kinds[vid][s.kind] += 1
        if s.on_day.weekday() >= 5:
            weekends[vid].add(saturday_of(s.on_day))
    volunteers = []
    for v in problem.volunteers:
        used = minutes[v.id]
        lo, hi = v.min_total_minutes, v.max_total_minutes
        weekend_limit = v.max_weekends
        if weekend_limit is not None:
            weekend_limit = max(0, weekend_limit - len(weekends[v.id] - window_weekends))
        volunteers.append(
            dataclasses.replace(
                v,
                min_total_minutes=None if lo is None else max(0, lo - used),
                max_total_minutes=None if hi is None else max(0, hi - used),
                max_weekends=weekend_limit,
                max_shifts_per_kind={
                    k: max(0, n - kinds[v.id][k]) for k, n in v.max_shifts_per_kind.items()
                },
            )
        )
    free_shift = {s.id for s in shifts if free_start <= s.on_day <= free_end}
    inside = [(vid, sid) for vid, sid in roster if sid in in_window]
    pinned = [
        Assignment(vid, sid)
        for vid, sid in inside
        if sid not in free_shift or (free_people is not None and vid not in free_people)
    ]
    incumbent = [Assignment(vid, sid) for vid, sid in inside]
    pinned_pairs = {(a.volunteer, a.shift) for a in pinned}
    sub = dataclasses.replace(
        problem,
        shifts=tuple(shifts),
        volunteers=tuple(volunteers),
        pinned=tuple(pinned),
        forbidden=tuple(a for a in problem.forbidden if a.shift in in_window),
        previous=tuple(a for a in problem.previous if a.shift in in_window),
        requests=tuple(r for r in problem.requests if first <= r.day <= last),
        first_day=first,
        last_day=last,
    )

    def candidates(v: Volunteer, s: Shift) -> bool:
        if (v.id, s.id) in pinned_pairs:
            return True
        return s.id in free_shift and (free_people is None or v.id in free_people)

    return sub, candidates, incumbent
