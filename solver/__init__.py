"""U-Roster solver: volunteer rostering with CP-SAT.

    from solver import Problem, Shift, Volunteer, solve, validate, repair

Nothing here imports the web app, an ORM or a web framework, reads the environment
or looks at the clock: all inputs, including time limit, seed and workers, come in
through `Problem`.
"""

from solver.problem import (
    Assignment,
    AvailabilityWindow,
    DayRequest,
    FixedDuty,
    Id,
    Problem,
    Shift,
    Volunteer,
    Weights,
)
from solver.repair import repair
from solver.solution import Progress, Reason, Solution, UnfilledSeat
from solver.solve import solve
from solver.validate import Report, Violation, validate

__all__ = [
    "Assignment",
    "AvailabilityWindow",
    "DayRequest",
    "FixedDuty",
    "Id",
    "Problem",
    "Progress",
    "Reason",
    "Report",
    "Shift",
    "Solution",
    "UnfilledSeat",
    "Violation",
    "Volunteer",
    "Weights",
    "repair",
    "solve",
    "validate",
]
