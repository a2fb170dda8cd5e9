"""Day requests: an unmet "on" request or a met "off" request costs its weight
(times weights.request)."""

from ortools.sat.python import cp_model

from solver.model.variables import Variables


def honour_day_requests(variables: Variables) -> cp_model.LinearExprT:
    p, m = variables.problem, variables.model
    scale = p.weights.request
    if not scale or not p.requests:
        return 0
    terms = []
    for r in p.requests:
        vi = variables.v_index[r.volunteer]
        d = (r.day - p.first_day).days if p.first_day else 0
        if r.kind is None:
            works = variables.works(vi, d) if 0 <= d < variables.n_days else None
        else:
            xs = [
                variables.x[vi, si]
                for si in variables.shifts_on_day.get((vi, d), [])
                if p.shifts[si].kind == r.kind
            ]
            if not xs:
                works = None
            elif len(xs) == 1:
                works = xs[0]
            else:
                works = m.new_bool_var(f"req_{vi}_{d}_{r.kind}")
                m.add_max_equality(works, xs)
        w = scale * r.weight
        if r.on:
            terms.append(w if works is None else w - w * works)
        elif works is not None:
            terms.append(w * works)
    return sum(terms)
