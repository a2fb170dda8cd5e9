"""Small builders for solver tests: one or two volunteers, a few shifts.

Imported as `builders` (pytest puts this folder on sys.path: it has no __init__.py).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from functools import cache

from jsonschema import Draft202012Validator

from solver import Assignment, Problem, Shift, SolveOptions, Volunteer, Weights, solve, validate
from solver.io import schema

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def at(day: int, hour: float) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour)


def shift(id, day=0, hour=9, hours=4, station="S", **kw) -> Shift:
    kw.setdefault("min_headcount", 1)
    kw.setdefault("max_headcount", max(1, kw["min_headcount"]))
    return Shift(id=id, station=station, start=at(day, hour), end=at(day, hour + hours), **kw)


def problem(shifts, volunteers, **kw) -> Problem:
    # plain weights: only what a test switches on counts
    kw.setdefault("weights", Weights(fairness=0, travel=0, preference=0, change=0))
    return Problem(shifts=tuple(shifts), volunteers=tuple(volunteers), **kw)


def options(**kw) -> SolveOptions:
    """The tests' search settings: 10 s at most, one worker."""
    kw.setdefault("time_limit_seconds", 10)
    kw.setdefault("workers", 1)
    return SolveOptions(**kw)


def roster(sol) -> set[tuple]:
    return {(a.volunteer, a.shift) for a in sol.assignments}


def solved(p: Problem, **kw):
    """The optimal roster, checked; `kw` changes the `options`."""
    sol = solve(p, options(**kw))
    assert sol.status == "OPTIMAL"
    assert validate(p, sol.assignments).ok
    return sol


def broken_by(p: Problem, pairs) -> set[str]:
    """Rules the validator reports for this roster."""
    return {v.rule for v in validate(p, [Assignment(v, s) for v, s in pairs]).violations}


@cache
def schema_checker(document: str) -> Draft202012Validator:
    """A validator for solver/schemas/<document>.schema.json, formats checked too."""
    definition = schema(document)
    Draft202012Validator.check_schema(definition)
    return Draft202012Validator(definition, format_checker=Draft202012Validator.FORMAT_CHECKER)


__all__ = [
    "MONDAY",
    "Volunteer",
    "at",
    "broken_by",
    "dataclasses",
    "options",
    "problem",
    "roster",
    "schema_checker",
    "shift",
    "solved",
]
