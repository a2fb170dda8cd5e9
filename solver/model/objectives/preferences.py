"""Preferences: an assignment outside the volunteer's preferred windows (when they
marked any) or at a station they did not prefer (when they listed any) costs
weights.preference each. So does each seat a team reserved (an adoption) that no
member of the team holds: members first (`rules.reserved_seats`)."""

from ortools.sat.python import cp_model

from solver.model.rules.reserved_seats import members_first
from solver.model.variables import Variables


def prefer_liked_times_and_stations(variables: Variables) -> cp_model.LinearExprT:
    p = variables.problem
    weight = p.weights.preference
    if not weight:
        return 0
    terms = []
    for (vi, si), x in variables.x.items():
        v, s = p.volunteers[vi], p.shifts[si]
        misses = 0
        liked = [w for w in v.availability or () if w.preferred]
        if liked and not any(w.start <= s.start and s.end <= w.end for w in liked):
            misses += 1
        if v.preferred_stations and s.station not in v.preferred_stations:
            misses += 1
        if misses:
            terms.append(weight * misses * x)
    return sum(terms) + members_first(variables)
