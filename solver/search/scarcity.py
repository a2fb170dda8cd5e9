"""How scarce the people for each open seat are, while a roster is built one
volunteer at a time.

A volunteer planned alone values every open seat the same, so the first ones
take whatever suits them and leave the seats few others can take: where the
weekend limits leave barely enough weekend shifts for the weekend seats, the early
volunteers spent theirs on half weekends and most seats left open were on weekends.
`Scarcity` weighs each open seat by the pressure on its group (the weekend seats, the
seats of one shift kind): the seats the group still needs over what the volunteers
not yet planned can still take of it, by their own limits (`check.capacity.shares`).
With those weights the same build left about half as many open, far fewer of them on
weekends (figures: BENCHMARKS-HISTORY.md, "Scarcity").
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from solver.check.capacity import shares
from solver.problem import Id, Problem, Shift

Group = tuple[str, ...]  # ("weekend",) or ("kind", name)


class Scarcity:
    def __init__(self, problem: Problem) -> None:
        limited_kinds = {k for v in problem.volunteers for k in v.max_shifts_per_kind}
        weekends_limited = any(v.max_weekends is not None for v in problem.volunteers)
        self.groups_of: dict[Id, list[Group]] = {}
        members: dict[Group, list[Shift]] = defaultdict(list)
        for s in problem.shifts:
            groups: list[Group] = []
            if s.min_headcount:  # a shift without seats fills none of its group's
                if weekends_limited and s.on_day.weekday() >= 5:
                    groups.append(("weekend",))
                if s.kind in limited_kinds:
                    groups.append(("kind", s.kind))
            self.groups_of[s.id] = groups
            for g in groups:
                members[g].append(s)
        self.members = dict(members)
        # what each volunteer can take of each group, and the total still to plan
        self.share: dict[Id, dict[Group, int]] = {v.id: {} for v in problem.volunteers}
        self.capacity: dict[Group, int] = {}
        for g, shifts in members.items():
            taken = shares(problem, shifts, g[1] if g[0] == "kind" else None, problem.volunteers)
            for volunteer, n in taken.items():
                self.share[volunteer][g] = n
            self.capacity[g] = sum(taken.values())
        self.left = dict(self.capacity)  # what the volunteers not yet planned can take

    def planned(self, volunteer: Id) -> None:
        """`volunteer` is planned: their share is no longer to be had."""
        for g, n in self.share[volunteer].items():
            self.left[g] -= n

    def weigh(self, sub: Problem) -> Problem:
        """`sub` (its shifts' min_headcount being the seats still open) with each
        shift's under-cover weight raised by up to 100 % for the pressure on its
        groups."""
        needed: dict[Group, int] = defaultdict(int)
        for s in sub.shifts:
            for g in self.groups_of[s.id]:
                needed[g] += s.min_headcount
        pressure = {g: min(1.0, n / max(1, self.left[g])) for g, n in needed.items()}
        shifts = []
        for s in sub.shifts:
            p = max((pressure[g] for g in self.groups_of[s.id]), default=0.0)
            if p > 0 and s.min_headcount:
                weight = s.under_cover_weight(sub.weights)
                s = dataclasses.replace(s, under_weight=round(weight * (1 + p)))
            shifts.append(s)
        return dataclasses.replace(sub, shifts=tuple(shifts))
