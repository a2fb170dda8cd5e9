"""Minimum runs of working days and of days off.

Only runs with the other state on both sides inside the horizon are checked: runs
touching the first or last day are exempt (the Curtois & Qu reading). A short run
from day d to day e-1 is ruled out by the clause
"day d-1 differs OR some day in d..e-1 differs OR day e differs".
"""

from solver.model.variables import Variables


def at_least_min_consecutive_days(variables: Variables) -> list:
    for vi, v in enumerate(variables.problem.volunteers):
        if v.min_consecutive_days and v.min_consecutive_days > 1:
            _forbid_short_runs(variables, vi, v.min_consecutive_days, working=True)
    return []


def at_least_min_consecutive_days_off(variables: Variables) -> list:
    for vi, v in enumerate(variables.problem.volunteers):
        if v.min_consecutive_days_off and v.min_consecutive_days_off > 1:
            _forbid_short_runs(variables, vi, v.min_consecutive_days_off, working=False)
    return []


def _forbid_short_runs(variables: Variables, vi: int, k: int, working: bool) -> None:
    n = variables.n_days
    works = [variables.works(vi, d) for d in range(n)]
    for start in range(1, n - 1):
        for length in range(1, k):
            end = start + length  # first day after the run
            if end > n - 1:
                break
            clause = []
            satisfied = False
            # the run's state is `working`; border days must have the other state
            for d, want_state in [
                (start - 1, not working),
                *((d, working) for d in range(start, end)),
                (end, not working),
            ]:
                w = works[d]
                # literal "day d is NOT in want_state"
                if w is None:  # day d is surely off
                    if want_state:  # "not working" is already true
                        satisfied = True
                        break
                    continue  # "working" is false: contributes nothing
                clause.append(~w if want_state else w)
            if not satisfied:
                variables.model.add_bool_or(clause)
