"""At most `max_night_shifts_per_week` night shifts (`Shift.is_night`) in each ISO week."""

from solver.model.variables import Variables


def at_most_max_night_shifts_per_week(variables: Variables) -> list:
    p = variables.problem
    for vi, v in enumerate(p.volunteers):
        if v.max_night_shifts_per_week is None:
            continue
        for week in variables.shifts_by_week(vi):
            nights = [si for si in week if p.shifts[si].is_night]
            if len(nights) > v.max_night_shifts_per_week:
                variables.model.add(
                    sum(variables.x[vi, si] for si in nights) <= v.max_night_shifts_per_week
                )
    return []
