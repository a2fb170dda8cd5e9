"""A lower bound on the objective from capacity alone, for the search that has no
bound of its own (`solver.search.people`).

Some seats stay open in every roster: those of a group (one shift kind, the
weekends) beyond what all volunteers together can take of it by their own limits
(`Scarcity.capacity`, from `check.capacity.shares`), and the minutes the seats want
beyond the volunteers' total minutes. Each such seat costs at least the cheapest
under-cover weight of its group. Kinds share no seats, so their shortfalls add up;
the weekends and the minutes span every kind, so the bound is the largest of the
three. On a benchmark instance whose night seats want more people than those who
may work nights can give, the bound comes close to the best known value (figures:
BENCHMARKS-HISTORY.md, "capacity_bound").
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from solver.problem import Problem, Shift
from solver.search.scarcity import Scarcity


def capacity_bound(problem: Problem, scarcity: Scarcity | None = None) -> int:
    """No roster of `problem` costs less (`scarcity`: one already worked out for it)."""
    scarcity = scarcity or Scarcity(problem)
    short = {
        group: _cheapest_seats(problem, shifts, need - scarcity.capacity[group])
        for group, shifts in scarcity.members.items()
        if (need := sum(s.min_headcount for s in shifts)) > scarcity.capacity[group]
    }
    kinds = sum(cost for group, cost in short.items() if group[0] == "kind")
    return max(kinds, short.get(("weekend",), 0), _minutes_short(problem))


def _cheapest_seats(problem: Problem, shifts: Iterable[Shift], count: int) -> int:
    weights = sorted(
        s.under_cover_weight(problem.weights) for s in shifts for _ in range(s.min_headcount)
    )
    return sum(weights[:count])


def _minutes_short(problem: Problem) -> int:
    """The minutes the seats want beyond every volunteer's maximum total, at the
    lowest cost per minute of any seat (0 unless every volunteer has a maximum)."""
    totals = [v.max_total_minutes for v in problem.volunteers if v.max_total_minutes is not None]
    wanted = [s for s in problem.shifts if s.min_headcount and s.minutes]
    if not totals or len(totals) < len(problem.volunteers) or not wanted:
        return 0
    missing = sum(s.min_headcount * s.minutes for s in wanted) - sum(totals)
    if missing <= 0:
        return 0
    per_minute = min(s.under_cover_weight(problem.weights) / s.minutes for s in wanted)
    return math.ceil(missing * per_minute - 1e-9)
