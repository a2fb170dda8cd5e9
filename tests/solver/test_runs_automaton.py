"""The redundant run automaton accepts exactly the day patterns the validator allows,
and a model carrying it keeps the same optimum."""

from __future__ import annotations

import itertools

import pytest
from builders import broken_by, options, problem, shift

from solver import Volunteer, solve
from solver.model.rules.runs_automaton import START, run_transitions
from solver.search.lns import solve_lns

RUN_RULES = {"consecutive_days", "consecutive_days_off"}


def accepts(transitions, worked) -> bool:
    step = {(state, label): nxt for state, label, nxt in transitions}
    state = START
    for day in worked:
        state = step.get((state, int(day)))
        if state is None:
            return False
    return True  # every state accepts


@pytest.mark.parametrize(
    "max_work,min_work,min_off", [(3, 2, 2), (2, 1, 3), (5, 2, 1), (8, 3, 2), (1, 1, 1)]
)
def test_automaton_accepts_what_the_validator_allows(max_work, min_work, min_off):
    n = 8
    v = Volunteer(
        "a",
        max_consecutive_days=max_work,
        min_consecutive_days=min_work,
        min_consecutive_days_off=min_off,
    )
    p = problem([shift(d, day=d, min_headcount=0) for d in range(n)], [v])
    transitions = run_transitions(max_work, min_work, min_off)
    for worked in itertools.product((False, True), repeat=n):
        pairs = [("a", d) for d in range(n) if worked[d]]
        allowed = not broken_by(p, pairs) & RUN_RULES
        assert accepts(transitions, worked) == allowed, worked


def test_model_with_the_automaton_keeps_the_optimum():
    # three people, ten days of two seats each: the run limits decide who can fill what
    volunteers = [
        Volunteer(name, max_consecutive_days=3, min_consecutive_days=2, min_consecutive_days_off=2)
        for name in "abc"
    ]
    p = problem([shift(d, day=d, min_headcount=2, max_headcount=2) for d in range(10)], volunteers)
    # "cp-sat" never adds the automaton ("auto" would pick "cp-sat+runs" for ten days)
    plain = solve(p, options(workers=2, method="cp-sat"), explain_unfilled=False)
    strong = solve_lns(p, options(workers=2), explain_unfilled=False)  # small: it adds it
    assert plain.status == strong.status == "OPTIMAL"
    assert plain.objective == strong.objective > 0
