"""Why seats stayed open: for each unfilled seat, every volunteer not on the shift is
checked against the hard rules given the rest of the roster, and the first rule
that stops them is reported, grouped into short sentences that are true by
construction.

Those sentences say who is stopped now, not why no other roster does better. When
a whole group of seats asks for more than the people who may fill them can ever
take (a shift kind or the weekends over the horizon, a skill's seats over a week), a
capacity reason says so first: then some of those seats stay open in every roster
(when the night seats outnumber the night shifts the volunteers who may work nights
can take, the difference stays open whatever the search does; figures:
BENCHMARKS-HISTORY.md, "Explain's capacity reasons")."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from solver.check.capacity import shares
from solver.check.rules import forbidden_set, iso_week, static_violation
from solver.check.validate import skill_shortfall, volunteer_violations
from solver.model.rules.reserved_seats import reserved_for
from solver.problem import Assignment, Id, Problem, Shift, Volunteer
from solver.solution import Reason, UnfilledSeat

# (code, phrase for a group of volunteers); the phrase completes "N volunteers ..."
PHRASES = {
    "forbidden": "are excluded from this shift by the coordinator",
    "availability": "are not available {when}",
    "unavailable_date": "are unavailable on {day}",
    "skills": "lack the required skill {skill}",
    "shift_kind": "may not work {kind} shifts",
    "travel_limit": "live more than {travel} minutes away",
    "no_overlap": "already work an overlapping shift",
    "minimum_rest": "would not get their minimum rest between shifts",
    "shifts_per_day": "already work their maximum shifts that day",
    "weekly_hours": "are at their weekly hour limit",
    "weekly_shifts": "are at their weekly shift limit",
    "total_minutes": "are at their total-hours limit",
    "kind_limit": "are at their limit of {kind} shifts",
    "succession": "work a shift the day before or after that may not be followed this way",
    "consecutive_days": "would break their consecutive working-day limits",
    "consecutive_days_off": "would break their minimum run of days off",
    "weekends": "are at their weekend limit",
    "night_shifts": "are at their weekly night-shift limit",
    "full": "could not be added: the shift is at its max headcount",
    "free": "could take it without breaking a hard rule, but {free_why}",
}
# "reserved" (seats kept for a team) has sentences of its own (_reserved_reasons)
ORDER = [*list(PHRASES)[: list(PHRASES).index("full")], "reserved", "full", "free"]
# Every code a Reason can carry (solution.schema.json lists the same): the capacity
# reason, which comes first, the rules of ORDER, and the two for "nobody to ask".
REASON_CODES = ("capacity", *ORDER, "no_skill_holder", "no_volunteers")


def _singular(phrase: str) -> str:
    """Verb agreement for a group of one ("1 volunteer lives ...")."""
    head, _, rest = phrase.partition(" ")
    verbs = {
        "are": "is",
        "lack": "lacks",
        "live": "lives",
        "work": "works",
        "may": "may",
        "would": "would",
        "could": "could",
        "already": "already",
    }
    if head == "already":
        second, _, rest2 = rest.partition(" ")
        return f"already {second}s {rest2}"
    return f"{verbs.get(head, head)} {rest}"


def _when(s: Shift) -> str:
    return f"{s.start:%a %H:%M}-{s.end:%H:%M}"


def _windows_by_date(v: Volunteer) -> dict:
    """Windows indexed by every date they touch, so most checks are one look-up."""
    index: dict = defaultdict(list)
    for w in v.availability or ():
        day = w.start.date()
        while day <= w.end.date():
            index[day].append(w)
            day = day + timedelta(days=1)
    return index


def blocking_rule(
    problem: Problem, v: Volunteer, s: Shift, mine: list[Shift], windows: dict | None = None
) -> tuple[str, str]:
    """(code, detail) of the first hard rule that stops v from also taking s."""
    # fast path for the commonest reason; same answer as static_violation would give
    if (
        windows is not None
        and v.availability is not None
        and s.on_day not in v.unavailable_dates
        and not any(w.start <= s.start and s.end <= w.end for w in windows.get(s.start.date(), ()))
        and Assignment(v.id, s.id) not in forbidden_set(problem)
    ):
        return "availability", ""
    bad = static_violation(problem, v, s)
    if bad is not None:
        if bad.rule == "availability" and s.on_day in v.unavailable_dates:
            return "unavailable_date", ""
        if bad.rule == "travel_limit":
            return "travel_limit", str(v.max_travel_minutes)
        if bad.rule == "skills":
            return "skills", ", ".join(sorted(s.required_skills - v.skills))
        return bad.rule, ""
    broken = volunteer_violations(problem, v, [*mine, s], include_static=False)
    if broken:
        # past the static checks, a broken kind rule is a limit reached, not a ban
        rules = ["kind_limit" if b.rule == "shift_kind" else b.rule for b in broken]
        return min(rules, key=lambda r: ORDER.index(r) if r in ORDER else 99), ""
    return "free", ""


class Capacity:
    """Capacity reasons, worked out once per group of seats: the seats of one shift
    kind over the horizon, the weekend seats over the horizon, and the seats of one
    skill over one ISO week."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.cache: dict[tuple, Reason | None] = {}

    def reasons(self, s: Shift, skill: str | None) -> tuple[Reason, ...]:
        if skill is not None:
            keys: list[tuple] = [("skill", skill, iso_week(s.on_day))]
        else:
            keys = [("kind", s.kind)] if s.kind is not None else []
            if s.on_day.weekday() >= 5:
                keys.append(("weekend",))
        for key in keys:
            if key not in self.cache:
                self.cache[key] = self._work_out(key)
        return tuple(r for r in (self.cache[key] for key in keys) if r is not None)

    def _work_out(self, key: tuple) -> Reason | None:
        p = self.problem
        kind = key[1] if key[0] == "kind" else None
        if key[0] == "skill":
            _, skill, week = key
            group = [s for s in p.shifts if s.skill_needs.get(skill) and iso_week(s.on_day) == week]
            need = sum(s.skill_needs[skill] for s in group)
            pool = tuple(v for v in p.volunteers if skill in v.skills)
        else:
            group = [
                s
                for s in p.shifts
                if s.min_headcount
                and (s.kind == kind if kind is not None else s.on_day.weekday() >= 5)
            ]
            need = sum(s.min_headcount for s in group)
            pool = p.volunteers
        capacity = shares(p, group, kind, pool)
        able, most = len(capacity), sum(capacity.values())
        if not able or most >= need:
            return None
        people = "1 person" if need == 1 else f"{need} people"
        if key[0] != "skill":
            what = "weekend" if kind is None else kind
            message = (
                f"{what} shifts need {people} in all; the {_people(able)} who may "
                f"work them can take {most} at most"
            )
        else:
            monday = min(s.on_day for s in group)
            monday -= timedelta(days=monday.weekday())
            message = (
                f"{skill} seats need {people} in the week of {monday:%a %Y-%m-%d}; "
                f"the {_people(able)} with {skill} can take {most} at most"
            )
        return Reason("capacity", message)


def explain(
    problem: Problem, assignments: list[Assignment], status: str
) -> tuple[UnfilledSeat, ...]:
    shifts = {s.id: s for s in problem.shifts}
    on_shift: dict[Id, list[Volunteer]] = defaultdict(list)
    mine: dict[Id, list[Shift]] = defaultdict(list)
    for a in assignments:
        on_shift[a.shift].append(problem.volunteer(a.volunteer))
        mine[a.volunteer].append(shifts[a.shift])
    free_why = (
        "assigning any of them would not lower the total penalty"
        if status == "OPTIMAL"
        else "the search stopped at the time limit before using them"
    )
    windows = {v.id: _windows_by_date(v) for v in problem.volunteers}
    capacity = Capacity(problem)
    out = []
    for s in problem.shifts:
        here = on_shift.get(s.id, [])
        here_ids = {v.id for v in here}
        others = [v for v in problem.volunteers if v.id not in here_ids]
        open_seats = s.min_headcount - len(here)
        short = skill_shortfall(s, [v.skills for v in here]) if s.skill_needs else {}
        if open_seats <= 0 and not short:
            continue
        blocks = {
            v.id: blocking_rule(problem, v, s, mine.get(v.id, []), windows[v.id]) for v in others
        }
        full = len(here) >= s.max_headcount
        members_free: set[str] = set()
        if s.reservations and not full:
            # a seat still reserved for a team stops everyone outside it
            for v in others:
                if blocks[v.id][0] == "free":
                    teams = reserved_for(s, [h.id for h in here], v.id)
                    if teams:
                        blocks[v.id] = ("reserved", " and ".join(teams))
            for r in s.reservations:
                if any(v.id in r.members and blocks[v.id][0] == "free" for v in others):
                    members_free.add(r.label)
        for skill, count in [(None, open_seats), *sorted(short.items())]:
            if count <= 0:
                continue
            reasons = _reasons(
                s, others, blocks, skill, free_why, full, len(here), frozenset(members_free)
            )
            out.append(
                UnfilledSeat(s.id, count, (*capacity.reasons(s, skill), *reasons), skill=skill)
            )
    return tuple(out)


def _reserved_reasons(
    pool: list[Volunteer], blocks: dict[Id, tuple[str, str]], members_free: frozenset[str]
) -> list[Reason]:
    """One reason per team (or group of teams) whose reserved seats stop people: it
    names the team, and says no member can take the seat when none could be added."""
    stopped: Counter[str] = Counter(blocks[v.id][1] for v in pool if blocks[v.id][0] == "reserved")
    out = []
    for team, n in sorted(stopped.items()):
        outside = f"{_people(n)} outside the team may not"
        if any(label in members_free for label in team.split(" and ")):
            message = f"reserved for team {team}: {outside} take it"
        else:
            message = f"reserved for team {team}: no member can take it ({outside})"
        out.append(Reason("reserved", message, n))
    return out


def _people(n: int) -> str:
    return f"{n} volunteer{'s' if n != 1 else ''}"


def _reasons(
    s: Shift,
    others: list[Volunteer],
    blocks: dict[Id, tuple[str, str]],
    skill: str | None,
    free_why: str,
    full: bool,
    on_shift: int,
    members_free: frozenset[str] = frozenset(),
) -> tuple[Reason, ...]:
    pool = others if skill is None else [v for v in others if skill in v.skills]
    if skill is not None and not pool:
        return (Reason("no_skill_holder", f"nobody else has {skill}"),)
    if not pool:
        if not others and on_shift:
            everyone = (
                "the district's only volunteer is"
                if on_shift == 1
                else f"all {_people(on_shift)} of the district are"
            )
            return (Reason("no_volunteers", f"{everyone} already on this shift"),)
        return (Reason("no_volunteers", "the district has no volunteers"),)
    codes: Counter[str] = Counter()
    details: dict[str, set[str]] = defaultdict(set)
    for v in pool:
        code, detail = blocks[v.id]
        if code == "free" and full:
            code = "full"
        codes[code] += 1
        details[code].add(detail)
    reasons = []
    for code in sorted(codes, key=ORDER.index):
        n = codes[code]
        if code == "reserved":
            reasons.extend(_reserved_reasons(pool, blocks, members_free))
            continue
        phrase = PHRASES[code].format(
            when=_when(s),
            day=f"{s.on_day:%a %Y-%m-%d}",
            kind=s.kind,
            free_why=free_why,
            skill=", ".join(sorted(details[code])),
            travel="/".join(sorted(details[code], key=int)) if code == "travel_limit" else "",
        )
        if code == "availability" and n == len(pool) and skill is None:
            message = f"nobody available {_when(s)}"
        elif skill is not None:
            have = f"{_people(len(pool))} {'have' if len(pool) != 1 else 'has'} {skill}"
            if len(pool) == 1:
                message = f"{have}; they {phrase}"
            elif n == len(pool):
                message = f"{have}; all {n} {phrase}"
            else:
                message = f"{have}; {n} of them {_singular(phrase) if n == 1 else phrase}"
        else:
            message = f"{_people(n)} {_singular(phrase) if n == 1 else phrase}"
        reasons.append(Reason(code, message, n))
    return tuple(reasons)
