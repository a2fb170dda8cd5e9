"""The night-shift limit, the rule issue 29 added to show what one rule takes: its
field (solver/problem.py), its model rule (model/rules/night_shifts.py and the
registry), its checker (check/rules.py), its phrase for open seats (check/explain.py)
and the two JSON Schemas. Read and written by solver.io without a line of its own."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from builders import MONDAY, broken_by, problem, shift, solved

from solver import Shift, Volunteer
from solver.check.rules import VOLUNTEER_RULES, Duties
from solver.io import problem_from_dict, problem_to_dict

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_night_shift_works_between_midnight_and_six_on_its_own_clock():
    assert shift("late", hour=22, hours=4).is_night  # 22:00-02:00
    assert shift("early", hour=5, hours=4).is_night  # 05:00-09:00
    assert not shift("day", hour=6, hours=8).is_night  # from 06:00: no
    assert not shift("evening", hour=18, hours=6).is_night  # ends at midnight: no
    # 23:00 in Shanghai is 15:00 UTC: the station's clock counts, not UTC
    local = datetime(2026, 3, 2, 23, tzinfo=SHANGHAI)
    assert Shift("s", "S", local, local + timedelta(hours=3)).is_night
    assert not Shift("s", "S", local - timedelta(hours=8), local - timedelta(hours=4)).is_night


def nights(days: list[int]) -> list[Shift]:
    return [shift(f"n{d}", day=d, hour=22, hours=8) for d in days]


def test_the_checker_counts_night_shifts_in_each_iso_week_apart():
    shifts = [*nights([0, 1, 2, 7]), shift("day", day=3, hour=9)]
    v = Volunteer("v", max_night_shifts_per_week=2)
    found = list(VOLUNTEER_RULES["night_shifts"](Duties(problem(shifts, [v]), v, shifts)))
    assert [(f.rule, f.message) for f in found] == [
        ("night_shifts", f"3 night shifts in week {MONDAY.isocalendar()[1]}, max 2")
    ]
    three = Volunteer("v", max_night_shifts_per_week=3)
    assert (
        list(VOLUNTEER_RULES["night_shifts"](Duties(problem(shifts, [three]), three, shifts))) == []
    )


def test_the_solver_keeps_the_limit_and_says_why_a_night_seat_stays_open():
    v = Volunteer("a", max_night_shifts_per_week=2, min_rest_minutes=0)
    p = problem([*nights([0, 2, 4]), shift("day", day=5, hour=9)], [v])
    sol = solved(p)
    assert len(sol.assignments) == 3  # two nights and the day shift
    assert "night_shifts" in broken_by(p, [("a", "n0"), ("a", "n2"), ("a", "n4")])
    [open_seat] = sol.unfilled
    assert [(r.code, r.message) for r in open_seat.reasons] == [
        ("night_shifts", "1 volunteer is at their weekly night-shift limit")
    ]


def test_the_limit_goes_through_the_json_files():
    p = problem(nights([0]), [Volunteer("a", max_night_shifts_per_week=1)])
    data = problem_to_dict(p)
    assert data["volunteers"][0]["max_night_shifts_per_week"] == 1
    assert problem_from_dict(data).volunteers[0].max_night_shifts_per_week == 1
