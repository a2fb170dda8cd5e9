"""Duties held outside the problem: no shift overlaps one or cuts the rest next to it.

Their days count as worked in `max_consecutive_days`.
"""

from datetime import timedelta

from solver.problem import Problem, Shift, Volunteer


def clears_fixed_duties(problem: Problem, v: Volunteer, s: Shift) -> bool:
    rest = timedelta(minutes=v.min_rest_minutes)
    return all(s.end + rest <= d.start or d.end + rest <= s.start for d in v.fixed_duties)
