"""Bad input is refused when the problem is built, with a message that says what and where:
the dataclasses' own checks, the JSON reader and the command line."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest
from builders import MONDAY, at, options, problem, schema_checker, shift

from solver import Assignment, Volunteer, Weights, repair
from solver.__main__ import main
from solver.io import problem_from_dict, problem_to_dict
from solver.problem import AvailabilityWindow, DayRequest, Problem, Shift

NAIVE = datetime(2026, 3, 2, 9)

BAD_SHIFTS = [
    ({"id": ["x"]}, "id must be a string or an integer"),
    ({"station": None}, "station: id must be a string or an integer"),
    ({"start": "2026-03-02T09:00+00:00"}, "start and end must be datetimes"),
    ({"start": NAIVE}, "timezone-aware"),
    ({"end": at(0, 8)}, "is not after start"),
    ({"end": at(0, 13) + timedelta(seconds=30)}, "whole minutes"),
    ({"min_headcount": 2, "max_headcount": 1}, "min_headcount (2) <= max_headcount (1)"),
    ({"min_headcount": -1}, "min_headcount must be >= 0, got -1"),
    ({"min_headcount": "2"}, "min_headcount must be a whole number, got '2'"),
    ({"max_headcount": True}, "max_headcount must be a whole number, got True"),
    ({"max_headcount": 1.5}, "max_headcount must be a whole number, got 1.5"),
    ({"skill_needs": ["lang:en"]}, "skill_needs must map skills to counts"),
    ({"skill_needs": {"lang:en": -1}}, "skill need 'lang:en' must be >= 0"),
    ({"skill_needs": {"lang:en": 1, "lang:yue": 1}}, "add up to more than max_headcount 1"),
    ({"priority": 0}, "priority must be >= 1, got 0"),
    ({"priority": 6}, "priority must be 1..5, got 6"),
    ({"under_weight": -1}, "under_weight must be >= 0"),
    ({"over_weight": 0.5}, "over_weight must be a whole number"),
]


@pytest.mark.parametrize(("change", "message"), BAD_SHIFTS)
def test_a_bad_shift_is_refused(change, message):
    fields = {"id": "x", "station": "S", "start": at(0, 9), "end": at(0, 13)} | change
    with pytest.raises(ValueError, match=f"^shift .*{re.escape(message)}"):
        Shift(**fields)


BAD_VOLUNTEERS = [
    ({"id": None}, "id must be a string or an integer"),
    ({"max_minutes_per_week": -60}, "max_minutes_per_week must be >= 0, got -60"),
    ({"max_minutes_per_week": 90.5}, "max_minutes_per_week must be a whole number"),
    ({"max_shifts_per_week": "3"}, "max_shifts_per_week must be a whole number"),
    ({"max_consecutive_days": 0}, "max_consecutive_days must be >= 1, got 0"),
    ({"min_consecutive_days_off": 0}, "min_consecutive_days_off must be >= 1"),
    ({"min_rest_minutes": -1}, "min_rest_minutes must be >= 0"),
    ({"max_travel_minutes": -5}, "max_travel_minutes must be >= 0"),
    ({"min_total_minutes": 600, "max_total_minutes": 300}, "min_total_minutes is above"),
    ({"max_shifts_per_kind": {"N": -1}}, "max_shifts_per_kind 'N' must be >= 0"),
    ({"max_shifts_per_kind": ["N"]}, "max_shifts_per_kind must map kinds to counts"),
    ({"unavailable_dates": {"2026-03-02"}}, "unavailable_dates must be dates"),
]


@pytest.mark.parametrize(("change", "message"), BAD_VOLUNTEERS)
def test_a_bad_volunteer_is_refused(change, message):
    with pytest.raises(ValueError, match=f"^volunteer .*{re.escape(message)}"):
        Volunteer(**({"id": "a"} | change))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: AvailabilityWindow(NAIVE, at(0, 12)), "timezone-aware"),
        (lambda: AvailabilityWindow(at(0, 12), at(0, 9)), "is not after start"),
        (lambda: AvailabilityWindow(at(0, 9), at(0, 12), "yes"), "preferred must be true or false"),
        (lambda: DayRequest("a", date(2026, 3, 2), on=True, weight=-1), "weight must be >= 0"),
        (lambda: DayRequest("a", date(2026, 3, 2), on="off"), "on must be true or false"),
        (lambda: Weights(coverage=-1), "weights: coverage must be >= 0"),
        (lambda: Weights(travel=0.5), "weights: travel must be a whole number"),
    ],
)
def test_a_bad_window_request_or_weight_is_refused(build, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build()


BAD_PROBLEMS = [
    ({"shifts": (shift("x"), shift("x", day=1))}, "shift ids are not unique"),
    ({"volunteers": (Volunteer("a"), Volunteer("a"))}, "volunteer ids are not unique"),
    ({"pinned": (Assignment("z", "x"),)}, "pinned assignment: unknown volunteer 'z'"),
    ({"forbidden": (Assignment("a", "q"),)}, "forbidden assignment: unknown shift 'q'"),
    ({"previous": (Assignment("z", "x"),)}, "previous assignment: unknown volunteer 'z'"),
    (
        {"pinned": (Assignment("a", "x"),), "forbidden": (Assignment("a", "x"),)},
        "both pinned and forbidden",
    ),
    ({"requests": (DayRequest("z", date(2026, 3, 2), True),)}, "unknown volunteer 'z'"),
    ({"travel_minutes": {("z", "S"): 5}}, "travel minutes: unknown volunteer 'z'"),
    ({"travel_minutes": {("a", "S"): -5}}, "minutes must be >= 0, got -5"),
    ({"last_day": date(2026, 3, 1)}, "a shift lies outside first_day..last_day"),
]


@pytest.mark.parametrize(("change", "message"), BAD_PROBLEMS)
def test_a_bad_problem_is_refused(change, message):
    fields = {"shifts": (shift("x"),), "volunteers": (Volunteer("a"),)} | change
    with pytest.raises(ValueError, match=re.escape(message)):
        problem(fields.pop("shifts"), fields.pop("volunteers"), **fields)


BAD_OPTIONS = [
    ({"time_limit_seconds": 0}, "time_limit_seconds must be a number > 0, got 0"),
    ({"time_limit_seconds": "10"}, "time_limit_seconds must be a number > 0, got '10'"),
    ({"workers": 0}, "workers must be >= 1, got 0"),
    ({"seed": -1}, "seed must be >= 0, got -1"),
    ({"seed": 2**31}, "seed must be below 2**31"),
    ({"method": "fast"}, "method must be one of auto, cp-sat, cp-sat+runs, cp-sat+lns, people"),
]


@pytest.mark.parametrize(("change", "message"), BAD_OPTIONS)
def test_bad_options_are_refused(change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        options(**change)


def test_repair_refuses_dates_of_an_unknown_volunteer():
    p = problem([shift("x")], [Volunteer("a")])
    with pytest.raises(ValueError, match=re.escape("unknown volunteer(s) ['z']")):
        repair(p, [], unavailable={"z": [date(2026, 3, 2)]})


def test_a_good_problem_is_completed_not_changed():
    p = Problem(
        shifts=[shift("x", skill_needs={"lang:en": 1, "lang:yue": 0})],
        volunteers=[Volunteer("a", skills={"lang:en"}, max_shifts_per_kind={"N": 0})],
    )
    assert p.first_day == p.last_day == MONDAY.date()
    assert p.shifts[0].skill_needs == {"lang:en": 1}  # a need of 0 asks for nothing
    assert p.volunteers[0].skills == frozenset({"lang:en"})
    assert p.volunteers[0].max_shifts_per_kind == {"N": 0}  # 0 is "may not work N"


def _good() -> dict:
    return problem_to_dict(
        problem(
            [shift("x")],
            [Volunteer("a", availability=(AvailabilityWindow(at(0, 8), at(0, 14)),))],
        )
    )


def _edited(path: str, value) -> dict:
    """The good document with the value at `path` (keys and list indices, dotted)
    replaced; a value of ... removes it."""
    data = _good()
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    key = int(last) if isinstance(target, list) else last
    if value is ...:
        del target[key]
    else:
        target[key] = value
    return data


BAD_DOCUMENTS = [
    (None, "problem: expected a JSON object, got None"),
    ("shifts", {"x": 1}, "shifts: expected a JSON array"),
    ("shifts.0", "x", "shift 'x': expected a JSON object"),
    ("shifts.0.station", ..., "shift 'x': missing field(s) ['station']"),
    ("shifts.0.colour", "red", "shift 'x': unknown field(s) ['colour']"),
    ("shifts.0.start", "Monday 9am", "shift 'x': start: expected an ISO 8601 date and time"),
    ("shifts.0.day", "2026-13-01", "shift 'x': day: expected a date YYYY-MM-DD"),
    ("shifts.0.min_headcount", "1", "min_headcount must be a whole number, got '1'"),
    ("volunteers.0.id", ..., "missing field(s) ['id']"),
    ("volunteers.0.availability.0.end", ..., "availability window: missing field(s) ['end']"),
    ("volunteers.0.unavailable_dates", ["soon"], "unavailable_dates: expected a date"),
    ("volunteers.0.skills", "lang:en", "skills: expected a JSON array, got 'lang:en'"),
    ("travel_minutes", [{"volunteer": "a", "station": "S"}], "missing field(s) ['minutes']"),
    ("pinned", [{"volunteer": "a"}], "pinned assignment: missing field(s) ['shift']"),
    ("requests", [{"volunteer": "a", "day": "2026-03-02"}], "missing field(s) ['on']"),
    ("forbidden_successions", [["N"]], "expected [kind, next kind], got ['N']"),
    ("weights", {"coverage": 1, "speed": 2}, "weights: unknown field(s) ['speed']"),
    ("first_day", "yesterday", "problem: first_day: expected a date"),
]


@pytest.mark.parametrize("case", BAD_DOCUMENTS, ids=lambda case: str(case[0]))
def test_a_malformed_document_is_refused_saying_where(case):
    *edit, message = case
    data = _edited(*edit) if edit != [None] else None
    with pytest.raises(ValueError, match=re.escape(message)):
        problem_from_dict(data)


@pytest.mark.parametrize("case", BAD_DOCUMENTS, ids=lambda case: str(case[0]))
def test_the_schema_refuses_each_malformed_document_too(case):
    *edit, _ = case
    data = _edited(*edit) if edit != [None] else None
    errors = schema_checker("problem").iter_errors(data)
    where = [".".join(map(str, error.absolute_path)) for error in errors]
    path = edit[0] or ""
    assert where and all(path.startswith(w) or w.startswith(path) for w in where), where


def test_the_good_document_reads_back():
    assert problem_from_dict(_good()).volunteers[0].availability[0].end == at(0, 14)


def test_cli_refuses_a_missing_problem_file(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "nowhere.json")]) == 2
    assert "invalid problem" in capsys.readouterr().err


def test_cli_refuses_a_problem_file_with_a_bad_option(tmp_path, capsys):
    src = tmp_path / "problem.json"
    src.write_text(json.dumps(_good() | {"seed": 2**31}))
    assert main(["solve", str(src)]) == 2
    assert "seed must be below 2**31" in capsys.readouterr().err


def test_cli_refuses_a_problem_file_that_is_not_json(tmp_path, capsys):
    src = tmp_path / "problem.json"
    src.write_text("shifts: []")
    assert main(["solve", str(src)]) == 2
    assert "Expecting value" in capsys.readouterr().err


@pytest.mark.parametrize(
    "solution",
    ["not json", "[]", '{"assignments": [{"volunteer": "a"}]}', '{"assignments": 3}'],
)
def test_cli_validate_refuses_a_malformed_solution(tmp_path, capsys, solution):
    src, sol = tmp_path / "problem.json", tmp_path / "solution.json"
    src.write_text(json.dumps(_good()))
    sol.write_text(solution)
    assert main(["validate", str(src), str(sol)]) == 2
    assert "invalid solution" in capsys.readouterr().err
