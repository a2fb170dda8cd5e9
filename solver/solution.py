"""Output types of the solver."""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.problem import Assignment, Id

# Status names follow CP-SAT: OPTIMAL (proven), FEASIBLE (time limit hit with a
# roster), INFEASIBLE (hard rules contradict, e.g. pinned assignments or minimum
# totals), UNKNOWN (no roster found in time).
STATUSES = ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN", "MODEL_INVALID")


@dataclass(frozen=True)
class Reason:
    """Why a seat stayed open. `code` is stable for programs, `message` is for people."""

    code: str
    message: str
    volunteers: int = 0


@dataclass(frozen=True)
class UnfilledSeat:
    """`count` open seats of one shift; `skill` is set for an unfilled skill seat."""

    shift: Id
    count: int
    reasons: tuple[Reason, ...]
    skill: str | None = None


@dataclass(frozen=True)
class Progress:
    """A point of the search: the best roster's objective and size so far, the bound."""

    seconds: float
    objective: float | None
    bound: float
    assigned: int | None = None  # assignments in the best roster so far


@dataclass(frozen=True)
class NeighbourhoodStats:
    """How one kind of large-neighbourhood round fared in a search: the rounds tried,
    those that found a better roster, and the seconds they took in all."""

    kind: str
    tries: int
    improvements: int
    seconds: float


@dataclass(frozen=True)
class Solution:
    """A search's result. `method` names the search that ran (`SolveOptions.method`,
    "auto" resolved); it is empty on the runs a search makes on its sub-problems."""

    status: str
    assignments: tuple[Assignment, ...]
    objective: int | None
    objective_by_rule: dict[str, int]
    best_bound: float
    gap: float | None
    wall_seconds: float
    first_solution_seconds: float | None = None
    unfilled: tuple[UnfilledSeat, ...] = ()
    progress: tuple[Progress, ...] = field(default_factory=tuple)
    method: str = ""
    # Per kind of neighbourhood, for the searches that run large neighbourhood search.
    neighbourhoods: tuple[NeighbourhoodStats, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"solution: unknown status {self.status!r}")

    @classmethod
    def without_roster(
        cls, status: str, bound: float, wall: float, progress: tuple[Progress, ...] = ()
    ) -> Solution:
        """What a search returns when it has no roster to give (none found in time,
        or none exists)."""
        return cls(
            status=status,
            assignments=(),
            objective=None,
            objective_by_rule={},
            best_bound=bound,
            gap=None,
            wall_seconds=wall,
            progress=progress,
        )

    @property
    def has_roster(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")

    def shifts_of(self, volunteer: Id) -> list[Id]:
        return [a.shift for a in self.assignments if a.volunteer == volunteer]

    def volunteers_on(self, shift: Id) -> list[Id]:
        return [a.volunteer for a in self.assignments if a.shift == shift]
