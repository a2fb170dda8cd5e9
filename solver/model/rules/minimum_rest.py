"""Minimum rest: at least `min_rest_minutes` between the end of one shift and the next."""

from datetime import timedelta

from solver.model.rules.no_overlap import add_clique_limits
from solver.model.variables import Variables


def minimum_rest_between_shifts(variables: Variables) -> list:
    for vi, v in enumerate(variables.problem.volunteers):
        if v.min_rest_minutes > 0:
            # two shifts clash when one starts before the other's end plus the rest
            add_clique_limits(variables, vi, timedelta(minutes=v.min_rest_minutes))
    return []
