"""Recruitment advice on the generated district, and whether it keeps its promise.

    python -m solver.benchmarks.recruitment --stations 40 --volunteers 600 --seed 1
        [--time-limit 60] [--advice-time-limit 10] [--workers 2]

Solves the district week (solver.benchmarks.district) for `--time-limit`, asks
`advise()` for the recruits that would fill its open seats (the stations' travel from
`district.station_travel`, the 15-minute circle, recruits held to no weekly limits as
a new registration in the app is), then adds the advised volunteers to the week and
solves it again with the same time limit, from scratch and from the roster advised on
(as a hint; the recruits start off duty). Prints the open seats, the
advice's time, profiles, volunteers and promised seats, and the seats the re-solve
fills against the promise. The advice's own roster has passed `validate` with the
promised seats filled (`advise` checks it); the re-solve shows that the solver, not
the advice, finds them too.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable

from solver.benchmarks.district import generate, station_travel
from solver.check.validate import validate
from solver.options import SolveOptions
from solver.problem import Assignment, Problem
from solver.recruitment import CIRCLE_MINUTES, advise, open_seats
from solver.search.cpsat import solve_whole


def count_open(problem: Problem, assignments: Iterable[Assignment]) -> int:
    return sum(o.count for o in open_seats(problem, assignments).values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=40)
    ap.add_argument("--volunteers", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--advice-time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    problem = generate(args.stations, args.volunteers, args.seed)
    # the generator's seed is the searches' too, as the recorded runs had it
    options = SolveOptions(time_limit_seconds=args.time_limit, seed=args.seed, workers=args.workers)
    travel = station_travel(args.stations, args.seed)
    print(
        f"district: {args.stations} stations, {args.volunteers} volunteers, "
        f"{len(problem.shifts)} shifts; solve {args.time_limit:g} s, "
        f"advice {args.advice_time_limit:g} s, {args.workers} workers"
    )
    solution = solve_whole(problem, options)
    before = count_open(problem, solution.assignments)
    print(
        f"roster: {solution.status}, {len(solution.assignments)} assignments, "
        f"{solution.wall_seconds:.1f} s; open seats: {before}"
    )

    started = time.perf_counter()
    advice = advise(
        problem,
        solution,
        station_travel=travel,
        circle_minutes=CIRCLE_MINUTES,
        options=SolveOptions(
            time_limit_seconds=args.advice_time_limit, seed=args.seed, workers=args.workers
        ),
    )
    advice_seconds = time.perf_counter() - started
    print(
        f"advice: {advice_seconds:.2f} s ({advice.status}); {len(advice.profiles)} profiles, "
        f"{advice.volunteers_needed} volunteers, {advice.seats_filled} of {advice.open_seats} "
        "open seats promised"
    )
    for p in advice.profiles[:5]:
        print(
            f"  {p.volunteers_needed} x {sorted(p.skills) or 'no skill'}, weekday {p.weekday} "
            f"{p.start}-{p.end}, near {p.near_station}: {p.seats_filled} seats"
        )

    grown = advice.problem_with_recruits(problem)
    proof = validate(grown, advice.roster)
    proof_open = count_open(grown, advice.roster)
    print(
        f"advice's roster: valid {proof.ok}, open seats {proof_open} (fills {before - proof_open})"
    )
    recruits = {v.id for v in advice.volunteers(problem)}
    kept = proof.ok
    # From scratch, as a new roster request is solved; from the roster advised on (a
    # hint without the recruits: the solver must place them itself), as a coordinator
    # who re-solves the week they recruited for starts near the roster they had; and
    # from the advice's own roster (the recruits on the seats they were counted for):
    # what the solver keeps of a start that holds the promise.
    starts = (
        ("from scratch", None),
        ("from the roster", solution.assignments),
        ("from the advice's roster", advice.roster),
    )
    for label, hint in starts:
        again = solve_whole(grown, options, hint=hint)
        after = count_open(grown, again.assignments)
        filled = before - after
        used = {a.volunteer for a in again.assignments if a.volunteer in recruits}
        print(
            f"re-solve with the advised volunteers, {label}: {again.status}, "
            f"{again.wall_seconds:.1f} s; open seats {after}: {filled} filled, "
            f"{advice.seats_filled} promised "
            f"({'kept' if filled >= advice.seats_filled else 'NOT kept'}); "
            f"{len(used)} of {len(recruits)} recruits on duty"
        )
        kept = kept and filled >= advice.seats_filled
    return 0 if kept else 1


if __name__ == "__main__":
    raise SystemExit(main())
