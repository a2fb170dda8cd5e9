"""What volunteers can take at most, by their own limits alone: the yardstick of the
fair-share goal, the most of a group of shifts one volunteer can work, and the
shares of a group of seats a pool of volunteers can take. The checker's fairness
term, the capacity reasons of `check.explain`, the search's scarcity weights
(`solver.search.scarcity`) and the lower bound (`solver.search.bound`) all count with these.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

from solver.check.rules import iso_week, saturday_of, static_violation
from solver.problem import Id, Problem, Shift, Volunteer


def capacity_minutes(problem: Problem, v: Volunteer) -> int | None:
    """Stated capacity over the horizon, the yardstick of the fair-share goal."""
    if v.max_total_minutes is not None:
        return v.max_total_minutes or None
    if v.max_minutes_per_week:
        # weeks that hold shifts: margins around a week do not double the capacity
        weeks = problem.__dict__.get("_weeks_with_shifts")
        if weeks is None:
            weeks = len({iso_week(s.on_day) for s in problem.shifts}) or 1
            object.__setattr__(problem, "_weeks_with_shifts", weeks)
        return v.max_minutes_per_week * weeks
    return None


def most_shifts(v: Volunteer, shifts: list[Shift], kind: str | None = None) -> int:
    """An upper bound on how many of `shifts` volunteer v can work in any roster, from
    their own limits alone: a day, a week, a kind, the whole horizon."""
    weeks: dict[tuple[int, int], Counter[date]] = defaultdict(Counter)
    shortest: dict[tuple[int, int], int] = {}
    for s in shifts:
        week = iso_week(s.on_day)
        weeks[week][s.on_day] += 1
        shortest[week] = min(shortest.get(week, s.minutes), s.minutes)
    most = 0
    weekday_shifts, weekends = 0, Counter[date]()
    for week, days in weeks.items():
        on_day = {day: min(n, v.max_shifts_per_day or n) for day, n in days.items()}
        here = sum(on_day.values())
        if v.max_shifts_per_week is not None:
            here = min(here, v.max_shifts_per_week)
        if v.max_minutes_per_week is not None:
            here = min(here, v.max_minutes_per_week // shortest[week])
        most += here
        for day, n in on_day.items():
            if day.weekday() < 5:
                weekday_shifts += n
            else:
                weekends[saturday_of(day)] += n
    if v.max_weekends is not None:  # the weekends with the most shifts, and every weekday
        busiest = sorted(weekends.values(), reverse=True)[: v.max_weekends]
        most = min(most, weekday_shifts + sum(busiest))
    if kind is not None and kind in v.max_shifts_per_kind:
        most = min(most, v.max_shifts_per_kind[kind])
    if v.max_total_minutes is not None and shifts:
        most = min(most, v.max_total_minutes // min(shortest.values()))
    return most


def shares(
    problem: Problem, shifts: list[Shift], kind: str | None, pool: Iterable[Volunteer]
) -> dict[Id, int]:
    """The most of `shifts` (one group of seats) each volunteer of `pool` can work by
    their own limits; those who may work none of them are left out."""
    out = {}
    for v in pool:
        allowed = [s for s in shifts if static_violation(problem, v, s) is None]
        if allowed:
            out[v.id] = most_shifts(v, allowed, kind)
    return out
