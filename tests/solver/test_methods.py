"""Which search "auto" runs (solver.search.methods.method_for)."""

from datetime import timedelta

from builders import MONDAY, problem, shift

from solver import Volunteer
from solver.search.methods import method_for


def test_a_week_of_shifts_is_one_cp_sat_run_whatever_the_days_of_context_around_it():
    volunteers = [Volunteer(id=i) for i in range(80)]  # too many for "cp-sat+runs"
    week = [shift(f"s{d}", day=d) for d in range(7)]
    padded = problem(
        week,
        volunteers,
        first_day=(MONDAY - timedelta(days=1)).date(),
        last_day=(MONDAY + timedelta(days=7)).date(),
    )
    assert len(padded.days()) == 9 and method_for(padded) == "cp-sat"
    eight_days = problem([*week, shift("s7", day=7)], volunteers)
    assert method_for(eight_days) == "cp-sat+lns"
