"""Property tests on random small problems."""

from __future__ import annotations

import re
from datetime import date, timedelta

from builders import MONDAY, at
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from solver import (
    Assignment,
    AvailabilityWindow,
    FixedDuty,
    Problem,
    Shift,
    SolveOptions,
    Volunteer,
    Weights,
    solve,
    validate,
)
from solver.check.explain import blocking_rule
from solver.check.rules import iso_week
from solver.model.build import build_model
from solver.search.bound import capacity_bound

SKILLS = ("en", "yue", "aid")
STATIONS = ("s1", "s2")


@st.composite
def shifts(draw, i: int) -> Shift:
    day = draw(st.integers(0, 6))
    hour = draw(st.sampled_from((6, 9, 13, 20)))
    hours = draw(st.sampled_from((4, 8)))
    lo = draw(st.integers(0, 2))
    hi = draw(st.integers(max(lo, 1), 3))
    needs = draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 1), max_size=2))
    if sum(needs.values()) > hi:
        needs = {}
    return Shift(
        id=f"s{i}",
        station=draw(st.sampled_from(STATIONS)),
        start=at(day, hour),
        end=at(day, hour + hours),
        min_headcount=lo,
        max_headcount=hi,
        skill_needs=needs,
        priority=draw(st.integers(1, 5)),
        kind=draw(st.sampled_from(("D", "N"))),
        required_skills=frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=1)))
        if draw(st.integers(0, 4)) == 0
        else frozenset(),
    )


@st.composite
def volunteers(draw, i: int, minimums: bool = False) -> Volunteer:
    windows = None
    if draw(st.booleans()):
        windows = tuple(
            AvailabilityWindow(at(d, h), at(d, h + 12), preferred=draw(st.booleans()))
            for d, h in draw(
                st.sets(st.tuples(st.integers(0, 6), st.sampled_from((5, 12))), max_size=6)
            )
        )
    maybe = lambda s: draw(st.one_of(st.none(), s))  # noqa: E731
    most = maybe(st.sampled_from((240, 480, 960)))
    least = maybe(st.sampled_from((240, 480))) if minimums else None
    if least is not None and most is not None and least > most:
        least = most
    return Volunteer(
        id=i,
        skills=frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
        availability=windows,
        unavailable_dates=frozenset(
            MONDAY.date() + timedelta(days=d) for d in draw(st.sets(st.integers(0, 6), max_size=2))
        ),
        max_minutes_per_week=maybe(st.sampled_from((240, 480, 960))),
        max_shifts_per_week=maybe(st.integers(1, 3)),
        max_consecutive_days=maybe(st.integers(1, 3)),
        min_rest_minutes=draw(st.sampled_from((0, 0, 600))),
        max_travel_minutes=maybe(st.sampled_from((10, 30))),
        preferred_stations=frozenset(draw(st.sets(st.sampled_from(STATIONS), max_size=1))),
        max_shifts_per_day=maybe(st.just(1)),
        max_shifts_per_kind=draw(
            st.dictionaries(st.sampled_from(("D", "N")), st.integers(0, 2), max_size=1)
        ),
        min_consecutive_days=maybe(st.integers(2, 3)),
        min_consecutive_days_off=maybe(st.integers(2, 3)),
        max_weekends=maybe(st.integers(0, 1)),
        max_total_minutes=most,
        min_total_minutes=least,
        # duties of the neighbouring weeks, and one inside the horizon now and then
        fixed_duties=tuple(
            FixedDuty(at(d, h), at(d, h + length))
            for d, h, length in draw(
                st.sets(
                    st.tuples(
                        st.sampled_from((-2, -1, 0, 6, 7)),
                        st.sampled_from((6, 20)),
                        st.sampled_from((4, 8)),
                    ),
                    max_size=2,
                )
            )
        ),
    )


@st.composite
def problems(draw, minimums: bool = False) -> Problem:
    """`minimums`: volunteers may have a minimum total, so a problem may be infeasible."""
    ss = [draw(shifts(i)) for i in range(draw(st.integers(1, 5)))]
    vs = [draw(volunteers(i, minimums)) for i in range(draw(st.integers(1, 3)))]
    travel = {(v.id, s): draw(st.integers(0, 40)) for v in vs for s in STATIONS}
    pairs = [(v.id, s.id) for v in vs for s in ss]
    previous = draw(st.sets(st.sampled_from(pairs), max_size=3)) if pairs else set()
    pinned = draw(st.sets(st.sampled_from(pairs), max_size=1)) if minimums else set()
    return Problem(
        shifts=tuple(ss),
        volunteers=tuple(vs),
        travel_minutes=travel,
        previous=tuple(Assignment(v, s) for v, s in sorted(previous, key=str)),
        pinned=tuple(Assignment(v, s) for v, s in pinned),
        forbidden_successions=frozenset(
            draw(st.sets(st.sampled_from([("N", "D"), ("N", "N"), ("D", "N")]), max_size=1))
        ),
        first_day=MONDAY.date(),
        last_day=MONDAY.date() + timedelta(days=6),
        weights=Weights(),
    )


OPTIONS = SolveOptions(time_limit_seconds=10, seed=3, workers=1)


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(problems())
def test_every_solution_passes_the_validator(p):
    sol = solve(p, OPTIONS)
    assert sol.status == "OPTIMAL"  # tiny problems, no minimum totals: always solved
    report = validate(p, sol.assignments)
    assert report.ok, report.violations
    assert report.objective == sol.objective
    assert sol.best_bound == sol.objective
    assert capacity_bound(p) <= sol.objective  # a true lower bound


@SETTINGS
@given(problems())
def test_every_unfilled_seat_has_true_reasons(p):
    sol = solve(p, OPTIONS)
    for seat in sol.unfilled:
        assert seat.reasons, seat
        s = p.shift(seat.shift)
        here = set(sol.volunteers_on(s.id))
        pool = [
            v
            for v in p.volunteers
            if v.id not in here and (seat.skill is None or seat.skill in v.skills)
        ]
        for r in seat.reasons:
            if r.code == "capacity":
                assert_capacity_holds(p, sol, s, seat.skill, r.message)
        per_volunteer = [r for r in seat.reasons if r.code != "capacity"]
        if not pool:
            assert [r.code for r in per_volunteer] in (["no_skill_holder"], ["no_volunteers"])
            continue
        assert sum(r.volunteers for r in per_volunteer) == len(pool)
        mine = {v.id: [p.shift(x) for x in sol.shifts_of(v.id)] for v in p.volunteers}
        for v in pool:
            code, _ = blocking_rule(p, v, s, mine[v.id])
            trial = validate(p, [*sol.assignments, Assignment(v.id, s.id)])
            broken = {x.rule for x in trial.violations}
            if code == "free":
                assert not broken  # they really could have been added
            elif code == "full":
                assert broken == {"max_headcount"}
            else:
                expected = {"unavailable_date": "availability", "kind_limit": "shift_kind"}.get(
                    code, code
                )
                assert expected in broken, (code, broken)


def assert_capacity_holds(p, sol, s, skill, message):
    """A capacity reason's numbers: the group's seats are what it says, and the roster
    (like every roster) puts no more people on them than the stated capacity."""
    need, most = map(int, re.search(r"need (\d+) pe.* take (\d+) at most", message).groups())
    if skill is None:
        weekend = message.startswith("weekend")
        group = [
            x
            for x in p.shifts
            if x.min_headcount and (x.on_day.weekday() >= 5 if weekend else x.kind == s.kind)
        ]
        assert need == sum(x.min_headcount for x in group)
        taken = sum(len(sol.volunteers_on(x.id)) for x in group)
    else:
        week = iso_week(s.on_day)
        group = [x for x in p.shifts if x.skill_needs.get(skill) and iso_week(x.on_day) == week]
        assert need == sum(x.skill_needs[skill] for x in group)
        taken = sum(skill in p.volunteer(v).skills for x in group for v in sol.volunteers_on(x.id))
    assert taken <= most < need, message


@st.composite
def rosters(draw) -> tuple[Problem, list[Assignment]]:
    """A problem and any few of its volunteer-shift pairs, valid or not."""
    p = draw(problems(minimums=True))
    pairs = [Assignment(v.id, s.id) for v in p.volunteers for s in p.shifts]
    return p, sorted(draw(st.sets(st.sampled_from(pairs), max_size=4)), key=str)


def model_accepts(p: Problem, roster: list[Assignment], strong_runs: bool) -> bool:
    """Whether the CP-SAT model, every assignment variable fixed to `roster`, has a
    solution: the model's reading of the hard rules, without the validator's."""
    try:
        built = build_model(p, strong_runs=strong_runs)
    except ValueError:  # a pinned assignment no static rule allows: nothing is valid
        return False
    variables = built.variables
    chosen = {(variables.v_index[a.volunteer], variables.s_index[a.shift]) for a in roster}
    if not chosen <= set(variables.x):  # a statically forbidden pair has no variable
        return False
    for key, x in variables.x.items():
        built.model.add(x == int(key in chosen))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rosters(), st.booleans())
def test_the_validator_and_the_model_agree_on_every_roster(case, strong_runs):
    """The two readings of the hard rules are written independently; a roster one
    accepts and the other refuses is a bug in one of them (the validator once let a
    volunteer who worked nothing stay below their minimum total)."""
    p, roster = case
    report = validate(p, roster)
    assert report.ok == model_accepts(p, roster, strong_runs), report.violations


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_same_seed_one_worker_same_roster(p):
    assert solve(p, OPTIONS).assignments == solve(p, OPTIONS).assignments


def test_horizon_defaults_to_the_shift_days():
    p = Problem(shifts=(Shift("x", "s", at(2, 9), at(2, 13)),), volunteers=())
    assert p.first_day == p.last_day == date(2026, 3, 4)
