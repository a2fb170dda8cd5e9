"""Command line: python -m solver solve problem.json -o solution.json

Also: python -m solver validate problem.json solution.json (exit 1 when broken), and
python -m solver schema problem|solution (the JSON Schema of either file).

A problem file may carry the run's options (time_limit_seconds, seed, workers: see
`io.options_from_dict`); the flags override them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from solver.check.validate import validate
from solver.io import SCHEMAS, options_from_dict, problem_from_dict, schema, solution_to_dict
from solver.options import METHODS
from solver.problem import Assignment
from solver.search.methods import method_by_size, solve
from solver.solution import Progress


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m solver")
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="solve a problem JSON file")
    s.add_argument("problem", type=Path)
    s.add_argument("-o", "--output", type=Path, help="solution file (default: stdout)")
    s.add_argument("--time-limit", type=float, help="override time_limit_seconds")
    s.add_argument("--progress", action="store_true", help="print progress to stderr")
    s.add_argument(
        "--verbose",
        action="store_true",
        help="print the search's log to stderr: CP-SAT's, or each better roster and the "
        "rounds per kind of neighbourhood of the LNS searches",
    )
    search = s.add_mutually_exclusive_group()
    search.add_argument(
        "--method",
        choices=METHODS,
        default="cp-sat",
        help="the search (solver.search.methods; default: %(default)s, one CP-SAT run)",
    )
    search.add_argument(
        "--by-size",
        action="store_true",
        help="pick the search by problem size, as the Curtois & Qu benchmark "
        "does (solver.search.methods.method_by_size): LNS or decomposition for big calendars",
    )
    v = sub.add_parser("validate", help="check a solution against a problem")
    v.add_argument("problem", type=Path)
    v.add_argument("solution", type=Path)
    j = sub.add_parser("schema", help="print the JSON Schema of a problem or solution file")
    j.add_argument("document", choices=SCHEMAS)
    args = ap.parse_args(argv)
    if args.command == "schema":
        print(json.dumps(schema(args.document), indent=2))
        return 0
    try:
        data = json.loads(args.problem.read_text())
        problem, options = problem_from_dict(data), options_from_dict(data)
    except (OSError, ValueError, TypeError) as exc:  # TypeError: a value of the wrong type
        print(f"invalid problem {args.problem}: {exc}", file=sys.stderr)
        return 2
    if args.command == "validate":
        try:
            assignments = _assignments(json.loads(args.solution.read_text()))
        except (OSError, ValueError) as exc:
            print(f"invalid solution {args.solution}: {exc}", file=sys.stderr)
            return 2
        report = validate(problem, assignments)
        for bad in report.violations:
            print(f"{bad.rule}: {bad.message} (volunteer {bad.volunteer!r}, shift {bad.shift!r})")
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "objective": report.objective,
                    "objective_by_rule": report.objective_by_rule,
                }
            )
        )
        return 0 if report.ok else 1
    if args.time_limit:
        options = dataclasses.replace(options, time_limit_seconds=args.time_limit)

    def show(p: Progress) -> None:
        print(f"{p.seconds:7.2f}s objective {p.objective} bound {p.bound}", file=sys.stderr)

    options = dataclasses.replace(
        options,
        method=method_by_size(problem) if args.by_size else args.method,
        on_progress=show if args.progress else None,
        log=args.verbose,
    )
    solution = solve(problem, options)
    text = json.dumps(solution_to_dict(solution), indent=2)
    if args.output:
        args.output.write_text(text + "\n")
    else:
        print(text)
    return 0 if solution.has_roster else 1


def _assignments(data: object) -> list[Assignment]:
    rows = data.get("assignments") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ValueError("expected an object with an array of assignments")
    if not all(isinstance(r, dict) and {"volunteer", "shift"} <= set(r) for r in rows):
        raise ValueError('every assignment needs a "volunteer" and a "shift"')
    return [Assignment(r["volunteer"], r["shift"]) for r in rows]


if __name__ == "__main__":
    raise SystemExit(main())
