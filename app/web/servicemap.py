"""The console's 15-minute service circle: /console/map."""

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deps import SessionDep
from app.districts import service as district_service
from app.errors import NotFound
from app.rosters import circle as circle_service
from app.rosters import recruitment
from app.rosters import service as roster_service
from app.rosters.models import Roster
from app.settings import get_settings
from app.web.console import ConsoleAccount, iso_week, visible_districts
from app.web.pages import PageRoute, gettext_for, render
from app.web.rosters import recruitment_panel
from app.web.stations import map_context, with_map

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)


def percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


@router.get("/map")
def service_map(
    request: Request,
    session: SessionDep,
    account: ConsoleAccount,
    district: int | None = None,
    roster: str | None = None,
):
    districts = visible_districts(session, account)
    context: dict = {"account": account, "districts": districts, **map_context()}
    if not districts:
        return render(request, "console/servicemap.html", context)
    # A roster chosen for its recruitment advice names its district (404 outside scope).
    # The form's "no roster" sends an empty value.
    chosen_roster = None
    if roster:
        if not roster.isdigit() or len(roster) > 18:
            raise NotFound(f"Roster {roster[:20]!r} not found.")
        chosen_roster = roster_service.get_roster(session, account, int(roster))
    if chosen_roster is not None:
        district = chosen_roster.district_id
    chosen = (
        district_service.get_district_in_scope(session, account, district)
        if district is not None
        else districts[0]
    )
    today = datetime.now(ZoneInfo(get_settings().default_timezone)).date()
    week = iso_week(today)
    circle = circle_service.service_circle(session, account, chosen.id, week)
    stations = [
        {"code": s.code, "name": s.name, "lat": s.lat, "lon": s.lon} for s in circle.stations
    ]
    recruit, panel = where_to_recruit(session, chosen_roster, circle, gettext_for(request))
    context |= {
        "district": chosen,
        "week": week,
        "circle": circle,
        "within": percent(circle.share_within),
        "duties_within": percent(circle.share_duties_within),
        "map_data": json.dumps(
            {
                "stations": stations,
                "cells": circle.cells,
                "radius_m": circle.radius_km * 1000,
                "recruit": recruit,
            }
        ),
        "min_cell": circle_service.MIN_CELL_VOLUNTEERS,
        "rosters": solved_rosters(session, chosen.id),
        "chosen_roster": chosen_roster,
        "recruitment": panel,
    }
    return with_map(render(request, "console/servicemap.html", context))


# The rosters the map offers for their recruitment advice: the district's latest solved.
ROSTER_CHOICES = 20


def solved_rosters(session: Session, district_id: int) -> list[Roster]:
    return list(
        session.scalars(
            select(Roster)
            .where(Roster.district_id == district_id, Roster.status.in_(recruitment.SOLVED))
            .order_by(Roster.id.desc())
            .limit(ROSTER_CHOICES)
        )
    )


def where_to_recruit(
    session: Session, roster: Roster | None, circle: circle_service.Circle, _: Any
) -> tuple[list[dict], dict | None]:
    """The stations the roster's recruitment advice names, with how many recruits to
    find near each and the seats they fill, for the map; and the advice as sentences.
    Nothing without a chosen roster or one still without a solution."""
    if roster is None or roster.status not in recruitment.SOLVED:
        return [], None
    advice = recruitment.advice_for(session, roster)
    places = {s.id: s for s in circle.stations}
    marks: dict[int, dict] = {}
    for p in advice.profiles:
        station = places.get(p.near_station_id)
        if station is None:  # a station deactivated since the week's shifts were made
            continue
        mark = marks.setdefault(
            station.id,
            {"code": station.code, "name": station.name, "lat": station.lat,
             "lon": station.lon, "volunteers": 0, "seats": 0},
        )  # fmt: skip
        mark["volunteers"] += p.volunteers_needed
        mark["seats"] += p.seats_filled
    for mark in marks.values():
        mark["label"] = _("{code} · to recruit: {n} · seats they fill: {seats}").format(
            code=mark["code"], n=mark["volunteers"], seats=mark["seats"]
        )
    return sorted(marks.values(), key=lambda m: m["code"]), recruitment_panel(advice, _)
