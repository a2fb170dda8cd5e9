"""Reserved seats (adoptions): a team may reserve seats of a shift for its members.

For one reserving team with `k` seats, people outside the team fill at most
`max_headcount - k` seats. For several teams on one shift, two kinds of caps:
people outside every reserving team fill at most `max_headcount - sum(k)`, and for
each team, people outside it fill at most `max_headcount - k`. That is exact for
disjoint teams (the usual case). When teams share members it is looser than a
seat-by-seat matching: a person in both teams counts as "inside" both caps, so the
two teams' reserved seats may be held by fewer people than `sum(k)`.

Members come first on adopted seats: besides the caps, each reserved seat not held
by a member of its team costs `weights.preference` (a soft goal counted under
"preferences"), so when the minimum headcount is already reached a member still
takes an adopted seat rather than it staying empty. The caps are pure functions
here, shared by the model, the explanations and recruitment (the validator checks
them on its own, `validate.reserved_seat_breaches`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ortools.sat.python import cp_model

from solver.model.variables import Variables
from solver.problem import Id, Shift

Cap = tuple[frozenset[Id], int, tuple[str, ...]]


def caps(shift: Shift) -> list[Cap]:
    """(inside, most, teams): people NOT in `inside` fill at most `most` seats;
    `teams` are the labels of the teams the cap protects."""
    rs = shift.reservations
    if not rs:
        return []
    out: list[Cap] = [(r.members, shift.max_headcount - r.seats, (r.label,)) for r in rs]
    if len(rs) > 1:
        everyone = frozenset().union(*(r.members for r in rs))
        out.append(
            (
                everyone,
                shift.max_headcount - sum(r.seats for r in rs),
                tuple(r.label for r in rs),
            )
        )
    return out


def reserved_for(shift: Shift, on: Iterable[Id], newcomer: Id) -> tuple[str, ...]:
    """The teams whose reserved seats stop `newcomer` from joining the people `on` the
    shift (empty: no reservation stops them; the max headcount is not checked here)."""
    ids = [*on, newcomer]
    stopped: list[str] = []
    for inside, most, teams in caps(shift):
        if newcomer in inside:
            continue
        if sum(1 for v in ids if v not in inside) > most:
            stopped.extend(t for t in teams if t not in stopped)
    return tuple(stopped)


def room_for_outsiders(shift: Shift, on: Iterable[Id]) -> int:
    """How many more people outside every reserving team the shift admits."""
    ids = list(on)
    room = shift.max_headcount - len(ids)
    for inside, most, _ in caps(shift):
        room = min(room, most - sum(1 for v in ids if v not in inside))
    return max(0, room)


def non_members_within_caps(variables: Variables) -> list:
    p, m = variables.problem, variables.model
    for si, s in enumerate(p.shifts):
        for inside, most, _ in caps(s):
            on = variables.volunteers_on[si]
            xs = [variables.x[vi, si] for vi in on if p.volunteers[vi].id not in inside]
            if len(xs) > most:
                m.add(sum(xs) <= most)
    return []


def members_first(variables: Variables) -> cp_model.LinearExpr | int:
    """Objective terms: `weights.preference` per reserved seat no member holds."""
    p, m = variables.problem, variables.model
    weight = p.weights.preference
    if not weight:
        return 0
    terms: list = []
    for si, s in enumerate(p.shifts):
        for ri, r in enumerate(s.reservations):
            members = [
                variables.x[vi, si]
                for vi in variables.volunteers_on[si]
                if p.volunteers[vi].id in r.members
            ]
            if not members:
                terms.append(weight * r.seats)  # a constant: nobody can take them
                continue
            empty = m.new_int_var(0, r.seats, f"reserved_empty_{si}_{ri}")
            m.add(empty >= r.seats - sum(members))
            terms.append(weight * empty)
    return sum(terms)
