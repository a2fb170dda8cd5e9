"""At most `max_minutes_per_week` of work in each ISO week."""

from collections import defaultdict

from solver.model.variables import Variables


def at_most_max_minutes_per_week(variables: Variables) -> list:
    p = variables.problem
    for vi, v in enumerate(p.volunteers):
        if v.max_minutes_per_week is None:
            continue
        weeks = defaultdict(list)
        for si in variables.shifts_of[vi]:
            s = p.shifts[si]
            weeks[s.on_day.isocalendar()[:2]].append((s.minutes, variables.x[vi, si]))
        for terms in weeks.values():
            if sum(m for m, _ in terms) > v.max_minutes_per_week:
                variables.model.add(sum(m * x for m, x in terms) <= v.max_minutes_per_week)
    return []
