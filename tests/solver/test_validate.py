"""The validator on rosters broken on purpose."""

from __future__ import annotations

from builders import problem, shift

from solver import Assignment, Volunteer, validate


def _p():
    return problem(
        [shift("x"), shift("y", hour=11)],
        [Volunteer("a"), Volunteer("b")],
        pinned=(Assignment("b", "y"),),
    )


def test_clean_roster_passes():
    report = validate(_p(), [Assignment("a", "x"), Assignment("b", "y")])
    assert report.ok and report.objective == 0


def test_unknown_ids_and_duplicates_are_reported():
    rules = {
        v.rule
        for v in validate(
            _p(),
            [
                Assignment("zz", "x"),
                Assignment("a", "nope"),
                Assignment("b", "y"),
                Assignment("b", "y"),
            ],
        ).violations
    }
    assert rules == {"unknown", "duplicate"}


def test_missing_pin_overlap_and_headcount_are_each_reported():
    report = validate(_p(), [Assignment("a", "x"), Assignment("b", "x"), Assignment("a", "y")])
    rules = [v.rule for v in report.violations]
    assert "pinned" in rules and "no_overlap" in rules and "max_headcount" in rules


def test_objective_is_recomputed_from_the_roster():
    p = _p()
    empty = validate(p, [Assignment("b", "y")])
    # x is uncovered: coverage weight times its priority (3)
    assert empty.objective_by_rule["coverage"] == p.weights.coverage * 3
