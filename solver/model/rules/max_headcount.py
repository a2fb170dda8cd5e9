"""No shift gets more people than its max headcount."""

from solver.model.variables import Variables


def at_most_max_headcount(variables: Variables) -> list:
    for si, s in enumerate(variables.problem.shifts):
        xs = [variables.x[vi, si] for vi in variables.volunteers_on[si]]
        if len(xs) > s.max_headcount:
            variables.model.add(sum(xs) <= s.max_headcount)
    return []
