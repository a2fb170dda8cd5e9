"""JSON in and out.

Datetimes are ISO 8601 strings with an offset, dates are YYYY-MM-DD, ids are JSON
strings or integers and come back as given. The documents' JSON Schemas are in
solver/schemas/ (`schema("problem")`, `schema("solution")`); the reader also checks
what a schema cannot say (see solver/README.md).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from solver.options import SolveOptions
from solver.problem import (
    VOLUNTEER_LIMITS,
    Assignment,
    AvailabilityWindow,
    DayRequest,
    FixedDuty,
    Problem,
    Reservation,
    Shift,
    Volunteer,
    Weights,
)
from solver.solution import Solution

SCHEMAS = ("problem", "solution")

# The settings a problem file may carry for `python -m solver solve`: options of that
# run (`SolveOptions`), not part of the problem.
FILE_OPTIONS = ("time_limit_seconds", "seed", "workers")


def schema(document: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a problem or a solution file."""
    if document not in SCHEMAS:
        raise ValueError(f"no schema for {document!r}; there are {SCHEMAS}")
    path = Path(__file__).parent / "schemas" / f"{document}.schema.json"
    return json.loads(path.read_text())


def _object(what: str, row: Any, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    """`row` as a JSON object with only `allowed` fields and every `required` one."""
    if not isinstance(row, dict):
        raise ValueError(f"{what}: expected a JSON object, got {row!r}")
    unknown = set(row) - allowed
    if unknown:
        raise ValueError(f"{what}: unknown field(s) {sorted(unknown)}")
    missing = [name for name in required if name not in row]
    if missing:
        raise ValueError(f"{what}: missing field(s) {missing}")
    return row


def _list(what: str, value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{what}: expected a JSON array, got {value!r}")
    return value


def _dt(what: str, text: Any) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: expected an ISO 8601 date and time, got {text!r}") from None


def _date(what: str, text: Any) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: expected a date YYYY-MM-DD, got {text!r}") from None


def _assignments(data: dict[str, Any], name: str) -> tuple[Assignment, ...]:
    rows = (
        _object(f"{name} assignment", r, {"volunteer", "shift"}, ("volunteer", "shift"))
        for r in _list(name, data.get(name))
    )
    return tuple(Assignment(r["volunteer"], r["shift"]) for r in rows)


def _fixed_duty(what: str, row: Any) -> FixedDuty:
    _object(f"{what}: fixed duty", row, _names(FixedDuty), ("start", "end"))
    return FixedDuty(
        start=_dt(f"{what}: fixed duty start", row["start"]),
        end=_dt(f"{what}: fixed duty end", row["end"]),
        day=_date(f"{what}: fixed duty day", row["day"]) if row.get("day") else None,
    )


def _reservation(what: str, row: Any) -> Reservation:
    _object(f"{what}: reservation", row, _names(Reservation), ("team", "seats"))
    return Reservation(
        team=row["team"],
        members=frozenset(_list(f"{what}: reservation members", row.get("members"))),
        seats=row["seats"],
        name=row.get("name", ""),
    )


def _names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def problem_from_dict(data: Any) -> Problem:
    """The problem a JSON document describes; ValueError saying what is wrong, and
    where, for anything malformed. The run's options the document may carry are read
    by `options_from_dict`."""
    _object("problem", data, _names(Problem) | set(FILE_OPTIONS))
    shifts = []
    for r in _list("shifts", data.get("shifts")):
        what = f"shift {r.get('id') if isinstance(r, dict) else r!r}"
        _object(what, r, _names(Shift), ("id", "station", "start", "end"))
        shifts.append(
            Shift(
                id=r["id"],
                station=r["station"],
                start=_dt(f"{what}: start", r["start"]),
                end=_dt(f"{what}: end", r["end"]),
                min_headcount=r.get("min_headcount", 1),
                max_headcount=r.get("max_headcount", 1),
                skill_needs=r.get("skill_needs") or {},
                required_skills=frozenset(
                    _list(f"{what}: required_skills", r.get("required_skills"))
                ),
                priority=r.get("priority", 3),
                kind=r.get("kind"),
                day=_date(f"{what}: day", r["day"]) if r.get("day") else None,
                under_weight=r.get("under_weight"),
                over_weight=r.get("over_weight", 0),
                reservations=tuple(
                    _reservation(what, x)
                    for x in _list(f"{what}: reservations", r.get("reservations"))
                ),
            )
        )
    volunteers = []
    for r in _list("volunteers", data.get("volunteers")):
        what = f"volunteer {r.get('id') if isinstance(r, dict) else r!r}"
        _object(what, r, _names(Volunteer), ("id",))
        windows = r.get("availability")
        volunteers.append(
            Volunteer(
                id=r["id"],
                skills=frozenset(_list(f"{what}: skills", r.get("skills"))),
                availability=None
                if windows is None
                else tuple(_window(what, w) for w in _list(f"{what}: availability", windows)),
                unavailable_dates=frozenset(
                    _date(f"{what}: unavailable_dates", d)
                    for d in _list(f"{what}: unavailable_dates", r.get("unavailable_dates"))
                ),
                preferred_stations=frozenset(
                    _list(f"{what}: preferred_stations", r.get("preferred_stations"))
                ),
                max_shifts_per_kind=r.get("max_shifts_per_kind") or {},
                fixed_duties=tuple(
                    _fixed_duty(what, d)
                    for d in _list(f"{what}: fixed_duties", r.get("fixed_duties"))
                ),
                **{k: r[k] for k in VOLUNTEER_LIMITS if r.get(k) is not None},
            )
        )
    travel = [
        _object(
            "travel minutes",
            t,
            {"volunteer", "station", "minutes"},
            ("volunteer", "station", "minutes"),
        )
        for t in _list("travel_minutes", data.get("travel_minutes"))
    ]
    requests = [
        _object("day request", r, _names(DayRequest), ("volunteer", "day", "on"))
        for r in _list("requests", data.get("requests"))
    ]
    weights = _object("weights", data.get("weights") or {}, _names(Weights))
    return Problem(
        shifts=tuple(shifts),
        volunteers=tuple(volunteers),
        travel_minutes={(t["volunteer"], t["station"]): t["minutes"] for t in travel},
        pinned=_assignments(data, "pinned"),
        forbidden=_assignments(data, "forbidden"),
        previous=_assignments(data, "previous"),
        requests=tuple(
            DayRequest(
                r["volunteer"],
                _date("day request: day", r["day"]),
                r["on"],
                r.get("weight", 1),
                r.get("kind"),
            )
            for r in requests
        ),
        forbidden_successions=frozenset(
            _succession(p)
            for p in _list("forbidden_successions", data.get("forbidden_successions"))
        ),
        first_day=_date("problem: first_day", data["first_day"]) if data.get("first_day") else None,
        last_day=_date("problem: last_day", data["last_day"]) if data.get("last_day") else None,
        weights=Weights(**weights),
    )


def options_from_dict(data: Any) -> SolveOptions:
    """The options of a problem file's run (`FILE_OPTIONS`; the others, and those the
    file leaves out, at `SolveOptions`' defaults); ValueError for a bad one."""
    _object("problem", data, _names(Problem) | set(FILE_OPTIONS))
    return SolveOptions(**{name: data[name] for name in FILE_OPTIONS if name in data})


def _window(what: str, w: Any) -> AvailabilityWindow:
    what = f"{what}: availability window"
    _object(what, w, _names(AvailabilityWindow), ("start", "end"))
    return AvailabilityWindow(
        _dt(f"{what} start", w["start"]), _dt(f"{what} end", w["end"]), w.get("preferred", False)
    )


def _succession(pair: Any) -> tuple[str, str]:
    if not (isinstance(pair, list) and len(pair) == 2):
        raise ValueError(f"forbidden_successions: expected [kind, next kind], got {pair!r}")
    return pair[0], pair[1]


def problem_to_dict(p: Problem, options: SolveOptions | None = None) -> dict[str, Any]:
    """The problem as a JSON document; with `options`, those a file carries for the
    command line's run (`FILE_OPTIONS`) too."""

    def window(w: AvailabilityWindow) -> dict[str, Any]:
        return {"start": w.start.isoformat(), "end": w.end.isoformat(), "preferred": w.preferred}

    document = {
        "shifts": [
            {
                "id": s.id,
                "station": s.station,
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "min_headcount": s.min_headcount,
                "max_headcount": s.max_headcount,
                "skill_needs": dict(s.skill_needs),
                "required_skills": sorted(s.required_skills),
                "priority": s.priority,
                "kind": s.kind,
                "day": s.on_day.isoformat(),
                "under_weight": s.under_weight,
                "over_weight": s.over_weight,
                "reservations": [
                    {
                        "team": r.team,
                        "members": sorted(r.members, key=str),
                        "seats": r.seats,
                        "name": r.name,
                    }
                    for r in s.reservations
                ],
            }
            for s in p.shifts
        ],
        "volunteers": [
            {
                "id": v.id,
                "skills": sorted(v.skills),
                "availability": None
                if v.availability is None
                else [window(w) for w in v.availability],
                "unavailable_dates": sorted(d.isoformat() for d in v.unavailable_dates),
                "preferred_stations": sorted(v.preferred_stations, key=str),
                "max_shifts_per_kind": dict(v.max_shifts_per_kind),
                "fixed_duties": [
                    {
                        "start": d.start.isoformat(),
                        "end": d.end.isoformat(),
                        "day": d.on_day.isoformat(),
                    }
                    for d in v.fixed_duties
                ],
                **{k: getattr(v, k) for k in VOLUNTEER_LIMITS if getattr(v, k) is not None},
            }
            for v in p.volunteers
        ],
        "travel_minutes": [
            {"volunteer": v, "station": s, "minutes": m} for (v, s), m in p.travel_minutes.items()
        ],
        "pinned": [dataclasses.asdict(a) for a in p.pinned],
        "forbidden": [dataclasses.asdict(a) for a in p.forbidden],
        "previous": [dataclasses.asdict(a) for a in p.previous],
        "requests": [
            {
                "volunteer": r.volunteer,
                "day": r.day.isoformat(),
                "on": r.on,
                "weight": r.weight,
                "kind": r.kind,
            }
            for r in p.requests
        ],
        "forbidden_successions": sorted([a, b] for a, b in p.forbidden_successions),
        "first_day": p.first_day.isoformat() if p.first_day else None,
        "last_day": p.last_day.isoformat() if p.last_day else None,
        "weights": dataclasses.asdict(p.weights),
    }
    if options is not None:
        document |= {name: getattr(options, name) for name in FILE_OPTIONS}
    return document


def solution_to_dict(s: Solution) -> dict[str, Any]:
    def finite(x: float | None) -> float | None:
        return x if x is None or abs(x) != float("inf") else None

    return {
        "status": s.status,
        "assignments": [dataclasses.asdict(a) for a in s.assignments],
        "objective": s.objective,
        "objective_by_rule": s.objective_by_rule,
        "best_bound": finite(s.best_bound),
        "gap": s.gap,
        "wall_seconds": round(s.wall_seconds, 3),
        "first_solution_seconds": s.first_solution_seconds,
        "unfilled": [
            {
                "shift": u.shift,
                "skill": u.skill,
                "count": u.count,
                "reasons": [dataclasses.asdict(r) for r in u.reasons],
            }
            for u in s.unfilled
        ],
        "progress": [
            {"seconds": round(p.seconds, 3), "objective": p.objective, "bound": finite(p.bound)}
            for p in s.progress
        ],
        "method": s.method,
        "neighbourhoods": [dataclasses.asdict(n) for n in s.neighbourhoods],
    }
