"""Pinned assignments are kept."""

from solver.model.variables import Variables


def pinned_assignments_are_kept(variables: Variables) -> list:
    variables.fix(variables.problem.pinned)
    return []
