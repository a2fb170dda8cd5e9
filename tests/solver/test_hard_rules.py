"""One small case per hard rule: the solver keeps it, and the validator catches a
roster that breaks it."""

from __future__ import annotations

from datetime import date

import pytest
from builders import at, broken_by, options, problem, roster, shift, solved

from solver import Assignment, AvailabilityWindow, FixedDuty, Volunteer, solve


def test_availability_window_holds_and_breaks():
    v = Volunteer("a", availability=(AvailabilityWindow(at(0, 8), at(0, 14)),))
    p = problem([shift("in", hour=9), shift("out", hour=15)], [v])
    assert roster(solved(p)) == {("a", "in")}
    assert "availability" in broken_by(p, [("a", "out")])


def test_unavailable_date_holds_and_breaks():
    v = Volunteer("a", unavailable_dates=frozenset({date(2026, 3, 2)}))
    p = problem([shift("mon", day=0), shift("tue", day=1)], [v])
    assert roster(solved(p)) == {("a", "tue")}
    assert "availability" in broken_by(p, [("a", "mon")])


def test_no_overlap():
    p = problem([shift("x", hour=9, hours=4), shift("y", hour=12, hours=4)], [Volunteer("a")])
    assert len(solved(p).assignments) == 1
    assert "no_overlap" in broken_by(p, [("a", "x"), ("a", "y")])
    assert not broken_by(
        problem([shift("x", hour=9), shift("y", hour=13)], [Volunteer("a")]),
        [("a", "x"), ("a", "y")],
    )  # touching is fine


def test_minimum_rest():
    v = Volunteer("a", min_rest_minutes=600)
    p = problem([shift("x", hour=9), shift("y", hour=20)], [v])  # 7 h gap
    assert len(solved(p).assignments) == 1
    assert "minimum_rest" in broken_by(p, [("a", "x"), ("a", "y")])
    p2 = problem([shift("x", hour=9), shift("y", day=1, hour=9)], [v])  # 20 h gap
    assert len(solved(p2).assignments) == 2


def test_a_fixed_duty_outside_the_problem_blocks_overlap_and_rest():
    """A Sunday night duty of the week before (fixed) and Monday's shifts of this one."""
    night = FixedDuty(at(-1, 22), at(0, 6))
    v = Volunteer("a", min_rest_minutes=600, fixed_duties=(night,))
    p = problem([shift("early", hour=5), shift("morning", hour=9), shift("noon", hour=16)], [v])
    assert roster(solved(p)) == {("a", "noon")}  # 10 h after 06:00
    assert broken_by(p, [("a", "early")]) == {"no_overlap"}
    assert broken_by(p, [("a", "morning")]) == {"minimum_rest"}
    reasons = [r.code for seat in solved(p).unfilled for r in seat.reasons]
    assert {"no_overlap", "minimum_rest"} <= set(reasons)
    # after the horizon too: a duty on the Monday after this problem's Sunday
    after = Volunteer("b", fixed_duties=(FixedDuty(at(7, 8), at(7, 12)),))
    assert broken_by(
        problem([shift("sun", day=6, hour=20, hours=13)], [after]), [("b", "sun")]
    ) == {"no_overlap"}


def test_max_consecutive_days_counts_fixed_duty_days_before_the_horizon():
    fixed = tuple(FixedDuty(at(d, 9), at(d, 13)) for d in (-3, -2, -1))  # Fri-Sun before
    v = Volunteer("a", max_consecutive_days=4, fixed_duties=fixed)
    p = problem([shift(d, day=d) for d in range(3)], [v])
    # Friday to Monday is four days already: of Monday and Tuesday one stays off
    taken = roster(solved(p))
    assert len(taken) == 2 and {("a", 0), ("a", 1)} - taken
    assert broken_by(p, [("a", 0), ("a", 1)]) == {"consecutive_days"}
    # a run of fixed duties alone breaking the limit is not this roster's fault
    tired = Volunteer("b", max_consecutive_days=2, fixed_duties=fixed)
    assert broken_by(problem([shift(0, day=1)], [tired]), [("b", 0)]) == set()
    assert roster(solved(problem([shift(0, day=0), shift(1, day=1)], [tired]))) == {("b", 1)}


def test_weekly_hours():
    v = Volunteer("a", max_minutes_per_week=8 * 60)
    p = problem([shift(i, day=i, hours=4) for i in range(3)], [v])
    assert len(solved(p).assignments) == 2
    assert "weekly_hours" in broken_by(p, [("a", 0), ("a", 1), ("a", 2)])
    # another ISO week has its own budget
    p2 = problem([shift(i, day=4 * i, hours=4) for i in range(3)], [v])
    assert len(solved(p2, method="cp-sat").assignments) == 3  # 9 days: named, not "auto"


def test_weekly_shifts():
    v = Volunteer("a", max_shifts_per_week=1)
    p = problem([shift(0, day=0), shift(1, day=2)], [v])
    assert len(solved(p).assignments) == 1
    assert "weekly_shifts" in broken_by(p, [("a", 0), ("a", 1)])


def test_max_consecutive_days():
    v = Volunteer("a", max_consecutive_days=2)
    p = problem([shift(d, day=d) for d in range(3)], [v])
    assert len(solved(p).assignments) == 2
    assert "consecutive_days" in broken_by(p, [("a", 0), ("a", 1), ("a", 2)])


def test_max_headcount():
    p = problem([shift("x", min_headcount=1, max_headcount=1)], [Volunteer("a"), Volunteer("b")])
    assert len(solved(p).assignments) == 1
    assert "max_headcount" in broken_by(p, [("a", "x"), ("b", "x")])


def test_required_skills():
    p = problem(
        [shift("x", required_skills=frozenset({"first_aid"}))],
        [Volunteer("a"), Volunteer("b", skills=frozenset({"first_aid"}))],
    )
    assert roster(solved(p)) == {("b", "x")}
    assert "skills" in broken_by(p, [("a", "x")])


def test_skill_seat_only_taken_by_holder():
    # two seats, one needs lang:en; only b speaks it, so the en seat stays open
    # if b cannot come, and a alone does not fill it
    p = problem(
        [shift("x", min_headcount=2, max_headcount=2, skill_needs={"lang:en": 1})],
        [Volunteer("a"), Volunteer("b", skills=frozenset({"lang:en"}))],
    )
    sol = solved(p)
    assert sol.objective_by_rule["skill_needs"] == 0
    only_a = problem(
        p.shifts,
        [Volunteer("a"), Volunteer("b", skills=frozenset({"lang:en"}), max_shifts_per_week=0)],
    )
    sol = solved(only_a)
    assert sol.objective_by_rule["skill_needs"] == only_a.weights.skill_need


def test_pinned():
    p = problem(
        [shift("x"), shift("y", hour=20)],
        [Volunteer("a", max_shifts_per_week=1)],
        pinned=(Assignment("a", "y"),),
    )
    assert roster(solved(p)) == {("a", "y")}
    assert "pinned" in broken_by(p, [("a", "x")])


def test_pinned_against_a_hard_rule_is_refused():
    v = Volunteer("a", unavailable_dates=frozenset({date(2026, 3, 2)}))
    with pytest.raises(ValueError, match="pinned"):
        solve(problem([shift("x")], [v], pinned=(Assignment("a", "x"),)), options())


def test_forbidden():
    p = problem([shift("x")], [Volunteer("a"), Volunteer("b")], forbidden=(Assignment("a", "x"),))
    assert roster(solved(p)) == {("b", "x")}
    assert "forbidden" in broken_by(p, [("a", "x")])


def test_travel_limit():
    vols = [Volunteer("near", max_travel_minutes=15), Volunteer("far", max_travel_minutes=15)]
    p = problem(
        [shift("x", min_headcount=2, max_headcount=2, station="port")],
        vols,
        travel_minutes={("near", "port"): 10, ("far", "port"): 40},
    )
    assert roster(solved(p)) == {("near", "x")}
    assert "travel_limit" in broken_by(p, [("far", "x")])


def test_shifts_per_day():
    v = Volunteer("a", max_shifts_per_day=1)
    p = problem([shift("am", hour=6), shift("pm", hour=16)], [v])
    assert len(solved(p).assignments) == 1
    assert "shifts_per_day" in broken_by(p, [("a", "am"), ("a", "pm")])


def test_total_minutes_max_and_min():
    v = Volunteer("a", max_total_minutes=480)
    p = problem([shift(d, day=d, hours=4) for d in range(3)], [v])
    assert len(solved(p).assignments) == 2
    assert "total_minutes" in broken_by(p, [("a", 0), ("a", 1), ("a", 2)])
    # a minimum forces work even where nobody asks for it
    lazy = Volunteer("a", min_total_minutes=480)
    p2 = problem([shift(d, day=d, hours=4, min_headcount=0) for d in range(3)], [lazy])
    assert len(solved(p2).assignments) >= 2
    assert "total_minutes" in broken_by(p2, [("a", 0)])
    assert "total_minutes" in broken_by(p2, [])  # working nothing is below it too


def test_a_minimum_total_nobody_can_reach_leaves_no_roster():
    # 4 hours on offer, 10 required: the empty roster breaks the minimum, so there is
    # no roster to return (the greedy fallback used to come back as FEASIBLE)
    p = problem([shift("x")], [Volunteer("a", min_total_minutes=600)])
    sol = solve(p, options())
    assert sol.status == "INFEASIBLE" and not sol.has_roster and not sol.assignments


def test_shift_kind_limit_and_missing_kind():
    v = Volunteer("a", max_shifts_per_kind={"night": 1, "day": 0})
    p = problem(
        [shift(d, day=d, kind="night") for d in range(2)] + [shift("d", day=3, kind="day")], [v]
    )
    assert len(solved(p).assignments) == 1
    assert "shift_kind" in broken_by(p, [("a", 0), ("a", 1)])
    assert "shift_kind" in broken_by(p, [("a", "d")])


def test_forbidden_succession():
    shifts = [shift("n0", day=0, hour=22, hours=8, kind="N"), shift("d1", day=1, hour=12, kind="D")]
    p = problem(shifts, [Volunteer("a")], forbidden_successions={("N", "D")})
    assert len(solved(p).assignments) == 1
    assert "succession" in broken_by(p, [("a", "n0"), ("a", "d1")])
    p2 = problem(shifts, [Volunteer("a")])
    assert len(solved(p2).assignments) == 2


def test_min_consecutive_days_exempts_runs_at_the_horizon_ends():
    v = Volunteer("a", min_consecutive_days=2)
    days = [shift(d, day=d, min_headcount=0) for d in range(5)]
    p = problem(days, [v])
    assert "consecutive_days" in broken_by(p, [("a", 2)])  # lone day in the middle
    assert not broken_by(p, [("a", 0)])  # run touching day 0 is exempt
    assert not broken_by(p, [("a", 4)])  # run touching the last day is exempt
    # solver: wants day 2 only (min_headcount 1) -> must add a neighbour day
    want = [shift(d, day=d, min_headcount=int(d == 2), over_weight=1) for d in range(5)]
    sol = solved(problem(want, [v]))
    assert len(sol.assignments) == 2 and ("a", 2) in roster(sol)


def test_min_consecutive_days_off():
    v = Volunteer("a", min_consecutive_days_off=2)
    p = problem([shift(d, day=d, min_headcount=1) for d in range(5)], [v])
    assert "consecutive_days_off" in broken_by(p, [("a", 0), ("a", 1), ("a", 3), ("a", 4)])
    assert not broken_by(p, [("a", 0), ("a", 1), ("a", 2), ("a", 3)])  # off run at the end
    # day 2 is off anyway; a lone day off inside the horizon is not allowed, so a
    # second day next to it must go too: 3 of 5 days worked
    v2 = Volunteer("a", min_consecutive_days_off=2, unavailable_dates=frozenset({date(2026, 3, 4)}))
    sol = solved(problem(p.shifts, [v2]))
    assert len(sol.assignments) == 3


def test_max_weekends():
    v = Volunteer("a", max_weekends=1)
    sat, sun, next_sat = shift("sat", day=5), shift("sun", day=6), shift("sat2", day=12)
    p = problem([sat, sun, next_sat], [v])
    # one whole weekend; plain CP-SAT named, as "auto" would take another search for 8 days
    assert len(solved(p, method="cp-sat").assignments) == 2
    assert "weekends" in broken_by(p, [("a", "sat"), ("a", "sat2")])
    assert not broken_by(p, [("a", "sat"), ("a", "sun")])
