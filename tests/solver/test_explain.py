"""One case per explanation reason: the reason appears, with a true, specific message."""

from __future__ import annotations

from datetime import date

import pytest
from builders import at, problem, shift, solved

from solver import Assignment, AvailabilityWindow, Reason, Volunteer, Weights


def reasons(p, shift_id, skill=None):
    sol = solved(p)
    seats = [u for u in sol.unfilled if u.shift == shift_id and u.skill == skill]
    assert seats, f"no unfilled seat for {shift_id}"
    return {r.code: r.message for r in seats[0].reasons}


def test_nobody_available():
    away = (AvailabilityWindow(at(0, 8), at(0, 12)),)
    p = problem(
        [shift("sat", day=5, hour=6)],
        [Volunteer("a", availability=away), Volunteer("b", availability=away)],
    )
    assert reasons(p, "sat") == {"availability": "nobody available Sat 06:00-10:00"}


def test_unavailable_on_the_date():
    p = problem([shift("x")], [Volunteer("a", unavailable_dates=frozenset({date(2026, 3, 2)}))])
    assert reasons(p, "x") == {"unavailable_date": "1 volunteer is unavailable on Mon 2026-03-02"}


def test_missing_required_skill():
    p = problem(
        [shift("x", required_skills=frozenset({"first_aid"}))], [Volunteer("a"), Volunteer("b")]
    )
    assert reasons(p, "x") == {"skills": "2 volunteers lack the required skill first_aid"}


def test_skill_holders_all_at_weekly_hour_limit():
    busy = [
        Volunteer(f"en{i}", skills=frozenset({"lang:en"}), max_minutes_per_week=240)
        for i in range(3)
    ]
    shifts = [shift(f"other{i}", day=1) for i in range(3)] + [
        shift("x", day=3, min_headcount=1, skill_needs={"lang:en": 1})
    ]
    p = problem(
        shifts,
        [*busy, Volunteer("plain")],
        pinned=tuple(Assignment(f"en{i}", f"other{i}") for i in range(3)),
    )
    got = reasons(p, "x", skill="lang:en")
    assert got == {
        "weekly_hours": "3 volunteers have lang:en; all 3 are at their weekly hour limit"
    }


def test_nobody_has_the_skill():
    p = problem([shift("x", skill_needs={"lang:yue": 1})], [Volunteer("a")])
    assert reasons(p, "x", skill="lang:yue") == {"no_skill_holder": "nobody else has lang:yue"}


def test_candidates_too_far_away():
    vols = [Volunteer(i, max_travel_minutes=15) for i in ("a", "b")]
    p = problem(
        [shift("x", station="port")], vols, travel_minutes={("a", "port"): 20, ("b", "port"): 40}
    )
    assert reasons(p, "x") == {"travel_limit": "2 volunteers live more than 15 minutes away"}


@pytest.mark.parametrize(
    ("volunteer", "other", "code", "message"),
    [
        (Volunteer("a"), shift("o", hour=10), "no_overlap", "already works an overlapping shift"),
        (
            Volunteer("a", min_rest_minutes=600),
            shift("o", hour=15),
            "minimum_rest",
            "would not get their minimum rest between shifts",
        ),
        (
            Volunteer("a", max_shifts_per_week=1),
            shift("o", day=2),
            "weekly_shifts",
            "is at their weekly shift limit",
        ),
        (
            Volunteer("a", max_total_minutes=240),
            shift("o", day=2),
            "total_minutes",
            "is at their total-hours limit",
        ),
        (
            Volunteer("a", max_shifts_per_day=1),
            shift("o", hour=20),
            "shifts_per_day",
            "already works their maximum shifts that day",
        ),
        (
            Volunteer("a", max_consecutive_days=1),
            shift("o", day=1),
            "consecutive_days",
            "would break their consecutive working-day limits",
        ),
        (Volunteer("a", max_weekends=0), None, "weekends", "is at their weekend limit"),
    ],
)
def test_limits_of_someone_already_busy(volunteer, other, code, message):
    x = shift("x", day=5 if other is None else 0)
    shifts = [x] + ([other] if other else [])
    pinned = (Assignment("a", "o"),) if other else ()
    got = reasons(problem(shifts, [volunteer], pinned=pinned), "x")
    got.pop("capacity", None)  # the weekend case has one too: see the test below
    assert got == {code: f"1 volunteer {message}"}


def test_weekend_seats_beyond_what_weekend_limits_allow():
    p = problem(
        [shift("sat", day=5), shift("sun", day=6), shift("next_sat", day=12)],
        [Volunteer("a", max_weekends=1), Volunteer("b", max_weekends=0)],
    )
    sol = solved(p, method="cp-sat")  # 8 days: named, as "auto" would take another search
    message = (
        "weekend shifts need 3 people in all; the 2 volunteers who may work them can take 2 at most"
    )
    assert len(sol.unfilled) == 1
    assert sol.unfilled[0].reasons[0] == Reason("capacity", message)


def test_forbidden_succession_and_kind_and_coordinator_ban():
    n = shift("n", day=0, hour=22, hours=8, kind="N")
    d = shift("d", day=1, hour=12, kind="D")
    p = problem(
        [n, d], [Volunteer("a")], forbidden_successions={("N", "D")}, pinned=(Assignment("a", "n"),)
    )
    assert set(reasons(p, "d")) == {"succession"}
    p2 = problem([d], [Volunteer("a", max_shifts_per_kind={"D": 0})])
    assert reasons(p2, "d") == {"shift_kind": "1 volunteer may not work D shifts"}
    p3 = problem([d], [Volunteer("a")], forbidden=(Assignment("a", "d"),))
    assert set(reasons(p3, "d")) == {"forbidden"}


def test_shift_full_of_people_without_the_skill():
    p = problem(
        [shift("x", skill_needs={"lang:en": 1})],
        [Volunteer("a"), Volunteer("b", skills=frozenset({"lang:en"}))],
        pinned=(Assignment("a", "x"),),
    )
    got = reasons(p, "x", skill="lang:en")
    assert got == {
        "full": "1 volunteer has lang:en; they could not be added: the shift is at "
        "its max headcount"
    }


def test_free_candidate_when_coverage_costs_nothing():
    p = problem(
        [shift("x", under_weight=0)],
        [Volunteer("a")],
        weights=Weights(fairness=0, travel=0, preference=0, change=0),
    )
    assert reasons(p, "x") == {
        "free": "1 volunteer could take it without breaking a hard "
        "rule, but assigning any of them would not lower the "
        "total penalty"
    }


def test_everyone_is_already_on_the_shift():
    p = problem([shift("x", min_headcount=3, max_headcount=3)], [Volunteer("a"), Volunteer("b")])
    assert reasons(p, "x") == {
        "no_volunteers": "all 2 volunteers of the district are already on this shift"
    }


def test_the_only_volunteer_is_already_on_the_shift():
    p = problem([shift("x", min_headcount=2, max_headcount=2)], [Volunteer("a")])
    assert reasons(p, "x") == {
        "no_volunteers": "the district's only volunteer is already on this shift"
    }


def test_a_district_without_volunteers():
    p = problem([shift("x")], [])
    assert reasons(p, "x") == {"no_volunteers": "the district has no volunteers"}


def test_a_kind_with_more_seats_than_its_people_can_take():
    nights = [shift(f"n{d}", day=d, kind="N") for d in range(3)]
    p = problem(nights, [Volunteer(i, max_shifts_per_kind={"N": 1}) for i in ("a", "b")])
    (seat,) = solved(p).unfilled
    assert [(r.code, r.message) for r in seat.reasons] == [
        (
            "capacity",
            "N shifts need 3 people in all; the 2 volunteers who may work them can take 2 at most",
        ),
        ("kind_limit", "2 volunteers are at their limit of N shifts"),
    ]


def test_a_skill_with_more_seats_in_a_week_than_its_holders_can_take():
    shifts = [shift(f"p{d}", day=d, skill_needs={"lang:yue": 1}) for d in range(3)]
    yue = Volunteer("y", skills=frozenset({"lang:yue"}), max_shifts_per_week=2)
    p = problem(shifts, [yue, Volunteer("plain")])
    (seat,) = [u for u in solved(p).unfilled if u.skill == "lang:yue"]
    assert seat.reasons[0].message == (
        "lang:yue seats need 3 people in the week of Mon "
        "2026-03-02; the 1 volunteer with lang:yue can take 2 "
        "at most"
    )
    assert [r.code for r in seat.reasons] == ["capacity", "weekly_shifts"]


def test_no_capacity_reason_when_the_people_could_take_every_seat():
    nights = [shift(f"n{d}", day=d, kind="N") for d in range(2)]
    busy = shift("other", day=0, hour=20, kind="D")
    p = problem(
        [*nights, busy], [Volunteer("a", max_shifts_per_day=1)], pinned=(Assignment("a", "other"),)
    )
    assert reasons(p, "n0") == {
        "shifts_per_day": "1 volunteer already works their maximum shifts that day"
    }
