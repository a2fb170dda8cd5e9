"""The "people" search: decomposition over volunteers, for problems too big for one
CP-SAT model.

`solve_by_people` builds a first roster volunteer by volunteer (`build`: each sees the
seats the earlier ones left open, weighed by `Scarcity`), then improves it in the
shared LNS loop (`loop.improve`) on sub-problems (`subproblems`): a few volunteers over
the whole horizon (any, or those who could fill an open seat), or many volunteers over
a window of days, mostly around an open seat (`neighbourhoods.people_neighbourhood`).
It stops early at the capacity bound (`bound.capacity_bound`), then proven optimal.
Every roster it keeps has passed the validator on the whole problem.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from solver.check.rules import Violation
from solver.check.validate import validate, volunteer_violations
from solver.options import SolveOptions
from solver.problem import Assignment, Id, Problem, Shift
from solver.search.bound import capacity_bound
from solver.search.cpsat import finish, solve_whole
from solver.search.loop import Limits, Log, Outcome, improve, to_stderr
from solver.search.neighbourhoods import people_kinds, people_neighbourhood
from solver.search.scarcity import Scarcity
from solver.search.subproblems import Pair, people_problem, window_problem, without_goals
from solver.solution import Progress, Solution

# A sub-problem's run: many small, quick sub-problems beat a few big ones.
ROUND_SECONDS = 3.0
# Days of context a window sub-problem keeps on each side (more if a run limit needs).
CONTEXT_DAYS = 7


def solve_by_people(
    problem: Problem,
    options: SolveOptions,
    explain_unfilled: bool = True,
    build_share: float = 0.3,
) -> Solution:
    """Best roster within options.time_limit_seconds, built and improved by volunteers
    (and stopped early if it reaches `bound.capacity_bound`, then proven optimal): the
    "people" method. With `options.log`, the rounds are logged to standard error."""
    started = time.perf_counter()
    deadline = started + options.time_limit_seconds
    rng = random.Random(options.seed)
    log = to_stderr if options.log else None
    points: list[Progress] = []
    scarcity = Scarcity(problem)
    bound = capacity_bound(problem, scarcity)

    def emit(objective: float) -> None:
        points.append(Progress(time.perf_counter() - started, objective, bound))
        if options.on_progress is not None:
            options.on_progress(points[-1])

    people = [v.id for v in problem.volunteers]
    build_until = started + build_share * options.time_limit_seconds
    roster = build(
        problem, people, scarcity, options, rng, build_until=build_until, deadline=deadline, log=log
    )
    if roster is None:
        return Solution.without_roster(
            "UNKNOWN", bound, time.perf_counter() - started, tuple(points)
        )
    first_seconds = time.perf_counter() - started
    report = validate(problem, [Assignment(vid, sid) for vid, sid in roster])
    if not report.ok:  # a solver bug: each piece was validated on its own
        raise AssertionError(f"people decomposition broke {report.violations[:3]}")
    emit(report.objective)
    search = SubProblems(problem, options, log)
    best, _, stats = improve(
        search,
        roster,
        report.objective,
        search.first_sizes(),
        Limits(deadline, ROUND_SECONDS, stop_margin=1.0, round_margin=0.5),
        rng,
        bound=bound,
        confirm=search.objective_of,
        on_better=emit,
        log=log,
    )
    assignments = sorted(
        (Assignment(vid, sid) for vid, sid in best),
        key=lambda a: (str(a.volunteer), str(a.shift)),
    )
    return finish(
        problem,
        assignments,
        status="FEASIBLE",
        bound=bound,
        wall_seconds=time.perf_counter() - started,
        first_seconds=first_seconds,
        progress=tuple(points),
        explain_unfilled=explain_unfilled,
        neighbourhoods=stats,
    )


@dataclass
class SubProblems:
    """The people search's rounds for `loop.improve`: cut a sub-problem around the
    incumbent (a set of (volunteer, shift) pairs), solve it with the rest held, and
    give back the whole roster with the sub-problem's part replaced.

    Sizes: "days" is the window's days, "people" the volunteers freed by "people" and
    "seat" alike; "block" (a third of everyone over one or two weeks) is not sized."""

    problem: Problem
    options: SolveOptions
    log: Log | None
    days: list[date] = field(init=False)
    index: dict[Id, int] = field(init=False)  # shift id -> index

    def __post_init__(self) -> None:
        self.days = self.problem.days()
        self.index = {s.id: si for si, s in enumerate(self.problem.shifts)}

    def first_sizes(self) -> dict[str, int]:
        return {"days": 7, "people": 2}

    def kinds(self, sizes: dict[str, int]) -> Sequence[str]:
        return people_kinds(len(self.days), sizes["days"])

    def resize(self, kind: str, size: int, grow: bool) -> int:
        if kind == "days":
            return min(len(self.days), size + 1) if grow else max(2, size - 1)
        return min(len(self.problem.volunteers), size + 1) if grow else max(1, size - 1)

    def objective_of(self, roster: set[Pair], _running_total: float) -> float:
        return validate(self.problem, [Assignment(v, s) for v, s in roster]).objective

    def explore(
        self,
        kind: str,
        sizes: dict[str, int],
        roster: set[Pair],
        objective: float,
        rng: random.Random,
        time_limit: float,
    ) -> Outcome[set[Pair]]:
        problem = self.problem
        seed = rng.randrange(1 << 20)
        staffed = [0] * len(problem.shifts)
        for _, sid in roster:
            staffed[self.index[sid]] += 1
        cut = people_neighbourhood(problem, kind, staffed, rng, sizes["days"], sizes["people"])
        candidates = None
        if cut.window is None:
            assert cut.free is not None  # a neighbourhood over the horizon names its people
            sub, hint = people_problem(problem, roster, set(cut.free))
        else:
            first, last = self.days[cut.window[0]], self.days[cut.window[1]]
            sub, candidates, hint = window_problem(problem, roster, first, last, CONTEXT_DAYS)
            if cut.free is not None:
                inside = {(a.volunteer, a.shift) for a in hint}
                sub, hint = people_problem(sub, inside, set(cut.free))
        before = validate(sub, hint).objective
        sol = solve_whole(
            sub,
            self.options.for_part(time_limit, seed),
            candidates=candidates,
            hint=hint,
            explain_unfilled=False,
            quick_presolve=True,
        )
        quick = sol.status == "OPTIMAL" and sol.wall_seconds < time_limit / 2
        grow = None if cut.kind == "block" else quick
        sized = "days" if cut.kind == "days" else "people"
        free = cut.free if cut.free is not None else {v.id for v in problem.volunteers}
        detail = f", {len(free)} people, {len(sub.shifts)} shifts"
        if not (sol.has_roster and sol.objective is not None and sol.objective < before):
            return Outcome(cut.kind, None, None, grow, detail, sized)
        in_sub = {s.id for s in sub.shifts}
        old = {p for p in roster if p[0] in free and p[1] in in_sub}
        new = {(a.volunteer, a.shift) for a in sol.assignments}
        trial = (roster - old) | new
        broken = _broken(problem, trial, {vid for vid, _ in old ^ new})
        if broken:  # the cut let something through: never keep it
            if self.log:
                self.log(f"{cut.kind} rejected: {broken[:2]}")
            return Outcome(cut.kind, None, None, grow, detail, sized)
        return Outcome(cut.kind, trial, objective - (before - sol.objective), grow, detail, sized)


def build(
    problem: Problem,
    people: Iterable[Id],
    scarcity: Scarcity,
    options: SolveOptions,
    rng: random.Random,
    *,
    build_until: float,
    deadline: float,
    log: Log | None,
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
            without_goals(sub),
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


def _broken(problem: Problem, roster: set[Pair], changed: set[Id]) -> list[Violation]:
    """Hard rules broken on the whole horizon by the volunteers whose plan changed
    (the headcount cap cannot be: each sub-problem's cap is what others leave)."""
    shifts_of: dict[Id, list[Shift]] = defaultdict(list)
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
