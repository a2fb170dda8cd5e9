"""Which search suits a problem of a given size, and running it.

`solve` (plain CP-SAT around one model) is what the service uses for a district
week. For long or large calendars the library has two more searches, and which one
does best depends on size only (measured on Curtois & Qu, see BENCHMARKS.md):

* "cp-sat": small problems (`lns.is_small`), CP-SAT alone on the model with the run
  automaton, which proves the small instances optimal;
* "cp-sat+lns": up to `MAX_PAIRS_WHOLE` volunteer x shift pairs and `MAX_DAYS_WHOLE`
  days, one whole model with large neighbourhood search around it;
* "people": anything bigger, the decomposition by volunteers, whose sub-problems stay
  small: on the bigger instances it beat the whole model, which found no roster or
  ran out of memory on the largest; near the thresholds the two were even or the
  whole model better.

(figures: BENCHMARKS-HISTORY.md, "method_for's thresholds")
"""

from __future__ import annotations

from collections.abc import Callable

from solver.lns import is_small, solve_lns
from solver.people import solve_by_people
from solver.problem import Problem
from solver.solution import Progress, Solution

MAX_PAIRS_WHOLE = 10_000
MAX_DAYS_WHOLE = 56


def method_for(problem: Problem) -> str:
    if is_small(problem):
        return "cp-sat"
    pairs = len(problem.volunteers) * len(problem.shifts)
    if pairs <= MAX_PAIRS_WHOLE and len(problem.days()) <= MAX_DAYS_WHOLE:
        return "cp-sat+lns"
    return "people"


def solve_by_size(
    problem: Problem,
    on_progress: Callable[[Progress], None] | None = None,
    explain_unfilled: bool = True,
) -> tuple[Solution, str]:
    """The best roster `method_for(problem)`'s search finds in the time limit, and
    that method's name."""
    method = method_for(problem)
    if method == "people":
        return solve_by_people(problem, on_progress, explain_unfilled), method
    return solve_lns(problem, on_progress, explain_unfilled), method
