"""Travel: every travel minute of an assignment costs weights.travel."""

from ortools.sat.python import cp_model

from solver.model.variables import Variables


def short_travel(variables: Variables) -> cp_model.LinearExprT:
    p = variables.problem
    weight = p.weights.travel
    if not weight or not p.travel_minutes:
        return 0
    terms = []
    for (vi, si), x in variables.x.items():
        minutes = p.travel_minutes.get((p.volunteers[vi].id, p.shifts[si].station))
        if minutes:
            terms.append(weight * minutes * x)
    return sum(terms)
