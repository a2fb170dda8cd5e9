"""The shared LNS loop (solver.search.loop) on a toy search: a "roster" is a number,
its objective the number itself, and each kind of neighbourhood lowers it by a fixed
step, or finds nothing. No CP-SAT: the loop's bookkeeping alone."""

import random
import time
from collections.abc import Sequence

from solver.search.loop import Limits, Outcome, improve


class Steps:
    """Kind -> (how much a round lowers the number, whether its size should grow).
    A kind "dud" finds nothing; "seat" runs as "people", as the real searches fall
    back when no seat is open."""

    def __init__(self, steps: dict[str, tuple[int, bool | None]], floor: int = 0) -> None:
        self.steps = steps
        self.floor = floor
        self.explored: list[tuple[str, int]] = []

    def kinds(self, sizes: dict[str, int]) -> Sequence[str]:
        return list(self.steps)

    def explore(
        self,
        kind: str,
        sizes: dict[str, int],
        roster: int,
        objective: float,
        rng: random.Random,
        time_limit: float,
    ) -> Outcome[int]:
        assert time_limit > 0
        ran = "people" if kind == "seat" else kind
        self.explored.append((ran, sizes[ran]))
        step, grow = self.steps[kind]
        if kind == "dud":
            return Outcome(ran, None, None, grow)
        found = max(self.floor, roster - step)
        return Outcome(ran, found, float(found), grow)

    def resize(self, kind: str, size: int, grow: bool) -> int:
        return size * 2 if grow else max(1, size // 2)


def limits(seconds: float = 5.0) -> Limits:
    return Limits(deadline=time.perf_counter() + seconds, round_seconds=1.0, stop_margin=0.0)


def test_the_loop_keeps_better_rosters_until_the_bound_and_counts_each_kind():
    # No roster is better than 10: a true bound.
    search = Steps({"days": (1, True), "people": (2, False), "dud": (0, None)}, floor=10)
    sizes = {"days": 4, "people": 8, "dud": 1}
    better: list[float] = []
    roster, objective, stats = improve(
        search, 30, 30.0, sizes, limits(), random.Random(0), bound=10.0, on_better=better.append
    )
    assert roster == 10 and objective == 10.0  # stopped at the bound, well before the deadline
    assert better == sorted(better, reverse=True) and better[-1] == 10.0
    by_kind = {s.kind: s for s in stats}
    assert sum(s.tries for s in stats) == len(search.explored)
    assert by_kind["dud"].improvements == 0 and by_kind["dud"].tries > 0
    assert by_kind["days"].improvements + by_kind["people"].improvements == len(better)
    assert all(s.seconds >= 0 for s in stats)
    # days grew after each of its rounds, people shrank (to 1 at least), dud never changed
    assert sizes["days"] == 4 * 2 ** by_kind["days"].tries
    assert sizes["people"] == max(1, 8 // 2 ** by_kind["people"].tries)
    assert sizes["dud"] == 1


def test_a_round_is_counted_and_sized_under_the_kind_that_ran():
    search = Steps({"seat": (1, False)})
    sizes = {"seat": 100, "people": 16}
    _, objective, stats = improve(search, 3, 3.0, sizes, limits(), random.Random(1), bound=0.0)
    assert objective == 0.0
    assert [(s.kind, s.tries, s.improvements) for s in stats] == [("people", 3, 3)]
    assert sizes == {"seat": 100, "people": 2}
    assert search.explored == [("people", 16), ("people", 8), ("people", 4)]


def test_sideways_moves_are_taken_only_when_asked_and_are_no_improvement():
    class Sideways(Steps):
        def explore(self, kind, sizes, roster, objective, rng, time_limit):  # type: ignore[no-untyped-def]
            self.explored.append((kind, sizes[kind]))
            return Outcome(kind, roster + 1000, 5.0, None)  # another roster, the same cost

    for sideways in (False, True):
        search = Sideways({"days": (0, None)})
        roster, objective, stats = improve(
            search, 1, 5.0, {"days": 1}, limits(0.05), random.Random(2), sideways=sideways
        )
        assert objective == 5.0 and stats[0].improvements == 0 and stats[0].tries > 0
        assert roster == (1 + 1000 * stats[0].tries if sideways else 1)


def test_a_running_total_is_confirmed_before_the_loop_stops_at_the_bound():
    confirmed: list[int] = []

    def recount(roster: int, objective: float) -> float:
        confirmed.append(roster)
        return float(roster + 1)  # the running total was one too low

    search = Steps({"days": (1, None)}, floor=0)
    roster, objective, _ = improve(
        search, 5, 4.0, {"days": 1}, limits(), random.Random(3), bound=4.0, confirm=recount
    )
    # 4.0 <= bound was not believed: recounted as 6, the loop went on to 3 (+1 = 4).
    assert confirmed[0] == 5 and objective == 4.0 and roster == 3


def test_the_loop_stops_at_its_deadline():
    search = Steps({"dud": (0, None)})
    started = time.perf_counter()
    roster, objective, stats = improve(search, 7, 7.0, {"dud": 1}, limits(0.2), random.Random(4))
    assert (roster, objective) == (7, 7.0)
    assert 0.2 <= time.perf_counter() - started < 2.0
    assert stats[0].tries == len(search.explored) > 0


def test_a_kind_may_size_another_kinds_neighbourhood():
    class SharedSize(Steps):  # "seat" counted as itself but sized as "people"
        def explore(self, kind, sizes, roster, objective, rng, time_limit):  # type: ignore[no-untyped-def]
            outcome = super().explore(kind, sizes, roster, objective, rng, time_limit)
            return Outcome("seat", outcome.roster, outcome.objective, True, sized="people")

    sizes = {"seat": 5, "people": 1}
    _, _, stats = improve(
        SharedSize({"seat": (1, True)}), 2, 2.0, sizes, limits(), random.Random(5), bound=0.0
    )
    assert [(s.kind, s.tries) for s in stats] == [("seat", 2)]
    assert sizes == {"seat": 5, "people": 4}
