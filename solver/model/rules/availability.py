"""Availability: a volunteer works only inside their windows, never on an unavailable date."""

from solver.problem import Problem, Shift, Volunteer


def is_available(problem: Problem, v: Volunteer, s: Shift) -> bool:
    if s.on_day in v.unavailable_dates:
        return False
    if v.availability is None:
        return True
    return any(w.start <= s.start and s.end <= w.end for w in v.availability)
