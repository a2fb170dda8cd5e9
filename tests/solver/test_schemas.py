"""The JSON Schemas of the problem and solution files say what the reader takes and the
writer gives: the same fields and defaults as the dataclasses, and every document the
library writes, or its README shows, passes them."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from builders import at, options, problem, schema_checker, shift

from solver import Assignment, Volunteer, solve
from solver.__main__ import main
from solver.benchmarks.district import generate
from solver.check.explain import REASON_CODES
from solver.check.validate import OBJECTIVE_RULES
from solver.io import (
    FILE_OPTIONS,
    options_from_dict,
    problem_from_dict,
    problem_to_dict,
    schema,
    solution_to_dict,
)
from solver.options import METHODS, SolveOptions
from solver.problem import AvailabilityWindow, DayRequest, FixedDuty, Problem, Shift, Weights
from solver.solution import STATUSES

README = Path(__file__).parents[2] / "solver" / "README.md"


def assert_valid(document: str, data) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in schema_checker(document).iter_errors(data)]
    assert not errors, errors


@pytest.mark.parametrize(
    ("cls", "where"),
    [
        (Problem, None),
        (Shift, "shift"),
        (Volunteer, "volunteer"),
        (AvailabilityWindow, "window"),
        (FixedDuty, "fixed_duty"),
        (DayRequest, "day_request"),
        (Weights, "weights"),
    ],
)
def test_the_problem_schema_has_each_field_and_default_of_the_dataclass(cls, where):
    full = schema("problem")
    part = full if where is None else full["$defs"][where]
    properties = part["properties"]
    if cls is Problem:  # a file's options for the run sit beside the problem
        properties = {k: v for k, v in properties.items() if k not in FILE_OPTIONS}
    assert set(properties) == {f.name for f in dataclasses.fields(cls)}
    for f in dataclasses.fields(cls):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        prop = properties[f.name]
        if default is dataclasses.MISSING:  # required, unless the reader has a default
            assert f.name in part.get("required", []) or "default" in prop, f.name
            continue
        if "$ref" in prop and "default" not in prop:  # the default sits with the definition
            prop = full["$defs"][prop["$ref"].rsplit("/", 1)[1]]
        if isinstance(default, Weights):
            assert {k: v["default"] for k, v in prop["properties"].items()} == dataclasses.asdict(
                default
            )
            continue
        if isinstance(default, tuple | frozenset | dict):  # only empty ones are defaults
            assert not default and prop["default"] in ([], {}), f.name
        else:
            assert prop["default"] == default, f.name


def test_the_problem_schema_documents_the_options_a_file_carries_as_solve_options():
    properties = schema("problem")["properties"]
    defaults = {f.name: f.default for f in dataclasses.fields(SolveOptions)}
    for name in FILE_OPTIONS:
        assert properties[name]["default"] == defaults[name], name
        assert "SolveOptions" in properties[name]["description"], name


def test_a_files_options_are_read_into_solve_options():
    p = problem([shift("x")], [Volunteer("a")])
    chosen = SolveOptions(time_limit_seconds=2.5, seed=7, workers=1)
    document = json.loads(json.dumps(problem_to_dict(p, chosen)))
    assert_valid("problem", document)
    assert options_from_dict(document) == chosen
    assert problem_from_dict(document) == problem_from_dict(problem_to_dict(p))
    assert options_from_dict(problem_to_dict(p)) == SolveOptions()  # none: the defaults
    with pytest.raises(ValueError, match=re.escape("workers must be >= 1, got 0")):
        options_from_dict(problem_to_dict(p) | {"workers": 0})


def test_the_solution_schema_names_every_status_rule_and_reason_code():
    properties = schema("solution")["properties"]
    assert properties["status"]["enum"] == list(STATUSES)
    assert properties["method"]["enum"] == [m for m in METHODS if m != "auto"]
    assert list(properties["objective_by_rule"]["properties"]) == list(OBJECTIVE_RULES)
    reason = properties["unfilled"]["items"]["properties"]["reasons"]["items"]
    assert reason["properties"]["code"]["enum"] == list(REASON_CODES)


def _readme_examples() -> list[dict]:
    blocks = re.findall(r"```json\n(.*?)```", README.read_text(), flags=re.S)
    return [json.loads(block) for block in blocks]


def test_the_readme_examples_pass_the_schemas_and_one_solves_to_the_other():
    problem_doc, solution_doc = _readme_examples()
    assert_valid("problem", problem_doc)
    assert_valid("solution", solution_doc)
    settings = dataclasses.replace(options_from_dict(problem_doc), workers=1)
    got = solution_to_dict(solve(problem_from_dict(problem_doc), settings))
    timing = ("wall_seconds", "first_solution_seconds", "progress")
    assert {k: v for k, v in got.items() if k not in timing} == {
        k: v for k, v in solution_doc.items() if k not in timing
    }


def test_written_problems_pass_the_schema():
    assert_valid("problem", problem_to_dict(generate(4, 30, seed=3)))
    calendar = problem(  # the general calendar rules, as the Curtois & Qu reader sets them
        [shift("x", kind="N", skill_needs={"lang:en": 1}, max_headcount=2, under_weight=100)],
        [
            Volunteer(
                7,
                skills={"lang:en"},
                availability=(AvailabilityWindow(at(0, 8), at(0, 14), preferred=True),),
                min_total_minutes=0,
                max_total_minutes=480,
                max_shifts_per_kind={"N": 1, "D": 0},
                min_consecutive_days=2,
                min_consecutive_days_off=2,
                max_weekends=1,
            )
        ],
        requests=(DayRequest(7, at(0, 0).date(), on=False, weight=2, kind="N"),),
        forbidden_successions={("N", "D")},
        pinned=(Assignment(7, "x"),),
    )
    assert_valid("problem", problem_to_dict(calendar))


def test_solutions_with_and_without_a_roster_pass_the_schema():
    p = generate(3, 12, seed=5)
    solution = solve(p, SolveOptions(time_limit_seconds=5, seed=5, workers=1))
    assert solution.unfilled  # the reasons part of the schema is exercised
    assert_valid("solution", json.loads(json.dumps(solution_to_dict(solution))))
    impossible = problem([shift("x")], [Volunteer("a", min_total_minutes=600)])
    empty = solve(impossible, options())  # 4 hours of work on offer, 10 required
    assert empty.status == "INFEASIBLE"
    assert_valid("solution", json.loads(json.dumps(solution_to_dict(empty))))


@pytest.mark.parametrize("document", ["problem", "solution"])
def test_the_command_line_prints_each_schema(document, capsys):
    assert main(["schema", document]) == 0
    assert json.loads(capsys.readouterr().out) == schema(document)


def test_an_unknown_schema_is_refused():
    with pytest.raises(ValueError, match="no schema for 'roster'"):
        schema("roster")
