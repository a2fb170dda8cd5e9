"""Which search suits a problem of a given size, and running it.

`solve` (plain CP-SAT around one model) is what the service uses for a district
week. For long or large calendars the library has two more searches, and which one
does best depends on size only (measured on Curtois & Qu, see BENCHMARKS.md):

* "cp-sat": small problems (`lns.is_small`), CP-SAT alone on the model with the run
  automaton; it proves Instances 1-6 optimal in 60 s;
* "cp-sat+lns": up to `MAX_PAIRS_WHOLE` volunteer x shift pairs and `MAX_DAYS_WHOLE`
  days, one whole model with large neighbourhood search around it (Instances 8-11,
  14, 16, 17);
* "people": anything bigger, the decomposition by volunteers, whose sub-problems stay
  small (it beat the whole model on Instances 12, 13, 15, 18-22: Instance19 in 120 s
  3811 against 4686, Instance22 a roster against none in 600 s; Instance24's whole
  model needed > 3.9 GB in presolve). On 14 and 17 the two were even, on 16 the
  whole model was better (3240 against 3436 in 120 s).
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
