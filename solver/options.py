"""How to search: the settings of one solve, kept apart from the instance it solves.

A `Problem` says what to roster; `SolveOptions` says how long to search, with which
seed and how many threads, by which method, and whom to tell of progress. The same
problem can so be solved under different settings, and a search hands its
sub-problems options of their own without rebuilding a problem.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from solver.problem import _fail, _whole
from solver.solution import Progress

ProgressCallback = Callable[[Progress], None]

# The searches `solver.solve` can run (see `solver.search.methods`); "auto" picks one by size.
Method = Literal["auto", "cp-sat", "cp-sat+runs", "cp-sat+lns", "people"]
METHODS: tuple[Method, ...] = get_args(Method)


@dataclass(frozen=True)
class SolveOptions:
    """`time_limit_seconds` bounds the whole search; `seed` is CP-SAT's random seed
    (and the seed of the searches' own random choices); `workers` is CP-SAT's thread
    count. `on_progress` receives a `Progress` on every improving roster. `log` prints
    the search's log: CP-SAT's for the plain "cp-sat" run, each better roster and the
    statistics per kind of neighbourhood for the LNS searches."""

    time_limit_seconds: float = 10.0
    seed: int = 0
    workers: int = 2
    method: Method = "auto"
    on_progress: ProgressCallback | None = None
    log: bool = False

    def __post_init__(self) -> None:
        limit = self.time_limit_seconds
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0:
            _fail("options", f"time_limit_seconds must be a number > 0, got {limit!r}")
        _whole("options", "seed", self.seed)
        if self.seed >= 2**31:  # CP-SAT's random_seed is a 32-bit integer
            _fail("options", f"seed must be below 2**31, got {self.seed}")
        _whole("options", "workers", self.workers, least=1)
        if self.method not in METHODS:
            _fail("options", f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.on_progress is not None and not callable(self.on_progress):
            _fail("options", f"on_progress must be callable, got {self.on_progress!r}")
        if not isinstance(self.log, bool):
            _fail("options", f"log must be true or false, got {self.log!r}")

    def for_part(self, time_limit_seconds: float, seed: int) -> SolveOptions:
        """The options of one CP-SAT run on a part of the problem (a sub-problem of a
        decomposition): the same threads, its own time and seed, no progress reported
        and no log (the search reports its own progress on the whole roster)."""
        return dataclasses.replace(
            self, time_limit_seconds=time_limit_seconds, seed=seed, on_progress=None, log=False
        )
