"""Large neighbourhood search around the CP-SAT model, for big calendar problems.

CP-SAT alone, on 2 cores, finds good bounds but improves big rosters slowly. After a
first CP-SAT run on the whole model, the shared LNS loop (`loop.improve`) keeps one
incumbent roster and, round after round, frees a neighbourhood of its variables
(`neighbourhoods.model_neighbourhood`), fixes every other assignment variable to the
incumbent, hints the whole incumbent, and lets CP-SAT re-optimise the rest of the same
model (`ModelRounds`). Each kind of neighbourhood adapts its own size, in free
variables: it grows while its sub-problems are solved to optimality and shrinks when
they time out. One shared size let the quick day windows inflate the people
neighbourhoods until they timed out and rarely succeeded; a size per kind did better
(figures: BENCHMARKS-HISTORY.md, "A size per neighbourhood kind").

A small problem (see `STRONG_RUNS_MAX_CELLS`) gets the stronger model with the run
automaton and CP-SAT alone for the whole time, no LNS: with that model CP-SAT proves
the optimum of small benchmark instances that LNS never proved (figures:
BENCHMARKS-HISTORY.md, "STRONG_RUNS_MAX_CELLS").
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from solver.model.build import build_model
from solver.options import SolveOptions
from solver.problem import Assignment, Problem
from solver.search.cpsat import finish, tune
from solver.search.loop import Limits, Outcome, improve, to_stderr
from solver.search.neighbourhoods import (
    KINDS,
    Key,
    Layout,
    day_index,
    model_neighbourhood,
    open_seat,
    with_time_to_spare,
)
from solver.solution import NeighbourhoodStats, Progress, Solution


def solve_lns(
    problem: Problem,
    options: SolveOptions,
    explain_unfilled: bool = True,
    first_share: float | None = None,
    strong_runs: bool | None = None,
) -> Solution:
    """Best roster within options.time_limit_seconds: a full CP-SAT run for a first
    roster and a bound (about `first_share` of the time: `FIRST_SHARE` by default,
    all of it with `strong_runs`), then LNS. `strong_runs` adds the run automaton to
    the model (default: for a small problem, `is_small`): the "cp-sat+runs" method;
    without it, "cp-sat+lns". With `options.log`, the LNS rounds are logged to
    standard error."""
    started = time.perf_counter()
    deadline = started + options.time_limit_seconds
    if strong_runs is None:
        strong_runs = is_small(problem)
    if first_share is None:
        first_share = 1.0 if strong_runs else FIRST_SHARE
    built = build_model(problem, strong_runs=strong_runs)
    variables, model = built.variables, built.model
    keys = list(variables.x)
    xs = [variables.x[k] for k in keys]
    rng = random.Random(options.seed)
    points: list[Progress] = []
    best_objective: float | None = None
    bound = -math.inf

    def emit(objective: float | None, new_bound: float) -> None:
        point = Progress(time.perf_counter() - started, objective, new_bound)
        points.append(point)
        if options.on_progress is not None:
            options.on_progress(point)

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = options.workers
    params.random_seed = options.seed
    # Phase 0: any roster at all, with the objective left out. On long horizons
    # this is far quicker: with the objective CP-SAT can find nothing in the whole
    # time (figures: BENCHMARKS-HISTORY.md, "Phase 0 without objective"). It is kept
    # as the start of LNS if phase 1 finds nothing; it is not given to phase 1 as a
    # hint, which would steer it (see cpsat.py).
    model.clear_objective()
    params.stop_after_first_solution = True
    params.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
    status = solver.solve(model)
    params.stop_after_first_solution = False
    model.minimize(sum(built.goals.values()))
    if status == cp_model.INFEASIBLE or status == cp_model.MODEL_INVALID:
        return Solution.without_roster(
            solver.status_name(status), solver.best_objective_bound, time.perf_counter() - started
        )
    feasible = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        feasible = list(solver.response_proto.solution)
        emit(None, -math.inf)
    # Phase 1: the whole model with the objective, stopped early.
    tune(params, options.workers)
    remaining = deadline - time.perf_counter()
    params.max_time_in_seconds = max(0.1, remaining * first_share)

    class First(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            emit(self.objective_value, self.best_objective_bound)

    status = solver.solve(model, First())
    wall = time.perf_counter() - started
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = solver.best_objective_bound
        full = list(solver.response_proto.solution)
        best_objective = solver.objective_value
        final_status = solver.status_name(status)
    elif feasible is not None:  # no better roster in phase 1: start LNS from phase 0
        bound = solver.best_objective_bound if status != cp_model.UNKNOWN else -math.inf
        full, best_objective, final_status = feasible, math.inf, "FEASIBLE"
    else:
        return Solution.without_roster(
            solver.status_name(status), solver.best_objective_bound, wall, tuple(points)
        )
    first_seconds = points[0].seconds if points else wall
    stats: tuple[NeighbourhoodStats, ...] = ()
    if final_status == "FEASIBLE":  # `finish` calls it OPTIMAL if the LNS reaches the bound
        rounds = ModelRounds(problem, model, keys, xs, options.workers)
        full, _, stats = improve(
            rounds,
            full,
            best_objective,
            rounds.first_sizes(),
            Limits(deadline, ROUND_SECONDS, stop_margin=0.5),
            rng,
            bound=bound,
            sideways=True,
            on_better=lambda objective: emit(objective, bound),
            log=to_stderr if options.log else None,
        )
        model.proto.clear_solution_hint()
    chosen = [k for k, x in zip(keys, xs, strict=True) if full[x.index]]
    assignments = [_assignment(problem, k) for k in chosen]
    return finish(
        problem,
        assignments,
        status=final_status,
        bound=bound,
        wall_seconds=time.perf_counter() - started,
        first_seconds=first_seconds,
        progress=tuple(points),
        explain_unfilled=explain_unfilled,
        neighbourhoods=stats,
    )


# Share of the time CP-SAT gets on the whole model before the LNS takes over: half,
# because less or more did no better on the benchmark's hard instances (figures:
# BENCHMARKS-HISTORY.md, "FIRST_SHARE"). CP-SAT's own LNS and full LP get the roster
# to the last few open seats; our neighbourhoods are for those.
FIRST_SHARE = 0.5

# Volunteer-days up to which a problem counts as small: the run automaton is added and
# CP-SAT gets all the time. The benchmark's instances below this size gained from the
# automaton, those above it lost, the heavier model finding fewer rosters (figures:
# BENCHMARKS-HISTORY.md, "STRONG_RUNS_MAX_CELLS").
STRONG_RUNS_MAX_CELLS = 600


def is_small(problem: Problem) -> bool:
    return len(problem.volunteers) * len(problem.days()) <= STRONG_RUNS_MAX_CELLS


def _assignment(problem: Problem, key: tuple[int, int]) -> Assignment:
    vi, si = key
    return Assignment(problem.volunteers[vi].id, problem.shifts[si].id)


# A sub-problem's run: many small, quick sub-problems beat a few big ones.
ROUND_SECONDS = 2.0


class ModelRounds:
    """The rounds of `loop.improve` on one CP-SAT model. A roster is the incumbent's
    value for every variable of the model (CP-SAT's solution vector).

    Each round fixes the assignment variables outside the neighbourhood by their
    domains and hints the whole incumbent. A hint on the assignments alone left CP-SAT
    to complete the rest within a small conflict budget, and where that failed the
    sub-problem started from scratch."""

    def __init__(
        self,
        problem: Problem,
        model: cp_model.CpModel,
        keys: list[Key],
        xs: list[cp_model.IntVar],
        workers: int,
    ) -> None:
        self.problem, self.model = problem, model
        self.index = [x.index for x in xs]
        self.domains = [model.proto.variables[i].domain for i in self.index]
        self.layout = Layout.of(problem, keys)
        self.solver = cp_model.CpSolver()
        self.solver.parameters.num_workers = workers
        tune(self.solver.parameters, workers)

    def first_sizes(self) -> dict[str, int]:
        """Free variables aimed at: about 3 people's worth of the horizon, per kind."""
        keys, n_days = self.layout.keys, self.layout.n_days
        per_person_day = max(1, len(keys) // max(1, self.layout.n_people * n_days))
        start = max(20, min(len(keys) // 4, 4 * n_days * per_person_day))
        return dict.fromkeys(KINDS, start)

    def kinds(self, sizes: dict[str, int]) -> Sequence[str]:
        return KINDS

    def resize(self, kind: str, size: int, grow: bool) -> int:
        if grow:
            return min(len(self.layout.keys) // 2, int(size * 1.1) + 1)
        return max(20, int(size * 0.7))

    def explore(
        self,
        kind: str,
        sizes: dict[str, int],
        roster: list[int],
        objective: float,
        rng: random.Random,
        time_limit: float,
    ) -> Outcome[list[int]]:
        problem, keys, solver = self.problem, self.layout.keys, self.solver
        values = [roster[i] for i in self.index]  # the incumbent's assignment variables
        staffed = [0] * len(problem.shifts)
        for (_, si), value in zip(keys, values, strict=True):
            staffed[si] += value
        seat = open_seat(problem, staffed, rng)
        able: list[int] = []
        spare: list[int] = []
        if kind == "seat":
            if seat is None:
                kind = "people"
            else:
                able = sorted({vi for vi, si in keys if si == seat})
                spare = with_time_to_spare(problem, keys, values)
        open_day = None if seat is None else day_index(problem, seat)
        free = model_neighbourhood(rng, kind, self.layout, sizes[kind], able, open_day, spare)
        proto = self.model.proto
        proto.clear_solution_hint()
        proto.solution_hint.vars.extend(range(len(roster)))
        proto.solution_hint.values.extend(roster)
        fixed = [i for i in range(len(keys)) if i not in free]
        for i in fixed:  # outside the neighbourhood: held to the incumbent
            self.domains[i][0] = self.domains[i][1] = values[i]
        solver.parameters.max_time_in_seconds = time_limit
        solver.parameters.random_seed = rng.randrange(1 << 30)
        # never worse: the incumbent is a solution of every sub-problem
        status = solver.solve(self.model)
        for i in fixed:
            self.domains[i][0], self.domains[i][1] = 0, 1
        grow = None
        if status == cp_model.OPTIMAL and solver.wall_time < ROUND_SECONDS / 2:
            grow = True
        elif status != cp_model.OPTIMAL:
            grow = False
        detail = f", free {len(free)}"
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Outcome(kind, None, None, grow, detail)
        found = list(solver.response_proto.solution)
        return Outcome(kind, found, solver.objective_value, grow, detail)
