"""Forbidden successions: kind a on day d is never followed by kind b on day d+1."""

from collections import defaultdict

from solver.model.variables import Variables


def no_forbidden_successions(variables: Variables) -> list:
    p, m = variables.problem, variables.model
    if not p.forbidden_successions:
        return []
    # Keyed by kind; a shift without a kind (None) is followed by anything.
    banned_after: defaultdict[str | None, set[str]] = defaultdict(set)
    for a, b in p.forbidden_successions:
        banned_after[a].add(b)
    for (vi, day), today in variables.shifts_on_day.items():
        tomorrow = variables.shifts_on_day.get((vi, day + 1), [])
        if not tomorrow:
            continue
        one_a_day = p.volunteers[vi].max_shifts_per_day == 1
        # group today's shifts by the set of shifts they forbid tomorrow
        groups = defaultdict(list)
        for si in today:
            kind = p.shifts[si].kind
            later = tuple(sj for sj in tomorrow if p.shifts[sj].kind in banned_after.get(kind, ()))
            if later:
                groups[later].append(si)
        for later, earlier in groups.items():
            if one_a_day:
                # at most one shift a day on both days, so a single sum says it all
                m.add(sum(variables.x[vi, si] for si in earlier + list(later)) <= 1)
            else:
                for si in earlier:
                    m.add_bool_and([~variables.x[vi, sj] for sj in later]).only_enforce_if(
                        variables.x[vi, si]
                    )
    return []
