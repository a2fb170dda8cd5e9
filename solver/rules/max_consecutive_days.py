"""At most `max_consecutive_days` working days in a row (days before the horizon are off)."""

from solver.variables import Variables


def at_most_max_consecutive_days(vars: Variables) -> list:
    p = vars.problem
    for vi, v in enumerate(p.volunteers):
        k = v.max_consecutive_days
        if k is None or k >= vars.n_days:
            continue
        works = [vars.works(vi, d) for d in range(vars.n_days)]
        for start in range(vars.n_days - k):
            window = [w for w in works[start : start + k + 1] if w is not None]
            if len(window) > k:
                vars.model.add(sum(window) <= k)
    return []
