"""No shift gets more people than its max headcount."""

from solver.variables import Variables


def at_most_max_headcount(vars: Variables) -> list:
    for si, s in enumerate(vars.problem.shifts):
        xs = [vars.x[vi, si] for vi in vars.volunteers_on[si]]
        if len(xs) > s.max_headcount:
            vars.model.add(sum(xs) <= s.max_headcount)
    return []
