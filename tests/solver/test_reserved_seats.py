"""Reserved seats (adoptions): a team keeps seats of a shift for its members."""

from __future__ import annotations

import pytest
from builders import at, broken_by, options, problem, roster, shift, solved
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import AvailabilityWindow, Reservation, Volunteer, Weights, advise, solve
from solver.check.validate import validate
from solver.io import problem_from_dict, problem_to_dict
from solver.recruitment import open_seats

TEAM = Reservation("t1", frozenset({"m1", "m2"}), seats=2, name="Harbour Lions")
OUTSIDERS = [Volunteer("n1"), Volunteer("n2"), Volunteer("n3")]
MEMBERS = [Volunteer("m1"), Volunteer("m2")]


def adopted(min_headcount=3, max_headcount=3, reservations=(TEAM,), **kw):
    return shift(
        "a",
        day=5,
        min_headcount=min_headcount,
        max_headcount=max_headcount,
        reservations=reservations,
        **kw,
    )


def test_adopted_seats_go_to_members_when_members_can():
    sol = solved(problem([adopted()], [*OUTSIDERS, *MEMBERS]))
    on = {v for v, _ in roster(sol)}
    assert {"m1", "m2"} <= on and len(on) == 3
    assert not sol.unfilled


def test_members_first_even_above_the_minimum_headcount():
    """The minimum (1) is met by anyone; the adopted seat still goes to the member."""
    weights = Weights(fairness=0, travel=0, change=0)  # preference on: members first
    one = Reservation("t1", frozenset({"m1"}), seats=1)
    p = problem([adopted(1, 2, (one,))], [Volunteer("n1"), Volunteer("m1")], weights=weights)
    sol = solved(p)
    assert ("m1", "a") in roster(sol)
    assert sol.objective_by_rule["preferences"] == 0


def test_non_members_cannot_take_a_reserved_seat():
    sol = solved(problem([adopted()], OUTSIDERS))
    assert len(roster(sol)) == 1  # 3 - 2 reserved seats
    (seat,) = sol.unfilled
    assert seat.count == 2
    reserved = [r for r in seat.reasons if r.code == "reserved"]
    assert [(r.message, r.volunteers) for r in reserved] == [
        (
            "reserved for team Harbour Lions: no member can take it "
            "(2 volunteers outside the team may not)",
            2,
        )
    ]


def test_an_unavailable_member_leaves_the_seat_empty_and_the_reason_names_the_team():
    away = (AvailabilityWindow(at(0, 8), at(0, 12)),)
    p = problem([adopted()], [*OUTSIDERS, Volunteer("m1", availability=away), Volunteer("m2")])
    sol = solved(p)
    assert {v for v, _ in roster(sol)} >= {"m2"} and len(roster(sol)) == 2
    (seat,) = sol.unfilled
    codes = {r.code: r.message for r in seat.reasons}
    assert codes["reserved"].startswith("reserved for team Harbour Lions: no member can take it")
    assert codes["availability"] == "1 volunteer is not available Sat 09:00-13:00"


def test_released_seats_go_to_anyone():
    sol = solved(problem([adopted(reservations=())], OUTSIDERS))
    assert len(roster(sol)) == 3 and not sol.unfilled


def test_the_validator_rejects_a_non_member_on_a_reserved_seat():
    p = problem([adopted()], [*OUTSIDERS, *MEMBERS])
    assert broken_by(p, [("n1", "a"), ("n2", "a")]) == {"reserved_seats"}
    assert broken_by(p, [("n1", "a"), ("m1", "a"), ("m2", "a")]) == set()
    assert broken_by(p, [("n1", "a"), ("m1", "a")]) == set()  # short, not wrong


def test_several_teams_each_keep_their_seats_and_outsiders_share_the_rest():
    a = Reservation("A", frozenset({"a1", "a2"}), seats=1)
    b = Reservation("B", frozenset({"b1", "b2"}), seats=2)
    p = problem(
        [adopted(4, 4, (a, b))],
        [Volunteer(v) for v in ("a1", "a2", "b1", "b2", "n1", "n2")],
    )
    # outside every team: at most 4 - 3 = 1
    assert broken_by(p, [("n1", "a"), ("n2", "a")]) == {"reserved_seats"}
    # outside B: at most 4 - 2 = 2 (a1, a2 and n1 are three)
    assert broken_by(p, [("a1", "a"), ("a2", "a"), ("n1", "a")]) == {"reserved_seats"}
    assert broken_by(p, [("a1", "a"), ("a2", "a"), ("b1", "a"), ("b2", "a")]) == set()
    sol = solved(p)
    on = {v for v, _ in roster(sol)}
    assert len(on) == 4 and {"b1", "b2"} <= on and on & {"a1", "a2"}


def test_reserved_seats_above_max_headcount_are_refused():
    with pytest.raises(ValueError, match="reserved seats"):
        adopted(3, 3, (Reservation("t", frozenset(), seats=4),))
    with pytest.raises(ValueError, match="seats must be >= 1"):
        Reservation("t", frozenset(), seats=0)


def test_reservations_survive_json():
    p = problem([adopted()], [*OUTSIDERS, *MEMBERS])
    again = problem_from_dict(problem_to_dict(p))
    assert again.shifts[0].reservations == (TEAM,)


def test_every_search_method_keeps_the_reservation():
    """LNS and the people search restrict the problem; the caps go with it."""
    from solver.search.people import solve_by_people

    shifts = [
        shift(f"d{d}", day=d, min_headcount=3, max_headcount=3, reservations=(TEAM,))
        for d in range(4)
    ]
    p = problem(shifts, [*OUTSIDERS, *MEMBERS])
    sol = solve_by_people(p, options(time_limit_seconds=5))
    assert validate(p, sol.assignments).ok
    for s in shifts:
        on = {v for v, sid in roster(sol) if sid == s.id}
        assert len(on - {"m1", "m2"}) <= 1


def test_recruits_are_not_members_so_reserved_seats_are_not_promised():
    p = problem([adopted()], OUTSIDERS[:1])
    sol = solve(p, options())
    (seats,) = open_seats(p, sol.assignments).values()
    assert seats.count == 2 and seats.room == 0
    advice = advise(p, sol, options=options())
    assert advice.open_seats == 2
    assert advice.seats_filled == 0 and not advice.profiles
    # released: the same seats are a recruit's to take
    released = problem([adopted(reservations=())], OUTSIDERS[:1])
    again = advise(released, solve(released, options()), options=options())
    assert again.seats_filled == 2


def test_a_recruit_takes_only_the_seats_outside_the_reservation():
    one = Reservation("t1", frozenset({"m1"}), seats=1)
    p = problem([adopted(3, 3, (one,))], [])
    advice = advise(p, solve(p, options()), options=options())
    assert (advice.open_seats, advice.seats_filled) == (3, 2)
    grown = advice.problem_with_recruits(p)
    assert validate(grown, advice.roster).ok
    # honest: solving again with the recruits fills what was promised, no more
    again = solved(grown)
    assert sum(u.count for u in again.unfilled if u.skill is None) == 3 - 2
    assert not any(a.volunteer == "m1" for a in advice.roster)


@st.composite
def adopted_problems(draw):
    people = [f"v{i}" for i in range(draw(st.integers(0, 4)))]
    shifts = []
    for i in range(draw(st.integers(1, 3))):
        most = draw(st.integers(1, 3))
        seats = draw(st.integers(0, most))
        members = draw(st.sets(st.sampled_from(people))) if people else set()
        shifts.append(
            shift(
                f"s{i}",
                day=5,
                hour=8 + 2 * draw(st.integers(0, 3)),
                hours=2,
                min_headcount=draw(st.integers(0, most)),
                max_headcount=most,
                reservations=(Reservation("T", frozenset(members), seats),) if seats else (),
            )
        )
    weights = Weights(fairness=0, travel=0, change=0)
    return problem(shifts, [Volunteer(v) for v in people], weights=weights)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(adopted_problems())
def test_rosters_keep_reservations_and_recruits_fill_what_they_promise(p):
    sol = solved(p)
    for s in p.shifts:
        on = {v for v, sid in roster(sol) if sid == s.id}
        for r in s.reservations:
            assert len(on - r.members) <= s.max_headcount - r.seats
    before = sum(u.count for u in sol.unfilled if u.skill is None)
    advice = advise(p, sol, options=options())  # checks its own roster (check_promise)
    again = solved(advice.problem_with_recruits(p))
    after = sum(u.count for u in again.unfilled if u.skill is None)
    assert before - after >= advice.seats_filled
