"""A quick greedy roster used as the solver's starting hint.

Shifts are taken by priority (most important first) and each seat goes to the
cheapest candidate who can still take it under every hard rule (checked with the
validator's per-volunteer check). On a shift with reserved seats (adoptions) the
team's members come first and nobody takes a seat still reserved for a team they
are not in. The result is only used when it validates.
"""

from __future__ import annotations

from collections import defaultdict

from solver.check.validate import volunteer_violations
from solver.model.rules.reserved_seats import reserved_for
from solver.model.variables import Variables
from solver.problem import Assignment, Id, Problem, Shift


def greedy_roster(problem: Problem, variables: Variables) -> list[Assignment]:
    mine: dict[int, list[Shift]] = defaultdict(list)
    minutes: dict[int, int] = defaultdict(int)
    chosen: set[tuple[int, int]] = set()
    for a in problem.pinned:
        vi, si = variables.v_index[a.volunteer], variables.s_index[a.shift]
        chosen.add((vi, si))
        mine[vi].append(problem.shifts[si])
    count: dict[int, int] = defaultdict(int)
    on: dict[int, list[Id]] = defaultdict(list)
    for vi, si in chosen:
        count[si] += 1
        on[si].append(problem.volunteers[vi].id)

    def urgency(si: int) -> tuple:
        s = problem.shifts[si]
        return -s.under_cover_weight(problem.weights), len(variables.volunteers_on[si]), s.start

    order = sorted(range(len(problem.shifts)), key=urgency)
    for si in order:
        s = problem.shifts[si]
        if count[si] >= s.min_headcount:
            continue
        needs = dict(s.skill_needs)
        members = frozenset().union(*(r.members for r in s.reservations))

        def cost(
            vi: int, s: Shift = s, needs: dict[str, int] = needs, members: frozenset = members
        ) -> tuple:
            v = problem.volunteers[vi]
            outsider = v.id not in members  # members first on adopted seats
            skill_fit = -sum(1 for k in needs if k in v.skills and needs[k] > 0)
            travel = problem.travel(v.id, s.station) or 0
            return outsider, skill_fit, minutes[vi], travel, str(v.id)

        for vi in sorted(variables.volunteers_on[si], key=cost):
            if count[si] >= s.min_headcount:
                break
            if (vi, si) in chosen:
                continue
            v = problem.volunteers[vi]
            if s.reservations and reserved_for(s, on[si], v.id):
                continue
            if volunteer_violations(problem, v, [*mine[vi], s], include_static=False):
                continue
            chosen.add((vi, si))
            mine[vi].append(s)
            minutes[vi] += s.minutes
            count[si] += 1
            on[si].append(v.id)
            for k in v.skills:
                if needs.get(k, 0) > 0:
                    needs[k] -= 1
                    break
    ids: list[tuple[Id, Id]] = [
        (problem.volunteers[vi].id, problem.shifts[si].id) for vi, si in chosen
    ]
    return [Assignment(vid, sid) for vid, sid in sorted(ids, key=str)]
