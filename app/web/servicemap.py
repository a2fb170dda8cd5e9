"""The console's 15-minute service circle: /console/map."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request

from app.deps import SessionDep
from app.districts import service as district_service
from app.rosters import circle as circle_service
from app.settings import get_settings
from app.web.console import ConsoleAccount, iso_week, visible_districts
from app.web.pages import PageRoute, render
from app.web.stations import map_context, with_map

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)


def percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


@router.get("/map")
def service_map(
    request: Request, session: SessionDep, account: ConsoleAccount, district: int | None = None
):
    districts = visible_districts(session, account)
    context: dict = {"account": account, "districts": districts, **map_context()}
    if not districts:
        return render(request, "console/servicemap.html", context)
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
    context |= {
        "district": chosen,
        "week": week,
        "circle": circle,
        "within": percent(circle.share_within),
        "duties_within": percent(circle.share_duties_within),
        "map_data": json.dumps(
            {"stations": stations, "cells": circle.cells, "radius_m": circle.radius_km * 1000}
        ),
        "min_cell": circle_service.MIN_CELL_VOLUNTEERS,
    }
    return with_map(render(request, "console/servicemap.html", context))
