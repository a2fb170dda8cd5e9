"""At most `max_shifts_per_day` shifts on one calendar day."""

from solver.model.variables import Variables


def at_most_n_shifts_per_day(variables: Variables) -> list:
    p = variables.problem
    for (vi, _day), sis in variables.shifts_on_day.items():
        limit = p.volunteers[vi].max_shifts_per_day
        if limit is not None and len(sis) > limit:
            variables.model.add(sum(variables.x[vi, si] for si in sis) <= limit)
    return []
