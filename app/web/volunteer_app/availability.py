"""My availability: a week grid of half-hours (preferred / available / not available),
dated absences, my limits, my district and preferred stations; saved all at once and
only when all of it is valid, each problem named next to its field.

Without script the grid is a table of plain selects; app/web/static/app/availability.js
lets a tap cycle a cell. The same services and schemas as the API's
PUT /volunteers/me/availability and PATCH /volunteers/me.
"""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.deps import SessionDep
from app.districts import service as district_service
from app.errors import Conflict, InvalidInput
from app.pagination import PageParams
from app.stations.models import Station
from app.types import minutes_of_day
from app.volunteers import service as volunteer_service
from app.volunteers.models import Volunteer
from app.volunteers.schemas import Availability, VolunteerUpdate
from app.web.pages import gettext_for, redirect, render
from app.web.volunteer_app.common import AppPageRoute, AppVolunteer, check_csrf, volunteer_of
from app.web.volunteer_app.forms import (
    LIMITS,
    NotANumber,
    field_message,
    limit_fields,
    messages_for,
    optional_number,
)

router = APIRouter(prefix="/app", route_class=AppPageRoute, include_in_schema=False)

SLOTS = 48  # half-hours of a day
STATES = {"p": "preferred", "a": "available"}
CODES = {name: code for code, name in STATES.items()}
EVERYTHING = PageParams(limit=500, offset=0)


def slot_label(slot: int) -> str:
    return f"{slot // 2:02d}:{slot % 2 * 30:02d}"


def grid_of(volunteer: Volunteer) -> dict[tuple[int, int], str]:
    """Cell (weekday, half-hour) -> "p" or "a"; a cell counts when a window covers its
    start (windows are half-hour aligned when saved from this page)."""
    cells: dict[tuple[int, int], str] = {}
    for window in volunteer.weekly:
        start, end = minutes_of_day(window.start), minutes_of_day(window.end)
        for slot in range(SLOTS):
            if start <= slot * 30 < end:
                cells[window.weekday, slot] = CODES.get(window.preference, "a")
    return cells


def windows_of(cells: dict[tuple[int, int], str]) -> list[dict[str, Any]]:
    """Runs of equal cells of a day become one window each ("24:00" ends a day)."""
    windows = []
    for weekday in range(1, 8):
        slot = 0
        while slot < SLOTS:
            state = cells.get((weekday, slot))
            if state is None:
                slot += 1
                continue
            end = slot
            while end < SLOTS and cells.get((weekday, end)) == state:
                end += 1
            windows.append(
                {
                    "weekday": weekday,
                    "start": slot_label(slot),
                    "end": "24:00" if end == SLOTS else slot_label(end),
                    "preference": STATES[state],
                }
            )
            slot = end
    return windows


def district_stations(session: Session, district_id: int | None) -> list[Station]:
    if district_id is None:
        return []
    return list(
        session.scalars(
            select(Station)
            .where(Station.district_id == district_id, Station.is_active.is_(True))
            .order_by(Station.name)
        )
    )


def form_values(volunteer: Volunteer) -> dict[str, Any]:
    return {
        "cells": grid_of(volunteer),
        "any_time": volunteer.availability_mode == "any_time",
        "absences": [
            {"from": e.start_date.isoformat(), "to": e.end_date.isoformat()}
            for e in sorted(volunteer.exceptions, key=lambda e: e.start_date)
        ],
        "limits": {
            field: "" if getattr(volunteer, field) is None else f"{getattr(volunteer, field):g}"
            for field in LIMITS
        },
        "district_id": "" if volunteer.district_id is None else str(volunteer.district_id),
        "stations": set(volunteer.preferred_station_ids or []),
    }


def availability_page(
    request: Request,
    session: Session,
    account: Account,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
):
    _ = gettext_for(request)
    volunteer = volunteer_of(session, account)
    values = values or form_values(volunteer)
    district = int(values["district_id"]) if values["district_id"].isdigit() else None
    days = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    notices = {
        "registered": _("Welcome! Mark when you can serve, so that rosters can count on you."),
        "saved": _("Saved."),
    }
    context = {
        "account": account,
        "values": values,
        "errors": errors or {},
        "days": days,
        "slots": [(slot, slot_label(slot)) for slot in range(SLOTS)],
        "districts": district_service.list_districts(session, EVERYTHING).items,
        "stations": district_stations(session, district or volunteer.district_id),
        "limit_fields": limit_fields(_),
        "notice": notices.get(request.query_params.get("done", "")),
    }
    return render(request, "app/availability.html", context, status=status)


@router.get("/availability")
def availability_form(request: Request, session: SessionDep, account: AppVolunteer):
    return availability_page(request, session, account)


@router.post("/availability")
async def save_availability(request: Request, session: SessionDep, account: AppVolunteer):
    form = await request.form()
    fields = {key: str(value)[:200] for key, value in form.items() if isinstance(value, str)}
    absences = list(
        zip(
            [str(v) for v in form.getlist("away_from")][:200],
            [str(v) for v in form.getlist("away_to")][:200],
            strict=False,
        )
    )
    removed = {str(v) for v in form.getlist("away_remove")}
    stations = [str(v) for v in form.getlist("stations")][:50]
    return await run_in_threadpool(
        save, request, session, account, fields, absences, removed, stations
    )


def save(
    request: Request,
    session: Session,
    account: Account,
    form: dict[str, str],
    absences: list[tuple[str, str]],
    removed: set[str],
    station_choice: list[str],
):
    _ = gettext_for(request)
    check_csrf(request, form.get("csrf_token"))
    volunteer = volunteer_of(session, account)
    errors: dict[str, str] = {}
    cells = {
        (weekday, slot): form[f"c{weekday}-{slot}"]
        for weekday in range(1, 8)
        for slot in range(SLOTS)
        if form.get(f"c{weekday}-{slot}") in STATES
    }
    any_time = form.get("any_time") == "yes"
    if any_time and cells:
        errors["any_time"] = _("Either tick “at any time” or mark times in the grid, not both.")
    kept: list[dict[str, str]] = []
    ranges = []
    for index, (start, end) in enumerate(absences):
        if str(index) in removed or not (start.strip() or end.strip()):
            continue
        row = {"from": start.strip(), "to": end.strip()}
        kept.append(row)
        try:
            first, last = (
                date.fromisoformat(row["from"]),
                date.fromisoformat(row["to"] or row["from"]),
            )
        except ValueError:
            errors[f"away-{len(kept) - 1}"] = _("Enter both dates, e.g. 2026-02-01.")
            continue
        if last < first:
            errors[f"away-{len(kept) - 1}"] = _("The last day may not come before the first.")
            continue
        ranges.append({"start_date": first, "end_date": last})
    limits: dict[str, float | int | None] = {}
    for field in LIMITS:
        try:
            limits[field] = optional_number(
                form.get(field, ""), whole=field != "max_hours_per_week"
            )
        except NotANumber:
            errors[field] = field_message(_, field)
    district = form.get("district_id", "")
    stations = sorted({int(s) for s in station_choice if s.isdigit() and len(s) < 10})
    values = {
        "cells": cells,
        "any_time": any_time,
        "absences": kept,
        "limits": {field: form.get(field, "") for field in LIMITS},
        "district_id": district,
        "stations": set(stations),
    }
    availability = update = None
    if not errors:
        try:
            availability = Availability.model_validate(
                {
                    "availability_mode": "any_time" if any_time else "windows",
                    "weekly": windows_of(cells),
                    "exceptions": ranges,
                }
            )
        except ValidationError:
            errors["form"] = _("The availability could not be read. Reload the page and try again.")
        try:
            update = VolunteerUpdate.model_validate(
                limits
                | {
                    "district_id": int(district) if district.isdigit() else None,
                    "preferred_station_ids": stations,
                }
            )
        except ValidationError as invalid:
            errors |= messages_for(_, invalid.errors())
    if not errors and availability is not None and update is not None:
        try:
            volunteer_service.update(session, account, volunteer, update)
            volunteer_service.set_availability(session, volunteer, availability)
        except InvalidInput as invalid:
            session.rollback()
            errors = messages_for(_, invalid.extra["errors"])
        except Conflict as refused:
            session.rollback()
            if refused.extra.get("reason") == "future_duties":
                errors = {
                    "district_id": _(
                        "Finish or cancel your duties in this district before you move."
                    )
                }
            else:
                errors = {"form": _("Your availability cannot be changed any more.")}
    if errors:
        return availability_page(
            request, session, account, values=values, errors=errors, status=422
        )
    return redirect("/app/availability?done=saved")
