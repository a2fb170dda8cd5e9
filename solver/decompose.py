"""Decomposition over time windows, for horizons too big for one CP-SAT model.

A window problem is the original problem cut to some days: the days to re-plan
are free, up to `context` days on each side are kept (pinned) so that the
consecutive-day rules see across the cut, and every horizon-wide limit (total
minutes, shifts per kind, weekends) is reduced by what is worked outside the
window. It is an ordinary `Problem`, solved by the ordinary `solve`.

`solve_by_windows` builds a first roster window by window from the start
(horizon-wide limits are shared out in proportion to the days left), then keeps
improving it by re-solving random windows with exact limits. Every roster it keeps
has passed the validator on the whole horizon.
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from solver.problem import Assignment, Id, Problem
from solver.solution import Progress, Solution
from solver.solve import finish, solve
from solver.validate import validate

Pair = tuple[Id, Id]


def _weekend(day: date) -> date:
    return day - timedelta(days=day.weekday() - 5)


def _dates(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def window_problem(problem: Problem, roster: set[Pair], free_start: date, free_end: date,
                   context: int, time_limit: float, share: float | None = None,
                   free_people: set[Id] | None = None, seed: int = 0,
                   ) -> tuple[Problem, Callable, list[Assignment]]:
    """The sub-problem re-planning days [free_start, free_end] (inclusive).

    With `share` (construction), nothing after the window is planned yet: what is
    left of each horizon-wide limit is shared out over the days the volunteer can
    still work, and the minimum part is further scaled by `share` (1 = fair part,
    0 = no minimum). Without it the limits are exact.
    Returns the problem, the candidate filter and the incumbent inside the window.
    """
    first = max(problem.first_day, free_start - timedelta(days=context))
    # In construction one empty day after the window stays in the problem, so that a
    # working run ending the window is not exempt from the minimum-run rule (it could
    # not be extended later if the next day is off).
    last = min(problem.last_day, free_end + timedelta(days=1 if share is not None else context))
    shifts = [s for s in problem.shifts if first <= s.on_day <= last]
    in_window = {s.id for s in shifts}
    by_id = {s.id: s for s in problem.shifts}
    minutes: Counter[Id] = Counter()
    kinds: dict[Id, Counter[str]] = defaultdict(Counter)
    weekends: dict[Id, set[date]] = defaultdict(set)
    window_weekends = {_weekend(s.on_day) for s in shifts if s.on_day.weekday() >= 5}
    inside_minutes: Counter[Id] = Counter()
    context_weekends: dict[Id, set[date]] = defaultdict(set)
    for v, sid in roster:
        if sid in in_window:
            s = by_id[sid]
            inside_minutes[v] += s.minutes
            if s.on_day.weekday() >= 5:
                context_weekends[v].add(_weekend(s.on_day))
            continue
        s = by_id[sid]
        minutes[v] += s.minutes
        if s.kind is not None:
            kinds[v][s.kind] += 1
        if s.on_day.weekday() >= 5:
            weekends[v].add(_weekend(s.on_day))
    longest = max((s.minutes for s in problem.shifts), default=0)
    volunteers = []
    for v in problem.volunteers:
        used = minutes[v.id]
        lo, hi = v.min_total_minutes, v.max_total_minutes
        if share is not None:
            # share out what is left in proportion to the days this volunteer can
            # still work: days off in this window shrink its part
            left = [d for d in _dates(free_start, problem.last_day)
                    if d not in v.unavailable_dates]
            here = sum(1 for d in left if d <= free_end)
            part = 1.0 if here == len(left) else here / max(1, len(left))
            ctx = inside_minutes[v.id]  # pinned context days already in the window
            # what is left goes in proportion to workable days, give or take one
            # shift, so that the last window can still meet the exact totals
            slack = 2 * longest if share > 0 else 10**9
            if hi is not None:
                rest = hi - used - ctx
                hi = max(0, hi - used) if part >= 1 else ctx + max(0, min(
                    rest, math.ceil(rest * part) + slack))
            if lo is not None:
                rest = lo - used - ctx
                lo = max(0, lo - used) if part >= 1 else ctx + max(0, math.floor(rest * part)
                                                                    - 2 * slack)
            if lo is not None and hi is not None:
                lo = min(lo, hi)
        else:
            hi = None if hi is None else hi - used
            lo = None if lo is None else max(0, lo - used)
        weekend_limit = v.max_weekends
        if weekend_limit is not None:
            outside = len(weekends[v.id] - window_weekends)
            weekend_limit = max(0, weekend_limit - outside)
            if share is not None and free_end < problem.last_day:
                weeks_left = max(1, ((problem.last_day - free_start).days + 1) // 7)
                weeks_here = max(1, ((free_end - free_start).days + 1) // 7)
                ctx = len(context_weekends[v.id])
                rest = max(0, weekend_limit - ctx)
                weekend_limit = ctx + min(rest, math.ceil(rest * weeks_here / weeks_left) + 1)
        volunteers.append(dataclasses.replace(
            v, min_total_minutes=lo, max_total_minutes=max(0, hi) if hi is not None else None,
            max_weekends=weekend_limit,
            max_shifts_per_kind={k: max(0, n - kinds[v.id][k])
                                 for k, n in v.max_shifts_per_kind.items()}))
    free_shift = {s.id for s in shifts if free_start <= s.on_day <= free_end}
    inside = [(v, sid) for v, sid in roster if sid in in_window]
    pinned = [Assignment(v, sid) for v, sid in inside
              if sid not in free_shift or (free_people is not None and v not in free_people)]
    incumbent = [Assignment(v, sid) for v, sid in inside]
    pinned_pairs = {(a.volunteer, a.shift) for a in pinned}
    sub = dataclasses.replace(
        problem, shifts=tuple(shifts), volunteers=tuple(volunteers),
        pinned=tuple(pinned),
        forbidden=tuple(a for a in problem.forbidden if a.shift in in_window),
        previous=tuple(a for a in problem.previous if a.shift in in_window),
        requests=tuple(r for r in problem.requests if first <= r.day <= last),
        first_day=first, last_day=last, time_limit_seconds=time_limit, seed=seed)

    def candidates(v, s) -> bool:
        if (v.id, s.id) in pinned_pairs:
            return True
        return s.id in free_shift and (free_people is None or v.id in free_people)

    return sub, candidates, incumbent


def solve_by_windows(problem: Problem, on_progress: Callable[[Progress], None] | None = None,
                     window_days: int = 14, context: int = 7,
                     log: Callable[[str], None] | None = None) -> Solution:
    started = time.perf_counter()
    deadline = started + problem.time_limit_seconds
    rng = random.Random(problem.seed)
    days = problem.days()
    points: list[Progress] = []
    roster: set[Pair] = set()

    def emit(objective: float) -> None:
        points.append(Progress(time.perf_counter() - started, objective, -math.inf))
        if on_progress is not None:
            on_progress(points[-1])

    # 1. construction, window by window; when the last window cannot meet the exact
    #    horizon limits, step back and re-plan it together with the window before
    n = len(days)
    build_budget = 0.4 * problem.time_limit_seconds
    a, k, retries = 0, 0, 0
    back_from = n
    while a < n:
        b = min(n, a + window_days)
        if n - b < window_days // 2 or retries:  # after a step back: one window to the end
            b = n  # no short tail window: it would have no room to catch up
        chunks_left = max(1, math.ceil((n - a) / window_days))
        spent = time.perf_counter() - started
        per = max(6.0, min((build_budget - spent) / chunks_left, deadline - time.perf_counter()))
        per = per * (b - a) / window_days
        sol, sub = None, None
        for share in (1.0, 0.0):  # loosen the minimum share if a window is stuck
            if share == 0.0 and b == n:
                break  # the last window has exact limits either way
            sub, cand, _ = window_problem(problem, roster, days[a], days[b - 1], context, per,
                                          share=share, seed=problem.seed + k)
            sol = solve(sub, candidates=cand, explain_unfilled=False, greedy_start=False,
                        gap_limit=0.01)
            if sol.has_roster:
                break
            if log:
                log(f"days {a}-{b - 1}: {sol.status} with minimum share {share}")
        if sol is None or not sol.has_roster:
            if b == n and a > 0 and retries < 4 and time.perf_counter() < deadline - 5:
                retries += 1
                back = back_from = min(back_from, a) if retries > 1 else a
                a = max(0, back - window_days)
                back_from = a
                cut = {s.id for s in problem.shifts if s.on_day >= days[a]}
                roster = {pair for pair in roster if pair[1] not in cut}
                if log:
                    log(f"stepping back: re-planning days {a}-{n - 1} together")
                continue
            return Solution(status="UNKNOWN", assignments=(), objective=None,
                            objective_by_rule={}, best_bound=-math.inf, gap=None,
                            wall_seconds=time.perf_counter() - started, progress=tuple(points))
        in_sub = {s.id for s in sub.shifts}
        roster = {p for p in roster if p[1] not in in_sub} | {(x.volunteer, x.shift)
                                                             for x in sol.assignments}
        if log:
            log(f"built days {a}-{b - 1}: window objective {sol.objective}")
        a, k = b, k + 1
    report = validate(problem, [Assignment(v, s) for v, s in roster])
    first_seconds = time.perf_counter() - started
    if not report.ok:
        if log:
            log(f"construction broke {len(report.violations)} rules, e.g. "
                f"{report.violations[:2]}")
        return Solution(status="UNKNOWN", assignments=(), objective=None,
                        objective_by_rule={}, best_bound=-math.inf, gap=None,
                        wall_seconds=time.perf_counter() - started, progress=tuple(points))
    objective = report.objective
    emit(objective)
    # 2. improvement: re-solve random windows with exact limits
    people = [v.id for v in problem.volunteers]
    sub_limit, span = 8.0, window_days
    iteration = 0
    while deadline - time.perf_counter() > 2:
        iteration += 1
        width = min(n, span)
        a = rng.randrange(0, n - width + 1)
        a -= a % 7 if a % 7 <= a else 0  # align on a week when possible
        b = min(n, a + width)
        crowd = None
        if rng.random() < 0.5:
            crowd = set(rng.sample(people, max(2, len(people) // 2)))
        limit = min(sub_limit, deadline - time.perf_counter() - 1)
        sub, cand, incumbent = window_problem(problem, roster, days[a], days[b - 1], context,
                                              limit, free_people=crowd,
                                              seed=rng.randrange(1 << 20))
        sol = solve(sub, candidates=cand, hint=incumbent, explain_unfilled=False,
                    gap_limit=0.0)
        if not sol.has_roster:
            continue
        in_sub = {s.id for s in sub.shifts}
        trial = {p for p in roster if p[1] not in in_sub} | {(x.volunteer, x.shift)
                                                            for x in sol.assignments}
        report = validate(problem, [Assignment(v, s) for v, s in trial])
        if report.ok and report.objective < objective:
            roster, objective = trial, report.objective
            emit(objective)
            if log:
                log(f"window {a}-{b - 1}{' (half the staff)' if crowd else ''}: {objective}")
    assignments = sorted((Assignment(v, s) for v, s in roster), key=lambda x: (str(x.volunteer),
                                                                              str(x.shift)))
    return finish(problem, assignments, "FEASIBLE", -math.inf, time.perf_counter() - started,
                  first_seconds, tuple(points), explain_unfilled=False)
