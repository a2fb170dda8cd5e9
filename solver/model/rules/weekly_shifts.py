"""At most `max_shifts_per_week` shifts in each ISO week."""

from collections import defaultdict

from solver.model.variables import Variables


def at_most_max_shifts_per_week(variables: Variables) -> list:
    p = variables.problem
    for vi, v in enumerate(p.volunteers):
        if v.max_shifts_per_week is None:
            continue
        weeks = defaultdict(list)
        for si in variables.shifts_of[vi]:
            weeks[p.shifts[si].on_day.isocalendar()[:2]].append(variables.x[vi, si])
        for xs in weeks.values():
            if len(xs) > v.max_shifts_per_week:
                variables.model.add(sum(xs) <= v.max_shifts_per_week)
    return []
