"""JSON in and out (the schema is described in solver/README.md).

Datetimes are ISO 8601 strings with an offset, dates are YYYY-MM-DD, ids are JSON
strings or integers and come back as given.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from solver.problem import (
    Assignment,
    AvailabilityWindow,
    DayRequest,
    Problem,
    Shift,
    Volunteer,
    Weights,
)
from solver.solution import Solution

_VOLUNTEER_LIMITS = (
    "max_minutes_per_week",
    "max_shifts_per_week",
    "max_consecutive_days",
    "min_rest_minutes",
    "max_travel_minutes",
    "max_shifts_per_day",
    "min_total_minutes",
    "max_total_minutes",
    "min_consecutive_days",
    "min_consecutive_days_off",
    "max_weekends",
)


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _assignments(rows: list[dict[str, Any]] | None) -> tuple[Assignment, ...]:
    return tuple(Assignment(r["volunteer"], r["shift"]) for r in rows or ())


def _known(kind: str, row: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(row) - allowed
    if unknown:
        raise ValueError(f"{kind}: unknown field(s) {sorted(unknown)}")


def problem_from_dict(data: dict[str, Any]) -> Problem:
    _known("problem", data, {f.name for f in dataclasses.fields(Problem)})
    shifts = []
    for r in data.get("shifts", []):
        _known(f"shift {r.get('id')!r}", r, {f.name for f in dataclasses.fields(Shift)})
        shifts.append(
            Shift(
                id=r["id"],
                station=r["station"],
                start=_dt(r["start"]),
                end=_dt(r["end"]),
                min_headcount=r.get("min_headcount", 1),
                max_headcount=r.get("max_headcount", 1),
                skill_needs=r.get("skill_needs", {}),
                required_skills=frozenset(r.get("required_skills", ())),
                priority=r.get("priority", 3),
                kind=r.get("kind"),
                day=date.fromisoformat(r["day"]) if r.get("day") else None,
                under_weight=r.get("under_weight"),
                over_weight=r.get("over_weight", 0),
            )
        )
    volunteers = []
    for r in data.get("volunteers", []):
        _known(f"volunteer {r.get('id')!r}", r, {f.name for f in dataclasses.fields(Volunteer)})
        windows = r.get("availability")
        volunteers.append(
            Volunteer(
                id=r["id"],
                skills=frozenset(r.get("skills", ())),
                availability=None
                if windows is None
                else tuple(
                    AvailabilityWindow(_dt(w["start"]), _dt(w["end"]), w.get("preferred", False))
                    for w in windows
                ),
                unavailable_dates=frozenset(
                    date.fromisoformat(d) for d in r.get("unavailable_dates", ())
                ),
                preferred_stations=frozenset(r.get("preferred_stations", ())),
                max_shifts_per_kind=r.get("max_shifts_per_kind", {}),
                **{k: r[k] for k in _VOLUNTEER_LIMITS if r.get(k) is not None},
            )
        )
    return Problem(
        shifts=tuple(shifts),
        volunteers=tuple(volunteers),
        travel_minutes={
            (t["volunteer"], t["station"]): t["minutes"] for t in data.get("travel_minutes", [])
        },
        pinned=_assignments(data.get("pinned")),
        forbidden=_assignments(data.get("forbidden")),
        previous=_assignments(data.get("previous")),
        requests=tuple(
            DayRequest(
                r["volunteer"],
                date.fromisoformat(r["day"]),
                r["on"],
                r.get("weight", 1),
                r.get("kind"),
            )
            for r in data.get("requests", [])
        ),
        forbidden_successions=frozenset(tuple(p) for p in data.get("forbidden_successions", [])),
        first_day=date.fromisoformat(data["first_day"]) if data.get("first_day") else None,
        last_day=date.fromisoformat(data["last_day"]) if data.get("last_day") else None,
        weights=Weights(**data.get("weights", {})),
        time_limit_seconds=data.get("time_limit_seconds", 10.0),
        seed=data.get("seed", 0),
        workers=data.get("workers", 2),
    )


def problem_to_dict(p: Problem) -> dict[str, Any]:
    def window(w: AvailabilityWindow) -> dict[str, Any]:
        return {"start": w.start.isoformat(), "end": w.end.isoformat(), "preferred": w.preferred}

    return {
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
                **{k: getattr(v, k) for k in _VOLUNTEER_LIMITS if getattr(v, k) is not None},
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
        "time_limit_seconds": p.time_limit_seconds,
        "seed": p.seed,
        "workers": p.workers,
    }


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
    }
