"""At most `max_night_shifts_per_week` night shifts (`Shift.is_night`) in each ISO week."""

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.model.variables import Variables


def at_most_max_night_shifts_per_week(variables: Variables) -> list:
    p = variables.problem
    for vi, v in enumerate(p.volunteers):
        if v.max_night_shifts_per_week is None:
            continue
        weeks: defaultdict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        for si in variables.shifts_of[vi]:
            shift = p.shifts[si]
            if shift.is_night:
                weeks[shift.on_day.isocalendar()[:2]].append(variables.x[vi, si])
        for xs in weeks.values():
            if len(xs) > v.max_night_shifts_per_week:
                variables.model.add(sum(xs) <= v.max_night_shifts_per_week)
    return []
