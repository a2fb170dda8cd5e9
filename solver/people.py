"""Decomposition over volunteers, for problems too big for one CP-SAT model.

Every hard rule but the headcount cap concerns one volunteer at a time, and the
soft goals add up shift by shift and volunteer by volunteer. So a sub-problem that
re-plans a few volunteers, with everyone else's assignments taken as given, is the
original problem restricted to those volunteers with each shift's targets reduced
by the people already on it: an ordinary `Problem`, solved by the ordinary CP-SAT
run (`solve.solve_whole`).
Its objective equals the whole roster's up to a constant (the fairness goal, the
only one spanning everyone, is judged among the freed volunteers only), so a
better sub-roster is a better roster.

`solve_by_people` builds a first roster volunteer by volunteer (each sees the seats
the earlier ones left open), then improves it by large neighbourhood search: a few
volunteers over the whole horizon (any, or those who could fill an open seat), or
many volunteers over a window of days (the window cut by `decompose.window_problem`,
mostly around an open seat).
Every roster it keeps has passed the validator on the whole problem.
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import fields

from solver.bound import capacity_bound
from solver.check.rules import static_violation
from solver.check.validate import validate, volunteer_violations
from solver.decompose import window_problem, window_start
from solver.options import SolveOptions
from solver.problem import Assignment, Id, Problem, Reservation, Shift, Weights
from solver.scarcity import Scarcity
from solver.solution import Progress, Solution
from solver.solve import finish, solve_whole

Pair = tuple[Id, Id]


def reservations_left(s: Shift, kept: set[Id]) -> tuple[Reservation, ...]:
    """A shift's reservations once the people `kept` on it stay: each team's seats less
    its members among them. Each team's cap on the people still to place then equals
    the whole shift's cap less those kept; the cap on people outside every team is at
    least as tight (equal while no team's kept members fill all its seats)."""
    out = []
    for r in s.reservations:
        seats = r.seats - len(r.members & kept)
        if seats > 0:
            out.append(dataclasses.replace(r, seats=seats))
    return tuple(out)


def people_problem(
    problem: Problem, roster: Iterable[Pair], free: set[Id]
) -> tuple[Problem, list[Assignment]]:
    """The sub-problem re-planning the volunteers in `free` over the whole horizon.

    Returns it and the incumbent assignments of those volunteers (a hint)."""
    others: Counter[Id] = Counter()
    others_on: dict[Id, set[Id]] = defaultdict(set)
    holders: dict[Id, Counter[str]] = defaultdict(Counter)
    skills = {v.id: v.skills for v in problem.volunteers}
    incumbent = []
    for vid, sid in roster:
        if vid in free:
            incumbent.append(Assignment(vid, sid))
            continue
        others[sid] += 1
        others_on[sid].add(vid)
        for skill in skills[vid]:
            holders[sid][skill] += 1
    shifts = []
    for s in problem.shifts:
        taken = others[s.id]
        if not taken:
            shifts.append(s)
            continue
        room = s.max_headcount - taken
        if room <= 0:
            continue  # full: nobody freed can join it
        needs = {k: max(0, n - holders[s.id][k]) for k, n in s.skill_needs.items()}
        while sum(needs.values()) > room:  # more skill seats open than places left
            needs[max(needs, key=lambda k: needs[k])] -= 1
        shifts.append(
            dataclasses.replace(
                s,
                min_headcount=max(0, s.min_headcount - taken),
                max_headcount=room,
                skill_needs=needs,
                reservations=reservations_left(s, others_on[s.id]),
            )
        )
    kept = {s.id for s in shifts}

    def mine(a: Assignment) -> bool:
        return a.volunteer in free and a.shift in kept

    sub = dataclasses.replace(
        problem,
        shifts=tuple(shifts),
        volunteers=tuple(v for v in problem.volunteers if v.id in free),
        travel_minutes={key: m for key, m in problem.travel_minutes.items() if key[0] in free},
        pinned=tuple(filter(mine, problem.pinned)),
        forbidden=tuple(filter(mine, problem.forbidden)),
        previous=tuple(filter(mine, problem.previous)),
        requests=tuple(r for r in problem.requests if r.volunteer in free),
    )
    return sub, incumbent


def solve_by_people(
    problem: Problem,
    options: SolveOptions,
    explain_unfilled: bool = True,
    build_share: float = 0.3,
    log: Callable[[str], None] | None = None,
) -> Solution:
    """Best roster within options.time_limit_seconds, built and improved by volunteers
    (and stopped early if it reaches `bound.capacity_bound`, then proven optimal): the
    "people" method."""
    started = time.perf_counter()
    deadline = started + options.time_limit_seconds
    rng = random.Random(options.seed)
    points: list[Progress] = []
    scarcity = Scarcity(problem)
    bound = capacity_bound(problem, scarcity)

    def emit(objective: float) -> None:
        points.append(Progress(time.perf_counter() - started, objective, bound))
        if options.on_progress is not None:
            options.on_progress(points[-1])

    people = [v.id for v in problem.volunteers]
    build_until = started + build_share * options.time_limit_seconds
    roster = _build(problem, people, build_until, deadline, rng, log, scarcity, options)
    if roster is None:
        return Solution.without_roster(
            "UNKNOWN", bound, time.perf_counter() - started, tuple(points)
        )
    first_seconds = time.perf_counter() - started
    report = validate(problem, [Assignment(vid, sid) for vid, sid in roster])
    if not report.ok:  # a solver bug: each piece was validated on its own
        raise AssertionError(f"people decomposition broke {report.violations[:3]}")
    emit(report.objective)
    roster = improve_by_people(
        problem, roster, report.objective, deadline, rng, emit, log, options, bound
    )
    assignments = sorted(
        (Assignment(vid, sid) for vid, sid in roster),
        key=lambda a: (str(a.volunteer), str(a.shift)),
    )
    return finish(
        problem,
        assignments,
        "FEASIBLE",
        bound,
        time.perf_counter() - started,
        first_seconds,
        tuple(points),
        explain_unfilled,
    )


def _build(
    problem: Problem,
    people: Iterable[Id],
    build_until: float,
    deadline: float,
    rng: random.Random,
    log: Callable[[str], None] | None,
    scarcity: Scarcity,
    options: SolveOptions,
) -> set[Pair] | None:
    """A first roster, one volunteer at a time, each seeing the seats still open
    (`scarcity`, the problem's, weighs them); each volunteer's runs have `options`'
    workers.

    One at a time because CP-SAT's search does not split independent parts: a few
    volunteers together can find no roster in the time one alone needs several
    times over (figures: BENCHMARKS-HISTORY.md, "People built one at a time").
    """
    roster: set[Pair] = set()
    order = list(people)
    rng.shuffle(order)
    for k, person in enumerate(order):
        share = max(0.3, (build_until - time.perf_counter()) / (len(order) - k))
        limit = deadline - time.perf_counter()
        if limit <= 0.1:
            return None
        seed = rng.randrange(1 << 20)
        sub, _ = people_problem(problem, roster, {person})
        # Any roster first, then the goals from there: with the goals from the start
        # CP-SAT can miss a tight mix of limits that it meets at once without them
        # (figures: BENCHMARKS-HISTORY.md, "People's goal-less first solve").
        plain = solve_whole(
            _without_goals(sub),
            options.for_part(limit, seed),
            explain_unfilled=False,
            greedy_start=False,
            quick_presolve=True,
        )
        if not plain.has_roster:
            if log:
                log(f"volunteer {person}: {plain.status}, no roster at all")
            return None
        weighed = scarcity.weigh(sub)
        sol = solve_whole(
            weighed,
            options.for_part(share, seed),
            hint=plain.assignments,
            explain_unfilled=False,
            greedy_start=False,
            quick_presolve=True,
        )
        roster |= {(a.volunteer, a.shift) for a in (sol if sol.has_roster else plain).assignments}
        scarcity.planned(person)
    if log:
        log(
            f"built {len(order)} volunteers, {time.perf_counter() - build_until:+.1f} s "
            "against the build budget"
        )
    return roster


def _broken(problem: Problem, roster: set[Pair], changed: set[Id]) -> list:
    """Hard rules broken on the whole horizon by the volunteers whose plan changed
    (the headcount cap cannot be: each sub-problem's cap is what others leave)."""
    shifts_of: dict[Id, list] = defaultdict(list)
    for v, sid in roster:
        if v in changed:
            shifts_of[v].append(problem.shift(sid))
    return [
        bad
        for v in changed
        for bad in volunteer_violations(
            problem, problem.volunteer(v), shifts_of[v], include_static=False
        )
    ]


def _open_seat(problem: Problem, roster: set[Pair], rng: random.Random) -> Shift | None:
    """A random shift left below its minimum headcount, or None."""
    staffed = Counter(sid for _, sid in roster)
    open_shifts = [s for s in problem.shifts if staffed[s.id] < s.min_headcount]
    return rng.choice(open_shifts) if open_shifts else None


def _without_goals(problem: Problem) -> Problem:
    """The same hard rules with nothing to optimise: any valid roster is optimal."""
    return dataclasses.replace(
        problem,
        shifts=tuple(
            dataclasses.replace(s, min_headcount=0, over_weight=0, skill_needs={})
            for s in problem.shifts
        ),
        requests=(),
        previous=(),
        weights=Weights(*(0,) * len(fields(Weights))),
    )


def improve_by_people(
    problem: Problem,
    roster: set[Pair],
    objective: float,
    deadline: float,
    rng: random.Random,
    emit: Callable[[float], None],
    log: Callable[[str], None] | None,
    options: SolveOptions,
    bound: float = -math.inf,
) -> set[Pair]:
    """LNS over four neighbourhoods, each sized adaptively: everyone over a few
    days, a few volunteers over the whole horizon (any, or those who could fill an
    open seat), a third of them over weeks; until the time is up or the roster
    costs no more than `bound`. Each sub-problem's run has `options`' workers."""
    people = [v.id for v in problem.volunteers]
    everyone = set(people)
    days = problem.days()
    n = len(days)
    width, few = 7, 2  # days of the window, volunteers of the people neighbourhood
    sub_limit = 3.0
    iteration = 0
    while deadline - time.perf_counter() > 1.0:
        if objective <= bound:  # proven optimal, if the running total is the true one
            objective = validate(problem, [Assignment(vid, sid) for vid, sid in roster]).objective
            if objective <= bound:
                break
        iteration += 1
        limit = min(sub_limit, deadline - time.perf_counter() - 0.5)
        seed = rng.randrange(1 << 20)
        kind = (
            rng.choice(("days", "days", "people", "seat", "block"))
            if n > width
            else rng.choice(("people", "seat"))
        )
        cand = None
        seat = _open_seat(problem, roster, rng)
        # Filling a seat usually means its taker gives up a shift elsewhere, so the
        # volunteers whom no static rule keeps from it are freed over the horizon.
        able = (
            [v.id for v in problem.volunteers if static_violation(problem, v, seat) is None]
            if kind == "seat" and seat is not None
            else []
        )
        if kind == "seat" and not able:
            kind = "people"
        open_day: int | None = None
        if seat is not None:
            assert problem.first_day is not None  # set when built: the problem has a shift
            open_day = (seat.on_day - problem.first_day).days
        if kind == "days":
            w = min(n, width)
            d = window_start(rng, n, w, open_day)
            free = everyone
            sub, cand, hint = window_problem(problem, roster, days[d], days[d + w - 1], context=7)
        elif kind in ("people", "seat"):
            pool = able or people
            free = set(rng.sample(pool, min(len(pool), few)))
            sub, hint = people_problem(problem, roster, free)
        else:
            w = min(n, rng.choice((7, 14)))
            d = window_start(rng, n, w, open_day)
            free = set(rng.sample(people, max(1, len(people) // 3)))
            window, cand, inside = window_problem(
                problem, roster, days[d], days[d + w - 1], context=7
            )
            sub, hint = people_problem(window, {(x.volunteer, x.shift) for x in inside}, free)
        before = validate(sub, hint).objective
        sol = solve_whole(
            sub,
            options.for_part(limit, seed),
            candidates=cand,
            hint=hint,
            explain_unfilled=False,
            quick_presolve=True,
        )
        quick = sol.status == "OPTIMAL" and sol.wall_seconds < limit / 2
        if kind == "days":
            width = min(n, width + 1) if quick else max(2, width - 1)
        elif kind in ("people", "seat"):
            few = min(len(people), few + 1) if quick else max(1, few - 1)
        if sol.has_roster and sol.objective is not None and sol.objective < before:
            in_sub = {s.id for s in sub.shifts}
            old = {p for p in roster if p[0] in free and p[1] in in_sub}
            new = {(a.volunteer, a.shift) for a in sol.assignments}
            trial = (roster - old) | new
            broken = _broken(problem, trial, {vid for vid, _ in old ^ new})
            if broken:  # the cut let something through: never keep it
                if log:
                    log(f"lns {iteration} ({kind}) rejected: {broken[:2]}")
                continue
            roster = trial
            objective -= before - sol.objective
            emit(objective)
            if log:
                log(
                    f"lns {iteration} ({kind}, {len(free)} people, {len(sub.shifts)} "
                    f"shifts): {objective:.0f}"
                )
    return roster
