"""One CP-SAT run on the whole model: build, search, extract, validate, explain.

`solve_whole` is the "cp-sat" method of `solver.solve` (what the service runs on a
district week), and the run that repair and the decompositions' sub-problems make.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

from ortools.sat.python import cp_model

from solver.check.explain import explain
from solver.check.validate import validate
from solver.model.build import build_model
from solver.options import ProgressCallback, SolveOptions
from solver.problem import Assignment, Problem, Shift, Volunteer
from solver.search.greedy import greedy_roster
from solver.solution import NeighbourhoodStats, Progress, Solution


class _Recorder(cp_model.CpSolverSolutionCallback):
    """Collects (seconds since the run began, best objective, bound) and forwards it."""

    def __init__(
        self, on_progress: ProgressCallback | None, started: float, decisions: list
    ) -> None:
        super().__init__()
        self.on_progress = on_progress
        self.started = started
        self.points: list[Progress] = []
        self.first: float | None = None
        self.best: float | None = None
        self.assigned: int | None = None
        self.decisions = decisions  # the assignment variables, to count the best roster

    def now(self) -> float:
        return time.perf_counter() - self.started

    def greedy(self, objective: float, assigned: int) -> None:
        self.best, self.assigned = objective, assigned
        self.first = self.now()
        self._emit(Progress(self.first, objective, -math.inf, assigned))

    def on_solution_callback(self) -> None:
        if self.first is None:
            self.first = self.now()
        value = self.objective_value
        if self.best is None or value <= self.best:  # the greedy roster may still lead
            self.best = value
            self.assigned = sum(self.boolean_value(x) for x in self.decisions)
        self._emit(Progress(self.now(), self.best, self.best_objective_bound, self.assigned))

    def on_bound(self, bound: float) -> None:
        self._emit(Progress(self.now(), self.best, bound, self.assigned))

    def _emit(self, point: Progress) -> None:
        self.points.append(point)
        if self.on_progress is not None:
            self.on_progress(point)


def solve_whole(
    problem: Problem,
    options: SolveOptions,
    *,
    hint: Iterable[Assignment] | None = None,
    explain_unfilled: bool = True,
    candidates: Callable[[Volunteer, Shift], bool] | None = None,
    greedy_start: bool = True,
    quick_presolve: bool = False,
) -> Solution:
    """Best roster found within options.time_limit_seconds (`options.method` is not
    read: this is the "cp-sat" method).

    `options.on_progress` receives a Progress on every improving roster. `hint` is an
    optional starting roster (e.g. the previous one); without one, a greedy roster
    is built first (`greedy_start`). `candidates`, when given,
    limits which volunteer-shift pairs may be assigned at all (repair uses it to
    search only around the open seats). `quick_presolve` trades presolve strength for
    start-up time, for the many small sub-problems of a decomposition, whose first
    roster comes about twice as fast (figures: BENCHMARKS-HISTORY.md,
    "quick_presolve").
    Raises ValueError for a
    pinned assignment that a static rule forbids.
    """
    started = time.perf_counter()
    built = build_model(problem, candidates)
    recorder = _Recorder(options.on_progress, started, list(built.variables.x.values()))
    fallback: list[Assignment] | None = None
    if hint is None and greedy_start:
        # A greedy roster gives the service something to show at once and a fallback
        # if CP-SAT finds nothing in time; it is only used when it passes the
        # validator. It is not given to CP-SAT as a hint: on the district benchmark
        # the hint held the search near the greedy roster, far from the optimum that
        # CP-SAT proves without it (figures: BENCHMARKS-HISTORY.md, "The greedy start
        # not given as a hint").
        start = greedy_roster(problem, built.variables)
        report = validate(problem, start)
        if report.ok:
            fallback = start
            recorder.greedy(report.objective, len(start))
    if hint is not None:
        hint = list(hint)
        built.variables.hint(hint)
        complete_hint(built.model, options.time_limit_seconds / 4)
        # A hint that is a valid roster is also the fallback: on a large week CP-SAT
        # may find nothing in time even from it (figures: BENCHMARKS-HISTORY.md, "A
        # valid hint as the fallback"), and a roster the caller already had beats none.
        report = validate(problem, hint)
        if report.ok:
            fallback = hint
            recorder.greedy(report.objective, len(hint))
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(
        0.01, options.time_limit_seconds - (time.perf_counter() - started)
    )
    params.num_workers = options.workers
    params.random_seed = options.seed
    params.log_search_progress = options.log
    tune(params, options.workers)
    if quick_presolve:
        params.symmetry_level = 0
        params.max_presolve_iterations = 1
    solver.best_bound_callback = recorder.on_bound
    status = solver.solve(built.model, recorder)
    name = solver.status_name(status)
    wall = time.perf_counter() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and fallback is not None:
        # CP-SAT found nothing in time, but the greedy roster is valid: return it.
        return finish(
            problem,
            fallback,
            status="FEASIBLE",
            bound=solver.best_objective_bound,
            wall_seconds=wall,
            first_seconds=recorder.first,
            progress=tuple(recorder.points),
            explain_unfilled=explain_unfilled,
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution.without_roster(
            name, solver.best_objective_bound, wall, tuple(recorder.points)
        )
    assignments = built.variables.extract(solver)
    if (
        fallback is not None
        and status != cp_model.OPTIMAL
        and validate(problem, fallback).objective < validate(problem, assignments).objective
    ):
        assignments = fallback  # CP-SAT stopped early with something worse than greedy
    return finish(
        problem,
        assignments,
        status=name,
        bound=solver.best_objective_bound,
        wall_seconds=wall,
        first_seconds=recorder.first,
        progress=tuple(recorder.points),
        explain_unfilled=explain_unfilled,
    )


def complete_hint(model: cp_model.CpModel, time_limit: float) -> bool:
    """Extends the model's hint, on the x variables, to every variable.

    CP-SAT completes a partial hint only within a small conflict budget, and on
    large sub-problems it often fails: a sub-problem whose hint was a valid roster
    then comes back worse than its hint, solved from scratch. With the x variables
    fixed, the other variables follow in a fraction of a second (figures:
    BENCHMARKS-HISTORY.md, "complete_hint").
    """
    fixed = model.clone()
    hint = fixed.proto.solution_hint
    for index, value in zip(hint.vars, hint.values, strict=True):
        domain = fixed.proto.variables[index].domain  # fixed as lns fixes its own
        domain.clear()
        domain.extend((value, value))
    fixed.clear_hints()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    if solver.solve(fixed) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(model.proto.variables)))
    hint.values.extend(solver.response_proto.solution)
    return True


def tune(params: cp_model.SatParameters, workers: int) -> None:
    """Search settings for few cores.

    With 1-2 workers CP-SAT's default portfolio keeps only a light-LP worker, whose
    bound stalls on rostering models where the full LP and cuts prove the optimum at
    once (figures: BENCHMARKS-HISTORY.md, "tune"), so the one full worker gets the
    strongest linear relaxation; the other threads run LNS.
    """
    if workers == 1:
        params.linearization_level = 2
    elif workers <= 3:
        params.subsolvers.append("max_lp")


def finish(
    problem: Problem,
    assignments: list[Assignment],
    *,
    status: str,
    bound: float,
    wall_seconds: float,
    first_seconds: float | None,
    progress: tuple[Progress, ...],
    explain_unfilled: bool = True,
    neighbourhoods: tuple[NeighbourhoodStats, ...] = (),
) -> Solution:
    """Validate the roster (a violation is a solver bug) and package it, with the
    statistics of an LNS search's `neighbourhoods`."""
    report = validate(problem, assignments)
    if not report.ok:
        raise AssertionError(f"solver produced an invalid roster: {report.violations[:5]}")
    objective = report.objective
    if math.isfinite(bound):
        bound = math.ceil(bound - 1e-6)  # the objective is integral, so is its bound
        if objective <= bound:  # a search without proof of its own may reach the bound
            status = "OPTIMAL"
        gap = 0.0 if objective == bound else abs(objective - bound) / max(1.0, abs(objective))
    else:
        gap = None  # no bound known: the search stopped before CP-SAT had one
    unfilled = explain(problem, assignments, status) if explain_unfilled else ()
    return Solution(
        status=status,
        assignments=tuple(assignments),
        objective=objective,
        objective_by_rule=report.objective_by_rule,
        best_bound=bound,
        gap=gap,
        wall_seconds=wall_seconds,
        first_solution_seconds=first_seconds,
        unfilled=unfilled,
        progress=progress,
        neighbourhoods=neighbourhoods,
    )
