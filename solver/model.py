"""Builds the CP-SAT model: variables, then every hard rule, then every soft goal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.objectives import GOALS
from solver.problem import Problem, Shift, Volunteer
from solver.rules import LINKED, STATIC
from solver.variables import Variables


@dataclass
class Model:
    model: cp_model.CpModel
    vars: Variables
    goals: dict[str, cp_model.LinearExprT]


def build_model(problem: Problem,
                candidates: Callable[[Volunteer, Shift], bool] | None = None) -> Model:
    model = cp_model.CpModel()
    vars = Variables(model, problem, STATIC, candidates)
    for rule in LINKED:
        rule(vars)
    goals = {name: goal(vars) for name, goal in GOALS.items()}
    model.minimize(sum(goals.values()))
    return Model(model, vars, goals)
