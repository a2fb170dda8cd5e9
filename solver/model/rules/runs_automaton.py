"""The runs of working days and days off of each volunteer, once more, as one automaton.

Redundant with `max_consecutive_days` and `min_consecutive`, which stay in the model:
the automaton reads each volunteer's days worked left to right and only accepts
sequences whose runs keep all three limits at once. CP-SAT propagates and relaxes it
far more strongly than the separate window sums and clauses (with it CP-SAT proves
optimal a benchmark instance whose bound stalls without it), but it makes the model
heavier, which costs more than it gives on bigger models (figures:
BENCHMARKS-HISTORY.md, "The run automaton"). So `build_model` adds it only when asked
(`strong_runs`).

The reading is the validator's: days before the horizon are off; runs touching the
first or last day are exempt from the minimums, not from the maximum.
"""

from __future__ import annotations

from solver.model.variables import Variables

START, FIRST_OFF = 0, 1  # before day 0; an off run from day 0 (exempt)
# work run of k days from day 0: 1000 + k (exempt); later work run: 2000 + k;
# off run after work: 3000 + min(k, min_off)
FIRST_WORK, WORK, OFF = 1000, 2000, 3000


def run_transitions(max_work: int, min_work: int, min_off: int) -> list[tuple[int, int, int]]:
    """(state, day worked 0/1, next state) of the automaton; every state accepts,
    since a run reaching the last day is exempt from the minimums."""
    t = [
        (START, 0, FIRST_OFF),
        (START, 1, FIRST_WORK + 1),
        (FIRST_OFF, 0, FIRST_OFF),
        (FIRST_OFF, 1, WORK + 1),
    ]
    for k in range(1, max_work + 1):
        if k < max_work:
            t += [(FIRST_WORK + k, 1, FIRST_WORK + k + 1), (WORK + k, 1, WORK + k + 1)]
        t.append((FIRST_WORK + k, 0, OFF + 1))
        if k >= min_work:
            t.append((WORK + k, 0, OFF + 1))
    for k in range(1, min_off + 1):
        t.append((OFF + k, 0, OFF + min(k + 1, min_off)))
        if k == min_off:
            t.append((OFF + k, 1, WORK + 1))
    return t


def runs_follow_the_automaton(variables: Variables) -> list:
    m, n = variables.model, variables.n_days
    off = m.new_constant(0)
    for vi, v in enumerate(variables.problem.volunteers):
        max_work = min(v.max_consecutive_days or n, n)
        min_work, min_off = v.min_consecutive_days or 1, v.min_consecutive_days_off or 1
        if max_work >= n and min_work <= 1 and min_off <= 1:
            continue  # no run limit: nothing to add
        if v.fixed_duties:
            continue  # it reads the days before the horizon as off; the window sums stay
        days = [variables.works(vi, d) for d in range(n)]
        transitions = run_transitions(max_work, min_work, min_off)
        states = sorted({s for s, _, _ in transitions} | {s for _, _, s in transitions})
        m.add_automaton([off if w is None else w for w in days], START, states, transitions)
    return []
