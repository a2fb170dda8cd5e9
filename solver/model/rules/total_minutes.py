"""Total minutes over the horizon lie within [min_total_minutes, max_total_minutes]."""

from solver.model.variables import Variables


def total_minutes_within_bounds(variables: Variables) -> list:
    p = variables.problem
    for vi, v in enumerate(p.volunteers):
        if v.min_total_minutes is None and v.max_total_minutes is None:
            continue
        total = sum(p.shifts[si].minutes * variables.x[vi, si] for si in variables.shifts_of[vi])
        if v.max_total_minutes is not None:
            variables.model.add(total <= v.max_total_minutes)
        if v.min_total_minutes:
            variables.model.add(total >= v.min_total_minutes)
        lengths = [p.shifts[si].minutes for si in variables.shifts_of[vi]]
        if v.max_shifts_per_day == 1 and lengths:
            # Implied bounds on the number of shifts: they tighten the LP relaxation
            # when shift lengths differ.
            count = sum(variables.x[vi, si] for si in variables.shifts_of[vi])
            if v.max_total_minutes is not None:
                variables.model.add(count <= v.max_total_minutes // min(lengths))
            if v.min_total_minutes:
                variables.model.add(count >= -(-v.min_total_minutes // max(lengths)))
    return []
