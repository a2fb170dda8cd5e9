"""At most `max_consecutive_days` working days in a row.

Days outside the horizon are off, except the days of the volunteer's fixed duties,
which are worked whatever the roster says: a run may start before the horizon.
"""

from datetime import timedelta

from solver.model.variables import Variables


def at_most_max_consecutive_days(variables: Variables) -> list:
    p = variables.problem
    if p.first_day is None:
        return []  # no shifts, nothing to decide
    first_day = p.first_day
    for vi, v in enumerate(p.volunteers):
        k = v.max_consecutive_days
        if k is None:
            continue
        fixed = v.fixed_days
        if k >= variables.n_days and not fixed:
            continue
        # from k days before the horizon to k days after it: per day, whether a
        # fixed duty works it, and the "works" variable (None: cannot work that day)
        days = range(-k, variables.n_days + k)
        is_fixed = [first_day + timedelta(days=d) in fixed for d in days]
        works = [
            variables.works(vi, d) if 0 <= d < variables.n_days and not f else None
            for d, f in zip(days, is_fixed, strict=True)
        ]
        for start in range(len(days) - k):
            chosen = [w for w in works[start : start + k + 1] if w is not None]
            worked = sum(is_fixed[start : start + k + 1])
            if chosen and worked + len(chosen) > k:
                # never worse than the fixed duties alone, even where they break it
                variables.model.add(sum(chosen) <= max(0, k - worked))
    return []
