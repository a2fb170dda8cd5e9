"""LNS and the decompositions (time windows, volunteers): they return validated
rosters, and a sub-problem cut from a roster accepts that roster."""

from __future__ import annotations

import random
import time

import pytest
from builders import options, problem, shift
from ortools.sat.python import cp_model

from solver import Assignment, SolveOptions, Volunteer, validate
from solver.benchmarks.curtois_qu import DATA, read_instance
from solver.model.build import build_model
from solver.search.cpsat import complete_hint
from solver.search.lns import solve_lns
from solver.search.methods import method_for
from solver.search.neighbourhoods import (
    OPEN_SEAT_WINDOWS,
    Layout,
    model_neighbourhood,
    open_seat,
    window_start,
    with_time_to_spare,
)
from solver.search.people import build, solve_by_people
from solver.search.scarcity import Scarcity
from solver.search.subproblems import people_problem, window_problem

needs_data = pytest.mark.skipif(
    not (DATA / "Instance2.txt").exists(), reason="benchmark data not present"
)


@needs_data
def test_lns_returns_a_valid_roster(capsys):
    p = read_instance(DATA / "Instance5.txt").problem
    # small enough for CP-SAT alone by default: a first share below 1 forces the LNS loop
    settings = SolveOptions(time_limit_seconds=6, workers=2, log=True)
    sol = solve_lns(p, settings, explain_unfilled=False, first_share=0.3)
    assert sol.has_roster and validate(p, sol.assignments).ok
    assert sol.objective is not None and sol.objective >= sol.best_bound
    # each kind of neighbourhood drawn is counted; days is drawn most (twice as often)
    tries = {s.kind: s.tries for s in sol.neighbourhoods}
    assert set(tries) <= {"days", "people", "seat", "block"} and tries["days"] > 0
    assert all(0 <= s.improvements <= s.tries and s.seconds >= 0 for s in sol.neighbourhoods)
    # with log=True (--verbose) the same table is printed
    printed = capsys.readouterr().err
    assert f"  days: {tries['days']} tries" in printed


def test_seat_neighbourhood_frees_the_people_who_could_fill_an_open_seat():
    vols = [
        Volunteer(id=f"v{i}", skills=frozenset({"nurse"} if i < 2 else set())) for i in range(4)
    ]
    p = problem(
        [
            shift("open", min_headcount=1, required_skills=frozenset({"nurse"})),
            shift("full", hour=14, min_headcount=1),
        ],
        vols,
    )
    keys = [(vi, si) for vi in range(4) for si in range(2) if si == 1 or vi < 2]
    rng = random.Random(0)
    assert open_seat(p, [0, 1], rng) == 0  # only "full" is staffed
    layout = Layout(keys, [0] * len(keys), 1, 4)
    free = model_neighbourhood(rng, "seat", layout, size=3, able=[0, 1])
    assert {keys[i][0] for i in free} == {0, 1}  # both nurses, over all their shifts


@needs_data
def test_exact_window_accepts_the_roster_it_was_cut_from():
    p = read_instance(DATA / "Instance4.txt").problem
    full = solve_lns(p, SolveOptions(time_limit_seconds=5, workers=2), explain_unfilled=False)
    roster = {(a.volunteer, a.shift) for a in full.assignments}
    days = p.days()
    # every start, so windows begin and end on every weekday (weekends cut in two)
    for width in (2, 7):
        for a in range(len(days) - width + 1):
            sub, candidates, incumbent = window_problem(p, roster, days[a], days[a + width - 1], 7)
            report = validate(sub, incumbent)
            assert report.ok, (a, width, report.violations[:3])
            assert all(
                candidates(sub.volunteer(x.volunteer), sub.shift(x.shift)) for x in incumbent
            )


@needs_data
def test_people_problem_differs_from_the_whole_by_a_constant():
    p = read_instance(DATA / "Instance4.txt").problem
    full = solve_lns(p, SolveOptions(time_limit_seconds=5, workers=2), explain_unfilled=False)
    roster = {(a.volunteer, a.shift) for a in full.assignments}
    rng = random.Random(1)
    people = [v.id for v in p.volunteers]
    free = set(rng.sample(people, 3))
    sub, incumbent = people_problem(p, roster, free)
    assert {v.id for v in sub.volunteers} == free and validate(sub, incumbent).ok
    # move one freed volunteer off one shift: both objectives change by the same amount
    dropped = incumbent[0]
    smaller = roster - {(dropped.volunteer, dropped.shift)}
    whole_delta = (
        validate(p, [Assignment(*x) for x in smaller]).objective
        - validate(p, [Assignment(*x) for x in roster]).objective
    )
    sub_delta = validate(sub, incumbent[1:]).objective - validate(sub, incumbent).objective
    assert whole_delta == sub_delta != 0


def test_people_problem_leaves_the_seats_others_hold():
    shifts = [
        shift("s", min_headcount=2, max_headcount=3, skill_needs={"en": 1}),
        shift("full", day=1, min_headcount=1, max_headcount=1),
    ]
    volunteers = [Volunteer("a", skills={"en"}), Volunteer("b"), Volunteer("c")]
    p = problem(shifts, volunteers)
    sub, incumbent = people_problem(p, {("a", "s"), ("b", "full"), ("c", "s")}, {"c"})
    assert [v.id for v in sub.volunteers] == ["c"]
    assert incumbent == [Assignment("c", "s")]
    only = sub.shifts[0]  # "full" is gone: nobody freed can join it
    assert len(sub.shifts) == 1 and only.id == "s"
    assert (only.min_headcount, only.max_headcount, dict(only.skill_needs)) == (1, 2, {})


@needs_data
def test_people_decomposition_builds_and_improves_a_valid_roster():
    p = read_instance(DATA / "Instance14.txt").problem
    points = []
    sol = solve_by_people(p, SolveOptions(time_limit_seconds=10, on_progress=points.append))
    assert sol.has_roster and validate(p, sol.assignments).ok
    assert sum(s.tries for s in sol.neighbourhoods) > 0
    objectives = [x.objective for x in points]
    assert objectives == sorted(objectives, reverse=True) and objectives[-1] == sol.objective


@needs_data
@pytest.mark.parametrize(
    ("number", "method"),
    [(1, "cp-sat+runs"), (7, "cp-sat+runs"), (8, "cp-sat+lns"), (12, "people")],
)
def test_the_search_is_picked_by_size(number, method):
    assert method_for(read_instance(DATA / f"Instance{number}.txt").problem) == method


def _weekday_or_weekend():
    """a may take one shift, Monday's or Saturday's; b may not work weekends."""
    return problem(
        [shift("mon", day=0), shift("sat", day=5)],
        [Volunteer("a", max_shifts_per_week=1), Volunteer("b", max_weekends=0)],
    )


def test_scarcity_raises_the_weight_of_seats_few_others_can_take():
    p = _weekday_or_weekend()
    scarcity = Scarcity(p)
    sub, _ = people_problem(p, set(), {"a"})
    weights = {s.id: s.under_weight for s in scarcity.weigh(sub).shifts}
    # one weekend seat, and a's one weekend shift is all anyone can give it: doubled
    assert weights == {"mon": None, "sat": 2 * p.weights.coverage * p.shift("sat").priority}
    scarcity.planned("a")
    sub, _ = people_problem(p, {("a", "sat")}, {"b"})
    assert [s.under_weight for s in scarcity.weigh(sub).shifts] == [None]


@pytest.mark.parametrize("seed", range(4))  # both orders of a and b come up
def test_the_volunteer_by_volunteer_build_leaves_a_scarce_seat_to_no_one(seed):
    p = _weekday_or_weekend()
    until = time.perf_counter()
    rng = random.Random(seed)
    roster = build(
        p,
        ["a", "b"],
        Scarcity(p),
        options(),
        rng,
        build_until=until + 5,
        deadline=until + 10,
        log=None,
    )
    assert roster == {("a", "sat"), ("b", "mon")}


def test_lns_windows_mostly_hold_the_day_of_an_open_seat():
    rng = random.Random(0)
    starts = [window_start(rng, 28, 7, 20) for _ in range(1000)]
    assert all(0 <= a <= 21 for a in starts)
    holding = sum(a <= 20 < a + 7 for a in starts) / len(starts)
    assert OPEN_SEAT_WINDOWS <= holding < 1  # the rest anywhere, some of them too
    anywhere = {window_start(rng, 28, 7, None) for _ in range(1000)}
    assert anywhere == set(range(22))


def _two_volunteers_three_days():
    shifts = [shift(f"d{d}", day=d, min_headcount=1, max_headcount=2) for d in range(3)]
    vols = [Volunteer(id=f"v{i}", max_consecutive_days=2, max_shifts_per_week=2) for i in range(2)]
    return problem(shifts, vols)


def test_a_hint_on_the_assignments_is_completed_to_every_variable():
    p = _two_volunteers_three_days()
    hinted = {Assignment("v0", "d0"), Assignment("v0", "d1"), Assignment("v1", "d2")}
    built = build_model(p)
    built.variables.hint(hinted)
    assert len(built.model.proto.solution_hint.vars) < len(built.model.proto.variables)
    assert complete_hint(built.model, time_limit=5)
    assert sorted(built.model.proto.solution_hint.vars) == list(
        range(len(built.model.proto.variables))
    )
    # held to the completed hint, CP-SAT finds exactly the hinted roster feasible
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    assert solver.solve(built.model) == cp_model.OPTIMAL
    assert set(built.variables.extract(solver)) == hinted


def test_a_hint_that_breaks_a_rule_is_left_as_it_was():
    p = _two_volunteers_three_days()
    built = build_model(p)
    built.variables.hint([Assignment("v0", f"d{d}") for d in range(3)])  # 3 days in a row
    before = list(built.model.proto.solution_hint.vars)
    assert not complete_hint(built.model, time_limit=5)
    assert list(built.model.proto.solution_hint.vars) == before


def test_seat_neighbourhood_draws_on_the_volunteers_with_time_to_spare():
    vols = [Volunteer(id=f"v{i}", max_total_minutes=240) for i in range(4)]
    p = problem([shift(f"s{i}", day=i) for i in range(4)], vols)
    keys = [(vi, si) for vi in range(4) for si in range(4)]
    values = [vi == si and vi != 2 for vi, si in keys]  # v2 works nothing, s2 is open
    assert with_time_to_spare(p, keys, values) == [2]
    rng = random.Random(0)
    layout = Layout(keys, [si for _, si in keys], 4, 4)
    for _ in range(20):  # room for two people: one with time to spare, one taker
        free = model_neighbourhood(rng, "seat", layout, size=8, able=[0, 1], spare=[2])
        people = {keys[i][0] for i in free}
        assert 2 in people and len(people & {0, 1}) == 1
