"""Pinned assignments are kept."""

from solver.variables import Variables


def pinned_assignments_are_kept(vars: Variables) -> list:
    vars.fix(vars.problem.pinned)
    return []
