"""U-Roster solver: volunteer rostering with CP-SAT.

    from solver import Problem, Shift, Volunteer, SolveOptions, solve, validate, repair

    solution = solve(problem, SolveOptions(time_limit_seconds=30, workers=2))

Nothing here imports the web app, an ORM or a web framework, reads the environment
or looks at the clock: all inputs come in through `Problem` (the instance: shifts,
volunteers, rules, weights) and `SolveOptions` (how to search: time limit, seed,
workers, method, progress callback).
"""

from solver.check.rules import Violation
from solver.check.validate import Report, validate
from solver.options import Method, ProgressCallback, SolveOptions
from solver.problem import (
    Assignment,
    AvailabilityWindow,
    DayRequest,
    FixedDuty,
    Id,
    Problem,
    Reservation,
    Shift,
    Volunteer,
    Weights,
)
from solver.recruitment import Advice, Profile, advise
from solver.repair import repair
from solver.search.methods import solve
from solver.solution import Progress, Reason, Solution, UnfilledSeat

__all__ = [
    "Advice",
    "Assignment",
    "AvailabilityWindow",
    "DayRequest",
    "FixedDuty",
    "Id",
    "Method",
    "Problem",
    "Profile",
    "Progress",
    "ProgressCallback",
    "Reason",
    "Reservation",
    "Report",
    "Shift",
    "Solution",
    "SolveOptions",
    "UnfilledSeat",
    "Violation",
    "Volunteer",
    "Weights",
    "advise",
    "repair",
    "solve",
    "validate",
]
