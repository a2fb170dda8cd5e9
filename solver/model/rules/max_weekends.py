"""At most `max_weekends` weekends worked (a weekend counts if Saturday or Sunday is worked)."""

from collections import defaultdict

from solver.model.variables import Variables


def at_most_max_weekends(variables: Variables) -> list:
    p, m = variables.problem, variables.model
    days = p.days()
    weekend_days = defaultdict(list)
    for d, day in enumerate(days):
        if day.weekday() >= 5:
            weekend_days[day.toordinal() - (day.weekday() - 5)].append(d)
    for vi, v in enumerate(p.volunteers):
        if v.max_weekends is None:
            continue
        worked = []
        for ds in weekend_days.values():
            ws = [w for w in (variables.works(vi, d) for d in ds) if w is not None]
            if not ws:
                continue
            if len(ws) == 1:
                worked.append(ws[0])
            else:
                weekend = m.new_bool_var(f"we_{vi}_{ds[0]}")
                for w in ws:  # one-sided is enough: the limit only pushes it down
                    m.add_implication(w, weekend)
                worked.append(weekend)
        if len(worked) > v.max_weekends:
            m.add(sum(worked) <= v.max_weekends)
    return []
