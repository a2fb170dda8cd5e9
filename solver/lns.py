"""Large neighbourhood search around the CP-SAT model, for big calendar problems.

CP-SAT alone, on 2 cores, finds good bounds but improves big rosters slowly. This
loop keeps one incumbent roster and repeatedly frees a neighbourhood (a window
of days for everyone, mostly around an open seat, a few volunteers for the whole
horizon, volunteers who could fill an open seat for the whole horizon, or a few
volunteers over a window), fixes every other assignment variable to the incumbent,
hints the whole incumbent, and lets CP-SAT re-optimise the rest of the same model.
Each kind of neighbourhood adapts its own size: it grows while its sub-problems are
solved to optimality and shrinks when they time out. One shared size let the quick
day windows inflate the people neighbourhoods until they timed out and rarely
succeeded; a size per kind did better (figures: BENCHMARKS-HISTORY.md, "A size per
neighbourhood kind").

A small problem (see `STRONG_RUNS_MAX_CELLS`) gets the stronger model with the run
automaton and CP-SAT alone for the whole time, no LNS: with that model CP-SAT proves
the optimum of small benchmark instances that LNS never proved (figures:
BENCHMARKS-HISTORY.md, "STRONG_RUNS_MAX_CELLS").
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence

from ortools.sat.python import cp_model

from solver.decompose import window_start
from solver.model import build_model
from solver.options import SolveOptions
from solver.problem import Assignment, Problem
from solver.solution import Progress, Solution
from solver.solve import finish, tune


def solve_lns(
    problem: Problem,
    options: SolveOptions,
    explain_unfilled: bool = True,
    first_share: float | None = None,
    log: Callable[[str], None] | None = None,
    strong_runs: bool | None = None,
) -> Solution:
    """Best roster within options.time_limit_seconds: a full CP-SAT run for a first
    roster and a bound (about `first_share` of the time: `FIRST_SHARE` by default,
    all of it with `strong_runs`), then LNS. `strong_runs` adds the run automaton to
    the model (default: for a small problem, `is_small`): the "cp-sat+runs" method;
    without it, "cp-sat+lns"."""
    started = time.perf_counter()
    deadline = started + options.time_limit_seconds
    if strong_runs is None:
        strong_runs = is_small(problem)
    if first_share is None:
        first_share = 1.0 if strong_runs else FIRST_SHARE
    built = build_model(problem, strong_runs=strong_runs)
    variables, model = built.vars, built.model
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
    # hint, which would steer it (see solve.py).
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
    if final_status == "FEASIBLE":  # `finish` calls it OPTIMAL if the LNS reaches the bound
        full = _improve(
            problem,
            model,
            keys,
            xs,
            full,
            best_objective,
            bound,
            deadline,
            rng,
            emit,
            log,
            options.workers,
        )
    chosen = [k for k, x in zip(keys, xs, strict=True) if full[x.index]]
    assignments = [_assignment(problem, k) for k in chosen]
    return finish(
        problem,
        assignments,
        final_status,
        bound,
        time.perf_counter() - started,
        first_seconds,
        tuple(points),
        explain_unfilled,
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


def _improve(
    problem: Problem,
    model: cp_model.CpModel,
    keys: list[tuple[int, int]],
    xs: list[cp_model.IntVar],
    full: list[int],
    objective: float,
    bound: float,
    deadline: float,
    rng: random.Random,
    emit: Callable[[float | None, float], None],
    log: Callable[[str], None] | None,
    workers: int,
) -> list[int]:
    """The LNS loop proper, from `full`, the incumbent's value for every variable of
    the model; returns the best such values found.

    Each sub-problem fixes the assignment variables outside the neighbourhood by
    their domains and hints the whole incumbent. A hint on the assignments alone
    left CP-SAT to complete the rest within a small conflict budget, and where that
    failed the sub-problem started from scratch."""
    index = [x.index for x in xs]
    domains = [model.proto.variables[i].domain for i in index]
    day_of = [_day(problem, k) for k in keys]
    n_days = max(day_of) + 1 if day_of else 1
    n_people = len(problem.volunteers)
    per_person_day = max(1, len(keys) // max(1, n_people * n_days))
    # free variables aimed at: start with about 3 people's worth of the horizon
    start_size = max(20, min(len(keys) // 4, 4 * n_days * per_person_day))
    sizes = dict.fromkeys(KINDS, start_size)  # one size per kind
    sub_limit = 2.0  # many small, quick sub-problems beat a few big ones
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = workers
    tune(params, workers)
    proto = model.proto
    iteration = 0
    while True:
        left = deadline - time.perf_counter()
        if left < 0.5 or objective <= bound:
            break
        iteration += 1
        kind = rng.choice(KINDS)
        values = [full[i] for i in index]  # the incumbent's assignment variables
        seat = _open_seat(problem, keys, values, rng)
        able: list[int] = []
        spare: list[int] = []
        if kind == "seat":
            if seat is None:
                kind = "people"
            else:
                able = sorted({k[0] for k in keys if k[1] == seat})
                spare = _with_time_to_spare(problem, keys, values)
        open_day: int | None = None
        if seat is not None:
            assert problem.first_day is not None  # set when built: the problem has a shift
            open_day = (problem.shifts[seat].on_day - problem.first_day).days
        free = _neighbourhood(
            rng, kind, keys, day_of, n_days, n_people, sizes[kind], able, open_day, spare
        )
        proto.clear_solution_hint()
        proto.solution_hint.vars.extend(range(len(full)))
        proto.solution_hint.values.extend(full)
        fixed = [i for i in range(len(xs)) if i not in free]
        for i in fixed:  # outside the neighbourhood: held to the incumbent
            domains[i][0] = domains[i][1] = values[i]
        params.max_time_in_seconds = min(sub_limit, left)
        params.random_seed = rng.randrange(1 << 30)
        # never accept worse: the incumbent is a solution of every sub-problem
        status = solver.solve(model)
        for i in fixed:
            domains[i][0], domains[i][1] = 0, 1
        if log and iteration % 50 == 0:
            log(
                f"  sub {iteration} {kind}: {solver.status_name(status)} {solver.wall_time:.2f}s "
                f"free {len(free)} obj {solver.objective_value:.0f}"
            )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if solver.objective_value < objective - 1e-9:
                objective = solver.objective_value
                full = list(solver.response_proto.solution)
                emit(objective, bound)
                if log:
                    log(f"lns {iteration} ({kind}): {objective:.0f} (free {len(free)})")
            elif solver.objective_value <= objective + 1e-9:
                # sideways move: same cost, new roster, helps plateaus
                full = list(solver.response_proto.solution)
        if status == cp_model.OPTIMAL and solver.wall_time < sub_limit / 2:
            sizes[kind] = min(len(keys) // 2, int(sizes[kind] * 1.1) + 1)
        elif status != cp_model.OPTIMAL:
            sizes[kind] = max(20, int(sizes[kind] * 0.7))
    proto.clear_solution_hint()
    return full


def _day(problem: Problem, key: tuple[int, int]) -> int:
    # A key names a shift, and a problem with shifts has a first day (set when built).
    assert problem.first_day is not None
    return (problem.shifts[key[1]].on_day - problem.first_day).days


KINDS = ("days", "days", "people", "seat", "block")  # day windows are drawn twice as often


def _open_seat(
    problem: Problem,
    keys: Sequence[tuple[int, int]],
    values: Sequence[int],
    rng: random.Random,
) -> int | None:
    """A random shift of the incumbent below its minimum headcount, if any."""
    staffed = [0] * len(problem.shifts)
    for (_, si), val in zip(keys, values, strict=True):
        staffed[si] += val
    open_shifts = [si for si, s in enumerate(problem.shifts) if staffed[si] < s.min_headcount]
    return rng.choice(open_shifts) if open_shifts else None


def _with_time_to_spare(
    problem: Problem, keys: Sequence[tuple[int, int]], values: Sequence[int]
) -> list[int]:
    """The volunteers (indices) working less than their limit over the horizon
    (those without one are left out: they tell nothing apart)."""
    minutes = [0] * len(problem.volunteers)
    for (vi, si), val in zip(keys, values, strict=True):
        if val:
            minutes[vi] += problem.shifts[si].minutes
    return [
        vi
        for vi, v in enumerate(problem.volunteers)
        if v.max_total_minutes is not None and minutes[vi] < v.max_total_minutes
    ]


def _neighbourhood(
    rng: random.Random,
    kind: str,
    keys: Sequence[tuple[int, int]],
    day_of: Sequence[int],
    n_days: int,
    n_people: int,
    size: int,
    able: Sequence[int],
    open_day: int | None = None,
    spare: list[int] | None = None,
) -> set[int]:
    """Indices of about `size` variables to free: a window of days for everyone
    ("days"), a few people for the horizon ("people"), people who could take an
    open seat, for the horizon ("seat"), or people x window ("block"). Windows
    mostly contain `open_day`, the day of an open seat (`decompose.window_start`).

    "seat" exists because filling a seat usually means its taker drops a shift
    elsewhere (minutes, runs) and someone else takes that one: a move no window
    and few random pairs of people contain. Up to half of its people are drawn
    from `spare`, those with time to spare: where the demand takes every minute the
    volunteers can give (as on one benchmark instance; figures: BENCHMARKS-HISTORY.md,
    "The seat neighbourhood's people with time to spare"), an open seat is filled only
    through a chain that ends at one of them."""
    per_cell = max(1, len(keys) / max(1, n_people * n_days))
    cells = max(1, int(size / per_cell))  # (person, day) cells to free
    if kind == "days":
        width = max(2, min(n_days, cells // max(1, n_people)))
        start = window_start(rng, n_days, width, open_day)
        return {i for i, d in enumerate(day_of) if start <= d < start + width}
    if kind in ("people", "seat"):
        count = max(1, min(n_people, cells // n_days))
        spare = spare or []
        people = set(rng.sample(spare, min(len(spare), max(1, count // 2))))
        takers = [v for v in able if v not in people]
        people |= set(rng.sample(takers, min(count - len(people), len(takers))))
        others = [v for v in range(n_people) if v not in people]
        people |= set(rng.sample(others, count - len(people)))
        return {i for i, k in enumerate(keys) if k[0] in people}
    width = max(2, min(n_days, rng.choice((7, 14, 21, 28))))
    count = max(1, min(n_people, cells // width))
    start = window_start(rng, n_days, width, open_day)
    people = set(rng.sample(range(n_people), count))
    return {
        i
        for i, (k, d) in enumerate(zip(keys, day_of, strict=True))
        if k[0] in people and start <= d < start + width
    }
