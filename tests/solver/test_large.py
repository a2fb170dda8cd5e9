"""LNS and time-window decomposition: they return validated rosters, and a window
problem with exact limits accepts the roster it was cut from."""

from __future__ import annotations

import dataclasses

import pytest

from solver import validate
from solver.benchmarks.curtois_qu import DATA, read_instance
from solver.decompose import solve_by_windows, window_problem
from solver.lns import solve_lns

needs_data = pytest.mark.skipif(not (DATA / "Instance2.txt").exists(),
                                reason="benchmark data not present")


@needs_data
def test_lns_returns_a_valid_roster():
    p = read_instance(DATA / "Instance5.txt", time_limit=6, workers=2).problem
    sol = solve_lns(p, explain_unfilled=False)
    assert sol.has_roster and validate(p, sol.assignments).ok
    assert sol.objective is not None and sol.objective >= sol.best_bound


@needs_data
def test_exact_window_accepts_the_roster_it_was_cut_from():
    p = read_instance(DATA / "Instance4.txt", time_limit=5, workers=2).problem
    full = solve_lns(p, explain_unfilled=False)
    roster = {(a.volunteer, a.shift) for a in full.assignments}
    days = p.days()
    for a, b in ((0, 6), (7, 13), (14, 27), (21, 27)):
        sub, candidates, incumbent = window_problem(p, roster, days[a], days[b], 7, 5)
        report = validate(sub, incumbent)
        assert report.ok, (a, b, report.violations[:3])
        assert all(candidates(sub.volunteer(x.volunteer), sub.shift(x.shift))
                   for x in incumbent)


@needs_data
def test_windows_build_and_improve_a_valid_roster():
    p = dataclasses.replace(read_instance(DATA / "Instance2.txt").problem,
                            time_limit_seconds=8)
    sol = solve_by_windows(p, window_days=7)
    assert sol.has_roster and validate(p, sol.assignments).ok
