"""The capacity bound: seats that no roster can fill, priced at their cheapest."""

from __future__ import annotations

from builders import options, problem, shift, solved

from solver import Volunteer
from solver.search.bound import capacity_bound
from solver.search.people import solve_by_people


def _seat(p, shift_id):
    """What one open seat of that shift costs."""
    return p.shift(shift_id).under_cover_weight(p.weights)


def _nights_for_two():
    """Three night seats (priorities 1-3) and two people who may work one night each;
    one day seat anyone may take."""
    shifts = [
        *(shift(f"n{d}", day=d, hour=20, kind="N", priority=d + 1) for d in range(3)),
        shift("d", day=3, kind="D"),
    ]
    people = [Volunteer(f"v{i}", max_shifts_per_kind={"N": 1}) for i in range(2)]
    return problem(shifts, people)


def test_a_kind_wanting_more_people_than_its_capacity_leaves_its_cheapest_seat_open():
    p = _nights_for_two()
    assert capacity_bound(p) == _seat(p, "n0")  # the cheapest of the three
    assert solved(p).objective == capacity_bound(p)


def test_the_shortfalls_of_different_kinds_add_up():
    shifts = [shift("n", day=0, hour=20, kind="N"), shift("e", day=1, kind="E")]
    p = problem(shifts, [Volunteer("v", max_shifts_per_kind={"N": 0, "E": 0})])
    assert capacity_bound(p) == _seat(p, "n") + _seat(p, "e") == solved(p).objective


def test_a_shift_without_seats_adds_nothing_to_its_kind_s_capacity():
    # v may work two nights, but only one night has seats: its second seat stays open
    shifts = [
        shift("wanted", day=0, hour=20, kind="N", min_headcount=2, max_headcount=2),
        shift("optional", day=1, hour=20, kind="N", min_headcount=0),
    ]
    p = problem(shifts, [Volunteer("v", max_shifts_per_kind={"N": 2})])
    assert capacity_bound(p) == _seat(p, "wanted") == solved(p).objective


def test_weekend_seats_beyond_the_weekend_limits_stay_open():
    shifts = [shift("sat", day=5, min_headcount=2, max_headcount=2), shift("sun", day=6)]
    p = problem(shifts, [Volunteer("a", max_weekends=1), Volunteer("b", max_weekends=0)])
    # a can give one weekend, both days of it: three seats, two people-days
    assert capacity_bound(p) == _seat(p, "sun") == solved(p).objective


def test_minutes_beyond_everyone_s_total_stay_open():
    shifts = [shift(f"s{d}", day=d, hours=4) for d in range(3)]  # 720 minutes wanted
    p = problem(shifts, [Volunteer("v", max_total_minutes=480)])
    assert capacity_bound(p) == _seat(p, "s0") == solved(p).objective


def test_without_a_shortfall_the_bound_is_zero():
    shifts = [shift("n", day=0, hour=20, kind="N"), shift("sat", day=5)]
    people = [Volunteer("v", max_shifts_per_kind={"N": 1}, max_weekends=1, max_total_minutes=480)]
    assert capacity_bound(problem(shifts, people)) == 0


def test_the_people_search_stops_once_it_reaches_the_bound_and_says_so():
    p = _nights_for_two()
    settings = options()
    sol = solve_by_people(p, settings)
    assert sol.status == "OPTIMAL"
    assert sol.objective == sol.best_bound == capacity_bound(p)
    assert sol.gap == 0.0
    assert all(point.bound == capacity_bound(p) for point in sol.progress)
    assert sol.wall_seconds < settings.time_limit_seconds / 2  # it did not search on to the limit
