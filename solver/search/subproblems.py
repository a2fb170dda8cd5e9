"""The sub-problems of the `people` search: a part of the problem re-planned with the
rest of the incumbent roster held, each an ordinary `Problem`, solved by the ordinary
CP-SAT run.

* `people_problem`: a few volunteers over the whole horizon. Every hard rule but the
  headcount cap concerns one volunteer at a time and the soft goals add up shift by
  shift and volunteer by volunteer, so this is the problem restricted to them, each
  shift's targets reduced by the people already on it. Its objective equals the whole
  roster's up to a constant (the fairness goal, the only one spanning everyone, is
  judged among the freed volunteers only), so a better sub-roster is a better roster.
* `window_problem`: a span of days. The days to re-plan are free, enough days on each
  side are kept (pinned) that the consecutive-day rules see across the cut, and every
  horizon-wide limit (total minutes, shifts per kind, weekends) is reduced by what is
  worked outside the window.
* `without_goals`: the same hard rules with nothing to optimise.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import fields
from datetime import date, timedelta

from solver.check.rules import saturday_of
from solver.problem import Assignment, Id, Problem, Reservation, Shift, Volunteer, Weights

Pair = tuple[Id, Id]


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
    first, last = _window_days(problem, free_start, free_end, context)
    shifts = [s for s in problem.shifts if first <= s.on_day <= last]
    in_window = {s.id for s in shifts}
    volunteers = _limits_left(problem, roster, shifts)
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


def _window_days(
    problem: Problem, free_start: date, free_end: date, context: int
) -> tuple[date, date]:
    """The first and last day of a window problem: the free days with `context` days
    on each side (more if a run limit needs them), within the horizon, and never a
    weekend cut in two."""
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
    return first, last


def _limits_left(problem: Problem, roster: set[Pair], shifts: list[Shift]) -> list[Volunteer]:
    """The volunteers with their horizon-wide limits (total minutes, shifts per kind,
    weekends) reduced by what they work outside the window's `shifts`."""
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
    return volunteers


def reservations_left(s: Shift, kept: set[Id]) -> tuple[Reservation, ...]:
    """A shift's reservations once the people `kept` on it stay: each team's seats less
    its members among them. Each team's cap on the people still to place then equals
    the whole shift's cap less those kept; the cap on people outside every team is at
    least as tight (equal while no team's kept members fill all its seats)."""
    out = []
    for r in s.reservations:
        seats = r.seats - len(r.members & kept)
        if seats > 0:
            out.append(dataclasses.replace(r, seats=seats))
    return tuple(out)


def people_problem(
    problem: Problem, roster: Iterable[Pair], free: set[Id]
) -> tuple[Problem, list[Assignment]]:
    """The sub-problem re-planning the volunteers in `free` over the whole horizon.

    Returns it and the incumbent assignments of those volunteers (a hint)."""
    others: Counter[Id] = Counter()
    others_on: dict[Id, set[Id]] = defaultdict(set)
    holders: dict[Id, Counter[str]] = defaultdict(Counter)
    skills = {v.id: v.skills for v in problem.volunteers}
    incumbent = []
    for vid, sid in roster:
        if vid in free:
            incumbent.append(Assignment(vid, sid))
            continue
        others[sid] += 1
        others_on[sid].add(vid)
        for skill in skills[vid]:
            holders[sid][skill] += 1
    shifts = []
    for s in problem.shifts:
        taken = others[s.id]
        if not taken:
            shifts.append(s)
            continue
        room = s.max_headcount - taken
        if room <= 0:
            continue  # full: nobody freed can join it
        needs = {k: max(0, n - holders[s.id][k]) for k, n in s.skill_needs.items()}
        while sum(needs.values()) > room:  # more skill seats open than places left
            needs[max(needs, key=lambda k: needs[k])] -= 1
        shifts.append(
            dataclasses.replace(
                s,
                min_headcount=max(0, s.min_headcount - taken),
                max_headcount=room,
                skill_needs=needs,
                reservations=reservations_left(s, others_on[s.id]),
            )
        )
    kept = {s.id for s in shifts}

    def mine(a: Assignment) -> bool:
        return a.volunteer in free and a.shift in kept

    sub = dataclasses.replace(
        problem,
        shifts=tuple(shifts),
        volunteers=tuple(v for v in problem.volunteers if v.id in free),
        travel_minutes={key: m for key, m in problem.travel_minutes.items() if key[0] in free},
        pinned=tuple(filter(mine, problem.pinned)),
        forbidden=tuple(filter(mine, problem.forbidden)),
        previous=tuple(filter(mine, problem.previous)),
        requests=tuple(r for r in problem.requests if r.volunteer in free),
    )
    return sub, incumbent


def without_goals(problem: Problem) -> Problem:
    """The same hard rules with nothing to optimise: any valid roster is optimal."""
    return dataclasses.replace(
        problem,
        shifts=tuple(
            dataclasses.replace(s, min_headcount=0, over_weight=0, skill_needs={})
            for s in problem.shifts
        ),
        requests=(),
        previous=(),
        weights=Weights(*(0,) * len(fields(Weights))),
    )
