"""Stability: each assignment added to or dropped from the previous roster costs
weights.change."""

from ortools.sat.python import cp_model

from solver.model.variables import Variables


def few_changes_against_previous_roster(variables: Variables) -> cp_model.LinearExprT:
    p = variables.problem
    weight = p.weights.change
    if not weight or not p.previous:
        return 0
    before = {(variables.v_index[a.volunteer], variables.s_index[a.shift]) for a in p.previous}
    terms: list[cp_model.LinearExprT] = []
    for key, x in variables.x.items():
        terms.append(weight - weight * x if key in before else weight * x)
    terms.extend(weight for key in before if key not in variables.x)  # dropped for sure
    return sum(terms)
