"""One case per soft goal, checking by how much it penalises."""

from __future__ import annotations

from datetime import date

from builders import at, problem, roster, shift, solved

from solver import Assignment, AvailabilityWindow, DayRequest, Volunteer, Weights, validate


def test_coverage_costs_weight_times_priority_and_prefers_high_priority():
    w = Weights(fairness=0, travel=0, preference=0, change=0)
    # one volunteer, two overlapping shifts: the priority-5 one wins
    p = problem(
        [shift("low", priority=1), shift("high", hour=10, priority=5)], [Volunteer("a")], weights=w
    )
    sol = solved(p)
    assert roster(sol) == {("a", "high")}
    assert sol.objective_by_rule["coverage"] == w.coverage * 1
    assert validate(p, []).objective_by_rule["coverage"] == w.coverage * 6


def test_coverage_under_and_over_weights():
    p = problem(
        [shift("x", min_headcount=1, max_headcount=3, under_weight=100, over_weight=1)],
        [Volunteer("a"), Volunteer("b")],
    )
    assert validate(p, []).objective_by_rule["coverage"] == 100
    assert (
        validate(p, [Assignment("a", "x"), Assignment("b", "x")]).objective_by_rule["coverage"] == 1
    )
    assert len(solved(p).assignments) == 1


def test_skill_needs_cost_per_open_skill_seat():
    p = problem(
        [shift("x", min_headcount=2, max_headcount=2, skill_needs={"lang:en": 1, "lang:yue": 1})],
        [Volunteer("a", skills=frozenset({"lang:en", "lang:yue"})), Volunteer("b")],
    )
    sol = solved(p)
    # a can take one seat only; one skill seat stays open
    assert sol.objective_by_rule["skill_needs"] == p.weights.skill_need


def test_preferred_times_and_stations():
    windows = (
        AvailabilityWindow(at(0, 0), at(0, 12), preferred=True),
        AvailabilityWindow(at(0, 12), at(0, 24)),
    )
    v = Volunteer("a", availability=windows, preferred_stations=frozenset({"home"}))
    w = Weights(preference=7, fairness=0, travel=0, change=0)
    p = problem(
        [
            shift("liked", hour=8, station="home", min_headcount=0),
            shift("other", hour=14, station="away", min_headcount=0),
        ],
        [v],
        weights=w,
    )
    assert validate(p, [Assignment("a", "liked")]).objective_by_rule["preferences"] == 0
    assert validate(p, [Assignment("a", "other")]).objective_by_rule["preferences"] == 14
    both = problem(
        [shift("liked", hour=8, station="away"), shift("other", hour=14, station="home")],
        [v, Volunteer("b")],
        weights=w,
    )
    sol = solved(both)
    assert sol.objective_by_rule["preferences"] == 0 and ("a", "liked") not in roster(sol)


def test_day_requests_on_and_off():
    v = Volunteer("a")
    reqs = (
        DayRequest("a", date(2026, 3, 2), on=False, weight=3),
        DayRequest("a", date(2026, 3, 3), on=True, weight=2, kind="D"),
    )
    p = problem(
        [
            shift("mon", day=0, min_headcount=0, kind="D"),
            shift("tue", day=1, min_headcount=0, kind="D"),
        ],
        [v],
        requests=reqs,
    )
    assert validate(p, [Assignment("a", "mon")]).objective_by_rule["requests"] == 5
    sol = solved(p)
    assert roster(sol) == {("a", "tue")} and sol.objective == 0


def test_fairness_spreads_load_by_capacity():
    vols = [
        Volunteer("big", max_minutes_per_week=1200),
        Volunteer("small", max_minutes_per_week=240),
    ]
    w = Weights(fairness=10, travel=0, preference=0, change=0)
    p = problem([shift(d, day=d, hours=4) for d in range(3)], vols, weights=w)
    # small taking one 4 h shift is 100 % of its capacity: big should take all three (60 %)
    sol = solved(p)
    assert all(v == "big" for v, _ in roster(sol))
    assert sol.objective_by_rule["fairness"] == 10 * 60


def test_travel_costs_minutes():
    w = Weights(travel=1, fairness=0, preference=0, change=0)
    p = problem(
        [shift("x", station="port")],
        [Volunteer("near"), Volunteer("far")],
        travel_minutes={("near", "port"): 5, ("far", "port"): 25},
        weights=w,
    )
    sol = solved(p)
    assert roster(sol) == {("near", "x")} and sol.objective_by_rule["travel"] == 5


def test_changes_against_previous_roster():
    w = Weights(change=3, fairness=0, travel=0, preference=0)
    p = problem(
        [shift("x")], [Volunteer("a"), Volunteer("b")], weights=w, previous=(Assignment("b", "x"),)
    )
    sol = solved(p)
    assert roster(sol) == {("b", "x")} and sol.objective_by_rule["changes"] == 0
    assert validate(p, [Assignment("a", "x")]).objective_by_rule["changes"] == 6
