"""The large neighbourhood search loop that both searches run.

Each round draws a kind of neighbourhood, lets the search re-plan one neighbourhood of
that kind at the kind's current size, keeps the result when it is better, and sizes
the kind by how the round went: a kind whose sub-problems are proven quickly grows,
one that runs out of time shrinks. What a neighbourhood is, how it is solved and what
counts as quick belong to the search (`Neighbourhoods`); the loop keeps the incumbent,
the sizes and, per kind, the tries, improvements and seconds (`KindStats`), which end
up in the solution's stats and in `--verbose` output.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from solver.solution import NeighbourhoodStats

Roster = TypeVar("Roster")
Log = Callable[[str], None]

# Objectives are integral; a float tolerance keeps sums of weights from looking better.
EPSILON = 1e-9


@dataclass(frozen=True)
class Outcome(Generic[Roster]):
    """One round's result.

    `kind` is the kind that ran (a search may fall back to another, as "seat" does to
    "people" when no seat is open). `roster` and `objective` are the whole problem's
    roster and objective the round found, None when it found none it may keep.
    `grow` says whether the size should grow, shrink (False) or stay (None): the size
    named `sized`, by default the kind's own. `detail` describes the neighbourhood for
    the log."""

    kind: str
    roster: Roster | None
    objective: float | None
    grow: bool | None
    detail: str = ""
    sized: str | None = None


class Neighbourhoods(Protocol[Roster]):
    """What a search gives the loop."""

    def kinds(self, sizes: dict[str, int]) -> Sequence[str]:
        """The kinds to draw from now (one listed twice is drawn twice as often)."""
        ...

    def explore(
        self,
        kind: str,
        sizes: dict[str, int],
        roster: Roster,
        objective: float,
        rng: random.Random,
        time_limit: float,
    ) -> Outcome[Roster]:
        """Re-plan one neighbourhood of `kind` around `roster` (whose objective is
        `objective`) within `time_limit`."""
        ...

    def resize(self, kind: str, size: int, grow: bool) -> int:
        """A kind's next size after a round that asked it to grow or shrink."""
        ...


def to_stderr(line: str) -> None:
    """The log of a search run with `SolveOptions(log=True)`."""
    print(line, file=sys.stderr)


@dataclass
class Stats:
    tries: int = 0
    improvements: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Limits:
    """When the loop stops and how long one round may take."""

    deadline: float  # time.perf_counter() value
    round_seconds: float  # the most one round's sub-search gets
    stop_margin: float  # stop when less than this is left
    round_margin: float = 0.0  # kept back from the time left for a round


def improve(
    neighbourhoods: Neighbourhoods[Roster],
    roster: Roster,
    objective: float,
    sizes: dict[str, int],
    limits: Limits,
    rng: random.Random,
    *,
    bound: float = -float("inf"),
    confirm: Callable[[Roster, float], float] | None = None,
    sideways: bool = False,
    on_better: Callable[[float], None] | None = None,
    log: Log | None = None,
) -> tuple[Roster, float, tuple[NeighbourhoodStats, ...]]:
    """The best roster found from `roster` (whose objective is `objective`) until the
    deadline or until it costs no more than `bound`: (roster, objective, per kind
    statistics in the order the kinds were first drawn).

    `confirm` recomputes an objective the search kept as a running total before the
    loop believes it reached the bound. With `sideways`, a round that finds a roster
    as good as the incumbent moves to it (it helps on plateaus) without counting as an
    improvement. `on_better` hears of every better objective. `sizes` (kind -> size)
    is updated in place."""
    stats: dict[str, Stats] = {}
    rounds = 0
    while True:
        left = limits.deadline - time.perf_counter()
        if left < limits.stop_margin:
            break
        if objective <= bound:
            if confirm is not None:
                objective = confirm(roster, objective)
            if objective <= bound:
                break
        rounds += 1
        began = time.perf_counter()
        kind = rng.choice(neighbourhoods.kinds(sizes))
        time_limit = min(limits.round_seconds, left - limits.round_margin)
        outcome = neighbourhoods.explore(kind, sizes, roster, objective, rng, time_limit)
        kept = stats.setdefault(outcome.kind, Stats())
        kept.tries += 1
        if outcome.grow is not None:
            sized = outcome.sized or outcome.kind
            sizes[sized] = neighbourhoods.resize(sized, sizes[sized], outcome.grow)
        if outcome.roster is not None and outcome.objective is not None:
            if outcome.objective < objective - EPSILON:
                roster, objective = outcome.roster, outcome.objective
                kept.improvements += 1
                if on_better is not None:
                    on_better(objective)
                if log:
                    log(f"lns {rounds} ({outcome.kind}{outcome.detail}): {objective:.0f}")
            elif sideways and outcome.objective <= objective + EPSILON:
                roster = outcome.roster
        kept.seconds += time.perf_counter() - began
    summary = tuple(
        NeighbourhoodStats(kind, s.tries, s.improvements, round(s.seconds, 3))
        for kind, s in stats.items()
    )
    if log:
        for s in summary:
            log(f"  {s.kind}: {s.tries} tries, {s.improvements} better, {s.seconds:.1f} s")
    return roster, objective, summary
