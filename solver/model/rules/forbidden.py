"""Forbidden assignments given by the coordinator are never made."""

from solver.problem import Problem, Shift, Volunteer


def is_not_forbidden(problem: Problem, v: Volunteer, s: Shift) -> bool:
    banned = problem.__dict__.get("_model_forbidden")
    if banned is None:  # cached: this runs once per volunteer-shift pair
        banned = {(a.volunteer, a.shift) for a in problem.forbidden}
        object.__setattr__(problem, "_model_forbidden", banned)
    return (v.id, s.id) not in banned if banned else True
