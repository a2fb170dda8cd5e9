"""Travel limit: nobody is sent to a station further than their max travel minutes."""

from solver.problem import Problem, Shift, Volunteer


def lives_within_travel_limit(problem: Problem, v: Volunteer, s: Shift) -> bool:
    if v.max_travel_minutes is None:
        return True
    minutes = problem.travel_minutes.get((v.id, s.station))
    return minutes is None or minutes <= v.max_travel_minutes  # unknown travel: not limited
