"""Nobody works two shifts that overlap in time."""

from datetime import timedelta

from solver.model.variables import Variables


def no_two_overlapping_shifts(variables: Variables) -> list:
    for vi in range(len(variables.problem.volunteers)):
        add_clique_limits(variables, vi, timedelta(0))
    return []


def add_clique_limits(variables: Variables, vi: int, rest: timedelta) -> None:
    """AtMostOne over every maximal set of shifts whose [start, end + rest) overlap.

    Intervals form an interval graph, so its maximal cliques come from one sweep;
    this is far smaller than one constraint per conflicting pair.
    """
    shifts = variables.problem.shifts
    events = []
    for si in variables.shifts_of[vi]:
        s = shifts[si]
        events.append((s.start, 1, si))
        events.append((s.end + rest, 0, si))  # ends sort before starts: half-open
    events.sort(key=lambda e: (e[0], e[1]))
    active: set[int] = set()
    grown = False
    for _, is_start, si in events:
        if is_start:
            active.add(si)
            grown = True
        else:
            if grown and len(active) > 1:
                variables.model.add_at_most_one(variables.x[vi, sj] for sj in sorted(active))
            grown = False
            active.discard(si)
