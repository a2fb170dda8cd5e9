"""Curtois & Qu instances through the library's own Problem, and the district generator."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver import SolveOptions, solve, validate
from solver.benchmarks.curtois_qu import DATA, main, read_instance
from solver.benchmarks.district import generate

needs_data = pytest.mark.skipif(
    not (DATA / "Instance1.txt").exists(), reason="benchmark data not present"
)


@needs_data
def test_instance1_reads_as_expected():
    inst = read_instance(DATA / "Instance1.txt")
    p = inst.problem
    assert len(p.volunteers) == 8 and len(p.shifts) == 14 and inst.horizon == 14
    assert sum(len(v.unavailable_dates) for v in p.volunteers) == 8
    assert len([r for r in p.requests if r.on]) == 21
    assert len([r for r in p.requests if not r.on]) == 5
    a = p.volunteer("A")
    assert (
        a.max_total_minutes,
        a.min_total_minutes,
        a.max_consecutive_days,
        a.min_consecutive_days,
        a.min_consecutive_days_off,
        a.max_weekends,
    ) == (4320, 3360, 5, 2, 2, 1)


@needs_data
def test_instance1_is_solved_to_the_published_optimum_607():
    inst = read_instance(DATA / "Instance1.txt")
    # plain CP-SAT proves it ("auto" would pick "cp-sat+runs" for its 14 days)
    settings = SolveOptions(time_limit_seconds=30, workers=2, method="cp-sat")
    sol = solve(inst.problem, settings, explain_unfilled=False)
    assert sol.status == "OPTIMAL"
    assert sol.objective == 607 and sol.best_bound == 607
    assert validate(inst.problem, sol.assignments).objective == 607


@needs_data
def test_benchmark_script_writes_rosters(tmp_path: Path, capsys):
    assert main(["--instances", "1", "--time-limit", "20", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Instance1" in out and "607" in out and "maxrss" in out
    lines = (tmp_path / "Instance1.roster.csv").read_text().splitlines()
    assert lines and all(len(line.split(",")) == 3 for line in lines)
    employee, day, kind = lines[0].split(",")
    assert employee in "ABCDEFGH" and 0 <= int(day) < 14 and kind == "D"


@needs_data
def test_benchmark_script_runs_each_seed_and_counts_the_runs_on_target(tmp_path: Path, capsys):
    assert (
        main(["--instances", "1", "--seed", "0-1", "--time-limit", "20", "--out", str(tmp_path)])
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["instance", "seed", "value"]
    assert [line.split()[:3] for line in out[1:3]] == [
        ["Instance1", "0", "607"],
        ["Instance1", "1", "607"],
    ]
    assert out[3] == "Instance1   within 5 % of best-known in 2 of 2 runs; gaps 0.00 / 0.00"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "Instance1.seed0.roster.csv",
        "Instance1.seed1.roster.csv",
    ]


def test_district_generator_is_reproducible():
    a, b = generate(4, 30, seed=5), generate(4, 30, seed=5)
    assert [s.id for s in a.shifts] == [s.id for s in b.shifts]
    assert a.volunteers == b.volunteers and a.travel_minutes == b.travel_minutes
    assert generate(4, 30, seed=6).volunteers != a.volunteers
