"""Fair share: minimise the highest load, in percent of each volunteer's stated
capacity (max_total_minutes, else max_minutes_per_week over the horizon), so
nobody is filled up while others with room stay idle."""

from ortools.sat.python import cp_model

from solver.model.variables import Variables


def capacity(variables: Variables, vi: int, weeks: int) -> int | None:
    p = variables.problem
    v = p.volunteers[vi]
    if v.max_total_minutes is not None:
        return v.max_total_minutes or None
    if v.max_minutes_per_week:
        return v.max_minutes_per_week * weeks
    return None


def share_hours_by_capacity(variables: Variables) -> cp_model.LinearExprT:
    p, m = variables.problem, variables.model
    weight = p.weights.fairness
    if not weight:
        return 0
    # weeks that hold shifts: margins around a week do not double the capacity
    weeks = len({s.on_day.isocalendar()[:2] for s in p.shifts}) or 1
    loads = []
    for vi in range(len(p.volunteers)):
        cap = capacity(variables, vi, weeks)
        if cap and variables.shifts_of[vi]:
            most = sum(p.shifts[si].minutes for si in variables.shifts_of[vi])
            loads.append(
                (
                    cap,
                    most,
                    sum(
                        p.shifts[si].minutes * variables.x[vi, si] for si in variables.shifts_of[vi]
                    ),
                )
            )
    if not loads:
        return 0
    top = max(-(-100 * most // cap) for cap, most, _ in loads)
    highest = m.new_int_var(0, top, "highest_load_pct")
    for cap, _, minutes in loads:
        m.add(cap * highest >= 100 * minutes)  # highest >= ceil(100 * minutes / cap)
    return weight * highest
