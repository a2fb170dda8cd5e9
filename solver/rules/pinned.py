"""Pinned assignments are kept."""

from solver.variables import Variables


def pinned_assignments_are_kept(variables: Variables) -> list:
    variables.fix(variables.problem.pinned)
    return []
