from datetime import UTC, datetime, timedelta

from solver import Problem, Shift, SolveOptions, Volunteer, solve

MONDAY = datetime(2026, 12, 7, 9, tzinfo=UTC)


def test_progress_reports_the_size_of_the_best_roster_so_far():
    shifts = tuple(
        Shift(id=d, station="s", start=MONDAY + timedelta(days=d),
              end=MONDAY + timedelta(days=d, hours=4), min_headcount=2, max_headcount=2)
        for d in range(5)
    )  # fmt: skip
    # Three volunteers for ten seats: at most two shifts each (weekly limit).
    volunteers = tuple(Volunteer(id=v, max_shifts_per_week=2) for v in range(3))
    points = []
    solution = solve(
        Problem(shifts=shifts, volunteers=volunteers),
        SolveOptions(time_limit_seconds=5, workers=1, on_progress=points.append),
    )
    assert points and all(p.assigned is not None for p in points)
    assert points[-1].assigned == len(solution.assignments) == 6
