"""One test per rule of check.rules: each checker on fixed assignments, no solve.

Each says which duties break its rule and by how much (the message), and that the
same duties within the limit break nothing. The full solves that prove the model
keeps each rule are in test_hard_rules.py and test_properties.py.
"""

from datetime import date

from builders import MONDAY, Volunteer, problem, shift

from solver.check.rules import VOLUNTEER_RULES, Duties, Violation
from solver.problem import FixedDuty


def broken(rule: str, volunteer: Volunteer, shifts, **problem_fields) -> list[Violation]:
    """What the rule's checker says of `volunteer` working exactly `shifts`."""
    p = problem(shifts, [volunteer], **problem_fields)
    return list(VOLUNTEER_RULES[rule](Duties(p, volunteer, shifts)))


def messages(found: list[Violation]) -> list[str]:
    return [v.message for v in found]


def test_no_overlap_names_the_later_of_two_overlapping_shifts():
    a, b, c = shift("a", hour=9, hours=4), shift("b", hour=12, hours=4), shift("c", hour=16)
    found = broken("no_overlap", Volunteer("v"), [c, b, a])
    assert [(v.rule, v.shift) for v in found] == [("no_overlap", "b")]
    assert messages(found) == ["'a' overlaps 'b'"]


def test_minimum_rest_says_how_short_the_rest_is():
    night, morning = shift("night", day=0, hour=18, hours=6), shift("morning", day=1, hour=6)
    found = broken("minimum_rest", Volunteer("v", min_rest_minutes=11 * 60), [night, morning])
    assert messages(found) == ["only 360 min rest between 'night' and 'morning', needs 660"]
    assert found[0].shift == "morning"
    assert broken("minimum_rest", Volunteer("v", min_rest_minutes=6 * 60), [night, morning]) == []


def test_minimum_rest_leaves_overlaps_to_no_overlap():
    both = [shift("a", hour=9, hours=4), shift("b", hour=10)]
    assert broken("minimum_rest", Volunteer("v", min_rest_minutes=600), both) == []


def test_shifts_per_day_counts_a_day():
    three = [shift(i, hour=6 + 5 * i, hours=4) for i in range(3)]
    found = broken("shifts_per_day", Volunteer("v", max_shifts_per_day=2), three)
    assert messages(found) == ["3 shifts on Mon 2026-03-02, max 2"]
    assert broken("shifts_per_day", Volunteer("v", max_shifts_per_day=3), three) == []


def test_weekly_hours_counts_each_iso_week_apart():
    # 5 x 4 h in the first week, 2 x 4 h in the next
    shifts = [shift(d, day=d) for d in (0, 1, 2, 3, 4, 7, 8)]
    found = broken("weekly_hours", Volunteer("v", max_minutes_per_week=16 * 60), shifts)
    assert messages(found) == ["1200 min in week 10, max 960"]
    assert broken("weekly_hours", Volunteer("v", max_minutes_per_week=20 * 60), shifts) == []


def test_weekly_shifts_counts_each_iso_week_apart():
    shifts = [shift(d, day=d) for d in (0, 1, 2, 7, 8, 9, 10)]
    found = broken("weekly_shifts", Volunteer("v", max_shifts_per_week=3), shifts)
    assert messages(found) == ["4 shifts in week 11, max 3"]


def test_total_minutes_has_a_floor_and_a_ceiling():
    two = [shift("a", day=0), shift("b", day=1)]
    too_much = broken("total_minutes", Volunteer("v", max_total_minutes=300), two)
    too_little = broken("total_minutes", Volunteer("v", min_total_minutes=600), two)
    assert messages(too_much) == ["480 min in total, max 300"]
    assert messages(too_little) == ["480 min in total, min 600"]
    assert broken("total_minutes", Volunteer("v", min_total_minutes=0), []) == []


def test_shift_kind_counts_the_shifts_of_one_kind():
    nights = [shift(d, day=d, hour=22, kind="N") for d in range(3)]
    found = broken("shift_kind", Volunteer("v", max_shifts_per_kind={"N": 2}), nights)
    assert messages(found) == ["3 N shifts, max 2"]
    assert broken("shift_kind", Volunteer("v", max_shifts_per_kind={"D": 0}), nights) == []


def test_succession_forbids_a_kind_the_day_after_another():
    late, early = shift("late", day=0, hour=15, kind="L"), shift("early", day=1, hour=7, kind="E")
    found = broken(
        "succession", Volunteer("v"), [late, early], forbidden_successions=frozenset({("L", "E")})
    )
    assert messages(found) == ["E on Tue 2026-03-03 may not follow L"]
    assert found[0].shift == "early"
    assert broken("succession", Volunteer("v"), [late, early]) == []


def test_consecutive_days_counts_fixed_duties_outside_the_roster():
    fixed = FixedDuty(MONDAY.replace(day=1, hour=9), MONDAY.replace(day=1, hour=13))  # Sunday
    days = [shift(d, day=d) for d in range(3)]  # Monday to Wednesday
    volunteer = Volunteer("v", max_consecutive_days=3, fixed_duties=(fixed,))
    found = broken("consecutive_days", volunteer, days)
    assert messages(found) == ["4 days in a row from Sun 2026-03-01, max 3"]
    assert broken("consecutive_days", Volunteer("v", max_consecutive_days=3), days) == []


def test_min_consecutive_days_exempts_runs_at_the_ends_of_the_horizon():
    horizon = {"first_day": date(2026, 3, 2), "last_day": date(2026, 3, 8)}
    lone = [shift("lone", day=3)]  # a single working Thursday inside the week
    volunteer = Volunteer("v", min_consecutive_days=2)
    found = broken("min_consecutive_days", volunteer, lone, **horizon)
    assert messages(found) == ["1 working days in a row from Thu 2026-03-05, min 2"]
    assert broken("min_consecutive_days", volunteer, [shift("first", day=0)], **horizon) == []


def test_min_consecutive_days_off_counts_a_short_break():
    horizon = {"first_day": date(2026, 3, 2), "last_day": date(2026, 3, 8)}
    worked = [shift(d, day=d) for d in (0, 1, 3, 4, 5, 6)]  # Wednesday off alone
    volunteer = Volunteer("v", min_consecutive_days_off=2)
    found = broken("min_consecutive_days_off", volunteer, worked, **horizon)
    assert [v.rule for v in found] == ["consecutive_days_off"]
    assert messages(found) == ["1 days off in a row from Wed 2026-03-04, min 2"]


def test_weekends_counts_weekends_not_days():
    weekend_days = [shift(d, day=d) for d in (5, 6, 12)]  # Sat+Sun, then the next Sat
    found = broken("weekends", Volunteer("v", max_weekends=1), weekend_days)
    assert messages(found) == ["2 weekends worked, max 1"]
    assert broken("weekends", Volunteer("v", max_weekends=2), weekend_days) == []


def test_a_volunteer_without_limits_breaks_no_rule_of_their_own():
    crowded = [shift(i, day=i // 3, hour=8 + 5 * (i % 3), hours=4) for i in range(21)]
    p = problem(crowded, [Volunteer("v")])
    assert [
        found
        for check in VOLUNTEER_RULES.values()
        for found in check(Duties(p, p.volunteers[0], crowded))
    ] == []
