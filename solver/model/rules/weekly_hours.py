"""At most `max_minutes_per_week` of work in each ISO week."""

from solver.model.variables import Variables


def at_most_max_minutes_per_week(variables: Variables) -> list:
    p = variables.problem
    for vi, v in enumerate(p.volunteers):
        if v.max_minutes_per_week is None:
            continue
        for week in variables.shifts_by_week(vi):
            if sum(p.shifts[si].minutes for si in week) > v.max_minutes_per_week:
                worked = sum(p.shifts[si].minutes * variables.x[vi, si] for si in week)
                variables.model.add(worked <= v.max_minutes_per_week)
    return []
