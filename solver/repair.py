"""Repair a published roster after cancellations and new unavailability.

Every assignment that is still allowed is pinned; only the open seats are filled,
and each change against the published roster is costed heavily so that the fewest
people are moved.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

from solver.check.rules import static_violation
from solver.check.validate import skill_shortfall
from solver.options import SolveOptions
from solver.problem import Assignment, Id, Problem
from solver.solution import Solution


def repair(
    problem: Problem,
    published: Iterable[Assignment],
    cancelled: Iterable[Assignment] = (),
    unavailable: Mapping[Id, Iterable[date]] | None = None,
    options: SolveOptions = SolveOptions(),
) -> Solution:
    """New roster keeping every published assignment that is neither cancelled nor
    made impossible by new unavailable dates; open seats are refilled.

    `cancelled` are published assignments withdrawn (a volunteer cancelling a shift);
    `unavailable` adds unavailable dates per volunteer (all their shifts on those
    days are dropped and they are not asked again for them). The search is one CP-SAT
    run around the open seats whatever `options.method` says ("cp-sat").
    """
    from solver.search.cpsat import solve_whole  # it imports nothing from here; avoid a cycle

    published = list(published)
    dropped = set(cancelled)
    extra = {vid: frozenset(days) for vid, days in (unavailable or {}).items()}
    if unknown := set(extra) - {v.id for v in problem.volunteers}:
        raise ValueError(f"unavailable dates of unknown volunteer(s) {sorted(unknown, key=str)}")
    volunteers = tuple(
        dataclasses.replace(v, unavailable_dates=v.unavailable_dates | extra[v.id])
        if v.id in extra
        else v
        for v in problem.volunteers
    )
    changed = dataclasses.replace(
        problem,
        volunteers=volunteers,
        previous=tuple(published),
        forbidden=tuple(set(problem.forbidden) | dropped),
        pinned=(),
    )
    keep = []
    for a in published:
        if a in dropped:
            continue
        v, s = changed.volunteer(a.volunteer), changed.shift(a.shift)
        if static_violation(changed, v, s) is None:
            keep.append(a)
    # every kept assignment is pinned; a change now costs more than any soft goal
    # except coverage, so refilling wins but reshuffling never does
    weights = dataclasses.replace(
        problem.weights, change=max(problem.weights.change, problem.weights.skill_need)
    )
    final = dataclasses.replace(
        changed,
        pinned=tuple(dict.fromkeys(keep + list(a for a in problem.pinned if a in set(keep)))),
        weights=weights,
    )
    # Search only around the open seats: shifts that lost someone, or that were
    # short already, may take new people; every other pair stays as published.
    kept = set(keep)
    lost = {a.shift for a in published if a not in kept} | {a.shift for a in dropped}
    on_shift: dict[Id, list[frozenset[str]]] = defaultdict(list)
    for a in keep:
        on_shift[a.shift].append(final.volunteer(a.volunteer).skills)
    open_shifts = lost | {
        s.id
        for s in final.shifts
        if len(on_shift[s.id]) < s.min_headcount
        or (s.skill_needs and skill_shortfall(s, on_shift[s.id]))
    }
    pairs = {(a.volunteer, a.shift) for a in keep}
    solution = solve_whole(
        final,
        options,
        hint=keep,
        candidates=lambda v, s: s.id in open_shifts or (v.id, s.id) in pairs,
    )
    return dataclasses.replace(solution, method="cp-sat")
