"""A roster checked against every hard rule, and its objective recomputed (see the
package's docstring): the static rules of a pair, the rules of a shift's headcount and
reserved seats, and each volunteer's rules (check.rules)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from solver.check.capacity import capacity_minutes
from solver.check.rules import VOLUNTEER_RULES, Duties, Violation, static_violation
from solver.problem import Assignment, Id, Problem, Shift, Volunteer

OBJECTIVE_RULES = (
    "coverage",
    "skill_needs",
    "preferences",
    "requests",
    "fairness",
    "travel",
    "changes",
)


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    objective_by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def objective(self) -> int:
        return sum(self.objective_by_rule.values())


def volunteer_violations(
    problem: Problem, v: Volunteer, shifts: Iterable[Shift], include_static: bool = True
) -> list[Violation]:
    """Every hard rule broken by giving volunteer v exactly these shifts: the static
    rules of each shift (with `include_static`), then each rule of
    check.rules.VOLUNTEER_RULES in turn."""
    duties = Duties(problem, v, shifts)
    out: list[Violation] = []
    if include_static:
        for s in duties.shifts:
            bad = static_violation(problem, v, s)
            if bad is not None:
                out.append(bad)
    for check in VOLUNTEER_RULES.values():
        out.extend(check(duties))
    return out


def max_skill_seats(shift: Shift, holders: Sequence[frozenset[str]]) -> int:
    """Skill seats filled by the best matching of assignees to seats (one seat each)."""
    return len(skill_matching(shift, holders))


def skill_matching(shift: Shift, holders: Sequence[frozenset[str]]) -> dict[int, str]:
    """A best matching of the people on a shift to its skill seats (one seat each):
    person index -> the skill of the seat they sit on (augmenting paths)."""
    seats = [skill for skill, n in sorted(shift.skill_needs.items()) for _ in range(n)]
    owner: dict[int, int] = {}

    def augment(person: int, seen: set[int]) -> bool:
        for i, skill in enumerate(seats):
            if skill in holders[person] and i not in seen:
                seen.add(i)
                if i not in owner or augment(owner[i], seen):
                    owner[i] = person
                    return True
        return False

    for person in range(len(holders)):
        augment(person, set())
    return {person: seats[i] for i, person in owner.items()}


def skill_shortfall(shift: Shift, holders: Sequence[frozenset[str]]) -> dict[str, int]:
    """Unfilled seats per skill in a best matching (greedy per skill, then exact total)."""
    total_missing = sum(shift.skill_needs.values()) - max_skill_seats(shift, holders)
    if not total_missing:
        return {}
    # Attribute the shortfall per skill: a skill is short by at least what its holders
    # cannot cover on their own; any remainder is spread in name order.
    out: dict[str, int] = {}
    for skill, need in sorted(shift.skill_needs.items()):
        have = sum(skill in h for h in holders)
        if have < need:
            out[skill] = need - have
    rest = total_missing - sum(out.values())
    for skill in sorted(shift.skill_needs):
        if rest <= 0:
            break
        room = shift.skill_needs[skill] - out.get(skill, 0)
        take = min(room, rest)
        if take:
            out[skill] = out.get(skill, 0) + take
            rest -= take
    return out


def reserved_seat_breaches(s: Shift, on: Sequence[Id]) -> list[str]:
    """Reserved seats (adoptions): people outside a reserving team hold at most
    max_headcount - its seats; people outside every reserving team at most
    max_headcount - all reserved seats. Written apart from rules.reserved_seats."""
    out = []
    for r in s.reservations:
        outside = sum(1 for v in on if v not in r.members)
        if outside > s.max_headcount - r.seats:
            out.append(
                f"{outside} people outside team {r.label}, at most "
                f"{s.max_headcount - r.seats}: {r.seats} seats are reserved for the team"
            )
    if len(s.reservations) > 1:
        members = set().union(*(r.members for r in s.reservations))
        reserved = sum(r.seats for r in s.reservations)
        outside = sum(1 for v in on if v not in members)
        if outside > s.max_headcount - reserved:
            out.append(
                f"{outside} people outside every reserving team, at most "
                f"{s.max_headcount - reserved}: {reserved} seats are reserved"
            )
    return out


def validate(problem: Problem, assignments: Iterable[Assignment]) -> Report:
    """Check every hard rule and compute the objective of a roster."""
    report = Report()
    found = list(assignments)
    seen: set[Assignment] = set()
    by_volunteer: dict[Id, list[Shift]] = defaultdict(list)
    by_shift: dict[Id, list[Volunteer]] = defaultdict(list)
    shifts = {s.id: s for s in problem.shifts}
    volunteers = {v.id: v for v in problem.volunteers}
    for a in found:
        if a.volunteer not in volunteers or a.shift not in shifts:
            report.violations.append(
                Violation("unknown", f"unknown id in {a}", a.volunteer, a.shift)
            )
            continue
        if a in seen:
            report.violations.append(
                Violation("duplicate", f"{a} listed twice", a.volunteer, a.shift)
            )
            continue
        seen.add(a)
        by_volunteer[a.volunteer].append(shifts[a.shift])
        by_shift[a.shift].append(volunteers[a.volunteer])
    for a in problem.pinned:
        if a not in seen:
            report.violations.append(
                Violation("pinned", "pinned assignment missing", a.volunteer, a.shift)
            )
    for v in problem.volunteers:  # everyone: working nothing can break a minimum total
        report.violations.extend(volunteer_violations(problem, v, by_volunteer.get(v.id, [])))
    for s in problem.shifts:
        n = len(by_shift[s.id])
        if n > s.max_headcount:
            report.violations.append(
                Violation("max_headcount", f"{n} people, max {s.max_headcount}", shift=s.id)
            )
        for message in reserved_seat_breaches(s, [v.id for v in by_shift[s.id]]):
            report.violations.append(Violation("reserved_seats", message, shift=s.id))
    report.objective_by_rule = objective_by_rule(problem, by_volunteer, by_shift, seen)
    return report


def objective_by_rule(
    problem: Problem,
    by_volunteer: dict[Id, list[Shift]],
    by_shift: dict[Id, list[Volunteer]],
    assigned: set[Assignment],
) -> dict[str, int]:
    w = problem.weights
    terms = dict.fromkeys(OBJECTIVE_RULES, 0)
    for s in problem.shifts:
        n = len(by_shift.get(s.id, ()))
        under = s.under_cover_weight(w)
        terms["coverage"] += under * max(0, s.min_headcount - n)
        terms["coverage"] += s.over_weight * max(0, n - s.min_headcount)
        if s.reservations:  # members first: a reserved seat no member holds
            on = {v.id for v in by_shift.get(s.id, ())}
            empty = sum(max(0, r.seats - len(r.members & on)) for r in s.reservations)
            terms["preferences"] += w.preference * empty
        if s.skill_needs:
            holders = [v.skills for v in by_shift.get(s.id, ())]
            missing = sum(s.skill_needs.values()) - max_skill_seats(s, holders)
            terms["skill_needs"] += w.skill_need * missing
    volunteers = {v.id: v for v in problem.volunteers}
    for vid, mine in by_volunteer.items():
        v = volunteers[vid]
        liked_times = v.availability is not None and any(x.preferred for x in v.availability)
        for s in mine:
            if liked_times:
                window = v.available_for(s.start, s.end)
                if window is None or not window.preferred:
                    terms["preferences"] += w.preference
            if v.preferred_stations and s.station not in v.preferred_stations:
                terms["preferences"] += w.preference
            travel = problem.travel(vid, s.station)
            if travel is not None:
                terms["travel"] += w.travel * travel
    worked_kinds: dict[tuple[Id, date], set[str | None]] = defaultdict(set)
    for vid, mine in by_volunteer.items():
        for s in mine:
            worked_kinds[vid, s.on_day].add(s.kind)
    for r in problem.requests:
        kinds = worked_kinds.get((r.volunteer, r.day), set())
        works = bool(kinds) if r.kind is None else r.kind in kinds
        if works != r.on:
            terms["requests"] += w.request * r.weight
    if w.fairness:
        loads = []
        for v in problem.volunteers:
            cap = capacity_minutes(problem, v)
            if cap:
                minutes = sum(s.minutes for s in by_volunteer.get(v.id, ()))
                loads.append(math.ceil(100 * minutes / cap))
        terms["fairness"] = w.fairness * max(loads, default=0)
    previous = set(problem.previous)
    if previous:
        terms["changes"] = w.change * len(previous ^ assigned)
    return terms
