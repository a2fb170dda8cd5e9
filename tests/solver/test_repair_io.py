"""Repair mode, JSON round trip and the command line."""

from __future__ import annotations

import json
from datetime import date

from builders import options, problem, shift

from solver import Assignment, SolveOptions, Volunteer, repair, solve, validate
from solver.__main__ import main
from solver.benchmarks.district import generate
from solver.io import problem_from_dict, problem_to_dict, solution_to_dict


def test_repair_keeps_everything_else_and_refills_the_cancelled_seat():
    vols = [Volunteer(v) for v in "abc"]
    p = problem([shift("x", day=0), shift("y", day=1), shift("z", day=2)], vols)
    published = [Assignment("a", "x"), Assignment("b", "y"), Assignment("a", "z")]
    fixed = repair(p, published, cancelled=[Assignment("a", "z")], options=options())
    got = set(fixed.assignments)
    assert {Assignment("a", "x"), Assignment("b", "y")} <= got
    assert Assignment("a", "z") not in got
    assert len([a for a in got if a.shift == "z"]) == 1  # refilled by someone else
    # one dropped, one added, each at the repair's change weight
    assert fixed.objective_by_rule["changes"] == 2 * max(p.weights.change, p.weights.skill_need)
    assert validate(p, fixed.assignments).ok


def test_repair_drops_shifts_on_new_unavailable_days():
    p = problem([shift("x", day=0), shift("y", day=1)], [Volunteer("a"), Volunteer("b")])
    published = [Assignment("a", "x"), Assignment("a", "y")]
    fixed = repair(p, published, unavailable={"a": [date(2026, 3, 3)]}, options=options())
    assert Assignment("a", "x") in fixed.assignments
    assert Assignment("b", "y") in fixed.assignments


def test_repair_of_a_district_week_moves_nobody_else():
    p = generate(6, 80, seed=2)
    settings = SolveOptions(time_limit_seconds=10, seed=2, workers=1)
    sol = solve(p, settings)
    gone = sol.assignments[0].volunteer
    dropped = [a for a in sol.assignments if a.volunteer == gone]
    fixed = repair(p, sol.assignments, cancelled=dropped, options=settings)
    assert set(sol.assignments) - set(dropped) <= set(fixed.assignments)


def test_json_round_trip_keeps_the_problem():
    p = generate(3, 20, seed=4)
    again = problem_from_dict(json.loads(json.dumps(problem_to_dict(p))))
    assert again.shifts == p.shifts and again.volunteers == p.volunteers
    assert again.travel_minutes == p.travel_minutes


def test_cli_solves_and_validates(tmp_path):
    p = generate(3, 25, seed=4)
    src, out = tmp_path / "problem.json", tmp_path / "solution.json"
    settings = SolveOptions(time_limit_seconds=5, seed=4, workers=1)
    src.write_text(json.dumps(problem_to_dict(p, settings)))
    assert main(["solve", str(src), "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["status"] in ("OPTIMAL", "FEASIBLE") and data["assignments"]
    assert data["method"] == "cp-sat"  # the command line's default
    assert set(data["objective_by_rule"]) >= {"coverage", "travel", "changes"}
    assert main(["validate", str(src), str(out)]) == 0
    data["assignments"].append(dict(data["assignments"][0]))  # a duplicate breaks it
    out.write_text(json.dumps(data))
    assert main(["validate", str(src), str(out)]) == 1


def test_cli_picks_the_search_by_size_on_request(tmp_path):
    p = generate(3, 25, seed=4)
    src, out = tmp_path / "problem.json", tmp_path / "solution.json"
    settings = SolveOptions(time_limit_seconds=3, seed=4, workers=1)
    src.write_text(json.dumps(problem_to_dict(p, settings)))
    assert main(["solve", str(src), "--by-size", "-o", str(out)]) == 0
    written = json.loads(out.read_text())
    assert written["method"] == "cp-sat+runs"  # small, even for a week
    assignments = written["assignments"]
    assert assignments
    assert validate(p, [Assignment(a["volunteer"], a["shift"]) for a in assignments]).ok


def test_bad_problem_is_refused_with_a_clear_message(tmp_path, capsys):
    src = tmp_path / "bad.json"
    src.write_text(
        json.dumps(
            {
                "shifts": [
                    {
                        "id": 1,
                        "station": "s",
                        "start": "2026-03-02T10:00:00+00:00",
                        "end": "2026-03-02T09:00:00+00:00",
                    }
                ]
            }
        )
    )
    assert main(["solve", str(src)]) == 2
    assert "is not after start" in capsys.readouterr().err


def test_solution_json_has_every_documented_field():
    sol = solve(problem([shift("x")], [Volunteer("a")]), options())
    assert set(solution_to_dict(sol)) == {
        "status",
        "assignments",
        "objective",
        "objective_by_rule",
        "best_bound",
        "gap",
        "wall_seconds",
        "first_solution_seconds",
        "unfilled",
        "progress",
        "method",
        "neighbourhoods",
    }
