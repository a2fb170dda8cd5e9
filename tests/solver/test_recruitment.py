"""Recruitment advice: whom to recruit to fill a roster's open seats, honestly."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pytest
from builders import MONDAY, at, options, problem, shift
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import (
    Advice,
    Assignment,
    AvailabilityWindow,
    Problem,
    Profile,
    Solution,
    Volunteer,
    Weights,
    advise,
    solve,
    validate,
)
from solver.check.rules import static_violation
from solver.recruitment import (
    assemble,
    candidate_profiles,
    cover,
    open_seats,
    recruit,
    travel_from_home,
)

NEAR = {("S", "T"): 10, ("T", "S"): 10}  # S and T share a service circle; F is far
SATURDAY = 6


# The service's search, named: "auto" would take another for the random problems whose
# shifts run into a second week.
CP_SAT = options(method="cp-sat")


def open_count(p: Problem, assignments) -> int:
    return sum(o.count for o in open_seats(p, assignments).values())


def advised(p: Problem, **kw) -> tuple[Advice, int]:
    """The advice for p's optimal roster, and that roster's open seats."""
    sol = solve(p, CP_SAT)
    assert sol.status == "OPTIMAL"
    kw.setdefault("station_travel", NEAR)
    kw.setdefault("options", options())
    return advise(p, sol, **kw), open_count(p, sol.assignments)


def resolved_open(p: Problem, advice: Advice) -> int:
    """Open seats after adding the advised volunteers and solving the week again."""
    grown = advice.problem_with_recruits(p)
    sol = solve(grown, CP_SAT)
    assert sol.status == "OPTIMAL" and validate(grown, sol.assignments).ok
    return open_count(grown, sol.assignments)


def test_a_skill_seat_held_by_someone_without_the_skill_asks_for_a_holder():
    p = problem(
        [shift("a", day=5, min_headcount=2, max_headcount=2, skill_needs={"en": 1})],
        [Volunteer(1), Volunteer(2)],
    )
    advice, before = advised(p)
    assert before == 1 and advice.open_seats == 1
    (profile,) = advice.profiles
    assert (profile.skills, profile.weekday, profile.start, profile.end) == (
        frozenset({"en"}),
        SATURDAY,
        "09:00",
        "13:00",
    )
    assert (profile.near_station, profile.volunteers_needed, profile.seats_filled) == ("S", 1, 1)
    # the recruit takes the seat of one of the two, who has no skill seat to keep
    assert Counter(a.shift for a in advice.roster) == {"a": 2}
    assert resolved_open(p, advice) == 0


def test_one_recruit_takes_the_seats_of_a_day_one_after_the_other():
    p = problem([shift(f"s{h}", day=5, hour=h, hours=2) for h in (8, 10, 12)], [])
    advice, before = advised(p)
    assert before == 3
    (profile,) = advice.profiles
    assert (profile.start, profile.end, profile.volunteers_needed, profile.seats_filled) == (
        "08:00",
        "14:00",
        1,
        3,
    )
    assert resolved_open(p, advice) == 0


def test_the_recruits_own_limits_decide_how_many_seats_one_takes():
    p = problem([shift(f"s{h}", day=5, hour=h, hours=2) for h in (8, 10, 12)], [])
    rested = Volunteer("like", min_rest_minutes=60, max_minutes_per_week=240)
    advice, _ = advised(p, like=rested)
    # rest keeps one recruit off the next seat, hours off a third: 8-10 and 12-14 with
    # one person, 10-12 with another
    assert advice.volunteers_needed == 2 and advice.seats_filled == 3
    for v in advice.volunteers(p):
        assert (v.min_rest_minutes, v.max_minutes_per_week) == (60, 240)
    assert resolved_open(p, advice) == 0


def test_a_recruit_serves_the_stations_within_the_circle_of_home_only():
    p = problem(
        [
            shift("s", day=5, hour=8, hours=2, station="S"),
            shift("t", day=5, hour=10, hours=2, station="T"),
            shift("f", day=5, hour=12, hours=2, station="F"),
        ],
        [],
    )
    advice, _ = advised(p)
    # S and T are 10 minutes apart: one recruit; F's travel is unknown: its own recruit
    assert advice.volunteers_needed == 2 and advice.seats_filled == 3
    by_home = {pr.near_station: pr.seats_filled for pr in advice.profiles}
    assert by_home["F"] == 1 and sum(by_home.values()) == 3
    grown = advice.problem_with_recruits(p)
    far = [v for v in grown.volunteers if grown.travel(v.id, "F") == 0]
    assert far and all(grown.travel(v.id, "S") == 16 for v in far)
    assert resolved_open(p, advice) == 0


def test_without_station_travel_a_recruit_serves_the_home_station_only():
    p = problem([shift("s", day=5, hour=8, hours=2), shift("t", day=5, hour=10, station="T")], [])
    advice, _ = advised(p, station_travel={})
    assert advice.volunteers_needed == 2 and advice.seats_filled == 2


def test_a_recruit_comes_on_the_weekday_of_every_week_of_the_horizon():
    p = problem([shift("first", day=5), shift("second", day=12)], [])
    advice, _ = advised(p, like=Volunteer("like", max_shifts_per_week=1))
    (profile,) = advice.profiles
    assert (profile.weekday, profile.volunteers_needed, profile.seats_filled) == (SATURDAY, 1, 2)
    (v,) = advice.volunteers(p)
    assert [w.start.date().isoweekday() for w in v.availability or ()] == [SATURDAY, SATURDAY]
    assert resolved_open(p, advice) == 0


def test_profile_hours_read_as_a_clock_and_midnight_ends_the_day():
    night = Profile(frozenset(), 6, 22 * 60, 30 * 60, "S", 1, 1)
    evening = Profile(frozenset(), 6, 18 * 60, 24 * 60, "S", 1, 1)
    assert (night.start, night.end, evening.end) == ("22:00", "06:00", "24:00")


def test_a_recruit_keeps_the_templates_limits_but_not_its_minimums():
    p = problem([shift("a", day=5)], [])
    like = Volunteer("like", max_shifts_per_week=2, min_total_minutes=600, min_consecutive_days=2)
    advice, _ = advised(p, like=like)
    (v,) = advice.volunteers(p)
    assert v.max_shifts_per_week == 2
    assert (v.min_total_minutes, v.min_consecutive_days) == (None, None)
    assert v.max_travel_minutes == 15 and v.preferred_stations == frozenset()


def test_no_advice_without_a_roster():
    p = problem([shift("a", day=5)], [])
    nothing = Solution.without_roster("UNKNOWN", 0.0, 1.0)
    with pytest.raises(ValueError, match="no roster to advise on"):
        advise(p, nothing)


def test_a_full_roster_needs_nobody():
    p = problem([shift("a", day=0)], [Volunteer(1)])
    advice, before = advised(p)
    assert before == 0 and advice.profiles == () and advice.open_seats == 0


def test_a_pinned_person_is_not_displaced():
    p = problem(
        [shift("a", day=5, min_headcount=1, max_headcount=1, skill_needs={"en": 1})],
        [Volunteer(1)],
        pinned=(Assignment(1, "a"),),
    )
    advice, before = advised(p)
    assert before == 1 and advice.seats_filled == 0 and advice.profiles == ()


# -- honest on random problems -------------------------------------------------

SKILLS = ("en", "aid")
STATIONS = ("S", "T", "F")


@st.composite
def small_problems(draw, most_shifts: int = 4) -> Problem:
    ss = []
    for i in range(draw(st.integers(1, most_shifts))):
        lo = draw(st.integers(1, 2))
        hi = draw(st.integers(lo, 2))
        needs = draw(st.dictionaries(st.sampled_from(SKILLS), st.just(1), max_size=hi))
        ss.append(
            shift(
                f"s{i}",
                # two weekends: a profile's weekday recurs; 22:00 runs past midnight
                day=draw(st.sampled_from((5, 6, 12))),
                hour=draw(st.sampled_from((8, 10, 12, 22))),
                hours=draw(st.sampled_from((2, 4))),
                station=draw(st.sampled_from(STATIONS)),
                min_headcount=lo,
                max_headcount=hi,
                skill_needs=needs,
                priority=draw(st.integers(1, 5)),
            )
        )
    vs = [
        Volunteer(
            i,
            skills=frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
            availability=tuple(
                AvailabilityWindow(at(d, 8), at(d, 16))
                for d in draw(st.sets(st.sampled_from((5, 6))))
            ),
            max_travel_minutes=15,
            max_shifts_per_week=draw(st.sampled_from((None, 1, 2))),
        )
        for i in range(draw(st.integers(0, 2)))
    ]
    travel = {(v.id, s): draw(st.sampled_from((5, 30))) for v in vs for s in STATIONS}
    bare = problem(ss, vs, travel_minutes=travel)
    # a pinned person now and then: a seat they sit on without its skill stays open
    allowed = [Assignment(v.id, s.id) for v in vs for s in ss if not static_violation(bare, v, s)]
    pinned = draw(st.sets(st.sampled_from(allowed), max_size=1)) if allowed else set()
    return problem(
        ss,
        vs,
        travel_minutes=travel,
        pinned=tuple(pinned),
        first_day=MONDAY.date(),
        last_day=MONDAY.date() + timedelta(days=13),
        # the app's weights: travel and fair shares count too, not only coverage
        weights=draw(st.sampled_from((bare.weights, Weights()))),
    )


LIKES = st.builds(
    Volunteer,
    id=st.just("like"),
    min_rest_minutes=st.sampled_from((0, 60)),
    max_minutes_per_week=st.sampled_from((None, 180, 240, 480)),  # 180: no 4-h seat
    max_shifts_per_day=st.sampled_from((None, 1, 2)),
)

QUICK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@QUICK
@given(small_problems(most_shifts=6), LIKES)
def test_solving_again_with_the_advised_volunteers_fills_what_was_promised(p, like):
    advice, before = advised(p, like=like)
    assert advice.open_seats == before
    assert 0 <= advice.seats_filled <= before
    grown = advice.problem_with_recruits(p)
    assert validate(grown, advice.roster).ok
    assert resolved_open(p, advice) <= before - advice.seats_filled


# -- optimal on tiny problems, against brute force ------------------------------


def profile_space(p: Problem, seats) -> list[Profile]:
    """Every profile that could matter: any skills among those asked, the weekday and
    the hull of any two open shifts' hours, any station; of the profiles with the
    same skills that may take the same open shifts (static rules: window, travel),
    one stands for all: the validator cannot tell their recruits apart."""
    out: dict[tuple, Profile] = {}
    skill_sets = [frozenset(c) for n in range(3) for c in itertools.combinations(SKILLS, n)]
    for o, q in itertools.product(seats.values(), repeat=2):
        a, b = o.shift, q.shift
        # the same weekday, in either week: a profile's weekday recurs
        if (a.on_day.isoweekday(), a.start.tzinfo) != (b.on_day.isoweekday(), b.start.tzinfo):
            continue
        start = min(_minutes_from_midnight(x.start, x.start) for x in (a, b))
        end = max(_minutes_from_midnight(x.end, x.start) for x in (a, b))
        for skills in skill_sets:
            for home in STATIONS:
                profile = Profile(
                    skills, a.on_day.isoweekday(), start, end, home, 1, 0, a.start.tzinfo
                )
                key = (skills, may_take(p, profile, seats))
                if key[1] and key not in out:
                    out[key] = profile
    return list(out.values())


def _minutes_from_midnight(moment, day_of):
    """Minutes from the midnight that starts `day_of`'s day to `moment`."""
    return int((moment - day_of.replace(hour=0, minute=0)).total_seconds()) // 60


def may_take(p: Problem, profile: Profile, seats) -> frozenset:
    """The open shifts a recruit of this profile passes every static rule for."""
    v = recruit(p, profile, "probe", 15, Volunteer("like"))
    travel = travel_from_home(p, v.id, profile.near_station, NEAR, 15)
    alone = Problem(shifts=p.shifts, volunteers=(v,), travel_minutes=travel)
    return frozenset(sid for sid, o in seats.items() if not static_violation(alone, v, o.shift))


def best_fill(p: Problem, roster, seats, recruits: list[Profile]) -> int:
    """The most open seats these recruits fill, the roster kept, by trying every set
    of open shifts for each recruit and checking the result with the validator."""
    vs = [recruit(p, pr, f"r{i}", 15, Volunteer("like")) for i, pr in enumerate(recruits)]
    travel = dict(p.travel_minutes)
    for v, pr in zip(vs, recruits, strict=True):
        travel.update(travel_from_home(p, v.id, pr.near_station, NEAR, 15))
    grown = Problem(
        shifts=p.shifts, volunteers=(*p.volunteers, *vs), travel_minutes=travel,
        pinned=p.pinned, first_day=p.first_day, last_day=p.last_day, weights=p.weights,
    )  # fmt: skip
    before = open_count(p, roster)
    subsets = []
    for pr in recruits:
        ids = sorted(may_take(p, pr, seats))
        subsets.append([c for n in range(len(ids) + 1) for c in itertools.combinations(ids, n)])
    best = 0
    for choice in itertools.product(*subsets):
        added = [Assignment(v.id, sid) for v, mine in zip(vs, choice, strict=True) for sid in mine]
        trial = list(roster)
        for sid, n in Counter(a.shift for a in added).items():
            o = seats[sid]
            if n - o.room > len(o.displaceable):
                break
            for gone in o.displaceable[: max(0, n - o.room)]:
                trial.remove(Assignment(gone, sid))
        else:
            trial += added
            if validate(grown, trial).ok:
                best = max(best, before - open_count(grown, trial))
    return best


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(small_problems(most_shifts=2))
def test_no_fewer_recruits_fill_as_many_seats_and_as_many_fill_no_more(p):
    sol = solve(p, CP_SAT)
    advice = advise(p, sol, station_travel=NEAR, options=options())
    seats = open_seats(p, sol.assignments)
    space = profile_space(p, seats)
    n = advice.volunteers_needed
    # one recruit more than advised fills no more, unless every open seat is filled
    most = n if advice.seats_filled == advice.open_seats else n + 1
    for k in range(1, most + 1):
        fills = [
            best_fill(p, sol.assignments, seats, list(c))
            for c in itertools.combinations_with_replacement(space, k)
        ]
        if k < n:
            assert max(fills) < advice.seats_filled
        else:
            assert max(fills) == advice.seats_filled


# -- the greedy covering: the search's hint, and what stands when it finds nothing --


@QUICK
@given(small_problems(most_shifts=6), LIKES)
def test_the_greedy_covering_alone_keeps_its_promise(p, like):
    """With no time to search, each day's covering is the greedy one: `assemble`
    validates its roster and checks the seats it promises (check_promise)."""
    sol = solve(p, CP_SAT)
    seats = open_seats(p, sol.assignments)
    found = []
    for day_seats, candidates in days_of(p, seats):
        status, recruits = cover(p, day_seats, candidates, NEAR, 15, like, lambda: 0.0, 0, 1)
        assert status == "UNKNOWN"
        found.extend(recruits)
    advice = assemble(p, sol, seats, found, "UNKNOWN", 0.0, 15, NEAR, like)
    assert validate(advice.problem_with_recruits(p), advice.roster).ok
    # Greedy fills some seat whenever the searched advice does (not always as many).
    if advised(p, like=like)[0].seats_filled:
        assert advice.seats_filled > 0


def days_of(p: Problem, seats):
    """Per weekday: the open seats and the candidate profiles, as `advise` splits them."""
    by_day = {}
    for c in candidate_profiles(p, seats, NEAR, 15):
        by_day.setdefault((c.weekday, c.zone), []).append(c)
    for (weekday, zone), candidates in by_day.items():
        day_seats = {
            sid: o
            for sid, o in seats.items()
            if (o.shift.on_day.isoweekday(), o.shift.start.tzinfo) == (weekday, zone)
        }
        yield day_seats, candidates
