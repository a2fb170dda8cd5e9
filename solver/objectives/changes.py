"""Stability: each assignment added to or dropped from the previous roster costs
weights.change."""

from ortools.sat.python import cp_model

from solver.variables import Variables


def few_changes_against_previous_roster(vars: Variables):
    p = vars.problem
    weight = p.weights.change
    if not weight or not p.previous:
        return 0
    before = {(vars.v_index[a.volunteer], vars.s_index[a.shift]) for a in p.previous}
    terms: list[cp_model.LinearExprT] = []
    for key, x in vars.x.items():
        terms.append(weight - weight * x if key in before else weight * x)
    terms.extend(weight for key in before if key not in vars.x)  # dropped for sure
    return sum(terms)
