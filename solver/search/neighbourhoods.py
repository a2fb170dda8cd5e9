"""The neighbourhoods of both large neighbourhood searches: which part of the
incumbent roster one round re-plans.

The kinds, in both searches:
* "days": everyone over a window of days;
* "people": a few volunteers over the whole horizon;
* "seat": volunteers who could take an open seat, over the whole horizon: filling a
  seat usually means its taker drops a shift elsewhere (minutes, runs) and someone
  else takes that one, a move no window and few random pairs of people contain;
* "block": some volunteers over a window of weeks.
Windows mostly contain the day of an open seat (`window_start`).

`lns` frees variables of one whole model (`model_neighbourhood`: their indices);
`people` cuts a sub-problem (`people_neighbourhood`: the volunteers and days, which
`subproblems` turns into a Problem).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from solver.check.rules import static_violation
from solver.problem import Id, Problem

Key = tuple[int, int]  # (volunteer index, shift index): one assignment variable

# The kinds drawn from; one listed twice is drawn twice as often.
KINDS = ("days", "days", "people", "seat", "block")

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


def open_seat(problem: Problem, staffed: Sequence[int], rng: random.Random) -> int | None:
    """A random shift (index) that `staffed` (people per shift index) leaves below its
    minimum headcount, if any."""
    below = [si for si, s in enumerate(problem.shifts) if staffed[si] < s.min_headcount]
    return rng.choice(below) if below else None


def day_index(problem: Problem, shift_index: int) -> int:
    """The shift's day, counted from the problem's first day."""
    # A problem with shifts has a first day (set when built).
    assert problem.first_day is not None
    return (problem.shifts[shift_index].on_day - problem.first_day).days


# -- on the whole model (lns) --------------------------------------------------------


def with_time_to_spare(problem: Problem, keys: Sequence[Key], values: Sequence[int]) -> list[int]:
    """The volunteers (indices) working less than their limit over the horizon
    (those without one are left out: they tell nothing apart)."""
    minutes = [0] * len(problem.volunteers)
    for (vi, si), val in zip(keys, values, strict=True):
        if val:
            minutes[vi] += problem.shifts[si].minutes
    return [
        vi
        for vi, v in enumerate(problem.volunteers)
        if v.max_total_minutes is not None and minutes[vi] < v.max_total_minutes
    ]


@dataclass(frozen=True)
class Layout:
    """Where a model's assignment variables lie: variable i is `keys[i]` on day
    `day_of[i]`, in a grid of `n_people` volunteers by `n_days` days."""

    keys: Sequence[Key]
    day_of: Sequence[int]
    n_days: int
    n_people: int

    @classmethod
    def of(cls, problem: Problem, keys: Sequence[Key]) -> Layout:
        day_of = [day_index(problem, si) for _, si in keys]
        return cls(keys, day_of, max(day_of) + 1 if day_of else 1, len(problem.volunteers))


def model_neighbourhood(
    rng: random.Random,
    kind: str,
    layout: Layout,
    size: int,
    able: Sequence[int],
    open_day: int | None = None,
    spare: list[int] | None = None,
) -> set[int]:
    """Indices (into `layout.keys`) of about `size` variables to free, of `kind`. "seat" frees
    `able`, the people who could take the open seat. Up to half of its people are drawn
    from `spare`, those with time to spare: where the demand takes every minute the
    volunteers can give (as on one benchmark instance; figures: BENCHMARKS-HISTORY.md,
    "The seat neighbourhood's people with time to spare"), an open seat is filled only
    through a chain that ends at one of them."""
    keys, day_of, n_days, n_people = layout.keys, layout.day_of, layout.n_days, layout.n_people
    per_cell = max(1, len(keys) / max(1, n_people * n_days))
    cells = max(1, int(size / per_cell))  # (person, day) cells to free
    if kind == "days":
        width = max(2, min(n_days, cells // max(1, n_people)))
        start = window_start(rng, n_days, width, open_day)
        return {i for i, d in enumerate(day_of) if start <= d < start + width}
    if kind in ("people", "seat"):
        count = max(1, min(n_people, cells // n_days))
        spare = spare or []
        people = set(rng.sample(spare, min(len(spare), max(1, count // 2))))
        takers = [v for v in able if v not in people]
        people |= set(rng.sample(takers, min(count - len(people), len(takers))))
        others = [v for v in range(n_people) if v not in people]
        people |= set(rng.sample(others, count - len(people)))
        return {i for i, k in enumerate(keys) if k[0] in people}
    width = max(2, min(n_days, rng.choice((7, 14, 21, 28))))
    count = max(1, min(n_people, cells // width))
    start = window_start(rng, n_days, width, open_day)
    people = set(rng.sample(range(n_people), count))
    return {
        i
        for i, (k, d) in enumerate(zip(keys, day_of, strict=True))
        if k[0] in people and start <= d < start + width
    }


# -- on sub-problems (people) --------------------------------------------------------


@dataclass(frozen=True)
class PeopleNeighbourhood:
    """The volunteers a sub-problem re-plans (None: everyone) and, for a window, its
    first and last day (indices into `problem.days()`; None: the whole horizon)."""

    kind: str
    free: frozenset[Id] | None
    window: tuple[int, int] | None


def people_kinds(n_days: int, window_days: int) -> tuple[str, ...]:
    """Windows only on a horizon longer than the day window."""
    return KINDS if n_days > window_days else ("people", "seat")


def people_neighbourhood(
    problem: Problem,
    kind: str,
    staffed: Sequence[int],
    rng: random.Random,
    window_days: int,
    few: int,
) -> PeopleNeighbourhood:
    """A neighbourhood of `kind`: "days" of `window_days` days; "people" and "seat" of
    `few` volunteers ("seat": among those whom no static rule keeps from the open
    seat; "people" when there is none); "block" a third of the volunteers over one
    or two weeks."""
    n = len(problem.days())
    people = [v.id for v in problem.volunteers]
    seat = open_seat(problem, staffed, rng)
    able = (
        [
            v.id
            for v in problem.volunteers
            if static_violation(problem, v, problem.shifts[seat]) is None
        ]
        if kind == "seat" and seat is not None
        else []
    )
    if kind == "seat" and not able:
        kind = "people"
    open_day = None if seat is None else day_index(problem, seat)
    if kind == "days":
        width = min(n, window_days)
        start = window_start(rng, n, width, open_day)
        return PeopleNeighbourhood(kind, None, (start, start + width - 1))
    if kind in ("people", "seat"):
        pool = able or people
        return PeopleNeighbourhood(kind, frozenset(rng.sample(pool, min(len(pool), few))), None)
    width = min(n, rng.choice((7, 14)))
    start = window_start(rng, n, width, open_day)
    free = frozenset(rng.sample(people, max(1, len(people) // 3)))
    return PeopleNeighbourhood(kind, free, (start, start + width - 1))
