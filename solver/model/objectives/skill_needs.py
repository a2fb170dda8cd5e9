"""Skill needs: every skill seat left empty costs weights.skill_need."""

from ortools.sat.python import cp_model

from solver.model.variables import Variables


def fill_skill_seats(variables: Variables) -> cp_model.LinearExprT:
    p = variables.problem
    weight = p.weights.skill_need
    if not weight:
        return 0
    needed = sum(sum(s.skill_needs.values()) for s in p.shifts)
    # seat variables come from rules.skills; the shortfall is need minus seats taken
    return weight * needed - weight * sum(variables.seat.values())
