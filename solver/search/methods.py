"""`solve(problem, options)`: the one entry point, running the search `options.method`
names, or the one that suits the problem's size.

The searches (`SolveOptions.method`):

* "cp-sat": one CP-SAT run on the whole model, from a greedy roster
  (`solve.solve_whole`): what the service uses for a district week;
* "cp-sat+runs": the model with the run automaton, CP-SAT alone on it for the whole
  time (`lns.solve_lns`), which proves the small benchmark instances optimal;
* "cp-sat+lns": one whole model with large neighbourhood search around it
  (`lns.solve_lns`);
* "people": the decomposition by volunteers (`people.solve_by_people`), whose
  sub-problems stay small.

"auto" (`method_for`) takes "cp-sat" for shifts within a week's days, and
otherwise picks by size only (`method_by_size`): "cp-sat+runs" for a small problem
(`lns.is_small`), "cp-sat+lns" up to `MAX_PAIRS_WHOLE` volunteer x shift pairs and
`MAX_DAYS_WHOLE` days, "people" beyond: on the bigger instances the decomposition beat
the whole model, which found no roster or ran out of memory on the largest; near the
thresholds the two were even or the whole model better. The week-long district
benchmark is where plain CP-SAT was measured, the Curtois & Qu instances (14 days and
more) where the other choices were; none of Curtois & Qu has 7 days or fewer, so each
benchmark keeps the search it was measured with.

(figures: BENCHMARKS-HISTORY.md, "method_for's thresholds")
"""

from __future__ import annotations

import dataclasses

from solver.options import Method, SolveOptions
from solver.problem import Problem
from solver.search.cpsat import solve_whole
from solver.search.lns import is_small, solve_lns
from solver.search.people import solve_by_people
from solver.solution import Solution

MAX_PAIRS_WHOLE = 10_000
MAX_DAYS_WHOLE = 56
WEEK_DAYS = 7  # the service's week, where plain CP-SAT was measured


def method_for(problem: Problem) -> Method:
    """The search "auto" runs on `problem`: its shifts' days count, not the days of
    context around them (the service's week problem has a day on each side)."""
    days = {s.on_day for s in problem.shifts}
    if days and (max(days) - min(days)).days < WEEK_DAYS:
        return "cp-sat"
    return method_by_size(problem)


def method_by_size(problem: Problem) -> Method:
    """The search by size among those measured on Curtois & Qu, whatever the days."""
    if is_small(problem):
        return "cp-sat+runs"
    pairs = len(problem.volunteers) * len(problem.shifts)
    if pairs <= MAX_PAIRS_WHOLE and len(problem.days()) <= MAX_DAYS_WHOLE:
        return "cp-sat+lns"
    return "people"


def solve(
    problem: Problem, options: SolveOptions = SolveOptions(), *, explain_unfilled: bool = True
) -> Solution:
    """The best roster the search of `options.method` ("auto" resolved by `method_for`)
    finds within the time limit; `Solution.method` names it.
    `explain_unfilled=False` leaves out the reasons for open seats (`Solution.unfilled`),
    which take a while on long calendars.

    Raises ValueError for a pinned assignment that a static rule forbids."""
    method = method_for(problem) if options.method == "auto" else options.method
    if method == "cp-sat":
        solution = solve_whole(problem, options, explain_unfilled=explain_unfilled)
    elif method == "people":
        solution = solve_by_people(problem, options, explain_unfilled)
    else:
        strong_runs = method == "cp-sat+runs"
        solution = solve_lns(problem, options, explain_unfilled, strong_runs=strong_runs)
    return dataclasses.replace(solution, method=method)
