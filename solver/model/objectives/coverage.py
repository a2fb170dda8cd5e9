"""Coverage: each person missing below min_headcount costs the shift's under-weight
(weights.coverage x priority by default); each person above costs over_weight."""

from ortools.sat.python import cp_model

from solver.model.variables import Variables


def cover_every_shift_by_priority(variables: Variables) -> cp_model.LinearExprT:
    p, m = variables.problem, variables.model
    w = p.weights
    terms: list[cp_model.LinearExprT] = []
    for si, s in enumerate(p.shifts):
        n = sum(variables.x[vi, si] for vi in variables.volunteers_on[si])
        size = len(variables.volunteers_on[si])
        under_weight = s.under_cover_weight(w)
        if s.min_headcount and under_weight:
            if size == 0:
                terms.append(under_weight * s.min_headcount)
            else:
                under = m.new_int_var(0, s.min_headcount, f"under_{si}")
                m.add(n + under >= s.min_headcount)
                terms.append(under_weight * under)
        reach = min(size, s.max_headcount)
        if s.over_weight and reach > s.min_headcount:
            over = m.new_int_var(0, reach - s.min_headcount, f"over_{si}")
            m.add(n - over <= s.min_headcount)
            terms.append(s.over_weight * over)
    return sum(terms)
