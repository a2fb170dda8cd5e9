"""U-Roster solver: volunteer rostering with CP-SAT.

    from solver import Problem, Shift, Volunteer, solve, validate, repair

Nothing here imports the web app, an ORM or a web framework, reads the environment
or looks at the clock: all inputs, including time limit, seed and workers, come in
through `Problem`.
"""

from solver.check.rules import Violation
from solver.check.validate import Report, validate
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
from solver.solution import Progress, Reason, Solution, UnfilledSeat
from solver.solve import solve

__all__ = [
    "Advice",
    "Assignment",
    "AvailabilityWindow",
    "DayRequest",
    "FixedDuty",
    "Id",
    "Problem",
    "Profile",
    "Progress",
    "Reason",
    "Reservation",
    "Report",
    "Shift",
    "Solution",
    "UnfilledSeat",
    "Violation",
    "Volunteer",
    "Weights",
    "advise",
    "repair",
    "solve",
    "validate",
]
