"""Per-kind limits: at most `max_shifts_per_kind[kind]` shifts of a kind (0 = never)."""

from collections import defaultdict

from solver.model.variables import Variables
from solver.problem import Problem, Shift, Volunteer


def may_work_kind(problem: Problem, v: Volunteer, s: Shift) -> bool:
    return s.kind is None or v.max_shifts_per_kind.get(s.kind, 1) > 0


def at_most_max_shifts_per_kind(variables: Variables) -> list:
    p = variables.problem
    for vi, v in enumerate(p.volunteers):
        if not v.max_shifts_per_kind:
            continue
        by_kind = defaultdict(list)
        for si in variables.shifts_of[vi]:
            by_kind[p.shifts[si].kind].append(variables.x[vi, si])
        for kind, xs in by_kind.items():
            limit = v.max_shifts_per_kind.get(kind) if kind is not None else None
            if limit is not None and len(xs) > limit:
                variables.model.add(sum(xs) <= limit)
    return []
