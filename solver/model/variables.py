"""The decision variables, in one place: x[v, s] = volunteer v works shift s.

Only pairs that no static rule forbids get a variable (see `rules.STATIC`), which
keeps the model small; derived variables (worked days, skill seats) are created
on demand and cached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from ortools.sat.python import cp_model

from solver.problem import Assignment, Problem, Shift, Volunteer

Allows = Callable[[Problem, Volunteer, Shift], bool]


class Variables:
    def __init__(
        self,
        model: cp_model.CpModel,
        problem: Problem,
        allows: Iterable[Allows],
        candidates: Callable[[Volunteer, Shift], bool] | None = None,
    ) -> None:
        self.model = model
        self.problem = problem
        checks = list(allows)
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.shifts_of: dict[int, list[int]] = defaultdict(list)
        self.volunteers_on: dict[int, list[int]] = defaultdict(list)
        for vi, v in enumerate(problem.volunteers):
            for si, s in enumerate(problem.shifts):
                if candidates is not None and not candidates(v, s):
                    continue  # outside the caller's neighbourhood (repair): left at 0
                if all(check(problem, v, s) for check in checks):
                    self.x[vi, si] = model.new_bool_var(f"x_{vi}_{si}")
                    self.shifts_of[vi].append(si)
                    self.volunteers_on[si].append(vi)
        self.v_index = {v.id: i for i, v in enumerate(problem.volunteers)}
        self.s_index = {s.id: i for i, s in enumerate(problem.shifts)}
        first = problem.first_day
        self.day_of = [(s.on_day - first).days if first else 0 for s in problem.shifts]
        self.n_days = len(problem.days())
        self.shifts_on_day: dict[tuple[int, int], list[int]] = defaultdict(list)
        for vi, si in self.x:
            self.shifts_on_day[vi, self.day_of[si]].append(si)
        self._works: dict[tuple[int, int], cp_model.IntVar | None] = {}
        # skill seats: seat[v, s, skill] = v takes one of the `skill` seats of s
        self.seat: dict[tuple[int, int, str], cp_model.IntVar] = {}

    def shifts_by_week(self, vi: int) -> list[list[int]]:
        """v's candidate shifts grouped by ISO week, for the per-week limits."""
        weeks: dict[tuple[int, int], list[int]] = defaultdict(list)
        for si in self.shifts_of[vi]:
            weeks[self.problem.shifts[si].on_day.isocalendar()[:2]].append(si)
        return list(weeks.values())

    def is_assigned(self, vi: int, si: int) -> bool:
        return (vi, si) in self.x

    def works(self, vi: int, day: int) -> cp_model.IntVar | None:
        """Bool 'v works on day' or None when v cannot work that day at all."""
        key = (vi, day)
        if key not in self._works:
            shifts = self.shifts_on_day.get(key, [])
            if not shifts:
                var = None
            elif len(shifts) == 1:
                var = self.x[vi, shifts[0]]
            else:
                var = self.model.new_bool_var(f"w_{vi}_{day}")
                xs = [self.x[vi, si] for si in shifts]
                if self.problem.volunteers[vi].max_shifts_per_day == 1:
                    self.model.add(sum(xs) == var)  # at most one per day: a sum suffices
                else:
                    self.model.add_max_equality(var, xs)
            self._works[key] = var
        return self._works[key]

    def fix(self, assignments: Iterable[Assignment]) -> None:
        """Force these assignments (pinned ones)."""
        for a in assignments:
            key = (self.v_index[a.volunteer], self.s_index[a.shift])
            if key not in self.x:
                raise ValueError(
                    f"pinned assignment {a} is forbidden by a hard rule "
                    "(availability, skills, travel, shift kind or forbidden)"
                )
            self.model.add(self.x[key] == 1)

    def hint(self, assignments: Iterable[Assignment]) -> None:
        chosen = {(self.v_index[a.volunteer], self.s_index[a.shift]) for a in assignments}
        for key, var in self.x.items():
            self.model.add_hint(var, key in chosen)

    def extract(self, solver: cp_model.CpSolver) -> list[Assignment]:
        p = self.problem
        return [
            Assignment(p.volunteers[vi].id, p.shifts[si].id)
            for (vi, si), var in self.x.items()
            if solver.boolean_value(var)
        ]
