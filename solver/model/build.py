"""Builds the CP-SAT model: variables, then every hard rule, then every soft goal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.model.objectives import GOALS
from solver.model.rules import LINKED, STATIC, runs_automaton
from solver.model.variables import Variables
from solver.problem import Problem, Shift, Volunteer


@dataclass
class Model:
    model: cp_model.CpModel
    variables: Variables
    goals: dict[str, cp_model.LinearExprT]


def build_model(
    problem: Problem,
    candidates: Callable[[Volunteer, Shift], bool] | None = None,
    strong_runs: bool = False,
) -> Model:
    """`strong_runs` adds the redundant automaton of `rules.runs_automaton`: a
    stronger model that pays off on small whole problems only."""
    model = cp_model.CpModel()
    variables = Variables(model, problem, STATIC, candidates)
    for rule in LINKED:
        rule(variables)
    if strong_runs:
        runs_automaton.runs_follow_the_automaton(variables)
    goals = {name: goal(variables) for name, goal in GOALS.items()}
    model.minimize(sum(goals.values()))
    return Model(model, variables, goals)
