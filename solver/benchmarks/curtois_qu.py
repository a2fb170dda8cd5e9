"""Curtois & Qu nurse rostering instances, read into the library's own Problem.

    python -m solver.benchmarks.curtois_qu [--instances 1-24] [--time-limit S]
        [--workers N] [--seed S | --seed 0-7] [--out DIR] [--data DIR]

Mapping (see /work/shared/benchmarks/curtois-qu/README.md): day d is a date
(day 0 is Monday 2024-01-01), a shift type is a daily shift with `kind` = type id
starting 08:00 UTC, MaxShifts = 0 is a missing skill `type:<id>`, other MaxShifts
are per-kind limits, days off are unavailable dates, on/off requests are day
requests, cover lines are shift targets with under/over weights and a max headcount
of the whole staff. Each instance is solved by the library's `solve` with the method
"auto" (`solver.search.lns` on the whole model, or `solver.search.people` for the big ones:
`solver.search.methods` picks by size) and checked with `validate`.
"""

from __future__ import annotations

import argparse
import csv
import math
import resource
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from solver.options import SolveOptions
from solver.problem import Assignment, DayRequest, Id, Problem, Shift, Volunteer, Weights

DATA = Path("/work/shared/benchmarks/curtois-qu")
DAY0 = date(2024, 1, 1)  # a Monday, as day 0 of every instance


@dataclass
class Instance:
    name: str
    problem: Problem
    employees: Sequence[Id]  # in the file's order
    shift_types: list[str]
    horizon: int


def _sections(text: str) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            sections[current] = []
        elif current is not None:
            sections[current].append(line.split(","))
    return sections


def shift_id(day: int, kind: str) -> str:
    return f"{day}:{kind}"


def read_instance(path: Path) -> Instance:
    sec = _sections(path.read_text())
    horizon = int(sec["SECTION_HORIZON"][0][0])
    lengths: dict[str, int] = {}
    successions = set()
    for row in sec["SECTION_SHIFTS"]:
        kind, length = row[0], int(row[1])
        lengths[kind] = length
        for nxt in filter(None, (row[2] if len(row) > 2 else "").split("|")):
            successions.add((kind, nxt))
    days_off: dict[str, set[date]] = {}
    for row in sec.get("SECTION_DAYS_OFF", []):
        days_off[row[0]] = {DAY0 + timedelta(days=int(d)) for d in row[1:] if d}
    employees = [row[0] for row in sec["SECTION_STAFF"]]
    volunteers = []
    for row in sec["SECTION_STAFF"]:
        eid = row[0]
        limits = {k: int(v) for k, v in (item.split("=") for item in row[1].split("|"))}
        volunteers.append(
            Volunteer(
                id=eid,
                skills=frozenset(f"type:{k}" for k in lengths if limits.get(k, 1) > 0),
                unavailable_dates=frozenset(days_off.get(eid, set())),
                max_shifts_per_day=1,
                max_total_minutes=int(row[2]),
                min_total_minutes=int(row[3]),
                max_consecutive_days=int(row[4]),
                min_consecutive_days=int(row[5]),
                min_consecutive_days_off=int(row[6]),
                max_weekends=int(row[7]),
                max_shifts_per_kind={k: v for k, v in limits.items() if v > 0},
            )
        )
    requests = []
    for section, on in (("SECTION_SHIFT_ON_REQUESTS", True), ("SECTION_SHIFT_OFF_REQUESTS", False)):
        for row in sec.get(section, []):
            requests.append(
                DayRequest(
                    volunteer=row[0],
                    day=DAY0 + timedelta(days=int(row[1])),
                    on=on,
                    kind=row[2],
                    weight=int(row[3]),
                )
            )
    shifts = []
    for row in sec["SECTION_COVER"]:
        day, kind = int(row[0]), row[1]
        start = datetime.combine(
            DAY0 + timedelta(days=day), datetime.min.time(), tzinfo=UTC
        ) + timedelta(hours=8)
        shifts.append(
            Shift(
                id=shift_id(day, kind),
                station=kind,
                kind=kind,
                start=start,
                end=start + timedelta(minutes=lengths[kind]),
                min_headcount=int(row[2]),
                max_headcount=len(employees),
                required_skills=frozenset({f"type:{kind}"}),
                under_weight=int(row[3]),
                over_weight=int(row[4]),
            )
        )
    weights = Weights(
        coverage=0, skill_need=0, preference=0, request=1, fairness=0, travel=0, change=0
    )
    problem = Problem(
        shifts=tuple(shifts),
        volunteers=tuple(volunteers),
        requests=tuple(requests),
        forbidden_successions=frozenset(successions),
        first_day=DAY0,
        last_day=DAY0 + timedelta(days=horizon - 1),
        weights=weights,
    )
    return Instance(path.stem, problem, employees, list(lengths), horizon)


def best_known(data: Path = DATA) -> dict[str, tuple[int, int]]:
    with open(data / "best_known.csv") as f:
        return {
            row["instance"]: (int(row["best_lower_bound"]), int(row["best_upper_bound"]))
            for row in csv.DictReader(f)
        }


def write_roster(instance: Instance, assignments: Iterable[Assignment], path: Path) -> None:
    shifts = {s.id: s for s in instance.problem.shifts}
    rows = sorted(
        (
            (a.volunteer, (shifts[a.shift].on_day - DAY0).days, shifts[a.shift].kind)
            for a in assignments
        ),
        key=lambda r: (instance.employees.index(r[0]), r[1]),
    )
    with open(path, "w") as f:
        for employee, day, kind in rows:
            f.write(f"{employee},{day},{kind}\n")


def _parse_range(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="1-24")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--seed", default="0", help="a seed or a range (0-7): one run of each instance per seed"
    )
    ap.add_argument("--out", type=Path, default=Path("curtois-qu-out"))
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument(
        "--verbose",
        action="store_true",
        help="the search's log on stderr: each better roster and, per kind of "
        "neighbourhood, the rounds tried, the better ones and their seconds",
    )
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    known = best_known(args.data)
    seeds = _parse_range(args.seed)
    several = len(seeds) > 1

    def seed_column(value: int | str) -> str:  # only when there are several seeds
        return f"{value:>5}" if several else ""

    print(
        f"{'instance':<11}{seed_column('seed')}{'value':>8}{'best':>8}{'gap%':>8}"
        f"{'bound':>8}{'sec':>8}{'first':>8}  status   method",
        flush=True,
    )
    failures = 0
    for n in _parse_range(args.instances):
        gaps = []
        inst = read_instance(args.data / f"Instance{n}.txt")
        for seed in seeds:
            options = SolveOptions(
                time_limit_seconds=args.time_limit,
                seed=seed,
                workers=args.workers,
                log=args.verbose,
            )
            roster = f"{inst.name}.seed{seed}" if several else inst.name
            row, gap = _run(inst, options, known[inst.name][1], args.out / f"{roster}.roster.csv")
            print(f"{inst.name:<11}{seed_column(seed)}{row}", flush=True)
            if gap is None:
                failures += 1
            else:
                gaps.append(gap)
        if several and gaps:
            within = sum(g <= TARGET_GAP for g in gaps)
            print(
                f"{inst.name:<11} within {TARGET_GAP:g} % of best-known in {within} of "
                f"{len(seeds)} runs; gaps {' / '.join(f'{g:.2f}' for g in gaps)}",
                flush=True,
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (maxrss): {rss:.0f} MB")
    return 1 if failures else 0


TARGET_GAP = 5.0  # percent: the target for Instances 8-14


def _run(
    inst: Instance, options: SolveOptions, best: int, roster_path: Path
) -> tuple[str, float | None]:
    """Solve one instance, validate it and write its roster: the table row from
    `value` on, and the gap to `best` (None when there is no valid roster)."""
    from solver.check.validate import validate
    from solver.search.methods import solve

    started = time.perf_counter()
    sol = solve(inst.problem, options, explain_unfilled=False)
    seconds = time.perf_counter() - started
    status, gap, bound = sol.status, None, "-"
    value: int | str = "-"
    first: float | str = "-"
    if sol.has_roster:
        report = validate(inst.problem, sol.assignments)
        if report.ok:
            write_roster(inst, sol.assignments, roster_path)
            value, gap = report.objective, 100.0 * (report.objective - best) / best
            bound = f"{sol.best_bound:.0f}" if math.isfinite(sol.best_bound) else "-"
            seconds_first = sol.first_solution_seconds
            first = "None" if seconds_first is None else round(seconds_first, 1)
        else:  # never expected: solve() validates too
            print(f"{inst.name}: INVALID {report.violations[:3]}", file=sys.stderr)
            status = "INVALID"
    gap_text = "-" if gap is None else f"{gap:.2f}"
    row = (
        f"{value:>8}{best:>8}{gap_text:>8}{bound:>8}{seconds:>8.1f}{first!s:>8}  "
        f"{status:<8} {sol.method}"
    )
    return row, gap


if __name__ == "__main__":
    raise SystemExit(main())
