"""At most `max_shifts_per_week` shifts in each ISO week."""

from solver.model.variables import Variables


def at_most_max_shifts_per_week(variables: Variables) -> list:
    p = variables.problem
    for vi, v in enumerate(p.volunteers):
        if v.max_shifts_per_week is None:
            continue
        for week in variables.shifts_by_week(vi):
            if len(week) > v.max_shifts_per_week:
                variables.model.add(
                    sum(variables.x[vi, si] for si in week) <= v.max_shifts_per_week
                )
    return []
